// The store contract: every repository behaves the same on every backend. Typed over the
// backends; PostgreSQL runs against the throwaway cluster `make test` starts (CAIRN_TEST_PG_URL).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "core/crypto.h"
#include "store/store.h"

namespace cairn::store {
namespace {

class SqliteBackend {
 public:
  SqliteBackend() {
    dir_ = std::filesystem::temp_directory_path() /
           ("cairn-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~SqliteBackend() { std::filesystem::remove_all(dir_); }
  bool Available(std::string*) { return true; }
  std::string Url() { return (dir_ / "cairn.db").string(); }

 private:
  static inline std::atomic<int> counter_{0};
  std::filesystem::path dir_;
};

class PostgresBackend {
 public:
  PostgresBackend() {
    const char* base = std::getenv("CAIRN_TEST_PG_URL");
    if (!base || !*base) return;
    base_ = base;
    schema_ = "t" + RandomHex(6);
    auto conn = OpenPostgres(base_);
    if (!conn.ok()) {
      error_ = conn.status().ToString();
      return;
    }
    auto st = (*conn)->ExecScript("CREATE SCHEMA " + schema_);
    if (!st.ok()) error_ = st.ToString();
  }
  ~PostgresBackend() {
    if (base_.empty() || !error_.empty()) return;
    auto conn = OpenPostgres(base_);
    if (conn.ok()) (void)(*conn)->ExecScript("DROP SCHEMA " + schema_ + " CASCADE");
  }
  bool Available(std::string* why) {
    if (base_.empty()) {
      *why = "CAIRN_TEST_PG_URL is not set (make test starts a PostgreSQL cluster and sets it)";
      return false;
    }
    if (!error_.empty()) {
      *why = error_;
      return false;
    }
    return true;
  }
  std::string Url() {
    return base_ + (base_.find('?') == std::string::npos ? "?" : "&") +
           "options=-csearch_path%3D" + schema_;
  }

 private:
  std::string base_, schema_, error_;
};

template <class B>
class StoreContract : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto().ok());
    std::string why;
    if (!backend_.Available(&why)) {
      if (std::getenv("CI")) FAIL() << why;
      GTEST_SKIP() << why;
    }
    Reopen();
  }
  void Reopen() {
    store_.reset();
    auto s = Store::Open({.url = backend_.Url(), .pool_size = 3, .clock = &clock_});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }
  Company MakeCompany(const std::string& name) {
    auto r = store_->Write([&](Tx& tx) {
      Company c;
      c.name = name;
      c.city = "Leeds";
      return tx.Repo<Company>().Insert(c);
    });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Company{};
  }
  AssetLayout MakeLayout(const std::string& name) {
    auto r = store_->Write([&](Tx& tx) {
      AssetLayout l;
      l.name = name;
      return tx.Repo<AssetLayout>().Insert(l);
    });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : AssetLayout{};
  }
  Asset MakeAsset(int64_t company, int64_t layout, const std::string& name,
                  const std::string& serial, const std::string& fields = "{}") {
    auto r = store_->Write([&](Tx& tx) {
      Asset a;
      a.company_id = company;
      a.asset_layout_id = layout;
      a.name = name;
      a.primary_serial = serial;
      a.field_values = fields;
      return tx.Repo<Asset>().Insert(a);
    });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Asset{};
  }
  std::vector<std::string> SearchTitles(const SearchQuery& q) {
    auto r = store_->Read([&](Tx& tx) { return tx.Search().Search(q); });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> out;
    if (r.ok())
      for (auto& h : *r) out.push_back(h.kind + ":" + h.title);
    return out;
  }

  B backend_;
  ManualClock clock_{1700000000000};
  std::unique_ptr<Store> store_;
};

using Backends = ::testing::Types<SqliteBackend, PostgresBackend>;
class BackendNames {
 public:
  template <class T>
  static std::string GetName(int) {
    return std::is_same_v<T, SqliteBackend> ? "Sqlite" : "Postgres";
  }
};
TYPED_TEST_SUITE(StoreContract, Backends, BackendNames);

TYPED_TEST(StoreContract, MigratesToLatestAndReopensWithoutReapplying) {
  auto v = this->store_->SchemaVersion();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, LatestSchemaVersion());
  this->Reopen();
  EXPECT_EQ(*this->store_->SchemaVersion(), LatestSchemaVersion());
}

