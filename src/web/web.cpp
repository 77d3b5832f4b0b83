// The web UI's front door: static files, sign-in and sessions, CSRF, routing, and the layout.
#include "web/web.h"

#include <mutex>

#include "core/crypto.h"
#include "core/text.h"
#include "web/internal.h"

namespace cairn::web {
namespace {

// "__Host-": the browser takes it only Secure, for Path=/ and from this host itself, so a sibling
// subdomain can't plant a session of its choosing.
constexpr std::string_view kSessionCookie = "__Host-cairn_session";
constexpr std::string_view kLoginCookie = "cairn_login";
constexpr std::string_view kFlashCookie = "cairn_flash";
// The tab icon (three stacked stones), inline so that no request for /favicon.ico goes unanswered.
constexpr std::string_view kIcon =
    "<link rel=\"icon\" href=\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Cg fill='%231f6f5c'%3E%3Cellipse cx='8' cy='13' rx='7' ry='2.5'/%3E%3Cellipse cx='8' cy='8.5' rx='5' ry='2'/%3E%3Cellipse cx='8' cy='4.5' rx='3' ry='1.6'/%3E%3C/g%3E%3C/svg%3E\">";

std::map<std::string, std::string> Cookies(const http::Request& req) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : req.headers) {
    if (ToLower(name) != "cookie") continue;
    for (const auto& part : Split(value, ';')) {
      auto p = Trim(part);
      auto eq = p.find('=');
      if (eq == std::string_view::npos) continue;
      out.emplace(std::string(Trim(p.substr(0, eq))), std::string(Trim(p.substr(eq + 1))));
    }
  }
  return out;
}

std::string SetCookie(std::string_view name, std::string_view value, int64_t max_age_s) {
  return std::string(name) + "=" + std::string(value) + "; Path=/; Max-Age=" + std::to_string(max_age_s) +
         "; HttpOnly; Secure; SameSite=Lax";
}

void SecurityHeaders(http::Response& r) {
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                         "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
                         "object-src 'none'");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "same-origin");
}

http::Response Html(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  SecurityHeaders(r);
  return r;
}

std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  for (const auto& s : Split(path, '/'))
    if (!s.empty()) out.push_back(s);
  return out;
}

}  // namespace

// Only a path on this server: "/x" but not "//evil.example", "/\evil" or "/\t/evil" (browsers
// drop tabs and spaces from a Location, and read a backslash as a slash).
std::string SafeNext(const std::string& next) {
  if (next.empty() || next[0] != '/') return "/";
  for (char c : next)
    if (static_cast<unsigned char>(c) <= 0x20 || c == '\\' || c == 0x7f) return "/";
  if (next.size() > 1 && next[1] == '/') return "/";
  return next;
}

