// A fake HaloPSA REST API server, for Cairn's connector tests, the benchmarks and the demo
// (issue 3). It speaks Halo's wire protocol as ../shared/reference/connectwise-halo.md part B
// records it: OAuth2 client credentials at /auth/token (form body, `?tenant=`, scopes, expiring
// tokens), Bearer tokens on /api, `pageinate`/`page_size`/`page_no`/`count` with
// `{record_count, <key>: [...]}` wrappers, the bare-array AssetType list, `includeinactive` /
// `includeactive`, `client_id` filters, `includeassetfields`, and the decimal `client_id` on
// Site lists. Records are the seeded `Fleet` (sims/common/fleet.h) mapped into Halo's shapes,
// computed per request.
//
// Served: POST /auth/token; GET /api/Client, /api/Client/{id}, /api/Site, /api/Site/{id},
// /api/Users, /api/Users/{id}, /api/Asset, /api/Asset/{id}, /api/AssetType. Resource names are
// case-insensitive, as at Halo. Everything else is 404.
//
// Ids are stable integers derived from (company, index) alone: client = 100 + company; site, user
// and asset = (company + 1) * 10,000,000 + index.
//
// Not yet implemented (issue 3): the /_sim/ control API, POST-array upserts and DELETE (KBArticle,
// FAQLists), /api/authinfo, `search`, `order`, `site_id`/`toplevel_id`/`assettype_id` filters,
// `includedetails`, 429 injection. Lists scan the fleet per request (fine for demo sizes, slow
// for a million devices).
//
// Thread-safe: only the token table changes after construction, behind a mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include "http/message.h"
#include "sims/common/fleet.h"

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
  // Clock for token expiry; null = std::chrono::steady_clock::now. Tests inject their own.
  std::function<std::chrono::steady_clock::time_point()> clock;
  FleetOptions fleet;
};

class HaloSim {
 public:
  explicit HaloSim(HaloSimOptions options);

  const HaloSimOptions& options() const { return o_; }

  // Answers one request as Halo would. Never throws. Thread-safe.
  http::Response Handle(const http::Request& request);

 private:
  http::Response Token(const http::Request& request);
  bool BearerValid(const http::Request& request);
  std::chrono::steady_clock::time_point Now() const;

  HaloSimOptions o_;
  Fleet fleet_;
  std::mutex mu_;
  uint64_t issued_ = 0;                                                      // guarded by mu_
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> tokens_;  // guarded by mu_
};

}  // namespace cairn::sims::halo
