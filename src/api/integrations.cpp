// /api/v1/integrations (issue 4): Cairn's own resource, not Hudu's. An integration names a vendor
// (connectors/catalog.h), its credentials (write-only: sealed at rest, secrets shown masked, never
// returned), the default layout per kind of record, the vendor types to skip, the vendor's
// options, the schedule and the enabled flag. Administrators only, reads included.
#include <set>

#include "api/integrations.h"

#include "api/crud.h"
#include "connectors/catalog.h"
#include "connectors/connection.h"
#include "core/text.h"

namespace cairn::api {
namespace {

using connectors::CredentialField;
using connectors::VendorInfo;

constexpr int64_t kMinInterval = 5;
constexpr int64_t kMaxInterval = 7 * 24 * 60;
constexpr size_t kMaxCredentialLength = 4096;
constexpr size_t kMaxSkipTypes = 500;
constexpr std::string_view kMask = "********";

json::object ParseObject(const std::string& text) {
  json::error_code ec;
  auto v = json::parse(text.empty() ? std::string_view("{}") : std::string_view(text), ec);
  return !ec && v.is_object() ? v.as_object() : json::object{};
}

json::array ParseArray(const std::string& text) {
  json::error_code ec;
  auto v = json::parse(text.empty() ? std::string_view("[]") : std::string_view(text), ec);
  return !ec && v.is_array() ? v.as_array() : json::array{};
}

json::object OpenCredentials(const Cipher& cipher, const Integration& i) {
  if (i.credentials_enc.empty()) return {};
  auto plain = cipher.Open(i.credentials_enc);
  return plain.ok() ? ParseObject(*plain) : json::object{};
}

void ApplyCredentials(const Cipher& cipher, const VendorInfo& vendor, const json::value& given,
                      Integration& row, std::vector<std::string>& errors) {
  if (!given.is_object()) {
    errors.push_back("credentials must be an object");
    return;
  }
  // Omitted fields keep their stored value, so a secret need not be re-entered to change a host.
  json::object creds = OpenCredentials(cipher, row);
  for (const auto& [k, v] : given.as_object()) {
    std::string key(k);
    const CredentialField* field = nullptr;
    for (const auto& f : vendor.credentials)
      if (f.name == key) field = &f;
    if (!field) {
      std::string names;
      for (const auto& f : vendor.credentials) names += (names.empty() ? "" : ", ") + std::string(f.name);
      errors.push_back("credentials." + key + " is not a " + std::string(vendor.display_name) +
                       " credential (" + names + ")");
      continue;
    }
    if (!v.is_string() && !v.is_null()) {
      errors.push_back("credentials." + key + " must be a string");
      continue;
    }
    std::string value = v.is_null() ? "" : std::string(Trim(std::string(v.as_string())));
    if (value.size() > kMaxCredentialLength) {
      errors.push_back("credentials." + key + " is too long (at most 4096 characters)");
      continue;
    }
    // The mask shown back by the API means "unchanged" when a client echoes it.
    if (field->kind == CredentialField::Kind::kSecret && value == kMask) continue;
    creds[key] = value;
  }
  for (const auto& f : vendor.credentials) {
    std::string value;
    if (const auto* v = creds.if_contains(f.name); v && v->is_string()) value = std::string(v->as_string());
    std::string name = "credentials." + std::string(f.name);
    if (value.empty()) {
      if (f.required) errors.push_back(name + " can't be blank");
      continue;
    }
    std::optional<std::string> bad;
    if (f.kind == CredentialField::Kind::kHost) bad = connectors::CheckHost(value, f.example);
    if (f.kind == CredentialField::Kind::kUrl) bad = connectors::CheckUrl(value, f.example);
    if (bad) errors.push_back(name + " " + *bad);
  }
  row.credentials_enc = cipher.Seal(json::serialize(creds));
}

void ApplyLayouts(store::Tx& tx, const VendorInfo& vendor, const json::value* given, Integration& row,
                  std::vector<std::string>& errors) {
  json::object layouts = ParseObject(row.default_layouts);
  if (given) {
    if (!given->is_object()) {
      errors.push_back("default_layouts must be an object {kind: layout id}");
      return;
    }
    for (const auto& [k, v] : given->as_object()) {
      std::string kind(k);
      bool known = false;
      for (auto lk : vendor.layout_kinds) known = known || lk == kind;
      if (!known) {
        std::string kinds;
        for (auto lk : vendor.layout_kinds) kinds += (kinds.empty() ? "" : ", ") + std::string(lk);
        errors.push_back("default_layouts." + kind + " is not a kind " + std::string(vendor.display_name) +
                         " brings (" + kinds + ")");
        continue;
      }
      auto id = AsInt(v);
      if (!id || *id <= 0) {
        errors.push_back("default_layouts." + kind + " must be an asset layout id");
        continue;
      }
      layouts[kind] = *id;
    }
  }
  for (auto lk : vendor.layout_kinds) {
    std::string name = "default_layouts." + std::string(lk);
    const auto* v = layouts.if_contains(lk);
    if (!v || !v->is_int64()) {
      errors.push_back(name + " can't be blank (the layout for " + std::string(lk) + " without a sort rule)");
      continue;
    }
    auto layout = tx.Repo<AssetLayout>().Get(v->as_int64());
    if (!layout.ok()) errors.push_back(name + ": asset layout " + std::to_string(v->as_int64()) + " does not exist");
    else if (!layout->active)
      errors.push_back(name + ": asset layout \"" + layout->name + "\" is not active; activate it or choose another");
  }
  row.default_layouts = json::serialize(layouts);
}

}  // namespace

Status ApplyIntegration(store::Tx& tx, const Cipher& cipher, const json::object& body, Integration& row, bool creating,
             std::vector<std::string>& errors) {
  static const std::set<std::string_view> kFields = {"slug", "name", "credentials", "default_layouts",
                                                     "skip_types", "options", "interval_minutes", "enabled"};
  for (const auto& [k, v] : body)
    if (!kFields.count(k))
      errors.push_back(std::string(k) + " is not a field of an integration (slug, name, credentials, "
                                        "default_layouts, skip_types, options, interval_minutes, enabled)");
  if (const auto* v = body.if_contains("slug")) {
    std::string slug = v->is_string() ? std::string(v->as_string()) : "";
    if (creating) row.slug = slug;
    else if (slug != row.slug)
      errors.push_back("slug can't be changed (this integration is " + row.slug + "; create another one)");
  }
  const VendorInfo* vendor = connectors::FindVendor(row.slug);
  if (!vendor) {
    errors.push_back(row.slug.empty() ? "slug can't be blank (" + connectors::VendorSlugs() + ")"
                                      : "slug \"" + row.slug + "\" is not a vendor Cairn syncs from (" +
                                            connectors::VendorSlugs() + ")");
    return Status::Ok();
  }
  if (const auto* v = body.if_contains("name")) {
    if (!v->is_string()) errors.push_back("name must be a string");
    else row.name = std::string(Trim(std::string(v->as_string())));
  }
  if (row.name.empty()) row.name = std::string(vendor->display_name);
  if (row.name.size() > 255) errors.push_back("name is too long (at most 255 characters)");

  if (const auto* v = body.if_contains("credentials")) ApplyCredentials(cipher, *vendor, *v, row, errors);
  else if (creating) ApplyCredentials(cipher, *vendor, json::object{}, row, errors);

  ApplyLayouts(tx, *vendor, body.if_contains("default_layouts"), row, errors);

  if (const auto* v = body.if_contains("skip_types")) {
    json::array types;
    if (!v->is_array()) {
      errors.push_back("skip_types must be an array of type names");
    } else if (v->as_array().size() > kMaxSkipTypes) {
      errors.push_back("skip_types has more than 500 entries");
    } else {
      std::set<std::string> seen;
      for (const auto& t : v->as_array()) {
        if (!t.is_string() || Trim(std::string(t.as_string())).empty()) {
          errors.push_back("skip_types must contain only non-blank type names");
          break;
        }
        std::string name(Trim(std::string(t.as_string())));
        if (seen.insert(ToLower(name)).second) types.push_back(json::string(name));
      }
    }
    row.skip_types = json::serialize(types);
  } else if (creating) {
    row.skip_types = "[]";
  }

  json::object options = ParseObject(row.options);
  if (const auto* v = body.if_contains("options")) {
    if (!v->is_object()) {
      errors.push_back("options must be an object {option: true|false}");
    } else {
      for (const auto& [k, val] : v->as_object()) {
        bool known = false;
        for (auto o : vendor->options) known = known || o == k;
        if (!known) {
          std::string names;
          for (auto o : vendor->options) names += (names.empty() ? "" : ", ") + std::string(o);
          errors.push_back("options." + std::string(k) + " is not an option of " +
                           std::string(vendor->display_name) + " (" + names + ")");
          continue;
        }
        auto b = AsBool(val);
        if (!b) errors.push_back("options." + std::string(k) + " must be true or false");
        else options[k] = *b;
      }
    }
  }
  json::object complete;
  for (auto o : vendor->options) {
    const auto* v = options.if_contains(o);
    complete[o] = v && v->is_bool() && v->as_bool();
  }
  row.options = json::serialize(complete);

  if (const auto* v = body.if_contains("interval_minutes")) {
    auto n = AsInt(*v);
    if (!n || *n < kMinInterval || *n > kMaxInterval)
      errors.push_back("interval_minutes must be a whole number of minutes from 5 to 10080 (a week)");
    else row.interval_minutes = *n;
  }
  if (const auto* v = body.if_contains("enabled")) {
    auto b = AsBool(*v);
    if (!b) errors.push_back("enabled must be true or false");
    else row.enabled = *b;
  }
  return Status::Ok();
}

json::object RenderIntegration(const Cipher& cipher, const Integration& i) {
  json::object o;
  o["id"] = i.id;
  o["slug"] = i.slug;
  const VendorInfo* vendor = connectors::FindVendor(i.slug);
  o["vendor"] = vendor ? std::string(vendor->display_name) : i.slug;
  o["name"] = i.name;
  json::object stored = OpenCredentials(cipher, i);
  json::object shown;
  if (vendor) {
    for (const auto& f : vendor->credentials) {
      std::string value;
      if (const auto* v = stored.if_contains(f.name); v && v->is_string()) value = std::string(v->as_string());
      if (f.kind == CredentialField::Kind::kSecret) shown[f.name] = value.empty() ? "" : std::string(kMask);
      else shown[f.name] = value;
    }
  }
  o["credentials"] = std::move(shown);
  o["default_layouts"] = ParseObject(i.default_layouts);
  o["skip_types"] = ParseArray(i.skip_types);
  o["options"] = ParseObject(i.options);
  o["interval_minutes"] = i.interval_minutes;
  o["enabled"] = i.enabled;
  json::object row = ToJson(i, {"credentials_enc", "default_layouts", "skip_types", "options"});
  o["created_at"] = row["created_at"];
  o["updated_at"] = row["updated_at"];
  return o;
}

json::object CredentialsOf(const Cipher& cipher, const Integration& i) { return OpenCredentials(cipher, i); }

namespace {

Status Apply(store::Tx& tx, const Ctx& ctx, const json::object& body, Integration& row, bool creating,
             std::vector<std::string>& errors) {
  return ApplyIntegration(tx, ctx.cipher, body, row, creating, errors);
}

json::object Render(store::Tx&, const Ctx& ctx, const Integration& i) { return RenderIntegration(ctx.cipher, i); }


}  // namespace

void AddIntegrationRoutes(Routes& r) {
  auto spec = std::make_shared<CrudSpec<Integration>>();
  spec->base = "/api/v1/integrations";
  spec->singular = "integration";
  spec->plural = "integrations";
  spec->rights = "integrations";
  spec->archive_routes = false;
  spec->admin_only = true;
  spec->global = true;
  spec->filters = [](const Ctx& ctx, store::Query& q) -> Status {
    ExactFilters(ctx, q, {"slug", "name"});
    return Status::Ok();
  };
  spec->apply = Apply;
  spec->render = Render;
  spec->company = [](const Integration&) { return std::optional<int64_t>(); };
  // Deleting an integration keeps what it documented (assets, companies) and drops what is its
  // own: matchers, cards, runs and their reports. Not while one of its runs is under way.
  spec->before_delete = [](store::Tx& tx, const Integration& i) -> Status {
    auto by_integration = store::Query().Where("integration_id", store::Op::kEq, i.id);
    auto busy = tx.Repo<SyncRun>().FindFirst(
        store::Query(by_integration).WhereIn("state", {std::string("queued"), std::string("running")}));
    if (!busy.ok()) return busy.status();
    if (*busy)
      return Status::Conflict("run " + std::to_string((*busy)->id) + " of this integration is " + (*busy)->state +
                              "; stop it first");
    auto runs = tx.Repo<SyncRun>().List(by_integration);
    if (!runs.ok()) return runs.status();
    std::vector<Value> run_ids;
    for (const auto& run : *runs) run_ids.emplace_back(run.id);
    if (!run_ids.empty())
      CAIRN_RETURN_IF_ERROR(tx.Repo<SyncChange>().DeleteWhere(store::Query().WhereIn("run_id", run_ids)).status());
    CAIRN_RETURN_IF_ERROR(tx.Repo<SyncRun>().DeleteWhere(by_integration).status());
    CAIRN_RETURN_IF_ERROR(tx.Repo<SyncLink>().DeleteWhere(by_integration).status());
    CAIRN_RETURN_IF_ERROR(tx.Repo<KbLink>().DeleteWhere(by_integration).status());
    CAIRN_RETURN_IF_ERROR(tx.Repo<SortRule>().DeleteWhere(by_integration).status());
    CAIRN_RETURN_IF_ERROR(tx.Repo<ConnectedField>().DeleteWhere(by_integration).status());
    return tx.Repo<Matcher>().DeleteWhere(by_integration).status();
  };
  Crud<Integration>::AddRoutes(r, spec);

  // Test connection: the vendor's answer in words, 200 whether or not it connects.
  r.push_back({"POST", "/api/v1/integrations/{id}/test", [](Ctx& ctx) {
                 if (auto st = Require(ctx, Action::kAdmin, "integrations"); !st.ok()) return ErrorResponse(st);
                 if (!ctx.caller.SeesGlobal()) return ErrorResponse(Status::NotFound("Integration not found"));
                 auto id = ctx.PathId();
                 if (!id.ok()) return ErrorResponse(id.status());
                 auto row = ctx.store.Read([&](store::Tx& tx) { return tx.Repo<Integration>().Get(*id); });
                 if (!row.ok()) return ErrorResponse(row.status());
                 connectors::VendorClientOptions options;
                 options.ca_file = ctx.options.vendor_ca_file;
                 options.max_attempts = 2;
                 options.timeout = std::chrono::seconds(15);
                 auto result = connectors::CheckConnection(row->slug, OpenCredentials(ctx.cipher, *row), options);
                 return JsonResponse(200, json::object{{"ok", result.ok}, {"message", result.message}});
               }});
}

}  // namespace cairn::api
