#include "sync/engine.h"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "connectors/catalog.h"
#include "core/text.h"
#include "sync/kb_push.h"
#include "sync/names.h"
#include "sync/prefetch.h"

namespace cairn::sync {
namespace {

namespace json = boost::json;
using connectors::VendorItem;

// Records applied per transaction: large enough that a commit's cost spreads thin, small enough
// that the write lock is held for a fraction of a second (the API's writers wait meanwhile).
constexpr size_t kBatch = 1000;
// The run's counters are saved at most this often mid-kind (and at the end of every phase).
constexpr auto kCheckpointEvery = std::chrono::milliseconds(500);
constexpr const char* kActions[] = {"created", "updated", "archived", "unarchived", "unchanged", "skipped", "failed"};
// Cairn company columns the vendor may fill (unless "do not update company details").
constexpr const char* kCompanyFields[] = {"phone_number", "website", "address_line_1", "address_line_2",
                                          "city", "state", "zip", "country_name", "company_type"};

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

bool Option(const json::object& options, std::string_view name) {
  const auto* v = options.if_contains(name);
  return v && v->is_bool() && v->as_bool();
}

std::string Text(const json::value* v) {
  if (!v || v->is_null()) return "";
  if (v->is_string()) return std::string(v->as_string());
  return json::serialize(*v);
}

// The digest of what the vendor sent that Cairn keeps ("h2:" + 16 hex digits), so that an
// unchanged record is told cheaply: a walk over the item and its JSON without serialising it,
// eight bytes at a time (core/text.h WordHash).
class Digest {
 public:
  void Bytes(std::string_view s) { h_.Bytes(s); }
  void Word(uint64_t w) { h_.Word(w); }
  void Value(const json::value& v) {
    Word(static_cast<uint64_t>(v.kind()) + 0x100);
    switch (v.kind()) {
      case json::kind::string: Bytes(v.get_string()); break;
      case json::kind::int64: Word(static_cast<uint64_t>(v.get_int64())); break;
      case json::kind::uint64: Word(v.get_uint64()); break;
      case json::kind::double_: {
        uint64_t w;
        double d = v.get_double();
        std::memcpy(&w, &d, 8);
        Word(w);
        break;
      }
      case json::kind::bool_: Word(v.get_bool() ? 1 : 0); break;
      case json::kind::null: break;
      case json::kind::array:
        Word(v.get_array().size());
        for (const auto& e : v.get_array()) Value(e);
        break;
      case json::kind::object:
        Word(v.get_object().size());
        for (const auto& [key, e] : v.get_object()) {
          Bytes(key);
          Value(e);
        }
        break;
    }
  }
  std::string Hex() const {
    char out[24];
    std::snprintf(out, sizeof out, "h2:%016llx", static_cast<unsigned long long>(h_.Final()));
    return out;
  }

 private:
  WordHash h_;
};

std::string HashOf(const VendorItem& i) {
  Digest d;
  for (const std::string* s : {&i.name, &i.type, &i.serial, &i.company_vendor_id, &i.link}) d.Bytes(*s);
  d.Word(i.active ? 1 : 0);
  d.Value(i.card);
  d.Value(i.details);
  return d.Hex();
}

// The digest of links written before "h2:" digests (FNV-1a 64 over a serialisation): compared
// with those until their next update replaces them, so an upgrade does not report every record
// as changed.
std::string LegacyHashOf(const VendorItem& i) {
  return Fnv1aHex(i.name + '\x1f' + i.type + '\x1f' + i.serial + '\x1f' + (i.active ? "1" : "0") + '\x1f' +
                  i.company_vendor_id + '\x1f' + i.link + '\x1f' + json::serialize(i.card) + '\x1f' +
                  json::serialize(i.details));
}

// What a link keeps: the connector's source digest, if it gives one (connector.h), in front of
// the engine's ("s1:...h2:...").
std::string StoredDigest(VendorItem& item) {
  if (item.digest.empty()) item.digest = HashOf(item);
  return item.source_digest + item.digest;
}

// Whether `stored` (a link's digest) is the digest of `item` (digest already set, when mapped).
// A record passed on unmapped is the same when its source digest is; a mapped one when the
// engine's digest is (a source digest that changed in bytes Cairn does not keep changes nothing).
bool SameDigest(const std::string& stored, const VendorItem& item) {
  if (!item.mapped) return !item.source_digest.empty() && stored.starts_with(item.source_digest);
  if (size_t at = stored.find("h2:"); at != std::string::npos) return stored.compare(at, std::string::npos, item.digest) == 0;
  return !stored.empty() && stored == LegacyHashOf(item);
}

class Counts {
 public:
  void Add(const std::string& kind, const std::string& action, int64_t n = 1) {
    auto& k = by_kind_[kind];
    if (k.empty())
      for (const char* a : kActions) k[a] = 0;
    k[action] += n;
  }
  void Touch(const std::string& kind) { Add(kind, "created", 0); }
  json::object Json() const {
    json::object o;
    for (const auto& [kind, actions] : by_kind_) {
      json::object k;
      for (const char* a : kActions) k[a] = actions.at(a);
      o[kind] = std::move(k);
    }
    return o;
  }

 private:
  std::map<std::string, std::map<std::string, int64_t>> by_kind_;
};

// One planned change of a record (the diff); applied unless the run is dry.
struct Change {
  std::string action;  // created, updated, archived, unarchived, failed
  VendorItem item;     // what the vendor sent (empty for "gone" archives)
  SyncLink link;       // the link as it is (id 0 for a create)
  json::object changes;
  std::string error;
  bool gone = false;   // archived because the vendor no longer has it
};

class Stopped : public std::exception {};

// What the diff holds of a link: enough to tell an unchanged record (Apply reads the whole link
// of what changed).
struct LinkHead {
  int64_t id = 0;
  std::string hash;
  bool gone = false;
  bool archived_by_sync = false;
  bool listed = false;  // listed in this run (set by the diff alone)

  explicit LinkHead(SyncLink&& l)
      : id(l.id), hash(std::move(l.hash)), gone(l.gone), archived_by_sync(l.archived_by_sync) {}
  SyncLink Link(const std::string& sync_id) const {
    SyncLink l;
    l.id = id;
    l.sync_id = sync_id;
    l.hash = hash;
    l.gone = gone;
    l.archived_by_sync = archived_by_sync;
    return l;
  }
};
// The links of one kind by vendor id: every record of a full run is looked up twice (the
// connector asks for its digest, then the diff for its link), 250,000 times on a large tenant, so
// the table is flat: a probe array of (hash tag, entry index) over the entries kept in load order
// (a lookup touches the probe slot and its entry, where std::unordered_map chases a node).
// Entries are only added; a pointer to one holds until the next emplace.
class Links {
 public:
  using Entry = std::pair<std::string, LinkHead>;
  void reserve(size_t n) {
    entries_.reserve(n);
    if (n * 2 > slots_.size()) Rehash(n * 2);
  }
  Entry* find(std::string_view id) { return const_cast<Entry*>(std::as_const(*this).find(id)); }
  const Entry* find(std::string_view id) const { return slots_.empty() ? nullptr : FindHashed(id, HashOf(id)); }
  size_t count(std::string_view id) const { return find(id) ? 1 : 0; }
  static constexpr Entry* end() { return nullptr; }  // what find answers for an id it lacks
  // Adds the entry unless one with that id is held (as std::unordered_map::emplace does).
  void emplace(std::string id, LinkHead head) {
    uint64_t h = HashOf(id);  // (once: a kind's links are loaded by the hundred thousand)
    if (!slots_.empty() && FindHashed(id, h)) return;
    if ((entries_.size() + 1) * 2 > slots_.size()) Rehash(std::max<size_t>(16, slots_.size() * 2));
    entries_.emplace_back(std::move(id), std::move(head));
    Place(entries_.size() - 1, h);
  }
  // A link as read from the store (LinkColumns), keyed by its vendor id.
  Status Add(SyncLink&& l) {
    std::string key = std::move(l.sync_id);
    emplace(std::move(key), LinkHead(std::move(l)));
    return Status::Ok();
  }
  std::vector<Entry>& entries() { return entries_; }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  struct Slot {
    uint32_t tag = 0;
    uint32_t index = 0;  // entry index + 1; 0 = empty
  };
  static uint64_t HashOf(std::string_view id) {
    WordHash h;
    h.Bytes(id);
    return h.Final();
  }
  static uint32_t Tag(uint64_t h) { return static_cast<uint32_t>(h >> 32); }
  const Entry* FindHashed(std::string_view id, uint64_t h) const {
    uint32_t tag = Tag(h);
    for (size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      const Slot& s = slots_[i];
      if (s.index == 0) return nullptr;
      if (s.tag == tag && entries_[s.index - 1].first == id) return &entries_[s.index - 1];
    }
  }
  void Place(size_t index) { Place(index, HashOf(entries_[index].first)); }
  void Place(size_t index, uint64_t h) {
    size_t i = h & (slots_.size() - 1);
    while (slots_[i].index != 0) i = (i + 1) & (slots_.size() - 1);
    slots_[i] = {Tag(h), static_cast<uint32_t>(index + 1)};
  }
  void Rehash(size_t want) {
    size_t n = 16;
    while (n < want) n *= 2;
    slots_.assign(n, Slot{});
    for (size_t i = 0; i < entries_.size(); ++i) Place(i);
  }
  std::vector<Entry> entries_;
  std::vector<Slot> slots_;  // a power of two, at most half full
};

// What one kind's sync needs to place and fill records, read once per kind.
struct KindContext {
  std::optional<int64_t> default_layout;                  // none: the records show on the company
  std::unordered_map<std::string, int64_t> rules;         // lower-case vendor type -> layout
  std::unordered_map<int64_t, std::unordered_map<std::string, int64_t>> fields;  // layout -> label -> field
  std::unordered_map<int64_t, int64_t> field_layout;     // field -> its layout
  std::vector<ConnectedField> connected;
  std::unordered_map<std::string, int64_t> company_of;  // vendor company id -> Cairn company
  bool match_serials = false;
  bool rename = false;

