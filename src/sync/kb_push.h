// The HaloPSA knowledge-base push (DESIGN.md section 1 item 11, issue 4): Cairn's articles go one
// way into Halo's KB, filed in FAQ lists; Halo's own edits to them are overwritten.
//
// Which articles: the central knowledge base (articles without a company) and the articles of
// every company matched in this integration (a matcher with a company, not left unmatched). There
// is no separate list of chosen companies: matching a company in the Halo integration is the
// choice. Drafts are not pushed.
//
// Where: one FAQ list "Cairn" for the central articles and one "Cairn - <company name>" per
// company, found by name (GET /api/FAQLists) and created when missing (POST /api/FAQLists).
//
// How (reference connectwise-halo.md B3, B7): one `POST /api/KBArticle` of a one-element array per
// changed article, `{name, description (the HTML), faqlists: [{id}], inactive, type: 0}`, with
// `id` when Cairn already pushed it (an upsert that updates). A KbLink per (integration, article)
// remembers the Halo id, the FAQ list and a hash of what was pushed, so an unchanged article is
// not sent again. An archived article is pushed inactive, never deleted; so is an article that
// left the scope (deleted, turned draft, or its company no longer matched). An article deleted at
// Halo is created again. A dry run calls Halo not at all and only reports.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/connector.h"
#include "core/model.h"
#include "core/status.h"
#include "store/store.h"

namespace cairn::sync {

// The calls the push makes: paths relative to Halo's resource server ("/KBArticle").
class KbWriter {
 public:
  virtual ~KbWriter() = default;
  virtual Result<boost::json::value> Get(std::string_view path) = 0;
  virtual Result<boost::json::value> Post(std::string_view path, const boost::json::value& body) = 0;
};

// The HaloPSA connector's own client as a KbWriter (so the push shares its token); null when
// `connector` is not the HaloPSA connector.
std::unique_ptr<KbWriter> HaloKbWriterFor(connectors::Connector& connector);

struct KbPushResult {
  std::map<std::string, int64_t> counts;  // action (created, updated, ...) -> articles
  std::vector<std::string> errors;        // for the run's errors
  bool failed = false;                    // something could not be pushed: the run fails
  bool stopped = false;                   // `stop` said to stop before every article was pushed
};

// Pushes (or, dry, reports) the integration's articles; writes the KbLinks and the run's report
// lines (SyncChange, kind "kb_articles"). `stop` is asked before each article: when it answers
// true, the push ends there (what was pushed is recorded; the rest goes on the next run).
KbPushResult PushKnowledgeBase(store::Store& store, const Integration& integration, int64_t run_id, bool dry_run,
                               KbWriter& halo, const std::function<bool()>& stop = {});

}  // namespace cairn::sync
