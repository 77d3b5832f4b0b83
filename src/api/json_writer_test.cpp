#include "api/json_writer.h"

#include <gtest/gtest.h>

#include "api/context.h"

namespace cairn::api {
namespace {

TEST(JsonWriter, EscapesLikeBoostJson) {
  std::string out;
  JsonWriter w(out);
  std::string tricky = "quote \" backslash \\ newline \n tab \t bell \x07 ünï 😀";
  w.BeginObject();
  w.Field("s", tricky);
  w.Field("n", int64_t{-42});
  w.FieldBool("b", true);
  w.FieldNull("z");
  w.Key("a");
  w.BeginArray();
  w.Int(1);
  w.BeginObject();
  w.EndObject();
  w.Raw("[]");
  w.EndArray();
  w.EndObject();
  json::object expect;
  expect["s"] = tricky;
  expect["n"] = -42;
  expect["b"] = true;
  expect["z"] = nullptr;
  expect["a"] = json::array{1, json::object(), json::array()};
  EXPECT_EQ(json::parse(out), json::value(expect));
  EXPECT_EQ(out, json::serialize(expect));
}

// Every position of a special character within and across the 8-byte blocks the writer skips.
TEST(JsonWriter, EscapesAtEveryOffset) {
  for (const char* special : {"\"", "\\", "\n", "\x01", "\x1f", "\xc3\xa9"}) {
    for (size_t pos = 0; pos < 24; ++pos) {
      std::string text(24, 'a');
      text.replace(pos, 1, special);
      std::string out;
      JsonWriter w(out);
      w.String(text);
      EXPECT_EQ(out, json::serialize(json::value(text))) << "at " << pos;
    }
  }
}

TEST(JsonWriter, WriteColumnsMatchesToJson) {
  Company c;
  c.id = 7;
  c.name = "Acme \"Quoted\"";
  c.notes = "line\nbreak";
  c.parent_company_id = 3;
  c.archived = true;
  c.created_at = 1670624609894;
  c.updated_at = 0;
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  WriteColumns(w, c);
  w.EndObject();
  EXPECT_EQ(json::parse(out), json::value(ToJson(c)));
  EXPECT_NE(out.find("\"created_at\":\"2022-12-09T22:23:29.894Z\""), std::string::npos);
  EXPECT_NE(out.find("\"updated_at\":null"), std::string::npos);

  std::string hidden;
  JsonWriter h(hidden);
  h.BeginObject();
  WriteColumns(h, c, {"notes", "slug"});
  h.EndObject();
  EXPECT_EQ(hidden.find("notes"), std::string::npos);
  EXPECT_EQ(json::parse(hidden), json::value(ToJson(c, {"notes", "slug"})));
}

}  // namespace
}  // namespace cairn::api
