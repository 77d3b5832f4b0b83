// The raw JSON scanner (raw_json.h): members and elements found exactly, whatever the strings
// hold; anything it cannot read answered as such; scalars as mapping::Text reads the parsed value.
#include "connectors/raw_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "connectors/mapping.h"

namespace cairn::connectors {
namespace {

namespace json = boost::json;

std::vector<std::pair<std::string, std::string>> MembersOf(std::string_view text, bool* ok = nullptr) {
  std::vector<std::pair<std::string, std::string>> out;
  bool read = raw::Members(text, [&](std::string_view k, std::string_view v) {
    out.emplace_back(k, v);
    return true;
  });
  if (ok) *ok = read;
  return out;
}

std::vector<std::string> ElementsOf(std::string_view text, bool* ok = nullptr) {
  std::vector<std::string> out;
  bool read = raw::Elements(text, [&](std::string_view e) {
    out.emplace_back(e);
    return true;
  });
  if (ok) *ok = read;
  return out;
}

TEST(RawJsonTest, MembersAreFoundWhateverTheStringsHold) {
  bool ok = false;
  auto m = MembersOf(R"( { "id" : 12, "name":"a \"quoted\" {name}, [x]", "path":"C:\\", "nested": {"a": [1, {"b": "}"}]},
                          "list":[ "]", 2 ] , "n":null,"t":true } )",
                     &ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(m.size(), 7u);
  EXPECT_EQ(m[0], (std::pair<std::string, std::string>{"id", "12"}));
  EXPECT_EQ(m[1].second, R"("a \"quoted\" {name}, [x]")");
  EXPECT_EQ(m[2].second, R"("C:\\")") << "an escaped backslash does not escape the closing quote";
  EXPECT_EQ(m[3].second, R"({"a": [1, {"b": "}"}]})");
  EXPECT_EQ(m[4].second, R"([ "]", 2 ])");
  EXPECT_EQ(m[5].second, "null");
  EXPECT_EQ(m[6].second, "true");
  EXPECT_TRUE(MembersOf("{}", &ok).empty());
  EXPECT_TRUE(ok);
}

// A list answer in one pass: its records and its other members, or false where the parser must say.
struct Listed {
  bool ok = false;
  std::vector<std::string> records;
  std::vector<std::pair<std::string, std::string>> others;
};
Listed ListOf(std::string_view text, std::string_view key) {
  Listed l;
  l.ok = raw::ListAnswer(
      text, key, [&](std::string_view e) { l.records.emplace_back(e); },
      [&](std::string_view k, std::string_view v) { l.others.emplace_back(k, v); });
  return l;
}

TEST(RawJsonTest, AListAnswerIsReadInOnePass) {
  auto l = ListOf(R"({"page_no":1, "assets": [ {"id":1,"s":"],{"} , {"id":2,"f":[{"a":"]"}]} ], "record_count" : 7 })", "assets");
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.records, (std::vector<std::string>{R"({"id":1,"s":"],{"})", R"({"id":2,"f":[{"a":"]"}]})"}));
  EXPECT_EQ(l.others, (std::vector<std::pair<std::string, std::string>>{{"page_no", "1"}, {"record_count", "7"}}));
  auto bare = ListOf(R"( [ {"id":3} ] )", "assets");
  ASSERT_TRUE(bare.ok);
  EXPECT_EQ(bare.records, std::vector<std::string>{R"({"id":3})"});
  auto empty = ListOf(R"({"assets":[],"record_count":0})", "assets");
  EXPECT_TRUE(empty.ok);
  EXPECT_TRUE(empty.records.empty());
  // The parser's to say: no records key, the key twice, the key not an array, broken text.
  for (const char* text : {R"({"record_count":0})", R"({"assets":[],"assets":[{"id":1}]})", R"({"assets":{"id":1}})",
                           R"({"assets":[{"id":1}],)", R"({"assets":[{"id":1]})", R"({"assets":[{"id":1}] "x":1})", "", "[1,"})
    EXPECT_FALSE(ListOf(text, "assets").ok) << text;
}

