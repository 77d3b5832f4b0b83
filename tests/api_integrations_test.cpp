// End to end: /api/v1/integrations (issue 4): the vendor catalog's validation, write-only
// credentials sealed at rest, default layouts that must exist and be active, administrators only.
#include <filesystem>

#include "http/server.h"
#include "sims/common/tls_files.h"
#include "sims/syncro/syncro_sim.h"
#include "tests/api_fixture.h"

namespace cairn::tests {
namespace {

class IntegrationsTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    for (const char* kind : {"contacts", "locations", "configurations"})
      layouts_[kind] = Int(CreateLayout(Unique(std::string("CW ") + kind), {}).at("id"));
  }
  json::object CwBody(json::object overrides = {}) {
    json::object i{{"slug", "cw_manage"},
                   {"name", Unique("ConnectWise")},
                   {"credentials", json::object{{"site", "api-na.myconnectwise.net"},
                                                {"company", "acme"},
                                                {"public_key", "pub-" + Token()},
                                                {"private_key", private_key_},
                                                {"client_id", "client-123"}}},
                   {"default_layouts", json::object{{"contacts", layouts_["contacts"]},
                                                    {"locations", layouts_["locations"]},
                                                    {"configurations", layouts_["configurations"]}}}};
    for (auto& [k, v] : overrides) i[k] = v;
    return i;
  }
  Reply Create(json::object body) {
    return S().CallJson("POST", "/api/v1/integrations", json::object{{"integration", std::move(body)}});
  }
  int64_t Count() { return static_cast<int64_t>(Arr(Get("/api/v1/integrations?page_size=1000").At("integrations")).size()); }

  std::map<std::string, int64_t> layouts_;
  std::string private_key_ = "priv-" + Token();
};
CAIRN_ON_BOTH_BACKENDS(IntegrationsTest);

TEST_P(IntegrationsTest, CreateShowsSecretsMaskedAndSealsThemAtRest) {
  auto r = Create(CwBody({{"skip_types", json::array{"Printer", "printer", "Phone"}},
                          {"options", json::object{{"match_on_serial", true}}},
                          {"interval_minutes", 60}}));
  ASSERT_EQ(r.status, 200) << r.Describe();
  const auto& i = r.At("integration").as_object();
  int64_t id = Int(i.at("id"));
  EXPECT_EQ(Str(i.at("slug")), "cw_manage");
  EXPECT_EQ(Str(i.at("vendor")), "ConnectWise PSA");
  const auto& c = i.at("credentials").as_object();
  EXPECT_EQ(Str(c.at("site")), "api-na.myconnectwise.net");
  EXPECT_EQ(Str(c.at("company")), "acme");
  EXPECT_EQ(Str(c.at("client_id")), "client-123");
  EXPECT_EQ(Str(c.at("private_key")), "********");
  EXPECT_EQ(Str(c.at("public_key")), "********");
  EXPECT_EQ(r.body.find(private_key_), std::string::npos);
  EXPECT_EQ(i.at("skip_types"), (json::array{"Printer", "Phone"}));
  EXPECT_EQ(i.at("options"), (json::object{{"auto_update_names", false},
                                          {"do_not_update_company_details", false},
                                          {"match_on_serial", true}}));
  EXPECT_EQ(Int(i.at("interval_minutes")), 60);
  EXPECT_EQ(i.at("enabled"), json::value(true));
  EXPECT_EQ(Int(i.at("default_layouts").at("contacts")), layouts_["contacts"]);
  EXPECT_EQ(Get("/api/v1/integrations/" + std::to_string(id)).At("integration"), r.At("integration"));

  auto db = S().OpenDatabase();
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  Value params[] = {id};
  auto rows = (*db)->Query("SELECT credentials_enc FROM integrations WHERE id = ?", params);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 1u);
  std::string enc = std::get<std::string>((*rows)[0][0]);
  EXPECT_EQ(enc.rfind("v1:", 0), 0u) << enc;
  EXPECT_EQ(enc.find(private_key_), std::string::npos);
  EXPECT_EQ(enc.find("acme"), std::string::npos);
  // The activity log has the change, without the secret.
  auto log = Get("/api/v1/activity_logs?record_type=Integration&page_size=100");
  EXPECT_EQ(log.body.find(private_key_), std::string::npos);
}

