#include "sims/syncro/syncro_sim.h"
#include "sims/common/util.h"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <optional>
#include <string_view>
#include <utility>

namespace cairn::sims::syncro {
namespace {

namespace json = boost::json;

constexpr int64_t kCustomerIdBase = 1000;
constexpr int64_t kChildStride = 10'000'000;  // contact and asset ids: (company + 1) * stride + index
constexpr std::string_view kPrefix = "/api/v1";

int64_t CustomerId(int64_t company) { return kCustomerIdBase + company; }
int64_t ChildId(int64_t company, int64_t index) { return (company + 1) * kChildStride + index; }

// Syncro's timestamps: ISO 8601 with milliseconds and Z, e.g. 2019-10-21T08:33:21.053Z.
std::string Iso(int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return buf;
}

// Deterministic creation and update stamps for a record: created between 2019 and 2022, updated
// up to two years later. Derived from the record's identity and the seed, never the clock.
std::pair<std::string, std::string> Stamps(uint64_t seed, int kind, int64_t company, int64_t index) {
  uint64_t h = Mix(seed ^ Mix(static_cast<uint64_t>(kind) ^ Mix(static_cast<uint64_t>(company) ^
                                                                 Mix(static_cast<uint64_t>(index)))));
  constexpr int64_t kStart = 1546300800000;  // 2019-01-01T00:00:00Z
  constexpr uint64_t kThreeYears = 3ull * 365 * 86400 * 1000;
  constexpr uint64_t kTwoYears = 2ull * 365 * 86400 * 1000;
  int64_t created = kStart + static_cast<int64_t>(h % kThreeYears);
  int64_t updated = created + static_cast<int64_t>(Mix(h) % kTwoYears);
  return {Iso(created), Iso(updated)};
}

struct Page {
  int64_t page = 1;
  int64_t per_page = 25;
  int64_t total_entries = 0;
  int64_t first() const { return (page - 1) * per_page; }  // index of the page's first entry
  int64_t end() const { return std::min(total_entries, first() + per_page); }
  int64_t total_pages() const { return (total_entries + per_page - 1) / per_page; }
};

json::object Meta(const Page& p) {
  // Rails' will_paginate: 0 pages when there is nothing, a page past the end is an empty 200.
  return {{"total_pages", p.total_pages()},
          {"total_entries", p.total_entries},
          {"per_page", p.per_page},
          {"page", p.page}};
}

http::Response JsonResponse(int status, const json::value& v) {
  return http::Response::Json(status, json::serialize(v));
}

struct Query {
  std::vector<std::pair<std::string, std::string>> items;
  std::optional<std::string> Get(std::string_view name) const {
    for (const auto& [k, v] : items)
      if (k == name) return v;
    return std::nullopt;
  }
  // Rails reads "true"/"1" as true; anything else (or nothing) is false.
  bool Flag(std::string_view name) const {
    auto v = Get(name);
    return v && (*v == "true" || *v == "1");
  }
  // `page` is 1-based; a missing, malformed or non-positive value is page 1 (will_paginate
  // rejects < 1 with an error page; the uncertainty is not worth a flag).
  int64_t PageNumber() const {
    auto v = Get("page");
    if (!v) return 1;
    auto n = ParseInt(*v);
    // Capped so that (page - 1) * per_page cannot overflow; such a page is past the end anyway.
    return n && *n >= 1 ? std::min<int64_t>(*n, int64_t{1} << 31) : 1;
  }
};

}  // namespace

SyncroSim::SyncroSim(SyncroSimOptions options) : o_(std::move(options)), fleet_(o_.fleet) {
  o_.customers_per_page = std::max(1, o_.customers_per_page);
  o_.contacts_per_page = std::max(1, o_.contacts_per_page);
  o_.assets_per_page = std::max(1, o_.assets_per_page);
  for (int64_t c = 0; c < fleet_.companies(); ++c)
    if (fleet_.Company(c).active) enabled_companies_.push_back(c);
}

namespace {

// The request-scoped half of the simulator: maps fleet records into Syncro's shapes.
class Responder {
 public:
  Responder(const SyncroSimOptions& o, const Fleet& fleet, const std::vector<int64_t>& enabled)
      : o_(o), fleet_(fleet), enabled_(enabled) {}

