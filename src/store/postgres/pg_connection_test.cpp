// Tests of the PostgreSQL driver. The placeholder and connection-failure tests need no server;
// the others run against the database named by CAIRN_TEST_PG_URL (scripts/pg_test_cluster.sh
// starts one), each in a schema of its own that is dropped afterwards.
#include "store/postgres/pg_connection.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "store/driver.h"

namespace cairn::store {
namespace {

#define ASSERT_OK(expr)                               \
  do {                                                \
    const ::cairn::Status _st = (expr);               \
    ASSERT_TRUE(_st.ok()) << _st.ToString();          \
  } while (0)
#define EXPECT_OK(expr)                               \
  do {                                                \
    const ::cairn::Status _st = (expr);               \
    EXPECT_TRUE(_st.ok()) << _st.ToString();          \
  } while (0)

Value I(int64_t v) { return v; }
Value S(std::string v) { return v; }
const Value kNull;

// --- Placeholder numbering: no server needed. ---

TEST(NumberPlaceholdersTest, NumbersLeftToRight) {
  const pg::NumberedSql n = pg::NumberPlaceholders("SELECT * FROM t WHERE a = ? AND b IN (?, ?)");
  EXPECT_EQ(n.text, "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)");
  EXPECT_EQ(n.params, 3);
}

TEST(NumberPlaceholdersTest, LeavesQuotedAndCommentedMarksAlone) {
  const pg::NumberedSql n = pg::NumberPlaceholders(
      "SELECT '?', 'it''s ?', E'\\'?', \"col?\", $$?$$, $x$ ? $x$, ? -- why?\n"
      "/* ? /* nested ? */ ? */ FROM t WHERE a$b = ?");
  EXPECT_EQ(n.text,
            "SELECT '?', 'it''s ?', E'\\'?', \"col?\", $$?$$, $x$ ? $x$, $1 -- why?\n"
            "/* ? /* nested ? */ ? */ FROM t WHERE a$b = $2");
  EXPECT_EQ(n.params, 2);
}

TEST(NumberPlaceholdersTest, PlainStringsHaveNoBackslashEscapes) {
  // With standard_conforming_strings the backslash is literal, so the string ends after it.
  const pg::NumberedSql n = pg::NumberPlaceholders("SELECT 'a\\', ?");
  EXPECT_EQ(n.text, "SELECT 'a\\', $1");
  EXPECT_EQ(n.params, 1);
}

TEST(NumberPlaceholdersTest, UnterminatedQuoteRunsToTheEnd) {
  const pg::NumberedSql n = pg::NumberPlaceholders("SELECT ?, 'open ?");
  EXPECT_EQ(n.text, "SELECT $1, 'open ?");
  EXPECT_EQ(n.params, 1);
}

// --- Connection failures: no server needed. ---

TEST(OpenPostgresTest, ClosedPortIsUnavailableWithoutThePassword) {
  auto c = OpenPostgres("postgresql://postgres:s3cretpw@127.0.0.1:1/cairn_test");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Code::kUnavailable);
  EXPECT_TRUE(c.status().message().starts_with("cannot connect to PostgreSQL: "))
      << c.status().message();
  EXPECT_EQ(c.status().ToString().find("s3cretpw"), std::string::npos) << c.status().ToString();
}

TEST(OpenPostgresTest, MalformedUrlIsUnavailableWithoutThePassword) {
  // libpq quotes the undecodable token, here the password, in its error.
  auto c = OpenPostgres("postgresql://postgres:pw%zzsecret@127.0.0.1:1/cairn_test");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Code::kUnavailable);
  EXPECT_EQ(c.status().ToString().find("zzsecret"), std::string::npos) << c.status().ToString();
}

// --- Against a server. ---

std::string WithSearchPath(const std::string& url, const std::string& schema) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         schema;
}

class PgConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("CAIRN_TEST_PG_URL");
    if (url == nullptr || *url == '\0') {
      if (std::getenv("CI") != nullptr) {
        FAIL() << "CAIRN_TEST_PG_URL is not set; CI must start scripts/pg_test_cluster.sh";
      }
      GTEST_SKIP() << "CAIRN_TEST_PG_URL is not set; run "
                      "`scripts/pg_test_cluster.sh start build/pgtest` and export its URL";
    }
    url_ = url;
    auto admin = OpenPostgres(url_);
    ASSERT_TRUE(admin.ok()) << admin.status().ToString();
    admin_ = std::move(admin).value();
    // Random rather than seeded: test binaries run in parallel against one database.
    std::random_device rd;
    schema_ = "cairn_t_" + std::to_string(rd()) + "_" + std::to_string(rd());
    ASSERT_OK(admin_->ExecScript("CREATE SCHEMA " + schema_));
    auto c = OpenPostgres(WithSearchPath(url_, schema_));
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    conn_ = std::move(c).value();
  }

  void TearDown() override {
    conn_.reset();
    if (admin_ != nullptr && !schema_.empty()) {
      EXPECT_OK(admin_->ExecScript("DROP SCHEMA " + schema_ + " CASCADE"));
    }
  }

  Rows MustQuery(std::string_view sql, std::vector<Value> params = {}) {
    auto r = conn_->Query(sql, params);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    return r.ok() ? std::move(r).value() : Rows{};
  }

  int64_t Count(std::string_view table) {
    Rows rows = MustQuery("SELECT count(*) FROM " + std::string(table));
    return rows.size() == 1 ? std::get<int64_t>(rows[0][0]) : -1;
  }

  // Ends `conn_`'s server session the way a server restart or an idle timeout would.
  void KillSession() {
    Rows pid = MustQuery("SELECT pg_backend_pid()");
    ASSERT_EQ(pid.size(), 1u);
    const std::vector<Value> params = {pid[0][0]};
    auto r = admin_->Query("SELECT pg_terminate_backend(CAST(? AS integer), 5000)", params);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->at(0).at(0), I(1));
    // Give the closed socket time to reach the client; tests hold either way.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  std::string url_;
  std::string schema_;
  std::unique_ptr<Connection> admin_;
  std::unique_ptr<Connection> conn_;
};

TEST_F(PgConnectionTest, DialectIsPostgres) { EXPECT_EQ(conn_->dialect(), Dialect::kPostgres); }

TEST_F(PgConnectionTest, InsertsReturningIdAndReadsBackIntsTextAndNull) {
  ASSERT_OK(conn_->ExecScript(
      "CREATE TABLE item (id BIGSERIAL PRIMARY KEY, n INTEGER, s SMALLINT, flag BOOLEAN, "
      "name TEXT NOT NULL, note TEXT, price NUMERIC);"));
  Rows first = MustQuery(
      "INSERT INTO item (n, s, flag, name, note, price) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
      {I(42), I(-7), I(1), S("héllo"), kNull, S("1.50")});
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0][0], I(1));
  Rows second = MustQuery("INSERT INTO item (n, flag, name) VALUES (?, ?, ?) RETURNING id",
                          {kNull, I(0), S("")});
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0][0], I(2));

  Rows rows = MustQuery("SELECT id, n, s, flag, name, note, price FROM item ORDER BY id");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (Row{I(1), I(42), I(-7), I(1), S("héllo"), kNull, S("1.50")}));
  EXPECT_EQ(rows[1], (Row{I(2), kNull, kNull, I(0), S(""), kNull, kNull}));

  Rows big = MustQuery("SELECT CAST(? AS BIGINT), 'text'", {I(INT64_MIN)});
  EXPECT_EQ(big[0], (Row{I(INT64_MIN), S("text")}));
}

