// The HTTP/1.1 server: an acceptor and one Session per connection, all on one io_context run by a
// pool of threads. Each connection has its own strand, so a handler that blocks on the database
// holds up its own connection only. Beast types stop at this file: the session converts to
// http::Request before calling the handler and serializes http::Response itself. The session is a
// template over its stream, plain TCP or TLS over TCP; timeouts and socket operations go to the
// TCP layer underneath either.

#include "http/server.h"

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <exception>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <type_traits>
#include <unordered_set>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace cairn::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
// Concrete executor types: the type-erased defaults cost a copy per operation.
using Strand = net::strand<net::io_context::executor_type>;
using Socket = net::basic_stream_socket<tcp, Strand>;
using Stream = beast::basic_stream<tcp, Strand>;
// Asio's SSL stream rather than beast::ssl_stream: the latter's flat_stream layer lost the body of
// a response written as head + body buffers once it passed 16 KiB (Boost 1.81), and Asio's
// stream already gathers small buffers into one TLS record by itself.
using TlsStream = net::ssl::stream<Stream>;

// Bytes read per wait for the start of a request; the parser asks for more when it needs it.
constexpr size_t kFirstReadSize = 8192;
// After an error response, how much of the client's unread request we swallow (and for how long)
// before closing, so the client reads our answer instead of a connection reset.
constexpr size_t kLingerBytes = 1 << 20;
constexpr std::chrono::milliseconds kLingerTime{2000};
// How long a TLS session waits for the client's close_notify after sending its own.
constexpr std::chrono::milliseconds kTlsShutdownTime{1000};

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view kInternalError = R"({"status":500,"error":"Internal Server Error"})";

std::string HostPort(std::string_view host, uint16_t port) {
  std::string out;
  if (host.find(':') != std::string_view::npos) {
    out.append("[").append(host).append("]");
  } else {
    out.append(host);
  }
  out.append(":").append(std::to_string(port));
  return out;
}

void AppendUnsigned(std::string& out, uint64_t v) {
  char buf[24];
  char* end = buf + sizeof(buf);
  char* p = end;
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  out.append(p, static_cast<size_t>(end - p));
}

// RFC 9110 IMF-fixdate, computed at most once per second per thread.
std::string_view HttpDate() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local std::time_t cached_second = -1;
  thread_local char buf[32];
  thread_local int len = 0;
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    len = std::snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                        tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                        tm.tm_sec);
    if (len < 0) len = 0;
    cached_second = now;
  }
  return {buf, static_cast<size_t>(len)};
}

bool IsHeaderSafe(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127 || c == ':' || c == '"' || c == '(' || c == ')' || c == ',' ||
        c == '/' || c == ';' || c == '<' || c == '=' || c == '>' || c == '?' || c == '@' ||
        c == '[' || c == '\\' || c == ']' || c == '{' || c == '}') {
      return false;
    }
  }
  return true;
}

bool EqualsLower(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

// Framing is ours: a handler's copy of these would contradict what we send.
bool IsFramingHeader(std::string_view name) {
  return EqualsLower(name, "content-length") || EqualsLower(name, "transfer-encoding") ||
         EqualsLower(name, "connection");
}

// Status line and headers for `r`; the body is written after it as a separate buffer.
void SerializeHead(const Response& r, int status, bool keep_alive, bool http10, std::string& out) {
  const bool streamed = static_cast<bool>(r.stream);
  out.clear();
  out.append("HTTP/1.1 ");
  AppendUnsigned(out, static_cast<uint64_t>(status));
  out.push_back(' ');
  auto known = bhttp::int_to_status(static_cast<unsigned>(status));
  if (known == bhttp::status::unknown) {
    out.append("Unknown");
  } else {
    auto reason = bhttp::obsolete_reason(known);
    out.append(reason.data(), reason.size());
  }
  out.append("\r\nServer: Cairn\r\nDate: ");
  out.append(HttpDate());
  out.append("\r\n");
  if (!r.content_type.empty() && IsHeaderSafe(r.content_type)) {
    out.append("Content-Type: ").append(r.content_type).append("\r\n");
  }
  if (streamed) {
    out.append("Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\n");
  } else if (status != 204 && status != 304) {
    out.append("Content-Length: ");
    AppendUnsigned(out, r.body.size());
    out.append("\r\n");
  }
  if (!keep_alive) {
    out.append("Connection: close\r\n");
  } else if (http10) {
    out.append("Connection: keep-alive\r\n");
  }
  for (const auto& [name, value] : r.headers) {
    if (!IsToken(name) || !IsHeaderSafe(value) || IsFramingHeader(name)) continue;
    out.append(name).append(": ").append(value).append("\r\n");
  }
  out.append("\r\n");
}

// Quotes and control bytes in a request target would let a client forge log lines.
void AppendLogSafe(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') {
      out.append("\\x");
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0x0f]);
    } else {
      out.push_back(c);
    }
  }
}

