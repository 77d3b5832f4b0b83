#include "core/text.h"

#include <gtest/gtest.h>

namespace cairn {
namespace {

TEST(Text, SnakeCaseMatchesHuduClients) {
  EXPECT_EQ(SnakeCase("IP Address"), "ip_address");
  EXPECT_EQ(SnakeCase("  Operating System (OS) "), "operating_system_os");
  EXPECT_EQ(SnakeCase("Warranty-Expiry Date"), "warranty_expiry_date");
  EXPECT_EQ(SnakeCase("os"), "os");
  EXPECT_EQ(SnakeCase("Größe"), "größe");
  EXPECT_NE(SnakeCase("Größe"), SnakeCase("Grüße"));
  // Lower-cased as PowerShell's ToLower() would, for European scripts.
  EXPECT_EQ(SnakeCase("Пароль"), "пароль");
  EXPECT_EQ(SnakeCase("ÄÖÜ Straße"), "äöü_straße");
  EXPECT_EQ(SnakeCase("Łódź Ÿ"), "łódź_ÿ");
  EXPECT_EQ(SnakeCase("ΑΒΓ"), "αβγ");
  EXPECT_EQ(SnakeCase("Ѐ"), "ѐ");
  EXPECT_EQ(SnakeCase("日本 Name"), "日本_name");
  EXPECT_EQ(SnakeCase("bad\xff byte"), "bad\xff_byte");
  EXPECT_EQ(SnakeCase("--"), "");
}

TEST(Text, SlugifyKeepsAsciiWordsAndTheSuffix) {
  EXPECT_EQ(Slugify("Acme, Inc.", "ab12"), "acme-inc-ab12");
  EXPECT_EQ(Slugify("Société Générale", "x"), "soci-t-g-n-rale-x");
  EXPECT_EQ(Slugify("!!!", "z9"), "z9");
}

TEST(Text, StripHtmlLeavesText) {
  EXPECT_EQ(StripHtml("<p>Reset &amp; reboot</p>"), " Reset & reboot ");
}

TEST(Text, SplitKeepsEmptyParts) {
  EXPECT_EQ(Split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(Split("", ','), (std::vector<std::string>{""}));
}

TEST(Text, TruncateUtf8KeepsWholeCharacters) {
  EXPECT_EQ(TruncateUtf8("abc", 5), "abc");
  EXPECT_EQ(TruncateUtf8("abc", 2), "ab");
  EXPECT_EQ(TruncateUtf8("a\xc3\xa9z", 2), "a");       // é is two bytes
  EXPECT_EQ(TruncateUtf8("a\xc3\xa9z", 3), "a\xc3\xa9");
  EXPECT_EQ(TruncateUtf8("\xf0\x9f\x98\x80!", 3), "");  // a four-byte emoji
}

TEST(Text, CaseHelpers) {
  EXPECT_TRUE(EqualsIgnoreCase("X-API-KEY", "x-api-key"));
  EXPECT_FALSE(EqualsIgnoreCase("x-api-key", "x-api-ke"));
  EXPECT_EQ(Trim("  a b \n"), "a b");
}

}  // namespace
}  // namespace cairn

#include "core/cidr.h"

namespace cairn {
namespace {

// Sync links store these values ("h2:" and "s1:" digests): the mixing must never change, or
// every record would look changed after an upgrade.
TEST(WordHash, ValuesAreStable) {
  WordHash h;
  h.Bytes("Contoso Server 01");
  h.Word(1);
  EXPECT_EQ(h.Final(), 0xf0e0ae4c3ca4730eULL);
  WordHash empty;
  empty.Bytes("");
  WordHash nul;
  nul.Bytes(std::string(1, '\0'));
  EXPECT_NE(empty.Final(), nul.Final());
}

TEST(Cidr, MatchesV4V6AndMapped) {
  EXPECT_TRUE(IpInCidr("203.0.113.7", "203.0.113.0/24"));
  EXPECT_FALSE(IpInCidr("203.0.114.7", "203.0.113.0/24"));
  EXPECT_TRUE(IpInCidr("10.1.2.3", "10.1.2.3"));
  EXPECT_TRUE(IpInCidr("::ffff:127.0.0.1", "127.0.0.0/8"));
  EXPECT_TRUE(IpInCidr("2001:db8::1", "2001:db8::/32"));
  EXPECT_FALSE(IpInCidr("2001:db9::1", "2001:db8::/32"));
  EXPECT_TRUE(IpInCidr("192.168.1.1", "0.0.0.0/0"));
  EXPECT_TRUE(IpInCidr("10.0.0.129", "10.0.0.128/25"));
  EXPECT_FALSE(IpInCidr("10.0.0.127", "10.0.0.128/25"));
  EXPECT_FALSE(IpInCidr("127.0.0.1", "::1"));
}

TEST(Cidr, Validates) {
  EXPECT_TRUE(IsValidCidr("10.0.0.0/8"));
  EXPECT_TRUE(IsValidCidr("::1"));
  EXPECT_FALSE(IsValidCidr("10.0.0.0/33"));
  EXPECT_FALSE(IsValidCidr("10.0.0/8"));
  EXPECT_FALSE(IsValidCidr("example.com"));
  EXPECT_FALSE(IsValidCidr("10.0.0.0/"));
}

}  // namespace
}  // namespace cairn
