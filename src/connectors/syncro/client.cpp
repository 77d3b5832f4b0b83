#include "connectors/syncro/client.h"

namespace cairn::connectors::syncro {

Client::Client(Credentials credentials, VendorClientOptions options)
    : c_(std::move(credentials)), http_([&] {
        options.vendor = "Syncro";
        return std::move(options);
      }()) {}

Result<boost::json::value> Client::Get(std::string_view path_and_query, std::string_view forbidden_hint) {
  std::string what = "GET /api/v1" + std::string(path_and_query.substr(0, path_and_query.find('?')));
  http::ClientRequest req;
  req.url = "https://" + c_.domain + "/api/v1" + std::string(path_and_query);
  req.headers = {{"Authorization", "Bearer " + c_.api_key}, {"Accept", "application/json"}};
  return SendForJson(http_, req, what,
                     {"Syncro refused the API key: create one under Admin > API Tokens and check the domain "
                      "(yourcompany.syncromsp.com)",
                      forbidden_hint.empty()
                          ? "The API token lacks a permission this call needs: edit the token's permissions in Syncro"
                          : forbidden_hint,
                      "Syncro allows 180 requests a minute; the next run will carry on"});
}

Status Client::Check() {
  if (auto r = Get("/me"); !r.ok()) return r.status();
  if (auto r = Get("/customers?page=1", "The API token cannot list customers: allow Customers - List/Search");
      !r.ok())
    return r.status();
  if (auto r = Get("/customer_assets?page=1", "The API token cannot list assets: allow Assets - List/Search");
      !r.ok())
    return r.status();
  return Status::Ok();
}

}  // namespace cairn::connectors::syncro