  http::Response Handle(const http::Request& req) const {
    // A bad key is refused before routing, as a Rails before_action would.
    if (!Authorized(req)) {
      return JsonResponse(o_.bad_key_status,
                          json::object{{"error", "Not authorized. Please ask account admin to "
                                                 "update your group permissions."}});
    }
    std::string_view path = req.path;
    if (path.substr(0, kPrefix.size()) != kPrefix) return NotFound();
    path.remove_prefix(kPrefix.size());
    // Rails routes accept a trailing slash and a ".json" format suffix.
    if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    if (path.size() > 5 && path.substr(path.size() - 5) == ".json") path.remove_suffix(5);
    if (req.method != "GET") return NotFound();

    Query q{http::ParseQuery(req.query)};
    std::vector<std::string_view> parts;
    for (size_t i = 1; i <= path.size();) {
      size_t slash = path.find('/', i);
      if (slash == std::string_view::npos) slash = path.size();
      parts.push_back(path.substr(i, slash - i));
      i = slash + 1;
    }
    if (parts.empty() || path.empty() || path[0] != '/') return NotFound();
    if (parts.size() == 1 && parts[0] == "me") return Me();
    if (parts[0] == "customers") {
      if (parts.size() == 1) return Customers(q);
      auto id = ParseInt(parts[1]);
      if (parts.size() == 2) return CustomerDetail(id);
      if (parts.size() == 3 && parts[2] == "phones") return Phones(id);
    }
    if (parts[0] == "contacts") {
      if (parts.size() == 1) return Contacts(q);
      if (parts.size() == 2) return ContactDetail(ParseInt(parts[1]));
    }
    if (parts[0] == "customer_assets") {
      if (parts.size() == 1) return Assets(q);
      if (parts.size() == 2) return AssetDetail(ParseInt(parts[1]));
    }
    return NotFound();
  }

 private:
  static http::Response NotFound() { return JsonResponse(404, json::object{{"error", "Not found"}}); }

  bool Authorized(const http::Request& req) const {
    if (o_.api_key.empty()) return false;
    if (auto h = req.Header("Authorization")) {
      std::string_view v = *h;
      constexpr std::string_view kBearer = "Bearer ";
      if (v.size() > kBearer.size() && v.substr(0, kBearer.size()) == kBearer)
        v.remove_prefix(kBearer.size());
      // A present but wrong header is refused even when the query also carries a key.
      return v == o_.api_key;
    }
    Query q{http::ParseQuery(req.query)};
    auto key = q.Get("api_key");
    return key && *key == o_.api_key;
  }

  // Customer id -> company index, when the customer exists.
  std::optional<int64_t> CompanyOf(std::optional<int64_t> customer_id) const {
    if (!customer_id || *customer_id < kCustomerIdBase) return std::nullopt;
    int64_t c = *customer_id - kCustomerIdBase;
    if (c < 0 || c >= fleet_.companies()) return std::nullopt;
    return c;
  }

  // Contact or asset id -> (company, index), when it exists.
  std::optional<std::pair<int64_t, int64_t>> ChildOf(std::optional<int64_t> id, int64_t per_company) const {
    if (!id || *id < kChildStride) return std::nullopt;
    int64_t company = *id / kChildStride - 1;
    int64_t index = *id % kChildStride;
    if (company >= fleet_.companies() || index >= per_company) return std::nullopt;
    return std::make_pair(company, index);
  }

  http::Response Me() const {
    auto rwd = json::object{{"read", true}, {"write", true}, {"delete", false}};
    return JsonResponse(200, json::object{
        {"user_token", "sim-user-token"},
        {"user_email", "tech@" + o_.subdomain + ".example"},
        {"user_name", "Simulated Technician"},
        {"user_id", 1},
        {"admin", true},
        {"can_use_app", true},
        {"two_factor_required", false},
        {"subdomain", o_.subdomain},
        {"default_location", nullptr},
        {"enable_multi_locations", false},
        {"locations_allowed", json::array{}},
        {"permissions", json::object{{"asset", rwd}, {"customer", rwd}, {"ticket", rwd},
                                     {"invoice", rwd}, {"payment", rwd}}}});
  }