std::string RemoteIp(const Socket& socket) {
  beast::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "-";
  auto address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

// The earliest error on this thread's OpenSSL queue (the root cause, e.g. the failed fopen),
// which is then cleared.
std::string TakeOpenSslError() {
  unsigned long code = ERR_peek_error();
  std::string reason;
  if (code != 0 && ERR_SYSTEM_ERROR(code)) {
    // OpenSSL 3 has no text for errno values; thread-safe strerror.
    int errno_value = static_cast<int>(ERR_GET_REASON(code));
    reason = std::error_code(errno_value, std::generic_category()).message();
  } else if (code != 0) {
    const char* text = ERR_reason_error_string(code);
    reason = text != nullptr ? text : "OpenSSL error " + std::to_string(code);
  }
  ERR_clear_error();
  return reason.empty() ? "unknown error" : reason;
}

class ServerImpl;

// What the server's registry and Stop() need from a session of either kind.
class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  SessionBase() = default;
  virtual ~SessionBase() = default;
  SessionBase(const SessionBase&) = delete;
  SessionBase& operator=(const SessionBase&) = delete;

  // Posted by Stop(): closes the connection if it is waiting between requests (or, for TLS,
  // still in the handshake: no request has begun).
  virtual void CloseIfIdle() = 0;
  virtual Strand executor() = 0;
};

// S is Stream (plain HTTP) or TlsStream (HTTPS).
template <class S>
class Session final : public SessionBase {
 public:
  static constexpr bool kTls = std::is_same_v<S, TlsStream>;

  // `tls` is the server's net::ssl::context for a TlsStream, nothing for a plain one.
  template <class... Tls>
  Session(Socket&& socket, ServerImpl& server, Tls&... tls);
  ~Session() override;

  // Registers with the server and starts (with the TLS handshake, or reading); called on the
  // acceptor's strand.
  void Start();
  void CloseIfIdle() override;
  Strand executor() override { return Tcp().get_executor(); }

 private:
  enum class State { kIdle, kReading, kHandling, kWriting, kClosing };

  std::shared_ptr<Session> Self() {
    return std::static_pointer_cast<Session>(shared_from_this());
  }
  // The TCP stream, with its expiry, under the TLS layer if any.
  Stream& Tcp() { return beast::get_lowest_layer(stream_); }

  void Handshake();
  void OnHandshake(beast::error_code ec);
  void WaitForRequest();
  void OnFirstBytes(beast::error_code ec, size_t bytes);
  void ReadHeader();
  // Feeds already-buffered bytes to the parser, stopping once the header (or the whole message)
  // is complete or more input is needed. Returns the parser's error, if any.
  beast::error_code ParseBuffered(bool header_only);
  void OnHeader(beast::error_code ec, size_t bytes);
  void OnHeaderDone();
  void OnContinueWritten(beast::error_code ec, size_t bytes);
  void ReadBody();
  void OnBody(beast::error_code ec, size_t bytes);
  void OnReadError(beast::error_code ec);
  void HandleRequest();
  void SendError(int status, std::string body);
  void WriteResponse();
  void OnWritten(beast::error_code ec, size_t bytes);
  // A streamed response (Response::stream): waits, asks for the next piece, writes it.
  void StreamNext();
  void OnStreamTimer(beast::error_code ec);
  void OnStreamWritten(beast::error_code ec, size_t bytes);
  void LogAccess();
  void Linger();
  void OnLinger(beast::error_code ec, size_t bytes);
  // The orderly end after a last response: half-close, or TLS close_notify, then Close().
  void Shutdown();
  void OnShutdown(beast::error_code ec);
  void Close();