  std::optional<int64_t> LayoutFor(const std::string& vendor_type) const {
    if (!default_layout) return std::nullopt;
    auto it = rules.find(ToLower(vendor_type));
    return it == rules.end() ? default_layout : std::optional<int64_t>(it->second);
  }
};

// Sets the connected fields of `values` (an asset's field values) from a vendor record's card;
// answers the changes made, by field label.
json::object FillConnected(const KindContext& k, int64_t layout, const json::object& card, json::object& values,
                           const std::unordered_map<int64_t, std::string>& labels) {
  json::object changes;
  for (const auto& cf : k.connected) {
    auto fl = k.field_layout.find(cf.layout_field_id);
    if (fl == k.field_layout.end() || fl->second != layout) continue;
    std::string value = Text(card.if_contains(cf.data_point));
    if (value.empty() && !cf.overwrite_blank) continue;  // a blank never erases unless told to
    std::string key = std::to_string(cf.layout_field_id);
    std::string before = Text(values.if_contains(key));
    if (before == value) continue;
    if (value.empty()) values.erase(key);
    else values[key] = value;
    auto label = labels.find(cf.layout_field_id);
    changes[label == labels.end() ? key : label->second] = json::object{{"from", before}, {"to", value}};
  }
  return changes;
}

// Executes one run; all state of the run lives here.
class RunExec {
 public:
  RunExec(store::Store& store, const Cipher& cipher, const Clock& clock, const EngineOptions& o,
          std::atomic<bool>& stop_all, SyncRun run)
      : store_(store), cipher_(cipher), clock_(clock), o_(o), stop_all_(stop_all), run_(std::move(run)) {}

  // The run's end state: succeeded, failed or stopped; "queued" when the engine is stopping (the
  // run resumes on the next start).
  std::string Execute() {
    auto st = Prepare();
    if (!st.ok()) {
      Error("", "", st.message());
      return "failed";
    }
    try {
      st = Companies();
      if (st.ok() && !discovery_only_) {
        auto kinds = connector_->Kinds();
        connector_->WillList(kinds, since_);
        // A full run reads each kind's links while the kind before it syncs.
        std::future<Result<Links>> next;
        if (since_ == 0 && !kinds.empty()) next = ReadLinksAsync(kinds[0]);
        for (size_t i = 0; i < kinds.size(); ++i) {
          std::future<Result<Links>> mine = std::move(next);
          if (since_ == 0 && i + 1 < kinds.size()) next = ReadLinksAsync(kinds[i + 1]);
          auto ks = Kind(kinds[i], std::move(mine));
          if (!ks.ok()) st = ks;  // the other kinds still sync; the run fails at the end
        }
        // HaloPSA only: Cairn's knowledge base pushed into Halo's (kb_push.h).
        if (integration_.slug == "halo" && Option(options_, "push_knowledge_base"))
          if (auto ks = PushKnowledgeBase(); !ks.ok()) st = ks;
      }
    } catch (const Stopped&) {
      return stop_all_ ? "queued" : "stopped";
    }
    if (!st.ok() || failed_enumeration_) return "failed";
    return "succeeded";
  }

  json::object CountsJson() const { return counts_.Json(); }
  const json::array& errors() const { return errors_; }
  json::object ProgressJson() const { return progress_; }
  int64_t requests() const { return connector_ ? connector_->requests() : 0; }
  bool discovery_only() const { return discovery_only_; }
  bool full() const { return full_; }

 private:
  Status Prepare() {
    auto loaded = store_.Read([&](store::Tx& tx) -> Status {
      auto i = tx.Repo<Integration>().Get(run_.integration_id);
      if (!i.ok()) return Status::NotFound("the integration no longer exists");
      integration_ = *i;
      // Discovery only on the first run: no earlier applied run of this integration succeeded
      // (a dry run discovers nothing for good).
      store::Query q;
      q.Where("integration_id", store::Op::kEq, run_.integration_id)
          .Where("state", store::Op::kEq, std::string("succeeded"))
          .Where("dry_run", store::Op::kEq, int64_t{0})
          .Where("id", store::Op::kNe, run_.id);
      auto done = tx.Repo<SyncRun>().Count(q);
      if (!done.ok()) return done.status();
      discovery_only_ = *done == 0;
      // The change cursor: the start of the last successful run that applied records (less a
      // margin for clock skew). A full enumeration instead when asked, when none is recent, or
      // when a company was matched since (its records were never read).
      store::Query last;
      last.Where("integration_id", store::Op::kEq, run_.integration_id)
          .Where("state", store::Op::kEq, std::string("succeeded"))
          .Where("dry_run", store::Op::kEq, int64_t{0})
          .Where("phase", store::Op::kNe, std::string("discovered"))
          .Where("id", store::Op::kNe, run_.id);
      last.descending = true;
      last.limit = 20;
      auto runs = tx.Repo<SyncRun>().List(last);
      if (!runs.ok()) return runs.status();
      int64_t last_full = 0;
      for (const auto& r : *runs) {
        if (since_ == 0) since_ = r.started_at - 5 * 60 * 1000;
        if (r.full_run && !last_full) last_full = r.started_at;
      }
      bool newly_matched = false;
      if (!runs->empty()) {
        store::Query mq;
        mq.Where("integration_id", store::Op::kEq, run_.integration_id)
            .Where("company_id", store::Op::kGe, int64_t{1})
            // (after the run's start: it read the matchers later than that. A match stamped in
            // the very millisecond of the start, a start at once after the match, came first;
            // a match committed later within that millisecond would wait for the periodic full run.)
            .Where("matched_at", store::Op::kGe, runs->front().started_at + 1);
        auto n = tx.Repo<Matcher>().Count(mq);
        if (!n.ok()) return n.status();
        newly_matched = *n > 0;
      }
      int64_t full_every_ms = std::chrono::duration_cast<std::chrono::milliseconds>(o_.full_every).count();
      if (run_.full_run || runs->empty() || !last_full || newly_matched || clock_.NowMs() - last_full > full_every_ms) {
        since_ = 0;
        full_ = true;
      }
      // A run resumed after a crash already reported (and applied) some changes: they are
      // counted as reported, not as unchanged, so the counts agree with the report.
      auto reported = tx.Repo<SyncChange>().List(store::Query().Where("run_id", store::Op::kEq, run_.id));
      if (!reported.ok()) return reported.status();
      for (const auto& c : *reported) reported_[c.kind + '\x1f' + c.sync_id] = c.action;
      return Status::Ok();
    });
    if (!loaded.ok()) return loaded;
    auto creds = cipher_.Open(integration_.credentials_enc);
    if (!creds.ok()) return Status::Internal("the integration's credentials cannot be read with this master key");
    options_ = ParseObject(integration_.options);
    layouts_ = ParseObject(integration_.default_layouts);
    for (const auto& t : ParseArray(integration_.skip_types))
      if (t.is_string()) skip_types_.insert(ToLower(std::string(t.as_string())));
    auto made = o_.make_connector
                    ? o_.make_connector(integration_, ParseObject(*creds), options_)
                    : connectors::MakeConnector(integration_.slug, ParseObject(*creds), options_, o_.client);
    if (!made.ok()) return made.status();
    connector_ = std::move(*made);
    // A vendor without a change cursor is listed whole every run: each run is then a complete
    // enumeration, and archives what the vendor no longer has.
    if (!connector_->HasChangeCursor()) {
      since_ = 0;
      full_ = true;
    }
    return Status::Ok();
  }

