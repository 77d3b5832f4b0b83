// The documentation pages: companies (list and page) and search (assets: asset_pages.cpp).
#include <map>

#include "web/internal.h"

namespace cairn::web {
namespace {

// A column header that sorts the table by `key` (and the other way when it already does).
std::string SortHeader(const Ctx& ctx, const std::string& base, const std::string& key, const std::string& label) {
  std::string sort = ctx.Q("sort", "name"), dir = ctx.Q("direction", "asc");
  bool current = sort == key;
  std::string next_dir = current && dir == "asc" ? "desc" : "asc";
  std::string aria = current ? (dir == "asc" ? " aria-sort=\"ascending\"" : " aria-sort=\"descending\"") : "";
  std::string arrow = current ? (dir == "asc" ? " &uarr;" : " &darr;") : "";
  return "<th scope=\"col\"" + aria + "><a href=\"" + Esc(base + "sort=" + key + "&direction=" + next_dir) + "\">" +
         Esc(label) + arrow + "</a></th>";
}

http::Response Companies(Ctx& ctx) {
  std::string search = ctx.Q("search");
  std::string sort = ctx.Q("sort", "name"), dir = ctx.Q("direction", "asc");
  int64_t page = std::max<int64_t>(1, std::atoll(ctx.Q("page", "1").c_str()));
  const int64_t size = 50;
  std::string api = "/api/v1/companies?page=" + std::to_string(page) + "&page_size=" + std::to_string(size + 1) +
                    "&sort=" + Url(sort) + "&direction=" + Url(dir);
  if (!search.empty()) api += "&search=" + Url(search);
  if (ctx.Q("archived") == "true") api += "&archived=true";
  auto a = ctx.Call("GET", api);
  if (!a.ok()) return ErrorPage(ctx, a, "/companies");
  const auto& rows = a.Array("companies");
  bool has_next = static_cast<int64_t>(rows.size()) > size;

  std::string h = "<hgroup><h1>Companies</h1><p>Everyone you document, with what your integrations bring in.</p></hgroup>";
  if (ctx.Editor()) h += "<p><a role=\"button\" href=\"/companies/new\">New company</a></p>";
  h += "<form method=\"get\" action=\"/companies\" class=\"toolbar\" role=\"search\"><input type=\"search\" name=\"search\" "
       "placeholder=\"Filter by name\" aria-label=\"Filter companies by name\" value=\"" + Esc(search) + "\">"
       "<input type=\"hidden\" name=\"sort\" value=\"" + Esc(sort) + "\"><input type=\"hidden\" name=\"direction\" value=\"" +
       Esc(dir) + "\"><button type=\"submit\" class=\"secondary\">Filter</button></form>";
  if (rows.empty()) {
    if (!search.empty())
      h += Empty("No company matches \"" + search + "\".", "<a href=\"/companies\">Show every company</a>");
    else
      h += Empty("No companies yet.", ctx.Admin() ? "Connect your PSA or RMM in <a href=\"/admin/integrations\">Integrations</a>: "
                                                    "its companies arrive with their first sync."
                                                  : "Ask an administrator to connect your PSA or RMM.");
    return Page(ctx, "Companies", "companies", h);
  }
  std::string base = "/companies?" + (search.empty() ? "" : "search=" + Url(search) + "&");
  h += "<div class=\"table-wrap\"><table class=\"striped\" id=\"companies\"><thead><tr>" + SortHeader(ctx, base, "name", "Name") +
       SortHeader(ctx, base, "company_type", "Type") + SortHeader(ctx, base, "city", "City") +
       "<th scope=\"col\">Integrations</th>" + SortHeader(ctx, base, "updated_at", "Updated") + "</tr></thead><tbody>";
  int64_t shown = 0;
  for (const auto& v : rows) {
    if (shown++ == size) break;
    if (!v.is_object()) continue;
    const auto& c = v.get_object();
    std::string integrations;
    if (const auto* i = c.if_contains("integrations"); i && i->is_array())
      for (const auto& x : i->get_array())
        if (x.is_object()) integrations += "<span class=\"chip\">" + Esc(Text(x.get_object(), "name")) + "</span> ";
    h += "<tr><td><a href=\"/companies/" + Text(c, "id") + "\">" + Esc(Text(c, "name")) + "</a></td><td>" +
         Esc(Text(c, "company_type")) + "</td><td>" + Esc(Text(c, "city")) + "</td><td>" + integrations + "</td><td>" +
         Esc(When(Text(c, "updated_at"))) + "</td></tr>";
  }
  h += "</tbody></table></div>";
  h += Pager(base + "sort=" + Url(sort) + "&direction=" + Url(dir) + "&", page, has_next);
  return Page(ctx, "Companies", "companies", h);
}

const std::vector<std::pair<std::string, std::string>> kCompanyFields = {
    {"name", "Name"},         {"nickname", "Nickname"},          {"company_type", "Type"},
    {"id_number", "ID number"}, {"address_line_1", "Address"},     {"address_line_2", "Address, line 2"},
    {"city", "City"},         {"state", "State or region"},      {"zip", "Postal code"},
    {"country_name", "Country"}, {"phone_number", "Phone"},      {"fax_number", "Fax"},
    {"website", "Website"}};

http::Response CompanyForm(Ctx& ctx, const json::object& c, const std::string& action, bool editing,
                           const std::map<std::string, std::string>& errors, int status) {
  std::string title = editing ? "Edit " + Text(c, "name") : std::string("New company");
  auto err = [&](const std::string& k) { return ErrorOf(errors, k); };
  std::string h = "<nav aria-label=\"breadcrumb\"><ul><li><a href=\"/companies\">Companies</a></li><li>" + Esc(title) +
                  "</li></ul></nav><h1>" + Esc(title) + "</h1>";
  if (!errors.empty())
    h += "<p class=\"form-error\" role=\"alert\" id=\"form-errors\">The company was not saved: fix the fields marked below. " +
         Esc(err("")) + "</p>";
  h += "<form method=\"post\" action=\"" + Esc(action) + "\" novalidate>" + CsrfField(ctx) + "<div class=\"grid-form\">";
  for (const auto& [k, label] : kCompanyFields)
    h += "<div>" + Input({.name = k, .label = label, .value = Text(c, k), .error = err(k), .required = k == "name"}) + "</div>";
  h += "</div><label for=\"f-notes\">Notes</label><textarea id=\"f-notes\" name=\"notes\" rows=\"4\">" + Esc(Text(c, "notes")) +
       "</textarea><button type=\"submit\">Save company</button> <a class=\"secondary\" href=\"" +
       Esc(editing ? "/companies/" + Text(c, "id") : std::string("/companies")) + "\">Cancel</a></form>";
  return Page(ctx, title, "companies", h, status);
}

json::object CompanyBody(const Ctx& ctx) {
  json::object o;
  for (const auto& [k, label] : kCompanyFields) o[k] = ctx.F(k);
  o["notes"] = ctx.F("notes");
  return o;
}

std::vector<std::string> CompanyFieldNames() {
  std::vector<std::string> out;
  for (const auto& [k, label] : kCompanyFields) out.push_back(k);
  out.push_back("notes");
  return out;
}

http::Response NewCompany(Ctx& ctx) { return CompanyForm(ctx, json::object{}, "/companies/new", false, {}, 200); }

http::Response CreateCompany(Ctx& ctx) {
  auto body = CompanyBody(ctx);
  auto a = ctx.Call("POST", "/api/v1/companies", json::object{{"company", body}});
  if (!a.ok()) return CompanyForm(ctx, body, "/companies/new", false, a.FieldErrors(CompanyFieldNames()), a.status);
  return Redirect("/companies/" + Text(a.Object("company"), "id"), "Company \"" + Text(a.Object("company"), "name") + "\" created.");
}

http::Response EditCompany(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto a = ctx.Call("GET", "/api/v1/companies/" + id);
  if (!a.ok()) return ErrorPage(ctx, a, "/companies");
  return CompanyForm(ctx, a.Object("company"), "/companies/" + id + "/edit", true, {}, 200);
}

http::Response UpdateCompany(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto body = CompanyBody(ctx);
  auto a = ctx.Call("PUT", "/api/v1/companies/" + id, json::object{{"company", body}});
  if (!a.ok()) {
    body["id"] = ctx.PathId();
    return CompanyForm(ctx, body, "/companies/" + id + "/edit", true, a.FieldErrors(CompanyFieldNames()), a.status);
  }
  return Redirect("/companies/" + id, "Saved.");
}

http::Response ArchiveCompany(Ctx& ctx, bool archive) {
  std::string id = std::to_string(ctx.PathId());
  auto a = ctx.Call("PUT", "/api/v1/companies/" + id + (archive ? "/archive" : "/unarchive"), json::object{});
  if (!a.ok()) return Redirect("/companies/" + id, "Not done: " + a.Message());
  return Redirect("/companies/" + id, archive ? "Archived: the company is hidden from lists until it is unarchived." : "Unarchived.");
}

http::Response CompanyPage(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto a = ctx.Call("GET", "/api/v1/companies/" + id);
  if (!a.ok()) return ErrorPage(ctx, a, "/companies");
  const auto& c = a.Object("company");
  bool archived_assets = ctx.Q("archived") == "true";
  auto assets = ctx.Call("GET", "/api/v1/companies/" + id + "/assets?page_size=1000" + (archived_assets ? "&archived=true" : ""));
  auto layouts = ctx.Call("GET", "/api/v1/asset_layouts?page_size=1000");

  std::string h = "<nav aria-label=\"breadcrumb\"><ul><li><a href=\"/companies\">Companies</a></li><li>" +
                  Esc(Text(c, "name")) + "</li></ul></nav><nav class=\"tabs\" aria-label=\"Company\"><ul><li><a href=\"/companies/" + id +
                  "\" aria-current=\"page\">Overview</a></li><li><a href=\"/companies/" + id + "/passwords\">Passwords</a></li><li><a href=\"/companies/" +
                  id + "/articles\">Articles</a></li></ul></nav>";
  h += "<hgroup><h1>" + Esc(Text(c, "name")) + (Bool(c, "archived") ? " " + Badge("archived") : "") + "</h1><p>" +
       Esc(Text(c, "company_type")) + "</p></hgroup>";
  if (ctx.Editor())
    h += "<div class=\"run-buttons\"><a role=\"button\" class=\"secondary outline\" href=\"/companies/" + id + "/edit\">Edit</a>" +
         (Bool(c, "archived") ? ButtonForm(ctx, "/companies/" + id + "/unarchive", "Unarchive", "secondary outline")
                              : ButtonForm(ctx, "/companies/" + id + "/archive", "Archive", "secondary outline",
                                           "Archive this company? It is hidden from lists; nothing is deleted.")) +
         "</div>";
  h += "<div class=\"grid\"><section><h2>Details</h2><dl class=\"details\">";
  bool any_detail = false;
  auto row = [&](const char* key, const char* label) {
    std::string v = Text(c, key);
    if (v.empty()) return;
    any_detail = true;
    h += "<dt>" + std::string(label) + "</dt><dd>" + Esc(v) + "</dd>";
  };
  row("nickname", "Nickname");
  row("id_number", "ID number");
  row("address_line_1", "Address");
  row("address_line_2", "");
  row("city", "City");
  row("state", "State");
  row("zip", "Postal code");
  row("country_name", "Country");
  row("phone_number", "Phone");
  row("fax_number", "Fax");
  row("website", "Website");
  h += "</dl>";
  std::string notes = Text(c, "notes");
  if (!notes.empty()) h += "<h3>Notes</h3><p class=\"notes\">" + Esc(notes) + "</p>";
  else if (!any_detail)
    h += "<p class=\"muted\">No address, phone or website yet." + std::string(ctx.Editor() ? " Use Edit to add them." : "") + "</p>";
  h += "</section><section><h2>Integrations</h2>";
  bool any = false;
  if (const auto* i = c.if_contains("integrations"); i && i->is_array()) {
    h += "<ul>";
    for (const auto& x : i->get_array()) {
      if (!x.is_object()) continue;
      any = true;
      h += "<li>" + Esc(Text(x.get_object(), "name")) + " <small class=\"muted\">" +
           Esc(Text(x.get_object(), "id_in_integration")) + "</small></li>";
    }
    h += "</ul>";
  }
  if (!any) h += "<p class=\"muted\">Not linked to any integration.</p>";
  h += "</section></div>";
  if (const auto* cards = c.if_contains("cards"); cards && cards->is_array()) h += CardsHtml(ctx, cards->get_array(), false);

  std::map<int64_t, std::string> layout_names;
  for (const auto& l : layouts.Array("asset_layouts"))
    if (l.is_object()) layout_names[Int(l.get_object(), "id")] = Text(l.get_object(), "name");
  std::map<std::string, std::vector<const json::object*>> groups;
  for (const auto& v : assets.Array("assets"))
    if (v.is_object()) {
      auto lid = Int(v.get_object(), "asset_layout_id");
      groups[layout_names.count(lid) ? layout_names[lid] : Text(v.get_object(), "asset_type")].push_back(&v.get_object());
    }
  h += "<section><h2 id=\"assets\">" + std::string(archived_assets ? "Archived assets" : "Assets") + "</h2><p class=\"run-buttons\">";
  if (ctx.Editor() && !archived_assets)
    h += "<a role=\"button\" href=\"/companies/" + id + "/assets/new\">New asset</a> ";
  h += archived_assets ? "<a href=\"/companies/" + id + "#assets\">Show current assets</a>"
                       : "<a href=\"/companies/" + id + "?archived=true#assets\">Show archived assets</a>";
  h += "</p>";
  if (groups.empty())
    h += archived_assets ? Empty("No archived assets.", "Assets archived by hand or by a sync are listed here.")
                         : Empty("No assets yet.", "Synced contacts, locations and devices appear here, grouped by layout" +
                                                       std::string(ctx.Editor() ? "; add your own with New asset." : "."));
  for (const auto& [layout, list] : groups) {
    h += "<details open class=\"layout-group\"><summary><strong>" + Esc(layout) + "</strong> <span class=\"muted\">(" +
         std::to_string(list.size()) + ")</span></summary><div class=\"table-wrap\"><table class=\"striped\" data-sortable><thead><tr>"
         "<th scope=\"col\">Name</th><th scope=\"col\">Serial</th><th scope=\"col\">From</th><th scope=\"col\">Updated</th>"
         "</tr></thead><tbody>";
    for (const auto* asset : list) {
      std::string from;
      if (const auto* cs = asset->if_contains("cards"); cs && cs->is_array())
        for (const auto& x : cs->get_array())
          if (x.is_object()) from += "<span class=\"chip\">" + Esc(Text(x.get_object(), "integration_name")) + "</span> ";
      h += "<tr><td><a href=\"/assets/" + Text(*asset, "id") + "\">" + Esc(Text(*asset, "name")) + "</a></td><td>" +
           Esc(Text(*asset, "primary_serial")) + "</td><td>" + from + "</td>" + TimeCell(Text(*asset, "updated_at")) + "</tr>";
    }
    h += "</tbody></table></div></details>";
  }
  h += "</section>";
  return Page(ctx, Text(c, "name"), "companies", h);
}

http::Response Search(Ctx& ctx) {
  std::string q = ctx.Q("q");
  std::string h = "<hgroup><h1>Search</h1><p>Companies, assets, articles and password names.</p></hgroup>";
  h += "<form method=\"get\" action=\"/search\" role=\"search\"><input type=\"search\" name=\"q\" aria-label=\"Search\" value=\"" +
       Esc(q) + "\" autofocus><button type=\"submit\">Search</button></form>";
  if (q.empty()) return Page(ctx, "Search", "search", h);
  int64_t page = std::max<int64_t>(1, std::atoll(ctx.Q("page", "1").c_str()));
  auto a = ctx.Call("GET", "/api/v1/search?q=" + Url(q) + "&page=" + std::to_string(page) + "&page_size=26");
  if (!a.ok()) return Page(ctx, "Search", "search", h + "<p class=\"form-error\" role=\"alert\">" + Esc(a.Message()) + "</p>", a.status);
  const auto& rows = a.Array("results");
  if (rows.empty()) return Page(ctx, "Search", "search", h + Empty("Nothing matches \"" + q + "\".", "Try fewer or shorter words: each word matches the start of a word."));
  h += "<ul class=\"results\">";
  size_t shown = 0;
  for (const auto& v : rows) {
    if (shown++ == 25) break;
    if (!v.is_object()) continue;
    const auto& r = v.get_object();
    std::string type = Text(r, "type"), id = Text(r, "id"), company = Text(r, "company_id");
    std::string href = type == "Company" ? "/companies/" + id : type == "Asset" ? "/assets/" + id
                                                             : company.empty() ? "" : "/companies/" + company;
    std::string label = type == "AssetPassword" ? "Password" : type;
    h += "<li><span class=\"chip\">" + Esc(label) + "</span> " +
         (href.empty() ? Esc(Text(r, "name")) : "<a href=\"" + Esc(href) + "\">" + Esc(Text(r, "name")) + "</a>") + "</li>";
  }
  h += "</ul>" + Pager("/search?q=" + Url(q) + "&", page, rows.size() > 25);
  return Page(ctx, "Search: " + q, "search", h);
}

}  // namespace

void AddDocumentationPages(PageRoutes& r) {
  r.push_back({"GET", "/companies", Companies});
  r.push_back({"GET", "/companies/new", NewCompany});
  r.push_back({"POST", "/companies/new", CreateCompany});
  r.push_back({"GET", "/companies/{id}", CompanyPage});
  r.push_back({"GET", "/companies/{id}/edit", EditCompany});
  r.push_back({"POST", "/companies/{id}/edit", UpdateCompany});
  r.push_back({"POST", "/companies/{id}/archive", [](Ctx& c) { return ArchiveCompany(c, true); }});
  r.push_back({"POST", "/companies/{id}/unarchive", [](Ctx& c) { return ArchiveCompany(c, false); }});
  r.push_back({"GET", "/search", Search});
}

}  // namespace cairn::web
