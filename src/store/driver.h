// The database driver interface: the only thing the SQLite and PostgreSQL backends implement.
// Repositories (repository.h) are written once against it.
//
// SQL given to a Connection uses "?" placeholders; the PostgreSQL driver rewrites them to $1..$n.
// Both backends accept the shared subset used by the store: INSERT ... RETURNING, ON CONFLICT,
// lower(), COALESCE, LIMIT/OFFSET. Anything dialect-specific is chosen by dialect().
//
// A Connection is used by one thread at a time (the Store's pool hands it out).
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/schema.h"
#include "core/status.h"

namespace cairn::store {

enum class Dialect { kSqlite, kPostgres };

using Row = std::vector<Value>;
using Rows = std::vector<Row>;

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;

  // Runs one or more statements without parameters (migrations, BEGIN/COMMIT).
  virtual Status ExecScript(std::string_view sql) = 0;
  // Runs one statement and returns its rows (empty for statements without results). Integer
  // columns come back as int64_t, NULL as monostate, everything else as text.
  virtual Result<Rows> Query(std::string_view sql, std::span<const Value> params) = 0;
  // As Query, passing each row to `each` as it is read instead of returning them all; the row's
  // storage may be reused for the next one (move out what is kept). An error from `each` stops
  // the statement and is returned. Backends that cannot stream read the rows first. `each` must
  // not run statements on this connection (SQLite would reset the one in progress).
  using RowFn = std::function<Status(Row&)>;
  virtual Status QueryEach(std::string_view sql, std::span<const Value> params, const RowFn& each) {
    auto rows = Query(sql, params);
    if (!rows.ok()) return rows.status();
    for (auto& r : *rows) CAIRN_RETURN_IF_ERROR(each(r));
    return Status::Ok();
  }
  // Runs one statement and returns the number of rows it changed.
  virtual Result<int64_t> Execute(std::string_view sql, std::span<const Value> params) = 0;

  // Transactions. Begin(true) takes the write lock up front (SQLite BEGIN IMMEDIATE) so that two
  // writers queue instead of failing on upgrade.
  virtual Status Begin(bool write) = 0;
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;
};

// Runs a query whose answer is one integer (COUNT, MAX, ...): the first column of the first row,
// 0 when there is no row or it is NULL. Corruption when the value is not a number.
Result<int64_t> QueryInt(Connection& conn, std::string_view sql, std::span<const Value> params);

// Opens a connection to `url`: a file path for SQLite ("./data/cairn.db") or
// "postgresql://..." / "postgres://..." for PostgreSQL. Unavailable with the server's or the
// file system's reason when it cannot.
Result<std::unique_ptr<Connection>> OpenSqlite(const std::string& path);
Result<std::unique_ptr<Connection>> OpenPostgres(const std::string& url);

}  // namespace cairn::store
