// /api/v1/assets and /api/v1/companies/{company_id}/assets (reference/hudu-api.md 3.2).
//
// Custom field values are written as `custom_fields: [{"snake_case_label": value}, ...]` and read
// back as `fields: [{id, label, value, position}]`. Values are stored as text per layout field,
// normalised by field type (Date as YYYY-MM-DD, CheckBox as "true"/"false", Number as digits,
// AddressData/AssetTag/ListSelect as JSON text).
#include <algorithm>
#include <cstdio>

#include "api/asset_layouts.h"
#include "api/context.h"
#include "api/json_writer.h"
#include "core/text.h"

namespace cairn::api {
namespace {

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

// Normalises one custom field value for its field type; nullopt (with an error) when invalid.
// An empty result clears the value.
std::optional<std::string> NormaliseValue(const LayoutField& f, const json::value& v,
                                          std::vector<std::string>& errors) {
  const std::string& t = f.field_type;
  if (v.is_null()) return std::string();
  if (t == "CheckBox") {
    auto b = AsBool(v);
    if (!b) {
      errors.push_back(f.label + " must be true or false");
      return std::nullopt;
    }
    return std::string(*b ? "true" : "false");
  }
  if (t == "Number") {
    std::string s(Trim(AsText(v)));
    if (s.empty()) return s;
    char* end = nullptr;
    std::strtod(s.c_str(), &end);
    if (v.is_bool() || end != s.c_str() + s.size()) {
      errors.push_back(f.label + " must be a number");
      return std::nullopt;
    }
    if (f.min && std::strtod(s.c_str(), nullptr) < static_cast<double>(*f.min))
      errors.push_back(f.label + " must be at least " + std::to_string(*f.min));
    if (f.max && std::strtod(s.c_str(), nullptr) > static_cast<double>(*f.max))
      errors.push_back(f.label + " must be at most " + std::to_string(*f.max));
    return s;
  }
  if (t == "Date") {
    std::string s(Trim(AsText(v)));
    if (s.empty()) return s;
    int y = 0, m = 0, d = 0;
    char tail = 0;
    bool ok = std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 ||
              std::sscanf(s.c_str(), "%4d/%2d/%2d%c", &y, &m, &d, &tail) == 3;
    if (!ok && std::sscanf(s.c_str(), "%2d/%2d/%4d%c", &m, &d, &y, &tail) == 3) ok = y > 999;
    if (!ok && s.size() > 10 && ParseIso8601(s)) {  // a full timestamp: keep the date
      ok = std::sscanf(s.c_str(), "%4d-%2d-%2d", &y, &m, &d) == 3;
    }
    if (!ok || m < 1 || m > 12 || d < 1 || d > 31 || d > DaysInMonth(y, m)) {
      errors.push_back(f.label + " must be a date (YYYY-MM-DD, YYYY/MM/DD or MM/DD/YYYY)");
      return std::nullopt;
    }
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    return std::string(buf);
  }
  if (t == "AddressData") {
    if (v.is_object()) {
      json::object clean;
      for (const char* k :
           {"address_line_1", "address_line_2", "city", "state", "zip", "country_name"})
        if (const auto* p = v.as_object().if_contains(k)) clean[k] = AsText(*p);
      return json::serialize(clean);
    }
    if (v.is_string()) {
      if (Trim(v.as_string()).empty()) return std::string();
      boost::system::error_code ec;
      auto parsed = json::parse(v.as_string(), ec);
      if (!ec && parsed.is_object()) return NormaliseValue(f, parsed, errors);
    }
    errors.push_back(f.label + " must be an address object {address_line_1, address_line_2, "
                               "city, state, zip, country_name}");
    return std::nullopt;
  }
  if (t == "AssetTag" || t == "ListSelect") {
    const json::value* arr = &v;
    json::value parsed;
    if (v.is_string()) {
      if (Trim(v.as_string()).empty()) return std::string();
      boost::system::error_code ec;
      parsed = json::parse(v.as_string(), ec);
      if (ec) {
        // A single item given as plain text.
        parsed = json::array{json::value(v.as_string())};
      }
      arr = &parsed;
    } else if (!v.is_array()) {
      parsed = json::array{v};
      arr = &parsed;
    }
    if (!arr->is_array()) {
      errors.push_back(f.label + " must be an array");
      return std::nullopt;
    }
    json::array clean;
    for (const auto& item : arr->as_array()) {
      if (t == "AssetTag") {
        auto id = item.is_object() && item.as_object().contains("id")
                      ? AsInt(item.as_object().at("id"))
                      : AsInt(item);
        if (!id) {
          errors.push_back(f.label + " must be an array of asset ids");
          return std::nullopt;
        }
        clean.emplace_back(*id);
      } else {
        clean.emplace_back(AsText(item));
      }
    }
    return clean.empty() ? std::string() : json::serialize(clean);
  }
  if (v.is_object() || v.is_array()) {
    errors.push_back(f.label + " must be text");
    return std::nullopt;
  }
  return AsText(v);
}

// Confidential Text (field type Password) values are stored sealed with the master key, as
// {"sealed": "v1:..."}: never in plain text, never in the search index (which takes only text
// values) and shown only to keys with password access.
json::value StoredValue(const Ctx& ctx, const LayoutField& f, const std::string& v) {
  if (f.field_type == "Password") return json::object{{"sealed", ctx.cipher.Seal(v)}};
  return json::value(v);
}

const json::string* SealedText(const json::value& v) {
  if (!v.is_object()) return nullptr;
  const auto* s = v.as_object().if_contains("sealed");
  return s && s->is_string() ? &s->as_string() : nullptr;
}

// The value as the client may see it: sealed values opened with `reveal`, or null without it.
json::value Shown(const json::value& v, const Cipher* reveal) {
  const json::string* sealed = SealedText(v);
  if (!sealed) return v;
  if (!reveal) return nullptr;
  auto plain = reveal->Open(std::string_view(sealed->data(), sealed->size()));
  return plain.ok() ? json::value(*plain) : json::value(nullptr);
}

// Applies `custom_fields` from the body to the asset's stored values.
Status ApplyCustomFields(const Ctx& ctx, const json::object& body,
                         const std::vector<LayoutField>& fields, Asset& asset, bool creating,
                         std::vector<std::string>& errors) {
  boost::system::error_code ec;
  json::value stored = json::parse(asset.field_values, ec);
  if (ec || !stored.is_object()) stored = json::object();
  json::object& values = stored.as_object();
  const json::value* cf = body.if_contains("custom_fields");
  if (cf && !cf->is_null()) {
    if (cf->is_object()) {
      return Validation({"custom_fields must be an array of objects (use [ ] not { })."},
                        "Invalid custom fields");
    }
    if (!cf->is_array()) {
      return Validation({"custom_fields must be an array of objects"}, "Invalid custom fields");
    }
    std::vector<std::string> unknown;
    for (const auto& item : cf->as_array()) {
      if (!item.is_object()) {
        return Validation({"custom_fields must be an array of objects (use [ ] not { })."},
                          "Invalid custom fields");
      }
      for (const auto& kv : item.as_object()) {
        std::string key = SnakeCase(kv.key());
        auto it = std::find_if(fields.begin(), fields.end(),
                               [&](const LayoutField& f) { return SnakeCase(f.label) == key; });
        if (it == fields.end()) {
          unknown.emplace_back(kv.key());
          continue;
        }
        auto v = NormaliseValue(*it, kv.value(), errors);
        if (!v) continue;
        std::string fid = std::to_string(it->id);
        if (v->empty()) values.erase(fid);
        else values[fid] = StoredValue(ctx, *it, *v);
      }
    }
    if (!unknown.empty()) {
      std::string names;
      for (const auto& u : unknown) names += (names.empty() ? "" : ", ") + u;
      return Validation({"Invalid field names: " + names}, "Invalid custom fields");
    }
  }
  for (const auto& f : fields) {
    if (!f.required) continue;
    const auto* v = values.if_contains(std::to_string(f.id));
    if ((!v || (v->is_string() && v->as_string().empty())) && (creating || cf))
      errors.push_back(f.label + " can't be blank");
  }
  asset.field_values = json::serialize(values);
  return Status::Ok();
}

// Everything needed to render a page of assets: their companies, layouts and fields.
struct RenderCache {
  std::map<int64_t, std::string> company_names;
  std::map<int64_t, AssetLayout> layouts;
  std::map<int64_t, std::vector<LayoutField>> fields;
  std::map<int64_t, std::string> cards;  // asset id -> its integration cards, a JSON array

