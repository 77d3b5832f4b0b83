// A fake Syncro (SyncroMSP) REST API v1 server, for Cairn's connector tests, the benchmarks and
// the demo (issue 3). It speaks Syncro's wire protocol as ../shared/reference/syncro-pulseway-revio.md
// section 1 records it: the three API key forms, `page` paging with a `meta` object, a page size
// per resource, `include_disabled`, the unwrapped contact detail, RMM data under
// `properties.kabuto_information`, and Syncro's uneven error bodies. Records are the seeded
// `Fleet` (sims/common/fleet.h) mapped into Syncro's shapes, computed per request, read through
// a `Tenant` (sims/common/tenant.h) that holds the changes made with the control API.
//
// Served under /api/v1: GET /me, /customers, /customers/{id}, /customers/{id}/phones, /contacts,
// /contacts/{id}, /customer_assets, /customer_assets/{id}. Everything else is 404.
//
// Ids are stable integers derived from (company, index) alone, so they survive restarts and do
// not depend on the seed: customer = 1000 + company; contact and asset = (company + 1) *
// 10,000,000 + index (so up to 10 million of each per customer).
//
// Rate limit: Syncro documents 180 requests per minute per IP; past it, 429 with the plain text
// body of Rails' Rack::Attack ("Retry later\n"). A token bucket per remote address (capacity =
// the per-minute figure, refilled continuously), checked before the key as Rack::Attack runs
// before the application (SimControl applies it).
//
// Control API (sims/common/control.h) kinds: `customers`, `contacts`, `customer_assets` (also
// `assets`); ids are Syncro's ids. Updates move `updated_at`.
//
// Filters: `customer_id` on contacts and assets; `business_name` (exact, case-insensitive) and
// `query` (case-insensitive substring of the business name, person name or email) on customers;
// `query` (substring of the asset name or serial) on customer_assets. Not modelled:
// `asset_type_id`, `snmp_enabled`, `sort` (ignored, as an unknown parameter is at Syncro).
//
// Thread-safe: Handle may run on many threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "http/message.h"
#include "sims/common/control.h"
#include "sims/common/fleet.h"
#include "sims/common/tenant.h"

namespace cairn::sims::syncro {

struct SyncroSimOptions {
  // The one valid key, accepted as `?api_key=K`, `Authorization: K` or `Authorization: Bearer K`.
  std::string api_key = "sim-syncro-api-key";
  // Shown by /me as the account's subdomain (`{subdomain}.syncromsp.com`).
  std::string subdomain = "cairn-sim";
  // Page sizes. The spec's text says 25 for every list; its examples and a live test show 50 or
  // 100 (uncertain), hence one setting per resource. Values below 1 are taken as 1.
  int customers_per_page = 25;
  int contacts_per_page = 25;
  int assets_per_page = 25;
  // Status for a missing or wrong key. Syncro does not document it (uncertain); clients treat
  // 401 and 403 alike, and 401 with the permission error's JSON shape is the likeliest.
  int bad_key_status = 401;
  // Requests per minute per remote address; 0 = unlimited (for benchmarks).
  int rate_limit_per_minute = 180;
  // X-Sim-Token of the control API; empty disables it.
  std::string control_token = "sim-control-token";
  // Retry-After on a 429 is claimed only by third-party prose and is off in Rack::Attack's
  // default responder (uncertain), so it is off unless asked for.
  bool retry_after_header = false;
  // The rate limiter's clock; null = std::chrono::steady_clock::now. Tests inject their own.
  std::function<std::chrono::steady_clock::time_point()> clock;
  FleetOptions fleet;
};

class SyncroSim {
 public:
  explicit SyncroSim(SyncroSimOptions options);

  const SyncroSimOptions& options() const { return o_; }

  // Answers one request as Syncro would (and /_sim/ control requests). Never throws.
  http::Response Handle(const http::Request& request);

  Tenant& tenant() { return tenant_; }
  SimControl& control() { return control_; }

 private:
  http::Response HandleVendor(const http::Request& request) const;

  SyncroSimOptions o_;
  Tenant tenant_;
  SimControl control_;
};

}  // namespace cairn::sims::syncro