  void Error(const std::string& kind, const std::string& sync_id, const std::string& message) {
    json::object e{{"kind", kind}, {"message", message}};
    if (!sync_id.empty()) e["sync_id"] = sync_id;
    if (errors_.size() < 500) errors_.push_back(std::move(e));
  }

  // Saves the run's counters and checks whether it was asked to stop (throws Stopped). Mid-phase
  // (`often`), at most every kCheckpointEvery.
  void Checkpoint(const std::string& phase, bool often = false) {
    auto mono = std::chrono::steady_clock::now();
    if (often && mono - last_checkpoint_ < kCheckpointEvery) {
      if (stop_all_.load()) throw Stopped();
      return;
    }
    last_checkpoint_ = mono;
    bool stop = stop_all_.load();
    (void)store_.Write([&](store::Tx& tx) -> Status {
      auto r = tx.Repo<SyncRun>().Lock(run_.id);
      if (!r.ok()) return r.status();
      stop = stop || r->stop_requested;
      r->phase = phase;
      r->counts = json::serialize(counts_.Json());
      r->errors = json::serialize(errors_);
      r->progress = json::serialize(progress_);
      r->requests = requests();
      return tx.Repo<SyncRun>().Update(*r).status();
    });
    if (stop) throw Stopped();
  }

  // A batch that could not be applied: the run says why, and fails at the end.
  void ApplyFailed(const std::string& kind, const Status& st, Status& apply_status) {
    Error(kind, "", "could not save a batch of changes: " + st.message());
    apply_status = st;
  }

  std::string CompanyName(store::Tx& tx, std::optional<int64_t> id) {
    if (!id) return "";
    auto it = company_names_.find(*id);
    if (it != company_names_.end()) return it->second;
    auto c = tx.Repo<Company>().Get(*id);
    std::string name = c.ok() ? c->name : "";
    company_names_[*id] = name;
    return name;
  }

  ActivityLog LogEntry(store::Tx& tx, const std::string& action, const std::string& type, std::optional<int64_t> id,
                       const std::string& name, std::optional<int64_t> company_id, json::object details) {
    ActivityLog l;
    l.company_name = CompanyName(tx, company_id);
    l.user_name = integration_.name;
    l.token = "sync run " + std::to_string(run_.id);
    l.action = action;
    l.record_type = type;
    l.record_id = id;
    l.record_name = name;
    l.company_id = company_id;
    l.details = json::serialize(details);
    l.app_type = "sync";
    return l;
  }

  Status PushKnowledgeBase() {
    const std::string kind = "kb_articles";
    counts_.Touch(kind);
    auto writer = HaloKbWriterFor(*connector_);
    if (!writer) {
      Error(kind, "", "the knowledge-base push needs the HaloPSA connector");
      return Status::Internal("the knowledge-base push needs the HaloPSA connector");
    }
    // Between articles: a stop asked (by the API or the engine stopping) ends the push there.
    auto stop_asked = [&] {
      if (stop_all_.load()) return true;
      auto r = store_.Read([&](store::Tx& tx) { return tx.Repo<SyncRun>().Get(run_.id); });
      return r.ok() && r->stop_requested;
    };
    auto pushed = sync::PushKnowledgeBase(store_, integration_, run_.id, run_.dry_run, *writer, stop_asked);
    for (const auto& [action, n] : pushed.counts) counts_.Add(kind, action, n);
    for (const auto& e : pushed.errors) Error(kind, "", e);
    Checkpoint(kind);  // throws Stopped when the push stopped for a stop request
    return pushed.failed ? Status::Unavailable("the knowledge-base push failed") : Status::Ok();
  }

  // ---- companies ------------------------------------------------------------------------------

  Status Companies() {
    const std::string kind = "companies";
    counts_.Touch(kind);
    std::vector<VendorItem> items;
    Status listed = connector_->List(kind, 0, [&](VendorItem&& item) {
      items.push_back(std::move(item));
      return Status::Ok();
    });
    progress_[kind] = json::object{{"seen", static_cast<int64_t>(items.size())}};
    if (!listed.ok()) {
      Error(kind, "", listed.message());
      failed_enumeration_ = true;
      return listed;  // without the vendor's companies nothing else can be matched
    }
    bool update_details = !Option(options_, "do_not_update_company_details");
    // Everything needed to decide, read once.
    std::unordered_map<std::string, Matcher> matchers;
    std::vector<NamedCompany> named;
    std::unordered_map<int64_t, Company> companies;
    auto read = store_.Read([&](store::Tx& tx) -> Status {
      store::Query q;
      q.Where("integration_id", store::Op::kEq, integration_.id);
      auto ms = tx.Repo<Matcher>().List(q);
      if (!ms.ok()) return ms.status();
      for (auto& m : *ms) matchers.emplace(m.sync_id, std::move(m));
      store::Query cq;
      cq.Where("archived", store::Op::kEq, int64_t{0});
      auto cs = tx.Repo<Company>().List(cq);
      if (!cs.ok()) return cs.status();
      for (auto& c : *cs) {
        named.push_back({c.id, NormalizeCompanyName(c.name)});
        companies.emplace(c.id, std::move(c));
      }
      return Status::Ok();
    });
    if (!read.ok()) return read;

    struct Planned {
      Matcher matcher;
      bool is_new = false;
      std::optional<Company> company_after;  // details to write to the matched company
      json::object changes;
      std::string name;
    };
    std::vector<Planned> plan;
    for (auto& item : items) {
      json::object details = item.details;
      std::string card = json::serialize(item.card);
      auto it = matchers.find(item.vendor_id);
      Planned p;
      if (it == matchers.end()) {
        p.is_new = true;
        p.matcher.integration_id = integration_.id;
        p.matcher.sync_id = item.vendor_id;
      } else {
        p.matcher = it->second;
      }
      Matcher& m = p.matcher;
      bool changed = p.is_new || m.name != item.name || m.identifier != item.identifier || m.active != item.active ||
                     m.details != json::serialize(details) || m.card != card;
      m.name = item.name;
      m.identifier = item.identifier;
      m.active = item.active;
      m.details = json::serialize(details);
      m.card = card;
      m.vendor_updated_at = item.updated_ms;
      if (!m.company_id && !m.leave_unmatched) {
        auto s = SuggestCompany(item.name, named);
        std::optional<int64_t> potential = s ? std::optional<int64_t>(s->company_id) : std::nullopt;
        int64_t confidence = s ? s->confidence : 0;
        changed = changed || potential != m.potential_company_id || confidence != m.confidence;
        m.potential_company_id = potential;
        m.confidence = confidence;
      }
      // The matched company's details, where the vendor has a value and it differs.
      if (m.company_id && update_details) {
        auto c = companies.find(*m.company_id);
        if (c != companies.end()) {
          Company after = c->second;
          for (const char* field : kCompanyFields) {
            std::string v = Text(details.if_contains(field));
            if (v.empty()) continue;  // a blank from the vendor never erases
            auto* col = Company::Schema().Find(field);
            if (!col) continue;
            std::string before = std::get<std::string>(GetValue(after, *col));
            if (before == v) continue;
            p.changes[field] = json::object{{"from", before}, {"to", v}};
            SetValue(after, *col, Value(v));
          }
          if (!p.changes.empty()) {
            p.company_after = after;
            p.name = after.name;
          }
        }
      }
      if (changed || p.company_after) {
        counts_.Add(kind, p.is_new ? "created" : "updated");
        plan.push_back(std::move(p));
      } else {
        counts_.Add(kind, "unchanged");
      }
    }
    // Apply (or, dry, only report) in batches.
    for (size_t start = 0; start < plan.size(); start += kBatch) {
      size_t end = std::min(plan.size(), start + kBatch);
      auto st = store_.Write([&](store::Tx& tx) -> Status {
        for (size_t i = start; i < end; ++i) {
          Planned& p = plan[i];
          SyncChange ch;
          ch.run_id = run_.id;
          ch.kind = kind;
          ch.sync_id = p.matcher.sync_id;
          ch.record_type = p.company_after ? "Company" : "Matcher";
          ch.record_id = p.company_after ? std::optional<int64_t>(p.company_after->id) : std::nullopt;
          ch.name = p.matcher.name;
          ch.action = p.is_new ? "created" : "updated";
          ch.changes = json::serialize(p.changes);
          if (!run_.dry_run) {
            auto saved = p.is_new ? tx.Repo<Matcher>().Insert(p.matcher) : tx.Repo<Matcher>().Update(p.matcher);
            if (!saved.ok()) return saved.status();
            if (p.company_after) {
              auto c = tx.Repo<Company>().Update(*p.company_after);
              if (!c.ok()) return c.status();
              auto l = tx.Repo<ActivityLog>().Insert(
                  LogEntry(tx, "updated", "Company", c->id, c->name, c->id, p.changes));
              if (!l.ok()) return l.status();
            }
          }
          auto r = tx.Repo<SyncChange>().Insert(ch);
          if (!r.ok()) return r.status();
        }
        return Status::Ok();
      });
      if (!st.ok()) return st;
      Checkpoint(kind);
    }
    Checkpoint(kind);
    return Status::Ok();
  }

