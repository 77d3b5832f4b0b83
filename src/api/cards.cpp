// Integration cards (issue 4; reference/hudu-api.md 3.11): each synced vendor record's own view
// on its asset or company, found by the vendor's id; jumps from a vendor's id to the record; a
// card re-sync; and the /links/<vendor>/org/<vendor company id> redirect vendors link to.
#include "api/context.h"
#include "api/integrations.h"
#include "connectors/catalog.h"
#include "sync/engine.h"

namespace cairn::api {
namespace {

json::value ParseJson(const std::string& text) {
  json::error_code ec;
  auto v = json::parse(text, ec);
  return ec ? json::value(json::object{}) : v;
}

// The vendor slug a /links/ path or a request names: the slug itself or the vendor's own name
// ("connectwise" is cw_manage, as the ConnectWise guide links it; "pulseway" is pulseway_rmm).
std::string SlugOf(std::string_view name) {
  std::string n(name);
  if (n == "connectwise" || n == "cw" || n == "manage") return "cw_manage";
  if (n == "pulseway") return "pulseway_rmm";
  if (n == "halopsa") return "halo";
  return n;
}

struct Lookup {
  std::string slug;
  std::optional<std::string> sync_id;     // integration_id: the vendor's id
  std::optional<std::string> identifier;  // integration_identifier: the serial (cards) or code (companies)
  std::optional<std::string> kind;        // integration_type
};

Result<Lookup> ParseLookup(const Ctx& ctx) {
  Lookup l;
  auto slug = ctx.Q("integration_slug");
  if (!slug || slug->empty()) return Status::Invalid("integration_slug is required (" + connectors::VendorSlugs() + ")");
  l.slug = SlugOf(*slug);
  if (auto v = ctx.Q("integration_id"); v && !v->empty()) l.sync_id = *v;
  if (auto v = ctx.Q("integration_identifier"); v && !v->empty()) l.identifier = *v;
  if (auto v = ctx.Q("integration_type"); v && !v->empty()) l.kind = *v;
  if (!l.sync_id && !l.identifier) return Status::Invalid("integration_id or integration_identifier is required");
  return l;
}

Result<std::vector<Integration>> IntegrationsWithSlug(store::Tx& tx, const std::string& slug) {
  return tx.Repo<Integration>().List(store::Query().Where("slug", store::Op::kEq, slug));
}

// The cards matching a lookup that the caller may see.
Result<json::array> FindCards(store::Tx& tx, const Ctx& ctx, const Lookup& l, std::vector<SyncLink>* links = nullptr) {
  auto integrations = IntegrationsWithSlug(tx, l.slug);
  if (!integrations.ok()) return integrations.status();
  json::array out;
  for (const auto& i : *integrations) {
    store::Query q;
    q.Where("integration_id", store::Op::kEq, i.id);
    if (l.sync_id) q.Where("sync_id", store::Op::kEq, *l.sync_id);
    if (l.identifier) q.Where("serial", store::Op::kEqNoCase, *l.identifier);
    if (l.kind) q.Where("kind", store::Op::kEq, *l.kind);
    q.limit = 100;
    auto rows = tx.Repo<SyncLink>().List(q);
    if (!rows.ok()) return rows.status();
    for (const auto& link : *rows) {
      // A company-scoped key sees the cards of its companies only.
      std::optional<int64_t> company;
      if (link.record_id && link.record_type == "Company") company = link.record_id;
      if (link.record_id && link.record_type == "Asset")
        if (auto a = tx.Repo<Asset>().Get(*link.record_id); a.ok()) company = a->company_id;
      if (!company || !ctx.caller.SeesCompany(company)) continue;
      out.push_back(RenderCard(i, link, CardLink(&ctx.cipher, i, link)));
      if (links) links->push_back(link);
    }
  }
  return out;
}

http::Response Redirect(const std::string& location) {
  http::Response r;
  r.status = 302;
  r.headers.emplace_back("Location", location);
  r.body = json::serialize(json::object{{"location", location}});
  return r;
}

http::Response CardsLookup(Ctx& ctx) {
  auto l = ParseLookup(ctx);
  if (!l.ok()) return ErrorResponse(l.status());
  auto cards = ctx.store.Read([&](store::Tx& tx) { return FindCards(tx, ctx, *l); });
  if (!cards.ok()) return ErrorResponse(cards.status());
  return JsonResponse(200, json::object{{"integrator_cards", std::move(*cards)}});
}

http::Response CardsJump(Ctx& ctx) {
  auto l = ParseLookup(ctx);
  if (!l.ok()) return ErrorResponse(l.status());
  auto target = ctx.store.Read([&](store::Tx& tx) -> Result<std::string> {
    std::vector<SyncLink> links;
    auto cards = FindCards(tx, ctx, *l, &links);
    if (!cards.ok()) return cards.status();
    for (const auto& link : links) {
      if (link.record_type == "Asset")
        if (auto a = tx.Repo<Asset>().Get(*link.record_id); a.ok()) return BaseUrl(ctx) + "/a/" + a->slug;
      if (link.record_type == "Company")
        if (auto c = tx.Repo<Company>().Get(*link.record_id); c.ok()) return BaseUrl(ctx) + "/c/" + c->slug;
    }
    return Status::NotFound("No record has that card");
  });
  if (!target.ok()) return ErrorResponse(target.status());
  return Redirect(*target);
}

// The company matched to a vendor company, by its id (sync_id) or code (identifier).
Result<Company> MatchedCompany(store::Tx& tx, const Ctx* ctx, const std::string& slug,
                               const std::optional<std::string>& sync_id, const std::optional<std::string>& identifier) {
  auto integrations = IntegrationsWithSlug(tx, slug);
  if (!integrations.ok()) return integrations.status();
  for (const auto& i : *integrations) {
    store::Query q;
    q.Where("integration_id", store::Op::kEq, i.id);
    if (sync_id) q.Where("sync_id", store::Op::kEq, *sync_id);
    if (identifier) q.Where("identifier", store::Op::kEqNoCase, *identifier);
    auto m = tx.Repo<Matcher>().FindFirst(q);
    if (!m.ok()) return m.status();
    if (!*m || !(*m)->company_id) continue;
    auto c = tx.Repo<Company>().Get(*(*m)->company_id);
    if (!c.ok()) continue;
    if (ctx && !ctx->caller.SeesCompany(c->id)) continue;
    return c;
  }
  return Status::NotFound("No company is matched to that " + slug + " company");
}

http::Response CompaniesJump(Ctx& ctx) {
  auto l = ParseLookup(ctx);
  if (!l.ok()) return ErrorResponse(l.status());
  auto c = ctx.store.Read([&](store::Tx& tx) { return MatchedCompany(tx, &ctx, l->slug, l->sync_id, l->identifier); });
  if (!c.ok()) return ErrorResponse(c.status());
  return Redirect(BaseUrl(ctx) + "/c/" + c->slug);
}

http::Response Resync(Ctx& ctx) {
  if (auto st = Require(ctx, Action::kWrite, "integration cards"); !st.ok()) return ErrorResponse(st);
  auto id = ctx.PathId();
  if (!id.ok()) return ErrorResponse(id.status());
  // The caller must see the card's record.
  auto visible = ctx.store.Read([&](store::Tx& tx) -> Status {
    auto link = tx.Repo<SyncLink>().Get(*id);
    if (!link.ok()) return Status::NotFound("Card not found");
    std::optional<int64_t> company;
    if (link->record_id && link->record_type == "Company") company = link->record_id;
    if (link->record_id && link->record_type == "Asset")
      if (auto a = tx.Repo<Asset>().Get(*link->record_id); a.ok()) company = a->company_id;
    if (!company || !ctx.caller.SeesCompany(company)) return Status::NotFound("Card not found");
    return Status::Ok();
  });
  if (!visible.ok()) return ErrorResponse(visible);
  if (!ctx.options.engine) return ErrorResponse(Status::Unavailable("the sync engine is not running on this server"));
  auto link = ctx.options.engine->ResyncCard(*id);
  if (!link.ok()) return ErrorResponse(link.status().code() == Code::kNotFound ? link.status()
                                                                               : Status::Unavailable(link.status().message()));
  auto out = ctx.store.Read([&](store::Tx& tx) -> Result<json::object> {
    auto i = tx.Repo<Integration>().Get(link->integration_id);
    if (!i.ok()) return i.status();
    return RenderCard(*i, *link, CardLink(&ctx.cipher, *i, *link));
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return JsonResponse(200, json::object{{"integrator_card", std::move(*out)}});
}

}  // namespace

std::string CardLink(const Cipher* cipher, const Integration& i, const SyncLink& l) {
  if (!cipher) return "";
  json::object creds = CredentialsOf(*cipher, i);
  return connectors::VendorRecordUrl(
      i.slug,
      [&](std::string_view k) {
        const auto* v = creds.if_contains(k);
        return v && v->is_string() ? std::string(v->as_string()) : std::string();
      },
      l.kind, l.sync_id);
}

json::object RenderCard(const Integration& i, const SyncLink& l, const std::string& link) {
  return json::object{{"id", l.id},
                      {"integrator_id", i.id},
                      {"integrator_name", i.slug},
                      {"integration_name", i.name},
                      {"link", link},
                      {"primary_field", l.name},
                      {"data", ParseJson(l.card)},
                      {"sync_type", l.kind},
                      {"sync_id", l.sync_id},
                      {"sync_identifier", l.serial},
                      {"record_type", l.record_type},
                      {"record_id", l.record_id ? json::value(*l.record_id) : json::value(nullptr)},
                      {"active_at_vendor", l.active && !l.gone},
                      {"gone", l.gone}};
}


Result<std::map<int64_t, std::string>> IntegrationCards(store::Tx& tx, const Cipher* cipher, const std::string& record_type,
                                                        const std::vector<Value>& ids, bool active_only) {
  std::map<int64_t, std::string> out;
  if (ids.empty()) return out;
  auto links = tx.Repo<SyncLink>().List(
      store::Query().Where("record_type", store::Op::kEq, record_type).WhereIn("record_id", ids));
  if (!links.ok()) return links.status();
  if (links->empty()) return out;
  std::vector<Value> integration_ids;
  for (const auto& l : *links) integration_ids.emplace_back(l.integration_id);
  auto integrations = tx.Repo<Integration>().List(store::Query().WhereIn("id", integration_ids));
  if (!integrations.ok()) return integrations.status();
  std::map<int64_t, const Integration*> by_id;
  for (const auto& i : *integrations) by_id[i.id] = &i;
  // Each integration's credentials are opened once for the links of all its cards.
  std::map<int64_t, json::object> creds;
  if (cipher)
    for (const auto& i : *integrations) creds[i.id] = CredentialsOf(*cipher, i);
  std::map<int64_t, json::array> arrays;
  for (const auto& l : *links) {
    auto i = by_id.find(l.integration_id);
    if (i == by_id.end() || !l.record_id || (active_only && (!l.active || l.gone))) continue;
    std::string link;
    if (cipher) {
      const auto& c = creds[l.integration_id];
      link = connectors::VendorRecordUrl(
          i->second->slug,
          [&](std::string_view k) {
            const auto* v = c.if_contains(k);
            return v && v->is_string() ? std::string(v->as_string()) : std::string();
          },
          l.kind, l.sync_id);
    }
    arrays[*l.record_id].push_back(RenderCard(*i->second, l, link));
  }
  for (auto& [record, arr] : arrays) out[record] = json::serialize(arr);
  return out;
}


void AddCardRoutes(Routes& r) {
  r.push_back({"GET", "/api/v1/cards/lookup", CardsLookup});
  r.push_back({"GET", "/api/v1/cards/jump", CardsJump});
  r.push_back({"POST", "/api/v1/cards/{id}/resync", Resync});
  r.push_back({"GET", "/api/v1/companies/jump", CompaniesJump});
}

std::optional<http::Response> HandleVendorLink(store::Store& store, const http::Request& req, const std::string& base) {
  // /links/<vendor>/org/<vendor company id>
  std::string_view path = req.path;
  constexpr std::string_view kPrefix = "/links/";
  if (path.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  path.remove_prefix(kPrefix.size());
  auto slash = path.find('/');
  if (slash == std::string_view::npos) return ErrorResponse(404, "use /links/<vendor>/org/<vendor company id>");
  std::string slug = SlugOf(path.substr(0, slash));
  std::string_view rest = path.substr(slash + 1);
  constexpr std::string_view kOrg = "org/";
  if (rest.substr(0, kOrg.size()) != kOrg || rest.size() == kOrg.size())
    return ErrorResponse(404, "use /links/<vendor>/org/<vendor company id>");
  std::string id(rest.substr(kOrg.size()));
  if (!connectors::FindVendor(slug)) return ErrorResponse(404, "unknown vendor \"" + slug + "\" (" + connectors::VendorSlugs() + ")");
  auto c = store.Read([&](store::Tx& tx) { return MatchedCompany(tx, nullptr, slug, id, std::nullopt); });
  if (!c.ok()) return ErrorResponse(c.status());
  return Redirect(base + "/c/" + c->slug);
}

}  // namespace cairn::api
