#include "sims/connectwise/connectwise_conditions.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace cairn::sims::connectwise {
namespace {

namespace json = boost::json;

const Schema& TestSchema() {
  static const Schema* s =
      new Schema{{"id", FieldType::kNumber},           {"name", FieldType::kString},
                 {"activeFlag", FieldType::kBool},     {"company/id", FieldType::kNumber},
                 {"company/name", FieldType::kString}, {"_info/lastUpdated", FieldType::kDateTime},
                 {"items/value", FieldType::kString},  {"items/kind", FieldType::kString}};
  return *s;
}

json::object Record() {
  return json::parse(R"({"id": 42, "name": "Acme Widgets Ltd", "activeFlag": true,
                         "company": {"id": 251, "name": "Acme"},
                         "_info": {"lastUpdated": "2025-03-04T05:06:07Z"},
                         "items": [{"value": "a@acme.example", "kind": "Email"},
                                   {"value": "+44 1", "kind": "Phone"}]})")
      .as_object();
}

bool Match(const std::string& text) {
  auto c = Conditions::Parse(text, TestSchema());
  EXPECT_TRUE(c.ok()) << text << ": " << c.status().message();
  return c.ok() && c->Matches(Record());
}

std::string ErrorOf(const std::string& text) {
  auto c = Conditions::Parse(text, TestSchema());
  EXPECT_FALSE(c.ok()) << text;
  return c.ok() ? "" : c.status().message();
}

TEST(ConnectWiseConditions, ComparesEachType) {
  EXPECT_TRUE(Match("id = 42"));
  EXPECT_FALSE(Match("id != 42"));
  EXPECT_TRUE(Match("id > 41 and id >= 42 and id < 43 and id <= 42"));
  EXPECT_FALSE(Match("id > 42"));
  EXPECT_TRUE(Match("id = 42.0"));
  EXPECT_TRUE(Match("name = \"ACME widgets ltd\""));
  EXPECT_TRUE(Match("name = 'Acme Widgets Ltd'"));
  EXPECT_TRUE(Match("activeFlag = true"));
  EXPECT_FALSE(Match("activeFlag = false"));
  EXPECT_TRUE(Match("company/id = 251 and company/name = \"acme\""));
  EXPECT_TRUE(Match("lastUpdated > [2025-03-04T05:06:06Z]"));
  EXPECT_FALSE(Match("lastUpdated > [2025-03-04T05:06:07Z]"));
  EXPECT_TRUE(Match("_info/lastUpdated >= [2025-03-04T05:06:07.000Z]"));
  EXPECT_TRUE(Match("lastUpdated < [2025-03-05]"));
}

TEST(ConnectWiseConditions, LikeContainsInAndNull) {
  EXPECT_TRUE(Match("name like \"acme%\""));
  EXPECT_TRUE(Match("name like \"*widgets*\""));
  EXPECT_TRUE(Match("name like \"%Ltd\""));
  EXPECT_FALSE(Match("name like \"widgets%\""));
  EXPECT_TRUE(Match("name not like \"widgets%\""));
  EXPECT_TRUE(Match("name contains \"WIDGET\""));
  EXPECT_TRUE(Match("name not contains \"gadget\""));
  EXPECT_TRUE(Match("id in (1, 42, 3)"));
  EXPECT_FALSE(Match("id not in (1, 42)"));
  EXPECT_TRUE(Match("name in (\"x\", \"acme widgets ltd\")"));
  EXPECT_TRUE(Match("company/id != null"));
  EXPECT_FALSE(Match("company/id = null"));
  EXPECT_TRUE(Match("items/kind = null"));  // an array is not walked by plain conditions
}

TEST(ConnectWiseConditions, BooleanStructure) {
  EXPECT_TRUE(Match("(id = 1 or id = 42) and not id = 1"));
  EXPECT_TRUE(Match("id = 1 or id = 42 and name contains \"acme\""));
  EXPECT_FALSE(Match("(id = 1 or id = 42) and name contains \"zzz\""));
  EXPECT_TRUE(Match("NOT (id = 1) AND (activeFlag = true)"));
  EXPECT_TRUE(Match("id=42 AND  name != \"Some\""));
}

