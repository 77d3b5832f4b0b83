// An asset's page, and assets made and changed by hand: the form is generated from the asset's
// layout, one input per field type (text, number, date, checkbox, dropdown, list, address, tags
// of other assets, confidential text); fields a sync refills are marked as such. Confidential
// text is never put in a page: "Reveal" fetches one value, and the API records the reveal.
#include <algorithm>
#include <map>
#include <set>

#include "web/internal.h"

namespace cairn::web {
namespace {

// A layout field as the form needs it (GET /api/v1/asset_layouts/{id}).
struct FieldInfo {
  std::string id;
  std::string label;
  std::string type;
  std::string hint;
  std::string options;  // Dropdown: one per line
  std::string min, max;
  bool required = false;
};

struct LayoutInfo {
  std::string id;
  std::string name;
  bool active = true;
  std::vector<FieldInfo> fields;
};

LayoutInfo ToLayout(const json::object& l) {
  LayoutInfo out{Text(l, "id"), Text(l, "name"), Bool(l, "active"), {}};
  if (const auto* fs = l.if_contains("fields"); fs && fs->is_array())
    for (const auto& v : fs->get_array()) {
      if (!v.is_object()) continue;
      const auto& f = v.get_object();
      out.fields.push_back({Text(f, "id"), Text(f, "label"), Text(f, "field_type"), Text(f, "hint"), Text(f, "options"),
                            Text(f, "min"), Text(f, "max"), Bool(f, "required")});
    }
  return out;
}

// The form's name for a field's input ("cf[12]", "cf[12].city").
std::string InputName(const FieldInfo& f, const std::string& part = "") {
  return "cf[" + f.id + "]" + (part.empty() ? "" : "." + part);
}

json::value ParseOr(const std::string& text, json::value fallback) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  return ec ? fallback : v;
}

constexpr std::pair<const char*, const char*> kAddressParts[] = {
    {"address_line_1", "Address"}, {"address_line_2", "Address, line 2"}, {"city", "City"},
    {"state", "State or region"},  {"zip", "Postal code"},                {"country_name", "Country"}};

// The asset's primary fields: (API name, label).
constexpr std::pair<const char*, const char*> kPrimary[] = {{"primary_serial", "Serial number"},
                                                             {"primary_model", "Model"},
                                                             {"primary_manufacturer", "Manufacturer"},
                                                             {"primary_mail", "Email"}};

}  // namespace

std::string CardsHtml(const Ctx& ctx, const json::array& cards, bool resync) {
  if (cards.empty()) return "";
  std::string h = "<section class=\"cards\"><h2>From your integrations</h2><div class=\"grid-cards\">";
  for (const auto& v : cards) {
    if (!v.is_object()) continue;
    const auto& c = v.get_object();
    h += "<article class=\"card\"><header><strong>" + Esc(Text(c, "integration_name")) + "</strong> " +
         (Bool(c, "active_at_vendor") ? Badge("active") : Badge("inactive")) + "</header>";
    h += "<p>" + Esc(Text(c, "primary_field")) + " <small class=\"muted\">(" + Esc(Text(c, "sync_type")) + " " +
         Esc(Text(c, "sync_id")) + ")</small></p>";
    if (const auto* d = c.if_contains("data"); d && d->is_object() && !d->get_object().empty()) {
      h += "<dl class=\"card-data\">";
      for (const auto& kv : d->get_object()) {
        std::string value = Text(&kv.value());
        if (value.empty()) continue;
        h += "<dt>" + Esc(std::string(kv.key())) + "</dt><dd>" + Esc(value) + "</dd>";
      }
      h += "</dl>";
    }
    std::string link = Text(c, "link");
    bool has_link = link.rfind("https://", 0) == 0;
    if (has_link || (resync && ctx.Editor())) {
      h += "<footer class=\"card-actions\">";
      if (has_link)
        h += "<a href=\"" + Esc(link) + "\" target=\"_blank\" rel=\"noopener noreferrer\" class=\"vendor-link\">Open in " +
             Esc(Text(c, "integration_name")) + "</a> ";
      if (resync && ctx.Editor())
        h += ButtonForm(ctx, "/admin/cards/" + Text(c, "id") + "/resync", "Re-sync this card", "secondary outline");
      h += "</footer>";
    }
    h += "</article>";
  }
  return h + "</div></section>";
}

