#include "sims/connectwise/connectwise_sim.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "http/client.h"
#include "sims/common/https_sim_test.h"
#include "sims/connectwise/connectwise_test_util.h"

namespace cairn::sims::connectwise {
namespace {

namespace json = boost::json;

constexpr int64_t kClockStart = 1767225600000;  // 2026-01-01T00:00:00Z

class ConnectWiseSimTest : public HttpsSimTest {
 protected:
  void Start(ConnectWiseSimOptions o) {
    StopServer();
    o.clock_ms = [this] { return now_ms_.load(); };
    sim_ = std::make_unique<ConnectWiseSim>(o);
    Serve([this](http::Request& r) { return sim_->Handle(r); });
    base_ = origin_ + "/v4_6_release/apis/3.0";
  }

  static ConnectWiseSimOptions Small() {
    ConnectWiseSimOptions o;
    o.fleet.seed = 7;
    o.fleet.companies = 12;
    o.fleet.contacts_per_company = 3;
    o.fleet.sites_per_company = 2;
    o.fleet.devices_per_company = 10;
    o.fleet.agreements_per_company = 1;
    o.fleet.inactive_share = 0;
    return o;
  }

  http::ClientResponse Send(const std::string& url, http::Headers headers, const std::string& method = "GET",
                            const std::string& body = "") {
    http::ClientRequest req;
    req.method = method;
    req.url = url;
    req.headers = std::move(headers);
    req.body = body;
    auto r = client_->Send(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : http::ClientResponse{};
  }
  http::ClientResponse Get(const std::string& path_and_query, http::Headers extra = {}) {
    http::Headers h = AuthHeaders();
    for (auto& e : extra) h.push_back(std::move(e));
    return Send(base_ + path_and_query, std::move(h));
  }
  json::value GetJson(const std::string& path_and_query, int want_status = 200, http::Headers extra = {}) {
    auto r = Get(path_and_query, std::move(extra));
    EXPECT_EQ(r.status, want_status) << path_and_query << ": " << r.body;
    return ParseBody(r.body);
  }
  static json::value ParseBody(const std::string& body) {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    EXPECT_FALSE(ec) << body;
    return v;
  }
  // The ids of a list answer.
  std::vector<int64_t> Ids(const std::string& path_and_query, http::Headers extra = {}) {
    std::vector<int64_t> out;
    json::value v = GetJson(path_and_query, 200, std::move(extra));
    if (!v.is_array()) return out;
    for (const auto& r : v.as_array()) out.push_back(r.at("id").as_int64());
    return out;
  }
  int64_t Count(const std::string& path_and_query) {
    json::value v = GetJson(path_and_query);
    return v.is_object() ? v.at("count").as_int64() : -1;
  }
  json::value Control(const std::string& method, const std::string& path, const std::string& body = "") {
    auto r = Send(origin_ + path,
                  {{"X-Sim-Token", "sim-control-token"}, {"Content-Type", "application/json"}}, method, body);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    return ParseBody(r.body);
  }

  std::atomic<int64_t> now_ms_{kClockStart};
  std::unique_ptr<ConnectWiseSim> sim_;
  std::string base_;
};

TEST_F(ConnectWiseSimTest, AcceptsTheVendorsCredentials) {
  Start(Small());
  auto ok = Get("/company/companies");
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.Header("api-current-version").value_or(""), "2025.1");
  // The login company is not case-sensitive.
  EXPECT_EQ(Send(base_ + "/system/info",
                 {{"Authorization", BasicAuth("CairnSim", "sim-cw-public", "sim-cw-private")},
                  {"clientId", "sim-cw-client-id"}})
                .status,
            200);
}

TEST_F(ConnectWiseSimTest, RejectsBadCredentialsAsTheVendorDoes) {
  Start(Small());
  const std::string want = R"({"code":"ConnectWiseApi","message":"UserNotAuthenticated","errors":null})";
  auto bad_password = Send(
      base_ + "/company/companies",
      {{"Authorization", BasicAuth("cairnsim", "sim-cw-public", "nope")}, {"clientId", "sim-cw-client-id"}});
  EXPECT_EQ(bad_password.status, 401);
  EXPECT_EQ(bad_password.body, want);
  auto wrong_company = Send(base_ + "/company/companies",
                            {{"Authorization", BasicAuth("other", "sim-cw-public", "sim-cw-private")},
                             {"clientId", "sim-cw-client-id"}});
  EXPECT_EQ(wrong_company.status, 401);
  EXPECT_EQ(wrong_company.body, want);
  auto no_auth = Send(base_ + "/company/companies", {{"clientId", "sim-cw-client-id"}});
  EXPECT_EQ(no_auth.status, 401);
  EXPECT_EQ(no_auth.body, want);
  auto no_plus = Send(base_ + "/company/companies",
                      {{"Authorization", "Basic " + Base64("sim-cw-public:sim-cw-private")},
                       {"clientId", "sim-cw-client-id"}});
  EXPECT_EQ(no_plus.status, 401);

  auto no_client = Send(base_ + "/company/companies",
                        {{"Authorization", BasicAuth("cairnsim", "sim-cw-public", "sim-cw-private")}});
  EXPECT_EQ(no_client.status, 401);
  EXPECT_EQ(ParseBody(no_client.body).at("code"), "Unauthorized");
  auto wrong_client = Send(base_ + "/company/companies",
                           {{"Authorization", BasicAuth("cairnsim", "sim-cw-public", "sim-cw-private")},
                            {"clientId", "someone-else"}});
  EXPECT_EQ(wrong_client.status, 401);

  ConnectWiseSimOptions o = Small();
  o.missing_client_id_status = 400;
  Start(o);
  auto no_client_400 = Send(base_ + "/company/companies",
                            {{"Authorization", BasicAuth("cairnsim", "sim-cw-public", "sim-cw-private")}});
  EXPECT_EQ(no_client_400.status, 400);
}

TEST_F(ConnectWiseSimTest, CompanyInfoNeedsNoAuthAndIsNullForUnknownCompanies) {
  ConnectWiseSimOptions o = Small();
  o.codebase = "v2025_1/";
  Start(o);
  auto known = Send(origin_ + "/login/companyinfo/cairnsim", {});
  ASSERT_EQ(known.status, 200);
  json::value v = ParseBody(known.body);
  EXPECT_EQ(v.at("Codebase"), "v2025_1/");
  EXPECT_EQ(v.at("CompanyID"), "cairnsim");
  EXPECT_EQ(v.at("VersionCode"), "v2025.1");
  EXPECT_EQ(v.at("VersionNumber"), "v4.6.105123");
  EXPECT_EQ(v.at("IsCloud"), "False");
  EXPECT_TRUE(v.as_object().contains("CompanyName"));
  auto unknown = Send(origin_ + "/login/companyinfo/nobody", {});
  EXPECT_EQ(unknown.status, 200);
  EXPECT_EQ(unknown.body, "null");
  // The advertised codebase serves the API, and so does v4_6_release.
  EXPECT_EQ(Send(origin_ + "/v2025_1/apis/3.0/system/info", AuthHeaders()).status, 200);
  EXPECT_EQ(Send(origin_ + "/v4_6_release/apis/3.0/system/info", AuthHeaders()).status, 200);
  EXPECT_EQ(Send(origin_ + "/v2019_1/apis/3.0/system/info", AuthHeaders()).status, 404);
}

TEST_F(ConnectWiseSimTest, SystemInfo) {
  Start(Small());
  json::value v = GetJson("/system/info");
  EXPECT_EQ(v.at("version"), "v2025.1.105123");
  EXPECT_EQ(v.at("isCloud"), false);
  EXPECT_TRUE(v.at("licenseBits").is_array());
}

TEST_F(ConnectWiseSimTest, CompaniesListDetailAndCount) {
  Start(Small());
  json::value list = GetJson("/company/companies");
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.as_array().size(), 12u);
  const json::object& first = list.as_array()[0].as_object();
  EXPECT_EQ(first.at("id"), 250);
  EXPECT_EQ(first.at("status").at("name"), "Active");
  EXPECT_EQ(first.at("deletedFlag"), false);
  EXPECT_FALSE(first.at("identifier").as_string().empty());
  EXPECT_EQ(first.at("types").as_array()[0].at("name").as_string().empty(), false);
  EXPECT_EQ(first.at("site").at("name"), "Main Office");
  std::string updated(first.at("_info").at("lastUpdated").as_string());
  EXPECT_EQ(updated.size(), 20u);
  EXPECT_EQ(updated.back(), 'Z');
  EXPECT_LT(updated, "2024-01-01T00:00:00Z");
  EXPECT_EQ(list.as_array()[11].at("id"), 261);

