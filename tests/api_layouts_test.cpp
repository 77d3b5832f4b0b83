// End to end: /api/v1/asset_layouts (reference/hudu-api.md 3.3): typed fields, validation, PUT
// merging fields, no DELETE, the active flag.
#include <algorithm>

#include "core/text.h"
#include "tests/api_fixture.h"

namespace cairn::tests {
namespace {

class LayoutsTest : public ApiTest {
 protected:
  std::vector<int64_t> ListIds(const std::string& query) {
    auto r = Get("/api/v1/asset_layouts?" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.Describe();
    return Ids(r.At("asset_layouts"));
  }
  static std::vector<std::string> Labels(const json::value& layout) {
    std::vector<std::string> out;
    for (const auto& f : Arr(layout.at("fields"))) out.push_back(Str(f.at("label")));
    return out;
  }
  static const json::object* FieldNamed(const json::value& layout, const std::string& label) {
    for (const auto& f : Arr(layout.at("fields")))
      if (Str(f.at("label")) == label) return &f.as_object();
    return nullptr;
  }
};
CAIRN_ON_BOTH_BACKENDS(LayoutsTest);

TEST_P(LayoutsTest, CreateWithTypedFields) {
  std::string name = Unique("Laptop");
  auto r = Post("/api/v1/asset_layouts", R"({"asset_layout":{"name":")" + name + R"(",
      "icon":"fas fa-laptop","color":"#ffffff","icon_color":"#000000",
      "include_passwords":"true","include_photos":false,"active":true,"fields":[
        {"label":"IP Address","field_type":"Text","show_in_list":true,"hint":"v4"},
        {"label":"Warranty Expires","field_type":"Date","expiration":true},
        {"label":"Managed","field_type":"CheckBox"},
        {"label":"Cores","field_type":"Number","min":1,"max":"256"},
        {"label":"Serial Number","field_type":"Text","required":"true"}]}})");
  ASSERT_EQ(r.status, 200) << r.Describe();
  const auto& l = r.At("asset_layout");
  EXPECT_GT(Int(l.at("id")), 0);
  EXPECT_EQ(Str(l.at("name")), name);
  EXPECT_EQ(Str(l.at("icon")), "fas fa-laptop");
  EXPECT_EQ(Str(l.at("icon_color")), "#000000");
  EXPECT_EQ(l.at("include_passwords"), json::value(true));
  EXPECT_EQ(l.at("include_photos"), json::value(false));
  EXPECT_EQ(l.at("active"), json::value(true));
  EXPECT_TRUE(IsIsoMillis(l.at("created_at")));
  EXPECT_EQ(Labels(l), (std::vector<std::string>{"IP Address", "Warranty Expires", "Managed",
                                                 "Cores", "Serial Number"}));
  int64_t last_position = -1;
  for (const auto& f : Arr(l.at("fields"))) {
    EXPECT_GT(Int(f.at("id")), 0);
    EXPECT_GT(Int(f.at("position")), last_position);
    last_position = Int(f.at("position"));
  }
  const auto* cores = FieldNamed(l, "Cores");
  ASSERT_TRUE(cores);
  EXPECT_EQ(Str(cores->at("field_type")), "Number");
  EXPECT_EQ(Int(cores->at("min")), 1);
  EXPECT_EQ(Int(cores->at("max")), 256);
  EXPECT_EQ(FieldNamed(l, "Serial Number")->at("required"), json::value(true));
  EXPECT_EQ(FieldNamed(l, "IP Address")->at("required"), json::value(false));
  EXPECT_EQ(FieldNamed(l, "IP Address")->at("show_in_list"), json::value(true));
  EXPECT_EQ(Str(FieldNamed(l, "IP Address")->at("hint")), "v4");
  EXPECT_EQ(FieldNamed(l, "Warranty Expires")->at("expiration"), json::value(true));
  EXPECT_EQ(Str(FieldNamed(l, "Managed")->at("field_type")), "CheckBox");

  std::string id = std::to_string(Int(l.at("id")));
  auto got = Get("/api/v1/asset_layouts/" + id);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.At("asset_layout"), l);
  EXPECT_EQ(ListIds("name=" + Enc(name)), std::vector<int64_t>{Int(l.at("id"))});
  EXPECT_EQ(ListIds("slug=" + Enc(Str(l.at("slug")))), std::vector<int64_t>{Int(l.at("id"))});
}

