// The store: start here. Repositories over the records of core/model.h, a full-text search
// index, and the Store that owns a pool of database connections and runs work in transactions.
//
//   auto store = Store::Open({.url = "./data/cairn.db"});        // migrates on open
//   Result<Company> c = (*store)->Write([&](Tx& tx) {
//     return tx.Repo<Company>().Insert(company);                  // committed when OK
//   });
//
// All SQL lives under src/store. Both backends (SQLite, PostgreSQL) run the same repository code
// over the driver interface (driver.h); the store contract test suite runs against each.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/model.h"
#include "core/status.h"
#include "store/driver.h"

namespace cairn::store {

enum class Op {
  kEq,        // column = value
  kEqNoCase,  // lower(column) = lower(value)
  kContains,  // column contains value, ASCII case-insensitive; with `any_of`, any of the columns
  kGe,        // column >= value
  kLe,        // column <= value
  kIn,        // column IN (values...); an empty list matches nothing
  kIsNull,    // column IS NULL
  kNe,        // column <> value (NULLs do not match)
};

struct Condition {
  std::string column;
  Op op = Op::kEq;
  std::vector<Value> values;
  std::vector<std::string> any_of;  // kContains over several columns, OR-ed
};

// A filter over one table. Column names must be columns of the record's schema (checked; an
// unknown one is an InvalidArgument, never spliced into SQL).
struct Query {
  std::vector<Condition> where;
  std::string order_by = "id";
  bool descending = false;
  int64_t limit = -1;  // -1 = no limit
  int64_t offset = 0;

  Query& Where(std::string column, Op op, Value v) {
    where.push_back({std::move(column), op, {std::move(v)}, {}});
    return *this;
  }
  Query& WhereIn(std::string column, std::vector<Value> vs) {
    where.push_back({std::move(column), Op::kIn, std::move(vs), {}});
    return *this;
  }
  Query& Page(int64_t page, int64_t page_size) {
    limit = page_size;
    offset = (page < 1 ? 0 : page - 1) * page_size;
    return *this;
  }
};

// The tables a Read or Write call changed. The Store turns it into table versions once the
// transaction has committed (Store::TableVersion).
class WriteSet {
 public:
  void Mark(std::string_view table) {
    for (auto t : tables_)
      if (t == table) return;
    tables_.push_back(table);
  }
  const std::vector<std::string_view>& tables() const { return tables_; }

 private:
  std::vector<std::string_view> tables_;  // views of the schemas' static table names
};

// Search-index changes of one Read or Write call on SQLite, written together when the call ends
// (before its commit) or before a search in the same call. FTS5 moves its pending terms into a new
// segment whenever another statement of the transaction opens a savepoint, so documents written
// one statement at a time between the records' own inserts would each cost a segment (and the
// statement after each a flush); written together they cost two statements per call.
class SearchPending {
 public:
  struct Doc {
    std::string kind;
    std::optional<int64_t> company_id;
    std::string title;
    std::string title_terms;
    std::string body_terms;
  };
  // The document of `rowid` (none: removed) as the call leaves it.
  void Put(int64_t rowid, std::optional<Doc> doc) { docs_[rowid] = std::move(doc); }
  bool empty() const { return docs_.empty(); }
  std::map<int64_t, std::optional<Doc>> Take() { return std::exchange(docs_, {}); }

 private:
  std::map<int64_t, std::optional<Doc>> docs_;
};

// CRUD over one record type T (a struct of core/model.h). Cheap to construct; bound to the
// connection of the transaction it came from, so it must not outlive the Read/Write call.
template <class T>
class Repository {
 public:
  // `search`: where the call's search-index changes wait (Tx owns both).
  // `outbox`: while it is set, an ActivityLog insert that is a webhook event (WebhookEventOf)
  // also inserts its WebhookEvent, in the same transaction (Store::SetWebhookOutbox).
  Repository(Connection& conn, const Clock& clock, WriteSet* writes, SearchPending* search,
             const std::atomic<bool>* outbox = nullptr)
      : conn_(conn), clock_(clock), writes_(writes), search_(search), outbox_(outbox) {}

