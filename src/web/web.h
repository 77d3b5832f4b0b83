// The web UI: server-rendered HTML pages for people (sign-in at /login, the documentation, and
// Admin > Integrations at /admin/integrations). Every page reads and writes through the same
// code as the API (api::Api::HandleAs, as the signed-in user), so a rule or a validation message
// is never written twice. Static files (htmx, Pico CSS, Cairn's own CSS and JS) are built into
// the binary and served from /static/.
//
// Security: sessions are random tokens in Secure, HttpOnly, SameSite=Lax "__Host-" cookies (the
// store keeps only their hash; a new password or an archive ends a user's sessions); every POST carries a CSRF token tied to the session (and the sign-in form one
// tied to a pre-session cookie) and a same-origin Origin header when the browser sends one; failed
// sign-ins lock the address out for a while; pages are sent with a strict Content-Security-Policy
// (scripts and styles from /static/ only) and may not be framed. Article HTML is shown through an
// allow-list sanitizer (html.h SanitizeHtml). A run's live progress stream lasts a minute at most
// (the browser reconnects, and the session is checked again).
//
// Thread-safe: Handle may be called from every server thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "api/api.h"
#include "core/clock.h"
#include "http/message.h"
#include "store/store.h"

namespace cairn::web {

struct WebOptions {
  // A session ends after this long without a request, and in any case this long after sign-in.
  int64_t session_idle_ms = 8LL * 3600 * 1000;
  int64_t session_max_ms = 7LL * 24 * 3600 * 1000;
  // After `max_failures` failed sign-ins for one address within `failure_window_ms`, sign-in
  // for it is refused for `lockout_ms`.
  int max_failures = 5;
  // The same for one network address, whatever email it tries.
  int max_failures_per_address = 20;
  int64_t failure_window_ms = 15LL * 60 * 1000;
  int64_t lockout_ms = 15LL * 60 * 1000;
  // How often a running sync's page is sent new progress (server-sent events).
  int64_t progress_every_ms = 500;
};

class Web {
 public:
  // The store, clock and api must outlive the Web.
  Web(store::Store& store, const Clock& clock, api::Api& api, WebOptions options = {});
  ~Web();
  Web(const Web&) = delete;
  Web& operator=(const Web&) = delete;

  // Answers the UI's routes ("/", "/login", "/static/...", "/companies...", "/admin/...");
  // nullopt for any other path.
  std::optional<http::Response> Handle(http::Request& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::web
