// End to end: the sync rules of issue 4 (DESIGN.md section 2), each proven through the API of a
// real `cairn serve` against the vendor simulators over HTTPS: a no-change re-sync changes
// nothing and makes few calls; vendor changes arrive on the next run (deletions only on a full
// one); auto-update names; do not update company details; skip types; user-archived records stay
// archived; user-owned fields survive; faults are retried and the import converges; refused
// credentials fail the run and change nothing; kill -9 mid-run converges after a restart;
// scheduled runs fire and never overlap; every change is in the activity log under the
// integration's name; Syncro and Pulseway imports reach the simulators' totals.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "http/server.h"
#include "sims/common/tls_files.h"
#include "sims/connectwise/connectwise_sim.h"
#include "sims/halo/halo_sim.h"
#include "sims/pulseway/pulseway_sim.h"
#include "sims/syncro/syncro_sim.h"
#include "tests/api_fixture.h"

namespace cairn::tests {
namespace {

using Sim = sims::connectwise::ConnectWiseSim;
using sims::RecordKey;
using sims::RecordKind;

// A simulator served over HTTPS with the test CA.
struct SimServer {
  std::unique_ptr<http::Server> server;
  std::string host;  // 127.0.0.1:PORT
};

class SyncRulesTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    dir_ = std::filesystem::temp_directory_path() / ("cairn-sync-rules-" + Token());
    auto files = sims::EnsureTlsFiles(dir_.string());
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    cert_ = files->server_cert;
    key_ = files->server_key;
    ca_ = files->ca_cert;
  }
  void TearDown() override {
    for (auto& s : servers_) s.reset();
    cairn_.reset();
    for (auto& s : sim_servers_)
      if (s.server) s.server->Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  static sims::connectwise::ConnectWiseSimOptions SmallFleet() {
    sims::connectwise::ConnectWiseSimOptions o;
    o.fleet.seed = 3;
    o.fleet.companies = 5;
    o.fleet.contacts_per_company = 3;
    o.fleet.sites_per_company = 2;
    o.fleet.devices_per_company = 8;
    o.fleet.agreements_per_company = 1;
    o.fleet.inactive_share = 0.1;
    o.max_page_size = 7;  // several pages per kind
    return o;
  }

  // Serves a simulator of another vendor over HTTPS; the fixture owns it, and TearDown stops its
  // server before it goes. `host` receives its host:port.
  template <class S, class O>
  S* ServeSim(O options, std::string* host) {
    auto sim = std::make_shared<S>(std::move(options));
    S* raw = sim.get();
    auto served = Serve([raw](http::Request& r) { return raw->Handle(r); });
    if (!served.server) return nullptr;
    *host = served.host;
    other_sims_.push_back(std::move(sim));
    sim_servers_.push_back(std::move(served));
    return raw;
  }

  SimServer Serve(std::function<http::Response(http::Request&)> handler) {
    http::ServerOptions so;
    so.port = 0;
    so.threads = 4;
    so.tls_cert_file = cert_;
    so.tls_key_file = key_;
    auto server = http::Server::Start(so, std::move(handler));
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    SimServer s;
    if (!server.ok()) return s;
    s.server = std::move(*server);
    s.host = "127.0.0.1:" + std::to_string(s.server->port());
    return s;
  }

  // The ConnectWise simulator and a cairn server of its own (--ca-file, quick polling).
  void Start(sims::connectwise::ConnectWiseSimOptions o = SmallFleet(), std::vector<std::string> extra = {}) {
    sim_ = std::make_unique<Sim>(o);
    auto s = Serve([this](http::Request& r) { return sim_->Handle(r); });
    ASSERT_TRUE(s.server);
    host_ = s.host;
    sim_servers_.push_back(std::move(s));
    cairn_ = StartCairn(std::move(extra));
    ASSERT_TRUE(cairn_);
  }
  std::unique_ptr<CairnServer> StartCairn(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--ca-file", ca_, "--sync-poll-ms", "50"};
    args.insert(args.end(), extra.begin(), extra.end());
    return StartServer({.extra_args = args});
  }

  Reply Call(const std::string& method, const std::string& path, const json::value& body = nullptr) {
    return CallOn(*cairn_, method, path, body);
  }
  static Reply CallOn(CairnServer& s, const std::string& method, const std::string& path,
                      const json::value& body = nullptr) {
    return body.is_null() ? s.Call(method, path) : s.CallJson(method, path, body);
  }

  int64_t Layout(CairnServer& s, const std::string& name) {
    json::array fields;
    for (const char* label : {"Email", "Phone", "Title", "Serial Number", "IP Address", "Operating System", "Address"})
      fields.push_back(json::object{{"label", label}, {"field_type", "Text"}});
    auto r = CallOn(s, "POST", "/api/v1/asset_layouts",
                    json::object{{"asset_layout", json::object{{"name", Unique(name)}, {"icon", "fas fa-box"}, {"fields", fields}}}});
    EXPECT_EQ(r.status, 200) << r.Describe();
    return Int(r.At("asset_layout", "id"));
  }
  json::object CwCredentials(const std::string& private_key = "sim-cw-private") {
    return json::object{{"site", host_},
                        {"company", "cairnsim"},
                        {"public_key", "sim-cw-public"},
                        {"private_key", private_key},
                        {"client_id", "sim-cw-client-id"}};
  }
  // A ConnectWise integration; `extra` adds or replaces fields of the body.
  int64_t Integration(json::object extra = {}, CairnServer* on = nullptr) {
    CairnServer& s = on ? *on : *cairn_;
    json::object body{{"slug", "cw_manage"},
                      {"credentials", CwCredentials()},
                      {"default_layouts", json::object{{"contacts", Layout(s, "People")},
                                                       {"locations", Layout(s, "Locations")},
                                                       {"configurations", Layout(s, "Configurations")}}}};
    for (auto& [k, v] : extra) body[k] = v;
    auto r = CallOn(s, "POST", "/api/v1/integrations", json::object{{"integration", body}});
    EXPECT_EQ(r.status, 200) << r.Describe();
    return Int(r.At("integration", "id"));
  }
  static json::object WaitRun(CairnServer& s, int64_t id, int tenths = 300) {
    for (int i = 0; i < tenths; ++i) {
      auto g = CallOn(s, "GET", "/api/v1/sync_runs/" + std::to_string(id));
      std::string state = Str(g.At("sync_run", "state"));
      if (g.status == 200 && state != "queued" && state != "running") return g.At("sync_run").as_object();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "run " << id << " did not finish";
    return {};
  }
  static int64_t StartRun(CairnServer& s, int64_t integration, json::object body = {}) {
    auto r = CallOn(s, "POST", "/api/v1/integrations/" + std::to_string(integration) + "/sync", body);
    EXPECT_EQ(r.status, 200) << r.Describe();
    return Int(r.At("sync_run", "id"));
  }
  json::object Sync(int64_t integration, json::object body = {}, CairnServer* on = nullptr) {
    CairnServer& s = on ? *on : *cairn_;
    return WaitRun(s, StartRun(s, integration, body));
  }
  // Discovery, create-all matching and the first import; the import run.
  json::object Import(int64_t integration, CairnServer* on = nullptr) {
    CairnServer& s = on ? *on : *cairn_;
    auto discovery = Sync(integration, {}, &s);
    EXPECT_EQ(Str(discovery.at("state")), "succeeded") << json::serialize(discovery);
    auto bulk = CallOn(s, "POST", "/api/v1/integrations/" + std::to_string(integration) + "/match",
                       json::object{{"action", "create_all"}});
    EXPECT_EQ(bulk.status, 200) << bulk.Describe();
    auto import = Sync(integration, {}, &s);
    EXPECT_EQ(Str(import.at("state")), "succeeded") << json::serialize(import);
    return import;
  }
  static int64_t Count(const json::object& run, const std::string& kind, const std::string& action) {
    if (!run.contains("counts")) return -2;
    const auto* k = run.at("counts").as_object().if_contains(kind);
    return k ? Int(k->as_object().at(action)) : -1;
  }
  static std::string Dump(const json::object& run) { return json::serialize(run); }

  int64_t SimTotal(RecordKind kind) { return sim_->tenant().View()->Total(kind); }
  std::vector<RecordKey> Keys(RecordKind kind, const std::function<bool(RecordKey)>& keep = nullptr) {
    std::vector<RecordKey> out;
    auto view = sim_->tenant().View();
    view->ForEach(kind, std::nullopt, [&](RecordKey k) {
      if (!keep || keep(k)) out.push_back(k);
      return true;
    });
    return out;
  }
  bool Active(RecordKind kind, RecordKey k) { return sim_->tenant().View()->Active(kind, k); }

  // The simulator's control API.
  static http::ClientResponse Control(const std::string& ca, const std::string& host, const std::string& method,
                                const std::string& path, const std::string& body = "") {
    http::Client c(http::ClientOptions{.ca_file = ca});
    auto r = c.Send({.method = method, .url = "https://" + host + path,
                     .headers = {{"X-Sim-Token", "sim-control-token"}}, .body = body});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return http::ClientResponse{};
    EXPECT_EQ(r->status, 200) << r->body;
    return *r;
  }
  void Mutate(const std::string& kind, const std::string& action, const std::vector<int64_t>& ids) {
    std::string list;
    for (int64_t id : ids) list += (list.empty() ? "" : ",") + std::to_string(id);
    Control(ca_, host_, "POST", "/_sim/mutate",
            R"({"kind": ")" + kind + R"(", "action": ")" + action + R"(", "ids": [)" + list + "]}");
  }
  void MutateCount(const std::string& kind, const std::string& action, int n) {
    Control(ca_, host_, "POST", "/_sim/mutate",
            R"({"kind": ")" + kind + R"(", "action": ")" + action + R"(", "count": )" + std::to_string(n) + "}");
  }
  void Faults(const std::string& body) { Control(ca_, host_, "POST", "/_sim/faults", body); }
  // A small Halo simulator (`companies` companies with one contact, site and device each) and
  // Cairn with a Halo integration that pushes the knowledge base: the integration's id (0 when
  // something failed, with the failure reported) and, in `host`, the simulator's.
  int64_t StartHaloKb(uint64_t seed, int companies, std::string* host) {
    sims::halo::HaloSimOptions o;
    o.fleet.seed = seed;
    o.fleet.companies = companies;
    o.fleet.contacts_per_company = 1;
    o.fleet.sites_per_company = 1;
    o.fleet.devices_per_company = 1;
    return StartHalo(o, host, nullptr, json::object{{"options", json::object{{"push_knowledge_base", true}}}});
  }
  // A Halo simulator of `o` (in `sim` when asked), Cairn, and a Halo integration against it;
  // `extra` adds or replaces fields of the integration's body. The integration's id, or 0 with
  // the failure reported; the simulator's host in `host`.
  int64_t StartHalo(const sims::halo::HaloSimOptions& o, std::string* host, sims::halo::HaloSim** sim = nullptr,
                    json::object extra = {}) {
    auto* served = ServeSim<sims::halo::HaloSim>(o, host);
    if (!served) {
      ADD_FAILURE() << "the Halo simulator did not start";
      return 0;
    }
    if (sim) *sim = served;
    cairn_ = StartCairn();
    if (!cairn_) {
      ADD_FAILURE() << "Cairn did not start";
      return 0;
    }
    return SimIntegration("halo", *host, std::move(extra));
  }
  // An integration of `slug` (halo, syncro or pulseway_rmm) against the simulator at `host`, with
  // the simulator's credentials and a layout per default kind; `extra` adds or replaces fields of
  // the body. Its id, or 0 (with the failure reported).
  int64_t SimIntegration(const std::string& slug, const std::string& host, json::object extra = {}) {
    json::object body{{"slug", slug}};
    if (slug == "halo") {
      body["credentials"] = json::object{{"resource_server", "https://" + host + "/api"},
                                         {"tenant", "cairn-sim"},
                                         {"client_id", "sim-halo-client-id"},
                                         {"client_secret", "sim-halo-client-secret"}};
      body["default_layouts"] = json::object{{"users", Layout(*cairn_, "People")},
                                             {"sites", Layout(*cairn_, "Sites")},
                                             {"assets", Layout(*cairn_, "Devices")}};
    } else if (slug == "syncro") {
      body["credentials"] = json::object{{"domain", host}, {"api_key", "sim-syncro-api-key"}};
      body["default_layouts"] =
          json::object{{"contacts", Layout(*cairn_, "People")}, {"assets", Layout(*cairn_, "Devices")}};
    } else {
      body["credentials"] = json::object{
          {"server", host}, {"token_id", "sim-pulseway-token-id"}, {"token_secret", "sim-pulseway-token-secret"}};
      body["default_layouts"] = json::object{{"systems", Layout(*cairn_, "Systems")}};
    }
    for (auto& [k, v] : extra) body[k] = v;
    auto r = Call("POST", "/api/v1/integrations", json::object{{"integration", body}});
    EXPECT_EQ(r.status, 200) << r.Describe();
    return r.status == 200 ? Int(r.At("integration", "id")) : 0;
  }
  json::object Stats() {
    auto r = Control(ca_, host_, "GET", "/_sim/stats");
    auto v = json::parse(r.body);
    return v.is_object() ? v.as_object() : json::object{};
  }

  // The card of a synced record (by vendor id) and the asset behind it.
  json::value Card(const std::string& kind, int64_t vendor_id) {
    auto r = Call("GET", "/api/v1/cards/lookup?integration_slug=cw_manage&integration_type=" + kind +
                             "&integration_id=" + std::to_string(vendor_id));
    EXPECT_EQ(r.status, 200) << r.Describe();
    EXPECT_EQ(Arr(r.At("integrator_cards")).size(), 1u) << r.body;
    return Arr(r.At("integrator_cards")).empty() ? json::value() : Arr(r.At("integrator_cards"))[0];
  }
  json::value AssetOf(const std::string& kind, int64_t vendor_id) {
    auto card = Card(kind, vendor_id);
    if (!card.is_object()) return {};
    auto r = Call("GET", "/api/v1/assets?id=" + std::to_string(Int(card.at("record_id"))));
    EXPECT_EQ(r.status, 200) << r.Describe();
    return Arr(r.At("assets")).empty() ? json::value() : Arr(r.At("assets"))[0];
  }
  json::value CompanyOf(int64_t vendor_company_id) {
    auto r = Call("GET", "/api/v1/companies?id_in_integration=" + std::to_string(vendor_company_id));
    EXPECT_EQ(r.status, 200) << r.Describe();
    EXPECT_EQ(Arr(r.At("companies")).size(), 1u) << r.body;
    return Arr(r.At("companies")).empty() ? json::value() : Arr(r.At("companies"))[0];
  }
  static bool Archived(const json::value& asset) {
    return asset.is_object() && asset.as_object().contains("archived") && asset.at("archived") == json::value(true);
  }

  // Every company of a server by name -> (assets not archived, assets archived), sorted names of
  // the assets included, so that two servers' states can be compared.
  struct CompanyState {
    int64_t active = 0, archived = 0;
    std::multiset<std::string> names;
    bool operator==(const CompanyState&) const = default;
  };
  static std::map<std::string, CompanyState> State(CairnServer& s) {
    std::map<std::string, CompanyState> out;
    auto cs = CallOn(s, "GET", "/api/v1/companies?page_size=1000");
    EXPECT_EQ(cs.status, 200) << cs.Describe();
    for (const auto& c : Arr(cs.At("companies"))) {
      CompanyState st;
      std::string cid = std::to_string(Int(c.at("id")));
      for (bool archived : {false, true}) {
        auto r = CallOn(s, "GET", "/api/v1/companies/" + cid + "/assets?page_size=1000" + (archived ? "&archived=true" : ""));
        EXPECT_EQ(r.status, 200) << r.Describe();
        for (const auto& a : Arr(r.At("assets"))) {
          (archived ? st.archived : st.active)++;
          st.names.insert(Str(a.at("name")) + (Archived(a) ? " [archived]" : ""));
        }
      }
      out[Str(c.at("name"))] = st;
    }
    return out;
  }
  static int64_t TotalAssets(const std::map<std::string, CompanyState>& state) {
    int64_t n = 0;
    for (const auto& [name, st] : state) n += st.active + st.archived;
    return n;
  }

  std::filesystem::path dir_;
  std::string cert_, key_, ca_;
  std::unique_ptr<Sim> sim_;
  std::vector<std::shared_ptr<void>> other_sims_;  // declared first: destroyed after their servers
  std::vector<SimServer> sim_servers_;
  std::string host_;
  std::unique_ptr<CairnServer> cairn_;
  std::vector<std::unique_ptr<CairnServer>> servers_;  // further servers of a test
};
CAIRN_ON_BOTH_BACKENDS(SyncRulesTest);

constexpr const char* kAssetKinds[] = {"contacts", "locations", "configurations"};
constexpr const char* kAllKinds[] = {"companies", "contacts", "locations", "configurations", "agreements"};

// 1. A re-sync with no change at the vendor changes nothing and makes few calls (lastUpdated).
TEST_P(SyncRulesTest, NoChangeResyncChangesNothingAndMakesFewCalls) {
  Start();
  int64_t integration = Integration();
  auto import = Import(integration);
  ASSERT_EQ(Str(import.at("state")), "succeeded");
  auto before = Stats();
  auto again = Sync(integration);
  auto after = Stats();
  ASSERT_EQ(Str(again.at("state")), "succeeded") << Dump(again);
  for (const char* kind : kAllKinds)
    for (const char* action : {"created", "updated", "archived", "unarchived", "failed"})
      EXPECT_EQ(Count(again, kind, action), 0) << kind << " " << action << ": " << Dump(again);
  EXPECT_EQ(Count(again, "configurations", "unchanged") + Count(again, "configurations", "skipped"), 0)
      << "an incremental re-sync should not even list unchanged configurations: " << Dump(again);
  auto changes = Call("GET", "/api/v1/sync_runs/" + std::to_string(Int(again.at("id"))) + "/changes?page_size=1000");
  ASSERT_EQ(changes.status, 200) << changes.Describe();
  EXPECT_EQ(Arr(changes.At("changes")).size(), 0u) << changes.body;

  // Requests per path during the re-sync: a handful at most (one page each, sites once per company).
  const auto& b = before.at("by_path").as_object();
  const auto& a = after.at("by_path").as_object();
  int64_t total = 0;
  for (const auto& [path, statuses] : a) {
    int64_t n = 0;
    for (const auto& [st, c] : statuses.as_object()) n += Int(c);
    if (const auto* old = b.if_contains(path))
      for (const auto& [st, c] : old->as_object()) n -= Int(c);
    total += n;
    EXPECT_LE(n, 6) << path << " was called " << n << " times in a no-change re-sync: " << json::serialize(a);
  }
  EXPECT_LT(total, Int(import.at("requests"))) << "re-sync " << total << " requests, import " << json::serialize(import.at("requests"));
  EXPECT_LE(total, 15) << json::serialize(a);
  EXPECT_EQ(Str(again.at("full")), "false") << "the re-sync should be incremental: " << Dump(again);
}

// 2. Vendor changes arrive on the next run; deletions only on a full one.
TEST_P(SyncRulesTest, VendorChangesArriveOnTheNextRun) {
  Start();
  int64_t integration = Integration();
  auto import = Import(integration);
  ASSERT_EQ(Str(import.at("state")), "succeeded");
  auto active = Keys(RecordKind::kDevice, [&](RecordKey k) { return Active(RecordKind::kDevice, k); });
  auto inactive = Keys(RecordKind::kDevice, [&](RecordKey k) { return !Active(RecordKind::kDevice, k); });
  ASSERT_GE(active.size(), 4u);
  ASSERT_GE(inactive.size(), 1u) << "the fleet needs an inactive configuration";
  int64_t renamed = Sim::ChildId(active[0].company, active[0].index);
  int64_t updated = Sim::ChildId(active[1].company, active[1].index);
  int64_t deactivated = Sim::ChildId(active[2].company, active[2].index);
  int64_t deleted = Sim::ChildId(active[3].company, active[3].index);
  int64_t activated = Sim::ChildId(inactive[0].company, inactive[0].index);
  auto old_asset = AssetOf("configurations", renamed);
  std::string old_name = Str(old_asset.at("name"));
  auto old_updated_card = Card("configurations", updated);
  EXPECT_TRUE(Archived(AssetOf("configurations", activated))) << "inactive at the vendor: arrives archived";

  Mutate("configurations", "rename", {renamed});
  Mutate("configurations", "update", {updated});
  Mutate("configurations", "deactivate", {deactivated});
  Mutate("configurations", "activate", {activated});
  Mutate("configurations", "delete", {deleted});
  MutateCount("configurations", "add", 1);

  auto next = Sync(integration);  // incremental
  ASSERT_EQ(Str(next.at("state")), "succeeded") << Dump(next);
  EXPECT_EQ(Count(next, "configurations", "created"), 1) << Dump(next);
  EXPECT_EQ(Count(next, "configurations", "updated"), 2) << Dump(next);
  EXPECT_EQ(Count(next, "configurations", "archived"), 1) << "deactivated only; never the deleted one on an incremental run: " << Dump(next);
  EXPECT_EQ(Count(next, "configurations", "unarchived"), 1) << Dump(next);
  EXPECT_EQ(Count(next, "configurations", "failed"), 0) << Dump(next);

  // Rename: the card shows the new name, the asset keeps its own (auto_update_names is off).
  auto card = Card("configurations", renamed);
  std::string new_name = Str(card.at("data").at("Name"));
  EXPECT_NE(new_name, old_name) << json::serialize(card);
  EXPECT_EQ(Str(AssetOf("configurations", renamed).at("name")), old_name);
  // Field change: the card data changed.
  EXPECT_NE(json::serialize(Card("configurations", updated).at("data")), json::serialize(old_updated_card.at("data")));
  EXPECT_TRUE(Archived(AssetOf("configurations", deactivated)));
  EXPECT_FALSE(Archived(AssetOf("configurations", activated)));
  EXPECT_FALSE(Archived(AssetOf("configurations", deleted))) << "archived on an incremental run";

  auto full = Sync(integration, json::object{{"full", true}});
  ASSERT_EQ(Str(full.at("state")), "succeeded") << Dump(full);
  EXPECT_EQ(Count(full, "configurations", "archived"), 1) << Dump(full);
  EXPECT_EQ(Count(full, "configurations", "created"), 0) << Dump(full);
  EXPECT_EQ(Count(full, "configurations", "updated"), 0) << Dump(full);
  EXPECT_EQ(Count(full, "configurations", "unarchived"), 0) << Dump(full);
  EXPECT_TRUE(Archived(AssetOf("configurations", deleted))) << "not archived after a full run";
  EXPECT_TRUE(Archived(AssetOf("configurations", deactivated)));
  EXPECT_FALSE(Archived(AssetOf("configurations", activated)));
  // Another full run: nothing more.
  auto again = Sync(integration, json::object{{"full", true}});
  for (const char* action : {"created", "updated", "archived", "unarchived"})
    EXPECT_EQ(Count(again, "configurations", action), 0) << action << ": " << Dump(again);
}

// 3. auto_update_names: on, a vendor rename renames the asset; off, it does not.
TEST_P(SyncRulesTest, AutoUpdateNamesRenamesTheAsset) {
  Start();
  int64_t integration = Integration(json::object{{"options", json::object{{"auto_update_names", true}}}});
  ASSERT_EQ(Str(Import(integration).at("state")), "succeeded");
  auto active = Keys(RecordKind::kDevice, [&](RecordKey k) { return Active(RecordKind::kDevice, k); });
  auto contacts = Keys(RecordKind::kContact, [&](RecordKey k) { return Active(RecordKind::kContact, k); });
  ASSERT_FALSE(active.empty());
  ASSERT_FALSE(contacts.empty());
  int64_t device = Sim::ChildId(active[0].company, active[0].index);
  int64_t contact = Sim::ChildId(contacts[0].company, contacts[0].index);
  std::string old_name = Str(AssetOf("configurations", device).at("name"));
  std::string old_contact = Str(AssetOf("contacts", contact).at("name"));
  Mutate("configurations", "rename", {device});
  Mutate("contacts", "rename", {contact});
  auto run = Sync(integration);
  ASSERT_EQ(Str(run.at("state")), "succeeded") << Dump(run);
  std::string vendor_name = Str(Card("configurations", device).at("data").at("Name"));
  EXPECT_NE(vendor_name, old_name);
  EXPECT_EQ(Str(AssetOf("configurations", device).at("name")), vendor_name);
  EXPECT_NE(Str(AssetOf("contacts", contact).at("name")), old_contact);
}

TEST_P(SyncRulesTest, WithoutAutoUpdateNamesTheAssetKeepsItsName) {
  Start();
  int64_t integration = Integration(json::object{{"options", json::object{{"auto_update_names", false}}}});
  ASSERT_EQ(Str(Import(integration).at("state")), "succeeded");
  auto active = Keys(RecordKind::kDevice, [&](RecordKey k) { return Active(RecordKind::kDevice, k); });
  ASSERT_FALSE(active.empty());
  int64_t device = Sim::ChildId(active[0].company, active[0].index);
  std::string old_name = Str(AssetOf("configurations", device).at("name"));
  Mutate("configurations", "rename", {device});
  auto run = Sync(integration);
  ASSERT_EQ(Str(run.at("state")), "succeeded") << Dump(run);
  EXPECT_EQ(Count(run, "configurations", "updated"), 1) << Dump(run);
  EXPECT_NE(Str(Card("configurations", device).at("data").at("Name")), old_name);
  EXPECT_EQ(Str(AssetOf("configurations", device).at("name")), old_name);
}

// 4. do_not_update_company_details: with it a vendor company update leaves the company alone.
TEST_P(SyncRulesTest, DoNotUpdateCompanyDetails) {
  Start();
  auto companies = Keys(RecordKind::kCompany);
  ASSERT_GE(companies.size(), 2u);
  int64_t kept = Sim::CompanyId(companies[0].company);
  int64_t followed = Sim::CompanyId(companies[1].company);
  // Two integrations of the same vendor would share the companies, so two servers.
  int64_t with_option = Integration(json::object{{"options", json::object{{"do_not_update_company_details", true}}}});
  ASSERT_EQ(Str(Import(with_option).at("state")), "succeeded");
  auto other = StartCairn();
  ASSERT_TRUE(other);
  int64_t without = Integration({}, other.get());
  ASSERT_EQ(Str(Import(without, other.get()).at("state")), "succeeded");

  auto before = CompanyOf(kept);
  auto find_other = [&](int64_t vendor_id) {
    auto r = other->Call("GET", "/api/v1/companies?id_in_integration=" + std::to_string(vendor_id));
    EXPECT_EQ(Arr(r.At("companies")).size(), 1u) << r.body;
    return Arr(r.At("companies")).empty() ? json::value() : Arr(r.At("companies"))[0];
  };
  auto other_before = find_other(followed);
  Mutate("companies", "update", {kept, followed});
  auto vendor_kept = sim_->tenant().View()->Company(companies[0].company);
  auto vendor_followed = sim_->tenant().View()->Company(companies[1].company);
  ASSERT_TRUE(vendor_kept && vendor_followed);

  auto run = Sync(with_option);
  ASSERT_EQ(Str(run.at("state")), "succeeded") << Dump(run);
  auto after = CompanyOf(kept);
  EXPECT_EQ(Str(after.at("phone_number")), Str(before.at("phone_number")));
  EXPECT_EQ(Str(after.at("address_line_1")), Str(before.at("address_line_1")));
  EXPECT_NE(Str(after.at("address_line_1")), vendor_kept->address_line_1);

  auto run2 = Sync(without, {}, other.get());
  ASSERT_EQ(Str(run2.at("state")), "succeeded") << Dump(run2);
  auto other_after = find_other(followed);
  EXPECT_NE(Str(other_after.at("address_line_1")), Str(other_before.at("address_line_1"))) << json::serialize(other_after);
  EXPECT_EQ(Str(other_after.at("address_line_1")), vendor_followed->address_line_1) << json::serialize(other_after);
  EXPECT_NE(Str(other_after.at("phone_number")), Str(other_before.at("phone_number"))) << json::serialize(other_after);
}

// 5. Skip types: configurations of a skipped type are not created (counted skipped).
TEST_P(SyncRulesTest, SkipTypesAreNotCreated) {
  auto o = SmallFleet();
  o.fleet.devices_per_company = 14;  // every type appears
  Start(o);
  int64_t printers = 0;
  auto view = sim_->tenant().View();
  view->ForEach(RecordKind::kDevice, std::nullopt, [&](RecordKey k) {
    if (view->Device(k.company, k.index)->type == sims::DeviceType::kPrinter) ++printers;
    return true;
  });
  ASSERT_GT(printers, 0) << "the fleet needs printers";
  int64_t integration = Integration(json::object{{"skip_types", json::array{"printer"}}});
  auto import = Import(integration);
  ASSERT_EQ(Str(import.at("state")), "succeeded") << Dump(import);
  EXPECT_EQ(Count(import, "configurations", "created"), SimTotal(RecordKind::kDevice) - printers) << Dump(import);
  EXPECT_EQ(Count(import, "configurations", "skipped"), printers) << Dump(import);
  // No printer card exists.
  auto changes = Call("GET", "/api/v1/sync_runs/" + std::to_string(Int(import.at("id"))) +
                                 "/changes?kind=configurations&page_size=1000");
  ASSERT_EQ(changes.status, 200);
  int64_t printer_cards = 0;
  for (const auto& c : Arr(changes.At("changes"))) {
    auto card = Call("GET", "/api/v1/cards/lookup?integration_slug=cw_manage&integration_type=configurations&integration_id=" +
                                Str(c.at("sync_id")));
    for (const auto& k : Arr(card.At("integrator_cards")))
      if (Str(k.at("data").at("Type")) == "Printer") ++printer_cards;
  }
  EXPECT_EQ(printer_cards, 0);
  // A re-sync (full) still creates none.
  auto full = Sync(integration, json::object{{"full", true}});
  EXPECT_EQ(Count(full, "configurations", "created"), 0) << Dump(full);
  EXPECT_EQ(Count(full, "configurations", "skipped"), printers) << Dump(full);
}

// 6. Records a user archived stay archived, whatever the vendor does.
TEST_P(SyncRulesTest, UserArchivedRecordsStayArchived) {
  Start();
  int64_t integration = Integration(json::object{{"options", json::object{{"auto_update_names", true}}}});
  ASSERT_EQ(Str(Import(integration).at("state")), "succeeded");
  auto active = Keys(RecordKind::kDevice, [&](RecordKey k) { return Active(RecordKind::kDevice, k); });
  ASSERT_GE(active.size(), 2u);
  int64_t a = Sim::ChildId(active[0].company, active[0].index);
  int64_t b = Sim::ChildId(active[1].company, active[1].index);
  for (int64_t id : {a, b}) {
    auto asset = AssetOf("configurations", id);
    auto r = Call("PUT", "/api/v1/companies/" + std::to_string(Int(asset.at("company_id"))) + "/assets/" +
                             std::to_string(Int(asset.at("id"))) + "/archive");
    ASSERT_EQ(r.status, 200) << r.Describe();
  }
  Mutate("configurations", "update", {a});
  Mutate("configurations", "rename", {a});
  Mutate("configurations", "deactivate", {b});
  auto run = Sync(integration);
  ASSERT_EQ(Str(run.at("state")), "succeeded") << Dump(run);
  EXPECT_TRUE(Archived(AssetOf("configurations", a)));
  EXPECT_TRUE(Archived(AssetOf("configurations", b)));
  // The vendor re-activates b: the user's archive still stands.
  Mutate("configurations", "activate", {b});
  Mutate("configurations", "update", {a});
  run = Sync(integration);
  ASSERT_EQ(Str(run.at("state")), "succeeded") << Dump(run);
  EXPECT_TRUE(Archived(AssetOf("configurations", a)));
  EXPECT_TRUE(Archived(AssetOf("configurations", b))) << "a vendor re-activation unarchived a user-archived asset";
  run = Sync(integration, json::object{{"full", true}});
  ASSERT_EQ(Str(run.at("state")), "succeeded") << Dump(run);
  EXPECT_TRUE(Archived(AssetOf("configurations", a)));
  EXPECT_TRUE(Archived(AssetOf("configurations", b)));
}

// 7. User-owned fields survive every sync.
TEST_P(SyncRulesTest, UserOwnedFieldsSurvive) {
  Start();
  int64_t integration = Integration();
  ASSERT_EQ(Str(Import(integration).at("state")), "succeeded");
  auto active = Keys(RecordKind::kDevice, [&](RecordKey k) { return Active(RecordKind::kDevice, k); });
  ASSERT_FALSE(active.empty());
  int64_t id = Sim::ChildId(active[0].company, active[0].index);
  auto asset = AssetOf("configurations", id);
  std::string path = "/api/v1/companies/" + std::to_string(Int(asset.at("company_id"))) + "/assets/" +
                     std::to_string(Int(asset.at("id")));
  auto put = Call("PUT", path, json::object{{"asset", json::object{{"custom_fields", json::array{json::object{{"ip_address", "user value"}, {"operating_system", "user os"}}}}}}});
  ASSERT_EQ(put.status, 200) << put.Describe();
  ASSERT_EQ(Str(FieldValues(put.At("asset"))["IP Address"]), "user value") << put.body;
  Mutate("configurations", "update", {id});  // changes the IP and OS at the vendor
  auto run = Sync(integration);
  ASSERT_EQ(Str(run.at("state")), "succeeded") << Dump(run);
  EXPECT_EQ(Count(run, "configurations", "updated"), 1) << Dump(run);
  auto after = FieldValues(AssetOf("configurations", id));
  EXPECT_EQ(Str(after["IP Address"]), "user value");
  EXPECT_EQ(Str(after["Operating System"]), "user os");
  run = Sync(integration, json::object{{"full", true}});
  ASSERT_EQ(Str(run.at("state")), "succeeded") << Dump(run);
  after = FieldValues(AssetOf("configurations", id));
  EXPECT_EQ(Str(after["IP Address"]), "user value");
  EXPECT_EQ(Str(after["Operating System"]), "user os");
}

// 8. Faults: 429s, 5xx, resets and truncated bodies are retried; the import converges.
TEST_P(SyncRulesTest, ImportConvergesThrough429s) {
  auto o = SmallFleet();
  o.fleet.companies = 3;
  o.fleet.devices_per_company = 5;
  Start(o);
  int64_t integration = Integration();
  Faults(R"({"p429": 0.3, "retry_after_s": 0})");
  auto import = Import(integration);
  ASSERT_EQ(Str(import.at("state")), "succeeded") << Dump(import);
  EXPECT_EQ(Count(import, "contacts", "created"), SimTotal(RecordKind::kContact)) << Dump(import);
  EXPECT_EQ(Count(import, "locations", "created"), SimTotal(RecordKind::kSite)) << Dump(import);
  EXPECT_EQ(Count(import, "configurations", "created"), SimTotal(RecordKind::kDevice)) << Dump(import);
  EXPECT_EQ(Count(import, "agreements", "created"), SimTotal(RecordKind::kAgreement)) << Dump(import);
  auto stats = Stats();
  EXPECT_GT(Int(stats.at("injected_faults")), 0) << json::serialize(stats);
  EXPECT_EQ(TotalAssets(State(*cairn_)),
            SimTotal(RecordKind::kContact) + SimTotal(RecordKind::kSite) + SimTotal(RecordKind::kDevice));
}

TEST_P(SyncRulesTest, ImportConvergesThrough5xxResetsAndTruncation) {
  auto o = SmallFleet();
  o.fleet.companies = 2;
  o.fleet.contacts_per_company = 2;
  o.fleet.devices_per_company = 5;
  o.max_page_size = 1000;  // one page per kind: few requests, so that retries' back-off stays short
  Start(o);
  int64_t integration = Integration();
  Faults(R"({"p5xx": 0.2, "preset": 0.1, "ptruncate": 0.1})");
  auto import = Import(integration);
  ASSERT_EQ(Str(import.at("state")), "succeeded") << Dump(import);
  EXPECT_EQ(Count(import, "contacts", "created"), SimTotal(RecordKind::kContact)) << Dump(import);
  EXPECT_EQ(Count(import, "locations", "created"), SimTotal(RecordKind::kSite)) << Dump(import);
  EXPECT_EQ(Count(import, "configurations", "created"), SimTotal(RecordKind::kDevice)) << Dump(import);
  EXPECT_EQ(Count(import, "agreements", "created"), SimTotal(RecordKind::kAgreement)) << Dump(import);
  EXPECT_EQ(TotalAssets(State(*cairn_)),
            SimTotal(RecordKind::kContact) + SimTotal(RecordKind::kSite) + SimTotal(RecordKind::kDevice));
  // Converged exactly: a fault-free full re-sync changes nothing.
  Faults("{}");
  auto again = Sync(integration, json::object{{"full", true}});
  ASSERT_EQ(Str(again.at("state")), "succeeded") << Dump(again);
  for (const char* kind : kAllKinds)
    for (const char* action : {"created", "updated", "archived", "unarchived", "failed"})
      EXPECT_EQ(Count(again, kind, action), 0) << kind << " " << action << ": " << Dump(again);
}

// 9. Refused credentials fail the run with a clear message and change nothing.
TEST_P(SyncRulesTest, RefusedCredentialsFailTheRunAndChangeNothing) {
  Start();
  int64_t wrong = Integration(json::object{{"credentials", CwCredentials("not-the-key")}});
  auto run = Sync(wrong);
  EXPECT_EQ(Str(run.at("state")), "failed") << Dump(run);
  std::string errors = json::serialize(run.at("errors"));
  EXPECT_NE(errors.find("ConnectWise PSA"), std::string::npos) << errors;
  EXPECT_NE(errors.find("401"), std::string::npos) << errors;
  EXPECT_EQ(errors.find("not-the-key"), std::string::npos) << errors;
  auto matchers = Call("GET", "/api/v1/matchers?integration_id=" + std::to_string(wrong));
  ASSERT_EQ(matchers.status, 200) << matchers.Describe();
  EXPECT_EQ(Arr(matchers.At("matchers")).size(), 0u) << matchers.body;
  EXPECT_EQ(TotalAssets(State(*cairn_)), 0);

  // An integration that worked, then its key is revoked: the run fails and nothing changes.
  int64_t good = Integration();
  ASSERT_EQ(Str(Import(good).at("state")), "succeeded");
  auto before = State(*cairn_);
  MutateCount("configurations", "add", 2);
  MutateCount("configurations", "deactivate", 2);
  MutateCount("companies", "update", 2);
  auto put = Call("PUT", "/api/v1/integrations/" + std::to_string(good),
                  json::object{{"integration", json::object{{"credentials", json::object{{"private_key", "revoked"}}}}}});
  ASSERT_EQ(put.status, 200) << put.Describe();
  auto failed = Sync(good, json::object{{"full", true}});
  EXPECT_EQ(Str(failed.at("state")), "failed") << Dump(failed);
  errors = json::serialize(failed.at("errors"));
  EXPECT_NE(errors.find("ConnectWise PSA"), std::string::npos) << errors;
  EXPECT_NE(errors.find("401"), std::string::npos) << errors;
  EXPECT_EQ(State(*cairn_), before);
}

// 10. kill -9 mid-run, then a restart: the run resumes and converges to an uninterrupted run's state.
TEST_P(SyncRulesTest, Kill9MidRunConvergesAfterRestart) {
  Start();
  int64_t integration = Integration();
  ASSERT_EQ(Str(Sync(integration).at("state")), "succeeded");
  ASSERT_EQ(Call("POST", "/api/v1/integrations/" + std::to_string(integration) + "/match",
                 json::object{{"action", "create_all"}}).status, 200);
  Faults(R"({"latency_ms": 100})");
  int64_t run = StartRun(*cairn_, integration);
  // Wait until the run has applied something, then kill.
  bool applied = false;
  for (int i = 0; i < 100 && !applied; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto g = Call("GET", "/api/v1/sync_runs/" + std::to_string(run));
    ASSERT_NE(Str(g.At("sync_run", "state")), "succeeded") << "the run ended before the kill: " << g.body;
    applied = Count(g.At("sync_run").as_object(), "contacts", "created") > 0;
  }
  ASSERT_TRUE(applied) << "the run never got to contacts";
  cairn_->Kill9();
  ASSERT_TRUE(cairn_->Restart().ok());
  auto resumed = WaitRun(*cairn_, run, 600);
  ASSERT_EQ(Str(resumed.at("state")), "succeeded") << Dump(resumed);
  Faults("{}");

  // The reference: a fresh server, a fresh integration, the same simulator state.
  auto reference = StartCairn();
  ASSERT_TRUE(reference);
  int64_t fresh = Integration({}, reference.get());
  ASSERT_EQ(Str(Import(fresh, reference.get()).at("state")), "succeeded");
  auto got = State(*cairn_);
  auto want = State(*reference);
  EXPECT_EQ(got.size(), want.size());
  for (const auto& [name, st] : want) {
    auto it = got.find(name);
    ASSERT_NE(it, got.end()) << name;
    EXPECT_EQ(it->second.active, st.active) << name;
    EXPECT_EQ(it->second.archived, st.archived) << name;
    EXPECT_EQ(it->second.names, st.names) << name;
  }
  EXPECT_EQ(TotalAssets(got), SimTotal(RecordKind::kContact) + SimTotal(RecordKind::kSite) + SimTotal(RecordKind::kDevice));
  // And the next run finds nothing to do.
  auto again = Sync(integration, json::object{{"full", true}});
  for (const char* kind : kAllKinds)
    for (const char* action : {"created", "updated", "archived", "unarchived", "failed"})
      EXPECT_EQ(Count(again, kind, action), 0) << kind << " " << action << ": " << Dump(again);
}

// 11. Scheduled runs fire on their interval and never overlap.
TEST_P(SyncRulesTest, ScheduledRunsFireAndNeverOverlap) {
  Start(SmallFleet(), {"--sync-minute-ms", "200"});
  int64_t integration = Integration(json::object{{"interval_minutes", 5}});  // 1 s
  ASSERT_EQ(Str(Sync(integration).at("state")), "succeeded");
  ASSERT_EQ(Call("POST", "/api/v1/integrations/" + std::to_string(integration) + "/match",
                 json::object{{"action", "create_all"}}).status, 200);
  Faults(R"({"latency_ms": 30})");  // runs take a while, so that overlaps could show
  std::string list = "/api/v1/sync_runs?integration_id=" + std::to_string(integration) + "&page_size=100";
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(3500);
  int max_running = 0;
  while (std::chrono::steady_clock::now() < until) {
    auto r = Call("GET", list);
    ASSERT_EQ(r.status, 200) << r.Describe();
    int running = 0;
    for (const auto& run : Arr(r.At("sync_runs")))
      if (Str(run.at("state")) == "running" || Str(run.at("state")) == "queued") ++running;
    max_running = std::max(max_running, running);
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
  }
  EXPECT_LE(max_running, 1);
  Faults("{}");
  auto r = Call("GET", list);
  ASSERT_EQ(r.status, 200);
  std::vector<std::pair<std::string, std::string>> spans;
  int scheduled = 0;
  for (const auto& run : Arr(r.At("sync_runs"))) {
    if (Str(run.at("trigger")) == "schedule") ++scheduled;
    if (run.at("started_at").is_string())
      spans.emplace_back(Str(run.at("started_at")), run.at("finished_at").is_string() ? Str(run.at("finished_at")) : "9999");
  }
  EXPECT_GE(scheduled, 2) << r.body;
  EXPECT_LE(scheduled, 4) << r.body;
  std::sort(spans.begin(), spans.end());
  for (size_t i = 1; i < spans.size(); ++i)
    EXPECT_LE(spans[i - 1].second, spans[i].first) << "runs overlap: " << r.body;
}

// 12. Every change is in the activity log under the integration's name.
TEST_P(SyncRulesTest, EveryChangeIsInTheActivityLogUnderTheIntegrationsName) {
  Start();
  std::string name = Unique("CW Rules");
  int64_t integration = Integration(json::object{{"name", name}, {"options", json::object{{"auto_update_names", true}}}});
  auto import = Import(integration);
  ASSERT_EQ(Str(import.at("state")), "succeeded");
  auto logs = [&](const std::string& action) {
    auto r = Call("GET", "/api/v1/activity_logs?page_size=1000");
    EXPECT_EQ(r.status, 200) << r.Describe();
    int64_t n = 0;
    for (const auto& e : Arr(r.json.is_array() ? r.json : r.At("activity_logs")))
      if (Str(e.at("user_name")) == name && (action.empty() || Str(e.at("action")) == action)) ++n;
    return n;
  };
  int64_t created = 0;
  for (const char* kind : kAssetKinds) created += Count(import, kind, "created");
  EXPECT_GT(created, 0);
  EXPECT_EQ(logs("created"), created);

  auto active = Keys(RecordKind::kDevice, [&](RecordKey k) { return Active(RecordKind::kDevice, k); });
  auto inactive = Keys(RecordKind::kDevice, [&](RecordKey k) { return !Active(RecordKind::kDevice, k); });
  ASSERT_GE(active.size(), 3u);
  ASSERT_GE(inactive.size(), 1u);
  auto companies = Keys(RecordKind::kCompany);
  Mutate("configurations", "rename", {Sim::ChildId(active[0].company, active[0].index)});
  Mutate("configurations", "deactivate", {Sim::ChildId(active[1].company, active[1].index)});
  Mutate("configurations", "delete", {Sim::ChildId(active[2].company, active[2].index)});
  Mutate("configurations", "activate", {Sim::ChildId(inactive[0].company, inactive[0].index)});
  Mutate("companies", "update", {Sim::CompanyId(companies[0].company)});
  int64_t before_updated = logs("updated"), before_archived = logs("archived"), before_unarchived = logs("unarchived");
  auto run = Sync(integration, json::object{{"full", true}});
  ASSERT_EQ(Str(run.at("state")), "succeeded") << Dump(run);
  EXPECT_EQ(logs("archived") - before_archived, 2) << "deactivated and deleted";
  EXPECT_EQ(logs("unarchived") - before_unarchived, 1);
  EXPECT_EQ(logs("updated") - before_updated, 2) << "the asset renamed, the company's details";
}

// 13. The same import against the Syncro and Pulseway simulators.
TEST_P(SyncRulesTest, SyncroImportReachesTheSimulatorsTotals) {
  sims::syncro::SyncroSimOptions o;
  o.fleet.seed = 5;
  o.fleet.companies = 4;
  o.fleet.contacts_per_company = 3;
  o.fleet.devices_per_company = 6;
  o.customers_per_page = 3;
  o.contacts_per_page = 5;
  o.assets_per_page = 5;
  o.rate_limit_per_minute = 0;
  std::string host;
  auto* sim = ServeSim<sims::syncro::SyncroSim>(o, &host);
  ASSERT_TRUE(sim);
  cairn_ = StartCairn();
  ASSERT_TRUE(cairn_);
  int64_t integration = SimIntegration("syncro", host);
  ASSERT_GT(integration, 0);
  auto import = Import(integration);
  ASSERT_EQ(Str(import.at("state")), "succeeded") << Dump(import);
  auto view = sim->tenant().View();
  EXPECT_EQ(Count(import, "contacts", "created"), view->Total(RecordKind::kContact)) << Dump(import);
  EXPECT_EQ(Count(import, "assets", "created"), view->Total(RecordKind::kDevice)) << Dump(import);
  EXPECT_EQ(TotalAssets(State(*cairn_)), view->Total(RecordKind::kContact) + view->Total(RecordKind::kDevice));
  auto again = Sync(integration);
  ASSERT_EQ(Str(again.at("state")), "succeeded") << Dump(again);
  for (const char* kind : {"contacts", "assets"})
    for (const char* action : {"created", "updated", "archived", "unarchived", "failed"})
      EXPECT_EQ(Count(again, kind, action), 0) << kind << " " << action << ": " << Dump(again);
}

TEST_P(SyncRulesTest, PulsewayImportReachesTheSimulatorsTotals) {
  sims::pulseway::PulsewaySimOptions o;
  o.fleet.seed = 6;
  o.fleet.companies = 4;
  o.fleet.devices_per_company = 6;
  std::string host;
  auto* sim = ServeSim<sims::pulseway::PulsewaySim>(o, &host);
  ASSERT_TRUE(sim);
  cairn_ = StartCairn();
  ASSERT_TRUE(cairn_);
  int64_t integration = SimIntegration("pulseway_rmm", host);
  ASSERT_GT(integration, 0);
  auto import = Import(integration);
  ASSERT_EQ(Str(import.at("state")), "succeeded") << Dump(import);
  auto view = sim->tenant().View();
  EXPECT_EQ(Count(import, "systems", "created"), view->Total(RecordKind::kDevice)) << Dump(import);
  EXPECT_EQ(TotalAssets(State(*cairn_)), view->Total(RecordKind::kDevice));
  auto again = Sync(integration);
  ASSERT_EQ(Str(again.at("state")), "succeeded") << Dump(again);
  for (const char* action : {"created", "updated", "archived", "unarchived", "failed"})
    EXPECT_EQ(Count(again, "systems", action), 0) << action << ": " << Dump(again);
}

// Archived only after a complete enumeration: a full run whose configurations listing fails
// part-way (the vendor keeps answering 429) archives nothing; the next complete one does.
TEST_P(SyncRulesTest, PartialReadArchivesNothing) {
  Start();
  int64_t integration = Integration();
  ASSERT_EQ(Str(Import(integration).at("state")), "succeeded");
  auto active = Keys(RecordKind::kDevice, [&](RecordKey k) { return Active(RecordKind::kDevice, k); });
  ASSERT_GE(active.size(), 1u);
  int64_t deleted = Sim::ChildId(active.back().company, active.back().index);  // on the last page
  Mutate("configurations", "delete", {deleted});
  auto configuration_pages = [&] {
    int64_t n = 0;
    auto stats = Stats();
    for (const auto& [path, statuses] : stats.at("by_path").as_object()) {
      std::string p(path);
      if (p.size() >= 23 && p.substr(p.size() - 23) == "/company/configurations")
        for (const auto& [st, c] : statuses.as_object()) n += Int(c);
    }
    return n;
  };
  int64_t pages_before = configuration_pages();
  Faults(R"({"latency_ms": 150})");
  int64_t run = StartRun(*cairn_, integration, json::object{{"full", true}});
  bool cut = false;
  for (int i = 0; i < 1000 && !cut; ++i) {
    if (configuration_pages() > pages_before) {
      Faults(R"({"latency_ms": 150, "p429": 1.0, "retry_after_s": 0})");
      cut = true;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ASSERT_TRUE(cut) << "the run never listed configurations";
  auto failed = WaitRun(*cairn_, run);
  Faults("{}");
  EXPECT_EQ(Str(failed.at("state")), "failed") << Dump(failed);
  EXPECT_EQ(Count(failed, "configurations", "archived"), 0) << Dump(failed);
  EXPECT_FALSE(Archived(AssetOf("configurations", deleted))) << "archived after a partial read";
  auto full = Sync(integration, json::object{{"full", true}});
  ASSERT_EQ(Str(full.at("state")), "succeeded") << Dump(full);
  EXPECT_EQ(Count(full, "configurations", "archived"), 1) << Dump(full);
  EXPECT_TRUE(Archived(AssetOf("configurations", deleted)));
}

// The diff is the run's report: after a kill -9 and the resume, the run's counts agree with its
// change list (one change per record, its counts those of the changes).
TEST_P(SyncRulesTest, Kill9ResumedRunReportMatchesItsChanges) {
  Start();
  int64_t integration = Integration();
  ASSERT_EQ(Str(Sync(integration).at("state")), "succeeded");
  ASSERT_EQ(Call("POST", "/api/v1/integrations/" + std::to_string(integration) + "/match",
                 json::object{{"action", "create_all"}}).status, 200);
  Faults(R"({"latency_ms": 100})");
  int64_t run = StartRun(*cairn_, integration);
  bool applied = false;
  for (int i = 0; i < 100 && !applied; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto g = Call("GET", "/api/v1/sync_runs/" + std::to_string(run));
    ASSERT_NE(Str(g.At("sync_run", "state")), "succeeded") << g.body;
    applied = Count(g.At("sync_run").as_object(), "contacts", "created") > 0;
  }
  ASSERT_TRUE(applied);
  cairn_->Kill9();
  ASSERT_TRUE(cairn_->Restart().ok());
  auto resumed = WaitRun(*cairn_, run, 600);
  Faults("{}");
  ASSERT_EQ(Str(resumed.at("state")), "succeeded") << Dump(resumed);
  for (const char* kind : kAssetKinds) {
    auto changes = Call("GET", "/api/v1/sync_runs/" + std::to_string(run) + "/changes?kind=" + kind + "&page_size=1000");
    ASSERT_EQ(changes.status, 200) << changes.Describe();
    std::map<std::string, int64_t> by_action;
    std::set<std::string> records;
    for (const auto& c : Arr(changes.At("changes"))) {
      ++by_action[Str(c.at("action"))];
      EXPECT_TRUE(records.insert(Str(c.at("sync_id"))).second)
          << kind << " " << Str(c.at("sync_id")) << " is in the run's report twice";
    }
    EXPECT_EQ(by_action["created"], Count(resumed, kind, "created"))
        << kind << ": the run's report lists " << by_action["created"] << " creations, its counts say "
        << Dump(resumed);
  }
  EXPECT_EQ(Count(resumed, "contacts", "created"), SimTotal(RecordKind::kContact)) << Dump(resumed);
  EXPECT_EQ(Count(resumed, "configurations", "created"), SimTotal(RecordKind::kDevice)) << Dump(resumed);
}

// Every change is in the activity log: a vendor field change (the asset's card data) too.
TEST_P(SyncRulesTest, VendorFieldChangeIsInTheActivityLog) {
  Start();
  std::string name = Unique("CW Log");
  int64_t integration = Integration(json::object{{"name", name}});
  ASSERT_EQ(Str(Import(integration).at("state")), "succeeded");
  auto active = Keys(RecordKind::kDevice, [&](RecordKey k) { return Active(RecordKind::kDevice, k); });
  ASSERT_FALSE(active.empty());
  int64_t id = Sim::ChildId(active[0].company, active[0].index);
  int64_t asset = Int(AssetOf("configurations", id).at("id"));
  Mutate("configurations", "update", {id});
  auto run = Sync(integration);
  ASSERT_EQ(Str(run.at("state")), "succeeded") << Dump(run);
  ASSERT_EQ(Count(run, "configurations", "updated"), 1) << Dump(run);
  auto r = Call("GET", "/api/v1/activity_logs?resource_type=Asset&resource_id=" + std::to_string(asset));
  ASSERT_EQ(r.status, 200) << r.Describe();
  int64_t updates = 0;
  for (const auto& e : Arr(r.json.is_array() ? r.json : r.At("activity_logs")))
    if (Str(e.at("user_name")) == name && Str(e.at("action")) == "updated") ++updates;
  EXPECT_EQ(updates, 1) << "the vendor's field change (in the run's report) is not in the activity log: " << r.body;
}

// "Skip importing systems" (Pulseway) acts as named.
TEST_P(SyncRulesTest, PulsewaySkipSystemsImportsNoSystems) {
  sims::pulseway::PulsewaySimOptions o;
  o.fleet.seed = 6;
  o.fleet.companies = 3;
  o.fleet.devices_per_company = 4;
  std::string host;
  auto* sim = ServeSim<sims::pulseway::PulsewaySim>(o, &host);
  ASSERT_TRUE(sim);
  cairn_ = StartCairn();
  ASSERT_TRUE(cairn_);
  int64_t integration = SimIntegration("pulseway_rmm", host, json::object{{"options", json::object{{"skip_systems", true}}}});
  ASSERT_GT(integration, 0);
  auto import = Import(integration);
  ASSERT_EQ(Str(import.at("state")), "succeeded") << Dump(import);
  EXPECT_LE(Count(import, "systems", "created"), 0) << Dump(import);
  EXPECT_EQ(TotalAssets(State(*cairn_)), 0);
  auto matchers = Call("GET", "/api/v1/matchers?integration_id=" + std::to_string(integration));
  EXPECT_EQ(static_cast<int64_t>(Arr(matchers.At("matchers")).size()), sim->tenant().View()->Total(RecordKind::kCompany));
}

// Keys, not names: one asset per vendor record even when the vendor's page-numbered listing
// shows a record twice (a record added before it mid-enumeration shifts the pages: Syncro).
TEST_P(SyncRulesTest, ARecordListedTwiceInOneRunMakesOneAsset) {
  sims::syncro::SyncroSimOptions o;
  o.fleet.seed = 5;
  o.fleet.companies = 3;
  o.fleet.contacts_per_company = 1;
  o.fleet.devices_per_company = 6;
  o.fleet.inactive_share = 0;
  o.assets_per_page = 8;  // page 1: the first customer's 6 assets and 2 of the second's
  o.rate_limit_per_minute = 0;
  std::string host;
  auto* sim = ServeSim<sims::syncro::SyncroSim>(o, &host);
  ASSERT_TRUE(sim);
  cairn_ = StartCairn();
  ASSERT_TRUE(cairn_);
  int64_t integration = SimIntegration("syncro", host);
  ASSERT_GT(integration, 0);
  ASSERT_EQ(Str(Sync(integration).at("state")), "succeeded");
  ASSERT_EQ(Call("POST", "/api/v1/integrations/" + std::to_string(integration) + "/match",
                 json::object{{"action", "create_all"}}).status, 200);
  int64_t first_company = -1;
  sim->tenant().View()->ForEach(RecordKind::kCompany, std::nullopt, [&](RecordKey k) {
    first_company = k.company;
    return false;
  });
  auto asset_pages = [&] {
    auto resp = Control(ca_, host, "GET", "/_sim/stats");
    auto v = json::parse(resp.body);
    int64_t n = 0;
    if (const auto* p = v.as_object().at("by_path").as_object().if_contains("GET /api/v1/customer_assets"))
      for (const auto& [st, c] : p->as_object()) n += Int(c);
    return n;
  };
  Control(ca_, host, "POST", "/_sim/faults", R"({"latency_ms": 300})");
  int64_t run = StartRun(*cairn_, integration);
  bool added = false;
  for (int i = 0; i < 2000 && !added; ++i) {
    if (asset_pages() >= 1) {
      Control(ca_, host, "POST", "/_sim/mutate",
              R"({"kind": "customer_assets", "action": "add", "count": 1, "company_id": )" +
                  std::to_string(1000 + first_company) + "}");
      added = true;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  ASSERT_TRUE(added);
  auto import = WaitRun(*cairn_, run);
  Control(ca_, host, "POST", "/_sim/faults", "{}");
  EXPECT_EQ(Str(import.at("state")), "succeeded") << Dump(import);
  if (Str(import.at("state")) == "failed") {
    EXPECT_FALSE(Arr(import.at("errors")).empty()) << "a failed run must say why: " << Dump(import);
  }
  auto changes = Call("GET", "/api/v1/sync_runs/" + std::to_string(run) + "/changes?kind=assets&page_size=1000");
  std::map<std::string, int> created;
  for (const auto& c : Arr(changes.At("changes")))
    if (Str(c.at("action")) == "created") ++created[Str(c.at("sync_id"))];
  for (const auto& [id, n] : created) EXPECT_EQ(n, 1) << "vendor asset " << id << " created " << n << " times";
  // Once the next run has read everything, Cairn has exactly the vendor's assets, one each.
  auto next = Sync(integration, json::object{{"full", true}});
  EXPECT_EQ(Str(next.at("state")), "succeeded") << Dump(next);
  auto view = sim->tenant().View();
  EXPECT_EQ(TotalAssets(State(*cairn_)), view->Total(RecordKind::kContact) + view->Total(RecordKind::kDevice));
}

// Archived only after a complete enumeration: a record deleted at the vendor mid-run shifts a
// page-numbered listing (Syncro) so that a record still there is never listed in that run; it
// must not be archived as gone.
TEST_P(SyncRulesTest, ARecordMissedByAShiftedPageIsNotArchived) {
  sims::syncro::SyncroSimOptions o;
  o.fleet.seed = 5;
  o.fleet.companies = 3;
  o.fleet.contacts_per_company = 1;
  o.fleet.devices_per_company = 6;
  o.fleet.inactive_share = 0;
  o.assets_per_page = 8;
  o.rate_limit_per_minute = 0;
  std::string host;
  auto* sim = ServeSim<sims::syncro::SyncroSim>(o, &host);
  ASSERT_TRUE(sim);
  cairn_ = StartCairn();
  ASSERT_TRUE(cairn_);
  int64_t integration = SimIntegration("syncro", host);
  ASSERT_GT(integration, 0);
  ASSERT_EQ(Str(Import(integration).at("state")), "succeeded");
  std::vector<RecordKey> assets;
  sim->tenant().View()->ForEach(RecordKind::kDevice, std::nullopt, [&](RecordKey k) {
    assets.push_back(k);
    return true;
  });
  ASSERT_GE(assets.size(), 9u);
  auto id_of = [](RecordKey k) { return (k.company + 1) * 10000000 + k.index; };
  int64_t deleted = id_of(assets[0]);   // on page 1
  int64_t shifted = id_of(assets[8]);   // first of page 2; moves onto page 1 once the other goes
  auto asset_pages = [&] {
    auto resp = Control(ca_, host, "GET", "/_sim/stats");
    auto v = json::parse(resp.body);
    int64_t n = 0;
    if (const auto* p = v.as_object().at("by_path").as_object().if_contains("GET /api/v1/customer_assets"))
      for (const auto& [st, c] : p->as_object()) n += Int(c);
    return n;
  };
  int64_t before = asset_pages();
  Control(ca_, host, "POST", "/_sim/faults", R"({"latency_ms": 300})");
  int64_t run = StartRun(*cairn_, integration, json::object{{"full", true}});
  bool cut = false;
  for (int i = 0; i < 2000 && !cut; ++i) {
    if (asset_pages() > before) {
      Control(ca_, host, "POST", "/_sim/mutate",
              R"({"kind": "customer_assets", "action": "delete", "ids": [)" + std::to_string(deleted) + "]}");
      cut = true;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  ASSERT_TRUE(cut);
  auto full = WaitRun(*cairn_, run);
  Control(ca_, host, "POST", "/_sim/faults", "{}");
  EXPECT_EQ(Str(full.at("state")), "succeeded") << Dump(full);
  auto card = Call("GET", "/api/v1/cards/lookup?integration_slug=syncro&integration_type=assets&integration_id=" + std::to_string(shifted));
  ASSERT_EQ(Arr(card.At("integrator_cards")).size(), 1u) << card.body;
  auto asset = Call("GET", "/api/v1/assets?id=" + std::to_string(Int(Arr(card.At("integrator_cards"))[0].at("record_id"))));
  EXPECT_FALSE(Archived(Arr(asset.At("assets"))[0]))
      << "asset " << shifted << " is still at the vendor but was archived as gone: " << Dump(full);
}

// Expired tokens are renewed and the run converges (HaloPSA: tokens that die after 1 s while
// the run takes longer).
TEST_P(SyncRulesTest, HaloImportConvergesThroughExpiredTokens) {
  sims::halo::HaloSimOptions o;
  o.fleet.seed = 7;
  o.fleet.companies = 3;
  o.fleet.contacts_per_company = 2;
  o.fleet.sites_per_company = 1;
  o.fleet.devices_per_company = 4;
  std::string host;
  sims::halo::HaloSim* sim = nullptr;
  int64_t integration = StartHalo(o, &host, &sim);
  ASSERT_GT(integration, 0);
  Control(ca_, host, "POST", "/_sim/faults", R"({"token_ttl_s": 1, "latency_ms": 300})");
  auto import = Import(integration);
  Control(ca_, host, "POST", "/_sim/faults", "{}");
  ASSERT_EQ(Str(import.at("state")), "succeeded") << Dump(import);
  auto view = sim->tenant().View();
  EXPECT_EQ(Count(import, "users", "created"), view->Total(RecordKind::kContact)) << Dump(import);
  EXPECT_EQ(Count(import, "sites", "created"), view->Total(RecordKind::kSite)) << Dump(import);
  EXPECT_EQ(Count(import, "assets", "created"), view->Total(RecordKind::kDevice)) << Dump(import);
  auto stats = json::parse(Control(ca_, host, "GET", "/_sim/stats").body);
  int64_t tokens = 0;
  if (const auto* p = stats.as_object().at("by_path").as_object().if_contains("POST /auth/token"))
    for (const auto& [st, c] : p->as_object()) tokens += Int(c);
  EXPECT_GE(tokens, 3) << "tokens were not renewed: " << json::serialize(stats);
}

// HaloPSA has no change cursor: every run lists everything, so every run is a complete
// enumeration (a record deleted at Halo is archived on the next plain run). What Cairn holds
// unchanged is told from the record's bytes and reported as nothing; a card re-synced on its own
// (its digest then Cairn's alone) is read again on the next run and still reported as nothing.
TEST_P(SyncRulesTest, HaloRunsAreCompleteEnumerationsAndUnchangedRecordsReportNothing) {
  sims::halo::HaloSimOptions o;
  o.fleet.seed = 13;
  o.fleet.companies = 3;
  o.fleet.contacts_per_company = 2;
  o.fleet.sites_per_company = 1;
  o.fleet.devices_per_company = 4;
  o.fleet.inactive_share = 0;
  std::string host;
  sims::halo::HaloSim* sim = nullptr;
  int64_t integration = StartHalo(o, &host, &sim);
  ASSERT_GT(integration, 0);
  auto import = Import(integration);
  ASSERT_EQ(Str(import.at("state")), "succeeded") << Dump(import);
  int64_t devices = sim->tenant().View()->Total(RecordKind::kDevice);
  ASSERT_EQ(Count(import, "assets", "created"), devices) << Dump(import);
  auto changes_of = [&](const json::object& run) {
    auto r = Call("GET", "/api/v1/sync_runs/" + std::to_string(Int(run.at("id"))) + "/changes?page_size=1000");
    EXPECT_EQ(r.status, 200) << r.Describe();
    return Arr(r.At("changes"));
  };
  std::vector<std::string> assets;
  for (const auto& c : changes_of(import))
    if (Str(c.at("kind")) == "assets") assets.push_back(Str(c.at("sync_id")));
  ASSERT_GE(assets.size(), 3u);
  auto expect_nothing = [&](const json::object& run, const char* what) {
    ASSERT_EQ(Str(run.at("state")), "succeeded") << what << ": " << Dump(run);
    EXPECT_EQ(run.at("full"), json::value(true)) << what << ": every Halo run lists everything: " << Dump(run);
    for (const char* kind : {"companies", "users", "sites", "assets", "contracts"})
      for (const char* action : {"created", "updated", "archived", "unarchived", "failed"})
        EXPECT_EQ(Count(run, kind, action), 0) << what << ": " << kind << " " << action << ": " << Dump(run);
    EXPECT_EQ(Count(run, "assets", "unchanged"), devices) << what << ": " << Dump(run);
    EXPECT_TRUE(changes_of(run).empty()) << what;
  };
  expect_nothing(Sync(integration), "no-change re-sync");

  // One card re-synced on its own, then a plain run: read again, still nothing to report.
  auto card = Call("GET", "/api/v1/cards/lookup?integration_slug=halo&integration_type=assets&integration_id=" + assets[0]);
  ASSERT_EQ(Arr(card.At("integrator_cards")).size(), 1u) << card.body;
  auto resync = Call("POST", "/api/v1/cards/" + std::to_string(Int(Arr(card.At("integrator_cards"))[0].at("id"))) + "/resync");
  ASSERT_EQ(resync.status, 200) << resync.Describe();
  expect_nothing(Sync(integration), "after a card re-sync");
  expect_nothing(Sync(integration), "the run after");

  // A rename and a deletion at Halo: both arrive on the next plain run.
  Control(ca_, host, "POST", "/_sim/mutate", R"({"kind": "assets", "action": "rename", "ids": [)" + assets[1] + "]}");
  Control(ca_, host, "POST", "/_sim/mutate", R"({"kind": "assets", "action": "delete", "ids": [)" + assets[2] + "]}");
  auto next = Sync(integration);
  ASSERT_EQ(Str(next.at("state")), "succeeded") << Dump(next);
  EXPECT_EQ(Count(next, "assets", "updated"), 1) << Dump(next);
  EXPECT_EQ(Count(next, "assets", "archived"), 1) << "deleted at Halo: archived on a plain run: " << Dump(next);
  EXPECT_EQ(Count(next, "assets", "unchanged"), devices - 2) << Dump(next);
  std::map<std::string, std::string> reported;
  for (const auto& c : changes_of(next)) reported[Str(c.at("sync_id"))] = Str(c.at("action"));
  EXPECT_EQ(reported, (std::map<std::string, std::string>{{assets[1], "updated"}, {assets[2], "archived"}}));
  auto after = Sync(integration);
  ASSERT_EQ(Str(after.at("state")), "succeeded") << Dump(after);
  for (const char* action : {"created", "updated", "archived", "unarchived", "failed"})
    EXPECT_EQ(Count(after, "assets", action), 0) << action << ": " << Dump(after);
}

// HaloPSA knowledge-base push: the central articles and those of matched companies arrive in
// Halo's KB in FAQ lists ("Cairn", "Cairn - <company>"); an edit updates the same Halo article,
// an archive deactivates it, an unchanged re-run posts nothing, an unmatched company's article
// never leaves Cairn.
TEST_P(SyncRulesTest, HaloKbPushFilesArticlesInFaqLists) {
  std::string host;
  int64_t integration = StartHaloKb(11, 2, &host);
  ASSERT_GT(integration, 0);
  auto article = [&](const std::string& name, const std::string& content, std::optional<int64_t> company) {
    json::object a{{"name", name}, {"content", content}};
    if (company) a["company_id"] = *company;
    auto made = Call("POST", "/api/v1/articles", json::object{{"article", a}});
    EXPECT_EQ(made.status, 200) << made.Describe();
    return Int(made.At("article", "id"));
  };
  std::string central1 = Unique("KB Central One"), central2 = Unique("KB Central Two");
  int64_t a1 = article(central1, "<p>First version</p>", std::nullopt);
  int64_t a2 = article(central2, "<p>Two</p>", std::nullopt);
  // A company of Cairn's own, never matched in Halo: its article stays home.
  auto other = Call("POST", "/api/v1/companies", json::object{{"company", json::object{{"name", Unique("KB Unmatched Co")}}}});
  ASSERT_EQ(other.status, 200) << other.Describe();
  std::string unmatched = Unique("KB Unmatched Article");
  article(unmatched, "<p>private</p>", Int(other.At("company", "id")));

  auto import = Import(integration);
  ASSERT_EQ(Str(import.at("state")), "succeeded") << Dump(import);
  EXPECT_EQ(Count(import, "kb_articles", "created"), 2) << Dump(import);

  // A matched company's article arrives on the next run, in that company's list.
  auto matched = CompanyOf(100);
  ASSERT_TRUE(matched.is_object());
  std::string company_name = Str(matched.at("name"));
  std::string company_article = Unique("KB Company Article");
  article(company_article, "<p>for the client</p>", Int(matched.at("id")));
  auto second = Sync(integration);
  ASSERT_EQ(Str(second.at("state")), "succeeded") << Dump(second);
  EXPECT_EQ(Count(second, "kb_articles", "created"), 1) << Dump(second);
  EXPECT_EQ(Count(second, "kb_articles", "unchanged"), 2) << Dump(second);

  // What Halo holds, read with a token of its own.
  http::Client client(http::ClientOptions{.ca_file = ca_});
  auto token = client.Send({.method = "POST", .url = "https://" + host + "/auth/token?tenant=cairn-sim",
                            .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
                            .body = "grant_type=client_credentials&client_id=sim-halo-client-id&client_secret=sim-halo-"
                                    "client-secret&scope=all"});
  ASSERT_TRUE(token.ok() && token->status == 200) << (token.ok() ? token->body : token.status().ToString());
  std::string bearer = "Bearer " + Str(json::parse(token->body).at("access_token"));
  auto halo = [&](const std::string& path) {
    auto g = client.Send({.method = "GET", .url = "https://" + host + "/api" + path, .headers = {{"Authorization", bearer}}});
    EXPECT_TRUE(g.ok() && g->status == 200) << (g.ok() ? g->body : g.status().ToString());
    return g.ok() ? json::parse(g->body) : json::value();
  };
  std::map<std::string, int64_t> list_ids;  // name -> id
  auto faq_lists = halo("/FAQLists");
  ASSERT_TRUE(faq_lists.is_array()) << json::serialize(faq_lists);
  for (const auto& l : faq_lists.as_array()) list_ids[Str(l.at("name"))] = Int(l.at("id"));
  ASSERT_TRUE(list_ids.contains("Cairn")) << json::serialize(halo("/FAQLists"));
  ASSERT_TRUE(list_ids.contains("Cairn - " + company_name)) << json::serialize(halo("/FAQLists"));
  struct HaloArticle {
    int64_t id = 0, list = 0;
    bool inactive = false;
    std::string description;
  };
  auto articles = [&] {
    std::map<std::string, HaloArticle> out;  // by name
    auto all = halo("/KBArticle?includeinactive=true&includeactive=true&pageinate=true&page_size=100&page_no=1");
    for (const auto& a : Arr(all.at("articles"))) {
      HaloArticle h{Int(a.at("id")), 0, a.at("inactive").as_bool(), Str(a.at("description"))};
      const auto& filed = a.at("faqlists").as_array();
      if (!filed.empty()) h.list = Int(filed[0].at("id"));
      out[Str(a.at("name"))] = h;
    }
    return out;
  };
  auto at_halo = articles();
  EXPECT_EQ(at_halo.size(), 3u);
  ASSERT_TRUE(at_halo.contains(central1) && at_halo.contains(central2) && at_halo.contains(company_article))
      << json::serialize(halo("/KBArticle?includeinactive=true"));
  EXPECT_EQ(at_halo[central1].list, list_ids["Cairn"]);
  EXPECT_EQ(at_halo[central2].list, list_ids["Cairn"]);
  EXPECT_EQ(at_halo[company_article].list, list_ids["Cairn - " + company_name]);
  EXPECT_EQ(at_halo[central1].description, "<p>First version</p>");
  EXPECT_FALSE(at_halo.contains(unmatched));

  // POSTs the simulator answered on /api/KBArticle.
  auto kb_posts = [&] {
    auto stats = json::parse(Control(ca_, host, "GET", "/_sim/stats").body);
    int64_t n = 0;
    for (const auto& [path, statuses] : stats.as_object().at("by_path").as_object()) {
      std::string p = path;
      std::transform(p.begin(), p.end(), p.begin(), [](unsigned char c) { return std::tolower(c); });
      if (p.rfind("post ", 0) == 0 && p.find("kbarticle") != std::string::npos)
        for (const auto& [st, c] : statuses.as_object()) n += Int(c);
    }
    return n;
  };
  // An edit updates the same Halo article.
  auto edit = Call("PUT", "/api/v1/articles/" + std::to_string(a1),
                   json::object{{"article", json::object{{"content", "<p>Second version</p>"}}}});
  ASSERT_EQ(edit.status, 200) << edit.Describe();
  // A dry run only reports it.
  int64_t before_dry = kb_posts();
  auto dry = Sync(integration, json::object{{"dry_run", true}});
  ASSERT_EQ(Str(dry.at("state")), "succeeded") << Dump(dry);
  EXPECT_EQ(Count(dry, "kb_articles", "updated"), 1) << Dump(dry);
  EXPECT_EQ(kb_posts(), before_dry) << "a dry run posted to /api/KBArticle";
  EXPECT_EQ(articles()[central1].description, "<p>First version</p>");
  auto third = Sync(integration);
  ASSERT_EQ(Str(third.at("state")), "succeeded") << Dump(third);
  EXPECT_EQ(Count(third, "kb_articles", "updated"), 1) << Dump(third);
  auto after_edit = articles();
  EXPECT_EQ(after_edit[central1].id, at_halo[central1].id);
  EXPECT_EQ(after_edit[central1].description, "<p>Second version</p>");
  EXPECT_EQ(after_edit.size(), 3u);

  // An archive deactivates it at Halo (never deletes).
  auto archive = Call("PUT", "/api/v1/articles/" + std::to_string(a2) + "/archive");
  ASSERT_EQ(archive.status, 200) << archive.Describe();
  auto fourth = Sync(integration);
  ASSERT_EQ(Str(fourth.at("state")), "succeeded") << Dump(fourth);
  EXPECT_EQ(Count(fourth, "kb_articles", "archived"), 1) << Dump(fourth);
  auto after_archive = articles();
  ASSERT_TRUE(after_archive.contains(central2));
  EXPECT_EQ(after_archive[central2].id, at_halo[central2].id);
  EXPECT_TRUE(after_archive[central2].inactive);
  EXPECT_FALSE(after_archive[central1].inactive);

  // Nothing changed: nothing is posted.
  int64_t posts = kb_posts();
  EXPECT_GE(posts, 5);
  auto fifth = Sync(integration);
  ASSERT_EQ(Str(fifth.at("state")), "succeeded") << Dump(fifth);
  EXPECT_EQ(kb_posts(), posts) << "an unchanged re-run posted to /api/KBArticle";
  EXPECT_EQ(Count(fifth, "kb_articles", "unchanged"), 3) << Dump(fifth);
  EXPECT_EQ(Count(fifth, "kb_articles", "created") + Count(fifth, "kb_articles", "updated") +
                Count(fifth, "kb_articles", "archived"),
            0)
      << Dump(fifth);

  // A create whose answer was lost (the article reached Halo, Cairn never learned its id): the
  // next push adopts the article of that name in the list instead of making a duplicate.
  std::string lost = Unique("KB Lost Create");
  auto pre = client.Send({.method = "POST", .url = "https://" + host + "/api/KBArticle",
                          .headers = {{"Authorization", bearer}, {"Content-Type", "application/json"}},
                          .body = json::serialize(json::array{json::object{
                              {"name", lost}, {"description", "<p>stale</p>"},
                              {"faqlists", json::array{json::object{{"id", list_ids["Cairn"]}}}}}})});
  ASSERT_TRUE(pre.ok() && pre->status / 100 == 2) << (pre.ok() ? pre->body : pre.status().ToString());
  article(lost, "<p>fresh</p>", std::nullopt);
  auto sixth = Sync(integration);
  ASSERT_EQ(Str(sixth.at("state")), "succeeded") << Dump(sixth);
  int64_t named = 0;
  auto listed = halo("/KBArticle?includeinactive=true&includeactive=true&pageinate=true&page_size=100&page_no=1");
  ASSERT_TRUE(listed.is_object() && listed.as_object().contains("articles")) << json::serialize(listed);
  for (const auto& a : Arr(listed.at("articles")))
    if (a.is_object() && a.as_object().contains("name") && Str(a.at("name")) == lost) {
      ++named;
      const auto* d = a.as_object().if_contains("description");
      EXPECT_TRUE(d && d->is_string() && d->as_string() == "<p>fresh</p>") << json::serialize(a);
    }
  EXPECT_EQ(named, 1) << "a duplicate article was created at Halo";
}

TEST_P(SyncRulesTest, AStopEndsTheKbPushBetweenArticlesAndTheNextRunPushesTheRest) {
  std::string host;
  int64_t integration = StartHaloKb(12, 1, &host);
  ASSERT_GT(integration, 0);
  ASSERT_EQ(Str(Import(integration).at("state")), "succeeded");
  constexpr int kArticles = 12;
  for (int i = 0; i < kArticles; ++i) {
    auto made = Call("POST", "/api/v1/articles",
                     json::object{{"article", json::object{{"name", Unique("KB Stop " + std::to_string(i))},
                                                           {"content", "<p>body</p>"}}}});
    ASSERT_EQ(made.status, 200) << made.Describe();
  }
  // Every Halo call takes 200 ms: stop once the first article is reported.
  Control(ca_, host, "POST", "/_sim/faults", R"({"latency_ms": 200})");
  int64_t run = StartRun(*cairn_, integration);
  std::string changes_path = "/api/v1/sync_runs/" + std::to_string(run) + "/changes?kind=kb_articles&page_size=100";
  bool stopped = false;
  for (int i = 0; i < 600 && !stopped; ++i) {
    auto changes = Call("GET", changes_path);
    if (changes.status == 200 && !Arr(changes.At("changes")).empty()) {
      auto stop = Call("POST", "/api/v1/sync_runs/" + std::to_string(run) + "/stop");
      EXPECT_EQ(stop.status, 200) << stop.Describe();
      stopped = true;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ASSERT_TRUE(stopped);
  auto first = WaitRun(*cairn_, run);
  Control(ca_, host, "POST", "/_sim/faults", "{}");
  EXPECT_EQ(Str(first.at("state")), "stopped") << Dump(first);
  int64_t pushed = Arr(Call("GET", changes_path).At("changes")).size();
  EXPECT_GE(pushed, 1);
  EXPECT_LT(pushed, kArticles) << "the push ran to the end instead of stopping";

  // The next run pushes the rest, and only the rest.
  auto second = Sync(integration);
  ASSERT_EQ(Str(second.at("state")), "succeeded") << Dump(second);
  EXPECT_EQ(Count(second, "kb_articles", "created"), kArticles - pushed) << Dump(second);
  EXPECT_EQ(Count(second, "kb_articles", "unchanged"), pushed) << Dump(second);
}

// The activity log entries a sync writes name the record's company, as the API's own do.
TEST_P(SyncRulesTest, SyncLogEntriesNameTheCompany) {
  Start();
  std::string name = Unique("CW Company Log");
  int64_t integration = Integration(json::object{{"name", name}});
  ASSERT_EQ(Str(Import(integration).at("state")), "succeeded");
  auto r = Call("GET", "/api/v1/activity_logs?page_size=1000");
  ASSERT_EQ(r.status, 200) << r.Describe();
  int64_t checked = 0;
  for (const auto& e : Arr(r.json.is_array() ? r.json : r.At("activity_logs"))) {
    if (Str(e.at("user_name")) != name || Str(e.at("record_type")) != "Asset") continue;
    auto asset = Call("GET", "/api/v1/assets?id=" + std::to_string(Int(e.at("record_id"))));
    ASSERT_EQ(Arr(asset.At("assets")).size(), 1u) << asset.body;
    EXPECT_EQ(Str(e.at("company_name")), Str(Arr(asset.At("assets"))[0].at("company_name"))) << json::serialize(e);
    if (++checked >= 5) break;
  }
  EXPECT_EQ(checked, 5);
}

}  // namespace
}  // namespace cairn::tests