namespace {

// Browsers keep the session cookie (Secure, "__Host-") only from a secure origin: HTTPS, or this
// machine itself. Over plain HTTP from elsewhere sign-in could only fail without a word, so the
// sign-in page says why instead. A TLS proxy in front says so with X-Forwarded-Proto.
bool SecureOrigin(const http::Request& req) {
  if (auto proto = req.Header("X-Forwarded-Proto"); proto && ToLower(Trim(*proto)) == "https") return true;
  std::string host(req.Header("Host").value_or(""));
  if (auto colon = host.rfind(':'); colon != std::string::npos && host.find(']') == std::string::npos) host.resize(colon);
  if (host.rfind("[::1]", 0) == 0) return true;
  return host == "localhost" || host.rfind("127.", 0) == 0 ||
         (host.size() > 10 && host.compare(host.size() - 10, 10, ".localhost") == 0);
}

std::string LoginPage(const std::string& csrf, const std::string& email, const std::string& next,
                      const std::string& error, const std::string& notice, bool secure_origin) {
  std::string b =
      "<!doctype html><html lang=\"en\" data-theme=\"light\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Sign in · Cairn</title>" +
      std::string(kIcon) + "<link rel=\"stylesheet\" href=\"" + StaticUrl("pico.min.css") + "\"><link rel=\"stylesheet\" href=\"" +
      StaticUrl("app.css") + "\"></head><body><main class=\"container login\" id=\"main\"><article>"
      "<header><h1>Cairn</h1><p>Sign in to your IT documentation.</p></header>";
  if (!secure_origin)
    b += "<p class=\"form-error\" role=\"alert\" id=\"insecure\">Sign-in needs HTTPS: browsers keep Cairn's session cookie only over "
         "HTTPS (or on this machine itself). Put Cairn behind a TLS proxy that sends X-Forwarded-Proto: https.</p>";
  if (!notice.empty()) b += "<p class=\"notice\" role=\"status\">" + Esc(notice) + "</p>";
  if (!error.empty()) b += "<p class=\"form-error\" role=\"alert\" id=\"login-error\">" + Esc(error) + "</p>";
  b += "<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"_csrf\" value=\"" + Esc(csrf) +
       "\"><input type=\"hidden\" name=\"next\" value=\"" + Esc(next) + "\">";
  b += Input({.name = "email", .label = "Email", .value = email, .type = "email", .required = true,
              .autocomplete = "username"});
  b += Input({.name = "password", .label = "Password", .type = "password", .required = true,
              .autocomplete = "current-password"});
  b += "<button type=\"submit\">Sign in</button></form></article></main></body></html>";
  return b;
}

}  // namespace

// ---- ApiAnswer and Ctx -------------------------------------------------------------------------

const json::object& ApiAnswer::Object(std::string_view key) const {
  static const json::object kEmpty;
  if (!body.is_object()) return kEmpty;
  const auto* v = body.get_object().if_contains(key);
  return v && v->is_object() ? v->get_object() : kEmpty;
}

const json::array& ApiAnswer::Array(std::string_view key) const {
  static const json::array kEmpty;
  if (key.empty()) return body.is_array() ? body.get_array() : kEmpty;
  if (!body.is_object()) return kEmpty;
  const auto* v = body.get_object().if_contains(key);
  return v && v->is_array() ? v->get_array() : kEmpty;
}

std::string ApiAnswer::Message() const {
  std::string m;
  if (body.is_object()) {
    m = Text(body.get_object(), "error");
    if (m.empty()) m = Text(body.get_object(), "message");
    if (const auto* d = body.get_object().if_contains("details"); d && d->is_array())
      for (const auto& x : d->get_array()) m += (m.empty() ? "" : "; ") + Text(&x);
  } else if (body.is_string()) {
    m = std::string(body.get_string());
  }
  if (m.empty()) m = "The request failed (HTTP " + std::to_string(status) + ")";
  return m;
}

std::map<std::string, std::string> ApiAnswer::FieldErrors(const std::vector<std::string>& fields) const {
  std::map<std::string, std::string> out;
  if (!body.is_object()) return out;
  const auto* d = body.get_object().if_contains("details");
  if (!d || !d->is_array()) {
    if (!ok()) out[""] = Message();
    return out;
  }
  for (const auto& x : d->get_array()) {
    std::string line = Text(&x);
    std::string best;
    for (const auto& f : fields) {
      if (line.rfind(f, 0) != 0) continue;
      if (line.size() > f.size() && line[f.size()] != ' ' && line[f.size()] != ':') continue;
      if (f.size() > best.size()) best = f;
    }
    // Under its field the message need not name it again: "credentials.site remove ..." reads
    // "Remove ..." next to the Site field.
    std::string shown = line;
    if (!best.empty()) {
      shown = line.substr(best.size());
      while (!shown.empty() && (shown[0] == ' ' || shown[0] == ':')) shown.erase(0, 1);
      if (!shown.empty()) shown[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(shown[0])));
    }
    auto& slot = out[best];
    slot += (slot.empty() ? "" : "; ") + shown;
  }
  return out;
}