  S stream_;
  ServerImpl& server_;
  beast::flat_buffer buffer_;  // reused for every request on the connection
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string remote_ip_;
  Request request_;    // reused so its strings keep their capacity between requests
  Response response_;
  std::string head_;   // serialized status line and headers
  State state_ = State::kIdle;
  bool first_request_ = true;
  bool keep_alive_ = false;
  bool http10_ = false;
  bool have_request_line_ = false;  // for the access log of error responses
  int status_ = 0;
  size_t lingered_ = 0;
  Clock::time_point started_;
  std::optional<net::steady_timer> stream_timer_;
  std::string stream_piece_;
};

class ServerImpl final : public Server {
 public:
  ServerImpl(ServerOptions options, Handler handler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        acceptor_(net::make_strand(ioc_)),
        accept_timer_(acceptor_.get_executor()) {}

  ~ServerImpl() override { Stop(); }

  // Loads the certificate and key when options ask for TLS; before Listen().
  Status LoadTls();
  Status Listen();
  void Run();
  uint16_t port() const override { return port_; }
  void Stop() override;
  ServerStats stats() const override {
    return {connections_.load(std::memory_order_relaxed),
            requests_.load(std::memory_order_relaxed)};
  }
  void CountRequest() { requests_.fetch_add(1, std::memory_order_relaxed); }

  const ServerOptions& options() const { return options_; }
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }

  // Calls the handler; exceptions (which handlers promise not to throw) become a 500.
  Response Handle(Request& request) {
    try {
      return handler_(request);
    } catch (const std::exception&) {
    } catch (...) {
    }
    return Response::Json(500, std::string(kInternalError));
  }

  // Returns false when the server is stopping and the connection should not be served.
  bool Register(SessionBase* session) {
    std::lock_guard lock(mu_);
    sessions_.insert(session);
    return !stopping_.load(std::memory_order_relaxed);
  }
  void Unregister(SessionBase* session) {
    std::lock_guard lock(mu_);
    sessions_.erase(session);
    if (sessions_.empty()) sessions_empty_.notify_all();
  }

 private:
  void DoAccept();
  void OnAccept(beast::error_code ec, Socket socket);

  const ServerOptions options_;
  const Handler handler_;
  // Set by LoadTls when serving HTTPS; outlives the sessions (destroyed with ioc_, below).
  std::optional<net::ssl::context> tls_;
  uint16_t port_ = 0;

  std::mutex stop_mu_;  // serializes Stop()
  bool stopped_ = false;

  std::atomic<uint64_t> connections_{0};
  std::atomic<uint64_t> requests_{0};
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable sessions_empty_;
  std::unordered_set<SessionBase*> sessions_;  // guarded by mu_

  // Declared after the session registry: destroying the io_context destroys sessions still
  // owned by pending operations, and they unregister on the way out.
  net::io_context ioc_;
  // Keeps the threads in run() until Stop() is done with them: without it they return as soon as
  // nothing is pending, possibly before Stop()'s own posted work has run.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  tcp::acceptor acceptor_;
  net::steady_timer accept_timer_;
  std::vector<std::thread> threads_;
};

// ---------------------------------------------------------------------------------------------
// Session

template <class S>
template <class... Tls>
Session<S>::Session(Socket&& socket, ServerImpl& server, Tls&... tls)
    : stream_(std::move(socket), tls...), server_(server) {
  remote_ip_ = RemoteIp(Tcp().socket());
}

template <class S>
Session<S>::~Session() {
  server_.Unregister(this);
}

template <class S>
void Session<S>::Start() {
  if (!server_.Register(this)) return;  // stopping: the socket closes with the session
  if constexpr (kTls) {
    net::dispatch(executor(), beast::bind_front_handler(&Session::Handshake, Self()));
  } else {
    net::dispatch(executor(), beast::bind_front_handler(&Session::WaitForRequest, Self()));
  }
}

template <class S>
void Session<S>::CloseIfIdle() {
  if (state_ == State::kIdle) return Close();
  if (stream_timer_) stream_timer_->cancel();  // a stream between pieces ends now
}

template <class S>
void Session<S>::Handshake() {
  if constexpr (kTls) {
    state_ = State::kIdle;
    if (server_.stopping()) return Close();
    Tcp().expires_after(server_.options().read_timeout);
    stream_.async_handshake(net::ssl::stream_base::server,
                            beast::bind_front_handler(&Session::OnHandshake, Self()));
  }
}

