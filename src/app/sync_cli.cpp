#include "app/sync_cli.h"

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "api/integrations.h"
#include "connectors/connection.h"
#include "sync/engine.h"

namespace cairn::app {
namespace {

namespace json = boost::json;

int Error(const std::string& message) {
  std::cerr << "cairn: " << message << "\n";
  return 1;
}

// "key=value" -> (key, value); false without "=".
bool Split(const std::string& s, std::string* key, std::string* value) {
  auto eq = s.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  *key = s.substr(0, eq);
  *value = s.substr(eq + 1);
  return true;
}

std::string RunLine(const ::cairn::SyncRun& r) {
  json::error_code ec;
  json::value counts = json::parse(r.counts, ec);
  std::string summary;
  if (!ec && counts.is_object()) {
    for (const auto& [kind, c] : counts.as_object()) {
      if (!c.is_object()) continue;
      std::string part;
      for (const char* a : {"created", "updated", "archived", "unarchived", "unchanged", "skipped", "failed"}) {
        const auto* n = c.as_object().if_contains(a);
        if (n && n->is_int64() && n->as_int64() > 0) part += (part.empty() ? "" : " ") + std::string(a) + " " + std::to_string(n->as_int64());
      }
      summary += "\n    " + std::string(kind) + ": " + (part.empty() ? "nothing" : part);
    }
  }
  std::string errors;
  json::value errs = json::parse(r.errors, ec);
  if (!ec && errs.is_array())
    for (const auto& e : errs.as_array())
      if (e.is_object() && e.as_object().contains("message"))
        errors += "\n    error: " + std::string(e.at("message").as_string());
  return "run " + std::to_string(r.id) + " of integration " + std::to_string(r.integration_id) + ": " + r.state +
         (r.dry_run ? " (dry run)" : "") + summary + errors;
}

}  // namespace

int IntegrationAdd(store::Store& store, const Cipher& cipher, const IntegrationFlags& f) {
  json::object body;
  body["slug"] = f.slug;
  if (!f.name.empty()) body["name"] = f.name;
  json::object creds, layouts, options;
  for (const auto& c : f.credentials) {
    std::string k, v;
    if (!Split(c, &k, &v)) return Error("--credential " + c + " must be KEY=VALUE");
    creds[k] = v;
  }
  for (const auto& l : f.layouts) {
    std::string k, v;
    if (!Split(l, &k, &v)) return Error("--layout " + l + " must be KIND=LAYOUT_ID");
    try {
      layouts[k] = std::stoll(v);
    } catch (...) {
      return Error("--layout " + l + " must be KIND=LAYOUT_ID");
    }
  }
  for (const auto& o : f.options) {
    std::string k, v;
    if (!Split(o, &k, &v)) {
      k = o;
      v = "true";
    }
    options[k] = v == "true" || v == "1" || v == "yes";
  }
  body["credentials"] = creds;
  body["default_layouts"] = layouts;
  if (!options.empty()) body["options"] = options;
  json::array skips;
  for (const auto& t : f.skip_types) skips.push_back(json::string(t));
  if (!skips.empty()) body["skip_types"] = skips;
  if (f.interval_minutes) body["interval_minutes"] = f.interval_minutes;
  if (f.disabled) body["enabled"] = false;
  std::vector<std::string> errors;
  auto made = store.Write([&](store::Tx& tx) -> Result<Integration> {
    Integration row;
    CAIRN_RETURN_IF_ERROR(api::ApplyIntegration(tx, cipher, body, row, true, errors));
    if (!errors.empty()) return Status::Invalid("invalid integration");
    auto saved = tx.Repo<Integration>().Insert(row);
    if (!saved.ok()) return saved.status();
    ActivityLog log;
    log.user_name = "command line";
    log.action = "created";
    log.record_type = "Integration";
    log.record_id = saved->id;
    log.record_name = saved->name;
    log.app_type = "cli";
    auto logged = tx.Repo<ActivityLog>().Insert(log);
    if (!logged.ok()) return logged.status();
    return saved;
  });
  if (!made.ok()) {
    for (const auto& e : errors) std::cerr << "cairn: " << e << "\n";
    return errors.empty() ? Error(made.status().message()) : 1;
  }
  std::cout << "integration " << made->id << " created: "
            << json::serialize(api::RenderIntegration(cipher, *made)) << "\n";
  return 0;
}

int IntegrationList(store::Store& store) {
  auto rows = store.Read([&](store::Tx& tx) -> Result<std::vector<std::pair<Integration, std::string>>> {
    auto is = tx.Repo<Integration>().List(store::Query());
    if (!is.ok()) return is.status();
    std::vector<std::pair<Integration, std::string>> out;
    for (const auto& i : *is) {
      store::Query q;
      q.Where("integration_id", store::Op::kEq, i.id);
      q.descending = true;
      auto last = tx.Repo<::cairn::SyncRun>().FindFirst(q);
      if (!last.ok()) return last.status();
      out.emplace_back(i, *last ? "run " + std::to_string((*last)->id) + " " + (*last)->state : "never run");
    }
    return out;
  });
  if (!rows.ok()) return Error(rows.status().message());
  std::printf("%-4s %-14s %-28s %-9s %-9s %s\n", "ID", "VENDOR", "NAME", "ENABLED", "INTERVAL", "LAST RUN");
  for (const auto& [i, last] : *rows)
    std::printf("%-4lld %-14s %-28s %-9s %-9s %s\n", static_cast<long long>(i.id), i.slug.c_str(), i.name.c_str(),
                i.enabled ? "yes" : "no", (std::to_string(i.interval_minutes) + "m").c_str(), last.c_str());
  return 0;
}

int IntegrationTest(store::Store& store, const Cipher& cipher, int64_t id, const std::string& ca_file) {
  auto row = store.Read([&](store::Tx& tx) { return tx.Repo<Integration>().Get(id); });
  if (!row.ok()) return Error("no integration " + std::to_string(id));
  connectors::VendorClientOptions options;
  options.ca_file = ca_file;
  options.max_attempts = 2;
  options.timeout = std::chrono::seconds(15);
  auto result = connectors::CheckConnection(row->slug, api::CredentialsOf(cipher, *row), options);
  std::cout << result.message << "\n";
  return result.ok ? 0 : 1;
}

int RunSync(store::Store& store, const Cipher& cipher, int64_t integration_id, bool dry_run, bool full,
            const std::string& ca_file) {
  sync::EngineOptions options;
  options.client.ca_file = ca_file;
  sync::Engine engine(store, cipher, SystemClock(), options);  // not started: this thread runs it
  auto run = engine.Enqueue(integration_id, dry_run, full, std::nullopt, "manual");
  if (!run.ok()) return Error(run.status().message());
  std::cerr << "run " << run->id << " queued\n";
  auto st = engine.RunNow(run->id);
  // A server running on the same store may have claimed it first: wait for it to finish there.
  for (int i = 0; !st.ok() && st.code() == Code::kConflict && i < 36000; ++i) {
    auto r = store.Read([&](store::Tx& tx) { return tx.Repo<::cairn::SyncRun>().Get(run->id); });
    if (r.ok() && r->state != "queued" && r->state != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto done = store.Read([&](store::Tx& tx) { return tx.Repo<::cairn::SyncRun>().Get(run->id); });
  if (!done.ok()) return Error(done.status().message());
  std::cout << RunLine(*done) << "\n";
  return done->state == "succeeded" ? 0 : 1;
}

int ShowSyncStatus(store::Store& store, int64_t integration_id) {
  auto runs = store.Read([&](store::Tx& tx) {
    store::Query q;
    if (integration_id) q.Where("integration_id", store::Op::kEq, integration_id);
    q.descending = true;
    q.limit = 10;
    return tx.Repo<::cairn::SyncRun>().List(q);
  });
  if (!runs.ok()) return Error(runs.status().message());
  if (runs->empty()) std::cout << "no runs yet\n";
  for (const auto& r : *runs) std::cout << RunLine(r) << "\n";
  return 0;
}

}  // namespace cairn::app