  // ---- one kind of record ----------------------------------------------------------------------

  // What the diff reads of a link: enough to tell unchanged from changed and the action; Apply
  // reads the whole link (card included) of what changed.
  static const std::vector<std::string>& LinkColumns() {
    static const std::vector<std::string> columns{"id", "sync_id", "hash", "gone", "archived_by_sync"};
    return columns;
  }

  // Adds to `links` those of the listed `items` it does not hold yet (for incremental runs).
  Status LoadLinks(const std::string& kind, const std::deque<VendorItem>& items,
                   Links& links) {
    std::vector<Value> ids;
    for (const auto& i : items)
      if (!links.count(i.vendor_id)) ids.emplace_back(i.vendor_id);
    if (ids.empty()) return Status::Ok();
    return store_.Read([&](store::Tx& tx) -> Status {
      for (size_t from = 0; from < ids.size(); from += 500) {
        store::Query q;
        q.Where("integration_id", store::Op::kEq, integration_.id)
            .Where("kind", store::Op::kEq, kind)
            .WhereIn("sync_id", std::vector<Value>(ids.begin() + from, ids.begin() + std::min(ids.size(), from + 500)));
        CAIRN_RETURN_IF_ERROR(
            tx.Repo<SyncLink>().EachColumns(q, LinkColumns(), [&](SyncLink&& l) { return links.Add(std::move(l)); }));
      }
      return Status::Ok();
    });
  }

  // Every link of `kind` (for a full run), read on a thread of its own.
  std::future<Result<Links>> ReadLinksAsync(const std::string& kind) {
    return std::async(std::launch::async, [this, kind]() -> Result<Links> {
      Links links;
      auto st = store_.Read([&](store::Tx& tx) -> Status {
        store::Query q;
        q.Where("integration_id", store::Op::kEq, integration_.id).Where("kind", store::Op::kEq, kind);
        auto n = tx.Repo<SyncLink>().Count(q);
        if (!n.ok()) return n.status();
        links.reserve(static_cast<size_t>(*n));
        q.order_by = "sync_id";  // (the key index's order: by id, SQLite would sort every link first)
        return tx.Repo<SyncLink>().EachColumns(q, LinkColumns(), [&](SyncLink&& l) { return links.Add(std::move(l)); });
      });
      if (!st.ok()) return st;
      return links;
    });
  }

