// The API's front door: routing, authentication by x-api-key, scopes (IP allow-list, companies),
// the per-key rate limit, /healthz and /api/v1/api_info.
#include "api/api.h"

#include <cmath>
#include <mutex>
#include <unordered_map>

#include "api/context.h"
#include "core/cidr.h"
#include "core/text.h"

namespace cairn::api {
namespace {

constexpr std::string_view kHuduVersion = "2.44.0";
constexpr std::string_view kHuduVersionDate = "2025-09-01";
constexpr std::string_view kCairnVersion = "0.1.0";

struct CompiledRoute {
  std::string method;
  std::vector<std::string> segments;  // "{id}" marks a parameter
  HandlerFn fn;
};

std::vector<std::string> PathSegments(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

// A token bucket per key: `per_minute` tokens, refilled continuously.
class RateLimiter {
 public:
  // 0 when allowed; otherwise the seconds to wait.
  int Take(int64_t key_id, int per_minute, int64_t now_ms) {
    if (per_minute <= 0) return 0;
    std::lock_guard lock(mu_);
    auto& b = buckets_[key_id];
    double rate = per_minute / 60000.0;  // tokens per ms
    if (b.last_ms == 0) b.tokens = per_minute;
    else b.tokens = std::min<double>(per_minute, b.tokens + (now_ms - b.last_ms) * rate);
    b.last_ms = now_ms;
    if (b.tokens >= 1.0) {
      b.tokens -= 1.0;
      return 0;
    }
    return std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / rate / 1000.0)));
  }

 private:
  struct Bucket {
    double tokens = 0;
    int64_t last_ms = 0;
  };
  std::mutex mu_;
  std::unordered_map<int64_t, Bucket> buckets_;
};

}  // namespace

struct Api::Impl {
  store::Store& store;
  const Cipher& cipher;
  const Clock& clock;
  ApiOptions options;
  std::vector<CompiledRoute> routes;
  RateLimiter limiter;
  std::unique_ptr<ResponseCache> cache;
  std::unique_ptr<LayoutCache> layouts;

  struct CachedKey {
    Caller caller;
    int64_t expires_ms;
  };
  std::mutex cache_mu;
  std::unordered_map<std::string, CachedKey> key_cache;  // by key hash

  Impl(store::Store& s, const Cipher& c, const Clock& k, ApiOptions o)
      : store(s), cipher(c), clock(k), options(std::move(o)) {
    if (options.response_cache && store.dialect() == store::Dialect::kSqlite) {
      cache = std::make_unique<ResponseCache>();
      layouts = std::make_unique<LayoutCache>();
    }
    Routes r;
    AddCardRoutes(r);
    AddCompanyRoutes(r);
    AddAssetLayoutRoutes(r);
    AddAssetRoutes(r);
    AddPasswordRoutes(r);
    AddArticleRoutes(r);
    AddFolderRoutes(r);
    AddWebsiteRoutes(r);
    AddIntegrationRoutes(r);
    AddSyncRoutes(r);
    AddSortRuleRoutes(r);
    AddRelationRoutes(r);
    AddActivityLogRoutes(r);
    AddUserRoutes(r);
    AddApiKeyRoutes(r);
    AddSearchRoutes(r);
    AddWebhookRoutes(r);
    r.push_back({"GET", "/api/v1/api_info", [](Ctx&) {
                   json::object o;
                   o["version"] = kHuduVersion;
                   o["date"] = kHuduVersionDate;
                   o["product"] = "Cairn";
                   o["cairn_version"] = kCairnVersion;
                   return JsonResponse(200, o);
                 }});
    for (auto& route : r)
      routes.push_back({route.method, PathSegments(route.pattern), std::move(route.fn)});
  }

  // Finds the route; fills path parameters. nullptr when none matches.
  const CompiledRoute* Match(const http::Request& req, const std::vector<std::string>& segs,
                             std::map<std::string, std::string>& params) const {
    for (const auto& r : routes) {
      if (r.method != req.method || r.segments.size() != segs.size()) continue;
      bool ok = true;
      for (size_t i = 0; i < segs.size() && ok; ++i) {
        const auto& p = r.segments[i];
        if (p.size() > 2 && p.front() == '{') params[p.substr(1, p.size() - 2)] = segs[i];
        else ok = p == segs[i];
      }
      if (ok) return &r;
      params.clear();
    }
    return nullptr;
  }

