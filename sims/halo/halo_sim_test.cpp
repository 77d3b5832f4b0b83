#include "sims/halo/halo_sim.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
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
constexpr int64_t kFirstClientId = 100;  // the simulator's client ids are 100 + company

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

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

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

// Asset and user pages a sync walks are written as text (ListText); any order or filter builds a
// tree (List, Wrap) from records parsed back from the same writer (AssetJson, UserJson). The
// pages must be the same bytes either way (the envelope, and the records through the parse and
// serialize round trip), or a record's source digest would depend on the path.
TEST_F(HaloSimTest, AssetListsAreTheBytesOfTheTree) {
  HaloSimOptions o = Small();
  o.fleet.inactive_share = 0.2;
  Start(o);
  for (std::string query : std::vector<std::string>{"?pageinate=true&page_size=7&page_no=2&includeassetfields=true&includeactive=true&includeinactive=true",
                            "?pageinate=true&page_size=50&page_no=1", "?includeassetfields=true", "?client_id=" + std::to_string(kFirstClientId + 3),
                            "?pageinate=true&page_size=5&page_no=1&includeinactive=true&includeactive=false"}) {
    auto text = Get("/Asset" + query);
    auto tree = Get("/Asset" + query + "&order=id");  // ordered by what is already the order: the tree's bytes
    ASSERT_EQ(text.status, 200) << query << ": " << text.body;
    ASSERT_EQ(tree.status, 200) << query << ": " << tree.body;
    EXPECT_EQ(text.body, tree.body) << query;
    EXPECT_GT(json::parse(text.body).at("assets").as_array().size(), 0u) << query;
  }
  for (std::string query : std::vector<std::string>{"?pageinate=true&page_size=4&page_no=3&includeactive=true&includeinactive=true",
                                                    "?client_id=" + std::to_string(kFirstClientId + 2)}) {
    auto text = Get("/Users" + query);
    auto tree = Get("/Users" + query + "&order=id");
    ASSERT_EQ(text.status, 200) << query << ": " << text.body;
    EXPECT_EQ(text.body, tree.body) << query;
    EXPECT_GT(json::parse(text.body).at("users").as_array().size(), 0u) << query;
  }
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


// ---- Auth discovery, filters, ordering, contracts --------------------------------------------

TEST_F(HaloSimTest, AuthInfoIsAnonymous) {
  Start(Small());
  auto r = Get("/authinfo", std::string());
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = json::parse(r.body);
  EXPECT_EQ(v.at("tenant_id").as_string(), kTenant);
  std::string auth_url(v.at("auth_url").as_string());
  EXPECT_EQ(auth_url.rfind("https://", 0), 0u) << auth_url;
  EXPECT_EQ(auth_url.substr(auth_url.size() - 5), "/auth");
  EXPECT_EQ(Get("/AuthInfo", std::string()).status, 200);
}

TEST_F(HaloSimTest, SearchOrderAndIdFilters) {
  HaloSimOptions o = Small();
  o.fleet.companies = 30;
  Start(o);
  Fleet fleet(o.fleet);
  // search: a case-insensitive substring of the name.
  std::string name = fleet.Company(4).name;
  std::string part;
  for (char c : name.substr(0, 4)) part += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto found = GetJson("/Client?search=" + http::PercentEncode(part));
  bool has = false;
  for (const auto& c : Arr(found, "clients")) {
    has |= c.at("id").as_int64() == 104;
    EXPECT_NE(Lower(std::string(c.at("name").as_string())).find(Lower(part)), std::string::npos);
  }
  EXPECT_TRUE(has);
  EXPECT_EQ(GetJson("/Client?search=zzz-no-such").at("record_count").as_int64(), 0);
  auto by_mail = GetJson("/Users?search=" + http::PercentEncode(fleet.Contact(6, 1).email));
  ASSERT_EQ(Arr(by_mail, "users").size(), 1u);
  EXPECT_EQ(Arr(by_mail, "users")[0].at("id").as_int64(), 70'000'001);
  auto by_host = GetJson("/Asset?search=" + http::PercentEncode(fleet.Device(2, 3).name));
  ASSERT_GE(Arr(by_host, "assets").size(), 1u);
  EXPECT_EQ(Arr(by_host, "assets")[0].at("id").as_int64(), 30'000'003);

  // order / orderdesc, with paging over the ordered set.
  auto asc = Arr(GetJson("/Client?order=name"), "clients");
  for (size_t i = 1; i < asc.size(); ++i)
    EXPECT_LE(Lower(std::string(asc[i - 1].at("name").as_string())), Lower(std::string(asc[i].at("name").as_string())));
  auto desc = GetJson("/Client?order=name&orderdesc=true&pageinate=true&page_size=5&page_no=1");
  EXPECT_EQ(desc.at("record_count").as_int64(), static_cast<int64_t>(asc.size()));
  EXPECT_EQ(Arr(desc, "clients")[0].at("id"), asc.back().at("id"));
  auto by_id_desc = Arr(GetJson("/Asset?client_id=101&order=id&orderdesc=true"), "assets");
  EXPECT_EQ(by_id_desc.front().at("id").as_int64(), 20'000'009);

  // toplevel_id: the client's top level, from its type.
  int64_t clients = 0;
  for (int64_t c = 0; c < 30; ++c) clients += fleet.Company(c).type == "Client";
  ASSERT_GT(clients, 0);
  ASSERT_LT(clients, 30);
  auto top1 = GetJson("/Client?toplevel_id=1");
  EXPECT_EQ(top1.at("record_count").as_int64(), clients);
  for (const auto& c : Arr(top1, "clients")) EXPECT_EQ(c.at("toplevel_name").as_string(), "Clients");
  EXPECT_EQ(GetJson("/Site?toplevel_id=1").at("record_count").as_int64(), clients * 2);

  // site_id on users and assets; assettype_id on assets.
  auto at_site = GetJson("/Asset?site_id=40000001");
  EXPECT_EQ(at_site.at("record_count").as_int64(), 5);  // assets 1, 3, 5, 7, 9 of client 103
  for (const auto& a : Arr(at_site, "assets")) EXPECT_EQ(a.at("site_id").as_int64(), 40'000'001);
  EXPECT_EQ(GetJson("/Users?site_id=40000000.0").at("record_count").as_int64(), 2);
  EXPECT_EQ(GetJson("/Asset?site_id=12345").at("record_count").as_int64(), 0);
  int64_t laptops = 0;
  for (int64_t c = 0; c < 30; ++c)
    for (int64_t i = 0; i < 10; ++i) laptops += fleet.Device(c, i).type == DeviceType::kLaptop;
  auto typed = GetJson("/Asset?assettype_id=2&pageinate=true&page_size=3");
  EXPECT_EQ(typed.at("record_count").as_int64(), laptops);
  for (const auto& a : Arr(typed, "assets")) EXPECT_EQ(a.at("assettype_name").as_string(), "Laptop");
}

TEST_F(HaloSimTest, ClientContractsFromAgreements) {
  HaloSimOptions o = Small();
  o.fleet.agreements_per_company = 2;
  Start(o);
  Fleet fleet(o.fleet);
  auto all = GetJson("/ClientContract?pageinate=true&page_size=5");
  EXPECT_EQ(all.at("record_count").as_int64(), 24);
  const auto& c = Arr(all, "contracts")[1];
  EXPECT_EQ(c.at("id").as_int64(), 10'000'001);
  EXPECT_EQ(c.at("ref").as_string(), fleet.Agreement(0, 1).name);
  EXPECT_EQ(c.at("contracttype_name").as_string(), fleet.Agreement(0, 1).type);
  EXPECT_EQ(c.at("client_id").as_int64(), 100);
  for (const char* f : {"start_date", "end_date", "active", "started", "expired", "status", "contract_status",
                        "billing_description_string", "billing_period_string", "note", "last_modified", "site_id"})
    EXPECT_TRUE(c.as_object().contains(f)) << f;
  EXPECT_EQ(GetJson("/ClientContract?client_id=105").at("record_count").as_int64(), 2);
  EXPECT_EQ(GetJson("/ClientContract/60000001").at("client_id").as_int64(), 105);
  EXPECT_EQ(Get("/ClientContract/60000002").status, 404);
}

// ---- KB articles and FAQ lists -----------------------------------------------------------

class HaloKbTest : public HaloSimTest {
 protected:
  http::ClientResponse Send(const std::string& method, const std::string& path, const std::string& body = "") {
    if (token_.empty()) token_ = Token();
    http::ClientRequest req;
    req.method = method;
    req.url = base_ + "/api" + path;
    req.headers = {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}};
    req.body = body;
    return HaloSimTest::Send(req);
  }
};

