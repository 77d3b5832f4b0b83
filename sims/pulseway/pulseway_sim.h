// A fake Pulseway RMM REST API v3 server, for Cairn's connector tests, the benchmarks and the demo
// (issue 3). It speaks Pulseway's wire protocol as ../shared/reference/syncro-pulseway-revio.md
// section 2 records it: HTTP Basic with a token id and secret, the `{"Data": ..., "Meta": {...}}`
// envelope on every answer, `$top` (max 100, default 100) / `$skip` paging with
// `Meta.TotalCount`, a small OData `$filter` subset, thin device lists with the detail on
// `/devices/{id}`, and serials on `/assets` (under `AssetInfo` "BIOS" "Serial Number"). Records
// are the seeded `Fleet` (sims/common/fleet.h) mapped into Pulseway's shapes, computed per request.
//
// Served under /api/v3 (the self-hosted form of the base URL; the SaaS host serves /v3):
// GET /environment, /organizations (+ /{id}), /sites (+ /{id}), /groups (+ /{id}), /devices
// (+ /{id}), /assets (+ /{id}), and /{organizations|sites|groups|devices}/{id}/customfields
// (always empty). Everything else is 404 "Entity is not found.".
//
// Hierarchy: organization = fleet company; each company has max(1, sites_per_company) sites (a
// company without fleet sites gets one "Default Site", as Pulseway always has one); each site
// holds one group, "Managed Devices"; device i of a company sits in site i % sites.
//
// Ids: organizations, sites and groups have integer ids derived from (company, index) alone, so
// they survive restarts and do not depend on the seed: organization = 100 + company; site =
// (company + 1) * 20,000,000 + index; group = site + 10,000,000. Devices and assets share a
// lowercase GUID `Identifier` that encodes (company, index) in its last 16 hex digits behind a
// hash of the two.
//
// `$filter` subset (our scoping; Pulseway's grammar is not documented): `eq`, `ne`, `and`, `or`,
// parentheses, `contains(a, b)`, `tolower(x)`, string literals in single quotes ('' escapes a
// quote), integers, `true`, `false`, `null`, on the properties each endpoint lists as filterable.
// Anything else (another operator or function, an unlisted property, a syntax error) is 400 with
// the error envelope. Comparison of strings is case-sensitive (OData's rule; Pulseway's SQL
// collation may well be case-insensitive, uncertain), hence the vendor's own `tolower` examples.
// A filter is evaluated by scanning the whole list, fine for tests and demos.
//
// Not yet implemented (issue 3): the /_sim/ control API, `$orderby`, `scopeId`, token scoping
// to selected organizations, a rate limit (undocumented; 60/min assumed by one client), the
// device sub-resources (notifications, antivirus, appliedpolicies), the group `Packages` list.
//
// Thread-safe: immutable after construction; Handle may run on many threads at once.
#pragma once

#include <string>

#include "http/message.h"
#include "sims/common/fleet.h"

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
  FleetOptions fleet;
};

class PulsewaySim {
 public:
  explicit PulsewaySim(PulsewaySimOptions options);

  const PulsewaySimOptions& options() const { return o_; }

  // Answers one request as Pulseway would. Never throws. Thread-safe.
  http::Response Handle(const http::Request& request) const;

  static constexpr int kMaxTop = 100;

 private:
  PulsewaySimOptions o_;
  Fleet fleet_;
};

}  // namespace cairn::sims::pulseway