TEST_P(LayoutsTest, InvalidLayoutsAre422AndWriteNothing) {
  std::string name = Unique("Broken");
  auto bad_type =
      Post("/api/v1/asset_layouts", R"({"asset_layout":{"name":")" + name +
                                        R"(","fields":[{"label":"OS","field_type":"Text"},)"
                                        R"({"label":"Kind","field_type":"text"}]}})");
  EXPECT_EQ(bad_type.status, 422) << bad_type.Describe();
  EXPECT_TRUE(DetailsMention(bad_type.json, "field_type")) << bad_type.Describe();
  EXPECT_TRUE(DetailsMention(bad_type.json, "'text'")) << bad_type.Describe();
  EXPECT_TRUE(ListIds("name=" + Enc(name)).empty()) << "a refused layout was written";

  auto no_label = Post("/api/v1/asset_layouts", R"({"asset_layout":{"name":")" + name +
                                                    R"(","fields":[{"field_type":"Text"}]}})");
  EXPECT_EQ(no_label.status, 422);
  EXPECT_TRUE(DetailsMention(no_label.json, "label")) << no_label.Describe();
  auto map = Post("/api/v1/asset_layouts",
                  R"({"asset_layout":{"name":")" + name + R"(","fields":{"label":"OS"}}})");
  EXPECT_EQ(map.status, 422);
  EXPECT_TRUE(DetailsMention(map.json, "fields")) << map.Describe();
  auto blank = Post("/api/v1/asset_layouts", R"({"asset_layout":{"name":""}})");
  EXPECT_EQ(blank.status, 422);
  EXPECT_TRUE(DetailsMention(blank.json, "name")) << blank.Describe();
  // A blank name and a bad field are told in one answer, and nothing is made.
  auto both = Post("/api/v1/asset_layouts",
                   R"({"asset_layout":{"name":"","fields":[{"label":"OS","field_type":"Texty"}]}})");
  EXPECT_EQ(both.status, 422);
  EXPECT_TRUE(DetailsMention(both.json, "name")) << both.Describe();
  EXPECT_TRUE(DetailsMention(both.json, "fields[0].field_type 'Texty'")) << both.Describe();
  EXPECT_TRUE(ListIds("name=" + Enc(name)).empty());
}

TEST_P(LayoutsTest, DuplicateLabelsAndNamesAre422) {
  std::string name = Unique("Dupes");
  auto dup =
      Post("/api/v1/asset_layouts", R"({"asset_layout":{"name":")" + name +
                                        R"(","fields":[{"label":"Notes","field_type":"Text"},)"
                                        R"({"label":"notes","field_type":"RichText"}]}})");
  EXPECT_EQ(dup.status, 422) << dup.Describe();
  EXPECT_TRUE(DetailsMention(dup.json, "has already been taken")) << dup.Describe();
  EXPECT_TRUE(ListIds("name=" + Enc(name)).empty());

  auto layout = CreateLayout(name, {json::object{{"label", "Notes"}, {"field_type", "Text"}}});
  std::string path = "/api/v1/asset_layouts/" + Str(layout.at("id"));
  auto add = Put(path, R"({"asset_layout":{"fields":[{"label":"NOTES","field_type":"Text"}]}})");
  EXPECT_EQ(add.status, 422) << add.Describe();
  EXPECT_TRUE(DetailsMention(add.json, "has already been taken")) << add.Describe();
  EXPECT_EQ(Labels(Get(path).At("asset_layout")), std::vector<std::string>{"Notes"});

  auto same_name =
      Post("/api/v1/asset_layouts", R"({"asset_layout":{"name":")" + ToLower(name) + R"("}})");
  EXPECT_EQ(same_name.status, 422) << same_name.Describe();
  EXPECT_TRUE(DetailsMention(same_name.json, "name")) << same_name.Describe();
}

