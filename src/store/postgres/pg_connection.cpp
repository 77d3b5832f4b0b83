// The PostgreSQL driver: a Connection over one libpq connection.
//
// Statements go through the extended protocol as named prepared statements, cached per
// connection by their SQL text, so a repeated statement is parsed and planned by the server
// once. Parameters and results travel as text; the server infers parameter types from context.
//
// Connection loss: before each call the driver reads whatever the server sent while idle, so a
// connection closed by the server (restart, pg_terminate_backend, idle timeout) is noticed and
// reset before the call rather than failing it. If that happens inside a transaction, the
// transaction is gone: every call but Rollback reports Unavailable until the caller rolls back,
// so the rest of the transaction cannot silently run in autocommit mode on the new session.
#include "store/postgres/pg_connection.h"

#include <libpq-fe.h>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/driver.h"

namespace cairn::store {
namespace pg {
namespace {

bool IsIdentChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' ||
         u == '$' || u >= 0x80;
}

// Returns the index just past the literal or identifier opened by the quote at `open`.
size_t SkipQuoted(std::string_view sql, size_t open, char quote, bool backslash_escapes) {
  size_t j = open + 1;
  while (j < sql.size()) {
    if (backslash_escapes && sql[j] == '\\') {
      j += 2;
      continue;
    }
    if (sql[j] == quote) {
      if (j + 1 < sql.size() && sql[j + 1] == quote) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    ++j;
  }
  return sql.size();
}

// Returns the index just past the block comment opened at `open`; PostgreSQL nests them.
size_t SkipBlockComment(std::string_view sql, size_t open) {
  int depth = 0;
  size_t j = open;
  while (j + 1 < sql.size()) {
    if (sql[j] == '/' && sql[j + 1] == '*') {
      ++depth;
      j += 2;
    } else if (sql[j] == '*' && sql[j + 1] == '/') {
      j += 2;
      if (--depth == 0) return j;
    } else {
      ++j;
    }
  }
  return sql.size();
}

// If a dollar quote ($$ or $tag$) opens at `open`, returns the index just past its end;
// otherwise returns `open` + 1 ("$1" and identifiers containing "$" are not quotes).
size_t SkipDollarQuoted(std::string_view sql, size_t open) {
  if (open > 0 && IsIdentChar(sql[open - 1])) return open + 1;
  size_t j = open + 1;
  while (j < sql.size() && sql[j] != '$' && IsIdentChar(sql[j]) &&
         !(j == open + 1 && sql[j] >= '0' && sql[j] <= '9')) {
    ++j;
  }
  if (j >= sql.size() || sql[j] != '$') return open + 1;
  const std::string_view tag = sql.substr(open, j - open + 1);
  const size_t close = sql.find(tag, j + 1);
  return close == std::string_view::npos ? sql.size() : close + tag.size();
}

}  // namespace

NumberedSql NumberPlaceholders(std::string_view sql) {
  NumberedSql out;
  out.text.reserve(sql.size() + 16);
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    const char next = i + 1 < sql.size() ? sql[i + 1] : '\0';
    if (c == '?') {
      out.text += '$';
      out.text += std::to_string(++out.params);
      ++i;
      continue;
    }
    size_t end = i + 1;
    if (c == '\'') {
      // E'...' strings treat backslash as an escape; plain ones do not
      // (standard_conforming_strings is on by default since PostgreSQL 9.1).
      const bool e_string = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                            !(i > 1 && IsIdentChar(sql[i - 2]));
      end = SkipQuoted(sql, i, '\'', e_string);
    } else if (c == '"') {
      end = SkipQuoted(sql, i, '"', false);
    } else if (c == '-' && next == '-') {
      const size_t nl = sql.find('\n', i);
      end = nl == std::string_view::npos ? sql.size() : nl + 1;
    } else if (c == '/' && next == '*') {
      end = SkipBlockComment(sql, i);
    } else if (c == '$') {
      end = SkipDollarQuoted(sql, i);
    }
    out.text.append(sql.substr(i, end - i));
    i = end;
  }
  return out;
}

}  // namespace pg

namespace {

// Type OIDs from the server's catalog/pg_type_d.h, which libpq-dev does not ship. They are
// fixed for all PostgreSQL versions.
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;

// Past this many cached statements the cache starts over, bounding server memory when callers
// build SQL dynamically.
constexpr size_t kMaxPrepared = 512;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// libpq messages end with a newline and continue on tab-indented lines; logs want one line.
std::string OneLine(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

void ReplaceAll(std::string& s, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size())) {
    s.replace(at, what.size(), with);
  }
}

