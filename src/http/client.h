// A blocking HTTP(S) client (libcurl underneath; see client.cpp). Used by connectors, by the
// end-to-end tests and by tools. One Client may be used from one thread at a time; it keeps
// connections alive between calls. Different Clients may be used on different threads at once.
//
// Redirects are not followed: a 3xx is returned like any other status, Location included, so
// credentials in request headers never travel to a host the caller did not name. Only http and
// https URLs are accepted. Proxies come from the usual environment variables (https_proxy,
// no_proxy, ...), as libcurl reads them.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "http/message.h"

namespace cairn::http {

struct ClientRequest {
  std::string method = "GET";  // GET, POST, PUT, PATCH, DELETE, HEAD or any other token
  std::string url;
  // Sent as given. libcurl adds Host, Accept: */*, User-Agent and, with a body, Content-Length;
  // a body without a Content-Type header is sent without one.
  Headers headers;
  std::string body;  // sent for any method when not empty; POST, PUT, PATCH always send one
  std::chrono::milliseconds timeout{30000};  // the whole exchange, connecting included
  // "host:port:address" entries that decide where the host connects instead of DNS (an IPv6
  // address in brackets), so that an address checked before the request is the one used. The
  // handle remembers them for later requests to the same host and port.
  std::vector<std::string> resolve;
};

struct ClientResponse {
  int status = 0;
  Headers headers;  // of the final response only (not of a 100 Continue before it), in order
  std::string body;
  std::optional<std::string_view> Header(std::string_view name) const {
    return FindHeader(headers, name);
  }
};

struct ClientOptions {
  // Extra CA bundle to trust (PEM); "" = system store only. Added to the system store, not
  // replacing it (libcurl with OpenSSL, as on Debian; with another TLS backend it replaces it).
  // Read once, by the constructor; an unreadable file fails every Send with Unavailable.
  std::string ca_file;
  bool verify_tls = true;   // never false against a vendor
  std::string user_agent = "Cairn";
};

class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Any HTTP status is a successful exchange; the error is for transport failures only
  // (Unavailable, the message naming DNS, connection refused, TLS or timeout: "could not resolve
  // host X", "connection refused by host:port", "TLS certificate problem with host:port: ...",
  // "request to host:port timed out after N ms"; curl's own text is in the detail). Messages
  // name the host, never the path or query. InvalidArgument for a malformed URL, a scheme other
  // than http/https, or a header name or value containing a line break (nothing is sent then).
  Result<ClientResponse> Send(const ClientRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::http