  json::value detail = GetJson("/company/companies/253");
  EXPECT_EQ(detail.at("id"), 253);
  EXPECT_EQ(detail, list.as_array()[3]);
  EXPECT_EQ(Count("/company/companies/count"), 12);
  // Paths are case-insensitive.
  EXPECT_EQ(GetJson("/Company/Companies/253"), detail);
}

TEST_F(ConnectWiseSimTest, PagesWithNavigableLinkHeaders) {
  Start(Small());
  auto r = Get("/company/companies?pageSize=5");
  ASSERT_EQ(r.status, 200);
  std::string link(r.Header("Link").value_or(""));
  auto links = ParseLinks(link);
  EXPECT_EQ(links.count("prev"), 0u) << link;
  ASSERT_EQ(links.count("next"), 1u) << link;
  EXPECT_NE(links["next"].find("page=2"), std::string::npos);
  EXPECT_NE(links["last"].find("page=3"), std::string::npos);
  EXPECT_NE(links["first"].find("page=1"), std::string::npos);

  // Following rel="next" visits every company once, in id order.
  std::vector<int64_t> seen;
  std::string url = base_ + "/company/companies?pageSize=5";
  for (int pages = 0; pages < 10 && !url.empty(); ++pages) {
    auto page = Send(url, AuthHeaders());
    ASSERT_EQ(page.status, 200) << url;
    json::value body = ParseBody(page.body);
    for (const auto& c : body.as_array()) seen.push_back(c.at("id").as_int64());
    auto l = ParseLinks(std::string(page.Header("Link").value_or("")));
    EXPECT_EQ(l.count("last"), 1u);
    url = l.count("next") ? l["next"] : "";
    if (pages == 2) {
      EXPECT_EQ(l.count("prev"), 1u);
    }
  }
  std::vector<int64_t> want;
  for (int64_t i = 250; i < 262; ++i) want.push_back(i);
  EXPECT_EQ(seen, want);
  EXPECT_EQ(Ids("/company/companies?pageSize=5&page=3"), (std::vector<int64_t>{260, 261}));
  EXPECT_TRUE(Ids("/company/companies?pageSize=5&page=4").empty());
  // Other parameters survive in the links.
  auto filtered = Get("/company/companies?conditions=id%20%3E%20251&pageSize=4");
  auto fl = ParseLinks(std::string(filtered.Header("Link").value_or("")));
  EXPECT_NE(fl["next"].find("conditions=id%20%3E%20251"), std::string::npos) << fl["next"];
  EXPECT_NE(fl["last"].find("page=3"), std::string::npos);
}

TEST_F(ConnectWiseSimTest, PageSizeDefaultsTo25AndIsCappedAt1000) {
  ConnectWiseSimOptions o = Small();
  o.fleet.devices_per_company = 100;  // 1,200 configurations
  Start(o);
  EXPECT_EQ(GetJson("/company/configurations").as_array().size(), 25u);
  EXPECT_EQ(GetJson("/company/configurations?pageSize=5000").as_array().size(), 1000u);
  EXPECT_EQ(GetJson("/company/configurations?pageSize=5000&page=2").as_array().size(), 200u);
  o.reject_oversized_page = true;
  Start(o);
  EXPECT_EQ(GetJson("/company/configurations?pageSize=1001", 400).at("code"), "InvalidCondition");
  EXPECT_EQ(GetJson("/company/configurations?pageSize=1000").as_array().size(), 1000u);
}

TEST_F(ConnectWiseSimTest, ForwardOnlyPaging) {
  Start(Small());
  http::Headers fo = {{"pagination-type", "forward-only"}};
  std::vector<int64_t> seen;
  std::string url = base_ + "/company/configurations?pageSize=50";
  int pages = 0;
  while (!url.empty() && pages < 10) {
    http::Headers h = AuthHeaders();
    h.push_back(fo[0]);
    auto page = Send(url, h);
    ASSERT_EQ(page.status, 200) << page.body;
    ++pages;
    json::value body = ParseBody(page.body);
    for (const auto& c : body.as_array()) seen.push_back(c.at("id").as_int64());
    ASSERT_TRUE(page.Header("Link").has_value());
    auto l = ParseLinks(std::string(*page.Header("Link")));
    url = l.count("next") ? l["next"] : "";
    if (!url.empty()) {
      EXPECT_NE(url.find("pageId=" + std::to_string(seen.back())), std::string::npos) << url;
    }
  }
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), 120u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(seen.front(), 10000000);
  EXPECT_EQ(seen.back(), 120000009);
  // pageId acts as id > pageId; orderBy is refused.
  EXPECT_EQ(Ids("/company/configurations?pageSize=2&pageId=20000008", fo),
            (std::vector<int64_t>{20000009, 30000000}));
  EXPECT_EQ(GetJson("/company/configurations?orderBy=name%20asc", 400, fo).at("code"), "InvalidCondition");
  // With conditions too.
  EXPECT_EQ(Ids("/company/configurations?pageSize=3&conditions=company/id%3D251&pageId=20000005", fo),
            (std::vector<int64_t>{20000006, 20000007, 20000008}));
}

