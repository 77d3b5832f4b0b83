// /api/v1/users (reference/hudu-api.md 3.12): read-only.
#include "api/context.h"
#include "core/text.h"

namespace cairn::api {
namespace {

json::object UserJson(const User& u) {
  json::object o = ToJson(u, {"password_hash"});
  o["slug"] = "user-" + std::to_string(u.id);
  o["phone_number"] = nullptr;
  o["time_zone"] = "UTC";
  o["otp_required_for_login"] = false;
  o["accepted_invite"] = true;
  o["portal_member_company_id"] = nullptr;
  return o;
}

http::Response List(Ctx& ctx) {
  auto paging = ParsePaging(ctx);
  if (!paging.ok()) return ErrorResponse(paging.status());
  store::Query q;
  bool archived = AsBool(json::value(ctx.Q("archived").value_or("false"))).value_or(false);
  q.Where("archived", store::Op::kEq, int64_t{archived});
  for (const char* f : {"first_name", "last_name", "email", "security_level"})
    if (auto v = ctx.Q(f)) q.Where(f, store::Op::kEqNoCase, *v);
  if (auto v = ctx.Q("search"); v && !v->empty())
    q.where.push_back({"first_name", store::Op::kContains, {*v}, {"first_name", "last_name"}});
  q.Page(paging->page, paging->page_size);
  auto out = ctx.store.Read([&](store::Tx& tx) { return tx.Repo<User>().List(q); });
  if (!out.ok()) return ErrorResponse(out.status());
  json::array arr;
  for (const auto& u : *out) arr.push_back(UserJson(u));
  return JsonResponse(200, Wrap("users", std::move(arr)));
}

http::Response Get(Ctx& ctx) {
  auto id = ctx.PathId();
  if (!id.ok()) return ErrorResponse(id.status());
  auto u = ctx.store.Read([&](store::Tx& tx) { return tx.Repo<User>().Get(*id); });
  if (!u.ok()) return ErrorResponse(u.status());
  return JsonResponse(200, Wrap("user", UserJson(*u)));
}

}  // namespace

void AddUserRoutes(Routes& r) {
  r.push_back({"GET", "/api/v1/users", List});
  r.push_back({"GET", "/api/v1/users/{id}", Get});
}

}  // namespace cairn::api