template <class S>
void Session<S>::OnHandshake(beast::error_code ec) {
  // An untrusting client, plain HTTP on this port, a timeout: nothing to answer, nothing to log.
  if (ec) return Close();
  WaitForRequest();
}

template <class S>
void Session<S>::WaitForRequest() {
  state_ = State::kIdle;
  if (server_.stopping()) return Close();
  // Between requests only the idle timeout applies; the read timeout starts with the first byte.
  Tcp().expires_after(first_request_ ? server_.options().read_timeout
                                     : server_.options().idle_timeout);
  stream_.async_read_some(buffer_.prepare(kFirstReadSize),
                          beast::bind_front_handler(&Session::OnFirstBytes, Self()));
}

template <class S>
void Session<S>::OnFirstBytes(beast::error_code ec, size_t bytes) {
  if (ec) return Close();  // EOF, idle timeout, reset or Stop(): nothing was in flight
  buffer_.commit(bytes);
  ReadHeader();
}

template <class S>
void Session<S>::ReadHeader() {
  state_ = State::kReading;
  first_request_ = false;
  have_request_line_ = false;
  started_ = Clock::now();
  parser_.emplace();
  parser_->body_limit(server_.options().body_limit);
  Tcp().expires_after(server_.options().read_timeout);
  // Usually the whole request came with the first read; parsing it here spares the trip through
  // the event loop that an async read completing without I/O would take.
  if (auto ec = ParseBuffered(/*header_only=*/true)) return OnReadError(ec);
  if (parser_->is_header_done()) return OnHeaderDone();
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           beast::bind_front_handler(&Session::OnHeader, Self()));
}

template <class S>
beast::error_code Session<S>::ParseBuffered(bool header_only) {
  beast::error_code ec;
  while (buffer_.size() > 0 && !(header_only ? parser_->is_header_done() : parser_->is_done())) {
    size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == bhttp::error::need_more) return {};
    if (ec || used == 0) return ec;
  }
  return ec;
}

template <class S>
void Session<S>::OnHeader(beast::error_code ec, size_t /*bytes*/) {
  if (ec) return OnReadError(ec);
  OnHeaderDone();
}

template <class S>
void Session<S>::OnHeaderDone() {
  have_request_line_ = true;
  if (parser_->is_done()) return HandleRequest();
  auto expect = parser_->get()[bhttp::field::expect];
  if (EqualsLower(std::string_view(expect.data(), expect.size()), "100-continue")) {
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     beast::bind_front_handler(&Session::OnContinueWritten, Self()));
    return;
  }
  ReadBody();
}

template <class S>
void Session<S>::OnContinueWritten(beast::error_code ec, size_t /*bytes*/) {
  if (ec) return Close();
  ReadBody();
}

template <class S>
void Session<S>::ReadBody() {
  if (auto ec = ParseBuffered(/*header_only=*/false)) return OnReadError(ec);
  if (parser_->is_done()) return HandleRequest();
  // The deadline set in ReadHeader covers the whole request, body included.
  bhttp::async_read(stream_, buffer_, *parser_,
                    beast::bind_front_handler(&Session::OnBody, Self()));
}

template <class S>
void Session<S>::OnBody(beast::error_code ec, size_t /*bytes*/) {
  if (ec) return OnReadError(ec);
  HandleRequest();
}

template <class S>
void Session<S>::OnReadError(beast::error_code ec) {
  if (ec == bhttp::error::body_limit || ec == bhttp::error::buffer_overflow) {
    have_request_line_ = parser_->is_header_done();
    return SendError(413, "{\"error\":\"Request body too large (limit " +
                              std::to_string(server_.options().body_limit) + " bytes)\"}");
  }
  if (ec == bhttp::error::header_limit) {
    return SendError(431, R"({"status":431,"error":"Request Header Fields Too Large"})");
  }
  // Anything else the parser rejects is the client's malformed request; transport errors,
  // timeouts and a client giving up half-way just close.
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
      ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message &&
      ec != bhttp::error::short_read) {
    return SendError(400, R"({"status":400,"error":"Bad Request"})");
  }
  Close();
}

