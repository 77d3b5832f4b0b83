// A company's passwords (revealed on request, each reveal in the activity log), articles (read
// sanitized, written in a small rich-text editor) and folders (nested, renamed, moved, deleted).
#include <algorithm>
#include <map>
#include <optional>

#include "core/text.h"
#include "web/internal.h"

namespace cairn::web {
namespace {

// The tabs of a company's pages.
std::string CompanyTabs(const std::string& id, const std::string& name, const std::string& current) {
  auto tab = [&](const std::string& href, const std::string& label, const std::string& key) {
    return "<li><a href=\"" + href + "\"" + (current == key ? " aria-current=\"page\"" : "") + ">" + label + "</a></li>";
  };
  return "<nav aria-label=\"breadcrumb\"><ul><li><a href=\"/companies\">Companies</a></li><li><a href=\"/companies/" + Esc(id) + "\">" +
         Esc(name) + "</a></li></ul></nav><nav class=\"tabs\" aria-label=\"Company\"><ul>" +
         tab("/companies/" + id, "Overview", "overview") + tab("/companies/" + id + "/passwords", "Passwords", "passwords") +
         tab("/companies/" + id + "/articles", "Articles", "articles") + "</ul></nav>";
}

// ---- passwords ----

http::Response Passwords(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto c = ctx.Call("GET", "/api/v1/companies/" + id);
  if (!c.ok()) return ErrorPage(ctx, c, "/companies");
  std::string name = Text(c.Object("company"), "name");
  // The list shows names, never values: it reads them from the store rather than through the
  // API, which would open every secret and log each as viewed. A value is read (and logged by
  // the API) only when "Reveal" asks for it.
  auto listed = ctx.store.Read([&](store::Tx& tx) {
    store::Query q;
    q.Where("company_id", store::Op::kEq, ctx.PathId()).Where("archived", store::Op::kEq, int64_t{0});
    q.order_by = "name";
    return tx.Repo<AssetPassword>().ListColumns(q, {"id", "name", "username", "url"});
  });
  std::string h = CompanyTabs(id, name, "passwords") + "<h1>Passwords</h1>";
  if (ctx.Editor()) h += "<p><a role=\"button\" href=\"/companies/" + id + "/passwords/new\">New password</a></p>";
  if (!listed.ok()) return Page(ctx, "Passwords", "companies", h + "<p class=\"form-error\" role=\"alert\">" + Esc(listed.status().message()) + "</p>", 503);
  json::array rows;
  for (const auto& p : *listed)
    rows.push_back(json::object{{"id", p.id}, {"name", p.name}, {"username", p.username}, {"url", p.url}});
  if (rows.empty()) return Page(ctx, "Passwords: " + name, "companies", h + Empty("No passwords for " + name + " yet.", "Add the first one: it is stored encrypted."));
  h += "<div class=\"table-wrap\"><table class=\"striped\" id=\"passwords\" data-sortable><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Username</th>"
       "<th scope=\"col\">Password</th><th scope=\"col\">URL</th><th scope=\"col\"></th></tr></thead><tbody>";
  for (const auto& v : rows) {
    if (!v.is_object()) continue;
    const auto& p = v.get_object();
    std::string pid = Text(p, "id");
    // The value is not in the page: it is fetched (and logged) when asked for.
    std::string secret = ctx.PasswordAccess()
                             ? "<button type=\"button\" class=\"secondary outline reveal\" hx-post=\"/passwords/" + pid +
                                   "/reveal\" hx-target=\"#secret-" + pid + "\" hx-swap=\"innerHTML\">Reveal</button>"
                             : std::string("<span class=\"muted\" title=\"Ask an administrator for access to passwords\">hidden</span>");
    h += "<tr><td>" + Esc(Text(p, "name")) + "</td><td>" + Esc(Text(p, "username")) + "</td><td id=\"secret-" + pid + "\">" + secret +
         "</td><td>" + Esc(Text(p, "url")) + "</td><td>" +
         (ctx.Editor() ? "<a href=\"/passwords/" + pid + "/edit\">Edit</a>" : std::string()) + "</td></tr>";
  }
  h += "</tbody></table></div><p class=\"muted\">Every reveal is recorded in the activity log.</p>";
  return Page(ctx, "Passwords: " + name, "companies", h);
}

http::Response Reveal(Ctx& ctx) {
  int64_t pid = ctx.PathId();
  auto a = ctx.Call("GET", "/api/v1/asset_passwords/" + std::to_string(pid));
  if (!a.ok()) return Fragment("<span class=\"field-error\">" + Esc(a.Message()) + "</span>", a.status);
  const auto& p = a.Object("asset_password");  // (the API logged the view, as the signed-in user)
  return Fragment("<code class=\"secret\">" + Esc(Text(p, "password")) + "</code>");
}

http::Response PasswordForm(Ctx& ctx, const std::string& id, const std::map<std::string, std::string>& errors, int status,
                            const std::string& editing = "") {
  std::string title = editing.empty() ? "New password" : "Edit password";
  std::string h = "<nav aria-label=\"breadcrumb\"><ul><li><a href=\"/companies/" + Esc(id) + "/passwords\">Passwords</a></li><li>" + title +
                  "</li></ul></nav><h1>" + title + "</h1>";
  if (!errors.empty()) h += "<p class=\"form-error\" role=\"alert\" id=\"form-errors\">The password was not saved: fix the fields marked below. " + Esc(ErrorOf(errors, "")) + "</p>";
  h += "<form method=\"post\" action=\"" + Esc(editing.empty() ? "/companies/" + id + "/passwords/new" : "/passwords/" + editing + "/edit") +
       "\" novalidate>" + CsrfField(ctx);
  h += Input({.name = "name", .label = "Name", .value = ctx.F("name"), .hint = "What it opens, e.g. Firewall admin.", .error = ErrorOf(errors, "name"), .required = true});
  h += Input({.name = "username", .label = "Username", .value = ctx.F("username"), .error = ErrorOf(errors, "username"), .autocomplete = "off"});
  h += Input({.name = "password", .label = editing.empty() ? "Password" : "New password", .type = "password",
              .hint = editing.empty() ? "Stored encrypted." : "Stored encrypted. Leave blank to keep the current one.",
              .error = ErrorOf(errors, "password"), .required = editing.empty(), .autocomplete = "new-password"});
  h += Input({.name = "url", .label = "URL", .value = ctx.F("url"), .error = ErrorOf(errors, "url")});
  h += "<label for=\"f-description\">Notes</label><textarea id=\"f-description\" name=\"description\" rows=\"3\">" + Esc(ctx.F("description")) + "</textarea>";
  h += "<button type=\"submit\">Save password</button> <a class=\"secondary\" href=\"/companies/" + Esc(id) + "/passwords\">Cancel</a></form>";
  if (!editing.empty())
    h += "<p>" + ButtonForm(ctx, "/passwords/" + editing + "/archive", "Archive this password", "secondary outline",
                            "Archive this password? It leaves the list; nothing is deleted.") + "</p>";
  return Page(ctx, title, "companies", h, status);
}

// A password's fields without its value (read from the store: the API would open the secret and
// log a view); nullopt when there is none.
std::optional<AssetPassword> PasswordRow(Ctx& ctx) {
  auto row = ctx.store.Read([&](store::Tx& tx) -> Result<std::vector<AssetPassword>> {
    store::Query q;
    q.Where("id", store::Op::kEq, ctx.PathId());
    return tx.Repo<AssetPassword>().ListColumns(q, {"id", "company_id", "name", "username", "url", "description", "archived"});
  });
  if (!row.ok() || row->empty()) return std::nullopt;
  return row->front();
}

http::Response EditPassword(Ctx& ctx) {
  auto p = PasswordRow(ctx);
  if (!p) return ErrorPage(ctx, ApiAnswer{404, json::object{{"error", "Password not found"}}}, "/companies");
  for (auto [k, v] : {std::pair<const char*, std::string*>{"name", &p->name}, {"username", &p->username}, {"url", &p->url},
                      {"description", &p->description}})
    if (!ctx.form.count(k)) ctx.form[k] = *v;
  return PasswordForm(ctx, std::to_string(p->company_id), {}, 200, std::to_string(p->id));
}

http::Response UpdatePassword(Ctx& ctx) {
  auto p = PasswordRow(ctx);
  if (!p) return ErrorPage(ctx, ApiAnswer{404, json::object{{"error", "Password not found"}}}, "/companies");
  std::string company = std::to_string(p->company_id), id = std::to_string(p->id);
  json::object body{{"name", ctx.F("name")}, {"username", ctx.F("username")}, {"url", ctx.F("url")}, {"description", ctx.F("description")}};
  if (!ctx.F("password").empty()) body["password"] = ctx.F("password");
  auto a = ctx.Call("PUT", "/api/v1/asset_passwords/" + id, json::object{{"asset_password", body}});
  if (!a.ok()) return PasswordForm(ctx, company, a.FieldErrors({"name", "username", "password", "url", "description"}), a.status, id);
  return Redirect("/companies/" + company + "/passwords", "Password \"" + ctx.F("name") + "\" saved.");
}

http::Response ArchivePassword(Ctx& ctx) {
  auto p = PasswordRow(ctx);
  if (!p) return ErrorPage(ctx, ApiAnswer{404, json::object{{"error", "Password not found"}}}, "/companies");
  auto a = ctx.Call("PUT", "/api/v1/asset_passwords/" + std::to_string(p->id) + "/archive", json::object{});
  return Redirect("/companies/" + std::to_string(p->company_id) + "/passwords", a.ok() ? "Password archived." : "Not archived: " + a.Message());
}

http::Response NewPassword(Ctx& ctx) { return PasswordForm(ctx, std::to_string(ctx.PathId()), {}, 200); }

http::Response CreatePassword(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  json::object body{{"company_id", ctx.PathId()}, {"name", ctx.F("name")}, {"username", ctx.F("username")},
                    {"password", ctx.F("password")}, {"url", ctx.F("url")}, {"description", ctx.F("description")}};
  auto a = ctx.Call("POST", "/api/v1/asset_passwords", json::object{{"asset_password", body}});
  if (!a.ok()) return PasswordForm(ctx, id, a.FieldErrors({"name", "username", "password", "url", "description", "company_id"}), a.status);
  return Redirect("/companies/" + id + "/passwords", "Password \"" + ctx.F("name") + "\" saved.");
}

// ---- articles and folders ----

struct FolderInfo {
  std::string id, name, parent, company;
};

// The article folders of a company, or the global ones (`company` ""), by id.
std::map<std::string, FolderInfo> Folders(const Ctx& ctx, const std::string& company) {
  auto f = ctx.Call("GET", "/api/v1/folders?page_size=1000&folder_type=article" +
                               (company.empty() ? std::string("&in_company=false") : "&company_id=" + Url(company)));
  std::map<std::string, FolderInfo> out;
  for (const auto& v : f.Array("folders"))
    if (v.is_object()) {
      const auto& o = v.get_object();
      out[Text(o, "id")] = {Text(o, "id"), Text(o, "name"), Text(o, "parent_folder_id"), Text(o, "company_id")};
    }
  return out;
}

// "Network / VPN / Site B": the folder's name after its parents'.
std::string FolderPath(const std::map<std::string, FolderInfo>& folders, const std::string& id) {
  std::string path;
  std::string at = id;
  for (int depth = 0; depth < 32; ++depth) {  // (the API refuses cycles; the bound is for safety)
    auto it = folders.find(at);
    if (it == folders.end()) break;
    path = it->second.name + (path.empty() ? "" : " / " + path);
    at = it->second.parent;
  }
  return path;
}

// Folder id -> its path, for grouping and choosing.
std::map<std::string, std::string> FolderNames(const Ctx& ctx, const std::string& company) {
  auto folders = Folders(ctx, company);
  std::map<std::string, std::string> out;
  for (const auto& [id, f] : folders) out[id] = FolderPath(folders, id);
  return out;
}

// The folders with their paths, sorted by path, each with Edit for those who may write.
std::string FolderList(const Ctx& ctx, const std::string& company) {
  auto folders = Folders(ctx, company);
  if (folders.empty()) return "";
  std::vector<std::pair<std::string, std::string>> paths;
  for (const auto& [id, f] : folders) paths.emplace_back(FolderPath(folders, id), id);
  std::sort(paths.begin(), paths.end());
  std::string h = "<details class=\"folders\"><summary>Folders (" + std::to_string(paths.size()) + ")</summary><ul class=\"results\">";
  for (const auto& [path, id] : paths) {
    h += "<li>" + Esc(path);
    if (ctx.role != Role::kSpectator) h += " <a href=\"/folders/" + Esc(id) + "/edit\" aria-label=\"Edit folder " + Esc(path) + "\">Edit</a>";
    h += "</li>";
  }
  return h + "</ul></details>";
}

std::string ArticleTable(const json::array& rows, const std::map<std::string, std::string>& folders) {
  std::map<std::string, std::vector<const json::object*>> by_folder;
  for (const auto& v : rows)
    if (v.is_object()) {
      std::string f = Text(v.get_object(), "folder_id");
      by_folder[f.empty() || !folders.count(f) ? "" : folders.at(f)].push_back(&v.get_object());
    }
  std::string h;
  for (const auto& [folder, list] : by_folder) {
    h += "<details open class=\"layout-group\"><summary><strong>" + Esc(folder.empty() ? "Not in a folder" : folder) +
         "</strong> <span class=\"muted\">(" + std::to_string(list.size()) + ")</span></summary><ul class=\"results\">";
    for (const auto* a : list)
      h += "<li><a href=\"/articles/" + Text(*a, "id") + "\">" + Esc(Text(*a, "name")) + "</a>" + (Bool(*a, "draft") ? " " + Badge("draft") : "") +
           " <small class=\"muted\">" + Esc(When(Text(*a, "updated_at"))) + "</small></li>";
    h += "</ul></details>";
  }
  return h;
}

http::Response CompanyArticles(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto c = ctx.Call("GET", "/api/v1/companies/" + id);
  if (!c.ok()) return ErrorPage(ctx, c, "/companies");
  std::string name = Text(c.Object("company"), "name");
  auto a = ctx.Call("GET", "/api/v1/articles?page_size=1000&company_id=" + id);
  std::string h = CompanyTabs(id, name, "articles") + "<h1>Articles</h1>";
  if (ctx.role != Role::kSpectator)
    h += "<p><a role=\"button\" href=\"/articles/new?company_id=" + id + "\">New article</a> <a href=\"/folders/new?company_id=" + id +
         "\" class=\"secondary\">New folder</a></p>";
  h += FolderList(ctx, id);
  if (a.Array("articles").empty()) h += Empty("No articles for " + name + " yet.", "Write the first: how to reach their VPN, who to call, what to check.");
  else h += ArticleTable(a.Array("articles"), FolderNames(ctx, id));
  return Page(ctx, "Articles: " + name, "companies", h);
}

// The knowledge base: every article the user may read, the global ones (no company) first.
http::Response KnowledgeBase(Ctx& ctx) {
  std::string search = ctx.Q("search");
  auto a = ctx.Call("GET", "/api/v1/articles?page_size=1000" + (search.empty() ? std::string() : "&search=" + Url(search)));
  if (!a.ok()) return ErrorPage(ctx, a);
  json::array global, per_company;
  for (const auto& v : a.Array("articles"))
    if (v.is_object()) (Text(v.get_object(), "company_id").empty() ? global : per_company).push_back(v);
  std::string h = "<hgroup><h1>Knowledge base</h1><p>Articles for every company, and each company's own.</p></hgroup>";
  if (ctx.role != Role::kSpectator)
    h += "<p><a role=\"button\" href=\"/articles/new\">New article</a> <a href=\"/folders/new\" class=\"secondary\">New folder</a></p>";
  h += "<form method=\"get\" action=\"/articles\" class=\"toolbar\" role=\"search\"><input type=\"search\" name=\"search\" "
       "placeholder=\"Filter by title\" aria-label=\"Filter articles by title\" value=\"" + Esc(search) +
       "\"><button type=\"submit\" class=\"secondary\">Filter</button></form>";
  h += "<h2>For every company</h2>" + FolderList(ctx, "");
  h += global.empty() ? Empty("No global articles yet.", "Write what every technician needs: onboarding, escalation, standards.")
                      : ArticleTable(global, FolderNames(ctx, ""));
  h += "<h2>Companies' own</h2>";
  if (per_company.empty()) {
    h += "<p class=\"muted\">None yet: a company's articles are written from its page.</p>";
  } else {
    std::map<std::string, std::string> companies;
    for (const auto& c : ctx.Call("GET", "/api/v1/companies?page_size=1000").Array("companies"))
      if (c.is_object()) companies[Text(c.get_object(), "id")] = Text(c.get_object(), "name");
    h += "<ul class=\"results\">";
    for (const auto& v : per_company) {
      if (!v.is_object()) continue;
      const auto& art = v.get_object();
      h += "<li><a href=\"/articles/" + Text(art, "id") + "\">" + Esc(Text(art, "name")) + "</a> <span class=\"chip\">" +
           Esc(companies[Text(art, "company_id")]) + "</span></li>";
    }
    h += "</ul>";
  }
  return Page(ctx, "Knowledge base", "articles", h);
}

http::Response ArticlePage(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto a = ctx.Call("GET", "/api/v1/articles/" + id);
  if (!a.ok()) return ErrorPage(ctx, a, "/companies");
  const auto& art = a.Object("article");
  std::string company = Text(art, "company_id");
  std::string company_name = company.empty() ? "" : Text(ctx.Call("GET", "/api/v1/companies/" + company).Object("company"), "name");
  std::string h = "<nav aria-label=\"breadcrumb\"><ul>" +
                  (company.empty() ? std::string("<li><a href=\"/articles\">Knowledge base</a></li>")
                                   : "<li><a href=\"/companies/" + Esc(company) + "/articles\">" + Esc(company_name.empty() ? "Company" : company_name) + "</a></li>") +
                  "<li>" + Esc(Text(art, "name")) + "</li></ul></nav>";
  h += "<article class=\"doc\"><header><h1>" + Esc(Text(art, "name")) + (Bool(art, "draft") ? " " + Badge("draft") : "") +
       "</h1><small class=\"muted\">Updated " + Esc(When(Text(art, "updated_at"))) + "</small>";
  if (ctx.role != Role::kSpectator) h += " <a href=\"/articles/" + id + "/edit\">Edit</a>";
  h += "</header><div class=\"article-body\" id=\"article-body\">" + SanitizeHtml(Text(art, "content")) + "</div></article>";
  return Page(ctx, Text(art, "name"), "companies", h);
}

http::Response ArticleForm(Ctx& ctx, const json::object& art, const std::string& action, const std::string& company,
                           const std::map<std::string, std::string>& errors, int status) {
  bool editing = !Text(art, "id").empty();
  std::string title = editing ? "Edit " + Text(art, "name") : std::string("New article");
  std::vector<std::pair<std::string, std::string>> folders = {{"", "No folder"}};
  for (const auto& [fid, fname] : FolderNames(ctx, company)) folders.emplace_back(fid, fname);
  std::string h = "<h1>" + Esc(title) + "</h1>";
  if (!errors.empty()) h += "<p class=\"form-error\" role=\"alert\" id=\"form-errors\">The article was not saved: fix the fields marked below. " + Esc(ErrorOf(errors, "")) + "</p>";
  h += "<form method=\"post\" action=\"" + Esc(action) + "\" novalidate class=\"article-form\">" + CsrfField(ctx);
  h += Input({.name = "name", .label = "Title", .value = Text(art, "name"), .error = ErrorOf(errors, "name"), .required = true});
  h += Select({.name = "folder_id", .label = "Folder", .value = Text(art, "folder_id"), .error = ErrorOf(errors, "folder_id")}, folders);
  // The editor: app.js turns the textarea into a formatting toolbar and an editable area and
  // writes the HTML back into the textarea on submit; without script the textarea takes HTML.
  h += "<label for=\"f-content\">Content</label><textarea id=\"f-content\" name=\"content\" rows=\"14\" data-rich-text>" +
       Esc(SanitizeHtml(Text(art, "content"))) + "</textarea>";
  if (auto e = ErrorOf(errors, "content"); !e.empty()) h += "<small class=\"field-error\">" + Esc(e) + "</small>";
  h += Checkbox("draft", "Draft: not finished yet", Bool(art, "draft"));
  h += "<button type=\"submit\">Save article</button></form>";
  return Page(ctx, title, "companies", h, status);
}

json::object ArticleBody(const Ctx& ctx, const std::string& company) {
  json::object o{{"name", ctx.F("name")}, {"content", SanitizeHtml(ctx.F("content"))}, {"draft", ctx.F("draft") == "true"}};
  o["folder_id"] = ctx.F("folder_id").empty() ? json::value(nullptr) : json::value(std::atoll(ctx.F("folder_id").c_str()));
  if (!company.empty()) o["company_id"] = std::atoll(company.c_str());  // (not a number: 0, which the API refuses)
  return o;
}

http::Response NewArticle(Ctx& ctx) {
  std::string company = ctx.Q("company_id");
  return ArticleForm(ctx, json::object{}, "/articles/new" + (company.empty() ? std::string() : "?company_id=" + Url(company)), company, {}, 200);
}

http::Response CreateArticle(Ctx& ctx) {
  std::string company = ctx.Q("company_id");
  auto body = ArticleBody(ctx, company);
  auto a = ctx.Call("POST", "/api/v1/articles", json::object{{"article", body}});
  if (!a.ok())
    return ArticleForm(ctx, body, "/articles/new" + (company.empty() ? std::string() : "?company_id=" + Url(company)), company,
                       a.FieldErrors({"name", "content", "folder_id", "company_id"}), a.status);
  return Redirect("/articles/" + Text(a.Object("article"), "id"), "Article saved.");
}

http::Response EditArticle(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto a = ctx.Call("GET", "/api/v1/articles/" + id);
  if (!a.ok()) return ErrorPage(ctx, a, "/companies");
  return ArticleForm(ctx, a.Object("article"), "/articles/" + id + "/edit", Text(a.Object("article"), "company_id"), {}, 200);
}

http::Response UpdateArticle(Ctx& ctx) {
  std::string id = std::to_string(ctx.PathId());
  auto cur = ctx.Call("GET", "/api/v1/articles/" + id);
  if (!cur.ok()) return ErrorPage(ctx, cur, "/companies");
  auto body = ArticleBody(ctx, "");
  auto a = ctx.Call("PUT", "/api/v1/articles/" + id, json::object{{"article", body}});
  if (!a.ok()) {
    body["id"] = ctx.PathId();
    return ArticleForm(ctx, body, "/articles/" + id + "/edit", Text(cur.Object("article"), "company_id"),
                       a.FieldErrors({"name", "content", "folder_id"}), a.status);
  }
  return Redirect("/articles/" + id, "Article saved.");
}

// The folder form: name and parent (folders of the same company, the folder itself and those
// inside it excepted).
http::Response FolderForm(Ctx& ctx, const std::string& company, const FolderInfo& f, const std::map<std::string, std::string>& errors,
                          int status) {
  bool editing = !f.id.empty();
  std::string title = editing ? "Edit folder " + f.name : std::string("New folder");
  std::string back = company.empty() ? "/articles" : "/companies/" + company + "/articles";
  std::string action = editing ? "/folders/" + f.id + "/edit" : "/folders/new" + (company.empty() ? std::string() : "?company_id=" + Url(company));
  auto folders = Folders(ctx, company);
  std::vector<std::pair<std::string, std::string>> parents = {{"", "None: at the top"}};
  std::vector<std::pair<std::string, std::string>> sorted;
  for (const auto& [id, other] : folders) {
    if (editing) {  // not the folder itself, nor anything inside it
      bool inside = false;
      std::string at = id;
      for (int depth = 0; depth < 32 && !at.empty() && !inside; ++depth) {
        inside = at == f.id;
        auto it = folders.find(at);
        at = it == folders.end() ? "" : it->second.parent;
      }
      if (inside) continue;
    }
    sorted.emplace_back(FolderPath(folders, id), id);
  }
  std::sort(sorted.begin(), sorted.end());
  for (const auto& [path, id] : sorted) parents.emplace_back(id, path);
  std::string h = "<nav aria-label=\"breadcrumb\"><ul><li><a href=\"" + Esc(back) + "\">Articles</a></li><li>" + Esc(title) +
                  "</li></ul></nav><h1>" + Esc(title) + "</h1>";
  if (!errors.empty())
    h += "<p class=\"form-error\" role=\"alert\" id=\"form-errors\">The folder was not saved: fix the fields marked below. " +
         Esc(ErrorOf(errors, "")) + "</p>";
  h += "<form method=\"post\" action=\"" + Esc(action) + "\" novalidate>" + CsrfField(ctx) +
       Input({.name = "name", .label = "Name", .value = f.name, .error = ErrorOf(errors, "name"), .required = true}) +
       Select({.name = "parent_folder_id", .label = "Inside", .value = f.parent, .error = ErrorOf(errors, "parent_folder_id")}, parents) +
       "<button type=\"submit\">" + (editing ? "Save folder" : "Create folder") + "</button> <a class=\"secondary\" href=\"" + Esc(back) +
       "\">Cancel</a></form>";
  if (editing)
    h += "<hr>" + ButtonForm(ctx, "/folders/" + f.id + "/delete", "Delete folder", "secondary outline",
                             "Delete this folder? Its articles and folders move up to the folder it is in; no article is deleted.");
  return Page(ctx, title, "companies", h, status);
}

FolderInfo PostedFolder(const Ctx& ctx) { return {"", ctx.F("name"), ctx.F("parent_folder_id"), ""}; }

json::object FolderBody(const FolderInfo& f) {
  return json::object{{"name", f.name},
                      {"parent_folder_id", f.parent.empty() ? json::value(nullptr) : json::value(std::atoll(f.parent.c_str()))}};
}

const std::vector<std::string> kFolderFields = {"name", "company_id", "parent_folder_id"};

http::Response NewFolder(Ctx& ctx) { return FolderForm(ctx, ctx.Q("company_id"), {}, {}, 200); }

http::Response CreateFolder(Ctx& ctx) {
  std::string company = ctx.Q("company_id");
  FolderInfo f = PostedFolder(ctx);
  json::object body = FolderBody(f);
  if (!company.empty()) body["company_id"] = std::atoll(company.c_str());
  auto a = ctx.Call("POST", "/api/v1/folders", json::object{{"folder", body}});
  if (!a.ok()) return FolderForm(ctx, company, f, a.FieldErrors(kFolderFields), a.status);
  return Redirect(company.empty() ? "/articles" : "/companies/" + company + "/articles", "Folder \"" + f.name + "\" created.");
}

std::optional<FolderInfo> LoadFolder(Ctx& ctx, http::Response& error) {
  auto a = ctx.Call("GET", "/api/v1/folders/" + std::to_string(ctx.PathId()));
  if (!a.ok()) {
    error = ErrorPage(ctx, a, "/articles");
    return std::nullopt;
  }
  const auto& o = a.Object("folder");
  return FolderInfo{Text(o, "id"), Text(o, "name"), Text(o, "parent_folder_id"), Text(o, "company_id")};
}

http::Response EditFolder(Ctx& ctx) {
  http::Response error;
  auto f = LoadFolder(ctx, error);
  if (!f) return error;
  return FolderForm(ctx, f->company, *f, {}, 200);
}

http::Response UpdateFolder(Ctx& ctx) {
  http::Response error;
  auto cur = LoadFolder(ctx, error);
  if (!cur) return error;
  FolderInfo f = PostedFolder(ctx);
  f.id = cur->id;
  auto a = ctx.Call("PUT", "/api/v1/folders/" + f.id, json::object{{"folder", FolderBody(f)}});
  if (!a.ok()) return FolderForm(ctx, cur->company, f, a.FieldErrors(kFolderFields), a.status);
  return Redirect(cur->company.empty() ? "/articles" : "/companies/" + cur->company + "/articles", "Folder \"" + f.name + "\" saved.");
}

http::Response DeleteFolder(Ctx& ctx) {
  http::Response error;
  auto cur = LoadFolder(ctx, error);
  if (!cur) return error;
  auto a = ctx.Call("DELETE", "/api/v1/folders/" + cur->id);
  std::string back = cur->company.empty() ? "/articles" : "/companies/" + cur->company + "/articles";
  if (!a.ok()) return Redirect(back, "Not deleted: " + a.Message());
  return Redirect(back, "Folder \"" + cur->name + "\" deleted; what it held moved up a level.");
}

}  // namespace

void AddDocumentPages(PageRoutes& r) {
  r.push_back({"GET", "/companies/{id}/passwords", Passwords});
  r.push_back({"GET", "/companies/{id}/passwords/new", NewPassword});
  r.push_back({"POST", "/companies/{id}/passwords/new", CreatePassword});
  r.push_back({"POST", "/passwords/{id}/reveal", Reveal});
  r.push_back({"GET", "/passwords/{id}/edit", EditPassword});
  r.push_back({"POST", "/passwords/{id}/edit", UpdatePassword});
  r.push_back({"POST", "/passwords/{id}/archive", ArchivePassword});
  r.push_back({"GET", "/companies/{id}/articles", CompanyArticles});
  r.push_back({"GET", "/articles", KnowledgeBase});
  r.push_back({"GET", "/articles/new", NewArticle});
  r.push_back({"POST", "/articles/new", CreateArticle});
  r.push_back({"GET", "/articles/{id}", ArticlePage});
  r.push_back({"GET", "/articles/{id}/edit", EditArticle});
  r.push_back({"POST", "/articles/{id}/edit", UpdateArticle});
  r.push_back({"GET", "/folders/new", NewFolder});
  r.push_back({"POST", "/folders/new", CreateFolder});
  r.push_back({"GET", "/folders/{id}/edit", EditFolder});
  r.push_back({"POST", "/folders/{id}/edit", UpdateFolder});
  r.push_back({"POST", "/folders/{id}/delete", DeleteFolder});
}

}  // namespace cairn::web
