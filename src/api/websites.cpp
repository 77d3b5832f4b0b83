// /api/v1/websites (reference/hudu-api.md 3.6). Hudu answers bare objects and bare arrays here
// (but {"websites": []} when the list is empty); so does Cairn.
#include <boost/url/parse.hpp>

#include "api/crud.h"
#include "core/text.h"

namespace cairn::api {
namespace {

bool IsWebUrl(const std::string& s) {
  auto u = boost::urls::parse_absolute_uri(s);
  if (!u) return false;
  std::string scheme = ToLower(u->scheme());
  return (scheme == "http" || scheme == "https") && !u->host().empty();
}

Status Apply(store::Tx&, const Ctx&, const json::object& body, Website& w, bool creating,
             std::vector<std::string>& errors) {
  ApplyFields(body, w, errors);
  std::string name(Trim(w.name));
  if (!name.empty() && name.find("://") == std::string::npos) name = "https://" + name;
  w.name = name;
  if (name.empty()) errors.push_back("name can't be blank");
  else if (!IsWebUrl(name)) errors.push_back("name must be a valid URL (https://example.com)");
  if (creating && w.company_id == 0) errors.push_back("company_id can't be blank");
  return Status::Ok();
}

json::object Render(store::Tx& tx, const Ctx&, const Website& w) {
  json::object o = ToJson(w);
  o["url"] = "/websites/" + w.slug;
  o["object_type"] = "Website";
  o["asset_type"] = "Website";
  o["monitoring_status"] = w.paused ? "paused" : "unknown";
  o["status"] = nullptr;
  o["refreshed_at"] = nullptr;
  o["monitored_at"] = nullptr;
  auto c = tx.Repo<Company>().Get(w.company_id);
  o["company_name"] = c.ok() ? c->name : "";
  o["discarded_at"] = w.archived ? o["updated_at"] : json::value(nullptr);
  return o;
}

}  // namespace

void AddWebsiteRoutes(Routes& r) {
  auto spec = std::make_shared<CrudSpec<Website>>();
  spec->base = "/api/v1/websites";
  spec->singular = "website";
  spec->plural = "websites";
  spec->rights = "websites";
  spec->bare = true;
  spec->archive_routes = false;  // archived is a field of the website
  spec->filters = [](const Ctx& ctx, store::Query& q) -> Status {
    ExactFilters(ctx, q, {"name", "slug"});
    CAIRN_RETURN_IF_ERROR(IdFilters(ctx, q, {"company_id"}));
    if (auto v = ctx.Q("search"); v && !v->empty())
      q.where.push_back({"name", store::Op::kContains, {*v}, {"name", "notes"}});
    return AddTimeRange(ctx, "updated_at", "updated_at", q);
  };
  spec->apply = Apply;
  spec->render = Render;
  spec->company = [](const Website& w) { return std::optional<int64_t>(w.company_id); };
  Crud<Website>::AddRoutes(r, spec);
}

}  // namespace cairn::api