TEST_P(IntegrationsTest, BadInputNamesTheFieldAndCreatesNothing) {
  int64_t before = Count();
  auto expect = [&](json::object body, const std::string& detail) {
    auto r = Create(std::move(body));
    EXPECT_EQ(r.status, 422) << r.Describe();
    EXPECT_TRUE(DetailsMention(r.json, detail)) << detail << " not in " << r.body;
  };
  auto creds = [&](json::object changes) {
    json::object c = CwBody().at("credentials").as_object();
    for (auto& [k, v] : changes) c[k] = v;
    return CwBody({{"credentials", c}});
  };
  expect(creds({{"site", "https://api-na.myconnectwise.net"}}), "credentials.site remove \"https://\"");
  expect(creds({{"site", "api-na.myconnectwise.net/v4_6_release/apis/3.0"}}),
         "credentials.site remove \"/v4_6_release/apis/3.0\"");
  expect(creds({{"private_key", ""}}), "credentials.private_key can't be blank");
  expect(creds({{"password", "x"}}), "credentials.password is not a ConnectWise PSA credential");
  expect(CwBody({{"slug", "autotask"}}), "slug \"autotask\" is not a vendor");
  expect(CwBody({{"options", json::object{{"skip_systems", true}}}}), "options.skip_systems is not an option");
  expect(CwBody({{"options", json::object{{"match_on_serial", "maybe"}}}}), "options.match_on_serial must be true or false");
  expect(CwBody({{"interval_minutes", 1}}), "interval_minutes must be");
  expect(CwBody({{"default_layouts", json::object{{"contacts", layouts_["contacts"]}}}}),
         "default_layouts.locations can't be blank");
  expect(CwBody({{"default_layouts", json::object{{"contacts", layouts_["contacts"]},
                                                  {"locations", 99999999},
                                                  {"configurations", layouts_["configurations"]}}}}),
         "default_layouts.locations: asset layout 99999999 does not exist");
  expect(CwBody({{"default_layouts", json::object{{"users", layouts_["contacts"]}}}}),
         "default_layouts.users is not a kind ConnectWise PSA brings");
  expect(CwBody({{"colour", "blue"}}), "colour is not a field of an integration");

  // An inactive layout is refused by name.
  auto layout = CreateLayout(Unique("Retired"), {});
  int64_t lid = Int(layout.at("id"));
  ASSERT_EQ(S().CallJson("PUT", "/api/v1/asset_layouts/" + std::to_string(lid),
                         json::object{{"asset_layout", json::object{{"active", false}}}})
                .status,
            200);
  expect(CwBody({{"default_layouts", json::object{{"contacts", lid},
                                                  {"locations", layouts_["locations"]},
                                                  {"configurations", layouts_["configurations"]}}}}),
         "is not active");
  EXPECT_EQ(Count(), before);
}