  // `all_links`: a full run's links of the kind (ReadLinksAsync); incremental runs read only
  // those of what is listed.
  Status Kind(const std::string& kind, std::future<Result<Links>> all_links) {
    counts_.Touch(kind);
    // Matched companies, layouts (default and by sort rule) with their fields, connected fields
    // and the existing links.
    KindContext k;
    Links links;
    if (const auto* v = layouts_.if_contains(kind); v && v->is_int64()) k.default_layout = v->as_int64();
    k.rename = Option(options_, "auto_update_names");
    // Serial matching: ConnectWise opts in, Halo opts out, the RMMs always (their serials come
    // from the machine itself).
    if (integration_.slug == "cw_manage") k.match_serials = Option(options_, "match_on_serial");
    else if (integration_.slug == "halo") k.match_serials = !Option(options_, "do_not_match_on_serial");
    else k.match_serials = true;
    // The vendor is read on a thread of its own (prefetch.h), from now on: its first pages arrive
    // while the links are read. The digest is taken on that thread too.
    // On a complete enumeration the connector may pass on unmapped what Cairn holds unchanged
    // (ListKnown): it asks for the stored digests once the links below are read.
    std::promise<void> links_read;
    std::shared_future<void> links_ready = links_read.get_future().share();
    bool links_released = false;
    auto release_links = [&] {
      if (!links_released) links_read.set_value();
      links_released = true;
    };
    connectors::KnownDigest known;
    if (since_ == 0)
      known = [&links, links_ready](std::string_view id) -> const std::string* {
        links_ready.wait();
        const auto* it = links.find(id);
        return !it || it->second.gone ? nullptr : &it->second.hash;
      };
    Prefetch listing(
        [&](const Prefetch::Sink& sink) {
          return connector_->ListKnown(kind, since_, known, [&](VendorItem&& item) {
            if (item.mapped) item.digest = HashOf(item);
            return sink(std::move(item));
          });
        },
        4096);
    // (released however this function ends, before the listing is cancelled)
    struct Release {
      std::function<void()> f;
      ~Release() { f(); }
    } release_guard{release_links};
    auto read = store_.Read([&](store::Tx& tx) -> Status {
      store::Query q;
      q.Where("integration_id", store::Op::kEq, integration_.id);
      auto ms = tx.Repo<Matcher>().List(q);
      if (!ms.ok()) return ms.status();
      for (const auto& m : *ms)
        if (m.company_id && !m.leave_unmatched) k.company_of[m.sync_id] = *m.company_id;
      store::Query lq;
      lq.Where("integration_id", store::Op::kEq, integration_.id).Where("kind", store::Op::kEq, kind);
      std::set<int64_t> layouts;
      if (k.default_layout) {
        layouts.insert(*k.default_layout);
        auto rules = tx.Repo<SortRule>().List(store::Query(lq));
        if (!rules.ok()) return rules.status();
        for (const auto& r : *rules) {
          k.rules[ToLower(r.vendor_type)] = r.asset_layout_id;
          layouts.insert(r.asset_layout_id);
        }
        auto connected = tx.Repo<ConnectedField>().List(store::Query(lq));
        if (!connected.ok()) return connected.status();
        k.connected = std::move(*connected);
      }
      for (int64_t layout : layouts) {
        store::Query fq;
        fq.Where("asset_layout_id", store::Op::kEq, layout);
        auto fs = tx.Repo<LayoutField>().List(fq);
        if (!fs.ok()) return fs.status();
        for (const auto& f : *fs) {
          k.fields[layout].emplace(ToLower(f.label), f.id);
          k.field_layout[f.id] = layout;
          field_labels_[f.id] = f.label;
        }
      }
      return Status::Ok();
    });
    // A full run needs every link (what is not listed is archived); an incremental one reads
    // only the links of what the vendor lists (LoadLinks).
    if (read.ok() && all_links.valid()) {
      auto got = all_links.get();
      if (got.ok()) links = std::move(*got);
      else read = got.status();
    }
    release_links();  // (the links are not changed while the listing runs)
    if (!read.ok()) return read;
    auto& company_of = k.company_of;

    // Records listed that Cairn holds no link of (those it does are marked on their link), and
    // how many different records were listed.
    std::unordered_set<std::string> seen_unlinked;
    int64_t distinct = 0;
    std::vector<Change> pending;
    // The create guard: on a full run of a kind Cairn already holds, creates wait until the
    // enumeration is complete, and are dropped (the run fails) if Cairn would then hold far more
    // records than the vendor lists: a sign that keys stopped matching, never a real change.
    int64_t alive = 0;
    for (const auto& [id, l] : links.entries()) alive += !l.gone;
    bool hold_creates = since_ == 0 && alive > 0;
    std::vector<Change> held;
    int64_t listed_count = 0;
    Status apply_status = Status::Ok();
    auto flush = [&]() -> Status {
      if (pending.empty()) return Status::Ok();
      auto st = Apply(kind, k, pending);
      pending.clear();
      progress_[kind] = json::object{{"seen", listed_count}};
      Checkpoint(kind, true);
      return st;
    };
    auto on_item = [&](VendorItem&& item) -> Status {
      ++listed_count;
      // A record listed twice in one enumeration (pages that shift while they are read) is
      // taken once.
      auto link = links.find(item.vendor_id);
      if (link != links.end() ? std::exchange(link->second.listed, true) : !seen_unlinked.insert(item.vendor_id).second)
        return Status::Ok();
      ++distinct;
      auto company = company_of.find(item.company_vendor_id);
      bool skip_type = !skip_types_.empty() && !item.type.empty() && skip_types_.count(ToLower(item.type));
      if (company == company_of.end() || (skip_type && link == links.end())) {
        counts_.Add(kind, "skipped");
        return Status::Ok();
      }
      if (skip_type) {  // skipped from now on: what was synced before stays as it is
        counts_.Add(kind, "skipped");
        return Status::Ok();
      }
      if (item.mapped && item.digest.empty()) item.digest = HashOf(item);
      if (link == links.end() && !item.mapped) {
        // Never: an unmapped record is one whose digest Cairn holds for a link that is not gone.
        Error(kind, item.vendor_id, "listed as unchanged but not held; the next full run reads it again");
        counts_.Add(kind, "failed");
        return Status::Ok();
      }
      if (link == links.end()) {
        (hold_creates ? held : pending).push_back({"created", std::move(item), SyncLink{}, {}, {}, false});
      } else {
        const LinkHead& l = link->second;
        if (!l.gone && SameDigest(l.hash, item)) {
          auto earlier = reported_.empty() ? reported_.end() : reported_.find(kind + '\x1f' + link->first);
          counts_.Add(kind, earlier == reported_.end() ? "unchanged" : earlier->second);
          // Bytes changed that Cairn does not keep: the new source digest is stored (quietly),
          // so that the next run tells the record from its bytes again.
          if (item.mapped && !item.source_digest.empty() && !l.hash.starts_with(item.source_digest))
            pending.push_back({"refresh", std::move(item), l.Link(link->first), {}, {}, false});
          else
            return Status::Ok();
        } else if (!item.mapped) {
          // Never: an unmapped record is one whose digest Cairn holds for a link that is not gone.
          Error(kind, item.vendor_id, "listed as unchanged but not held as it was; the next full run reads it again");
          counts_.Add(kind, "failed");
          return Status::Ok();
        } else {
          Change c{"updated", std::move(item), l.Link(link->first), {}, {}, false};
          // (what changed, field by field, is noted by Apply, which reads the whole link)
          if (!c.item.active && !l.archived_by_sync) c.action = "archived";
          else if (c.item.active && (l.archived_by_sync || l.gone)) c.action = "unarchived";
          // (what else changed, the card included, is added by Apply, which reads the stored card)
          pending.push_back(std::move(c));
        }
      }
      if (pending.size() >= kBatch) {
        auto st = flush();
        if (!st.ok()) ApplyFailed(kind, st, apply_status);
      }
      return Status::Ok();
    };
    // The vendor is read on a thread of its own (started above) while this one diffs and writes.
    Status listed = Status::Ok();
    {
      std::deque<VendorItem> arrived;
      Status lookup = Status::Ok();
      while (listing.Take(arrived)) {
        if (since_ != 0) lookup = LoadLinks(kind, arrived, links);
        if (!lookup.ok()) break;
        for (auto& item : arrived) (void)on_item(std::move(item));
        arrived.clear();
      }
      listed = listing.Finish();
      if (!lookup.ok()) listed = lookup;
    }
    if (auto st = flush(); !st.ok()) ApplyFailed(kind, st, apply_status);
    progress_[kind] = json::object{{"seen", listed_count}};
    if (!listed.ok()) {
      // A failed or partial read archives nothing.
      Error(kind, "", listed.message());
      failed_enumeration_ = true;
      Checkpoint(kind);
      return listed;
    }
    if (!held.empty()) {
      int64_t listed = distinct;
      int64_t creates = static_cast<int64_t>(held.size());
      if (alive + creates > listed + listed / 2 + 10) {
        Error(kind, "",
              "stopped before creating " + std::to_string(creates) + " " + kind + ": " +
                  connector_->slug().data() + " lists " + std::to_string(listed) + " and Cairn already holds " +
                  std::to_string(alive) + " from this integration, so the result would hold far more than the vendor "
                  "has (did the vendor's ids change?). Nothing was created or archived");
        failed_enumeration_ = true;
        Checkpoint(kind);
        return apply_status;
      }
      for (auto& c : held) {
        pending.push_back(std::move(c));
        if (pending.size() >= kBatch)
          if (auto st = flush(); !st.ok()) ApplyFailed(kind, st, apply_status);
      }
      held.clear();
      if (auto st = flush(); !st.ok()) ApplyFailed(kind, st, apply_status);
    }
    if (since_ == 0) {
      // A complete enumeration: what the vendor no longer has is archived (never deleted). Pages
      // that shift while they are read can hide a record that is still there, so each missing
      // one is asked for again first (at most 50; if any of those is still there, the listing
      // cannot be trusted and nothing is archived this time).
      std::vector<SyncLink> missing;
      for (const auto& [sync_id, l] : links.entries()) {
        if (l.listed) continue;
        if (l.gone) {
          auto earlier = reported_.find(kind + '\x1f' + sync_id);
          if (earlier != reported_.end()) counts_.Add(kind, earlier->second);
          continue;
        }
        missing.push_back(l.Link(sync_id));
      }
      bool trusted = true;
      size_t checks = std::min<size_t>(missing.size(), 50);
      for (size_t i = 0; i < checks && trusted; ++i) {
        size_t at = missing.size() <= 50 ? i : i * missing.size() / checks;
        auto again = connector_->Get(kind, missing[at].sync_id);
        if (again.ok()) {
          trusted = false;
          Error(kind, missing[at].sync_id,
                "the listing missed a record that is still at the vendor (pages shifted while they were read); "
                "nothing was archived this time");
        } else if (again.status().code() != Code::kNotFound) {
          trusted = false;
          Error(kind, missing[at].sync_id, "could not confirm that the record is gone: " + again.status().message());
        }
      }
      for (SyncLink& l : trusted ? missing : std::vector<SyncLink>{}) {
        Change c{"archived", VendorItem{}, l, {}, {}, true};
        c.item.vendor_id = l.sync_id;  // (its name is read by Apply)
        c.changes["at the vendor"] = json::object{{"from", "present"}, {"to", "gone"}};
        pending.push_back(std::move(c));
        if (pending.size() >= kBatch)
          if (auto st = flush(); !st.ok()) ApplyFailed(kind, st, apply_status);
      }
      if (auto st = flush(); !st.ok()) ApplyFailed(kind, st, apply_status);
    }
    Checkpoint(kind);
    return apply_status;
  }

