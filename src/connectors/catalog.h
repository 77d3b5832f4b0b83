// What Cairn knows of each vendor's configuration, before any connector talks to it (DESIGN.md
// section 1, issue 4): the slug, the credential fields and how each is checked, the default
// layouts a vendor needs (one per kind of record it brings), and the options it takes. The API
// and the web UI validate integrations against this; the connectors read the same names.
//
// Thread-safe: immutable.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::connectors {

struct CredentialField {
  enum class Kind {
    kHost,    // a host name or address with an optional :port; no scheme, path or user info
    kUrl,     // an https:// URL without a trailing slash
    kText,    // an identifier, shown back as entered
    kSecret,  // a key or secret: write-only, shown masked
  };
  std::string_view name;
  Kind kind;
  bool required;
  std::string_view example;  // used in messages: "e.g. api-na.myconnectwise.net"
};

struct VendorInfo {
  std::string_view slug;          // "cw_manage"
  std::string_view display_name;  // "ConnectWise PSA"
  std::vector<CredentialField> credentials;
  std::vector<std::string_view> layout_kinds;  // default layouts required, e.g. "contacts"
  std::vector<std::string_view> options;       // boolean options, the shared ones included
  // Pushes its records into Cairn through the API (Rev.io) instead of being synced from: no
  // credentials, no connector, no runs. Its integration (made on first use) holds the links from
  // its ids to Cairn's companies (`id_in_integration`).
  bool push_only = false;
};

// Every vendor Cairn syncs from, then those that push into Cairn, in the order the UI lists them.
const std::vector<VendorInfo>& Vendors();
// nullptr for an unknown slug.
const VendorInfo* FindVendor(std::string_view slug);
// "cw_manage, halo, syncro, pulseway_rmm"
std::string VendorSlugs();

// nullopt when `value` is a valid host[:port]; otherwise what is wrong, phrased as what to do
// ("remove \"https://\" ..."). `example` completes the message.
std::optional<std::string> CheckHost(std::string_view value, std::string_view example);
// The same for an https:// URL without a trailing slash.
std::optional<std::string> CheckUrl(std::string_view value, std::string_view example);

// The address of one record in the vendor's own web app, for the "open in <vendor>" link of a
// card; "" when Cairn knows no page for that kind. `credential` reads the integration's stored
// credential fields (the site, domain or server). The vendors do not document these addresses:
// they are the forms their web apps are known to use, and may need updating.
//   cw_manage     https://<site>/v4_6_release/services/system_io/router/openrecord.rails?recordType=
//                 CompanyFV|ContactFV|ConfigFV|AgreementFV&recid=<id>
//   halo          <resource_server without /api>/customers?clientid=|userid=|siteid=, /assets?assetid=
//   syncro        https://<domain>/customers/<id>, /contacts/<id>, /customer_assets/<id>
//   pulseway_rmm  https://<server>/app/main/systems/<id>
std::string VendorRecordUrl(std::string_view slug, const std::function<std::string(std::string_view)>& credential,
                            std::string_view kind, std::string_view id);

}  // namespace cairn::connectors