TEST_F(ConnectWiseSimTest, ConditionsComparisons) {
  Start(Small());
  EXPECT_EQ(Count("/company/companies/count?conditions=" + Enc("id != 250")), 11);
  EXPECT_EQ(Ids("/company/companies?conditions=" + Enc("id < 253")), (std::vector<int64_t>{250, 251, 252}));
  EXPECT_EQ(Count("/company/companies/count?conditions=" + Enc("id <= 253")), 4);
  EXPECT_EQ(Ids("/company/companies?conditions=" + Enc("id > 259")), (std::vector<int64_t>{260, 261}));
  EXPECT_EQ(Count("/company/companies/count?conditions=" + Enc("id >= 259")), 3);
  EXPECT_EQ(Ids("/company/companies?conditions=" + Enc("id in (250, 252, 299)")),
            (std::vector<int64_t>{250, 252}));
  EXPECT_EQ(Count("/company/companies/count?conditions=" + Enc("id not in (250, 252)")), 10);
  EXPECT_EQ(Ids("/company/companies?conditions=" + Enc("(id = 250 or id = 251) and not id = 251")),
            (std::vector<int64_t>{250}));
  EXPECT_EQ(Ids("/company/companies?conditions=" + Enc("id = 250 OR id = 261 AND id = 260")),
            (std::vector<int64_t>{250}));  // and binds tighter than or
  EXPECT_EQ(Count("/company/companies/count?conditions=" + Enc("deletedFlag = false")), 12);
  EXPECT_EQ(Count("/company/companies/count?conditions=" + Enc("deletedFlag = true")), 0);
  EXPECT_EQ(Count("/company/companies/count?conditions=" + Enc("lastUpdated < [2024-01-01T00:00:00Z]")), 12);
  EXPECT_EQ(Count("/company/companies/count?conditions=" + Enc("_info/lastUpdated > [2030-01-01T00:00:00Z]")),
            0);
  EXPECT_EQ(Count("/company/companies/count?conditions=" + Enc("status/name = \"active\"")),
            12);  // case-insensitive
}

