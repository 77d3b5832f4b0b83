// GET /api/v1/search?q= (Cairn's own): ranked full-text search over companies, assets, articles
// and password names, limited to what the key may see.
#include "api/context.h"
#include "core/text.h"

namespace cairn::api {
namespace {

http::Response Search(Ctx& ctx) {
  auto paging = ParsePaging(ctx);
  if (!paging.ok()) return ErrorResponse(paging.status());
  auto text = ctx.Q("q");
  if (!text || Trim(*text).empty())
    return ErrorResponse(Validation({"q can't be blank"}));
  if (text->size() > 500) return ErrorResponse(Validation({"q is too long (maximum 500)"}));
  store::SearchQuery q;
  q.text = *text;
  q.include_passwords = ctx.caller.key.password_access;
  if (ctx.caller.companies) {
    q.company_ids = std::vector<int64_t>(ctx.caller.companies->begin(), ctx.caller.companies->end());
    q.include_global = false;
  }
  q.limit = paging->page_size;
  q.offset = (paging->page - 1) * paging->page_size;
  auto hits = ctx.store.Read([&](store::Tx& tx) { return tx.Search().Search(q); });
  if (!hits.ok()) return ErrorResponse(hits.status());
  json::array arr;
  for (const auto& h : *hits) {
    json::object o;
    o["type"] = h.kind;
    o["id"] = h.id;
    o["name"] = h.title;
    o["company_id"] = h.company_id ? json::value(*h.company_id) : json::value(nullptr);
    std::string path = h.kind == "Company"   ? "/api/v1/companies/" + std::to_string(h.id)
                       : h.kind == "Asset"   ? "/api/v1/assets?id=" + std::to_string(h.id)
                       : h.kind == "Article" ? "/api/v1/articles/" + std::to_string(h.id)
                                             : "/api/v1/asset_passwords/" + std::to_string(h.id);
    o["api_url"] = path;
    arr.push_back(std::move(o));
  }
  json::object out;
  out["results"] = std::move(arr);
  out["page"] = paging->page;
  out["page_size"] = paging->page_size;
  return JsonResponse(200, out);
}

}  // namespace

void AddSearchRoutes(Routes& r) { r.push_back({"GET", "/api/v1/search", Search}); }

}  // namespace cairn::api
