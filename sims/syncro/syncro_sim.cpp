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

// A record's created_at and updated_at, as the tenant keeps them (mutations move updated_at).
std::pair<std::string, std::string> Stamps(const TenantView& view, RecordKind kind, RecordKey key) {
  RecordStamps s = view.Stamps(kind, key);
  return {Iso(s.created_ms), Iso(s.updated_ms)};
}

// Case-insensitive (ASCII) substring test, as Postgres ILIKE does for the filters modelled.
bool ContainsFolded(std::string_view haystack, std::string_view needle) {
  auto fold = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  if (needle.empty()) return true;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    size_t j = 0;
    while (j < needle.size() && fold(haystack[i + j]) == fold(needle[j])) ++j;
    if (j == needle.size()) return true;
  }
  return false;
}
bool EqualsFolded(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ContainsFolded(a, b);
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

Vocabulary SyncroVocabulary(const SyncroSimOptions& o) {
  Vocabulary v;
  v.kind = [](const std::string& name) -> std::optional<RecordKind> {
    if (name == "customers") return RecordKind::kCompany;
    if (name == "contacts") return RecordKind::kContact;
    if (name == "customer_assets" || name == "assets") return RecordKind::kDevice;
    return std::nullopt;
  };
  v.key = [](RecordKind kind, const json::value& id) -> std::optional<RecordKey> {
    if (!id.is_int64()) return std::nullopt;
    int64_t n = id.get_int64();
    if (kind == RecordKind::kCompany) {
      if (n < kCustomerIdBase) return std::nullopt;
      return RecordKey{n - kCustomerIdBase, 0};
    }
    if (n < kChildStride) return std::nullopt;
    return RecordKey{n / kChildStride - 1, n % kChildStride};
  };
  v.id = [](RecordKind kind, RecordKey key) -> json::value {
    return kind == RecordKind::kCompany ? CustomerId(key.company) : ChildId(key.company, key.index);
  };
  v.too_many_requests = [retry_after = o.retry_after_header](int retry_after_s) {
    // Rack::Attack's default throttled response (our inference for Syncro, uncertain).
    auto r = http::Response::Text(429, "Retry later\n");
    if (retry_after) r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
    return r;
  };
  v.rate_limit_per_min = o.rate_limit_per_minute;
  return v;
}

SyncroSimOptions Normalised(SyncroSimOptions o) {
  o.customers_per_page = std::max(1, o.customers_per_page);
  o.contacts_per_page = std::max(1, o.contacts_per_page);
  o.assets_per_page = std::max(1, o.assets_per_page);
  return o;
}

}  // namespace

SyncroSim::SyncroSim(SyncroSimOptions options)
    : o_(Normalised(std::move(options))),
      tenant_(o_.fleet),
      control_(o_.control_token, &tenant_, SyncroVocabulary(o_), o_.fleet.seed) {
  if (o_.clock) control_.SetClock(o_.clock);
}

namespace {

// The request-scoped half of the simulator: maps fleet records into Syncro's shapes.
class Responder {
 public:
  Responder(const SyncroSimOptions& o, const TenantView& view) : o_(o), view_(view) {}

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
    if (!view_.Live(RecordKind::kCompany, {c, 0})) return std::nullopt;
    return c;
  }

