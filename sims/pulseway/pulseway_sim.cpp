#include "sims/pulseway/pulseway_sim.h"
#include "sims/common/util.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

namespace cairn::sims::pulseway {
namespace {

namespace json = boost::json;

constexpr std::string_view kPrefix = "/api/v3";
constexpr int64_t kOrgIdBase = 100;
constexpr int64_t kStride = 20'000'000;        // site id = (company + 1) * stride + index
constexpr int64_t kGroupOffset = 10'000'000;   // group id = site id + offset
constexpr char kNotFound[] = "Entity is not found.";
// Pulseway runs on ASP.NET Web API; its authorization filter's stock message is the likeliest
// text for a missing or wrong token (uncertain: the reference gives only the status list).
constexpr char kUnauthorized[] = "Authorization has been denied for this request.";

uint64_t Hash(uint64_t a, uint64_t b, uint64_t c = 0) { return Mix(a ^ Mix(b ^ Mix(c))); }

// Pulseway's dates: ISO 8601 with Z and no fraction, e.g. 2024-03-01T10:20:30Z.
std::string Iso(int64_t unix_s) {
  std::time_t secs = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

// Standard base64 decoding (padding required when the length asks for it); nullopt if malformed.
std::optional<std::string> DecodeBase64(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < in.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = in[i + k];
      if (c == '=' && i + 4 == in.size() && k >= 2) {
        v[k] = 0;
        ++pad;
      } else {
        if (pad) return std::nullopt;
        v[k] = value(c);
        if (v[k] < 0) return std::nullopt;
      }
    }
    uint32_t n = (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) | (uint32_t(v[2]) << 6) | uint32_t(v[3]);
    out.push_back(static_cast<char>(n >> 16));
    if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xFF));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xFF));
  }
  return out;
}

http::Response Envelope(int status, json::value data, json::object meta = {}) {
  json::object m{{"ResponseCode", status}};
  for (auto& kv : meta) m[kv.key()] = kv.value();
  return http::Response::Json(status, json::serialize(json::object{{"Data", std::move(data)},
                                                                   {"Meta", std::move(m)}}));
}

http::Response Error(int status, std::string_view message) {
  return Envelope(status, nullptr, json::object{{"ErrorMessage", message}});
}

// ---- The $filter subset -------------------------------------------------------------------

struct FilterError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An operand or predicate evaluated against one record.
using Eval = std::function<json::value(const json::object&)>;

class FilterParser {
 public:
  FilterParser(std::string_view text, const std::vector<std::string_view>& properties)
      : s_(text), properties_(properties) {}

  Eval Parse() {
    Eval e = Or();
    Skip();
    if (i_ != s_.size()) throw FilterError("unexpected '" + std::string(s_.substr(i_)) + "'");
    return e;
  }

 private:
  void Skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  static bool IdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
  // The next word (identifier or keyword) without consuming it; "" if none.
  std::string_view PeekWord() {
    Skip();
    size_t j = i_;
    while (j < s_.size() && IdentChar(s_[j])) ++j;
    return s_.substr(i_, j - i_);
  }
  bool Keyword(std::string_view word) {
    if (PeekWord() != word) return false;
    i_ += word.size();
    return true;
  }
  void Expect(char c) {
    Skip();
    if (i_ >= s_.size() || s_[i_] != c) throw FilterError(std::string("expected '") + c + "'");
    ++i_;
  }
  static bool Truthy(const json::value& v) { return v.is_bool() && v.as_bool(); }