  // The integration cards of `assets` (Hudu's integrator card shape), in two queries.
  Status LoadCards(store::Tx& tx, const Cipher* cipher, const std::vector<Asset>& assets) {
    std::vector<Value> ids;
    for (const auto& a : assets)
      if (!cards.count(a.id)) ids.emplace_back(a.id);
    auto found = IntegrationCards(tx, cipher, "Asset", ids, false);
    if (!found.ok()) return found.status();
    for (auto& [asset, arr] : *found) cards[asset] = std::move(arr);
    return Status::Ok();
  }

  Status Load(store::Tx& tx, const Ctx& ctx, const std::vector<Asset>& assets) {
    CAIRN_RETURN_IF_ERROR(LoadCards(tx, &ctx.cipher, assets));
    std::vector<Value> company_ids, layout_ids;
    // Read the versions before the tables, so that what is cached is never older than its tag.
    uint64_t version = ctx.layouts ? ctx.store.TableVersion("asset_layouts") +
                                         ctx.store.TableVersion("asset_layout_fields")
                                   : 0;
    for (const auto& a : assets) {
      if (!company_names.count(a.company_id)) company_ids.emplace_back(a.company_id);
      if (layouts.count(a.asset_layout_id)) continue;
      // Inside a transaction that has written, the tables may differ from any cached version.
      bool cacheable = ctx.layouts && tx.writes().tables().empty();
      if (auto hit = cacheable ? ctx.layouts->Get(a.asset_layout_id, version) : nullptr) {
        layouts[hit->layout.id] = hit->layout;
        fields[hit->layout.id] = hit->fields;
      } else {
        layout_ids.emplace_back(a.asset_layout_id);
      }
    }
    if (!company_ids.empty()) {
      auto cs = tx.Repo<Company>().List(store::Query().WhereIn("id", company_ids));
      if (!cs.ok()) return cs.status();
      for (const auto& c : *cs) company_names[c.id] = c.name;
    }
    if (!layout_ids.empty()) {
      auto ls = tx.Repo<AssetLayout>().List(store::Query().WhereIn("id", layout_ids));
      if (!ls.ok()) return ls.status();
      for (const auto& l : *ls) layouts[l.id] = l;
      store::Query fq;
      fq.WhereIn("asset_layout_id", layout_ids);
      fq.order_by = "position";
      auto fs = tx.Repo<LayoutField>().List(fq);
      if (!fs.ok()) return fs.status();
      for (const auto& f : *fs) fields[f.asset_layout_id].push_back(f);
      // Inside a write transaction the rows may not be committed yet: cache only from reads.
      if (ctx.layouts && tx.writes().tables().empty())
        for (const auto& l : *ls)
          ctx.layouts->Put(version, std::make_shared<const LayoutCache::Entry>(
                                        LayoutCache::Entry{l, fields[l.id]}));
    }
    return Status::Ok();
  }
};

// Writes an asset as the API shows it.
// reveal: the cipher to open Confidential Text values with, or null to show them as null.
void WriteAsset(JsonWriter& w, const std::string& base, const Asset& a, RenderCache& cache,
                const Cipher* reveal) {
  w.BeginObject();
  WriteColumns(w, a, {"field_values"});
  w.Field("company_name", cache.company_names[a.company_id]);
  w.Field("asset_type", cache.layouts[a.asset_layout_id].name);
  w.Field("object_type", "Asset");
  w.Field("url", "/a/" + a.slug);
  w.Field("full_url", base + "/a/" + a.slug);
  w.Key("cards");
  auto cards = cache.cards.find(a.id);
  w.Raw(cards == cache.cards.end() ? std::string("[]") : cards->second);
  boost::system::error_code ec;
  json::value stored = json::parse(a.field_values, ec);
  const json::object* values = !ec && stored.is_object() ? &stored.as_object() : nullptr;
  w.Key("fields");
  w.BeginArray();
  for (const auto& f : cache.fields[a.asset_layout_id]) {
    w.BeginObject();
    w.Field("id", f.id);
    w.Field("label", f.label);
    const json::value* v = values ? values->if_contains(std::to_string(f.id)) : nullptr;
    w.Key("value");
    if (v) w.Raw(json::serialize(Shown(*v, reveal)));
    else w.Null();
    w.Field("position", f.position);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

// reveal: show Confidential Text values (only to keys with password access; never in logs).
// `cache` may be shared by the renderings of one request, so that they read each company and
// layout once.
Result<json::object> RenderOne(store::Tx& tx, const Ctx& ctx, const Asset& a, bool reveal,
                               RenderCache& cache) {
  CAIRN_RETURN_IF_ERROR(cache.Load(tx, ctx, {a}));
  std::string text;
  JsonWriter w(text);
  WriteAsset(w, BaseUrl(ctx), a, cache, reveal ? &ctx.cipher : nullptr);
  return json::parse(text).as_object();
}

Result<json::object> RenderOne(store::Tx& tx, const Ctx& ctx, const Asset& a, bool reveal) {
  RenderCache cache;
  return RenderOne(tx, ctx, a, reveal, cache);
}

// The web UI never receives them with an asset: it reveals one at a time through
// RevealConfidential, which records each reveal.
bool Reveal(const Ctx& ctx) { return ctx.caller.key.password_access && !ctx.caller.web; }

http::Response ListAssets(Ctx& ctx, std::optional<int64_t> company_id) {
  auto paging = ParsePaging(ctx);
  if (!paging.ok()) return ErrorResponse(paging.status());
  store::Query q;
  // GET /assets?id=N finds the asset whether or not it is archived, unless asked.
  if (company_id || !ctx.Q("id") || ctx.Q("archived")) AddArchivedFilter(ctx, q);
  AddCompanyScope(ctx, q);
  if (company_id) {
    q.Where("company_id", store::Op::kEq, *company_id);
  } else {
    for (const char* idp : {"company_id", "id", "asset_layout_id"}) {
      auto v = ctx.Q(idp);
      if (!v || v->empty()) continue;
      auto n = AsInt(json::value(*v));
      if (!n) return ErrorResponse(Validation({std::string(idp) + " must be a whole number"}));
      q.Where(idp, store::Op::kEq, *n);
    }
    if (auto v = ctx.Q("name")) q.Where("name", store::Op::kEqNoCase, *v);
    if (auto v = ctx.Q("primary_serial")) q.Where("primary_serial", store::Op::kEq, *v);
    if (auto v = ctx.Q("slug")) q.Where("slug", store::Op::kEq, *v);
    if (auto v = ctx.Q("search"); v && !v->empty())
      q.where.push_back({"name", store::Op::kContains, {*v}, {"name", "primary_serial"}});
    if (auto st = AddTimeRange(ctx, "updated_at", "updated_at", q); !st.ok())
      return ErrorResponse(st);
  }
  q.Page(paging->page, paging->page_size);
  auto out = ctx.store.Read([&](store::Tx& tx) -> Result<std::string> {
    // A company that does not exist (or is out of the key's scope) is a 404, not an empty list.
    if (company_id) CAIRN_RETURN_IF_ERROR(VisibleCompany(tx, ctx, *company_id).status());
    auto rows = tx.Repo<Asset>().List(q);
    if (!rows.ok()) return rows.status();
    RenderCache cache;
    CAIRN_RETURN_IF_ERROR(cache.Load(tx, ctx, *rows));
    std::string body;
    JsonWriter w(body);
    std::string base = BaseUrl(ctx);
    w.BeginObject();
    w.Key("assets");
    w.BeginArray();
    const Cipher* reveal = Reveal(ctx) ? &ctx.cipher : nullptr;
    for (const auto& a : *rows) WriteAsset(w, base, a, cache, reveal);
    w.EndArray();
    w.EndObject();
    return body;
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return http::Response::Json(200, std::move(*out));
}

// Loads the asset at /companies/{company_id}/assets/{id}, checking it belongs to that company.
Result<Asset> LoadAsset(store::Tx& tx, const Ctx& ctx, bool lock = false) {
  auto cid = ctx.PathId("company_id");
  if (!cid.ok()) return cid.status();
  auto id = ctx.PathId("id");
  if (!id.ok()) return id.status();
  auto company = VisibleCompany(tx, ctx, *cid);
  if (!company.ok()) return company.status();
  auto a = lock ? tx.Repo<Asset>().Lock(*id) : tx.Repo<Asset>().Get(*id);
  if (!a.ok()) return a.status();
  if (a->company_id != *cid) return Status::NotFound("Asset not found");
  return a;
}

http::Response GetAsset(Ctx& ctx) {
  auto out = ctx.store.Read([&](store::Tx& tx) -> Result<json::object> {
    auto a = LoadAsset(tx, ctx);
    if (!a.ok()) return a.status();
    return RenderOne(tx, ctx, *a, Reveal(ctx));
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return JsonResponse(200, Wrap("asset", std::move(*out)));
}

// GET .../assets/{id}/confidential/{field_id}: one Confidential Text value, for keys with
// password access; each call is recorded in the activity log (the field's label, never the value).
http::Response RevealConfidential(Ctx& ctx) {
  if (auto st = Require(ctx, Action::kRead, "assets"); !st.ok()) return ErrorResponse(st);
  if (auto st = RequirePasswordAccess(ctx); !st.ok()) return ErrorResponse(st);
  auto field_id = ctx.PathId("field_id");
  if (!field_id.ok()) return ErrorResponse(field_id.status());
  auto out = ctx.store.Write([&](store::Tx& tx) -> Result<json::object> {
    auto a = LoadAsset(tx, ctx);
    if (!a.ok()) return a.status();
    auto fields = LayoutFields(tx, a->asset_layout_id);
    if (!fields.ok()) return fields.status();
    auto f = std::find_if(fields->begin(), fields->end(), [&](const LayoutField& x) { return x.id == *field_id; });
    if (f == fields->end()) return Status::NotFound("Field not found in this asset's layout");
    if (f->field_type != "Password")
      return Validation({"field_id " + std::to_string(*field_id) + " (" + f->label + ") is not confidential: it is in the asset itself"});
    boost::system::error_code ec;
    json::value stored = json::parse(a->field_values, ec);
    const json::value* v = !ec && stored.is_object() ? stored.as_object().if_contains(std::to_string(f->id)) : nullptr;
    json::value shown = v ? Shown(*v, &ctx.cipher) : json::value(nullptr);
    auto company = tx.Repo<Company>().Get(a->company_id);
    CAIRN_RETURN_IF_ERROR(LogActivity(tx, ctx, {"viewed confidential field", "Asset", a->id, a->name, a->company_id,
                                                company.ok() ? company->name : "", json::object{{"field", f->label}}}));
    return json::object{{"id", f->id}, {"label", f->label}, {"value", shown}};
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return JsonResponse(200, Wrap("field", std::move(*out)));
}

void ValidateBasics(const Asset& a, std::vector<std::string>& errors) {
  if (Trim(a.name).empty()) errors.push_back("name can't be blank");
  if (a.name.size() > 255) errors.push_back("name is too long (maximum is 255 characters)");
}

http::Response CreateAsset(Ctx& ctx) {
  if (auto st = Require(ctx, Action::kWrite, "assets"); !st.ok()) return ErrorResponse(st);
  auto cid = ctx.PathId("company_id");
  if (!cid.ok()) return ErrorResponse(cid.status());
  auto body = ParseBody(ctx, "asset");
  if (!body.ok()) return ErrorResponse(body.status());
  auto out = ctx.store.Write([&](store::Tx& tx) -> Result<json::object> {
    auto company = VisibleCompany(tx, ctx, *cid);
    if (!company.ok()) return company.status();
    Asset a;
    a.company_id = *cid;
    std::vector<std::string> errors;
    ApplyFields(*body, a, errors);
    ValidateBasics(a, errors);
    if (!body->contains("asset_layout_id"))
      return Validation({"asset_layout_id can't be blank"});
    auto layout = tx.Repo<AssetLayout>().Get(a.asset_layout_id);
    if (!layout.ok()) return Validation({"asset_layout_id " + std::to_string(a.asset_layout_id) +
                                         " is not an asset layout"});
    auto fields = LayoutFields(tx, a.asset_layout_id);
    if (!fields.ok()) return fields.status();
    CAIRN_RETURN_IF_ERROR(ApplyCustomFields(ctx, *body, *fields, a, true, errors));
    if (!errors.empty()) return Validation(std::move(errors));
    auto created = tx.Repo<Asset>().Insert(a);
    if (!created.ok()) return created.status();
    // Everything the rendering needs is at hand already.
    RenderCache cache;
    cache.company_names[company->id] = company->name;
    cache.layouts[layout->id] = *layout;
    cache.fields[layout->id] = *fields;
    auto logged = RenderOne(tx, ctx, *created, false, cache);
    if (!logged.ok()) return logged.status();
    CAIRN_RETURN_IF_ERROR(LogActivity(tx, ctx,
                                      {"created", "Asset", created->id, created->name,
                                       company->id, company->name, Diff({}, *logged)}));
    return Reveal(ctx) ? RenderOne(tx, ctx, *created, true, cache) : logged;
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return JsonResponse(200, Wrap("asset", std::move(*out)));
}

http::Response ChangeAsset(Ctx& ctx, const std::string& action,
                           const std::function<Status(store::Tx&, Asset&)>& change) {
  if (auto st = Require(ctx, Action::kWrite, "assets"); !st.ok()) return ErrorResponse(st);
  auto out = ctx.store.Write([&](store::Tx& tx) -> Result<json::object> {
    auto a = LoadAsset(tx, ctx, /*lock=*/true);
    if (!a.ok()) return a.status();
    // The log compares renderings without Confidential Text values.
    RenderCache cache;
    auto before = RenderOne(tx, ctx, *a, false, cache);
    if (!before.ok()) return before.status();
    int64_t layout_before = a->asset_layout_id;
    CAIRN_RETURN_IF_ERROR(change(tx, *a));
    auto saved = tx.Repo<Asset>().Update(*a);
    if (!saved.ok()) return saved.status();
    // A move may have added fields to the target layout: read it afresh then.
    if (saved->asset_layout_id != layout_before) cache = RenderCache();
    auto logged = RenderOne(tx, ctx, *saved, false, cache);
    if (!logged.ok()) return logged.status();
    const auto* company_name = logged->if_contains("company_name");
    CAIRN_RETURN_IF_ERROR(LogActivity(
        tx, ctx,
        {action, "Asset", saved->id, saved->name, saved->company_id,
         company_name && company_name->is_string() ? std::string(company_name->as_string()) : "",
         Diff(*before, *logged)}));
    return Reveal(ctx) ? RenderOne(tx, ctx, *saved, true, cache) : logged;
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return JsonResponse(200, Wrap("asset", std::move(*out)));
}

http::Response UpdateAsset(Ctx& ctx) {
  auto body = ParseBody(ctx, "asset");
  if (!body.ok()) return ErrorResponse(body.status());
  return ChangeAsset(ctx, "updated", [&](store::Tx& tx, Asset& a) -> Status {
    std::vector<std::string> errors;
    int64_t layout_before = a.asset_layout_id;
    ApplyFields(*body, a, errors);
    if (a.asset_layout_id != layout_before) {
      // Changing layouts goes through move_layout, which carries the values across.
      errors.push_back("asset_layout_id cannot be changed here; use PUT .../move_layout");
    }
    ValidateBasics(a, errors);
    auto fields = LayoutFields(tx, a.asset_layout_id);
    if (!fields.ok()) return fields.status();
    CAIRN_RETURN_IF_ERROR(ApplyCustomFields(ctx, *body, *fields, a, false, errors));
    if (!errors.empty()) return Validation(std::move(errors));
    return Status::Ok();
  });
}

// Moves the asset to another layout: each value goes to the target field with the same label and
// type; a field the target lacks is created there.
http::Response MoveLayout(Ctx& ctx) {
  auto body = ParseBody(ctx, "asset");
  if (!body.ok()) return ErrorResponse(body.status());
  const json::value* target_v = body->if_contains("asset_layout_id");
  std::optional<int64_t> target = target_v ? AsInt(*target_v) : std::nullopt;
  if (!target) return ErrorResponse(Validation({"asset_layout_id must be a layout id"}));
  return ChangeAsset(ctx, "moved", [&](store::Tx& tx, Asset& a) -> Status {
    auto layout = tx.Repo<AssetLayout>().Get(*target);
    if (!layout.ok()) return Validation({"asset_layout_id " + std::to_string(*target) +
                                         " is not an asset layout"});
    if (a.asset_layout_id == *target) return Status::Ok();
    auto from = LayoutFields(tx, a.asset_layout_id);
    if (!from.ok()) return from.status();
    auto to = LayoutFields(tx, *target);
    if (!to.ok()) return to.status();
    boost::system::error_code ec;
    json::value stored = json::parse(a.field_values, ec);
    if (ec || !stored.is_object()) stored = json::object();
    json::object moved;
    std::vector<std::string> errors;
    int64_t position = 0;
    for (const auto& f : *to) position = std::max(position, f.position);
    for (const auto& f : *from) {
      const auto* v = stored.as_object().if_contains(std::to_string(f.id));
      if (!v) continue;
      // Fields are the same field when their custom_fields keys are ("IP Address" and
      // "ip address"), as layout labels are unique by that key.
      auto match = std::find_if(to->begin(), to->end(), [&](const LayoutField& t) {
        return SnakeCase(t.label) == SnakeCase(f.label);
      });
      int64_t target_field;
      if (match != to->end()) {
        target_field = match->id;
        if (match->field_type != f.field_type) {
          // The value must fit the target field's type ("true" from a CheckBox into Text is
          // fine, "fast" from Text into a Number is not).
          json::value plain = Shown(*v, &ctx.cipher);
          auto converted = NormaliseValue(*match, plain, errors);
          if (!converted) continue;
          if (converted->empty()) continue;
          moved[std::to_string(target_field)] = StoredValue(ctx, *match, *converted);
          continue;
        }
      } else {
        LayoutField nf = f;
        nf.id = 0;
        nf.created_at = nf.updated_at = 0;
        nf.asset_layout_id = *target;
        nf.position = ++position;
        nf.required = false;
        auto created = tx.Repo<LayoutField>().Insert(nf);
        if (!created.ok()) return created.status();
        to->push_back(*created);
        target_field = created->id;
      }
      moved[std::to_string(target_field)] = *v;
    }
    if (!errors.empty()) {
      for (auto& e : errors) e += " (in layout " + layout->name + ")";
      return Validation(std::move(errors), "The asset's values do not fit the target layout");
    }
    a.asset_layout_id = *target;
    a.field_values = json::serialize(moved);
    return Status::Ok();
  });
}

http::Response DeleteAsset(Ctx& ctx) {
  if (auto st = Require(ctx, Action::kDelete, "assets"); !st.ok()) return ErrorResponse(st);
  auto st = ctx.store.Write([&](store::Tx& tx) -> Status {
    auto a = LoadAsset(tx, ctx, /*lock=*/true);
    if (!a.ok()) return a.status();
    CAIRN_RETURN_IF_ERROR(DeleteRelationsOf(tx, "Asset", a->id));
    CAIRN_RETURN_IF_ERROR(tx.Repo<Asset>().Delete(a->id));
    auto company = tx.Repo<Company>().Get(a->company_id);
    return LogActivity(tx, ctx,
                       {"deleted", "Asset", a->id, a->name, a->company_id,
                        company.ok() ? company->name : "", {}});
  });
  if (!st.ok()) return ErrorResponse(st);
  return NoContent();
}

}  // namespace

Result<json::object> RenderAssetRecord(store::Tx& tx, const Ctx& ctx, const Asset& a) {
  return RenderOne(tx, ctx, a, /*reveal=*/false);
}

void AddAssetRoutes(Routes& r) {
  r.push_back({"GET", "/api/v1/assets", [](Ctx& c) { return ListAssets(c, std::nullopt); }});
  r.push_back({"GET", "/api/v1/companies/{company_id}/assets", [](Ctx& c) {
                 auto cid = c.PathId("company_id");
                 if (!cid.ok()) return ErrorResponse(cid.status());
                 return ListAssets(c, *cid);
               }});
  r.push_back({"POST", "/api/v1/companies/{company_id}/assets", CreateAsset});
  r.push_back({"GET", "/api/v1/companies/{company_id}/assets/{id}", GetAsset});
  r.push_back({"GET", "/api/v1/companies/{company_id}/assets/{id}/confidential/{field_id}", RevealConfidential});
  r.push_back({"PUT", "/api/v1/companies/{company_id}/assets/{id}", UpdateAsset});
  r.push_back({"PATCH", "/api/v1/companies/{company_id}/assets/{id}", UpdateAsset});
  r.push_back({"DELETE", "/api/v1/companies/{company_id}/assets/{id}", DeleteAsset});
  r.push_back({"PUT", "/api/v1/companies/{company_id}/assets/{id}/archive", [](Ctx& c) {
                 return ChangeAsset(c, "archived", [](store::Tx&, Asset& a) {
                   a.archived = true;
                   return Status::Ok();
                 });
               }});
  r.push_back({"PUT", "/api/v1/companies/{company_id}/assets/{id}/unarchive", [](Ctx& c) {
                 return ChangeAsset(c, "unarchived", [](store::Tx&, Asset& a) {
                   a.archived = false;
                   return Status::Ok();
                 });
               }});
  r.push_back({"PUT", "/api/v1/companies/{company_id}/assets/{id}/move_layout", MoveLayout});
}

}  // namespace cairn::api