// Every column the schemas declare exists in the migrated database.
TYPED_TEST(StoreContract, SchemaColumnsMatchTheDatabase) {
  auto st = this->store_->Read([&](Tx& tx) -> Status {
    Query none;
    none.limit = 0;
    CAIRN_RETURN_IF_ERROR(tx.Repo<User>().List(none).status());
    CAIRN_RETURN_IF_ERROR(tx.Repo<ApiKey>().List(none).status());
    CAIRN_RETURN_IF_ERROR(tx.Repo<Company>().List(none).status());
    CAIRN_RETURN_IF_ERROR(tx.Repo<AssetLayout>().List(none).status());
    CAIRN_RETURN_IF_ERROR(tx.Repo<LayoutField>().List(none).status());
    CAIRN_RETURN_IF_ERROR(tx.Repo<Asset>().List(none).status());
    CAIRN_RETURN_IF_ERROR(tx.Repo<AssetPassword>().List(none).status());
    CAIRN_RETURN_IF_ERROR(tx.Repo<Article>().List(none).status());
    CAIRN_RETURN_IF_ERROR(tx.Repo<Folder>().List(none).status());
    CAIRN_RETURN_IF_ERROR(tx.Repo<Website>().List(none).status());
    CAIRN_RETURN_IF_ERROR(tx.Repo<Relation>().List(none).status());
    CAIRN_RETURN_IF_ERROR(tx.Repo<WebSession>().List(none).status());
    CAIRN_RETURN_IF_ERROR(tx.Repo<LoginFailure>().List(none).status());
    return tx.Repo<ActivityLog>().List(none).status();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
}

TYPED_TEST(StoreContract, InsertGetUpdateDeleteRoundTrip) {
  Company parent = this->MakeCompany("Parent Co");
  Company c;
  c.name = "Acme, Inc.";
  c.nickname = "ACME";
  c.phone_number = "+44 113 496 0000";
  c.notes = "Line one\nLine 'two' \"quoted\" ünïcödé";
  c.parent_company_id = parent.id;
  auto ins = this->store_->Write([&](Tx& tx) { return tx.Repo<Company>().Insert(c); });
  ASSERT_TRUE(ins.ok()) << ins.status().ToString();
  EXPECT_GT(ins->id, parent.id);
  EXPECT_EQ(ins->created_at, 1700000000000);
  EXPECT_NE(ins->slug.find("acme-inc-"), std::string::npos);

  auto got = this->store_->Read([&](Tx& tx) { return tx.Repo<Company>().Get(ins->id); });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "Acme, Inc.");
  EXPECT_EQ(got->notes, c.notes);
  EXPECT_EQ(got->parent_company_id, parent.id);
  EXPECT_EQ(got->slug, ins->slug);
  EXPECT_FALSE(got->archived);

  this->clock_.Advance(5000);
  Company changed = *got;
  changed.archived = true;
  changed.parent_company_id.reset();
  auto upd = this->store_->Write([&](Tx& tx) { return tx.Repo<Company>().Update(changed); });
  ASSERT_TRUE(upd.ok());
  auto again = this->store_->Read([&](Tx& tx) { return tx.Repo<Company>().Get(ins->id); });
  EXPECT_TRUE(again->archived);
  EXPECT_FALSE(again->parent_company_id.has_value());
  EXPECT_EQ(again->updated_at, 1700000005000);
  EXPECT_EQ(again->created_at, 1700000000000);

  auto del = this->store_->Write([&](Tx& tx) { return tx.Repo<Company>().Delete(ins->id); });
  EXPECT_TRUE(del.ok());
  auto gone = this->store_->Read([&](Tx& tx) { return tx.Repo<Company>().Get(ins->id); });
  EXPECT_EQ(gone.status().code(), Code::kNotFound);
  EXPECT_EQ(gone.status().message(), "Company not found");
  auto del2 = this->store_->Write([&](Tx& tx) { return tx.Repo<Company>().Delete(ins->id); });
  EXPECT_EQ(del2.code(), Code::kNotFound);
  Company ghost;
  ghost.id = 999999;
  ghost.name = "x";
  auto upd2 = this->store_->Write([&](Tx& tx) { return tx.Repo<Company>().Update(ghost); });
  EXPECT_EQ(upd2.status().code(), Code::kNotFound);
}

TYPED_TEST(StoreContract, ListFiltersOrdersAndPages) {
  for (auto n : {"Alpha", "beta 50%", "Gamma", "Delta", "alpha"}) this->MakeCompany(n);
  auto names = [&](Query q) {
    auto r = this->store_->Read([&](Tx& tx) { return tx.Repo<Company>().List(q); });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> out;
    if (r.ok())
      for (auto& c : *r) out.push_back(c.name);
    return out;
  };
  EXPECT_EQ(names(Query().Where("name", Op::kEq, std::string("Alpha"))),
            std::vector<std::string>{"Alpha"});
  EXPECT_EQ(names(Query().Where("name", Op::kEqNoCase, std::string("ALPHA"))),
            (std::vector<std::string>{"Alpha", "alpha"}));
  EXPECT_EQ(names(Query().Where("name", Op::kContains, std::string("LTA"))),
            std::vector<std::string>{"Delta"});
  // LIKE wildcards in the value are literal.
  EXPECT_EQ(names(Query().Where("name", Op::kContains, std::string("0%"))),
            std::vector<std::string>{"beta 50%"});
  EXPECT_TRUE(names(Query().Where("name", Op::kContains, std::string("_"))).empty());
  Query any;
  any.where.push_back({"name", Op::kContains, {std::string("leeds")}, {"name", "city"}});
  EXPECT_EQ(names(any).size(), 5u);
  EXPECT_TRUE(names(Query().WhereIn("name", {})).empty());
  EXPECT_EQ(names(Query().WhereIn("name", {std::string("Gamma"), std::string("Delta")})),
            (std::vector<std::string>{"Gamma", "Delta"}));
  Query paged;
  paged.Page(2, 2);
  EXPECT_EQ(names(paged), (std::vector<std::string>{"Gamma", "Delta"}));
  paged.Page(4, 2);
  EXPECT_TRUE(names(paged).empty());
  Query desc;
  desc.order_by = "name";
  desc.descending = true;
  desc.limit = 1;
  EXPECT_EQ(names(desc).size(), 1u);

  auto count = this->store_->Read([&](Tx& tx) {
    return tx.Repo<Company>().Count(Query().Where("name", Op::kEqNoCase, std::string("alpha")));
  });
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 2);

  auto bad = this->store_->Read([&](Tx& tx) {
    return tx.Repo<Company>().List(Query().Where("name; DROP TABLE x", Op::kEq, int64_t{1}));
  });
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
}