  Eval Or() {
    Eval left = And();
    while (Keyword("or")) {
      Eval right = And();
      left = [left, right](const json::object& r) -> json::value { return Truthy(left(r)) || Truthy(right(r)); };
    }
    return left;
  }
  Eval And() {
    Eval left = Comparison();
    while (Keyword("and")) {
      Eval right = Comparison();
      left = [left, right](const json::object& r) -> json::value { return Truthy(left(r)) && Truthy(right(r)); };
    }
    return left;
  }
  Eval Comparison() {
    Eval left = Operand();
    std::string_view op = PeekWord();
    if (op == "eq" || op == "ne") {
      i_ += op.size();
      Eval right = Operand();
      bool eq = op == "eq";
      return [left, right, eq](const json::object& r) -> json::value { return Equal(left(r), right(r)) == eq; };
    }
    if (!op.empty() && op != "and" && op != "or")
      throw FilterError("unsupported operator '" + std::string(op) + "'");
    return left;
  }
  static bool Equal(const json::value& a, const json::value& b) {
    if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
    return a == b;
  }
  Eval Operand() {
    Skip();
    if (i_ >= s_.size()) throw FilterError("unexpected end of filter");
    char c = s_[i_];
    if (c == '(') {
      ++i_;
      Eval e = Or();
      Expect(')');
      return e;
    }
    if (c == '\'') {
      ++i_;
      std::string lit;
      for (;;) {
        if (i_ >= s_.size()) throw FilterError("unterminated string literal");
        if (s_[i_] == '\'') {
          if (i_ + 1 < s_.size() && s_[i_ + 1] == '\'') {
            lit.push_back('\'');
            i_ += 2;
            continue;
          }
          ++i_;
          break;
        }
        lit.push_back(s_[i_++]);
      }
      return [lit](const json::object&) -> json::value { return json::string(lit); };
    }
    if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
      size_t j = i_ + 1;
      while (j < s_.size() && std::isdigit(static_cast<unsigned char>(s_[j]))) ++j;
      auto n = ParseInt(s_.substr(i_, j - i_));
      if (!n) throw FilterError("malformed number");
      i_ = j;
      int64_t v = *n;
      return [v](const json::object&) -> json::value { return v; };
    }
    std::string_view word = PeekWord();
    if (word.empty()) throw FilterError(std::string("unexpected '") + c + "'");
    i_ += word.size();
    if (word == "true" || word == "false") {
      bool b = word == "true";
      return [b](const json::object&) -> json::value { return b; };
    }
    if (word == "null") return [](const json::object&) -> json::value { return nullptr; };
    Skip();
    if (i_ < s_.size() && s_[i_] == '(') {
      ++i_;
      if (word == "tolower") {
        Eval arg = Operand();
        Expect(')');
        return [arg](const json::object& r) -> json::value {
          json::value v = arg(r);
          if (!v.is_string()) return v;
          std::string s(v.as_string());
          for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          return json::string(s);
        };
      }
      if (word == "contains") {
        Eval hay = Operand();
        Expect(',');
        Eval needle = Operand();
        Expect(')');
        return [hay, needle](const json::object& r) -> json::value {
          json::value h = hay(r), n = needle(r);
          if (!h.is_string() || !n.is_string()) return false;
          return std::string_view(h.as_string()).find(std::string_view(n.as_string())) != std::string_view::npos;
        };
      }
      throw FilterError("unsupported function '" + std::string(word) + "'");
    }
    if (std::find(properties_.begin(), properties_.end(), word) == properties_.end())
      throw FilterError("property '" + std::string(word) + "' cannot be filtered");
    std::string name(word);
    return [name](const json::object& r) -> json::value {
      auto it = r.find(name);
      return it == r.end() ? json::value(nullptr) : it->value();
    };
  }

  std::string_view s_;
  size_t i_ = 0;
  const std::vector<std::string_view>& properties_;
};

// ---- Ids ----------------------------------------------------------------------------------

constexpr int64_t kDefaultSiteIndex = kGroupOffset - 1;  // the Default Site's reserved index

int64_t OrgId(int64_t company) { return kOrgIdBase + company; }
int64_t SiteId(int64_t company, int64_t site) { return (company + 1) * kStride + site; }
int64_t GroupId(int64_t company, int64_t site) { return SiteId(company, site) + kGroupOffset; }

std::string DeviceIdentifier(int64_t company, int64_t index) {
  uint64_t h = Hash(0x5075'6C73'6577'6179ull, static_cast<uint64_t>(company), static_cast<uint64_t>(index));
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%04x%08x", static_cast<unsigned>(h >> 32),
                static_cast<unsigned>((h >> 16) & 0xFFFF), static_cast<unsigned>(h & 0xFFF),
                static_cast<unsigned>((static_cast<uint64_t>(company) >> 16) & 0xFFFF),
                static_cast<unsigned>(static_cast<uint64_t>(company) & 0xFFFF),
                static_cast<unsigned>(static_cast<uint64_t>(index) & 0xFFFFFFFF));
  return buf;
}