TEST_F(ConnectWiseSimTest, ConditionsOnStringsAndNestedFields) {
  Start(Small());
  json::array all = GetJson("/company/companies").as_array();
  std::string name(all[3].at("name").as_string());
  size_t same = 0;
  for (const auto& c : all) same += Lower(std::string(c.at("name").as_string())) == Lower(name);
  EXPECT_EQ(Ids("/company/companies?conditions=" + Enc("name = \"" + name + "\"")).size(), same);
  EXPECT_GE(same, 1u);
  EXPECT_EQ(Ids("/company/companies?conditions=" + Enc("name = '" + name + "'")),
            Ids("/company/companies?conditions=" + Enc("name = \"" + name + "\"")));
  std::string prefix = Lower(name.substr(0, 2));
  size_t want_prefix = 0, want_contains = 0;
  std::string mid = Lower(name.substr(1, 3));
  for (const auto& c : all) {
    std::string n = Lower(std::string(c.at("name").as_string()));
    want_prefix += n.rfind(prefix, 0) == 0;
    want_contains += n.find(mid) != std::string::npos;
  }
  EXPECT_EQ(Ids("/company/companies?conditions=" + Enc("name like \"" + prefix + "%\"")).size(), want_prefix);
  EXPECT_EQ(Ids("/company/companies?conditions=" + Enc("name like \"" + prefix + "*\"")).size(), want_prefix);
  EXPECT_EQ(Ids("/company/companies?conditions=" + Enc("name contains \"" + mid + "\"")).size(),
            want_contains);
  EXPECT_EQ(Ids("/company/companies?conditions=" + Enc("name not contains \"" + mid + "\"")).size(),
            12 - want_contains);

  // Nested fields, null and configuration types.
  std::vector<int64_t> of_252 = Ids("/company/configurations?conditions=" + Enc("company/id = 252"));
  ASSERT_EQ(of_252.size(), 10u);
  EXPECT_EQ(of_252.front(), 30000000);
  json::array configs = GetJson("/company/configurations?pageSize=1000").as_array();
  ASSERT_EQ(configs.size(), 120u);
  size_t servers = 0, no_serial = 0;
  for (const auto& c : configs) {
    servers += c.at("type").at("name") == "Managed Server";
    no_serial += !c.as_object().contains("serialNumber");
  }
  EXPECT_EQ(Count("/company/configurations/count?conditions=" + Enc("type/name = \"Managed Server\"")),
            static_cast<int64_t>(servers));
  EXPECT_EQ(Count("/company/configurations/count?conditions=" + Enc("serialNumber = null")),
            static_cast<int64_t>(no_serial));
  EXPECT_EQ(Count("/company/configurations/count?conditions=" + Enc("serialNumber != null")),
            static_cast<int64_t>(120 - no_serial));
}

