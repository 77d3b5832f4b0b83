#include "store/store.h"

#include <charconv>

#include "store/migrations.h"

namespace cairn::store {
namespace {

bool IsPostgresUrl(const std::string& url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

Result<int64_t> AppliedVersion(Connection& c) {
  return QueryInt(c, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {});
}

}  // namespace

Result<int64_t> QueryInt(Connection& conn, std::string_view sql, std::span<const Value> params) {
  auto rows = conn.Query(sql, params);
  if (!rows.ok()) return rows.status();
  if (rows->empty() || rows->front().empty()) return int64_t{0};
  const Value& v = rows->front().front();
  if (const auto* n = std::get_if<int64_t>(&v)) return *n;
  if (const auto* s = std::get_if<std::string>(&v)) {
    int64_t out = 0;
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), out);
    if (ec != std::errc() || p != s->data() + s->size())
      return Status::Corruption("the database answered a number as '" + *s + "'");
    return out;
  }
  return int64_t{0};
}

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  std::unique_ptr<Store> store(new Store());
  store->clock_ = options.clock ? options.clock : &SystemClock();
  bool pg = IsPostgresUrl(options.url);
  store->dialect_ = pg ? Dialect::kPostgres : Dialect::kSqlite;
  int n = std::max(1, options.pool_size);
  for (int i = 0; i < n; ++i) {
    auto conn = pg ? OpenPostgres(options.url) : OpenSqlite(options.url);
    if (!conn.ok()) return conn.status();
    store->free_.push_back(conn->get());
    store->all_.push_back(std::move(conn).value());
    // Migrate through the first connection before opening the others, so a new SQLite file is
    // switched to WAL once and the others see the schema.
    if (i == 0) CAIRN_RETURN_IF_ERROR(store->Migrate());
  }
  return store;
}

Store::~Store() = default;

Connection* Store::Acquire() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !free_.empty(); });
  Connection* c = free_.back();
  free_.pop_back();
  return c;
}

void Store::Release(Connection* c) {
  {
    std::lock_guard lock(mu_);
    free_.push_back(c);
  }
  cv_.notify_one();
}

Status Store::Migrate() {
  Connection& c = *all_.front();
  CAIRN_RETURN_IF_ERROR(c.ExecScript(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
      "name TEXT NOT NULL, applied_at BIGINT NOT NULL)"));
  // Serialise concurrent starters: take the write lock before reading the version.
  CAIRN_RETURN_IF_ERROR(c.Begin(true));
  if (dialect_ == Dialect::kPostgres) {
    auto st = c.ExecScript("LOCK TABLE schema_migrations IN EXCLUSIVE MODE");
    if (!st.ok()) {
      (void)c.Rollback();
      return st;
    }
  }
  auto current = AppliedVersion(c);
  if (!current.ok()) {
    (void)c.Rollback();
    return current.status();
  }
  if (*current > LatestSchemaVersion()) {
    (void)c.Rollback();
    return Status::Corruption("the database schema (version " + std::to_string(*current) +
                              ") is newer than this Cairn build knows (" +
                              std::to_string(LatestSchemaVersion()) + "); upgrade Cairn");
  }
  for (const auto& m : Migrations()) {
    if (m.version <= *current) continue;
    auto st = c.ExecScript(m.sql(dialect_));
    if (st.ok()) {
      Value p[] = {m.version, std::string(m.name), clock_->NowMs()};
      auto ins = c.Execute(
          "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", p);
      if (!ins.ok()) st = ins.status();
    }
    if (!st.ok()) {
      (void)c.Rollback();
      return Status(st.code(), "migration " + std::to_string(m.version) + " (" + m.name +
                                   ") failed: " + st.message(),
                    st.detail());
    }
  }
  return c.Commit();
}

void Store::Bump(const WriteSet& writes) {
  if (writes.tables().empty()) return;
  std::lock_guard lock(versions_mu_);
  for (auto t : writes.tables()) {
    auto it = versions_.find(t);
    if (it == versions_.end()) versions_.emplace(std::string(t), 1);
    else ++it->second;
  }
}

uint64_t Store::TableVersion(std::string_view table) const {
  std::lock_guard lock(versions_mu_);
  auto it = versions_.find(table);
  return it == versions_.end() ? 0 : it->second;
}

Result<int64_t> Store::SchemaVersion() {
  Lease lease(*this);
  return AppliedVersion(*lease.conn);
}

}  // namespace cairn::store
