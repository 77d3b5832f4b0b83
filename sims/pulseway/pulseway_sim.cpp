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

// ---- Requests -----------------------------------------------------------------------------

struct Query {
  std::vector<std::pair<std::string, std::string>> items;
  std::optional<std::string> Get(std::string_view name) const {
    for (const auto& [k, v] : items)
      if (k == name) return v;
    return std::nullopt;
  }
};

// A list endpoint: `count` records, record i computed by `item`; `properties` are filterable.
struct ListSpec {
  int64_t count = 0;
  std::function<json::object(int64_t)> item;
  std::vector<std::string_view> properties;
};

// The request-scoped half of the simulator: maps fleet records into Pulseway's shapes.
class Responder {
 public:
  Responder(const PulsewaySimOptions& o, const Fleet& fleet) : o_(o), fleet_(fleet) {}

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
      if (kind == "sites") return List(q, Sites());
      if (kind == "groups") return List(q, Groups());
      if (kind == "devices") return List(q, Devices());
      if (kind == "assets") return List(q, Assets());
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

  int64_t SitesPer() const { return std::max<int64_t>(1, o_.fleet.sites_per_company); }
  static int64_t OrgId(int64_t company) { return kOrgIdBase + company; }
  static int64_t SiteId(int64_t company, int64_t site) { return (company + 1) * kStride + site; }
  static int64_t GroupId(int64_t company, int64_t site) { return SiteId(company, site) + kGroupOffset; }

  std::string SiteName(int64_t company, int64_t site) const {
    return o_.fleet.sites_per_company > 0 ? fleet_.Site(company, site).name : "Default Site";
  }
  static std::string GroupName() { return "Managed Devices"; }

  static std::string DeviceIdentifier(int64_t company, int64_t index) {
    uint64_t h = Hash(0x5075'6C73'6577'6179ull, static_cast<uint64_t>(company), static_cast<uint64_t>(index));
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%04x%08x", static_cast<unsigned>(h >> 32),
                  static_cast<unsigned>((h >> 16) & 0xFFFF), static_cast<unsigned>(h & 0xFFF),
                  static_cast<unsigned>((static_cast<uint64_t>(company) >> 16) & 0xFFFF),
                  static_cast<unsigned>(static_cast<uint64_t>(company) & 0xFFFF),
                  static_cast<unsigned>(static_cast<uint64_t>(index) & 0xFFFFFFFF));
    return buf;
  }