TEST_F(HaloKbTest, KbArticleUpsertCreatesUpdatesListsAndDeletes) {
  Start(Small());
  auto list = Send("POST", "/FAQLists", R"([{"name": "Onboarding"}])");
  ASSERT_EQ(list.status, 201) << list.body;
  int64_t folder = json::parse(list.body).at("id").as_int64();

  auto created = Send("POST", "/KBArticle",
                      "[{\"name\": \"Reset a password\", \"description\": \"<p>Steps</p>\", \"tag_string\": "
                      "\"accounts, passwords\", \"faqlists\": [{\"id\": " + std::to_string(folder) + "}]}]");
  ASSERT_EQ(created.status, 201) << created.body;
  auto a = json::parse(created.body);
  ASSERT_TRUE(a.is_object());  // one element posted: one object back
  int64_t id = a.at("id").as_int64();
  EXPECT_GT(id, 0);
  EXPECT_EQ(a.at("name").as_string(), "Reset a password");
  EXPECT_EQ(a.at("description_html").as_string(), "<p>Steps</p>");
  EXPECT_EQ(a.at("tags").as_array().size(), 2u);
  EXPECT_EQ(a.at("faqlists").at(0).at("name").as_string(), "Onboarding");
  EXPECT_FALSE(a.at("inactive").as_bool());

  // id 0 and -1 create too; several elements answer an array.
  auto two = Send("POST", "/KBArticle", R"([{"id": 0, "name": "VPN setup"}, {"id": -1, "name": "Printer"}])");
  ASSERT_EQ(two.status, 201) << two.body;
  auto arr = json::parse(two.body).as_array();
  ASSERT_EQ(arr.size(), 2u);
  EXPECT_NE(arr[0].at("id"), arr[1].at("id"));

  // An update changes only the fields it carries.
  auto updated = Send("POST", "/KBArticle", "[{\"id\": " + std::to_string(id) + ", \"description\": \"<p>New</p>\"}]");
  ASSERT_EQ(updated.status, 201) << updated.body;
  auto u = json::parse(updated.body);
  EXPECT_EQ(u.at("id").as_int64(), id);
  EXPECT_EQ(u.at("name").as_string(), "Reset a password");
  EXPECT_EQ(u.at("description").as_string(), "<p>New</p>");
  EXPECT_EQ(u.at("description_html").as_string(), "<p>New</p>");
  EXPECT_EQ(u.at("date_created"), a.at("date_created"));
  EXPECT_EQ(json::parse(Send("GET", "/KBArticle/" + std::to_string(id)).body), u);

  // Lists: wrapped as "articles", with search and the faqlists filter.
  auto all = json::parse(Send("GET", "/KBArticle").body);
  EXPECT_EQ(all.at("record_count").as_int64(), 3);
  EXPECT_EQ(Arr(all, "articles").size(), 3u);
  auto paged = json::parse(Send("GET", "/KBArticle?pageinate=true&page_size=2&page_no=2").body);
  EXPECT_EQ(paged.at("record_count").as_int64(), 3);
  EXPECT_EQ(Arr(paged, "articles").size(), 1u);
  EXPECT_EQ(json::parse(Send("GET", "/KBArticle?search=vpn").body).at("record_count").as_int64(), 1);
  auto filed = json::parse(Send("GET", "/KBArticle?faqlists=" + std::to_string(folder)).body);
  ASSERT_EQ(Arr(filed, "articles").size(), 1u);
  EXPECT_EQ(Arr(filed, "articles")[0].at("id").as_int64(), id);

  // Errors change nothing: an unknown id, a missing name, a body that is not an array of objects.
  EXPECT_EQ(Send("POST", "/KBArticle", R"([{"id": 999, "name": "x"}])").status, 400);
  EXPECT_EQ(Send("POST", "/KBArticle", R"([{"name": "ok"}, {"description": "no name"}])").status, 400);
  EXPECT_EQ(Send("POST", "/KBArticle", R"([1, 2])").status, 400);
  EXPECT_EQ(Send("POST", "/KBArticle", R"(not json)").status, 400);
  EXPECT_EQ(Send("POST", "/KBArticle", R"([{"name": "x", "faqlists": [{"id": 424242}]}])").status, 400);
  EXPECT_EQ(json::parse(Send("GET", "/KBArticle").body).at("record_count").as_int64(), 3);

  // DELETE: 200, then 404.
  EXPECT_EQ(Send("DELETE", "/KBArticle/" + std::to_string(id)).status, 200);
  EXPECT_EQ(Send("GET", "/KBArticle/" + std::to_string(id)).status, 404);
  EXPECT_EQ(Send("DELETE", "/KBArticle/" + std::to_string(id)).status, 404);
  EXPECT_EQ(json::parse(Send("GET", "/KBArticle").body).at("record_count").as_int64(), 2);
  // Without a token, nothing.
  http::ClientRequest anon;
  anon.url = base_ + "/api/KBArticle";
  EXPECT_EQ(HaloSimTest::Send(anon).status, 401);
}