namespace {

// The company's assets as (id, name), for tags.
std::vector<std::pair<std::string, std::string>> CompanyAssets(const Ctx& ctx, const std::string& company_id,
                                                               const std::string& except) {
  std::vector<std::pair<std::string, std::string>> out;
  auto a = ctx.Call("GET", "/api/v1/companies/" + company_id + "/assets?page_size=1000");
  for (const auto& v : a.Array("assets")) {
    if (!v.is_object()) continue;
    std::string id = Text(v.get_object(), "id");
    if (id != except) out.emplace_back(id, Text(v.get_object(), "name") + " (" + Text(v.get_object(), "asset_type") + ")");
  }
  return out;
}

// Labels of the fields a sync refills on this asset ("Refilled by <integration>"), by field id:
// the connected fields of each integration that has a card here. Only administrators may read
// integrations; for others the map is empty.
std::map<std::string, std::string> RefilledBy(const Ctx& ctx, const json::object& asset) {
  std::map<std::string, std::string> out;
  if (!ctx.Admin()) return out;
  const auto* cards = asset.if_contains("cards");
  if (!cards || !cards->is_array()) return out;
  std::set<std::string> seen;
  for (const auto& v : cards->get_array()) {
    if (!v.is_object()) continue;
    std::string iid = Text(v.get_object(), "integrator_id");
    if (iid.empty() || !seen.insert(iid).second) continue;
    auto cf = ctx.Call("GET", "/api/v1/integrations/" + iid + "/connected_fields");
    for (const auto& x : cf.Array("connected_fields"))
      if (x.is_object()) {
        std::string& who = out[Text(x.get_object(), "layout_field_id")];
        who += (who.empty() ? "" : ", ") + Text(v.get_object(), "integration_name");
      }
  }
  return out;
}

// One field's input, filled with `value` (the API's text for it).
std::string FieldInput(const FieldInfo& f, const std::string& value, const std::string& error, bool editing,
                       const std::vector<std::pair<std::string, std::string>>& assets, const std::string& refilled) {
  std::string hint = f.hint;
  if (!refilled.empty()) hint += (hint.empty() ? "" : " ") + std::string("Refilled by ") + refilled + " on every sync.";
  Field in{.name = InputName(f), .label = f.label, .value = value, .hint = hint, .error = error, .required = f.required};
  const std::string& t = f.type;
  if (t == "Heading") return "<h3 class=\"field-heading\">" + Esc(f.label) + "</h3>";
  if (t == "CheckBox") {
    std::string h = "<input type=\"hidden\" name=\"" + Esc(InputName(f, "present")) + "\" value=\"1\">" +
                    Checkbox(InputName(f), f.label, value == "true", hint);
    if (!error.empty()) h += "<small class=\"field-error\">" + Esc(error) + "</small>";
    return h;
  }
  if (t == "RichText") return TextArea(in, 5);
  if (t == "Dropdown") {
    std::vector<std::pair<std::string, std::string>> options{{"", "(none)"}};
    bool has = value.empty();
    for (const auto& o : Lines(f.options)) {
      options.emplace_back(o, o);
      has = has || o == value;
    }
    if (!has) options.emplace_back(value, value);
    return Select(in, options);
  }
  if (t == "ListSelect") {
    // One item per line: an item may hold a comma ("Smith, John").
    json::value items = ParseOr(value, json::array{});
    std::string lines;
    if (items.is_array())
      for (const auto& i : items.get_array()) lines += (lines.empty() ? "" : "\n") + Text(&i);
    in.value = lines;
    in.hint = hint.empty() ? "One item per line." : hint;
    return TextArea(in, 3);
  }
  if (t == "AssetTag") {
    std::vector<std::string> selected;
    json::value ids = ParseOr(value, json::array{});
    if (ids.is_array())
      for (const auto& i : ids.get_array()) selected.push_back(Text(&i));
    // A tagged asset the list does not offer (archived, or past its first 1,000) stays tagged.
    auto options = assets;
    for (const auto& id : selected)
      if (std::none_of(options.begin(), options.end(), [&](const auto& o) { return o.first == id; }))
        options.emplace_back(id, "asset " + id + " (not among this company's current assets)");
    if (in.hint.empty()) in.hint = "Other assets of this company (hold Ctrl or Cmd to choose several).";
    return MultiSelect(in, options, selected);
  }
  if (t == "AddressData") {
    json::value a = ParseOr(value, json::object{});
    std::string h = "<fieldset class=\"address\"><legend>" + Esc(f.label) + (f.required ? " *" : "") + "</legend><div class=\"grid-form\">";
    for (const auto& [part, label] : kAddressParts)
      h += "<div>" + Input({.name = InputName(f, part), .label = label,
                            .value = a.is_object() ? Text(a.get_object(), part) : std::string()}) + "</div>";
    h += "</div>";
    if (!hint.empty()) h += "<small>" + Esc(hint) + "</small>";
    if (!error.empty()) h += "<small class=\"field-error\">" + Esc(error) + "</small>";
    return h + "</fieldset>";
  }
  if (t == "Password") {
    in.type = "password";
    in.value.clear();  // never sent to the browser
    in.autocomplete = "new-password";
    if (editing) in.hint = "Stored encrypted. Leave blank to keep the current value." + (hint.empty() ? "" : " " + hint);
    return Input(in);
  }
  if (t == "Number") {
    in.type = "number";
    std::string range = !f.min.empty() && !f.max.empty() ? "From " + f.min + " to " + f.max + "."
                        : !f.min.empty()                  ? "At least " + f.min + "."
                        : !f.max.empty()                  ? "At most " + f.max + "."
                                                          : "";
    if (!range.empty()) in.hint = range + (hint.empty() ? "" : " " + hint);
  }
  if (t == "Date") in.type = "date";
  if (t == "Email") in.type = "email";
  if (t == "Website") {
    in.type = "url";
    in.placeholder = "https://";
  }
  if (t == "Phone") in.type = "tel";
  return Input(in);
}

// The value a form sent for a field, in the API's form; nullopt: leave the stored value as it is.
std::optional<json::value> PostedValue(const Ctx& ctx, const FieldInfo& f, bool editing) {
  const std::string& t = f.type;
  if (t == "Heading") return std::nullopt;
  if (t == "CheckBox") {
    if (ctx.F(InputName(f, "present")).empty()) return std::nullopt;
    return json::value(ctx.F(InputName(f)) == "true");
  }
  if (t == "AddressData") {
    json::object a;
    bool any = false;
    for (const auto& [part, label] : kAddressParts) {
      std::string v = ctx.F(InputName(f, part));
      any = any || !v.empty();
      a[part] = v;
    }
    return any ? json::value(std::move(a)) : json::value("");
  }
  if (t == "AssetTag") {
    json::array ids;
    auto [from, to] = ctx.form_all.equal_range(InputName(f));
    for (auto it = from; it != to; ++it)
      if (!it->second.empty()) ids.push_back(json::value(std::atoll(it->second.c_str())));
    return json::value(std::move(ids));
  }
  if (t == "ListSelect") {
    json::array items;
    for (auto& i : Lines(ctx.F(InputName(f)))) items.emplace_back(i);
    return json::value(std::move(items));
  }
  std::string v = ctx.F(InputName(f));
  if (t == "Password" && editing && v.empty()) return std::nullopt;
  return json::value(v);
}

// What a form sent, as the API's text per field id, to show the form again after an error.
std::string AsFormText(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_bool()) return v.get_bool() ? "true" : "false";
  return json::serialize(v);
}

