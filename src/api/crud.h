// Internal to src/api: the list/get/create/update/delete/archive routes shared by the resources
// whose only differences are their filters, validation and JSON (passwords, articles, folders,
// websites). Each resource file fills a CrudSpec and calls AddCrudRoutes.
#pragma once

#include <memory>

#include "api/context.h"

namespace cairn::api {

template <class T>
struct CrudSpec {
  std::string base;         // "/api/v1/articles"
  std::string singular;     // "article": the body wrapper and the single-record envelope
  std::string plural;       // "articles": the list envelope
  std::string rights;       // what Require() calls the resource in messages
  bool bare = false;        // bare object / bare array envelopes (websites)
  bool passwords = false;   // needs a key with password access
  bool archive_routes = true;
  bool admin_only = false;  // every route, reads included, needs an administrator's key
  bool global = false;      // no company column: keys limited to companies see none of them
  // Adds the resource's filters; an error is answered as is.
  std::function<Status(const Ctx&, store::Query&)> filters;
  // Applies the body to the row and validates it, adding field errors; an error Status is
  // answered as is.
  std::function<Status(store::Tx&, const Ctx&, const json::object&, T&, bool creating,
                       std::vector<std::string>&)>
      apply;
  std::function<json::object(store::Tx&, const Ctx&, const T&)> render;
  // The company the record belongs to, or nullopt for global records.
  std::function<std::optional<int64_t>(const T&)> company;
  // Called before a delete (e.g. to remove relations); optional.
  std::function<Status(store::Tx&, const T&)> before_delete;
  // The name shown in the activity log.
  std::function<std::string(const T&)> name = [](const T& r) { return r.name; };
};

template <class T>
class Crud {
 public:
  explicit Crud(std::shared_ptr<const CrudSpec<T>> spec) : s_(std::move(spec)) {}

  http::Response List(Ctx& ctx) const {
    if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
    auto paging = ParsePaging(ctx);
    if (!paging.ok()) return ErrorResponse(paging.status());
    if (s_->global && !ctx.caller.SeesGlobal()) return JsonResponse(200, Wrap(s_->plural, json::array{}));
    store::Query q;
    if (!s_->global) AddCompanyScope(ctx, q);
    if (s_->filters)
      if (auto st = s_->filters(ctx, q); !st.ok()) return ErrorResponse(st);
    q.Page(paging->page, paging->page_size);
    auto list = [&](store::Tx& tx) -> Result<json::array> {
      auto rows = tx.Repo<T>().List(q);
      if (!rows.ok()) return rows.status();
      json::array arr;
      arr.reserve(rows->size());
      json::array ids;
      for (const auto& r : *rows) {
        arr.push_back(s_->render(tx, ctx, r));
        ids.emplace_back(r.id);
      }
      if (s_->passwords && !ids.empty()) {
        json::object d;
        d["ids"] = std::move(ids);
        CAIRN_RETURN_IF_ERROR(LogActivity(tx, ctx,
                                          {"viewed passwords", std::string(T::Schema().model),
                                           std::nullopt, "", std::nullopt, "", std::move(d)}));
      }
      return arr;
    };
    auto out = s_->passwords ? ctx.store.Write(list) : ctx.store.Read(list);
    if (!out.ok()) return ErrorResponse(out.status());
    if (s_->bare && !out->empty()) return JsonResponse(200, *out);
    return JsonResponse(200, Wrap(s_->plural, std::move(*out)));
  }

  http::Response Get(Ctx& ctx) const {
    if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
    auto get = [&](store::Tx& tx) -> Result<json::object> {
      auto r = Load(tx, ctx);
      if (!r.ok()) return r.status();
      // Reading a secret is recorded, as a person revealing it in the web UI would be.
      if (s_->passwords) CAIRN_RETURN_IF_ERROR(Log(tx, ctx, "viewed password", *r, {}));
      return s_->render(tx, ctx, *r);
    };
    return Single(s_->passwords ? ctx.store.Write(get) : ctx.store.Read(get));
  }

