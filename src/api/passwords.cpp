// /api/v1/asset_passwords (reference/hudu-api.md 3.4). Values are sealed with the server's master
// key before they reach the store; only keys with password access see these routes at all.
#include "api/crud.h"
#include "core/text.h"

namespace cairn::api {
namespace {

constexpr std::string_view kPasswordableTypes[] = {"Asset", "Company", "Website"};

Status Apply(store::Tx& tx, const Ctx& ctx, const json::object& body, AssetPassword& p,
             bool creating, std::vector<std::string>& errors) {
  ApplyFields(body, p, errors);
  if (const auto* v = body.if_contains("password")) {
    if (v->is_object() || v->is_array()) errors.push_back("password must be a string");
    else p.password_enc = ctx.cipher.Seal(AsText(*v));
  }
  if (const auto* v = body.if_contains("otp_secret")) {
    if (v->is_object() || v->is_array()) errors.push_back("otp_secret must be a string");
    else p.otp_secret_enc = ctx.cipher.Seal(AsText(*v));
  }
  if (Trim(p.name).empty()) errors.push_back("name can't be blank");
  if (creating && p.company_id == 0) errors.push_back("company_id can't be blank");
  if (creating && p.password_enc.empty()) errors.push_back("password can't be blank");
  if (p.passwordable_id || !p.passwordable_type.empty()) {
    bool known = false;
    for (auto t : kPasswordableTypes) known = known || p.passwordable_type == t;
    if (!known)
      errors.push_back("passwordable_type must be one of Asset, Company, Website");
    else if (!p.passwordable_id)
      errors.push_back("passwordable_id can't be blank when passwordable_type is set");
    else if (p.passwordable_type == "Asset") {
      auto a = tx.Repo<Asset>().Get(*p.passwordable_id);
      if (!a.ok() || a->company_id != p.company_id)
        errors.push_back("passwordable_id " + std::to_string(*p.passwordable_id) +
                         " is not an asset of company " + std::to_string(p.company_id));
    }
  }
  if (p.password_folder_id) {
    auto f = tx.Repo<Folder>().Get(*p.password_folder_id);
    // The folder must be the password's company's (or a shared one), never another company's.
    if (!f.ok() || (f->company_id && *f->company_id != p.company_id))
      errors.push_back("password_folder_id " + std::to_string(*p.password_folder_id) +
                       " is not a folder of company " + std::to_string(p.company_id));
  }
  return Status::Ok();
}

json::object Render(store::Tx& tx, const Ctx& ctx, const AssetPassword& p) {
  json::object o = ToJson(p, {"password_enc", "otp_secret_enc"});
  auto plain = ctx.cipher.Open(p.password_enc);
  o["password"] = plain.ok() ? json::value(*plain) : json::value(nullptr);
  auto otp = ctx.cipher.Open(p.otp_secret_enc);
  o["otp_secret"] = otp.ok() && !otp->empty() ? json::value(*otp) : json::value(nullptr);
  o["login_url"] = p.url;
  o["object_type"] = "AssetPassword";
  std::string folder_name;
  if (p.password_folder_id) {
    auto f = tx.Repo<Folder>().Get(*p.password_folder_id);
    if (f.ok()) folder_name = f->name;
  }
  o["password_folder_name"] = folder_name.empty() ? json::value(nullptr) : json::value(folder_name);
  o["url"] = "/passwords/" + p.slug;
  return o;
}

}  // namespace

json::object RenderPasswordRecord(store::Tx& tx, const Ctx& ctx, const AssetPassword& p) {
  json::object o = Render(tx, ctx, p);
  o.erase("password");  // never the secret itself
  o.erase("otp_secret");
  return o;
}

void AddPasswordRoutes(Routes& r) {
  auto spec = std::make_shared<CrudSpec<AssetPassword>>();
  spec->base = "/api/v1/asset_passwords";
  spec->singular = "asset_password";
  spec->plural = "asset_passwords";
  spec->rights = "passwords";
  spec->passwords = true;
  spec->filters = [](const Ctx& ctx, store::Query& q) -> Status {
    AddArchivedFilter(ctx, q);
    ExactFilters(ctx, q, {"name", "slug"});
    CAIRN_RETURN_IF_ERROR(IdFilters(ctx, q, {"company_id"}));
    if (auto v = ctx.Q("search"); v && !v->empty())
      q.where.push_back({"name", store::Op::kContains, {*v}, {"name", "username", "url"}});
    return AddTimeRange(ctx, "updated_at", "updated_at", q);
  };
  spec->apply = Apply;
  spec->render = Render;
  spec->company = [](const AssetPassword& p) { return std::optional<int64_t>(p.company_id); };
  Crud<AssetPassword>::AddRoutes(r, spec);
}

}  // namespace cairn::api