TEST_P(IntegrationsTest, EachVendorsCredentialsAreItsOwn) {
  auto users = Int(CreateLayout(Unique("Halo users"), {}).at("id"));
  auto sites = Int(CreateLayout(Unique("Halo sites"), {}).at("id"));
  auto assets = Int(CreateLayout(Unique("Halo assets"), {}).at("id"));
  auto halo = [&](const std::string& server) {
    return Create(json::object{{"slug", "halo"},
                               {"credentials", json::object{{"resource_server", server},
                                                            {"tenant", "acme"},
                                                            {"client_id", "cid"},
                                                            {"client_secret", "sec"}}},
                               {"default_layouts", json::object{{"users", users}, {"sites", sites}, {"assets", assets}}},
                               {"options", json::object{{"do_not_match_on_serial", true}}}});
  };
  auto ok = halo("https://127.0.0.1:9443/api");
  ASSERT_EQ(ok.status, 200) << ok.Describe();
  EXPECT_EQ(Str(ok.At("integration", "name")), "HaloPSA");
  EXPECT_EQ(Str(ok.At("integration", "credentials").at("client_secret")), "********");
  auto slash = halo("https://acme.halopsa.com/api/");
  EXPECT_TRUE(DetailsMention(slash.json, "credentials.resource_server remove the trailing \"/\"")) << slash.body;
  auto plain = halo("http://acme.halopsa.com/api");
  EXPECT_TRUE(DetailsMention(plain.json, "must use https://")) << plain.body;

  auto systems = Int(CreateLayout(Unique("Systems"), {}).at("id"));
  auto pw = Create(json::object{{"slug", "pulseway_rmm"},
                                {"credentials", json::object{{"server", "api.pulseway.com"},
                                                             {"token_id", "tid"},
                                                             {"token_secret", "ts"}}},
                                {"default_layouts", json::object{{"systems", systems}}},
                                {"options", json::object{{"skip_systems", true}}}});
  ASSERT_EQ(pw.status, 200) << pw.Describe();
  EXPECT_EQ(pw.At("integration", "options").at("skip_systems"), json::value(true));
  auto syncro = Create(json::object{{"slug", "syncro"},
                                    {"credentials", json::object{{"domain", "acme.syncromsp.com/"},
                                                                 {"api_key", "k"}}},
                                    {"default_layouts", json::object{{"contacts", users}, {"assets", assets}}}});
  EXPECT_EQ(syncro.status, 422);
  EXPECT_TRUE(DetailsMention(syncro.json, "credentials.domain remove \"/\"")) << syncro.body;
}

TEST_P(IntegrationsTest, UpdateKeepsSecretsUnlessGivenAndSlugIsFixed) {
  auto r = Create(CwBody());
  ASSERT_EQ(r.status, 200) << r.Describe();
  std::string path = "/api/v1/integrations/" + std::to_string(Int(r.At("integration", "id")));
  auto put = [&](json::object body) {
    return S().CallJson("PUT", path, json::object{{"integration", std::move(body)}});
  };
  auto moved = put({{"credentials", json::object{{"site", "api-eu.myconnectwise.net"}, {"private_key", "********"}}},
                    {"enabled", false}});
  ASSERT_EQ(moved.status, 200) << moved.Describe();
  EXPECT_EQ(Str(moved.At("integration", "credentials").at("site")), "api-eu.myconnectwise.net");
  EXPECT_EQ(Str(moved.At("integration", "credentials").at("private_key")), "********");
  EXPECT_EQ(moved.At("integration", "enabled"), json::value(false));
  auto blank = put({{"credentials", json::object{{"private_key", ""}}}});
  EXPECT_EQ(blank.status, 422);
  EXPECT_TRUE(DetailsMention(blank.json, "credentials.private_key can't be blank")) << blank.body;
  auto slug = put({{"slug", "halo"}});
  EXPECT_EQ(slug.status, 422);
  EXPECT_TRUE(DetailsMention(slug.json, "slug can't be changed")) << slug.body;
  EXPECT_EQ(Str(Get(path).At("integration", "credentials").at("site")), "api-eu.myconnectwise.net");
  EXPECT_EQ(Del(path).status, 204);
  EXPECT_EQ(Get(path).status, 404);
}

