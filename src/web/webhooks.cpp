// Admin > Webhooks: the list, the form (events to choose, a secret shown once when Cairn makes
// it up, an optional body template), a test ping, and each webhook's deliveries with their
// attempts and a redeliver button.
#include <map>
#include <set>

#include "core/model.h"
#include "web/internal.h"

namespace cairn::web {
namespace {

http::Response List(Ctx& ctx) {
  auto a = ctx.Call("GET", "/api/v1/webhooks");
  if (!a.ok()) return ErrorPage(ctx, a);
  std::string h = "<hgroup><h1>Webhooks</h1><p>Tell other tools when something changes here: each change is sent, signed, "
                  "in order, and retried until it arrives.</p></hgroup><p><a role=\"button\" href=\"/admin/webhooks/new\">New webhook</a></p>";
  const auto& rows = a.Array("webhooks");
  if (rows.empty()) return Page(ctx, "Webhooks", "webhooks", h + Empty("No webhooks yet.", "Add one with the address that should hear about changes."));
  h += "<div class=\"table-wrap\"><table class=\"striped\" id=\"webhooks\" data-sortable><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Sends to</th>"
       "<th scope=\"col\">Events</th><th scope=\"col\">State</th></tr></thead><tbody>";
  for (const auto& v : rows) {
    if (!v.is_object()) continue;
    const auto& w = v.get_object();
    std::string events;
    if (const auto* e = w.if_contains("events"); e && e->is_array())
      for (const auto& x : e->get_array()) events += (events.empty() ? "" : ", ") + Text(&x);
    h += "<tr><td><a href=\"/admin/webhooks/" + Text(w, "id") + "\">" + Esc(Text(w, "name")) + "</a></td><td><code>" + Esc(Text(w, "url")) +
         "</code></td><td>" + Esc(events) + "</td><td>" + Badge(Bool(w, "active") ? "active" : "disabled") + "</td></tr>";
  }
  return Page(ctx, "Webhooks", "webhooks", h + "</tbody></table></div>");
}

http::Response Form(Ctx& ctx, const json::object& w, const std::string& action, bool editing,
                    const std::map<std::string, std::string>& errors, int status) {
  std::string title = editing ? "Edit " + Text(w, "name") : std::string("New webhook");
  std::set<std::string> chosen;
  if (const auto* e = w.if_contains("events"); e && e->is_array())
    for (const auto& x : e->get_array()) chosen.insert(Text(&x));
  std::string h = "<nav aria-label=\"breadcrumb\"><ul><li><a href=\"/admin/webhooks\">Webhooks</a></li><li>" + Esc(title) +
                  "</li></ul></nav><h1>" + Esc(title) + "</h1>";
  if (!errors.empty())
    h += "<p class=\"form-error\" role=\"alert\" id=\"form-errors\">The webhook was not saved: fix the fields marked below. " + Esc(ErrorOf(errors, "")) + "</p>";
  h += "<form method=\"post\" action=\"" + Esc(action) + "\" novalidate>" + CsrfField(ctx);
  h += Input({.name = "name", .label = "Name", .value = Text(w, "name"), .error = ErrorOf(errors, "name"), .required = true});
  h += Input({.name = "url", .label = "Sends to", .value = Text(w, "url"), .type = "url",
              .hint = "An https:// address. Private and loopback addresses are refused unless the server allows them.",
              .error = ErrorOf(errors, "url"), .placeholder = "https://example.com/hooks/cairn", .required = true});
  h += "<fieldset><legend>Events</legend>";
  if (auto e = ErrorOf(errors, "events"); !e.empty()) h += "<small class=\"field-error\">" + Esc(e) + "</small>";
  h += "<label><input type=\"checkbox\" name=\"events\" value=\"*\"" + std::string(chosen.count("*") ? " checked" : "") + "> Every event</label>";
  h += "<div class=\"event-grid\">";
  for (auto e : kWebhookEvents)
    h += "<label><input type=\"checkbox\" name=\"events\" value=\"" + std::string(e) + "\"" + (chosen.count(std::string(e)) ? " checked" : "") +
         "> <code>" + std::string(e) + "</code></label>";
  h += "</div></fieldset>";
  h += Input({.name = "secret", .label = editing ? "New secret" : "Secret", .type = "password",
              .hint = editing ? "Stored and never shown. Leave blank to keep it."
                              : "Signs each delivery (HMAC-SHA256). Leave blank and Cairn makes one up and shows it once.",
              .error = ErrorOf(errors, "secret"), .autocomplete = "new-password"});
  h += "<label for=\"f-template\">Body template (optional)</label><textarea id=\"f-template\" name=\"template\" rows=\"4\" placeholder='{\"text\": \"$EVENT: $RECORD_NAME\"}'" +
       std::string(ErrorOf(errors, "template").empty() ? "" : " aria-invalid=\"true\"") + ">" + Esc(Text(w, "template")) +
       "</textarea><small>JSON with $EVENT, $RECORD_NAME, $RECORD_URL, $COMPANY_NAME, $TIME and more; blank sends Cairn's own body.</small>";
  if (auto e = ErrorOf(errors, "template"); !e.empty()) h += "<small class=\"field-error\">" + Esc(e) + "</small>";
  h += Checkbox("active", "Active", !editing || Bool(w, "active"));
  h += "<button type=\"submit\">Save webhook</button> <a href=\"/admin/webhooks\" class=\"secondary\">Cancel</a></form>";
  return Page(ctx, title, "webhooks", h, status);
}

json::object Body(const Ctx& ctx, bool editing) {
  json::array events;
  auto range = ctx.form_all.equal_range("events");
  for (auto it = range.first; it != range.second; ++it) events.push_back(json::string(it->second));
  json::object o{{"name", ctx.F("name")}, {"url", ctx.F("url")}, {"events", std::move(events)}, {"active", ctx.F("active") == "true"}};
  if (!ctx.F("secret").empty() || !editing) {
    if (!ctx.F("secret").empty()) o["secret"] = ctx.F("secret");
  }
  o["template"] = ctx.F("template");
  return o;
}

const std::vector<std::string> kFields = {"name", "url", "events", "secret", "template", "active"};

http::Response New(Ctx& ctx) { return Form(ctx, json::object{{"events", json::array{"*"}}}, "/admin/webhooks/new", false, {}, 200); }

http::Response Created(Ctx& ctx, const json::object& w) {
  std::string h = "<h1>Webhook saved</h1><article class=\"new-key\"><p><strong>Its secret, shown only this once:</strong></p><p><code id=\"new-secret\">" +
                  Esc(Text(w, "secret")) + "</code></p><p class=\"muted\">Check each delivery's <code>X-Cairn-Signature</code> "
                  "(sha256=HMAC of \"timestamp.body\") with it.</p></article><p><a href=\"/admin/webhooks/" + Text(w, "id") + "\">Continue</a></p>";
  return Page(ctx, "Webhook saved", "webhooks", h, 201);
}

http::Response Create(Ctx& ctx) {
  auto body = Body(ctx, false);
  auto a = ctx.Call("POST", "/api/v1/webhooks", json::object{{"webhook", body}});
  if (!a.ok()) return Form(ctx, body, "/admin/webhooks/new", false, a.FieldErrors(kFields), a.status);
  if (!Text(a.Object("webhook"), "secret").empty()) return Created(ctx, a.Object("webhook"));
  return Redirect("/admin/webhooks/" + Text(a.Object("webhook"), "id"), "Webhook saved.");
}

http::Response Edit(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto a = ctx.Call("GET", "/api/v1/webhooks/" + id);
  if (!a.ok()) return ErrorPage(ctx, a, "/admin/webhooks");
  return Form(ctx, a.Object("webhook"), "/admin/webhooks/" + id + "/edit", true, {}, 200);
}

http::Response Update(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto body = Body(ctx, true);
  auto a = ctx.Call("PUT", "/api/v1/webhooks/" + id, json::object{{"webhook", body}});
  if (!a.ok()) return Form(ctx, body, "/admin/webhooks/" + id + "/edit", true, a.FieldErrors(kFields), a.status);
  return Redirect("/admin/webhooks/" + id, "Webhook saved.");
}

http::Response Show(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto a = ctx.Call("GET", "/api/v1/webhooks/" + id);
  if (!a.ok()) return ErrorPage(ctx, a, "/admin/webhooks");
  const auto& w = a.Object("webhook");
  std::string state = ctx.Q("state");
  auto d = ctx.Call("GET", "/api/v1/webhooks/" + id + "/deliveries?page_size=50" + (state.empty() ? std::string() : "&state=" + Url(state)));
  std::string h = "<nav aria-label=\"breadcrumb\"><ul><li><a href=\"/admin/webhooks\">Webhooks</a></li><li>" + Esc(Text(w, "name")) +
                  "</li></ul></nav><hgroup><h1>" + Esc(Text(w, "name")) + " " + Badge(Bool(w, "active") ? "active" : "disabled") +
                  "</h1><p><code>" + Esc(Text(w, "url")) + "</code></p></hgroup>";
  h += "<div class=\"run-buttons\"><button type=\"button\" class=\"secondary\" id=\"send-test\" hx-post=\"/admin/webhooks/" + id +
       "/test\" hx-target=\"#test-result\">Send a test</button><a role=\"button\" class=\"secondary outline\" href=\"/admin/webhooks/" + id +
       "/edit\">Edit</a>" + ButtonForm(ctx, "/admin/webhooks/" + id + "/delete", "Delete", "secondary outline", "Delete this webhook and its delivery history?") +
       "</div><div id=\"test-result\" aria-live=\"polite\"></div>";
  h += "<h2>Deliveries</h2><form method=\"get\" class=\"toolbar\"><select name=\"state\" aria-label=\"State\"><option value=\"\">Every state</option>";
  for (const char* s : {"pending", "delivered", "failed"})
    h += "<option" + std::string(state == s ? " selected" : "") + ">" + s + "</option>";
  h += "</select><button type=\"submit\" class=\"secondary\">Filter</button></form>";
  const auto& rows = d.Array("deliveries");
  if (rows.empty()) return Page(ctx, Text(w, "name"), "webhooks", h + Empty("No deliveries yet.", "Change a record, or send a test."));
  h += "<div class=\"table-wrap\"><table class=\"striped\" id=\"deliveries\"><thead><tr><th scope=\"col\">Event</th><th scope=\"col\">State</th>"
       "<th scope=\"col\">Attempts</th><th scope=\"col\">Last answer</th><th scope=\"col\">Created</th><th scope=\"col\"></th></tr></thead><tbody>";
  for (const auto& v : rows) {
    if (!v.is_object()) continue;
    const auto& x = v.get_object();
    std::string attempts, last;
    if (const auto* at = x.if_contains("attempts"); at && at->is_array()) {
      attempts = std::to_string(at->get_array().size());
      if (!at->get_array().empty() && at->get_array().back().is_object()) {
        const auto& l = at->get_array().back().get_object();
        last = (Text(l, "status").empty() ? "" : "HTTP " + Text(l, "status") + " ") + Text(l, "error") + " (" + Text(l, "latency_ms") + " ms)";
      }
    }
    h += "<tr><td><code>" + Esc(Text(x, "event")) + "</code></td><td>" + Badge(Text(x, "state")) + "</td><td>" + attempts + "</td><td>" +
         Esc(last) + "</td><td>" + Esc(When(Text(x, "created_at"))) + "</td><td>" +
         ButtonForm(ctx, "/admin/webhooks/" + id + "/deliveries/" + Text(x, "id") + "/redeliver", "Send again", "secondary outline") + "</td></tr>";
  }
  h += "</tbody></table></div>";
  return Page(ctx, Text(w, "name"), "webhooks", h);
}

http::Response Test(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto a = ctx.Call("POST", "/api/v1/webhooks/" + id + "/test", json::object{});
  bool ok = a.ok() && a.body.is_object() && Bool(a.body.get_object(), "ok");
  std::string message = a.ok() && a.body.is_object() ? Text(a.body.get_object(), "message") : a.Message();
  if (!ctx.req.Header("HX-Request")) return Redirect("/admin/webhooks/" + id, message);
  return Fragment(std::string("<p class=\"") + (ok ? "test-ok" : "test-failed") + "\" role=\"status\">" + Esc(message) + "</p>");
}

http::Response Redeliver(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto a = ctx.Call("POST", "/api/v1/webhooks/" + id + "/deliveries/" + std::to_string(ctx.PathNumber("delivery")) + "/redeliver", json::object{});
  return Redirect("/admin/webhooks/" + id, a.ok() ? "Queued to be sent again." : "Not queued: " + a.Message());
}

http::Response Delete(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto a = ctx.Call("DELETE", "/api/v1/webhooks/" + id);
  return Redirect(a.ok() ? "/admin/webhooks" : "/admin/webhooks/" + id, a.ok() ? "Webhook deleted." : "Not deleted: " + a.Message());
}

}  // namespace

void AddWebhookPages(PageRoutes& r) {
  r.push_back({"GET", "/admin/webhooks", List, true});
  r.push_back({"GET", "/admin/webhooks/new", New, true});
  r.push_back({"POST", "/admin/webhooks/new", Create, true});
  r.push_back({"GET", "/admin/webhooks/{id}", Show, true});
  r.push_back({"GET", "/admin/webhooks/{id}/edit", Edit, true});
  r.push_back({"POST", "/admin/webhooks/{id}/edit", Update, true});
  r.push_back({"POST", "/admin/webhooks/{id}/test", Test, true});
  r.push_back({"POST", "/admin/webhooks/{id}/delete", Delete, true});
  r.push_back({"POST", "/admin/webhooks/{id}/deliveries/{delivery}/redeliver", Redeliver, true});
}

}  // namespace cairn::web
