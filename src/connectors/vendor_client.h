// A vendor's HTTP API as every connector calls it (DESIGN.md section 2, "polite client"): HTTPS
// through http::Client with the server's extra CA (`--ca-file`), and one retry policy:
//   - 429: wait what Retry-After says (seconds, capped by max_wait), else back off;
//   - 5xx and transport failures (refused, reset, timed out, cut-short bodies): exponential
//     backoff with full jitter, starting at first_backoff;
//   - any other status is final and returned to the caller (never retried).
// Messages are for people: they name the vendor, the call, the status and the likely fix.
//
// A VendorClient is used by one thread at a time (it holds one http::Client).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "core/status.h"
#include "http/client.h"

namespace cairn::connectors {

struct VendorClientOptions {
  std::string vendor = "the vendor";  // display name used in messages: "ConnectWise PSA"
  std::string ca_file;                // extra CA to trust; "" = the system store only
  std::chrono::milliseconds timeout{30000};
  int max_attempts = 6;  // per call, the first included
  std::chrono::milliseconds first_backoff{500};
  std::chrono::milliseconds max_wait{60000};  // cap on one wait, Retry-After included
  // How to wait; null = sleep this thread. Tests record the waits instead. A connector may send
  // from several threads at once (each with its own VendorClient), so this may be called
  // concurrently.
  std::function<void(std::chrono::milliseconds)> sleep;
  uint64_t jitter_seed = 0;  // 0 = random
};

class VendorClient {
 public:
  explicit VendorClient(VendorClientOptions options);
  ~VendorClient();

  const VendorClientOptions& options() const { return o_; }

  // Sends with retries. `what` names the call in messages ("GET /company/companies"), never the
  // host's secrets. Answers the final response whatever its status; Unavailable (message naming
  // the vendor, the call and the cause, with a likely fix) when the transport failed every time.
  Result<http::ClientResponse> Send(const http::ClientRequest& request, std::string_view what);

  // Attempts sent, retries included; read from other threads while a listing runs (the engine
  // lists on a thread of its own).
  int64_t requests() const { return requests_.load(std::memory_order_relaxed); }
  int64_t retries() const { return retries_.load(std::memory_order_relaxed); }

 private:
  std::chrono::milliseconds Backoff(int attempt);

  VendorClientOptions o_;
  std::unique_ptr<http::Client> http_;
  uint64_t rng_;
  std::atomic<int64_t> requests_{0};
  std::atomic<int64_t> retries_{0};
};

// What a 401, 403 or 429 most likely means for one vendor and call.
struct Hints {
  std::string_view unauthorized;
  std::string_view forbidden;
  std::string_view rate_limited;
};

// Sends (with retries) and reads a JSON answer: the JSON of a 2xx, StatusError with the matching
// hint otherwise, Unavailable when the body is not JSON.
Result<boost::json::value> SendForJson(VendorClient& client, const http::ClientRequest& request,
                                       std::string_view what, const Hints& hints);
// As SendForJson, answering the body of a 2xx as it came (for connectors that read it raw).
Result<std::string> SendForBody(VendorClient& client, const http::ClientRequest& request, std::string_view what,
                                const Hints& hints);

// The error for a final non-2xx answer: "<vendor>: <what> answered <status> <reason> (<body
// excerpt>). <hint>". The code follows the status: 401 Unauthorized, 403 Forbidden, 404 NotFound,
// 400/422 InvalidArgument, anything else Unavailable.
Status StatusError(const std::string& vendor, std::string_view what, const http::ClientResponse& r,
                   std::string_view hint);

// The likely fix for a transport failure's message (DNS, TLS, refused, timeout); "" if none.
std::string TransportHint(std::string_view message);

// At most `n` bytes of a response body, on one line, for messages and logs.
std::string Excerpt(std::string_view body, size_t n = 200);

}  // namespace cairn::connectors