template <class S>
void Session<S>::HandleRequest() {
  state_ = State::kHandling;
  auto& message = parser_->get();
  auto method = message.method_string();
  auto target = message.target();
  request_.method.assign(method.data(), method.size());
  request_.target.assign(target.data(), target.size());

  std::string_view path(target.data(), target.size());
  // absolute-form ("http://host/path?q") from a proxy-style client: keep path and query only
  if (!path.empty() && path.front() != '/') {
    auto scheme_end = path.find("://");
    if (scheme_end != std::string_view::npos) {
      auto slash = path.find('/', scheme_end + 3);
      path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
    }
  }
  auto question = path.find('?');
  if (question == std::string_view::npos) {
    request_.query.clear();
  } else {
    request_.query.assign(path.substr(question + 1));
    path = path.substr(0, question);
  }
  request_.path = PercentDecode(path, false);

  size_t count = 0;
  for (const auto& field : message) {
    auto name = field.name_string();
    auto value = field.value();
    if (count < request_.headers.size()) {
      request_.headers[count].first.assign(name.data(), name.size());
      request_.headers[count].second.assign(value.data(), value.size());
    } else {
      request_.headers.emplace_back(std::string(name.data(), name.size()),
                                    std::string(value.data(), value.size()));
    }
    ++count;
  }
  request_.headers.resize(count);
  request_.body = std::move(message.body());
  if (request_.remote_ip != remote_ip_) request_.remote_ip = remote_ip_;

  bool wants_keep_alive = message.keep_alive();
  http10_ = message.version() < 11;

  response_ = server_.Handle(request_);

  // Decided after the handler: Stop() may have begun while it ran.
  keep_alive_ = wants_keep_alive && !server_.stopping();
  WriteResponse();
}

template <class S>
void Session<S>::SendError(int status, std::string body) {
  response_ = Response::Json(status, std::move(body));
  keep_alive_ = false;
  http10_ = false;
  WriteResponse();
}

template <class S>
void Session<S>::WriteResponse() {
  state_ = State::kWriting;
  // 1xx would promise a second response that never comes.
  status_ = (response_.status >= 200 && response_.status <= 999) ? response_.status : 500;
  if (response_.abort == Response::Abort::kReset) {
    server_.CountRequest();
    LogAccess();
    // Linger 0: the peer sees a reset rather than an orderly end.
    beast::error_code ignored;
    Tcp().socket().set_option(tcp::socket::linger(true, 0), ignored);
    return Close();
  }
  if (response_.stream) keep_alive_ = false;  // the end of the body is the end of the connection
  SerializeHead(response_, status_, keep_alive_, http10_, head_);
  // Counted before the write so that a client holding the response sees it counted.
  server_.CountRequest();
  std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::const_buffer()};
  if (status_ != 204 && status_ != 304) buffers[1] = net::buffer(response_.body);
  if (response_.abort == Response::Abort::kTruncate)
    buffers[1] = net::buffer(response_.body.data(), response_.body.size() / 2);
  // A response must be taken by the client within the read timeout too.
  Tcp().expires_after(server_.options().read_timeout);
  net::async_write(stream_, buffers,
                   beast::bind_front_handler(&Session::OnWritten, Self()));
}

template <class S>
void Session<S>::OnWritten(beast::error_code ec, size_t /*bytes*/) {
  LogAccess();
  if (ec || response_.abort == Response::Abort::kTruncate) return Close();
  if (response_.stream) return StreamNext();
  bool after_error = status_ == 400 || status_ == 413 || status_ == 431;
  if (after_error && !parser_->is_done()) return Linger();
  if (!keep_alive_ || server_.stopping()) return Shutdown();
  // Free the previous body now rather than holding it until the next request.
  response_.body.clear();
  response_.headers.clear();
  parser_.reset();
  if (buffer_.size() > 0) return ReadHeader();  // a pipelined request is already here
  WaitForRequest();
}

template <class S>
void Session<S>::StreamNext() {
  if (server_.stopping()) return Shutdown();
  if (!stream_timer_) stream_timer_.emplace(executor());
  stream_timer_->expires_after(response_.stream_every);
  // The socket has no read pending while streaming; its expiry is pushed past the wait.
  Tcp().expires_after(response_.stream_every + server_.options().read_timeout);
  stream_timer_->async_wait(beast::bind_front_handler(&Session::OnStreamTimer, Self()));
}