  json::object ContactJson(int64_t company, int64_t index) const {
    FakeContact p = fleet_.Contact(company, index);
    FakeCompany c = fleet_.Company(company);
    auto [created, updated] = Stamps(o_.fleet.seed, 2, company, index);
    // `title` is returned inside properties, not at the top level [reference, contacts].
    return {{"id", ChildId(company, index)},
            {"name", p.first_name + " " + p.last_name},
            {"address1", c.address_line_1},
            {"address2", nullptr},
            {"city", c.city},
            {"state", c.state},
            {"zip", c.zip},
            {"email", p.email},
            {"phone", c.phone},
            {"mobile", p.phone},
            {"latitude", nullptr},
            {"longitude", nullptr},
            {"customer_id", CustomerId(company)},
            {"account_id", 1},
            {"notes", nullptr},
            {"created_at", created},
            {"updated_at", updated},
            {"vendor_id", nullptr},
            {"properties", json::object{{"title", p.title}}},
            {"opt_out", false},
            {"extension", nullptr}};
  }

  json::object CustomerJson(int64_t company) const {
    FakeCompany c = fleet_.Company(company);
    // The person fields of a business customer come from its first contact, as Syncro keeps a
    // main person on every customer.
    std::string first, last, email;
    if (o_.fleet.contacts_per_company > 0) {
      FakeContact p = fleet_.Contact(company, 0);
      first = p.first_name;
      last = p.last_name;
      email = p.email;
    }
    std::string fullname = first.empty() ? "" : first + " " + last;
    auto [created, updated] = Stamps(o_.fleet.seed, 1, company, 0);
    // contacts[] is empty in the spec's example; we assume it embeds the customer's contacts
    // (uncertain), capped so that huge tenants do not make huge customer pages.
    json::array contacts;
    for (int64_t i = 0; i < std::min<int64_t>(o_.fleet.contacts_per_company, 50); ++i)
      contacts.push_back(ContactJson(company, i));
    return {{"id", CustomerId(company)},
            {"firstname", first},
            {"lastname", last},
            {"fullname", fullname},
            {"business_name", c.name},
            {"email", email},
            {"phone", c.phone},
            {"mobile", nullptr},
            {"created_at", created},
            {"updated_at", updated},
            {"pdf_url", nullptr},
            {"address", c.address_line_1},
            {"address_2", nullptr},
            {"city", c.city},
            {"state", c.state},
            {"zip", c.zip},
            {"latitude", nullptr},
            {"longitude", nullptr},
            {"notes", nullptr},
            {"get_sms", false},
            {"opt_out", false},
            {"disabled", !c.active},
            {"no_email", false},
            {"location_name", nullptr},
            {"location_id", nullptr},
            {"properties", json::object{{"Customer Code", c.identifier}, {"Website", c.website}}},
            {"online_profile_url", "https://" + o_.subdomain + ".syncromsp.com/my_profile/" +
                                       std::to_string(CustomerId(company))},
            {"tax_rate_id", nullptr},
            {"notification_email", email},
            {"invoice_cc_emails", nullptr},
            {"invoice_term_id", nullptr},
            {"referred_by", nullptr},
            {"ref_customer_id", nullptr},
            {"business_and_full_name", fullname.empty() ? c.name : c.name + " - " + fullname},
            {"business_then_name", c.name},
            {"contacts", std::move(contacts)}};
  }

  static bool IsAgentDevice(DeviceType t) {
    return t == DeviceType::kWorkstation || t == DeviceType::kLaptop || t == DeviceType::kServer;
  }