std::string Ctx::Q(const std::string& name, const std::string& fallback) const {
  auto it = query.find(name);
  return it == query.end() ? fallback : it->second;
}

std::string Ctx::F(const std::string& name) const {
  auto it = form.find(name);
  return it == form.end() ? "" : it->second;
}

int64_t Ctx::PathId() const { return PathNumber("id"); }

int64_t Ctx::PathNumber(const std::string& name) const {
  auto it = path.find(name);
  if (it == path.end() || it->second.empty() || it->second.size() > 18) return 0;
  int64_t n = 0;
  for (char c : it->second) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + (c - '0');
  }
  return n;
}

ApiAnswer Ctx::Call(const std::string& method, const std::string& target, const json::value& body) const {
  http::Request r;
  r.method = method;
  r.target = target;
  auto q = target.find('?');
  r.path = target.substr(0, q);
  r.query = q == std::string::npos ? "" : target.substr(q + 1);
  r.remote_ip = req.remote_ip;
  if (auto ua = req.Header("User-Agent")) r.headers.emplace_back("User-Agent", std::string(*ua));
  if (!body.is_null()) {
    r.body = json::serialize(body);
    r.headers.emplace_back("Content-Type", "application/json");
  }
  auto resp = api.HandleAs(r, user);
  ApiAnswer a;
  a.status = resp.status;
  if (!resp.body.empty()) {
    boost::system::error_code ec;
    a.body = json::parse(resp.body, ec);
    if (ec) a.body = json::string(resp.body);
  }
  return a;
}

std::string ErrorOf(const std::map<std::string, std::string>& errors, const std::string& field) {
  auto it = errors.find(field);
  return it == errors.end() ? std::string() : it->second;
}

// ---- page furniture ----------------------------------------------------------------------------

http::Response Page(const Ctx& ctx, const std::string& title, const std::string& section, const std::string& body,
                    int status) {
  auto nav = [&](const std::string& href, const std::string& label, const std::string& id) {
    return "<li><a href=\"" + href + "\"" + (section == id ? " aria-current=\"page\"" : "") + ">" + label + "</a></li>";
  };
  std::string who = Trim(ctx.user.first_name + " " + ctx.user.last_name).empty()
                        ? ctx.user.email
                        : std::string(Trim(ctx.user.first_name + " " + ctx.user.last_name));
  std::string h =
      "<!doctype html><html lang=\"en\" data-theme=\"light\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta name=\"htmx-config\" content='{\"includeIndicatorStyles\":false,\"allowEval\":false,\"allowScriptTags\":false}'>"
      "<title>" + Esc(title) + " · Cairn</title>" + std::string(kIcon) +
      "<link rel=\"stylesheet\" href=\"" + StaticUrl("pico.min.css") + "\">"
      "<link rel=\"stylesheet\" href=\"" + StaticUrl("app.css") + "\">"
      "<script src=\"" + StaticUrl("htmx.min.js") + "\" defer></script>"
      "<script src=\"" + StaticUrl("app.js") + "\" defer></script></head>"
      "<body hx-headers='{\"X-CSRF-Token\":\"" + Esc(ctx.csrf) + "\"}'>"
      "<a class=\"skip-link\" href=\"#main\">Skip to content</a>"
      "<header class=\"topbar\"><nav class=\"container-fluid\"><ul><li><a href=\"/\" class=\"brand\">Cairn</a></li></ul>"
      "<ul class=\"nav-links\">" +
      nav("/companies", "Companies", "companies") + nav("/articles", "Articles", "articles");
  if (ctx.Admin()) {
    h += nav("/admin/integrations", "Integrations", "integrations");
    bool in_admin = section == "layouts" || section == "users" || section == "api_keys" || section == "activity" ||
                    section == "webhooks";
    h += "<li><details class=\"dropdown\"><summary" + std::string(in_admin ? " aria-current=\"page\"" : "") +
         ">Admin</summary><ul>" + nav("/admin/asset_layouts", "Layouts", "layouts") + nav("/admin/users", "Users", "users") +
         nav("/admin/api_keys", "API keys", "api_keys") + nav("/admin/webhooks", "Webhooks", "webhooks") +
         nav("/admin/activity", "Activity log", "activity") + "</ul></details></li>";
  }
  h += "</ul><form role=\"search\" action=\"/search\" method=\"get\" class=\"topsearch\">"
       "<input type=\"search\" name=\"q\" placeholder=\"Search companies, assets, articles\" aria-label=\"Search\" value=\"" +
       Esc(section == "search" ? ctx.Q("q") : "") +
       "\"></form><ul><li><details class=\"dropdown\" id=\"user-menu\"><summary>" + Esc(who) +
       "</summary><ul dir=\"rtl\"><li><span class=\"muted\">" + Esc(std::string(RoleName(ctx.role))) +
       "</span></li><li><form method=\"post\" action=\"/logout\" class=\"inline\">" + CsrfField(ctx) +
       "<button type=\"submit\" class=\"link\">Sign out</button></form></li></ul></details></li></ul></nav></header>"
       "<main id=\"main\" class=\"container\">";
  if (!ctx.flash.empty()) h += "<p class=\"notice\" role=\"status\">" + Esc(ctx.flash) + "</p>";
  h += body + "</main></body></html>";
  auto r = Html(status, std::move(h));
  if (!ctx.flash.empty()) r.headers.emplace_back("Set-Cookie", SetCookie(kFlashCookie, "", 0));
  return r;
}