TEST_F(HaloKbTest, FaqListsUpsertAndBareArray) {
  Start(Small());
  auto r = Send("POST", "/FAQLists", R"([{"name": "IT"}, {"name": "Printers", "type": 1}])");
  ASSERT_EQ(r.status, 201) << r.body;
  auto made = json::parse(r.body).as_array();
  ASSERT_EQ(made.size(), 2u);
  int64_t it = made[0].at("id").as_int64();
  EXPECT_EQ(made[0].at("guid").as_string().size(), 36u);
  auto child = json::parse(Send("POST", "/FAQLists", "[{\"name\": \"Laptops\", \"parent_id\": " + std::to_string(it) + "}]").body);
  EXPECT_EQ(child.at("full_name").as_string(), "IT/Laptops");
  EXPECT_EQ(child.at("level").as_int64(), 1);
  auto renamed = Send("POST", "/FAQLists", "[{\"id\": " + std::to_string(it) + ", \"name\": \"Support\"}]");
  ASSERT_EQ(renamed.status, 201);
  EXPECT_EQ(json::parse(renamed.body).at("name").as_string(), "Support");
  EXPECT_EQ(json::parse(renamed.body).at("type").as_int64(), 0);

  Send("POST", "/KBArticle", "[{\"name\": \"A\", \"faqlists\": [{\"id\": " + std::to_string(it) + "}]}]");
  auto lists = json::parse(Send("GET", "/FAQLists").body);
  ASSERT_TRUE(lists.is_array());  // a bare array, as Halo's FAQLists (uncertain)
  ASSERT_EQ(lists.as_array().size(), 3u);
  EXPECT_EQ(lists.as_array()[0].at("name").as_string(), "Support");
  EXPECT_EQ(lists.as_array()[0].at("article_count").as_int64(), 1);
  EXPECT_EQ(json::parse(Send("GET", "/FAQLists?type=1").body).as_array().size(), 1u);
  EXPECT_EQ(json::parse(Send("GET", "/FAQLists?level=1").body).as_array().size(), 1u);
  EXPECT_EQ(Send("POST", "/FAQLists", R"([{"type": 1}])").status, 400);
  EXPECT_EQ(Send("DELETE", "/FAQLists/" + std::to_string(it)).status, 200);
  EXPECT_EQ(json::parse(Send("GET", "/FAQLists").body).as_array().size(), 2u);
  EXPECT_EQ(Send("GET", "/FAQLists/" + std::to_string(it)).status, 404);
}