TEST_F(PgConnectionTest, QueryWithoutResultRowsAndExecuteCounts) {
  ASSERT_OK(conn_->ExecScript("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1), (2), (3);"));
  auto changed = conn_->Execute("UPDATE t SET a = a + 10 WHERE a >= ?", std::vector<Value>{I(2)});
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_EQ(*changed, 2);
  auto ddl = conn_->Execute("CREATE INDEX t_a ON t (a)", {});
  ASSERT_TRUE(ddl.ok()) << ddl.status().ToString();
  EXPECT_EQ(*ddl, 0);
  EXPECT_TRUE(MustQuery("DELETE FROM t WHERE a = ?", {I(1)}).empty());
  EXPECT_EQ(Count("t"), 2);
}

TEST_F(PgConnectionTest, QuestionMarkInLiteralIsNotAPlaceholder) {
  Rows rows = MustQuery("SELECT '?', ?, 'it''s ?' /* ? */", {S("x")});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (Row{S("?"), S("x"), S("it's ?")}));
}

TEST_F(PgConnectionTest, UniqueViolationIsConflict) {
  ASSERT_OK(conn_->ExecScript("CREATE TABLE u (name TEXT UNIQUE)"));
  ASSERT_TRUE(conn_->Execute("INSERT INTO u VALUES (?)", std::vector<Value>{S("a")}).ok());
  auto dup = conn_->Execute("INSERT INTO u VALUES (?)", std::vector<Value>{S("a")});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), Code::kConflict);
  EXPECT_EQ(dup.status().message(), "duplicate value: Key (name)=(a) already exists.");
  EXPECT_NE(dup.status().detail().find("u_name_key"), std::string::npos)
      << dup.status().ToString();

  const Status script = conn_->ExecScript("INSERT INTO u VALUES ('b'); INSERT INTO u VALUES ('a')");
  EXPECT_EQ(script.code(), Code::kConflict) << script.ToString();
  EXPECT_EQ(Count("u"), 1);  // the script ran as one implicit transaction
}

TEST_F(PgConnectionTest, ConstraintAndDataErrorsAreInvalidArgument) {
  ASSERT_OK(conn_->ExecScript(
      "CREATE TABLE parent (id BIGINT PRIMARY KEY);"
      "CREATE TABLE child (id BIGINT, parent_id BIGINT REFERENCES parent(id), "
      "name TEXT NOT NULL, small SMALLINT)"));
  const std::string insert = "INSERT INTO child (id, parent_id, name, small) VALUES (?, ?, ?, ?)";
  auto fk = conn_->Execute(insert, std::vector<Value>{I(1), I(99), S("x"), kNull});
  EXPECT_EQ(fk.status().code(), Code::kInvalidArgument) << fk.status().ToString();
  auto not_null = conn_->Execute(insert, std::vector<Value>{I(1), kNull, kNull, kNull});
  EXPECT_EQ(not_null.status().code(), Code::kInvalidArgument) << not_null.status().ToString();
  EXPECT_NE(not_null.status().message().find("\"name\""), std::string::npos)
      << not_null.status().message();
  auto syntax = conn_->Execute(insert, std::vector<Value>{S("abc"), kNull, S("x"), kNull});
  EXPECT_EQ(syntax.status().code(), Code::kInvalidArgument) << syntax.status().ToString();
  auto range = conn_->Execute(insert, std::vector<Value>{I(1), kNull, S("x"), I(1 << 20)});
  EXPECT_EQ(range.status().code(), Code::kInvalidArgument) << range.status().ToString();
  auto nul = conn_->Execute(insert, std::vector<Value>{I(1), kNull, S(std::string("a\0b", 3)), kNull});
  EXPECT_EQ(nul.status().code(), Code::kInvalidArgument) << nul.status().ToString();
  EXPECT_EQ(Count("child"), 0);
}

TEST_F(PgConnectionTest, OtherErrorsAreInternalWithTheServerMessage) {
  auto missing = conn_->Query("SELECT * FROM no_such_table", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kInternal);
  EXPECT_EQ(missing.status().message(), "relation \"no_such_table\" does not exist");
  EXPECT_EQ(conn_->ExecScript("SELEC 1").code(), Code::kInternal);
}

