// End to end: the sync engine through the API, against the ConnectWise simulator over HTTPS
// (issue 4): discovery, matching, the first import, a re-sync that changes nothing, vendor
// changes arriving, deletions archived only on a complete enumeration, dry runs, and the report.
#include <filesystem>
#include <set>
#include <thread>

#include "http/server.h"
#include "sims/common/tls_files.h"
#include "sims/connectwise/connectwise_sim.h"
#include "sims/syncro/syncro_sim.h"
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
    o.fleet.shared_fleet_seed = 77;  // Syncro below shares part of this fleet
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

  // The agreements show on their companies, as the vendor's cards.
  auto companies = Call("GET", "/api/v1/companies?page_size=100");
  ASSERT_EQ(companies.status, 200) << companies.Describe();
  int64_t agreement_cards = 0;
  for (const auto& c : Arr(companies.At("companies")))
    for (const auto& card : Arr(c.at("cards"))) {
      EXPECT_EQ(Str(card.at("sync_type")), "agreements") << json::serialize(card);
      EXPECT_EQ(Str(card.at("integrator_name")), "cw_manage");
      EXPECT_TRUE(card.at("active_at_vendor").as_bool());
      EXPECT_FALSE(Str(card.at("primary_field")).empty());
      ++agreement_cards;
    }
  EXPECT_GE(agreement_cards, 1);
  EXPECT_LE(agreement_cards, SimTotal(sims::RecordKind::kAgreement));

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