TEST(RawJsonTest, ElementsSplitAnArrayOfRecords) {
  bool ok = false;
  auto e = ElementsOf(R"([{"id":1,"s":"],["}, {"id":2} ,3,"x"])", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(e, (std::vector<std::string>{R"({"id":1,"s":"],["})", R"({"id":2})", "3", R"("x")"}));
  EXPECT_TRUE(ElementsOf(" [ ] ", &ok).empty());
  EXPECT_TRUE(ok);
}

// Escapes and brackets at every offset (the scanner reads sixteen bytes at a time), and random
// records as the serialiser writes them: each element found is exactly one record's text.
TEST(RawJsonTest, EveryOffsetAndRandomRecordsSplitAsTheParserReadsThem) {
  for (size_t n = 0; n < 40; ++n)
    for (std::string_view tail : {R"(\")", R"(\\)", R"(}])", R"(\u0022)"}) {
      std::string value = "\"" + std::string(n, 'a') + std::string(tail) + std::string(n % 17, 'b') + "\"";
      std::string text = R"({"k":)" + value + R"(,"z":[{"y":")" + std::string(n, '}') + R"("}]})";
      bool ok = false;
      auto m = MembersOf(text, &ok);
      ASSERT_TRUE(ok) << text;
      ASSERT_EQ(m.size(), 2u) << text;
      EXPECT_EQ(m[0].second, value) << text;
      EXPECT_EQ(json::parse(m[1].second), json::parse(text).at("z")) << text;
    }
  uint64_t state = 42;
  auto next = [&] { return state = state * 6364136223846793005ULL + 1442695040888963407ULL, state >> 33; };
  const std::string alphabet = "ab \"\\{}[],:\n\t\x01";  // (written escaped: \", \\, \n, \u0001)
  json::array records;
  for (int r = 0; r < 300; ++r) {
    json::object o{{"id", r}};
    for (int f = 0, fields = static_cast<int>(next() % 8); f < fields; ++f) {
      std::string text;
      for (int c = 0, len = static_cast<int>(next() % 40); c < len; ++c) text += alphabet[next() % alphabet.size()];
      if (next() % 3 == 0) o["f" + std::to_string(f)] = json::array{json::value(text), json::object{{"in", text}}};
      else o["f" + std::to_string(f)] = text;
    }
    records.push_back(std::move(o));
  }
  std::string page = json::serialize(json::object{{"record_count", 300}, {"assets", records}});
  std::string_view array;
  bool ok = raw::Members(page, [&](std::string_view k, std::string_view v) {
    if (k == "assets") array = v;
    return true;
  });
  ASSERT_TRUE(ok);
  auto elements = ElementsOf(array, &ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(elements.size(), records.size());
  for (size_t i = 0; i < elements.size(); ++i) EXPECT_EQ(json::parse(elements[i]), records[i]) << elements[i];
}

// Long records without escapes (read sixty-four bytes at a time), brackets and quotes inside
// strings falling at every place in a block, with a few escaped records among them.
TEST(RawJsonTest, LongRecordsSplitAsTheParserReadsThemAcrossBlocks) {
  uint64_t state = 7;
  auto next = [&] { return state = state * 6364136223846793005ULL + 1442695040888963407ULL, state >> 33; };
  const std::string plain = "ab {}[],: xyz", escaped = "a\"\\\n";
  json::array records;
  for (int r = 0; r < 400; ++r) {
    json::object o{{"id", r}};
    const std::string& alphabet = r % 25 == 7 ? escaped : plain;
    for (int f = 0, fields = 1 + static_cast<int>(next() % 12); f < fields; ++f) {
      std::string text;
      for (int c = 0, len = static_cast<int>(next() % 90); c < len; ++c) text += alphabet[next() % alphabet.size()];
      switch (next() % 4) {
        case 0: o["f" + std::to_string(f)] = json::array{json::value(text), json::object{{"in", text}, {"n", f}}}; break;
        case 1: o["f" + std::to_string(f)] = json::object{{"deep", json::array{json::array{text}}}}; break;
        default: o["f" + std::to_string(f)] = text;
      }
    }
    records.push_back(std::move(o));
  }
  for (size_t pad = 0; pad < 70; pad += 13) {  // the records start at different places in a block
    std::string page = std::string(pad, ' ') + json::serialize(json::object{{"record_count", 400}, {"assets", records}});
    std::vector<std::string> got;
    ASSERT_TRUE(raw::ListAnswer(page, "assets", [&](std::string_view e) { got.emplace_back(e); }, [](std::string_view, std::string_view) {}));
    ASSERT_EQ(got.size(), records.size()) << pad;
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(json::parse(got[i]), records[i]) << pad << ": " << got[i];
  }
}

TEST(RawJsonTest, WhatItCannotReadIsSaid) {
  bool ok = true;
  for (std::string_view bad : {R"({"id":1,"name":"trunc)", R"({"id":1,"a":{"b":2})", R"({"id" 1})", R"({"id":1,})",
                               R"({"id":1} trailing)", R"([1,2)", R"("text")", "", R"({"a":1}{"b":2})"}) {
    MembersOf(bad, &ok);
    EXPECT_FALSE(ok) << bad;
  }
  for (std::string_view bad : {R"([{"id":1},{"id":2)", R"([1 2])", R"({"a":[]})", R"([1,2]])"}) {
    ElementsOf(bad, &ok);
    EXPECT_FALSE(ok) << bad;
  }
  EXPECT_EQ(raw::SkipValue(R"("no end\")", 0), std::string_view::npos);
  EXPECT_EQ(raw::SkipValue(R"([[1], 2)", 0), std::string_view::npos);
  EXPECT_EQ(raw::SkipValue(R"(  [[1], 2] ,)", 0), 10u);
}

TEST(RawJsonTest, ScalarsReadAsTheMappingReadsTheParsedValue) {
  // Every form the scanner answers must give mapping::Text's text; the others go to the parser.
  for (std::string_view v : {R"("plain")", R"("")", "12", "-7", "0", "112.0", "112.000", "-3.0", "true", "false", "null",
                             "123456789012345"}) {
    auto fast = raw::Scalar(v);
    ASSERT_TRUE(fast.has_value()) << v;
    EXPECT_EQ(*fast, mapping::Text(&static_cast<const json::value&>(json::parse(v)))) << v;
  }
  for (std::string_view v : {R"("tab\t")", R"("\u0041")", "12.5", "1e3", "-0", "-0.0", "012", "1234567890123456",
                             R"({"a":1})", "[1]", R"("unterminated)", "12."})
    EXPECT_FALSE(raw::Scalar(v).has_value()) << v;
}

TEST(RawJsonTest, TheHashTellsAnyChangedByte) {
  std::string a = R"({"id":1,"name":"Contoso Server 01","serial":"ABC123"})";
  EXPECT_EQ(raw::Hash(a), raw::Hash(std::string(a)));
  for (size_t i = 0; i < a.size(); ++i) {
    std::string b = a;
    b[i] ^= 1;
    EXPECT_NE(raw::Hash(a), raw::Hash(b)) << i;
  }
  EXPECT_NE(raw::Hash(a), raw::Hash(a + " "));
  EXPECT_NE(raw::Hash(""), raw::Hash(std::string(1, '\0')));
}

}  // namespace
}  // namespace cairn::connectors