// Identifier -> (company, index) when it is one this simulator would issue (case-insensitive, as
// GUIDs are); whether the device exists is the tenant's business.
std::optional<RecordKey> DeviceKeyOf(std::string_view id) {
  if (id.size() != 36) return std::nullopt;
  std::string lower(id);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  uint64_t company = 0, index = 0;
  auto hex = [&](size_t from, size_t len, uint64_t* out) {
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(lower.data() + from, lower.data() + from + len, v, 16);
    if (ec != std::errc() || end != lower.data() + from + len) return false;
    *out = (*out << (4 * len)) | v;
    return true;
  };
  if (!hex(19, 4, &company) || !hex(24, 4, &company) || !hex(28, 8, &index)) return std::nullopt;
  auto c = static_cast<int64_t>(company), i = static_cast<int64_t>(index);
  if (DeviceIdentifier(c, i) != lower) return std::nullopt;
  return RecordKey{c, i};
}

// Site id -> (company, index), or group id -> (company, site index) with group = true.
std::optional<RecordKey> SiteKeyOf(int64_t id, bool group) {
  if (id < kStride) return std::nullopt;
  int64_t c = id / kStride - 1, rem = id % kStride;
  if ((rem >= kGroupOffset) != group) return std::nullopt;
  if (group) rem -= kGroupOffset;
  return RecordKey{c, rem};
}

Vocabulary PulsewayVocabulary(const PulsewaySimOptions& o) {
  Vocabulary v;
  v.kind = [](const std::string& name) -> std::optional<RecordKind> {
    if (name == "organizations") return RecordKind::kCompany;
    if (name == "sites") return RecordKind::kSite;
    if (name == "devices" || name == "assets") return RecordKind::kDevice;
    return std::nullopt;
  };
  v.key = [](RecordKind kind, const json::value& id) -> std::optional<RecordKey> {
    if (kind == RecordKind::kDevice) {
      if (!id.is_string()) return std::nullopt;
      return DeviceKeyOf(id.get_string());
    }
    if (!id.is_int64()) return std::nullopt;
    int64_t n = id.get_int64();
    if (kind == RecordKind::kCompany) {
      if (n < kOrgIdBase) return std::nullopt;
      return RecordKey{n - kOrgIdBase, 0};
    }
    if (kind == RecordKind::kSite) {
      auto k = SiteKeyOf(n, false);
      if (k && k->index == kDefaultSiteIndex) return std::nullopt;  // not a tenant record
      return k;
    }
    return std::nullopt;
  };
  v.id = [](RecordKind kind, RecordKey key) -> json::value {
    switch (kind) {
      case RecordKind::kCompany: return OrgId(key.company);
      case RecordKind::kSite: return SiteId(key.company, key.index);
      case RecordKind::kDevice: return json::string(DeviceIdentifier(key.company, key.index));
      default: return nullptr;
    }
  };
  v.too_many_requests = [](int retry_after_s) {
    // The 429 body is not documented (uncertain); the error envelope every other error uses.
    auto r = Error(429, "Too many requests. Please retry after " + std::to_string(retry_after_s) + " seconds.");
    r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
    return r;
  };
  v.rate_limit_per_min = std::max(0, o.rate_limit_per_minute);
  return v;
}

// ---- Requests -----------------------------------------------------------------------------

struct Query {
  std::vector<std::pair<std::string, std::string>> items;
  std::optional<std::string> Get(std::string_view name) const {
    for (const auto& [k, v] : items)
      if (k == name) return v;
    return std::nullopt;
  }
};

// A list endpoint: `total` records in order; `page(first, n, out)` appends records
// [first, first + n); `walk(fn)` calls fn on every record in order until it returns false;
// `properties` are filterable.
struct ListSpec {
  std::function<int64_t()> total;
  std::function<void(int64_t, int64_t, json::array&)> page;
  std::function<void(const std::function<bool(json::object)>&)> walk;
  std::vector<std::string_view> properties;
};

// A Pulseway site: a tenant site of a company, or its Default Site (index kDefaultSiteIndex).
struct SiteRef {
  int64_t company = 0;
  int64_t index = 0;
  bool IsDefault() const { return index == kDefaultSiteIndex; }
};

// The request-scoped half of the simulator: maps tenant records into Pulseway's shapes.
class Responder {
 public:
  Responder(const PulsewaySimOptions& o, const TenantView& view) : o_(o), view_(view) {}