http::Response Fragment(const std::string& html, int status) { return Html(status, html); }

http::Response Redirect(const std::string& to, const std::string& flash) {
  http::Response r = Html(303, "");
  r.headers.emplace_back("Location", to);
  if (!flash.empty()) r.headers.emplace_back("Set-Cookie", SetCookie(kFlashCookie, http::PercentEncode(flash), 60));
  return r;
}

http::Response ErrorPage(const Ctx& ctx, const ApiAnswer& a, const std::string& back) {
  std::string title = a.status == 404 ? "Not found" : a.status == 403 ? "Not allowed" : "Something went wrong";
  return Page(ctx, title, "",
              "<article class=\"error-page\"><h1>" + Esc(title) + "</h1><p>" + Esc(a.Message()) +
                  "</p><p><a href=\"" + Esc(back) + "\">Go back</a></p></article>",
              a.status >= 400 ? a.status : 500);
}

std::string CsrfField(const Ctx& ctx) {
  return "<input type=\"hidden\" name=\"_csrf\" value=\"" + Esc(ctx.csrf) + "\">";
}

std::string ButtonForm(const Ctx& ctx, const std::string& action, const std::string& label, const std::string& cls,
                       const std::string& confirm, const std::vector<std::pair<std::string, std::string>>& hidden) {
  std::string f = "<form method=\"post\" action=\"" + Esc(action) + "\" class=\"inline\"" +
                  (confirm.empty() ? "" : " data-confirm=\"" + Esc(confirm) + "\"") + ">" + CsrfField(ctx);
  for (const auto& [k, v] : hidden)
    f += "<input type=\"hidden\" name=\"" + Esc(k) + "\" value=\"" + Esc(v) + "\">";
  f += "<button type=\"submit\"" + (cls.empty() ? "" : " class=\"" + Esc(cls) + "\"") + ">" + Esc(label) + "</button></form>";
  return f;
}

std::string Badge(const std::string& state) {
  return "<span class=\"badge badge-" + Esc(state) + "\">" + Esc(state) + "</span>";
}

std::string Empty(const std::string& what, const std::string& next_html) {
  return "<div class=\"empty\"><p><strong>" + Esc(what) + "</strong></p><p>" + next_html + "</p></div>";
}

// ---- the Web -----------------------------------------------------------------------------------

struct Web::Impl {
  store::Store& store;
  const Clock& clock;
  api::Api& api;
  WebOptions options;
  struct Compiled {
    PageRoute route;
    std::vector<std::string> segments;
  };
  std::vector<Compiled> routes;
  std::string dummy_hash;  // verified against when the address is unknown, so timing tells nothing