TYPED_TEST(StoreContract, TimeRangeFilters) {
  this->MakeCompany("Old");
  this->clock_.Advance(60000);
  this->MakeCompany("New");
  auto r = this->store_->Read([&](Tx& tx) {
    return tx.Repo<Company>().List(Query().Where("updated_at", Op::kGe, int64_t{1700000030000}));
  });
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].name, "New");
}

TYPED_TEST(StoreContract, FailedWriteChangesNothing) {
  auto r = this->store_->Write([&](Tx& tx) -> Status {
    Company c;
    c.name = "Half written";
    CAIRN_RETURN_IF_ERROR(tx.Repo<Company>().Insert(c).status());
    return Status::Invalid("second step failed");
  });
  EXPECT_EQ(r.code(), Code::kInvalidArgument);
  auto n = this->store_->Read([&](Tx& tx) { return tx.Repo<Company>().Count(Query()); });
  EXPECT_EQ(*n, 0);
  auto hits = this->SearchTitles({.text = "half"});
  EXPECT_TRUE(hits.empty());
}

TYPED_TEST(StoreContract, UniqueAndForeignKeyViolationsAreReported) {
  auto mk = [&](const std::string& email) {
    return this->store_->Write([&](Tx& tx) {
      User u;
      u.email = email;
      return tx.Repo<User>().Insert(u);
    });
  };
  ASSERT_TRUE(mk("ann@example.com").ok());
  EXPECT_EQ(mk("ANN@example.com").status().code(), Code::kConflict);
  auto orphan = this->store_->Write([&](Tx& tx) {
    Asset a;
    a.company_id = 424242;
    a.asset_layout_id = 434343;
    a.name = "orphan";
    return tx.Repo<Asset>().Insert(a);
  });
  EXPECT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.status().code(), Code::kInvalidArgument) << orphan.status().ToString();
}

