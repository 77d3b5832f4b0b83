#include "connectors/pulseway/client.h"

#include "core/crypto.h"

namespace cairn::connectors::pulseway {

std::string ApiBase(const std::string& server) {
  // The SaaS API lives at /v3; dedicated and self-hosted servers serve it under /api/v3.
  if (server == "api.pulseway.com") return "https://api.pulseway.com/v3";
  return "https://" + server + "/api/v3";
}

Client::Client(Credentials credentials, VendorClientOptions options)
    : c_(std::move(credentials)),
      http_([&] {
        options.vendor = "Pulseway RMM";
        return std::move(options);
      }()),
      base_(ApiBase(c_.server)),
      authorization_("Basic " + Base64(c_.token_id + ":" + c_.token_secret)) {}

Result<boost::json::value> Client::Get(std::string_view path_and_query, std::string_view forbidden_hint) {
  std::string what = "GET /v3" + std::string(path_and_query.substr(0, path_and_query.find('?')));
  http::ClientRequest req;
  req.url = base_ + std::string(path_and_query);
  req.headers = {{"Authorization", authorization_}, {"Accept", "application/json"}};
  return SendForJson(http_, req, what,
                     {"Pulseway refused the token id or secret: create an API token under Server > Settings > "
                      "Access Control > API Tokens and check the server host",
                      forbidden_hint.empty() ? "The API token may not read this: widen the token's scope" : forbidden_hint,
                      "Pulseway is rate limiting Cairn; the next run will carry on"});
}

Status Client::Check() {
  if (auto r = Get("/environment"); !r.ok()) return r.status();
  if (auto r = Get("/organizations?$top=1", "The API token cannot read organizations: widen its scope");
      !r.ok())
    return r.status();
  if (auto r = Get("/devices?$top=1", "The API token cannot read devices: widen its scope"); !r.ok())
    return r.status();
  return Status::Ok();
}

}  // namespace cairn::connectors::pulseway