  http::Response Handle(const http::Request& req) const {
    if (!Authorized(req)) {
      auto r = Error(401, kUnauthorized);
      r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"Pulseway\"");
      return r;
    }
    std::string_view path = req.path;
    if (path.substr(0, kPrefix.size()) != kPrefix) return Error(404, kNotFound);
    path.remove_prefix(kPrefix.size());
    if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    if (req.method != "GET") return Error(404, kNotFound);
    std::vector<std::string_view> parts;
    for (size_t i = 1; i <= path.size();) {
      size_t slash = path.find('/', i);
      if (slash == std::string_view::npos) slash = path.size();
      parts.push_back(path.substr(i, slash - i));
      i = slash + 1;
    }
    if (parts.empty() || path.empty() || path[0] != '/') return Error(404, kNotFound);
    Query q{http::ParseQuery(req.query)};
    std::string_view kind = parts[0];
    if (parts.size() == 1) {
      if (kind == "environment") return Environment();
      if (kind == "organizations") return List(q, Organizations());
      if (kind == "sites") return List(q, SiteList(false));
      if (kind == "groups") return List(q, SiteList(true));
      if (kind == "devices") return List(q, DeviceList(false));
      if (kind == "assets") return List(q, DeviceList(true));
      return Error(404, kNotFound);
    }
    std::optional<json::object> one = Find(kind, parts[1]);
    if (!one) return Error(404, kNotFound);
    if (parts.size() == 2) return Envelope(200, std::move(*one));
    if (parts.size() == 3 && parts[2] == "customfields" && kind != "assets")
      return Envelope(200, json::array{}, json::object{{"TotalCount", 0}});
    return Error(404, kNotFound);
  }

 private:
  bool Authorized(const http::Request& req) const {
    auto h = req.Header("Authorization");
    if (!h || o_.token_id.empty()) return false;
    std::string_view v = *h;
    constexpr std::string_view kBasic = "Basic ";
    if (v.size() <= kBasic.size()) return false;
    // The scheme name is case-insensitive (RFC 7617).
    for (size_t i = 0; i < kBasic.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(v[i])) != std::tolower(static_cast<unsigned char>(kBasic[i])))
        return false;
    v.remove_prefix(kBasic.size());
    auto decoded = DecodeBase64(v);
    return decoded && *decoded == o_.token_id + ":" + o_.token_secret;
  }

  // ---- The hierarchy ----

  // How many Pulseway sites a live company has: its live tenant sites, or its Default Site.
  int64_t SiteCount(int64_t company) const { return std::max<int64_t>(1, view_.Total(RecordKind::kSite, company)); }
  // The company's n-th Pulseway site (0 <= n < SiteCount).
  SiteRef NthSite(int64_t company, int64_t n) const {
    auto keys = view_.Page(RecordKind::kSite, company, n, 1);
    if (keys.empty()) return {company, kDefaultSiteIndex};
    return {company, keys[0].index};
  }
  // The site a device sits in.
  SiteRef SiteOfDevice(int64_t company, int64_t index) const {
    return NthSite(company, index % SiteCount(company));
  }
  // A site or group id -> the site, when it exists now.
  std::optional<SiteRef> LiveSite(int64_t id, bool group) const {
    auto k = SiteKeyOf(id, group);
    if (!k || !view_.Live(RecordKind::kCompany, {k->company, 0})) return std::nullopt;
    if (k->index == kDefaultSiteIndex) {
      if (view_.Total(RecordKind::kSite, k->company) != 0) return std::nullopt;
      return SiteRef{k->company, kDefaultSiteIndex};
    }
    if (!view_.Live(RecordKind::kSite, *k)) return std::nullopt;
    return SiteRef{k->company, k->index};
  }
  std::string SiteName(SiteRef s) const {
    return s.IsDefault() ? "Default Site" : view_.Site(s.company, s.index)->name;
  }
  static std::string GroupName() { return "Managed Devices"; }

  http::Response Environment() const {
    return Envelope(200, json::object{{"ProductVersion", "9.14.2"},
                                      {"CustomerId", 4242},
                                      {"CustomerName", o_.customer_name},
                                      {"ServerType", "SaaS"},
                                      {"Language", "en"},
                                      {"License", json::object{{"Type", "Subscription"},
                                                               {"MaxDevices", 1000000},
                                                               {"ExpirationDate", "2030-01-01T00:00:00Z"}}}});
  }

  json::object OrganizationJson(int64_t company) const {
    FakeCompany c = *view_.Company(company);
    // A third of organizations are mapped to a PSA, as after a ConnectWise integration.
    bool mapped = company % 3 == 0;
    return {{"Id", OrgId(company)},
            {"Name", c.name},
            {"HasCustomFields", false},
            {"PsaMappingId", mapped ? json::value(50000 + company) : json::value(nullptr)},
            {"PsaMappingType", mapped ? json::value("ConnectWise") : json::value(nullptr)}};
  }

  json::object SiteJson(SiteRef site) const {
    FakeCompany c = *view_.Company(site.company);
    json::object s{{"Id", SiteId(site.company, site.index)},
                   {"Name", SiteName(site)},
                   {"ParentId", OrgId(site.company)},
                   {"ParentName", c.name},
                   {"HasCustomFields", false},
                   {"PsaMappingId", nullptr},
                   {"PsaIntegrationType", nullptr}};
    // ContactInformation may be absent: only sites backed by a tenant site carry it.
    if (!site.IsDefault()) {
      FakeSite fs = *view_.Site(site.company, site.index);
      s["ContactInformation"] = json::object{{"Phone", fs.phone},
                                             {"Fax", ""},
                                             {"Email", ""},
                                             {"ContactName", ""},
                                             {"CountryCode", c.country},
                                             {"City", fs.city},
                                             {"Address1", fs.address_line_1},
                                             {"Address2", ""},
                                             {"Zip", fs.zip}};
    }
    return s;
  }

  json::object GroupJson(SiteRef site, bool detail) const {
    FakeCompany c = *view_.Company(site.company);
    json::object g{{"Id", GroupId(site.company, site.index)},
                   {"Name", GroupName()},
                   {"ParentSiteId", SiteId(site.company, site.index)},
                   {"ParentSiteName", SiteName(site)},
                   {"ParentOrganizationId", OrgId(site.company)},
                   {"ParentOrganizationName", c.name},
                   {"Notes", ""},
                   {"HasCustomFields", false},
                   {"PsaMappingId", nullptr},
                   {"PsaMappingType", nullptr}};
    if (detail) g["Packages"] = json::array{};
    return g;
  }

  static bool HasAgent(DeviceType t) {
    return t == DeviceType::kWorkstation || t == DeviceType::kLaptop || t == DeviceType::kServer;
  }
  static std::string ComputerType(const FakeDevice& d) {
    if (d.os.rfind("macOS", 0) == 0) return "mac";
    if (d.os.rfind("Windows", 0) == 0) return "windows";
    if (d.type == DeviceType::kPhone) return "ios";
    return "linux";  // appliances run an embedded Linux as far as an agent is concerned
  }
  bool IsOnline(const FakeDevice& d) const {
    return d.active && Hash(o_.fleet.seed, static_cast<uint64_t>(d.company), static_cast<uint64_t>(d.index)) % 4 != 0;
  }
  // Whether the control API has changed the device (its stamp then is the mutation's time).
  bool Mutated(const FakeDevice& d) const {
    return view_.Stamps(RecordKind::kDevice, {d.company, d.index}).updated_ms >= kSeedStampsBeforeMs;
  }
  // Last seen online: for a seeded device a deterministic time in 2024; a device changed through
  // the control API was seen when it changed (an agent reporting is what changes it).
  int64_t LastSeen(const FakeDevice& d) const {
    constexpr int64_t k2024 = 1704067200;
    int64_t seeded = k2024 + static_cast<int64_t>(Hash(o_.fleet.seed ^ 0x1A57, static_cast<uint64_t>(d.company),
                                                       static_cast<uint64_t>(d.index)) %
                                                  (365ull * 86400));
    int64_t updated_s = view_.Stamps(RecordKind::kDevice, {d.company, d.index}).updated_ms / 1000;
    return std::max(seeded, updated_s);
  }
  std::string ExternalIp(int64_t company) const { return "203.0.113." + std::to_string(company % 250 + 1); }

  json::object DeviceJson(int64_t company, int64_t index, bool detail) const {
    FakeDevice d = *view_.Device(company, index);
    FakeCompany c = *view_.Company(company);
    SiteRef site = SiteOfDevice(company, index);
    json::object j{{"Identifier", DeviceIdentifier(company, index)},
                   {"Name", d.name},
                   {"GroupId", GroupId(company, site.index)},
                   {"GroupName", GroupName()},
                   {"IsAgentInstalled", HasAgent(d.type)},
                   {"IsMdmEnrolled", d.type == DeviceType::kPhone},
                   {"SiteId", SiteId(company, site.index)},
                   {"SiteName", SiteName(site)},
                   {"OrganizationId", OrgId(company)},
                   {"OrganizationName", c.name},
                   {"HasCustomFields", false}};
    if (!detail) return j;
    bool online = IsOnline(d);
    int64_t days = std::max<int64_t>(0, (1735689600 - LastSeen(d)) / 86400);
    j["Description"] = d.os;
    j["Uptime"] = online ? "Up for " + std::to_string(index % 30 + 1) + " days"
                         : "Offline since " + std::to_string(days) + " days ago";
    j["IsOnline"] = online;
    j["ComputerType"] = ComputerType(d);
    j["InMaintenance"] = false;
    j["ExternalIpAddress"] = ExternalIp(company);
    j["CriticalNotifications"] = index % 11 == 0 ? 1 : 0;
    j["ElevatedNotifications"] = index % 5 == 0 ? 2 : 0;
    j["NormalNotifications"] = index % 3;
    j["LowNotifications"] = 0;
    j["LocalIpAddresses"] = json::array{json::object{{"Name", "Ethernet"},
                                                     {"PhysicalAddress", d.mac},
                                                     {"DhcpEnabled", true},
                                                     {"Gateways", json::array{}},
                                                     {"DnsServers", json::array{}},
                                                     {"SubnetMask", "255.255.255.0"},
                                                     {"IpV4", d.ip},
                                                     {"IpV6", ""}}};
    j["ClientVersion"] = HasAgent(d.type) ? "9.14.2" : "";
    return j;
  }

  json::object AssetJson(int64_t company, int64_t index) const {
    FakeDevice d = *view_.Device(company, index);
    int64_t seen = LastSeen(d);
    bool mutated = Mutated(d);
    std::string os_key = "VK7JG-NPHTM-C97JM-9MPGT-" + std::to_string(10000 + index % 90000);
    json::array info{
        json::object{{"CategoryName", "System"},
                     {"CategoryData", json::object{{"Manufacturer", d.manufacturer},
                                                   {"Model", d.model},
                                                   {"Type", DeviceTypeName(d.type)},
                                                   {"CPU", "Intel(R) Core(TM) i5-1245U"},
                                                   {"Domain", "WORKGROUP"},
                                                   {"DNS Host Name", d.name}}}},
        // The hardware serial (what a sync matches on) is BIOS "Serial Number"; the OS one is a key.
        json::object{{"CategoryName", "BIOS"},
                     {"CategoryData", json::object{{"Serial Number", d.serial},
                                                   {"Manufacturer", d.manufacturer},
                                                   {"Version", "1.12.0"},
                                                   {"Release Date", "Thursday, July 2, 2015 1:00 AM"}}}},
        json::object{{"CategoryName", "Operating System"},
                     {"CategoryData", json::object{{"Name", d.os},
                                                   {"Version", "10.0.22631"},
                                                   {"Serial Number", os_key},
                                                   {"Install Date", "Monday, March 4, 2024 9:15 AM"},
                                                   {"Last Boot Up Time", "Friday, June 7, 2024 8:02 AM"}}}}};
    // Sibling dates may be "" (never rebooted / never updated); a mutated device was just updated.
    std::string last_reboot = index % 9 == 0 ? "" : Iso(seen - 86400 * (index % 20 + 1));
    std::string last_updated = index % 13 == 0 && !mutated ? std::string() : Iso(seen);
    return {{"Identifier", DeviceIdentifier(company, index)},
            {"Name", d.name},
            {"GroupName", GroupName()},
            {"Description", d.os},
            {"Tags", json::array{DeviceTypeName(d.type)}},
            {"Type", ComputerType(d)},
            {"ClientVersion", HasAgent(d.type) ? "9.14.2" : ""},
            {"LastUpdated", last_updated},
            {"LastSeenOnline", Iso(seen)},
            {"LastReboot", last_reboot},
            {"ExternalUrl", "https://app.pulseway.com/app/main/systems/" + DeviceIdentifier(company, index)},
            {"CpuUsage", static_cast<int64_t>(index % 60)},
            {"MemoryUsage", static_cast<int64_t>(30 + index % 50)},
            {"MemoryTotal", 17179869184},
            {"FirewallEnabled", true},
            {"AntivirusEnabled", HasAgent(d.type)},
            {"AntivirusUpToDate", HasAgent(d.type)},
            {"UacEnabled", d.os.rfind("Windows", 0) == 0},
            {"EventLogs", json::object{{"Error", index % 4}, {"Warning", index % 7}, {"Information", 120}}},
            {"Updates", json::object{{"Critical", 0}, {"Important", index % 3}, {"Moderate", 0},
                                     {"Low", 0}, {"Unspecified", 0}}},
            {"AssetInfo", std::move(info)},
            {"PublicIpAddress", ExternalIp(company)},
            {"IpAddresses", json::array{json::object{
                                {"Name", "Ethernet"},
                                {"MAC", d.mac},
                                {"IPs", json::array{json::object{{"IP", d.ip}, {"V6", false},
                                                                 {"Download", 0}, {"Upload", 0}}}}}}},
            {"Disks", json::array{json::object{{"Name", "C:"}, {"System", true},
                                               {"FreePercentage", 34}, {"TotalValue", 255}}}},
            {"InstalledSoftware", json::array{json::object{{"Name", "Pulseway"},
                                                           {"Publisher", "MMSOFT Design Ltd."},
                                                           {"Version", "9.14.2"}}}},
            {"LocalIpAddresses", json::array{d.ip}}};
  }

  // A list over one tenant kind, record JSON from `item(key)`.
  ListSpec TenantList(RecordKind kind, std::function<json::object(RecordKey)> item,
                      std::vector<std::string_view> properties) const {
    ListSpec spec;
    spec.total = [this, kind] { return view_.Total(kind); };
    spec.page = [this, kind, item](int64_t first, int64_t n, json::array& out) {
      for (auto k : view_.Page(kind, std::nullopt, first, n)) out.push_back(item(k));
    };
    spec.walk = [this, kind, item](const std::function<bool(json::object)>& fn) {
      view_.ForEach(kind, std::nullopt, [&](RecordKey k) { return fn(item(k)); });
    };
    spec.properties = std::move(properties);
    return spec;
  }

  ListSpec Organizations() const {
    return TenantList(RecordKind::kCompany, [this](RecordKey k) { return OrganizationJson(k.company); },
                      {"Id", "Name", "PsaMappingId", "PsaMappingType"});
  }

  // Sites (or their groups). Companies are few next to devices, so the list walks them to place
  // the Default Sites. Filterable site and group properties are not listed in the reference
  // (uncertain): we take the ids, names and parents.
  ListSpec SiteList(bool groups) const {
    auto all = std::make_shared<std::vector<SiteRef>>();
    view_.ForEach(RecordKind::kCompany, std::nullopt, [&](RecordKey c) {
      int64_t n = view_.Total(RecordKind::kSite, c.company);
      if (n == 0) {
        all->push_back({c.company, kDefaultSiteIndex});
      } else {
        for (auto k : view_.Page(RecordKind::kSite, c.company, 0, n)) all->push_back({k.company, k.index});
      }
      return true;
    });
    auto item = [this, groups](SiteRef s) { return groups ? GroupJson(s, false) : SiteJson(s); };
    ListSpec spec;
    spec.total = [all] { return static_cast<int64_t>(all->size()); };
    spec.page = [all, item](int64_t first, int64_t n, json::array& out) {
      for (int64_t i = first; i < std::min<int64_t>(first + n, static_cast<int64_t>(all->size())); ++i)
        out.push_back(item((*all)[static_cast<size_t>(i)]));
    };
    spec.walk = [all, item](const std::function<bool(json::object)>& fn) {
      for (const auto& s : *all)
        if (!fn(item(s))) return;
    };
    if (groups)
      spec.properties = {"Id", "Name", "ParentSiteId", "ParentSiteName", "ParentOrganizationId", "ParentOrganizationName"};
    else
      spec.properties = {"Id", "Name", "ParentId", "ParentName"};
    return spec;
  }

  // Devices or assets (the same records). The reference's list of asset filter properties is
  // truncated after Description (uncertain).
  ListSpec DeviceList(bool assets) const {
    if (assets)
      return TenantList(RecordKind::kDevice, [this](RecordKey k) { return AssetJson(k.company, k.index); },
                        {"Identifier", "Name", "GroupName", "Description"});
    return TenantList(RecordKind::kDevice, [this](RecordKey k) { return DeviceJson(k.company, k.index, false); },
                      {"Identifier", "Name", "GroupId", "GroupName", "IsAgentInstalled", "IsMdmEnrolled", "SiteId",
                       "SiteName", "OrganizationId", "OrganizationName"});
  }

  std::optional<json::object> Find(std::string_view kind, std::string_view id_text) const {
    if (kind == "devices" || kind == "assets") {
      auto d = DeviceKeyOf(id_text);
      if (!d || !view_.Live(RecordKind::kDevice, *d)) return std::nullopt;
      return kind == "devices" ? DeviceJson(d->company, d->index, true) : AssetJson(d->company, d->index);
    }
    auto id = ParseInt(id_text);
    if (!id) return std::nullopt;
    if (kind == "organizations") {
      if (*id < kOrgIdBase || !view_.Live(RecordKind::kCompany, {*id - kOrgIdBase, 0})) return std::nullopt;
      return OrganizationJson(*id - kOrgIdBase);
    }
    if (kind == "sites" || kind == "groups") {
      bool group = kind == "groups";
      auto s = LiveSite(*id, group);
      if (!s) return std::nullopt;
      return group ? GroupJson(*s, true) : SiteJson(*s);
    }
    return std::nullopt;
  }

  http::Response List(const Query& q, const ListSpec& spec) const {
    int64_t top = PulsewaySim::kMaxTop, skip = 0;
    if (auto t = q.Get("$top")) {
      auto n = ParseInt(*t);
      if (!n || *n < 0) return Error(400, "The value of $top is invalid.");
      if (*n > PulsewaySim::kMaxTop) {
        if (o_.refuse_top_above_max)
          return Error(400, "The value of $top cannot exceed " + std::to_string(PulsewaySim::kMaxTop) + ".");
        *n = PulsewaySim::kMaxTop;
      }
      top = *n;
    }
    if (auto s = q.Get("$skip")) {
      auto n = ParseInt(*s);
      if (!n || *n < 0) return Error(400, "The value of $skip is invalid.");
      skip = *n;
    }
    json::array items;
    int64_t total = 0;
    auto f = q.Get("$filter");
    if (!f || f->find_first_not_of(' ') == std::string::npos) {
      total = spec.total();
      if (skip < total) spec.page(skip, std::min(top, total - skip), items);
    } else {
      Eval pred;
      try {
        pred = FilterParser(*f, spec.properties).Parse();
      } catch (const FilterError& e) {
        return Error(400, std::string("Invalid $filter: ") + e.what() + ".");
      }
      bool not_a_condition = false;
      spec.walk([&](json::object item) {
        json::value match = pred(item);
        if (!match.is_bool()) {
          not_a_condition = true;
          return false;
        }
        if (!match.as_bool()) return true;
        if (total >= skip && total < skip + top) items.push_back(std::move(item));
        ++total;
        return true;
      });
      if (not_a_condition) return Error(400, "Invalid $filter: the expression is not a condition.");
    }
    return Envelope(200, std::move(items), json::object{{"TotalCount", total}});
  }

  const PulsewaySimOptions& o_;
  const TenantView& view_;
};

}  // namespace

PulsewaySim::PulsewaySim(PulsewaySimOptions options)
    : o_(std::move(options)),
      tenant_(o_.fleet),
      control_(o_.control_token, &tenant_, PulsewayVocabulary(o_), o_.fleet.seed) {}

http::Response PulsewaySim::Handle(const http::Request& request) {
  return control_.Handle(request, [this](const http::Request& r) { return HandleVendor(r); });
}

http::Response PulsewaySim::HandleVendor(const http::Request& request) const {
  try {
    auto view = tenant_.View();
    return Responder(o_, *view).Handle(request);
  } catch (...) {
    // Boost.JSON allocates; the server's contract forbids throwing out of a handler.
    return http::Response::Json(500, R"({"Data":null,"Meta":{"ResponseCode":500,"ErrorMessage":"An error has occurred."}})");
  }
}

}  // namespace cairn::sims::pulseway