  json::object AssetJson(int64_t company, int64_t index, bool detail) const {
    FakeDevice d = fleet_.Device(company, index);
    auto [created, updated] = Stamps(o_.fleet.seed, 3, company, index);
    json::object properties;
    std::string asset_type;
    if (IsAgentDevice(d.type)) {
      // Agent-managed machines: asset_type "Syncro Device", RMM data under kabuto_information.
      asset_type = "Syncro Device";
      const char* form = d.type == DeviceType::kLaptop ? "Laptop"
                         : d.type == DeviceType::kServer ? "Rack Mount Chassis"
                                                          : "Desktop";
      properties["kabuto_information"] = json::object{
          {"last_synced_at", updated},
          {"last_user", d.type == DeviceType::kServer ? "Administrator" : "user"},
          {"general", json::object{{"name", d.name},
                                   {"manufacturer", d.manufacturer},
                                   {"model", d.model},
                                   {"serial_number", d.serial},
                                   {"form_factor", form},
                                   {"domain", "WORKGROUP"},
                                   {"ip", "203.0.113." + std::to_string(company % 250 + 1)}}},
          {"os", json::object{{"name", d.os},
                              {"build", "19045"},
                              {"windows_release_version", "22H2"},
                              {"os_architecture", "64-bit"},
                              {"last_boot_time", created},
                              {"pending_reboot", index % 7 == 0}}},
          {"install_dates", json::object{{"os_install", created}, {"bios_release", created}}},
          {"system_partition", json::object{{"size_gb", 237}, {"free_gb", 81}, {"free_percent", 34}}},
          {"network_adapters", json::array{json::object{{"name", "Ethernet"},
                                                        {"description", "Intel(R) Ethernet Connection"},
                                                        {"type", "Ethernet"},
                                                        {"ipv4", d.ip},
                                                        {"ipv6", nullptr},
                                                        {"subnet", "255.255.255.0"},
                                                        {"gateway", nullptr},
                                                        {"dns1", nullptr},
                                                        {"dns2", nullptr},
                                                        {"dhcp_server", nullptr},
                                                        {"physical_address", d.mac},
                                                        {"dhcp_enabled", true}}}},
          {"cpu", json::array{}},
          {"ram", json::array{}},
          {"hdd", json::array{}}};
      // Keys differing only by case, as real tenants have them [reference, quirks].
      if (index % 5 == 0) {
        properties["Notes"] = "Imported";
        properties["notes"] = "";
      }
    } else {
      // Non-agent assets carry user-defined properties by label.
      asset_type = DeviceTypeName(d.type);
      properties["Make"] = d.manufacturer;
      properties["Model"] = d.model;
      properties["LAN IP(s)"] = d.ip;
    }
    json::value address = nullptr;
    if (o_.fleet.sites_per_company > 0) {
      int64_t s = index % o_.fleet.sites_per_company;
      FakeSite site = fleet_.Site(company, s);
      address = json::object{{"id", ChildId(company, s)},
                             {"name", site.name},
                             {"customer_id", CustomerId(company)},
                             {"address1", site.address_line_1},
                             {"address2", nullptr},
                             {"city", site.city},
                             {"state", ""},
                             {"zip", site.zip}};
    }
    json::value contact_id = nullptr;
    if (o_.fleet.contacts_per_company > 0 && d.type == DeviceType::kLaptop)
      contact_id = ChildId(company, index % o_.fleet.contacts_per_company);
    json::object a{{"id", ChildId(company, index)},
                   {"name", d.name},
                   {"customer_id", CustomerId(company)},
                   {"contact_id", contact_id},
                   {"created_at", created},
                   {"updated_at", updated},
                   {"properties", std::move(properties)},
                   {"asset_type", asset_type},
                   {"asset_serial", d.serial},
                   {"external_rmm_link", nullptr},
                   {"customer", CustomerJson(company)},
                   {"rmm_links", json::array{}},
                   {"address", address}};
    if (detail) {
      a["has_live_chat"] = false;
      a["snmp_enabled"] = !IsAgentDevice(d.type);
    }
    return a;
  }

  http::Response Customers(const Query& q) const {
    bool all = q.Flag("include_disabled");
    Page p{q.PageNumber(), o_.customers_per_page,
           all ? fleet_.companies() : static_cast<int64_t>(enabled_.size())};
    json::array items;
    for (int64_t i = p.first(); i < p.end(); ++i)
      items.push_back(CustomerJson(all ? i : enabled_[static_cast<size_t>(i)]));
    return JsonResponse(200, json::object{{"customers", std::move(items)}, {"meta", Meta(p)}});
  }

  http::Response CustomerDetail(std::optional<int64_t> id) const {
    auto c = CompanyOf(id);
    // Detail still answers for a disabled customer; only the list hides them.
    if (!c) return http::Response::Json(404, "");  // the customers 404 has no body
    return JsonResponse(200, json::object{{"customer", CustomerJson(*c)}});
  }