TYPED_TEST(StoreContract, SearchFindsNamesSerialsAndFieldValuesAndRespectsScope) {
  Company acme = this->MakeCompany("Acme Widgets");
  Company other = this->MakeCompany("Globex");
  AssetLayout layout = this->MakeLayout("Computers");
  this->MakeAsset(acme.id, layout.id, "ACME-DC01", "SN-7731-XQ", R"({"1":"Windows Server 2022"})");
  this->MakeAsset(acme.id, layout.id, "ACME-LT-042", "PF3ABCD", R"({"1":"Windows 11 Pro"})");
  Asset g = this->MakeAsset(other.id, layout.id, "GLOBEX-FW", "FGT60F0000", R"({"1":"FortiOS"})");
  this->MakeAsset(acme.id, layout.id, "PRN-1", "BRN001", R"({"1":"Widgets office printer"})");

  EXPECT_EQ(this->SearchTitles({.text = "sn-7731"}), std::vector<std::string>{"Asset:ACME-DC01"});
  EXPECT_EQ(this->SearchTitles({.text = "fortios"}), std::vector<std::string>{"Asset:GLOBEX-FW"});
  EXPECT_EQ(this->SearchTitles({.text = "windows serv"}),
            std::vector<std::string>{"Asset:ACME-DC01"});
  // A title match ranks above a body match.
  EXPECT_EQ(this->SearchTitles({.text = "widgets"}),
            (std::vector<std::string>{"Company:Acme Widgets", "Asset:PRN-1"}));
  // Identifiers are found by any of their parts and by their run-together prefix.
  EXPECT_EQ(this->SearchTitles({.text = "lt-04"}), std::vector<std::string>{"Asset:ACME-LT-042"});
  EXPECT_EQ(this->SearchTitles({.text = "042"}), std::vector<std::string>{"Asset:ACME-LT-042"});
  // Scope: only Globex.
  SearchQuery scoped{.text = "windows fortios"};
  EXPECT_TRUE(this->SearchTitles(scoped).empty());
  scoped.text = "a";
  scoped.company_ids = std::vector<int64_t>{other.id};
  for (const auto& t : this->SearchTitles(scoped)) EXPECT_EQ(t.find("ACME"), std::string::npos) << t;
  // Update re-indexes; archive hides; delete removes.
  g.name = "GLOBEX-EDGE";
  ASSERT_TRUE(this->store_->Write([&](Tx& tx) { return tx.Repo<Asset>().Update(g); }).ok());
  EXPECT_EQ(this->SearchTitles({.text = "edge"}), std::vector<std::string>{"Asset:GLOBEX-EDGE"});
  g.archived = true;
  ASSERT_TRUE(this->store_->Write([&](Tx& tx) { return tx.Repo<Asset>().Update(g); }).ok());
  EXPECT_TRUE(this->SearchTitles({.text = "edge"}).empty());
  ASSERT_TRUE(this->store_->Write([&](Tx& tx) { return tx.Repo<Asset>().Delete(g.id); }).ok());
  EXPECT_TRUE(this->SearchTitles({.text = "fortios"}).empty());
  // Punctuation-only queries find nothing and do not error.
  EXPECT_TRUE(this->SearchTitles({.text = "\"*()'"}).empty());
}