  http::Response Create(Ctx& ctx) const {
    if (auto st = Gate(ctx, Action::kWrite); !st.ok()) return ErrorResponse(st);
    auto body = ParseBody(ctx, s_->singular);
    if (!body.ok()) return ErrorResponse(body.status());
    auto out = ctx.store.Write([&](store::Tx& tx) -> Result<json::object> {
      T row{};
      std::vector<std::string> errors;
      CAIRN_RETURN_IF_ERROR(s_->apply(tx, ctx, *body, row, true, errors));
      if (!errors.empty()) return Validation(std::move(errors));
      CAIRN_RETURN_IF_ERROR(CheckCompany(tx, ctx, row));
      auto created = tx.Repo<T>().Insert(row);
      if (!created.ok()) return created.status();
      json::object j = s_->render(tx, ctx, *created);
      CAIRN_RETURN_IF_ERROR(Log(tx, ctx, "created", *created, Diff({}, j)));
      return j;
    });
    return Single(out);
  }

  // Update, archive and unarchive.
  http::Response Change(Ctx& ctx, const std::string& action,
                        const std::function<Status(store::Tx&, const json::object&, T&,
                                                   std::vector<std::string>&)>& change) const {
    if (auto st = Gate(ctx, Action::kWrite); !st.ok()) return ErrorResponse(st);
    auto body = ParseBody(ctx, s_->singular);
    if (!body.ok()) return ErrorResponse(body.status());
    auto out = ctx.store.Write([&](store::Tx& tx) -> Result<json::object> {
      auto r = Load(tx, ctx, /*lock=*/true);
      if (!r.ok()) return r.status();
      json::object before = s_->render(tx, ctx, *r);
      std::vector<std::string> errors;
      CAIRN_RETURN_IF_ERROR(change(tx, *body, *r, errors));
      if (!errors.empty()) return Validation(std::move(errors));
      CAIRN_RETURN_IF_ERROR(CheckCompany(tx, ctx, *r));
      auto saved = tx.Repo<T>().Update(*r);
      if (!saved.ok()) return saved.status();
      json::object j = s_->render(tx, ctx, *saved);
      CAIRN_RETURN_IF_ERROR(Log(tx, ctx, action, *saved, Diff(before, j)));
      return j;
    });
    return Single(out);
  }

  http::Response Update(Ctx& ctx) const {
    return Change(ctx, "updated",
                  [&](store::Tx& tx, const json::object& body, T& row,
                      std::vector<std::string>& errors) {
                    return s_->apply(tx, ctx, body, row, false, errors);
                  });
  }

  http::Response SetArchived(Ctx& ctx, bool archived) const {
    return Change(ctx, archived ? "archived" : "unarchived",
                  [&](store::Tx&, const json::object&, T& row, std::vector<std::string>&) {
                    if constexpr (requires { row.archived; }) row.archived = archived;
                    return Status::Ok();
                  });
  }

  http::Response Delete(Ctx& ctx) const {
    if (auto st = Gate(ctx, Action::kDelete); !st.ok()) return ErrorResponse(st);
    auto st = ctx.store.Write([&](store::Tx& tx) -> Status {
      auto r = Load(tx, ctx, /*lock=*/true);
      if (!r.ok()) return r.status();
      if (s_->before_delete) CAIRN_RETURN_IF_ERROR(s_->before_delete(tx, *r));
      CAIRN_RETURN_IF_ERROR(DeleteRelationsOf(tx, std::string(T::Schema().model), r->id));
      CAIRN_RETURN_IF_ERROR(tx.Repo<T>().Delete(r->id));
      return Log(tx, ctx, "deleted", *r, {});
    });
    if (!st.ok()) return ErrorResponse(st);
    return NoContent();
  }