  Result<Caller> Authenticate(const http::Request& req) {
    auto header = req.Header("x-api-key");
    if (!header || header->empty()) return Status::Unauthorized("Bad credentials");
    std::string hash = HashApiKey(Trim(*header));
    int64_t now = clock.NowMs();
    {
      std::lock_guard lock(cache_mu);
      auto it = key_cache.find(hash);
      if (it != key_cache.end() && it->second.expires_ms > now) return it->second.caller;
    }
    auto found = store.Read([&](store::Tx& tx) -> Result<Caller> {
      auto key = tx.Repo<ApiKey>().FindFirst(
          store::Query().Where("key_hash", store::Op::kEq, hash));
      if (!key.ok()) return key.status();
      if (!*key || (*key)->revoked) return Status::Unauthorized("Bad credentials");
      auto user = tx.Repo<User>().Get((*key)->user_id);
      if (!user.ok() || user->archived) return Status::Unauthorized("Bad credentials");
      Caller c;
      c.key = **key;
      c.user = *user;
      c.role = ParseRole(user->security_level).value_or(Role::kSpectator);
      if (!c.key.company_ids.empty()) {
        c.companies.emplace();
        for (const auto& part : Split(c.key.company_ids, ','))
          if (auto n = AsInt(json::value(part))) c.companies->insert(*n);
      }
      return c;
    });
    if (!found.ok()) return found.status();
    // Remember when the key was last used, at most once a minute.
    // Only that column: writing the whole row back could undo a revocation committed since it
    // was read.
    if (now - found->key.last_used_at > 60000) {
      found->key.last_used_at = now;
      int64_t id = found->key.id;
      (void)store.Write([&](store::Tx& tx) {
        return tx.Repo<ApiKey>().SetColumn(id, "last_used_at", Value(now));
      });
    }
    std::lock_guard lock(cache_mu);
    if (key_cache.size() > 10000) key_cache.clear();
    key_cache[hash] = {*found, now + options.key_cache_ms};
    return found;
  }

  http::Response Dispatch(http::Request& req) {
    auto segs = PathSegments(req.path);
    std::map<std::string, std::string> params;
    const CompiledRoute* route = Match(req, segs, params);
    if (!route)
      return ErrorResponse(404, "No route matches " + req.method + " " + req.path);
    auto caller = Authenticate(req);
    if (!caller.ok()) return ErrorResponse(caller.status());
    if (!caller->key.allow_ips.empty()) {
      bool allowed = false;
      for (const auto& cidr : Split(caller->key.allow_ips, ','))
        if (IpInCidr(req.remote_ip, Trim(cidr))) allowed = true;
      if (!allowed)
        return ErrorResponse(403, "This API key may not be used from " + req.remote_ip);
    }
    if (int wait = limiter.Take(caller->key.id, options.rate_limit_per_minute, clock.NowMs())) {
      auto r = http::Response::Text(429, "Retry later");
      r.headers.emplace_back("Retry-After", std::to_string(wait));
      return r;
    }
    return Run(*route, req, std::move(params), std::move(caller).value());
  }

  http::Response Run(const CompiledRoute& route, http::Request& req, std::map<std::string, std::string> params,
                     Caller caller) {
    Ctx ctx{req, std::move(params), {}, std::move(caller), store, cipher, clock, options, cache.get(), layouts.get()};
    for (auto& [k, v] : http::ParseQuery(req.query)) ctx.query[k] = v;
    return route.fn(ctx);
  }

  http::Response DispatchAs(http::Request& req, const User& user) {
    auto segs = PathSegments(req.path);
    std::map<std::string, std::string> params;
    const CompiledRoute* route = Match(req, segs, params);
    if (!route) return ErrorResponse(404, "No route matches " + req.method + " " + req.path);
    Caller c;
    c.user = user;
    c.role = ParseRole(user.security_level).value_or(Role::kSpectator);
    c.web = true;
    c.key.name = "web";
    c.key.user_id = user.id;
    c.key.password_access = user.password_access || c.role == Role::kSuperAdmin || c.role == Role::kAdmin;
    c.key.destructive = true;
    return Run(*route, req, std::move(params), std::move(c));
  }
};

Api::Api(store::Store& store, const Cipher& cipher, const Clock& clock, ApiOptions options)
    : impl_(std::make_unique<Impl>(store, cipher, clock, std::move(options))) {}

Api::~Api() = default;

std::optional<http::Response> Api::Handle(http::Request& req) {
  if (req.path == "/healthz") {
    auto st = impl_->store.Read([](store::Tx& tx) {
      return tx.Repo<Company>().Count(store::Query().Where("id", store::Op::kEq, int64_t{0}));
    });
    if (!st.ok()) return ErrorResponse(503, "database unavailable: " + st.status().message());
    return http::Response::Json(200, R"({"status":"ok"})");
  }
  if (req.method == "GET" && req.path.rfind("/links/", 0) == 0) {
    try {
      std::string base = impl_->options.base_url;
      if (auto host = req.Header("Host"); base.empty() && host) base = "http://" + std::string(*host);
      return HandleVendorLink(impl_->store, req, base);
    } catch (const std::exception&) {
      return ErrorResponse(Status::Internal("unexpected exception"));
    }
  }
  if (req.path != "/api/v1" && req.path.rfind("/api/v1/", 0) != 0) return std::nullopt;
  try {
    return impl_->Dispatch(req);
  } catch (const std::exception&) {
    return ErrorResponse(Status::Internal("unexpected exception"));
  }
}

http::Response Api::HandleAs(http::Request& req, const User& user) {
  try {
    return impl_->DispatchAs(req, user);
  } catch (const std::exception&) {
    return ErrorResponse(Status::Internal("unexpected exception"));
  }
}

}  // namespace cairn::api
