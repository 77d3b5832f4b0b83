// Admin > Asset layouts: the list, and the form for a layout and its typed fields (label, type,
// required, shown in lists, order, hint, a dropdown's choices, a number's range; removing a
// field; a few blank rows for new ones).
#include <cerrno>
#include <cstdlib>
#include <map>

#include "core/model.h"
#include "web/internal.h"

namespace cairn::web {
namespace {

constexpr int kBlankRows = 3;

struct FieldRow {
  std::string id;  // "" for a new field
  std::string label;
  std::string type = "Text";
  bool required = false;
  bool show_in_list = false;
  std::string position;
  bool remove = false;
  std::string hint;
  std::string options;  // Dropdown: one per line
  std::string min, max;
};

struct LayoutForm {
  std::string name;
  std::string icon = "fas fa-box";
  bool active = true;
  std::vector<FieldRow> fields;
};

LayoutForm FromJson(const json::object& l) {
  LayoutForm f;
  f.name = Text(l, "name");
  f.icon = Text(l, "icon");
  f.active = Bool(l, "active");
  if (const auto* fs = l.if_contains("fields"); fs && fs->is_array())
    for (const auto& v : fs->get_array()) {
      if (!v.is_object()) continue;
      const auto& o = v.get_object();
      f.fields.push_back({Text(o, "id"), Text(o, "label"), Text(o, "field_type"), Bool(o, "required"),
                          Bool(o, "show_in_list"), Text(o, "position"), false, Text(o, "hint"), Text(o, "options"),
                          Text(o, "min"), Text(o, "max")});
    }
  return f;
}

LayoutForm FromPost(const Ctx& ctx) {
  LayoutForm f;
  f.name = ctx.F("name");
  f.icon = ctx.F("icon");
  f.active = ctx.F("active") == "true";
  for (int i = 0; ctx.form.count("fields[" + std::to_string(i) + "].row"); ++i) {
    std::string p = "fields[" + std::to_string(i) + "].";
    f.fields.push_back({ctx.F(p + "id"), ctx.F(p + "label"), ctx.F(p + "field_type"), ctx.F(p + "required") == "true",
                        ctx.F(p + "show_in_list") == "true", ctx.F(p + "position"), ctx.F(p + "remove") == "true",
                        ctx.F(p + "hint"), ctx.F(p + "options"), ctx.F(p + "min"), ctx.F(p + "max")});
  }
  return f;
}

// The API body; `row_of` maps each sent field's index to its form row (blank new rows are not sent).
json::object Body(const LayoutForm& f, std::vector<size_t>& row_of) {
  json::object o{{"name", f.name}, {"icon", f.icon}, {"active", f.active}};
  json::array fields;
  for (size_t i = 0; i < f.fields.size(); ++i) {
    const auto& r = f.fields[i];
    if (r.id.empty() && (r.remove || r.label.empty())) continue;
    json::object x;
    if (!r.id.empty()) x["id"] = std::atoll(r.id.c_str());
    if (r.remove) {
      x["_destroy"] = true;
    } else {
      x["label"] = r.label;
      x["field_type"] = r.type;
      x["required"] = r.required;
      x["show_in_list"] = r.show_in_list;
      if (!r.position.empty()) x["position"] = std::atoll(r.position.c_str());
      x["hint"] = r.hint;
      // Choices one per line, as typed (commas may be part of a choice).
      std::string options;
      for (const auto& line : Lines(r.options)) options += (options.empty() ? "" : "\n") + line;
      x["options"] = options;
      // A range only where it was typed; the API says what is wrong with one that is not a number.
      for (auto [key, text] : {std::pair<const char*, const std::string*>{"min", &r.min}, {"max", &r.max}}) {
        if (text->empty()) x[key] = nullptr;
        else {
          char* end = nullptr;
          errno = 0;
          long long n = std::strtoll(text->c_str(), &end, 10);
          if (*end == '\0' && errno != ERANGE) x[key] = static_cast<int64_t>(n);
          else x[key] = *text;  // (the API says it must be a whole number)
        }
      }
    }
    fields.push_back(std::move(x));
    row_of.push_back(i);
  }
  o["fields"] = std::move(fields);
  return o;
}

// Errors the API filed under "fields[k]..." moved to the form row k was sent from.
std::map<std::string, std::string> ErrorsByRow(const ApiAnswer& a, const std::vector<size_t>& row_of) {
  std::vector<std::string> names = {"name", "icon", "active", "fields"};
  for (size_t k = 0; k < row_of.size(); ++k)
    for (const char* part : {"label", "field_type", "position", "required", "id", "hint", "options", "min", "max"})
      names.push_back("fields[" + std::to_string(k) + "]." + part);
  std::map<std::string, std::string> out;
  for (auto& [key, message] : a.FieldErrors(names)) {
    if (key.rfind("fields[", 0) == 0 && key.find(']') != std::string::npos) {
      size_t k = std::stoul(key.substr(7, key.find(']') - 7));
      std::string rest = key.substr(key.find(']') + 1);
      out["fields[" + std::to_string(k < row_of.size() ? row_of[k] : k) + "]" + rest] = message;
    } else {
      out[key] = message;
    }
  }
  return out;
}

http::Response Form(Ctx& ctx, LayoutForm f, const std::string& action, bool editing,
                    const std::map<std::string, std::string>& errors, int status) {
  std::string title = editing ? "Edit " + f.name : std::string("New asset layout");
  for (int i = 0; i < kBlankRows; ++i) f.fields.push_back({});
  std::string h = "<nav aria-label=\"breadcrumb\"><ul><li><a href=\"/admin/asset_layouts\">Asset layouts</a></li><li>" +
                  Esc(title) + "</li></ul></nav><h1>" + Esc(title) + "</h1>";
  if (!errors.empty()) {
    h += "<p class=\"form-error\" role=\"alert\" id=\"form-errors\">The layout was not saved: fix the fields marked below.";
    if (auto e = ErrorOf(errors, ""); !e.empty()) h += " " + Esc(e);
    h += "</p>";
  }
  h += "<form method=\"post\" action=\"" + Esc(action) + "\" novalidate>" + CsrfField(ctx);
  h += "<div class=\"grid\"><div>" +
       Input({.name = "name", .label = "Name", .value = f.name, .hint = "For example People, Locations, Computers.",
              .error = ErrorOf(errors, "name"), .required = true}) +
       "</div><div>" +
       Input({.name = "icon", .label = "Icon", .value = f.icon, .hint = "A Font Awesome class, e.g. fas fa-laptop.",
              .error = ErrorOf(errors, "icon")}) +
       "</div></div>";
  h += Checkbox("active", "Active: records can be filed under this layout", f.active);
  if (auto e = ErrorOf(errors, "fields"); !e.empty()) h += "<small class=\"field-error\">" + Esc(e) + "</small>";
  h += "<h2>Fields</h2><div class=\"table-wrap\"><table class=\"layout-fields\" id=\"layout-fields\"><thead><tr>"
       "<th scope=\"col\">Label</th><th scope=\"col\">Type</th><th scope=\"col\">Required</th><th scope=\"col\">In lists</th>"
       "<th scope=\"col\">Order</th><th scope=\"col\">Hint, choices</th><th scope=\"col\">Remove</th></tr></thead><tbody>";
  std::vector<std::pair<std::string, std::string>> types;
  for (auto t : kFieldTypes) types.emplace_back(std::string(t), std::string(t));
  for (size_t i = 0; i < f.fields.size(); ++i) {
    const auto& r = f.fields[i];
    std::string p = "fields[" + std::to_string(i) + "].";
    std::string label_error = ErrorOf(errors, p + "label"), type_error = ErrorOf(errors, p + "field_type");
    auto cell_id = [&](const std::string& part) { return "f-" + p + part; };
    h += "<tr" + std::string(r.id.empty() ? " class=\"new-field\"" : "") + "><td>";
    h += "<input type=\"hidden\" name=\"" + p + "row\" value=\"1\">";
    if (!r.id.empty()) h += "<input type=\"hidden\" name=\"" + p + "id\" value=\"" + Esc(r.id) + "\">";
    h += "<input type=\"text\" id=\"" + Esc(cell_id("label")) + "\" name=\"" + p + "label\" value=\"" + Esc(r.label) +
         "\" aria-label=\"Field " + std::to_string(i + 1) + " label\"" + (r.id.empty() ? " placeholder=\"New field\"" : "") +
         (label_error.empty() ? "" : " aria-invalid=\"true\" aria-describedby=\"" + Esc(cell_id("label")) + "-error\"") + ">";
    if (!label_error.empty()) h += "<small class=\"field-error\" id=\"" + Esc(cell_id("label")) + "-error\">" + Esc(label_error) + "</small>";
    h += "</td><td><select name=\"" + p + "field_type\" aria-label=\"Field " + std::to_string(i + 1) + " type\"" +
         (type_error.empty() ? "" : " aria-invalid=\"true\"") + ">";
    for (const auto& [v, l] : types) h += "<option" + std::string(v == r.type ? " selected" : "") + ">" + Esc(l) + "</option>";
    h += "</select>" + (type_error.empty() ? "" : "<small class=\"field-error\">" + Esc(type_error) + "</small>") + "</td>";
    auto box = [&](const std::string& part, bool on, const std::string& what) {
      return "<td><input type=\"checkbox\" name=\"" + p + part + "\" value=\"true\"" + (on ? " checked" : "") + " aria-label=\"Field " +
             std::to_string(i + 1) + " " + what + "\"></td>";
    };
    h += box("required", r.required, "required") + box("show_in_list", r.show_in_list, "shown in lists");
    h += "<td><input type=\"number\" name=\"" + p + "position\" value=\"" + Esc(r.position) + "\" class=\"narrow\" aria-label=\"Field " +
         std::to_string(i + 1) + " order\"></td>";
    {
      // Hint, a dropdown's choices and a number's range, folded away until wanted.
      std::string n = std::to_string(i + 1);
      std::string more_errors;
      for (const char* part : {"hint", "options", "min", "max"})
        if (auto e = ErrorOf(errors, p + part); !e.empty()) more_errors += "<small class=\"field-error\">" + Esc(e) + "</small>";
      bool open = !more_errors.empty() || !r.hint.empty() || !r.options.empty() || !r.min.empty() || !r.max.empty();
      h += "<td><details class=\"field-more\"" + std::string(open ? " open" : "") + "><summary>Field " + n + " details</summary>";
      h += "<label>Hint<input type=\"text\" name=\"" + p + "hint\" value=\"" + Esc(r.hint) + "\" aria-label=\"Field " + n + " hint\"></label>";
      h += "<label>Choices (Dropdown), one per line<textarea name=\"" + p + "options\" rows=\"3\" aria-label=\"Field " + n +
           " choices\">" + Esc(r.options) + "</textarea></label>";
      h += "<div class=\"grid\"><label>Min (Number)<input type=\"text\" inputmode=\"numeric\" name=\"" + p + "min\" value=\"" +
           Esc(r.min) + "\" class=\"narrow\" aria-label=\"Field " + n + " minimum\"></label><label>Max (Number)<input type=\"text\" "
           "inputmode=\"numeric\" name=\"" + p + "max\" value=\"" + Esc(r.max) + "\" class=\"narrow\" aria-label=\"Field " + n +
           " maximum\"></label></div>" + more_errors + "</details></td>";
    }
    h += r.id.empty() ? "<td></td>" : box("remove", r.remove, "remove");
    h += "</tr>";
  }
  h += "</tbody></table></div><p class=\"muted\">Fill a blank row to add a field; save to get more blank rows. Removing a "
       "field removes its values from every asset of the layout.</p>";
  h += "<button type=\"submit\">Save layout</button> <a href=\"/admin/asset_layouts\" class=\"secondary\">Cancel</a></form>";
  return Page(ctx, title, "layouts", h, status);
}

http::Response List(Ctx& ctx) {
  auto a = ctx.Call("GET", "/api/v1/asset_layouts?page_size=1000");
  if (!a.ok()) return ErrorPage(ctx, a);
  std::string h = "<hgroup><h1>Asset layouts</h1><p>The kinds of things you document, and the fields each has.</p></hgroup>"
                  "<p><a role=\"button\" href=\"/admin/asset_layouts/new\">New layout</a></p>";
  const auto& rows = a.Array("asset_layouts");
  if (rows.empty()) {
    h += Empty("No layouts yet.", "Integrations file people, locations and devices under layouts: create them first, "
                                  "for example People, Locations and Computers.");
    return Page(ctx, "Asset layouts", "layouts", h);
  }
  h += "<div class=\"table-wrap\"><table class=\"striped\" id=\"layouts\" data-sortable><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Fields</th>"
       "<th scope=\"col\">State</th><th scope=\"col\">Updated</th></tr></thead><tbody>";
  for (const auto& v : rows) {
    if (!v.is_object()) continue;
    const auto& l = v.get_object();
    size_t n = 0;
    if (const auto* fs = l.if_contains("fields"); fs && fs->is_array()) n = fs->get_array().size();
    h += "<tr><td><a href=\"/admin/asset_layouts/" + Text(l, "id") + "/edit\">" + Esc(Text(l, "name")) + "</a></td><td>" +
         std::to_string(n) + "</td><td>" + Badge(Bool(l, "active") ? "active" : "inactive") + "</td>" +
         TimeCell(Text(l, "updated_at")) + "</tr>";
  }
  h += "</tbody></table></div>";
  return Page(ctx, "Asset layouts", "layouts", h);
}

http::Response New(Ctx& ctx) {
  LayoutForm f;
  f.name = ctx.Q("name");
  return Form(ctx, f, "/admin/asset_layouts/new", false, {}, 200);
}

http::Response Create(Ctx& ctx) {
  LayoutForm f = FromPost(ctx);
  std::vector<size_t> row_of;
  auto a = ctx.Call("POST", "/api/v1/asset_layouts", json::object{{"asset_layout", Body(f, row_of)}});
  if (!a.ok()) return Form(ctx, f, "/admin/asset_layouts/new", false, ErrorsByRow(a, row_of), a.status);
  return Redirect("/admin/asset_layouts", "Layout \"" + f.name + "\" created.");
}

http::Response Edit(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto a = ctx.Call("GET", "/api/v1/asset_layouts/" + id);
  if (!a.ok()) return ErrorPage(ctx, a, "/admin/asset_layouts");
  return Form(ctx, FromJson(a.Object("asset_layout")), "/admin/asset_layouts/" + id + "/edit", true, {}, 200);
}

http::Response Update(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  LayoutForm f = FromPost(ctx);
  std::vector<size_t> row_of;
  auto a = ctx.Call("PUT", "/api/v1/asset_layouts/" + id, json::object{{"asset_layout", Body(f, row_of)}});
  if (!a.ok()) return Form(ctx, f, "/admin/asset_layouts/" + id + "/edit", true, ErrorsByRow(a, row_of), a.status);
  return Redirect("/admin/asset_layouts", "Layout \"" + f.name + "\" saved.");
}

}  // namespace

void AddLayoutPages(PageRoutes& r) {
  r.push_back({"GET", "/admin/asset_layouts", List, true});
  r.push_back({"GET", "/admin/asset_layouts/new", New, true});
  r.push_back({"POST", "/admin/asset_layouts/new", Create, true});
  r.push_back({"GET", "/admin/asset_layouts/{id}/edit", Edit, true});
  r.push_back({"POST", "/admin/asset_layouts/{id}/edit", Update, true});
}

}  // namespace cairn::web