  Impl(store::Store& s, const Clock& c, api::Api& a, WebOptions o) : store(s), clock(c), api(a), options(std::move(o)) {
    PageRoutes r;
    AddDocumentationPages(r);
    AddAssetPages(r);
    AddIntegrationPages(r);
    AddLayoutPages(r);
    AddRulePages(r);
    AddAdminPages(r);
    AddDocumentPages(r);
    AddWebhookPages(r);
    for (auto& route : r) {
      auto segs = Segments(route.pattern);
      routes.push_back({std::move(route), std::move(segs)});
    }
    if (auto h = HashPassword(RandomHex(16)); h.ok()) dummy_hash = *h;
  }

  struct Session {
    WebSession row;
    User user;
    std::string token;
  };

  std::optional<Session> FindSession(const http::Request& req) {
    auto cookies = Cookies(req);
    auto it = cookies.find(std::string(kSessionCookie));
    if (it == cookies.end() || it->second.size() != 64) return std::nullopt;
    std::string hash = HashApiKey(it->second);
    int64_t now = clock.NowMs();
    auto found = store.Read([&](store::Tx& tx) -> Result<std::optional<Session>> {
      auto s = tx.Repo<WebSession>().FindFirst(store::Query().Where("token_hash", store::Op::kEq, hash));
      if (!s.ok()) return s.status();
      if (!*s) return std::optional<Session>();
      if ((*s)->expires_at <= now || (*s)->last_seen_at + options.session_idle_ms <= now)
        return std::optional<Session>();
      auto u = tx.Repo<User>().Get((*s)->user_id);
      if (!u.ok() || u->archived) return std::optional<Session>();
      return std::optional<Session>(Session{**s, *u, it->second});
    });
    if (!found.ok() || !*found) return std::nullopt;
    if (now - (*found)->row.last_seen_at > 60000) {
      int64_t id = (*found)->row.id;
      (void)store.Write([&](store::Tx& tx) { return tx.Repo<WebSession>().SetColumn(id, "last_seen_at", Value(now)); });
    }
    return *found;
  }

  static std::string CsrfOf(const std::string& token) { return HmacSha256Hex(token, "cairn-csrf"); }

  // A POST from another site (Origin not this host) is refused whatever it carries.
  static bool SameOrigin(const http::Request& req) {
    auto origin = req.Header("Origin");
    if (!origin || *origin == "null") return !origin.has_value();
    auto host = req.Header("X-Forwarded-Host");
    if (!host) host = req.Header("Host");
    if (!host) return false;
    auto scheme = origin->find("://");
    return scheme != std::string_view::npos && origin->substr(scheme + 3) == *host;
  }

