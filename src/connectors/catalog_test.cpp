#include "connectors/catalog.h"

#include <gtest/gtest.h>

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
