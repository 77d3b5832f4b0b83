// The simulators' control API (not part of any vendor API) and the faults it injects, shared by
// every vendor simulator. A simulator routes every request through SimControl::Handle:
//
//   POST /_sim/mutate  {"kind": K, "action": "add|rename|update|deactivate|activate|delete",
//                       "count": N | "ids": [...], "company_id": ID?}
//                      -> {"kind": K, "action": A, "ids": [...touched...]}
//   POST /_sim/faults  {"latency_ms", "p429", "retry_after_s", "p5xx", "preset", "ptruncate",
//                       "ptimeout", "timeout_ms", "token_ttl_s", "rate_limit_per_min"}
//                      (each optional; {} clears them all) -> the faults now in force
//   GET  /_sim/faults  -> the faults now in force
//   GET  /_sim/stats   -> {"requests": N, "by_path": {"GET /api/v1/customers": {"200": 3}}, ...}
//   POST /_sim/reset   -> back to the seed; faults and stats cleared too
//
// Authenticated by the `X-Sim-Token` header (401 when missing or wrong). Kinds are named as the
// vendor names them and ids are the vendor's ids: the vendor supplies that mapping (Vocabulary).
// Errors are 400/404 with {"error": "..."} naming the field.
//
// For every other request, in this order: the rate limit (the vendor's documented limit per
// client address, or `rate_limit_per_min` from faults; 0 = off), injected 429 and 5xx, latency,
// then the vendor's handler, whose answer may then be cut short (truncated body), replaced by a
// dropped connection (reset), or held for `timeout_ms` (timeout). Paths are counted in the stats
// with numeric and GUID segments shown as {id}.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/json/value.hpp>

#include "http/message.h"
#include "sims/common/tenant.h"

namespace cairn::sims {

struct Faults {
  int latency_ms = 0;       // added to every vendor request
  double p429 = 0;          // share of requests answered 429 (with Retry-After)
  int retry_after_s = 1;    // Retry-After on injected and rate-limit 429s
  double p5xx = 0;          // share answered 503
  double preset = 0;        // share whose connection is dropped without an answer
  double ptruncate = 0;     // share whose body is cut in half (Content-Length still whole)
  double ptimeout = 0;      // share held for timeout_ms, then dropped
  int timeout_ms = 30000;
  std::optional<int> token_ttl_s;         // vendors with tokens: lifetime of newly issued ones
  std::optional<int> rate_limit_per_min;  // overrides the vendor's limit; 0 = off
};

// What the control API needs to know of a vendor.
struct Vocabulary {
  // The vendor's name for a kind ("configurations") -> kind; nullopt for names it does not know.
  std::function<std::optional<RecordKind>(const std::string&)> kind;
  // The vendor's id of a record (as it appears in the vendor's JSON) -> key; nullopt if the id
  // cannot name a record of that kind (the tenant then decides whether it is live).
  std::function<std::optional<RecordKey>(RecordKind, const boost::json::value&)> key;
  // Key -> the vendor's id.
  std::function<boost::json::value(RecordKind, RecordKey)> id;
  // The vendor's 429 answer (body, headers) given the seconds to wait.
  std::function<http::Response(int retry_after_s)> too_many_requests;
  // The vendor's documented or assumed per-client limit; 0 = none.
  int rate_limit_per_min = 0;
};

class SimControl {
 public:
  // `token` empty: the control API answers 404 (disabled). `random_seed` drives fault sampling.
  SimControl(std::string token, Tenant* tenant, Vocabulary vocabulary, uint64_t random_seed = 1);
  ~SimControl();

  using VendorHandler = std::function<http::Response(const http::Request&)>;
  http::Response Handle(const http::Request& request, const VendorHandler& vendor);

  Faults faults() const;
  // Wakes requests being held by a timeout fault (call before stopping the server).
  void Interrupt();
  // Clock for the rate limiter; null = steady_clock. Tests inject their own.
  void SetClock(std::function<std::chrono::steady_clock::time_point()> clock);

 private:
  http::Response Control(const http::Request& request);
  http::Response Mutate(const http::Request& request);
  http::Response SetFaults(const http::Request& request);
  http::Response Stats();
  bool Admit(const std::string& remote_ip, int limit_per_min, int* retry_after_s);
  double Draw();
  void Count(const http::Request& request, int status);

  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point at;
  };

  const std::string token_;
  Tenant* const tenant_;
  const Vocabulary vocabulary_;
  std::function<std::chrono::steady_clock::time_point()> clock_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  uint64_t generation_ = 0;  // bumped by Interrupt/faults/reset; ends held requests
  Faults faults_;                                           // guarded by mu_
  uint64_t rng_;                                            // guarded by mu_
  std::unordered_map<std::string, Bucket> buckets_;         // guarded by mu_
  std::map<std::string, std::map<int, int64_t>> by_path_;   // guarded by mu_
  int64_t requests_ = 0;                                    // guarded by mu_
  int64_t injected_ = 0;                                    // guarded by mu_
};

}  // namespace cairn::sims