TEST_F(ConnectWiseSimTest, ConditionErrorsAreTheServers400) {
  Start(Small());
  json::value e = GetJson("/company/companies?conditions=" + Enc("deletedFlag = 1"), 400);
  EXPECT_EQ(e.at("code"), "InvalidCondition");
  std::string m(e.at("message").as_string());
  EXPECT_EQ(
      m.rfind(
          "Expected a boolean value, not a numeric. String values should be enclosed with double or single "
          "quotes; DateTime values should be enclosed in square brackets;",
          0),
      0u)
      << m;
  EXPECT_TRUE(e.at("errors").is_null());
  EXPECT_EQ(GetJson("/company/companies?conditions=" + Enc("name = Acme"), 400).at("code"),
            "InvalidCondition");
  EXPECT_EQ(GetJson("/company/companies?conditions=" + Enc("lastUpdated > 2024-01-01"), 400).at("code"),
            "InvalidCondition");
  EXPECT_EQ(GetJson("/company/companies?conditions=" + Enc("(id = 250"), 400).at("code"), "InvalidCondition");
  EXPECT_EQ(GetJson("/company/companies?conditions=" + Enc("id = 250 and"), 400).at("code"),
            "InvalidCondition");
  json::value unknown = GetJson("/company/companies?conditions=" + Enc("bogus = 1"), 400);
  EXPECT_NE(std::string(unknown.at("message").as_string()).find("bogus"), std::string::npos);
  EXPECT_EQ(GetJson("/company/companies/count?conditions=" + Enc("id = \"x"), 400).at("code"),
            "InvalidCondition");
}

