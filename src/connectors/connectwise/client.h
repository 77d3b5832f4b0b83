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

  // One page of a list (reference A4): the JSON and the `Link` header. `forward_only` sends
  // `pagination-type: forward-only` (then `pageId` in the query pages by id).
  struct Page {
    boost::json::value body;
    bool has_link = false;  // the answer carried a Link header (possibly empty)
    std::string link;
  };
  Result<Page> GetPage(std::string_view path_and_query, bool forward_only, std::string_view forbidden_hint = "");

  // The connection test: codebase, credentials, and read access to companies and configurations.
  Status Check();

  VendorClient& http() { return http_; }
  const VendorClient& http() const { return http_; }

 private:
  Credentials c_;
  VendorClient http_;
  std::string api_base_;
  std::string authorization_;

  http::ClientRequest Request(std::string_view path_and_query) const;
};

}  // namespace cairn::connectors::connectwise
