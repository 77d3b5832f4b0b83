// The Hudu-compatible REST API v1 (reference/hudu-api.md) and Cairn's own endpoints under
// /api/v1, plus GET /healthz. Start here; each resource lives in its own .cpp file.
//
// Api::Handle is thread-safe and never throws: every failure becomes a JSON error response with
// the status code clients expect (401 Bad credentials, 403 scope, 404 not found, 422 validation
// with details naming each field, 429 Retry later).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/crypto.h"
#include "http/message.h"
#include "store/store.h"

namespace cairn::sync {
class Engine;
}

namespace cairn::api {

class WebhookDispatcher;

struct ApiOptions {
  // Requests per minute per API key; 0 = unlimited. Hudu's own limit is 300.
  int rate_limit_per_minute = 300;
  // Deepest JSON nesting accepted in a request body.
  int max_json_depth = 32;
  // The public base URL, used in record URLs ("full_url"); "" = relative URLs only.
  std::string base_url;
  // How long an authenticated key is remembered before it is read from the store again (so a
  // revoked key stops working within this time).
  int64_t key_cache_ms = 2000;
  // Keep rendered company pages while the companies table is unchanged. Only takes effect on the
  // embedded SQLite store, where this process sees every write.
  bool response_cache = true;
  // An extra CA (PEM file) that vendor connections trust besides the system store, for vendors
  // (or simulators) whose certificates a private CA signed. "" = the system store only.
  std::string vendor_ca_file;
  // The sync engine that runs integrations; null = runs cannot be started (they answer 503).
  sync::Engine* engine = nullptr;
  // Webhook targets in private, loopback or link-local ranges are refused unless one of these
  // CIDRs holds them (cairn serve --webhook-allow).
  std::vector<std::string> webhook_allow;
  // An extra CA (PEM file) that webhook deliveries trust besides the system store.
  std::string webhook_ca_file;
  // The webhook dispatcher (webhooks.h), woken after a redeliver; null = it polls on its own.
  WebhookDispatcher* webhook_dispatcher = nullptr;
};

class Api {
 public:
  // The store, cipher and clock must outlive the Api.
  Api(store::Store& store, const Cipher& cipher, const Clock& clock, ApiOptions options);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // Answers one request. Routes outside /api/v1 and /healthz are not handled here: the caller
  // gets nullopt and may serve them elsewhere.
  std::optional<http::Response> Handle(http::Request& request);
  // Answers one /api/v1 request for a signed-in user of the web UI (src/web) instead of an API
  // key: the same routes and checks, rights from the user's role, every company, passwords
  // readable, no rate limit; the activity log names the user with app type "web". The user must
  // be one the caller has just read from the store (not archived).
  http::Response HandleAs(http::Request& request, const User& user);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::api
