// A fake HaloPSA REST API server, for Cairn's connector tests, the benchmarks and the demo
// (issue 3). It speaks Halo's wire protocol as ../shared/reference/connectwise-halo.md part B
// records it: OAuth2 client credentials at /auth/token (form body, `?tenant=`, scopes, expiring
// tokens), anonymous auth discovery at /api/authinfo, Bearer tokens on /api,
// `pageinate`/`page_size`/`page_no`/`count` with `{record_count, <key>: [...]}` wrappers, the
// bare-array AssetType and FAQLists lists, `includeinactive` / `includeactive`, `search`,
// `order`/`orderdesc`, `client_id`, `site_id`, `toplevel_id`, `assettype_id` filters,
// `includeassetfields`, the decimal `client_id` on Site lists, and POST-array upserts with DELETE
// for KBArticle and FAQLists. Records are the seeded `Fleet` (sims/common/fleet.h) mapped into
// Halo's shapes, computed per request and read through a `Tenant` (sims/common/tenant.h) that
// holds the changes made with the control API.
//
// Served: POST /auth/token; GET /api/authinfo (no token); GET /api/Client (+ /{id}), /api/Site
// (+ /{id}), /api/Users (+ /{id}), /api/Asset (+ /{id}), /api/ClientContract (+ /{id}),
// /api/AssetType; GET, POST (array upsert) and DELETE /{id} on /api/KBArticle and /api/FAQLists.
// Resource and parameter names are case-insensitive, as at Halo. Everything else is 404.
//
// Ids are stable integers derived from (company, index) alone: client = 100 + company; site, user,
// asset and contract = (company + 1) * 10,000,000 + index. Records added through the control API
// (company slots past the seeded count, indices past the per-company count) use the same scheme;
// deleted ones answer 404. KB articles and FAQ lists are numbered from 1 in creation order.
//
// Filters (our reading of reference B5; Halo documents the names, not the semantics):
//   search        case-insensitive substring of the name (Client, Site, Users: name or email,
//                 Asset: inventory_number or key fields, ClientContract: ref, KBArticle: name,
//                 FAQLists: name);
//   order[2-5] / orderdesc[2-5]   sort by the named field (strings case-insensitively), then id;
//   client_id     Site, Users, Asset, ClientContract (an unknown client matches nothing);
//   site_id       Users, Asset, ClientContract;
//   toplevel_id   Client, Site (the client's top level: 1 Clients, 2 Prospects, 3 Partners);
//   assettype_id  Asset (1..7 as /api/AssetType lists them);
//   faqlists      KBArticle (articles filed in that FAQ list); type, level, parent_id on FAQLists.
// Single GETs always carry full detail (asset `fields[]`), as if `includedetails=true` were sent.
// Lists with no filter but the activity ones (active only by default, inactive only, or all) and
// no order cost only their page (the tenant's activity index); other filters and orders walk the
// tenant per request.
//
// KB upserts: `POST /api/KBArticle` (or FAQLists) takes a JSON array of objects (a bare object is
// taken as a one-element array); an object without `id`, or with id 0 or -1, is created, one with
// a known id is updated with the fields it carries; an unknown positive id is 400 (uncertain:
// Halo's answer is not recorded), as is an article created without `name`. The answer is 201 with
// the saved record, or an array of them when several were posted (reference B3, uncertain).
// `description` and `description_html` are kept equal (whichever was written last). DELETE answers
// 200 with an empty body (uncertain). These records live in memory and /_sim/reset clears them.
//
// Control API (sims/common/control.h) kinds: `clients`, `sites`, `users`, `assets`, `contracts`;
// ids are Halo's integer ids (a decimal such as 112.0 is accepted). Mutations move `alastupdate`,
// `slastupdate`, `ulastupdate`, `dlastupdate`/`last_modified` and the contracts' `last_modified`.
// The `token_ttl_s` fault gives newly issued tokens that real lifetime while `expires_in` still
// claims `token_ttl_s` of the options: tokens expire early, as a revoked or rotated key would make
// them. 429s (injected or rate limit) are `{"Message": ...}` with `Retry-After` (read by some
// clients, not documented by Halo: uncertain).
//
// Rate limit: Halo returns 429 but documents no figure; the only one, 500 requests per rolling 3
// minutes, is a third-party client's claim (uncertain), so the default is 0 (off) and
// `rate_limit_per_minute` sets one (166 approximates that claim).
//
// Not yet implemented (issue 3): `advanced_search`, `idonly`, `activeinactive`, `includeaddress`,
// `includeuser`, `assetgroup_id`, `username`, `inventory_number` filters, incremental
// `lastupdatefromdate`, writes on resources other than KBArticle and FAQLists.
//
// Thread-safe: the token table and the KB store change after construction, each behind a mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "http/message.h"
#include "sims/common/control.h"
#include "sims/common/fleet.h"
#include "sims/common/tenant.h"

namespace cairn::sims::halo {

struct HaloSimOptions {
  // The one registered application (Configuration > Integrations > HaloPSA API).
  std::string client_id = "sim-halo-client-id";
  std::string client_secret = "sim-halo-client-secret";
  // Hosted Halo needs `?tenant=` on the token request; an empty value models self-hosted Halo,
  // where the parameter is ignored.
  std::string tenant = "cairn-sim";
  // Lifetime of issued tokens (`expires_in`); 3600 in practice at Halo.
  int token_ttl_s = 3600;
  // Page size when `pageinate=true` comes without `page_size` (not documented; uncertain).
  int default_page_size = 50;
  // `auth_url` answered by /api/authinfo; empty = "https://{Host header}/auth".
  std::string auth_url;
  // Requests per minute per remote address; 0 = unlimited (see the rate limit note above).
  int rate_limit_per_minute = 0;
  // X-Sim-Token of the control API; empty disables it.
  std::string control_token = "sim-control-token";
  // Clock for token expiry; null = std::chrono::steady_clock::now. Tests inject their own.
  std::function<std::chrono::steady_clock::time_point()> clock;
  FleetOptions fleet;
};

class HaloSim {
 public:
  explicit HaloSim(HaloSimOptions options);
  ~HaloSim();

  const HaloSimOptions& options() const { return o_; }

  // Answers one request as Halo would (and /_sim/ control requests). Never throws. Thread-safe.
  http::Response Handle(const http::Request& request);

  Tenant& tenant() { return tenant_; }
  SimControl& control() { return control_; }

  struct Knowledge;  // the KB articles and FAQ lists written through the API

 private:
  http::Response HandleVendor(const http::Request& request);
  http::Response Token(const http::Request& request);
  http::Response AuthInfo(const http::Request& request) const;
  http::Response Kb(const http::Request& request, const std::string& resource, const std::string& id);
  bool BearerValid(const http::Request& request);
  std::chrono::steady_clock::time_point Now() const;

  HaloSimOptions o_;
  Tenant tenant_;
  SimControl control_;
  std::mutex mu_;
  uint64_t issued_ = 0;                                                      // guarded by mu_
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> tokens_;  // guarded by mu_
  std::mutex kb_mu_;
  std::unique_ptr<Knowledge> kb_;  // guarded by kb_mu_
};

}  // namespace cairn::sims::halo
