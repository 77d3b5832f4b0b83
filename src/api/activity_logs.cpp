// /api/v1/activity_logs (reference/hudu-api.md 3.12): bare arrays; DELETE prunes old entries.
#include "api/context.h"
#include "core/clock.h"
#include "core/text.h"

namespace cairn::api {
namespace {

json::object LogJson(const Ctx& ctx, const ActivityLog& l) {
  json::object o = ToJson(l, {"api_key_id", "company_id"});
  std::string name = l.user_name.empty() ? l.user_email : l.user_name;
  std::string initials;
  // ASCII initials only: a multi-byte letter cut to its first byte would not be UTF-8.
  for (const auto& part : Split(name, ' ')) {
    unsigned char c = part.empty() ? 0 : static_cast<unsigned char>(part[0]);
    if (c < 0x80 && std::isalnum(c) && initials.size() < 2)
      initials += static_cast<char>(std::toupper(c));
  }
  o["user_short_name"] = name;
  o["user_initials"] = initials;
  o["original_record_name"] = l.record_name;
  o["details"] = [&]() -> json::value {
    boost::system::error_code ec;
    auto v = json::parse(l.details, ec);
    return ec ? json::value(json::object()) : v;
  }();
  o["record_url"] = l.record_id ? json::value(BaseUrl(ctx) + "/" + ToLower(l.record_type) + "s/" +
                                              std::to_string(*l.record_id))
                                : json::value(nullptr);
  o["record_company_url"] =
      l.company_id ? json::value(BaseUrl(ctx) + "/companies/" + std::to_string(*l.company_id))
                   : json::value(nullptr);
  o["formatted_datetime"] = FormatIso8601(l.created_at);
  o["device"] = "";
  o["os"] = "";
  o["url"] = nullptr;
  return o;
}

http::Response List(Ctx& ctx) {
  auto paging = ParsePaging(ctx);
  if (!paging.ok()) return ErrorResponse(paging.status());
  store::Query q;
  q.order_by = "id";
  q.descending = true;
  AddCompanyScope(ctx, q);
  if (!ctx.caller.key.password_access)
    q.Where("record_type", store::Op::kNe, std::string("AssetPassword"));
  if (auto v = ctx.Q("user_id"); v && !v->empty()) {
    auto n = AsInt(json::value(*v));
    if (!n) return ErrorResponse(Validation({"user_id must be a whole number"}));
    q.Where("user_id", store::Op::kEq, *n);
  }
  if (auto v = ctx.Q("user_email")) q.Where("user_email", store::Op::kEqNoCase, *v);
  auto rid = ctx.Q("resource_id");
  auto rtype = ctx.Q("resource_type");
  if (rid || rtype) {
    if (!rid || !rtype)
      return ErrorResponse(Validation({"resource_id and resource_type must be given together"}));
    auto n = AsInt(json::value(*rid));
    if (!n) return ErrorResponse(Validation({"resource_id must be a whole number"}));
    q.Where("record_id", store::Op::kEq, *n);
    q.Where("record_type", store::Op::kEq, *rtype);
  }
  if (auto v = ctx.Q("action_message")) q.Where("action", store::Op::kEq, *v);
  // Cairn's own: one kind of record ("Company", "Asset", "Integration", ...) without naming one.
  if (auto v = ctx.Q("record_type"); v && !v->empty()) q.Where("record_type", store::Op::kEq, *v);
  if (auto v = ctx.Q("app_type"); v && !v->empty()) q.Where("app_type", store::Op::kEq, *v);
  if (auto v = ctx.Q("start_date"); v && !v->empty()) {
    auto t = ParseIso8601(*v);
    if (!t) return ErrorResponse(Validation({"start_date must be an ISO 8601 date or time"}));
    q.Where("created_at", store::Op::kGe, *t);
  }
  q.Page(paging->page, paging->page_size);
  auto out = ctx.store.Read([&](store::Tx& tx) { return tx.Repo<ActivityLog>().List(q); });
  if (!out.ok()) return ErrorResponse(out.status());
  json::array arr;
  for (const auto& l : *out) arr.push_back(LogJson(ctx, l));
  return JsonResponse(200, arr);
}

http::Response Prune(Ctx& ctx) {
  if (auto st = Require(ctx, Action::kDelete, "activity logs"); !st.ok()) return ErrorResponse(st);
  if (auto st = Require(ctx, Action::kAdmin, "activity logs"); !st.ok()) return ErrorResponse(st);
  if (ctx.caller.companies)
    return ErrorResponse(Status::Forbidden(
        "This API key is limited to specific companies; the activity log is shared by all"));
  auto dt = ctx.Q("datetime");
  if (!dt || dt->empty()) return ErrorResponse(400, "Datetime parameter is required");
  auto t = ParseIso8601(*dt);
  if (!t) return ErrorResponse(Validation({"datetime must be an ISO 8601 time"}));
  bool unassigned = AsBool(json::value(ctx.Q("delete_unassigned_logs").value_or("false")))
                        .value_or(false);
  auto n = ctx.store.Write([&](store::Tx& tx) -> Result<int64_t> {
    store::Query q;
    q.Where("created_at", store::Op::kLe, *t);
    if (!unassigned) q.Where("user_id", store::Op::kGe, int64_t{1});
    auto deleted = tx.Repo<ActivityLog>().DeleteWhere(q);
    if (!deleted.ok()) return deleted.status();
    json::object d;
    d["before"] = FormatIso8601(*t);
    d["deleted"] = *deleted;
    CAIRN_RETURN_IF_ERROR(
        LogActivity(tx, ctx, {"deleted activity logs", "ActivityLog", std::nullopt, "",
                              std::nullopt, "", d}));
    return deleted;
  });
  if (!n.ok()) return ErrorResponse(n.status());
  json::object o;
  o["message"] = "Deleted " + std::to_string(*n) + " activity logs";
  o["deleted"] = *n;
  return JsonResponse(200, o);
}

}  // namespace

void AddActivityLogRoutes(Routes& r) {
  r.push_back({"GET", "/api/v1/activity_logs", List});
  r.push_back({"DELETE", "/api/v1/activity_logs", Prune});
}

}  // namespace cairn::api