// Sort rules send a type to its own layout, connected fields refill a field on every sync, and a
// machine two vendors both know (the same serial) is one asset with two cards.
TEST_P(SyncTest, SortRulesConnectedFieldsAndCardsStackedBySerial) {
  auto servers = Layout("Servers");
  auto configurations = Call("POST", "/api/v1/asset_layouts",
                             json::object{{"asset_layout", json::object{{"name", Unique("Configurations")},
                                                                        {"icon", "fas fa-laptop"},
                                                                        {"fields", json::array{json::object{{"label", "IP"}, {"field_type", "Text"}}}}}}});
  ASSERT_EQ(configurations.status, 200) << configurations.Describe();
  int64_t config_layout = Int(configurations.At("asset_layout", "id"));
  int64_t ip_field = Int(configurations.At("asset_layout", "fields").at(0).at("id"));
  auto r = Call("POST", "/api/v1/integrations",
                json::object{{"integration",
                              json::object{{"slug", "cw_manage"},
                                           {"credentials", json::object{{"site", host_}, {"company", "cairnsim"},
                                                                        {"public_key", "sim-cw-public"}, {"private_key", "sim-cw-private"},
                                                                        {"client_id", "sim-cw-client-id"}}},
                                           {"default_layouts", json::object{{"contacts", Layout("People")},
                                                                            {"locations", Layout("Locations")},
                                                                            {"configurations", config_layout}}},
                                           {"options", json::object{{"match_on_serial", true}}}}}});
  ASSERT_EQ(r.status, 200) << r.Describe();
  std::string cw = "/api/v1/integrations/" + std::to_string(Int(r.At("integration", "id")));
  auto rule = Call("POST", cw + "/sort_rules",
                   json::object{{"sort_rule", json::object{{"kind", "configurations"}, {"vendor_type", "managed server"},
                                                           {"asset_layout_id", servers}}}});
  ASSERT_EQ(rule.status, 200) << rule.Describe();
  auto dup = Call("POST", cw + "/sort_rules",
                  json::object{{"sort_rule", json::object{{"kind", "configurations"}, {"vendor_type", "Managed Server"},
                                                          {"asset_layout_id", servers}}}});
  EXPECT_EQ(dup.status, 422) << dup.Describe();
  auto bad = Call("POST", cw + "/sort_rules",
                  json::object{{"sort_rule", json::object{{"kind", "assets"}, {"vendor_type", "X"}, {"asset_layout_id", servers}}}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_TRUE(DetailsMention(bad.json, "kind \"assets\" is not one of contacts, locations, configurations")) << bad.body;
  auto connected = Call("POST", cw + "/connected_fields",
                        json::object{{"connected_field", json::object{{"kind", "configurations"}, {"data_point", "IP Address"},
                                                                      {"layout_field_id", ip_field}}}});
  ASSERT_EQ(connected.status, 200) << connected.Describe();
  EXPECT_EQ(Str(connected.At("connected_field", "layout_field_label")), "IP");

  int64_t cw_id = Int(r.At("integration", "id"));
  ASSERT_EQ(Str(Sync(cw_id).at("state")), "succeeded");
  ASSERT_EQ(Call("POST", cw + "/match", json::object{{"action", "create_all"}}).status, 200);
  auto import = Sync(cw_id);
  ASSERT_EQ(Str(import.at("state")), "succeeded") << json::serialize(import);
  auto types = Call("GET", cw + "/vendor_types");
  ASSERT_EQ(types.status, 200);
  EXPECT_NE(json::serialize(types.At("vendor_types", "configurations")).find("Managed Server"), std::string::npos) << types.body;
  EXPECT_NE(json::serialize(Call("GET", cw + "/data_points").At("data_points", "configurations")).find("IP Address"),
            std::string::npos);

  // Every server is in the Servers layout, every other configuration in the default one, and
  // each carries its IP in the connected field.
  auto view = sim_->tenant().View();
  int64_t servers_at_vendor = 0;
  view->ForEach(sims::RecordKind::kDevice, std::nullopt, [&](sims::RecordKey k) {
    servers_at_vendor += view->Device(k.company, k.index)->type == sims::DeviceType::kServer;
    return true;
  });
  auto by_layout = [&](int64_t layout) {
    int64_t n = 0;
    for (const char* archived : {"false", "true"})
      n += static_cast<int64_t>(Arr(Call("GET", "/api/v1/assets?page_size=1000&asset_layout_id=" + std::to_string(layout) +
                                                    "&archived=" + archived).At("assets")).size());
    return n;
  };
  EXPECT_EQ(by_layout(servers), servers_at_vendor);
  EXPECT_EQ(by_layout(config_layout), SimTotal(sims::RecordKind::kDevice) - servers_at_vendor);
  using Sim = sims::connectwise::ConnectWiseSim;
  int64_t pick = 0;  // a configuration in the default layout (servers have no IP field)
  while (view->Device(1, pick)->type == sims::DeviceType::kServer) ++pick;
  auto device = *view->Device(1, pick);
  auto card = Call("GET", "/api/v1/cards/lookup?integration_slug=cw_manage&integration_type=configurations&integration_id=" +
                              std::to_string(Sim::ChildId(1, pick)));
  int64_t asset_id = Int(Arr(card.At("integrator_cards"))[0].at("record_id"));
  auto asset = Arr(Call("GET", "/api/v1/assets?id=" + std::to_string(asset_id)).At("assets"))[0];
  std::string fields = json::serialize(asset.at("fields"));
  EXPECT_NE(fields.find(device.ip), std::string::npos) << fields << " type " << sims::DeviceTypeName(device.type) << " card "
                                                       << json::serialize(Arr(card.At("integrator_cards"))[0].at("data"));

  // The vendor changes the IP: the connected field follows on the next (incremental) run.
  Mutate(R"({"kind": "configurations", "action": "update", "ids": [)" + std::to_string(Sim::ChildId(1, pick)) + "]}");
  std::string new_ip = sim_->tenant().View()->Device(1, pick)->ip;
  ASSERT_NE(new_ip, device.ip);
  auto follow = Sync(cw_id);
  EXPECT_EQ(Count(follow, "configurations", "updated"), 1) << json::serialize(follow);
  asset = Arr(Call("GET", "/api/v1/assets?id=" + std::to_string(asset_id)).At("assets"))[0];
  EXPECT_NE(json::serialize(asset.at("fields")).find(new_ip), std::string::npos) << json::serialize(asset);

  // A Syncro tenant sharing part of the fleet: its copy of a shared machine stacks on the
  // ConnectWise asset (same company by name, same serial).
  sims::syncro::SyncroSimOptions so;
  so.fleet.seed = 4;
  so.fleet.companies = 5;
  so.fleet.contacts_per_company = 1;
  so.fleet.sites_per_company = 1;
  so.fleet.devices_per_company = 8;
  so.fleet.inactive_share = 0;
  so.fleet.shared_fleet_seed = 77;
  so.rate_limit_per_minute = 0;
  sims::syncro::SyncroSim syncro(so);
  auto files = sims::EnsureTlsFiles(dir_.string());
  ASSERT_TRUE(files.ok());
  http::ServerOptions hs;
  hs.port = 0;
  hs.threads = 2;
  hs.tls_cert_file = files->server_cert;
  hs.tls_key_file = files->server_key;
  auto syncro_server = http::Server::Start(hs, [&](http::Request& req) { return syncro.Handle(req); });
  ASSERT_TRUE(syncro_server.ok());
  auto sr = Call("POST", "/api/v1/integrations",
                 json::object{{"integration",
                               json::object{{"slug", "syncro"},
                                            {"credentials", json::object{{"domain", "127.0.0.1:" + std::to_string((*syncro_server)->port())},
                                                                         {"api_key", "sim-syncro-api-key"}}},
                                            {"default_layouts", json::object{{"contacts", Layout("Syncro people")},
                                                                             {"assets", Layout("Syncro assets")}}}}}});
  ASSERT_EQ(sr.status, 200) << sr.Describe();
  int64_t syncro_id = Int(sr.At("integration", "id"));
  ASSERT_EQ(Str(Sync(syncro_id).at("state")), "succeeded");
  auto matched = Call("POST", "/api/v1/integrations/" + std::to_string(syncro_id) + "/match",
                      json::object{{"action", "match_by_name"}});
  ASSERT_EQ(matched.status, 200) << matched.Describe();
  EXPECT_GE(Int(matched.json.at("matched")), 4) << matched.body;  // "Acme Ltd" is "ACME Limited", not "Acme Group"
  ASSERT_EQ(Str(Sync(syncro_id).at("state")), "succeeded");
  // Company 1's first shared device with a usable serial: one asset, a card from each vendor.
  std::string serial;
  for (int64_t i = 0; i < 2 && serial.empty(); ++i) {
    auto d = *sim_->tenant().View()->Device(1, i);
    if (d.serial.size() > 4 && d.serial != "To be filled by O.E.M." && d.serial != "Default string" &&
        d.serial != "System Serial Number" && d.serial != "Not Specified")
      serial = d.serial;
  }
  ASSERT_FALSE(serial.empty()) << "pick another seed: no usable shared serial in company 1";
  auto cw_card = Call("GET", "/api/v1/cards/lookup?integration_slug=cw_manage&integration_identifier=" + Enc(serial));
  auto syncro_card = Call("GET", "/api/v1/cards/lookup?integration_slug=syncro&integration_identifier=" + Enc(serial));
  ASSERT_EQ(Arr(cw_card.At("integrator_cards")).size(), 1u) << cw_card.body;
  ASSERT_EQ(Arr(syncro_card.At("integrator_cards")).size(), 1u) << syncro_card.body;
  int64_t stacked = Int(Arr(cw_card.At("integrator_cards"))[0].at("record_id"));
  EXPECT_EQ(stacked, Int(Arr(syncro_card.At("integrator_cards"))[0].at("record_id")));
  auto both = Arr(Call("GET", "/api/v1/assets?id=" + std::to_string(stacked)).At("assets"))[0];
  ASSERT_EQ(Arr(both.at("cards")).size(), 2u) << json::serialize(both);
  std::set<std::string> vendors;
  for (const auto& c : Arr(both.at("cards"))) vendors.insert(Str(c.at("integrator_name")));
  EXPECT_EQ(vendors, (std::set<std::string>{"cw_manage", "syncro"}));
  (*syncro_server)->Stop();
}

// The create guard: when every configuration comes back under a new id (the vendor's ids
// changed), a full run would double them; it stops before creating or archiving anything.
TEST_P(SyncTest, CreateGuardStopsARunThatWouldDoubleTheRecords) {
  int64_t integration = Integration();
  ASSERT_EQ(Str(Sync(integration).at("state")), "succeeded");
  ASSERT_EQ(Call("POST", "/api/v1/integrations/" + std::to_string(integration) + "/match",
                 json::object{{"action", "create_all"}}).status, 200);
  ASSERT_EQ(Str(Sync(integration).at("state")), "succeeded");
  int64_t total = SimTotal(sims::RecordKind::kDevice);
  Mutate(R"({"kind": "configurations", "action": "delete", "count": )" + std::to_string(total) + "}");
  Mutate(R"({"kind": "configurations", "action": "add", "count": )" + std::to_string(total) + "}");
  auto guarded = Sync(integration, json::object{{"full", true}});
  EXPECT_EQ(Str(guarded.at("state")), "failed") << json::serialize(guarded);
  EXPECT_EQ(Count(guarded, "configurations", "created"), 0);
  EXPECT_EQ(Count(guarded, "configurations", "archived"), 0);
  EXPECT_NE(json::serialize(guarded.at("errors")).find("stopped before creating"), std::string::npos)
      << json::serialize(guarded.at("errors"));
  // The other kinds still synced normally.
  EXPECT_EQ(Count(guarded, "contacts", "failed"), 0);
}

// The workflow from the command line: cairn integration add|list|test, cairn sync run|status.
TEST_P(SyncTest, CommandLineWorkflow) {
  auto add = cairn_->RunCli({"integration", "add", "--slug", "cw_manage", "--name", "CLI ConnectWise",
                             "--credential", "site=" + host_, "--credential", "company=cairnsim",
                             "--credential", "public_key=sim-cw-public", "--credential", "private_key=sim-cw-private",
                             "--credential", "client_id=sim-cw-client-id",
                             "--layout", "contacts=" + std::to_string(Layout("People")),
                             "--layout", "locations=" + std::to_string(Layout("Locations")),
                             "--layout", "configurations=" + std::to_string(Layout("Configurations")),
                             "--option", "match_on_serial", "--interval", "60"});
  ASSERT_EQ(add.exit_code, 0) << add.err << add.out;
  EXPECT_NE(add.out.find("created"), std::string::npos) << add.out;
  EXPECT_EQ(add.out.find("sim-cw-private"), std::string::npos) << "secrets are never printed: " << add.out;
  std::string id = add.out.substr(add.out.find("integration ") + 12);
  id = id.substr(0, id.find(' '));
  auto bad = cairn_->RunCli({"integration", "add", "--slug", "cw_manage", "--credential", "site=https://x.example"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("credentials.site remove \"https://\""), std::string::npos) << bad.err;

  auto list = cairn_->RunCli({"integration", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("CLI ConnectWise"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("never run"), std::string::npos) << list.out;

  auto test = cairn_->RunCli({"integration", "test", id, "--ca-file", ca_});
  EXPECT_EQ(test.exit_code, 0) << test.err << test.out;
  EXPECT_EQ(test.out, "Connection successful\n");
  auto untrusted = cairn_->RunCli({"integration", "test", id});
  EXPECT_NE(untrusted.exit_code, 0);
  EXPECT_NE(untrusted.out.find("--ca-file"), std::string::npos) << untrusted.out;

  auto run = cairn_->RunCli({"sync", "run", "--integration", id, "--ca-file", ca_});
  EXPECT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_NE(run.out.find("succeeded"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("companies: created 5"), std::string::npos) << run.out;
  auto status = cairn_->RunCli({"sync", "status", "--integration", id});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("succeeded"), std::string::npos) << status.out;
}

// A run started through the API starts at once: idle workers are woken, not left to their poll
// (ten minutes here; one second by default).
TEST_P(SyncTest, AStartedRunDoesNotWaitForThePoll) {
  cairn_ = StartServer({.extra_args = {"--ca-file", ca_, "--sync-poll-ms", "600000"}});
  ASSERT_TRUE(cairn_);
  int64_t integration = Integration();
  for (int i = 0; i < 2; ++i) {
    auto begun = std::chrono::steady_clock::now();
    auto run = Sync(integration);
    ASSERT_EQ(Str(run.at("state")), "succeeded") << json::serialize(run);
    EXPECT_LT(std::chrono::steady_clock::now() - begun, std::chrono::seconds(20));
    ASSERT_EQ(Call("POST", "/api/v1/integrations/" + std::to_string(integration) + "/match",
                   json::object{{"action", "create_all"}}).status, 200);
  }
}

// A company left unmatched at the import and matched afterwards has its records read on the next
// run: that run lists everything (the change cursor would miss its unchanged records), and the
// run after it is incremental again.
TEST_P(SyncTest, ACompanyMatchedAfterTheImportIsReadWholeOnTheNextRun) {
  int64_t integration = Integration();
  std::string iid = std::to_string(integration);
  ASSERT_EQ(Str(Sync(integration).at("state")), "succeeded");
  auto matchers = Arr(Call("GET", "/api/v1/matchers?integration_id=" + iid).At("matchers"));
  ASSERT_EQ(matchers.size(), 5u);
  std::string later = std::to_string(Int(matchers[0].at("id")));
  ASSERT_EQ(Call("PUT", "/api/v1/matchers/" + later, json::object{{"matcher", json::object{{"leave_unmatched", true}}}}).status, 200);
  ASSERT_EQ(Call("POST", "/api/v1/integrations/" + iid + "/match", json::object{{"action", "create_all"}}).status, 200);
  auto import = Sync(integration);
  ASSERT_EQ(Str(import.at("state")), "succeeded") << json::serialize(import);
  int64_t contacts = Count(import, "contacts", "created");
  EXPECT_GT(Count(import, "contacts", "skipped"), 0) << json::serialize(import);
  EXPECT_EQ(Str(Sync(integration).at("full")), "false") << "nothing matched since: incremental";

  auto company = Call("POST", "/api/v1/companies", json::object{{"company", json::object{{"name", "Matched Later Inc"}}}});
  ASSERT_EQ(company.status, 200) << company.Describe();
  ASSERT_EQ(Call("PUT", "/api/v1/matchers/" + later,
                 json::object{{"matcher", json::object{{"company_id", Int(company.At("company", "id"))}}}}).status, 200);
  auto next = Sync(integration);
  ASSERT_EQ(Str(next.at("state")), "succeeded") << json::serialize(next);
  EXPECT_EQ(Str(next.at("full")), "true") << json::serialize(next);
  EXPECT_GT(Count(next, "contacts", "created"), 0) << json::serialize(next);
  EXPECT_EQ(contacts + Count(next, "contacts", "created"), SimTotal(sims::RecordKind::kContact));
  EXPECT_EQ(Str(Sync(integration).at("full")), "false") << json::serialize(next);
}

}  // namespace
}  // namespace cairn::tests
