#include "core/clock.h"

#include <gtest/gtest.h>

namespace cairn {
namespace {

TEST(Clock, FormatsIso8601WithMilliseconds) {
  EXPECT_EQ(FormatIso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601(1670624609894), "2022-12-09T22:23:29.894Z");
  EXPECT_EQ(FormatDate(1670624609894), "2022-12-09");
}

TEST(Clock, ParsesTheFormsClientsSend) {
  EXPECT_EQ(ParseIso8601("2022-12-09T22:23:29.894Z"), 1670624609894);
  EXPECT_EQ(ParseIso8601("2022-12-09T22:23:29Z"), 1670624609000);
  EXPECT_EQ(ParseIso8601("2022-12-09 22:23:29"), 1670624609000);
  EXPECT_EQ(ParseIso8601("2022-12-09T23:23:29+01:00"), 1670624609000);
  EXPECT_EQ(ParseIso8601("2022-12-09T17:23:29-0500"), 1670624609000);
  EXPECT_EQ(ParseIso8601("2022-12-09"), 1670544000000);
  EXPECT_EQ(ParseIso8601("2022-12-09T22:23"), 1670624580000);
}

TEST(Clock, RejectsGarbage) {
  for (const char* s : {"", "yesterday", "2022-13-01", "2022-12-09T25:00:00Z", "2022-12-09Tx",
                        "2022-12-09T22:23:29Zjunk", "12/09/2022"})
    EXPECT_FALSE(ParseIso8601(s).has_value()) << s;
}

TEST(Clock, RoundTrips) {
  for (int64_t ms : {int64_t{0}, int64_t{951782400123}, int64_t{4102444799999}})
    EXPECT_EQ(ParseIso8601(FormatIso8601(ms)), ms);
}

}  // namespace
}  // namespace cairn
