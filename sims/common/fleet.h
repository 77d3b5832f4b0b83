// A made-up MSP client base, generated from a seed: companies with their contacts, sites, devices
// and agreements. Every record is computed on demand from (seed, kind, company, index), so a
// simulator can serve a million devices without holding them: record i is the same every time it
// is asked for, and nothing is stored. Each vendor simulator maps these vendor-neutral records
// into its own wire shapes; changes made through a simulator's control API live in its own
// overlay on top.
//
// Realism that matters to a sync engine: near-duplicate company names across simulators ("Acme
// Ltd" / "ACME Limited" / "Acme, Inc." for the same company index under different seeds),
// non-ASCII names, inactive records, device types in realistic proportions, empty and placeholder
// serials ("To be filled by O.E.M."), and an optional fleet shared between two simulators (same
// serials) for cross-vendor matching.
//
// Thread-safe: a Fleet is immutable after construction.
#pragma once

#include <cstdint>
#include <string>

namespace cairn::sims {

struct FleetOptions {
  uint64_t seed = 1;
  int64_t companies = 12;
  int64_t contacts_per_company = 5;
  int64_t sites_per_company = 2;
  int64_t devices_per_company = 20;
  int64_t agreements_per_company = 1;
  // Share of companies, contacts and devices that are inactive/disabled at the vendor.
  double inactive_share = 0.05;
  // When non-zero, the first `shared_share` of each company's devices take their serial, maker,
  // model and type from this seed instead of `seed`: two simulators given the same shared seed
  // document the same physical machines.
  uint64_t shared_fleet_seed = 0;
  double shared_share = 0.3;
};

struct FakeCompany {
  int64_t index = 0;
  std::string name;
  std::string identifier;  // a short code such as "ACME01"
  std::string phone;
  std::string website;
  std::string address_line_1;
  std::string city;
  std::string state;
  std::string zip;
  std::string country;
  std::string type;  // "Client", "Prospect", "Partner"
  bool active = true;
};

struct FakeContact {
  int64_t company = 0;
  int64_t index = 0;
  std::string first_name;
  std::string last_name;
  std::string email;
  std::string phone;
  std::string title;
  bool active = true;
};

struct FakeSite {
  int64_t company = 0;
  int64_t index = 0;
  std::string name;  // "Main Office", "Warehouse", ...
  std::string address_line_1;
  std::string city;
  std::string zip;
  std::string phone;
  bool primary = false;
};

// The five kinds of record a fleet holds.
enum class RecordKind { kCompany = 0, kContact, kSite, kDevice, kAgreement };
inline constexpr int kRecordKinds = 5;

enum class DeviceType { kWorkstation, kLaptop, kServer, kFirewall, kSwitch, kPrinter, kPhone };
const char* DeviceTypeName(DeviceType t);  // "Workstation", "Laptop", ...

struct FakeDevice {
  int64_t company = 0;
  int64_t index = 0;
  DeviceType type = DeviceType::kWorkstation;
  std::string name;  // host name, e.g. "ACME-LT-0042"
  std::string manufacturer;
  std::string model;
  std::string serial;  // may be "" or a placeholder such as "To be filled by O.E.M."
  std::string os;
  std::string ip;
  std::string mac;
  bool active = true;
  bool shared = false;  // taken from the shared fleet
};

struct FakeAgreement {
  int64_t company = 0;
  int64_t index = 0;
  std::string name;  // "Managed Services - Gold"
  std::string type;  // "Managed Services", "Block Hours", ...
  int64_t monthly_cents = 0;
  bool active = true;
};

class Fleet {
 public:
  explicit Fleet(FleetOptions options);

  const FleetOptions& options() const { return o_; }
  int64_t companies() const { return o_.companies; }

  // REQUIRES: 0 <= company < companies(), 0 <= index < the per-company count of the kind.
  FakeCompany Company(int64_t company) const;
  FakeContact Contact(int64_t company, int64_t index) const;
  FakeSite Site(int64_t company, int64_t index) const;
  FakeDevice Device(int64_t company, int64_t index) const;
  FakeAgreement Agreement(int64_t company, int64_t index) const;
  // The `active` flag of that record, without computing the rest of it (a few hashes): what
  // lets a simulator count and page active records of a million quickly. Sites are always active.
  bool Active(RecordKind kind, int64_t company, int64_t index) const;

 private:
  FleetOptions o_;
};

// The placeholder serials that firmware ships with; a sync must not match machines on them.
bool IsPlaceholderSerial(const std::string& serial);

}  // namespace cairn::sims