TEST_F(ConnectWiseSimTest, ChildAndCustomFieldConditions) {
  Start(Small());
  json::array contacts = GetJson("/company/contacts?pageSize=100").as_array();
  ASSERT_EQ(contacts.size(), 36u);
  const json::object& c = contacts[7].as_object();
  std::string email;
  for (const auto& item : c.at("communicationItems").as_array())
    if (item.at("communicationType") == "Email") email = std::string(item.at("value").as_string());
  ASSERT_FALSE(email.empty());
  EXPECT_EQ(Ids("/company/contacts?childConditions=" +
                Enc("communicationItems/value like \"" + email +
                    "\" and communicationItems/communicationType=\"Email\"")),
            (std::vector<int64_t>{c.at("id").as_int64()}));
  // Both terms must hold for the same member: the phone item does not have the email.
  EXPECT_TRUE(
      Ids("/company/contacts?childConditions=" + Enc("communicationItems/value = \"" + email +
                                                     "\" and communicationItems/communicationType=\"Phone\""))
          .empty());
  json::value company = GetJson("/company/companies/255");
  std::string code(company.at("identifier").as_string());
  EXPECT_EQ(Ids("/company/companies?customFieldConditions=" +
                Enc("caption=\"Customer Code\" and value = \"" + code + "\"")),
            (std::vector<int64_t>{255}));
}

TEST_F(ConnectWiseSimTest, FieldsAndOrderBy) {
  Start(Small());
  json::value one = GetJson("/company/configurations/20000003?fields=" + Enc("id,name,company/id"));
  ASSERT_TRUE(one.is_object());
  EXPECT_EQ(one.as_object().size(), 3u);
  EXPECT_EQ(one.at("id"), 20000003);
  EXPECT_EQ(one.at("company").as_object().size(), 1u);
  EXPECT_EQ(one.at("company").at("id"), 251);
  json::array list = GetJson("/company/companies?fields=id,status/name&pageSize=3").as_array();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(json::serialize(list[0]), R"({"id":250,"status":{"name":"Active"}})");

  json::array all = GetJson("/company/companies").as_array();
  std::vector<std::string> names;
  for (const auto& c : all) names.push_back(Lower(std::string(c.at("name").as_string())));
  std::sort(names.rbegin(), names.rend());
  std::vector<std::string> got;
  for (int page = 1; page <= 3; ++page) {
    json::value v = GetJson("/company/companies?orderBy=" + Enc("name desc") +
                            "&pageSize=5&page=" + std::to_string(page));
    for (const auto& c : v.as_array()) got.push_back(Lower(std::string(c.at("name").as_string())));
  }
  EXPECT_EQ(got, names);
  EXPECT_EQ(Ids("/company/companies?orderBy=" + Enc("id desc") + "&pageSize=2"),
            (std::vector<int64_t>{261, 260}));
  EXPECT_EQ(Ids("/company/companies?orderBy=id&pageSize=2"), (std::vector<int64_t>{250, 251}));
  EXPECT_EQ(GetJson("/company/companies?orderBy=" + Enc("bogus asc"), 400).at("code"), "InvalidCondition");
  EXPECT_EQ(GetJson("/company/companies?orderBy=" + Enc("name sideways"), 400).at("code"),
            "InvalidCondition");
}

TEST_F(ConnectWiseSimTest, SitesContactsAgreementsAndTypes) {
  Start(Small());
  json::array sites = GetJson("/company/companies/251/sites").as_array();
  ASSERT_EQ(sites.size(), 2u);
  EXPECT_EQ(sites[0].at("id"), 20000000);
  EXPECT_EQ(sites[0].at("primaryAddressFlag"), true);
  EXPECT_EQ(sites[0].at("company").at("id"), 251);
  EXPECT_EQ(Count("/company/companies/251/sites/count"), 2);
  EXPECT_EQ(GetJson("/company/companies/251/sites/20000001").at("id"), 20000001);
  EXPECT_EQ(GetJson("/company/companies/252/sites/20000001", 404).at("code"), "NotFound");
  EXPECT_EQ(GetJson("/company/companies/999/sites", 404).at("code"), "NotFound");

  json::array contacts = GetJson("/company/contacts?conditions=" + Enc("company/id = 253")).as_array();
  ASSERT_EQ(contacts.size(), 3u);
  EXPECT_EQ(contacts[0].at("id"), 40000000);
  EXPECT_EQ(contacts[0].at("company").at("id"), 253);
  EXPECT_EQ(Count("/company/contacts/count"), 36);

  json::array agreements = GetJson("/finance/agreements").as_array();
  ASSERT_EQ(agreements.size(), 12u);
  EXPECT_EQ(agreements[0].at("agreementStatus"), "Active");
  EXPECT_EQ(agreements[0].at("company").at("id"), 250);
  EXPECT_EQ(Count("/finance/agreements/count"), 12);
  EXPECT_EQ(GetJson("/finance/agreements/10000000").at("id"), 10000000);

  json::array types = GetJson("/company/configurations/types").as_array();
  std::vector<std::string> names;
  for (const auto& t : types) names.push_back(std::string(t.at("name").as_string()));
  EXPECT_EQ(names, (std::vector<std::string>{"Managed Workstation", "Laptop", "Managed Server", "Firewall",
                                             "Network Switch", "Printer", "VoIP Phone"}));
  EXPECT_EQ(GetJson("/company/configurations/types/3").at("name"), "Managed Server");
  EXPECT_EQ(Ids("/company/configurations/types?conditions=" + Enc("name like \"Managed%\"")),
            (std::vector<int64_t>{1, 3}));
}

