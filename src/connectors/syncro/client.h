// Syncro (REST API v1) as Cairn calls it (reference/syncro-pulseway-revio.md section 1): the API key
// as a Bearer token on https://{domain}/api/v1, JSON reads with people-sized errors. Used by one
// thread at a time.
#pragma once

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

#include "connectors/vendor_client.h"

namespace cairn::connectors::syncro {

struct Credentials {
  std::string domain;  // acme.syncromsp.com (host[:port])
  std::string api_key;
};

class Client {
 public:
  Client(Credentials credentials, VendorClientOptions options);
  // GET https://{domain}/api/v1{path}: the JSON of a 2xx answer or an error with the likely fix.
  Result<boost::json::value> Get(std::string_view path_and_query, std::string_view forbidden_hint = "");
  // The connection test: the key (GET /me), then read access to customers and assets.
  Status Check();
  VendorClient& http() { return http_; }
  const VendorClient& http() const { return http_; }

 private:
  Credentials c_;
  VendorClient http_;
};

}  // namespace cairn::connectors::syncro
