// Sort rules and connected fields of an integration (issue 4; DESIGN.md section 1.7-1.8), and the
// vendor types and data points seen so far to choose them from:
//   /api/v1/integrations/{id}/sort_rules[/{rule_id}]        {"sort_rule": {kind, vendor_type, asset_layout_id}}
//   /api/v1/integrations/{id}/connected_fields[/{field_id}] {"connected_field": {kind, data_point,
//                                                            layout_field_id, overwrite_blank}}
//   GET /api/v1/integrations/{id}/vendor_types  {"vendor_types": {kind: [type, ...]}}
//   GET /api/v1/integrations/{id}/data_points   {"data_points": {kind: [label, ...]}}
// A rule sends records of one vendor type to a layout instead of the kind's default (records
// created from then on); a connected field refills a layout field from a card label on every
// sync. Administrators only.
#include <set>

#include "api/context.h"
#include "connectors/catalog.h"
#include "core/text.h"

namespace cairn::api {
namespace {

Status Gate(const Ctx& ctx) {
  CAIRN_RETURN_IF_ERROR(Require(ctx, Action::kAdmin, "integrations"));
  if (!ctx.caller.SeesGlobal()) return Status::Forbidden("This API key is limited to some companies; integrations span them all");
  return Status::Ok();
}

Result<Integration> LoadIntegration(store::Tx& tx, const Ctx& ctx) {
  auto id = ctx.PathId();
  if (!id.ok()) return id.status();
  auto i = tx.Repo<Integration>().Get(*id);
  if (!i.ok()) return Status::NotFound("Integration not found");
  return i;
}

void CheckKind(const Integration& i, const std::string& kind, std::vector<std::string>& errors) {
  const auto* vendor = connectors::FindVendor(i.slug);
  std::string kinds;
  bool known = false;
  for (auto k : vendor ? vendor->layout_kinds : std::vector<std::string_view>{}) {
    kinds += (kinds.empty() ? "" : ", ") + std::string(k);
    known = known || k == kind;
  }
  if (!known) errors.push_back(kind.empty() ? "kind can't be blank (" + kinds + ")" : "kind \"" + kind + "\" is not one of " + kinds);
}

json::object RenderRule(const SortRule& r) {
  return json::object{{"id", r.id},
                      {"integration_id", r.integration_id},
                      {"kind", r.kind},
                      {"vendor_type", r.vendor_type},
                      {"asset_layout_id", r.asset_layout_id}};
}

json::object RenderConnected(store::Tx& tx, const ConnectedField& c) {
  std::string label;
  if (auto f = tx.Repo<LayoutField>().Get(c.layout_field_id); f.ok()) label = f->label;
  return json::object{{"id", c.id},
                      {"integration_id", c.integration_id},
                      {"kind", c.kind},
                      {"data_point", c.data_point},
                      {"layout_field_id", c.layout_field_id},
                      {"layout_field_label", label},
                      {"overwrite_blank", c.overwrite_blank}};
}

std::string Field(const json::object& body, const char* name, std::vector<std::string>& errors) {
  const auto* v = body.if_contains(name);
  if (!v || v->is_null()) return "";
  if (!v->is_string()) {
    errors.push_back(std::string(name) + " must be a string");
    return "";
  }
  return std::string(Trim(std::string(v->as_string())));
}

// Applies a sort-rule body to `r` (all fields on create; those given on update).
Status ApplyRule(store::Tx& tx, const Integration& i, const json::object& body, SortRule& r, bool creating,
                 std::vector<std::string>& errors) {
  for (const auto& [k, v] : body)
    if (k != "kind" && k != "vendor_type" && k != "asset_layout_id")
      errors.push_back(std::string(k) + " is not a field of a sort rule (kind, vendor_type, asset_layout_id)");
  if (creating || body.contains("kind")) r.kind = Field(body, "kind", errors);
  if (creating || body.contains("vendor_type")) r.vendor_type = Field(body, "vendor_type", errors);
  CheckKind(i, r.kind, errors);
  if (r.vendor_type.empty()) errors.push_back("vendor_type can't be blank (see GET .../vendor_types)");
  if (creating || body.contains("asset_layout_id")) {
    auto id = body.if_contains("asset_layout_id") ? AsInt(body.at("asset_layout_id")) : std::nullopt;
    if (!id) errors.push_back("asset_layout_id must be an asset layout id");
    else r.asset_layout_id = *id;
  }
  if (r.asset_layout_id) {
    auto layout = tx.Repo<AssetLayout>().Get(r.asset_layout_id);
    if (!layout.ok()) errors.push_back("asset_layout_id: asset layout " + std::to_string(r.asset_layout_id) + " does not exist");
    else if (!layout->active) errors.push_back("asset_layout_id: asset layout \"" + layout->name + "\" is not active");
  }
  if (errors.empty()) {
    store::Query q;
    q.Where("integration_id", store::Op::kEq, i.id)
        .Where("kind", store::Op::kEq, r.kind)
        .Where("vendor_type", store::Op::kEqNoCase, r.vendor_type);
    auto same = tx.Repo<SortRule>().FindFirst(q);
    if (!same.ok()) return same.status();
    if (*same && (*same)->id != r.id)
      errors.push_back("vendor_type: " + r.kind + " of type \"" + r.vendor_type + "\" already have a rule (" +
                       std::to_string((*same)->id) + ")");
  }
  return Status::Ok();
}

Status ApplyConnected(store::Tx& tx, const Integration& i, const json::object& body, ConnectedField& c,
                      bool creating, std::vector<std::string>& errors) {
  for (const auto& [k, v] : body)
    if (k != "kind" && k != "data_point" && k != "layout_field_id" && k != "overwrite_blank")
      errors.push_back(std::string(k) + " is not a field of a connected field (kind, data_point, layout_field_id, overwrite_blank)");
  if (creating || body.contains("kind")) c.kind = Field(body, "kind", errors);
  if (creating || body.contains("data_point")) c.data_point = Field(body, "data_point", errors);
  CheckKind(i, c.kind, errors);
  if (c.data_point.empty()) errors.push_back("data_point can't be blank (see GET .../data_points)");
  if (creating || body.contains("layout_field_id")) {
    auto id = body.if_contains("layout_field_id") ? AsInt(body.at("layout_field_id")) : std::nullopt;
    if (!id) errors.push_back("layout_field_id must be the id of a layout field");
    else c.layout_field_id = *id;
  }
  if (c.layout_field_id && !tx.Repo<LayoutField>().Get(c.layout_field_id).ok())
    errors.push_back("layout_field_id: layout field " + std::to_string(c.layout_field_id) + " does not exist");
  if (const auto* v = body.if_contains("overwrite_blank")) {
    auto b = AsBool(*v);
    if (!b) errors.push_back("overwrite_blank must be true or false");
    else c.overwrite_blank = *b;
  }
  if (errors.empty()) {
    store::Query q;
    q.Where("integration_id", store::Op::kEq, i.id)
        .Where("kind", store::Op::kEq, c.kind)
        .Where("layout_field_id", store::Op::kEq, c.layout_field_id);
    auto same = tx.Repo<ConnectedField>().FindFirst(q);
    if (!same.ok()) return same.status();
    if (*same && (*same)->id != c.id)
      errors.push_back("layout_field_id: that field is already connected (" + std::to_string((*same)->id) + ")");
  }
  return Status::Ok();
}

// The list, create, update and delete routes of one of the two, which differ only in these.
template <class T>
struct Spec {
  const char* path;      // "sort_rules"
  const char* singular;  // "sort_rule"
  const char* model;     // "Sort rule"
  Status (*apply)(store::Tx&, const Integration&, const json::object&, T&, bool, std::vector<std::string>&);
  json::object (*render)(store::Tx&, const T&);
};

json::object RenderRuleTx(store::Tx&, const SortRule& r) { return RenderRule(r); }

template <class T>
void AddRoutes(Routes& routes, Spec<T> spec) {
  std::string base = std::string("/api/v1/integrations/{id}/") + spec.path;
  routes.push_back({"GET", base, [spec](Ctx& ctx) {
                      if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
                      auto out = ctx.store.Read([&](store::Tx& tx) -> Result<json::array> {
                        auto i = LoadIntegration(tx, ctx);
                        if (!i.ok()) return i.status();
                        auto rows = tx.Repo<T>().List(store::Query().Where("integration_id", store::Op::kEq, i->id));
                        if (!rows.ok()) return rows.status();
                        json::array arr;
                        for (const auto& r : *rows) arr.push_back(spec.render(tx, r));
                        return arr;
                      });
                      if (!out.ok()) return ErrorResponse(out.status());
                      return JsonResponse(200, Wrap(spec.path, std::move(*out)));
                    }});
  auto write = [spec](Ctx& ctx, bool creating) {
    if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
    auto body = ParseBody(ctx, spec.singular);
    if (!body.ok()) return ErrorResponse(body.status());
    auto out = ctx.store.Write([&](store::Tx& tx) -> Result<json::object> {
      auto i = LoadIntegration(tx, ctx);
      if (!i.ok()) return i.status();
      T row{};
      if (!creating) {
        auto sub = ctx.PathId("item");
        if (!sub.ok()) return sub.status();
        auto r = tx.Repo<T>().Lock(*sub);
        if (!r.ok() || r->integration_id != i->id) return Status::NotFound(std::string(spec.model) + " not found");
        row = *r;
      }
      row.integration_id = i->id;
      std::vector<std::string> errors;
      CAIRN_RETURN_IF_ERROR(spec.apply(tx, *i, *body, row, creating, errors));
      if (!errors.empty()) return Validation(std::move(errors));
      auto saved = creating ? tx.Repo<T>().Insert(row) : tx.Repo<T>().Update(row);
      if (!saved.ok()) return saved.status();
      return spec.render(tx, *saved);
    });
    if (!out.ok()) return ErrorResponse(out.status());
    return JsonResponse(200, Wrap(spec.singular, std::move(*out)));
  };
  routes.push_back({"POST", base, [write](Ctx& ctx) { return write(ctx, true); }});
  routes.push_back({"PUT", base + "/{item}", [write](Ctx& ctx) { return write(ctx, false); }});
  routes.push_back({"DELETE", base + "/{item}", [spec](Ctx& ctx) {
                      if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
                      auto st = ctx.store.Write([&](store::Tx& tx) -> Status {
                        auto i = LoadIntegration(tx, ctx);
                        if (!i.ok()) return i.status();
                        auto sub = ctx.PathId("item");
                        if (!sub.ok()) return sub.status();
                        auto r = tx.Repo<T>().Get(*sub);
                        if (!r.ok() || r->integration_id != i->id) return Status::NotFound(std::string(spec.model) + " not found");
                        return tx.Repo<T>().Delete(*sub);
                      });
                      if (!st.ok()) return ErrorResponse(st);
                      return NoContent();
                    }});
}

// Distinct vendor types (or card labels) per kind among the integration's cards.
http::Response Seen(Ctx& ctx, bool data_points) {
  if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
  auto out = ctx.store.Read([&](store::Tx& tx) -> Result<json::object> {
    auto i = LoadIntegration(tx, ctx);
    if (!i.ok()) return i.status();
    json::object by_kind;
    const auto* vendor = connectors::FindVendor(i->slug);
    for (auto kind : vendor ? vendor->layout_kinds : std::vector<std::string_view>{}) {
      std::set<std::string> values;
      // Types come from every card; labels from a sample (cards of a kind share their labels).
      store::Query q;
      q.Where("integration_id", store::Op::kEq, i->id).Where("kind", store::Op::kEq, std::string(kind));
      if (data_points) q.limit = 200;
      auto links = tx.Repo<SyncLink>().List(q);
      if (!links.ok()) return links.status();
      for (const auto& l : *links) {
        if (!data_points) {
          if (!l.vendor_type.empty()) values.insert(l.vendor_type);
          continue;
        }
        json::error_code ec;
        auto card = json::parse(l.card, ec);
        if (!ec && card.is_object())
          for (const auto& [label, v] : card.as_object()) values.insert(std::string(label));
      }
      json::array arr;
      for (const auto& v : values) arr.push_back(json::string(v));
      by_kind[kind] = std::move(arr);
    }
    return by_kind;
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return JsonResponse(200, Wrap(data_points ? "data_points" : "vendor_types", std::move(*out)));
}

}  // namespace

void AddSortRuleRoutes(Routes& r) {
  AddRoutes<SortRule>(r, {"sort_rules", "sort_rule", "Sort rule", ApplyRule, RenderRuleTx});
  AddRoutes<ConnectedField>(r, {"connected_fields", "connected_field", "Connected field", ApplyConnected, RenderConnected});
  r.push_back({"GET", "/api/v1/integrations/{id}/vendor_types", [](Ctx& ctx) { return Seen(ctx, false); }});
  r.push_back({"GET", "/api/v1/integrations/{id}/data_points", [](Ctx& ctx) { return Seen(ctx, true); }});
}

}  // namespace cairn::api
