#include "sims/common/tenant.h"

#include <algorithm>
#include <chrono>
#include <iterator>

#include "sims/common/util.h"

namespace cairn::sims {
namespace internal {

struct Entry {
  AnyRecord record;
  RecordStamps stamps;
  bool deleted = false;
};

// Everything mutate has changed, copied and replaced whole on each mutation (views share it).
struct Overlay {
  uint64_t version = 0;
  int64_t added_companies = 0;
  std::map<RecordKey, Entry> changed[kRecordKinds];
  // Child kinds: company -> slots added to it.
  std::map<int64_t, int64_t> added[kRecordKinds];
  // Child kinds: company -> its deleted indices, sorted. kCompany: key 0 -> deleted companies.
  std::map<int64_t, std::vector<int64_t>> deleted[kRecordKinds];
  // Child kinds, once anything was added or deleted: prefix[c] = live records in companies < c
  // (size CompanySlots() + 1). Empty while the layout is still the seed's.
  std::vector<int64_t> prefix[kRecordKinds];
};

}  // namespace internal

namespace {

using internal::Overlay;

int K(RecordKind kind) { return static_cast<int>(kind); }

int64_t PerCompany(const FleetOptions& o, RecordKind kind) {
  switch (kind) {
    case RecordKind::kCompany: return 1;
    case RecordKind::kContact: return o.contacts_per_company;
    case RecordKind::kSite: return o.sites_per_company;
    case RecordKind::kDevice: return o.devices_per_company;
    case RecordKind::kAgreement: return o.agreements_per_company;
  }
  return 0;
}

const std::vector<int64_t>& NoIndices() {
  static const std::vector<int64_t> empty;
  return empty;
}

const std::vector<int64_t>& DeletedIn(const Overlay& o, RecordKind kind, int64_t company) {
  auto& m = o.deleted[K(kind)];
  auto it = m.find(kind == RecordKind::kCompany ? 0 : company);
  return it == m.end() ? NoIndices() : it->second;
}

bool Contains(const std::vector<int64_t>& sorted, int64_t v) {
  return std::binary_search(sorted.begin(), sorted.end(), v);
}

// The smallest i in [0, slots) that is the pos-th (0-based) not in `gone`; slots when none.
int64_t NthLive(int64_t slots, const std::vector<int64_t>& gone, int64_t pos) {
  if (gone.empty()) return pos < slots ? pos : slots;
  // live(i) = i + 1 - |gone <= i| is non-decreasing; find the first i with live(i) == pos + 1.
  int64_t lo = pos, hi = std::min<int64_t>(slots, pos + static_cast<int64_t>(gone.size()) + 1);
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    int64_t below = std::upper_bound(gone.begin(), gone.end(), mid) - gone.begin();
    if (mid + 1 - below >= pos + 1) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const char* const kRenameWords[] = {"Holdings", "Worldwide", "Partners", "Services", "International",
                                    "Solutions"};
const char* const kNewSurnames[] = {"Walker", "Hughes", "Evans", "Wright", "Clarke", "Hall"};

}  // namespace

const char* RecordKindName(RecordKind kind) {
  switch (kind) {
    case RecordKind::kCompany: return "company";
    case RecordKind::kContact: return "contact";
    case RecordKind::kSite: return "site";
    case RecordKind::kDevice: return "device";
    case RecordKind::kAgreement: return "agreement";
  }
  return "record";
}

std::optional<MutateAction> ParseMutateAction(const std::string& name) {
  if (name == "add") return MutateAction::kAdd;
  if (name == "rename") return MutateAction::kRename;
  if (name == "update") return MutateAction::kUpdate;
  if (name == "deactivate") return MutateAction::kDeactivate;
  if (name == "activate") return MutateAction::kActivate;
  if (name == "delete") return MutateAction::kDelete;
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// TenantView

uint64_t TenantView::version() const { return o_->version; }

int64_t TenantView::CompanySlots() const { return fleet_->companies() + o_->added_companies; }

int64_t TenantView::Slots(RecordKind kind, int64_t company) const {
  if (kind == RecordKind::kCompany) return 1;
  int64_t base = company < fleet_->companies() ? PerCompany(options(), kind) : 0;
  auto& added = o_->added[K(kind)];
  auto it = added.find(company);
  return base + (it == added.end() ? 0 : it->second);
}

bool TenantView::Live(RecordKind kind, RecordKey key) const {
  if (key.company < 0 || key.company >= CompanySlots()) return false;
  if (Contains(DeletedIn(*o_, RecordKind::kCompany, 0), key.company)) return false;
  if (kind == RecordKind::kCompany) return key.index == 0;
  return key.index >= 0 && key.index < Slots(kind, key.company) &&
         !Contains(DeletedIn(*o_, kind, key.company), key.index);
}

const AnyRecord* TenantView::Changed(RecordKind kind, RecordKey key) const {
  auto& m = o_->changed[K(kind)];
  if (m.empty()) return nullptr;
  auto it = m.find(key);
  return it == m.end() ? nullptr : &it->second.record;
}

std::optional<FakeCompany> TenantView::Company(int64_t company) const {
  if (!Live(RecordKind::kCompany, {company, 0})) return std::nullopt;
  if (auto* r = Changed(RecordKind::kCompany, {company, 0})) return std::get<FakeCompany>(*r);
  return fleet_->Company(company);
}

std::optional<FakeContact> TenantView::Contact(int64_t company, int64_t index) const {
  if (!Live(RecordKind::kContact, {company, index})) return std::nullopt;
  if (auto* r = Changed(RecordKind::kContact, {company, index})) return std::get<FakeContact>(*r);
  return fleet_->Contact(company, index);
}

std::optional<FakeSite> TenantView::Site(int64_t company, int64_t index) const {
  if (!Live(RecordKind::kSite, {company, index})) return std::nullopt;
  if (auto* r = Changed(RecordKind::kSite, {company, index})) return std::get<FakeSite>(*r);
  return fleet_->Site(company, index);
}

std::optional<FakeDevice> TenantView::Device(int64_t company, int64_t index) const {
  if (!Live(RecordKind::kDevice, {company, index})) return std::nullopt;
  if (auto* r = Changed(RecordKind::kDevice, {company, index})) return std::get<FakeDevice>(*r);
  return fleet_->Device(company, index);
}

std::optional<FakeAgreement> TenantView::Agreement(int64_t company, int64_t index) const {
  if (!Live(RecordKind::kAgreement, {company, index})) return std::nullopt;
  if (auto* r = Changed(RecordKind::kAgreement, {company, index}))
    return std::get<FakeAgreement>(*r);
  return fleet_->Agreement(company, index);
}

RecordStamps TenantView::Stamps(RecordKind kind, RecordKey key) const {
  auto& m = o_->changed[K(kind)];
  if (!m.empty()) {
    auto it = m.find(key);
    if (it != m.end()) return it->second.stamps;
  }
  // Seeded: created 2019-01-01 .. 2022-01-01, updated up to two years later (before 2024).
  uint64_t h = Mix(options().seed ^ Mix(static_cast<uint64_t>(K(kind) + 1) ^
                                        Mix(static_cast<uint64_t>(key.company) ^
                                            Mix(static_cast<uint64_t>(key.index)))));
  constexpr int64_t kStart = 1546300800000;  // 2019-01-01T00:00:00Z
  constexpr uint64_t kThreeYears = 3ull * 365 * 86400 * 1000;
  constexpr uint64_t kTwoYears = 2ull * 365 * 86400 * 1000;
  RecordStamps s;
  s.created_ms = kStart + static_cast<int64_t>(h % kThreeYears);
  s.updated_ms = s.created_ms + static_cast<int64_t>(Mix(h) % kTwoYears);
  return s;
}

int64_t TenantView::LiveIn(RecordKind kind, int64_t company) const {
  if (!Live(RecordKind::kCompany, {company, 0})) return 0;
  if (kind == RecordKind::kCompany) return 1;
  return Slots(kind, company) - static_cast<int64_t>(DeletedIn(*o_, kind, company).size());
}

int64_t TenantView::Total(RecordKind kind, std::optional<int64_t> company) const {
  if (company) return LiveIn(kind, *company);
  if (kind == RecordKind::kCompany)
    return CompanySlots() - static_cast<int64_t>(DeletedIn(*o_, kind, 0).size());
  const auto& prefix = o_->prefix[K(kind)];
  if (!prefix.empty()) return prefix.back();
  return fleet_->companies() * PerCompany(options(), kind);
}

void TenantView::Walk(RecordKind kind, std::optional<int64_t> company, int64_t first,
                      const std::function<bool(RecordKey)>& fn) const {
  if (first < 0) first = 0;
  const int64_t slots = CompanySlots();
  const auto& gone_companies = DeletedIn(*o_, RecordKind::kCompany, 0);
  if (kind == RecordKind::kCompany) {
    if (company) {
      if (first == 0 && Live(kind, {*company, 0})) fn({*company, 0});
      return;
    }
    for (int64_t c = NthLive(slots, gone_companies, first); c < slots; ++c) {
      if (Contains(gone_companies, c)) continue;
      if (!fn({c, 0})) return;
    }
    return;
  }
  // Child kinds: find the company holding position `first`, then the index within it.
  int64_t c = 0, pos = first;
  if (company) {
    if (!Live(RecordKind::kCompany, {*company, 0})) return;
    c = *company;
  } else {
    const auto& prefix = o_->prefix[K(kind)];
    if (!prefix.empty()) {
      auto it = std::upper_bound(prefix.begin(), prefix.end(), first);
      if (it == prefix.end()) return;
      c = (it - prefix.begin()) - 1;
      pos = first - prefix[static_cast<size_t>(c)];
    } else {
      int64_t per = PerCompany(options(), kind);
      if (per <= 0) return;
      c = first / per;
      pos = first % per;
    }
  }
  const int64_t last_company = company ? *company + 1 : slots;
  for (; c < last_company; ++c, pos = 0) {
    if (Contains(gone_companies, c)) continue;
    const auto& gone = DeletedIn(*o_, kind, c);
    int64_t n = Slots(kind, c);
    for (int64_t i = NthLive(n, gone, pos); i < n; ++i) {
      if (!gone.empty() && Contains(gone, i)) continue;
      if (!fn({c, i})) return;
    }
  }
}

std::vector<RecordKey> TenantView::Page(RecordKind kind, std::optional<int64_t> company,
                                        int64_t first, int64_t n) const {
  std::vector<RecordKey> keys;
  if (n <= 0) return keys;
  keys.reserve(static_cast<size_t>(std::min<int64_t>(n, 10000)));
  Walk(kind, company, first, [&](RecordKey k) {
    keys.push_back(k);
    return static_cast<int64_t>(keys.size()) < n;
  });
  return keys;
}

void TenantView::ForEach(RecordKind kind, std::optional<int64_t> company,
                         const std::function<bool(RecordKey)>& fn) const {
  Walk(kind, company, 0, fn);
}

std::vector<RecordKey> TenantView::ChangedSince(RecordKind kind, int64_t since_ms) const {
  std::vector<RecordKey> keys;
  for (const auto& [key, entry] : o_->changed[K(kind)])
    if (entry.stamps.updated_ms > since_ms) keys.push_back(key);
  return keys;
}

bool TenantView::Active(RecordKind kind, RecordKey key) const {
  if (kind == RecordKind::kSite) return true;
  if (const AnyRecord* r = Changed(kind, key)) {
    return std::visit(
        [](const auto& x) {
          if constexpr (requires { x.active; }) return x.active;
          else return true;
        },
        *r);
  }
  return fleet_->Active(kind, key.company, key.index);
}

const TenantView::ActivityIndex& TenantView::Activity(RecordKind kind) const {
  int k = K(kind);
  std::call_once(activity_once_[k], [&] {
    const int64_t slots = CompanySlots();
    auto& x = activity_[k];
    x.live.assign(static_cast<size_t>(slots) + 1, 0);
    x.active.assign(static_cast<size_t>(slots) + 1, 0);
    for (int64_t c = 0; c < slots; ++c) {
      int64_t live = 0, on = 0;
      Walk(kind, c, 0, [&](RecordKey key) {
        ++live;
        on += Active(kind, key);
        return true;
      });
      x.live[static_cast<size_t>(c) + 1] = x.live[static_cast<size_t>(c)] + live;
      x.active[static_cast<size_t>(c) + 1] = x.active[static_cast<size_t>(c)] + on;
    }
  });
  return activity_[k];
}

int64_t TenantView::TotalWithActivity(RecordKind kind, std::optional<int64_t> company, bool active) const {
  const ActivityIndex& x = Activity(kind);
  auto wanted_before = [&](int64_t c) {
    auto i = static_cast<size_t>(c);
    return active ? x.active[i] : x.live[i] - x.active[i];
  };
  if (!company) return wanted_before(CompanySlots());
  if (*company < 0 || *company >= CompanySlots()) return 0;
  return wanted_before(*company + 1) - wanted_before(*company);
}

std::vector<RecordKey> TenantView::PageWithActivity(RecordKind kind, std::optional<int64_t> company,
                                                    bool active, int64_t first, int64_t n) const {
  std::vector<RecordKey> keys;
  if (n <= 0 || first < 0) return keys;
  const ActivityIndex& x = Activity(kind);
  const int64_t slots = CompanySlots();
  auto wanted_before = [&](int64_t c) {
    auto i = static_cast<size_t>(c);
    return active ? x.active[i] : x.live[i] - x.active[i];
  };
  int64_t c = 0, skip = first;
  if (company) {
    if (*company < 0 || *company >= slots) return keys;
    c = *company;
  } else {
    // The first company whose wanted records reach past `first`.
    int64_t lo = 0, hi = slots;
    while (lo < hi) {
      int64_t mid = lo + (hi - lo) / 2;
      if (wanted_before(mid + 1) > first) hi = mid;
      else lo = mid + 1;
    }
    if (lo >= slots) return keys;
    c = lo;
    skip = first - wanted_before(c);
  }
  const int64_t last = company ? *company + 1 : slots;
  for (; c < last && static_cast<int64_t>(keys.size()) < n; ++c, skip = 0) {
    if (wanted_before(c + 1) == wanted_before(c)) continue;
    Walk(kind, c, 0, [&](RecordKey key) {
      if (Active(kind, key) != active) return true;
      if (skip > 0) {
        --skip;
        return true;
      }
      keys.push_back(key);
      return static_cast<int64_t>(keys.size()) < n;
    });
  }
  return keys;
}

// ---------------------------------------------------------------------------------------------
// Tenant

Tenant::Tenant(FleetOptions options, std::function<int64_t()> clock_ms)
    : fleet_(std::make_shared<const Fleet>(options)), clock_ms_(std::move(clock_ms)) {
  if (!clock_ms_) {
    clock_ms_ = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
  Reset();
}

Tenant::~Tenant() = default;

std::shared_ptr<const TenantView> Tenant::View() const {
  std::lock_guard lock(mu_);
  return view_;
}

void Tenant::Reset() {
  auto view = std::make_shared<const TenantView>(fleet_, std::make_shared<const Overlay>());
  std::lock_guard lock(mu_);
  view_ = std::move(view);
}

namespace {

// A different value for the same field, derived from the mutation's version.
std::string Changed(const std::string& current, const std::string& prefix, uint64_t version) {
  std::string v = prefix + std::to_string(100 + Mix(version) % 900) + " " +
                  std::to_string(1000 + Mix(version + 1) % 9000);
  return v == current ? v + "0" : v;
}

std::string RenameOf(const std::string& current, uint64_t version) {
  // "Acme Ltd" -> "Acme Ltd Holdings"; once renamed, the word is replaced rather than stacked.
  std::string base = current;
  for (const char* w : kRenameWords) {
    std::string suffix = std::string(" ") + w;
    if (base.size() > suffix.size() && base.compare(base.size() - suffix.size(), suffix.size(), suffix) == 0) {
      base.resize(base.size() - suffix.size());
      break;
    }
  }
  constexpr size_t kWords = std::size(kRenameWords);
  for (size_t i = 0; i < kWords; ++i) {
    std::string name = base + " " + kRenameWords[(version + i) % kWords];
    if (name != current) return name;
  }
  return base + " Renamed";
}

}  // namespace

Result<std::vector<RecordKey>> Tenant::Mutate(const MutateRequest& request) {
  constexpr int64_t kMaxCount = 100000;
  const RecordKind kind = request.kind;
  const int k = K(kind);
  const MutateAction action = request.action;
  if (request.keys.empty() && request.count < 1)
    return Status::Invalid("count must be at least 1 (or give ids)");
  if (request.count > kMaxCount || static_cast<int64_t>(request.keys.size()) > kMaxCount)
    return Status::Invalid("count must be at most " + std::to_string(kMaxCount));
  if (kind == RecordKind::kSite && (action == MutateAction::kDeactivate || action == MutateAction::kActivate))
    return Status::Invalid("sites have no active flag; delete them instead");
  if (action == MutateAction::kAdd && !request.keys.empty())
    return Status::Invalid("add takes a count, not ids");

  std::lock_guard lock(mu_);
  const TenantView& cur = *view_;
  auto next = std::make_shared<Overlay>(*cur.o_);
  next->version = cur.o_->version + 1;
  const uint64_t version = next->version;
  const int64_t now = clock_ms_();
  // Reads during the mutation go through a view of the overlay being built.
  TenantView nv(fleet_, next);

  auto stamp_changed = [&](RecordKey key) {
    RecordStamps s = nv.Stamps(kind, key);
    s.updated_ms = std::max(now, s.updated_ms + 1);
    return s;
  };
  auto current = [&](RecordKey key) -> AnyRecord {
    switch (kind) {
      case RecordKind::kCompany: return *nv.Company(key.company);
      case RecordKind::kContact: return *nv.Contact(key.company, key.index);
      case RecordKind::kSite: return *nv.Site(key.company, key.index);
      case RecordKind::kDevice: return *nv.Device(key.company, key.index);
      case RecordKind::kAgreement: return *nv.Agreement(key.company, key.index);
    }
    return FakeCompany{};
  };
  auto is_active = [](const AnyRecord& r) {
    return std::visit(
        [](const auto& x) {
          if constexpr (requires { x.active; }) return x.active;
          else return true;
        },
        r);
  };

  std::vector<RecordKey> touched;
  bool structural = false;
  if (action == MutateAction::kAdd) {
    int64_t live_companies = cur.Total(RecordKind::kCompany);
    if (kind != RecordKind::kCompany) {
      if (request.company) {
        if (!cur.Live(RecordKind::kCompany, {*request.company, 0}))
          return Status::NotFound("no such company to add to");
      } else if (live_companies == 0) {
        return Status::Invalid("there is no company to add to");
      }
    }
    for (int64_t i = 0; i < request.count; ++i) {
      RecordKey key;
      if (kind == RecordKind::kCompany) {
        key = {nv.CompanySlots(), 0};
        next->added_companies++;
      } else {
        int64_t c = request.company ? *request.company
                                    : cur.Page(RecordKind::kCompany, std::nullopt,
                                               static_cast<int64_t>((version + static_cast<uint64_t>(i)) %
                                                                    static_cast<uint64_t>(live_companies)),
                                               1)[0].company;
        key = {c, nv.Slots(kind, c)};
        next->added[k][c]++;
      }
      AnyRecord record;
      switch (kind) {
        case RecordKind::kCompany: record = fleet_->Company(key.company); break;
        case RecordKind::kContact: record = fleet_->Contact(key.company, key.index); break;
        case RecordKind::kSite: record = fleet_->Site(key.company, key.index); break;
        case RecordKind::kDevice: record = fleet_->Device(key.company, key.index); break;
        case RecordKind::kAgreement: record = fleet_->Agreement(key.company, key.index); break;
      }
      // A record that has just been added is active, whatever the seed would have made it.
      std::visit([](auto& x) { if constexpr (requires { x.active; }) x.active = true; }, record);
      next->changed[k][key] = {std::move(record), {now, now}, false};
      touched.push_back(key);
    }
    structural = true;
  } else {
    // The records to change: named, or `count` spread evenly over the eligible live ones.
    auto eligible = [&](RecordKey key) {
      if (action == MutateAction::kDeactivate) return is_active(current(key));
      if (action == MutateAction::kActivate) return !is_active(current(key));
      return true;
    };
    std::vector<RecordKey> keys = request.keys;
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (const auto& key : keys) {
      if (!cur.Live(kind, key)) return Status::NotFound(std::string("no such ") + RecordKindName(kind));
    }
    if (keys.empty()) {
      int64_t total = cur.Total(kind);
      if (request.count > total)
        return Status::Invalid("count " + std::to_string(request.count) + " is more than the " +
                               std::to_string(total) + " live records of that kind");
      std::vector<RecordKey> picked;
      for (int64_t i = 0; i < request.count; ++i) {
        int64_t start = i * total / request.count;
        std::optional<RecordKey> found;
        cur.Walk(kind, std::nullopt, start, [&](RecordKey key) {
          if ((picked.empty() || picked.back() < key) && eligible(key)) {
            found = key;
            return false;
          }
          return true;
        });
        if (!found) break;
        picked.push_back(*found);
      }
      if (static_cast<int64_t>(picked.size()) < request.count)
        return Status::Invalid("only " + std::to_string(picked.size()) +
                               " records of that kind can take that action");
      keys = std::move(picked);
    }
    for (const auto& key : keys) {
      AnyRecord record = current(key);
      switch (action) {
        case MutateAction::kRename:
          std::visit(
              [&](auto& x) {
                using T = std::decay_t<decltype(x)>;
                if constexpr (std::is_same_v<T, FakeContact>) {
                  // A contact renamed: a new surname, the address unchanged (it is a match key).
                  auto dash = x.last_name.find('-');
                  std::string base = dash == std::string::npos ? x.last_name : x.last_name.substr(0, dash);
                  std::string name = base + "-" + kNewSurnames[version % std::size(kNewSurnames)];
                  x.last_name = name == x.last_name
                                    ? base + "-" + kNewSurnames[(version + 1) % std::size(kNewSurnames)]
                                    : name;
                } else if constexpr (std::is_same_v<T, FakeDevice>) {
                  auto r = x.name.find("-R");
                  x.name = (r == std::string::npos ? x.name : x.name.substr(0, r)) + "-R" +
                           std::to_string(version);
                } else {
                  x.name = RenameOf(x.name, version);
                }
              },
              record);
          break;
        case MutateAction::kUpdate:
          std::visit(
              [&](auto& x) {
                using T = std::decay_t<decltype(x)>;
                if constexpr (std::is_same_v<T, FakeCompany>) {
                  x.phone = Changed(x.phone, "+44 113 ", version);
                  x.address_line_1 = std::to_string(1 + Mix(version) % 400) + " Commerce Way";
                } else if constexpr (std::is_same_v<T, FakeContact>) {
                  x.phone = Changed(x.phone, "+44 7700 ", version);
                  x.title = x.title == "Operations Lead" ? "Head of Operations" : "Operations Lead";
                } else if constexpr (std::is_same_v<T, FakeSite>) {
                  x.phone = Changed(x.phone, "+44 161 ", version);
                  x.address_line_1 = std::to_string(1 + Mix(version) % 400) + " Enterprise Park";
                } else if constexpr (std::is_same_v<T, FakeDevice>) {
                  std::string ip = "10.200." + std::to_string(Mix(version) % 250) + "." +
                                   std::to_string(1 + Mix(version + 7) % 250);
                  x.ip = ip == x.ip ? "10.201.0.1" : ip;
                  if (!x.os.empty()) {
                    auto upd = x.os.find(" (updated ");
                    x.os = (upd == std::string::npos ? x.os : x.os.substr(0, upd)) + " (updated " +
                           std::to_string(version) + ")";
                  }
                } else {
                  x.monthly_cents += 1500;
                }
              },
              record);
          break;
        case MutateAction::kDeactivate:
        case MutateAction::kActivate:
          std::visit(
              [&](auto& x) {
                if constexpr (requires { x.active; }) x.active = action == MutateAction::kActivate;
              },
              record);
          break;
        case MutateAction::kDelete:
          structural = true;
          if (kind == RecordKind::kCompany) {
            auto& gone = next->deleted[k][0];
            gone.insert(std::upper_bound(gone.begin(), gone.end(), key.company), key.company);
          } else {
            auto& gone = next->deleted[k][key.company];
            gone.insert(std::upper_bound(gone.begin(), gone.end(), key.index), key.index);
          }
          break;
        case MutateAction::kAdd:
          break;
      }
      RecordStamps s = stamp_changed(key);
      next->changed[k][key] = {std::move(record), s, action == MutateAction::kDelete};
      touched.push_back(key);
    }
  }

  if (structural) {
    // Rebuild the position index of every child kind (a company's add or delete moves them all).
    TenantView built(fleet_, next);
    int64_t slots = built.CompanySlots();
    for (int kk = 1; kk < kRecordKinds; ++kk) {
      auto& prefix = next->prefix[kk];
      prefix.assign(static_cast<size_t>(slots) + 1, 0);
      for (int64_t c = 0; c < slots; ++c)
        prefix[static_cast<size_t>(c) + 1] =
            prefix[static_cast<size_t>(c)] + built.LiveIn(static_cast<RecordKind>(kk), c);
    }
  }
  view_ = std::make_shared<const TenantView>(fleet_, std::move(next));
  return touched;
}

}  // namespace cairn::sims
