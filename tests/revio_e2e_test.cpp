// The Rev.io guide end to end (issue 5; DESIGN.md 1.13): a service account and its key; the
// Rev.io simulator, given Cairn's URL and that key, pushes its customers in (creating companies,
// matching one that exists by name, linking each to its customer id); the activity log names the
// service account; a webhook to Rev.io reports a company edited in Cairn, signed, and Rev.io
// re-reads it through the API; a customer added later arrives on its own; pushing again
// duplicates nothing.
#include <chrono>
#include <filesystem>
#include <thread>

#include "http/client.h"
#include "http/server.h"
#include "sims/common/fleet.h"
#include "sims/common/tls_files.h"
#include "sims/revio/revio_sim.h"
#include "tests/api_fixture.h"

namespace cairn::tests {
namespace {

constexpr const char* kSecret = "revio-webhook-secret-0123";

class RevioTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    dir_ = std::filesystem::temp_directory_path() / ("cairn-revio-test-" + Token());
    auto files = sims::EnsureTlsFiles(dir_.string());
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    files_ = *files;
    fleet_.seed = 21;
    fleet_.companies = 5;
    sims::revio::RevioSimOptions o;
    o.fleet = fleet_;
    sim_ = std::make_unique<sims::revio::RevioSim>(o);
    http::ServerOptions so;
    so.port = 0;
    so.threads = 2;
    so.tls_cert_file = files_.server_cert;
    so.tls_key_file = files_.server_key;
    auto server = http::Server::Start(so, [this](http::Request& r) { return sim_->Handle(r); });
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    origin_ = "https://127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override {
    if (server_) server_->Stop();
    server_.reset();
    sim_.reset();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  json::value Control(const std::string& method, const std::string& path, const json::value& body = json::object{}) {
    http::Client c(http::ClientOptions{.ca_file = files_.ca_cert});
    auto r = c.Send({.method = method, .url = origin_ + path,
                     .headers = {{"X-Sim-Token", "sim-control-token"}, {"Content-Type", "application/json"}},
                     .body = method == "GET" ? "" : json::serialize(body)});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return nullptr;
    EXPECT_EQ(r->status, 200) << path << ": " << r->body;
    return json::parse(r->body);
  }
  std::optional<int64_t> LinkedCompany(CairnServer& s, const std::string& customer) {
    auto r = s.Call("GET", "/api/v1/companies?integration_slug=revio&id_in_integration=" + Enc(customer));
    EXPECT_EQ(r.status, 200) << r.Describe();
    auto list = Arr(r.At("companies"));
    EXPECT_LE(list.size(), 1u) << r.body;
    if (list.empty()) return std::nullopt;
    return Int(list[0].at("id"));
  }

