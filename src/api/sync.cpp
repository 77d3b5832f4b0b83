// Sync runs and matchers (issue 4): starting, stopping and reading runs and their reports, and
// matching vendor companies to Cairn companies. Administrators only; company-scoped keys see
// none of it (an integration spans companies). The work itself is src/sync's Engine.
#include <set>

#include "api/crud.h"
#include "connectors/catalog.h"
#include "core/text.h"
#include "sync/engine.h"
#include "sync/names.h"

namespace cairn::api {
namespace {

constexpr int64_t kDefaultConfidence = 90;

Status Gate(const Ctx& ctx) {
  CAIRN_RETURN_IF_ERROR(Require(ctx, Action::kAdmin, "integrations"));
  if (!ctx.caller.SeesGlobal()) return Status::Forbidden("This API key is limited to some companies; integrations span them all");
  return Status::Ok();
}

sync::Engine* EngineOf(const Ctx& ctx) { return ctx.options.engine; }

json::value ParseJson(const std::string& text, json::value fallback) {
  json::error_code ec;
  auto v = json::parse(text, ec);
  return ec ? fallback : v;
}

json::object RenderRun(const SyncRun& r) {
  json::object row = ToJson(r, {"counts", "errors", "progress", "stop_requested", "full_run"});
  json::object o;
  o["id"] = r.id;
  o["integration_id"] = r.integration_id;
  o["state"] = r.state;
  o["phase"] = r.phase;
  o["dry_run"] = r.dry_run;
  o["full"] = r.full_run;
  o["trigger"] = r.trigger;
  o["counts"] = ParseJson(r.counts, json::object{});
  o["errors"] = ParseJson(r.errors, json::array{});
  o["progress"] = ParseJson(r.progress, json::object{});
  o["requests"] = r.requests;
  o["stop_requested"] = r.stop_requested;
  o["user_id"] = r.user_id ? json::value(*r.user_id) : json::value(nullptr);
  o["started_at"] = r.started_at ? row["started_at"] : json::value(nullptr);
  o["finished_at"] = r.finished_at ? row["finished_at"] : json::value(nullptr);
  o["created_at"] = row["created_at"];
  return o;
}

json::object RenderMatcher(store::Tx& tx, const Integration& i, const Matcher& m) {
  json::object o;
  o["id"] = m.id;
  o["integrator_id"] = i.id;
  o["integrator_name"] = i.slug;
  o["integration_id"] = i.id;
  o["sync_id"] = m.sync_id;
  o["identifier"] = m.identifier;
  o["name"] = m.name;
  o["active"] = m.active;
  o["potential_company_id"] = m.potential_company_id ? json::value(*m.potential_company_id) : json::value(nullptr);
  o["confidence"] = m.confidence;
  o["company_id"] = m.company_id ? json::value(*m.company_id) : json::value(nullptr);
  std::string company_name;
  if (m.company_id)
    if (auto c = tx.Repo<Company>().Get(*m.company_id); c.ok()) company_name = c->name;
  o["company_name"] = m.company_id ? json::value(company_name) : json::value(nullptr);
  o["leave_unmatched"] = m.leave_unmatched;
  o["details"] = ParseJson(m.details, json::object{});
  return o;
}

Result<Integration> LoadIntegration(store::Tx& tx, int64_t id) {
  auto i = tx.Repo<Integration>().Get(id);
  if (!i.ok()) return Status::NotFound("Integration not found");
  return i;
}

ActivityLog MatcherLog(const Ctx& ctx, const std::string& action, const Matcher& m, json::object details) {
  ActivityLog l;
  l.user_id = ctx.caller.user.id;
  l.user_email = ctx.caller.user.email;
  l.user_name = std::string(Trim(ctx.caller.user.first_name + " " + ctx.caller.user.last_name));
  l.api_key_id = ctx.caller.key.id;
  l.token = ctx.caller.key.name;
  l.action = action;
  l.record_type = "Matcher";
  l.record_id = m.id;
  l.record_name = m.name;
  l.company_id = m.company_id;
  l.details = json::serialize(details);
  l.ip_address = ctx.req.remote_ip;
  l.app_type = ctx.caller.web ? "web" : "api";
  return l;
}

// Creates a Cairn company from a matcher (its name and the vendor's details) and matches it.
Result<Company> CreateCompanyFor(store::Tx& tx, Matcher& m) {
  Company c;
  c.name = m.name.empty() ? m.sync_id : m.name;
  json::value details = ParseJson(m.details, json::object{});
  for (const char* field : {"phone_number", "website", "address_line_1", "address_line_2", "city", "state", "zip",
                            "country_name", "company_type"}) {
    if (const auto* v = details.as_object().if_contains(field); v && v->is_string()) {
      if (auto* col = Company::Schema().Find(field)) SetValue(c, *col, Value(std::string(v->as_string())));
    }
  }
  auto made = tx.Repo<Company>().Insert(c);
  if (!made.ok()) return made.status();
  m.company_id = made->id;
  m.leave_unmatched = false;
  return made;
}

http::Response StartRun(Ctx& ctx) {
  if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
  auto id = ctx.PathId();
  if (!id.ok()) return ErrorResponse(id.status());
  bool dry = false, full = false;
  if (!ctx.req.body.empty()) {
    auto body = ParseBody(ctx, "sync");
    if (!body.ok()) return ErrorResponse(body.status());
    std::vector<std::string> errors;
    for (const auto& [k, v] : *body) {
      if (k != "dry_run" && k != "full") {
        errors.push_back(std::string(k) + " is not a sync option (dry_run, full)");
        continue;
      }
      auto b = AsBool(v);
      if (!b) errors.push_back(std::string(k) + " must be true or false");
      else (k == "dry_run" ? dry : full) = *b;
    }
    if (!errors.empty()) return ErrorResponse(Validation(std::move(errors)));
  }
  auto* engine = EngineOf(ctx);
  if (!engine) return ErrorResponse(Status::Unavailable("the sync engine is not running on this server"));
  auto run = engine->Enqueue(*id, dry, full, ctx.caller.user.id);
  // 409: runs of one integration never overlap.
  if (!run.ok() && run.status().code() == Code::kConflict) return ErrorResponse(409, run.status().message());
  if (!run.ok()) return ErrorResponse(run.status());
  return JsonResponse(200, Wrap("sync_run", RenderRun(*run)));
}

http::Response SyncAll(Ctx& ctx) {
  if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
  auto* engine = EngineOf(ctx);
  if (!engine) return ErrorResponse(Status::Unavailable("the sync engine is not running on this server"));
  auto ids = ctx.store.Read([&](store::Tx& tx) -> Result<std::vector<int64_t>> {
    store::Query q;
    q.Where("enabled", store::Op::kEq, int64_t{1});
    auto is = tx.Repo<Integration>().List(q);
    if (!is.ok()) return is.status();
    std::vector<int64_t> out;
    for (const auto& i : *is) out.push_back(i.id);
    return out;
  });
  if (!ids.ok()) return ErrorResponse(ids.status());
  json::array started, skipped;
  for (int64_t id : *ids) {
    auto run = engine->Enqueue(id, false, false, ctx.caller.user.id);
    if (run.ok()) started.push_back(RenderRun(*run));
    else skipped.push_back(json::object{{"integration_id", id}, {"message", run.status().message()}});
  }
  return JsonResponse(200, json::object{{"sync_runs", std::move(started)}, {"skipped", std::move(skipped)}});
}

http::Response StopRun(Ctx& ctx) {
  if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
  auto id = ctx.PathId();
  if (!id.ok()) return ErrorResponse(id.status());
  auto* engine = EngineOf(ctx);
  if (!engine) return ErrorResponse(Status::Unavailable("the sync engine is not running on this server"));
  auto run = engine->RequestStop(*id);
  if (!run.ok()) return ErrorResponse(run.status());
  return JsonResponse(200, Wrap("sync_run", RenderRun(*run)));
}

http::Response ListRuns(Ctx& ctx) {
  if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
  auto paging = ParsePaging(ctx);
  if (!paging.ok()) return ErrorResponse(paging.status());
  store::Query q;
  if (auto st = IdFilters(ctx, q, {"integration_id"}); !st.ok()) return ErrorResponse(st);
  if (auto v = ctx.Q("state"); v && !v->empty()) q.Where("state", store::Op::kEq, *v);
  q.descending = true;
  q.Page(paging->page, paging->page_size);
  auto runs = ctx.store.Read([&](store::Tx& tx) { return tx.Repo<SyncRun>().List(q); });
  if (!runs.ok()) return ErrorResponse(runs.status());
  json::array out;
  for (const auto& r : *runs) out.push_back(RenderRun(r));
  return JsonResponse(200, Wrap("sync_runs", std::move(out)));
}

http::Response GetRun(Ctx& ctx) {
  if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
  auto id = ctx.PathId();
  if (!id.ok()) return ErrorResponse(id.status());
  auto run = ctx.store.Read([&](store::Tx& tx) -> Result<SyncRun> {
    auto r = tx.Repo<SyncRun>().Get(*id);
    if (!r.ok()) return Status::NotFound("Sync run not found");
    return r;
  });
  if (!run.ok()) return ErrorResponse(run.status());
  return JsonResponse(200, Wrap("sync_run", RenderRun(*run)));
}

http::Response RunChanges(Ctx& ctx) {
  if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
  auto id = ctx.PathId();
  if (!id.ok()) return ErrorResponse(id.status());
  auto paging = ParsePaging(ctx);
  if (!paging.ok()) return ErrorResponse(paging.status());
  store::Query q;
  q.Where("run_id", store::Op::kEq, *id);
  if (auto v = ctx.Q("kind"); v && !v->empty()) q.Where("kind", store::Op::kEq, *v);
  if (auto v = ctx.Q("action"); v && !v->empty()) q.Where("action", store::Op::kEq, *v);
  q.Page(paging->page, paging->page_size);
  auto out = ctx.store.Read([&](store::Tx& tx) -> Result<json::array> {
    if (!tx.Repo<SyncRun>().Get(*id).ok()) return Status::NotFound("Sync run not found");
    auto rows = tx.Repo<SyncChange>().List(q);
    if (!rows.ok()) return rows.status();
    json::array arr;
    for (const auto& c : *rows) {
      arr.push_back(json::object{{"id", c.id},
                                 {"kind", c.kind},
                                 {"sync_id", c.sync_id},
                                 {"record_type", c.record_type},
                                 {"record_id", c.record_id ? json::value(*c.record_id) : json::value(nullptr)},
                                 {"name", c.name},
                                 {"action", c.action},
                                 {"changes", ParseJson(c.changes, json::object{})},
                                 {"error", c.error.empty() ? json::value(nullptr) : json::value(c.error)}});
    }
    return arr;
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return JsonResponse(200, json::object{{"changes", std::move(*out)}, {"page", paging->page}, {"page_size", paging->page_size}});
}

http::Response ListMatchers(Ctx& ctx) {
  if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
  auto integration_id = ctx.Q("integration_id");
  if (!integration_id || integration_id->empty())
    return ErrorResponse(Status::Invalid("integration_id is required"));
  auto iid = AsInt(json::value(*integration_id));
  if (!iid) return ErrorResponse(Status::Invalid("integration_id must be an integration id"));
  auto paging = ParsePaging(ctx);
  if (!paging.ok()) return ErrorResponse(paging.status());
  store::Query q;
  q.Where("integration_id", store::Op::kEq, *iid);
  if (auto v = ctx.Q("matched"); v && !v->empty()) {
    auto b = AsBool(json::value(*v));
    if (!b) return ErrorResponse(Status::Invalid("matched must be true or false"));
    if (*b) q.Where("company_id", store::Op::kGe, int64_t{1});
    else q.where.push_back({"company_id", store::Op::kIsNull, {}, {}});
  }
  ExactFilters(ctx, q, {"sync_id", "identifier"});
  if (auto st = IdFilters(ctx, q, {"company_id"}); !st.ok()) return ErrorResponse(st);
  if (auto v = ctx.Q("search"); v && !v->empty())
    q.where.push_back({"name", store::Op::kContains, {*v}, {"name", "identifier"}});
  q.Page(paging->page, paging->page_size);
  auto out = ctx.store.Read([&](store::Tx& tx) -> Result<json::array> {
    auto i = tx.Repo<Integration>().Get(*iid);
    if (!i.ok()) return Status::NotFound("No matching integration");
    auto rows = tx.Repo<Matcher>().List(q);
    if (!rows.ok()) return rows.status();
    json::array arr;
    for (const auto& m : *rows) arr.push_back(RenderMatcher(tx, *i, m));
    return arr;
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return JsonResponse(200, Wrap("matchers", std::move(*out)));
}

// PUT /matchers/{id}: match to a company (company_id), unmatch (company_id null), leave unmatched.
http::Response UpdateMatcher(Ctx& ctx) {
  if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
  auto id = ctx.PathId();
  if (!id.ok()) return ErrorResponse(id.status());
  auto body = ParseBody(ctx, "matcher");
  if (!body.ok()) return ErrorResponse(body.status());
  auto out = ctx.store.Write([&](store::Tx& tx) -> Result<json::object> {
    auto m = tx.Repo<Matcher>().Lock(*id);
    if (!m.ok()) return Status::NotFound("Matcher not found");
    Matcher before = *m;
    std::vector<std::string> errors;
    for (const auto& [k, v] : *body) {
      if (k == "company_id" || k == "potential_company_id") {
        std::optional<int64_t> value;
        if (!v.is_null() && !(v.is_string() && v.as_string().empty())) {
          auto n = AsInt(v);
          if (!n || *n <= 0) {
            errors.push_back(std::string(k) + " must be a company id or null");
            continue;
          }
          auto c = tx.Repo<Company>().Get(*n);
          if (!c.ok()) {
            errors.push_back(std::string(k) + ": company " + std::to_string(*n) + " does not exist");
            continue;
          }
          value = *n;
        }
        (k == "company_id" ? m->company_id : m->potential_company_id) = value;
        if (k == "company_id" && value) m->leave_unmatched = false;
      } else if (k == "leave_unmatched") {
        auto b = AsBool(v);
        if (!b) errors.push_back("leave_unmatched must be true or false");
        else {
          m->leave_unmatched = *b;
          if (*b) m->company_id.reset();
        }
      } else if (k == "sync_id" || k == "identifier") {
        // Hudu accepts them; they are the vendor's, so Cairn keeps its own copy.
      } else {
        errors.push_back(std::string(k) + " is not a field of a matcher (company_id, potential_company_id, leave_unmatched)");
      }
    }
    if (!errors.empty()) return Validation(std::move(errors));
    m->NoteMatch(before.company_id, ctx.clock.NowMs());
    auto saved = tx.Repo<Matcher>().Update(*m);
    if (!saved.ok()) return saved.status();
    auto i = LoadIntegration(tx, saved->integration_id);
    if (!i.ok()) return i.status();
    json::object diff = Diff(RenderMatcher(tx, *i, before), RenderMatcher(tx, *i, *saved));
    auto log = tx.Repo<ActivityLog>().Insert(MatcherLog(ctx, "updated", *saved, diff));
    if (!log.ok()) return log.status();
    return RenderMatcher(tx, *i, *saved);
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return JsonResponse(200, *out);
}

http::Response DeleteMatcher(Ctx& ctx) {
  if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
  if (auto st = Require(ctx, Action::kDelete, "integrations"); !st.ok()) return ErrorResponse(st);
  auto id = ctx.PathId();
  if (!id.ok()) return ErrorResponse(id.status());
  auto st = ctx.store.Write([&](store::Tx& tx) -> Status {
    auto m = tx.Repo<Matcher>().Lock(*id);
    if (!m.ok()) return Status::NotFound("Matcher not found");
    CAIRN_RETURN_IF_ERROR(tx.Repo<Matcher>().Delete(*id));
    return tx.Repo<ActivityLog>().Insert(MatcherLog(ctx, "deleted", *m, {})).status();
  });
  if (!st.ok()) return ErrorResponse(st);
  return NoContent();
}

http::Response CreateCompanyFromMatcher(Ctx& ctx) {
  if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
  auto id = ctx.PathId();
  if (!id.ok()) return ErrorResponse(id.status());
  auto out = ctx.store.Write([&](store::Tx& tx) -> Result<json::object> {
    auto m = tx.Repo<Matcher>().Lock(*id);
    if (!m.ok()) return Status::NotFound("Matcher not found");
    if (m->company_id) return Status::Conflict("this matcher is already matched to company " + std::to_string(*m->company_id));
    auto c = CreateCompanyFor(tx, *m);
    if (!c.ok()) return c.status();
    m->NoteMatch(std::nullopt, ctx.clock.NowMs());
    auto saved = tx.Repo<Matcher>().Update(*m);
    if (!saved.ok()) return saved.status();
    auto i = LoadIntegration(tx, saved->integration_id);
    if (!i.ok()) return i.status();
    auto log = tx.Repo<ActivityLog>().Insert(
        MatcherLog(ctx, "created company", *saved, json::object{{"company_id", c->id}, {"name", c->name}}));
    if (!log.ok()) return log.status();
    return RenderMatcher(tx, *i, *saved);
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return JsonResponse(200, *out);
}

// POST /integrations/{id}/match {"action": "match_by_name" | "create_all", "min_confidence": 90}:
// match_by_name matches every unmatched matcher whose suggestion reaches the confidence;
// create_all does that and creates a company for each one left. Matchers set to "leave
// unmatched" are left alone.
http::Response BulkMatch(Ctx& ctx) {
  if (auto st = Gate(ctx); !st.ok()) return ErrorResponse(st);
  auto id = ctx.PathId();
  if (!id.ok()) return ErrorResponse(id.status());
  auto body = ParseBody(ctx, "match");
  if (!body.ok()) return ErrorResponse(body.status());
  std::string action;
  int64_t min_confidence = kDefaultConfidence;
  std::vector<std::string> errors;
  for (const auto& [k, v] : *body) {
    if (k == "action") action = v.is_string() ? std::string(v.as_string()) : "";
    else if (k == "min_confidence") {
      auto n = AsInt(v);
      if (!n || *n < 1 || *n > 100) errors.push_back("min_confidence must be from 1 to 100");
      else min_confidence = *n;
    } else {
      errors.push_back(std::string(k) + " is not a field of a match request (action, min_confidence)");
    }
  }
  if (action != "match_by_name" && action != "create_all")
    errors.push_back("action must be match_by_name or create_all");
  if (!errors.empty()) return ErrorResponse(Validation(std::move(errors)));
  auto out = ctx.store.Write([&](store::Tx& tx) -> Result<json::object> {
    auto i = LoadIntegration(tx, *id);
    if (!i.ok()) return i.status();
    store::Query q;
    q.Where("integration_id", store::Op::kEq, *id);
    q.where.push_back({"company_id", store::Op::kIsNull, {}, {}});
    q.Where("leave_unmatched", store::Op::kEq, int64_t{0});
    auto rows = tx.Repo<Matcher>().List(q);
    if (!rows.ok()) return rows.status();
    // Suggestions are recomputed against the companies as they are now.
    store::Query cq;
    cq.Where("archived", store::Op::kEq, int64_t{0});
    auto cs = tx.Repo<Company>().List(cq);
    if (!cs.ok()) return cs.status();
    std::vector<sync::NamedCompany> named;
    for (const auto& c : *cs) named.push_back({c.id, sync::NormalizeCompanyName(c.name)});
    int64_t matched = 0, created = 0, left = 0;
    for (auto m : *rows) {
      auto s = sync::SuggestCompany(m.name, named);
      if (s && s->confidence >= min_confidence) {
        m.company_id = s->company_id;
        ++matched;
      } else if (action == "create_all") {
        auto c = CreateCompanyFor(tx, m);
        if (!c.ok()) return c.status();
        named.push_back({c->id, sync::NormalizeCompanyName(c->name)});
        ++created;
      } else {
        ++left;
        continue;
      }
      m.NoteMatch(std::nullopt, ctx.clock.NowMs());
      auto saved = tx.Repo<Matcher>().Update(m);
      if (!saved.ok()) return saved.status();
      auto log = tx.Repo<ActivityLog>().Insert(
          MatcherLog(ctx, "matched", *saved, json::object{{"company_id", *saved->company_id}}));
      if (!log.ok()) return log.status();
    }
    return json::object{{"matched", matched}, {"created", created}, {"left_unmatched", left}};
  });
  if (!out.ok()) return ErrorResponse(out.status());
  return JsonResponse(200, *out);
}

}  // namespace

void AddSyncRoutes(Routes& r) {
  r.push_back({"POST", "/api/v1/integrations/sync_all", SyncAll});
  r.push_back({"POST", "/api/v1/integrations/{id}/sync", StartRun});
  r.push_back({"POST", "/api/v1/integrations/{id}/match", BulkMatch});
  r.push_back({"GET", "/api/v1/sync_runs", ListRuns});
  r.push_back({"GET", "/api/v1/sync_runs/{id}", GetRun});
  r.push_back({"POST", "/api/v1/sync_runs/{id}/stop", StopRun});
  r.push_back({"GET", "/api/v1/sync_runs/{id}/changes", RunChanges});
  r.push_back({"GET", "/api/v1/matchers", ListMatchers});
  r.push_back({"PUT", "/api/v1/matchers/{id}", UpdateMatcher});
  r.push_back({"DELETE", "/api/v1/matchers/{id}", DeleteMatcher});
  r.push_back({"POST", "/api/v1/matchers/{id}/create_company", CreateCompanyFromMatcher});
}

}  // namespace cairn::api
