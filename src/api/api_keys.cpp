// /api/v1/api_keys: Cairn's own key management for administrators (Hudu's API has none; the web
// UI's Admin > API keys calls these):
//   GET    /api/v1/api_keys[?user_id=]  every key with its prefix, user, scopes and last use
//   POST   /api/v1/api_keys             {"api_key": {name, user_id, password_access, destructive,
//                                        company_ids: [ids], allow_ips: [CIDRs]}}
//                                        answers the key itself once ("key"); only its hash is kept
//   DELETE /api/v1/api_keys/{id}        revokes it (kept, marked revoked, for the activity log)
#include <set>

#include "api/context.h"
#include "core/cidr.h"
#include "core/crypto.h"
#include "core/text.h"

namespace cairn::api {
namespace {

Status Gate(const Ctx& ctx) {
  CAIRN_RETURN_IF_ERROR(Require(ctx, Action::kAdmin, "API keys"));
  if (!ctx.caller.SeesGlobal()) return Status::Forbidden("This API key is limited to some companies; API keys span them all");
  return Status::Ok();
}

json::object KeyJson(const ApiKey& k, const std::string& user_email) {
  json::object o = ToJson(k, {"key_hash", "company_ids", "allow_ips"});
  json::array companies, ips;
  for (const auto& c : Split(k.company_ids, ','))
    if (auto n = AsInt(json::value(c))) companies.push_back(*n);
  for (const auto& ip : Split(k.allow_ips, ','))
    if (!ip.empty()) ips.push_back(json::string(ip));
  o["company_ids"] = std::move(companies);
  o["allow_ips"] = std::move(ips);
  o["user_email"] = user_email;
  if (k.last_used_at == 0) o["last_used_at"] = nullptr;
  return o;
}

http::Response List(Ctx& ctx) {
  if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
  store::Query q;
  if (auto v = ctx.Q("user_id"); v && !v->empty()) {
    auto n = AsInt(json::value(*v));
    if (!n) return ErrorResponse(Validation({"user_id must be a user id"}));
    q.Where("user_id", store::Op::kEq, *n);
  }
  q.descending = true;
  auto out = ctx.store.Read([&](store::Tx& tx) -> Result<json::array> {
    auto keys = tx.Repo<ApiKey>().List(q);
    if (!keys.ok()) return keys.status();
    auto users = tx.Repo<User>().List(store::Query());
    if (!users.ok()) return users.status();
    std::map<int64_t, std::string> emails;
    for (const auto& u : *users) emails[u.id] = u.email;
    json::array arr;
    for (const auto& k : *keys) arr.push_back(KeyJson(k, emails[k.user_id]));
    return arr;
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return JsonResponse(200, Wrap("api_keys", std::move(*out)));
}

http::Response Create(Ctx& ctx) {
  if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
  auto body = ParseBody(ctx, "api_key");
  if (!body.ok()) return ErrorResponse(body.status());
  std::string key = GenerateApiKey();
  auto out = ctx.store.Write([&](store::Tx& tx) -> Result<json::object> {
    std::vector<std::string> errors;
    static const std::set<std::string_view> kFields = {"name", "user_id", "password_access", "destructive", "company_ids", "allow_ips"};
    for (const auto& [k, v] : *body)
      if (!kFields.count(k))
        errors.push_back(std::string(k) + " is not a field of an API key (name, user_id, password_access, destructive, company_ids, allow_ips)");
    ApiKey k;
    if (const auto* v = body->if_contains("name"); v && v->is_string()) k.name = std::string(Trim(v->get_string()));
    if (k.name.empty()) errors.push_back("name can't be blank (say what the key is for, e.g. \"Rev.io\")");
    else if (k.name.size() > 100) errors.push_back("name is too long (at most 100 characters)");
    std::string email;
    auto uid = body->if_contains("user_id") ? AsInt(body->at("user_id")) : std::nullopt;
    if (!uid) {
      errors.push_back("user_id must be the id of the user the key acts as");
    } else if (auto u = tx.Repo<User>().Get(*uid); !u.ok() || u->archived) {
      errors.push_back("user_id: user " + std::to_string(*uid) + " does not exist or is archived");
    } else if (u->security_level == "super_admin" && ctx.caller.role != Role::kSuperAdmin) {
      errors.push_back("user_id: only a super admin can make a key that acts as a super admin");
    } else {
      k.user_id = *uid;
      email = u->email;
    }
    for (auto [name, field] : {std::pair{"password_access", &ApiKey::password_access}, std::pair{"destructive", &ApiKey::destructive}})
      if (const auto* v = body->if_contains(name)) {
        auto b = AsBool(*v);
        if (!b) errors.push_back(std::string(name) + " must be true or false");
        else k.*field = *b;
      }
    if (const auto* v = body->if_contains("company_ids"); v && !v->is_null()) {
      if (!v->is_array()) errors.push_back("company_ids must be an array of company ids ([] = every company)");
      else
        for (const auto& c : v->get_array()) {
          auto n = AsInt(c);
          if (!n || !tx.Repo<Company>().Get(*n).ok()) {
            errors.push_back("company_ids: " + json::serialize(c) + " is not a company");
            continue;
          }
          k.company_ids += (k.company_ids.empty() ? "" : ",") + std::to_string(*n);
        }
    }
    if (const auto* v = body->if_contains("allow_ips"); v && !v->is_null()) {
      if (!v->is_array()) errors.push_back("allow_ips must be an array of addresses or CIDRs ([] = any address)");
      else
        for (const auto& c : v->get_array()) {
          std::string ip = c.is_string() ? std::string(Trim(c.get_string())) : "";
          if (!IsValidCidr(ip)) {
            errors.push_back("allow_ips: " + json::serialize(c) + " is not an address or CIDR, e.g. 203.0.113.0/24");
            continue;
          }
          k.allow_ips += (k.allow_ips.empty() ? "" : ",") + ip;
        }
    }
    if (!errors.empty()) return Validation(std::move(errors));
    k.prefix = key.substr(0, 10);
    k.key_hash = HashApiKey(key);
    auto saved = tx.Repo<ApiKey>().Insert(k);
    if (!saved.ok()) return saved.status();
    CAIRN_RETURN_IF_ERROR(LogActivity(tx, ctx, {"created", "ApiKey", saved->id, saved->name, std::nullopt, "",
                                                json::object{{"prefix", saved->prefix}, {"user_email", email}}}));
    json::object o = KeyJson(*saved, email);
    o["key"] = key;
    return o;
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return JsonResponse(201, Wrap("api_key", std::move(*out)));
}

http::Response Revoke(Ctx& ctx) {
  if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
  auto id = ctx.PathId();
  if (!id.ok()) return ErrorResponse(id.status());
  auto out = ctx.store.Write([&](store::Tx& tx) -> Status {
    auto k = tx.Repo<ApiKey>().Lock(*id);
    if (!k.ok()) return Status::NotFound("API key not found");
    if (k->revoked) return Status::Ok();
    if (ctx.caller.role != Role::kSuperAdmin)
      if (auto owner = tx.Repo<User>().Get(k->user_id); owner.ok() && owner->security_level == "super_admin")
        return Status::Forbidden("Only a super admin can revoke a key that acts as a super admin");
    CAIRN_RETURN_IF_ERROR(tx.Repo<ApiKey>().SetColumn(*id, "revoked", Value(int64_t{1})));
    return LogActivity(tx, ctx, {"revoked", "ApiKey", k->id, k->name, std::nullopt, "", json::object{{"prefix", k->prefix}}});
  });
  if (!out.ok()) return ErrorResponse(out);
  return NoContent();
}

}  // namespace

void AddApiKeyRoutes(Routes& r) {
  r.push_back({"GET", "/api/v1/api_keys", List});
  r.push_back({"POST", "/api/v1/api_keys", Create});
  r.push_back({"DELETE", "/api/v1/api_keys/{id}", Revoke});
}

}  // namespace cairn::api
