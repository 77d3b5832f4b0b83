#include "sims/syncro/syncro_sim.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "http/client.h"
#include "http/server.h"
#include "sims/common/https_sim_test.h"
#include "sims/common/tls_files.h"

namespace cairn::sims::syncro {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr char kKey[] = "test-key-123";

class SyncroSimTest : public HttpsSimTest {
 protected:

  // Starts a simulator over HTTPS on a free port; stopped by TearDown.
  void Start(SyncroSimOptions o) {
    StopServer();
    o.api_key = kKey;
    sim_ = std::make_unique<SyncroSim>(o);
    Serve([this](http::Request& r) { return sim_->Handle(r); });
    base_ = origin_ + "/api/v1";
  }

  http::ClientResponse Get(const std::string& path_and_query, http::Headers headers = {
                               {"Authorization", std::string("Bearer ") + kKey}}) {
    http::ClientRequest req;
    req.url = base_ + path_and_query;
    req.headers = std::move(headers);
    auto r = client_->Send(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : http::ClientResponse{};
  }
  json::value GetJson(const std::string& path_and_query, int want_status = 200) {
    auto r = Get(path_and_query);
    EXPECT_EQ(r.status, want_status) << path_and_query << ": " << r.body;
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    EXPECT_FALSE(ec) << path_and_query << ": " << r.body;
    return v;
  }

  static SyncroSimOptions Small() {
    SyncroSimOptions o;
    o.fleet.seed = 7;
    o.fleet.companies = 12;
    o.fleet.contacts_per_company = 3;
    o.fleet.devices_per_company = 10;
    o.fleet.inactive_share = 0;
    return o;
  }

  std::unique_ptr<SyncroSim> sim_;
  std::string base_;
};


const json::object& Obj(const json::value& v, const char* key) { return v.as_object().at(key).as_object(); }
const json::array& Arr(const json::value& v, const char* key) { return v.as_object().at(key).as_array(); }

TEST_F(SyncroSimTest, AcceptsEachKeyForm) {
  Start(Small());
  EXPECT_EQ(Get("/customers", {{"Authorization", std::string("Bearer ") + kKey}}).status, 200);
  EXPECT_EQ(Get("/customers", {{"Authorization", kKey}}).status, 200);
  EXPECT_EQ(Get(std::string("/customers?api_key=") + kKey, {}).status, 200);
  auto me = GetJson("/me");
  EXPECT_EQ(me.at("subdomain").as_string(), "cairn-sim");
  EXPECT_TRUE(me.at("permissions").at("customer").at("read").as_bool());
}

TEST_F(SyncroSimTest, RefusesWrongOrMissingKey) {
  Start(Small());
  const std::string body =
      R"({"error":"Not authorized. Please ask account admin to update your group permissions."})";
  for (const http::Headers& h : {http::Headers{{"Authorization", "Bearer wrong"}},
                                 http::Headers{{"Authorization", "wrong"}},
                                 http::Headers{{"Authorization", std::string("Basic ") + kKey}},
                                 http::Headers{}}) {
    auto r = Get("/customers", h);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, body);
  }
  EXPECT_EQ(Get("/customers?api_key=wrong", {}).status, 401);
  // A wrong header is not rescued by a right query key.
  EXPECT_EQ(Get(std::string("/customers?api_key=") + kKey, {{"Authorization", "Bearer no"}}).status, 401);
}

TEST_F(SyncroSimTest, PagingWalksEveryCustomerOnceWithMeta) {
  auto o = Small();
  o.customers_per_page = 5;
  Start(o);
  std::set<int64_t> ids;
  for (int page = 1; page <= 3; ++page) {
    auto v = GetJson("/customers?page=" + std::to_string(page));
    const auto& meta = Obj(v, "meta");
    EXPECT_EQ(meta.at("total_pages").as_int64(), 3);
    EXPECT_EQ(meta.at("total_entries").as_int64(), 12);
    EXPECT_EQ(meta.at("per_page").as_int64(), 5);
    EXPECT_EQ(meta.at("page").as_int64(), page);
    const auto& items = Arr(v, "customers");
    EXPECT_EQ(items.size(), page < 3 ? 5u : 2u);
    for (const auto& c : items) {
      EXPECT_TRUE(ids.insert(c.at("id").as_int64()).second);
      EXPECT_FALSE(c.at("business_name").as_string().empty());
      EXPECT_EQ(c.at("business_then_name"), c.at("business_name"));
      EXPECT_EQ(c.at("contacts").as_array().size(), 3u);
    }
  }
  EXPECT_EQ(ids.size(), 12u);
  auto past = GetJson("/customers?page=4");
  EXPECT_TRUE(Arr(past, "customers").empty());
  EXPECT_EQ(Obj(past, "meta").at("page").as_int64(), 4);
  // No page parameter is page 1.
  EXPECT_EQ(Arr(GetJson("/customers"), "customers")[0].at("id").as_int64(), *ids.begin());
}

TEST_F(SyncroSimTest, PageSizeIsPerResource) {
  auto o = Small();
  o.customers_per_page = 4;
  o.contacts_per_page = 7;
  o.assets_per_page = 9;
  Start(o);
  auto c = GetJson("/customers");
  EXPECT_EQ(Obj(c, "meta").at("per_page").as_int64(), 4);
  EXPECT_EQ(Arr(c, "customers").size(), 4u);
  auto p = GetJson("/contacts?page=2");
  EXPECT_EQ(Obj(p, "meta").at("per_page").as_int64(), 7);
  EXPECT_EQ(Obj(p, "meta").at("total_entries").as_int64(), 36);
  EXPECT_EQ(Obj(p, "meta").at("total_pages").as_int64(), 6);
  EXPECT_EQ(Arr(p, "contacts").size(), 7u);
  auto a = GetJson("/customer_assets?page=14");
  EXPECT_EQ(Obj(a, "meta").at("per_page").as_int64(), 9);
  EXPECT_EQ(Obj(a, "meta").at("total_entries").as_int64(), 120);
  EXPECT_EQ(Obj(a, "meta").at("total_pages").as_int64(), 14);
  EXPECT_EQ(Arr(a, "assets").size(), 3u);  // 120 = 13 * 9 + 3
}

TEST_F(SyncroSimTest, IncludeDisabledShowsDisabledCustomers) {
  auto o = Small();
  o.fleet.companies = 40;
  o.fleet.inactive_share = 0.3;
  o.customers_per_page = 100;
  Start(o);
  auto enabled = GetJson("/customers");
  auto all = GetJson("/customers?include_disabled=true");
  const auto& e = Arr(enabled, "customers");
  const auto& a = Arr(all, "customers");
  EXPECT_EQ(a.size(), 40u);
  size_t disabled = 0;
  for (const auto& c : a) disabled += c.at("disabled").as_bool();
  EXPECT_GT(disabled, 0u);
  EXPECT_EQ(e.size(), 40u - disabled);
  EXPECT_EQ(Obj(enabled, "meta").at("total_entries").as_int64(), static_cast<int64_t>(e.size()));
  for (const auto& c : e) EXPECT_FALSE(c.at("disabled").as_bool());
  EXPECT_EQ(Arr(GetJson("/customers?include_disabled=false"), "customers").size(), e.size());
}

TEST_F(SyncroSimTest, CustomerIdFiltersContactsAndAssets) {
  Start(Small());
  int64_t customer = Arr(GetJson("/customers"), "customers").at(3).at("id").as_int64();
  auto contacts = GetJson("/contacts?customer_id=" + std::to_string(customer));
  EXPECT_EQ(Obj(contacts, "meta").at("total_entries").as_int64(), 3);
  ASSERT_EQ(Arr(contacts, "contacts").size(), 3u);
  for (const auto& c : Arr(contacts, "contacts")) EXPECT_EQ(c.at("customer_id").as_int64(), customer);
  auto assets = GetJson("/customer_assets?customer_id=" + std::to_string(customer));
  EXPECT_EQ(Obj(assets, "meta").at("total_entries").as_int64(), 10);
  ASSERT_EQ(Arr(assets, "assets").size(), 10u);
  for (const auto& a : Arr(assets, "assets")) {
    EXPECT_EQ(a.at("customer_id").as_int64(), customer);
    EXPECT_EQ(a.at("customer").at("id").as_int64(), customer);
  }
  auto none = GetJson("/contacts?customer_id=424242");
  EXPECT_TRUE(Arr(none, "contacts").empty());
  EXPECT_EQ(Obj(none, "meta").at("total_entries").as_int64(), 0);
}

TEST_F(SyncroSimTest, ContactDetailIsUnwrapped) {
  Start(Small());
  auto page = GetJson("/contacts?page=1");
  const auto& listed = Arr(page, "contacts")[4];
  int64_t id = listed.at("id").as_int64();
  auto detail = GetJson("/contacts/" + std::to_string(id));
  EXPECT_FALSE(detail.as_object().contains("contact"));
  EXPECT_EQ(detail.at("id").as_int64(), id);
  EXPECT_EQ(detail, listed);
  EXPECT_NE(detail.at("email").as_string().find('@'), json::string::npos);
  EXPECT_FALSE(detail.at("properties").at("title").as_string().empty());
  EXPECT_FALSE(detail.as_object().contains("title"));
}

TEST_F(SyncroSimTest, AssetDetailCarriesKabutoInformation) {
  auto o = Small();
  o.assets_per_page = 120;
  Start(o);
  const json::value* agent = nullptr;
  const json::value* other = nullptr;
  auto list = GetJson("/customer_assets");
  for (const auto& a : Arr(list, "assets")) {
    if (a.at("asset_type").as_string() == "Syncro Device") agent = agent ? agent : &a;
    else other = other ? other : &a;
  }
  ASSERT_NE(agent, nullptr);
  ASSERT_NE(other, nullptr);
  auto detail = GetJson("/customer_assets/" + std::to_string(agent->at("id").as_int64()));
  const auto& asset = detail.at("asset");
  EXPECT_EQ(asset.at("id"), agent->at("id"));
  const auto& kabuto = asset.at("properties").at("kabuto_information");
  EXPECT_EQ(kabuto.at("general").at("serial_number"), asset.at("asset_serial"));
  EXPECT_EQ(kabuto.at("general").at("name"), asset.at("name"));
  EXPECT_FALSE(kabuto.at("last_synced_at").as_string().empty());
  EXPECT_EQ(kabuto.at("last_synced_at").as_string().back(), 'Z');
  EXPECT_FALSE(kabuto.at("os").at("name").as_string().empty());
  EXPECT_TRUE(asset.as_object().contains("snmp_enabled"));
  EXPECT_FALSE(agent->as_object().contains("snmp_enabled"));  // detail-only field
  // Non-agent assets carry labelled properties instead.
  EXPECT_FALSE(other->at("properties").as_object().contains("kabuto_information"));
  EXPECT_FALSE(other->at("properties").at("Make").as_string().empty());
}

TEST_F(SyncroSimTest, UnknownIdsAre404WithSyncrosBodies) {
  Start(Small());
  auto c = Get("/customers/999999");
  EXPECT_EQ(c.status, 404);
  EXPECT_EQ(c.body, "");
  auto p = Get("/contacts/1");
  EXPECT_EQ(p.status, 404);
  EXPECT_EQ(p.body, R"({"message":"Not found"})");
  auto a = Get("/customer_assets/999999999999");
  EXPECT_EQ(a.status, 404);
  EXPECT_EQ(a.body, R"({"error":"Asset not found"})");
  EXPECT_EQ(Get("/customer_assets/abc").status, 404);
  EXPECT_EQ(Get("/tickets").status, 404);
  // A known id answers, a .json suffix included.
  int64_t id = Arr(GetJson("/customers"), "customers")[0].at("id").as_int64();
  EXPECT_EQ(GetJson("/customers/" + std::to_string(id) + ".json").at("customer").at("id").as_int64(), id);
}

TEST_F(SyncroSimTest, SameSeedSameDataOtherSeedOtherData) {
  auto o = Small();
  o.api_key = kKey;
  Start(o);
  auto first = GetJson("/customers").at("customers").at(0);
  SyncroSim same(o);
  o.fleet.seed = 8;
  SyncroSim other(o);
  http::Request req;
  req.method = "GET";
  req.path = "/api/v1/customers";
  req.headers = {{"Authorization", kKey}};
  auto a = json::parse(same.Handle(req).body).at("customers").at(0);
  auto b = json::parse(other.Handle(req).body).at("customers").at(0);
  EXPECT_EQ(a, first);
  EXPECT_EQ(b.at("id"), first.at("id"));  // ids depend on position, not on the seed
  EXPECT_NE(b.at("created_at"), first.at("created_at"));
}

TEST_F(SyncroSimTest, RateLimitAnswers429RetryLaterAndRefills) {
  auto now = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  auto o = Small();
  o.rate_limit_per_minute = 3;
  o.retry_after_header = true;
  o.clock = [now] { return *now; };
  Start(o);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Get("/customers").status, 200) << i;
  // Throttled before the key is looked at, as Rack::Attack runs before the application.
  for (const http::Headers& h : {http::Headers{{"Authorization", kKey}}, http::Headers{}}) {
    auto r = Get("/customers", h);
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(r.body, "Retry later\n");
    EXPECT_EQ(r.Header("Content-Type").value_or(""), "text/plain; charset=utf-8");
    EXPECT_EQ(r.Header("Retry-After").value_or(""), "20");  // one token per 20 s at 3/min
  }
  *now += std::chrono::seconds(19);
  EXPECT_EQ(Get("/customers").status, 429);
  *now += std::chrono::seconds(1);
  EXPECT_EQ(Get("/customers").status, 200);
  EXPECT_EQ(Get("/customers").status, 429);
}

