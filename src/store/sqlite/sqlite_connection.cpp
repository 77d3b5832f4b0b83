// The SQLite driver: one sqlite3 handle in WAL mode with a cache of prepared statements.
//
// Durability: WAL with synchronous=NORMAL survives a killed process (every committed transaction
// is in the WAL file); only an operating-system crash or power loss can drop the last commits.
// `PRAGMA synchronous=FULL` can be had with the `?sync=full` suffix on the path.
//
// Checkpoints (copying the WAL back into the database file, with its fsync) run on a thread of
// their own (Checkpointer), not in the writer that happens to commit past the threshold: a sync
// run or an API client writing steadily would otherwise spend a fifth of its time on them.
#include <sqlite3.h>

#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "store/driver.h"

namespace cairn::store {
namespace {

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string msg = sqlite3_errmsg(db);
  int ext = sqlite3_extended_errcode(db);
  if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
    return Status::Conflict("duplicate value: " + msg);
  if ((rc & 0xff) == SQLITE_CONSTRAINT) return Status::Invalid("constraint failed: " + msg);
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
    return Status::Unavailable("the database is busy", std::string(what) + ": " + msg);
  if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB)
    return Status::Corruption("the SQLite database file is damaged", msg);
  return Status::Internal("database error", std::string(what) + ": " + msg);
}

// WAL pages (4 KiB) after which a commit asks the checkpointer to run, and after which the
// committing writer checkpoints itself (the checkpointer is not keeping up: back-pressure).
constexpr int kCheckpointPages = 4000;
constexpr int kWriterCheckpointPages = 64000;

// One per database file, shared by its connections: a thread with a connection of its own that
// runs a PASSIVE checkpoint (never blocking readers or writers) when a commit asks for one.
class Checkpointer {
 public:
  static std::shared_ptr<Checkpointer> For(const std::string& path) {
    static std::mutex registry_mu;
    static std::map<std::string, std::weak_ptr<Checkpointer>> registry;
    std::lock_guard lock(registry_mu);
    std::erase_if(registry, [](const auto& entry) { return entry.second.expired(); });
    auto& slot = registry[path];
    if (auto existing = slot.lock()) return existing;
    auto made = std::make_shared<Checkpointer>(path);
    slot = made;
    return made;
  }

  explicit Checkpointer(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
      sqlite3_close_v2(db_);
      db_ = nullptr;  // the writers' own checkpoints (kWriterCheckpointPages) remain
      return;
    }
    sqlite3_busy_timeout(db_, 1000);
    thread_ = std::thread([this] { Loop(); });
  }
  ~Checkpointer() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
    if (db_) sqlite3_close_v2(db_);
  }

  bool running() const { return db_ != nullptr; }
  void Request() {
    {
      std::lock_guard lock(mu_);
      requested_ = true;
    }
    cv_.notify_one();
  }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return requested_ || stop_; });
      if (stop_) return;
      requested_ = false;
      lock.unlock();
      (void)sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      lock.lock();
    }
  }

  sqlite3* db_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;
  bool requested_ = false;
  bool stop_ = false;
  std::thread thread_;
};

class SqliteConnection : public Connection {
 public:
  SqliteConnection(sqlite3* db, std::shared_ptr<Checkpointer> checkpointer)
      : db_(db), checkpointer_(std::move(checkpointer)) {
    sqlite3_wal_hook(db_, &SqliteConnection::WalHook, this);
  }
  ~SqliteConnection() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  Dialect dialect() const override { return Dialect::kSqlite; }

  Status ExecScript(std::string_view sql) override {
    std::string s(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
    if (err) sqlite3_free(err);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, s.substr(0, 80));
    return Status::Ok();
  }

  Result<Rows> Query(std::string_view sql, std::span<const Value> params) override {
    Rows rows;
    auto st = Run(sql, params, &rows);
    if (!st.ok()) return st;
    return rows;
  }

  Status QueryEach(std::string_view sql, std::span<const Value> params, const RowFn& each) override {
    return Run(sql, params, nullptr, &each);
  }

