// /api/v1/articles (reference/hudu-api.md 3.5): the knowledge base; company_id absent = global.
#include "api/crud.h"
#include "core/text.h"

namespace cairn::api {
namespace {

Status Apply(store::Tx& tx, const Ctx&, const json::object& body, Article& a, bool,
             std::vector<std::string>& errors) {
  ApplyFields(body, a, errors);
  if (Trim(a.name).empty()) errors.push_back("name can't be blank");
  if (a.folder_id) {
    auto f = tx.Repo<Folder>().Get(*a.folder_id);
    if (!f.ok()) errors.push_back("folder_id " + std::to_string(*a.folder_id) + " is not a folder");
    else if (f->company_id != a.company_id)
      errors.push_back("folder_id " + std::to_string(*a.folder_id) +
                       " belongs to another company's knowledge base");
  }
  return Status::Ok();
}

json::object Render(store::Tx&, const Ctx& ctx, const Article& a) {
  json::object o = ToJson(a);
  o["object_type"] = "Article";
  o["url"] = "/kba/" + a.slug;
  o["full_url"] = BaseUrl(ctx) + "/kba/" + a.slug;
  o["share_url"] = a.enable_sharing ? json::value(BaseUrl(ctx) + "/shared_article/" + a.slug)
                                    : json::value(nullptr);
  o["public_photos"] = json::array();
  return o;
}

}  // namespace

json::object RenderArticleRecord(store::Tx& tx, const Ctx& ctx, const Article& a) { return Render(tx, ctx, a); }

void AddArticleRoutes(Routes& r) {
  auto spec = std::make_shared<CrudSpec<Article>>();
  spec->base = "/api/v1/articles";
  spec->singular = "article";
  spec->plural = "articles";
  spec->rights = "articles";
  spec->filters = [](const Ctx& ctx, store::Query& q) -> Status {
    // Hudu ignores `archived` and `folder_id` here; archived articles are listed too.
    ExactFilters(ctx, q, {"name", "slug"});
    CAIRN_RETURN_IF_ERROR(IdFilters(ctx, q, {"company_id"}));
    for (const char* flag : {"draft", "enable_sharing"}) {
      auto v = ctx.Q(flag);
      if (!v || v->empty()) continue;
      auto b = AsBool(json::value(*v));
      if (!b) return Validation({std::string(flag) + " must be true or false"});
      q.Where(flag, store::Op::kEq, int64_t{*b});
    }
    if (auto v = ctx.Q("search"); v && !v->empty())
      q.where.push_back({"name", store::Op::kContains, {*v}, {"name", "content"}});
    return AddTimeRange(ctx, "updated_at", "updated_at", q);
  };
  spec->apply = Apply;
  spec->render = Render;
  spec->company = [](const Article& a) { return a.company_id; };
  Crud<Article>::AddRoutes(r, spec);
}

}  // namespace cairn::api
