// A fake Rev.io PSA as Cairn meets it (issue 5; ../shared/seeds/ Rev.io guide, reference
// syncro-pulseway-revio.md section 3): the other direction from the vendor simulators. Cairn
// never calls Rev.io; Rev.io is given Cairn's base URL and the API key of a service account,
// pushes its customers into Cairn, and hears of company changes through a webhook from Cairn,
// after which it re-reads the company through the API.
//
// Customers: the seeded fleet's companies (sims/common/fleet.h), with ids "RV-<100000 + index>",
// plus those added through the control API. What the real Rev.io sends is not documented
// (uncertain): the simulator uses Cairn's own contract, Hudu's company fields plus
// `integration_slug: "revio"` and `id_in_integration: <customer id>` (docs/API.md).
//
// Pushing one customer: a company Cairn already links to the customer id (GET
// /api/v1/companies?id_in_integration=&integration_slug=revio) is updated; otherwise one of the
// same name (case-insensitive) is matched: linked and updated; otherwise one is created, linked.
// The first push is a "sync"; a customer added later is pushed on its own, as Rev.io's customer
// profile "Sync" button does.
//
// The webhook: any POST outside /_sim/ is taken as Cairn's webhook. It is answered 200 at once
// (or the status a control call asked for) and recorded: the event, the company id and name it
// names, whether the X-Cairn-Signature matches the shared secret, and, a moment later, the
// company's name as re-read through the API.
//
// Control API (X-Sim-Token; an empty token disables it):
//   POST /_sim/connect   {"base_url", "api_key", "webhook_secret"}   what the guide's form asks
//   POST /_sim/sync                      pushes every customer; answers {"created", "matched", "updated", "failed", "errors"}
//   POST /_sim/customers {"name", ...}   adds a customer and pushes it; answers it with its company id
//   GET  /_sim/customers                 the customers and the Cairn company each is linked to
//   GET  /_sim/received                  the webhooks received, in order
//   POST /_sim/answer    {"statuses": [503, ...]}   the next webhook answers (then 200)
//
// Thread-safe: Handle may run on many threads at once.
#pragma once

#include <memory>
#include <string>

#include "http/message.h"
#include "sims/common/fleet.h"

namespace cairn::sims::revio {

struct RevioSimOptions {
  FleetOptions fleet;
  // X-Sim-Token of the control API; empty disables it.
  std::string control_token = "sim-control-token";
  // An extra CA for Cairn's certificate when Cairn serves HTTPS; "" = the system store.
  std::string ca_file;
};

class RevioSim {
 public:
  explicit RevioSim(RevioSimOptions options);
  ~RevioSim();
  RevioSim(const RevioSim&) = delete;
  RevioSim& operator=(const RevioSim&) = delete;

  http::Response Handle(const http::Request& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::sims::revio