TEST_F(ConnectWiseSimTest, NotFoundAndMethodShapes) {
  Start(Small());
  auto missing = Get("/company/companies/999");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, R"({"code":"NotFound","message":"Company with id 999 not found","errors":null})");
  EXPECT_EQ(GetJson("/company/configurations/5", 404).at("code"), "NotFound");
  EXPECT_EQ(GetJson("/company/nothing", 404).at("code"), "NotFound");
  EXPECT_EQ(Send(origin_ + "/elsewhere", AuthHeaders()).status, 404);
  auto post = Send(base_ + "/company/companies", AuthHeaders(), "POST", "{}");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(ParseBody(post.body).at("code"), "MethodNotAllowed");
}

TEST_F(ConnectWiseSimTest, InactiveCompaniesStayListedAsInactive) {
  ConnectWiseSimOptions o = Small();
  o.fleet.inactive_share = 1;
  Start(o);
  json::array all = GetJson("/company/companies").as_array();
  ASSERT_EQ(all.size(), 12u);
  for (const auto& c : all) {
    EXPECT_EQ(c.at("status").at("name"), "Inactive");
    EXPECT_EQ(c.at("deletedFlag"), false);
  }
  EXPECT_EQ(GetJson("/company/configurations/10000000").at("activeFlag"), false);
  EXPECT_EQ(GetJson("/finance/agreements/10000000").at("agreementStatus"), "Cancelled");
}

TEST_F(ConnectWiseSimTest, ControlRenameMovesLastUpdated) {
  Start(Small());
  now_ms_ = kClockStart + 5500;  // 2026-01-01T00:00:05.500Z
  json::value m =
      Control("POST", "/_sim/mutate", R"({"kind": "companies", "action": "rename", "ids": [253]})");
  EXPECT_EQ(m.at("ids"), json::array{253});
  json::array changed =
      GetJson("/company/companies?conditions=" + Enc("lastUpdated > [2026-01-01T00:00:00Z]")).as_array();
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].at("id"), 253);
  EXPECT_EQ(changed[0].at("_info").at("lastUpdated"), "2026-01-01T00:00:05Z");
  EXPECT_EQ(changed[0].at("_info").at("updatedBy"), "CairnSimApi");
  EXPECT_NE(changed[0].at("name"), GetJson("/company/companies/254").at("name"));
  EXPECT_EQ(
      Count("/company/companies/count?conditions=" + Enc("_info/lastUpdated >= [2026-01-01T00:00:05Z]")), 1);
  EXPECT_EQ(Count("/company/companies/count?conditions=" + Enc("lastUpdated > [2026-01-01T00:00:05Z]")), 0);
  EXPECT_EQ(Count("/company/companies/count?conditions=" +
                  Enc("lastUpdated > [2026-01-01T00:00:00Z] and id = 252")),
            0);
}

