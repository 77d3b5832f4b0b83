#include "http/message.h"

#include <gtest/gtest.h>

namespace cairn::http {
namespace {

TEST(FindHeader, IsCaseInsensitiveAndFirstMatchWins) {
  Headers headers = {{"Content-Type", "text/plain"}, {"X-Id", "1"}, {"x-id", "2"}};
  EXPECT_EQ(FindHeader(headers, "content-type"), "text/plain");
  EXPECT_EQ(FindHeader(headers, "CONTENT-TYPE"), "text/plain");
  EXPECT_EQ(FindHeader(headers, "X-ID"), "1");
  EXPECT_EQ(FindHeader(headers, "Content-Length"), std::nullopt);
  EXPECT_EQ(FindHeader(headers, "X-I"), std::nullopt);
  EXPECT_EQ(FindHeader({}, "X-Id"), std::nullopt);
}

TEST(FindHeader, RequestAndEmptyValue) {
  Request request;
  request.headers = {{"Authorization", ""}};
  auto value = request.Header("authorization");
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(*value, "");
}

TEST(PercentDecode, DecodesEscapesAndPlus) {
  struct Case {
    std::string_view in;
    bool plus_is_space;
    std::string_view out;
  };
  const Case cases[] = {
      {"a%20b", false, "a b"},
      {"a+b", false, "a+b"},
      {"a+b", true, "a b"},
      {"%2Fpath%2f", false, "/path/"},
      {"%C3%BC", false, "\xC3\xBC"},
      {"100%", false, "100%"},         // truncated escape kept
      {"%4", false, "%4"},             // truncated escape kept
      {"%zz%4g", false, "%zz%4g"},     // not hex: kept
      {"%%41", false, "%A"},           // the first '%' is not an escape, the second is
      {"", true, ""},
      {"%00x", false, std::string_view("\0x", 2)},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(PercentDecode(c.in, c.plus_is_space), c.out) << "input: " << c.in;
  }
}

TEST(PercentEncode, EscapesAllButUnreserved) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode("a b/c?d=e&f"), "a%20b%2Fc%3Fd%3De%26f");
  EXPECT_EQ(PercentEncode("\xC3\xBC+%"), "%C3%BC%2B%25");
  EXPECT_EQ(PercentEncode(""), "");
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(PercentDecode(PercentEncode(all), false), all);
  EXPECT_EQ(PercentDecode(PercentEncode(all), true), all);  // '+' is encoded, never raw
}

TEST(ParseQuery, ExampleFromHeader) {
  auto params = ParseQuery("a=1&b=x%20y&c");
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(params[0], (std::pair<std::string, std::string>("a", "1")));
  EXPECT_EQ(params[1], (std::pair<std::string, std::string>("b", "x y")));
  EXPECT_EQ(params[2], (std::pair<std::string, std::string>("c", "")));
}

TEST(ParseQuery, EdgeCases) {
  EXPECT_TRUE(ParseQuery("").empty());
  EXPECT_TRUE(ParseQuery("&&").empty());

  auto params = ParseQuery("q=a+b%2Bc&=v&k=&x=1=2&&name%5B%5D=z&");
  ASSERT_EQ(params.size(), 5u);
  EXPECT_EQ(params[0].first, "q");
  EXPECT_EQ(params[0].second, "a b+c");
  EXPECT_EQ(params[1].first, "");
  EXPECT_EQ(params[1].second, "v");
  EXPECT_EQ(params[2].first, "k");
  EXPECT_EQ(params[2].second, "");
  EXPECT_EQ(params[3].first, "x");
  EXPECT_EQ(params[3].second, "1=2");  // only the first '=' separates
  EXPECT_EQ(params[4].first, "name[]");
  EXPECT_EQ(params[4].second, "z");

  auto repeated = ParseQuery("tag=a&tag=b");
  ASSERT_EQ(repeated.size(), 2u);
  EXPECT_EQ(repeated[0].second, "a");
  EXPECT_EQ(repeated[1].second, "b");
}

TEST(Response, Factories) {
  auto json = Response::Json(201, "{}");
  EXPECT_EQ(json.status, 201);
  EXPECT_EQ(json.content_type, "application/json; charset=utf-8");
  EXPECT_EQ(json.body, "{}");
  auto text = Response::Text(404, "nope");
  EXPECT_EQ(text.status, 404);
  EXPECT_EQ(text.content_type, "text/plain; charset=utf-8");
}

}  // namespace
}  // namespace cairn::http
