// Admin > Integrations > Sort rules and connected fields: which layout each vendor type goes to
// (with a layout made on the spot when none fits), and which card data point refills which layout
// field on every sync. Types and data points are offered from what the integration has seen.
#include <map>

#include "connectors/catalog.h"
#include "web/internal.h"

namespace cairn::web {
namespace {

std::vector<std::pair<std::string, std::string>> Options(const json::object& seen, const std::string& kind) {
  std::vector<std::pair<std::string, std::string>> out;
  if (const auto* v = seen.if_contains(kind); v && v->is_array())
    for (const auto& x : v->get_array()) out.emplace_back(Text(&x), Text(&x));
  return out;
}

http::Response Rules(Ctx& ctx, const std::map<std::string, std::string>& errors = {}, int status = 200) {
  std::string id = std::to_string(ctx.PathId());
  auto i = ctx.Call("GET", "/api/v1/integrations/" + id);
  if (!i.ok()) return ErrorPage(ctx, i, "/admin/integrations");
  const auto* vendor = connectors::FindVendor(Text(i.Object("integration"), "slug"));
  auto rules = ctx.Call("GET", "/api/v1/integrations/" + id + "/sort_rules");
  auto connected = ctx.Call("GET", "/api/v1/integrations/" + id + "/connected_fields");
  auto types = ctx.Call("GET", "/api/v1/integrations/" + id + "/vendor_types");
  auto points = ctx.Call("GET", "/api/v1/integrations/" + id + "/data_points");
  auto layouts = ctx.Call("GET", "/api/v1/asset_layouts?page_size=1000");
  std::map<std::string, std::string> layout_names;
  std::vector<std::pair<std::string, std::string>> layout_choices = {{"", "Choose a layout"}};
  std::vector<std::pair<std::string, std::string>> field_choices = {{"", "Choose a field"}};
  for (const auto& l : layouts.Array("asset_layouts")) {
    if (!l.is_object()) continue;
    const auto& o = l.get_object();
    layout_names[Text(o, "id")] = Text(o, "name");
    if (Bool(o, "active")) layout_choices.emplace_back(Text(o, "id"), Text(o, "name"));
    if (const auto* fs = o.if_contains("fields"); fs && fs->is_array())
      for (const auto& f : fs->get_array())
        if (f.is_object()) field_choices.emplace_back(Text(f.get_object(), "id"), Text(o, "name") + ": " + Text(f.get_object(), "label"));
  }
  std::vector<std::pair<std::string, std::string>> kinds;
  if (vendor)
    for (auto k : vendor->layout_kinds) kinds.emplace_back(std::string(k), std::string(k));
  const auto& seen_types = types.Object("vendor_types");
  const auto& seen_points = points.Object("data_points");
  std::string name = Text(i.Object("integration"), "name");
  auto err = [&](const std::string& k) { return ErrorOf(errors, k); };

  std::string h = "<nav aria-label=\"breadcrumb\"><ul><li><a href=\"/admin/integrations\">Integrations</a></li><li><a href=\"/admin/integrations/" +
                  Esc(id) + "\">" + Esc(name) + "</a></li><li>Sort rules</li></ul></nav><h1>Sort rules and connected fields</h1>";
  if (auto e = err(""); !e.empty()) h += "<p class=\"form-error\" role=\"alert\">" + Esc(e) + "</p>";
  h += "<section><h2>Sort rules</h2><p>Records of a vendor type go to the layout you choose here instead of the kind's default "
       "layout. A rule applies to records created from then on.</p>";
  const auto& rule_rows = rules.Array("sort_rules");
  if (rule_rows.empty()) {
    h += Empty("No sort rules.", "Every record goes to its kind's default layout.");
  } else {
    h += "<div class=\"table-wrap\"><table class=\"striped\" id=\"sort-rules\" data-sortable><thead><tr><th scope=\"col\">Kind</th><th scope=\"col\">Vendor type</th>"
         "<th scope=\"col\">Layout</th><th scope=\"col\"></th></tr></thead><tbody>";
    for (const auto& v : rule_rows) {
      if (!v.is_object()) continue;
      const auto& r = v.get_object();
      h += "<tr><td>" + Esc(Text(r, "kind")) + "</td><td>" + Esc(Text(r, "vendor_type")) + "</td><td>" +
           Esc(layout_names[Text(r, "asset_layout_id")]) + "</td><td>" +
           ButtonForm(ctx, "/admin/integrations/" + id + "/sort_rules/" + Text(r, "id") + "/delete", "Remove", "secondary outline") + "</td></tr>";
    }
    h += "</tbody></table></div>";
  }
  h += "<form method=\"post\" action=\"/admin/integrations/" + Esc(id) + "/sort_rules\" class=\"add-rule\" novalidate>" + CsrfField(ctx);
  h += "<div class=\"grid\"><div>" + Select({.name = "kind", .label = "Kind", .value = ctx.F("kind"), .error = err("kind")}, kinds) + "</div><div>";
  std::string list_id = "vendor-types";
  h += "<label for=\"f-vendor_type\">Vendor type</label><input id=\"f-vendor_type\" name=\"vendor_type\" list=\"" + list_id + "\" value=\"" +
       Esc(ctx.F("vendor_type")) + "\"" + (err("vendor_type").empty() ? "" : " aria-invalid=\"true\"") + "><datalist id=\"" + list_id + "\">";
  for (const auto& [k, _] : kinds)
    for (const auto& [t, __] : Options(seen_types, k)) h += "<option value=\"" + Esc(t) + "\">" + Esc(k) + "</option>";
  h += "</datalist>";
  if (auto e = err("vendor_type"); !e.empty()) h += "<small class=\"field-error\">" + Esc(e) + "</small>";
  else h += "<small>Types seen so far are offered as you type.</small>";
  h += "</div></div><div class=\"grid\"><div>" +
       Select({.name = "asset_layout_id", .label = "Layout", .value = ctx.F("asset_layout_id"), .error = err("asset_layout_id")}, layout_choices) +
       "</div><div>" +
       Input({.name = "new_layout", .label = "or a new layout named", .value = ctx.F("new_layout"),
              .hint = "Made now, with a Serial Number field, and used for this rule.", .error = err("new_layout"),
              .placeholder = "e.g. Firewalls"}) +
       "</div></div><button type=\"submit\">Add sort rule</button></form></section>";

  h += "<section><h2>Connected fields</h2><p>On every sync, the card's data point is copied into the layout field "
       "(an empty value only replaces an empty field when you say so).</p>";
  const auto& con_rows = connected.Array("connected_fields");
  if (con_rows.empty()) {
    h += Empty("No connected fields.", "Fields are filled only when a record is created.");
  } else {
    h += "<div class=\"table-wrap\"><table class=\"striped\" id=\"connected-fields\" data-sortable><thead><tr><th scope=\"col\">Kind</th><th scope=\"col\">Data point</th>"
         "<th scope=\"col\">Field</th><th scope=\"col\">Blank overwrites</th><th scope=\"col\"></th></tr></thead><tbody>";
    for (const auto& v : con_rows) {
      if (!v.is_object()) continue;
      const auto& r = v.get_object();
      h += "<tr><td>" + Esc(Text(r, "kind")) + "</td><td>" + Esc(Text(r, "data_point")) + "</td><td>" + Esc(Text(r, "layout_field_label")) +
           "</td><td>" + (Bool(r, "overwrite_blank") ? "yes" : "no") + "</td><td>" +
           ButtonForm(ctx, "/admin/integrations/" + id + "/connected_fields/" + Text(r, "id") + "/delete", "Remove", "secondary outline") +
           "</td></tr>";
    }
    h += "</tbody></table></div>";
  }
  h += "<form method=\"post\" action=\"/admin/integrations/" + Esc(id) + "/connected_fields\" novalidate>" + CsrfField(ctx);
  h += "<div class=\"grid\"><div>" + Select({.name = "cf_kind", .label = "Kind", .value = ctx.F("cf_kind"), .error = err("cf_kind")}, kinds) + "</div><div>";
  h += "<label for=\"f-data_point\">Data point</label><input id=\"f-data_point\" name=\"data_point\" list=\"data-points\" value=\"" +
       Esc(ctx.F("data_point")) + "\"" + (err("data_point").empty() ? "" : " aria-invalid=\"true\"") + "><datalist id=\"data-points\">";
  for (const auto& [k, _] : kinds)
    for (const auto& [t, __] : Options(seen_points, k)) h += "<option value=\"" + Esc(t) + "\">" + Esc(k) + "</option>";
  h += "</datalist>";
  if (auto e = err("data_point"); !e.empty()) h += "<small class=\"field-error\">" + Esc(e) + "</small>";
  h += "</div><div>" + Select({.name = "layout_field_id", .label = "Layout field", .value = ctx.F("layout_field_id"), .error = err("layout_field_id")},
                              field_choices) +
       "</div></div>" + Checkbox("overwrite_blank", "An empty value at the vendor empties the field", ctx.F("overwrite_blank") == "true") +
       "<button type=\"submit\">Add connected field</button></form></section>";
  return Page(ctx, "Sort rules", "integrations", h, status);
}

http::Response ShowRules(Ctx& ctx) { return Rules(ctx); }

http::Response AddRule(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  std::string layout = ctx.F("asset_layout_id");
  std::string fresh(ctx.F("new_layout"));
  if (!fresh.empty()) {
    auto made = ctx.Call("POST", "/api/v1/asset_layouts",
                         json::object{{"asset_layout", json::object{{"name", fresh}, {"icon", "fas fa-box"},
                                                                    {"fields", json::array{json::object{{"label", "Serial Number"}, {"field_type", "Text"}}}}}}});
    if (!made.ok()) {
      auto e = made.FieldErrors({"name"});
      return Rules(ctx, {{"new_layout", e.count("name") ? e["name"] : made.Message()}}, made.status);
    }
    layout = Text(made.Object("asset_layout"), "id");
  }
  json::object body{{"kind", ctx.F("kind")}, {"vendor_type", ctx.F("vendor_type")}};
  if (!layout.empty()) body["asset_layout_id"] = std::atoll(layout.c_str());
  auto a = ctx.Call("POST", "/api/v1/integrations/" + id + "/sort_rules", json::object{{"sort_rule", body}});
  if (!a.ok()) return Rules(ctx, a.FieldErrors({"kind", "vendor_type", "asset_layout_id"}), a.status);
  return Redirect("/admin/integrations/" + id + "/sort_rules",
                  "Sort rule added" + std::string(fresh.empty() ? "" : " with the new layout \"" + fresh + "\"") + ".");
}

http::Response AddConnected(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  json::object body{{"kind", ctx.F("cf_kind")}, {"data_point", ctx.F("data_point")}, {"overwrite_blank", ctx.F("overwrite_blank") == "true"}};
  if (!ctx.F("layout_field_id").empty()) body["layout_field_id"] = std::atoll(ctx.F("layout_field_id").c_str());
  auto a = ctx.Call("POST", "/api/v1/integrations/" + id + "/connected_fields", json::object{{"connected_field", body}});
  if (!a.ok()) {
    auto e = a.FieldErrors({"kind", "data_point", "layout_field_id", "overwrite_blank"});
    if (e.count("kind")) e["cf_kind"] = e["kind"];
    return Rules(ctx, e, a.status);
  }
  return Redirect("/admin/integrations/" + id + "/sort_rules", "Connected field added.");
}

http::Response Remove(Ctx& ctx, const char* what) {
  std::string id = std::to_string(ctx.PathId());
  auto a = ctx.Call("DELETE", "/api/v1/integrations/" + id + "/" + what + "/" + std::to_string(ctx.PathNumber("item")));
  return Redirect("/admin/integrations/" + id + "/sort_rules", a.ok() ? "Removed." : "Not removed: " + a.Message());
}

}  // namespace

void AddRulePages(PageRoutes& r) {
  r.push_back({"GET", "/admin/integrations/{id}/sort_rules", ShowRules, true});
  r.push_back({"POST", "/admin/integrations/{id}/sort_rules", AddRule, true});
  r.push_back({"POST", "/admin/integrations/{id}/connected_fields", AddConnected, true});
  r.push_back({"POST", "/admin/integrations/{id}/sort_rules/{item}/delete", [](Ctx& c) { return Remove(c, "sort_rules"); }, true});
  r.push_back({"POST", "/admin/integrations/{id}/connected_fields/{item}/delete", [](Ctx& c) { return Remove(c, "connected_fields"); }, true});
}

}  // namespace cairn::web
