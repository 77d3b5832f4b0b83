#include "sims/halo/halo_sim.h"
#include "sims/common/util.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

namespace cairn::sims::halo {
namespace {

namespace json = boost::json;

constexpr int64_t kClientIdBase = 100;
constexpr int64_t kChildStride = 10'000'000;  // site, user and asset ids: (company + 1) * stride + index

int64_t ClientId(int64_t company) { return kClientIdBase + company; }
int64_t ChildId(int64_t company, int64_t index) { return (company + 1) * kChildStride + index; }

// An id that may come as "12" or, echoing the Site list's doubles, "12.0".
std::optional<int64_t> ParseId(std::string_view s) {
  if (auto dot = s.find('.'); dot != std::string_view::npos) {
    std::string_view frac = s.substr(dot + 1);
    if (frac.find_first_not_of('0') != std::string_view::npos) return std::nullopt;
    s = s.substr(0, dot);
  }
  return ParseInt(s);
}

// Halo's dates: ISO yyyy-MM-ddTHH:mm:ss.fffZ.
std::string Iso(int64_t unix_s) {
  std::time_t secs = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.000Z", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

// Deterministic creation and update stamps from the record's identity and the seed.
std::pair<std::string, std::string> Stamps(uint64_t seed, int kind, int64_t company, int64_t index) {
  uint64_t h = Mix(seed ^ Mix(static_cast<uint64_t>(kind) ^
                              Mix(static_cast<uint64_t>(company) ^ Mix(static_cast<uint64_t>(index)))));
  constexpr int64_t kStart = 1546300800;  // 2019-01-01T00:00:00Z
  constexpr uint64_t kThreeYears = 3ull * 365 * 86400;
  constexpr uint64_t kTwoYears = 2ull * 365 * 86400;
  int64_t created = kStart + static_cast<int64_t>(h % kThreeYears);
  int64_t updated = created + static_cast<int64_t>(Mix(h) % kTwoYears);
  return {Iso(created), Iso(updated)};
}

http::Response JsonResponse(int status, const json::value& v) {
  return http::Response::Json(status, json::serialize(v));
}

// OAuth2 errors (RFC 6749 section 5.2), as Halo's identity server sends them.
http::Response OAuthError(int status, const char* error, const char* description) {
  return JsonResponse(status, json::object{{"error", error}, {"error_description", description}});
}

// Errors on /api: ASP.NET's `{"Message": ...}` shape, one of the shapes clients see from Halo.
http::Response ApiError(int status, const std::string& message) {
  return JsonResponse(status, json::object{{"Message", message}});
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

struct Query {
  std::vector<std::pair<std::string, std::string>> items;
  // Parameter names are case-insensitive at Halo (ASP.NET model binding).
  std::optional<std::string> Get(std::string_view name) const {
    for (const auto& [k, v] : items)
      if (Lower(k) == name) return v;
    return std::nullopt;
  }
  // Booleans are lowercase true/false; ASP.NET binding also accepts "True".
  std::optional<bool> Bool(std::string_view name) const {
    auto v = Get(name);
    if (!v) return std::nullopt;
    std::string l = Lower(*v);
    if (l == "true" || l == "1") return true;
    if (l == "false" || l == "0") return false;
    return std::nullopt;
  }
  int64_t Positive(std::string_view name, int64_t fallback) const {
    auto v = Get(name);
    if (!v) return fallback;
    auto n = ParseInt(*v);
    return n && *n >= 1 ? std::min<int64_t>(*n, int64_t{1} << 31) : fallback;
  }
};

// The known scopes [reference B2]; `all` is what most applications ask for.
const std::set<std::string, std::less<>>& KnownScopes() {
  static const auto* scopes = new std::set<std::string, std::less<>>{
      "all",          "all:standard",   "admin",         "read:customers", "edit:customers",
      "read:assets",  "edit:assets",    "read:contracts", "edit:contracts", "read:kb",
      "edit:kb",      "read:tickets",   "edit:tickets",  "read:items",     "read:software"};
  return *scopes;
}

// The request-scoped half: maps fleet records into Halo's shapes.
class Responder {
 public:
  Responder(const HaloSimOptions& o, const Fleet& fleet) : o_(o), fleet_(fleet) {}

  http::Response Api(const http::Request& req, std::string_view path) const {
    // path is what follows "/api/"; resource names are case-insensitive.
    if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    std::string resource, id;
    if (auto slash = path.find('/'); slash == std::string_view::npos) {
      resource = Lower(path);
    } else {
      resource = Lower(path.substr(0, slash));
      id = std::string(path.substr(slash + 1));
      if (id.empty() || id.find('/') != std::string::npos) return NotFound();
    }
    if (req.method != "GET") return NotFound();
    Query q{http::ParseQuery(req.query)};
    const bool list = id.empty();
    std::optional<int64_t> nid = list ? std::nullopt : ParseId(id);
    if (resource == "client") return list ? Clients(q) : ClientDetail(nid);
    if (resource == "site") return list ? Sites(q) : SiteDetail(nid);
    if (resource == "users") return list ? Users(q) : UserDetail(nid);
    if (resource == "asset") return list ? Assets(q) : AssetDetail(nid);
    if (resource == "assettype" && list) return AssetTypes();
    return NotFound();
  }

  static http::Response NotFound() { return ApiError(404, "No HTTP resource was found that matches the request URI."); }

 private:
  // Which records the request wants by activity: active only unless told otherwise
  // (the default is uncertain [reference B5]; sync clients send includeinactive=true).
  struct Activity {
    bool active = true;
    bool inactive = false;
    bool Wants(bool is_active) const { return is_active ? active : inactive; }
  };
  static Activity ActivityOf(const Query& q) {
    Activity a;
    if (auto v = q.Bool("includeactive")) a.active = *v;
    if (auto v = q.Bool("includeinactive")) a.inactive = *v;
    return a;
  }

  std::optional<int64_t> CompanyOf(std::optional<int64_t> client_id) const {
    if (!client_id || *client_id < kClientIdBase) return std::nullopt;
    int64_t c = *client_id - kClientIdBase;
    if (c >= fleet_.companies()) return std::nullopt;
    return c;
  }
  std::optional<std::pair<int64_t, int64_t>> ChildOf(std::optional<int64_t> id, int64_t per_company) const {
    if (!id || *id < kChildStride) return std::nullopt;
    int64_t company = *id / kChildStride - 1;
    int64_t index = *id % kChildStride;
    if (company >= fleet_.companies() || index >= per_company) return std::nullopt;
    return std::make_pair(company, index);
  }

  // Lists every matching record of a kind in id order, wrapped as Halo wraps lists:
  //   pageinate=true: {"page_no", "page_size", "record_count" (total matching), key: [page]};
  //   otherwise:      {"record_count" (returned count), key: [all, or the first `count`]}.
  // `companies` is [first, last); `active(c, i)` says whether the record is active.
  template <class ActiveFn, class ItemFn>
  json::object List(const Query& q, const char* key, int64_t first_company, int64_t last_company,
                    int64_t per_company, ActiveFn active, ItemFn item) const {
    Activity want = ActivityOf(q);
    bool paged = q.Bool("pageinate").value_or(false);
    int64_t page_size = q.Positive("page_size", o_.default_page_size);
    int64_t page_no = q.Positive("page_no", 1);
    int64_t skip = paged ? (page_no - 1) * page_size : 0;
    int64_t take = paged ? page_size : q.Positive("count", INT64_MAX);
    int64_t matched = 0;
    json::array items;
    for (int64_t c = first_company; c < last_company; ++c) {
      for (int64_t i = 0; i < per_company; ++i) {
        if (!want.Wants(active(c, i))) continue;
        if (matched >= skip && matched - skip < take) items.push_back(item(c, i));
        ++matched;
      }
    }
    json::object out;
    if (paged) {
      out["page_no"] = page_no;
      out["page_size"] = page_size;
      out["record_count"] = matched;
    } else {
      out["record_count"] = static_cast<int64_t>(items.size());
    }
    out[key] = std::move(items);
    return out;
  }

  // The companies a `client_id` filter selects: all when absent, none when unknown.
  std::pair<int64_t, int64_t> CompanyRange(const Query& q) const {
    auto cid = q.Get("client_id");
    if (!cid) return {0, fleet_.companies()};
    auto c = CompanyOf(ParseId(*cid));
    return c ? std::make_pair(*c, *c + 1) : std::make_pair(int64_t{0}, int64_t{0});
  }

  json::object ClientJson(int64_t company) const {
    FakeCompany c = fleet_.Company(company);
    auto [created, updated] = Stamps(o_.fleet.seed, 1, company, 0);
    json::value main_site_id = 0, main_site_name = "";
    if (o_.fleet.sites_per_company > 0) {
      main_site_id = ChildId(company, 0);
      main_site_name = fleet_.Site(company, 0).name;
    }
    std::string domain = c.website;
    if (auto p = domain.find("://"); p != std::string::npos) domain = domain.substr(p + 3);
    if (domain.rfind("www.", 0) == 0) domain = domain.substr(4);
    return {{"id", ClientId(company)},
            {"name", c.name},
            {"inactive", !c.active},
            {"toplevel_id", 1},
            {"toplevel_name", "Clients"},
            {"website", c.website},
            {"main_phonenumber", c.phone},
            {"domain", domain},
            {"notes", ""},
            {"ref", c.identifier},
            {"accountsid", c.identifier},
            {"main_site_id", main_site_id},
            {"main_site_name", main_site_name},
            {"is_vip", false},
            {"colour", "#2b7bb9"},
            {"customfields", json::array{}},
            {"datecreated", created},
            {"alastupdate", updated}};
  }

  json::object SiteJson(int64_t company, int64_t index) const {
    FakeSite s = fleet_.Site(company, index);
    FakeCompany c = fleet_.Company(company);
    auto [created, updated] = Stamps(o_.fleet.seed, 2, company, index);
    json::value maincontact_id = 0, maincontact_name = "";
    if (o_.fleet.contacts_per_company > 0) {
      FakeContact p = fleet_.Contact(company, 0);
      maincontact_id = ChildId(company, 0);
      maincontact_name = p.first_name + " " + p.last_name;
    }
    (void)created;
    return {{"id", ChildId(company, index)},
            {"name", s.name},
            // A double, as Halo's Site list returns it (e.g. 12.0) [reference B4]. Boost.JSON
            // writes it in exponent form (1.12E2); a JSON reader sees the same number.
            {"client_id", static_cast<double>(ClientId(company))},
            {"client_name", c.name},
            {"inactive", false},
            {"phonenumber", s.phone},
            {"timezone", "GMT Standard Time"},
            {"notes", ""},
            {"maincontact_id", maincontact_id},
            {"maincontact_name", maincontact_name},
            {"country_code", c.country},
            {"delivery_address_line1", s.address_line_1},
            {"delivery_address_line2", s.city},
            {"delivery_address_line3", ""},
            {"delivery_address_line4", ""},
            {"delivery_address_line5", s.zip},
            {"emaildomain", ""},
            {"isprimary", s.primary},
            {"slastupdate", updated}};
  }

  json::object UserJson(int64_t company, int64_t index) const {
    FakeContact p = fleet_.Contact(company, index);
    FakeCompany c = fleet_.Company(company);
    auto [created, updated] = Stamps(o_.fleet.seed, 3, company, index);
    int64_t site = 0;
    std::string site_name;
    if (o_.fleet.sites_per_company > 0) {
      int64_t s = index % o_.fleet.sites_per_company;
      site = ChildId(company, s);
      site_name = fleet_.Site(company, s).name;
    }
    return {{"id", ChildId(company, index)},
            {"name", p.first_name + " " + p.last_name},
            {"firstname", p.first_name},
            {"surname", p.last_name},
            {"title", p.title},
            {"emailaddress", p.email},
            {"email2", ""},
            {"email3", ""},
            {"phonenumber", c.phone},
            {"phonenumber_preferred", p.phone},
            {"mobilenumber", p.phone},
            {"homenumber", ""},
            {"client_id", ClientId(company)},
            {"client_name", c.name},
            {"site_id", static_cast<double>(site)},  // typed double in the spec [reference B4]
            {"site_id_int", site},
            {"site_name", site_name},
            {"inactive", !p.active},
            {"isimportantcontact", index == 0},
            {"department", ""},
            {"login", p.email},
            {"notes", ""},
            {"datecreated", created},
            {"ulastupdate", updated},
            {"customfields", json::array{}}};
  }

  static int64_t AssetTypeId(DeviceType t) { return static_cast<int64_t>(t) + 1; }

  json::object AssetJson(int64_t company, int64_t index, bool with_fields) const {
    FakeDevice d = fleet_.Device(company, index);
    FakeCompany c = fleet_.Company(company);
    auto [created, updated] = Stamps(o_.fleet.seed, 4, company, index);
    (void)created;
    int64_t site = 0;
    std::string site_name;
    if (o_.fleet.sites_per_company > 0) {
      int64_t s = index % o_.fleet.sites_per_company;
      site = ChildId(company, s);
      site_name = fleet_.Site(company, s).name;
    }
    char tag[32];
    std::snprintf(tag, sizeof tag, "AT%06lld", static_cast<long long>(index + 1));
    // No serial field: the asset type's key field is the host name, the serial lives in fields[]
    // (and is key_field2) [reference B6].
    json::object a{{"id", ChildId(company, index)},
                   {"inventory_number", tag},
                   {"key_field", d.name},
                   {"key_field2", d.serial},
                   {"key_field3", ""},
                   {"client_id", ClientId(company)},
                   {"client_name", c.name},
                   {"site_id", site},
                   {"site_name", site_name},
                   {"assettype_id", AssetTypeId(d.type)},
                   {"assettype_name", DeviceTypeName(d.type)},
                   {"inactive", !d.active},
                   {"status_id", d.active ? 1 : 2},
                   {"status_name", d.active ? "Active" : "Inactive"},
                   {"username", ""},
                   {"user_email", ""},
                   {"notes", ""},
                   {"warranty_end", nullptr},
                   {"third_party_id", ""},
                   {"dlastupdate", updated},
                   {"last_modified", updated}};
    if (with_fields) {
      json::array fields;
      auto field = [&fields](int64_t id, const char* name, const std::string& value) {
        fields.push_back(json::object{{"id", id}, {"name", name}, {"value", value}, {"display", value}});
      };
      field(1, "Hostname", d.name);
      field(2, "Serial Number", d.serial);
      field(3, "Manufacturer", d.manufacturer);
      field(4, "Model", d.model);
      field(5, "Operating System", d.os);
      field(6, "IP Address", d.ip);
      field(7, "MAC Address", d.mac);
      a["fields"] = std::move(fields);
    }
    return a;
  }

  http::Response Clients(const Query& q) const {
    return JsonResponse(200, List(q, "clients", 0, fleet_.companies(), 1,
                                  [this](int64_t c, int64_t) { return fleet_.Company(c).active; },
                                  [this](int64_t c, int64_t) { return ClientJson(c); }));
  }
  http::Response ClientDetail(std::optional<int64_t> id) const {
    auto c = CompanyOf(id);
    if (!c) return ApiError(404, "Client not found");
    return JsonResponse(200, ClientJson(*c));
  }

  http::Response Sites(const Query& q) const {
    auto [first, last] = CompanyRange(q);
    return JsonResponse(200, List(q, "sites", first, last, o_.fleet.sites_per_company,
                                  [](int64_t, int64_t) { return true; },
                                  [this](int64_t c, int64_t i) { return SiteJson(c, i); }));
  }
  http::Response SiteDetail(std::optional<int64_t> id) const {
    auto k = ChildOf(id, o_.fleet.sites_per_company);
    if (!k) return ApiError(404, "Site not found");
    return JsonResponse(200, SiteJson(k->first, k->second));
  }

  http::Response Users(const Query& q) const {
    auto [first, last] = CompanyRange(q);
    return JsonResponse(200, List(q, "users", first, last, o_.fleet.contacts_per_company,
                                  [this](int64_t c, int64_t i) { return fleet_.Contact(c, i).active; },
                                  [this](int64_t c, int64_t i) { return UserJson(c, i); }));
  }
  http::Response UserDetail(std::optional<int64_t> id) const {
    auto k = ChildOf(id, o_.fleet.contacts_per_company);
    if (!k) return ApiError(404, "User not found");
    return JsonResponse(200, UserJson(k->first, k->second));
  }

  http::Response Assets(const Query& q) const {
    auto [first, last] = CompanyRange(q);
    bool fields = q.Bool("includeassetfields").value_or(false);
    return JsonResponse(200, List(q, "assets", first, last, o_.fleet.devices_per_company,
                                  [this](int64_t c, int64_t i) { return fleet_.Device(c, i).active; },
                                  [this, fields](int64_t c, int64_t i) { return AssetJson(c, i, fields); }));
  }
  http::Response AssetDetail(std::optional<int64_t> id) const {
    auto k = ChildOf(id, o_.fleet.devices_per_company);
    if (!k) return ApiError(404, "Asset not found");
    // The single GET carries fields[] (Halo wants includedetails=true; we always include them).
    return JsonResponse(200, AssetJson(k->first, k->second, true));
  }

  // AssetType is one of the lists Halo returns as a bare array, without paging [reference B4].
  static http::Response AssetTypes() {
    json::array types;
    for (DeviceType t : {DeviceType::kWorkstation, DeviceType::kLaptop, DeviceType::kServer,
                         DeviceType::kFirewall, DeviceType::kSwitch, DeviceType::kPrinter, DeviceType::kPhone}) {
      types.push_back(json::object{{"id", AssetTypeId(t)},
                                   {"name", DeviceTypeName(t)},
                                   {"assetgroup_id", 1},
                                   {"assetgroup_name", "Hardware"},
                                   {"keyfield_id", 1},
                                   {"keyfield_name", "Hostname"},
                                   {"keyfield2_id", 2},
                                   {"keyfield2_name", "Serial Number"}});
    }
    return JsonResponse(200, types);
  }

  const HaloSimOptions& o_;
  const Fleet& fleet_;
};

}  // namespace

HaloSim::HaloSim(HaloSimOptions options) : o_(std::move(options)), fleet_(o_.fleet) {
  o_.default_page_size = std::max(1, o_.default_page_size);
}

std::chrono::steady_clock::time_point HaloSim::Now() const {
  return o_.clock ? o_.clock() : std::chrono::steady_clock::now();
}

http::Response HaloSim::Token(const http::Request& req) {
  Query form{http::ParseQuery(req.body)};
  Query query{http::ParseQuery(req.query)};
  if (form.Get("grant_type").value_or("") != "client_credentials")
    return OAuthError(400, "unsupported_grant_type", "grant_type must be client_credentials");
  // A wrong tenant selects a tenant where this application does not exist, so it is refused as
  // an unknown client (our inference; uncertain). 401 rather than 400 for invalid_client: both
  // are allowed by RFC 6749 and clients treat them alike (uncertain).
  bool tenant_ok = o_.tenant.empty() || query.Get("tenant").value_or("") == o_.tenant;
  if (!tenant_ok || o_.client_id.empty() || form.Get("client_id").value_or("") != o_.client_id ||
      form.Get("client_secret").value_or("") != o_.client_secret)
    return OAuthError(401, "invalid_client", "Invalid client credentials");
  // A missing scope is granted `all` (uncertain: Halo may refuse it instead).
  std::string scope = form.Get("scope").value_or("");
  if (scope.empty()) scope = "all";
  std::istringstream words(scope);
  for (std::string w; words >> w;)
    if (!KnownScopes().count(w)) return OAuthError(400, "invalid_scope", "The requested scope is invalid");
  std::string token;
  {
    std::lock_guard lock(mu_);
    uint64_t n = ++issued_;
    char buf[64];
    std::snprintf(buf, sizeof buf, "halo-sim-%016llx%016llx", static_cast<unsigned long long>(Mix(n)),
                  static_cast<unsigned long long>(Mix(n ^ o_.fleet.seed)));
    token = buf;
    auto now = Now();
    // Forget expired tokens so the table stays small.
    std::erase_if(tokens_, [now](const auto& kv) { return kv.second <= now; });
    tokens_[token] = now + std::chrono::seconds(o_.token_ttl_s);
  }
  // Real tokens are JWTs; ours are opaque (clients must not parse them).
  return JsonResponse(200, json::object{{"access_token", token},
                                        {"token_type", "Bearer"},
                                        {"expires_in", o_.token_ttl_s},
                                        {"scope", scope},
                                        {"id_token", "id-" + token},
                                        {"refresh_token", "refresh-" + token}});
}

bool HaloSim::BearerValid(const http::Request& req) {
  auto h = req.Header("Authorization");
  if (!h) return false;
  std::string_view v = *h;
  constexpr std::string_view kBearer = "Bearer ";
  if (v.size() <= kBearer.size() || Lower(v.substr(0, kBearer.size())) != "bearer ") return false;
  v.remove_prefix(kBearer.size());
  std::lock_guard lock(mu_);
  auto it = tokens_.find(std::string(v));
  return it != tokens_.end() && Now() < it->second;
}

http::Response HaloSim::Handle(const http::Request& request) {
  try {
    std::string path = Lower(request.path);
    if (path == "/auth/token" || path == "/auth/token/") {
      if (request.method != "POST") return ApiError(405, "The requested resource does not support http method '" + request.method + "'.");
      return Token(request);
    }
    constexpr std::string_view kApi = "/api/";
    if (request.path.size() > kApi.size() && path.substr(0, kApi.size()) == kApi) {
      // 401 for a missing, unknown or expired token, with ASP.NET's message (uncertain body).
      if (!BearerValid(request)) return ApiError(401, "Authorization has been denied for this request.");
      return Responder(o_, fleet_).Api(request, std::string_view(request.path).substr(kApi.size()));
    }
    return Responder::NotFound();
  } catch (...) {
    return http::Response::Json(500, R"({"Message":"An error has occurred."})");
  }
}

}  // namespace cairn::sims::halo