  Result<int64_t> Execute(std::string_view sql, std::span<const Value> params) override {
    auto st = Run(sql, params, nullptr);
    if (!st.ok()) return st;
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  Status Begin(bool write) override { return ExecScript(write ? "BEGIN IMMEDIATE" : "BEGIN"); }
  Status Commit() override { return ExecScript("COMMIT"); }
  Status Rollback() override {
    if (sqlite3_get_autocommit(db_)) return Status::Ok();  // already rolled back by SQLite
    return ExecScript("ROLLBACK");
  }

 private:
  // "INSERT ... RETURNING id" runs as a plain INSERT whose id is sqlite3_last_insert_rowid: SQLite
  // carries out a RETURNING statement in full on its first step and buffers the rows in a
  // temporary table, which costs more than the insert of a small row itself.
  static constexpr std::string_view kReturningId = " RETURNING id";

  Result<sqlite3_stmt*> Prepare(std::string_view sql) {
    auto it = cache_.find(std::string(sql));
    if (it != cache_.end()) return it->second;
    std::string_view text = sql;
    if (text.ends_with(kReturningId) && text.starts_with("INSERT ")) text.remove_suffix(kReturningId.size());
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, text.data(), static_cast<int>(text.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, sql.substr(0, 80));
    cache_.emplace(std::string(sql), stmt);
    return stmt;
  }

  // Rows go to `rows` (all of them) or, one at a time in one reused Row, to `each`.
  Status Run(std::string_view sql, std::span<const Value> params, Rows* rows, const RowFn* each = nullptr) {
    auto prepared = Prepare(sql);
    if (!prepared.ok()) return prepared.status();
    sqlite3_stmt* stmt = *prepared;
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    // However this ends (an exception from `each` included), the cached statement is reset, so
    // that it holds no read snapshot and no binding into `params`.
    struct Reset {
      sqlite3_stmt* stmt;
      ~Reset() {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
      }
    } reset{stmt};
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i + 1);
      const Value& v = params[i];
      if (auto* n = std::get_if<int64_t>(&v)) sqlite3_bind_int64(stmt, idx, *n);
      else if (auto* s = std::get_if<std::string>(&v))
        sqlite3_bind_text(stmt, idx, s->data(), static_cast<int>(s->size()), SQLITE_STATIC);
      else sqlite3_bind_null(stmt, idx);
    }
    int rc;
    int ncol = sqlite3_column_count(stmt);
    Row reused;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      if (each) {
        reused.resize(ncol);
        for (int c = 0; c < ncol; ++c) {
          switch (sqlite3_column_type(stmt, c)) {
            case SQLITE_INTEGER: reused[c] = int64_t{sqlite3_column_int64(stmt, c)}; break;
            case SQLITE_NULL: reused[c] = std::monostate{}; break;
            default: {
              const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
              size_t n = static_cast<size_t>(sqlite3_column_bytes(stmt, c));
              if (auto* s = std::get_if<std::string>(&reused[c])) s->assign(p ? p : "", n);
              else reused[c] = std::string(p ? p : "", n);
            }
          }
        }
        if (Status st = (*each)(reused); !st.ok()) return st;
        continue;
      }
      if (!rows) continue;
      Row row;
      row.reserve(ncol);
      for (int c = 0; c < ncol; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_INTEGER: row.emplace_back(int64_t{sqlite3_column_int64(stmt, c)}); break;
          case SQLITE_NULL: row.emplace_back(std::monostate{}); break;
          default: {
            const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
            row.emplace_back(std::string(p ? p : "", sqlite3_column_bytes(stmt, c)));
          }
        }
      }
      rows->push_back(std::move(row));
    }
    Status st = rc == SQLITE_DONE ? Status::Ok() : SqliteError(db_, rc, sql.substr(0, 80));
    if (st.ok() && rows && ncol == 0 && sql.ends_with(kReturningId) && sqlite3_changes(db_) > 0)
      rows->push_back(Row{Value(int64_t{sqlite3_last_insert_rowid(db_)})});
    return st;
  }

  // After every commit, with the WAL's size in pages (the write lock already released).
  static int WalHook(void* self, sqlite3* db, const char* name, int pages) {
    auto* c = static_cast<SqliteConnection*>(self);
    bool background = c->checkpointer_ && c->checkpointer_->running();
    if (background && pages >= kCheckpointPages) c->checkpointer_->Request();
    if (pages >= (background ? kWriterCheckpointPages : kCheckpointPages))
      (void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    return SQLITE_OK;
  }

  sqlite3* db_;
  std::shared_ptr<Checkpointer> checkpointer_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace

Result<std::unique_ptr<Connection>> OpenSqlite(const std::string& spec) {
  std::string path = spec;
  bool sync_full = false;
  if (auto q = path.find("?sync=full"); q != std::string::npos) {
    sync_full = true;
    path.erase(q);
  }
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec)
    return Status::Unavailable("cannot create the directory " + parent.string() + ": " +
                               ec.message());
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return Status::Unavailable("cannot open the SQLite database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 10000);
  // The first 64 MiB of the file are read through a memory map (the operating system's cache);
  // each connection's own cache holds what a transaction changes. 16 MiB each (of a pool of six)
  // measured faster than 64 MiB for a sync import, at 60 MiB less peak memory. A 256 MiB map
  // made no measurable difference to imports or re-syncs and counted up to 256 MiB of the
  // database in the process's resident memory (bench/RESULTS.md).
  std::string pragmas = "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
                        "PRAGMA cache_size=-16384; PRAGMA mmap_size=67108864;";
  pragmas += sync_full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;";
  char* err = nullptr;
  rc = sqlite3_exec(db, pragmas.c_str(), nullptr, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  if (rc != SQLITE_OK) {
    sqlite3_close_v2(db);
    return Status::Unavailable("cannot open the SQLite database " + path + ": " + msg);
  }
  // The checkpointer opens its connection once the file is in WAL mode (set just above).
  std::error_code canon_ec;
  auto canonical = std::filesystem::weakly_canonical(path, canon_ec);
  auto checkpointer = Checkpointer::For(canon_ec ? path : canonical.string());
  return std::unique_ptr<Connection>(std::make_unique<SqliteConnection>(db, std::move(checkpointer)));
}

}  // namespace cairn::store