// libpq quotes parts of a malformed URL in its errors ("invalid percent-encoded token"), which
// can be the password. Removes the password, raw and decoded, from `message`.
std::string Redact(std::string message, const std::string& url) {
  if (const size_t scheme = url.find("://"); scheme != std::string::npos) {
    const size_t start = scheme + 3;
    const size_t at = url.rfind('@', url.find_first_of("/?", start));
    if (at != std::string::npos && at > start) {
      const std::string userinfo = url.substr(start, at - start);
      if (const size_t colon = userinfo.find(':'); colon != std::string::npos) {
        ReplaceAll(message, userinfo.substr(colon + 1), "***");
      }
    }
  }
  char* err = nullptr;
  if (PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err)) {
    for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
      if (std::strcmp(o->keyword, "password") == 0 && o->val != nullptr) {
        ReplaceAll(message, o->val, "***");
      }
    }
    PQconninfoFree(opts);
  }
  if (err != nullptr) PQfreemem(err);
  return message;
}

std::string ErrorField(const PGresult* r, int field) {
  const char* v = r != nullptr ? PQresultErrorField(r, field) : nullptr;
  return v != nullptr ? v : "";
}

bool Succeeded(const PGresult* r) {
  if (r == nullptr) return false;
  const ExecStatusType s = PQresultStatus(r);
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY;
}

Value ToValue(const PGresult* r, int row, int col, Oid type) {
  if (PQgetisnull(r, row, col)) return std::monostate{};
  const char* text = PQgetvalue(r, row, col);
  const int len = PQgetlength(r, row, col);
  if (type == kBoolOid && len == 1) {
    if (text[0] == 't') return int64_t{1};
    if (text[0] == 'f') return int64_t{0};
  } else if (type == kInt8Oid || type == kInt4Oid || type == kInt2Oid) {
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(text, text + len, v);
    if (ec == std::errc() && end == text + len) return v;
  }
  // Everything else, and anything unexpected in the above, stays text: never trust the wire.
  return std::string(text, static_cast<size_t>(len));
}

Rows ToRows(const PGresult* r) {
  const int nrows = PQntuples(r);
  const int ncols = PQnfields(r);
  std::vector<Oid> types(static_cast<size_t>(ncols));
  for (int c = 0; c < ncols; ++c) types[static_cast<size_t>(c)] = PQftype(r, c);
  Rows rows;
  rows.reserve(static_cast<size_t>(nrows));
  for (int i = 0; i < nrows; ++i) {
    Row row;
    row.reserve(static_cast<size_t>(ncols));
    for (int c = 0; c < ncols; ++c) row.push_back(ToValue(r, i, c, types[static_cast<size_t>(c)]));
    rows.push_back(std::move(row));
  }
  return rows;
}

class PgConnection final : public Connection {
 public:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  ~PgConnection() override { PQfinish(conn_); }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  Dialect dialect() const override { return Dialect::kPostgres; }

  // Session settings, applied after every (re)connect.
  Status Configure() {
    PgResult r(PQexec(conn_, "SET client_min_messages = warning"));
    if (!Succeeded(r.get())) {
      return Status::Unavailable("cannot configure the PostgreSQL session: " +
                                 OneLine(PQerrorMessage(conn_)));
    }
    return Status::Ok();
  }

  Status ExecScript(std::string_view sql) override {
    CAIRN_RETURN_IF_ERROR(StartCall());
    const std::string text(sql);
    PgResult r(PQexec(conn_, text.c_str()));
    NoteTransactionState();
    if (!Succeeded(r.get())) return ErrorFrom(r.get());
    return Status::Ok();
  }

  Result<Rows> Query(std::string_view sql, std::span<const Value> params) override {
    CAIRN_ASSIGN_OR_RETURN(PgResult r, Run(sql, params));
    return ToRows(r.get());
  }

  Result<int64_t> Execute(std::string_view sql, std::span<const Value> params) override {
    CAIRN_ASSIGN_OR_RETURN(PgResult r, Run(sql, params));
    const char* tuples = PQcmdTuples(r.get());
    int64_t n = 0;
    (void)std::from_chars(tuples, tuples + std::strlen(tuples), n);  // "" (no count) leaves 0
    return n;
  }

  Status Begin(bool /*write*/) override {
    // PostgreSQL takes row locks as it writes, so both kinds start the same way.
    CAIRN_RETURN_IF_ERROR(StartCall());
    return Simple("BEGIN");
  }

