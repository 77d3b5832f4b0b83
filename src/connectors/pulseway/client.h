// Pulseway RMM (REST API v3) as Cairn calls it (reference/syncro-pulseway-revio.md section 2):
// Basic token id/secret on https://api.pulseway.com/v3 (the SaaS host) or https://{server}/api/v3
// (dedicated and self-hosted servers), JSON reads with people-sized errors. Used by one thread at
// a time.
#pragma once

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

#include "connectors/vendor_client.h"

namespace cairn::connectors::pulseway {

struct Credentials {
  std::string server;  // api.pulseway.com or your server's host[:port]
  std::string token_id;
  std::string token_secret;
};

// The API base for a server host.
std::string ApiBase(const std::string& server);

class Client {
 public:
  Client(Credentials credentials, VendorClientOptions options);
  // GET {base}{path}: the JSON of a 2xx answer or an error with the likely fix.
  Result<boost::json::value> Get(std::string_view path_and_query, std::string_view forbidden_hint = "");
  // The connection test: the token (GET /environment), then read access to organizations and devices.
  Status Check();
  VendorClient& http() { return http_; }
  const VendorClient& http() const { return http_; }

 private:
  Credentials c_;
  VendorClient http_;
  std::string base_;
  std::string authorization_;
};

}  // namespace cairn::connectors::pulseway
