#include "connectors/halo/client.h"

#include <boost/json.hpp>

namespace cairn::connectors::halo {
namespace {

namespace json = boost::json;

std::string Form(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += http::PercentEncode(k) + "=" + http::PercentEncode(v);
  }
  return out;
}

}  // namespace

Client::Client(Credentials credentials, VendorClientOptions options,
               std::function<std::chrono::steady_clock::time_point()> clock)
    : c_(std::move(credentials)),
      http_([&] {
        options.vendor = "HaloPSA";
        return std::move(options);
      }()),
      clock_(std::move(clock)) {}

Status Client::FindAuthServer() {
  if (!auth_server_.empty()) return Status::Ok();
  // The resource server ends in /api; authinfo (anonymous) names the authorisation server.
  std::string root = c_.resource_server;
  if (root.size() >= 4 && root.compare(root.size() - 4, 4, "/api") == 0) root.resize(root.size() - 4);
  http::ClientRequest req;
  req.url = c_.resource_server + "/authinfo";
  req.headers = {{"Accept", "application/json"}};
  auto r = http_.Send(req, "GET /api/authinfo");
  if (!r.ok()) return r.status();
  if (r->status == 200) {
    json::error_code ec;
    json::value v = json::parse(r->body, ec);
    if (!ec && v.is_object())
      if (const auto* url = v.as_object().if_contains("auth_url"); url && url->is_string() && !url->as_string().empty())
        auth_server_ = std::string(url->as_string());
  }
  if (auth_server_.empty()) auth_server_ = root + "/auth";
  while (!auth_server_.empty() && auth_server_.back() == '/') auth_server_.pop_back();
  return Status::Ok();
}

void Client::ShareToken(const Client& other) {
  auth_server_ = other.auth_server_;
  token_ = other.token_;
  expires_ = other.expires_;
}

Status Client::Authenticate() {
  if (!token_.empty() && Now() + std::chrono::seconds(60) < expires_) return Status::Ok();
  if (auto st = FindAuthServer(); !st.ok()) return st;
  http::ClientRequest req;
  req.method = "POST";
  req.url = auth_server_ + "/token" + (c_.tenant.empty() ? "" : "?tenant=" + http::PercentEncode(c_.tenant));
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  req.body = Form({{"grant_type", "client_credentials"},
                   {"client_id", c_.client_id},
                   {"client_secret", c_.client_secret},
                   {"scope", "all"}});
  const std::string what = "POST /auth/token";
  auto r = http_.Send(req, what);
  if (!r.ok()) return r.status();
  if (r->status != 200) {
    std::string_view hint =
        r->status == 401 || r->status == 400
            ? (r->body.find("invalid_scope") != std::string::npos
                   ? "The application may not use scope \"all\": allow it under Configuration > Integrations > HaloPSA API"
                   : "HaloPSA refused the client id or secret (or the tenant): check them under Configuration > "
                     "Integrations > HaloPSA API, and that the application uses Client ID and Secret (Services)")
            : "";
    return StatusError("HaloPSA", what, *r, hint);
  }
  json::error_code ec;
  json::value v = json::parse(r->body, ec);
  const json::value* token = !ec && v.is_object() ? v.as_object().if_contains("access_token") : nullptr;
  if (!token || !token->is_string() || token->as_string().empty())
    return Status::Unavailable("HaloPSA: " + what + " answered without an access_token (" + Excerpt(r->body) + ")");
  int64_t ttl = 3600;
  if (const auto* e = v.as_object().if_contains("expires_in"); e && e->is_int64() && e->as_int64() > 0) ttl = e->as_int64();
  token_ = std::string(token->as_string());
  expires_ = Now() + std::chrono::seconds(ttl);
  ++tokens_issued_;
  return Status::Ok();
}

Result<std::string> Client::GetBody(std::string_view path_and_query, std::string_view forbidden_hint) {
  std::string path(path_and_query.substr(0, path_and_query.find('?')));
  std::string what = "GET /api" + path;
  for (int round = 0; round < 2; ++round) {
    if (auto st = Authenticate(); !st.ok()) return st;
    http::ClientRequest req;
    req.url = c_.resource_server + std::string(path_and_query);
    req.headers = {{"Authorization", "Bearer " + token_}, {"Accept", "application/json"}};
    auto body = SendForBody(http_, req, what,
                            {"HaloPSA refused a fresh token: check the application's permissions", forbidden_hint,
                             "HaloPSA is rate limiting Cairn; the next run will carry on"});
    if (!body.ok() && body.status().code() == Code::kUnauthorized && round == 0) {
      token_.clear();  // expired or revoked early: one fresh token, once
      continue;
    }
    return body;
  }
  return Status::Unauthorized("HaloPSA: " + what + " refused two tokens in a row");
}

Result<json::value> Client::Get(std::string_view path_and_query, std::string_view forbidden_hint) {
  auto body = GetBody(path_and_query, forbidden_hint);
  if (!body.ok()) return body.status();
  json::error_code ec;
  json::value v = json::parse(*body, ec);
  if (ec)
    return Status::Unavailable("HaloPSA: GET /api" + std::string(path_and_query.substr(0, path_and_query.find('?'))) +
                               " did not answer JSON (" + Excerpt(*body) + ")");
  return v;
}

Result<json::value> Client::Post(std::string_view path, const json::value& body, std::string_view forbidden_hint) {
  std::string what = "POST /api" + std::string(path.substr(0, path.find('?')));
  std::string text = json::serialize(body);
  for (int round = 0; round < 2; ++round) {
    if (auto st = Authenticate(); !st.ok()) return st;
    http::ClientRequest req;
    req.method = "POST";
    req.url = c_.resource_server + std::string(path);
    req.headers = {{"Authorization", "Bearer " + token_},
                   {"Accept", "application/json"},
                   {"Content-Type", "application/json"}};
    req.body = text;
    auto v = SendForJson(http_, req, what,
                         {"HaloPSA refused a fresh token: check the application's permissions", forbidden_hint,
                          "HaloPSA is rate limiting Cairn; the next run will carry on"});
    if (!v.ok() && v.status().code() == Code::kUnauthorized && round == 0) {
      token_.clear();  // expired or revoked early: one fresh token, once
      continue;
    }
    return v;
  }
  return Status::Unauthorized("HaloPSA: " + what + " refused two tokens in a row");
}

Status Client::Check() {
  if (auto st = Authenticate(); !st.ok()) return st;
  if (auto r = Get("/Client?count=1",
                   "The agent the application logs in as cannot see clients: give that agent access to all "
                   "clients, or choose another agent for the application");
      !r.ok())
    return r.status();
  if (auto r = Get("/Asset?count=1",
                   "The agent the application logs in as cannot see assets: give it access to assets");
      !r.ok())
    return r.status();
  return Status::Ok();
}

}  // namespace cairn::connectors::halo