template <class S>
void Session<S>::OnStreamTimer(beast::error_code ec) {
  if (ec || server_.stopping()) return Shutdown();
  std::optional<std::string> piece;
  try {
    piece = response_.stream();
  } catch (const std::exception&) {
    piece.reset();
  }
  if (!piece) return Shutdown();
  if (piece->empty()) return StreamNext();
  stream_piece_ = std::move(*piece);
  Tcp().expires_after(server_.options().read_timeout);
  net::async_write(stream_, net::buffer(stream_piece_),
                   beast::bind_front_handler(&Session::OnStreamWritten, Self()));
}

template <class S>
void Session<S>::OnStreamWritten(beast::error_code ec, size_t /*bytes*/) {
  if (ec) return Close();
  StreamNext();
}

template <class S>
void Session<S>::LogAccess() {
  const auto& log = server_.options().access_log;
  if (!log) return;
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
  char duration[32];
  std::snprintf(duration, sizeof(duration), "%.1fms", ms);
  std::string line;
  line.reserve(96);
  line.append(remote_ip_).append(" \"");
  // From the parser rather than request_, which the handler was free to modify.
  if (have_request_line_ && parser_) {
    auto method = parser_->get().method_string();
    auto target = parser_->get().target();
    AppendLogSafe(line, std::string_view(method.data(), method.size()));
    line.push_back(' ');
    AppendLogSafe(line, std::string_view(target.data(), target.size()));
  } else {
    line.push_back('-');
  }
  line.append("\" ");
  AppendUnsigned(line, static_cast<uint64_t>(status_));
  line.push_back(' ');
  AppendUnsigned(line, response_.body.size());
  line.append("B ").append(duration);
  log(line);
}

template <class S>
void Session<S>::Linger() {
  state_ = State::kClosing;
  beast::error_code ignored;
  Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
  buffer_.consume(buffer_.size());
  Tcp().expires_after(std::min<Clock::duration>(kLingerTime, server_.options().read_timeout));
  // Straight from TCP: what is swallowed is never decoded, and TLS has nothing more to say.
  Tcp().async_read_some(buffer_.prepare(16384),
                        beast::bind_front_handler(&Session::OnLinger, Self()));
}

template <class S>
void Session<S>::OnLinger(beast::error_code ec, size_t bytes) {
  lingered_ += bytes;
  if (ec || lingered_ >= kLingerBytes) return Close();
  Tcp().async_read_some(buffer_.prepare(16384),
                        beast::bind_front_handler(&Session::OnLinger, Self()));
}

template <class S>
void Session<S>::Shutdown() {
  state_ = State::kClosing;
  if constexpr (kTls) {
    // close_notify lets the client tell our end from a truncation; waiting for its answer is
    // bounded, so a client that keeps the socket open cannot hold Stop() for long.
    Tcp().expires_after(
        std::min<Clock::duration>(kTlsShutdownTime, server_.options().read_timeout));
    stream_.async_shutdown(beast::bind_front_handler(&Session::OnShutdown, Self()));
  } else {
    beast::error_code ignored;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    Close();
  }
}

template <class S>
void Session<S>::OnShutdown(beast::error_code /*ec*/) {
  Close();
}

template <class S>
void Session<S>::Close() {
  state_ = State::kClosing;
  beast::error_code ignored;
  Tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
  Tcp().close();
}

// ---------------------------------------------------------------------------------------------
// ServerImpl

Status ServerImpl::LoadTls() {
  const std::string& cert = options_.tls_cert_file;
  const std::string& key = options_.tls_key_file;
  if (cert.empty() && key.empty()) return Status::Ok();
  if (cert.empty() || key.empty()) {
    return Status::Invalid("tls_cert_file and tls_key_file must be set together");
  }
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return Status::Unavailable("cannot set up TLS: " + TakeOpenSslError());
  tls_.emplace(ctx);  // owns ctx from here on
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  // An encrypted key must fail here, not prompt on the terminal for a passphrase.
  SSL_CTX_set_default_passwd_cb(ctx, [](char*, int, int, void*) { return 0; });
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1) {
    return Status::Unavailable("cannot load the TLS certificate " + cert + ": " +
                               TakeOpenSslError());
  }
  // Also checks the key against the certificate ("key values mismatch").
  if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Status::Unavailable("cannot load the TLS private key " + key + ": " +
                               TakeOpenSslError());
  }
  return Status::Ok();
}

