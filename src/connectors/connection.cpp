#include "connectors/connection.h"

#include <boost/json.hpp>

#include "connectors/catalog.h"
#include "connectors/connectwise/client.h"
#include "connectors/halo/client.h"
#include "connectors/pulseway/client.h"
#include "connectors/syncro/client.h"

namespace cairn::connectors {
namespace {

std::string Field(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

ConnectionResult CheckConnection(std::string_view slug, const boost::json::object& credentials,
                                 VendorClientOptions options) {
  const VendorInfo* vendor = FindVendor(slug);
  if (!vendor) return {false, "unknown vendor \"" + std::string(slug) + "\""};
  if (vendor->push_only)
    return {false, std::string(vendor->display_name) +
                       " connects to Cairn, not Cairn to it: give it this server's URL and an API key of a service "
                       "account, and add a webhook for the changes it should hear of"};
  Status st;
  if (slug == "cw_manage") {
    connectwise::Client c({Field(credentials, "site"), Field(credentials, "company"),
                           Field(credentials, "public_key"), Field(credentials, "private_key"),
                           Field(credentials, "client_id")},
                          options);
    st = c.Check();
  } else if (slug == "halo") {
    halo::Client c({Field(credentials, "resource_server"), Field(credentials, "tenant"),
                    Field(credentials, "client_id"), Field(credentials, "client_secret")},
                   options);
    st = c.Check();
  } else if (slug == "syncro") {
    syncro::Client c({Field(credentials, "domain"), Field(credentials, "api_key")}, options);
    st = c.Check();
  } else {
    pulseway::Client c({Field(credentials, "server"), Field(credentials, "token_id"),
                        Field(credentials, "token_secret")},
                       options);
    st = c.Check();
  }
  if (st.ok()) return {true, "Connection successful"};
  return {false, st.message()};
}

}  // namespace cairn::connectors