struct AssetForm {
  std::string company_id;
  std::string company_name;
  std::string asset_id;  // "" for a new one
  LayoutInfo layout;
  std::map<std::string, std::string> primary;  // API name -> value
  std::map<std::string, std::string> values;   // field id -> the API's text
  std::map<std::string, std::string> refilled;  // field id -> integrations
};

http::Response Form(Ctx& ctx, const AssetForm& a, const std::map<std::string, std::string>& errors, int status) {
  bool editing = !a.asset_id.empty();
  std::string name = a.primary.count("name") ? a.primary.at("name") : std::string();
  std::string title = editing ? "Edit " + name : "New " + a.layout.name;
  std::string back = editing ? "/assets/" + a.asset_id : "/companies/" + a.company_id;
  std::string action = editing ? "/assets/" + a.asset_id + "/edit" : "/companies/" + a.company_id + "/assets/new";
  std::string h = "<nav aria-label=\"breadcrumb\"><ul><li><a href=\"/companies\">Companies</a></li><li><a href=\"/companies/" +
                  Esc(a.company_id) + "\">" + Esc(a.company_name) + "</a></li><li>" + Esc(title) + "</li></ul></nav><h1>" +
                  Esc(title) + "</h1>";
  if (!errors.empty()) {
    h += "<p class=\"form-error\" role=\"alert\" id=\"form-errors\">The asset was not saved: fix the fields marked below.";
    if (auto e = ErrorOf(errors, ""); !e.empty()) h += " " + Esc(e);
    h += "</p>";
  }
  h += "<form method=\"post\" action=\"" + Esc(action) + "\" novalidate>" + CsrfField(ctx);
  if (!editing) h += "<input type=\"hidden\" name=\"layout\" value=\"" + Esc(a.layout.id) + "\">";
  auto primary = [&](const char* key) { return a.primary.count(key) ? a.primary.at(key) : std::string(); };
  h += Input({.name = "name", .label = "Name", .value = primary("name"), .error = ErrorOf(errors, "name"), .required = true});
  h += "<div class=\"grid-form\">";
  for (const auto& [key, label] : kPrimary)
    h += "<div>" + Input({.name = key, .label = label, .value = primary(key), .type = std::string(key) == "primary_mail" ? "email" : "text",
                          .error = ErrorOf(errors, key)}) + "</div>";
  h += "</div>";
  if (!a.layout.fields.empty()) h += "<h2>" + Esc(a.layout.name) + " fields</h2>";
  std::vector<std::pair<std::string, std::string>> assets;
  for (const auto& f : a.layout.fields)
    if (f.type == "AssetTag") {
      assets = CompanyAssets(ctx, a.company_id, a.asset_id);
      break;
    }
  for (const auto& f : a.layout.fields) {
    auto v = a.values.find(f.id);
    auto r = a.refilled.find(f.id);
    h += "<div class=\"asset-field\">" +
         FieldInput(f, v == a.values.end() ? std::string() : v->second, ErrorOf(errors, f.label), editing, assets,
                    r == a.refilled.end() ? std::string() : r->second) + "</div>";
  }
  h += "<button type=\"submit\">" + std::string(editing ? "Save asset" : "Create asset") + "</button> <a class=\"secondary\" href=\"" +
       Esc(back) + "\">Cancel</a></form>";
  return Page(ctx, title, "companies", h, status);
}