// ---- The control API -------------------------------------------------------------------------

class HaloControlTest : public HaloKbTest {
 protected:
  http::ClientResponse Control(const std::string& method, const std::string& path, const std::string& body = "",
                               const std::string& token = "sim-control-token") {
    http::ClientRequest req;
    req.method = method;
    req.url = base_ + path;
    req.headers = {{"X-Sim-Token", token}, {"Content-Type", "application/json"}};
    req.body = body;
    return HaloSimTest::Send(req);
  }
  json::value Mutate(const std::string& body) {
    auto r = Control("POST", "/_sim/mutate", body);
    EXPECT_EQ(r.status, 200) << body << ": " << r.body;
    return r.status == 200 ? json::parse(r.body) : json::value(json::object{{"ids", json::array{}}});
  }
};

TEST_F(HaloControlTest, TokenTtlFaultExpiresTokensEarly) {
  Start(Small());
  ASSERT_EQ(Control("POST", "/_sim/faults", R"({"token_ttl_s": 5})").status, 200);
  auto r = PostToken(Form());
  ASSERT_EQ(r.status, 200);
  auto v = json::parse(r.body);
  EXPECT_EQ(v.at("expires_in").as_int64(), 3600);  // announced as usual...
  std::string t(v.at("access_token").as_string());
  offset_s_ = 4;
  EXPECT_EQ(Get("/Client", t).status, 200);
  offset_s_ = 5;
  EXPECT_EQ(Get("/Client", t).status, 401);  // ...dead after the fault's lifetime
  ASSERT_EQ(Control("POST", "/_sim/faults", "{}").status, 200);
  std::string fresh = Token();
  offset_s_ = 100;
  EXPECT_EQ(Get("/Client", fresh).status, 200);
}