  Status Commit() override {
    if (Status s = CheckConnection(); !s.ok()) {
      lost_transaction_ = false;
      return s;
    }
    if (lost_transaction_) {
      lost_transaction_ = false;
      return LostTransaction();
    }
    PgResult r(PQexec(conn_, "COMMIT"));
    NoteTransactionState();
    if (!Succeeded(r.get())) return ErrorFrom(r.get());
    // COMMIT of a transaction in which a statement failed rolls back and still succeeds.
    if (std::strcmp(PQcmdStatus(r.get()), "ROLLBACK") == 0) {
      return Status::Internal("the transaction was rolled back because a statement in it failed");
    }
    return Status::Ok();
  }

  Status Rollback() override {
    const Status s = CheckConnection();
    if (lost_transaction_ || !s.ok()) {
      // The server discarded the transaction with the session, which is what was asked.
      lost_transaction_ = false;
      in_transaction_ = false;
      return Status::Ok();
    }
    return Simple("ROLLBACK");
  }

 private:
  struct Statement {
    std::string name;
    int params = 0;
  };

  // Resets a connection the server has closed. Unavailable when that fails.
  Status CheckConnection() {
    // Reading what arrived while idle is how a closed socket is noticed before sending. A server
    // that ends a session sends an error and then closes; the first read returns the error,
    // the second sees the end of the stream. On a live idle socket each is one non-blocking recv.
    for (int i = 0; i < 2 && PQstatus(conn_) == CONNECTION_OK; ++i) PQconsumeInput(conn_);
    if (PQstatus(conn_) == CONNECTION_OK) return Status::Ok();
    statements_.clear();
    to_deallocate_.clear();
    if (in_transaction_) lost_transaction_ = true;
    in_transaction_ = false;
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
      return Status::Unavailable("cannot reconnect to PostgreSQL: " +
                                 OneLine(PQerrorMessage(conn_)));
    }
    return Configure();
  }

  // Common start of every call that runs a statement.
  Status StartCall() {
    CAIRN_RETURN_IF_ERROR(CheckConnection());
    if (lost_transaction_) return LostTransaction();
    FlushDeallocations();
    return Status::Ok();
  }

  static Status LostTransaction() {
    return Status::Unavailable(
        "the connection to PostgreSQL was lost during the transaction, which was rolled back");
  }

  Status Simple(const char* sql) {
    PgResult r(PQexec(conn_, sql));
    NoteTransactionState();
    if (!Succeeded(r.get())) return ErrorFrom(r.get());
    return Status::Ok();
  }

  void NoteTransactionState() {
    switch (PQtransactionStatus(conn_)) {
      case PQTRANS_IDLE: in_transaction_ = false; break;
      case PQTRANS_ACTIVE:
      case PQTRANS_INTRANS:
      case PQTRANS_INERROR: in_transaction_ = true; break;
      case PQTRANS_UNKNOWN: break;  // connection lost: keep the last known state
    }
  }

  // Deallocating inside a transaction could abort it, so forgotten statements wait for idle.
  void FlushDeallocations() {
    if (to_deallocate_.empty() || PQtransactionStatus(conn_) != PQTRANS_IDLE) return;
    std::string script;
    for (const auto& name : to_deallocate_) script += "DEALLOCATE " + name + ";";
    to_deallocate_.clear();
    PgResult r(PQexec(conn_, script.c_str()));  // best effort: a leftover costs only memory
  }

  void Forget(std::string_view sql) {
    if (auto it = statements_.find(sql); it != statements_.end()) {
      to_deallocate_.push_back(it->second.name);
      statements_.erase(it);
    }
  }

  Result<const Statement*> Lookup(std::string_view sql) {
    if (auto it = statements_.find(sql); it != statements_.end()) return &it->second;
    if (statements_.size() >= kMaxPrepared) {
      for (auto& [text, st] : statements_) to_deallocate_.push_back(st.name);
      statements_.clear();
    }
    pg::NumberedSql numbered = pg::NumberPlaceholders(sql);
    Statement st{"s" + std::to_string(++statement_counter_), numbered.params};
    PgResult r(PQprepare(conn_, st.name.c_str(), numbered.text.c_str(), 0, nullptr));
    NoteTransactionState();
    if (!Succeeded(r.get())) return ErrorFrom(r.get());
    auto [it, inserted] = statements_.emplace(std::string(sql), std::move(st));
    return &it->second;
  }

  Result<PgResult> Run(std::string_view sql, std::span<const Value> params) {
    CAIRN_RETURN_IF_ERROR(StartCall());
    std::vector<std::string> ints;  // storage for the decimal text of integer parameters
    ints.reserve(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      if (const auto* n = std::get_if<int64_t>(&params[i])) {
        values[i] = ints.emplace_back(std::to_string(*n)).c_str();
      } else if (const auto* s = std::get_if<std::string>(&params[i])) {
        // Text parameters end at the first NUL; PostgreSQL text cannot hold one anyway.
        if (s->find('\0') != std::string::npos) {
          return Status::Invalid("text must not contain NUL characters");
        }
        values[i] = s->c_str();
      }
    }
    for (int attempt = 0;; ++attempt) {
      CAIRN_ASSIGN_OR_RETURN(const Statement* st, Lookup(sql));
      if (static_cast<size_t>(st->params) != params.size()) {
        return Status::Internal("statement has " + std::to_string(st->params) +
                                " placeholders but " + std::to_string(params.size()) +
                                " parameters were given");
      }
      PgResult r(PQexecPrepared(conn_, st->name.c_str(), st->params, values.data(), nullptr,
                                nullptr, 0));
      NoteTransactionState();
      if (Succeeded(r.get())) return r;
      const std::string state = ErrorField(r.get(), PG_DIAG_SQLSTATE);
      // The schema changed under the cached plan ("cached plan must not change result type"),
      // or the session lost its statements (DEALLOCATE ALL, DISCARD ALL). Prepare again; retry
      // only outside a transaction, since inside one the error has already aborted it.
      if (state == "0A000" || state == "26000") {
        Forget(sql);
        if (attempt == 0 && PQtransactionStatus(conn_) == PQTRANS_IDLE) {
          FlushDeallocations();
          continue;
        }
      }
      return ErrorFrom(r.get());
    }
  }

  // Maps a failed result (or a null one: out of memory or lost connection) to a Status.
  Status ErrorFrom(const PGresult* r) {
    if (PQstatus(conn_) != CONNECTION_OK || r == nullptr) {
      std::string why = OneLine(r != nullptr ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
      if (why.empty()) why = OneLine(PQerrorMessage(conn_));
      return Status::Unavailable("lost the connection to PostgreSQL: " + why);
    }
    const std::string state = ErrorField(r, PG_DIAG_SQLSTATE);
    std::string primary = ErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    if (primary.empty()) primary = OneLine(PQresultErrorMessage(r));
    const std::string detail = OneLine(ErrorField(r, PG_DIAG_MESSAGE_DETAIL));
    std::string log = "SQLSTATE " + state;
    if (!detail.empty()) log += ": " + detail;

    if (state == "23505") {
      return Status(Code::kConflict, "duplicate value: " + (detail.empty() ? primary : detail),
                    primary + " (SQLSTATE 23505)");
    }
    // Foreign key, not null and check violations, and data errors (bad input syntax, value out
    // of range, invalid encoding, ...): the caller sent something the schema refuses.
    if (state == "23503" || state == "23502" || state == "23514" || state.starts_with("22")) {
      return Status(Code::kInvalidArgument, primary, log);
    }
    // Connection exceptions, server shutting down or starting, out of resources, and
    // serialization failures or deadlocks: worth retrying later.
    if (state.starts_with("08") || state.starts_with("53") || state == "57P01" ||
        state == "57P02" || state == "57P03" || state == "40001" || state == "40P01") {
      return Status::Unavailable(primary, log);
    }
    return Status::Internal(primary, log);
  }

  PGconn* conn_;
  std::unordered_map<std::string, Statement, StringHash, std::equal_to<>> statements_;
  std::vector<std::string> to_deallocate_;
  uint64_t statement_counter_ = 0;
  bool in_transaction_ = false;    // as of the last statement the server answered
  bool lost_transaction_ = false;  // the session died inside a transaction not yet rolled back
};

}  // namespace

Result<std::unique_ptr<Connection>> OpenPostgres(const std::string& url) {
  // A URL without connect_timeout would wait forever on an unreachable host; one that has it
  // overrides this default, since keywords before dbname yield to the expanded URL.
  const char* keys[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {"10", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr) return Status::Unavailable("cannot connect to PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = Redact(OneLine(PQerrorMessage(conn)), url);
    PQfinish(conn);
    return Status::Unavailable("cannot connect to PostgreSQL: " + why);
  }
  auto c = std::make_unique<PgConnection>(conn);
  CAIRN_RETURN_IF_ERROR(c->Configure());
  return std::unique_ptr<Connection>(std::move(c));
}

}  // namespace cairn::store
