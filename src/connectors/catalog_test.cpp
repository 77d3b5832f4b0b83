#include "connectors/catalog.h"

#include <gtest/gtest.h>

#include <map>

namespace cairn::connectors {
namespace {

TEST(Catalog, KnowsTheFourVendorsAndRevio) {
  EXPECT_EQ(VendorSlugs(), "cw_manage, halo, syncro, pulseway_rmm, revio");
  ASSERT_NE(FindVendor("revio"), nullptr);
  EXPECT_TRUE(FindVendor("revio")->push_only);
  EXPECT_FALSE(FindVendor("syncro")->push_only);
  ASSERT_NE(FindVendor("halo"), nullptr);
  EXPECT_EQ(FindVendor("halo")->layout_kinds, (std::vector<std::string_view>{"users", "sites", "assets"}));
  EXPECT_EQ(FindVendor("connectwise"), nullptr);
}

TEST(Catalog, HostsSayWhatToRemove) {
  EXPECT_EQ(CheckHost("api-na.myconnectwise.net", "x"), std::nullopt);
  EXPECT_EQ(CheckHost("127.0.0.1:8443", "x"), std::nullopt);
  EXPECT_EQ(CheckHost("[::1]:8443", "x"), std::nullopt);
  EXPECT_EQ(CheckHost("acme.syncromsp.com", ""), std::nullopt);
  auto starts = [](std::optional<std::string> m, std::string_view with) {
    return m && m->rfind(with, 0) == 0;
  };
  EXPECT_TRUE(starts(CheckHost("https://api-na.myconnectwise.net", "e"), "remove \"https://\"")) << *CheckHost("https://a", "e");
  EXPECT_TRUE(starts(CheckHost("acme.syncromsp.com/", ""), "remove \"/\""));
  EXPECT_TRUE(starts(CheckHost("na.myconnectwise.net/v4_6_release/apis/3.0", ""), "remove \"/v4_6_release/apis/3.0\""));
  EXPECT_TRUE(starts(CheckHost("bob@host.example", ""), "remove the user info \"bob@\""));
  EXPECT_TRUE(starts(CheckHost("host.example:99999", ""), "has an invalid port"));
  EXPECT_TRUE(starts(CheckHost("my host", ""), "must not contain spaces"));
  EXPECT_TRUE(starts(CheckHost("", ""), "can't be blank"));
  EXPECT_NE(CheckHost("https://a", "api-na.myconnectwise.net")->find("e.g. api-na.myconnectwise.net"), std::string::npos);
}

TEST(Catalog, UrlsAreHttpsWithoutTrailingSlash) {
  EXPECT_EQ(CheckUrl("https://acme.halopsa.com/api", ""), std::nullopt);
  EXPECT_EQ(CheckUrl("https://127.0.0.1:9443/api", ""), std::nullopt);
  EXPECT_NE(CheckUrl("http://acme.halopsa.com/api", "")->find("https://"), std::string::npos);
  EXPECT_EQ(*CheckUrl("https://acme.halopsa.com/api/", ""), "remove the trailing \"/\"");
  EXPECT_EQ(*CheckUrl("acme.halopsa.com", ""), "must start with https://");
  EXPECT_TRUE(CheckUrl("https://a b/api", "").has_value());
}

}  // namespace
}  // namespace cairn::connectors

namespace cairn::connectors {
namespace {

TEST(Catalog, VendorRecordUrlsOpenTheRecordInTheVendorsApp) {
  auto creds = [](std::map<std::string, std::string> m) {
    return [m](std::string_view k) {
      auto it = m.find(std::string(k));
      return it == m.end() ? std::string() : it->second;
    };
  };
  auto cw = creds({{"site", "api-na.myconnectwise.net"}});
  EXPECT_EQ(VendorRecordUrl("cw_manage", cw, "companies", "250"),
            "https://api-na.myconnectwise.net/v4_6_release/services/system_io/router/openrecord.rails?locale=en_US&recordType=CompanyFV&recid=250");
  EXPECT_EQ(VendorRecordUrl("cw_manage", cw, "configurations", "9"),
            "https://api-na.myconnectwise.net/v4_6_release/services/system_io/router/openrecord.rails?locale=en_US&recordType=ConfigFV&recid=9");
  EXPECT_EQ(VendorRecordUrl("cw_manage", cw, "locations", "9"), "");  // sites have no page of their own
  auto halo = creds({{"resource_server", "https://acme.halopsa.com/api"}});
  EXPECT_EQ(VendorRecordUrl("halo", halo, "assets", "17"), "https://acme.halopsa.com/assets?assetid=17");
  EXPECT_EQ(VendorRecordUrl("halo", halo, "companies", "3"), "https://acme.halopsa.com/customers?clientid=3");
  auto syncro = creds({{"domain", "acme.syncromsp.com"}});
  EXPECT_EQ(VendorRecordUrl("syncro", syncro, "assets", "55"), "https://acme.syncromsp.com/customer_assets/55");
  EXPECT_EQ(VendorRecordUrl("pulseway_rmm", creds({{"server", "acme.pulseway.com"}}), "systems", "a1b2-c3"),
            "https://acme.pulseway.com/app/main/systems/a1b2-c3");
  // Nothing that could change the address's shape, and nothing without its host.
  EXPECT_EQ(VendorRecordUrl("syncro", syncro, "assets", "55/../../x"), "");
  EXPECT_EQ(VendorRecordUrl("syncro", syncro, "assets", "1?x=<script>"), "");
  EXPECT_EQ(VendorRecordUrl("syncro", creds({}), "assets", "55"), "");
  EXPECT_EQ(VendorRecordUrl("syncro", creds({{"domain", "javascript:alert(1)//"}}), "assets", "55"), "");
  EXPECT_EQ(VendorRecordUrl("revio", syncro, "companies", "1"), "");
}

}  // namespace
}  // namespace cairn::connectors
