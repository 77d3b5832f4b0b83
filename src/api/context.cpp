#include "api/context.h"

#include <charconv>
#include <cmath>

#include "api/json_writer.h"
#include "core/clock.h"
#include "core/text.h"

namespace cairn::api {

Result<int64_t> Ctx::PathId(const std::string& name) const {
  auto it = path.find(name);
  int64_t v = 0;
  if (it != path.end()) {
    const auto& s = it->second;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size() && v > 0) return v;
  }
  return Validation({name + " must be a positive integer"});
}

http::Response JsonResponse(int status, const json::value& v) {
  return http::Response::Json(status, json::serialize(v));
}

http::Response ErrorResponse(int status, std::string_view message) {
  json::object o;
  o["error"] = message;
  return JsonResponse(status, o);
}

http::Response ErrorResponse(const Status& st) {
  int status = 500;
  switch (st.code()) {
    case Code::kNotFound: status = 404; break;
    case Code::kInvalidArgument:
    case Code::kConflict: status = 422; break;
    case Code::kUnauthorized: status = 401; break;
    case Code::kForbidden: status = 403; break;
    case Code::kRateLimited: return http::Response::Text(429, "Retry later");
    case Code::kUnavailable: status = 503; break;
    default: {
      json::object o;
      o["status"] = 500;
      o["error"] = "Internal Server Error";
      return JsonResponse(500, o);
    }
  }
  json::object o;
  o["error"] = st.message();
  if (!st.details().empty()) {
    json::array d;
    for (const auto& s : st.details()) d.emplace_back(s);
    o["details"] = std::move(d);
  }
  return JsonResponse(status, o);
}

http::Response NoContent() {
  http::Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

json::object Wrap(std::string_view key, json::value v) {
  json::object o;
  o[key] = std::move(v);
  return o;
}

Status Validation(std::vector<std::string> details, std::string summary) {
  Status st = Status::Invalid(std::move(summary));
  for (auto& d : details) st.AddDetail(std::move(d));
  return st;
}

Result<json::object> ParseBody(const Ctx& ctx, std::string_view wrapper) {
  if (Trim(ctx.req.body).empty()) return json::object();
  json::parse_options opts;
  opts.max_depth = static_cast<std::size_t>(ctx.options.max_json_depth);
  boost::system::error_code ec;
  json::storage_ptr sp;
  json::value v = json::parse(ctx.req.body, ec, sp, opts);
  if (ec) {
    if (ec == json::error::too_deep)
      return Status::Invalid("Invalid JSON: nested deeper than " +
                             std::to_string(ctx.options.max_json_depth) + " levels");
    return Status::Invalid("Invalid JSON: " + ec.message());
  }
  if (!v.is_object()) return Status::Invalid("Invalid JSON: the body must be an object");
  auto& o = v.as_object();
  if (auto* inner = o.if_contains(wrapper)) {
    if (!inner->is_object())
      return Validation({std::string(wrapper) + " must be an object"});
    return std::move(inner->as_object());
  }
  return std::move(o);
}

std::optional<bool> AsBool(const json::value& v) {
  if (v.is_bool()) return v.as_bool();
  if (v.is_int64()) return v.as_int64() != 0;
  if (v.is_uint64()) return v.as_uint64() != 0;
  if (v.is_null()) return false;
  if (v.is_string()) {
    std::string s = ToLower(Trim(v.as_string()));
    if (s == "true" || s == "1" || s == "yes" || s == "on" || s == "t") return true;
    if (s == "false" || s == "0" || s == "no" || s == "off" || s == "f" || s.empty()) return false;
  }
  return std::nullopt;
}

std::optional<int64_t> AsInt(const json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64() && v.as_uint64() <= static_cast<uint64_t>(INT64_MAX))
    return static_cast<int64_t>(v.as_uint64());
  if (v.is_double()) {
    double d = v.as_double();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) return static_cast<int64_t>(d);
    return std::nullopt;
  }
  if (v.is_string()) {
    auto s = Trim(v.as_string());
    int64_t out = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return out;
  }
  return std::nullopt;
}

std::string AsText(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_null()) return {};
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  return json::serialize(v);
}

template <class T>
void ApplyFields(const json::object& body, T& row, std::vector<std::string>& errors,
                 const std::set<std::string_view>& skip) {
  for (const auto& col : T::Schema().columns) {
    if (!col.writable || skip.count(col.name)) continue;
    const json::value* v = body.if_contains(col.name);
    if (!v) continue;
    std::string name(col.name);
    switch (col.type) {
      case ColType::kText:
        if (v->is_object() || v->is_array()) {
          errors.push_back(name + " must be a string");
          continue;
        }
        SetValue(row, col, Value(AsText(*v)));
        break;
      case ColType::kBool: {
        auto b = AsBool(*v);
        if (!b) {
          errors.push_back(name + " must be true or false");
          continue;
        }
        SetValue(row, col, Value(int64_t{*b}));
        break;
      }
      case ColType::kInt:
      case ColType::kTime: {
        auto n = AsInt(*v);
        if (!n) {
          errors.push_back(name + " must be a whole number");
          continue;
        }
        SetValue(row, col, Value(*n));
        break;
      }
      case ColType::kOptInt: {
        if (v->is_null() || (v->is_string() && Trim(v->as_string()).empty())) {
          SetValue(row, col, Value());
          continue;
        }
        auto n = AsInt(*v);
        if (!n) {
          errors.push_back(name + " must be a whole number or null");
          continue;
        }
        SetValue(row, col, Value(*n));
        break;
      }
      case ColType::kId: break;
    }
  }
}

