// HaloPSA as Cairn calls it (reference/connectwise-halo.md part B): the authorisation server from
// /api/authinfo (else the resource server's /auth), OAuth2 client credentials with scope `all`
// (`?tenant=` for hosted Halo), tokens refreshed a minute before they expire and once on a 401,
// Bearer reads with people-sized errors. Used by one thread at a time.
#pragma once

#include <boost/json/value.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "connectors/vendor_client.h"

namespace cairn::connectors::halo {

struct Credentials {
  std::string resource_server;  // https://acme.halopsa.com/api (no trailing slash)
  std::string tenant;           // "" for self-hosted Halo
  std::string client_id;
  std::string client_secret;
};

class Client {
 public:
  // `clock`: for token expiry; null = steady_clock.
  Client(Credentials credentials, VendorClientOptions options,
         std::function<std::chrono::steady_clock::time_point()> clock = {});

  // Gets a token unless the one held is good for another minute.
  Status Authenticate();
  // GET {resource_server}{path}: the JSON of a 2xx answer, or an error naming the call, the status
  // and the fix (`forbidden_hint` says what a 403 means).
  Result<boost::json::value> Get(std::string_view path_and_query, std::string_view forbidden_hint = "");
  // As Get, answering the body as it came (for reading it raw).
  Result<std::string> GetBody(std::string_view path_and_query, std::string_view forbidden_hint = "");
  // POST {resource_server}{path} with `body` as JSON (Halo's writes are upserts of a JSON array,
  // reference B3): the JSON of a 2xx answer, errors as Get's. Retried as every call is (429, 5xx).
  Result<boost::json::value> Post(std::string_view path, const boost::json::value& body,
                                  std::string_view forbidden_hint = "");
  // The connection test: token, then read access to clients and assets.
  Status Check();

  // Takes `other`'s authorisation server and token (a second connection of the same
  // application); `other` must not be in a call meanwhile.
  void ShareToken(const Client& other);

  int64_t tokens_issued() const { return tokens_issued_; }
  VendorClient& http() { return http_; }
  const VendorClient& http() const { return http_; }

 private:
  Status FindAuthServer();
  std::chrono::steady_clock::time_point Now() const { return clock_ ? clock_() : std::chrono::steady_clock::now(); }

  Credentials c_;
  VendorClient http_;
  std::function<std::chrono::steady_clock::time_point()> clock_;
  std::string auth_server_;
  std::string token_;
  std::chrono::steady_clock::time_point expires_{};
  int64_t tokens_issued_ = 0;
};

}  // namespace cairn::connectors::halo