  // NotFound "<Model> not found".
  Result<T> Get(int64_t id);
  // Get for a row the transaction is about to change: on PostgreSQL the row stays locked until
  // the transaction ends (SELECT ... FOR UPDATE), so two writers cannot both read the old row and
  // the later silently undo the earlier. SQLite runs one writer at a time, so it is a plain Get.
  Result<T> Lock(int64_t id);
  // Sets one column of one row, nothing else (updated_at included). NotFound when the id does not
  // exist; InvalidArgument for a column the schema does not have.
  Status SetColumn(int64_t id, std::string_view column, const Value& value);
  // Assigns id, created_at and updated_at (the current time unless the row sets them), and a
  // slug when the record has one and it is empty. Returns the stored row.
  Result<T> Insert(T row);
  // Writes every column of the row with that id and sets updated_at to now. NotFound when the
  // id does not exist.
  Result<T> Update(T row);
  // NotFound when the id does not exist.
  Status Delete(int64_t id);
  // Deletes every row matching the query's conditions (limit/offset ignored); returns how many.
  Result<int64_t> DeleteWhere(const Query& q);
  Result<std::vector<T>> List(const Query& q);
  // List reading only `columns` (the rest of each record stays default): for scans over many
  // rows that need a few narrow columns. InvalidArgument for a column the schema does not have.
  Result<std::vector<T>> ListColumns(const Query& q, const std::vector<std::string>& columns);
  // ListColumns one record at a time, without the list in memory: `each` gets every record as
  // it is read. An error from `each` stops the scan and is returned.
  Status EachColumns(const Query& q, const std::vector<std::string>& columns, const std::function<Status(T&&)>& each);
  Result<int64_t> Count(const Query& q);
  // The first row matching, or nullopt.
  Result<std::optional<T>> FindFirst(Query q);

 private:
  Status IndexForSearch(const T& row);
  Status RecordWebhookEvent(const T& entry);
  void MarkWritten() {
    if (writes_) writes_->Mark(T::Schema().table);
  }
  Connection& conn_;
  const Clock& clock_;
  WriteSet* writes_;
  SearchPending* search_;
  const std::atomic<bool>* outbox_;
};

// The full-text index over companies, assets (name, serial, model, field values), articles
// (name and text) and password names (never values). Maintained by the repositories in the same
// transaction as the write.
struct SearchHit {
  std::string kind;  // "Company" | "Asset" | "Article" | "AssetPassword"
  int64_t id = 0;
  std::optional<int64_t> company_id;
  std::string title;
};

struct SearchQuery {
  std::string text;                  // the user's words; every word must match (prefix match)
  std::optional<std::vector<int64_t>> company_ids;  // restrict to these companies (and global
                                                    // articles when include_global)
  bool include_global = true;         // records without a company (global articles)
  bool include_passwords = true;      // include password entries (names only)
  int64_t limit = 25;
  int64_t offset = 0;
};

class SearchIndex {
 public:
  // On SQLite, Put and Remove are kept in `pending` until Flush; PostgreSQL writes at once.
  SearchIndex(Connection& conn, SearchPending& pending)
      : conn_(conn), pending_(conn.dialect() == Dialect::kSqlite ? &pending : nullptr) {}
  // Best match first. An empty query answers an empty list.
  Result<std::vector<SearchHit>> Search(const SearchQuery& q);
  // Internal to the store: keeps the index in step with a record.
  Status Put(std::string_view kind, int64_t id, std::optional<int64_t> company_id, bool archived,
             const std::string& title, const std::string& body);
  Status Remove(std::string_view kind, int64_t id);
  // Writes the pending changes (two statements); Store::Read and Write call it.
  Status Flush();

 private:
  Connection& conn_;
  SearchPending* pending_;
};

// The view of the store inside one Read or Write call.
class Tx {
 public:
  Tx(Connection& conn, const Clock& clock, const std::atomic<bool>* outbox = nullptr)
      : conn_(conn), clock_(clock), outbox_(outbox) {}
  template <class T>
  Repository<T> Repo() {
    return Repository<T>(conn_, clock_, &writes_, &search_, outbox_);
  }
  SearchIndex Search() { return SearchIndex(conn_, search_); }
  Dialect dialect() const { return conn_.dialect(); }
  const Clock& clock() const { return clock_; }
  const WriteSet& writes() const { return writes_; }