  static std::map<std::string, std::string> Last(const std::multimap<std::string, std::string>& all) {
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : all) out[k] = v;
    return out;
  }

  http::Response Forbidden(const std::string& why) {
    return Html(403, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Refused · Cairn</title></head>"
                     "<body><main><h1>Refused</h1><p>" + Esc(why) + "</p><p><a href=\"/\">Start again</a></p></main></body></html>");
  }

  // ---- sign-in ----

  http::Response ShowLogin(const http::Request& req, const std::string& email, const std::string& error, int status,
                           std::string notice = "") {
    auto cookies = Cookies(req);
    std::string pre = cookies.count(std::string(kLoginCookie)) ? cookies[std::string(kLoginCookie)] : "";
    bool fresh = pre.size() != 32;
    if (fresh) pre = RandomHex(16);
    std::string next;
    for (auto& [k, v] : http::ParseQuery(req.method == "POST" ? req.body : req.query))
      if (k == "next") next = v;
    if (notice.empty()) {
      if (auto f = cookies.find(std::string(kFlashCookie)); f != cookies.end())
        notice = http::PercentDecode(f->second, false);
    }
    auto r = Html(status, LoginPage(HmacSha256Hex(pre, "cairn-login"), email, SafeNext(next.empty() ? "/" : next), error, notice,
                                    SecureOrigin(req)));
    if (fresh) r.headers.emplace_back("Set-Cookie", SetCookie(kLoginCookie, pre, 3600));
    if (!notice.empty()) r.headers.emplace_back("Set-Cookie", SetCookie(kFlashCookie, "", 0));
    return r;
  }

  http::Response Login(http::Request& req) {
    std::multimap<std::string, std::string> all;
    for (auto& [k, v] : http::ParseQuery(req.body)) all.emplace(k, v);
    auto form = Last(all);
    auto cookies = Cookies(req);
    std::string pre = cookies.count(std::string(kLoginCookie)) ? cookies[std::string(kLoginCookie)] : "";
    std::string email(Trim(form["email"]));
    if (!SameOrigin(req) || pre.size() != 32 || !ConstantTimeEquals(form["_csrf"], HmacSha256Hex(pre, "cairn-login")))
      return ShowLogin(req, email, "This sign-in form has expired. Please sign in again.", 403);
    if (email.empty() || form["password"].empty())
      return ShowLogin(req, email, "Enter your email and password.", 422);
    std::string key = ToLower(email);
    int64_t now = clock.NowMs();
    // Failures are counted per address signed in to, and per network address signing in (so
    // that one client can't try address after address, or lock everyone out, unchecked).
    const std::string from = "ip:" + req.remote_ip;
    auto locked = store.Read([&](store::Tx& tx) -> Result<std::pair<int64_t, int64_t>> {
      std::pair<int64_t, int64_t> until{0, 0};
      for (auto [k, slot] : {std::pair<const std::string*, int64_t*>{&key, &until.first}, {&from, &until.second}}) {
        auto f = tx.Repo<LoginFailure>().FindFirst(store::Query().Where("email", store::Op::kEq, *k));
        if (!f.ok()) return f.status();
        if (*f && (*f)->locked_until > now) *slot = (*f)->locked_until;
      }
      return until;
    });
    if (!locked.ok()) return ShowLogin(req, email, "Sign-in is unavailable: " + locked.status().message(), 503);
    if (locked->second) return ShowLogin(req, email, LockMessage(locked->second - now, true), 429);
    if (locked->first) return ShowLogin(req, email, LockMessage(locked->first - now), 429);

    auto user = store.Read([&](store::Tx& tx) {
      return tx.Repo<User>().FindFirst(store::Query().Where("email", store::Op::kEqNoCase, email));
    });
    bool good = false;
    if (user.ok() && *user && !(*user)->archived && !(*user)->password_hash.empty()) {
      good = VerifyPassword((*user)->password_hash, form["password"]);
    } else {
      (void)VerifyPassword(dummy_hash, form["password"]);
    }
    if (!good) {
      int64_t by_address = RecordFailure(from, now, options.max_failures_per_address);
      int64_t until = RecordFailure(key, now, options.max_failures);
      if (by_address > now) return ShowLogin(req, email, LockMessage(by_address - now, true), 429);
      if (until > now) return ShowLogin(req, email, LockMessage(until - now), 429);
      return ShowLogin(req, email, "Wrong email or password.", 401);
    }
    std::string token = RandomHex(32);
    const User& u = **user;
    auto st = store.Write([&](store::Tx& tx) -> Status {
      (void)tx.Repo<LoginFailure>().DeleteWhere(store::Query().Where("email", store::Op::kEq, key));
      (void)tx.Repo<WebSession>().DeleteWhere(store::Query().Where("expires_at", store::Op::kLe, now));
      WebSession s;
      s.token_hash = HashApiKey(token);
      s.user_id = u.id;
      s.ip_address = req.remote_ip;
      if (auto ua = req.Header("User-Agent")) s.user_agent = std::string(TruncateUtf8(*ua, 300));
      s.last_seen_at = now;
      s.expires_at = now + options.session_max_ms;
      CAIRN_RETURN_IF_ERROR(tx.Repo<WebSession>().Insert(s).status());
      ActivityLog l;
      l.user_id = u.id;
      l.user_email = u.email;
      l.user_name = std::string(Trim(u.first_name + " " + u.last_name));
      l.action = "signed in";
      l.record_type = "User";
      l.record_id = u.id;
      l.record_name = u.email;
      l.ip_address = req.remote_ip;
      l.app_type = "web";
      l.details = "{}";
      return tx.Repo<ActivityLog>().Insert(l).status();
    });
    if (!st.ok()) return ShowLogin(req, email, "Sign-in is unavailable: " + st.message(), 503);
    http::Response r = Html(303, "");
    r.headers.emplace_back("Location", SafeNext(form["next"]));
    r.headers.emplace_back("Set-Cookie", SetCookie(kSessionCookie, token, options.session_max_ms / 1000));
    r.headers.emplace_back("Set-Cookie", SetCookie(kLoginCookie, "", 0));
    return r;
  }

  std::string LockMessage(int64_t left_ms, bool network = false) const {
    int64_t minutes = std::max<int64_t>(1, (left_ms + 59999) / 60000);
    std::string wait = std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes");
    if (network) return "Too many failed sign-ins from your network address. Try again in " + wait + ".";
    return "Too many failed sign-ins for this address. Try again in " + wait +
           ", or ask an administrator to reset your password.";
  }

  // Counts a failure of `key` (an email, or "ip:" and a network address); returns when it is
  // locked until (0 = not locked). Settled rows of other keys are dropped on the way.
  int64_t RecordFailure(const std::string& key, int64_t now, int max_failures) {
    auto until = store.Write([&](store::Tx& tx) -> Result<int64_t> {
      CAIRN_RETURN_IF_ERROR(tx.Repo<LoginFailure>()
                                .DeleteWhere(store::Query()
                                                 .Where("locked_until", store::Op::kLe, now)
                                                 .Where("first_failure_at", store::Op::kLe, now - options.failure_window_ms))
                                .status());
      auto f = tx.Repo<LoginFailure>().FindFirst(store::Query().Where("email", store::Op::kEq, key));
      if (!f.ok()) return f.status();
      LoginFailure row = f->value_or(LoginFailure{});
      if (!*f || row.first_failure_at + options.failure_window_ms <= now) {
        row.failures = 0;
        row.first_failure_at = now;
      }
      row.email = key;
      row.failures += 1;
      if (row.failures >= max_failures) {
        row.locked_until = now + options.lockout_ms;
        row.failures = 0;
        row.first_failure_at = now;
      }
      auto saved = *f ? tx.Repo<LoginFailure>().Update(row) : tx.Repo<LoginFailure>().Insert(row);
      if (!saved.ok()) return saved.status();
      return row.locked_until > now ? row.locked_until : int64_t{0};
    });
    return until.ok() ? *until : 0;
  }

  http::Response Logout(const http::Request& req, const Session& s, const std::string& posted_csrf) {
    if (!SameOrigin(req) || !ConstantTimeEquals(posted_csrf, CsrfOf(s.token)))
      return Forbidden("The form was not sent from this Cairn page (CSRF check failed).");
    int64_t id = s.row.id;
    (void)store.Write([&](store::Tx& tx) { return tx.Repo<WebSession>().Delete(id); });
    http::Response r = Html(303, "");
    r.headers.emplace_back("Location", "/login");
    r.headers.emplace_back("Set-Cookie", SetCookie(kSessionCookie, "", 0));
    r.headers.emplace_back("Set-Cookie", SetCookie(kFlashCookie, http::PercentEncode("You are signed out."), 60));
    return r;
  }

  // ---- dispatch ----

  std::optional<http::Response> Handle(http::Request& req) {
    const std::string& p = req.path;
    if (p.rfind("/static/", 0) == 0) {
      auto f = FindStatic(std::string_view(p).substr(8));
      if (!f || (req.method != "GET" && req.method != "HEAD")) return std::nullopt;
      http::Response r;
      r.content_type = std::string(f->type);
      r.body = std::string(f->content);
      r.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
      r.headers.emplace_back("X-Content-Type-Options", "nosniff");
      return r;
    }
    if (p == "/login") {
      if (req.method == "POST") return Login(req);
      if (req.method == "GET") {
        if (FindSession(req)) return Redirect("/");
        return ShowLogin(req, "", "", 200);
      }
      return std::nullopt;
    }
    auto segs = Segments(p);
    bool ui_path = p == "/" || p == "/logout" || p == "/search" ||
                   (!segs.empty() && (segs[0] == "companies" || segs[0] == "assets" || segs[0] == "admin" || segs[0] == "articles" ||
                                     segs[0] == "passwords" || segs[0] == "folders"));
    if (!ui_path) return std::nullopt;
    const bool htmx = req.Header("HX-Request").has_value();
    auto session = FindSession(req);
    if (!session) {
      if (htmx) {
        http::Response r = Html(401, "");
        r.headers.emplace_back("HX-Redirect", "/login");
        return r;
      }
      if (req.method != "GET") return Redirect("/login", "Your session has ended. Please sign in again.");
      std::string next = req.target;
      return Redirect("/login?next=" + http::PercentEncode(next));
    }
    std::string csrf = CsrfOf(session->token);
    std::multimap<std::string, std::string> all;
    if (req.method == "POST") {
      for (auto& [k, v] : http::ParseQuery(req.body)) all.emplace(k, v);
      std::string posted = all.count("_csrf") ? Last(all)["_csrf"] : std::string(req.Header("X-CSRF-Token").value_or(""));
      if (p == "/logout") return Logout(req, *session, posted);
      if (!SameOrigin(req) || !ConstantTimeEquals(posted, csrf))
        return Forbidden("The form was not sent from this Cairn page (CSRF check failed). Reload the page and try again.");
    }
    if (p == "/") return Redirect("/companies");

    Role role = ParseRole(session->user.security_level).value_or(Role::kSpectator);
    Ctx ctx{req, session->user, role, csrf, {}, {}, Last(all), all, api, store, clock, options, ""};
    for (auto& [k, v] : http::ParseQuery(req.query)) ctx.query[k] = v;
    auto cookies = Cookies(req);
    if (auto f = cookies.find(std::string(kFlashCookie)); f != cookies.end())
      ctx.flash = http::PercentDecode(f->second, false);

    for (const auto& c : routes) {
      if (c.route.method != req.method || c.segments.size() != segs.size()) continue;
      std::map<std::string, std::string> params;
      bool ok = true;
      for (size_t i = 0; i < segs.size() && ok; ++i) {
        const auto& s = c.segments[i];
        if (s.size() > 2 && s.front() == '{') params[s.substr(1, s.size() - 2)] = segs[i];
        else ok = s == segs[i];
      }
      if (!ok) continue;
      if (c.route.admin && !ctx.Admin())
        return ErrorPage(ctx, ApiAnswer{403, json::object{{"error", "Only administrators can open this page."}}}, "/");
      ctx.path = std::move(params);
      return c.route.fn(ctx);
    }
    return ErrorPage(ctx, ApiAnswer{404, json::object{{"error", "There is no page at " + p + "."}}}, "/");
  }
};

Web::Web(store::Store& store, const Clock& clock, api::Api& api, WebOptions options)
    : impl_(std::make_unique<Impl>(store, clock, api, std::move(options))) {}
Web::~Web() = default;

std::optional<http::Response> Web::Handle(http::Request& request) {
  try {
    return impl_->Handle(request);
  } catch (const std::exception&) {
    return Html(500, "<!doctype html><title>Error · Cairn</title><h1>Something went wrong</h1><p>The error was logged.</p>");
  }
}

}  // namespace cairn::web
