#include "sims/halo/halo_sim.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
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

namespace cairn::sims::halo {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr char kClientId[] = "test-client";
constexpr char kSecret[] = "test-secret";
constexpr char kTenant[] = "acme";

class HaloSimTest : public HttpsSimTest {
 protected:

  // Starts a simulator over HTTPS on a free port, with a clock the test moves; stopped by TearDown.
  void Start(HaloSimOptions o) {
    StopServer();
    o.client_id = kClientId;
    o.client_secret = kSecret;
    o.tenant = kTenant;
    o.clock = [this] { return epoch_ + std::chrono::seconds(offset_s_.load()); };
    sim_ = std::make_unique<HaloSim>(o);
    Serve([this](http::Request& r) { return sim_->Handle(r); });
    base_ = origin_;
  }

  http::ClientResponse Send(http::ClientRequest req) {
    auto r = client_->Send(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : http::ClientResponse{};
  }
  http::ClientResponse PostToken(const std::string& form, const std::string& query = std::string("?tenant=") + kTenant) {
    http::ClientRequest req;
    req.method = "POST";
    req.url = base_ + "/auth/token" + query;
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    req.body = form;
    return Send(req);
  }
  static std::string Form(const std::string& secret = kSecret, const std::string& scope = "all") {
    return std::string("grant_type=client_credentials&client_id=") + kClientId + "&client_secret=" + secret +
           "&scope=" + scope;
  }
  std::string Token() {
    auto r = PostToken(Form());
    EXPECT_EQ(r.status, 200) << r.body;
    return std::string(json::parse(r.body).at("access_token").as_string());
  }
  http::ClientResponse Get(const std::string& path_and_query, std::optional<std::string> token = std::nullopt) {
    if (!token) {
      if (token_.empty()) token_ = Token();
      token = token_;
    }
    http::ClientRequest req;
    req.url = base_ + "/api" + path_and_query;
    if (!token->empty()) req.headers = {{"Authorization", "Bearer " + *token}};
    return Send(req);
  }
  json::value GetJson(const std::string& path_and_query, int want_status = 200) {
    auto r = Get(path_and_query);
    EXPECT_EQ(r.status, want_status) << path_and_query << ": " << r.body;
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    EXPECT_FALSE(ec) << path_and_query << ": " << r.body;
    return v;
  }

  static HaloSimOptions Small() {
    HaloSimOptions o;
    o.fleet.seed = 7;
    o.fleet.companies = 12;
    o.fleet.contacts_per_company = 3;
    o.fleet.sites_per_company = 2;
    o.fleet.devices_per_company = 10;
    o.fleet.inactive_share = 0;
    return o;
  }

  const std::chrono::steady_clock::time_point epoch_ = std::chrono::steady_clock::now();
  std::atomic<int64_t> offset_s_{0};
  std::string token_;
  std::unique_ptr<HaloSim> sim_;
  std::string base_;
};


const json::array& Arr(const json::value& v, const char* key) { return v.as_object().at(key).as_array(); }

TEST_F(HaloSimTest, IssuesTokenForGoodCredentials) {
  HaloSimOptions o = Small();
  o.token_ttl_s = 1234;
  Start(o);
  auto r = PostToken(Form(kSecret, "read:customers%20read:assets"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = json::parse(r.body);
  EXPECT_EQ(v.at("token_type").as_string(), "Bearer");
  EXPECT_EQ(v.at("expires_in").as_int64(), 1234);
  EXPECT_EQ(v.at("scope").as_string(), "read:customers read:assets");
  EXPECT_FALSE(v.at("access_token").as_string().empty());
  EXPECT_TRUE(v.as_object().contains("id_token"));
  EXPECT_TRUE(v.as_object().contains("refresh_token"));
  // Each request gets a new token, and each works.
  std::string a(v.at("access_token").as_string()), b = Token();
  EXPECT_NE(a, b);
  EXPECT_EQ(Get("/Client", a).status, 200);
  EXPECT_EQ(Get("/Client", b).status, 200);
}

TEST_F(HaloSimTest, RefusesBadCredentialsTenantScopeAndGrant) {
  Start(Small());
  auto bad_secret = PostToken(Form("nope"));
  EXPECT_EQ(bad_secret.status, 401);
  EXPECT_EQ(json::parse(bad_secret.body).at("error").as_string(), "invalid_client");
  auto bad_tenant = PostToken(Form(), "?tenant=other");
  EXPECT_EQ(bad_tenant.status, 401);
  EXPECT_EQ(json::parse(bad_tenant.body).at("error").as_string(), "invalid_client");
  EXPECT_EQ(PostToken(Form(), "").status, 401);  // hosted Halo needs the tenant
  auto bad_scope = PostToken(Form(kSecret, "read:sites"));
  EXPECT_EQ(bad_scope.status, 400);
  EXPECT_EQ(json::parse(bad_scope.body).at("error").as_string(), "invalid_scope");
  auto bad_grant = PostToken(std::string("grant_type=password&client_id=") + kClientId + "&client_secret=" + kSecret);
  EXPECT_EQ(bad_grant.status, 400);
  EXPECT_EQ(json::parse(bad_grant.body).at("error").as_string(), "unsupported_grant_type");
}

TEST_F(HaloSimTest, RequiresValidUnexpiredBearer) {
  HaloSimOptions o = Small();
  o.token_ttl_s = 60;
  Start(o);
  const std::string denied = R"({"Message":"Authorization has been denied for this request."})";
  auto missing = Get("/Client", std::string());
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.body, denied);
  auto garbage = Get("/Client", std::string("garbage"));
  EXPECT_EQ(garbage.status, 401);
  EXPECT_EQ(garbage.body, denied);
  http::ClientRequest basic;
  basic.url = base_ + "/api/Client";
  basic.headers = {{"Authorization", std::string("Basic ") + kSecret}};
  EXPECT_EQ(Send(basic).status, 401);

  std::string t = Token();
  offset_s_ = 59;
  EXPECT_EQ(Get("/Client", t).status, 200);
  offset_s_ = 60;
  auto expired = Get("/Client", t);
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(expired.body, denied);
  EXPECT_EQ(Get("/Client", Token()).status, 200);  // a fresh token works again
}

TEST_F(HaloSimTest, PaginateWalksEveryClientOnce) {
  HaloSimOptions o = Small();
  o.fleet.companies = 23;
  Start(o);
  std::set<int64_t> seen;
  int pages = 0;
  for (int page = 1;; ++page) {
    auto v = GetJson("/Client?pageinate=true&page_size=5&page_no=" + std::to_string(page));
    EXPECT_EQ(v.at("page_no").as_int64(), page);
    EXPECT_EQ(v.at("page_size").as_int64(), 5);
    EXPECT_EQ(v.at("record_count").as_int64(), 23);
    const auto& clients = Arr(v, "clients");
    if (clients.empty()) break;
    ++pages;
    EXPECT_EQ(clients.size(), page < 5 ? 5u : 3u);
    for (const auto& c : clients) EXPECT_TRUE(seen.insert(c.at("id").as_int64()).second);
  }
  EXPECT_EQ(pages, 5);
  EXPECT_EQ(seen.size(), 23u);
  EXPECT_EQ(*seen.begin(), 100);
  EXPECT_EQ(*seen.rbegin(), 122);
  Fleet fleet(o.fleet);
  auto first = GetJson("/client?pageinate=true&page_size=1");  // resource names are case-insensitive
  EXPECT_EQ(Arr(first, "clients")[0].at("name").as_string(), fleet.Company(0).name);
  EXPECT_FALSE(Arr(first, "clients")[0].at("inactive").as_bool());
}

TEST_F(HaloSimTest, UnpagedListsAndBareArray) {
  Start(Small());
  auto all = GetJson("/Client");
  EXPECT_FALSE(all.as_object().contains("page_no"));
  EXPECT_EQ(all.at("record_count").as_int64(), 12);
  EXPECT_EQ(Arr(all, "clients").size(), 12u);
  auto limited = GetJson("/Client?count=4");
  EXPECT_EQ(limited.at("record_count").as_int64(), 4);  // count=N: record_count is what came back
  EXPECT_EQ(Arr(limited, "clients").size(), 4u);
  // AssetType is a bare array, paging parameters or not.
  for (const char* q : {"/AssetType", "/AssetType?pageinate=true&page_size=2"}) {
    auto types = GetJson(q);
    ASSERT_TRUE(types.is_array()) << q;
    EXPECT_EQ(types.as_array().size(), 7u);
    EXPECT_EQ(types.as_array()[0].at("name").as_string(), "Workstation");
    EXPECT_EQ(types.as_array()[0].at("id").as_int64(), 1);
  }
}

TEST_F(HaloSimTest, IncludeInactiveChangesCounts) {
  HaloSimOptions o = Small();
  o.fleet.companies = 40;
  o.fleet.inactive_share = 0.3;
  Start(o);
  Fleet fleet(o.fleet);
  int64_t active_clients = 0, active_users = 0, active_assets = 0;
  for (int64_t c = 0; c < 40; ++c) {
    active_clients += fleet.Company(c).active;
    for (int64_t i = 0; i < 3; ++i) active_users += fleet.Contact(c, i).active;
    for (int64_t i = 0; i < 10; ++i) active_assets += fleet.Device(c, i).active;
  }
  ASSERT_LT(active_clients, 40);
  EXPECT_EQ(GetJson("/Client?pageinate=true&page_size=1000").at("record_count").as_int64(), active_clients);
  EXPECT_EQ(GetJson("/Client?pageinate=true&includeinactive=true").at("record_count").as_int64(), 40);
  EXPECT_EQ(GetJson("/Client?pageinate=true&includeinactive=true&includeactive=false").at("record_count").as_int64(),
            40 - active_clients);
  auto only_inactive = GetJson("/Client?includeinactive=true&includeactive=false");
  EXPECT_EQ(Arr(only_inactive, "clients").size(), static_cast<size_t>(40 - active_clients));
  for (const auto& c : Arr(only_inactive, "clients")) EXPECT_TRUE(c.at("inactive").as_bool());
  EXPECT_EQ(GetJson("/Users?pageinate=true").at("record_count").as_int64(), active_users);
  EXPECT_EQ(GetJson("/Users?pageinate=true&includeinactive=true").at("record_count").as_int64(), 120);
  EXPECT_EQ(GetJson("/Asset?pageinate=true").at("record_count").as_int64(), active_assets);
  EXPECT_EQ(GetJson("/Asset?pageinate=true&includeinactive=true").at("record_count").as_int64(), 400);
}

TEST_F(HaloSimTest, ClientIdFilters) {
  Start(Small());
  Fleet fleet(Small().fleet);
  auto sites = GetJson("/Site?client_id=103");
  ASSERT_EQ(Arr(sites, "sites").size(), 2u);
  EXPECT_EQ(sites.at("record_count").as_int64(), 2);
  for (const auto& s : Arr(sites, "sites")) {
    ASSERT_TRUE(s.at("client_id").is_double());  // decimal client_id on sites
    EXPECT_EQ(s.at("client_id").as_double(), 103.0);
    EXPECT_EQ(s.at("client_name").as_string(), fleet.Company(3).name);
  }
  EXPECT_EQ(Arr(sites, "sites")[0].at("id").as_int64(), 40'000'000);
  EXPECT_EQ(Arr(sites, "sites")[0].at("name").as_string(), fleet.Site(3, 0).name);
  EXPECT_EQ(Arr(GetJson("/Site?client_id=103.0"), "sites").size(), 2u);  // the decimal echoed back
  EXPECT_EQ(GetJson("/Site").at("record_count").as_int64(), 24);

  auto users = GetJson("/Users?client_id=105&pageinate=true&page_size=2");
  EXPECT_EQ(users.at("record_count").as_int64(), 3);
  ASSERT_EQ(Arr(users, "users").size(), 2u);
  const auto& u = Arr(users, "users")[0];
  EXPECT_EQ(u.at("client_id").as_int64(), 105);
  EXPECT_EQ(u.at("emailaddress").as_string(), fleet.Contact(5, 0).email);
  EXPECT_EQ(u.at("firstname").as_string(), fleet.Contact(5, 0).first_name);

  auto assets = GetJson("/Asset?client_id=100");
  EXPECT_EQ(assets.at("record_count").as_int64(), 10);
  for (const auto& a : Arr(assets, "assets")) {
    EXPECT_EQ(a.at("client_id").as_int64(), 100);
    EXPECT_FALSE(a.as_object().contains("fields"));
  }
  auto with_fields = GetJson("/Asset?client_id=100&includeassetfields=true");
  const auto& fields = Arr(with_fields, "assets")[2].at("fields").as_array();
  EXPECT_EQ(fields[1].at("name").as_string(), "Serial Number");
  EXPECT_EQ(fields[1].at("value").as_string(), fleet.Device(0, 2).serial);

  EXPECT_EQ(GetJson("/Site?client_id=999").at("record_count").as_int64(), 0);
  EXPECT_EQ(Arr(GetJson("/Users?client_id=999"), "users").size(), 0u);
}

TEST_F(HaloSimTest, DetailsAndNotFound) {
  Start(Small());
  Fleet fleet(Small().fleet);
  auto a = GetJson("/Asset/" + std::to_string(8 * 10'000'000 + 4));
  FakeDevice d = fleet.Device(7, 4);
  EXPECT_EQ(a.at("id").as_int64(), 80'000'004);
  EXPECT_EQ(a.at("client_id").as_int64(), 107);
  EXPECT_EQ(a.at("key_field").as_string(), d.name);
  EXPECT_EQ(a.at("key_field2").as_string(), d.serial);
  EXPECT_EQ(a.at("assettype_name").as_string(), DeviceTypeName(d.type));
  EXPECT_EQ(a.at("fields").as_array()[2].at("value").as_string(), d.manufacturer);
  EXPECT_EQ(GetJson("/Client/104").at("name").as_string(), fleet.Company(4).name);
  EXPECT_EQ(GetJson("/Users/10000001").at("surname").as_string(), fleet.Contact(0, 1).last_name);
  EXPECT_EQ(GetJson("/Site/10000001").at("name").as_string(), fleet.Site(0, 1).name);

  for (const char* p : {"/Asset/10000010", "/Asset/999", "/Asset/abc", "/Client/112", "/Client/99",
                        "/Users/10000003", "/Site/130000000", "/Ticket", "/Nope/1"}) {
    auto r = Get(p);
    EXPECT_EQ(r.status, 404) << p;
    EXPECT_TRUE(json::parse(r.body).as_object().contains("Message")) << p << ": " << r.body;
  }
}

TEST_F(HaloSimTest, Deterministic) {
  Start(Small());
  std::string a = Get("/Asset?includeinactive=true&includeassetfields=true").body;
  std::string c = Get("/Client?pageinate=true&page_size=7&page_no=2").body;
  std::string u = Get("/Users").body;
  Start(Small());  // a new simulator, a new token
  token_.clear();
  EXPECT_EQ(Get("/Asset?includeinactive=true&includeassetfields=true").body, a);
  EXPECT_EQ(Get("/Client?pageinate=true&page_size=7&page_no=2").body, c);
  EXPECT_EQ(Get("/Users").body, u);
  HaloSimOptions other = Small();
  other.fleet.seed = 8;
  Start(other);
  token_.clear();
  EXPECT_NE(Get("/Asset?includeinactive=true&includeassetfields=true").body, a);
}

}  // namespace
}  // namespace cairn::sims::halo
