// /api/v1/asset_layouts (reference/hudu-api.md 3.3): typed fields, PUT merges fields, no DELETE
// (set active to false instead).
#include "api/asset_layouts.h"

#include <algorithm>

#include "core/text.h"

namespace cairn::api {

json::object LayoutJson(const AssetLayout& l, const std::vector<LayoutField>& fields) {
  json::object o = ToJson(l, {"password_types"});
  json::array fs;
  for (const auto& f : fields) {
    json::object fo = ToJson(f, {"asset_layout_id", "created_at", "updated_at"});
    fo["linkable_type"] = f.linkable_id ? json::value("AssetLayout") : json::value(nullptr);
    fo["is_destroyed"] = false;
    fs.push_back(std::move(fo));
  }
  o["fields"] = std::move(fs);
  return o;
}

Result<std::vector<LayoutField>> LayoutFields(store::Tx& tx, int64_t layout_id) {
  store::Query q;
  q.Where("asset_layout_id", store::Op::kEq, layout_id);
  q.order_by = "position";
  return tx.Repo<LayoutField>().List(q);
}

namespace {

Status ValidateLayout(store::Tx& tx, const AssetLayout& l, std::vector<std::string>& errors) {
  if (Trim(l.name).empty()) errors.push_back("name can't be blank");
  if (!l.name.empty()) {
    auto same = tx.Repo<AssetLayout>().FindFirst(
        store::Query().Where("name", store::Op::kEqNoCase, l.name));
    if (!same.ok()) return same.status();
    if (*same && (*same)->id != l.id) errors.push_back("name has already been taken");
  }
  return Status::Ok();
}

// Applies the body's "fields" array to the layout's fields: items with an id update that field
// (or delete it when _destroy / is_destroyed is true), items without are added.
Status MergeFields(store::Tx& tx, int64_t layout_id, const json::object& body,
                   std::vector<std::string>& errors) {
  const json::value* fv = body.if_contains("fields");
  if (!fv) return Status::Ok();
  if (!fv->is_array()) {
    errors.push_back("fields must be an array of field objects");
    return Status::Ok();
  }
  auto existing = LayoutFields(tx, layout_id);
  if (!existing.ok()) return existing.status();
  std::vector<LayoutField> result = *existing;
  std::vector<LayoutField> added;
  std::vector<int64_t> destroyed;
  int64_t next_position = 0;
  for (const auto& f : result) next_position = std::max(next_position, f.position);
  size_t index = 0;
  for (const auto& item : fv->as_array()) {
    ++index;
    std::string where = "fields[" + std::to_string(index - 1) + "]";
    if (!item.is_object()) {
      errors.push_back(where + " must be an object");
      continue;
    }
    const auto& fo = item.as_object();
    std::optional<int64_t> id;
    if (const auto* idv = fo.if_contains("id"); idv && !idv->is_null()) {
      id = AsInt(*idv);
      if (!id) {
        errors.push_back(where + ".id must be a whole number");
        continue;
      }
    }
    bool destroy = false;
    for (const char* k : {"_destroy", "is_destroyed"})
      if (const auto* d = fo.if_contains(k)) destroy = destroy || AsBool(*d).value_or(false);
    LayoutField* target = nullptr;
    LayoutField fresh;
    if (id) {
      auto it = std::find_if(result.begin(), result.end(),
                             [&](const LayoutField& f) { return f.id == *id; });
      if (it == result.end()) {
        errors.push_back(where + ".id " + std::to_string(*id) + " is not a field of this layout");
        continue;
      }
      if (destroy) {
        destroyed.push_back(*id);
        result.erase(it);
        continue;
      }
      target = &*it;
    } else {
      if (destroy) continue;
      fresh.asset_layout_id = layout_id;
      fresh.position = ++next_position;
      target = &fresh;
    }
    std::vector<std::string> field_errors;
    ApplyFields(fo, *target, field_errors);
    for (auto& e : field_errors) errors.push_back(where + "." + e);
    if (Trim(target->label).empty()) errors.push_back(where + ".label can't be blank");
    else if (SnakeCase(target->label).empty())
      errors.push_back(where + ".label must contain a letter or a digit");
    if (!IsFieldType(target->field_type))
      errors.push_back(where + ".field_type '" + target->field_type +
                       "' is not one of Text, RichText, Heading, CheckBox, Number, Date, Embed, "
                       "Phone, Website, Password, Email, AssetTag, AddressData, ListSelect, "
                       "Dropdown (case-sensitive)");
    if (!id) added.push_back(fresh);
  }
  // Labels must stay unique within the layout (compared as custom_fields keys).
  std::vector<std::string> keys;
  for (const auto* list : {&result, &added})
    for (const auto& f : *list) {
      std::string key = SnakeCase(f.label);
      if (key.empty()) continue;
      if (std::find(keys.begin(), keys.end(), key) != keys.end())
        errors.push_back("fields label has already been taken: " + f.label);
      keys.push_back(key);
    }
  if (!errors.empty()) return Status::Ok();
  for (int64_t id : destroyed) CAIRN_RETURN_IF_ERROR(tx.Repo<LayoutField>().Delete(id));
  for (const auto& f : result) {
    auto before = std::find_if(existing->begin(), existing->end(),
                               [&](const LayoutField& e) { return e.id == f.id; });
    if (before != existing->end() && ToJson(*before) == ToJson(f)) continue;
    CAIRN_RETURN_IF_ERROR(tx.Repo<LayoutField>().Update(f).status());
  }
  for (const auto& f : added) CAIRN_RETURN_IF_ERROR(tx.Repo<LayoutField>().Insert(f).status());
  return Status::Ok();
}

Result<json::object> Render(store::Tx& tx, const AssetLayout& l) {
  auto fields = LayoutFields(tx, l.id);
  if (!fields.ok()) return fields.status();
  return LayoutJson(l, *fields);
}

http::Response List(Ctx& ctx) {
  auto paging = ParsePaging(ctx);
  if (!paging.ok()) return ErrorResponse(paging.status());
  store::Query q;
  if (auto v = ctx.Q("name")) q.Where("name", store::Op::kEqNoCase, *v);
  if (auto v = ctx.Q("slug")) q.Where("slug", store::Op::kEq, *v);
  if (auto v = ctx.Q("active"); v && !v->empty()) {
    auto b = AsBool(json::value(*v));
    if (!b) return ErrorResponse(Validation({"active must be true or false"}));
    q.Where("active", store::Op::kEq, int64_t{*b});
  }
  if (auto st = AddTimeRange(ctx, "updated_at", "updated_at", q); !st.ok()) return ErrorResponse(st);
  q.Page(paging->page, paging->page_size);
  auto out = ctx.store.Read([&](store::Tx& tx) -> Result<json::array> {
    auto rows = tx.Repo<AssetLayout>().List(q);
    if (!rows.ok()) return rows.status();
    json::array arr;
    for (const auto& l : *rows) {
      auto j = Render(tx, l);
      if (!j.ok()) return j.status();
      arr.push_back(std::move(*j));
    }
    return arr;
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return JsonResponse(200, Wrap("asset_layouts", std::move(*out)));
}

http::Response Get(Ctx& ctx) {
  auto id = ctx.PathId();
  if (!id.ok()) return ErrorResponse(id.status());
  auto out = ctx.store.Read([&](store::Tx& tx) -> Result<json::object> {
    auto l = tx.Repo<AssetLayout>().Get(*id);
    if (!l.ok()) return l.status();
    return Render(tx, *l);
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return JsonResponse(200, Wrap("asset_layout", std::move(*out)));
}

http::Response Save(Ctx& ctx, bool create) {
  if (auto st = Require(ctx, Action::kAdmin, "asset layouts"); !st.ok()) return ErrorResponse(st);
  if (ctx.caller.companies)
    return ErrorResponse(Status::Forbidden(
        "This API key is limited to specific companies; asset layouts are shared by all"));
  std::optional<int64_t> id;
  if (!create) {
    auto pid = ctx.PathId();
    if (!pid.ok()) return ErrorResponse(pid.status());
    id = *pid;
  }
  auto body = ParseBody(ctx, "asset_layout");
  if (!body.ok()) return ErrorResponse(body.status());
  auto out = ctx.store.Write([&](store::Tx& tx) -> Result<json::object> {
    AssetLayout layout;
    if (id) {
      auto l = tx.Repo<AssetLayout>().Lock(*id);
      if (!l.ok()) return l.status();
      layout = *l;
    }
    json::object before = id ? LayoutJson(layout, {}) : json::object();
    std::vector<std::string> errors;
    ApplyFields(*body, layout, errors);
    CAIRN_RETURN_IF_ERROR(ValidateLayout(tx, layout, errors));
    if (!errors.empty()) {
      // The fields' problems too, in one answer (MergeFields writes nothing once there are errors).
      CAIRN_RETURN_IF_ERROR(MergeFields(tx, id.value_or(0), *body, errors));
      return Validation(std::move(errors));
    }
    auto saved = id ? tx.Repo<AssetLayout>().Update(layout) : tx.Repo<AssetLayout>().Insert(layout);
    if (!saved.ok()) return saved.status();
    CAIRN_RETURN_IF_ERROR(MergeFields(tx, saved->id, *body, errors));
    if (!errors.empty()) return Validation(std::move(errors));
    auto j = Render(tx, *saved);
    if (!j.ok()) return j.status();
    json::object diff = Diff(before, LayoutJson(*saved, {}));
    if (body->contains("fields")) diff["fields"] = (*j)["fields"];
    CAIRN_RETURN_IF_ERROR(LogActivity(tx, ctx,
                                      {id ? "updated" : "created", "AssetLayout", saved->id,
                                       saved->name, std::nullopt, "", std::move(diff)}));
    return j;
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return JsonResponse(200, Wrap("asset_layout", std::move(*out)));
}

}  // namespace

void AddAssetLayoutRoutes(Routes& r) {
  r.push_back({"GET", "/api/v1/asset_layouts", List});
  r.push_back({"POST", "/api/v1/asset_layouts", [](Ctx& c) { return Save(c, true); }});
  r.push_back({"GET", "/api/v1/asset_layouts/{id}", Get});
  r.push_back({"PUT", "/api/v1/asset_layouts/{id}", [](Ctx& c) { return Save(c, false); }});
  r.push_back({"PATCH", "/api/v1/asset_layouts/{id}", [](Ctx& c) { return Save(c, false); }});
}

}  // namespace cairn::api