template <class T>
json::object ToJson(const T& row, const std::set<std::string_view>& hidden) {
  json::object o;
  o.reserve(T::Schema().columns.size() + 8);
  for (const auto& col : T::Schema().columns) {
    if (hidden.count(col.name)) continue;
    Value v = GetValue(row, col);
    switch (col.type) {
      case ColType::kBool: o[col.name] = std::get<int64_t>(v) != 0; break;
      case ColType::kTime: {
        int64_t ms = std::get<int64_t>(v);
        o[col.name] = ms ? json::value(FormatIso8601(ms)) : json::value(nullptr);
        break;
      }
      case ColType::kText: o[col.name] = std::get<std::string>(v); break;
      default:
        if (IsNull(v)) o[col.name] = nullptr;
        else o[col.name] = std::get<int64_t>(v);
    }
  }
  return o;
}

template <class T>
void WriteColumns(JsonWriter& w, const T& row, const std::set<std::string_view>& hidden) {
  for (const auto& col : T::Schema().columns) {
    if (!hidden.empty() && hidden.count(col.name)) continue;
    w.Key(col.name);
    std::visit(
        [&](auto m) {
          const auto& v = row.*m;
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, bool>) {
            w.Bool(v);
          } else if constexpr (std::is_same_v<V, std::string>) {
            w.String(v);
          } else if constexpr (std::is_same_v<V, int64_t>) {
            if (col.type != ColType::kTime) w.Int(v);
            else if (v) w.String(FormatIso8601(v));
            else w.Null();
          } else {
            if (v) w.Int(*v);
            else w.Null();
          }
        },
        col.member);
  }
}

#define CAIRN_API_INSTANTIATE(T)                                                               \
  template void ApplyFields<T>(const json::object&, T&, std::vector<std::string>&,             \
                               const std::set<std::string_view>&);                             \
  template json::object ToJson<T>(const T&, const std::set<std::string_view>&);                \
  template void WriteColumns<T>(JsonWriter&, const T&, const std::set<std::string_view>&);
CAIRN_API_INSTANTIATE(User)
CAIRN_API_INSTANTIATE(ApiKey)
CAIRN_API_INSTANTIATE(Company)
CAIRN_API_INSTANTIATE(AssetLayout)
CAIRN_API_INSTANTIATE(LayoutField)
CAIRN_API_INSTANTIATE(Asset)
CAIRN_API_INSTANTIATE(AssetPassword)
CAIRN_API_INSTANTIATE(Article)
CAIRN_API_INSTANTIATE(Folder)
CAIRN_API_INSTANTIATE(Website)
CAIRN_API_INSTANTIATE(Relation)
CAIRN_API_INSTANTIATE(Integration)
CAIRN_API_INSTANTIATE(SyncRun)
CAIRN_API_INSTANTIATE(Matcher)
CAIRN_API_INSTANTIATE(SyncChange)
CAIRN_API_INSTANTIATE(SortRule)
CAIRN_API_INSTANTIATE(ConnectedField)
CAIRN_API_INSTANTIATE(ActivityLog)
#undef CAIRN_API_INSTANTIATE

Result<Paging> ParsePaging(const Ctx& ctx) {
  Paging p;
  if (auto s = ctx.Q("page"); s && !s->empty()) {
    auto n = AsInt(json::value(*s));
    if (!n || *n < 1) return Validation({"page must be a whole number of 1 or more"});
    p.page = *n;
  }
  if (auto s = ctx.Q("page_size"); s && !s->empty()) {
    auto n = AsInt(json::value(*s));
    if (!n || *n < 1) return Validation({"page_size must be a whole number from 1 to 1000"});
    p.page_size = std::min<int64_t>(*n, 1000);
  }
  if (p.page > 10'000'000) return Validation({"page is too large"});
  return p;
}

void AddArchivedFilter(const Ctx& ctx, store::Query& q) {
  bool archived = false;
  if (auto s = ctx.Q("archived")) archived = AsBool(json::value(*s)).value_or(false);
  q.Where("archived", store::Op::kEq, int64_t{archived});
}

