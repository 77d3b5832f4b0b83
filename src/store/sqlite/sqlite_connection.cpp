// The SQLite driver: one sqlite3 handle in WAL mode with a cache of prepared statements.
//
// Durability: WAL with synchronous=NORMAL survives a killed process (every committed transaction
// is in the WAL file); only an operating-system crash or power loss can drop the last commits.
// `PRAGMA synchronous=FULL` can be had with the `?sync=full` suffix on the path.
#include <sqlite3.h>

#include <filesystem>
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

class SqliteConnection : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
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

  Status Run(std::string_view sql, std::span<const Value> params, Rows* rows) {
    auto prepared = Prepare(sql);
    if (!prepared.ok()) return prepared.status();
    sqlite3_stmt* stmt = *prepared;
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
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
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
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
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);  // the text bindings point into `params`
    return st;
  }

  sqlite3* db_;
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
  auto conn = std::make_unique<SqliteConnection>(db);
  // Checkpoints run in the committing writer; one every ~32 MB of WAL instead of every 4 MB keeps
  // bursts of small writes (API clients, syncs) from stalling on them.
  std::string pragmas = "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
                        "PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456; PRAGMA wal_autocheckpoint=8000;";
  pragmas += sync_full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;";
  auto st = conn->ExecScript(pragmas);
  if (!st.ok())
    return Status::Unavailable("cannot open the SQLite database " + path + ": " + st.ToString());
  return std::unique_ptr<Connection>(std::move(conn));
}

}  // namespace cairn::store