// The API body of a posted form, and the form as it was sent (to show again after an error).
json::object PostedBody(const Ctx& ctx, AssetForm& form, bool editing) {
  json::object body;
  form.primary["name"] = ctx.F("name");
  body["name"] = ctx.F("name");
  for (const auto& [key, label] : kPrimary) {
    form.primary[key] = ctx.F(key);
    body[key] = ctx.F(key);
  }
  json::array custom;
  for (const auto& f : form.layout.fields) {
    auto v = PostedValue(ctx, f, editing);
    if (!v) continue;
    form.values[f.id] = AsFormText(*v);
    custom.push_back(json::object{{f.label, *v}});
  }
  body["custom_fields"] = std::move(custom);
  return body;
}

std::vector<std::string> ErrorNames(const LayoutInfo& l) {
  std::vector<std::string> names{"name", "asset_layout_id", "custom_fields"};
  for (const auto& [key, label] : kPrimary) names.emplace_back(key);
  for (const auto& f : l.fields) names.push_back(f.label);
  return names;
}

std::optional<LayoutInfo> LoadLayout(const Ctx& ctx, const std::string& id) {
  auto l = ctx.Call("GET", "/api/v1/asset_layouts/" + id);
  if (!l.ok()) return std::nullopt;
  return ToLayout(l.Object("asset_layout"));
}

