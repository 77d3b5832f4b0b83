// Internal to src/api: what every resource handler gets (the request, the authenticated key and
// user, the store) and the shared helpers for bodies, filters, envelopes and errors.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/api.h"
#include "api/response_cache.h"
#include "core/model.h"
#include "store/store.h"

namespace cairn::api {

namespace json = boost::json;

// Who is calling, with what rights.
struct Caller {
  User user;
  ApiKey key;
  Role role = Role::kSpectator;
  // nullopt = every company; otherwise only these.
  std::optional<std::set<int64_t>> companies;
  // A signed-in user of the web UI rather than an API key (Api::HandleAs); `key` is then a
  // stand-in with id 0.
  bool web = false;

  bool SeesCompany(std::optional<int64_t> id) const {
    if (!companies) return true;
    return id && companies->count(*id) > 0;
  }
  bool SeesGlobal() const { return !companies.has_value(); }
};

struct Ctx {
  http::Request& req;
  std::map<std::string, std::string> path;    // {id} and friends from the route
  std::map<std::string, std::string> query;   // decoded query parameters (last one wins)
  Caller caller;
  store::Store& store;
  const Cipher& cipher;
  const Clock& clock;
  const ApiOptions& options;
  ResponseCache* cache = nullptr;  // null when responses are not cached (see response_cache.h)
  LayoutCache* layouts = nullptr;  // likewise