TEST_F(HaloControlTest, MutateStatsAndReset) {
  Start(Small());
  EXPECT_EQ(Control("POST", "/_sim/mutate", R"({"kind":"clients","action":"rename","count":1})", "nope").status, 401);
  EXPECT_EQ(Control("POST", "/_sim/mutate", R"({"kind":"customers","action":"rename","count":1})").status, 400);
  auto before = GetJson("/Client/104");
  EXPECT_EQ(Mutate(R"({"kind":"clients","action":"rename","ids":[104]})").at("ids"), (json::array{104}));
  auto after = GetJson("/Client/104");
  EXPECT_NE(after.at("name"), before.at("name"));
  EXPECT_GT(std::string(after.at("alastupdate").as_string()), "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(after.at("datecreated"), before.at("datecreated"));
  EXPECT_EQ(Arr(GetJson("/Site?client_id=104"), "sites")[0].at("client_name"), after.at("name"));

  // Add an asset to client 104 (a decimal client id is accepted): listed, detail, filters.
  auto added = Mutate(R"({"kind":"assets","action":"add","count":1,"company_id":104.0})");
  int64_t asset = added.at("ids").at(0).as_int64();
  EXPECT_EQ(asset, 50'000'010);
  auto assets = GetJson("/Asset?client_id=104&pageinate=true");
  EXPECT_EQ(assets.at("record_count").as_int64(), 11);
  EXPECT_EQ(Arr(assets, "assets").back().at("id").as_int64(), asset);
  EXPECT_GT(std::string(GetJson("/Asset/" + std::to_string(asset)).at("dlastupdate").as_string()), "2024");

  // Deactivate a user: hidden by default, shown with includeinactive; delete a site: 404.
  Mutate(R"({"kind":"users","action":"deactivate","ids":[20000001]})");
  EXPECT_EQ(GetJson("/Users?client_id=101").at("record_count").as_int64(), 2);
  EXPECT_EQ(GetJson("/Users?client_id=101&includeinactive=true").at("record_count").as_int64(), 3);
  EXPECT_TRUE(GetJson("/Users/20000001").at("inactive").as_bool());
  Mutate(R"({"kind":"sites","action":"delete","ids":[30000001]})");
  EXPECT_EQ(Get("/Site/30000001").status, 404);
  EXPECT_EQ(GetJson("/Site?client_id=102").at("record_count").as_int64(), 1);
  auto moved = GetJson("/Asset?client_id=102");
  for (const auto& a : Arr(moved, "assets")) EXPECT_EQ(a.at("site_id").as_int64(), 30'000'000);
  Mutate(R"({"kind":"contracts","action":"update","ids":[10000000]})");
  EXPECT_GT(std::string(GetJson("/ClientContract/10000000").at("last_modified").as_string()), "2024");

  // A 429 in Halo's shape.
  ASSERT_EQ(Control("POST", "/_sim/faults", R"({"p429": 1, "retry_after_s": 4})").status, 200);
  auto limited = Get("/Client");
  EXPECT_EQ(limited.status, 429);
  EXPECT_TRUE(json::parse(limited.body).as_object().contains("Message"));
  bool retry_after = false;
  for (const auto& [k, val] : limited.headers) retry_after |= k == "Retry-After" && val == "4";
  EXPECT_TRUE(retry_after);
  ASSERT_EQ(Control("POST", "/_sim/faults", "{}").status, 200);

  auto stats = json::parse(Control("GET", "/_sim/stats").body);
  EXPECT_EQ(stats.at("version").as_int64(), 5);
  EXPECT_EQ(stats.at("by_path").at("GET /api/Client/{id}").at("200").as_int64(), 2);
  EXPECT_EQ(stats.at("by_path").at("GET /api/Site/{id}").at("404").as_int64(), 1);
  EXPECT_EQ(stats.at("by_path").at("GET /api/Client").at("429").as_int64(), 1);

  // Reset: the seed again, and the KB store emptied.
  ASSERT_EQ(Send("POST", "/KBArticle", R"([{"name": "Gone after reset"}])").status, 201);
  ASSERT_EQ(Send("POST", "/FAQLists", R"([{"name": "Gone too"}])").status, 201);
  ASSERT_EQ(Control("POST", "/_sim/reset").status, 200);
  EXPECT_EQ(GetJson("/Client/104").at("name"), before.at("name"));
  EXPECT_EQ(GetJson("/Asset?client_id=104&pageinate=true").at("record_count").as_int64(), 10);
  EXPECT_EQ(Get("/Asset/" + std::to_string(asset)).status, 404);
  EXPECT_EQ(GetJson("/KBArticle").at("record_count").as_int64(), 0);
  EXPECT_TRUE(GetJson("/FAQLists").as_array().empty());
  auto created = json::parse(Send("POST", "/KBArticle", R"([{"name": "First again"}])").body);
  EXPECT_EQ(created.at("id").as_int64(), 1);
  // A reset with the wrong token changes nothing.
  EXPECT_EQ(Control("POST", "/_sim/reset", "", "nope").status, 401);
  EXPECT_EQ(GetJson("/KBArticle").at("record_count").as_int64(), 1);
}

}  // namespace
}  // namespace cairn::sims::halo