TEST_F(SyncroSimTest, RateLimitZeroIsUnlimitedAndRetryAfterIsOptIn) {
  auto o = Small();
  o.rate_limit_per_minute = 0;
  Start(o);
  for (int i = 0; i < 200; ++i) ASSERT_EQ(Get("/me").status, 200) << i;
  o.rate_limit_per_minute = 1;
  Start(o);
  EXPECT_EQ(Get("/me").status, 200);
  auto r = Get("/me");
  EXPECT_EQ(r.status, 429);
  EXPECT_FALSE(r.Header("Retry-After").has_value());
}

TEST_F(SyncroSimTest, ClientWithoutTheCaIsRefused) {
  Start(Small());
  http::Client untrusting;
  http::ClientRequest req;
  req.url = base_ + "/customers";
  req.headers = {{"Authorization", kKey}};
  auto r = untrusting.Send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("TLS"), std::string::npos) << r.status().message();
}


TEST_F(SyncroSimTest, CustomerFiltersByNameAndQuery) {
  Start(Small());
  auto all = Arr(GetJson("/customers"), "customers");
  std::string name(all.at(2).at("business_name").as_string());
  std::string shouted;
  for (char c : name) shouted += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  auto exact = GetJson("/customers?business_name=" + http::PercentEncode(shouted));
  ASSERT_EQ(Arr(exact, "customers").size(), 1u);
  EXPECT_EQ(Arr(exact, "customers")[0].at("id"), all.at(2).at("id"));
  std::string email(all.at(5).at("email").as_string());
  auto by_email = GetJson("/customers?query=" + http::PercentEncode(email));
  ASSERT_GE(Arr(by_email, "customers").size(), 1u);
  EXPECT_EQ(Arr(by_email, "customers")[0].at("id"), all.at(5).at("id"));
  EXPECT_EQ(Obj(GetJson("/customers?query=zzz-no-such"), "meta").at("total_entries").as_int64(), 0);
  auto asset = Arr(GetJson("/customer_assets"), "assets").at(7);
  auto found = GetJson("/customer_assets?query=" + http::PercentEncode(std::string(asset.at("name").as_string())));
  ASSERT_EQ(Arr(found, "assets").size(), 1u);
  EXPECT_EQ(Arr(found, "assets")[0].at("id"), asset.at("id"));
}

