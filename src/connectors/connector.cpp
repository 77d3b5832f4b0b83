#include "connectors/connector.h"

#include "connectors/catalog.h"
#include "connectors/connectwise/connector.h"
#include "connectors/halo/connector.h"
#include "connectors/pulseway/connector.h"
#include "connectors/syncro/connector.h"

namespace cairn::connectors {
namespace {

std::string Field(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

bool Option(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v && v->is_bool() && v->get_bool();
}

}  // namespace

Result<std::unique_ptr<Connector>> MakeConnector(std::string_view slug, const boost::json::object& credentials,
                                                 const boost::json::object& options,
                                                 VendorClientOptions client_options) {
  std::unique_ptr<Connector> c;
  if (slug == "cw_manage") {
    c = std::make_unique<connectwise::Connector>(
        connectwise::Credentials{Field(credentials, "site"), Field(credentials, "company"),
                                 Field(credentials, "public_key"), Field(credentials, "private_key"),
                                 Field(credentials, "client_id")},
        std::move(client_options));
  } else if (slug == "halo") {
    c = std::make_unique<halo::Connector>(
        halo::Credentials{Field(credentials, "resource_server"), Field(credentials, "tenant"),
                          Field(credentials, "client_id"), Field(credentials, "client_secret")},
        std::move(client_options));
  } else if (slug == "syncro") {
    c = std::make_unique<syncro::Connector>(
        syncro::Credentials{Field(credentials, "domain"), Field(credentials, "api_key")}, std::move(client_options));
  } else if (slug == "pulseway_rmm") {
    c = std::make_unique<pulseway::Connector>(
        pulseway::Credentials{Field(credentials, "server"), Field(credentials, "token_id"),
                              Field(credentials, "token_secret")},
        std::move(client_options), Option(options, "skip_systems"));
  } else {
    return Status::Invalid("unknown vendor \"" + std::string(slug) + "\": use one of " + VendorSlugs());
  }
  return c;
}

}  // namespace cairn::connectors
