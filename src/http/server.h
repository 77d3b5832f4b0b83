// The HTTP/1.1 server, plain or HTTPS (Boost.Beast underneath; see server.cpp).
//
// Keep-alive, a read timeout for a request in progress, an idle timeout between requests on a
// kept-alive connection, a request body limit (413 past it), and one access-log line per request
// through the given callback. Stop() stops accepting, lets in-flight requests finish (up to a
// grace period), then closes idle connections.
//
// Threading: `threads` threads run one event loop; every connection has its own strand, so the
// handler is called on one of those threads, for one request of a connection at a time, while
// other connections go on being served by the other threads. A handler that blocks holds one
// thread: size `threads` for the number of handlers expected to block at once.
//
// What the server answers by itself (the handler is not called): 400 for a malformed request,
// 413 `{"error":"Request body too large (limit N bytes)"}` past body_limit, 431 for a header
// block over 8 KiB, each followed by closing the connection; 500
// `{"status":500,"error":"Internal Server Error"}` if a handler throws despite its contract.
// "Expect: 100-continue" is honoured. Responses always carry Server, Date, Content-Length
// (except 204/304, which also lose their body) and, when not empty, Content-Type; a handler's
// own Content-Length, Transfer-Encoding and Connection headers, and headers with line breaks, are
// dropped; a status outside 200-999 is sent as 500.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "http/message.h"

namespace cairn::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 = any free port; Server::port() tells which
  int threads = 4;       // handler threads; handlers may block on the database
  size_t body_limit = 16 * 1024 * 1024;
  // From a request's first byte until it is fully read; also the limit for writing a response.
  std::chrono::milliseconds read_timeout{30000};
  std::chrono::milliseconds idle_timeout{75000};
  std::chrono::milliseconds shutdown_grace{10000};
  // HTTPS: when both are set the server speaks TLS (1.2 or later) only, on every connection;
  // when both are empty, plain HTTP. Setting only one is an error (see Start). PEM files, read
  // once by Start: the server certificate optionally followed by its chain, and its private key
  // (unencrypted). The TLS handshake counts against read_timeout like a request's first bytes;
  // a client that fails it (untrusted certificate, plain HTTP) is disconnected without an
  // answer. After a response with "Connection: close" the server sends TLS close_notify and
  // waits briefly (at most 1 s, within read_timeout) for the client's before closing.
  std::string tls_cert_file;
  std::string tls_key_file;
  // One line per request: method, target, status, bytes, duration, remote address. Null = none.
  // Format: `127.0.0.1 "GET /api/v1/companies?page=2" 200 1234B 1.2ms` (bytes = body size; the
  // method and target are "-" when the request line could not be parsed; quotes and control
  // bytes in the target are escaped as \xHH). Called on server threads, concurrently: must be
  // thread-safe and must not throw.
  std::function<void(const std::string& line)> access_log;
};

// Counters since Start(); each is read atomically, the pair is not a snapshot.
struct ServerStats {
  uint64_t connections = 0;  // TCP connections accepted
  uint64_t requests = 0;     // responses sent (counted as writing starts), 400/413/431 included
};

class Server {
 public:
  // Binds and starts serving on background threads. Unavailable when the address cannot be bound
  // (the message says which address and why, e.g. "cannot listen on 127.0.0.1:8080: Address
  // already in use") or when the TLS files cannot be used (the message names the file and
  // OpenSSL's reason, e.g. "cannot load the TLS certificate /x/server.pem: No such file or
  // directory", "cannot load the TLS private key /x/key.pem: key values mismatch");
  // InvalidArgument when `handler` is empty or only one of tls_cert_file and tls_key_file is
  // set. Nothing is served after a failure. `host` is an IP address or a name to resolve. The
  // server owns the handler and calls it until Stop() returns.
  static Result<std::unique_ptr<Server>> Start(ServerOptions options, Handler handler);
  // Calls Stop().
  virtual ~Server() = default;

  // The bound port (the real one when options.port was 0). Thread-safe.
  virtual uint16_t port() const = 0;
  // Graceful stop; idempotent; returns when every server thread has finished.
  // Stops accepting, closes connections waiting between requests, lets requests being read or
  // handled finish (their response says "Connection: close") for up to shutdown_grace, then
  // abandons the rest; a handler still running then must return before Stop() can. Safe from
  // any thread except a server thread (i.e. not from inside a handler or the access log).
  virtual void Stop() = 0;
  // Thread-safe.
  virtual ServerStats stats() const = 0;
};

}  // namespace cairn::http
