// The blocking client: one libcurl easy handle per Client, reset (not recreated) between calls so
// its connection cache, DNS cache and TLS sessions survive from one request to the next.

#include "http/client.h"

#include <algorithm>
#include <charconv>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace cairn::http {
namespace {

// curl_global_init is not thread-safe and must run once before the first handle is made.
CURLcode GlobalInit() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return result;
}

bool IsOpenSslBackend() {
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  return info != nullptr && info->ssl_version != nullptr &&
         std::strncmp(info->ssl_version, "OpenSSL", 7) == 0;
}

std::string_view TrimWhitespace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool EqualsIgnoreCaseAscii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool HasLineBreak(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// "host:port" of a URL, for error messages (never the path or query, which may hold secrets).
std::string Authority(const std::string& url) {
  std::string out;
  CURLU* parsed = curl_url();
  if (parsed == nullptr) return url;
  char* host = nullptr;
  char* port = nullptr;
  if (curl_url_set(parsed, CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
      curl_url_get(parsed, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
    out = host;
    if (curl_url_get(parsed, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
      out.append(":").append(port);
    }
  }
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(parsed);
  return out.empty() ? std::string("(unparsable URL)") : out;
}

std::string HostOnly(const std::string& authority) {
  // "[::1]:443" keeps its brackets; "example.com:443" loses the port.
  auto colon = authority.rfind(':');
  if (colon == std::string::npos || authority.find(']', colon) != std::string::npos) {
    return authority;
  }
  return authority.substr(0, colon);
}

size_t OnHeaderLine(char* data, size_t size, size_t count, void* user) {
  size_t length = size * count;
  auto* response = static_cast<ClientResponse*>(user);
  try {
    std::string_view line(data, length);
    if (line.empty()) return length;
    if (line.size() >= 5 && line.substr(0, 5) == "HTTP/") {
      // A new status line starts a new block (after a 1xx or a proxy's CONNECT answer); only
      // the final block describes the response.
      response->headers.clear();
      return length;
    }
    if (line.front() == ' ' || line.front() == '\t') {  // obsolete line folding
      auto more = TrimWhitespace(line);
      if (!response->headers.empty() && !more.empty()) {
        response->headers.back().second.append(" ").append(more);
      }
      return length;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return length;  // the blank line ending the block
    response->headers.emplace_back(std::string(TrimWhitespace(line.substr(0, colon))),
                                   std::string(TrimWhitespace(line.substr(colon + 1))));
    // A body announced by its length is read into room made once, not into a string that doubles
    // (and copies itself) a dozen times on the way to a vendor's megabyte page. Only room, capped:
    // the length is the server's word.
    const auto& [name, value] = response->headers.back();
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (name.size() == 14 && std::equal(name.begin(), name.end(), "content-length",
                                        [&](char a, char b) { return lower(a) == b; })) {
      uint64_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec == std::errc() && end == value.data() + value.size())
        response->body.reserve(static_cast<size_t>(std::min<uint64_t>(n, uint64_t{64} << 20)));
    }
    return length;
  } catch (...) {
    return 0;  // makes curl fail the transfer rather than unwind through C frames
  }
}

size_t OnBodyData(char* data, size_t size, size_t count, void* user) {
  size_t length = size * count;
  try {
    static_cast<std::string*>(user)->append(data, length);
    return length;
  } catch (...) {
    return 0;
  }
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

struct Client::Impl {
  ClientOptions options;
  CURL* curl = nullptr;
  Status init_status;             // a failure here is returned by every Send
  std::vector<X509*> extra_cas;   // parsed once from options.ca_file
  bool use_cainfo_fallback = false;
  char error[CURL_ERROR_SIZE] = {};

  explicit Impl(ClientOptions o) : options(std::move(o)) {
    if (GlobalInit() != CURLE_OK) {
      init_status = Status::Unavailable("libcurl could not be initialised");
      return;
    }
    curl = curl_easy_init();
    if (curl == nullptr) {
      init_status = Status::Unavailable("libcurl could not be initialised");
      return;
    }
    if (!options.ca_file.empty()) LoadExtraCas();
  }

  ~Impl() {
    for (X509* cert : extra_cas) X509_free(cert);
    if (curl != nullptr) curl_easy_cleanup(curl);
  }

  void LoadExtraCas() {
    if (!IsOpenSslBackend()) {
      // Without OpenSSL we cannot add to the store; CURLOPT_CAINFO replaces it instead.
      use_cainfo_fallback = true;
      return;
    }
    BIO* bio = BIO_new_file(options.ca_file.c_str(), "r");
    if (bio == nullptr) {
      init_status = Status::Unavailable("cannot read CA file " + options.ca_file + ": " +
                                        std::strerror(errno));
      ERR_clear_error();
      return;
    }
    while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
      extra_cas.push_back(cert);
    }
    BIO_free(bio);
    ERR_clear_error();  // the loop ends on a "no start line" error at end of file
    if (extra_cas.empty()) {
      init_status =
          Status::Unavailable("CA file " + options.ca_file + " holds no PEM certificate");
    }
  }

  static CURLcode OnSslContext(CURL* /*curl*/, void* ssl_ctx, void* user) {
    auto* self = static_cast<Impl*>(user);
    X509_STORE* store = SSL_CTX_get_cert_store(static_cast<SSL_CTX*>(ssl_ctx));
    for (X509* cert : self->extra_cas) {
      // Fails harmlessly when the certificate is already in the store.
      if (X509_STORE_add_cert(store, cert) != 1) ERR_clear_error();
    }
    return CURLE_OK;
  }

  Status TransportError(CURLcode rc, const ClientRequest& request) const {
    std::string detail = curl_easy_strerror(rc);
    if (error[0] != '\0') detail.append(": ").append(error);
    std::string authority = Authority(request.url);
    switch (rc) {
      case CURLE_COULDNT_RESOLVE_HOST:
        return Status::Unavailable("could not resolve host " + HostOnly(authority), detail);
      case CURLE_COULDNT_RESOLVE_PROXY:
        return Status::Unavailable("could not resolve the proxy host", detail);
      case CURLE_COULDNT_CONNECT: {
        long os_errno = 0;
        curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
        if (os_errno == ECONNREFUSED) {
          return Status::Unavailable("connection refused by " + authority, detail);
        }
        std::string why = os_errno != 0 ? std::strerror(static_cast<int>(os_errno))
                                        : std::string(curl_easy_strerror(rc));
        return Status::Unavailable("could not connect to " + authority + ": " + why, detail);
      }
      case CURLE_OPERATION_TIMEDOUT:
        return Status::Unavailable("request to " + authority + " timed out after " +
                                       std::to_string(request.timeout.count()) + " ms",
                                   detail);
      case CURLE_PEER_FAILED_VERIFICATION:
        return Status::Unavailable("TLS certificate problem with " + authority + ": " +
                                       (error[0] != '\0' ? error : curl_easy_strerror(rc)),
                                   detail);
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CIPHER:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_ISSUER_ERROR:
      case CURLE_SSL_CRL_BADFILE:
      case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      case CURLE_SSL_INVALIDCERTSTATUS:
      case CURLE_USE_SSL_FAILED:
        return Status::Unavailable("TLS error with " + authority + ": " +
                                       (error[0] != '\0' ? error : curl_easy_strerror(rc)),
                                   detail);
      case CURLE_GOT_NOTHING:
        return Status::Unavailable(authority + " closed the connection without a response",
                                   detail);
      case CURLE_SEND_ERROR:
      case CURLE_RECV_ERROR:
      case CURLE_PARTIAL_FILE:
        return Status::Unavailable("connection to " + authority + " failed: " +
                                       (error[0] != '\0' ? error : curl_easy_strerror(rc)),
                                   detail);
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
        return Status::Invalid("cannot request URL (" + std::string(curl_easy_strerror(rc)) +
                               ")");
      default:
        return Status::Unavailable("request to " + authority + " failed: " +
                                       (error[0] != '\0' ? error : curl_easy_strerror(rc)),
                                   detail);
    }
  }
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Client::~Client() = default;

Result<ClientResponse> Client::Send(const ClientRequest& request) {
  Impl& impl = *impl_;
  if (!impl.init_status.ok()) return impl.init_status;

  bool has_expect = false;
  bool has_content_type = false;
  std::unique_ptr<curl_slist, SlistDeleter> header_list;
  auto append = [&header_list](const char* line) {
    curl_slist* head = curl_slist_append(header_list.get(), line);
    if (head == nullptr) return false;  // the list is unchanged and still ours
    header_list.release();
    header_list.reset(head);
    return true;
  };
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || HasLineBreak(name) || HasLineBreak(value) ||
        name.find(':') != std::string::npos) {
      return Status::Invalid("invalid request header \"" + name + "\"");
    }
    has_expect = has_expect || EqualsIgnoreCaseAscii(name, "expect");
    has_content_type = has_content_type || EqualsIgnoreCaseAscii(name, "content-type");
    // curl sends "Name;" as a header with an empty value ("Name:" would remove the header).
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    if (!append(line.c_str())) return Status::Internal("out of memory building request headers");
  }
  bool send_body = !request.body.empty() || request.method == "POST" ||
                   request.method == "PUT" || request.method == "PATCH";
  // Waiting for "100 Continue" costs a round trip (or curl's 1 s timeout) for no gain here.
  bool appended = has_expect || append("Expect:");
  // Otherwise curl labels every body application/x-www-form-urlencoded.
  if (send_body && !has_content_type) appended = appended && append("Content-Type:");
  if (!appended) return Status::Internal("out of memory building request headers");

  CURL* curl = impl.curl;
  curl_easy_reset(curl);
  impl.error[0] = '\0';
  ClientResponse response;

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, impl.error);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, impl.options.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeaderLine);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBodyData);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, impl.options.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, impl.options.verify_tls ? 2L : 0L);
  if (impl.options.verify_tls && !impl.options.ca_file.empty()) {
    if (impl.use_cainfo_fallback) {
      curl_easy_setopt(curl, CURLOPT_CAINFO, impl.options.ca_file.c_str());
    } else {
      curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, &Impl::OnSslContext);
      curl_easy_setopt(curl, CURLOPT_SSL_CTX_DATA, &impl);
      // A cached store would be shared beyond this handle and would skip our additions.
      curl_easy_setopt(curl, CURLOPT_CA_CACHE_TIMEOUT, 0L);
    }
  }

  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (!send_body) {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    if (request.method != "GET") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  } else {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    if (request.method != "POST") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }

  std::unique_ptr<curl_slist, SlistDeleter> resolve_list;
  for (const auto& entry : request.resolve) {
    if (entry.find_first_of("\r\n") != std::string::npos) return Status::Invalid("a resolve entry contains a line break");
    curl_slist* head = curl_slist_append(resolve_list.get(), entry.c_str());
    if (!head) return Status::Internal("out of memory building the resolve list");
    resolve_list.release();
    resolve_list.reset(head);
  }
  if (resolve_list) curl_easy_setopt(curl, CURLOPT_RESOLVE, resolve_list.get());

  CURLcode rc = curl_easy_perform(curl);
  // The handle keeps pointers to these until the next reset; drop them now.
  curl_easy_setopt(curl, CURLOPT_RESOLVE, static_cast<curl_slist*>(nullptr));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(nullptr));
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, static_cast<void*>(nullptr));
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, static_cast<void*>(nullptr));
  if (rc != CURLE_OK) return impl.TransportError(rc, request);

  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace cairn::http