TEST_P(IntegrationsTest, OnlyAdministrators) {
  std::string email = "editor-" + Token() + "@example.com";
  auto u = S().RunCli({"user", "create", "--email", email, "--role", "editor"});
  ASSERT_EQ(u.exit_code, 0) << u.err;
  std::string key = S().CreateKey(Unique("editor"), {}, email);
  EXPECT_EQ(Get("/api/v1/integrations", key).status, 403);
  auto made = S().Call("POST", "/api/v1/integrations", json::serialize(json::object{{"integration", CwBody()}}), key);
  EXPECT_EQ(made.status, 403);
  EXPECT_NE(made.body.find("integrations"), std::string::npos) << made.body;
  std::string scoped = S().CreateKey(Unique("scoped"), {"--company", std::to_string(CreateCompany(Unique("Scope")))});
  auto r = Create(CwBody());
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Get("/api/v1/integrations/" + std::to_string(Int(r.At("integration", "id"))), scoped).status, 404);
  // A key limited to some companies sees no integration (they are global).
  auto listed = Get("/api/v1/integrations", scoped);
  EXPECT_EQ(listed.status, 200) << listed.Describe();
  EXPECT_TRUE(Arr(listed.At("integrations")).empty()) << listed.body;
}

// Test connection, through the API, against a Syncro simulator over HTTPS with its own CA.
TEST_P(IntegrationsTest, TestConnectionAnswersInWords) {
  auto dir = std::filesystem::temp_directory_path() / ("cairn-int-test-" + Token());
  auto files = sims::EnsureTlsFiles(dir.string());
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  sims::syncro::SyncroSim sim({});
  http::ServerOptions so;
  so.port = 0;
  so.threads = 2;
  so.tls_cert_file = files->server_cert;
  so.tls_key_file = files->server_key;
  auto server = http::Server::Start(so, [&](http::Request& r) { return sim.Handle(r); });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  std::string host = "127.0.0.1:" + std::to_string((*server)->port());

  auto trusting = StartServer({.extra_args = {"--ca-file", files->ca_cert}});
  ASSERT_TRUE(trusting);
  auto layout = [&](CairnServer& s, const std::string& name) {
    auto r = s.CallJson("POST", "/api/v1/asset_layouts",
                        json::object{{"asset_layout", json::object{{"name", Unique(name)}, {"icon", "fas fa-box"}}}});
    EXPECT_EQ(r.status, 200) << r.Describe();
    return Int(r.At("asset_layout", "id"));
  };
  auto create = [&](CairnServer& s, const std::string& key) {
    auto r = s.CallJson("POST", "/api/v1/integrations",
                        json::object{{"integration",
                                      json::object{{"slug", "syncro"},
                                                   {"credentials", json::object{{"domain", host}, {"api_key", key}}},
                                                   {"default_layouts", json::object{{"contacts", layout(s, "People")},
                                                                                    {"assets", layout(s, "Devices")}}}}}});
    EXPECT_EQ(r.status, 200) << r.Describe();
    return "/api/v1/integrations/" + std::to_string(Int(r.At("integration", "id")));
  };
  std::string good = create(*trusting, "sim-syncro-api-key");
  auto ok = trusting->Call("POST", good + "/test");
  ASSERT_EQ(ok.status, 200) << ok.Describe();
  EXPECT_EQ(ok.json, (json::object{{"ok", true}, {"message", "Connection successful"}}));

  std::string bad = create(*trusting, "not-the-key");
  auto refused = trusting->Call("POST", bad + "/test");
  ASSERT_EQ(refused.status, 200) << refused.Describe();
  EXPECT_EQ(refused.json.at("ok"), json::value(false));
  EXPECT_NE(Str(refused.json.at("message")).find("Syncro refused the API key"), std::string::npos) << refused.body;
  EXPECT_EQ(refused.body.find("not-the-key"), std::string::npos);

  // The shared server was not given the simulator's CA: the message says so.
  std::string untrusted = create(S(), "sim-syncro-api-key");
  auto tls = Post(untrusted + "/test", "");
  ASSERT_EQ(tls.status, 200) << tls.Describe();
  EXPECT_EQ(tls.json.at("ok"), json::value(false));
  EXPECT_NE(Str(tls.json.at("message")).find("--ca-file"), std::string::npos) << tls.body;

  (*server)->Stop();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace cairn::tests
