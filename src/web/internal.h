// Internal to src/web: what every page handler gets, and the shared page furniture.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/api.h"
#include "core/clock.h"
#include "core/model.h"
#include "http/message.h"
#include "store/store.h"
#include "web/html.h"
#include "web/web.h"

namespace cairn::web {

// What the API answered to a call made for the signed-in user.
struct ApiAnswer {
  int status = 0;
  json::value body;
  bool ok() const { return status >= 200 && status < 300; }
  // The record under `key` ({"company": {...}} -> the company), or an empty object.
  const json::object& Object(std::string_view key) const;
  // The array under `key`, or an empty one.
  const json::array& Array(std::string_view key) const;
  // "error", then the details, as one message for a person.
  std::string Message() const;
  // The 422 details by the field each names first, without its name ("credentials.site remove
  // ..." -> {"credentials.site": "Remove ..."}); details that name no known field are returned,
  // as they are, under "".
  std::map<std::string, std::string> FieldErrors(const std::vector<std::string>& fields) const;
};

struct Ctx {
  http::Request& req;
  const User& user;
  Role role;
  const std::string& csrf;  // this session's CSRF token
  std::map<std::string, std::string> path;   // {id} from the route
  std::map<std::string, std::string> query;  // decoded query parameters (last one wins)
  std::map<std::string, std::string> form;   // a POST's decoded form fields (last one wins)
  std::multimap<std::string, std::string> form_all;  // every field, for repeated names
  api::Api& api;
  store::Store& store;
  const Clock& clock;
  const WebOptions& options;
  std::string flash;  // a message from the previous page (set before a redirect)

  bool Admin() const { return role == Role::kSuperAdmin || role == Role::kAdmin; }
  bool Editor() const { return Admin() || role == Role::kEditor; }
  // May reveal passwords and confidential fields (User::password_access; administrators always).
  bool PasswordAccess() const { return Admin() || user.password_access; }
  std::string Q(const std::string& name, const std::string& fallback = "") const;
  std::string F(const std::string& name) const;
  int64_t PathId() const;  // 0 when not a positive number
  // Another path parameter as a positive number ({item}, {delivery}); 0 when it is not one.
  int64_t PathNumber(const std::string& name) const;
  // Calls /api/v1 as the signed-in user. `path` may carry a query string.
  ApiAnswer Call(const std::string& method, const std::string& path, const json::value& body = nullptr) const;
};

// The error filed under `field` (ApiAnswer::FieldErrors), or "".
std::string ErrorOf(const std::map<std::string, std::string>& errors, const std::string& field);

// A page: the layout around `body`, with the navigation entry `section` marked current.
http::Response Page(const Ctx& ctx, const std::string& title, const std::string& section, const std::string& body,
                    int status = 200);
// A fragment for htmx to swap in (no layout).
http::Response Fragment(const std::string& html, int status = 200);
// 303 to `to`, with a message shown on the next page.
http::Response Redirect(const std::string& to, const std::string& flash = "");
// `next` when it is a path on this server, "/" otherwise (a redirect target from a request).
std::string SafeNext(const std::string& next);
// A page that says what went wrong with an API call (403, 404, ...), with a way back.
http::Response ErrorPage(const Ctx& ctx, const ApiAnswer& a, const std::string& back = "/");
// The hidden CSRF field every form carries.
std::string CsrfField(const Ctx& ctx);
// A small POST form with one button (start, stop, archive, ...); `confirm` asks first.
std::string ButtonForm(const Ctx& ctx, const std::string& action, const std::string& label,
                       const std::string& cls = "", const std::string& confirm = "",
                       const std::vector<std::pair<std::string, std::string>>& hidden = {});
// A coloured label for a state ("succeeded", "failed", "running", ...).
std::string Badge(const std::string& state);
// An empty state: what is missing and what to do next.
std::string Empty(const std::string& what, const std::string& next_html);

// The integration cards of a company or an asset: the vendor's view, "Open in <vendor>" and,
// with `resync`, "Re-sync this card" for editors.
std::string CardsHtml(const Ctx& ctx, const json::array& cards, bool resync);

using PageFn = std::function<http::Response(Ctx&)>;
struct PageRoute {
  std::string method;
  std::string pattern;  // "/companies/{id}"
  PageFn fn;
  bool admin = false;   // administrators only (others get 403)
};
using PageRoutes = std::vector<PageRoute>;

void AddDocumentationPages(PageRoutes& r);  // companies, search (pages.cpp)
void AddAssetPages(PageRoutes& r);          // an asset's page, made and changed by hand (asset_pages.cpp)
void AddIntegrationPages(PageRoutes& r);    // Admin > Integrations (integrations.cpp)
void AddLayoutPages(PageRoutes& r);         // Admin > Asset layouts (layouts.cpp)
void AddRulePages(PageRoutes& r);           // sort rules and connected fields (rules.cpp)
void AddAdminPages(PageRoutes& r);          // users, API keys, the activity log (admin.cpp)
void AddDocumentPages(PageRoutes& r);       // passwords, articles, folders (documents.cpp)
void AddWebhookPages(PageRoutes& r);        // Admin > Webhooks and their deliveries (webhooks.cpp)

// The static files built into the binary (assets.cpp): nullopt for an unknown name.
struct StaticFile {
  std::string_view content;
  std::string_view type;
  std::string_view version;  // a short hash of the content, for cache-busting URLs
};
std::optional<StaticFile> FindStatic(std::string_view name);
// "/static/app.css?v=<hash>"
std::string StaticUrl(std::string_view name);

}  // namespace cairn::web