// The control API: changes show up as Syncro would show them, with updated_at moved.
TEST_F(SyncroSimTest, MutateThroughTheControlApi) {
  Start(Small());
  auto control = [&](const std::string& path, const std::string& body, const std::string& token = "sim-control-token") {
    http::ClientRequest req;
    req.method = "POST";
    req.url = origin_ + path;
    req.headers = {{"X-Sim-Token", token}, {"Content-Type", "application/json"}};
    req.body = body;
    auto r = client_->Send(req);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : http::ClientResponse{};
  };
  EXPECT_EQ(control("/_sim/mutate", R"({"kind":"customers","action":"rename","count":1})", "wrong").status, 401);
  auto before = GetJson("/customers/1004").at("customer");
  auto r = control("/_sim/mutate", R"({"kind":"customers","action":"rename","ids":[1004]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).at("ids"), (json::array{1004}));
  auto after = GetJson("/customers/1004").at("customer");
  EXPECT_NE(after.at("business_name"), before.at("business_name"));
  EXPECT_GT(std::string(after.at("updated_at").as_string()), "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(after.at("created_at"), before.at("created_at"));

  r = control("/_sim/mutate", R"({"kind":"customer_assets","action":"add","count":1,"company_id":1004})");
  ASSERT_EQ(r.status, 200) << r.body;
  int64_t added = json::parse(r.body).at("ids").at(0).as_int64();
  auto assets = GetJson("/customer_assets?customer_id=1004");
  EXPECT_EQ(Obj(assets, "meta").at("total_entries").as_int64(), 11);
  EXPECT_EQ(Arr(assets, "assets").back().at("id").as_int64(), added);
  EXPECT_EQ(GetJson("/customer_assets/" + std::to_string(added)).at("asset").at("id").as_int64(), added);

  int64_t contact = Arr(GetJson("/contacts?customer_id=1004"), "contacts").at(1).at("id").as_int64();
  ASSERT_EQ(control("/_sim/mutate", "{\"kind\":\"contacts\",\"action\":\"delete\",\"ids\":[" +
                                        std::to_string(contact) + "]}").status, 200);
  EXPECT_EQ(Get("/contacts/" + std::to_string(contact)).status, 404);
  EXPECT_EQ(Obj(GetJson("/contacts?customer_id=1004"), "meta").at("total_entries").as_int64(), 2);

  ASSERT_EQ(control("/_sim/mutate", R"({"kind":"customers","action":"deactivate","ids":[1004]})").status, 200);
  auto listed = Arr(GetJson("/customers?per_page=100"), "customers");
  for (const auto& c : listed) EXPECT_NE(c.at("id").as_int64(), 1004);
  EXPECT_TRUE(GetJson("/customers/1004").at("customer").at("disabled").as_bool());

  http::ClientRequest stats;
  stats.url = origin_ + "/_sim/stats";
  stats.headers = {{"X-Sim-Token", "sim-control-token"}};
  auto s = client_->Send(stats);
  ASSERT_TRUE(s.ok());
  auto by_path = json::parse(s->body).at("by_path");
  EXPECT_EQ(by_path.at("GET /api/v1/customers/{id}").at("200").as_int64(), 3);
  EXPECT_EQ(by_path.at("GET /api/v1/contacts/{id}").at("404").as_int64(), 1);

  ASSERT_EQ(control("/_sim/reset", "").status, 200);
  EXPECT_EQ(GetJson("/customers/1004").at("customer").at("business_name"), before.at("business_name"));
  EXPECT_EQ(Obj(GetJson("/customer_assets?customer_id=1004"), "meta").at("total_entries").as_int64(), 10);
}

TEST_F(SyncroSimTest, InjectedFaultsUseSyncrosShapes) {
  Start(Small());
  http::ClientRequest req;
  req.method = "POST";
  req.url = origin_ + "/_sim/faults";
  req.headers = {{"X-Sim-Token", "sim-control-token"}};
  req.body = R"({"p429": 1, "retry_after_s": 3})";
  ASSERT_EQ(client_->Send(req)->status, 200);
  auto r = Get("/customers");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.body, "Retry later\n");
  req.body = R"({"rate_limit_per_min": 2})";
  ASSERT_EQ(client_->Send(req)->status, 200);
  EXPECT_EQ(Get("/customers").status, 200);
  EXPECT_EQ(Get("/customers").status, 200);
  EXPECT_EQ(Get("/customers").status, 429);
}

}  // namespace
}  // namespace cairn::sims::syncro
