// /api/v1/relations (reference/hudu-api.md 3.7). Creating a relation creates its inverse too;
// deleting one deletes both.
#include "api/context.h"
#include "core/text.h"

namespace cairn::api {
namespace {

constexpr std::string_view kTypes[] = {"Asset",         "Website", "Procedure", "AssetPassword",
                                       "Company",       "Article", "Vlan",      "VlanZone",
                                       "RackStorage",   "Network", "IpAddress"};

std::string UrlOf(const std::string& type, int64_t id) {
  std::string kind = ToLower(type);
  return "/" + kind + "s/" + std::to_string(id);
}

json::object RelationJson(const Relation& r) {
  json::object o = ToJson(r);
  o["name"] = r.fromable_type + " to " + r.toable_type;
  o["fromable_url"] = UrlOf(r.fromable_type, r.fromable_id);
  o["toable_url"] = UrlOf(r.toable_type, r.toable_id);
  return o;
}

// Whether the record a relation end points at exists and the caller may see it. Types Cairn does
// not store yet count as visible.
bool EndVisible(store::Tx& tx, const Ctx& ctx, const std::string& type, int64_t id) {
  std::optional<int64_t> company;
  bool exists = true;
  if (type == "Company") {
    exists = tx.Repo<Company>().Get(id).ok();
    company = id;
  } else if (type == "Asset") {
    auto a = tx.Repo<Asset>().Get(id);
    exists = a.ok();
    if (exists) company = a->company_id;
  } else if (type == "Website") {
    auto w = tx.Repo<Website>().Get(id);
    exists = w.ok();
    if (exists) company = w->company_id;
  } else if (type == "Article") {
    auto a = tx.Repo<Article>().Get(id);
    exists = a.ok();
    if (exists) company = a->company_id;
  } else if (type == "AssetPassword") {
    auto p = tx.Repo<AssetPassword>().Get(id);
    exists = p.ok();
    if (exists) company = p->company_id;
  } else {
    return true;
  }
  return exists && (company ? ctx.caller.SeesCompany(company) : ctx.caller.SeesGlobal());
}

// The record a relation end points at must exist and be visible (for the types Cairn stores).
void CheckEnd(store::Tx& tx, const Ctx& ctx, const std::string& side, const std::string& type,
              int64_t id, std::vector<std::string>& errors) {
  if (!EndVisible(tx, ctx, type, id))
    errors.push_back(side + "_id " + std::to_string(id) + " is not a " + type);
}

// A company-scoped key sees a relation only when it may see both ends.
bool RelationVisible(store::Tx& tx, const Ctx& ctx, const Relation& r) {
  return !ctx.caller.companies || (EndVisible(tx, ctx, r.fromable_type, r.fromable_id) &&
                                   EndVisible(tx, ctx, r.toable_type, r.toable_id));
}

http::Response List(Ctx& ctx) {
  auto paging = ParsePaging(ctx);
  if (!paging.ok()) return ErrorResponse(paging.status());
  store::Query q;
  // For a company-scoped key the page is cut after filtering, so it cannot be done in SQL.
  if (!ctx.caller.companies) q.Page(paging->page, paging->page_size);
  auto out = ctx.store.Read([&](store::Tx& tx) -> Result<json::array> {
    auto rows = tx.Repo<Relation>().List(q);
    if (!rows.ok()) return rows.status();
    json::array arr;
    int64_t skip = (paging->page - 1) * paging->page_size;
    for (const auto& r : *rows) {
      if (ctx.caller.companies) {
        if (!RelationVisible(tx, ctx, r) || skip-- > 0) continue;
        if (static_cast<int64_t>(arr.size()) == paging->page_size) break;
      }
      arr.push_back(RelationJson(r));
    }
    return arr;
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return JsonResponse(200, Wrap("relations", std::move(*out)));
}

http::Response Create(Ctx& ctx) {
  if (auto st = Require(ctx, Action::kWrite, "relations"); !st.ok()) return ErrorResponse(st);
  auto body = ParseBody(ctx, "relation");
  if (!body.ok()) return ErrorResponse(body.status());
  Relation r;
  std::vector<std::string> errors;
  ApplyFields(*body, r, errors);
  for (const auto& [side, type, id] :
       {std::tuple{std::string("fromable"), r.fromable_type, r.fromable_id},
        std::tuple{std::string("toable"), r.toable_type, r.toable_id}}) {
    bool known = false;
    for (auto t : kTypes) known = known || type == t;
    if (!known)
      errors.push_back(side + "_type must be one of Asset, Website, Procedure, AssetPassword, "
                              "Company, Article, Vlan, VlanZone, RackStorage, Network, IpAddress");
    if (id <= 0) errors.push_back(side + "_id can't be blank");
  }
  auto out = ctx.store.Write([&](store::Tx& tx) -> Result<json::object> {
    if (errors.empty()) {
      CheckEnd(tx, ctx, "fromable", r.fromable_type, r.fromable_id, errors);
      CheckEnd(tx, ctx, "toable", r.toable_type, r.toable_id, errors);
    }
    if (!errors.empty()) return Validation(errors);
    auto created = tx.Repo<Relation>().Insert(r);
    if (!created.ok()) return created.status();
    Relation inverse = r;
    std::swap(inverse.fromable_type, inverse.toable_type);
    std::swap(inverse.fromable_id, inverse.toable_id);
    inverse.is_inverse = true;
    if (!(inverse.fromable_type == r.fromable_type && inverse.fromable_id == r.fromable_id))
      CAIRN_RETURN_IF_ERROR(tx.Repo<Relation>().Insert(inverse).status());
    json::object j = RelationJson(*created);
    CAIRN_RETURN_IF_ERROR(LogActivity(tx, ctx,
                                      {"created", "Relation", created->id, j["name"].as_string().c_str(),
                                       std::nullopt, "", Diff({}, j)}));
    return j;
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return JsonResponse(200, Wrap("relation", std::move(*out)));
}

http::Response Delete(Ctx& ctx) {
  if (auto st = Require(ctx, Action::kDelete, "relations"); !st.ok()) return ErrorResponse(st);
  auto id = ctx.PathId();
  if (!id.ok()) return ErrorResponse(id.status());
  auto st = ctx.store.Write([&](store::Tx& tx) -> Status {
    auto r = tx.Repo<Relation>().Get(*id);
    if (!r.ok()) return r.status();
    if (!RelationVisible(tx, ctx, *r)) return Status::NotFound("Relation not found");
    CAIRN_RETURN_IF_ERROR(tx.Repo<Relation>().Delete(r->id));
    // The other half of the pair.
    auto other = tx.Repo<Relation>().FindFirst(store::Query()
                                                   .Where("fromable_type", store::Op::kEq, r->toable_type)
                                                   .Where("fromable_id", store::Op::kEq, r->toable_id)
                                                   .Where("toable_type", store::Op::kEq, r->fromable_type)
                                                   .Where("toable_id", store::Op::kEq, r->fromable_id)
                                                   .Where("is_inverse", store::Op::kEq,
                                                          int64_t{!r->is_inverse}));
    if (!other.ok()) return other.status();
    if (*other) CAIRN_RETURN_IF_ERROR(tx.Repo<Relation>().Delete((*other)->id));
    return LogActivity(tx, ctx,
                       {"deleted", "Relation", r->id, r->fromable_type + " to " + r->toable_type,
                        std::nullopt, "", {}});
  });
  if (!st.ok()) return ErrorResponse(st);
  return NoContent();
}

}  // namespace

void AddRelationRoutes(Routes& r) {
  r.push_back({"GET", "/api/v1/relations", List});
  r.push_back({"POST", "/api/v1/relations", Create});
  r.push_back({"DELETE", "/api/v1/relations/{id}", Delete});
}

}  // namespace cairn::api
