// ConnectWise PSA (Manage REST 3.0) as Cairn calls it (reference/connectwise-halo.md part A): the
// codebase from /login/companyinfo, Basic company+public:private with the clientId header, JSON
// reads with people-sized errors. Used by one thread at a time.
#pragma once

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

#include "connectors/vendor_client.h"

namespace cairn::connectors::connectwise {

struct Credentials {
  std::string site;  // host[:port], e.g. api-na.myconnectwise.net
  std::string company;
  std::string public_key;
  std::string private_key;
  std::string client_id;  // optional
};

class Client {
 public:
  Client(Credentials credentials, VendorClientOptions options);

  // Looks up the codebase (GET https://{site}/login/companyinfo/{company}) once.
  Status Connect();
  // "https://{site}/{codebase}apis/3.0"; empty before Connect.
  const std::string& api_base() const { return api_base_; }

  // GET {api_base}{path}: the JSON of a 2xx answer, or an error naming the call, the status and
  // the fix (`forbidden_hint` says which permission a 403 lacks).
  Result<boost::json::value> Get(std::string_view path_and_query, std::string_view forbidden_hint = "");

  // The connection test: codebase, credentials, and read access to companies and configurations.
  Status Check();

  VendorClient& http() { return http_; }

 private:
  Credentials c_;
  VendorClient http_;
  std::string api_base_;
  std::string authorization_;
};

}  // namespace cairn::connectors::connectwise
