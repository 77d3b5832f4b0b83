#include "sims/halo/halo_sim.h"
#include "sims/common/util.h"
#include "core/json_writer.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

namespace cairn::sims::halo {

namespace json = boost::json;

struct HaloSim::Knowledge {
  std::map<int64_t, json::object> articles;
  std::map<int64_t, json::object> faqlists;
  int64_t next_article = 1;
  int64_t next_faqlist = 1;
};

namespace {

constexpr int64_t kClientIdBase = 100;
constexpr int64_t kChildStride = 10'000'000;  // site, user, asset, contract ids: (company + 1) * stride + index

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

// A JSON id: an integer, or an integral double (Halo's decimal ids).
std::optional<int64_t> JsonId(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(v.get_uint64());
  if (v.is_double()) {
    double d = v.get_double();
    if (std::floor(d) == d && std::fabs(d) < 9e15) return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

std::optional<RecordKey> ClientKey(std::optional<int64_t> id) {
  if (!id || *id < kClientIdBase) return std::nullopt;
  return RecordKey{*id - kClientIdBase, 0};
}
std::optional<RecordKey> ChildKey(std::optional<int64_t> id) {
  if (!id || *id < kChildStride) return std::nullopt;
  return RecordKey{*id / kChildStride - 1, *id % kChildStride};
}

// Halo's dates: ISO yyyy-MM-ddTHH:mm:ss.fffZ.
// Unix seconds as "YYYY-MM-DDTHH:MM:SS.000Z", written by hand (days to a civil date, after
// Howard Hinnant's algorithm): a page of a thousand records writes two of these each, and
// gmtime_r with snprintf was a tenth of the simulator's time.
std::string Iso(int64_t unix_s) {
  int64_t days = unix_s >= 0 ? unix_s / 86400 : (unix_s - 86399) / 86400;
  int64_t secs = unix_s - days * 86400;
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t doe = days - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[32] = "0000-00-00T00:00:00.000Z";
  auto put = [&buf](int at, int64_t v, int width) {
    for (int k = width - 1; k >= 0; --k, v /= 10) buf[at + k] = static_cast<char>('0' + v % 10);
  };
  if (y < 0 || y > 9999) return "0000-01-01T00:00:00.000Z";
  put(0, y, 4);
  put(5, m, 2);
  put(8, d, 2);
  put(11, secs / 3600, 2);
  put(14, secs / 60 % 60, 2);
  put(17, secs % 60, 2);
  return std::string(buf, 24);
}

int64_t NowUnixS() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
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

http::Response NotFound() { return ApiError(404, "No HTTP resource was found that matches the request URI."); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

bool ContainsFolded(std::string_view haystack, std::string_view needle) {
  return Lower(haystack).find(Lower(needle)) != std::string::npos;
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
  // A non-empty text parameter.
  std::optional<std::string> Text(std::string_view name) const {
    auto v = Get(name);
    if (!v || v->empty()) return std::nullopt;
    return v;
  }
  std::optional<int64_t> Id(std::string_view name) const {
    auto v = Get(name);
    if (!v) return std::nullopt;
    return ParseId(*v).value_or(-1);  // present but malformed: matches nothing
  }
  bool Ordered() const { return Text("order").has_value(); }
};

// The known scopes [reference B2]; `all` is what most applications ask for.
const std::set<std::string, std::less<>>& KnownScopes() {
  static const auto* scopes = new std::set<std::string, std::less<>>{
      "all",          "all:standard",   "admin",         "read:customers", "edit:customers",
      "read:assets",  "edit:assets",    "read:contracts", "edit:contracts", "read:kb",
      "edit:kb",      "read:tickets",   "edit:tickets",  "read:items",     "read:software"};
  return *scopes;
}

// ---- List wrappers, shared by the tenant's lists and the KB store -----------------------------

// Which records the request wants by activity: active only unless told otherwise
// (the default is uncertain [reference B5]; sync clients send includeinactive=true).
struct Activity {
  bool active = true;
  bool inactive = false;
  bool Wants(bool is_active) const { return is_active ? active : inactive; }
  bool All() const { return active && inactive; }
};
Activity ActivityOf(const Query& q) {
  Activity a;
  if (auto v = q.Bool("includeactive")) a.active = *v;
  if (auto v = q.Bool("includeinactive")) a.inactive = *v;
  return a;
}

// The slice a list request asks for:
//   pageinate=true: {"page_no", "page_size", "record_count" (total matching), key: [page]};
//   otherwise:      {"record_count" (returned count), key: [all, or the first `count`]}.
struct Window {
  bool paged = false;
  int64_t page_no = 1, page_size = 50, skip = 0, take = INT64_MAX;
};
Window WindowOf(const Query& q, int default_page_size) {
  Window w;
  w.paged = q.Bool("pageinate").value_or(false);
  w.page_size = q.Positive("page_size", default_page_size);
  w.page_no = q.Positive("page_no", 1);
  w.skip = w.paged ? (w.page_no - 1) * w.page_size : 0;
  w.take = w.paged ? w.page_size : q.Positive("count", INT64_MAX);
  return w;
}
json::object Wrap(const Window& w, int64_t matched, const char* key, json::array items) {
  json::object out;
  if (w.paged) {
    out["page_no"] = w.page_no;
    out["page_size"] = w.page_size;
    out["record_count"] = matched;
  } else {
    out["record_count"] = static_cast<int64_t>(items.size());
  }
  out[key] = std::move(items);
  return out;
}

// Orders records by `order`..`order5` (each with its `orderdesc`..`orderdesc5`), strings
// case-insensitively, numbers numerically, missing fields first; ties keep id order.
void Order(const Query& q, std::vector<json::object>& items) {
  std::vector<std::pair<std::string, bool>> keys;
  for (int i = 1; i <= 5; ++i) {
    std::string suffix = i == 1 ? "" : std::to_string(i);
    auto field = q.Text("order" + suffix);
    if (!field) continue;
    keys.emplace_back(Lower(*field), q.Bool("orderdesc" + suffix).value_or(false));
  }
  if (keys.empty()) return;
  auto compare = [](const json::value* a, const json::value* b) -> int {
    if (!a || a->is_null()) return (!b || b->is_null()) ? 0 : -1;
    if (!b || b->is_null()) return 1;
    if (a->is_number() && b->is_number()) {
      double x = a->to_number<double>(), y = b->to_number<double>();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    if (a->is_bool() && b->is_bool()) return int(a->get_bool()) - int(b->get_bool());
    std::string x = a->is_string() ? Lower(a->get_string()) : json::serialize(*a);
    std::string y = b->is_string() ? Lower(b->get_string()) : json::serialize(*b);
    return x.compare(y) < 0 ? -1 : x.compare(y) > 0 ? 1 : 0;
  };
  // Field names are matched case-insensitively, as Halo binds them to columns.
  auto find = [](const json::object& o, const std::string& lower_name) -> const json::value* {
    for (const auto& kv : o)
      if (Lower(kv.key()) == lower_name) return &kv.value();
    return nullptr;
  };
  std::stable_sort(items.begin(), items.end(), [&](const json::object& a, const json::object& b) {
    for (const auto& [field, desc] : keys) {
      int c = compare(find(a, field), find(b, field));
      if (c != 0) return desc ? c > 0 : c < 0;
    }
    return false;
  });
}

// A list of records already built (matching, in id order): ordered, sliced and wrapped.
json::object FromObjects(const Query& q, const Window& w, const char* key, std::vector<json::object> all) {
  Order(q, all);
  json::array items;
  for (int64_t i = w.skip; i < static_cast<int64_t>(all.size()) && i - w.skip < w.take; ++i)
    items.push_back(std::move(all[static_cast<size_t>(i)]));
  return Wrap(w, static_cast<int64_t>(all.size()), key, std::move(items));
}

// Predicates on a record, all of which must hold; none = every record.
struct Keep {
  std::vector<std::function<bool(RecordKey)>> all;
  // Only active (true) or only inactive (false) records of `kind`; answered from the tenant's
  // activity index when it is the only condition.
  std::optional<bool> activity;
  const TenantView* view = nullptr;
  RecordKind kind = RecordKind::kCompany;
  void Add(std::function<bool(RecordKey)> p) { all.push_back(std::move(p)); }
  bool operator()(RecordKey k) const {
    if (activity && view->Active(kind, k) != *activity) return false;
    for (const auto& p : all)
      if (!p(k)) return false;
    return true;
  }
};

// Halo's top levels (the client tree's roots), from the fleet's company type.
std::pair<int64_t, const char*> TopLevel(const FakeCompany& c) {
  if (c.type == "Prospect") return {2, "Prospects"};
  if (c.type == "Partner") return {3, "Partners"};
  return {1, "Clients"};
}

int64_t AssetTypeId(DeviceType t) { return static_cast<int64_t>(t) + 1; }

Vocabulary HaloVocabulary(const HaloSimOptions& o) {
  Vocabulary v;
  v.kind = [](const std::string& name) -> std::optional<RecordKind> {
    if (name == "clients") return RecordKind::kCompany;
    if (name == "sites") return RecordKind::kSite;
    if (name == "users") return RecordKind::kContact;
    if (name == "assets") return RecordKind::kDevice;
    if (name == "contracts") return RecordKind::kAgreement;
    return std::nullopt;
  };
  v.key = [](RecordKind kind, const json::value& id) -> std::optional<RecordKey> {
    auto n = JsonId(id);
    return kind == RecordKind::kCompany ? ClientKey(n) : ChildKey(n);
  };
  v.id = [](RecordKind kind, RecordKey key) -> json::value {
    return kind == RecordKind::kCompany ? ClientId(key.company) : ChildId(key.company, key.index);
  };
  v.too_many_requests = [](int retry_after_s) {
    auto r = ApiError(429, "Too many requests. Please try again in " + std::to_string(retry_after_s) + " seconds.");
    r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
    return r;
  };
  v.rate_limit_per_min = std::max(0, o.rate_limit_per_minute);
  return v;
}

// "/api/{resource}[/{id}]" after "/api/" -> (lowercase resource, id or ""); nullopt for deeper paths.
std::optional<std::pair<std::string, std::string>> SplitApiPath(std::string_view path) {
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto slash = path.find('/');
  if (slash == std::string_view::npos) return std::make_pair(Lower(path), std::string());
  std::string id(path.substr(slash + 1));
  if (id.empty() || id.find('/') != std::string::npos) return std::nullopt;
  return std::make_pair(Lower(path.substr(0, slash)), id);
}

// ---- The tenant's records in Halo's shapes ---------------------------------------------------

class Responder {
 public:
  Responder(const HaloSimOptions& o, const TenantView& view) : o_(o), view_(view) {}

  // What the records of one company share (the company, its live sites and their names), kept
  // while a page walks that company's records: a Responder answers one request on one thread.
  struct CompanyMemo {
    int64_t company = -1;
    FakeCompany c;
    std::vector<RecordKey> sites;
    std::vector<std::string> site_names;
  };
  const CompanyMemo& Memo(int64_t company) const {
    if (memo_.company != company) {
      memo_.company = company;
      memo_.c = *view_.Company(company);
      int64_t n = view_.Total(RecordKind::kSite, company);
      memo_.sites = n > 0 ? view_.Page(RecordKind::kSite, company, 0, n) : std::vector<RecordKey>{};
      memo_.site_names.clear();
      for (auto k : memo_.sites) memo_.site_names.push_back(view_.Site(company, k.index)->name);
    }
    return memo_;
  }

  http::Response Api(const http::Request& req, const std::string& resource, const std::string& id) const {
    if (req.method != "GET") return NotFound();
    Query q{http::ParseQuery(req.query)};
    const bool list = id.empty();
    std::optional<int64_t> nid = list ? std::nullopt : ParseId(id);
    if (resource == "client") return list ? Clients(q) : ClientDetail(nid);
    if (resource == "site") return list ? Sites(q) : SiteDetail(nid);
    if (resource == "users") return list ? Users(q) : UserDetail(nid);
    if (resource == "asset") return list ? Assets(q) : AssetDetail(nid);
    if (resource == "clientcontract") return list ? Contracts(q) : ContractDetail(nid);
    if (resource == "assettype" && list) return AssetTypes();
    return NotFound();
  }

 private:
  std::optional<int64_t> CompanyOf(std::optional<int64_t> client_id) const {
    auto k = ClientKey(client_id);
    if (!k || !view_.Live(RecordKind::kCompany, *k)) return std::nullopt;
    return k->company;
  }
  std::optional<RecordKey> ChildOf(std::optional<int64_t> id, RecordKind kind) const {
    auto k = ChildKey(id);
    if (!k || !view_.Live(kind, *k)) return std::nullopt;
    return k;
  }
  // The site a user or asset sits at: index i at the company's (i mod live sites)-th live site.
  std::optional<RecordKey> SiteOf(int64_t company, int64_t index) const {
    int64_t n = view_.Total(RecordKind::kSite, company);
    if (n == 0) return std::nullopt;
    return view_.Page(RecordKind::kSite, company, index % n, 1)[0];
  }
  std::pair<std::string, std::string> Stamps(RecordKind kind, RecordKey key) const {
    RecordStamps s = view_.Stamps(kind, key);
    return {Iso(s.created_ms / 1000), Iso(s.updated_ms / 1000)};
  }

  // Every matching record of `kind` (one company's with client_id), wrapped as Halo wraps lists.
  // `keep` filters; with no predicate, no order and no window past the records, a page costs
  // only its records.
  json::object List(const Query& q, const char* key, RecordKind kind, const Keep& keep,
                    const std::function<json::object(RecordKey)>& item) const {
    Window w = WindowOf(q, o_.default_page_size);
    std::optional<int64_t> company;
    if (auto cid = q.Get("client_id")) {
      auto c = CompanyOf(ParseId(*cid));
      if (!c) return Wrap(w, 0, key, {});
      company = *c;
    }
    if (q.Ordered()) {
      std::vector<json::object> all;
      view_.ForEach(kind, company, [&](RecordKey k) {
        if (keep(k)) all.push_back(item(k));
        return true;
      });
      return FromObjects(q, w, key, std::move(all));
    }
    json::array items;
    int64_t matched = 0;
    if (keep.all.empty()) {
      matched = keep.activity ? view_.TotalWithActivity(kind, company, *keep.activity) : view_.Total(kind, company);
      if (w.skip < matched) {
        int64_t n = std::min(w.take, matched - w.skip);
        auto keys = keep.activity ? view_.PageWithActivity(kind, company, *keep.activity, w.skip, n)
                                  : view_.Page(kind, company, w.skip, n);
        for (auto k : keys) items.push_back(item(k));
      }
      return Wrap(w, matched, key, std::move(items));
    }
    view_.ForEach(kind, company, [&](RecordKey k) {
      if (!keep(k)) return true;
      if (matched >= w.skip && matched - w.skip < w.take) items.push_back(item(k));
      ++matched;
      return true;
    });
    return Wrap(w, matched, key, std::move(items));
  }

  // List's answer written as text without building a tree, for the plain page walk a sync does
  // (no order, no predicate but activity); nullopt otherwise (List answers). The bytes are those
  // List's answer serializes to.
  std::optional<std::string> ListText(const Query& q, const char* key, RecordKind kind, const Keep& keep,
                                      const std::function<void(RecordKey, JsonWriter&)>& item) const {
    if (q.Ordered() || !keep.all.empty()) return std::nullopt;
    Window w = WindowOf(q, o_.default_page_size);
    std::optional<int64_t> company;
    if (auto cid = q.Get("client_id")) {
      auto c = CompanyOf(ParseId(*cid));
      if (!c) return std::nullopt;
      company = *c;
    }
    int64_t matched = keep.activity ? view_.TotalWithActivity(kind, company, *keep.activity) : view_.Total(kind, company);
    std::vector<RecordKey> keys;
    if (w.skip < matched) {
      int64_t n = std::min(w.take, matched - w.skip);
      keys = keep.activity ? view_.PageWithActivity(kind, company, *keep.activity, w.skip, n) : view_.Page(kind, company, w.skip, n);
    }
    std::string out;
    out.reserve(keys.size() * 900 + 128);
    JsonWriter j(out);
    j.BeginObject();
    if (w.paged) {
      j.Field("page_no", w.page_no);
      j.Field("page_size", w.page_size);
      j.Field("record_count", matched);
    } else {
      j.Field("record_count", static_cast<int64_t>(keys.size()));
    }
    j.Key(key);
    j.BeginArray();
    for (auto k : keys) item(k, j);
    j.EndArray();
    j.EndObject();
    return out;
  }

  // The activity filter of a kind whose records carry an active flag.
  void AddActivity(const Query& q, Keep& keep, RecordKind kind) const {
    Activity want = ActivityOf(q);
    if (want.All()) return;
    if (!want.active && !want.inactive) {
      keep.Add([](RecordKey) { return false; });
      return;
    }
    keep.activity = want.active;
    keep.view = &view_;
    keep.kind = kind;
  }
  // site_id: records whose site (site_of) is that site; a malformed or unknown site matches nothing.
  void AddSite(const Query& q, Keep& keep, std::function<std::optional<RecordKey>(RecordKey)> site_of) const {
    auto site = q.Id("site_id");
    if (!site) return;
    auto want = ChildKey(*site);
    keep.Add([want, site_of = std::move(site_of)](RecordKey k) {
      auto s = site_of(k);
      return want && s && *s == *want;
    });
  }

  json::object ClientJson(int64_t company) const {
    FakeCompany c = *view_.Company(company);
    auto [created, updated] = Stamps(RecordKind::kCompany, {company, 0});
    json::value main_site_id = 0, main_site_name = "";
    if (auto first = view_.Page(RecordKind::kSite, company, 0, 1); !first.empty()) {
      main_site_id = ChildId(company, first[0].index);
      main_site_name = view_.Site(company, first[0].index)->name;
    }
    std::string domain = c.website;
    if (auto p = domain.find("://"); p != std::string::npos) domain = domain.substr(p + 3);
    if (domain.rfind("www.", 0) == 0) domain = domain.substr(4);
    auto [toplevel_id, toplevel_name] = TopLevel(c);
    return {{"id", ClientId(company)},
            {"name", c.name},
            {"inactive", !c.active},
            {"toplevel_id", toplevel_id},
            {"toplevel_name", toplevel_name},
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
    FakeSite s = *view_.Site(company, index);
    FakeCompany c = *view_.Company(company);
    auto [created, updated] = Stamps(RecordKind::kSite, {company, index});
    (void)created;
    json::value maincontact_id = 0, maincontact_name = "";
    if (auto first = view_.Page(RecordKind::kContact, company, 0, 1); !first.empty()) {
      FakeContact p = *view_.Contact(company, first[0].index);
      maincontact_id = ChildId(company, first[0].index);
      maincontact_name = p.first_name + " " + p.last_name;
    }
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

  // A Halo user written as text; UserJson is its tree.
  void UserText(int64_t company, int64_t index, JsonWriter& j) const {
    FakeContact p = *view_.Contact(company, index);
    const CompanyMemo& memo = Memo(company);
    const FakeCompany& c = memo.c;
    auto [created, updated] = Stamps(RecordKind::kContact, {company, index});
    int64_t site = 0;
    std::string site_name;
    if (!memo.sites.empty()) {  // SiteOf: the (index mod live sites)-th live site
      size_t at = static_cast<size_t>(index % static_cast<int64_t>(memo.sites.size()));
      site = ChildId(company, memo.sites[at].index);
      site_name = memo.site_names[at];
    }
    j.BeginObject();
    j.Field("id", ChildId(company, index));
    j.Field("name", p.first_name + " " + p.last_name);
    j.Field("firstname", p.first_name);
    j.Field("surname", p.last_name);
    j.Field("title", p.title);
    j.Field("emailaddress", p.email);
    j.Field("email2", "");
    j.Field("email3", "");
    j.Field("phonenumber", c.phone);
    j.Field("phonenumber_preferred", p.phone);
    j.Field("mobilenumber", p.phone);
    j.Field("homenumber", "");
    j.Field("client_id", ClientId(company));
    j.Field("client_name", c.name);
    j.Key("site_id");
    j.Raw(json::serialize(json::value(static_cast<double>(site))));  // Boost's way of writing a double
    j.Field("site_id_int", site);
    j.Field("site_name", site_name);
    j.FieldBool("inactive", !p.active);
    j.FieldBool("isimportantcontact", index == 0);
    j.Field("department", "");
    j.Field("login", p.email);
    j.Field("notes", "");
    j.Field("datecreated", created);
    j.Field("ulastupdate", updated);
    j.Key("customfields");
    j.BeginArray();
    j.EndArray();
    j.EndObject();
  }

  // The tree of UserText (one writer of the record, as for assets).
  json::object UserJson(int64_t company, int64_t index) const {
    std::string text;
    JsonWriter j(text);
    UserText(company, index, j);
    return json::parse(text).as_object();
  }


  // A Halo asset (schema Asset [reference B6]) written as text; AssetJson is its tree.
  void AssetText(int64_t company, int64_t index, bool with_fields, JsonWriter& j) const {
    FakeDevice d = *view_.Device(company, index);
    const CompanyMemo& memo = Memo(company);
    const FakeCompany& c = memo.c;
    auto [created, updated] = Stamps(RecordKind::kDevice, {company, index});
    (void)created;
    int64_t site = 0;
    std::string site_name;
    if (!memo.sites.empty()) {  // SiteOf: the (index mod live sites)-th live site
      size_t at = static_cast<size_t>(index % static_cast<int64_t>(memo.sites.size()));
      site = ChildId(company, memo.sites[at].index);
      site_name = memo.site_names[at];
    }
    char tag[24] = "AT000000";  // as "AT%06lld" writes it
    {
      std::string digits = std::to_string(index + 1);
      size_t width = std::max<size_t>(6, digits.size());
      std::memcpy(tag + 2 + width - digits.size(), digits.data(), digits.size());
      tag[2 + width] = '\0';
    }
    j.BeginObject();
    j.Field("id", ChildId(company, index));
    j.Field("inventory_number", std::string_view(tag));
    j.Field("key_field", d.name);
    j.Field("key_field2", d.serial);
    j.Field("key_field3", "");
    j.Field("client_id", ClientId(company));
    j.Field("client_name", c.name);
    j.Field("site_id", site);
    j.Field("site_name", site_name);
    j.Field("assettype_id", AssetTypeId(d.type));
    j.Field("assettype_name", std::string_view(DeviceTypeName(d.type)));
    j.FieldBool("inactive", !d.active);
    j.Field("status_id", int64_t{d.active ? 1 : 2});
    j.Field("status_name", d.active ? "Active" : "Inactive");
    j.Field("username", "");
    j.Field("user_email", "");
    j.Field("notes", "");
    j.FieldNull("warranty_end");
    j.Field("third_party_id", "");
    j.Field("dlastupdate", updated);
    j.Field("last_modified", updated);
    if (with_fields) {
      j.Key("fields");
      j.BeginArray();
      auto field = [&j](int64_t id, const char* name, const std::string& value) {
        j.BeginObject();
        j.Field("id", id);
        j.Field("name", name);
        j.Field("value", value);
        j.Field("display", value);
        j.EndObject();
      };
      field(1, "Hostname", d.name);
      field(2, "Serial Number", d.serial);
      field(3, "Manufacturer", d.manufacturer);
      field(4, "Model", d.model);
      field(5, "Operating System", d.os);
      field(6, "IP Address", d.ip);
      field(7, "MAC Address", d.mac);
      j.EndArray();
    }
    j.EndObject();
  }

  // The tree of AssetText, for answers built as trees (ordered or filtered lists, one asset): one
  // writer of the record, so the two can't drift apart.
  json::object AssetJson(int64_t company, int64_t index, bool with_fields) const {
    std::string text;
    JsonWriter j(text);
    AssetText(company, index, with_fields, j);
    return json::parse(text).as_object();
  }


  // A ClientContract (schema ContractHeader [reference B6]) from a fleet agreement: three-year
  // terms from the creation date, billed monthly.
  json::object ContractJson(int64_t company, int64_t index) const {
    FakeAgreement a = *view_.Agreement(company, index);
    FakeCompany c = *view_.Company(company);
    RecordStamps st = view_.Stamps(RecordKind::kAgreement, {company, index});
    int64_t start = st.created_ms / 1000;
    int64_t end = start + 3 * 365 * 86400;
    bool expired = end < NowUnixS();
    json::value site_id = 0, site_name = "";
    if (auto s = SiteOf(company, 0)) {
      site_id = ChildId(company, s->index);
      site_name = view_.Site(company, s->index)->name;
    }
    uint64_t h = 1469598103934665603ull;  // FNV-1a of the type name: a stable contract type id
    for (unsigned char ch : a.type) h = (h ^ ch) * 1099511628211ull;
    int64_t type_id = static_cast<int64_t>(h % 5) + 1;
    char price[64];
    std::snprintf(price, sizeof price, "%lld.%02lld per month", static_cast<long long>(a.monthly_cents / 100),
                  static_cast<long long>(a.monthly_cents % 100));
    int status = !a.active ? 2 : expired ? 3 : 1;
    return {{"id", ChildId(company, index)},
            {"ref", a.name},
            {"client_id", ClientId(company)},
            {"client_name", c.name},
            {"site_id", site_id},
            {"site_name", site_name},
            {"start_date", Iso(start)},
            {"end_date", Iso(end)},
            {"active", a.active},
            {"started", true},
            {"expired", expired},
            {"status", status},
            {"contract_status", status == 1 ? "Active" : status == 2 ? "Inactive" : "Expired"},
            {"contracttype", type_id},
            {"contracttype_name", a.type},
            {"billing_description_string", price},
            {"billing_period_string", "Monthly"},
            {"note", ""},
            {"last_modified", Iso(st.updated_ms / 1000)}};
  }

  http::Response Clients(const Query& q) const {
    Keep keep;
    AddActivity(q, keep, RecordKind::kCompany);
    if (auto text = q.Text("search"))
      keep.Add([this, t = *text](RecordKey k) { return ContainsFolded(view_.Company(k.company)->name, t); });
    if (auto top = q.Id("toplevel_id"))
      keep.Add([this, t = *top](RecordKey k) { return TopLevel(*view_.Company(k.company)).first == t; });
    return JsonResponse(200, List(q, "clients", RecordKind::kCompany, keep,
                                  [this](RecordKey k) { return ClientJson(k.company); }));
  }
  http::Response ClientDetail(std::optional<int64_t> id) const {
    auto c = CompanyOf(id);
    if (!c) return ApiError(404, "Client not found");
    return JsonResponse(200, ClientJson(*c));
  }

  http::Response Sites(const Query& q) const {
    Keep keep;
    if (auto text = q.Text("search"))
      keep.Add([this, t = *text](RecordKey k) { return ContainsFolded(view_.Site(k.company, k.index)->name, t); });
    if (auto top = q.Id("toplevel_id"))
      keep.Add([this, t = *top](RecordKey k) { return TopLevel(*view_.Company(k.company)).first == t; });
    return JsonResponse(200, List(q, "sites", RecordKind::kSite, keep,
                                  [this](RecordKey k) { return SiteJson(k.company, k.index); }));
  }
  http::Response SiteDetail(std::optional<int64_t> id) const {
    auto k = ChildOf(id, RecordKind::kSite);
    if (!k) return ApiError(404, "Site not found");
    return JsonResponse(200, SiteJson(k->company, k->index));
  }

  http::Response Users(const Query& q) const {
    Keep keep;
    AddActivity(q, keep, RecordKind::kContact);
    if (auto text = q.Text("search")) {
      keep.Add([this, t = *text](RecordKey k) {
        FakeContact p = *view_.Contact(k.company, k.index);
        return ContainsFolded(p.first_name + " " + p.last_name, t) || ContainsFolded(p.email, t);
      });
    }
    AddSite(q, keep, [this](RecordKey k) { return SiteOf(k.company, k.index); });
    if (auto text = ListText(q, "users", RecordKind::kContact, keep,
                             [this](RecordKey k, JsonWriter& j) { UserText(k.company, k.index, j); }))
      return http::Response::Json(200, std::move(*text));
    return JsonResponse(200, List(q, "users", RecordKind::kContact, keep,
                                  [this](RecordKey k) { return UserJson(k.company, k.index); }));
  }
  http::Response UserDetail(std::optional<int64_t> id) const {
    auto k = ChildOf(id, RecordKind::kContact);
    if (!k) return ApiError(404, "User not found");
    return JsonResponse(200, UserJson(k->company, k->index));
  }

  http::Response Assets(const Query& q) const {
    Keep keep;
    AddActivity(q, keep, RecordKind::kDevice);
    if (auto text = q.Text("search")) {
      keep.Add([this, t = *text](RecordKey k) {
        FakeDevice d = *view_.Device(k.company, k.index);
        char tag[32];
        std::snprintf(tag, sizeof tag, "AT%06lld", static_cast<long long>(k.index + 1));
        return ContainsFolded(d.name, t) || ContainsFolded(d.serial, t) || ContainsFolded(tag, t);
      });
    }
    AddSite(q, keep, [this](RecordKey k) { return SiteOf(k.company, k.index); });
    if (auto type = q.Id("assettype_id"))
      keep.Add([this, t = *type](RecordKey k) { return AssetTypeId(view_.Device(k.company, k.index)->type) == t; });
    bool fields = q.Bool("includeassetfields").value_or(false);
    if (auto text = ListText(q, "assets", RecordKind::kDevice, keep,
                             [this, fields](RecordKey k, JsonWriter& j) { AssetText(k.company, k.index, fields, j); }))
      return http::Response::Json(200, std::move(*text));
    return JsonResponse(200, List(q, "assets", RecordKind::kDevice, keep,
                                  [this, fields](RecordKey k) { return AssetJson(k.company, k.index, fields); }));
  }
  http::Response AssetDetail(std::optional<int64_t> id) const {
    auto k = ChildOf(id, RecordKind::kDevice);
    if (!k) return ApiError(404, "Asset not found");
    // The single GET carries fields[] (Halo wants includedetails=true; we always include them).
    return JsonResponse(200, AssetJson(k->company, k->index, true));
  }

  http::Response Contracts(const Query& q) const {
    Keep keep;
    AddActivity(q, keep, RecordKind::kAgreement);
    if (auto text = q.Text("search"))
      keep.Add([this, t = *text](RecordKey k) { return ContainsFolded(view_.Agreement(k.company, k.index)->name, t); });
    // Contracts sit at the client's first site (their site_id), whatever their index.
    AddSite(q, keep, [this](RecordKey k) { return SiteOf(k.company, 0); });
    return JsonResponse(200, List(q, "contracts", RecordKind::kAgreement, keep,
                                  [this](RecordKey k) { return ContractJson(k.company, k.index); }));
  }
  http::Response ContractDetail(std::optional<int64_t> id) const {
    auto k = ChildOf(id, RecordKind::kAgreement);
    if (!k) return ApiError(404, "Contract not found");
    return JsonResponse(200, ContractJson(k->company, k->index));
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
  const TenantView& view_;
  mutable CompanyMemo memo_;
};

}  // namespace

// ---- KB articles and FAQ lists ---------------------------------------------------------------

namespace {

// A thrown validation error: 400 with this message.
struct Invalid {
  std::string message;
};

std::string Text(const json::object& o, const char* field) {
  auto* v = o.if_contains(field);
  if (!v || v->is_null()) return "";
  if (!v->is_string()) throw Invalid{std::string(field) + " must be a string"};
  return std::string(v->get_string());
}

void CopyString(const json::object& in, json::object& out, const char* field) {
  if (in.contains(field)) out[field] = Text(in, field);
}
void CopyBool(const json::object& in, json::object& out, const char* field) {
  auto* v = in.if_contains(field);
  if (!v) return;
  if (!v->is_bool()) throw Invalid{std::string(field) + " must be true or false"};
  out[field] = v->get_bool();
}
void CopyInt(const json::object& in, json::object& out, const char* field) {
  auto* v = in.if_contains(field);
  if (!v) return;
  auto n = JsonId(*v);
  if (!n) throw Invalid{std::string(field) + " must be an integer"};
  out[field] = *n;
}
void CopyArray(const json::object& in, json::object& out, const char* field) {
  auto* v = in.if_contains(field);
  if (!v) return;
  if (!v->is_array()) throw Invalid{std::string(field) + " must be an array"};
  out[field] = *v;
}

// What an upsert element asks for: create (nullopt) or update of an id.
std::optional<int64_t> UpsertId(const json::object& o) {
  auto* v = o.if_contains("id");
  if (!v || v->is_null()) return std::nullopt;
  auto n = JsonId(*v);
  if (!n) throw Invalid{"id must be an integer"};
  if (*n == 0 || *n == -1) return std::nullopt;
  return n;
}

std::string Guid(uint64_t a, uint64_t b) {
  uint64_t h = Mix(a ^ Mix(b));
  uint64_t g = Mix(h);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(h >> 32),
                static_cast<unsigned>((h >> 16) & 0xFFFF), static_cast<unsigned>(h & 0xFFF),
                static_cast<unsigned>(0x8000 | (g >> 48 & 0x3FFF)),
                static_cast<unsigned long long>(g & 0xFFFFFFFFFFFFull));
  return buf;
}

// Applies the writable KBEntry fields of `in` to `a` (an article being created or updated).
void WriteArticle(const json::object& in, json::object& a, const HaloSim::Knowledge& kb, const std::string& now) {
  for (const char* f : {"name", "description_markdown", "resolution", "resolution_html", "tag_string",
                        "next_review_date"})
    CopyString(in, a, f);
  CopyBool(in, a, "inactive");
  CopyBool(in, a, "showforall");
  CopyInt(in, a, "type");
  for (const char* f : {"customfields", "external_links", "kbentryclientaccess"}) CopyArray(in, a, f);
  // description and description_html are one body: whichever is written sets both (uncertain
  // which Halo treats as canonical [reference B7]).
  bool d = in.contains("description"), h = in.contains("description_html");
  if (d) a["description"] = Text(in, "description");
  if (h) a["description_html"] = Text(in, "description_html");
  if (d && !h) a["description_html"] = a["description"];
  if (h && !d) a["description"] = a["description_html"];
  if (in.contains("resolution") && !in.contains("resolution_html")) a["resolution_html"] = a["resolution"];
  if (in.contains("tag_string")) {
    std::string tags(a["tag_string"].as_string());
    json::array list;
    std::istringstream words(tags);
    for (std::string t; std::getline(words, t, ',');) {
      t.erase(0, t.find_first_not_of(' '));
      t.erase(t.find_last_not_of(' ') + 1);
      if (!t.empty()) list.push_back(json::object{{"id", static_cast<int64_t>(list.size()) + 1}, {"text", t}});
    }
    a["kb_tags"] = tags;
    a["tags"] = std::move(list);
  }
  if (auto* lists = in.if_contains("faqlists")) {
    if (!lists->is_array()) throw Invalid{"faqlists must be an array of {\"id\": N}"};
    json::array out;
    for (const auto& l : lists->get_array()) {
      const json::value* idv = l.is_object() ? l.get_object().if_contains("id") : nullptr;
      auto id = idv ? JsonId(*idv) : std::nullopt;
      if (!id) throw Invalid{"faqlists must be an array of {\"id\": N}"};
      auto it = kb.faqlists.find(*id);
      if (it == kb.faqlists.end()) throw Invalid{"FAQ list " + std::to_string(*id) + " does not exist"};
      out.push_back(json::object{{"id", *id}, {"name", it->second.at("name")}});
    }
    a["faqlists"] = std::move(out);
  }
  a["date_edited"] = now;
  a["editor_id"] = 1;
}

json::object NewArticle(int64_t id, const std::string& now) {
  return {{"id", id},
          {"name", ""},
          {"description", ""},
          {"description_html", ""},
          {"description_markdown", ""},
          {"resolution", ""},
          {"resolution_html", ""},
          {"tag_string", ""},
          {"kb_tags", ""},
          {"tags", json::array{}},
          {"faqlists", json::array{}},
          {"type", 0},
          {"inactive", false},
          {"date_created", now},
          {"date_edited", now},
          {"next_review_date", nullptr},
          {"creator_id", 1},
          {"editor_id", 1},
          {"showforall", true},
          {"customfields", json::array{}},
          {"attachments", json::array{}},
          {"kbentryclientaccess", json::array{}},
          {"external_links", json::array{}}};
}

// Applies the writable FAQListHead fields; a parent_id nests the list under another.
void WriteFaqList(const json::object& in, json::object& l, const HaloSim::Knowledge& kb) {
  CopyString(in, l, "name");
  CopyInt(in, l, "type");
  CopyInt(in, l, "group_id");
  CopyString(in, l, "group_name");
  CopyBool(in, l, "showforall");
  CopyArray(in, l, "roles");
  CopyInt(in, l, "parent_id");
  CopyInt(in, l, "level");
  std::string full(l.at("name").as_string());
  int64_t parent = l.at("parent_id").as_int64();
  if (parent > 0) {
    auto it = kb.faqlists.find(parent);
    if (it == kb.faqlists.end()) throw Invalid{"FAQ list " + std::to_string(parent) + " does not exist"};
    full = std::string(it->second.at("full_name").as_string()) + "/" + full;
    if (!in.contains("level")) l["level"] = it->second.at("level").as_int64() + 1;
  }
  l["full_name"] = full;
}

json::object NewFaqList(int64_t id, uint64_t seed) {
  return {{"id", id},          {"name", ""},       {"guid", Guid(seed, static_cast<uint64_t>(id))},
          {"level", 0},        {"parent_id", 0},   {"group_id", 0},
          {"group_name", ""},  {"full_name", ""},  {"article_count", 0},
          {"type", 0},         {"showforall", true}, {"roles", json::array{}}};
}

bool FiledIn(const json::object& article, int64_t list) {
  for (const auto& l : article.at("faqlists").as_array())
    if (l.at("id").as_int64() == list) return true;
  return false;
}

}  // namespace

http::Response HaloSim::Kb(const http::Request& req, const std::string& resource, const std::string& id) {
  const bool articles = resource == "kbarticle";
  const char* noun = articles ? "Article" : "FAQ list";
  std::lock_guard lock(kb_mu_);
  auto& store = articles ? kb_->articles : kb_->faqlists;
  auto with_count = [this](json::object l) {
    int64_t n = 0;
    for (const auto& [_, a] : kb_->articles) n += FiledIn(a, l.at("id").as_int64());
    l["article_count"] = n;
    return l;
  };
  if (req.method == "GET" && id.empty()) {
    Query q{http::ParseQuery(req.query)};
    Activity want = ActivityOf(q);
    auto search = q.Text("search");
    std::vector<json::object> all;
    for (const auto& [key, rec] : store) {
      if (search && !ContainsFolded(rec.at("name").as_string(), *search)) continue;
      if (articles) {
        if (!want.Wants(!rec.at("inactive").as_bool())) continue;
        if (auto list = q.Id("faqlists"); list && !FiledIn(rec, *list)) continue;
        all.push_back(rec);
      } else {
        if (auto t = q.Id("type"); t && rec.at("type").as_int64() != *t) continue;
        if (auto l = q.Id("level"); l && rec.at("level").as_int64() != *l) continue;
        if (auto p = q.Id("parent_id"); p && rec.at("parent_id").as_int64() != *p) continue;
        all.push_back(with_count(rec));
      }
    }
    if (articles) return JsonResponse(200, FromObjects(q, WindowOf(q, o_.default_page_size), "articles", std::move(all)));
    // FAQLists answers a bare array, without paging (reference B4, uncertain).
    Order(q, all);
    json::array out;
    for (auto& l : all) out.push_back(std::move(l));
    return JsonResponse(200, out);
  }
  if ((req.method == "GET" || req.method == "DELETE") && !id.empty()) {
    auto n = ParseId(id);
    auto it = n ? store.find(*n) : store.end();
    if (it == store.end()) return ApiError(404, std::string(noun) + " not found");
    if (req.method == "GET") return JsonResponse(200, articles ? it->second : with_count(it->second));
    store.erase(it);
    return http::Response::Json(200, "");
  }
  if (req.method != "POST" || !id.empty()) return NotFound();

  json::error_code ec;
  json::value body = json::parse(req.body, ec);
  if (ec) return ApiError(400, "The request body is not valid JSON.");
  json::array items;
  if (body.is_array()) items = body.get_array();
  else if (body.is_object()) items.push_back(body);
  else return ApiError(400, "The request body must be an array of objects.");
  if (items.empty()) return ApiError(400, "The request body must be an array of objects.");
  std::string now = Iso(NowUnixS());
  // Validate and build every record first, so that a bad element changes nothing.
  Knowledge next = *kb_;
  auto& next_store = articles ? next.articles : next.faqlists;
  json::array saved;
  try {
    for (const auto& item : items) {
      if (!item.is_object()) throw Invalid{"every element must be an object"};
      const auto& in = item.get_object();
      auto existing = UpsertId(in);
      json::object rec;
      if (existing) {
        auto it = next_store.find(*existing);
        if (it == next_store.end()) throw Invalid{std::string(noun) + " " + std::to_string(*existing) + " does not exist"};
        rec = it->second;
      } else {
        int64_t fresh = articles ? next.next_article++ : next.next_faqlist++;
        rec = articles ? NewArticle(fresh, now) : NewFaqList(fresh, o_.fleet.seed);
        if (Text(in, "name").empty()) throw Invalid{"name is required"};
      }
      if (articles) WriteArticle(in, rec, next, now);
      else WriteFaqList(in, rec, next);
      if (rec.at("name").as_string().empty()) throw Invalid{"name must not be empty"};
      int64_t key = rec.at("id").as_int64();
      next_store[key] = rec;
      saved.push_back(rec);
    }
  } catch (const Invalid& e) {
    return ApiError(400, e.message);
  }
  *kb_ = std::move(next);
  if (!articles)
    for (auto& l : saved) l = with_count(l.as_object());
  if (saved.size() == 1) return JsonResponse(201, saved[0]);
  return JsonResponse(201, saved);
}

// ---- Tokens and routing ----------------------------------------------------------------------

HaloSim::HaloSim(HaloSimOptions options)
    : o_(std::move(options)),
      tenant_(o_.fleet),
      control_(o_.control_token, &tenant_, HaloVocabulary(o_), o_.fleet.seed),
      kb_(std::make_unique<Knowledge>()) {
  o_.default_page_size = std::max(1, o_.default_page_size);
}

HaloSim::~HaloSim() = default;

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
  // The token_ttl_s fault shortens the real lifetime, not the one announced.
  int lifetime_s = control_.faults().token_ttl_s.value_or(o_.token_ttl_s);
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
    tokens_[token] = now + std::chrono::seconds(lifetime_s);
  }
  // Real tokens are JWTs; ours are opaque (clients must not parse them).
  return JsonResponse(200, json::object{{"access_token", token},
                                        {"token_type", "Bearer"},
                                        {"expires_in", o_.token_ttl_s},
                                        {"scope", scope},
                                        {"id_token", "id-" + token},
                                        {"refresh_token", "refresh-" + token}});
}

// Auth discovery (anonymous): where the token endpoint lives and which tenant to name there.
http::Response HaloSim::AuthInfo(const http::Request& req) const {
  std::string auth_url = o_.auth_url;
  if (auth_url.empty()) auth_url = "https://" + std::string(req.Header("Host").value_or("127.0.0.1")) + "/auth";
  return JsonResponse(200, json::object{{"auth_url", auth_url}, {"tenant_id", o_.tenant}});
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
  http::Response r = control_.Handle(request, [this](const http::Request& req) { return HandleVendor(req); });
  // /_sim/reset puts the tenant back to the seed; the KB records written through the API go too.
  if (r.status == 200 && request.method == "POST" && request.path == "/_sim/reset" && !o_.control_token.empty()) {
    std::lock_guard lock(kb_mu_);
    *kb_ = Knowledge{};
  }
  return r;
}

http::Response HaloSim::HandleVendor(const http::Request& request) {
  try {
    std::string path = Lower(request.path);
    if (path == "/auth/token" || path == "/auth/token/") {
      if (request.method != "POST") return ApiError(405, "The requested resource does not support http method '" + request.method + "'.");
      return Token(request);
    }
    constexpr std::string_view kApi = "/api/";
    if (request.path.size() > kApi.size() && path.substr(0, kApi.size()) == kApi) {
      auto parts = SplitApiPath(std::string_view(request.path).substr(kApi.size()));
      if (parts && parts->first == "authinfo" && parts->second.empty() && request.method == "GET")
        return AuthInfo(request);
      // 401 for a missing, unknown or expired token, with ASP.NET's message (uncertain body).
      if (!BearerValid(request)) return ApiError(401, "Authorization has been denied for this request.");
      if (!parts) return NotFound();
      if (parts->first == "kbarticle" || parts->first == "faqlists") return Kb(request, parts->first, parts->second);
      auto view = tenant_.View();
      return Responder(o_, *view).Api(request, parts->first, parts->second);
    }
    return NotFound();
  } catch (...) {
    return http::Response::Json(500, R"({"Message":"An error has occurred."})");
  }
}

}  // namespace cairn::sims::halo
