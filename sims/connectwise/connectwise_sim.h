// A fake ConnectWise PSA (Manage) REST API 3.0 server, for Cairn's connector tests, the
// benchmarks and the demo (issue 3). It speaks the protocol as ../shared/reference/
// connectwise-halo.md part A records it, and the npm package connectwise-rest (an independent
// client) is run against it by connectwise_fidelity_test.
//
// Served: GET /login/companyinfo/{company} (at the root; no auth; PascalCase keys; JSON null for
// an unknown company), and after /{codebase}apis/3.0 (case-insensitive, as at the vendor's
// ASP.NET server):
//   GET /system/info
//   GET /company/companies             (+ /{id}, /count)
//   GET /company/companies/{id}/sites  (+ /{siteId}, /count)
//   GET /company/contacts              (+ /{id}, /count)
//   GET /company/configurations        (+ /{id}, /count)
//   GET /company/configurations/types  (+ /{id})
//   GET /finance/agreements            (+ /{id}, /count)
// under both `v4_6_release/` and the advertised codebase. Other methods: 405; other paths: 404.
//
// Protocol choices (uncertain facts are options below):
// - Auth: Basic base64("{company}+{public}:{private}") and the `clientId` header on every API
//   request. Bad or missing credentials: 401 {"code":"ConnectWiseApi","message":
//   "UserNotAuthenticated","errors":null} (the body seen by ConnectWiseManageAPI's users). A
//   missing clientId: 401 {"code":"Unauthorized", ...} by default (the reference recommends 401;
//   one third-party page says 400). The login company is matched case-insensitively, the keys
//   and clientId exactly.
// - Lists are bare JSON arrays in id order; `/count` is {"count": N}; errors are
//   {"code","message","errors"}; 404 is {"code":"NotFound","message":"... not found",...}.
// - Paging: `page` (1-based) and `pageSize` (default 25; above 1000 capped to 1000 unless
//   reject_oversized_page). A `Link` header always carries rel="first" and rel="last", plus
//   "prev"/"next" when there are such pages. Forward-only paging is chosen by the header
//   `pagination-type: forward-only`: `pageId` means id > pageId, order is by id, `orderBy` is a
//   400, and the Link header carries only rel="next" (with pageId = the page's last id), empty on
//   the last page. Link URLs are https://{Host header}{path}?{the request's other parameters}.
// - `conditions` (connectwise_conditions.h), `childConditions` (contacts' communicationItems),
//   `customFieldConditions`, `fields` (projection; nested a/b; unknown names ignored), `orderBy`
//   ("name asc, id desc"; unknown fields are a 400). Condition errors are 400 {"code":
//   "InvalidCondition" (uncertain), "message": the server's literal-syntax text, ...}.
// - Records are the shared Tenant (sims/common/tenant.h): companies -> companies, contacts ->
//   contacts, sites -> company sites, devices -> configurations, agreements -> agreements. Ids
//   derive from (company, index) alone: company = 250 + company; every child = (company + 1) *
//   10,000,000 + index, so added records get ids too and ids rise with key order. Inactive
//   companies stay listed with status "Inactive" (deletedFlag false); deleted ones are gone (404).
//   Stamps are rendered to the second ("2024-05-01T10:00:00Z").
// - Configuration types are named as a typical MSP instance names them: Managed Workstation,
//   Laptop, Managed Server, Firewall, Network Switch, Printer, VoIP Phone (ids 1..7).
// - `lastUpdated > [T]` with T after every seeded stamp uses the tenant's change list; other
//   conditions scan the kind (or one company's records when `company/id = N` is a conjunct),
//   building one record's JSON at a time.
// - 429: {"error":"ConnectWiseAPI","message":"Too many requests. Please try again in N
//   seconds."} with Retry-After; no rate limit by default (the guide documents none, only
//   adaptive throttling around 1,000 requests/min), SimControl's `rate_limit_per_min` sets one.
//
// Not implemented: writes (POST/PUT/PATCH/DELETE answer 405), the `Accept` version pinning (all
// requests get the same models), POST .../search, plain-HTTP "SSL is required." (the server knows
// no scheme), lookups other than configuration types (statuses, company types, countries).
//
// Files: connectwise_conditions.h (the conditions language), connectwise_records.h (record
// shapes, ids, filterable fields), fidelity/ (the connectwise-rest check).
//
// Thread-safe: Handle may be called from many threads; all state is in the Tenant and SimControl.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/message.h"
#include "sims/common/control.h"
#include "sims/common/fleet.h"
#include "sims/common/tenant.h"

namespace cairn::sims::connectwise {

struct ConnectWiseSimOptions {
  FleetOptions fleet;
  // The login company (companyinfo, Basic user prefix) and the API member's keys.
  std::string company = "cairnsim";
  std::string public_key = "sim-cw-public";
  std::string private_key = "sim-cw-private";
  // The registered clientId every API request must carry.
  std::string client_id = "sim-cw-client-id";
  // The codebase companyinfo advertises (trailing slash). v4_6_release/ is always served too.
  std::string codebase = "v4_6_release/";
  std::string version_code = "v2025.1";        // companyinfo VersionCode
  std::string version_number = "v4.6.105123";  // companyinfo VersionNumber
  std::string api_version = "2025.1";          // api-current-version header; system/info version
  bool is_cloud = false;
  int default_page_size = 25;
  int max_page_size = 1000;
  // Uncertain behaviours:
  // pageSize above max_page_size: capped (false) or answered 400 (true).
  bool reject_oversized_page = false;
  // Status for an API request without the clientId header (401 recommended; 400 alternative).
  int missing_client_id_status = 401;
  // A clientId other than client_id: rejected like a missing one (true) or accepted (false).
  bool check_client_id_value = true;
  // The control API's X-Sim-Token; empty disables it.
  std::string control_token = "sim-control-token";
  // Unix milliseconds for mutation stamps; null = the system clock.
  std::function<int64_t()> clock_ms;
  uint64_t fault_seed = 1;
};

class ConnectWiseSim {
 public:
  explicit ConnectWiseSim(ConnectWiseSimOptions options);
  ~ConnectWiseSim();

  const ConnectWiseSimOptions& options() const { return o_; }
  Tenant& tenant() { return tenant_; }
  SimControl& control() { return control_; }

  // Answers one request as ConnectWise would (the control API under /_sim/). Never throws.
  http::Response Handle(const http::Request& request);

  // The vendor's id for a record, as it appears in its JSON ("id").
  static int64_t CompanyId(int64_t company);
  static int64_t ChildId(int64_t company, int64_t index);

 private:
  http::Response HandleVendor(const http::Request& request);

  ConnectWiseSimOptions o_;
  Tenant tenant_;
  SimControl control_;
};

}  // namespace cairn::sims::connectwise
