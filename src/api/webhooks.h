// Outgoing webhooks (issue 5): changes in Cairn POSTed to the URLs administrators configure
// (`/api/v1/webhooks`, routes in webhooks.cpp), for receivers such as Rev.io that re-read the
// record through the API.
//
// The outbox: every activity-log entry that is a webhook event writes a `webhook_events` row in
// the same transaction as the change (store::Store::SetWebhookOutbox, on while any webhook is
// active), so a crash can neither lose the event of a committed change nor send one for a change
// rolled back. The dispatcher (below) fans each event out into a delivery per webhook that wants
// it and sends each webhook's deliveries in order, one at a time, on a thread of its own: signed
// (HMAC-SHA256 over "<timestamp>.<body>" in X-Cairn-Signature), retried with exponential backoff
// and jitter (first retry within seconds) for up to a day on network errors, timeouts, 408, 429
// and 5xx, given up at once on any other 4xx. Every attempt is kept (status, latency, an excerpt
// of the answer). API requests never wait for a receiver.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "core/crypto.h"
#include "core/status.h"
#include "store/store.h"

namespace cairn::api {

struct WebhookOptions {
  ApiOptions api;  // base_url (record URLs, $HUDU_URL), webhook_allow, webhook_ca_file
  std::chrono::milliseconds poll{200};
  std::chrono::milliseconds timeout{10000};   // one attempt, connecting included
  std::chrono::milliseconds first_retry{2000};
  std::chrono::milliseconds max_retry{3600000};
  std::chrono::hours give_up_after{24};
  std::chrono::hours keep{24 * 30};  // settled events, deliveries and attempts are kept this long
};

// Checks a webhook target: http or https with a host, and every address the host resolves to
// outside private, loopback, link-local and other special ranges unless one of `allow` (CIDRs,
// --webhook-allow) holds it; plain http only to such allowed addresses. InvalidArgument with a
// message naming the field ("url: ...") otherwise.
Status CheckWebhookTarget(std::string_view url, const std::vector<std::string>& allow);

// The $VARIABLES of a payload template, with what each stands for.
const std::vector<std::pair<std::string_view, std::string_view>>& WebhookTemplateVariables();

class WebhookDispatcher {
 public:
  // The store, cipher and clock must outlive the dispatcher.
  WebhookDispatcher(store::Store& store, const Cipher& cipher, const Clock& clock, WebhookOptions options);
  ~WebhookDispatcher();  // stops
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  // Starts the worker thread (turning the outbox on at once when a webhook is active).
  Status Start();
  // Stops taking new deliveries and waits for those being sent.
  void Stop();
  // Looks for work now rather than at the next poll (after a redeliver, say).
  void Wake();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::api