TYPED_TEST(StoreContract, SearchIndexFollowsManyWritesInOneTransaction) {
  auto co = this->MakeCompany("Initech");
  auto layout = this->MakeLayout("Computers");
  // Inserts, an update, an archive and a delete of index entries in one transaction, with a
  // search in the middle that sees what the transaction wrote so far.
  auto r = this->store_->Write([&](Tx& tx) -> Result<std::vector<SearchHit>> {
    int64_t third = 0;
    for (int i = 0; i < 40; ++i) {
      Asset a;
      a.company_id = co.id;
      a.asset_layout_id = layout.id;
      a.name = "PRN-" + std::to_string(100 + i);
      auto made = tx.Repo<Asset>().Insert(a);
      if (!made.ok()) return made.status();
      if (i == 3) third = made->id;
      if (i == 5) {
        made->name = "PLOTTER-9";
        if (auto u = tx.Repo<Asset>().Update(*made); !u.ok()) return u.status();
      }
      if (i == 7) {
        made->archived = true;
        if (auto u = tx.Repo<Asset>().Update(*made); !u.ok()) return u.status();
      }
    }
    auto seen = tx.Search().Search({.text = "plotter"});
    if (!seen.ok()) return seen.status();
    if (auto d = tx.Repo<Asset>().Delete(third); !d.ok()) return d;
    return seen;
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].title, "PLOTTER-9");
  EXPECT_TRUE(this->SearchTitles({.text = "prn-105"}).empty());  // renamed
  EXPECT_TRUE(this->SearchTitles({.text = "prn-107"}).empty());  // archived
  EXPECT_TRUE(this->SearchTitles({.text = "prn-103"}).empty());  // deleted
  EXPECT_EQ(this->SearchTitles({.text = "prn-139"}), std::vector<std::string>{"Asset:PRN-139"});
  EXPECT_EQ(this->SearchTitles({.text = "prn", .limit = 100}).size(), 37u);
  // A failed transaction leaves the index as it was.
  auto failed = this->store_->Write([&](Tx& tx) -> Status {
    Asset a;
    a.company_id = co.id;
    a.asset_layout_id = layout.id;
    a.name = "GHOST-1";
    if (auto made = tx.Repo<Asset>().Insert(a); !made.ok()) return made.status();
    return Status::Conflict("changed my mind");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_TRUE(this->SearchTitles({.text = "ghost"}).empty());
}

TYPED_TEST(StoreContract, ListColumnsReadsOnlyTheColumnsAsked) {
  auto co = this->MakeCompany("Umbrella");
  auto layout = this->MakeLayout("Servers");
  auto a = this->MakeAsset(co.id, layout.id, "UMB-SRV-1", "SN-1", R"({"1":"x"})");
  this->MakeAsset(co.id, layout.id, "UMB-SRV-2", "SN-2");
  auto r = this->store_->Read([&](Tx& tx) {
    Query q;
    q.Where("id", Op::kGe, a.id);
    q.limit = 1;
    q.offset = 1;
    return tx.Repo<Asset>().ListColumns(q, {"id", "name"});
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].name, "UMB-SRV-2");
  EXPECT_GT((*r)[0].id, a.id);
  EXPECT_EQ((*r)[0].primary_serial, "");  // not asked for
  EXPECT_EQ((*r)[0].company_id, 0);
  auto bad = this->store_->Read([&](Tx& tx) { return tx.Repo<Asset>().ListColumns({}, {"id", "secret"}); });
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
}

// EachColumns hands over each record as it is read, in order, with values of different lengths
// (empty ones included) intact from one row to the next (the backend may reuse a row's storage),
// and stops at the first error it is given.
TYPED_TEST(StoreContract, EachColumnsStreamsRecordsInOrderAndStopsOnAnError) {
  auto co = this->MakeCompany("Stark");
  auto layout = this->MakeLayout("Suits");
  std::vector<std::string> names = {"MARK-XLII-LONG-NAME-FOR-A-SUIT", "M1", "", "MARK-III"};
  for (size_t i = 0; i < names.size(); ++i)
    this->MakeAsset(co.id, layout.id, names[i].empty() ? "placeholder" : names[i], i % 2 ? "" : "SN-" + std::to_string(i));
  // (the third's name blanked by hand, as the helper names every asset)
  ASSERT_TRUE(this->store_->Write([&](Tx& tx) -> Status {
    Query q;
    q.Where("name", Op::kEq, std::string("placeholder"));
    auto a = tx.Repo<Asset>().FindFirst(q);
    if (!a.ok() || !*a) return Status::Internal("placeholder not found");
    return tx.Repo<Asset>().SetColumn((*a)->id, "name", std::string());
  }).ok());
  std::vector<std::pair<std::string, std::string>> seen;
  Query q;
  q.Where("company_id", Op::kEq, co.id);
  auto st = this->store_->Read([&](Tx& tx) {
    return tx.Repo<Asset>().EachColumns(q, {"name", "primary_serial"}, [&](Asset&& a) {
      EXPECT_EQ(a.id, 0);  // not asked for
      seen.emplace_back(a.name, a.primary_serial);
      return Status::Ok();
    });
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(seen.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(seen[i].first, names[i]);
    EXPECT_EQ(seen[i].second, i % 2 ? "" : "SN-" + std::to_string(i));
  }
  int calls = 0;
  auto stopped = this->store_->Read([&](Tx& tx) {
    return tx.Repo<Asset>().EachColumns(q, {"name"}, [&](Asset&&) {
      return ++calls == 2 ? Status::Conflict("enough") : Status::Ok();
    });
  });
  EXPECT_EQ(stopped.code(), Code::kConflict);
  EXPECT_EQ(calls, 2);
  // The connection is usable afterwards (the statement was reset).
  auto again = this->store_->Read([&](Tx& tx) { return tx.Repo<Asset>().ListColumns(q, {"name"}); });
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->size(), names.size());
}

TYPED_TEST(StoreContract, SearchNeverIndexesPasswordValues) {
  Company c = this->MakeCompany("Initech");
  auto pw = this->store_->Write([&](Tx& tx) {
    AssetPassword p;
    p.company_id = c.id;
    p.name = "Domain Admin";
    p.username = "administrator";
    p.password_enc = "v1:c2VjcmV0";
    return tx.Repo<AssetPassword>().Insert(p);
  });
  ASSERT_TRUE(pw.ok()) << pw.status().ToString();
  EXPECT_EQ(this->SearchTitles({.text = "domain admin"}),
            std::vector<std::string>{"AssetPassword:Domain Admin"});
  EXPECT_TRUE(this->SearchTitles({.text = "c2VjcmV0"}).empty());
  EXPECT_TRUE(this->SearchTitles({.text = "domain", .include_passwords = false}).empty());
}

TYPED_TEST(StoreContract, AcknowledgedWritesSurviveReopen) {
  Company c = this->MakeCompany("Durable Ltd");
  AssetLayout l = this->MakeLayout("Network Devices");
  Asset a = this->MakeAsset(c.id, l.id, "core-sw-1", "SW123", R"({"5":"10.0.0.2"})");
  this->Reopen();
  auto back = this->store_->Read([&](Tx& tx) { return tx.Repo<Asset>().Get(a.id); });
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->name, "core-sw-1");
  EXPECT_EQ(back->field_values, R"({"5":"10.0.0.2"})");
  EXPECT_EQ(this->SearchTitles({.text = "10.0.0.2"}), std::vector<std::string>{"Asset:core-sw-1"});
}

TYPED_TEST(StoreContract, DeleteWhereRemovesMatchingRowsOnly) {
  for (int i = 0; i < 5; ++i) {
    this->clock_.Advance(1000);
    ASSERT_TRUE(this->store_->Write([&](Tx& tx) {
      ActivityLog l;
      l.action = "created";
      return tx.Repo<ActivityLog>().Insert(l);
    }).ok());
  }
  auto n = this->store_->Write([&](Tx& tx) {
    return tx.Repo<ActivityLog>().DeleteWhere(
        Query().Where("created_at", Op::kLe, int64_t{1700000002000}));
  });
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 2);
  EXPECT_EQ(*this->store_->Read([&](Tx& tx) { return tx.Repo<ActivityLog>().Count(Query()); }), 3);
}

TYPED_TEST(StoreContract, TableVersionsMoveOnlyOnCommittedWrites) {
  uint64_t before = this->store_->TableVersion("companies");
  this->MakeCompany("Versioned");
  uint64_t after = this->store_->TableVersion("companies");
  EXPECT_GT(after, before);
  EXPECT_EQ(this->store_->TableVersion("assets"), 0u);
  auto failed = this->store_->Write([&](Tx& tx) -> Status {
    Company c;
    c.name = "Rolled back";
    CAIRN_RETURN_IF_ERROR(tx.Repo<Company>().Insert(c).status());
    return Status::Invalid("no");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(this->store_->TableVersion("companies"), after);
  auto read = this->store_->Read([&](Tx& tx) { return tx.Repo<Company>().Count(Query()); });
  EXPECT_TRUE(read.ok());
  EXPECT_EQ(this->store_->TableVersion("companies"), after);
}

TYPED_TEST(StoreContract, SetColumnChangesOneColumnOnly) {
  Company c = this->MakeCompany("Narrow");
  this->clock_.Advance(1000);
  auto st = this->store_->Write([&](Tx& tx) {
    return tx.Repo<Company>().SetColumn(c.id, "city", Value(std::string("York")));
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto back = this->store_->Read([&](Tx& tx) { return tx.Repo<Company>().Get(c.id); });
  EXPECT_EQ(back->city, "York");
  EXPECT_EQ(back->name, "Narrow");
  EXPECT_EQ(back->updated_at, c.updated_at);
  auto bad = this->store_->Write([&](Tx& tx) {
    return tx.Repo<Company>().SetColumn(c.id, "city = 'x', name", Value(std::string("y")));
  });
  EXPECT_EQ(bad.code(), Code::kInvalidArgument);
  auto missing = this->store_->Write([&](Tx& tx) {
    return tx.Repo<Company>().SetColumn(987654, "city", Value(std::string("y")));
  });
  EXPECT_EQ(missing.code(), Code::kNotFound);
}

// Two writers that each read a row and write it back: the second must see the first's change
// (Lock holds the row on PostgreSQL; SQLite runs one writer at a time).
TYPED_TEST(StoreContract, LockedReadsDoNotLoseUpdates) {
  Company c = this->MakeCompany("Contended");
  auto append = [&](const std::string& suffix, int hold_ms) {
    return this->store_->Write([&](Tx& tx) -> Status {
      auto row = tx.Repo<Company>().Lock(c.id);
      if (!row.ok()) return row.status();
      std::this_thread::sleep_for(std::chrono::milliseconds(hold_ms));
      row->notes += suffix;
      return tx.Repo<Company>().Update(*row).status();
    });
  };
  Status first, second;
  std::thread a([&] { first = append("A", 150); });
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  std::thread b([&] { second = append("B", 0); });
  a.join();
  b.join();
  EXPECT_TRUE(first.ok()) << first.ToString();
  EXPECT_TRUE(second.ok()) << second.ToString();
  auto back = this->store_->Read([&](Tx& tx) { return tx.Repo<Company>().Get(c.id); });
  EXPECT_EQ(back->notes, "AB");
}

TYPED_TEST(StoreContract, ConcurrentWritersAllLand) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto r = this->store_->Write([&](Tx& tx) {
          Company c;
          c.name = "T" + std::to_string(t) + "-" + std::to_string(i);
          return tx.Repo<Company>().Insert(c);
        });
        if (!r.ok()) ++failures;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*this->store_->Read([&](Tx& tx) { return tx.Repo<Company>().Count(Query()); }), 100);
}

}  // namespace
}  // namespace cairn::store
