// End to end: the sync engine through the API, against the ConnectWise simulator over HTTPS
// (issue 4): discovery, matching, the first import, a re-sync that changes nothing, vendor
// changes arriving, deletions archived only on a complete enumeration, dry runs, and the report.
#include <filesystem>
#include <thread>

#include "http/server.h"
#include "sims/common/tls_files.h"
#include "sims/connectwise/connectwise_sim.h"
#include "tests/api_fixture.h"

namespace cairn::tests {
namespace {

class SyncTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    dir_ = std::filesystem::temp_directory_path() / ("cairn-sync-test-" + Token());
    auto files = sims::EnsureTlsFiles(dir_.string());
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    sims::connectwise::ConnectWiseSimOptions o;
    o.fleet.seed = 3;
    o.fleet.companies = 5;
    o.fleet.contacts_per_company = 3;
    o.fleet.sites_per_company = 2;
    o.fleet.devices_per_company = 8;
    o.fleet.agreements_per_company = 1;
    o.fleet.inactive_share = 0.1;
    o.max_page_size = 7;  // several pages per kind
    sim_ = std::make_unique<sims::connectwise::ConnectWiseSim>(o);
    http::ServerOptions so;
    so.port = 0;
    so.threads = 4;
    so.tls_cert_file = files->server_cert;
    so.tls_key_file = files->server_key;
    auto server = http::Server::Start(so, [this](http::Request& r) { return sim_->Handle(r); });
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    sim_server_ = std::move(*server);
    host_ = "127.0.0.1:" + std::to_string(sim_server_->port());
    ca_ = files->ca_cert;
    cairn_ = StartServer({.extra_args = {"--ca-file", ca_}});
    ASSERT_TRUE(cairn_);
  }
  void TearDown() override {
    cairn_.reset();
    if (sim_server_) sim_server_->Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  Reply Call(const std::string& method, const std::string& path, const json::value& body = nullptr) {
    return body.is_null() ? cairn_->Call(method, path) : cairn_->CallJson(method, path, body);
  }
  int64_t Layout(const std::string& name) {
    auto r = Call("POST", "/api/v1/asset_layouts",
                  json::object{{"asset_layout", json::object{{"name", Unique(name)},
                                                             {"icon", "fas fa-box"},
                                                             {"fields", json::array{json::object{{"label", "Email"}, {"field_type", "Text"}},
                                                                                    json::object{{"label", "Serial Number"}, {"field_type", "Text"}}}}}}});
    EXPECT_EQ(r.status, 200) << r.Describe();
    return Int(r.At("asset_layout", "id"));
  }
  int64_t Integration(json::object options = {}) {
    auto r = Call("POST", "/api/v1/integrations",
                  json::object{{"integration",
                                json::object{{"slug", "cw_manage"},
                                             {"credentials", json::object{{"site", host_},
                                                                          {"company", "cairnsim"},
                                                                          {"public_key", "sim-cw-public"},
                                                                          {"private_key", "sim-cw-private"},
                                                                          {"client_id", "sim-cw-client-id"}}},
                                             {"default_layouts", json::object{{"contacts", Layout("People")},
                                                                              {"locations", Layout("Locations")},
                                                                              {"configurations", Layout("Configurations")}}},
                                             {"options", options}}}});
    EXPECT_EQ(r.status, 200) << r.Describe();
    return Int(r.At("integration", "id"));
  }
  // Starts a run and waits for it to end; the finished run.
  json::object Sync(int64_t integration, json::object body = {}) {
    auto r = Call("POST", "/api/v1/integrations/" + std::to_string(integration) + "/sync", body);
    EXPECT_EQ(r.status, 200) << r.Describe();
    int64_t id = Int(r.At("sync_run", "id"));
    for (int i = 0; i < 300; ++i) {
      auto g = Call("GET", "/api/v1/sync_runs/" + std::to_string(id));
      std::string state = Str(g.At("sync_run", "state"));
      if (state != "queued" && state != "running") return g.At("sync_run").as_object();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "run " << id << " did not finish";
    return {};
  }
  static int64_t Count(const json::object& run, const std::string& kind, const std::string& action) {
    const auto* k = run.at("counts").as_object().if_contains(kind);
    return k ? Int(k->as_object().at(action)) : -1;
  }
  int64_t SimTotal(sims::RecordKind kind) { return sim_->tenant().View()->Total(kind); }
  void Mutate(const std::string& body) {
    http::Client c(http::ClientOptions{.ca_file = ca_});
    auto r = c.Send({.method = "POST", .url = "https://" + host_ + "/_sim/mutate",
                     .headers = {{"X-Sim-Token", "sim-control-token"}}, .body = body});
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200) << r->body;
  }
  int64_t Assets(int64_t company, bool archived) {
    auto r = Call("GET", "/api/v1/companies/" + std::to_string(company) + "/assets?page_size=1000" +
                             (archived ? "&archived=true" : ""));
    EXPECT_EQ(r.status, 200) << r.Describe();
    return static_cast<int64_t>(Arr(r.At("assets")).size());
  }

  std::filesystem::path dir_;
  std::unique_ptr<sims::connectwise::ConnectWiseSim> sim_;
  std::unique_ptr<http::Server> sim_server_;
  std::string host_, ca_;
  std::unique_ptr<CairnServer> cairn_;
};
CAIRN_ON_BOTH_BACKENDS(SyncTest);

TEST_P(SyncTest, DiscoverMatchImportResyncAndFollowTheVendor) {
  int64_t integration = Integration();
  std::string iid = std::to_string(integration);

  // 1. The first run discovers companies only.
  auto first = Sync(integration);
  ASSERT_EQ(Str(first.at("state")), "succeeded") << json::serialize(first);
  EXPECT_EQ(Count(first, "companies", "created"), 5);
  EXPECT_EQ(first.at("counts").as_object().size(), 1u) << json::serialize(first);
  auto matchers = Call("GET", "/api/v1/matchers?integration_id=" + iid);
  ASSERT_EQ(matchers.status, 200) << matchers.Describe();
  ASSERT_EQ(Arr(matchers.At("matchers")).size(), 5u);
  for (const auto& m : Arr(matchers.At("matchers"))) {
    EXPECT_TRUE(m.at("company_id").is_null());
    EXPECT_EQ(Str(m.at("integrator_name")), "cw_manage");
  }
  EXPECT_EQ(Call("GET", "/api/v1/matchers").status, 422);
  EXPECT_EQ(Call("GET", "/api/v1/matchers?integration_id=999999").status, 404);

  // 2. Match: one by hand to an existing company, the rest created.
  std::string first_name = Str(Arr(matchers.At("matchers"))[0].at("name"));
  auto existing = Call("POST", "/api/v1/companies", json::object{{"company", json::object{{"name", first_name + " Ltd"}}}});
  ASSERT_EQ(existing.status, 200) << existing.Describe();
  auto bulk = Call("POST", "/api/v1/integrations/" + iid + "/match", json::object{{"action", "create_all"}});
  ASSERT_EQ(bulk.status, 200) << bulk.Describe();
  EXPECT_EQ(Int(bulk.json.at("matched")) + Int(bulk.json.at("created")), 5) << bulk.body;
  EXPECT_GE(Int(bulk.json.at("matched")), 1) << bulk.body;

  // 3. The import: every contact, site, configuration and agreement of the five companies.
  auto import = Sync(integration);
  ASSERT_EQ(Str(import.at("state")), "succeeded") << json::serialize(import);
  EXPECT_EQ(Count(import, "contacts", "created"), SimTotal(sims::RecordKind::kContact));
  EXPECT_EQ(Count(import, "locations", "created"), SimTotal(sims::RecordKind::kSite));
  EXPECT_EQ(Count(import, "configurations", "created"), SimTotal(sims::RecordKind::kDevice));
  EXPECT_EQ(Count(import, "agreements", "created"), SimTotal(sims::RecordKind::kAgreement));
  EXPECT_EQ(Count(import, "configurations", "failed"), 0);
  auto changes = Call("GET", "/api/v1/sync_runs/" + std::to_string(Int(import.at("id"))) +
                                 "/changes?kind=configurations&page_size=1000");
  ASSERT_EQ(changes.status, 200) << changes.Describe();
  EXPECT_EQ(static_cast<int64_t>(Arr(changes.At("changes")).size()), SimTotal(sims::RecordKind::kDevice));

  // 4. Nothing changed at the vendor: nothing changes here.
  auto again = Sync(integration);
  ASSERT_EQ(Str(again.at("state")), "succeeded") << json::serialize(again);
  for (const char* kind : {"contacts", "locations", "configurations", "agreements"}) {
    EXPECT_EQ(Count(again, kind, "created"), 0) << kind;
    EXPECT_EQ(Count(again, kind, "updated"), 0) << kind;
    EXPECT_EQ(Count(again, kind, "archived"), 0) << kind;
  }

  // 5. The vendor renames one configuration, adds one and deletes one.
  using Sim = sims::connectwise::ConnectWiseSim;
  Mutate(R"({"kind": "configurations", "action": "rename", "ids": [)" + std::to_string(Sim::ChildId(1, 2)) + "]}");
  Mutate(R"({"kind": "configurations", "action": "add", "count": 1})");
  Mutate(R"({"kind": "configurations", "action": "delete", "ids": [)" + std::to_string(Sim::ChildId(2, 3)) + "]}");
  auto follow = Sync(integration, json::object{{"full", true}});
  ASSERT_EQ(Str(follow.at("state")), "succeeded") << json::serialize(follow);
  EXPECT_EQ(Count(follow, "configurations", "created"), 1) << json::serialize(follow);
  EXPECT_EQ(Count(follow, "configurations", "archived"), 1) << json::serialize(follow);
  EXPECT_EQ(Count(follow, "configurations", "updated"), 1) << json::serialize(follow);

  // 6. The activity log names the integration as the actor.
  auto log = Call("GET", "/api/v1/activity_logs?page_size=5");
  ASSERT_EQ(log.status, 200);
  bool by_integration = false;
  for (const auto& e : Arr(log.json.is_array() ? log.json : log.At("activity_logs")))
    by_integration = by_integration || Str(e.at("user_name")) == "ConnectWise PSA";
  EXPECT_TRUE(by_integration) << log.body;
}

TEST_P(SyncTest, DryRunReportsAndWritesNothing) {
  int64_t integration = Integration();
  ASSERT_EQ(Str(Sync(integration).at("state")), "succeeded");
  auto bulk = Call("POST", "/api/v1/integrations/" + std::to_string(integration) + "/match",
                   json::object{{"action", "create_all"}});
  ASSERT_EQ(bulk.status, 200);
  auto matchers = Call("GET", "/api/v1/matchers?integration_id=" + std::to_string(integration));
  int64_t company = Int(Arr(matchers.At("matchers"))[0].at("company_id"));
  auto dry = Sync(integration, json::object{{"dry_run", true}});
  ASSERT_EQ(Str(dry.at("state")), "succeeded") << json::serialize(dry);
  EXPECT_EQ(dry.at("dry_run"), json::value(true));
  EXPECT_EQ(Count(dry, "configurations", "created"), SimTotal(sims::RecordKind::kDevice));
  EXPECT_EQ(Assets(company, false), 0);
  EXPECT_EQ(Assets(company, true), 0);
  // The real run then does exactly what the preview said.
  auto real = Sync(integration);
  EXPECT_EQ(Count(real, "configurations", "created"), Count(dry, "configurations", "created"));
  EXPECT_GT(Assets(company, false) + Assets(company, true), 0);
}

TEST_P(SyncTest, RunsOfOneIntegrationNeverOverlapAndRefusedCredentialsFail) {
  int64_t integration = Integration();
  std::string path = "/api/v1/integrations/" + std::to_string(integration) + "/sync";
  auto a = Call("POST", path);
  ASSERT_EQ(a.status, 200) << a.Describe();
  auto b = Call("POST", path);
  if (b.status != 200) {  // the first may already have finished
    EXPECT_EQ(b.status, 409) << b.Describe();
    EXPECT_NE(b.body.find("already"), std::string::npos) << b.body;
  }
  // Wrong keys: the run fails with the vendor's refusal, and changes nothing.
  auto put = Call("PUT", "/api/v1/integrations/" + std::to_string(integration),
                  json::object{{"integration", json::object{{"credentials", json::object{{"private_key", "wrong"}}}}}});
  ASSERT_EQ(put.status, 200) << put.Describe();
  for (int i = 0; i < 100; ++i) {
    auto r = Call("POST", path);
    if (r.status == 200) {
      int64_t id = Int(r.At("sync_run", "id"));
      json::object run;
      for (int j = 0; j < 300; ++j) {
        run = Call("GET", "/api/v1/sync_runs/" + std::to_string(id)).At("sync_run").as_object();
        if (Str(run.at("state")) != "queued" && Str(run.at("state")) != "running") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      EXPECT_EQ(Str(run.at("state")), "failed") << json::serialize(run);
      std::string errors = json::serialize(run.at("errors"));
      EXPECT_NE(errors.find("ConnectWise PSA"), std::string::npos) << errors;
      EXPECT_NE(errors.find("401"), std::string::npos) << errors;
      EXPECT_EQ(errors.find("wrong"), std::string::npos) << errors;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL() << "could not start a second run";
}

// Cards, jumps, /links/ and id_in_integration after an import.
TEST_P(SyncTest, CardsJumpsAndLinksFindRecordsByVendorId) {
  int64_t integration = Integration();
  ASSERT_EQ(Str(Sync(integration).at("state")), "succeeded");
  ASSERT_EQ(Call("POST", "/api/v1/integrations/" + std::to_string(integration) + "/match",
                 json::object{{"action", "create_all"}}).status, 200);
  ASSERT_EQ(Str(Sync(integration).at("state")), "succeeded");
  using Sim = sims::connectwise::ConnectWiseSim;
  std::string company_sync = std::to_string(Sim::CompanyId(1));
  std::string config_sync = std::to_string(Sim::ChildId(1, 2));

  auto found = Call("GET", "/api/v1/companies?id_in_integration=" + company_sync);
  ASSERT_EQ(found.status, 200) << found.Describe();
  ASSERT_EQ(Arr(found.At("companies")).size(), 1u) << found.body;
  const auto& company = Arr(found.At("companies"))[0];
  int64_t company_id = Int(company.at("id"));
  ASSERT_EQ(Arr(company.at("integrations")).size(), 1u) << found.body;
  EXPECT_EQ(Str(company.at("integrations").at(0).at("slug")), "cw_manage");
  EXPECT_EQ(Str(company.at("integrations").at(0).at("sync_id")), company_sync);
  EXPECT_EQ(Arr(Call("GET", "/api/v1/companies?id_in_integration=424242").At("companies")).size(), 0u);
  EXPECT_EQ(Arr(Call("GET", "/api/v1/companies?id_in_integration=" + company_sync + "&integration_slug=halo").At("companies")).size(), 0u);

  // Vendor ids are unique per kind only: the type narrows the lookup to the configuration.
  auto cards = Call("GET", "/api/v1/cards/lookup?integration_slug=cw_manage&integration_type=configurations&integration_id=" + config_sync);
  ASSERT_EQ(cards.status, 200) << cards.Describe();
  ASSERT_EQ(Arr(cards.At("integrator_cards")).size(), 1u) << cards.body;
  const auto& card = Arr(cards.At("integrator_cards"))[0];
  EXPECT_EQ(Str(card.at("sync_type")), "configurations");
  EXPECT_EQ(Str(card.at("integrator_name")), "cw_manage");
  EXPECT_FALSE(card.at("data").as_object().empty());
  int64_t card_id = Int(card.at("id"));
  int64_t asset_id = Int(card.at("record_id"));
  auto asset = Call("GET", "/api/v1/assets?id=" + std::to_string(asset_id));
  ASSERT_EQ(asset.status, 200);
  EXPECT_EQ(Int(Arr(asset.At("assets"))[0].at("company_id")), company_id);

  auto jump = Call("GET", "/api/v1/cards/jump?integration_slug=cw_manage&integration_type=configurations&integration_id=" + config_sync);
  EXPECT_EQ(jump.status, 302) << jump.Describe();
  EXPECT_NE(jump.Header("Location").value_or("").find("/a/"), std::string::npos);
  auto cjump = Call("GET", "/api/v1/companies/jump?integration_slug=cw_manage&integration_id=" + company_sync);
  EXPECT_EQ(cjump.status, 302) << cjump.Describe();
  EXPECT_EQ(cjump.Header("Location").value_or(""), Str(company.at("full_url")));
  // The link a ConnectWise company record opens, as the ConnectWise guide shows it.
  auto link = cairn_->Call("GET", "/links/connectwise/org/" + company_sync, "", "");
  EXPECT_EQ(link.status, 302) << link.Describe();
  EXPECT_EQ(link.Header("Location").value_or(""), Str(company.at("full_url")));
  EXPECT_EQ(cairn_->Call("GET", "/links/connectwise/org/99999", "", "").status, 404);

  // The vendor deactivates the configuration; re-syncing its card archives the asset at once.
  Mutate(R"({"kind": "configurations", "action": "deactivate", "ids": [)" + config_sync + "]}");
  auto resync = Call("POST", "/api/v1/cards/" + std::to_string(card_id) + "/resync");
  ASSERT_EQ(resync.status, 200) << resync.Describe();
  EXPECT_EQ(resync.At("integrator_card", "active_at_vendor"), json::value(false));
  auto archived = Call("GET", "/api/v1/assets?id=" + std::to_string(asset_id));
  EXPECT_EQ(Arr(archived.At("assets"))[0].at("archived"), json::value(true)) << archived.body;
}

}  // namespace
}  // namespace cairn::tests