  // Identifier -> (company, index), when it names an existing device (case-insensitive, as GUIDs).
  std::optional<std::pair<int64_t, int64_t>> DeviceOf(std::string_view id) const {
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
    if (static_cast<int64_t>(company) >= fleet_.companies() ||
        static_cast<int64_t>(index) >= o_.fleet.devices_per_company)
      return std::nullopt;
    auto c = static_cast<int64_t>(company), i = static_cast<int64_t>(index);
    if (DeviceIdentifier(c, i) != lower) return std::nullopt;
    return std::make_pair(c, i);
  }

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
    FakeCompany c = fleet_.Company(company);
    // A third of organizations are mapped to a PSA, as after a ConnectWise integration.
    bool mapped = company % 3 == 0;
    return {{"Id", OrgId(company)},
            {"Name", c.name},
            {"HasCustomFields", false},
            {"PsaMappingId", mapped ? json::value(50000 + company) : json::value(nullptr)},
            {"PsaMappingType", mapped ? json::value("ConnectWise") : json::value(nullptr)}};
  }

  json::object SiteJson(int64_t company, int64_t site) const {
    FakeCompany c = fleet_.Company(company);
    json::object s{{"Id", SiteId(company, site)},
                   {"Name", SiteName(company, site)},
                   {"ParentId", OrgId(company)},
                   {"ParentName", c.name},
                   {"HasCustomFields", false},
                   {"PsaMappingId", nullptr},
                   {"PsaIntegrationType", nullptr}};
    // ContactInformation may be absent: only sites backed by a fleet site carry it.
    if (o_.fleet.sites_per_company > 0) {
      FakeSite fs = fleet_.Site(company, site);
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

  json::object GroupJson(int64_t company, int64_t site, bool detail) const {
    FakeCompany c = fleet_.Company(company);
    json::object g{{"Id", GroupId(company, site)},
                   {"Name", GroupName()},
                   {"ParentSiteId", SiteId(company, site)},
                   {"ParentSiteName", SiteName(company, site)},
                   {"ParentOrganizationId", OrgId(company)},
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
  // Deterministic last-seen time between 2024-01-01 and 2024-12-31.
  int64_t LastSeen(const FakeDevice& d) const {
    constexpr int64_t k2024 = 1704067200;
    return k2024 + static_cast<int64_t>(Hash(o_.fleet.seed ^ 0x1A57, static_cast<uint64_t>(d.company),
                                             static_cast<uint64_t>(d.index)) % (365ull * 86400));
  }
  std::string ExternalIp(int64_t company) const { return "203.0.113." + std::to_string(company % 250 + 1); }

  json::object DeviceJson(int64_t company, int64_t index, bool detail) const {
    FakeDevice d = fleet_.Device(company, index);
    FakeCompany c = fleet_.Company(company);
    int64_t site = index % SitesPer();
    json::object j{{"Identifier", DeviceIdentifier(company, index)},
                   {"Name", d.name},
                   {"GroupId", GroupId(company, site)},
                   {"GroupName", GroupName()},
                   {"IsAgentInstalled", HasAgent(d.type)},
                   {"IsMdmEnrolled", d.type == DeviceType::kPhone},
                   {"SiteId", SiteId(company, site)},
                   {"SiteName", SiteName(company, site)},
                   {"OrganizationId", OrgId(company)},
                   {"OrganizationName", c.name},
                   {"HasCustomFields", false}};
    if (!detail) return j;
    bool online = IsOnline(d);
    int64_t days = (1735689600 - LastSeen(d)) / 86400;
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
    FakeDevice d = fleet_.Device(company, index);
    int64_t seen = LastSeen(d);
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
    // Sibling dates may be "" (never rebooted / never updated).
    std::string last_reboot = index % 9 == 0 ? "" : Iso(seen - 86400 * (index % 20 + 1));
    return {{"Identifier", DeviceIdentifier(company, index)},
            {"Name", d.name},
            {"GroupName", GroupName()},
            {"Description", d.os},
            {"Tags", json::array{DeviceTypeName(d.type)}},
            {"Type", ComputerType(d)},
            {"ClientVersion", HasAgent(d.type) ? "9.14.2" : ""},
            {"LastUpdated", index % 13 == 0 ? std::string() : Iso(seen)},
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

  ListSpec Organizations() const {
    return {fleet_.companies(), [this](int64_t i) { return OrganizationJson(i); },
            {"Id", "Name", "PsaMappingId", "PsaMappingType"}};
  }
  // Filterable site and group properties are not listed in the reference (uncertain): we take
  // the ids, names and parents.
  ListSpec Sites() const {
    int64_t per = SitesPer();
    return {fleet_.companies() * per, [this, per](int64_t i) { return SiteJson(i / per, i % per); },
            {"Id", "Name", "ParentId", "ParentName"}};
  }
  ListSpec Groups() const {
    int64_t per = SitesPer();
    return {fleet_.companies() * per, [this, per](int64_t i) { return GroupJson(i / per, i % per, false); },
            {"Id", "Name", "ParentSiteId", "ParentSiteName", "ParentOrganizationId", "ParentOrganizationName"}};
  }
  ListSpec Devices() const {
    int64_t per = o_.fleet.devices_per_company;
    return {fleet_.companies() * per, [this, per](int64_t i) { return DeviceJson(i / per, i % per, false); },
            {"Identifier", "Name", "GroupId", "GroupName", "IsAgentInstalled", "IsMdmEnrolled", "SiteId",
             "SiteName", "OrganizationId", "OrganizationName"}};
  }
  // The reference's list of asset filter properties is truncated after Description (uncertain).
  ListSpec Assets() const {
    int64_t per = o_.fleet.devices_per_company;
    return {fleet_.companies() * per, [this, per](int64_t i) { return AssetJson(i / per, i % per); },
            {"Identifier", "Name", "GroupName", "Description"}};
  }

  std::optional<json::object> Find(std::string_view kind, std::string_view id_text) const {
    if (kind == "devices" || kind == "assets") {
      auto d = DeviceOf(id_text);
      if (!d) return std::nullopt;
      return kind == "devices" ? DeviceJson(d->first, d->second, true) : AssetJson(d->first, d->second);
    }
    auto id = ParseInt(id_text);
    if (!id) return std::nullopt;
    if (kind == "organizations") {
      int64_t c = *id - kOrgIdBase;
      if (*id < kOrgIdBase || c >= fleet_.companies()) return std::nullopt;
      return OrganizationJson(c);
    }
    if (kind == "sites" || kind == "groups") {
      if (*id < kStride) return std::nullopt;
      int64_t c = *id / kStride - 1, rem = *id % kStride;
      bool group = rem >= kGroupOffset;
      if (group) rem -= kGroupOffset;
      if (group != (kind == "groups") || c >= fleet_.companies() || rem >= SitesPer()) return std::nullopt;
      return group ? GroupJson(c, rem, true) : SiteJson(c, rem);
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
      total = spec.count;
      for (int64_t i = skip; i < std::min(total, skip + top) && skip < total; ++i) items.push_back(spec.item(i));
    } else {
      Eval pred;
      try {
        pred = FilterParser(*f, spec.properties).Parse();
      } catch (const FilterError& e) {
        return Error(400, std::string("Invalid $filter: ") + e.what() + ".");
      }
      for (int64_t i = 0; i < spec.count; ++i) {
        json::object item = spec.item(i);
        json::value match = pred(item);
        if (!match.is_bool()) return Error(400, "Invalid $filter: the expression is not a condition.");
        if (!match.as_bool()) continue;
        if (total >= skip && total < skip + top) items.push_back(std::move(item));
        ++total;
      }
    }
    return Envelope(200, std::move(items), json::object{{"TotalCount", total}});
  }

  const PulsewaySimOptions& o_;
  const Fleet& fleet_;
};

}  // namespace

PulsewaySim::PulsewaySim(PulsewaySimOptions options) : o_(std::move(options)), fleet_(o_.fleet) {}

http::Response PulsewaySim::Handle(const http::Request& request) const {
  try {
    return Responder(o_, fleet_).Handle(request);
  } catch (...) {
    // Boost.JSON allocates; the server's contract forbids throwing out of a handler.
    return http::Response::Json(500, R"({"Data":null,"Meta":{"ResponseCode":500,"ErrorMessage":"An error has occurred."}})");
  }
}

}  // namespace cairn::sims::pulseway