// GET /companies/{id}/assets/new: the layouts to choose from, then (?layout=) the form.
http::Response NewAsset(Ctx& ctx) {
  std::string cid = std::to_string(ctx.PathId());
  auto c = ctx.Call("GET", "/api/v1/companies/" + cid);
  if (!c.ok()) return ErrorPage(ctx, c, "/companies");
  AssetForm form{cid, Text(c.Object("company"), "name"), "", {}, {}, {}, {}};
  if (std::string lid = ctx.Q("layout"); !lid.empty()) {
    auto l = LoadLayout(ctx, lid);
    if (!l || !l->active) return Redirect("/companies/" + cid + "/assets/new", "Choose an active layout.");
    form.layout = std::move(*l);
    return Form(ctx, form, {}, 200);
  }
  std::string h = "<nav aria-label=\"breadcrumb\"><ul><li><a href=\"/companies\">Companies</a></li><li><a href=\"/companies/" + cid +
                  "\">" + Esc(form.company_name) + "</a></li><li>New asset</li></ul></nav><hgroup><h1>New asset</h1><p>What kind "
                  "of thing are you documenting for " + Esc(form.company_name) + "?</p></hgroup>";
  auto layouts = ctx.Call("GET", "/api/v1/asset_layouts?page_size=1000");
  std::string list;
  for (const auto& v : layouts.Array("asset_layouts")) {
    if (!v.is_object() || !Bool(v.get_object(), "active")) continue;
    const auto& l = v.get_object();
    list += "<li><a role=\"button\" class=\"secondary outline\" href=\"/companies/" + cid + "/assets/new?layout=" + Text(l, "id") +
            "\">" + Esc(Text(l, "name")) + "</a></li>";
  }
  if (list.empty())
    h += Empty("No active asset layouts.", ctx.Admin() ? "Create one in <a href=\"/admin/asset_layouts/new\">Asset layouts</a> first."
                                                       : "Ask an administrator to create one.");
  else
    h += "<ul class=\"layout-choices\">" + list + "</ul>";
  return Page(ctx, "New asset", "companies", h);
}

http::Response CreateAsset(Ctx& ctx) {
  std::string cid = std::to_string(ctx.PathId());
  auto c = ctx.Call("GET", "/api/v1/companies/" + cid);
  if (!c.ok()) return ErrorPage(ctx, c, "/companies");
  AssetForm form{cid, Text(c.Object("company"), "name"), "", {}, {}, {}, {}};
  auto l = LoadLayout(ctx, ctx.F("layout"));
  if (!l) return Redirect("/companies/" + cid + "/assets/new", "Choose a layout.");
  form.layout = std::move(*l);
  json::object body = PostedBody(ctx, form, false);
  body["asset_layout_id"] = std::atoll(form.layout.id.c_str());
  auto a = ctx.Call("POST", "/api/v1/companies/" + cid + "/assets", json::object{{"asset", body}});
  if (!a.ok()) return Form(ctx, form, a.FieldErrors(ErrorNames(form.layout)), a.status);
  return Redirect("/assets/" + Text(a.Object("asset"), "id"), "Asset \"" + Text(a.Object("asset"), "name") + "\" created.");
}

// The asset by the id in the path, or an error page.
std::optional<json::object> LoadAsset(Ctx& ctx, http::Response& error) {
  auto a = ctx.Call("GET", "/api/v1/assets?id=" + std::to_string(ctx.PathId()));
  const auto& list = a.Array("assets");
  if (!a.ok() || list.empty() || !list[0].is_object()) {
    error = ErrorPage(ctx, a.ok() ? ApiAnswer{404, json::object{{"error", "Asset not found"}}} : a, "/companies");
    return std::nullopt;
  }
  return list[0].get_object();
}

AssetForm FormOf(Ctx& ctx, const json::object& asset, std::optional<LayoutInfo> layout) {
  AssetForm form{Text(asset, "company_id"), Text(asset, "company_name"), Text(asset, "id"), {}, {}, {}, {}};
  if (layout) form.layout = std::move(*layout);
  form.primary["name"] = Text(asset, "name");
  for (const auto& [key, label] : kPrimary) form.primary[key] = Text(asset, key);
  if (const auto* fs = asset.if_contains("fields"); fs && fs->is_array())
    for (const auto& v : fs->get_array())
      if (v.is_object()) form.values[Text(v.get_object(), "id")] = Text(v.get_object(), "value");
  form.refilled = RefilledBy(ctx, asset);
  return form;
}

http::Response EditAsset(Ctx& ctx) {
  http::Response error;
  auto asset = LoadAsset(ctx, error);
  if (!asset) return error;
  auto form = FormOf(ctx, *asset, LoadLayout(ctx, Text(*asset, "asset_layout_id")));
  return Form(ctx, form, {}, 200);
}

http::Response UpdateAsset(Ctx& ctx) {
  http::Response error;
  auto asset = LoadAsset(ctx, error);
  if (!asset) return error;
  auto form = FormOf(ctx, *asset, LoadLayout(ctx, Text(*asset, "asset_layout_id")));
  json::object body = PostedBody(ctx, form, true);
  auto a = ctx.Call("PUT", "/api/v1/companies/" + form.company_id + "/assets/" + form.asset_id, json::object{{"asset", body}});
  if (!a.ok()) return Form(ctx, form, a.FieldErrors(ErrorNames(form.layout)), a.status);
  return Redirect("/assets/" + form.asset_id, "Saved.");
}

