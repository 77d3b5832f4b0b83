// Admin > Users, API keys and the activity log.
#include <map>

#include "web/internal.h"

namespace cairn::web {
namespace {

const std::vector<std::pair<std::string, std::string>> kRoles = {
    {"super_admin", "Super admin"}, {"admin", "Admin"}, {"editor", "Editor"}, {"author", "Author"}, {"spectator", "Spectator"}};

std::string RoleLabel(const std::string& r) {
  for (const auto& [k, v] : kRoles)
    if (k == r) return v;
  return r;
}

std::string Summary(const std::map<std::string, std::string>& errors, const std::string& what) {
  if (errors.empty()) return "";
  std::string h = "<p class=\"form-error\" role=\"alert\" id=\"form-errors\">The " + what + " was not saved: fix the fields marked below.";
  if (auto e = ErrorOf(errors, ""); !e.empty()) h += " " + Esc(e);
  return h + "</p>";
}

// ---- users ----

http::Response Users(Ctx& ctx) {
  bool archived = ctx.Q("archived") == "true";
  auto a = ctx.Call("GET", std::string("/api/v1/users?page_size=1000") + (archived ? "&archived=true" : ""));
  if (!a.ok()) return ErrorPage(ctx, a);
  std::string h = "<hgroup><h1>Users</h1><p>Who can sign in, and what each may do.</p></hgroup>"
                  "<p><a role=\"button\" href=\"/admin/users/new\">New user</a> <a href=\"/admin/users" +
                  std::string(archived ? "\">Show active users" : "?archived=true\">Show archived users") + "</a></p>";
  h += "<div class=\"table-wrap\"><table class=\"striped\" id=\"users\" data-sortable><thead><tr><th scope=\"col\">Email</th><th scope=\"col\">Name</th>"
       "<th scope=\"col\">Role</th><th scope=\"col\">Created</th></tr></thead><tbody>";
  for (const auto& v : a.Array("users")) {
    if (!v.is_object()) continue;
    const auto& u = v.get_object();
    h += "<tr><td><a href=\"/admin/users/" + Text(u, "id") + "/edit\">" + Esc(Text(u, "email")) + "</a></td><td>" +
         Esc(Text(u, "first_name") + " " + Text(u, "last_name")) + "</td><td>" + Esc(RoleLabel(Text(u, "security_level"))) +
         "</td>" + TimeCell(Text(u, "created_at")) + "</tr>";
  }
  h += "</tbody></table></div>";
  if (a.Array("users").empty()) h += Empty(archived ? "No archived users." : "No users.", "");
  return Page(ctx, "Users", "users", h);
}

http::Response UserForm(Ctx& ctx, const json::object& u, bool editing, const std::map<std::string, std::string>& errors, int status) {
  std::string id = Text(u, "id");
  std::string title = editing ? "Edit " + Text(u, "email") : std::string("New user");
  std::string h = "<nav aria-label=\"breadcrumb\"><ul><li><a href=\"/admin/users\">Users</a></li><li>" + Esc(title) +
                  "</li></ul></nav><h1>" + Esc(title) + "</h1>" + Summary(errors, "user");
  h += "<form method=\"post\" action=\"" + Esc(editing ? "/admin/users/" + id + "/edit" : "/admin/users/new") + "\" novalidate>" + CsrfField(ctx);
  if (!editing)
    h += Input({.name = "email", .label = "Email", .value = Text(u, "email"), .type = "email", .hint = "They sign in with it.",
                .error = ErrorOf(errors, "email"), .required = true, .autocomplete = "off"});
  h += "<div class=\"grid\"><div>" +
       Input({.name = "first_name", .label = "First name", .value = Text(u, "first_name"), .error = ErrorOf(errors, "first_name")}) +
       "</div><div>" + Input({.name = "last_name", .label = "Last name", .value = Text(u, "last_name"), .error = ErrorOf(errors, "last_name")}) +
       "</div></div>";
  std::string role = Text(u, "security_level");
  h += Select({.name = "security_level", .label = "Role", .value = role.empty() ? "editor" : role,
               .hint = "Admins manage integrations, layouts, users and keys; editors change documentation; authors write "
                       "articles; spectators read.",
               .error = ErrorOf(errors, "security_level"), .required = true},
              kRoles);
  h += Checkbox("password_access", "May reveal passwords and confidential fields",
                u.contains("password_access") ? Bool(u, "password_access") : true,
                "Each reveal is recorded in the activity log. Administrators always may.");
  if (auto e = ErrorOf(errors, "password_access"); !e.empty()) h += "<small class=\"field-error\">" + Esc(e) + "</small>";
  h += Input({.name = "password", .label = editing ? "New password" : "Password", .type = "password",
              .hint = editing ? "Leave blank to keep the current one. At least 12 characters." : "At least 12 characters.",
              .error = ErrorOf(errors, "password"), .required = !editing, .autocomplete = "new-password"});
  if (editing) {
    h += Checkbox("archived", "Archived: cannot sign in, and their API keys stop working", Bool(u, "archived"));
    if (auto e = ErrorOf(errors, "archived"); !e.empty()) h += "<small class=\"field-error\">" + Esc(e) + "</small>";
  }
  h += "<button type=\"submit\">Save user</button> <a href=\"/admin/users\" class=\"secondary\">Cancel</a></form>";
  return Page(ctx, title, "users", h, status);
}

json::object UserBody(const Ctx& ctx, bool editing) {
  json::object o{{"first_name", ctx.F("first_name")}, {"last_name", ctx.F("last_name")}, {"security_level", ctx.F("security_level")}};
  if (!editing) o["email"] = ctx.F("email");
  if (!ctx.F("password").empty() || !editing) o["password"] = ctx.F("password");
  if (editing) o["archived"] = ctx.F("archived") == "true";
  bool admin = ctx.F("security_level") == "admin" || ctx.F("security_level") == "super_admin";
  o["password_access"] = admin || ctx.F("password_access") == "true";  // (administrators always may)
  return o;
}

const std::vector<std::string> kUserFields = {"email", "first_name", "last_name", "security_level", "password", "archived",
                                              "password_access"};

http::Response NewUser(Ctx& ctx) { return UserForm(ctx, json::object{}, false, {}, 200); }

http::Response CreateUser(Ctx& ctx) {
  auto body = UserBody(ctx, false);
  auto a = ctx.Call("POST", "/api/v1/users", json::object{{"user", body}});
  if (!a.ok()) {
    body.erase("password");
    return UserForm(ctx, body, false, a.FieldErrors(kUserFields), a.status);
  }
  return Redirect("/admin/users", "User " + Text(a.Object("user"), "email") + " created. They can sign in now.");
}

http::Response EditUser(Ctx& ctx) {
  auto a = ctx.Call("GET", "/api/v1/users/" + std::to_string(ctx.PathId()));
  if (!a.ok()) return ErrorPage(ctx, a, "/admin/users");
  return UserForm(ctx, a.Object("user"), true, {}, 200);
}

http::Response UpdateUser(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto cur = ctx.Call("GET", "/api/v1/users/" + id);
  if (!cur.ok()) return ErrorPage(ctx, cur, "/admin/users");
  auto body = UserBody(ctx, true);
  auto a = ctx.Call("PUT", "/api/v1/users/" + id, json::object{{"user", body}});
  if (!a.ok()) {
    json::object shown = cur.Object("user");
    for (const auto& [k, v] : body)
      if (k != "password") shown[k] = v;
    return UserForm(ctx, shown, true, a.FieldErrors(kUserFields), a.status);
  }
  return Redirect("/admin/users", "User " + Text(a.Object("user"), "email") + " saved.");
}

// ---- API keys ----

http::Response Keys(Ctx& ctx) {
  auto a = ctx.Call("GET", "/api/v1/api_keys");
  if (!a.ok()) return ErrorPage(ctx, a);
  std::string h = "<hgroup><h1>API keys</h1><p>For scripts and tools that call Cairn's API (Rev.io, PowerShell, n8n). Each acts "
                  "as a user, with that user's role.</p></hgroup><p><a role=\"button\" href=\"/admin/api_keys/new\">New API key</a></p>";
  const auto& rows = a.Array("api_keys");
  if (rows.empty()) {
    h += Empty("No API keys yet.", "Create one for each tool, so that each can be revoked on its own.");
    return Page(ctx, "API keys", "api_keys", h);
  }
  h += "<div class=\"table-wrap\"><table class=\"striped\" id=\"api-keys\" data-sortable><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Key</th>"
       "<th scope=\"col\">Acts as</th><th scope=\"col\">Scope</th><th scope=\"col\">Last used</th><th scope=\"col\"></th></tr></thead><tbody>";
  for (const auto& v : rows) {
    if (!v.is_object()) continue;
    const auto& k = v.get_object();
    std::string scope;
    if (Bool(k, "password_access")) scope += "<span class=\"chip\">passwords</span> ";
    if (!Bool(k, "destructive")) scope += "<span class=\"chip\">no deletes</span> ";
    if (const auto* c = k.if_contains("company_ids"); c && c->is_array() && !c->get_array().empty())
      scope += "<span class=\"chip\">" + std::to_string(c->get_array().size()) + " companies</span> ";
    if (const auto* c = k.if_contains("allow_ips"); c && c->is_array() && !c->get_array().empty())
      scope += "<span class=\"chip\">from " + Esc(Text(&c->get_array()[0])) + (c->get_array().size() > 1 ? " &hellip;" : "") + "</span> ";
    h += "<tr><td>" + Esc(Text(k, "name")) + (Bool(k, "revoked") ? " " + Badge("revoked") : "") + "</td><td><code>" +
         Esc(Text(k, "prefix")) + "&hellip;</code></td><td>" + Esc(Text(k, "user_email")) + "</td><td>" + scope + "</td><td>" +
         Esc(Text(k, "last_used_at").empty() ? std::string("never") : When(Text(k, "last_used_at"))) + "</td><td>" +
         (Bool(k, "revoked") ? std::string()
                             : ButtonForm(ctx, "/admin/api_keys/" + Text(k, "id") + "/revoke", "Revoke", "secondary outline",
                                          "Revoke this key? Tools using it stop working within seconds.")) +
         "</td></tr>";
  }
  h += "</tbody></table></div>";
  return Page(ctx, "API keys", "api_keys", h);
}

http::Response KeyForm(Ctx& ctx, const std::map<std::string, std::string>& errors, int status) {
  auto users = ctx.Call("GET", "/api/v1/users?page_size=1000");
  std::vector<std::pair<std::string, std::string>> choices = {{"", "Choose a user"}};
  for (const auto& v : users.Array("users"))
    if (v.is_object())
      choices.emplace_back(Text(v.get_object(), "id"), Text(v.get_object(), "email") + " (" + RoleLabel(Text(v.get_object(), "security_level")) + ")");
  std::string user = ctx.F("user_id").empty() ? std::to_string(ctx.user.id) : ctx.F("user_id");
  std::string h = "<nav aria-label=\"breadcrumb\"><ul><li><a href=\"/admin/api_keys\">API keys</a></li><li>New API key</li></ul></nav>"
                  "<h1>New API key</h1>" + Summary(errors, "key");
  h += "<form method=\"post\" action=\"/admin/api_keys/new\" novalidate>" + CsrfField(ctx);
  h += Input({.name = "name", .label = "Name", .value = ctx.F("name"), .hint = "What uses it, e.g. Rev.io or the onboarding script.",
              .error = ErrorOf(errors, "name"), .required = true});
  h += Select({.name = "user_id", .label = "Acts as", .value = user,
               .hint = "The key has this user's role, and the activity log names them. A service account of its own is best.",
               .error = ErrorOf(errors, "user_id"), .required = true},
              choices);
  h += Checkbox("password_access", "Can read and write passwords", ctx.F("password_access") == "true");
  h += Checkbox("destructive", "Can delete records", ctx.form.empty() || ctx.F("destructive") == "true");
  h += Input({.name = "company_ids", .label = "Only these companies (ids)", .value = ctx.F("company_ids"),
              .hint = "Comma-separated company ids; blank for every company.", .error = ErrorOf(errors, "company_ids")});
  h += Input({.name = "allow_ips", .label = "Only from these addresses", .value = ctx.F("allow_ips"),
              .hint = "Comma-separated addresses or CIDRs, e.g. 203.0.113.0/24; blank for any address.", .error = ErrorOf(errors, "allow_ips")});
  h += "<button type=\"submit\">Create key</button> <a href=\"/admin/api_keys\" class=\"secondary\">Cancel</a></form>";
  return Page(ctx, "New API key", "api_keys", h, status);
}

http::Response NewKey(Ctx& ctx) { return KeyForm(ctx, {}, 200); }

http::Response CreateKey(Ctx& ctx) {
  json::object body{{"name", ctx.F("name")}, {"password_access", ctx.F("password_access") == "true"},
                    {"destructive", ctx.F("destructive") == "true"}};
  if (!ctx.F("user_id").empty()) body["user_id"] = std::atoll(ctx.F("user_id").c_str());
  for (const char* list : {"company_ids", "allow_ips"}) {
    json::array arr;
    for (auto& t : ListItems(ctx.F(list))) {
      if (std::string_view(list) == "company_ids" && t.find_first_not_of("0123456789") == std::string::npos && t.size() < 18)
        arr.push_back(std::atoll(t.c_str()));
      else
        arr.push_back(json::string(t));
    }
    body[list] = std::move(arr);
  }
  auto a = ctx.Call("POST", "/api/v1/api_keys", json::object{{"api_key", body}});
  if (!a.ok()) return KeyForm(ctx, a.FieldErrors({"name", "user_id", "password_access", "destructive", "company_ids", "allow_ips"}), a.status);
  const auto& k = a.Object("api_key");
  // Shown once: the page is not stored anywhere (no-store) and the key is not kept in clear.
  std::string h = "<nav aria-label=\"breadcrumb\"><ul><li><a href=\"/admin/api_keys\">API keys</a></li><li>" + Esc(Text(k, "name")) +
                  "</li></ul></nav><h1>Your new API key</h1><article class=\"new-key\"><p><strong>Copy it now: it is shown only once.</strong> "
                  "Cairn keeps only a hash of it.</p><p><code id=\"new-key\">" + Esc(Text(k, "key")) + "</code></p><p class=\"muted\">Send it "
                  "in the <code>x-api-key</code> header. It acts as " + Esc(Text(k, "user_email")) + ".</p></article>"
                  "<p><a href=\"/admin/api_keys\">Done</a></p>";
  return Page(ctx, "New API key", "api_keys", h, 201);
}

http::Response RevokeKey(Ctx& ctx) {
  auto a = ctx.Call("DELETE", "/api/v1/api_keys/" + std::to_string(ctx.PathId()));
  return Redirect("/admin/api_keys", a.ok() ? "The key was revoked." : "Not revoked: " + a.Message());
}

// ---- the activity log ----

http::Response Activity(Ctx& ctx) {
  int64_t page = std::max<int64_t>(1, std::atoll(ctx.Q("page", "1").c_str()));
  std::string user = ctx.Q("user_email"), action = ctx.Q("action"), type = ctx.Q("record_type"), since = ctx.Q("since");
  std::string api = "/api/v1/activity_logs?page_size=51&page=" + std::to_string(page);
  std::string base = "/admin/activity?";
  auto add = [&](const char* param, const char* api_name, const std::string& v) {
    if (v.empty()) return;
    api += std::string("&") + api_name + "=" + Url(v);
    base += std::string(param) + "=" + Url(v) + "&";
  };
  add("user_email", "user_email", user);
  add("action", "action_message", action);
  add("record_type", "record_type", type);
  add("since", "start_date", since);
  auto a = ctx.Call("GET", api);
  std::string h = "<hgroup><h1>Activity log</h1><p>Every change, by whom, from where: the API, the web, and each integration's syncs.</p></hgroup>";
  h += "<form method=\"get\" action=\"/admin/activity\" class=\"toolbar\" role=\"search\">"
       "<input type=\"text\" name=\"user_email\" placeholder=\"User email\" aria-label=\"User email\" value=\"" + Esc(user) + "\">"
       "<select name=\"action\" aria-label=\"Action\"><option value=\"\">Every action</option>";
  for (const char* act : {"created", "updated", "archived", "unarchived", "deleted", "signed in", "matched", "revoked", "viewed password"})
    h += "<option" + std::string(action == act ? " selected" : "") + ">" + act + "</option>";
  h += "</select><select name=\"record_type\" aria-label=\"Record type\"><option value=\"\">Every record</option>";
  for (const char* t : {"Company", "Asset", "AssetPassword", "Article", "Folder", "AssetLayout", "Integration", "Matcher", "User", "ApiKey", "Webhook"})
    h += "<option" + std::string(type == t ? " selected" : "") + ">" + t + "</option>";
  h += "</select><input type=\"date\" name=\"since\" aria-label=\"Since\" value=\"" + Esc(since) + "\">"
       "<button type=\"submit\" class=\"secondary\">Filter</button></form>";
  if (!a.ok()) return Page(ctx, "Activity log", "activity", h + "<p class=\"form-error\" role=\"alert\">" + Esc(a.Message()) + "</p>", a.status);
  const auto& rows = a.Array("");
  if (rows.empty()) return Page(ctx, "Activity log", "activity", h + Empty("Nothing matches these filters.", "<a href=\"/admin/activity\">Clear them</a>"));
  h += "<div class=\"table-wrap\"><table class=\"striped\" id=\"activity\"><thead><tr><th scope=\"col\">When</th><th scope=\"col\">Who</th>"
       "<th scope=\"col\">Did</th><th scope=\"col\">What</th><th scope=\"col\">Company</th><th scope=\"col\">From</th></tr></thead><tbody>";
  size_t shown = 0;
  for (const auto& v : rows) {
    if (shown++ == 50) break;
    if (!v.is_object()) continue;
    const auto& l = v.get_object();
    std::string what = "<span class=\"chip\">" + Esc(Text(l, "record_type")) + "</span> " + Esc(Text(l, "record_name"));
    if (Text(l, "record_type") == "Company" && !Text(l, "record_id").empty())
      what = "<span class=\"chip\">Company</span> <a href=\"/companies/" + Text(l, "record_id") + "\">" + Esc(Text(l, "record_name")) + "</a>";
    else if (Text(l, "record_type") == "Asset" && !Text(l, "record_id").empty())
      what = "<span class=\"chip\">Asset</span> <a href=\"/assets/" + Text(l, "record_id") + "\">" + Esc(Text(l, "record_name")) + "</a>";
    std::string from = Text(l, "app_type");
    if (!Text(l, "token").empty() && from == "api") from += " (" + Text(l, "token") + ")";
    h += "<tr><td>" + Esc(When(Text(l, "created_at"))) + "</td><td>" + Esc(Text(l, "user_short_name")) + "</td><td>" + Esc(Text(l, "action")) +
         "</td><td>" + what + "</td><td>" + Esc(Text(l, "company_name")) + "</td><td>" + Esc(from) + " <small class=\"muted\">" +
         Esc(Text(l, "ip_address")) + "</small></td></tr>";
  }
  h += "</tbody></table></div>" + Pager(base, page, rows.size() > 50);
  return Page(ctx, "Activity log", "activity", h);
}

}  // namespace

void AddAdminPages(PageRoutes& r) {
  r.push_back({"GET", "/admin/users", Users, true});
  r.push_back({"GET", "/admin/users/new", NewUser, true});
  r.push_back({"POST", "/admin/users/new", CreateUser, true});
  r.push_back({"GET", "/admin/users/{id}/edit", EditUser, true});
  r.push_back({"POST", "/admin/users/{id}/edit", UpdateUser, true});
  r.push_back({"GET", "/admin/api_keys", Keys, true});
  r.push_back({"GET", "/admin/api_keys/new", NewKey, true});
  r.push_back({"POST", "/admin/api_keys/new", CreateKey, true});
  r.push_back({"POST", "/admin/api_keys/{id}/revoke", RevokeKey, true});
  r.push_back({"GET", "/admin/activity", Activity, true});
}

}  // namespace cairn::web
