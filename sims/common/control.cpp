#include "sims/common/control.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <thread>

#include "sims/common/util.h"

namespace cairn::sims {
namespace {

namespace json = boost::json;

http::Response Error(int status, const std::string& message) {
  return http::Response::Json(status, json::serialize(json::object{{"error", message}}));
}

http::Response Ok(const json::value& v) { return http::Response::Json(200, json::serialize(v)); }

// "/api/v1/customers/1042/phones" -> "/api/v1/customers/{id}/phones": numbers and GUIDs would
// make every record its own line.
std::string PathPattern(std::string_view path) {
  std::string out;
  size_t i = 0;
  while (i < path.size()) {
    size_t slash = path.find('/', i + 1);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view seg = path.substr(i, slash - i);  // with its leading '/'
    std::string_view body = seg.empty() ? seg : seg.substr(1);
    // Whole numbers only: "3.0" in ConnectWise's "apis/3.0" is a version, not an id.
    bool digits = !body.empty() && body.find_first_not_of("0123456789") == std::string_view::npos;
    bool guid = body.size() == 36 && body.find_first_not_of("0123456789abcdefABCDEF-") == std::string_view::npos;
    if (digits || guid) out += "/{id}";
    else out.append(seg);
    i = slash;
  }
  return out.empty() ? "/" : out;
}

json::object FaultsJson(const Faults& f) {
  json::object o{{"latency_ms", f.latency_ms}, {"p429", f.p429},         {"retry_after_s", f.retry_after_s},
                 {"p5xx", f.p5xx},             {"preset", f.preset},     {"ptruncate", f.ptruncate},
                 {"ptimeout", f.ptimeout},     {"timeout_ms", f.timeout_ms}};
  o["token_ttl_s"] = f.token_ttl_s ? json::value(*f.token_ttl_s) : json::value(nullptr);
  o["rate_limit_per_min"] = f.rate_limit_per_min ? json::value(*f.rate_limit_per_min) : json::value(nullptr);
  return o;
}

// A JSON number as a double, or nullopt for anything else.
std::optional<double> Number(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return std::nullopt;
}

}  // namespace

SimControl::SimControl(std::string token, Tenant* tenant, Vocabulary vocabulary, uint64_t random_seed)
    : token_(std::move(token)), tenant_(tenant), vocabulary_(std::move(vocabulary)), rng_(Mix(random_seed)) {}

SimControl::~SimControl() { Interrupt(); }

void SimControl::Interrupt() {
  std::lock_guard lock(mu_);
  ++generation_;
  wake_.notify_all();
}

void SimControl::SetClock(std::function<std::chrono::steady_clock::time_point()> clock) {
  std::lock_guard lock(mu_);
  clock_ = std::move(clock);
}

Faults SimControl::faults() const {
  std::lock_guard lock(mu_);
  return faults_;
}

double SimControl::Draw() {
  rng_ = Mix(rng_);
  return static_cast<double>(rng_ >> 11) / 9007199254740992.0;
}

bool SimControl::Admit(const std::string& remote_ip, int limit_per_min, int* retry_after_s) {
  auto now = clock_ ? clock_() : std::chrono::steady_clock::now();
  double capacity = limit_per_min;
  double per_second = capacity / 60.0;
  auto [it, fresh] = buckets_.try_emplace(remote_ip, Bucket{capacity, now});
  Bucket& b = it->second;
  if (!fresh && now > b.at) {
    b.tokens = std::min(capacity, b.tokens + std::chrono::duration<double>(now - b.at).count() * per_second);
    b.at = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  *retry_after_s = std::max(1, static_cast<int>(std::ceil((1 - b.tokens) / per_second)));
  return false;
}

void SimControl::Count(const http::Request& request, int status) {
  std::string key = request.method + " " + PathPattern(request.path);
  std::lock_guard lock(mu_);
  ++requests_;
  ++by_path_[key][status];
}

http::Response SimControl::Handle(const http::Request& request, const VendorHandler& vendor) {
  try {
    std::string_view path = request.path;
    if (!token_.empty() && (path == "/_sim" || path.substr(0, 6) == "/_sim/")) return Control(request);

    enum class Fate { kServe, kLimited, k429, k5xx, kReset, kTimeout, kTruncate } fate = Fate::kServe;
    Faults f;
    int retry_after_s = 1;
    uint64_t generation;
    {
      std::lock_guard lock(mu_);
      f = faults_;
      generation = generation_;
      int limit = f.rate_limit_per_min.value_or(vocabulary_.rate_limit_per_min);
      if (limit > 0 && !Admit(request.remote_ip, limit, &retry_after_s)) {
        fate = Fate::kLimited;
      } else {
        double u = Draw(), edge = 0;
        if (u < (edge += f.p429)) fate = Fate::k429;
        else if (u < (edge += f.p5xx)) fate = Fate::k5xx;
        else if (u < (edge += f.preset)) fate = Fate::kReset;
        else if (u < (edge += f.ptimeout)) fate = Fate::kTimeout;
        else if (u < (edge += f.ptruncate)) fate = Fate::kTruncate;
        if (fate != Fate::kServe) ++injected_;
      }
    }
    if (fate == Fate::kLimited) {
      auto r = vocabulary_.too_many_requests(retry_after_s);
      Count(request, r.status);
      return r;
    }
    if (f.latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(f.latency_ms));
    http::Response r;
    switch (fate) {
      case Fate::k429:
        r = vocabulary_.too_many_requests(f.retry_after_s);
        break;
      case Fate::k5xx:
        r = Error(503, "Service Unavailable (injected by the simulator)");
        break;
      case Fate::kReset:
        r.abort = http::Response::Abort::kReset;
        break;
      case Fate::kTimeout: {
        std::unique_lock lock(mu_);
        wake_.wait_for(lock, std::chrono::milliseconds(f.timeout_ms),
                       [&] { return generation_ != generation; });
        r.abort = http::Response::Abort::kReset;
        break;
      }
      default:
        r = vendor(request);
        if (fate == Fate::kTruncate && r.body.size() >= 2) r.abort = http::Response::Abort::kTruncate;
    }
    Count(request, r.abort == http::Response::Abort::kReset ? 0 : r.status);
    return r;
  } catch (...) {
    return Error(500, "simulator error");
  }
}

http::Response SimControl::Control(const http::Request& request) {
  auto token = request.Header("X-Sim-Token");
  if (!token || *token != token_) return Error(401, "X-Sim-Token header missing or wrong");
  const std::string& p = request.path;
  if (p == "/_sim/mutate") {
    if (request.method != "POST") return Error(405, "use POST /_sim/mutate");
    return Mutate(request);
  }
  if (p == "/_sim/faults") {
    if (request.method == "GET") {
      std::lock_guard lock(mu_);
      return Ok(FaultsJson(faults_));
    }
    if (request.method != "POST") return Error(405, "use GET or POST /_sim/faults");
    return SetFaults(request);
  }
  if (p == "/_sim/stats") {
    if (request.method != "GET") return Error(405, "use GET /_sim/stats");
    return Stats();
  }
  if (p == "/_sim/reset") {
    if (request.method != "POST") return Error(405, "use POST /_sim/reset");
    tenant_->Reset();
    std::lock_guard lock(mu_);
    faults_ = Faults{};
    buckets_.clear();
    by_path_.clear();
    requests_ = 0;
    injected_ = 0;
    ++generation_;
    wake_.notify_all();
    return Ok(json::object{{"reset", true}});
  }
  return Error(404, "no such control endpoint (mutate, faults, stats, reset)");
}

http::Response SimControl::Mutate(const http::Request& request) {
  json::error_code ec;
  json::value body = json::parse(request.body, ec);
  if (ec || !body.is_object()) return Error(400, "body must be a JSON object");
  const auto& o = body.get_object();
  for (const auto& [k, v] : o) {
    if (k != "kind" && k != "action" && k != "count" && k != "ids" && k != "company_id")
      return Error(400, "unknown field '" + std::string(k) + "' (kind, action, count, ids, company_id)");
  }
  auto* kind_name = o.if_contains("kind");
  if (!kind_name || !kind_name->is_string()) return Error(400, "kind is required (a string)");
  std::string kind_text(kind_name->get_string());
  auto kind = vocabulary_.kind(kind_text);
  if (!kind) return Error(400, "kind: unknown kind '" + kind_text + "' for this vendor");
  auto* action_name = o.if_contains("action");
  if (!action_name || !action_name->is_string())
    return Error(400, "action is required (add, rename, update, deactivate, activate, delete)");
  std::string action_text(action_name->get_string());
  auto action = ParseMutateAction(action_text);
  if (!action) return Error(400, "action: unknown action '" + action_text + "' (add, rename, update, deactivate, activate, delete)");

  MutateRequest m;
  m.kind = *kind;
  m.action = *action;
  auto* count = o.if_contains("count");
  auto* ids = o.if_contains("ids");
  if (count && ids) return Error(400, "give count or ids, not both");
  if (count) {
    if (!count->is_int64() || count->get_int64() < 1) return Error(400, "count must be a positive integer");
    m.count = count->get_int64();
  } else if (ids) {
    if (!ids->is_array() || ids->get_array().empty()) return Error(400, "ids must be a non-empty array");
    for (const auto& id : ids->get_array()) {
      auto key = vocabulary_.key(*kind, id);
      if (!key) return Error(404, "ids: no " + kind_text + " with id " + json::serialize(id));
      m.keys.push_back(*key);
    }
  } else {
    return Error(400, "count or ids is required");
  }
  if (auto* company = o.if_contains("company_id")) {
    auto key = vocabulary_.key(RecordKind::kCompany, *company);
    if (!key) return Error(404, "company_id: no company with id " + json::serialize(*company));
    m.company = key->company;
  }
  auto touched = tenant_->Mutate(m);
  if (!touched.ok()) {
    int status = touched.status().code() == Code::kNotFound ? 404 : 400;
    std::string message = touched.status().message();
    if (status == 404 && !m.keys.empty()) message = "ids: " + message + " (deleted or never existed)";
    return Error(status, message);
  }
  json::array out;
  for (const auto& key : *touched) out.push_back(vocabulary_.id(*kind, key));
  return Ok(json::object{{"kind", kind_text},
                         {"action", action_text},
                         {"ids", std::move(out)},
                         {"version", tenant_->View()->version()}});
}

http::Response SimControl::SetFaults(const http::Request& request) {
  json::error_code ec;
  json::value body = json::parse(request.body.empty() ? std::string_view("{}") : request.body, ec);
  if (ec || !body.is_object()) return Error(400, "body must be a JSON object");
  Faults f;
  for (const auto& [k, v] : body.get_object()) {
    std::string key(k);
    auto n = Number(v);
    if (!n) return Error(400, key + " must be a number");
    auto share = [&](double* field) -> bool {
      if (*n < 0 || *n > 1) return false;
      *field = *n;
      return true;
    };
    auto whole = [&](int lo, int hi) -> std::optional<int> {
      if (*n < lo || *n > hi || std::floor(*n) != *n) return std::nullopt;
      return static_cast<int>(*n);
    };
    bool ok = true;
    if (key == "latency_ms") ok = (whole(0, 60000) ? (f.latency_ms = *whole(0, 60000), true) : false);
    else if (key == "retry_after_s") ok = (whole(0, 3600) ? (f.retry_after_s = *whole(0, 3600), true) : false);
    else if (key == "timeout_ms") ok = (whole(1, 600000) ? (f.timeout_ms = *whole(1, 600000), true) : false);
    else if (key == "token_ttl_s") ok = (whole(1, 86400 * 365) ? (f.token_ttl_s = *whole(1, 86400 * 365), true) : false);
    else if (key == "rate_limit_per_min")
      ok = (whole(0, 1000000000) ? (f.rate_limit_per_min = *whole(0, 1000000000), true) : false);
    else if (key == "p429") ok = share(&f.p429);
    else if (key == "p5xx") ok = share(&f.p5xx);
    else if (key == "preset") ok = share(&f.preset);
    else if (key == "ptruncate") ok = share(&f.ptruncate);
    else if (key == "ptimeout") ok = share(&f.ptimeout);
    else
      return Error(400, "unknown fault '" + key +
                            "' (latency_ms, p429, retry_after_s, p5xx, preset, ptruncate, ptimeout, "
                            "timeout_ms, token_ttl_s, rate_limit_per_min)");
    if (!ok) {
      bool is_share = key.front() == 'p';
      return Error(400, key + (is_share ? " must be between 0 and 1" : " is out of range"));
    }
  }
  if (f.p429 + f.p5xx + f.preset + f.ptruncate + f.ptimeout > 1.0 + 1e-9)
    return Error(400, "p429 + p5xx + preset + ptruncate + ptimeout must not exceed 1");
  std::lock_guard lock(mu_);
  faults_ = f;
  buckets_.clear();
  ++generation_;
  wake_.notify_all();
  return Ok(FaultsJson(faults_));
}

http::Response SimControl::Stats() {
  std::lock_guard lock(mu_);
  json::object by_path;
  for (const auto& [path, statuses] : by_path_) {
    json::object s;
    for (const auto& [status, n] : statuses) s[status == 0 ? "reset" : std::to_string(status)] = n;
    by_path[path] = std::move(s);
  }
  return Ok(json::object{{"requests", requests_},
                         {"injected_faults", injected_},
                         {"version", tenant_->View()->version()},
                         {"by_path", std::move(by_path)}});
}

}  // namespace cairn::sims