 private:
  Connection& conn_;
  const Clock& clock_;
  WriteSet writes_;
  SearchPending search_;
  const std::atomic<bool>* outbox_;
};

struct StoreOptions {
  std::string url;      // SQLite file path or postgresql:// URL
  int pool_size = 6;    // connections
  const Clock* clock = nullptr;  // SystemClock() when null; must outlive the Store
};

class Store {
 public:
  // Opens the pool and applies pending migrations. Unavailable when the database cannot be
  // reached; Corruption when its schema is newer than this build knows.
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();

  Dialect dialect() const { return dialect_; }
  // The newest applied migration.
  Result<int64_t> SchemaVersion();

  // Runs fn(Tx&) on a pooled connection without a transaction (each statement is atomic).
  template <class F>
  auto Read(F&& fn) -> std::invoke_result_t<F, Tx&> {
    Lease lease(*this);
    Tx tx(*lease.conn, *clock_, &outbox_);
    auto result = fn(tx);
    if (auto st = tx.Search().Flush(); !st.ok() && result.ok()) result = st;
    Bump(tx.writes());
    return result;
  }

  // Runs fn(Tx&) in a transaction; commits when fn returns OK, rolls back otherwise (and when the
  // commit fails, which is then the result). fn returns Status or Result<T>.
  template <class F>
  auto Write(F&& fn) -> std::invoke_result_t<F, Tx&> {
    // SQLite runs one writer at a time. Queue writers here rather than in SQLite's busy handler,
    // which polls with sleeps and leaves the machine idle while writers wait.
    std::unique_lock<std::mutex> serial;
    if (dialect_ == Dialect::kSqlite) serial = std::unique_lock(write_mu_);
    Lease lease(*this);
    if (auto st = lease.conn->Begin(true); !st.ok()) return st;
    Tx tx(*lease.conn, *clock_, &outbox_);
    // Nothing here should throw; if something does, the connection must not go back to the pool
    // inside an open transaction.
    std::optional<std::invoke_result_t<F, Tx&>> attempt;
    try {
      attempt.emplace(fn(tx));
    } catch (const std::exception& e) {
      (void)lease.conn->Rollback();
      return Status::Internal("unexpected exception in a write", e.what());
    }
    auto result = std::move(*attempt);
    if (result.ok())
      if (auto st = tx.Search().Flush(); !st.ok()) result = st;
    if (!result.ok()) {
      (void)lease.conn->Rollback();
      return result;
    }
    if (auto st = lease.conn->Commit(); !st.ok()) {
      (void)lease.conn->Rollback();
      return st;
    }
    Bump(tx.writes());
    return result;
  }

  // A number that grows every time a committed transaction (of this process) changes `table`.
  // Read it before reading the table: a cached answer tagged with the version read before it
  // was computed is current for as long as the version stays the same. Writes by other
  // processes (another node on PostgreSQL) are not seen.
  uint64_t TableVersion(std::string_view table) const;

  // The webhook outbox: while on (some webhook is active), every activity-log entry that is a
  // webhook event writes a webhook_events row in the same transaction (core/model.h).
  void SetWebhookOutbox(bool on) { outbox_.store(on, std::memory_order_relaxed); }
  bool webhook_outbox() const { return outbox_.load(std::memory_order_relaxed); }

 private:
  struct Lease {
    explicit Lease(Store& s) : store(s), conn(s.Acquire()) {}
    ~Lease() { store.Release(conn); }
    Store& store;
    Connection* conn;
  };
  Store() = default;
  Connection* Acquire();
  void Release(Connection* c);
  Status Migrate();
  void Bump(const WriteSet& writes);

  Dialect dialect_ = Dialect::kSqlite;
  const Clock* clock_ = nullptr;
  std::atomic<bool> outbox_{false};
  std::vector<std::unique_ptr<Connection>> all_;
  std::vector<Connection*> free_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::mutex write_mu_;  // SQLite only: one write transaction at a time
  mutable std::mutex versions_mu_;
  std::map<std::string, uint64_t, std::less<>> versions_;
};

// The current schema version this build migrates to.
int64_t LatestSchemaVersion();

}  // namespace cairn::store
