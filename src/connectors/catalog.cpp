#include "connectors/catalog.h"

#include <cctype>

namespace cairn::connectors {
namespace {

using K = CredentialField::Kind;

bool HostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

bool ValidPort(std::string_view p) {
  if (p.empty() || p.size() > 5) return false;
  for (char c : p)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  int n = std::stoi(std::string(p));
  return n >= 1 && n <= 65535;
}

}  // namespace

const std::vector<VendorInfo>& Vendors() {
  static const std::vector<VendorInfo> kVendors = {
      {"cw_manage",
       "ConnectWise PSA",
       {{"site", K::kHost, true, "api-na.myconnectwise.net"},
        {"company", K::kText, true, "yourcompany"},
        {"public_key", K::kSecret, true, ""},
        {"private_key", K::kSecret, true, ""},
        {"client_id", K::kText, false, ""}},
       {"contacts", "locations", "configurations"},
       {"auto_update_names", "do_not_update_company_details", "match_on_serial"}},
      {"halo",
       "HaloPSA",
       {{"resource_server", K::kUrl, true, "https://yourcompany.halopsa.com/api"},
        {"tenant", K::kText, false, "yourcompany"},
        {"client_id", K::kText, true, ""},
        {"client_secret", K::kSecret, true, ""}},
       {"users", "sites", "assets"},
       {"auto_update_names", "do_not_update_company_details", "do_not_match_on_serial", "push_knowledge_base"}},
      {"syncro",
       "Syncro",
       {{"domain", K::kHost, true, "yourcompany.syncromsp.com"}, {"api_key", K::kSecret, true, ""}},
       {"contacts", "assets"},
       {"auto_update_names", "do_not_update_company_details"}},
      {"pulseway_rmm",
       "Pulseway RMM",
       {{"server", K::kHost, true, "api.pulseway.com"},
        {"token_id", K::kText, true, ""},
        {"token_secret", K::kSecret, true, ""}},
       {"systems"},
       {"auto_update_names", "do_not_update_company_details", "skip_systems"}},
      {"revio", "Rev.io", {}, {}, {}, /*push_only=*/true},
  };
  return kVendors;
}

const VendorInfo* FindVendor(std::string_view slug) {
  for (const auto& v : Vendors())
    if (v.slug == slug) return &v;
  return nullptr;
}

std::string VendorSlugs() {
  std::string out;
  for (const auto& v : Vendors()) {
    if (!out.empty()) out += ", ";
    out += v.slug;
  }
  return out;
}

std::optional<std::string> CheckHost(std::string_view value, std::string_view example) {
  std::string eg = example.empty() ? "" : " (enter the host only, e.g. " + std::string(example) + ")";
  if (value.empty()) return "can't be blank" + eg;
  if (auto scheme = value.find("://"); scheme != std::string_view::npos)
    return "remove \"" + std::string(value.substr(0, scheme + 3)) + "\"" + eg;
  if (auto at = value.find('@'); at != std::string_view::npos)
    return "remove the user info \"" + std::string(value.substr(0, at + 1)) + "\"" + eg;
  auto slash = value.find_first_of("/?#");
  if (slash != std::string_view::npos)
    return "remove \"" + std::string(value.substr(slash)) + "\"" + eg;
  std::string_view host = value, port;
  if (value.front() == '[') {  // [IPv6]:port
    auto close = value.find(']');
    if (close == std::string_view::npos) return "has an unclosed \"[\"" + eg;
    host = value.substr(1, close - 1);
    std::string_view rest = value.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return "remove \"" + std::string(rest) + "\"" + eg;
      port = rest.substr(1);
      if (!ValidPort(port)) return "has an invalid port \"" + std::string(port) + "\"" + eg;
    }
    for (char c : host)
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.')
        return "is not a valid IPv6 address" + eg;
    return std::nullopt;
  }
  if (auto colon = value.find(':'); colon != std::string_view::npos) {
    host = value.substr(0, colon);
    port = value.substr(colon + 1);
    if (!ValidPort(port)) return "has an invalid port \"" + std::string(port) + "\"" + eg;
  }
  if (host.empty()) return "needs a host name before the port" + eg;
  for (char c : host) {
    if (c == ' ' || c == '\t') return "must not contain spaces" + eg;
    if (!HostChar(c)) return "contains \"" + std::string(1, c) + "\", which a host name cannot" + eg;
  }
  if (host.front() == '.' || host.back() == '.' || host.find("..") != std::string_view::npos)
    return "is not a valid host name" + eg;
  return std::nullopt;
}

std::optional<std::string> CheckUrl(std::string_view value, std::string_view example) {
  std::string eg = example.empty() ? "" : " (e.g. " + std::string(example) + ")";
  if (value.empty()) return "can't be blank" + eg;
  constexpr std::string_view kHttps = "https://";
  if (value.substr(0, 7) == "http://") return "must use https:// (plain HTTP is never used for a vendor)" + eg;
  if (value.substr(0, kHttps.size()) != kHttps) return "must start with https://" + eg;
  if (value.back() == '/') return "remove the trailing \"/\"" + eg;
  std::string_view rest = value.substr(kHttps.size());
  auto path = rest.find_first_of("/?#");
  std::string_view host = rest.substr(0, path);
  if (auto q = rest.find_first_of("?#"); q != std::string_view::npos)
    return "remove \"" + std::string(rest.substr(q)) + "\"" + eg;
  if (auto bad = CheckHost(host, ""); bad) return "has a host that " + *bad + eg;
  return std::nullopt;
}

std::string VendorRecordUrl(std::string_view slug, const std::function<std::string(std::string_view)>& credential,
                            std::string_view kind, std::string_view id) {
  if (id.empty()) return "";
  // Ids are the vendor's own (numbers or GUIDs); anything that would change the URL's shape is refused.
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return "";
  std::string sid(id);
  if (slug == "cw_manage") {
    std::string site = credential("site");
    if (site.empty() || CheckHost(site, "")) return "";
    std::string type = kind == "companies" ? "CompanyFV" : kind == "contacts" ? "ContactFV"
                     : kind == "configurations" ? "ConfigFV" : kind == "agreements" ? "AgreementFV" : "";
    if (type.empty()) return "";
    return "https://" + site + "/v4_6_release/services/system_io/router/openrecord.rails?locale=en_US&recordType=" + type +
           "&recid=" + sid;
  }
  if (slug == "halo") {
    std::string base = credential("resource_server");
    if (base.empty() || CheckUrl(base, "")) return "";
    if (base.size() >= 4 && base.compare(base.size() - 4, 4, "/api") == 0) base.resize(base.size() - 4);
    if (kind == "companies") return base + "/customers?clientid=" + sid;
    if (kind == "users") return base + "/customers?userid=" + sid;
    if (kind == "sites") return base + "/customers?siteid=" + sid;
    if (kind == "assets") return base + "/assets?assetid=" + sid;
    return "";
  }
  if (slug == "syncro") {
    std::string domain = credential("domain");
    if (domain.empty() || CheckHost(domain, "")) return "";
    if (kind == "companies") return "https://" + domain + "/customers/" + sid;
    if (kind == "contacts") return "https://" + domain + "/contacts/" + sid;
    if (kind == "assets") return "https://" + domain + "/customer_assets/" + sid;
    return "";
  }
  if (slug == "pulseway_rmm") {
    std::string server = credential("server");
    if (server.empty() || CheckHost(server, "")) return "";
    if (kind == "systems") return "https://" + server + "/app/main/systems/" + sid;
    return "";
  }
  return "";
}

}  // namespace cairn::connectors
