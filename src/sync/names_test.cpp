#include "sync/names.h"

#include <gtest/gtest.h>

namespace cairn::sync {
namespace {

TEST(Names, ForgivingOfCasePunctuationSuffixesAndAmpersands) {
  EXPECT_EQ(NormalizeCompanyName("ACME Limited"), "acme");
  EXPECT_EQ(NormalizeCompanyName("Acme, Inc."), "acme");
  EXPECT_EQ(NormalizeCompanyName("Acme Ltd."), "acme");
  EXPECT_EQ(NormalizeCompanyName("Acme LLC"), "acme");
  EXPECT_EQ(NormalizeCompanyName("Acme & Co"), "acme");
  EXPECT_EQ(NormalizeCompanyName("Müller & Söhne GmbH"), "muller and sohne");
  EXPECT_EQ(NormalizeCompanyName("Muller and Sohne"), "muller and sohne");
  EXPECT_EQ(NormalizeCompanyName("Łódź Tech"), "lodz tech");
  EXPECT_EQ(NormalizeCompanyName("O'Neill Dental"), "oneill dental");
  EXPECT_EQ(NormalizeCompanyName("Limited"), "limited");  // a name is never emptied
  EXPECT_EQ(NormalizeCompanyName("  ...  "), "");
}

TEST(Names, SuggestionsRankExactOverPartial) {
  std::vector<NamedCompany> cs = {{1, NormalizeCompanyName("Acme Holdings")},
                                  {2, NormalizeCompanyName("ACME Ltd")},
                                  {3, NormalizeCompanyName("Globex")},
                                  {4, NormalizeCompanyName("Wing Tip")}};
  auto s = SuggestCompany("Acme, Inc.", cs);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->company_id, 2);
  EXPECT_EQ(s->confidence, 100);
  auto partial = SuggestCompany("Acme Holdings Group", cs);
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->company_id, 1);
  EXPECT_EQ(partial->confidence, 70);
  auto spaced = SuggestCompany("Wingtip Ltd", cs);
  ASSERT_TRUE(spaced);
  EXPECT_EQ(spaced->company_id, 4);
  EXPECT_EQ(spaced->confidence, 95);
  EXPECT_FALSE(SuggestCompany("Initech", cs));
  EXPECT_FALSE(SuggestCompany("Acm", cs));  // not a word boundary
}

}  // namespace
}  // namespace cairn::sync

namespace cairn::sync {
namespace {

TEST(Serials, PlaceholdersAndJunkAreNotSerials) {
  for (const char* bad : {"", "0", "00000000", "To be filled by O.E.M.", "Default string", "System Serial Number",
                          "None", "Not Specified", "N/A", "123456789", "xxxx", "ab"})
    EXPECT_FALSE(IsUsableSerial(bad)) << bad;
  for (const char* good : {"5CD1234XYZ", "PF2ABCDE", "C02XK0AAJGH5", "FGT60FTK2209ABCD", "9V7Q2M3"})
    EXPECT_TRUE(IsUsableSerial(good)) << good;
}

}  // namespace
}  // namespace cairn::sync