TEST(ConnectWiseConditions, ErrorsCarryTheServersText) {
  EXPECT_EQ(
      ErrorOf("activeFlag = 1").rfind("Expected a boolean value, not a numeric. String values should", 0),
      0u);
  EXPECT_NE(ErrorOf("name = Acme").find("String values should be enclosed with double or single quotes"),
            std::string::npos);
  EXPECT_EQ(ErrorOf("id = \"42\"").rfind("Expected a numeric value, not a string.", 0), 0u);
  EXPECT_EQ(ErrorOf("lastUpdated > \"2024\"").rfind("Expected a datetime value, not a string.", 0), 0u);
  EXPECT_NE(ErrorOf("lastUpdated > [yesterday]").find("DateTime values"), std::string::npos);
  EXPECT_NE(ErrorOf("nope = 1").find("Unknown field 'nope'"), std::string::npos);
  EXPECT_FALSE(ErrorOf("(id = 1").empty());
  EXPECT_FALSE(ErrorOf("id = 1 and").empty());
  EXPECT_FALSE(ErrorOf("id 1").empty());
  EXPECT_FALSE(ErrorOf("id = 1 id = 2").empty());
  EXPECT_FALSE(ErrorOf("id in (1, 2").empty());
  EXPECT_FALSE(ErrorOf("name = \"open").empty());
  EXPECT_FALSE(ErrorOf("id like \"4%\"").empty());
}

TEST(ConnectWiseConditions, HintsComeFromTheTopLevelConjunction) {
  auto c = Conditions::Parse("lastUpdated > [2024-01-01T00:00:00Z] and company/id = 251", TestSchema());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->UpdatedAtLeastMs(), 1704067200001);
  EXPECT_EQ(c->CompanyId(), 251);
  auto ge = Conditions::Parse("_info/lastUpdated >= [2024-01-01T00:00:00Z]", TestSchema());
  EXPECT_EQ(ge->UpdatedAtLeastMs(), 1704067200000);
  auto either = Conditions::Parse("lastUpdated > [2024-01-01T00:00:00Z] or company/id = 251", TestSchema());
  EXPECT_FALSE(either->UpdatedAtLeastMs().has_value());
  EXPECT_FALSE(either->CompanyId().has_value());
}

TEST(ConnectWiseConditions, ArrayConditionsNeedOneMemberToMatchEverything) {
  auto child = ArrayConditions::ParseChild("items/value like \"%@acme.example\" and items/kind = \"Email\"",
                                           TestSchema());
  ASSERT_TRUE(child.ok()) << child.status().message();
  EXPECT_TRUE(child->Matches(Record()));
  auto mixed = ArrayConditions::ParseChild("items/value like \"%@acme.example\" and items/kind = \"Phone\"",
                                           TestSchema());
  ASSERT_TRUE(mixed.ok());
  EXPECT_FALSE(mixed->Matches(Record()));
  EXPECT_FALSE(ArrayConditions::ParseChild("items/value = \"x\" and id = 1", TestSchema()).ok());
  json::object r = Record();
  r["customFields"] = json::parse(R"([{"id": 1, "caption": "Code", "value": "X1"}])");
  auto custom = ArrayConditions::ParseCustomField("caption = \"code\" and value != null");
  ASSERT_TRUE(custom.ok());
  EXPECT_TRUE(custom->Matches(r));
}

TEST(ConnectWiseConditions, ParsesIsoDatetimes) {
  EXPECT_EQ(ParseIsoMs("2024-01-01T00:00:00Z"), 1704067200000);
  EXPECT_EQ(ParseIsoMs("2024-01-01T00:00:00.25Z"), 1704067200250);
  EXPECT_EQ(ParseIsoMs("2024-01-01"), 1704067200000);
  EXPECT_FALSE(ParseIsoMs("2024-13-01T00:00:00Z").has_value());
  EXPECT_FALSE(ParseIsoMs("yesterday").has_value());
  EXPECT_FALSE(ParseIsoMs("2024-01-01T00:00:00Zjunk").has_value());
}

}  // namespace
}  // namespace cairn::sims::connectwise