TEST_F(PgConnectionTest, ParameterCountMismatchIsInternal) {
  auto r = conn_->Query("SELECT ?, ?", std::vector<Value>{I(1)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInternal);
  EXPECT_EQ(r.status().message(), "statement has 2 placeholders but 1 parameters were given");
}

TEST_F(PgConnectionTest, RollbackDiscardsAndCommitKeeps) {
  ASSERT_OK(conn_->ExecScript("CREATE TABLE t (a INTEGER)"));
  const std::string insert = "INSERT INTO t VALUES (?)";
  ASSERT_OK(conn_->Begin(true));
  ASSERT_TRUE(conn_->Execute(insert, std::vector<Value>{I(1)}).ok());
  EXPECT_EQ(Count("t"), 1);
  ASSERT_OK(conn_->Rollback());
  EXPECT_EQ(Count("t"), 0);

  ASSERT_OK(conn_->Begin(false));
  ASSERT_TRUE(conn_->Execute(insert, std::vector<Value>{I(2)}).ok());
  ASSERT_OK(conn_->Commit());
  EXPECT_EQ(MustQuery("SELECT a FROM t"), (Rows{{I(2)}}));
}

TEST_F(PgConnectionTest, CommitAfterAFailedStatementReportsTheRollback) {
  ASSERT_OK(conn_->ExecScript("CREATE TABLE u (name TEXT UNIQUE)"));
  const std::string insert = "INSERT INTO u VALUES (?)";
  ASSERT_OK(conn_->Begin(true));
  ASSERT_TRUE(conn_->Execute(insert, std::vector<Value>{S("a")}).ok());
  EXPECT_EQ(conn_->Execute(insert, std::vector<Value>{S("a")}).status().code(), Code::kConflict);
  const Status commit = conn_->Commit();
  EXPECT_FALSE(commit.ok());
  EXPECT_EQ(Count("u"), 0);
}

TEST_F(PgConnectionTest, PreparedStatementIsReusedAcross1000Calls) {
  for (int64_t i = 0; i < 1000; ++i) {
    Rows rows = MustQuery("SELECT CAST(? AS BIGINT) + 1, ?", {I(i), S(std::to_string(i))});
    ASSERT_EQ(rows.size(), 1u);
    ASSERT_EQ(rows[0], (Row{I(i + 1), S(std::to_string(i))}));
  }
  // One server-side statement, planned once per execution of the same prepared name.
  Rows rows = MustQuery(
      "SELECT count(*), CAST(sum(generic_plans + custom_plans) AS BIGINT) "
      "FROM pg_prepared_statements "
      "WHERE statement = ?",
      {S("SELECT CAST($1 AS BIGINT) + 1, $2")});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], I(1));
  EXPECT_EQ(rows[0][1], I(1000));
}

TEST_F(PgConnectionTest, SchemaChangeUnderACachedStatementIsRetried) {
  ASSERT_OK(conn_->ExecScript("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1)"));
  EXPECT_EQ(MustQuery("SELECT * FROM t"), (Rows{{I(1)}}));
  ASSERT_OK(conn_->ExecScript("ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x'"));
  EXPECT_EQ(MustQuery("SELECT * FROM t"), (Rows{{I(1), S("x")}}));
  // The stale statement was deallocated, not leaked.
  Rows n = MustQuery("SELECT count(*) FROM pg_prepared_statements WHERE statement = ?",
                     {S("SELECT * FROM t")});
  EXPECT_EQ(n, (Rows{{I(1)}}));
}