Status AddTimeRange(const Ctx& ctx, const std::string& param, const std::string& column,
                    store::Query& q) {
  auto s = ctx.Q(param);
  if (!s || s->empty()) return Status::Ok();
  auto bad = [&] {
    return Validation({param + " must be an ISO 8601 time or a range 'start,end' (either end may "
                               "be empty)"});
  };
  auto comma = s->find(',');
  if (comma == std::string::npos) {
    auto t = ParseIso8601(Trim(*s));
    if (!t) return bad();
    q.Where(column, store::Op::kEq, *t);
    return Status::Ok();
  }
  auto from = Trim(std::string_view(*s).substr(0, comma));
  auto to = Trim(std::string_view(*s).substr(comma + 1));
  if (!from.empty()) {
    auto t = ParseIso8601(from);
    if (!t) return bad();
    q.Where(column, store::Op::kGe, *t);
  }
  if (!to.empty()) {
    auto t = ParseIso8601(to);
    if (!t) return bad();
    // A date-only end includes the whole day.
    q.Where(column, store::Op::kLe, *t + (to.size() == 10 ? 86399999 : 0));
  }
  return Status::Ok();
}

void AddCompanyScope(const Ctx& ctx, store::Query& q, const std::string& column) {
  if (!ctx.caller.companies) return;
  std::vector<Value> ids;
  for (int64_t id : *ctx.caller.companies) ids.emplace_back(id);
  q.WhereIn(column, std::move(ids));
}

Status Require(const Ctx& ctx, Action action, std::string_view resource) {
  Role r = ctx.caller.role;
  bool admin = r == Role::kSuperAdmin || r == Role::kAdmin;
  std::string res(resource);
  switch (action) {
    case Action::kRead: return Status::Ok();
    case Action::kAdmin:
      if (admin) return Status::Ok();
      return Status::Forbidden("Only administrators can change " + res);
    case Action::kDelete:
      if (!ctx.caller.key.destructive)
        return Status::Forbidden("This API key is not allowed destructive actions (DELETE)");
      [[fallthrough]];
    case Action::kWrite:
      if (admin || r == Role::kEditor) return Status::Ok();
      if (r == Role::kAuthor && (res == "articles" || res == "folders")) return Status::Ok();
      return Status::Forbidden((ctx.caller.web ? "Your role (" : "The key's user (") +
                               std::string(RoleName(r)) + ") is not allowed to change " + res);
  }
  return Status::Forbidden("not allowed");
}

Status RequirePasswordAccess(const Ctx& ctx) {
  if (ctx.caller.key.password_access) return Status::Ok();
  return Status::Forbidden("This API key does not have access to passwords");
}

Status LogActivity(store::Tx& tx, const Ctx& ctx, const Activity& a) {
  ActivityLog l;
  l.user_id = ctx.caller.user.id;
  l.user_email = ctx.caller.user.email;
  l.user_name = Trim(ctx.caller.user.first_name + " " + ctx.caller.user.last_name);
  l.api_key_id = ctx.caller.key.id;
  l.token = ctx.caller.key.name;
  l.action = a.action;
  l.record_type = a.record_type;
  l.record_id = a.record_id;
  l.record_name = a.record_name;
  l.company_id = a.company_id;
  l.company_name = a.company_name;
  l.details = json::serialize(a.details);
  l.ip_address = ctx.req.remote_ip;
  if (auto ua = ctx.req.Header("User-Agent")) l.agent_string = std::string(TruncateUtf8(*ua, 500));
  l.app_type = ctx.caller.web ? "web" : "api";
  return tx.Repo<ActivityLog>().Insert(l).status();
}

json::object Diff(const json::object& before, const json::object& after) {
  json::object d;
  for (const auto& kv : after) {
    if (kv.key() == "updated_at" || kv.key() == "created_at") continue;
    const json::value* old = before.if_contains(kv.key());
    if (!old || *old != kv.value()) {
      json::object change;
      change["from"] = old ? *old : json::value(nullptr);
      change["to"] = kv.value();
      d[kv.key()] = std::move(change);
    }
  }
  return d;
}

Status DeleteRelationsOf(store::Tx& tx, const std::string& type, int64_t id) {
  for (const std::string side : {"fromable", "toable"}) {
    auto n = tx.Repo<Relation>().DeleteWhere(store::Query()
                                                 .Where(side + "_type", store::Op::kEq, type)
                                                 .Where(side + "_id", store::Op::kEq, id));
    if (!n.ok()) return n.status();
  }
  return Status::Ok();
}

Result<Company> VisibleCompany(store::Tx& tx, const Ctx& ctx, int64_t id, bool lock) {
  if (!ctx.caller.SeesCompany(id)) return Status::NotFound("Company not found");
  return lock ? tx.Repo<Company>().Lock(id) : tx.Repo<Company>().Get(id);
}

std::string BaseUrl(const Ctx& ctx) {
  if (!ctx.options.base_url.empty()) return ctx.options.base_url;
  if (auto host = ctx.req.Header("Host")) return "http://" + std::string(*host);
  return "";
}

}  // namespace cairn::api