  std::optional<std::string> Q(const std::string& name) const {
    auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    return it->second;
  }
  // The path parameter as an id; InvalidArgument naming it when it is not a positive integer.
  Result<int64_t> PathId(const std::string& name = "id") const;
};

using HandlerFn = std::function<http::Response(Ctx&)>;

// ----- responses -----
http::Response JsonResponse(int status, const json::value& v);
http::Response ErrorResponse(const Status& st);  // maps the code to the HTTP status
http::Response ErrorResponse(int status, std::string_view message);
http::Response NoContent();
json::object Wrap(std::string_view key, json::value v);

// ----- request bodies -----
// Parses the body (depth-limited) and returns the object under `wrapper` when present, the whole
// object otherwise ("accept wrapped and flat bodies"). InvalidArgument on malformed JSON or a
// non-object body.
Result<json::object> ParseBody(const Ctx& ctx, std::string_view wrapper);

// Copies the writable schema columns present in `body` into `row`, coercing the string forms of
// booleans and numbers. Problems are added to `errors` as sentences naming the field.
template <class T>
void ApplyFields(const json::object& body, T& row, std::vector<std::string>& errors,
                 const std::set<std::string_view>& skip = {});

// Writes the schema columns of `row` into a JSON object, except those in `hidden`. Times become
// ISO 8601 strings, booleans true/false, absent optional ids null.
template <class T>
json::object ToJson(const T& row, const std::set<std::string_view>& hidden = {});

// A 422 Status with the given details.
Status Validation(std::vector<std::string> details, std::string summary = "Validation failed");

// ----- coercions shared by handlers -----
std::optional<bool> AsBool(const json::value& v);
std::optional<int64_t> AsInt(const json::value& v);
std::string AsText(const json::value& v);  // numbers and booleans as text; null as ""

// ----- list requests -----
struct Paging {
  int64_t page = 1;
  int64_t page_size = 25;
};
// page (>= 1) and page_size (1..1000, default 25). InvalidArgument naming the parameter.
Result<Paging> ParsePaging(const Ctx& ctx);
// Adds the "archived" flag filter: true = only archived, otherwise only active.
void AddArchivedFilter(const Ctx& ctx, store::Query& q);
// Adds `column` range/exact filters for a Hudu date range parameter ("start,end", either end may
// be empty; a single value is an exact match). InvalidArgument naming the parameter when bad.
Status AddTimeRange(const Ctx& ctx, const std::string& param, const std::string& column,
                    store::Query& q);
// Restricts a query to the caller's companies when the key is company-scoped.
void AddCompanyScope(const Ctx& ctx, store::Query& q, const std::string& column = "company_id");

// ----- rights -----
enum class Action { kRead, kWrite, kDelete, kAdmin };
// Forbidden with a message that says which right is missing.
Status Require(const Ctx& ctx, Action action, std::string_view resource);
Status RequirePasswordAccess(const Ctx& ctx);

// ----- the activity log -----
struct Activity {
  std::string action;
  std::string record_type;
  std::optional<int64_t> record_id;
  std::string record_name;
  std::optional<int64_t> company_id;
  std::string company_name;
  json::object details;
};
// Records `a` as done by the caller, in the same transaction as the write.
Status LogActivity(store::Tx& tx, const Ctx& ctx, const Activity& a);
// The changed fields between two JSON renderings: {"field": {"from": old, "to": new}}.
json::object Diff(const json::object& before, const json::object& after);

// Deletes the relations, in both directions, that point at the record `type` `id` (a relation
// type such as "Website"), so none is left dangling when the record is deleted.
Status DeleteRelationsOf(store::Tx& tx, const std::string& type, int64_t id);

// Looks up a company the caller may see; NotFound "Company not found" otherwise.
// With lock, the row is locked for a change (see store::Repository::Lock).
Result<Company> VisibleCompany(store::Tx& tx, const Ctx& ctx, int64_t id, bool lock = false);

std::string BaseUrl(const Ctx& ctx);

// Records as the API answers them (for webhook bodies): passwords without their secrets, assets
// without revealed password fields.
Result<json::object> RenderCompanyRecord(store::Tx& tx, const Ctx& ctx, const Company& c);
Result<json::object> RenderAssetRecord(store::Tx& tx, const Ctx& ctx, const Asset& a);
json::object RenderArticleRecord(store::Tx& tx, const Ctx& ctx, const Article& a);
json::object RenderPasswordRecord(store::Tx& tx, const Ctx& ctx, const AssetPassword& p);

// ----- routes -----
struct Route {
  std::string method;
  std::string pattern;  // "/api/v1/companies/{id}/archive"
  HandlerFn fn;
};
using Routes = std::vector<Route>;

void AddCompanyRoutes(Routes& r);
void AddWebhookRoutes(Routes& r);
void AddAssetLayoutRoutes(Routes& r);
void AddAssetRoutes(Routes& r);
void AddPasswordRoutes(Routes& r);
void AddArticleRoutes(Routes& r);
void AddFolderRoutes(Routes& r);
void AddWebsiteRoutes(Routes& r);
void AddIntegrationRoutes(Routes& r);
void AddSyncRoutes(Routes& r);
void AddSortRuleRoutes(Routes& r);
// Before the company routes: /companies/jump must not be read as /companies/{id}.
void AddCardRoutes(Routes& r);
// GET /links/<vendor>/org/<vendor company id>: 302 to the matched company; nullopt for other paths.
std::optional<http::Response> HandleVendorLink(store::Store& store, const http::Request& req, const std::string& base);
void AddRelationRoutes(Routes& r);
void AddActivityLogRoutes(Routes& r);
void AddUserRoutes(Routes& r);
void AddApiKeyRoutes(Routes& r);
void AddSearchRoutes(Routes& r);

// Hudu's integrator card shape, plus what Cairn knows besides (cards.cpp).
// `link`: the record's page in the vendor's app ("" when unknown; CardLink).
json::object RenderCard(const Integration& i, const SyncLink& l, const std::string& link = "");
// The record's page in the vendor's app, from the integration's stored host
// (connectors::VendorRecordUrl); "" without a cipher or when the vendor has no such page.
std::string CardLink(const Cipher* cipher, const Integration& i, const SyncLink& l);
// The integration cards of the records `ids` of `record_type` ("Asset", "Company"), as a JSON
// array per record id (records without cards are absent), in two queries. `active_only`: only
// the vendor records still active there.
// `cipher` opens each integration's credentials once for the cards' vendor links (null: no links).
Result<std::map<int64_t, std::string>> IntegrationCards(store::Tx& tx, const Cipher* cipher, const std::string& record_type,
                                                        const std::vector<Value>& ids, bool active_only);

}  // namespace cairn::api