  // The stacking key of an asset's name in its company and layout, or (layout 0) of its serial in
  // its company. ASCII case-folded (a name differing only in the case of other letters is not
  // stacked on).
  static uint64_t StackKey(int64_t company, int64_t layout, std::string_view value) {
    uint64_t h = 1469598103934665603ULL;
    auto mix = [&](unsigned char c) {
      h ^= c;
      h *= 1099511628211ULL;
    };
    for (int64_t n : {company, layout})
      for (int i = 0; i < 8; ++i) mix(static_cast<unsigned char>(n >> (8 * i)));
    for (char c : value) mix(static_cast<unsigned char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
    return h;
  }

  // Whether an asset may exist that a created record would stack on: false means none does, so
  // the two stacking queries per created record are only asked when a name or serial is already
  // known. The keys of every asset are read once, then those created since (by anyone) at each
  // batch: on SQLite the batch holds the write lock, so nothing is created between the read and
  // the batch's creates.
  Result<bool> StackMayMatch(store::Tx& tx, bool& refreshed, uint64_t key) {
    if (!refreshed) {
      refreshed = true;
      for (;;) {
        store::Query q;
        q.Where("id", store::Op::kGe, stack_read_to_ + 1);
        q.limit = 5000;
        auto page = tx.Repo<Asset>().ListColumns(q, {"id", "company_id", "asset_layout_id", "name", "primary_serial"});
        if (!page.ok()) return page.status();
        for (const auto& a : *page) {
          if (!a.name.empty()) stack_keys_.insert(StackKey(a.company_id, a.asset_layout_id, a.name));
          if (IsUsableSerial(a.primary_serial)) stack_keys_.insert(StackKey(a.company_id, 0, a.primary_serial));
          stack_read_to_ = std::max(stack_read_to_, a.id);
        }
        if (page->size() < 5000) break;
      }
    }
    return stack_keys_.count(key) > 0;
  }

  // Applies (or, dry, reports) one batch of changes in one transaction.
  Status Apply(const std::string& kind, const KindContext& k, std::vector<Change>& batch) {
    const auto& company_of = k.company_of;
    bool rename = k.rename;
    std::vector<std::string> actions;  // counted once the transaction has committed
    Status st = store_.Write([&](store::Tx& tx) -> Status {
      actions.clear();
      bool stack_keys_read = false;
      for (Change& c : batch) {
        if (c.action == "refresh") {  // unchanged but for bytes Cairn does not keep: the digest only
          if (run_.dry_run) continue;
          auto stored = tx.Repo<SyncLink>().Get(c.link.id);
          if (!stored.ok()) return stored.status();
          stored->hash = StoredDigest(c.item);
          if (auto saved = tx.Repo<SyncLink>().Update(*stored); !saved.ok()) return saved.status();
          continue;
        }
        SyncChange report;
        report.run_id = run_.id;
        report.kind = kind;
        report.sync_id = c.item.vendor_id;
        report.name = c.item.name;
        report.action = c.action;
        SyncLink l = c.link;
        if (c.link.id) {
          // The link as stored (the diff read only its digest and flags): what changed, field by
          // field and in the card, goes in the report; a gone link keeps it all.
          auto stored = tx.Repo<SyncLink>().Get(c.link.id);
          if (!stored.ok() && stored.status().code() != Code::kNotFound) return stored.status();
          if (stored.ok()) l = *stored;
          if (c.gone) {
            c.item.name = l.name;
            report.name = l.name;
          } else {
            auto note = [&](const char* field, const std::string& from, const std::string& to) {
              if (from != to) c.changes[field] = json::object{{"from", from}, {"to", to}};
            };
            note("name", l.name, c.item.name);
            note("type", l.vendor_type, c.item.type);
            note("serial", l.serial, c.item.serial);
            if (l.active != c.item.active)
              note("active", l.active ? "true" : "false", c.item.active ? "true" : "false");
          }
        }
        std::optional<int64_t> layout = k.LayoutFor(c.gone ? l.vendor_type : c.item.type);
        report.record_type = c.link.id ? l.record_type : (layout ? "Asset" : "Company");
        report.record_id = l.record_id;
        if (c.link.id && !c.gone) {
          if (l.card != json::serialize(c.item.card))
            c.changes["card"] = json::object{{"from", ParseObject(l.card)}, {"to", c.item.card}};
          if (c.changes.empty() && c.action == "updated")
            c.changes["details"] = json::object{{"from", ""}, {"to", "changed"}};
        }
        std::optional<int64_t> company;
        if (auto it = company_of.find(c.gone ? l.company_sync_id : c.item.company_vendor_id); it != company_of.end())
          company = it->second;
        if (c.action == "created") {
          if (!company) continue;
          json::object changes{{"name", json::object{{"from", ""}, {"to", c.item.name}}}};
          if (!c.item.serial.empty()) changes["serial"] = json::object{{"from", ""}, {"to", c.item.serial}};
          report.changes = json::serialize(changes);
          l.integration_id = integration_.id;
          l.kind = kind;
          l.sync_id = c.item.vendor_id;
          l.record_type = layout ? "Asset" : "Company";
          // Stacking: a record of another vendor (or kind) may already be this machine or person
          // in this company: by primary serial where serial matching is on, else by name in the
          // same layout. Never onto an asset that already carries a card of this integration.
          std::optional<Asset> stack;
          if (layout) {
            auto candidates = [&](store::Query q) -> Result<std::optional<Asset>> {
              q.Where("company_id", store::Op::kEq, *company);
              q.limit = 5;
              auto found = tx.Repo<Asset>().List(q);
              if (!found.ok()) return found.status();
              for (const auto& a : *found) {
                auto own = tx.Repo<SyncLink>().Count(store::Query()
                                                         .Where("record_type", store::Op::kEq, std::string("Asset"))
                                                         .Where("record_id", store::Op::kEq, a.id)
                                                         .Where("integration_id", store::Op::kEq, integration_.id));
                if (!own.ok()) return own.status();
                if (*own == 0) return std::optional<Asset>(a);
              }
              return std::optional<Asset>();
            };
            auto may = [&](int64_t in_layout, const std::string& value) -> Result<bool> {
              return StackMayMatch(tx, stack_keys_read, StackKey(*company, in_layout, value));
            };
            if (k.match_serials && IsUsableSerial(c.item.serial)) {
              auto known = may(0, c.item.serial);
              if (!known.ok()) return known.status();
              if (*known) {
                auto found = candidates(store::Query().Where("primary_serial", store::Op::kEqNoCase, c.item.serial));
                if (!found.ok()) return found.status();
                stack = *found;
              }
            }
            auto name_known = stack || c.item.name.empty() ? Result<bool>(false) : may(*layout, c.item.name);
            if (!name_known.ok()) return name_known.status();
            if (*name_known) {
              auto found = candidates(store::Query()
                                          .Where("name", store::Op::kEqNoCase, c.item.name)
                                          .Where("asset_layout_id", store::Op::kEq, *layout));
              if (!found.ok()) return found.status();
              stack = *found;
            }
          }
          if (stack) {
            changes = json::object{{"stacked on", json::object{{"from", ""}, {"to", stack->name}}}};
            report.changes = json::serialize(changes);
            report.record_type = "Asset";
            report.record_id = stack->id;
          }
          if (!run_.dry_run && stack) {
            l.record_id = stack->id;
            l.record_type = "Asset";
            // The connected fields fill the stacked asset too; its other fields are the user's.
            json::object values = ParseObject(stack->field_values);
            json::object filled = FillConnected(k, stack->asset_layout_id, c.item.card, values, field_labels_);
            if (!filled.empty()) {
              Asset after = *stack;
              after.field_values = json::serialize(values);
              auto saved = tx.Repo<Asset>().Update(after);
              if (!saved.ok()) return saved.status();
              auto log = tx.Repo<ActivityLog>().Insert(LogEntry(tx, "updated", "Asset", after.id, after.name, after.company_id, filled));
              if (!log.ok()) return log.status();
            }
          } else if (!run_.dry_run) {
            if (layout) {
              Asset a;
              a.company_id = *company;
              a.asset_layout_id = *layout;
              a.name = c.item.name.empty() ? c.item.vendor_id : c.item.name;
              a.primary_serial = c.item.serial;
              a.primary_manufacturer = Text(c.item.details.if_contains("Manufacturer"));
              a.primary_model = Text(c.item.details.if_contains("Model"));
              a.primary_mail = Text(c.item.details.if_contains("Email"));
              // Initial values for the layout's fields of the same labels; from then on they
              // belong to the user (connected fields are refilled; these are not).
              json::object values;
              if (auto fields = k.fields.find(*layout); fields != k.fields.end()) {
                for (const auto& [label, v] : c.item.details) {
                  auto f = fields->second.find(ToLower(std::string(label)));
                  std::string text = Text(&v);
                  if (f != fields->second.end() && !text.empty()) values[std::to_string(f->second)] = text;
                }
              }
              (void)FillConnected(k, *layout, c.item.card, values, field_labels_);
              a.field_values = json::serialize(values);
              // A record the vendor holds as inactive arrives archived (and unarchives with it).
              if (!c.item.active) {
                a.archived = true;
                l.archived_by_sync = true;
              }
              auto made = tx.Repo<Asset>().Insert(a);
              if (!made.ok()) return made.status();
              l.record_id = made->id;
              auto log = tx.Repo<ActivityLog>().Insert(LogEntry(tx, "created", "Asset", made->id, made->name, *company, changes));
              if (!log.ok()) return log.status();
            } else {
              l.record_id = *company;  // shown on the company (agreements, contracts)
              json::object details{{"kind", kind}, {"name", c.item.name}};
              auto log = tx.Repo<ActivityLog>().Insert(
                  LogEntry(tx, kind + " created", "Company", *company, CompanyName(tx, *company), *company, details));
              if (!log.ok()) return log.status();
            }
            report.record_id = l.record_id;
          }
        } else if (!run_.dry_run && l.record_id && l.record_type == "Asset") {
          auto a = tx.Repo<Asset>().Lock(*l.record_id);
          if (a.ok()) {
            Asset after = *a;
            json::object asset_changes;
            if (rename && !c.gone && !c.item.name.empty() && after.name != c.item.name) {
              asset_changes["name"] = json::object{{"from", after.name}, {"to", c.item.name}};
              after.name = c.item.name;
            }
            if (!c.gone) {
              json::object values = ParseObject(after.field_values);
              json::object filled = FillConnected(k, after.asset_layout_id, c.item.card, values, field_labels_);
              if (!filled.empty()) {
                after.field_values = json::serialize(values);
                for (auto& [f, v] : filled) asset_changes[f] = v;
              }
            }
            if (c.action == "archived" && !after.archived) {
              after.archived = true;
              l.archived_by_sync = true;
              asset_changes["archived"] = json::object{{"from", false}, {"to", true}};
            } else if (c.action == "unarchived") {
              if (after.archived && l.archived_by_sync) {
                after.archived = false;
                asset_changes["archived"] = json::object{{"from", true}, {"to", false}};
              }
              l.archived_by_sync = false;
            }
            if (!asset_changes.empty()) {
              auto saved = tx.Repo<Asset>().Update(after);
              if (!saved.ok()) return saved.status();
            }
            // Every change is logged, the vendor's card included (what the vendor changed is a
            // change to the record's integration card even when no field of the asset moved).
            json::object logged = asset_changes;
            for (const auto& [f, v] : c.changes)
              if (!logged.contains(f)) logged[f] = v;
            if (!logged.empty()) {
              std::string action = c.action == "archived" || c.action == "unarchived" ? c.action : "updated";
              auto log = tx.Repo<ActivityLog>().Insert(
                  LogEntry(tx, action, "Asset", after.id, after.name, after.company_id, logged));
              if (!log.ok()) return log.status();
            }
          }
        } else if (!run_.dry_run && l.record_id && l.record_type == "Company" && !c.changes.empty()) {
          // Records shown on the company (agreements, contracts): the change is logged there.
          json::object details{{"kind", kind}, {"name", c.item.name}, {"changes", c.changes}};
          auto log = tx.Repo<ActivityLog>().Insert(
              LogEntry(tx, kind + " " + c.action, "Company", l.record_id, CompanyName(tx, l.record_id), l.record_id, details));
          if (!log.ok()) return log.status();
        }
        report.changes = report.changes == "{}" || report.changes.empty() ? json::serialize(c.changes) : report.changes;
        actions.push_back(c.action);
        if (!run_.dry_run) {
          if (!c.gone) {
            l.company_sync_id = c.item.company_vendor_id;
            l.name = c.item.name;
            l.vendor_type = c.item.type;
            l.serial = c.item.serial;
            l.active = c.item.active;
            l.card = json::serialize(c.item.card);
            l.hash = StoredDigest(c.item);
            l.vendor_updated_at = c.item.updated_ms;
            l.gone = false;
          } else {
            l.gone = true;
          }
          auto saved = l.id ? tx.Repo<SyncLink>().Update(l) : tx.Repo<SyncLink>().Insert(l);
          if (!saved.ok()) return saved.status();
        }
        auto r = tx.Repo<SyncChange>().Insert(report);
        if (!r.ok()) return r.status();
      }
      return Status::Ok();
    });
    if (st.ok())
      for (const auto& a : actions) counts_.Add(kind, a);
    return st;
  }

  store::Store& store_;
  const Cipher& cipher_;
  const Clock& clock_;
  const EngineOptions& o_;
  std::atomic<bool>& stop_all_;
  SyncRun run_;
  Integration integration_;
  json::object options_;
  json::object layouts_;
  std::set<std::string> skip_types_;
  std::unique_ptr<connectors::Connector> connector_;
  bool discovery_only_ = false;
  bool full_ = false;
  int64_t since_ = 0;
  bool failed_enumeration_ = false;
  Counts counts_;
  std::unordered_map<int64_t, std::string> field_labels_;  // layout field id -> label
  std::unordered_map<int64_t, std::string> company_names_;  // for activity-log entries
  std::unordered_map<std::string, std::string> reported_;   // kind \x1f sync_id -> action reported earlier in this run
  json::array errors_;
  json::object progress_;
  std::chrono::steady_clock::time_point last_checkpoint_{};
  // Stacking (StackMayMatch): keys of the assets Cairn holds, read up to stack_read_to_.
  std::unordered_set<uint64_t> stack_keys_;
  int64_t stack_read_to_ = 0;
};

}  // namespace

Engine::Engine(store::Store& store, const Cipher& cipher, const Clock& clock, EngineOptions options)
    : store_(store), cipher_(cipher), clock_(clock), o_(std::move(options)) {}

Engine::~Engine() { Stop(); }

Status Engine::Start() {
  // Runs a crash (or a stop) left running resume from the start of their work: every step is
  // keyed, so doing it again converges.
  auto st = store_.Write([&](store::Tx& tx) -> Status {
    store::Query q;
    q.Where("state", store::Op::kEq, std::string("running"));
    auto runs = tx.Repo<SyncRun>().List(q);
    if (!runs.ok()) return runs.status();
    for (auto r : *runs) {
      r.state = "queued";
      r.phase = "resuming";
      auto u = tx.Repo<SyncRun>().Update(r);
      if (!u.ok()) return u.status();
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  stop_runs_ = false;
  for (int i = 0; i < std::max(1, o_.workers); ++i) threads_.emplace_back([this] { Worker(); });
  if (o_.scheduler) threads_.emplace_back([this] { Scheduler(); });
  return Status::Ok();
}

void Engine::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_runs_ = true;
  wake_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

Result<SyncRun> Engine::Enqueue(int64_t integration_id, bool dry_run, bool full, std::optional<int64_t> user_id,
                                const std::string& trigger) {
  auto run = store_.Write([&](store::Tx& tx) -> Result<SyncRun> {
    // Locking the integration serialises enqueues of one integration on PostgreSQL too.
    auto i = tx.Repo<Integration>().Lock(integration_id);
    if (!i.ok()) return Status::NotFound("Integration not found");
    if (const auto* v = connectors::FindVendor(i->slug); v && v->push_only)
      return Status::Invalid(std::string(v->display_name) +
                             " pushes its records into Cairn through the API; there is nothing to sync from it");
    store::Query q;
    q.Where("integration_id", store::Op::kEq, integration_id)
        .WhereIn("state", {std::string("queued"), std::string("running")});
    auto busy = tx.Repo<SyncRun>().FindFirst(q);
    if (!busy.ok()) return busy.status();
    if (*busy)
      return Status::Conflict("run " + std::to_string((*busy)->id) + " of this integration is already " +
                              (*busy)->state + "; stop it or wait for it to finish");
    SyncRun r;
    r.integration_id = integration_id;
    r.dry_run = dry_run;
    r.full_run = full;
    r.trigger = trigger;
    r.user_id = user_id;
    return tx.Repo<SyncRun>().Insert(r);
  });
  if (run.ok()) {
    {
      std::lock_guard lock(mu_);
      ++enqueued_;
    }
    wake_.notify_all();
  }
  return run;
}

Result<SyncRun> Engine::RequestStop(int64_t run_id) {
  int64_t now = clock_.NowMs();
  return store_.Write([&](store::Tx& tx) -> Result<SyncRun> {
    auto r = tx.Repo<SyncRun>().Lock(run_id);
    if (!r.ok()) return Status::NotFound("Sync run not found");
    if (r->state == "queued") {
      r->state = "stopped";
      r->finished_at = now;
    } else if (r->state == "running") {
      r->stop_requested = true;
    } else {
      return *r;
    }
    return tx.Repo<SyncRun>().Update(*r);
  });
}

std::optional<int64_t> Engine::Claim() {
  int64_t now = clock_.NowMs();
  auto claimed = store_.Write([&](store::Tx& tx) -> Result<std::optional<int64_t>> {
    store::Query q;
    q.Where("state", store::Op::kEq, std::string("queued"));
    q.limit = 1;
    auto next = tx.Repo<SyncRun>().FindFirst(q);
    if (!next.ok()) return next.status();
    if (!*next) return std::optional<int64_t>();
    auto r = tx.Repo<SyncRun>().Lock((*next)->id);  // another worker may have taken it meanwhile
    if (!r.ok() || r->state != "queued") return std::optional<int64_t>();
    r->state = "running";
    if (!r->started_at) r->started_at = now;
    auto u = tx.Repo<SyncRun>().Update(*r);
    if (!u.ok()) return u.status();
    return std::optional<int64_t>(r->id);
  });
  return claimed.ok() ? *claimed : std::nullopt;
}

Status Engine::RunNow(int64_t run_id) {
  int64_t now = clock_.NowMs();
  auto claimed = store_.Write([&](store::Tx& tx) -> Status {
    auto r = tx.Repo<SyncRun>().Lock(run_id);
    if (!r.ok()) return Status::NotFound("Sync run not found");
    if (r->state != "queued") return Status::Conflict("run " + std::to_string(run_id) + " is " + r->state);
    r->state = "running";
    r->started_at = now;
    return tx.Repo<SyncRun>().Update(*r).status();
  });
  if (!claimed.ok()) return claimed;
  return Execute(run_id);
}

Result<SyncLink> Engine::ResyncCard(int64_t link_id) {
  struct Loaded {
    SyncLink link;
    Integration integration;
  };
  auto loaded = store_.Read([&](store::Tx& tx) -> Result<Loaded> {
    auto l = tx.Repo<SyncLink>().Get(link_id);
    if (!l.ok()) return Status::NotFound("Card not found");
    auto i = tx.Repo<Integration>().Get(l->integration_id);
    if (!i.ok()) return Status::NotFound("Card not found");
    return Loaded{*l, *i};
  });
  if (!loaded.ok()) return loaded.status();
  const Integration& integration = loaded->integration;
  auto creds = cipher_.Open(integration.credentials_enc);
  if (!creds.ok()) return Status::Internal("the integration's credentials cannot be read with this master key");
  json::object options = ParseObject(integration.options);
  auto made = o_.make_connector ? o_.make_connector(integration, ParseObject(*creds), options)
                                : connectors::MakeConnector(integration.slug, ParseObject(*creds), options, o_.client);
  if (!made.ok()) return made.status();
  auto item = (*made)->Get(loaded->link.kind, loaded->link.sync_id);
  if (!item.ok() && item.status().code() != Code::kNotFound) return item.status();
  bool gone = !item.ok();
  bool rename = Option(options, "auto_update_names");
  return store_.Write([&](store::Tx& tx) -> Result<SyncLink> {
    auto l = tx.Repo<SyncLink>().Lock(link_id);
    if (!l.ok()) return Status::NotFound("Card not found");
    bool active = !gone && item->active;
    if (!gone) {
      l->name = item->name;
      l->vendor_type = item->type;
      l->serial = item->serial;
      l->active = item->active;
      l->card = json::serialize(item->card);
      l->hash = HashOf(*item);
      l->vendor_updated_at = item->updated_ms;
    }
    l->gone = gone;
    if (l->record_type == "Asset" && l->record_id) {
      auto a = tx.Repo<Asset>().Lock(*l->record_id);
      if (a.ok()) {
        Asset after = *a;
        json::object changes;
        if (rename && !gone && !item->name.empty() && after.name != item->name) {
          changes["name"] = json::object{{"from", after.name}, {"to", item->name}};
          after.name = item->name;
        }
        if (!active && !after.archived) {
          after.archived = true;
          l->archived_by_sync = true;
          changes["archived"] = json::object{{"from", false}, {"to", true}};
        } else if (active && after.archived && l->archived_by_sync) {
          after.archived = false;
          l->archived_by_sync = false;
          changes["archived"] = json::object{{"from", true}, {"to", false}};
        }
        if (!changes.empty()) {
          auto saved = tx.Repo<Asset>().Update(after);
          if (!saved.ok()) return saved.status();
          ActivityLog log;
          log.user_name = integration.name;
          log.token = "card re-sync";
          log.action = changes.contains("archived") ? (after.archived ? "archived" : "unarchived") : "updated";
          log.record_type = "Asset";
          log.record_id = after.id;
          log.record_name = after.name;
          log.company_id = after.company_id;
          if (auto c = tx.Repo<Company>().Get(after.company_id); c.ok()) log.company_name = c->name;
          log.details = json::serialize(changes);
          log.app_type = "sync";
          auto logged = tx.Repo<ActivityLog>().Insert(log);
          if (!logged.ok()) return logged.status();
        }
      }
    }
    return tx.Repo<SyncLink>().Update(*l);
  });
}

Status Engine::Execute(int64_t run_id) {
  auto run = store_.Read([&](store::Tx& tx) { return tx.Repo<SyncRun>().Get(run_id); });
  if (!run.ok()) return run.status();
  RunExec exec(store_, cipher_, clock_, o_, stop_runs_, *run);
  std::string state = exec.Execute();
  int64_t now = clock_.NowMs();
  return store_.Write([&](store::Tx& tx) -> Status {
    auto r = tx.Repo<SyncRun>().Lock(run_id);
    if (!r.ok()) return r.status();
    r->state = state;
    r->phase = state == "queued" ? "resuming" : exec.discovery_only() && state == "succeeded" ? "discovered" : "";
    r->counts = json::serialize(exec.CountsJson());
    r->errors = json::serialize(exec.errors());
    r->progress = json::serialize(exec.ProgressJson());
    r->requests = exec.requests();
    r->full_run = exec.full() && !exec.discovery_only();  // later runs count from the last full enumeration
    if (state != "queued") r->finished_at = now;
    auto saved = tx.Repo<SyncRun>().Update(*r);
    if (!saved.ok()) return saved.status();
    // Webhooks hear of every finished run (the outbox: same transaction, store.h).
    if ((state == "succeeded" || state == "failed") && store_.webhook_outbox()) {
      WebhookEvent e;
      e.event = state == "succeeded" ? "sync_run.finished" : "sync_run.failed";
      e.record_type = "SyncRun";
      e.record_id = r->id;
      auto i = tx.Repo<Integration>().Get(r->integration_id);
      e.record_name = i.ok() ? i->name : "";
      e.changes = json::serialize(json::object{{"state", json::object{{"from", "running"}, {"to", state}}}});
      if (auto st = tx.Repo<WebhookEvent>().Insert(e); !st.ok()) return st.status();
    }
    return Status::Ok();
  });
}

void Engine::Worker() {
  while (true) {
    uint64_t enqueued;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      enqueued = enqueued_;
    }
    auto id = Claim();
    if (id) {
      (void)Execute(*id);
      continue;
    }
    // A run queued here wakes the worker at once; one queued by another node is found by the poll.
    std::unique_lock lock(mu_);
    wake_.wait_for(lock, o_.poll, [&] { return stopping_ || enqueued_ != enqueued; });
  }
}

void Engine::Scheduler() {
  while (true) {
    {
      std::unique_lock lock(mu_);
      if (wake_.wait_for(lock, std::min<std::chrono::milliseconds>(o_.poll * 10, std::chrono::milliseconds(o_.minute_ms)),
                         [&] { return stopping_; }))
        return;
    }
    int64_t now = clock_.NowMs();
    auto due = store_.Read([&](store::Tx& tx) -> Result<std::vector<int64_t>> {
      std::vector<int64_t> ids;
      store::Query q;
      q.Where("enabled", store::Op::kEq, int64_t{1});
      auto integrations = tx.Repo<Integration>().List(q);
      if (!integrations.ok()) return integrations.status();
      for (const auto& i : *integrations) {
        store::Query rq;
        rq.Where("integration_id", store::Op::kEq, i.id);
        rq.descending = true;
        rq.limit = 1;
        auto last = tx.Repo<SyncRun>().FindFirst(rq);
        if (!last.ok()) return last.status();
        // Only integrations someone has run by hand are scheduled: the first run is a choice.
        if (!*last) continue;
        if (now - (*last)->created_at >= i.interval_minutes * o_.minute_ms) ids.push_back(i.id);
      }
      return ids;
    });
    if (!due.ok()) continue;
    for (int64_t id : *due) (void)Enqueue(id, false, false, std::nullopt, "schedule");
  }
}

}  // namespace cairn::sync