TEST_F(PgConnectionTest, SchemaChangeInsideATransactionFailsThenRecovers) {
  ASSERT_OK(conn_->ExecScript("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1)"));
  EXPECT_EQ(MustQuery("SELECT * FROM t"), (Rows{{I(1)}}));
  ASSERT_OK(conn_->ExecScript("ALTER TABLE t ADD COLUMN b INTEGER DEFAULT 2"));
  ASSERT_OK(conn_->Begin(false));
  // The error aborts the transaction, so the driver cannot retry inside it.
  EXPECT_FALSE(conn_->Query("SELECT * FROM t", {}).ok());
  ASSERT_OK(conn_->Rollback());
  EXPECT_EQ(MustQuery("SELECT * FROM t"), (Rows{{I(1), I(2)}}));
}

TEST_F(PgConnectionTest, DeallocatedStatementIsPreparedAgain) {
  EXPECT_EQ(MustQuery("SELECT ? + 1", {I(1)}), (Rows{{I(2)}}));
  ASSERT_OK(conn_->ExecScript("DEALLOCATE ALL"));
  EXPECT_EQ(MustQuery("SELECT ? + 1", {I(2)}), (Rows{{I(3)}}));
}

TEST_F(PgConnectionTest, ReconnectsWhenTheServerEndsTheSession) {
  EXPECT_EQ(MustQuery("SELECT ? + 1", {I(1)}), (Rows{{I(2)}}));
  const Rows before = MustQuery("SELECT pg_backend_pid()");
  KillSession();
  // A loss noticed only while sending fails that one call, with Unavailable.
  auto first = conn_->Query("SELECT ? + 1", std::vector<Value>{I(2)});
  if (!first.ok()) {
    EXPECT_EQ(first.status().code(), Code::kUnavailable) << first.status().ToString();
  } else {
    EXPECT_EQ(*first, (Rows{{I(3)}}));
  }
  // The new session has no prepared statements; the cache must have been cleared with it.
  EXPECT_EQ(MustQuery("SELECT ? + 1", {I(3)}), (Rows{{I(4)}}));
  EXPECT_NE(MustQuery("SELECT pg_backend_pid()"), before);
  // The search_path from the URL survives the reset.
  EXPECT_EQ(MustQuery("SELECT current_schema()"), (Rows{{S(schema_)}}));
}

TEST_F(PgConnectionTest, LosingTheSessionInATransactionNeverCommitsHalfOfIt) {
  ASSERT_OK(conn_->ExecScript("CREATE TABLE t (a INTEGER)"));
  const std::string insert = "INSERT INTO t VALUES (?)";
  ASSERT_OK(conn_->Begin(true));
  ASSERT_TRUE(conn_->Execute(insert, std::vector<Value>{I(1)}).ok());
  KillSession();
  // Without the guard this insert would autocommit on the new session.
  auto second = conn_->Execute(insert, std::vector<Value>{I(2)});
  EXPECT_EQ(second.status().code(), Code::kUnavailable) << second.status().ToString();
  EXPECT_EQ(conn_->Commit().code(), Code::kUnavailable);
  EXPECT_EQ(Count("t"), 0);

  ASSERT_OK(conn_->Begin(true));
  ASSERT_TRUE(conn_->Execute(insert, std::vector<Value>{I(3)}).ok());
  KillSession();
  EXPECT_FALSE(conn_->Execute(insert, std::vector<Value>{I(4)}).ok());
  EXPECT_OK(conn_->Rollback());
  EXPECT_EQ(Count("t"), 0);
  ASSERT_TRUE(conn_->Execute(insert, std::vector<Value>{I(5)}).ok());
  EXPECT_EQ(Count("t"), 1);
}

TEST_F(PgConnectionTest, UnknownDatabaseIsUnavailable) {
  const std::string base = url_.substr(0, url_.find('?'));
  const std::string url = base.substr(0, base.rfind('/')) + "/no_such_database_cairn";
  auto c = OpenPostgres(url);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Code::kUnavailable);
  EXPECT_NE(c.status().message().find("no_such_database_cairn"), std::string::npos)
      << c.status().message();
}

}  // namespace
}  // namespace cairn::store
