// One simulated vendor tenant: the seeded Fleet (fleet.h) plus an overlay of the changes made
// through the control API's mutate (records added, renamed, updated, deactivated, deleted), with
// the update stamps a vendor would move. The fleet stays computed on demand, so a million devices
// still cost nothing; only changed records are held.
//
// Readers take a View(): an immutable snapshot that one request uses throughout (a page is never
// half old, half new). Mutate and Reset publish a new snapshot; views already taken stay valid.
//
// Records are addressed by RecordKey (company, index); a company's key is (company, 0). Each vendor
// maps keys to its own ids, and must map them in a way that keeps working for added records
// (company slots past the seeded count, child indices past the per-company count).
//
// Stamps: every seeded record was created between 2019-01-01 and 2022-01-01 and last updated
// before kSeedStampsBeforeMs; a mutated record is stamped with the tenant's clock (real time by
// default). So "updated after T" with T at or after kSeedStampsBeforeMs only needs ChangedSince().
//
// Thread-safe: View() and the mutators may be called from any thread.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/status.h"
#include "sims/common/fleet.h"

namespace cairn::sims {

const char* RecordKindName(RecordKind kind);  // "company", "contact", ...

struct RecordKey {
  int64_t company = 0;
  int64_t index = 0;  // 0 for a company
  auto operator<=>(const RecordKey&) const = default;
};

struct RecordStamps {
  int64_t created_ms = 0;  // Unix milliseconds
  int64_t updated_ms = 0;
};

// 2024-01-01T00:00:00Z: every seeded record's updated stamp is before it.
inline constexpr int64_t kSeedStampsBeforeMs = 1704067200000;

enum class MutateAction { kAdd, kRename, kUpdate, kDeactivate, kActivate, kDelete };
// "add", "rename", "update", "deactivate", "activate", "delete" -> action; nullopt otherwise.
std::optional<MutateAction> ParseMutateAction(const std::string& name);

struct MutateRequest {
  RecordKind kind = RecordKind::kCompany;
  MutateAction action = MutateAction::kUpdate;
  // Either `count` records chosen by the tenant (spread evenly over the live ones, in key order;
  // deactivate picks active ones, activate inactive ones) or exactly `keys` (every one must be live, else nothing changes).
  int64_t count = 0;
  std::vector<RecordKey> keys;
  // add of a child kind: the company to add to (must be live); by default new records go round
  // robin over the live companies. Ignored for companies.
  std::optional<int64_t> company;
};

namespace internal {
struct Overlay;
}

using AnyRecord = std::variant<FakeCompany, FakeContact, FakeSite, FakeDevice, FakeAgreement>;

// An immutable snapshot of the tenant. Cheap to take; hold it for one request.
class TenantView {
 public:
  const FleetOptions& options() const { return fleet_->options(); }
  uint64_t version() const;  // 0 for the seed; +1 per successful mutate

  // Company slots: the seeded companies plus those added (deleted ones keep their slot).
  int64_t CompanySlots() const;
  // Index slots of a child kind in one company: the per-company count (0 for an added company)
  // plus those added. For kCompany, 1.
  int64_t Slots(RecordKind kind, int64_t company) const;
  // In range, not deleted, and (for a child) its company not deleted.
  bool Live(RecordKind kind, RecordKey key) const;

  // The record as the vendor holds it now; nullopt when not Live.
  std::optional<FakeCompany> Company(int64_t company) const;
  std::optional<FakeContact> Contact(int64_t company, int64_t index) const;
  std::optional<FakeSite> Site(int64_t company, int64_t index) const;
  std::optional<FakeDevice> Device(int64_t company, int64_t index) const;
  std::optional<FakeAgreement> Agreement(int64_t company, int64_t index) const;

  // Creation and last-update stamps (defined for any key in range, live or not).
  RecordStamps Stamps(RecordKind kind, RecordKey key) const;

  // Live records of a kind in key order: over all companies (company = nullopt) or one company's.
  int64_t Total(RecordKind kind, std::optional<int64_t> company = std::nullopt) const;
  // The keys at positions [first, first + n) of that order (fewer at the end). O(n) plus a
  // binary search, whatever the tenant's size.
  std::vector<RecordKey> Page(RecordKind kind, std::optional<int64_t> company, int64_t first,
                              int64_t n) const;
  // Calls fn on every live record in key order until it returns false.
  void ForEach(RecordKind kind, std::optional<int64_t> company,
               const std::function<bool(RecordKey)>& fn) const;
  // Records changed through mutate (live or deleted) with updated_ms > since_ms, in key order.
  std::vector<RecordKey> ChangedSince(RecordKind kind, int64_t since_ms) const;

  // Whether a live record is active (sites always are); cheap, without building the record.
  bool Active(RecordKind kind, RecordKey key) const;
  // Total and Page restricted to active (active = true) or inactive records. The first call per
  // kind builds an index of the view (one cheap check per record, ~20 ms for a million); then a
  // page costs its records plus one company's walk.
  int64_t TotalWithActivity(RecordKind kind, std::optional<int64_t> company, bool active) const;
  std::vector<RecordKey> PageWithActivity(RecordKind kind, std::optional<int64_t> company, bool active,
                                          int64_t first, int64_t n) const;

  TenantView(std::shared_ptr<const Fleet> fleet, std::shared_ptr<const internal::Overlay> overlay)
      : fleet_(std::move(fleet)), o_(std::move(overlay)) {}

 private:
  friend class Tenant;
  int64_t LiveIn(RecordKind kind, int64_t company) const;  // live records of a kind in a company
  const AnyRecord* Changed(RecordKind kind, RecordKey key) const;
  // Calls fn on live records from position `first` of the order (see Total) until it returns
  // false or the records run out.
  void Walk(RecordKind kind, std::optional<int64_t> company, int64_t first,
            const std::function<bool(RecordKey)>& fn) const;
  // For one kind: live[c] and active[c] = live / active records in companies < c (size slots + 1).
  struct ActivityIndex {
    std::vector<int64_t> live, active;
  };
  const ActivityIndex& Activity(RecordKind kind) const;

  std::shared_ptr<const Fleet> fleet_;
  std::shared_ptr<const internal::Overlay> o_;
  mutable std::once_flag activity_once_[kRecordKinds];
  mutable ActivityIndex activity_[kRecordKinds];
};

class Tenant {
 public:
  // clock_ms: Unix milliseconds for update stamps; null = the system clock.
  explicit Tenant(FleetOptions options, std::function<int64_t()> clock_ms = {});
  ~Tenant();

  std::shared_ptr<const TenantView> View() const;

  // Applies one mutation atomically and answers the keys it touched (for add, the new records).
  // Errors (nothing changes): a key that is not live (kNotFound), add to a deleted or unknown
  // company, (de)activate of a site (sites have no active flag at any vendor we model: use delete),
  // fewer eligible records than `count`,
  // count < 1 with no keys, or count > 100,000 (kInvalidArgument).
  Result<std::vector<RecordKey>> Mutate(const MutateRequest& request);
  // Back to the seed.
  void Reset();

 private:
  std::shared_ptr<const Fleet> fleet_;
  std::function<int64_t()> clock_ms_;
  mutable std::mutex mu_;
  std::shared_ptr<const TenantView> view_;  // guarded by mu_
};

}  // namespace cairn::sims
