// End to end: durability (kill -9, restart, read back everything acknowledged) and graceful
// shutdown (SIGTERM while requests are running exits 0). Each test has its own server.
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "store/store.h"
#include "tests/api_fixture.h"

namespace cairn::tests {
namespace {

using namespace std::chrono_literals;

class LifecycleTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { CAIRN_REQUIRE_BACKEND(GetParam()); }
  std::unique_ptr<CairnServer> Start() {
    auto s = CairnServer::Start({.backend = GetParam()});
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
};
CAIRN_ON_BOTH_BACKENDS(LifecycleTest);

// The fields of a record that do not depend on the server's address.
json::object Stable(const json::value& record, std::initializer_list<const char*> keys) {
  json::object out;
  for (const char* k : keys) out[k] = record.at(k);
  return out;
}

TEST_P(LifecycleTest, AcknowledgedWritesSurviveKill9) {
  auto s = Start();
  ASSERT_TRUE(s);
  auto layout =
      s->Call("POST", "/api/v1/asset_layouts",
              R"({"asset_layout":{"name":"Durable","fields":[)"
              R"({"label":"OS","field_type":"Text"},{"label":"Bought","field_type":"Date"}]}})");
  ASSERT_EQ(layout.status, 200) << layout.Describe();
  std::string layout_id = Str(layout.At("asset_layout", "id"));
  std::string word = Token();

  std::vector<json::value> companies, assets;
  for (int i = 0; i < 15; ++i) {
    auto c = s->Call("POST", "/api/v1/companies",
                     R"({"company":{"name":"Durable )" + word + " " + std::to_string(i) +
                         R"(","city":"Leeds"}})");
    ASSERT_EQ(c.status, 200) << c.Describe();
    std::string cid = Str(c.At("company", "id"));
    auto a = s->Call("POST", "/api/v1/companies/" + cid + "/assets",
                     R"({"asset":{"name":"Box )" + std::to_string(i) + R"(","asset_layout_id":)" +
                         layout_id + R"(,"primary_serial":"D-)" + std::to_string(i) +
                         R"(","custom_fields":[{"os":"Debian )" + std::to_string(i) +
                         R"("},{"bought":"2024/01/0)" + std::to_string(i % 9 + 1) + R"("}]}})");
    ASSERT_EQ(a.status, 200) << a.Describe();
    companies.push_back(c.At("company"));
    assets.push_back(a.At("asset"));
  }
  // An update and a delete are acknowledged too.
  std::string first = Str(companies[0].at("id"));
  auto updated = s->Call("PUT", "/api/v1/companies/" + first, R"({"company":{"city":"York"}})");
  ASSERT_EQ(updated.status, 200);
  companies[0] = updated.At("company");
  std::string doomed = Str(companies.back().at("id"));
  ASSERT_EQ(s->Call("DELETE", "/api/v1/companies/" + doomed).status, 204);
  companies.pop_back();
  assets.pop_back();
  auto pw =
      s->Call("POST", "/api/v1/asset_passwords",
              R"({"asset_password":{"name":"Durable pw","password":"kept-secret","company_id":)" +
                  first + "}}");
  ASSERT_EQ(pw.status, 200);

  pid_t old_pid = s->pid();
  s->Kill9();
  EXPECT_NE(::kill(old_pid, 0), 0) << "the server survived SIGKILL";
  auto restarted = s->Restart();
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();

  for (const auto& c : companies) {
    auto r = s->Call("GET", "/api/v1/companies/" + Str(c.at("id")));
    ASSERT_EQ(r.status, 200) << r.Describe();
    auto keys = {"id", "name", "city", "slug", "archived", "created_at", "updated_at"};
    EXPECT_EQ(Stable(r.At("company"), keys), Stable(c, keys));
  }
  for (const auto& a : assets) {
    auto r = s->Call("GET", "/api/v1/assets?id=" + Str(a.at("id")));
    ASSERT_EQ(Arr(r.At("assets")).size(), 1u) << r.Describe();
    const auto& got = Arr(r.At("assets"))[0];
    auto keys = {"id",     "name",      "company_id", "asset_layout_id", "primary_serial",
                 "fields", "updated_at"};
    EXPECT_EQ(Stable(got, keys), Stable(a, keys));
  }
  EXPECT_EQ(s->Call("GET", "/api/v1/companies/" + doomed).status, 404);
  auto pw_after = s->Call("GET", "/api/v1/asset_passwords/" + Str(pw.At("asset_password", "id")));
  ASSERT_EQ(pw_after.status, 200);
  EXPECT_EQ(Str(pw_after.At("asset_password", "password")), "kept-secret");  // same master key
  auto found = s->Call("GET", "/api/v1/search?q=" + word + "&page_size=100");
  EXPECT_EQ(Arr(found.At("results")).size(), companies.size()) << found.body;
  EXPECT_EQ(s->Call("GET", "/api/v1/companies?city=York").At("companies").as_array().size(), 1u);

  EXPECT_EQ(s->Stop(), 0);
  auto migrate = s->RunCli({"migrate"});
  EXPECT_EQ(migrate.exit_code, 0) << migrate.err;
  EXPECT_EQ(migrate.out, "schema version " + std::to_string(::cairn::store::LatestSchemaVersion()) + "\n");
}

TEST_P(LifecycleTest, SigtermWhileRequestsRunExitsZero) {
  auto s = Start();
  ASSERT_TRUE(s);
  std::atomic<bool> done{false};
  std::atomic<int> acknowledged{0};
  std::mutex mu;
  std::vector<int64_t> ids;
  std::vector<std::string> problems;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      http::Client client;
      for (int i = 0; !done; ++i) {
        auto r = Exchange(
            client, s->Url(), "POST", "/api/v1/companies",
            R"({"company":{"name":"Busy )" + std::to_string(t) + "-" + std::to_string(i) + R"("}})",
            s->AdminKey());
        std::lock_guard lock(mu);
        if (r.status == 200) {
          ids.push_back(Int(r.At("company", "id")));
          ++acknowledged;
        } else if (r.status == 0) {
          return;  // the server has closed
        } else {
          problems.push_back(r.Describe());
        }
      }
    });
  }
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (acknowledged < 40 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  EXPECT_GE(acknowledged.load(), 40);
  int code = s->Stop();
  done = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(code, 0) << s->Output();
  EXPECT_TRUE(problems.empty()) << problems.size() << " requests failed, e.g. " << problems[0];
  EXPECT_NE(s->Output().find("finishing in-flight requests"), std::string::npos) << s->Output();

  // Every acknowledged write is there after a restart.
  ASSERT_TRUE(s->Restart().ok());
  for (int64_t id : ids) {
    auto r = s->Call("GET", "/api/v1/companies/" + std::to_string(id));
    EXPECT_EQ(r.status, 200) << id << ": " << r.Describe();
  }
}

}  // namespace
}  // namespace cairn::tests
