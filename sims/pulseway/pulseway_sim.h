// A fake Pulseway RMM REST API v3 server, for Cairn's connector tests, the benchmarks and the demo
// (issue 3). It speaks Pulseway's wire protocol as ../shared/reference/syncro-pulseway-revio.md
// section 2 records it: HTTP Basic with a token id and secret, the `{"Data": ..., "Meta": {...}}`
// envelope on every answer, `$top` (max 100, default 100) / `$skip` paging with
// `Meta.TotalCount`, a small OData `$filter` subset, thin device lists with the detail on
// `/devices/{id}`, and serials on `/assets` (under `AssetInfo` "BIOS" "Serial Number"). Records
// are the seeded `Fleet` (sims/common/fleet.h) mapped into Pulseway's shapes, computed per request
// and read through a `Tenant` (sims/common/tenant.h) that holds the changes made with the control
// API.
//
// Served under /api/v3 (the self-hosted form of the base URL; the SaaS host serves /v3):
// GET /environment, /organizations (+ /{id}), /sites (+ /{id}), /groups (+ /{id}), /devices
// (+ /{id}), /assets (+ /{id}), and /{organizations|sites|groups|devices}/{id}/customfields
// (always empty). Everything else is 404 "Entity is not found.".
//
// Hierarchy: organization = tenant company; its sites are the company's live tenant sites, or,
// when it has none (no fleet sites, or all deleted through the control API), one "Default Site",
// as Pulseway always has one; each site holds one group, "Managed Devices"; device index i sits
// in the company's (i mod live sites)-th live site, so adding or deleting a site may move
// devices, as re-homing them would at Pulseway.
//
// Ids: organizations, sites and groups have integer ids derived from (company, index) alone, so
// they survive restarts and do not depend on the seed: organization = 100 + company; site =
// (company + 1) * 20,000,000 + index (index < 9,999,999); the Default Site takes the reserved
// index 9,999,999 so that it never collides with a site added later; group = site + 10,000,000.
// Devices and assets share a lowercase GUID `Identifier` that encodes (company, index) in its
// last 16 hex digits (32 bits each) behind a hash of the two. Records added through the control
// API (company slots past the seeded count, indices past the per-company count) use the same
// schemes; deleted records answer 404.
//
// Control API (sims/common/control.h): kinds `organizations`, `sites`, `devices` (also `assets`,
// the same records); ids as in Pulseway's JSON (integers; GUID strings for devices). Mutating a
// device moves its asset `LastUpdated` and `LastSeenOnline` to the mutation time (the only
// update stamps Pulseway exposes; organizations and sites carry none). 429s use the error
// envelope (`Meta.ResponseCode` 429) with `Retry-After`.
//
// Rate limit: not documented by Pulseway; the only figure, 60/min, is a third-party client's
// assumption (uncertain), so the default is 0 (off) and `rate_limit_per_minute` sets one.
//
// `$filter` subset (our scoping; Pulseway's grammar is not documented): `eq`, `ne`, `and`, `or`,
// parentheses, `contains(a, b)`, `tolower(x)`, string literals in single quotes ('' escapes a
// quote), integers, `true`, `false`, `null`, on the properties each endpoint lists as filterable.
// Anything else (another operator or function, an unlisted property, a syntax error) is 400 with
// the error envelope. Comparison of strings is case-sensitive (OData's rule; Pulseway's SQL
// collation may well be case-insensitive, uncertain), hence the vendor's own `tolower` examples.
// A filter is evaluated by scanning the whole list, fine for tests and demos.
//
// Not yet implemented (issue 3): `$orderby`, `scopeId`, token scoping to selected
// organizations, the device sub-resources (notifications, antivirus, appliedpolicies), the group
// `Packages` list.
//
// Thread-safe: Handle may run on many threads at once.
#pragma once

#include <string>

#include "http/message.h"
#include "sims/common/control.h"
#include "sims/common/fleet.h"
#include "sims/common/tenant.h"

namespace cairn::sims::pulseway {

struct PulsewaySimOptions {
  // The one valid API token, sent as `Authorization: Basic base64(token_id:token_secret)`.
  std::string token_id = "sim-pulseway-token-id";
  std::string token_secret = "sim-pulseway-token-secret";
  // Shown by /environment.
  std::string customer_name = "Cairn Sim MSP";
  // `$top` above 100: the reference gives only "max 100" (uncertain whether larger values are
  // refused or capped). Capping is the likelier for an OData-style API; true answers 400 instead.
  bool refuse_top_above_max = false;
  // Requests per minute per remote address; 0 = unlimited. Pulseway documents none (see above).
  int rate_limit_per_minute = 0;
  // X-Sim-Token of the control API; empty disables it.
  std::string control_token = "sim-control-token";
  FleetOptions fleet;
};

class PulsewaySim {
 public:
  explicit PulsewaySim(PulsewaySimOptions options);

  const PulsewaySimOptions& options() const { return o_; }

  // Answers one request as Pulseway would (and /_sim/ control requests). Never throws.
  http::Response Handle(const http::Request& request);

  Tenant& tenant() { return tenant_; }
  SimControl& control() { return control_; }

  static constexpr int kMaxTop = 100;

 private:
  http::Response HandleVendor(const http::Request& request) const;

  PulsewaySimOptions o_;
  Tenant tenant_;
  SimControl control_;
};

}  // namespace cairn::sims::pulseway
