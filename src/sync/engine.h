// The sync engine (issue 4; DESIGN.md section 2): runs of an integration, queued, executed by
// worker threads, scheduled on each integration's interval, and resumed after a crash. It knows
// no vendor: a connectors::Connector lists the vendor's records and the engine matches, diffs and
// applies them.
//
// A run: (1) "companies": every vendor company becomes or updates a Matcher (with a name
// suggestion); matched companies get the vendor's company details unless the integration says
// "do not update company details". The first run of a new integration stops here (discovery).
// (2) each of the connector's kinds: the vendor's records of matched companies are diffed against
// the integration's SyncLinks (keys, never names): created, updated, archived (gone or
// deactivated at the vendor), unarchived, unchanged, skipped (types to skip, unmatched companies),
// failed. The diff is the run's report (SyncChange rows); a dry run stops there. Otherwise it is
// applied in transactions of at most 200 records, each with its activity-log entries under the
// integration's name. Records gone at the vendor are archived only after a complete enumeration
// of their kind; records a user archived are never unarchived by a sync.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/object.hpp>

#include "connectors/connector.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/model.h"
#include "store/store.h"

namespace cairn::sync {

struct EngineOptions {
  // For every vendor connection (the extra CA, timeouts, retries).
  connectors::VendorClientOptions client;
  int workers = 2;
  // How often idle workers look for queued runs and the scheduler for due integrations.
  std::chrono::milliseconds poll{1000};
  bool scheduler = true;
  // The length of one minute of an integration's interval, in milliseconds. Only tests shorten
  // it (cairn serve --sync-minute-ms), so that schedules can be seen to fire.
  int64_t minute_ms = 60 * 1000;
  // A run that changes nothing for this long after its last full enumeration does a full one
  // (to catch deletions where the vendor lists only what changed).
  std::chrono::hours full_every{24};
  // Makes the connector of an integration; null = connectors::MakeConnector. Tests inject.
  std::function<Result<std::unique_ptr<connectors::Connector>>(const Integration&, const boost::json::object& credentials,
                                                               const boost::json::object& options)>
      make_connector;
};

class Engine {
 public:
  Engine(store::Store& store, const Cipher& cipher, const Clock& clock, EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Requeues the runs a crash left running (they resume), then starts the workers and, when
  // enabled, the scheduler.
  Status Start();
  // Stops the threads; running runs stop at their next checkpoint and are left queued, so the
  // next Start resumes them.
  void Stop();

  // Queues a run. NotFound for an unknown integration; Conflict naming the run already queued or
  // running for it (runs of one integration never overlap).
  Result<SyncRun> Enqueue(int64_t integration_id, bool dry_run, bool full, std::optional<int64_t> user_id,
                          const std::string& trigger = "manual");
  // Asks a queued or running run to stop: a queued one ends at once, a running one at its next
  // checkpoint; both end "stopped". A finished run is answered as it is.
  Result<SyncRun> RequestStop(int64_t run_id);
  // Executes one queued run on this thread (the CLI and tests).
  Status RunNow(int64_t run_id);
  // "Re-sync this card": reads the one vendor record again and applies it at once (card data,
  // name when auto-updated, archived when gone or deactivated, unarchived when back). Answers
  // the card as it is now; NotFound for an unknown card, the vendor's error otherwise.
  Result<SyncLink> ResyncCard(int64_t link_id);

 private:
  void Worker();
  void Scheduler();
  // Claims the oldest queued run; nullopt when there is none.
  std::optional<int64_t> Claim();
  Status Execute(int64_t run_id);

  store::Store& store_;
  const Cipher& cipher_;
  const Clock& clock_;
  EngineOptions o_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  uint64_t enqueued_ = 0;  // guarded by mu_: runs queued by this process, so idle workers wake at once
  std::atomic<bool> stop_runs_{false};
  std::vector<std::thread> threads_;
};

}  // namespace cairn::sync
