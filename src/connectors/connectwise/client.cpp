#include "connectors/connectwise/client.h"

#include <boost/json.hpp>

#include "core/crypto.h"

namespace cairn::connectors::connectwise {
namespace {

namespace json = boost::json;

constexpr std::string_view kRefused =
    "ConnectWise PSA refused the credentials: check the company id (the one you sign in with), the "
    "API member's public and private keys, and the client id";
constexpr std::string_view kRateLimited = "ConnectWise PSA is rate limiting Cairn; the next run will carry on";

}  // namespace

Client::Client(Credentials credentials, VendorClientOptions options)
    : c_(std::move(credentials)), http_([&] {
        options.vendor = "ConnectWise PSA";
        return std::move(options);
      }()) {
  authorization_ = "Basic " + Base64(c_.company + "+" + c_.public_key + ":" + c_.private_key);
}

Status Client::Connect() {
  if (!api_base_.empty()) return Status::Ok();
  std::string what = "GET /login/companyinfo/" + c_.company;
  http::ClientRequest req;
  req.url = "https://" + c_.site + "/login/companyinfo/" + http::PercentEncode(c_.company);
  req.headers = {{"Accept", "application/json"}};
  auto r = http_.Send(req, what);
  if (!r.ok()) return r.status();
  if (r->status != 200)
    return StatusError("ConnectWise PSA", what, *r,
                       "Check the site: it should be the API host of your ConnectWise PSA, e.g. "
                       "api-na.myconnectwise.net");
  json::error_code ec;
  json::value v = json::parse(r->body, ec);
  if (ec) return Status::Unavailable("ConnectWise PSA: " + what + " did not answer JSON (" + Excerpt(r->body) + ")");
  if (v.is_null())
    return Status::NotFound("ConnectWise PSA does not know the company id \"" + c_.company +
                            "\" at " + c_.site + ": check the company id (the one you sign in with)");
  const auto* codebase = v.is_object() ? v.as_object().if_contains("Codebase") : nullptr;
  if (!codebase || !codebase->is_string() || codebase->as_string().empty())
    return Status::Unavailable("ConnectWise PSA: " + what + " answered without a Codebase (" + Excerpt(r->body) + ")");
  std::string cb(codebase->as_string());
  if (cb.back() != '/') cb += '/';
  api_base_ = "https://" + c_.site + "/" + cb + "apis/3.0";
  return Status::Ok();
}

http::ClientRequest Client::Request(std::string_view path_and_query) const {
  http::ClientRequest req;
  req.url = api_base_ + std::string(path_and_query);
  req.headers = {{"Authorization", authorization_}, {"Accept", "application/json"}, {"Cache-Control", "no-cache"}};
  if (!c_.client_id.empty()) req.headers.emplace_back("clientId", c_.client_id);
  return req;
}

Result<json::value> Client::Get(std::string_view path_and_query, std::string_view forbidden_hint) {
  if (auto st = Connect(); !st.ok()) return st;
  std::string path(path_and_query.substr(0, path_and_query.find('?')));
  std::string what = "GET " + path;
  return SendForJson(http_, Request(path_and_query), what,
                     {kRefused, forbidden_hint, kRateLimited});
}

Result<Client::Page> Client::GetPage(std::string_view path_and_query, bool forward_only,
                                     std::string_view forbidden_hint) {
  if (auto st = Connect(); !st.ok()) return st;
  std::string what = "GET " + std::string(path_and_query.substr(0, path_and_query.find('?')));
  http::ClientRequest req = Request(path_and_query);
  if (forward_only) req.headers.emplace_back("pagination-type", "forward-only");
  auto r = http_.Send(req, what);
  if (!r.ok()) return r.status();
  if (r->status < 200 || r->status >= 300) {
    std::string_view hint = r->status == 401   ? kRefused
                            : r->status == 403 ? forbidden_hint
                            : r->status == 429 ? kRateLimited
                                               : std::string_view();
    return StatusError("ConnectWise PSA", what, *r, hint);
  }
  Page page;
  json::error_code ec;
  page.body = json::parse(r->body, ec);
  if (ec) return Status::Unavailable("ConnectWise PSA: " + what + " did not answer JSON (" + Excerpt(r->body) + ")");
  if (auto link = r->Header("Link")) {
    page.has_link = true;
    page.link = std::string(*link);
  }
  return page;
}

Status Client::Check() {
  if (auto st = Connect(); !st.ok()) return st;
  if (auto r = Get("/system/info"); !r.ok()) return r.status();
  if (auto r = Get("/company/companies?pageSize=1&fields=id",
                   "The API member's security role cannot read companies: allow Companies > Company "
                   "Maintenance (Inquire Level: All)");
      !r.ok())
    return r.status();
  if (auto r = Get("/company/configurations?pageSize=1&fields=id",
                   "The API member's security role cannot read configurations: allow Companies > "
                   "Configurations (Inquire Level: All)");
      !r.ok())
    return r.status();
  return Status::Ok();
}

}  // namespace cairn::connectors::connectwise