Status ServerImpl::Listen() {
  const std::string where = HostPort(options_.host, options_.port);
  beast::error_code ec;
  tcp::endpoint endpoint;
  auto address = net::ip::make_address(options_.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, options_.port);
  } else {
    tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(options_.host, std::to_string(options_.port),
                                    tcp::resolver::passive, ec);
    if (ec || results.empty()) {
      return Status::Unavailable("cannot listen on " + where + ": cannot resolve host" +
                                 (ec ? ": " + ec.message() : std::string()));
    }
    endpoint = results.begin()->endpoint();
  }
  auto fail = [&](const char* step) {
    return Status::Unavailable("cannot listen on " + where + ": " + ec.message(),
                               std::string(step) + " failed");
  };
  if (acceptor_.open(endpoint.protocol(), ec)) return fail("open");
  if (acceptor_.set_option(net::socket_base::reuse_address(true), ec)) return fail("setsockopt");
  if (acceptor_.bind(endpoint, ec)) return fail("bind");
  if (acceptor_.listen(net::socket_base::max_listen_connections, ec)) return fail("listen");
  auto local = acceptor_.local_endpoint(ec);
  if (ec) return fail("getsockname");
  port_ = local.port();
  return Status::Ok();
}

void ServerImpl::Run() {
  work_.emplace(ioc_.get_executor());
  net::dispatch(acceptor_.get_executor(), [this] { DoAccept(); });
  int threads = options_.threads > 0 ? options_.threads : 1;
  threads_.reserve(static_cast<size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      // Handlers catch their own exceptions; anything else thrown out of Asio must not take
      // the process down with std::terminate, so the thread goes back to serving.
      for (;;) {
        try {
          ioc_.run();
          return;
        } catch (...) {
        }
      }
    });
  }
}

void ServerImpl::DoAccept() {
  acceptor_.async_accept(net::make_strand(ioc_),
                         beast::bind_front_handler(&ServerImpl::OnAccept, this));
}

void ServerImpl::OnAccept(beast::error_code ec, Socket socket) {
  if (!acceptor_.is_open() || stopping()) return;
  if (ec) {
    if (ec == net::error::operation_aborted) return;
    // Out of file descriptors and the like: back off instead of spinning on accept().
    accept_timer_.expires_after(std::chrono::milliseconds(50));
    accept_timer_.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && acceptor_.is_open() && !stopping()) DoAccept();
    });
    return;
  }
  connections_.fetch_add(1, std::memory_order_relaxed);
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (tls_) {
    std::make_shared<Session<TlsStream>>(std::move(socket), *this, *tls_)->Start();
  } else {
    std::make_shared<Session<Stream>>(std::move(socket), *this)->Start();
  }
  DoAccept();
}

void ServerImpl::Stop() {
  std::lock_guard stop_lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;

  {
    std::lock_guard lock(mu_);
    stopping_.store(true, std::memory_order_release);
  }
  net::post(acceptor_.get_executor(), [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
    accept_timer_.cancel();
  });

  // Shared pointers are taken under the lock but released outside it: the last release runs
  // ~Session, which takes the lock to unregister.
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard lock(mu_);
    live.reserve(sessions_.size());
    for (SessionBase* session : sessions_) {
      if (auto strong = session->weak_from_this().lock()) live.push_back(std::move(strong));
    }
  }
  for (auto& session : live) {
    net::post(session->executor(), [session] { session->CloseIfIdle(); });
  }
  live.clear();

  {
    std::unique_lock lock(mu_);
    sessions_empty_.wait_for(lock, options_.shutdown_grace, [this] { return sessions_.empty(); });
  }
  // Whatever is still running after the grace period is abandoned: its operations are destroyed
  // with the io_context. A handler that is blocked still has to return before join() does.
  work_.reset();
  ioc_.stop();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Start(ServerOptions options, Handler handler) {
  if (!handler) return Status::Invalid("http server needs a request handler");
  auto server = std::make_unique<ServerImpl>(std::move(options), std::move(handler));
  CAIRN_RETURN_IF_ERROR(server->LoadTls());
  CAIRN_RETURN_IF_ERROR(server->Listen());
  server->Run();
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace cairn::http