  static void AddRoutes(Routes& routes, std::shared_ptr<const CrudSpec<T>> spec) {
    auto c = std::make_shared<Crud<T>>(spec);
    const std::string& b = spec->base;
    routes.push_back({"GET", b, [c](Ctx& x) { return c->List(x); }});
    routes.push_back({"POST", b, [c](Ctx& x) { return c->Create(x); }});
    routes.push_back({"GET", b + "/{id}", [c](Ctx& x) { return c->Get(x); }});
    routes.push_back({"PUT", b + "/{id}", [c](Ctx& x) { return c->Update(x); }});
    routes.push_back({"PATCH", b + "/{id}", [c](Ctx& x) { return c->Update(x); }});
    routes.push_back({"DELETE", b + "/{id}", [c](Ctx& x) { return c->Delete(x); }});
    if (spec->archive_routes) {
      routes.push_back({"PUT", b + "/{id}/archive", [c](Ctx& x) { return c->SetArchived(x, true); }});
      routes.push_back(
          {"PUT", b + "/{id}/unarchive", [c](Ctx& x) { return c->SetArchived(x, false); }});
    }
  }

 private:
  static Status NotFound() {
    std::string_view m = T::Schema().model;
    return Status::NotFound(std::string(m == "AssetPassword" ? "Password" : m) + " not found");
  }

  Status Gate(const Ctx& ctx, Action a = Action::kRead) const {
    if (s_->passwords) CAIRN_RETURN_IF_ERROR(RequirePasswordAccess(ctx));
    if (s_->admin_only) CAIRN_RETURN_IF_ERROR(Require(ctx, Action::kAdmin, s_->rights));
    return Require(ctx, a, s_->rights);
  }

  // lock: the caller is about to change the row (see Repository::Lock).
  Result<T> Load(store::Tx& tx, const Ctx& ctx, bool lock = false) const {
    auto id = ctx.PathId();
    if (!id.ok()) return id.status();
    auto r = lock ? tx.Repo<T>().Lock(*id) : tx.Repo<T>().Get(*id);
    if (!r.ok()) return r.status();
    auto company = s_->company(*r);
    if (company ? !ctx.caller.SeesCompany(company) : !ctx.caller.SeesGlobal())
      return NotFound();
    return r;
  }

  // The record's company must exist and be visible to the caller; a scoped key cannot write
  // global records.
  Status CheckCompany(store::Tx& tx, const Ctx& ctx, const T& row) const {
    auto company = s_->company(row);
    if (!company) {
      if (!ctx.caller.SeesGlobal())
        return Status::Forbidden("This API key is limited to specific companies; company_id is "
                                 "required");
      return Status::Ok();
    }
    if (!VisibleCompany(tx, ctx, *company).ok())
      return Validation({"company_id " + std::to_string(*company) + " is not a company"});
    return Status::Ok();
  }

  Status Log(store::Tx& tx, const Ctx& ctx, const std::string& action, const T& row,
             json::object details) const {
    auto company = s_->company(row);
    std::string company_name;
    if (company) {
      auto c = tx.Repo<Company>().Get(*company);
      if (c.ok()) company_name = c->name;
    }
    // For passwords the log says which fields changed, never their values: the log is readable
    // by keys that may not read passwords.
    if (s_->passwords) {
      json::array changed;
      for (const auto& kv : details) changed.emplace_back(kv.key());
      details = json::object{{"changed", std::move(changed)}};
    }
    return LogActivity(tx, ctx,
                       {action, std::string(T::Schema().model), row.id, s_->name(row), company,
                        company_name, std::move(details)});
  }

  http::Response Single(const Result<json::object>& out) const {
    if (!out.ok()) return ErrorResponse(out.status());
    if (s_->bare) return JsonResponse(200, *out);
    return JsonResponse(200, Wrap(s_->singular, *out));
  }

  std::shared_ptr<const CrudSpec<T>> s_;
};

// Adds exact-match filters for the named query parameters.
inline void ExactFilters(const Ctx& ctx, store::Query& q, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (auto v = ctx.Q(n)) q.Where(n, store::Op::kEqNoCase, *v);
}

// Adds whole-number filters for the named query parameters; InvalidArgument naming a bad one.
inline Status IdFilters(const Ctx& ctx, store::Query& q, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    auto v = ctx.Q(n);
    if (!v || v->empty()) continue;
    auto id = AsInt(json::value(*v));
    if (!id) return Validation({std::string(n) + " must be a whole number"});
    q.Where(n, store::Op::kEq, *id);
  }
  return Status::Ok();
}

}  // namespace cairn::api
