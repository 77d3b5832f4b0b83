// /api/v1/users (reference/hudu-api.md 3.12), and Cairn's own user management for administrators
// (Hudu's API has none; the web UI's Admin > Users calls these):
//   POST /api/v1/users      {"user": {email, first_name, last_name, security_level, password, password_access}}
//   PUT  /api/v1/users/{id} {"user": {first_name, last_name, security_level, archived, password, password_access}}
// password_access (default true): whether the user may reveal passwords and confidential fields
// in the web UI; administrators always may.
// Only a super admin may make or change a super admin; nobody may demote or archive themselves
// (so an install always keeps an administrator). Passwords are at least 12 characters and stored
// as Argon2id hashes; archiving a user ends their sessions and keys at the next request.
#include <set>

#include "api/context.h"
#include "core/crypto.h"
#include "core/text.h"

namespace cairn::api {
namespace {

json::object UserJson(const User& u) {
  json::object o = ToJson(u, {"password_hash"});
  o["slug"] = "user-" + std::to_string(u.id);
  o["phone_number"] = nullptr;
  o["time_zone"] = "UTC";
  o["otp_required_for_login"] = false;
  o["accepted_invite"] = true;
  o["portal_member_company_id"] = nullptr;
  return o;
}

http::Response List(Ctx& ctx) {
  auto paging = ParsePaging(ctx);
  if (!paging.ok()) return ErrorResponse(paging.status());
  store::Query q;
  bool archived = AsBool(json::value(ctx.Q("archived").value_or("false"))).value_or(false);
  q.Where("archived", store::Op::kEq, int64_t{archived});
  for (const char* f : {"first_name", "last_name", "email", "security_level"})
    if (auto v = ctx.Q(f)) q.Where(f, store::Op::kEqNoCase, *v);
  if (auto v = ctx.Q("search"); v && !v->empty())
    q.where.push_back({"first_name", store::Op::kContains, {*v}, {"first_name", "last_name"}});
  q.Page(paging->page, paging->page_size);
  auto out = ctx.store.Read([&](store::Tx& tx) { return tx.Repo<User>().List(q); });
  if (!out.ok()) return ErrorResponse(out.status());
  json::array arr;
  for (const auto& u : *out) arr.push_back(UserJson(u));
  return JsonResponse(200, Wrap("users", std::move(arr)));
}

http::Response Get(Ctx& ctx) {
  auto id = ctx.PathId();
  if (!id.ok()) return ErrorResponse(id.status());
  auto u = ctx.store.Read([&](store::Tx& tx) { return tx.Repo<User>().Get(*id); });
  if (!u.ok()) return ErrorResponse(u.status());
  return JsonResponse(200, Wrap("user", UserJson(*u)));
}

// Applies a user body; problems are added to `errors`, each naming its field.
void ApplyUser(const Ctx& ctx, const json::object& body, User& u, bool creating, std::vector<std::string>& errors) {
  static const std::set<std::string_view> kFields = {"email", "first_name", "last_name", "security_level", "archived", "password",
                                                     "password_access"};
  for (const auto& [k, v] : body)
    if (!kFields.count(k))
      errors.push_back(std::string(k) +
                       " is not a field of a user (email, first_name, last_name, security_level, archived, password, password_access)");
  auto text = [&](const char* k) -> std::optional<std::string> {
    const auto* v = body.if_contains(k);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_string()) {
      errors.push_back(std::string(k) + " must be a string");
      return std::nullopt;
    }
    return std::string(Trim(v->get_string()));
  };
  if (auto e = text("email")) {
    if (!creating && ToLower(*e) != ToLower(u.email)) errors.push_back("email can't be changed (create another user)");
    u.email = *e;
  }
  if (creating && (u.email.empty() || u.email.find('@') == std::string::npos || u.email.find(' ') != std::string::npos ||
                   u.email.size() > 254))
    errors.push_back("email must be an email address, e.g. ann@example.com");
  for (auto [k, field] : {std::pair{"first_name", &User::first_name}, std::pair{"last_name", &User::last_name}})
    if (auto v = text(k)) {
      if (v->size() > 100) errors.push_back(std::string(k) + " is too long (at most 100 characters)");
      u.*field = *v;
    }
  if (auto v = text("security_level")) {
    auto role = ParseRole(*v);
    if (!role) {
      errors.push_back("security_level must be one of super_admin, admin, editor, author, spectator");
    } else {
      bool super = ctx.caller.role == Role::kSuperAdmin;
      if ((*role == Role::kSuperAdmin || u.security_level == "super_admin") && !super && *v != u.security_level)
        errors.push_back("security_level: only a super admin can make or change a super admin");
      if (!creating && u.id == ctx.caller.user.id && *role != ctx.caller.role)
        errors.push_back("security_level: you can't change your own role (ask another administrator)");
      u.security_level = *v;
    }
  } else if (creating) {
    errors.push_back("security_level can't be blank (super_admin, admin, editor, author, spectator)");
  }
  if (const auto* v = body.if_contains("archived")) {
    auto b = AsBool(*v);
    if (!b) errors.push_back("archived must be true or false");
    else if (*b && u.id == ctx.caller.user.id) errors.push_back("archived: you can't archive yourself");
    else u.archived = *b;
  }
  if (const auto* v = body.if_contains("password_access"); v && !v->is_null()) {
    auto b = AsBool(*v);
    if (!b) errors.push_back("password_access must be true or false");
    else u.password_access = *b;
  }
  if (!u.password_access && (u.security_level == "admin" || u.security_level == "super_admin"))
    errors.push_back("password_access: administrators always have access to passwords (choose another role first)");
  if (auto p = body.if_contains("password"); p && !p->is_null()) {
    if (!p->is_string()) {
      errors.push_back("password must be a string");
    } else if (!p->get_string().empty()) {
      if (p->get_string().size() < 12) errors.push_back("password is too short (at least 12 characters)");
      else if (p->get_string().size() > 1024) errors.push_back("password is too long (at most 1024 characters)");
      else if (auto h = HashPassword(p->get_string()); h.ok()) u.password_hash = *h;
      else errors.push_back("password could not be hashed");
    }
  }
}

http::Response Write(Ctx& ctx, bool creating) {
  if (auto st = Require(ctx, Action::kAdmin, "users"); !st.ok()) return ErrorResponse(st);
  if (!ctx.caller.SeesGlobal()) return ErrorResponse(Status::Forbidden("This API key is limited to some companies; users span them all"));
  auto body = ParseBody(ctx, "user");
  if (!body.ok()) return ErrorResponse(body.status());
  auto out = ctx.store.Write([&](store::Tx& tx) -> Result<User> {
    User u;
    json::object before;
    std::string old_hash;
    if (!creating) {
      auto id = ctx.PathId();
      if (!id.ok()) return id.status();
      auto found = tx.Repo<User>().Lock(*id);
      if (!found.ok()) return Status::NotFound("User not found");
      u = *found;
      before = UserJson(u);
      old_hash = u.password_hash;
      // A super admin's account (password, archive, names) is changed only by a super admin.
      if (u.security_level == "super_admin" && ctx.caller.role != Role::kSuperAdmin)
        return Status::Forbidden("Only a super admin can change a super admin's account");
    }
    std::vector<std::string> errors;
    ApplyUser(ctx, *body, u, creating, errors);
    if (creating && errors.empty()) {
      auto same = tx.Repo<User>().FindFirst(store::Query().Where("email", store::Op::kEqNoCase, u.email));
      if (!same.ok()) return same.status();
      if (*same) errors.push_back("email has already been taken");
    }
    if (!errors.empty()) return Validation(std::move(errors));
    auto saved = creating ? tx.Repo<User>().Insert(u) : tx.Repo<User>().Update(u);
    if (!saved.ok()) return saved.status();
    // A new password or an archive signs the user out everywhere (a stolen session ends with it).
    bool password_changed = !creating && saved->password_hash != old_hash;
    if (!creating && (saved->archived || password_changed))
      CAIRN_RETURN_IF_ERROR(tx.Repo<WebSession>().DeleteWhere(store::Query().Where("user_id", store::Op::kEq, saved->id)).status());
    json::object after = UserJson(*saved);
    json::object details = creating ? json::object{} : Diff(before, after);
    details.erase("password_hash");
    if (body->contains("password") && !creating) details["password"] = "changed";
    CAIRN_RETURN_IF_ERROR(LogActivity(tx, ctx, {creating ? "created" : "updated", "User", saved->id, saved->email,
                                                std::nullopt, "", std::move(details)}));
    return saved;
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return JsonResponse(creating ? 201 : 200, Wrap("user", UserJson(*out)));
}

}  // namespace

void AddUserRoutes(Routes& r) {
  r.push_back({"GET", "/api/v1/users", List});
  r.push_back({"GET", "/api/v1/users/{id}", Get});
  r.push_back({"POST", "/api/v1/users", [](Ctx& c) { return Write(c, true); }});
  r.push_back({"PUT", "/api/v1/users/{id}", [](Ctx& c) { return Write(c, false); }});
}

}  // namespace cairn::api
