// Cairn's own HTTP request and response types. Nothing outside src/http sees Beast or curl; the
// server converts to and from these, and handlers are plain functions of them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cairn::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header lookup; the first match wins. nullopt when absent.
std::optional<std::string_view> FindHeader(const Headers& headers, std::string_view name);

struct Request {
  std::string method;     // "GET", "POST", ... (upper case)
  std::string target;     // as received: "/api/v1/companies?page=2"
  std::string path;       // percent-decoded path without the query: "/api/v1/companies"
  std::string query;      // raw query string without "?": "page=2"
  Headers headers;
  std::string body;
  std::string remote_ip;  // "127.0.0.1" / "::1"

  std::optional<std::string_view> Header(std::string_view name) const {
    return FindHeader(headers, name);
  }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  Headers headers;  // extra headers (Retry-After, Location, ...)
  std::string body;
  // Fault injection, for test servers such as the vendor simulators: kReset drops the connection
  // without answering; kTruncate sends the head (with the whole body's Content-Length) and half
  // the body, then closes without TLS close_notify, so the client sees a cut-short response.
  enum class Abort : uint8_t { kNone, kReset, kTruncate };
  Abort abort = Abort::kNone;
  // A long answer such as server-sent events: the server sends the head (without a length; the
  // connection closes at the end) and `body`, then calls `stream` every `stream_every` on the
  // connection's strand and writes what it returns, until it returns nullopt, the client goes,
  // or the server stops. `stream` must not block for long: it runs on a server thread.
  std::function<std::optional<std::string>()> stream;
  std::chrono::milliseconds stream_every{1000};

  static Response Json(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  static Response Text(int status, std::string body) {
    Response r;
    r.status = status;
    r.content_type = "text/plain; charset=utf-8";
    r.body = std::move(body);
    return r;
  }
};

// Called on a server thread for every request; must be thread-safe and must not throw.
using Handler = std::function<Response(Request&)>;

// Query-string parsing: "a=1&b=x%20y&c" -> {{"a","1"},{"b","x y"},{"c",""}}; '+' is a space.
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query);
// Percent-decoding; invalid escapes are kept as they are.
std::string PercentDecode(std::string_view s, bool plus_is_space);
std::string PercentEncode(std::string_view s);

}  // namespace cairn::http