  std::filesystem::path dir_;
  sims::TlsFiles files_;
  sims::FleetOptions fleet_;
  std::unique_ptr<sims::revio::RevioSim> sim_;
  std::unique_ptr<http::Server> server_;
  std::string origin_;
};
CAIRN_ON_BOTH_BACKENDS(RevioTest);

TEST_P(RevioTest, TheGuideStepByStep) {
  auto s = StartServer({.extra_args = {"--webhook-allow", "127.0.0.0/8", "--webhook-ca-file", files_.ca_cert}});
  ASSERT_TRUE(s);
  // 1. A service account for Rev.io, and its key.
  const std::string account = "revio-service@msp.example";
  ASSERT_EQ(s->RunCli({"user", "create", "--email", account, "--role", "admin", "--first-name", "Rev.io"}).exit_code, 0);
  std::string key = s->CreateKey("Rev.io", {}, account);
  ASSERT_FALSE(key.empty());
  // Without password access (the default), the key cannot read passwords.
  EXPECT_EQ(s->Call("GET", "/api/v1/asset_passwords", "", key).status, 403);
  // A company Cairn already documents under the name Rev.io bills it by.
  sims::Fleet fleet(fleet_);
  std::string existing_name = fleet.Company(1).name;
  auto existing = s->CallJson("POST", "/api/v1/companies", json::object{{"company", json::object{{"name", existing_name}}}});
  ASSERT_EQ(existing.status, 200) << existing.Describe();
  int64_t existing_id = Int(existing.At("company", "id"));

  // 2. Rev.io is given the base URL and the key, and syncs its customers.
  Control("POST", "/_sim/connect", json::object{{"base_url", s->Url()}, {"api_key", key}, {"webhook_secret", kSecret}});
  auto pushed = Control("POST", "/_sim/sync");
  EXPECT_EQ(Int(pushed.at("created")), 4) << json::serialize(pushed);
  EXPECT_EQ(Int(pushed.at("matched")), 1) << json::serialize(pushed);
  EXPECT_EQ(Int(pushed.at("failed")), 0) << json::serialize(pushed);
  for (int i = 0; i < 5; ++i) {
    auto id = LinkedCompany(*s, "RV-" + std::to_string(100000 + i));
    ASSERT_TRUE(id) << "customer " << i << " is not found by its id";
    if (i == 1) {
      EXPECT_EQ(*id, existing_id) << "matched by name, not created again";
    }
  }
  auto companies = s->Call("GET", "/api/v1/companies?page_size=100");
  EXPECT_EQ(Arr(companies.At("companies")).size(), 5u) << companies.body;
  // 3. The activity log shows the service account as the actor.
  auto log = s->Call("GET", "/api/v1/activity_logs?user_email=" + Enc(account) + "&page_size=100");
  ASSERT_EQ(log.status, 200) << log.Describe();
  int creates = 0;
  for (const auto& e : Arr(log.json))
    if (Str(e.at("record_type")) == "Company" && Str(e.at("action")) == "created") ++creates;
  EXPECT_EQ(creates, 4) << log.body;

  // 4. The webhook that tells Rev.io of company changes; an edit in Cairn reaches it, signed, and
  // Rev.io re-reads the company.
  auto hook = s->CallJson("POST", "/api/v1/webhooks",
                          json::object{{"webhook", json::object{{"name", "Rev.io"},
                                                                {"url", origin_ + "/hudu/webhook"},
                                                                {"events", json::array{"company.updated"}},
                                                                {"secret", kSecret}}}});
  ASSERT_EQ(hook.status, 200) << hook.Describe();
  auto edited = s->CallJson("PUT", "/api/v1/companies/" + std::to_string(existing_id),
                            json::object{{"company", json::object{{"name", "Renamed In Cairn"}}}});
  ASSERT_EQ(edited.status, 200) << edited.Describe();
  json::array received;
  for (int i = 0; i < 100; ++i) {
    received = Arr(Control("GET", "/_sim/received").at("received"));
    if (!received.empty() && !Str(received[0].at("reread_name")).empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(Str(received[0].at("event")), "company.updated");
  EXPECT_EQ(Int(received[0].at("company_id")), existing_id);
  EXPECT_EQ(received[0].at("signature_ok"), json::value(true));
  EXPECT_EQ(Str(received[0].at("reread_name")), "Renamed In Cairn") << json::serialize(received[0]);

  // Rev.io down for a while: the edits made meanwhile arrive, in order, once it is back.
  uint16_t port = server_->port();
  server_->Stop();
  server_.reset();
  for (const char* name : {"Edited While Down 1", "Edited While Down 2"}) {
    auto put = s->CallJson("PUT", "/api/v1/companies/" + std::to_string(existing_id),
                           json::object{{"company", json::object{{"name", name}}}});
    ASSERT_EQ(put.status, 200) << put.Describe();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // (a first attempt fails meanwhile)
  {
    http::ServerOptions so;
    so.port = port;
    so.threads = 2;
    so.tls_cert_file = files_.server_cert;
    so.tls_key_file = files_.server_key;
    auto back = http::Server::Start(so, [this](http::Request& r) { return sim_->Handle(r); });
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    server_ = std::move(*back);
  }
  for (int i = 0; i < 200; ++i) {
    received = Arr(Control("GET", "/_sim/received").at("received"));
    if (received.size() >= 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(received.size(), 3u);
  EXPECT_EQ(Str(received[1].at("name")), "Edited While Down 1");
  EXPECT_EQ(Str(received[2].at("name")), "Edited While Down 2");
  EXPECT_EQ(received[2].at("signature_ok"), json::value(true));

  // 5. A customer added later, pushed on its own; 6. pushing everything again duplicates nothing.
  auto late = Control("POST", "/_sim/customers", json::object{{"name", "Late Customer Ltd"}});
  EXPECT_EQ(Str(late.at("action")), "created");
  auto late_id = LinkedCompany(*s, Str(late.at("id")));
  ASSERT_TRUE(late_id);
  EXPECT_EQ(*late_id, Int(late.at("company_id")));
  // A key limited to one company sees no other.
  std::string scoped = s->CreateKey("Rev.io scoped", {"--company", std::to_string(*late_id)}, account);
  EXPECT_EQ(s->Call("GET", "/api/v1/companies/" + std::to_string(*late_id), "", scoped).status, 200);
  EXPECT_EQ(s->Call("GET", "/api/v1/companies/" + std::to_string(existing_id), "", scoped).status, 404);
  auto again = Control("POST", "/_sim/sync");
  EXPECT_EQ(Int(again.at("updated")), 6) << json::serialize(again);
  EXPECT_EQ(Int(again.at("created")), 0) << json::serialize(again);
  companies = s->Call("GET", "/api/v1/companies?page_size=100");
  EXPECT_EQ(Arr(companies.At("companies")).size(), 6u) << companies.body;
}

}  // namespace
}  // namespace cairn::tests