http::Response ArchiveAsset(Ctx& ctx, bool archive) {
  http::Response error;
  auto asset = LoadAsset(ctx, error);
  if (!asset) return error;
  std::string id = Text(*asset, "id");
  auto a = ctx.Call("PUT", "/api/v1/companies/" + Text(*asset, "company_id") + "/assets/" + id + (archive ? "/archive" : "/unarchive"),
                    json::object{});
  if (!a.ok()) return Redirect("/assets/" + id, "Not done: " + a.Message());
  return Redirect("/assets/" + id, archive ? "Archived: the asset is hidden from its company's list until it is unarchived."
                                           : "Unarchived.");
}

// A field's value as a person reads it, by its type.
std::string ValueHtml(const Ctx& ctx, const FieldInfo* f, const std::string& value) {
  std::string t = f ? f->type : "Text";
  if (t == "CheckBox") return value == "true" ? "Yes" : "No";
  if (t == "Website" && (value.rfind("https://", 0) == 0 || value.rfind("http://", 0) == 0))
    return "<a href=\"" + Esc(value) + "\" target=\"_blank\" rel=\"noopener noreferrer\">" + Esc(value) + "</a>";
  if (t == "Email" && value.find('@') != std::string::npos && value.find(':') == std::string::npos)
    return "<a href=\"mailto:" + Esc(value) + "\">" + Esc(value) + "</a>";
  if (t == "RichText") return "<div class=\"rich\">" + SanitizeHtml(value) + "</div>";
  if (t == "AddressData") {
    json::value a = ParseOr(value, json::object{});
    if (!a.is_object()) return Esc(value);
    std::string out;
    for (const auto& [part, label] : kAddressParts)
      if (std::string v = Text(a.get_object(), part); !v.empty()) out += (out.empty() ? "" : "<br>") + Esc(v);
    return out;
  }
  if (t == "ListSelect" || t == "AssetTag") {
    json::value items = ParseOr(value, json::array{});
    if (!items.is_array()) return Esc(value);
    std::string out;
    for (const auto& i : items.get_array()) {
      std::string item = Text(&i);
      if (t == "AssetTag") {
        auto tagged = ctx.Call("GET", "/api/v1/assets?id=" + Url(item));
        const auto& found = tagged.Array("assets");
        std::string name = !found.empty() && found[0].is_object() ? Text(found[0].get_object(), "name") : "asset " + item;
        out += (out.empty() ? "" : ", ") + std::string("<a href=\"/assets/") + Esc(item) + "\">" + Esc(name) + "</a>";
      } else {
        out += (out.empty() ? "" : ", ") + Esc(item);
      }
    }
    return out;
  }
  return Esc(value);
}