TEST_P(LayoutsTest, PutMergesFields) {
  std::string name = Unique("Mergeable");
  auto layout = CreateLayout(name, {json::object{{"label", "IP Address"}, {"field_type", "Text"}},
                                    json::object{{"label", "OS"}, {"field_type", "Text"}}});
  std::string path = "/api/v1/asset_layouts/" + Str(layout.at("id"));
  int64_t ip = Int(FieldNamed(layout, "IP Address")->at("id"));
  int64_t os = Int(FieldNamed(layout, "OS")->at("id"));
  auto r = Put(path, R"({"asset_layout":{"fields":[{"id":)" + std::to_string(ip) +
                         R"(,"label":"IPv4 Address","required":true},)"
                         R"({"label":"Location","field_type":"Text"}]}})");
  ASSERT_EQ(r.status, 200) << r.Describe();
  const auto& l = r.At("asset_layout");
  EXPECT_EQ(Str(l.at("name")), name);
  EXPECT_EQ(Labels(l), (std::vector<std::string>{"IPv4 Address", "OS", "Location"}));
  EXPECT_EQ(Int(FieldNamed(l, "IPv4 Address")->at("id")), ip);
  EXPECT_EQ(Str(FieldNamed(l, "IPv4 Address")->at("field_type")), "Text");
  EXPECT_EQ(FieldNamed(l, "IPv4 Address")->at("required"), json::value(true));
  EXPECT_EQ(Int(FieldNamed(l, "OS")->at("id")), os);
  int64_t location = Int(FieldNamed(l, "Location")->at("id"));
  EXPECT_GT(location, 0);
  EXPECT_NE(location, ip);
  EXPECT_EQ(Get(path).At("asset_layout"), l);

  // A PUT without fields keeps them; a field of another layout is refused; _destroy removes.
  auto renamed = Put(path, R"({"asset_layout":{"name":")" + name + R"( v2"}})");
  ASSERT_EQ(renamed.status, 200);
  EXPECT_EQ(Labels(renamed.At("asset_layout")).size(), 3u);
  auto other =
      CreateLayout(Unique("Other"), {json::object{{"label", "X"}, {"field_type", "Text"}}});
  auto foreign = Put(path, R"({"asset_layout":{"fields":[{"id":)" +
                               Str(Arr(other.at("fields"))[0].at("id")) + R"(,"label":"Y"}]}})");
  EXPECT_EQ(foreign.status, 422) << foreign.Describe();
  EXPECT_EQ(Labels(Get("/api/v1/asset_layouts/" + Str(other.at("id"))).At("asset_layout")),
            std::vector<std::string>{"X"});
  auto destroy = Put(path, R"({"asset_layout":{"fields":[{"id":)" + std::to_string(os) +
                               R"(,"_destroy":true}]}})");
  ASSERT_EQ(destroy.status, 200) << destroy.Describe();
  EXPECT_EQ(Labels(destroy.At("asset_layout")),
            (std::vector<std::string>{"IPv4 Address", "Location"}));
  EXPECT_EQ(Put("/api/v1/asset_layouts/99999999", R"({"asset_layout":{"name":"x"}})").status, 404);
}

TEST_P(LayoutsTest, NoDeleteRoute) {
  auto layout = CreateLayout(Unique("Permanent"), {});
  std::string path = "/api/v1/asset_layouts/" + Str(layout.at("id"));
  auto r = Del(path);
  EXPECT_EQ(r.status, 404) << r.Describe();
  EXPECT_TRUE(r.At("error").is_string()) << r.Describe();
  EXPECT_EQ(Get(path).status, 200);
  auto missing = Get("/api/v1/asset_layouts/99999999");
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(missing.At("error").is_string()) << missing.Describe();
}

TEST_P(LayoutsTest, ActiveFilter) {
  auto on = CreateLayout(Unique("Active"), {});
  auto off_r = Post("/api/v1/asset_layouts", R"({"asset_layout":{"name":")" + Unique("Inactive") +
                                                 R"(","active":"false"}})");
  ASSERT_EQ(off_r.status, 200) << off_r.Describe();
  auto off = off_r.At("asset_layout");
  EXPECT_EQ(off.at("active"), json::value(false));
  int64_t on_id = Int(on.at("id")), off_id = Int(off.at("id"));
  auto contains = [](const std::vector<int64_t>& v, int64_t id) {
    return std::find(v.begin(), v.end(), id) != v.end();
  };
  auto active = ListIds("active=true&page_size=1000");
  auto inactive = ListIds("active=false&page_size=1000");
  EXPECT_TRUE(contains(active, on_id));
  EXPECT_FALSE(contains(active, off_id));
  EXPECT_TRUE(contains(inactive, off_id));
  EXPECT_FALSE(contains(inactive, on_id));
  auto all = ListIds("page_size=1000");
  EXPECT_TRUE(contains(all, on_id) && contains(all, off_id));

  auto reactivated = Put("/api/v1/asset_layouts/" + std::to_string(off_id), R"({"active":true})");
  ASSERT_EQ(reactivated.status, 200);
  EXPECT_EQ(reactivated.At("asset_layout", "active"), json::value(true));
  EXPECT_FALSE(contains(ListIds("active=false&page_size=1000"), off_id));
  EXPECT_EQ(Get("/api/v1/asset_layouts?active=maybe").status, 422);
}

}  // namespace
}  // namespace cairn::tests
