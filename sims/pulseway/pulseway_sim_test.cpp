#include "sims/pulseway/pulseway_sim.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cctype>
#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "http/client.h"
#include "http/server.h"
#include "sims/common/fleet.h"
#include "sims/common/https_sim_test.h"
#include "sims/common/tls_files.h"

namespace cairn::sims::pulseway {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr char kId[] = "test-token-id";
constexpr char kSecret[] = "test-token-secret";

std::string Base64(std::string_view in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s : {18, 12, 6, 0}) out.push_back(kAlphabet[(n >> s) & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

// Percent-encodes a query value (RFC 3986 unreserved characters stay as they are).
std::string Encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string Basic(const std::string& id, const std::string& secret) { return "Basic " + Base64(id + ":" + secret); }

class PulsewaySimTest : public HttpsSimTest {
 protected:

  // Starts a simulator over HTTPS on a free port; stopped by TearDown.
  void Start(PulsewaySimOptions o) {
    StopServer();
    o.token_id = kId;
    o.token_secret = kSecret;
    sim_ = std::make_unique<PulsewaySim>(o);
    Serve([this](http::Request& r) { return sim_->Handle(r); });
    base_ = origin_ + "/api/v3";
  }

  http::ClientResponse Get(const std::string& path_and_query,
                           http::Headers headers = {{"Authorization", Basic(kId, kSecret)}}) {
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
    if (ec || !v.is_object()) return json::object{{"Data", nullptr}, {"Meta", json::object{}}};
    return v;
  }

  static PulsewaySimOptions Small() {
    PulsewaySimOptions o;
    o.fleet.seed = 7;
    o.fleet.companies = 12;
    o.fleet.sites_per_company = 2;
    o.fleet.devices_per_company = 10;
    o.fleet.inactive_share = 0;
    return o;
  }

  std::unique_ptr<PulsewaySim> sim_;
  std::string base_;
};


const json::array& Data(const json::value& v) { return v.at("Data").as_array(); }
const json::object& Meta(const json::value& v) { return v.at("Meta").as_object(); }
int64_t Total(const json::value& v) { return Meta(v).at("TotalCount").as_int64(); }

const json::value& Category(const json::object& asset, const char* name) {
  for (const auto& c : asset.at("AssetInfo").as_array())
    if (c.at("CategoryName").as_string() == name) return c.at("CategoryData");
  static const json::value none;
  ADD_FAILURE() << "no AssetInfo category " << name;
  return none;
}

TEST_F(PulsewaySimTest, AcceptsBasicTokenIdAndSecret) {
  Start(Small());
  auto env = GetJson("/environment");
  EXPECT_EQ(env.at("Data").at("CustomerName").as_string(), "Cairn Sim MSP");
  EXPECT_EQ(env.at("Data").at("ServerType").as_string(), "SaaS");
  EXPECT_EQ(Meta(env).at("ResponseCode").as_int64(), 200);
  // The scheme name is case-insensitive.
  EXPECT_EQ(Get("/organizations", {{"Authorization", "basic " + Base64(std::string(kId) + ":" + kSecret)}}).status,
            200);
}

TEST_F(PulsewaySimTest, RefusesWrongOrMissingToken) {
  Start(Small());
  const std::string body =
      R"({"Data":null,"Meta":{"ResponseCode":401,"ErrorMessage":"Authorization has been denied for this request."}})";
  for (const http::Headers& h : {http::Headers{{"Authorization", Basic(kId, "wrong")}},
                                 http::Headers{{"Authorization", Basic("wrong", kSecret)}},
                                 http::Headers{{"Authorization", Basic(kSecret, kId)}},
                                 http::Headers{{"Authorization", "Basic !!not-base64!!"}},
                                 http::Headers{{"Authorization", std::string("Bearer ") + kSecret}},
                                 http::Headers{}}) {
    auto r = Get("/devices", h);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, body);
  }
}

TEST_F(PulsewaySimTest, PagingWalksEveryDeviceOnceWithTotalCount) {
  Start(Small());
  std::set<std::string> ids;
  for (int skip = 0; skip < 120; skip += 50) {
    auto v = GetJson("/devices?$top=50&$skip=" + std::to_string(skip));
    EXPECT_EQ(Total(v), 120);
    EXPECT_EQ(Meta(v).at("ResponseCode").as_int64(), 200);
    EXPECT_EQ(Data(v).size(), skip < 100 ? 50u : 20u);  // 120 = 50 + 50 + 20
    for (const auto& d : Data(v)) EXPECT_TRUE(ids.insert(std::string(d.at("Identifier").as_string())).second);
  }
  EXPECT_EQ(ids.size(), 120u);
  for (const auto& id : ids) EXPECT_EQ(id.size(), 36u);
  auto past = GetJson("/devices?$skip=120");
  EXPECT_TRUE(Data(past).empty());
  EXPECT_EQ(Total(past), 120);
  // No $top is the maximum, 100.
  EXPECT_EQ(Data(GetJson("/devices")).size(), 100u);
  // Other lists page the same way: 12 organizations, 24 sites, 24 groups, 120 assets.
  EXPECT_EQ(Total(GetJson("/organizations?$top=5")), 12);
  EXPECT_EQ(Data(GetJson("/organizations?$top=5&$skip=10")).size(), 2u);
  EXPECT_EQ(Total(GetJson("/sites")), 24);
  EXPECT_EQ(Total(GetJson("/groups")), 24);
  EXPECT_EQ(Total(GetJson("/assets?$top=1")), 120);
}

TEST_F(PulsewaySimTest, TopAboveMaxIsCappedOrRefused) {
  auto o = Small();
  o.fleet.devices_per_company = 20;  // 240 devices
  Start(o);
  auto v = GetJson("/devices?$top=500");
  EXPECT_EQ(Data(v).size(), 100u);
  EXPECT_EQ(Total(v), 240);
  auto bad = GetJson("/devices?$top=abc", 400);
  EXPECT_EQ(Meta(bad).at("ResponseCode").as_int64(), 400);
  EXPECT_TRUE(bad.at("Data").is_null());
  GetJson("/devices?$skip=-1", 400);
  o.refuse_top_above_max = true;
  Start(o);
  auto refused = GetJson("/devices?$top=101", 400);
  EXPECT_EQ(Meta(refused).at("ErrorMessage").as_string(), "The value of $top cannot exceed 100.");
  EXPECT_EQ(Data(GetJson("/devices?$top=100")).size(), 100u);
}

TEST_F(PulsewaySimTest, FilterSubsetSelectsAndPages) {
  auto o = Small();
  Start(o);
  Fleet fleet(o.fleet);
  // By organization: 10 devices, paged inside the filtered set.
  auto byorg = GetJson("/devices?$filter=" + Encode("OrganizationId eq 103"));
  EXPECT_EQ(Total(byorg), 10);
  for (const auto& d : Data(byorg)) {
    EXPECT_EQ(d.at("OrganizationId").as_int64(), 103);
    EXPECT_EQ(d.at("OrganizationName").as_string(), fleet.Company(3).name);
  }
  auto paged = GetJson("/devices?$top=4&$skip=8&$filter=" + Encode("OrganizationId eq 103"));
  EXPECT_EQ(Total(paged), 10);
  ASSERT_EQ(Data(paged).size(), 2u);
  EXPECT_EQ(Data(paged)[1].at("Name").as_string(), fleet.Device(3, 9).name);
  // and / or / ne / parentheses / booleans.
  auto mixed = GetJson("/devices?$filter=" +
                       Encode("(OrganizationId eq 100 or OrganizationId eq 101) and SiteId ne 20000000"));
  EXPECT_EQ(Total(mixed), 15);  // org 100 has 5 devices in its site 20000001; org 101 all 10
  int64_t agents = 0;
  for (int64_t i = 0; i < 10; ++i) {
    DeviceType t = fleet.Device(0, i).type;
    agents += t == DeviceType::kWorkstation || t == DeviceType::kLaptop || t == DeviceType::kServer;
  }
  EXPECT_EQ(Total(GetJson("/devices?$filter=" + Encode("OrganizationId eq 100 and IsAgentInstalled eq true"))),
            agents);
  // contains and tolower, with a quote escaped by doubling; on organizations.
  std::string name = fleet.Company(5).name;
  auto exact = GetJson("/organizations?$filter=" + Encode("Name eq 'x''y' or Id eq 105"));
  ASSERT_EQ(Data(exact).size(), 1u);
  EXPECT_EQ(Data(exact)[0].at("Name").as_string(), name);
  std::string lower;
  for (char c : name.substr(0, 3)) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  std::string escaped;
  for (char c : lower) escaped += c == '\'' ? std::string("''") : std::string(1, c);
  auto partial = GetJson("/organizations?$filter=" + Encode("contains(tolower(Name), '" + escaped + "')"));
  EXPECT_GE(Total(partial), 1);
  bool found = false;
  for (const auto& org : Data(partial)) found |= org.at("Id").as_int64() == 105;
  EXPECT_TRUE(found);
  EXPECT_EQ(Total(GetJson("/organizations?$filter=" + Encode("PsaMappingType eq 'ConnectWise'"))), 4);
  EXPECT_EQ(Total(GetJson("/organizations?$filter=" + Encode("PsaMappingType eq null"))), 8);
}

TEST_F(PulsewaySimTest, UnsupportedFilterIsABadRequest) {
  Start(Small());
  for (const char* f : {"Name gt 'a'", "startswith(Name, 'A')", "SerialNumber eq 'x'", "Name eq",
                        "Name eq 'unterminated", "(OrganizationId eq 100", "Name"}) {
    auto r = Get("/devices?$filter=" + Encode(f));
    EXPECT_EQ(r.status, 400) << f;
    auto v = json::parse(r.body);
    EXPECT_TRUE(v.at("Data").is_null()) << f;
    EXPECT_EQ(v.at("Meta").at("ResponseCode").as_int64(), 400) << f;
    EXPECT_EQ(std::string(v.at("Meta").at("ErrorMessage").as_string()).rfind("Invalid $filter: ", 0), 0u) << f;
  }
  // Properties are filterable per endpoint: OrganizationId is not an organization property.
  EXPECT_EQ(Get("/organizations?$filter=" + Encode("OrganizationId eq 100")).status, 400);
}

TEST_F(PulsewaySimTest, DeviceListIsThinAndDetailIsRich) {
  auto o = Small();
  Start(o);
  Fleet fleet(o.fleet);
  auto list = GetJson("/devices?$top=3");
  const auto& thin = Data(list)[1].as_object();
  std::set<std::string> keys;
  for (const auto& kv : thin) keys.insert(std::string(kv.key()));
  EXPECT_EQ(keys, (std::set<std::string>{"Identifier", "Name", "GroupId", "GroupName", "IsAgentInstalled",
                                         "IsMdmEnrolled", "SiteId", "SiteName", "OrganizationId",
                                         "OrganizationName", "HasCustomFields"}));
  FakeDevice d = fleet.Device(0, 1);
  EXPECT_EQ(thin.at("Name").as_string(), d.name);
  EXPECT_EQ(thin.at("OrganizationId").as_int64(), 100);
  EXPECT_EQ(thin.at("SiteId").as_int64(), 20000001);
  EXPECT_EQ(thin.at("GroupId").as_int64(), 30000001);
  EXPECT_EQ(thin.at("SiteName").as_string(), fleet.Site(0, 1).name);
  std::string id(thin.at("Identifier").as_string());
  auto detail = GetJson("/devices/" + id);
  const auto& rich = detail.at("Data").as_object();
  EXPECT_EQ(Meta(detail).at("ResponseCode").as_int64(), 200);
  EXPECT_FALSE(Meta(detail).contains("TotalCount"));
  for (const auto& kv : thin) EXPECT_EQ(rich.at(kv.key()), kv.value()) << kv.key();
  EXPECT_EQ(rich.at("Description").as_string(), d.os);
  EXPECT_TRUE(rich.at("IsOnline").is_bool());
  EXPECT_FALSE(rich.at("Uptime").as_string().empty());
  EXPECT_EQ(rich.at("LocalIpAddresses").at(0).at("IpV4").as_string(), d.ip);
  EXPECT_EQ(rich.at("LocalIpAddresses").at(0).at("PhysicalAddress").as_string(), d.mac);
  EXPECT_FALSE(rich.contains("SerialNumber"));
  // Upper-case GUIDs name the same device.
  std::string upper = id;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(GetJson("/devices/" + upper).at("Data"), detail.at("Data"));
  // The hierarchy holds together: the device's site and group exist and point upwards.
  auto site = GetJson("/sites/20000001").at("Data");
  EXPECT_EQ(site.at("ParentId").as_int64(), 100);
  EXPECT_EQ(site.at("ParentName").as_string(), fleet.Company(0).name);
  EXPECT_EQ(site.at("ContactInformation").at("City").as_string(), fleet.Site(0, 1).city);
  auto group = GetJson("/groups/30000001").at("Data");
  EXPECT_EQ(group.at("ParentSiteId").as_int64(), 20000001);
  EXPECT_EQ(group.at("ParentOrganizationId").as_int64(), 100);
  EXPECT_TRUE(group.at("Packages").as_array().empty());
  EXPECT_EQ(GetJson("/organizations/100").at("Data").at("Name").as_string(), fleet.Company(0).name);
  auto cf = GetJson("/devices/" + id + "/customfields");
  EXPECT_TRUE(Data(cf).empty());
}

TEST_F(PulsewaySimTest, AssetsCarrySerials) {
  auto o = Small();
  Start(o);
  Fleet fleet(o.fleet);
  auto list = GetJson("/assets?$top=100");
  ASSERT_EQ(Data(list).size(), 100u);
  auto devices = GetJson("/devices?$top=100");
  int placeholders = 0;
  for (size_t i = 0; i < 100; ++i) {
    const auto& a = Data(list)[i].as_object();
    FakeDevice d = fleet.Device(static_cast<int64_t>(i / 10), static_cast<int64_t>(i % 10));
    EXPECT_EQ(a.at("Identifier"), Data(devices)[i].at("Identifier"));
    EXPECT_EQ(a.at("Name").as_string(), d.name);
    EXPECT_EQ(Category(a, "BIOS").at("Serial Number").as_string(), d.serial);
    EXPECT_EQ(Category(a, "System").at("Manufacturer").as_string(), d.manufacturer);
    EXPECT_EQ(Category(a, "System").at("Model").as_string(), d.model);
    EXPECT_NE(Category(a, "Operating System").at("Serial Number"), Category(a, "BIOS").at("Serial Number"));
    EXPECT_EQ(a.at("LastSeenOnline").as_string().size(), 20u);  // 2024-05-06T07:08:09Z
    EXPECT_FALSE(a.contains("OrganizationId"));
    placeholders += IsPlaceholderSerial(d.serial) || d.serial.empty();
  }
  EXPECT_GT(placeholders, 0);
  std::string id(Data(list)[7].at("Identifier").as_string());
  auto one = GetJson("/assets/" + id);
  EXPECT_EQ(one.at("Data"), Data(list)[7]);
  auto byname = GetJson("/assets?$filter=" + Encode("Name eq '" + fleet.Device(2, 3).name + "'"));
  ASSERT_EQ(Total(byname), 1);
  EXPECT_EQ(Category(Data(byname)[0].as_object(), "BIOS").at("Serial Number").as_string(), fleet.Device(2, 3).serial);
}

TEST_F(PulsewaySimTest, UnknownIdsAndPathsAre404) {
  Start(Small());
  const std::string body = R"({"Data":null,"Meta":{"ResponseCode":404,"ErrorMessage":"Entity is not found."}})";
  std::string real(Data(GetJson("/devices?$top=1"))[0].at("Identifier").as_string());
  std::string forged = real;
  forged[0] = forged[0] == '0' ? '1' : '0';  // right (company, index) digits, wrong hash
  for (const std::string& p :
       {std::string("/devices/00000000-0000-4000-0000-000000000000"), "/devices/" + forged, std::string("/devices/42"),
        std::string("/assets/nope"), std::string("/organizations/112"), std::string("/organizations/99"),
        std::string("/sites/20000002"), std::string("/sites/30000000"), std::string("/groups/20000000"),
        std::string("/groups/abc"), std::string("/tickets"), std::string("/devices/" + real + "/nothing")}) {
    auto r = Get(p);
    EXPECT_EQ(r.status, 404) << p;
    EXPECT_EQ(r.body, body) << p;
  }
  EXPECT_EQ(Get("/organizations/111").status, 200);
  EXPECT_EQ(Get("/groups/30000000").status, 200);
}

TEST_F(PulsewaySimTest, DeterministicFromSeedWithStableIds) {
  auto o = Small();
  Start(o);
  std::string devices = Get("/devices?$top=100").body;
  std::string assets = Get("/assets?$top=30&$skip=40").body;
  std::string orgs = Get("/organizations").body;
  Start(o);
  EXPECT_EQ(Get("/devices?$top=100").body, devices);
  EXPECT_EQ(Get("/assets?$top=30&$skip=40").body, assets);
  EXPECT_EQ(Get("/organizations").body, orgs);
  o.fleet.seed = 8;
  Start(o);
  auto other = json::parse(Get("/devices?$top=100").body);
  auto first = json::parse(devices);
  // Ids depend on (company, index) only; names follow the seed.
  EXPECT_EQ(Data(other)[0].at("Identifier"), Data(first)[0].at("Identifier"));
  EXPECT_EQ(Data(other)[0].at("OrganizationId"), Data(first)[0].at("OrganizationId"));
  EXPECT_NE(Get("/organizations").body, orgs);
}


// ---- The control API -----------------------------------------------------------------------

class PulsewayControlTest : public PulsewaySimTest {
 protected:
  http::ClientResponse Control(const std::string& method, const std::string& path, const std::string& body = "",
                               const std::string& token = "sim-control-token") {
    http::ClientRequest req;
    req.method = method;
    req.url = origin_ + path;
    req.headers = {{"X-Sim-Token", token}, {"Content-Type", "application/json"}};
    req.body = body;
    auto r = client_->Send(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : http::ClientResponse{};
  }
  json::value Mutate(const std::string& body) {
    auto r = Control("POST", "/_sim/mutate", body);
    EXPECT_EQ(r.status, 200) << body << ": " << r.body;
    return r.status == 200 ? json::parse(r.body) : json::value(json::object{{"ids", json::array{}}});
  }
};

TEST_F(PulsewayControlTest, MutationsShowUpAsPulsewayWouldShowThem) {
  Start(Small());
  EXPECT_EQ(Control("POST", "/_sim/mutate", R"({"kind":"organizations","action":"rename","count":1})", "wrong").status,
            401);
  EXPECT_EQ(Control("POST", "/_sim/mutate", R"({"kind":"customers","action":"rename","count":1})").status, 400);

  // Rename an organization: its devices carry the new name too.
  auto before = GetJson("/organizations/103").at("Data");
  auto renamed = Mutate(R"({"kind":"organizations","action":"rename","ids":[103]})");
  EXPECT_EQ(renamed.at("ids"), (json::array{103}));
  auto after = GetJson("/organizations/103").at("Data");
  EXPECT_NE(after.at("Name"), before.at("Name"));
  EXPECT_EQ(Data(GetJson("/devices?$filter=" + Encode("OrganizationId eq 103")))[0].at("OrganizationName"),
            after.at("Name"));

  // Add a device to organization 104: listed, filterable, counted, with a working GUID.
  auto added = Mutate(R"({"kind":"devices","action":"add","count":1,"company_id":104})");
  std::string guid(added.at("ids").at(0).as_string());
  EXPECT_EQ(guid.size(), 36u);
  auto byorg = GetJson("/devices?$filter=" + Encode("OrganizationId eq 104"));
  EXPECT_EQ(Total(byorg), 11);
  EXPECT_EQ(Data(byorg).back().at("Identifier").as_string(), guid);
  EXPECT_EQ(Total(GetJson("/devices?$top=1")), 121);
  EXPECT_EQ(Total(GetJson("/assets?$top=1")), 121);
  auto detail = GetJson("/devices/" + guid).at("Data");
  EXPECT_EQ(detail.at("OrganizationId").as_int64(), 104);
  auto asset = GetJson("/assets/" + guid).at("Data");
  // A mutated device was just seen and updated (the tenant's clock, now).
  EXPECT_GT(std::string(asset.at("LastSeenOnline").as_string()), "2025-01-01T00:00:00Z");
  EXPECT_EQ(asset.at("LastUpdated"), asset.at("LastSeenOnline"));

  // Update a seeded device: its asset stamps move.
  std::string seeded(Data(GetJson("/assets?$top=1&$skip=5"))[0].at("Identifier").as_string());
  auto old_asset = GetJson("/assets/" + seeded).at("Data");
  EXPECT_LT(std::string(old_asset.at("LastSeenOnline").as_string()), "2025-01-01T00:00:00Z");
  Mutate("{\"kind\":\"assets\",\"action\":\"update\",\"ids\":[\"" + seeded + "\"]}");
  EXPECT_GT(std::string(GetJson("/assets/" + seeded).at("Data").at("LastSeenOnline").as_string()),
            "2025-01-01T00:00:00Z");

  // Delete the added device: 404 on the detail, gone from the list.
  Mutate("{\"kind\":\"devices\",\"action\":\"delete\",\"ids\":[\"" + guid + "\"]}");
  auto gone = Get("/devices/" + guid);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.body, R"({"Data":null,"Meta":{"ResponseCode":404,"ErrorMessage":"Entity is not found."}})");
  EXPECT_EQ(Get("/assets/" + guid).status, 404);
  EXPECT_EQ(Total(GetJson("/devices?$filter=" + Encode("OrganizationId eq 104"))), 10);
  // Deleting it again names a record that is not there.
  EXPECT_EQ(Control("POST", "/_sim/mutate", "{\"kind\":\"devices\",\"action\":\"delete\",\"ids\":[\"" + guid + "\"]}")
                .status,
            404);

  // An organization deleted: 404, and its sites and devices go with it.
  Mutate(R"({"kind":"organizations","action":"delete","ids":[100]})");
  EXPECT_EQ(Get("/organizations/100").status, 404);
  EXPECT_EQ(Get("/sites/20000000").status, 404);
  EXPECT_EQ(Total(GetJson("/organizations")), 11);
  EXPECT_EQ(Total(GetJson("/sites")), 22);
  EXPECT_EQ(Total(GetJson("/devices?$top=1")), 110);
}

TEST_F(PulsewayControlTest, EveryOrganizationKeepsASite) {
  Start(Small());
  // A new organization has no sites of its own: it gets a Default Site, and so do its devices.
  auto org = Mutate(R"({"kind":"organizations","action":"add","count":1})");
  int64_t org_id = org.at("ids").at(0).as_int64();
  EXPECT_EQ(org_id, 112);
  EXPECT_EQ(GetJson("/organizations/112").at("Data").at("Id").as_int64(), 112);
  auto sites = GetJson("/sites?$filter=" + Encode("ParentId eq 112"));
  ASSERT_EQ(Total(sites), 1);
  auto def = Data(sites)[0];
  EXPECT_EQ(def.at("Name").as_string(), "Default Site");
  EXPECT_FALSE(def.as_object().contains("ContactInformation"));
  int64_t def_id = def.at("Id").as_int64();
  EXPECT_EQ(GetJson("/sites/" + std::to_string(def_id)).at("Data"), def);
  EXPECT_EQ(GetJson("/groups/" + std::to_string(def_id + 10000000)).at("Data").at("ParentSiteId").as_int64(), def_id);
  auto dev = Mutate(R"({"kind":"devices","action":"add","count":2,"company_id":112})");
  for (const auto& id : dev.at("ids").as_array()) {
    auto d = GetJson("/devices/" + std::string(id.as_string())).at("Data");
    EXPECT_EQ(d.at("SiteId").as_int64(), def_id);
    EXPECT_EQ(d.at("OrganizationId").as_int64(), 112);
  }
  // A real site added to it replaces the Default Site (which then no longer exists).
  auto site = Mutate(R"({"kind":"sites","action":"add","count":1,"company_id":112})");
  int64_t site_id = site.at("ids").at(0).as_int64();
  EXPECT_NE(site_id, def_id);
  EXPECT_EQ(Get("/sites/" + std::to_string(def_id)).status, 404);
  EXPECT_TRUE(GetJson("/sites/" + std::to_string(site_id)).at("Data").as_object().contains("ContactInformation"));
  EXPECT_EQ(GetJson("/devices/" + std::string(dev.at("ids").at(0).as_string())).at("Data").at("SiteId").as_int64(),
            site_id);
  // A seeded organization whose sites are all deleted falls back to a Default Site.
  Mutate(R"({"kind":"sites","action":"delete","ids":[20000000, 20000001]})");
  auto fallback = GetJson("/sites?$filter=" + Encode("ParentId eq 100"));
  ASSERT_EQ(Total(fallback), 1);
  EXPECT_EQ(Data(fallback)[0].at("Name").as_string(), "Default Site");
  EXPECT_EQ(Data(GetJson("/devices?$top=1")).at(0).at("SiteId"), Data(fallback)[0].at("Id"));
  // The Default Site is not a record the control API can name.
  EXPECT_EQ(Control("POST", "/_sim/mutate",
                    "{\"kind\":\"sites\",\"action\":\"delete\",\"ids\":[" + std::to_string(def_id) + "]}")
                .status,
            404);
}

TEST_F(PulsewayControlTest, FaultsStatsAndReset) {
  Start(Small());
  auto f = Control("POST", "/_sim/faults", R"({"p429": 1, "retry_after_s": 7})");
  ASSERT_EQ(f.status, 200) << f.body;
  auto r = Get("/devices");
  EXPECT_EQ(r.status, 429);
  auto v = json::parse(r.body);
  EXPECT_TRUE(v.at("Data").is_null());
  EXPECT_EQ(v.at("Meta").at("ResponseCode").as_int64(), 429);
  EXPECT_FALSE(v.at("Meta").at("ErrorMessage").as_string().empty());
  bool retry_after = false;
  for (const auto& [k, val] : r.headers) retry_after |= k == "Retry-After" && val == "7";
  EXPECT_TRUE(retry_after);
  // The rate limit, off by default, can be switched on.
  ASSERT_EQ(Control("POST", "/_sim/faults", R"({"rate_limit_per_min": 2})").status, 200);
  EXPECT_EQ(Get("/organizations").status, 200);
  EXPECT_EQ(Get("/organizations").status, 200);
  EXPECT_EQ(Get("/organizations").status, 429);
  ASSERT_EQ(Control("POST", "/_sim/faults", "{}").status, 200);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Get("/organizations").status, 200);

  std::string guid(Data(GetJson("/devices?$top=1"))[0].at("Identifier").as_string());
  GetJson("/devices/" + guid);
  GetJson("/devices/" + guid);
  Mutate(R"({"kind":"organizations","action":"rename","ids":[101]})");
  auto stats = json::parse(Control("GET", "/_sim/stats").body);
  auto by_path = stats.at("by_path");
  EXPECT_EQ(by_path.at("GET /api/v3/devices/{id}").at("200").as_int64(), 2);
  EXPECT_EQ(by_path.at("GET /api/v3/devices").at("429").as_int64(), 1);
  EXPECT_EQ(by_path.at("GET /api/v3/organizations").at("429").as_int64(), 1);
  EXPECT_EQ(stats.at("version").as_int64(), 1);

  std::string seeded_name(GetJson("/organizations/102").at("Data").at("Name").as_string());
  Mutate(R"({"kind":"organizations","action":"rename","ids":[102]})");
  Mutate(R"({"kind":"devices","action":"delete","count":3})");
  EXPECT_NE(GetJson("/organizations/102").at("Data").at("Name").as_string(), seeded_name);
  EXPECT_EQ(Total(GetJson("/devices?$top=1")), 117);
  ASSERT_EQ(Control("POST", "/_sim/reset").status, 200);
  EXPECT_EQ(GetJson("/organizations/102").at("Data").at("Name").as_string(), seeded_name);
  EXPECT_EQ(Total(GetJson("/devices?$top=1")), 120);
  auto fresh = json::parse(Control("GET", "/_sim/stats").body);
  EXPECT_EQ(fresh.at("version").as_int64(), 0);
  EXPECT_FALSE(fresh.at("by_path").as_object().contains("GET /api/v3/devices/{id}"));
}

}  // namespace
}  // namespace cairn::sims::pulseway