  // Contact or asset id -> (company, index), when it exists.
  std::optional<std::pair<int64_t, int64_t>> ChildOf(std::optional<int64_t> id, RecordKind kind) const {
    if (!id || *id < kChildStride) return std::nullopt;
    int64_t company = *id / kChildStride - 1;
    int64_t index = *id % kChildStride;
    if (!view_.Live(kind, {company, index})) return std::nullopt;
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
    FakeContact p = *view_.Contact(company, index);
    FakeCompany c = *view_.Company(company);
    auto [created, updated] = Stamps(view_, RecordKind::kContact, {company, index});
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

  // with_contacts = false: the customer as embedded in an asset, whose contacts[] we leave empty
  // as the spec's example shows it (the full list on every asset would multiply page sizes).
  json::object CustomerJson(int64_t company, bool with_contacts = true) const {
    FakeCompany c = *view_.Company(company);
    // The person fields of a business customer come from its first contact, as Syncro keeps a
    // main person on every customer.
    std::string first, last, email;
    // contacts[] is empty in the spec's example; we assume it embeds the customer's contacts
    // (uncertain), capped so that huge tenants do not make huge customer pages.
    auto contact_keys = view_.Page(RecordKind::kContact, company, 0, with_contacts ? 50 : 1);
    if (!contact_keys.empty()) {
      FakeContact p = *view_.Contact(company, contact_keys[0].index);
      first = p.first_name;
      last = p.last_name;
      email = p.email;
    }
    std::string fullname = first.empty() ? "" : first + " " + last;
    auto [created, updated] = Stamps(view_, RecordKind::kCompany, {company, 0});
    json::array contacts;
    if (with_contacts)
      for (auto k : contact_keys) contacts.push_back(ContactJson(company, k.index));
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

  // Assets embed their customer; a page's assets mostly share one, so it is built once per request.
  const json::object& CustomerOnce(int64_t company) const {
    if (!cached_customer_ || cached_company_ != company) {
      cached_customer_ = CustomerJson(company, false);
      cached_company_ = company;
    }
    return *cached_customer_;
  }

  static bool IsAgentDevice(DeviceType t) {
    return t == DeviceType::kWorkstation || t == DeviceType::kLaptop || t == DeviceType::kServer;
  }

  json::object AssetJson(int64_t company, int64_t index, bool detail) const {
    FakeDevice d = *view_.Device(company, index);
    auto [created, updated] = Stamps(view_, RecordKind::kDevice, {company, index});
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
    if (int64_t sites = view_.Total(RecordKind::kSite, company); sites > 0) {
      int64_t s = view_.Page(RecordKind::kSite, company, index % sites, 1)[0].index;
      FakeSite site = *view_.Site(company, s);
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
    if (int64_t people = view_.Total(RecordKind::kContact, company); people > 0 && d.type == DeviceType::kLaptop)
      contact_id = ChildId(company, view_.Page(RecordKind::kContact, company, index % people, 1)[0].index);
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
                   {"customer", CustomerOnce(company)},
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
    auto business_name = q.Get("business_name");
    auto text = q.Get("query");
    // Customers are few next to assets: the list is filtered by walking them.
    std::vector<int64_t> matching;
    view_.ForEach(RecordKind::kCompany, std::nullopt, [&](RecordKey k) {
      FakeCompany c = *view_.Company(k.company);
      if (!all && !c.active) return true;
      if (business_name && !EqualsFolded(c.name, *business_name)) return true;
      if (text && !ContainsFolded(c.name, *text)) {
        auto first = view_.Page(RecordKind::kContact, k.company, 0, 1);
        if (first.empty()) return true;
        FakeContact p = *view_.Contact(k.company, first[0].index);
        if (!ContainsFolded(p.first_name + " " + p.last_name, *text) && !ContainsFolded(p.email, *text))
          return true;
      }
      matching.push_back(k.company);
      return true;
    });
    Page p{q.PageNumber(), o_.customers_per_page, static_cast<int64_t>(matching.size())};
    json::array items;
    for (int64_t i = p.first(); i < p.end(); ++i) items.push_back(CustomerJson(matching[static_cast<size_t>(i)]));
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
    FakeCompany co = *view_.Company(*c);
    auto [created, updated] = Stamps(view_, RecordKind::kCompany, {*c, 0});
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
  // `keep` (optional) filters by walking the records; without it a page costs only its records.
  template <class ItemFn>
  json::object ChildList(const Query& q, const char* plural, RecordKind kind, int per_page, ItemFn item,
                         const std::function<bool(RecordKey)>& keep = {}) const {
    std::optional<int64_t> company;
    if (auto cid = q.Get("customer_id")) {
      auto c = CompanyOf(ParseInt(*cid));
      // An unknown customer simply matches nothing.
      if (!c) {
        Page none{q.PageNumber(), per_page, 0};
        return {{plural, json::array{}}, {"meta", Meta(none)}};
      }
      company = *c;
    }
    json::array items;
    if (!keep) {
      Page p{q.PageNumber(), per_page, view_.Total(kind, company)};
      for (auto k : view_.Page(kind, company, p.first(), p.end() - p.first())) items.push_back(item(k.company, k.index));
      return {{plural, std::move(items)}, {"meta", Meta(p)}};
    }
    std::vector<RecordKey> matching;
    view_.ForEach(kind, company, [&](RecordKey k) {
      if (keep(k)) matching.push_back(k);
      return true;
    });
    Page p{q.PageNumber(), per_page, static_cast<int64_t>(matching.size())};
    for (int64_t i = p.first(); i < p.end(); ++i) {
      auto k = matching[static_cast<size_t>(i)];
      items.push_back(item(k.company, k.index));
    }
    return {{plural, std::move(items)}, {"meta", Meta(p)}};
  }

  http::Response Contacts(const Query& q) const {
    return JsonResponse(200, ChildList(q, "contacts", RecordKind::kContact, o_.contacts_per_page,
                                       [this](int64_t c, int64_t i) { return ContactJson(c, i); }));
  }

  http::Response ContactDetail(std::optional<int64_t> id) const {
    auto k = ChildOf(id, RecordKind::kContact);
    if (!k) return JsonResponse(404, json::object{{"message", "Not found"}});
    // Unwrapped (no "contact" key), unlike customers and assets: Syncro's own asymmetry.
    return JsonResponse(200, ContactJson(k->first, k->second));
  }

  http::Response Assets(const Query& q) const {
    std::function<bool(RecordKey)> keep;
    auto text = q.Get("query");
    if (text && !text->empty()) {
      keep = [this, &text](RecordKey k) {
        FakeDevice d = *view_.Device(k.company, k.index);
        return ContainsFolded(d.name, *text) || ContainsFolded(d.serial, *text);
      };
    }
    return JsonResponse(200, ChildList(q, "assets", RecordKind::kDevice, o_.assets_per_page,
                                       [this](int64_t c, int64_t i) { return AssetJson(c, i, false); }, keep));
  }

  http::Response AssetDetail(std::optional<int64_t> id) const {
    auto k = ChildOf(id, RecordKind::kDevice);
    if (!k) return JsonResponse(404, json::object{{"error", "Asset not found"}});
    return JsonResponse(200, json::object{{"asset", AssetJson(k->first, k->second, true)}});
  }

  const SyncroSimOptions& o_;
  const TenantView& view_;
  mutable std::optional<json::object> cached_customer_;
  mutable int64_t cached_company_ = -1;
};

}  // namespace

http::Response SyncroSim::Handle(const http::Request& request) {
  return control_.Handle(request, [this](const http::Request& r) { return HandleVendor(r); });
}

http::Response SyncroSim::HandleVendor(const http::Request& request) const {
  try {
    auto view = tenant_.View();
    return Responder(o_, *view).Handle(request);
  } catch (...) {
    // Boost.JSON allocates; the server's contract forbids throwing out of a handler.
    return http::Response::Json(500, R"({"status":500,"error":"Internal Server Error"})");
  }
}

}  // namespace cairn::sims::syncro
