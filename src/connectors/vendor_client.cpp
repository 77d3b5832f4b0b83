#include "connectors/vendor_client.h"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <random>
#include <thread>

namespace cairn::connectors {
namespace {

uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Retry-After in seconds (the HTTP-date form is not used by these vendors); nullopt otherwise.
std::optional<int64_t> RetryAfterSeconds(const http::ClientResponse& r) {
  auto v = r.Header("Retry-After");
  if (!v) return std::nullopt;
  std::string_view s = *v;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || n < 0) return std::nullopt;
  return n;
}

const char* Reason(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

}  // namespace

VendorClient::VendorClient(VendorClientOptions options)
    : o_(std::move(options)),
      http_(std::make_unique<http::Client>(http::ClientOptions{.ca_file = o_.ca_file})),
      rng_(o_.jitter_seed ? o_.jitter_seed : std::random_device{}()) {
  o_.max_attempts = std::max(1, o_.max_attempts);
}

VendorClient::~VendorClient() = default;

std::chrono::milliseconds VendorClient::Backoff(int attempt) {
  // Full jitter: uniform in [0, min(max_wait, first * 2^attempt)], at least 50 ms.
  int64_t cap = std::min<int64_t>(o_.max_wait.count(), o_.first_backoff.count() << std::min(attempt, 20));
  rng_ = Mix(rng_);
  int64_t wait = cap > 0 ? static_cast<int64_t>(rng_ % static_cast<uint64_t>(cap + 1)) : 0;
  return std::chrono::milliseconds(std::max<int64_t>(50, wait));
}

Result<http::ClientResponse> VendorClient::Send(const http::ClientRequest& request, std::string_view what) {
  http::ClientRequest req = request;
  req.timeout = o_.timeout;
  Status last = Status::Ok();
  for (int attempt = 0; attempt < o_.max_attempts; ++attempt) {
    std::chrono::milliseconds wait{0};
    ++requests_;
    auto r = http_->Send(req);
    if (!r.ok()) {
      if (r.status().code() == Code::kInvalidArgument) return r.status();  // nothing was sent
      last = r.status();
      wait = Backoff(attempt);
    } else if (r->status == 429) {
      auto after = RetryAfterSeconds(*r);
      wait = after ? std::min(o_.max_wait, std::chrono::milliseconds(*after * 1000 + 100)) : Backoff(attempt);
      if (attempt + 1 == o_.max_attempts) return r;
    } else if (r->status >= 500) {
      if (attempt + 1 == o_.max_attempts) return r;
      wait = Backoff(attempt);
    } else {
      return r;
    }
    if (attempt + 1 == o_.max_attempts) break;
    ++retries_;
    if (o_.sleep) o_.sleep(wait);
    else std::this_thread::sleep_for(wait);
  }
  std::string hint = TransportHint(last.message());
  return Status::Unavailable(o_.vendor + ": " + std::string(what) + " failed after " +
                                 std::to_string(o_.max_attempts) + " attempts: " + last.message() +
                                 (hint.empty() ? "" : ". " + hint),
                             last.detail());
}

std::string Excerpt(std::string_view body, size_t n) {
  std::string out;
  for (char c : body.substr(0, n)) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (body.size() > n) out += "...";
  return out;
}

Status StatusError(const std::string& vendor, std::string_view what, const http::ClientResponse& r,
                   std::string_view hint) {
  std::string m = vendor + ": " + std::string(what) + " answered " + std::to_string(r.status);
  if (const char* reason = Reason(r.status); *reason) m += std::string(" ") + reason;
  if (std::string body = Excerpt(r.body); !body.empty()) m += " (" + body + ")";
  if (!hint.empty()) m += ". " + std::string(hint);
  switch (r.status) {
    case 401: return Status::Unauthorized(m);
    case 403: return Status::Forbidden(m);
    case 404: return Status::NotFound(m);
    case 400:
    case 422: return Status::Invalid(m);
    default: return Status::Unavailable(m);
  }
}

Result<std::string> SendForBody(VendorClient& client, const http::ClientRequest& request, std::string_view what,
                                const Hints& hints) {
  auto r = client.Send(request, what);
  if (!r.ok()) return r.status();
  if (r->status < 200 || r->status >= 300) {
    std::string_view hint = r->status == 401   ? hints.unauthorized
                            : r->status == 403 ? hints.forbidden
                            : r->status == 429 ? hints.rate_limited
                                               : std::string_view();
    return StatusError(client.options().vendor, what, *r, hint);
  }
  return std::move(r->body);
}

Result<boost::json::value> SendForJson(VendorClient& client, const http::ClientRequest& request,
                                       std::string_view what, const Hints& hints) {
  auto body = SendForBody(client, request, what, hints);
  if (!body.ok()) return body.status();
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(*body, ec);
  if (ec)
    return Status::Unavailable(client.options().vendor + ": " + std::string(what) + " did not answer JSON (" +
                               Excerpt(*body) + ")");
  return v;
}

std::string TransportHint(std::string_view message) {
  if (message.find("could not resolve") != std::string_view::npos)
    return "Check the host name: DNS does not know it";
  if (message.find("TLS") != std::string_view::npos || message.find("certificate") != std::string_view::npos)
    return "The server's certificate is not trusted: check the host, or start Cairn with --ca-file naming "
           "the CA that signed it";
  if (message.find("refused") != std::string_view::npos)
    return "Nothing answers on that host and port: check the host (and port) and that the server is up";
  if (message.find("timed out") != std::string_view::npos)
    return "The server did not answer in time: check the host, firewalls and proxies";
  return "";
}

}  // namespace cairn::connectors