http::Response AssetPage(Ctx& ctx) {
  http::Response error;
  auto found = LoadAsset(ctx, error);
  if (!found) return error;
  const auto& asset = *found;
  std::string id = Text(asset, "id");
  std::string company_id = Text(asset, "company_id");
  auto layout = LoadLayout(ctx, Text(asset, "asset_layout_id"));
  std::string h = "<nav aria-label=\"breadcrumb\"><ul><li><a href=\"/companies\">Companies</a></li><li><a href=\"/companies/" +
                  Esc(company_id) + "\">" + Esc(Text(asset, "company_name")) + "</a></li><li>" + Esc(Text(asset, "name")) +
                  "</li></ul></nav>";
  bool archived = Bool(asset, "archived");
  h += "<hgroup><h1>" + Esc(Text(asset, "name")) + (archived ? " " + Badge("archived") : "") + "</h1><p>" +
       Esc(Text(asset, "asset_type")) + "</p></hgroup>";
  if (ctx.Editor())
    h += "<div class=\"run-buttons\"><a role=\"button\" class=\"secondary outline\" href=\"/assets/" + id + "/edit\">Edit</a>" +
         (archived ? ButtonForm(ctx, "/assets/" + id + "/unarchive", "Unarchive", "secondary outline")
                   : ButtonForm(ctx, "/assets/" + id + "/archive", "Archive", "secondary outline",
                                "Archive this asset? It is hidden from its company's list; nothing is deleted.")) +
         "</div>";
  h += "<section><h2>Fields</h2><dl class=\"details\">";
  bool any = false;
  auto add = [&](const std::string& label, const std::string& value_html) {
    if (value_html.empty()) return;
    any = true;
    h += "<dt>" + Esc(label) + "</dt><dd>" + value_html + "</dd>";
  };
  for (const auto& [key, label] : kPrimary) add(label, Esc(Text(asset, key)));
  std::map<std::string, const FieldInfo*> info;
  if (layout)
    for (const auto& f : layout->fields) info[f.id] = &f;
  if (const auto* fs = asset.if_contains("fields"); fs && fs->is_array())
    for (const auto& v : fs->get_array()) {
      if (!v.is_object()) continue;
      std::string fid = Text(v.get_object(), "id");
      auto it = info.find(fid);
      if (it != info.end() && it->second->type == "Password") {
        // Confidential text is not in the page: it is fetched, and the reveal recorded, on request.
        add(Text(v.get_object(), "label"),
            ctx.PasswordAccess()
                ? "<span id=\"secret-" + Esc(fid) + "\"><button type=\"button\" class=\"secondary outline reveal\" hx-post=\"/assets/" +
                      Esc(id) + "/confidential/" + Esc(fid) + "\" hx-target=\"#secret-" + Esc(fid) +
                      "\" hx-swap=\"innerHTML\">Reveal</button></span>"
                : std::string("<span class=\"muted\" title=\"Ask an administrator for access to passwords\">hidden</span>"));
        continue;
      }
      std::string value = Text(v.get_object(), "value");
      if (value.empty()) continue;
      add(Text(v.get_object(), "label"), ValueHtml(ctx, it == info.end() ? nullptr : it->second, value));
    }
  h += "</dl>";
  if (!any)
    h += "<p class=\"muted\">No fields filled in yet." + std::string(ctx.Editor() ? " Use Edit to add them." : "") + "</p>";
  h += "</section>";
  if (const auto* cards = asset.if_contains("cards"); cards && cards->is_array()) h += CardsHtml(ctx, cards->get_array(), true);
  return Page(ctx, Text(asset, "name"), "companies", h);
}

// POST /assets/{id}/confidential/{item}: one confidential value, fetched through the API, which
// records the reveal.
http::Response RevealConfidential(Ctx& ctx) {
  http::Response error;
  auto asset = LoadAsset(ctx, error);
  if (!asset) return Fragment("<span class=\"field-error\">Asset not found</span>", 404);
  auto a = ctx.Call("GET", "/api/v1/companies/" + Text(*asset, "company_id") + "/assets/" + Text(*asset, "id") + "/confidential/" +
                               std::to_string(ctx.PathNumber("item")));
  if (!a.ok()) return Fragment("<span class=\"field-error\">" + Esc(a.Message()) + "</span>", a.status);
  std::string value = Text(a.Object("field"), "value");
  return Fragment(value.empty() ? std::string("<span class=\"muted\">(not set)</span>") : "<code class=\"secret\">" + Esc(value) + "</code>");
}

http::Response Resync(Ctx& ctx) {
  auto a = ctx.Call("POST", "/api/v1/cards/" + std::to_string(ctx.PathId()) + "/resync", json::object{});
  std::string back(ctx.req.Header("Referer").value_or("/companies"));
  auto scheme = back.find("://");
  if (scheme != std::string::npos) {
    auto slash = back.find('/', scheme + 3);
    back = slash == std::string::npos ? "/" : back.substr(slash);
  }
  back = SafeNext(back);
  if (!a.ok()) return Redirect(back, "Re-sync failed: " + a.Message());
  return Redirect(back, "Re-synced from the vendor.");
}

}  // namespace

void AddAssetPages(PageRoutes& r) {
  r.push_back({"GET", "/assets/{id}", AssetPage});
  r.push_back({"GET", "/assets/{id}/edit", EditAsset});
  r.push_back({"POST", "/assets/{id}/edit", UpdateAsset});
  r.push_back({"POST", "/assets/{id}/confidential/{item}", RevealConfidential});
  r.push_back({"POST", "/assets/{id}/archive", [](Ctx& c) { return ArchiveAsset(c, true); }});
  r.push_back({"POST", "/assets/{id}/unarchive", [](Ctx& c) { return ArchiveAsset(c, false); }});
  r.push_back({"GET", "/companies/{id}/assets/new", NewAsset});
  r.push_back({"POST", "/companies/{id}/assets/new", CreateAsset});
  r.push_back({"POST", "/admin/cards/{id}/resync", Resync});
}

}  // namespace cairn::web
