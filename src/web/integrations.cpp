// Admin > Integrations: a card per vendor, the setup form, test connection, runs (start, stop,
// live progress over server-sent events, the report), and Match Companies.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <set>

#include "connectors/catalog.h"
#include "core/text.h"
#include "web/internal.h"

namespace cairn::web {
namespace {

using connectors::CredentialField;
using connectors::VendorInfo;

const std::vector<std::string_view> kActions = {"created", "updated", "archived", "unarchived",
                                                "unchanged", "skipped", "failed"};

// "public_key" -> "Public key", "api_key" -> "API key", "client_id" -> "Client ID"
std::string Label(std::string_view name) {
  std::string out;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('_', start);
    if (end == std::string_view::npos) end = name.size();
    std::string word(name.substr(start, end - start));
    if (word == "api" || word == "id" || word == "url") {
      for (auto& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    out += (out.empty() ? "" : " ") + word;
    start = end + 1;
  }
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

std::string OptionHint(std::string_view option) {
  if (option == "auto_update_names") return "Rename companies here when they are renamed at the vendor.";
  if (option == "do_not_update_company_details") return "Never overwrite a company's address, phone and website.";
  if (option == "match_on_serial") return "Stack devices with the same serial number onto one asset.";
  if (option == "do_not_match_on_serial") return "Keep devices with the same serial number as separate assets.";
  if (option == "skip_systems") return "Import organizations and sites, but no devices.";
  return "";
}

bool Running(const std::string& state) { return state == "queued" || state == "running"; }

// The counts of a run as a table, one row per kind.
std::string CountsTable(const json::object& run) {
  const auto* counts = run.if_contains("counts");
  const auto* progress = run.if_contains("progress");
  std::set<std::string> kinds;
  if (counts && counts->is_object())
    for (const auto& kv : counts->get_object()) kinds.insert(std::string(kv.key()));
  if (progress && progress->is_object())
    for (const auto& kv : progress->get_object()) kinds.insert(std::string(kv.key()));
  if (kinds.empty()) return "<p class=\"muted\">Nothing counted yet.</p>";
  std::string h = "<div class=\"table-wrap\"><table class=\"counts\"><thead><tr><th scope=\"col\">Kind</th>";
  for (auto a : kActions) h += "<th scope=\"col\">" + Label(a) + "</th>";
  h += "<th scope=\"col\">Read</th></tr></thead><tbody>";
  for (const auto& kind : kinds) {
    h += "<tr><th scope=\"row\">" + Esc(Label(kind)) + "</th>";
    const json::object* c = nullptr;
    if (counts && counts->is_object())
      if (const auto* v = counts->get_object().if_contains(kind); v && v->is_object()) c = &v->get_object();
    for (auto a : kActions) h += "<td data-kind=\"" + Esc(kind) + "\" data-action=\"" + std::string(a) + "\">" + (c ? std::to_string(Int(*c, a)) : "0") + "</td>";
    std::string read;
    if (progress && progress->is_object())
      if (const auto* p = progress->get_object().if_contains(kind); p && p->is_object()) {
        read = std::to_string(Int(p->get_object(), "seen"));
        if (int64_t total = Int(p->get_object(), "total", -1); total >= 0) read += " of " + std::to_string(total);
      }
    h += "<td>" + Esc(read) + "</td></tr>";
  }
  return h + "</tbody></table></div>";
}

std::string ErrorsList(const json::object& run) {
  const auto* errors = run.if_contains("errors");
  if (!errors || !errors->is_array() || errors->get_array().empty()) return "";
  std::string h = "<section class=\"run-errors\" role=\"alert\"><h3>Errors</h3><ul>";
  for (const auto& e : errors->get_array()) {
    if (e.is_object()) {
      const auto& o = e.get_object();
      std::string where = Text(o, "kind");
      if (!Text(o, "sync_id").empty()) where += " " + Text(o, "sync_id");
      h += "<li>" + (where.empty() ? "" : "<strong>" + Esc(where) + ":</strong> ") + Esc(Text(o, "message")) + "</li>";
    } else {
      h += "<li>" + Esc(Text(&e)) + "</li>";
    }
  }
  return h + "</ul></section>";
}

// The part of a run's page that changes while it runs (sent again over server-sent events).
std::string RunStatus(const json::object& run) {
  std::string state = Text(run, "state");
  std::string h = "<p class=\"run-state\">" + Badge(state);
  if (Bool(run, "dry_run")) h += " " + Badge("dry run");
  if (!Text(run, "phase").empty() && Running(state)) h += " <span class=\"muted\">reading " + Esc(Text(run, "phase")) + "&hellip;</span>";
  h += " <small class=\"muted\">" + std::to_string(Int(run, "requests")) + " vendor calls</small></p>";
  h += CountsTable(run) + ErrorsList(run);
  return h;
}

// ---- the list ----

http::Response List(Ctx& ctx) {
  auto a = ctx.Call("GET", "/api/v1/integrations?page_size=100");
  if (!a.ok()) return ErrorPage(ctx, a);
  std::map<std::string, std::vector<const json::object*>> by_slug;
  for (const auto& v : a.Array("integrations"))
    if (v.is_object()) by_slug[Text(v.get_object(), "slug")].push_back(&v.get_object());

  std::string h = "<hgroup><h1>Integrations</h1><p>Connect your PSA and RMM: Cairn brings in their companies, people, "
                  "locations and devices, and keeps them in step.</p></hgroup>";
  if (!a.Array("integrations").empty())
    h += "<p>" + ButtonForm(ctx, "/admin/integrations/sync_all", "Sync all now", "secondary") + "</p>";
  h += "<div class=\"grid-cards\">";
  for (const auto& vendor : connectors::Vendors()) {
    std::string slug(vendor.slug);
    h += "<article class=\"vendor-card\" id=\"vendor-" + Esc(slug) + "\"><header><h2>" + Esc(std::string(vendor.display_name)) + "</h2></header>";
    auto it = by_slug.find(slug);
    if (it == by_slug.end()) {
      if (vendor.push_only)
        h += "<p class=\"muted\">Pushes its customers into Cairn through the API: give it an API key of its own. Its "
             "integration appears here once it has pushed.</p>";
      else
        h += "<p class=\"muted\">Not connected.</p><footer><a role=\"button\" href=\"/admin/integrations/new?slug=" + Esc(slug) +
             "\">Set up " + Esc(std::string(vendor.display_name)) + "</a></footer>";
      h += "</article>";
      continue;
    }
    for (const auto* i : it->second) {
      std::string id = Text(*i, "id");
      auto runs = ctx.Call("GET", "/api/v1/sync_runs?integration_id=" + id + "&page_size=1");
      h += "<p><a href=\"/admin/integrations/" + id + "\"><strong>" + Esc(Text(*i, "name")) + "</strong></a> " +
           (Bool(*i, "enabled") ? "" : Badge("disabled")) + "</p>";
      if (!runs.Array("sync_runs").empty() && runs.Array("sync_runs")[0].is_object()) {
        const auto& r = runs.Array("sync_runs")[0].get_object();
        h += "<p>Last run: <a href=\"/admin/sync_runs/" + Text(r, "id") + "\">" + Badge(Text(r, "state")) + "</a> <small class=\"muted\">" +
             Esc(When(Text(r, Text(r, "finished_at").empty() ? "created_at" : "finished_at"))) + "</small></p>";
      } else {
        h += "<p class=\"muted\">Never synced.</p>";
      }
    }
    if (!vendor.push_only)
      h += "<footer><a href=\"/admin/integrations/new?slug=" + Esc(slug) + "\" class=\"secondary\">Add another</a></footer>";
    h += "</article>";
  }
  h += "</div>";
  return Page(ctx, "Integrations", "integrations", h);
}

// ---- the setup form ----

struct FormState {
  std::string name;
  std::map<std::string, std::string> credentials;
  std::map<std::string, std::string> layouts;
  std::map<std::string, bool> options;
  std::string skip_types;
  std::string interval = "180";
  bool enabled = true;
};

FormState FromIntegration(const json::object& i) {
  FormState s;
  s.name = Text(i, "name");
  if (const auto* c = i.if_contains("credentials"); c && c->is_object())
    for (const auto& kv : c->get_object()) s.credentials[std::string(kv.key())] = Text(&kv.value());
  if (const auto* l = i.if_contains("default_layouts"); l && l->is_object())
    for (const auto& kv : l->get_object()) s.layouts[std::string(kv.key())] = Text(&kv.value());
  if (const auto* o = i.if_contains("options"); o && o->is_object())
    for (const auto& kv : o->get_object()) s.options[std::string(kv.key())] = kv.value().is_bool() && kv.value().get_bool();
  if (const auto* t = i.if_contains("skip_types"); t && t->is_array())
    for (const auto& x : t->get_array()) s.skip_types += (s.skip_types.empty() ? "" : "\n") + Text(&x);
  s.interval = Text(i, "interval_minutes");
  s.enabled = Bool(i, "enabled");
  return s;
}

FormState FromForm(const Ctx& ctx, const VendorInfo& v) {
  FormState s;
  s.name = ctx.F("name");
  for (const auto& f : v.credentials) s.credentials[std::string(f.name)] = ctx.F("credentials." + std::string(f.name));
  for (auto k : v.layout_kinds) s.layouts[std::string(k)] = ctx.F("default_layouts." + std::string(k));
  for (auto o : v.options) s.options[std::string(o)] = ctx.F("options." + std::string(o)) == "true";
  s.skip_types = ctx.F("skip_types");
  s.interval = ctx.F("interval_minutes");
  s.enabled = ctx.F("enabled") == "true";
  return s;
}

// The API body of a form; secrets left blank on an edit keep what is stored.
json::object Body(const FormState& s, const VendorInfo& v, bool editing) {
  json::object o;
  o["slug"] = std::string(v.slug);
  o["name"] = s.name;
  json::object creds;
  for (const auto& f : v.credentials) {
    std::string value = s.credentials.count(std::string(f.name)) ? s.credentials.at(std::string(f.name)) : "";
    if (f.kind == CredentialField::Kind::kSecret && editing && value.empty()) value = "********";
    creds[f.name] = value;
  }
  o["credentials"] = std::move(creds);
  json::object layouts;
  for (auto k : v.layout_kinds) {
    std::string value = s.layouts.count(std::string(k)) ? s.layouts.at(std::string(k)) : "";
    if (!value.empty()) layouts[k] = std::atoll(value.c_str());  // none: the API says it can't be blank
  }
  o["default_layouts"] = std::move(layouts);
  json::object options;
  for (auto opt : v.options) options[opt] = s.options.count(std::string(opt)) && s.options.at(std::string(opt));
  o["options"] = std::move(options);
  json::array skip;
  for (auto& t : ListItems(s.skip_types)) skip.emplace_back(std::move(t));
  o["skip_types"] = std::move(skip);
  char* end = nullptr;
  long long n = std::strtoll(s.interval.c_str(), &end, 10);
  if (!s.interval.empty() && end && *end == '\0') o["interval_minutes"] = n;
  else o["interval_minutes"] = s.interval;  // the API names what is wrong with it
  o["enabled"] = s.enabled;
  return o;
}

std::vector<std::string> FieldNames(const VendorInfo& v) {
  std::vector<std::string> out = {"name", "credentials", "default_layouts", "options", "skip_types", "interval_minutes", "enabled", "slug"};
  for (const auto& f : v.credentials) out.push_back("credentials." + std::string(f.name));
  for (auto k : v.layout_kinds) out.push_back("default_layouts." + std::string(k));
  for (auto o : v.options) out.push_back("options." + std::string(o));
  return out;
}

// A form field's HTML made to be checked as soon as it changes (CheckField): its input or select
// posts the field to /admin/integrations/check, and the answer goes in a span after it
// ("live-site" for credentials.site: a CSS id selector can't hold the dot).
std::string Live(std::string field_html, std::string_view slug, const std::string& name, bool editing) {
  std::string live = name.rfind("credentials.", 0) == 0 ? name.substr(12) : name;
  std::replace(live.begin(), live.end(), '.', '-');
  live = "live-" + live;
  std::string attrs = " hx-post=\"/admin/integrations/check?slug=" + std::string(slug) + "&amp;field=" + Esc(Url(name)) +
                      (editing ? "&amp;editing=1" : "") + "\" hx-trigger=\"change\" hx-target=\"#" + Esc(live) +
                      "\" hx-swap=\"innerHTML\"";
  for (const char* tag : {"<input ", "<select "}) {
    auto at = field_html.find(tag);
    if (at != std::string::npos) {
      field_html.insert(at + std::string_view(tag).size() - 1, attrs);
      break;
    }
  }
  return field_html + "<span id=\"" + Esc(live) + "\" aria-live=\"polite\"></span>";
}

http::Response Form(Ctx& ctx, const VendorInfo& v, const FormState& s, const std::string& action, bool editing,
                    const std::map<std::string, std::string>& errors, int status) {
  auto layouts = ctx.Call("GET", "/api/v1/asset_layouts?page_size=1000");
  std::vector<std::pair<std::string, std::string>> choices = {{"", "Choose a layout"}};
  for (const auto& l : layouts.Array("asset_layouts"))
    if (l.is_object() && Bool(l.get_object(), "active"))
      choices.emplace_back(Text(l.get_object(), "id"), Text(l.get_object(), "name"));
  std::string title = (editing ? "Edit " : "Set up ") + std::string(v.display_name);
  std::string h = "<nav aria-label=\"breadcrumb\"><ul><li><a href=\"/admin/integrations\">Integrations</a></li><li>" +
                  Esc(title) + "</li></ul></nav><h1>" + Esc(title) + "</h1>";
  if (!errors.empty()) {
    h += "<p class=\"form-error\" role=\"alert\" id=\"form-errors\">The integration was not saved: fix the fields marked below.";
    if (auto it = errors.find(""); it != errors.end()) h += " " + Esc(it->second);
    h += "</p>";
  }
  h += "<form method=\"post\" action=\"" + Esc(action) + "\" novalidate class=\"setup\">" + CsrfField(ctx);
  h += Live(Input({.name = "name", .label = "Name", .value = s.name, .hint = "How this connection is shown in Cairn and in the activity log.",
                    .error = ErrorOf(errors, "name"), .placeholder = std::string(v.display_name)}),
            v.slug, "name", editing);
  h += "<fieldset><legend>Credentials</legend>";
  if (auto e = ErrorOf(errors, "credentials"); !e.empty()) h += "<small class=\"field-error\">" + Esc(e) + "</small>";
  for (const auto& f : v.credentials) {
    std::string name = "credentials." + std::string(f.name);
    std::string value = s.credentials.count(std::string(f.name)) ? s.credentials.at(std::string(f.name)) : "";
    bool secret = f.kind == CredentialField::Kind::kSecret;
    web::Field in{.name = name, .label = Label(f.name), .value = secret ? "" : value, .type = secret ? "password" : "text",
                  .error = ErrorOf(errors, name), .required = f.required && !(secret && editing)};
    if (secret) {
      in.autocomplete = "new-password";
      in.hint = editing ? "Stored and never shown. Leave blank to keep it." : "Stored encrypted and never shown again.";
    } else if (!f.example.empty()) {
      in.placeholder = std::string(f.example);
      in.hint = f.kind == CredentialField::Kind::kHost ? "The host name only, e.g. " + std::string(f.example)
                : f.kind == CredentialField::Kind::kUrl ? "The https:// address, e.g. " + std::string(f.example)
                                                        : "";
    }
    std::string field_html = Live(Input(in), v.slug, name, editing);
    h += field_html;
  }
  h += "</fieldset><fieldset><legend>Where records go</legend>";
  for (auto k : v.layout_kinds) {
    std::string name = "default_layouts." + std::string(k);
    h += Live(Select({.name = name, .label = "Layout for " + std::string(k),
                      .value = s.layouts.count(std::string(k)) ? s.layouts.at(std::string(k)) : "",
                      .hint = "Records of a type without a sort rule go to this layout.", .error = ErrorOf(errors, name), .required = true},
                     choices),
              v.slug, name, editing);
  }
  if (choices.size() == 1)
    h += "<p class=\"muted\">There is no active asset layout yet: create the layouts first (for example People, Locations, Computers).</p>";
  h += "</fieldset><fieldset><legend>Options</legend>";
  for (auto o : v.options) {
    std::string name = "options." + std::string(o);
    h += Checkbox(name, Label(o), s.options.count(std::string(o)) && s.options.at(std::string(o)), OptionHint(o));
    if (auto e = ErrorOf(errors, name); !e.empty()) h += "<small class=\"field-error\">" + Esc(e) + "</small>";
  }
  h += "<label for=\"f-skip_types\">Types to skip</label><textarea id=\"f-skip_types\" name=\"skip_types\" rows=\"3\"" +
       std::string(ErrorOf(errors, "skip_types").empty() ? "" : " aria-invalid=\"true\"") + ">" + Esc(s.skip_types) +
       "</textarea><small>One vendor type per line; records of these types are not imported.</small>";
  if (auto e = ErrorOf(errors, "skip_types"); !e.empty()) h += "<small class=\"field-error\">" + Esc(e) + "</small>";
  h += Live(Input({.name = "interval_minutes", .label = "Sync every (minutes)", .value = s.interval, .type = "number",
                    .hint = "From 5 minutes to a week (10080). The default is every 3 hours.", .error = ErrorOf(errors, "interval_minutes")}),
            v.slug, "interval_minutes", editing);
  h += Checkbox("enabled", "Enabled: sync on the schedule", s.enabled);
  h += "</fieldset><button type=\"submit\">Save</button> <a href=\"/admin/integrations\" class=\"secondary\">Cancel</a></form>";
  return Page(ctx, title, "integrations", h, status);
}

const VendorInfo* SyncedVendor(const std::string& slug) {
  const VendorInfo* v = connectors::FindVendor(slug);
  return v && !v->push_only ? v : nullptr;
}

// A field of the setup form checked as soon as it changes (htmx), with the words the save uses:
// its problem, or nothing.
http::Response CheckField(Ctx& ctx) {
  const VendorInfo* v = SyncedVendor(ctx.Q("slug"));
  if (!v) return Fragment("", 404);
  std::string field = ctx.Q("field");
  std::string value = ctx.F(field);
  bool editing = ctx.Q("editing") == "1";
  std::optional<std::string> problem;
  bool known = false;
  if (field == "name") {
    known = true;
    if (Trim(value).size() > 255) problem = "is too long (at most 255 characters)";
  } else if (field == "interval_minutes") {
    known = true;
    char* end = nullptr;
    errno = 0;
    long long n = value.empty() ? 180 : std::strtoll(value.c_str(), &end, 10);
    if (!value.empty() && (*end != '\0' || errno == ERANGE || n < 5 || n > 10080))
      problem = "must be a whole number of minutes from 5 to 10080 (a week)";
  } else if (field.rfind("default_layouts.", 0) == 0) {
    std::string kind = field.substr(16);
    for (auto k : v->layout_kinds)
      if (k == kind) {
        known = true;
        if (value.empty()) problem = "can't be blank (the layout for " + kind + " without a sort rule)";
      }
  } else if (field.rfind("credentials.", 0) == 0) {
    for (const auto& f : v->credentials) {
      if ("credentials." + std::string(f.name) != field) continue;
      known = true;
      bool secret = f.kind == CredentialField::Kind::kSecret;
      if (value.empty()) {
        if (f.required && !(secret && editing)) problem = "can't be blank";
      } else if (f.kind == CredentialField::Kind::kHost) {
        problem = connectors::CheckHost(value, f.example);
      } else if (f.kind == CredentialField::Kind::kUrl) {
        problem = connectors::CheckUrl(value, f.example);
      }
    }
  }
  if (!known) return Fragment("", 404);
  if (!problem) return Fragment("");
  std::string text = *problem;
  if (!text.empty()) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  return Fragment("<small class=\"field-error\">" + Esc(text) + "</small>");
}

http::Response New(Ctx& ctx) {
  const VendorInfo* v = SyncedVendor(ctx.Q("slug"));
  if (!v) return ErrorPage(ctx, ApiAnswer{404, json::object{{"error", "Choose a vendor to set up."}}}, "/admin/integrations");
  FormState s;
  s.name = std::string(v->display_name);
  return Form(ctx, *v, s, "/admin/integrations/new?slug=" + std::string(v->slug), false, {}, 200);
}

http::Response Create(Ctx& ctx) {
  const VendorInfo* v = SyncedVendor(ctx.Q("slug"));
  if (!v) return ErrorPage(ctx, ApiAnswer{404, json::object{{"error", "Choose a vendor to set up."}}}, "/admin/integrations");
  FormState s = FromForm(ctx, *v);
  auto a = ctx.Call("POST", "/api/v1/integrations", json::object{{"integration", Body(s, *v, false)}});
  if (!a.ok())
    return Form(ctx, *v, s, "/admin/integrations/new?slug=" + std::string(v->slug), false, a.FieldErrors(FieldNames(*v)), a.status);
  return Redirect("/admin/integrations/" + Text(a.Object("integration"), "id"),
                  "Saved. Test the connection, then start the first sync: it finds the vendor's companies for you to match.");
}

http::Response Edit(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto a = ctx.Call("GET", "/api/v1/integrations/" + id);
  if (!a.ok()) return ErrorPage(ctx, a, "/admin/integrations");
  const VendorInfo* v = SyncedVendor(Text(a.Object("integration"), "slug"));
  if (!v) return ErrorPage(ctx, ApiAnswer{404, json::object{{"error", "This integration has nothing to set up."}}}, "/admin/integrations");
  return Form(ctx, *v, FromIntegration(a.Object("integration")), "/admin/integrations/" + id + "/edit", true, {}, 200);
}

http::Response Update(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto cur = ctx.Call("GET", "/api/v1/integrations/" + id);
  if (!cur.ok()) return ErrorPage(ctx, cur, "/admin/integrations");
  const VendorInfo* v = SyncedVendor(Text(cur.Object("integration"), "slug"));
  if (!v) return ErrorPage(ctx, ApiAnswer{404, json::object{{"error", "This integration has nothing to set up."}}}, "/admin/integrations");
  FormState s = FromForm(ctx, *v);
  auto body = Body(s, *v, true);
  body.erase("slug");
  auto a = ctx.Call("PUT", "/api/v1/integrations/" + id, json::object{{"integration", body}});
  if (!a.ok()) return Form(ctx, *v, s, "/admin/integrations/" + id + "/edit", true, a.FieldErrors(FieldNames(*v)), a.status);
  return Redirect("/admin/integrations/" + id, "Saved.");
}

// ---- one integration ----

http::Response Show(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto a = ctx.Call("GET", "/api/v1/integrations/" + id);
  if (!a.ok()) return ErrorPage(ctx, a, "/admin/integrations");
  const auto& i = a.Object("integration");
  auto runs = ctx.Call("GET", "/api/v1/sync_runs?integration_id=" + id + "&page_size=20");
  auto unmatched = ctx.Call("GET", "/api/v1/matchers?integration_id=" + id + "&matched=false&page_size=1000");
  const VendorInfo* v = connectors::FindVendor(Text(i, "slug"));
  bool push_only = v && v->push_only;

  std::string h = "<nav aria-label=\"breadcrumb\"><ul><li><a href=\"/admin/integrations\">Integrations</a></li><li>" +
                  Esc(Text(i, "name")) + "</li></ul></nav>";
  h += "<hgroup><h1>" + Esc(Text(i, "name")) + " " + (Bool(i, "enabled") ? "" : Badge("disabled")) + "</h1><p>" +
       Esc(Text(i, "vendor")) + (push_only ? "" : ", every " + Esc(Text(i, "interval_minutes")) + " minutes") + "</p></hgroup>";
  bool running = false;
  for (const auto& r : runs.Array("sync_runs"))
    if (r.is_object() && Running(Text(r.get_object(), "state"))) running = true;
  // Before the first import (discovery aside), suggest looking at what it would do.
  int real_runs = 0;
  for (const auto& r : runs.Array("sync_runs"))
    if (r.is_object() && !Bool(r.get_object(), "dry_run") && Text(r.get_object(), "state") == "succeeded") ++real_runs;
  if (!push_only && real_runs == 1)
    h += "<p class=\"notice\" id=\"preview-hint\">Companies are found. Before the first import, <strong>Preview</strong> it: a dry "
         "run lists everything it would create, field by field, and writes nothing.</p>";
  if (!push_only) {
    h += "<section class=\"actions\"><div role=\"group\">";
    h += "<button type=\"button\" class=\"secondary\" hx-post=\"/admin/integrations/" + id +
         "/test\" hx-target=\"#test-result\" hx-swap=\"innerHTML\" hx-indicator=\"#test-busy\" id=\"test-connection\">Test connection</button>";
    h += "<a role=\"button\" class=\"secondary outline\" href=\"/admin/integrations/" + id + "/edit\">Edit</a></div>";
    h += "<p id=\"test-busy\" class=\"htmx-indicator muted\">Testing&hellip;</p><div id=\"test-result\" aria-live=\"polite\"></div>";
    h += "<div class=\"run-buttons\">" +
         ButtonForm(ctx, "/admin/integrations/" + id + "/sync", running ? "A run is under way" : "Start sync", running ? "" : "primary") +
         ButtonForm(ctx, "/admin/integrations/" + id + "/sync", "Preview (dry run)", "secondary", "", {{"dry_run", "true"}}) +
         ButtonForm(ctx, "/admin/integrations/" + id + "/sync", "Full re-sync", "secondary outline",
                    "A full re-sync reads everything from the vendor again. Start it?", {{"full", "true"}}) +
         "</div></section>";
  }
  size_t n_unmatched = 0;
  for (const auto& m : unmatched.Array("matchers"))
    if (m.is_object() && !Bool(m.get_object(), "leave_unmatched")) ++n_unmatched;
  h += "<section><h2>Companies</h2><p>";
  if (n_unmatched > 0)
    h += "<strong>" + std::to_string(n_unmatched) + "</strong> vendor companies are not matched yet: their records are not "
         "imported until you match them. ";
  h += "<a href=\"/admin/integrations/" + id + "/match\" role=\"button\" class=\"" + (n_unmatched ? "" : "secondary outline") +
       "\">Match companies</a></p></section><section><h2>Sort rules and connected fields</h2><p>Send vendor types to the "
       "layouts you choose and keep layout fields filled from the cards. <a href=\"/admin/integrations/" + id +
       "/sort_rules\">Sort rules and connected fields</a></p></section>";
  h += "<section><h2>Runs</h2>";
  const auto& list = runs.Array("sync_runs");
  if (list.empty()) {
    h += Empty("No runs yet.", push_only ? "This vendor pushes into Cairn: nothing is synced from it."
                                         : "Start a sync: the first one finds the vendor's companies for you to match; "
                                           "the next ones import their people, locations and devices.");
  } else {
    h += "<div class=\"table-wrap\"><table class=\"striped\" id=\"runs\" data-sortable><thead><tr><th scope=\"col\">Run</th><th scope=\"col\">State</th>"
         "<th scope=\"col\">Started</th><th scope=\"col\">Trigger</th><th scope=\"col\">Created</th><th scope=\"col\">Updated</th>"
         "<th scope=\"col\">Failed</th></tr></thead><tbody>";
    for (const auto& rv : list) {
      if (!rv.is_object()) continue;
      const auto& r = rv.get_object();
      int64_t created = 0, updated = 0, failed = 0;
      if (const auto* c = r.if_contains("counts"); c && c->is_object())
        for (const auto& kv : c->get_object())
          if (kv.value().is_object()) {
            created += Int(kv.value().get_object(), "created");
            updated += Int(kv.value().get_object(), "updated");
            failed += Int(kv.value().get_object(), "failed");
          }
      h += "<tr><td><a href=\"/admin/sync_runs/" + Text(r, "id") + "\">#" + Text(r, "id") + "</a>" +
           (Bool(r, "dry_run") ? " " + Badge("dry run") : "") + "</td><td>" + Badge(Text(r, "state")) + "</td>" +
           TimeCell(Text(r, Text(r, "started_at").empty() ? "created_at" : "started_at")) + "<td>" + Esc(Text(r, "trigger")) +
           "</td><td>" + std::to_string(created) + "</td><td>" + std::to_string(updated) + "</td><td>" + std::to_string(failed) + "</td></tr>";
    }
    h += "</tbody></table></div>";
  }
  h += "</section><section class=\"danger\"><h2>Remove</h2><p>Removing the integration keeps the companies and assets it "
       "documented and drops its matches, cards and run history.</p>" +
       ButtonForm(ctx, "/admin/integrations/" + id + "/delete", "Remove integration", "secondary outline",
                  "Remove this integration? Its companies and assets stay.") +
       "</section>";
  return Page(ctx, Text(i, "name"), "integrations", h);
}

http::Response Test(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto a = ctx.Call("POST", "/api/v1/integrations/" + id + "/test", json::object{});
  bool htmx = ctx.req.Header("HX-Request").has_value();
  bool ok = a.ok() && a.body.is_object() && Bool(a.body.get_object(), "ok");
  std::string message = a.ok() && a.body.is_object() ? Text(a.body.get_object(), "message") : a.Message();
  if (!htmx) return Redirect("/admin/integrations/" + id, (ok ? "Connection test: " : "Connection test failed: ") + message);
  return Fragment(std::string("<p class=\"") + (ok ? "test-ok" : "test-failed") + "\" role=\"status\">" +
                  (ok ? "&#10003; " : "&#10007; ") + Esc(message) + "</p>");
}

http::Response StartSync(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  json::object body{{"dry_run", ctx.F("dry_run") == "true"}, {"full", ctx.F("full") == "true"}};
  auto a = ctx.Call("POST", "/api/v1/integrations/" + id + "/sync", body);
  if (!a.ok()) return Redirect("/admin/integrations/" + id, "The sync did not start: " + a.Message());
  return Redirect("/admin/sync_runs/" + Text(a.Object("sync_run"), "id"));
}

http::Response SyncAll(Ctx& ctx) {
  auto a = ctx.Call("POST", "/api/v1/integrations/sync_all", json::object{});
  if (!a.ok()) return Redirect("/admin/integrations", "Sync all did not start: " + a.Message());
  size_t started = a.Array("sync_runs").size();
  return Redirect("/admin/integrations", "Started " + std::to_string(started) + (started == 1 ? " run." : " runs."));
}

http::Response Delete(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto a = ctx.Call("DELETE", "/api/v1/integrations/" + id);
  if (!a.ok()) return Redirect("/admin/integrations/" + id, "Not removed: " + a.Message());
  return Redirect("/admin/integrations", "The integration was removed.");
}

// ---- runs ----

http::Response RunPage(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto a = ctx.Call("GET", "/api/v1/sync_runs/" + id);
  if (!a.ok()) return ErrorPage(ctx, a, "/admin/integrations");
  const auto& run = a.Object("sync_run");
  std::string integration_id = Text(run, "integration_id");
  auto i = ctx.Call("GET", "/api/v1/integrations/" + integration_id);
  std::string name = Text(i.Object("integration"), "name");
  bool running = Running(Text(run, "state"));
  std::string h = "<nav aria-label=\"breadcrumb\"><ul><li><a href=\"/admin/integrations\">Integrations</a></li><li><a href=\"/admin/integrations/" +
                  Esc(integration_id) + "\">" + Esc(name) + "</a></li><li>Run #" + Esc(id) + "</li></ul></nav>";
  h += "<h1>Run #" + Esc(id) + "</h1>";
  h += "<section id=\"run-status\"" + (running ? " data-sse=\"/admin/sync_runs/" + Esc(id) + "/events\"" : std::string()) + ">" +
       RunStatus(run) + "</section>";
  if (running)
    h += ButtonForm(ctx, "/admin/sync_runs/" + id + "/stop", "Stop this run", "secondary outline", "Stop the run? What it has applied stays.");

  // The report: what changed, field by field.
  std::string kind = ctx.Q("kind"), action = ctx.Q("action", running ? "" : "");
  int64_t page = std::max<int64_t>(1, std::atoll(ctx.Q("page", "1").c_str()));
  std::string api = "/api/v1/sync_runs/" + id + "/changes?page=" + std::to_string(page) + "&page_size=51";
  if (!kind.empty()) api += "&kind=" + Url(kind);
  if (!action.empty()) api += "&action=" + Url(action);
  auto changes = ctx.Call("GET", api);
  h += "<section><h2>" + std::string(Bool(run, "dry_run") ? "What a real run would change" : "What changed") + "</h2>";
  h += "<form method=\"get\" class=\"toolbar\"><select name=\"action\" aria-label=\"Action\"><option value=\"\">Every action</option>";
  for (auto act : kActions)
    if (act != "unchanged") h += "<option value=\"" + std::string(act) + "\"" + (action == act ? " selected" : "") + ">" + Label(act) + "</option>";
  h += "</select><input type=\"text\" name=\"kind\" placeholder=\"Kind (e.g. contacts)\" aria-label=\"Kind\" value=\"" + Esc(kind) +
       "\"><button type=\"submit\" class=\"secondary\">Filter</button></form>";
  const auto& rows = changes.Array("changes");
  if (rows.empty()) {
    h += Empty(running ? "Nothing reported yet." : "No changes.", running ? "Changes appear here as the run applies them."
                                                                         : "The vendor and Cairn already agree.");
  } else {
    h += "<div class=\"table-wrap\"><table class=\"striped\" id=\"changes\"><thead><tr><th scope=\"col\">Record</th><th scope=\"col\">Kind</th>"
         "<th scope=\"col\">Action</th><th scope=\"col\">Fields</th></tr></thead><tbody>";
    size_t shown = 0;
    for (const auto& cv : rows) {
      if (shown++ == 50) break;
      if (!cv.is_object()) continue;
      const auto& c = cv.get_object();
      std::string record = Esc(Text(c, "name"));
      if (Text(c, "record_type") == "Asset" && !Text(c, "record_id").empty())
        record = "<a href=\"/assets/" + Text(c, "record_id") + "\">" + record + "</a>";
      else if (Text(c, "record_type") == "Company" && !Text(c, "record_id").empty())
        record = "<a href=\"/companies/" + Text(c, "record_id") + "\">" + record + "</a>";
      std::string fields;
      if (const auto* f = c.if_contains("changes"); f && f->is_object()) {
        for (const auto& kv : f->get_object()) {
          std::string from, to;
          if (kv.value().is_object()) {
            from = Text(kv.value().get_object(), "from");
            to = Text(kv.value().get_object(), "to");
          } else {
            to = Text(&kv.value());
          }
          fields += "<div><code>" + Esc(std::string(kv.key())) + "</code>: " + (from.empty() ? "" : "<del>" + Esc(from) + "</del> &rarr; ") +
                    "<ins>" + Esc(to) + "</ins></div>";
        }
      }
      if (!Text(c, "error").empty()) fields += "<div class=\"field-error\">" + Esc(Text(c, "error")) + "</div>";
      h += "<tr><td>" + record + "</td><td>" + Esc(Text(c, "kind")) + "</td><td>" + Badge(Text(c, "action")) + "</td><td>" + fields + "</td></tr>";
    }
    h += "</tbody></table></div>";
    h += Pager("/admin/sync_runs/" + id + "?kind=" + Url(kind) + "&action=" + Url(action) + "&", page, rows.size() > 50);
  }
  h += "</section>";
  return Page(ctx, "Run #" + id, "integrations", h);
}

// Server-sent events: the run's status part every half second while it runs, then "done".
http::Response RunEvents(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto first = ctx.Call("GET", "/api/v1/sync_runs/" + id);
  if (!first.ok()) return Fragment("", first.status);
  http::Response r;
  r.content_type = "text/event-stream";
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  auto event = [](const std::string& name, std::string html) {
    std::erase(html, '\r');  // a lone CR would end an event line early
    std::string out = "event: " + name + "\n";
    size_t start = 0;
    while (start <= html.size()) {
      size_t nl = html.find('\n', start);
      if (nl == std::string::npos) nl = html.size();
      out += "data: " + html.substr(start, nl - start) + "\n";
      start = nl + 1;
    }
    return out + "\n";
  };
  r.body = "retry: 2000\n\n" + event("progress", RunStatus(first.Object("sync_run")));
  r.stream_every = std::chrono::milliseconds(ctx.options.progress_every_ms);
  // The stream outlives this call: it keeps copies of what it needs.
  auto user = std::make_shared<User>(ctx.user);
  auto call = [&api = ctx.api, user, ip = ctx.req.remote_ip, id]() {
    http::Request q;
    q.method = "GET";
    q.path = "/api/v1/sync_runs/" + id;
    q.target = q.path;
    q.remote_ip = ip;
    return api.HandleAs(q, *user);
  };
  auto last = std::make_shared<std::string>(r.body);
  auto finished = std::make_shared<bool>(!Running(Text(first.Object("sync_run"), "state")));
  // A stream lasts a minute at most: the browser then connects again (EventSource does so by
  // itself), which checks the session again; a comment every 15 s finds a closed tab sooner.
  const int64_t every = std::max<int64_t>(1, ctx.options.progress_every_ms);
  auto ticks = std::make_shared<int64_t>(0);
  const int64_t max_ticks = 60000 / every, heartbeat = std::max<int64_t>(1, 15000 / every);
  r.stream = [call, event, last, finished, ticks, max_ticks, heartbeat]() -> std::optional<std::string> {
    if (*finished || ++*ticks > max_ticks) return std::nullopt;
    auto resp = call();
    if (resp.status != 200) return std::nullopt;
    boost::system::error_code ec;
    auto v = json::parse(resp.body, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const auto* run = v.get_object().if_contains("sync_run");
    if (!run || !run->is_object()) return std::nullopt;
    std::string html = RunStatus(run->get_object());
    std::string out;
    if (html != *last) out = event("progress", html);
    else if (*ticks % heartbeat == 0) out = ": still running\n\n";
    *last = html;
    if (!Running(Text(run->get_object(), "state"))) {
      *finished = true;
      out += event("done", Text(run->get_object(), "state"));
    }
    return out;
  };
  if (*finished) r.body += event("done", Text(first.Object("sync_run"), "state"));
  return r;
}

http::Response StopRun(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto a = ctx.Call("POST", "/api/v1/sync_runs/" + id + "/stop", json::object{});
  return Redirect("/admin/sync_runs/" + id, a.ok() ? "Stopping: the run ends at its next checkpoint." : "Not stopped: " + a.Message());
}

// ---- Match Companies ----

http::Response Match(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto i = ctx.Call("GET", "/api/v1/integrations/" + id);
  if (!i.ok()) return ErrorPage(ctx, i, "/admin/integrations");
  std::string show = ctx.Q("show", "unmatched");
  std::string search = ctx.Q("search");
  std::string api = "/api/v1/matchers?integration_id=" + id + "&page_size=1000";
  if (show == "unmatched") api += "&matched=false";
  else if (show == "matched") api += "&matched=true";
  if (!search.empty()) api += "&search=" + Url(search);
  auto m = ctx.Call("GET", api);
  if (!m.ok()) return ErrorPage(ctx, m, "/admin/integrations/" + id);
  auto companies = ctx.Call("GET", "/api/v1/companies?page_size=1000&sort=name");
  std::map<int64_t, std::string> names;
  for (const auto& c : companies.Array("companies"))
    if (c.is_object()) names[Int(c.get_object(), "id")] = Text(c.get_object(), "name");

  std::string name = Text(i.Object("integration"), "name");
  std::string h = "<nav aria-label=\"breadcrumb\"><ul><li><a href=\"/admin/integrations\">Integrations</a></li><li><a href=\"/admin/integrations/" +
                  Esc(id) + "\">" + Esc(name) + "</a></li><li>Match companies</li></ul></nav><h1>Match companies</h1>";
  h += "<p>Each vendor company must be matched to a company here, or created, before its records are imported. "
       "Suggestions compare names forgivingly; they are only suggestions.</p>";
  h += "<div class=\"run-buttons\">" +
       ButtonForm(ctx, "/admin/integrations/" + id + "/match", "Match all suggestions", "", "", {{"action", "match_by_name"}}) +
       ButtonForm(ctx, "/admin/integrations/" + id + "/match", "Create all unmatched", "secondary",
                  "Create a company here for every unmatched vendor company?", {{"action", "create_all"}}) +
       "</div>";
  h += "<form method=\"get\" class=\"toolbar\" role=\"search\"><select name=\"show\" aria-label=\"Show\">";
  for (auto [value, label] : std::vector<std::pair<std::string, std::string>>{{"unmatched", "Unmatched"}, {"matched", "Matched"}, {"all", "All"}})
    h += "<option value=\"" + value + "\"" + (show == value ? " selected" : "") + ">" + label + "</option>";
  h += "</select><input type=\"search\" name=\"search\" placeholder=\"Vendor company name\" aria-label=\"Search vendor companies\" value=\"" +
       Esc(search) + "\"><button type=\"submit\" class=\"secondary\">Filter</button></form>";
  const auto& rows = m.Array("matchers");
  if (rows.empty()) {
    h += Empty(show == "unmatched" ? "Every vendor company is matched." : "No vendor companies here yet.",
               "Run a sync to find the vendor's companies; new ones appear here. <a href=\"/admin/integrations/" + Esc(id) + "\">Back to the integration</a>");
    return Page(ctx, "Match companies", "integrations", h);
  }
  h += "<datalist id=\"company-names\">";
  for (const auto& [cid, n] : names) h += "<option value=\"" + Esc(n) + "\"></option>";
  h += "</datalist>";
  h += "<div class=\"table-wrap\"><table class=\"striped\" id=\"matchers\" data-sortable><thead><tr><th scope=\"col\">Vendor company</th>"
       "<th scope=\"col\">Matched to</th><th scope=\"col\">Actions</th></tr></thead><tbody>";
  for (const auto& v : rows) {
    if (!v.is_object()) continue;
    const auto& r = v.get_object();
    std::string mid = Text(r, "id");
    std::string action = "/admin/matchers/" + mid;
    std::vector<std::pair<std::string, std::string>> back = {{"back", "/admin/integrations/" + id + "/match?show=" + Url(show) + "&search=" + Url(search)}};
    auto with = [&](std::string k, std::string val) {
      auto h2 = back;
      h2.emplace_back(std::move(k), std::move(val));
      return h2;
    };
    h += "<tr><td>" + Esc(Text(r, "name")) + " <small class=\"muted\">" + Esc(Text(r, "sync_id")) + "</small>" +
         (Bool(r, "active") ? "" : " " + Badge("inactive")) + "</td><td>";
    if (!Text(r, "company_id").empty()) {
      h += "<a href=\"/companies/" + Text(r, "company_id") + "\">" + Esc(Text(r, "company_name")) + "</a></td><td>" +
           ButtonForm(ctx, action, "Unmatch", "secondary outline", "", with("do", "unmatch"));
    } else {
      if (Bool(r, "leave_unmatched")) h += Badge("left unmatched");
      int64_t suggestion = Int(r, "potential_company_id", 0);
      if (suggestion && names.count(suggestion))
        h += "<span class=\"muted\">Suggested: " + Esc(names[suggestion]) + " (" + std::to_string(Int(r, "confidence")) + "%)</span>";
      h += "</td><td class=\"match-actions\">";
      if (suggestion && names.count(suggestion))
        h += ButtonForm(ctx, action, "Match to suggestion", "", "", [&] {
          auto h2 = with("do", "suggested");
          h2.emplace_back("company_id", std::to_string(suggestion));
          return h2;
        }());
      h += "<form method=\"post\" action=\"" + Esc(action) + "\" class=\"inline match-to\">" + CsrfField(ctx) +
           "<input type=\"hidden\" name=\"do\" value=\"match\"><input type=\"hidden\" name=\"back\" value=\"" + Esc(back[0].second) +
           "\"><input type=\"text\" name=\"company\" list=\"company-names\" placeholder=\"Existing company\" aria-label=\"Match " +
           Esc(Text(r, "name")) + " to an existing company\"><button type=\"submit\" class=\"secondary\">Match</button></form>";
      h += ButtonForm(ctx, action, "Create company", "secondary", "", with("do", "create"));
      if (!Bool(r, "leave_unmatched")) h += ButtonForm(ctx, action, "Leave unmatched", "secondary outline", "", with("do", "leave"));
    }
    h += "</td></tr>";
  }
  h += "</tbody></table></div>";
  return Page(ctx, "Match companies", "integrations", h);
}

http::Response BulkMatch(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto a = ctx.Call("POST", "/api/v1/integrations/" + id + "/match", json::object{{"action", ctx.F("action")}});
  if (!a.ok()) return Redirect("/admin/integrations/" + id + "/match", "Not done: " + a.Message());
  std::string summary;
  if (a.body.is_object())
    for (const char* k : {"matched", "created"})
      if (const auto* v = a.body.get_object().if_contains(k); v && v->is_number())
        summary += (summary.empty() ? "" : ", ") + Text(v) + " " + k;
  return Redirect("/admin/integrations/" + id + "/match", "Done" + (summary.empty() ? std::string(".") : ": " + summary + "."));
}

http::Response MatchOne(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  std::string back = ctx.F("back").empty() ? "/admin/integrations" : SafeNext(ctx.F("back"));
  std::string what = ctx.F("do");
  ApiAnswer a;
  if (what == "create") {
    a = ctx.Call("POST", "/api/v1/matchers/" + id + "/create_company", json::object{});
  } else if (what == "leave") {
    a = ctx.Call("PUT", "/api/v1/matchers/" + id, json::object{{"matcher", json::object{{"leave_unmatched", true}}}});
  } else if (what == "unmatch") {
    a = ctx.Call("PUT", "/api/v1/matchers/" + id, json::object{{"matcher", json::object{{"company_id", nullptr}}}});
  } else if (what == "suggested") {
    int64_t suggestion = std::atoll(ctx.F("company_id").c_str());
    if (suggestion <= 0) return Redirect(back, "There is no suggestion for this company.");
    a = ctx.Call("PUT", "/api/v1/matchers/" + id, json::object{{"matcher", json::object{{"company_id", suggestion}}}});
  } else if (what == "match") {
    std::string name = ctx.F("company");
    auto c = ctx.Call("GET", "/api/v1/companies?name=" + Url(name));
    if (name.empty() || c.Array("companies").empty() || !c.Array("companies")[0].is_object())
      return Redirect(back, "No company is named \"" + name + "\": choose one from the list, or create a new one.");
    a = ctx.Call("PUT", "/api/v1/matchers/" + id,
                 json::object{{"matcher", json::object{{"company_id", Int(c.Array("companies")[0].get_object(), "id")}}}});
  } else {
    return Redirect(back, "Unknown action.");
  }
  if (!a.ok()) return Redirect(back, "Not done: " + a.Message());
  return Redirect(back, what == "create" ? "Company created and matched." : what == "leave" ? "Left unmatched." : what == "unmatch" ? "Unmatched." : "Matched.");
}

}  // namespace

void AddIntegrationPages(PageRoutes& r) {
  r.push_back({"GET", "/admin/integrations", List, true});
  r.push_back({"GET", "/admin/integrations/new", New, true});
  r.push_back({"POST", "/admin/integrations/new", Create, true});
  r.push_back({"POST", "/admin/integrations/sync_all", SyncAll, true});
  r.push_back({"POST", "/admin/integrations/check", CheckField, true});
  r.push_back({"GET", "/admin/integrations/{id}", Show, true});
  r.push_back({"GET", "/admin/integrations/{id}/edit", Edit, true});
  r.push_back({"POST", "/admin/integrations/{id}/edit", Update, true});
  r.push_back({"POST", "/admin/integrations/{id}/test", Test, true});
  r.push_back({"POST", "/admin/integrations/{id}/sync", StartSync, true});
  r.push_back({"POST", "/admin/integrations/{id}/delete", Delete, true});
  r.push_back({"GET", "/admin/integrations/{id}/match", Match, true});
  r.push_back({"POST", "/admin/integrations/{id}/match", BulkMatch, true});
  r.push_back({"POST", "/admin/matchers/{id}", MatchOne, true});
  r.push_back({"GET", "/admin/sync_runs/{id}", RunPage, true});
  r.push_back({"GET", "/admin/sync_runs/{id}/events", RunEvents, true});
  r.push_back({"POST", "/admin/sync_runs/{id}/stop", StopRun, true});
}

}  // namespace cairn::web