  http::Response Phones(std::optional<int64_t> id) const {
    auto c = CompanyOf(id);
    if (!c) return http::Response::Json(404, "");
    FakeCompany co = fleet_.Company(*c);
    auto [created, updated] = Stamps(o_.fleet.seed, 4, *c, 0);
    return JsonResponse(200, json::object{{"phones", json::array{json::object{
                                                         {"id", ChildId(*c, 0)},
                                                         {"label", "Office"},
                                                         {"number", co.phone},
                                                         {"customer_id", CustomerId(*c)},
                                                         {"extension", nullptr},
                                                         {"created_at", created},
                                                         {"updated_at", updated}}}}});
  }

  // The contacts or assets of one customer (customer_id given) or of all customers, in id order.
  template <class ItemFn>
  json::object ChildList(const Query& q, const char* plural, int64_t per_company, int per_page,
                         ItemFn item) const {
    int64_t first_company = 0, companies = fleet_.companies();
    if (auto cid = q.Get("customer_id")) {
      auto c = CompanyOf(ParseInt(*cid));
      // An unknown customer simply matches nothing.
      first_company = c ? *c : 0;
      companies = c ? 1 : 0;
    }
    Page p{q.PageNumber(), per_page, companies * per_company};
    json::array items;
    for (int64_t i = p.first(); i < p.end(); ++i)
      items.push_back(item(first_company + i / per_company, i % per_company));
    return {{plural, std::move(items)}, {"meta", Meta(p)}};
  }

  http::Response Contacts(const Query& q) const {
    return JsonResponse(200, ChildList(q, "contacts", o_.fleet.contacts_per_company, o_.contacts_per_page,
                                       [this](int64_t c, int64_t i) { return ContactJson(c, i); }));
  }

  http::Response ContactDetail(std::optional<int64_t> id) const {
    auto k = ChildOf(id, o_.fleet.contacts_per_company);
    if (!k) return JsonResponse(404, json::object{{"message", "Not found"}});
    // Unwrapped (no "contact" key), unlike customers and assets: Syncro's own asymmetry.
    return JsonResponse(200, ContactJson(k->first, k->second));
  }

  http::Response Assets(const Query& q) const {
    return JsonResponse(200, ChildList(q, "assets", o_.fleet.devices_per_company, o_.assets_per_page,
                                       [this](int64_t c, int64_t i) { return AssetJson(c, i, false); }));
  }

  http::Response AssetDetail(std::optional<int64_t> id) const {
    auto k = ChildOf(id, o_.fleet.devices_per_company);
    if (!k) return JsonResponse(404, json::object{{"error", "Asset not found"}});
    return JsonResponse(200, json::object{{"asset", AssetJson(k->first, k->second, true)}});
  }

  const SyncroSimOptions& o_;
  const Fleet& fleet_;
  const std::vector<int64_t>& enabled_;
};

}  // namespace

bool SyncroSim::Admit(const std::string& remote_ip, int* retry_after_s) {
  if (o_.rate_limit_per_minute <= 0) return true;
  auto now = o_.clock ? o_.clock() : std::chrono::steady_clock::now();
  double capacity = o_.rate_limit_per_minute;
  double per_second = capacity / 60.0;
  std::lock_guard lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(remote_ip, Bucket{capacity, now});
  Bucket& b = it->second;
  if (!fresh && now > b.at) {
    b.tokens = std::min(capacity, b.tokens + std::chrono::duration<double>(now - b.at).count() * per_second);
    b.at = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  *retry_after_s = static_cast<int>(std::ceil((1 - b.tokens) / per_second));
  return false;
}

http::Response SyncroSim::Handle(const http::Request& request) {
  try {
    int retry_after_s = 0;
    if (!Admit(request.remote_ip, &retry_after_s)) {
      // Rack::Attack's default throttled response (our inference for Syncro, uncertain).
      auto r = http::Response::Text(429, "Retry later\n");
      if (o_.retry_after_header) r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
      return r;
    }
    return Responder(o_, fleet_, enabled_companies_).Handle(request);
  } catch (...) {
    // Boost.JSON allocates; the server's contract forbids throwing out of a handler.
    return http::Response::Json(500, R"({"status":500,"error":"Internal Server Error"})");
  }
}

}  // namespace cairn::sims::syncro