TEST_F(ConnectWiseSimTest, ControlAddDeleteAndReset) {
  Start(Small());
  json::value added =
      Control("POST", "/_sim/mutate",
              R"({"kind": "configurations", "action": "add", "count": 1, "company_id": 250})");
  ASSERT_EQ(added.at("ids").as_array().size(), 1u);
  EXPECT_EQ(added.at("ids").as_array()[0], 10000010);
  EXPECT_EQ(Count("/company/configurations/count"), 121);
  EXPECT_EQ(Ids("/company/configurations?conditions=" + Enc("company/id = 250")).back(), 10000010);
  EXPECT_EQ(GetJson("/company/configurations/10000010").at("company").at("id"), 250);

  json::value company =
      Control("POST", "/_sim/mutate", R"({"kind": "companies", "action": "add", "count": 1})");
  EXPECT_EQ(company.at("ids"), json::array{262});
  EXPECT_EQ(GetJson("/company/companies/262").at("id"), 262);

  Control("POST", "/_sim/mutate", R"({"kind": "companies", "action": "delete", "ids": [254]})");
  EXPECT_EQ(GetJson("/company/companies/254", 404).at("code"), "NotFound");
  EXPECT_EQ(GetJson("/company/configurations/50000000", 404).at("code"), "NotFound");
  EXPECT_EQ(Count("/company/companies/count"), 12);
  EXPECT_EQ(Count("/company/configurations/count"), 111);

  Control("POST", "/_sim/mutate", R"({"kind": "configurations", "action": "delete", "ids": [20000004]})");
  EXPECT_EQ(GetJson("/company/configurations/20000004", 404).at("code"), "NotFound");

  Control("POST", "/_sim/reset");
  EXPECT_EQ(Count("/company/companies/count"), 12);
  EXPECT_EQ(Count("/company/configurations/count"), 120);
  EXPECT_EQ(GetJson("/company/companies/254").at("id"), 254);
  EXPECT_EQ(GetJson("/company/companies/262", 404).at("code"), "NotFound");

  json::value stats = Control("GET", "/_sim/stats");
  EXPECT_GE(stats.at("requests").as_int64(), 1);
}

TEST_F(ConnectWiseSimTest, Injected429IsTheVendors) {
  Start(Small());
  Control("POST", "/_sim/faults", R"({"p429": 1, "retry_after_s": 7})");
  auto r = Get("/company/companies");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Header("Retry-After").value_or(""), "7");
  EXPECT_EQ(r.body,
            R"({"error":"ConnectWiseAPI","message":"Too many requests. Please try again in 7 seconds."})");
  Control("POST", "/_sim/faults", "{}");
  EXPECT_EQ(Get("/company/companies").status, 200);
}

TEST_F(ConnectWiseSimTest, AMillionConfigurationsPageAndFilterQuickly) {
  ConnectWiseSimOptions o = Small();
  o.fleet.companies = 100;
  o.fleet.devices_per_company = 10000;
  Start(o);
  EXPECT_EQ(Count("/company/configurations/count"), 1000000);
  auto last = GetJson("/company/configurations?pageSize=1000&page=1000").as_array();
  ASSERT_EQ(last.size(), 1000u);
  EXPECT_EQ(last.back().at("id"), 100 * 10000000LL + 9999);
  now_ms_ = kClockStart + 60000;
  Control("POST", "/_sim/mutate",
          R"({"kind": "configurations", "action": "update", "ids": [30000017, 990000001]})");
  EXPECT_EQ(Ids("/company/configurations?conditions=" + Enc("lastUpdated > [2026-01-01T00:00:30Z]")),
            (std::vector<int64_t>{30000017, 990000001}));
  EXPECT_EQ(
      Ids("/company/configurations?pageSize=3&conditions=" + Enc("company/id = 349 and id > 1000009996")),
      (std::vector<int64_t>{1000009997, 1000009998, 1000009999}));
  // A condition with no fast path scans all million, one record at a time.
  EXPECT_EQ(Count("/company/configurations/count?conditions=" + Enc("name like \"%-0042\"")), 100);
  http::Headers fo = {{"pagination-type", "forward-only"}};
  EXPECT_EQ(Ids("/company/configurations?pageSize=2&pageId=500009999", fo),
            (std::vector<int64_t>{510000000, 510000001}));
}

}  // namespace
}  // namespace cairn::sims::connectwise
