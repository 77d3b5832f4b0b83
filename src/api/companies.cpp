// /api/v1/companies (reference/hudu-api.md 3.1).
#include <set>

#include "api/context.h"
#include "api/json_writer.h"
#include "connectors/catalog.h"
#include "core/text.h"

namespace cairn::api {
namespace {

// Writes a company as the API shows it.
// `integrations`: the JSON array of the integrations the company is matched in (see
// IntegrationsOf).
// `cards`: the JSON array of its vendor records shown on the company (agreements, contracts) that
// are active at the vendor (IntegrationCards).
void WriteCompany(JsonWriter& w, const std::string& base, const Company& c,
                  const std::string& parent_name, const std::string& integrations, const std::string& cards) {
  std::string url = "/c/" + c.slug;
  w.BeginObject();
  WriteColumns(w, c);
  w.Field("object_type", "Company");
  if (parent_name.empty()) w.FieldNull("parent_company_name");
  else w.Field("parent_company_name", parent_name);
  w.Field("url", url);
  w.Field("full_url", base + url);
  w.Field("passwords_url", base + url + "/passwords");
  w.Field("knowledge_base_url", base + url + "/articles");
  w.Key("integrations");
  w.Raw(integrations.empty() ? std::string("[]") : integrations);
  w.Key("cards");
  w.Raw(cards.empty() ? std::string("[]") : cards);
  w.EndObject();
}

// For each of `ids`, the integrations it is matched in, as JSON arrays:
// [{"id", "name", "slug", "sync_id", "identifier"}], in one query each for matchers and
// integrations.
Result<std::map<int64_t, std::string>> IntegrationsOf(store::Tx& tx, const std::vector<int64_t>& ids) {
  std::map<int64_t, std::string> out;
  if (ids.empty()) return out;
  std::vector<Value> vs(ids.begin(), ids.end());
  auto matchers = tx.Repo<Matcher>().List(store::Query().WhereIn("company_id", vs));
  if (!matchers.ok()) return matchers.status();
  if (matchers->empty()) return out;
  std::vector<Value> integration_ids;
  for (const auto& m : *matchers) integration_ids.emplace_back(m.integration_id);
  auto integrations = tx.Repo<Integration>().List(store::Query().WhereIn("id", integration_ids));
  if (!integrations.ok()) return integrations.status();
  std::map<int64_t, const Integration*> by_id;
  for (const auto& i : *integrations) by_id[i.id] = &i;
  std::map<int64_t, json::array> arrays;
  for (const auto& m : *matchers) {
    auto i = by_id.find(m.integration_id);
    if (i == by_id.end() || !m.company_id) continue;
    arrays[*m.company_id].push_back(json::object{{"id", i->second->id},
                                                 {"name", i->second->name},
                                                 {"slug", i->second->slug},
                                                 {"sync_id", m.sync_id},
                                                 {"identifier", m.identifier}});
  }
  for (auto& [company, arr] : arrays) out[company] = json::serialize(arr);
  return out;
}

// Companies matched to vendor company `sync_id` (optionally in integrations of one slug).
Result<std::vector<Value>> CompaniesInIntegration(store::Tx& tx, const std::string& sync_id,
                                                  const std::optional<std::string>& slug) {
  store::Query q;
  q.Where("sync_id", store::Op::kEq, sync_id);
  auto matchers = tx.Repo<Matcher>().List(q);
  if (!matchers.ok()) return matchers.status();
  std::set<int64_t> allowed;
  if (slug && !slug->empty()) {
    auto is = tx.Repo<Integration>().List(store::Query().Where("slug", store::Op::kEq, *slug));
    if (!is.ok()) return is.status();
    for (const auto& i : *is) allowed.insert(i.id);
  }
  std::vector<Value> ids;
  for (const auto& m : *matchers)
    if (m.company_id && (allowed.empty() ? !(slug && !slug->empty()) : allowed.count(m.integration_id) > 0))
      ids.emplace_back(*m.company_id);
  return ids;
}

// The parent companies' names for a page of companies, in one query.
Result<std::map<int64_t, std::string>> ParentNames(store::Tx& tx,
                                                   const std::vector<Company>& companies) {
  std::vector<Value> ids;
  for (const auto& c : companies)
    if (c.parent_company_id) ids.emplace_back(*c.parent_company_id);
  std::map<int64_t, std::string> names;
  if (ids.empty()) return names;
  auto parents = tx.Repo<Company>().List(store::Query().WhereIn("id", ids));
  if (!parents.ok()) return parents.status();
  for (const auto& p : *parents) names[p.id] = p.name;
  return names;
}

// previous_parent: the stored parent, which is not checked again (a scoped key may keep a parent
// it cannot see).
Status Validate(store::Tx& tx, const Ctx& ctx, const Company& c, std::vector<std::string> errors,
                std::optional<int64_t> previous_parent = std::nullopt) {
  if (Trim(c.name).empty()) errors.push_back("name can't be blank");
  if (c.name.size() > 255) errors.push_back("name is too long (maximum is 255 characters)");
  if (c.parent_company_id && c.parent_company_id != previous_parent) {
    if (*c.parent_company_id == c.id && c.id != 0)
      errors.push_back("parent_company_id cannot be the company itself");
    else if (!VisibleCompany(tx, ctx, *c.parent_company_id).ok())
      errors.push_back("parent_company_id " + std::to_string(*c.parent_company_id) +
                       " is not a company");
  }
  if (!errors.empty()) return Validation(std::move(errors));
  return Status::Ok();
}

// The company as JSON text.
Result<std::string> RenderText(store::Tx& tx, const Ctx& ctx, const Company& c) {
  std::string parent;
  if (c.parent_company_id) {
    auto p = tx.Repo<Company>().Get(*c.parent_company_id);
    if (p.ok()) parent = p->name;
  }
  auto integrations = IntegrationsOf(tx, {c.id});
  if (!integrations.ok()) return integrations.status();
  std::string out;
  JsonWriter w(out);
  auto cards = IntegrationCards(tx, &ctx.cipher, "Company", {Value(c.id)}, true);
  if (!cards.ok()) return cards.status();
  WriteCompany(w, BaseUrl(ctx), c, parent, (*integrations)[c.id], (*cards)[c.id]);
  return out;
}

// The company as a JSON object, for the write paths that diff it.
Result<json::object> Render(store::Tx& tx, const Ctx& ctx, const Company& c) {
  auto text = RenderText(tx, ctx, c);
  if (!text.ok()) return text.status();
  return json::parse(*text).as_object();
}

http::Response List(Ctx& ctx) {
  auto paging = ParsePaging(ctx);
  if (!paging.ok()) return ErrorResponse(paging.status());
  store::Query q;
  AddArchivedFilter(ctx, q);
  AddCompanyScope(ctx, q, "id");
  if (auto v = ctx.Q("name")) q.Where("name", store::Op::kEqNoCase, *v);
  for (const char* exact : {"slug", "id_number", "city", "state", "website", "phone_number"})
    if (auto v = ctx.Q(exact)) q.Where(exact, store::Op::kEqNoCase, *v);
  if (auto v = ctx.Q("search"); v && !v->empty())
    q.where.push_back({"name", store::Op::kContains, {*v}, {"name", "nickname", "id_number"}});
  if (auto v = ctx.Q("id_in_integration"); v && !v->empty()) {
    // The vendor's id of the company (a matcher's sync_id), in any integration or in those of
    // `integration_slug`.
    auto ids = ctx.store.Read([&](store::Tx& tx) { return CompaniesInIntegration(tx, *v, ctx.Q("integration_slug")); });
    if (!ids.ok()) return ErrorResponse(ids.status());
    q.WhereIn("id", std::move(*ids));
  }
  if (auto st = AddTimeRange(ctx, "updated_at", "updated_at", q); !st.ok()) return ErrorResponse(st);
  if (auto st = AddTimeRange(ctx, "created_at", "created_at", q); !st.ok()) return ErrorResponse(st);
  if (auto v = ctx.Q("sort"); v && !v->empty()) {
    static const std::set<std::string> kSortable = {"id", "name", "company_type", "city", "created_at", "updated_at"};
    if (!kSortable.count(*v))
      return ErrorResponse(Validation({"sort must be one of id, name, company_type, city, created_at, updated_at"}));
    q.order_by = *v;
  }
  if (auto v = ctx.Q("direction"); v && !v->empty()) {
    if (*v != "asc" && *v != "desc") return ErrorResponse(Validation({"direction must be asc or desc"}));
    q.descending = *v == "desc";
  }
  q.Page(paging->page, paging->page_size);
  // The page depends on the query, the key's company scope and the base URL, and on nothing
  // but the companies, matchers, integrations and sync_links tables (each version only grows,
  // so their sum moves whenever any of them changes).
  std::string cache_key;
  uint64_t version = 0;
  if (ctx.cache) {
    cache_key = ctx.req.query + '|' + ctx.caller.key.company_ids + '|' + BaseUrl(ctx);
    version = ctx.store.TableVersion("companies") + ctx.store.TableVersion("matchers") +
              ctx.store.TableVersion("integrations") + ctx.store.TableVersion("sync_links");
    if (auto hit = ctx.cache->Get(cache_key, version)) return http::Response::Json(200, *hit);
  }
  auto out = ctx.store.Read([&](store::Tx& tx) -> Result<std::string> {
    auto rows = tx.Repo<Company>().List(q);
    if (!rows.ok()) return rows.status();
    auto parents = ParentNames(tx, *rows);
    if (!parents.ok()) return parents.status();
    std::vector<int64_t> ids;
    for (const auto& c : *rows) ids.push_back(c.id);
    auto integrations = IntegrationsOf(tx, ids);
    if (!integrations.ok()) return integrations.status();
    auto cards = IntegrationCards(tx, &ctx.cipher, "Company", std::vector<Value>(ids.begin(), ids.end()), true);
    if (!cards.ok()) return cards.status();
    std::string body;
    body.reserve(rows->size() * 900 + 16);
    JsonWriter w(body);
    std::string base = BaseUrl(ctx);
    w.BeginObject();
    w.Key("companies");
    w.BeginArray();
    for (const auto& c : *rows)
      WriteCompany(w, base, c, c.parent_company_id ? (*parents)[*c.parent_company_id] : "", (*integrations)[c.id],
                   (*cards)[c.id]);
    w.EndArray();
    w.EndObject();
    return body;
  });
  if (!out.ok()) return ErrorResponse(out.status());
  if (ctx.cache) ctx.cache->Put(cache_key, version, *out);
  return http::Response::Json(200, std::move(*out));
}

http::Response Get(Ctx& ctx) {
  auto id = ctx.PathId();
  if (!id.ok()) return ErrorResponse(id.status());
  auto out = ctx.store.Read([&](store::Tx& tx) -> Result<std::string> {
    auto c = VisibleCompany(tx, ctx, *id);
    if (!c.ok()) return c.status();
    return RenderText(tx, ctx, *c);
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return http::Response::Json(200, "{\"company\":" + *out + "}");
}

// Cairn's extension for integrations that push into Cairn (Rev.io, connectors/catalog.h): a
// company written with `integration_slug` and `id_in_integration` is linked to that id in the
// integration of that slug (made on first use), so that `id_in_integration` finds it and it lists
// the integration. Both or neither.
struct PushLink {
  std::string slug;
  std::string id;
};

std::optional<PushLink> ReadPushLink(const json::object& body, std::vector<std::string>& errors) {
  const auto* slug = body.if_contains("integration_slug");
  const auto* id = body.if_contains("id_in_integration");
  if (!slug && !id) return std::nullopt;
  if (!slug || !id) {
    errors.push_back("integration_slug and id_in_integration go together: send both to link the company");
    return std::nullopt;
  }
  PushLink link{AsText(*slug), AsText(*id)};
  const auto* vendor = connectors::FindVendor(link.slug);
  if (!vendor || !vendor->push_only) {
    std::string pushers;
    for (const auto& v : connectors::Vendors())
      if (v.push_only) pushers += (pushers.empty() ? "" : ", ") + std::string(v.slug);
    errors.push_back("integration_slug: \"" + link.slug + "\" is not an integration that pushes into Cairn (" + pushers +
                     "); companies of synced integrations are linked by matching them");
    return std::nullopt;
  }
  if (link.id.empty() || link.id.size() > 255) {
    errors.push_back("id_in_integration must be the integration's id of the company (1 to 255 characters)");
    return std::nullopt;
  }
  return link;
}

Status LinkPushed(store::Tx& tx, const Ctx& ctx, const PushLink& link, const Company& c) {
  const auto* vendor = connectors::FindVendor(link.slug);
  auto found = tx.Repo<Integration>().FindFirst(store::Query().Where("slug", store::Op::kEq, link.slug));
  if (!found.ok()) return found.status();
  Integration integration;
  if (*found) {
    integration = **found;
  } else {
    integration.slug = link.slug;
    integration.name = std::string(vendor->display_name);
    integration.default_layouts = "{}";
    integration.skip_types = "[]";
    integration.options = "{}";
    integration.enabled = false;  // nothing to run
    auto made = tx.Repo<Integration>().Insert(integration);
    if (!made.ok()) return made.status();
    integration = *made;
    CAIRN_RETURN_IF_ERROR(LogActivity(tx, ctx, {"created", "Integration", integration.id, integration.name, std::nullopt, "",
                                                json::object{{"slug", json::object{{"from", ""}, {"to", link.slug}}}}}));
  }
  store::Query q;
  q.Where("integration_id", store::Op::kEq, integration.id).Where("sync_id", store::Op::kEq, link.id);
  auto matcher = tx.Repo<Matcher>().FindFirst(q);
  if (!matcher.ok()) return matcher.status();
  if (*matcher && (*matcher)->company_id && *(*matcher)->company_id != c.id) {
    auto other = tx.Repo<Company>().Get(*(*matcher)->company_id);
    return Validation({"id_in_integration: " + integration.name + " id \"" + link.id + "\" is already linked to " +
                       (other.ok() ? "company \"" + other->name + "\" (" + std::to_string(other->id) + ")" : "another company")});
  }
  Matcher m = *matcher ? **matcher : Matcher{};
  std::optional<int64_t> before = m.company_id;
  m.integration_id = integration.id;
  m.sync_id = link.id;
  m.name = c.name;
  m.company_id = c.id;
  m.NoteMatch(before, ctx.clock.NowMs());
  m.potential_company_id.reset();
  m.leave_unmatched = false;
  m.active = !c.archived;
  auto saved = m.id ? tx.Repo<Matcher>().Update(m) : tx.Repo<Matcher>().Insert(m);
  return saved.ok() ? Status::Ok() : saved.status();
}

http::Response Create(Ctx& ctx) {
  if (auto st = Require(ctx, Action::kWrite, "companies"); !st.ok()) return ErrorResponse(st);
  if (ctx.caller.companies)
    return ErrorResponse(Status::Forbidden(
        "This API key is limited to specific companies and cannot create companies"));
  auto body = ParseBody(ctx, "company");
  if (!body.ok()) return ErrorResponse(body.status());
  Company c;
  std::vector<std::string> errors;
  ApplyFields(*body, c, errors);
  auto link = ReadPushLink(*body, errors);
  auto out = ctx.store.Write([&](store::Tx& tx) -> Result<json::object> {
    CAIRN_RETURN_IF_ERROR(Validate(tx, ctx, c, errors));
    auto created = tx.Repo<Company>().Insert(c);
    if (!created.ok()) return created.status();
    if (link) CAIRN_RETURN_IF_ERROR(LinkPushed(tx, ctx, *link, *created));
    auto j = Render(tx, ctx, *created);
    if (!j.ok()) return j.status();
    CAIRN_RETURN_IF_ERROR(LogActivity(tx, ctx,
                                      {"created", "Company", created->id, created->name,
                                       created->id, created->name, Diff({}, ToJson(*created))}));
    return j;
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return JsonResponse(200, Wrap("company", std::move(*out)));
}

// Shared by update, archive and unarchive: loads, changes, validates, saves and logs.
http::Response Change(Ctx& ctx, const std::string& action, const std::function<Status(Company&)>& change,
                      const std::function<Status(store::Tx&, const Company&)>& after = nullptr) {
  if (auto st = Require(ctx, Action::kWrite, "companies"); !st.ok()) return ErrorResponse(st);
  auto id = ctx.PathId();
  if (!id.ok()) return ErrorResponse(id.status());
  auto out = ctx.store.Write([&](store::Tx& tx) -> Result<json::object> {
    auto c = VisibleCompany(tx, ctx, *id, /*lock=*/true);
    if (!c.ok()) return c.status();
    Company before = *c;
    CAIRN_RETURN_IF_ERROR(change(*c));
    CAIRN_RETURN_IF_ERROR(Validate(tx, ctx, *c, {}, before.parent_company_id));
    auto saved = tx.Repo<Company>().Update(*c);
    if (!saved.ok()) return saved.status();
    if (after) CAIRN_RETURN_IF_ERROR(after(tx, *saved));
    CAIRN_RETURN_IF_ERROR(LogActivity(tx, ctx,
                                      {action, "Company", saved->id, saved->name, saved->id,
                                       saved->name, Diff(ToJson(before), ToJson(*saved))}));
    return Render(tx, ctx, *saved);
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return JsonResponse(200, Wrap("company", std::move(*out)));
}

http::Response Update(Ctx& ctx) {
  if (auto st = Require(ctx, Action::kWrite, "companies"); !st.ok()) return ErrorResponse(st);
  auto body = ParseBody(ctx, "company");
  if (!body.ok()) return ErrorResponse(body.status());
  std::optional<PushLink> link;
  return Change(
      ctx, "updated",
      [&](Company& c) {
        std::vector<std::string> errors;
        ApplyFields(*body, c, errors);
        link = ReadPushLink(*body, errors);
        if (!errors.empty()) return Validation(std::move(errors));
        return Status::Ok();
      },
      [&](store::Tx& tx, const Company& c) { return link ? LinkPushed(tx, ctx, *link, c) : Status::Ok(); });
}

// The ids of the records of type T matching `q`.
template <class T>
Result<std::vector<Value>> IdsOf(store::Tx& tx, const store::Query& q) {
  auto rows = tx.Repo<T>().List(q);
  if (!rows.ok()) return rows.status();
  std::vector<Value> ids;
  for (const auto& r : *rows) ids.emplace_back(r.id);
  return ids;
}

// Deleting a company deletes everything documented under it, in one transaction.
Status DeleteCompanyTree(store::Tx& tx, int64_t company_id) {
  auto by_company = store::Query().Where("company_id", store::Op::kEq, company_id);
  // No relation may be left pointing at a deleted record.
  std::vector<std::pair<std::string, std::vector<Value>>> related = {
      {"Company", {Value(company_id)}}};
  auto add = [&](const char* type, Result<std::vector<Value>> ids) -> Status {
    if (!ids.ok()) return ids.status();
    related.emplace_back(type, std::move(ids).value());
    return Status::Ok();
  };
  CAIRN_RETURN_IF_ERROR(add("Asset", IdsOf<Asset>(tx, by_company)));
  CAIRN_RETURN_IF_ERROR(add("AssetPassword", IdsOf<AssetPassword>(tx, by_company)));
  CAIRN_RETURN_IF_ERROR(add("Website", IdsOf<Website>(tx, by_company)));
  CAIRN_RETURN_IF_ERROR(add("Article", IdsOf<Article>(tx, by_company)));
  for (const auto& [type, ids] : related) {
    if (ids.empty()) continue;
    CAIRN_RETURN_IF_ERROR(tx.Repo<Relation>()
                              .DeleteWhere(store::Query()
                                               .Where("fromable_type", store::Op::kEq, type)
                                               .WhereIn("fromable_id", ids))
                              .status());
    CAIRN_RETURN_IF_ERROR(tx.Repo<Relation>()
                              .DeleteWhere(store::Query()
                                               .Where("toable_type", store::Op::kEq, type)
                                               .WhereIn("toable_id", ids))
                              .status());
  }
  // Synced records of the company: their cards go with them, and the vendor companies matched
  // to it become unmatched (a sync then imports nothing of them until they are matched again).
  for (const auto& [type, ids] : related) {
    if ((type != "Asset" && type != "Company") || ids.empty()) continue;
    CAIRN_RETURN_IF_ERROR(tx.Repo<SyncLink>()
                              .DeleteWhere(store::Query()
                                               .Where("record_type", store::Op::kEq, type)
                                               .WhereIn("record_id", ids))
                              .status());
  }
  auto matchers = tx.Repo<Matcher>().List(store::Query().Where("company_id", store::Op::kEq, company_id));
  if (!matchers.ok()) return matchers.status();
  for (auto m : *matchers) {
    m.company_id.reset();
    CAIRN_RETURN_IF_ERROR(tx.Repo<Matcher>().Update(m).status());
  }
  CAIRN_RETURN_IF_ERROR(tx.Repo<AssetPassword>().DeleteWhere(by_company).status());
  CAIRN_RETURN_IF_ERROR(tx.Repo<Asset>().DeleteWhere(by_company).status());
  CAIRN_RETURN_IF_ERROR(tx.Repo<Website>().DeleteWhere(by_company).status());
  CAIRN_RETURN_IF_ERROR(tx.Repo<Article>().DeleteWhere(by_company).status());
  // Folders may nest: detach children before deleting.
  auto folders = tx.Repo<Folder>().List(by_company);
  if (!folders.ok()) return folders.status();
  for (auto f : *folders) {
    f.parent_folder_id.reset();
    CAIRN_RETURN_IF_ERROR(tx.Repo<Folder>().Update(f).status());
  }
  CAIRN_RETURN_IF_ERROR(tx.Repo<Folder>().DeleteWhere(by_company).status());
  auto children = tx.Repo<Company>().List(
      store::Query().Where("parent_company_id", store::Op::kEq, company_id));
  if (!children.ok()) return children.status();
  for (auto child : *children) {
    child.parent_company_id.reset();
    CAIRN_RETURN_IF_ERROR(tx.Repo<Company>().Update(child).status());
  }
  return tx.Repo<Company>().Delete(company_id);
}

http::Response Delete(Ctx& ctx) {
  if (auto st = Require(ctx, Action::kDelete, "companies"); !st.ok()) return ErrorResponse(st);
  auto id = ctx.PathId();
  if (!id.ok()) return ErrorResponse(id.status());
  auto st = ctx.store.Write([&](store::Tx& tx) -> Status {
    auto c = VisibleCompany(tx, ctx, *id, /*lock=*/true);
    if (!c.ok()) return c.status();
    CAIRN_RETURN_IF_ERROR(DeleteCompanyTree(tx, *id));
    return LogActivity(tx, ctx, {"deleted", "Company", c->id, c->name, c->id, c->name, {}});
  });
  if (!st.ok()) return ErrorResponse(st);
  return NoContent();
}

}  // namespace

Result<json::object> RenderCompanyRecord(store::Tx& tx, const Ctx& ctx, const Company& c) { return Render(tx, ctx, c); }

void AddCompanyRoutes(Routes& r) {
  r.push_back({"GET", "/api/v1/companies", List});
  r.push_back({"POST", "/api/v1/companies", Create});
  r.push_back({"GET", "/api/v1/companies/{id}", Get});
  r.push_back({"PUT", "/api/v1/companies/{id}", Update});
  r.push_back({"PATCH", "/api/v1/companies/{id}", Update});
  r.push_back({"DELETE", "/api/v1/companies/{id}", Delete});
  r.push_back({"PUT", "/api/v1/companies/{id}/archive", [](Ctx& ctx) {
                 return Change(ctx, "archived", [](Company& c) {
                   c.archived = true;
                   return Status::Ok();
                 });
               }});
  r.push_back({"PUT", "/api/v1/companies/{id}/unarchive", [](Ctx& ctx) {
                 return Change(ctx, "unarchived", [](Company& c) {
                   c.archived = false;
                   return Status::Ok();
                 });
               }});
}

}  // namespace cairn::api
