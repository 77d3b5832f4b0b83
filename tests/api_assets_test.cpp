// End to end: assets (reference/hudu-api.md 3.2 and 4): custom_fields in and fields out, both
// list routes, filters, archive, move_layout, update, delete, and the company in the path.
#include <algorithm>
#include <set>

#include "core/text.h"
#include "tests/api_fixture.h"

namespace cairn::tests {
namespace {

class AssetsTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    company_ = CreateCompany(Unique("Asset Co"));
    layout_ = CreateLayout(
        Unique("Computer"),
        {json::object{{"label", "IP Address"}, {"field_type", "Text"}},
         json::object{{"label", "Warranty Expires"}, {"field_type", "Date"}},
         json::object{{"label", "Managed"}, {"field_type", "CheckBox"}},
         json::object{{"label", "Cores"}, {"field_type", "Number"}, {"min", 1}, {"max", 256}},
         json::object{{"label", "Wi-Fi SSID"}, {"field_type", "Text"}},
         json::object{{"label", "Site Address"}, {"field_type", "AddressData"}},
         json::object{{"label", "Serial Number"}, {"field_type", "Text"}, {"required", true}}});
    layout_id_ = Int(layout_.at("id"));
  }

  std::string Assets(int64_t company = 0) {
    return "/api/v1/companies/" + std::to_string(company ? company : company_) + "/assets";
  }
  // POST {"asset": {name, asset_layout_id: layout_id_, custom_fields (serial number added)}}.
  Reply PostAsset(const std::string& name, json::array custom_fields, json::object extra = {}) {
    custom_fields.push_back(json::object{{"serial_number", "SN-" + name}});
    json::object asset = extra;
    asset["name"] = name;
    if (!asset.contains("asset_layout_id")) asset["asset_layout_id"] = layout_id_;
    asset["custom_fields"] = std::move(custom_fields);
    return S().CallJson("POST", Assets(), json::object{{"asset", asset}});
  }
  int64_t MakeAsset(const std::string& name, json::object extra = {}) {
    auto r = PostAsset(name, {}, std::move(extra));
    EXPECT_EQ(r.status, 200) << r.Describe();
    return Int(r.At("asset", "id"));
  }
  std::string AssetPath(int64_t id) { return Assets() + "/" + std::to_string(id); }
  std::vector<int64_t> ListIds(const std::string& path_and_query) {
    auto r = Get(path_and_query);
    EXPECT_EQ(r.status, 200) << path_and_query << ": " << r.Describe();
    return Ids(r.At("assets"));
  }

  int64_t company_ = 0;
  json::value layout_;
  int64_t layout_id_ = 0;
};
CAIRN_ON_BOTH_BACKENDS(AssetsTest);

TEST_P(AssetsTest, CreateWithCustomFields) {
  std::string name = Unique("Laptop");
  auto r = PostAsset(name,
                     {json::object{{"ip_address", "10.0.0.1"}},
                      json::object{{"Warranty Expires", "2025/03/01"}},  // label with spaces
                      json::object{{"managed", "true"}}, json::object{{"cores", "8"}},
                      json::object{{"wi_fi_ssid", "Office"}},
                      json::object{{"site_address", json::object{{"address_line_1", "1 Main St"},
                                                                 {"city", "Leeds"},
                                                                 {"zip", "LS1"}}}}},
                     {{"primary_serial", "PS-" + name},
                      {"primary_model", "T14"},
                      {"primary_manufacturer", "Lenovo"},
                      {"primary_mail", "it@example.com"}});
  ASSERT_EQ(r.status, 200) << r.Describe();
  const auto& a = r.At("asset").as_object();
  EXPECT_GT(Int(a.at("id")), 0);
  EXPECT_EQ(Str(a.at("name")), name);
  EXPECT_EQ(Int(a.at("company_id")), company_);
  EXPECT_FALSE(Str(a.at("company_name")).empty());
  EXPECT_EQ(Int(a.at("asset_layout_id")), layout_id_);
  EXPECT_EQ(Str(a.at("asset_type")), Str(layout_.at("name")));
  EXPECT_EQ(Str(a.at("primary_serial")), "PS-" + name);
  EXPECT_EQ(Str(a.at("primary_model")), "T14");
  EXPECT_EQ(Str(a.at("primary_manufacturer")), "Lenovo");
  EXPECT_EQ(Str(a.at("primary_mail")), "it@example.com");
  EXPECT_EQ(Str(a.at("object_type")), "Asset");
  EXPECT_EQ(a.at("archived"), json::value(false));
  EXPECT_EQ(Str(a.at("url")), "/a/" + Str(a.at("slug")));
  EXPECT_TRUE(IsIsoMillis(a.at("created_at")));
  EXPECT_FALSE(a.contains("field_values"));

  ASSERT_EQ(Arr(a.at("fields")).size(), 7u);  // every layout field, set or not
  for (const auto& f : Arr(a.at("fields"))) {
    EXPECT_GT(Int(f.at("id")), 0);
    EXPECT_TRUE(f.as_object().contains("position"));
  }
  auto v = FieldValues(r.At("asset"));
  EXPECT_EQ(v["IP Address"], json::value("10.0.0.1"));
  EXPECT_EQ(v["Warranty Expires"], json::value("2025-03-01"));
  EXPECT_EQ(v["Managed"], json::value("true"));
  EXPECT_EQ(v["Cores"], json::value("8"));
  EXPECT_EQ(v["Wi-Fi SSID"], json::value("Office"));
  EXPECT_EQ(v["Serial Number"], json::value("SN-" + name));
  ASSERT_TRUE(v["Site Address"].is_string()) << v["Site Address"];
  auto address = json::parse(v["Site Address"].as_string());
  EXPECT_EQ(address.at("city"), json::value("Leeds"));
  EXPECT_EQ(address.at("address_line_1"), json::value("1 Main St"));

  auto got = Get(AssetPath(Int(a.at("id"))));
  ASSERT_EQ(got.status, 200) << got.Describe();
  EXPECT_EQ(got.At("asset"), r.At("asset"));
  auto by_id = Get("/api/v1/assets?id=" + Str(a.at("id")));
  ASSERT_EQ(Arr(by_id.At("assets")).size(), 1u);
  EXPECT_EQ(Arr(by_id.At("assets"))[0], r.At("asset"));
}

TEST_P(AssetsTest, ValuesAreNormalisedByFieldType) {
  int64_t id = MakeAsset(Unique("Normalised"));
  struct Case {
    std::string key;
    json::value in;
    std::string label, out;
  };
  std::vector<Case> cases = {
      {"warranty_expires", "2025-03-01", "Warranty Expires", "2025-03-01"},
      {"warranty_expires", "2025/03/02", "Warranty Expires", "2025-03-02"},
      {"warranty_expires", "03/04/2025", "Warranty Expires", "2025-03-04"},
      {"WARRANTY Expires", "2025-03-06", "Warranty Expires", "2025-03-06"},  // any case
      {"warranty_expires", "02/29/2024", "Warranty Expires", "2024-02-29"},  // a leap day
      {"warranty_expires", "2025-03-05T10:20:30Z", "Warranty Expires", "2025-03-05"},
      {"managed", true, "Managed", "true"},
      {"managed", "false", "Managed", "false"},
      {"managed", 1, "Managed", "true"},
      {"managed", "0", "Managed", "false"},
      {"cores", 5, "Cores", "5"},
      {"cores", "12", "Cores", "12"},
      {"ip_address", 42, "IP Address", "42"},
  };
  for (const auto& c : cases) {
    auto r = S().CallJson(
        "PUT", AssetPath(id),
        json::object{
            {"asset", json::object{{"custom_fields", json::array{json::object{{c.key, c.in}}}}}}});
    ASSERT_EQ(r.status, 200) << c.key << "=" << c.in << ": " << r.Describe();
    EXPECT_EQ(FieldValues(r.At("asset"))[c.label], json::value(c.out)) << c.key << "=" << c.in;
  }
  std::vector<std::pair<std::string, json::value>> invalid = {{"warranty_expires", "2025-13-01"},
                                                              {"warranty_expires", "2025-02-29"},
                                                              {"warranty_expires", "2025-04-31"},
                                                              {"warranty_expires", "tomorrow"},
                                                              {"managed", "maybe"},
                                                              {"cores", "five"},
                                                              {"cores", 0},
                                                              {"cores", 300},
                                                              {"ip_address", json::array{1, 2}}};
  for (const auto& [key, value] : invalid) {
    auto r = S().CallJson(
        "PUT", AssetPath(id),
        json::object{
            {"asset", json::object{{"custom_fields", json::array{json::object{{key, value}}}}}}});
    EXPECT_EQ(r.status, 422) << key << "=" << value << ": " << r.Describe();
    std::string label = key == "warranty_expires" ? "Warranty Expires"
                        : key == "managed"        ? "Managed"
                        : key == "cores"          ? "Cores"
                                                  : "IP Address";
    EXPECT_TRUE(DetailsMention(r.json, label)) << r.Describe();
  }
  // The last valid values are still there.
  auto v = FieldValues(Get(AssetPath(id)).At("asset"));
  EXPECT_EQ(v["Warranty Expires"], json::value("2025-03-05"));
  EXPECT_EQ(v["Cores"], json::value("12"));
  EXPECT_EQ(v["Managed"], json::value("false"));
  // null clears a value.
  auto cleared = Put(AssetPath(id), R"({"asset":{"custom_fields":[{"cores":null}]}})");
  ASSERT_EQ(cleared.status, 200) << cleared.Describe();
  EXPECT_TRUE(FieldValues(cleared.At("asset"))["Cores"].is_null());
}

TEST_P(AssetsTest, CustomFieldsMustBeAnArrayOfObjects) {
  std::string name = Unique("Mapped");
  for (const std::string& cf :
       {std::string(R"({"ip_address":"10.0.0.1","serial_number":"S"})"),
        std::string(R"(["ip_address"])"), std::string(R"([[{"ip_address":"1"}]])")}) {
    auto r = Post(Assets(), R"({"asset":{"name":")" + name + R"(","asset_layout_id":)" +
                                std::to_string(layout_id_) + R"(,"custom_fields":)" + cf + "}}");
    EXPECT_EQ(r.status, 422) << cf << ": " << r.Describe();
    EXPECT_TRUE(DetailsMention(r.json, "custom_fields must be an array of objects"))
        << r.Describe();
  }
  auto map = Post(Assets(), R"({"asset":{"name":")" + name + R"(","asset_layout_id":)" +
                                std::to_string(layout_id_) +
                                R"(,"custom_fields":{"serial_number":"S"}}})");
  ASSERT_EQ(map.status, 422);
  EXPECT_EQ(Arr(map.At("details")),
            json::array{"custom_fields must be an array of objects (use [ ] not { })."});
  EXPECT_TRUE(ListIds("/api/v1/assets?name=" + Enc(name)).empty());
}

TEST_P(AssetsTest, UnknownFieldNamesAre422) {
  std::string name = Unique("Unknown");
  auto r = PostAsset(name, {json::object{{"ip_address", "10.0.0.1"}},
                            json::object{{"bogus_field", "x"}}, json::object{{"Also Bogus", "y"}}});
  ASSERT_EQ(r.status, 422) << r.Describe();
  EXPECT_EQ(Str(r.At("error")), "Invalid custom fields");
  EXPECT_TRUE(DetailsMention(r.json, "Invalid field names: ")) << r.Describe();
  EXPECT_TRUE(DetailsMention(r.json, "bogus_field")) << r.Describe();
  EXPECT_TRUE(DetailsMention(r.json, "Also Bogus")) << r.Describe();
  EXPECT_TRUE(ListIds("/api/v1/assets?name=" + Enc(name)).empty());
}

TEST_P(AssetsTest, RequiredAndBasicFieldsAreValidated) {
  std::string name = Unique("Incomplete");
  auto no_serial = S().CallJson(
      "POST", Assets(),
      json::object{{"asset", json::object{{"name", name},
                                          {"asset_layout_id", layout_id_},
                                          {"custom_fields",
                                           json::array{json::object{{"ip_address", "1"}}}}}}});
  EXPECT_EQ(no_serial.status, 422) << no_serial.Describe();
  EXPECT_TRUE(DetailsMention(no_serial.json, "Serial Number can't be blank"))
      << no_serial.Describe();
  auto no_name = PostAsset("", {});
  EXPECT_EQ(no_name.status, 422);
  EXPECT_TRUE(DetailsMention(no_name.json, "name")) << no_name.Describe();
  auto no_layout = Post(Assets(), R"({"asset":{"name":")" + name + R"("}})");
  EXPECT_EQ(no_layout.status, 422);
  EXPECT_TRUE(DetailsMention(no_layout.json, "asset_layout_id")) << no_layout.Describe();
  auto bad_layout = PostAsset(name, {}, {{"asset_layout_id", 99999999}});
  EXPECT_EQ(bad_layout.status, 422);
  EXPECT_TRUE(DetailsMention(bad_layout.json, "asset_layout_id")) << bad_layout.Describe();
  EXPECT_TRUE(ListIds("/api/v1/assets?name=" + Enc(name)).empty());
  EXPECT_EQ(Post("/api/v1/companies/99999999/assets",
                 R"({"asset":{"name":"x","asset_layout_id":)" + std::to_string(layout_id_) + "}}")
                .status,
            404);

  // Flat body, layout id as a string.
  auto flat = Post(Assets(), R"({"name":")" + name + R"(","asset_layout_id":")" +
                                 std::to_string(layout_id_) +
                                 R"(","custom_fields":[{"serial_number":"S1"}]})");
  ASSERT_EQ(flat.status, 200) << flat.Describe();
  int64_t id = Int(flat.At("asset", "id"));
  // An update need not repeat the required field, but may not blank it.
  EXPECT_EQ(Put(AssetPath(id), R"({"asset":{"primary_model":"X1"}})").status, 200);
  auto blanked = Put(AssetPath(id), R"({"asset":{"custom_fields":[{"serial_number":""}]}})");
  EXPECT_EQ(blanked.status, 422) << blanked.Describe();
  EXPECT_EQ(FieldValues(Get(AssetPath(id)).At("asset"))["Serial Number"], json::value("S1"));
}

TEST_P(AssetsTest, ListRoutesAndFilters) {
  std::string tag = Token();
  int64_t a1 = MakeAsset(tag + " alpha", {{"primary_serial", tag + "-S1"}});
  int64_t a2 = MakeAsset(tag + " beta", {{"primary_serial", tag + "-S2"}});
  auto other_layout = CreateLayout(Unique("Printer"), {});
  int64_t a3 = Int(
      CreateAsset(company_, {{"name", tag + " gamma"}, {"asset_layout_id", other_layout.at("id")}})
          .at("id"));
  int64_t other_company = CreateCompany(Unique("Other Co"));
  auto elsewhere = CreateAsset(
      other_company, {{"name", tag + " delta"}, {"asset_layout_id", other_layout.at("id")}});
  using V = std::vector<int64_t>;
  std::string c = std::to_string(company_);
  EXPECT_EQ(ListIds(Assets()), (V{a1, a2, a3}));
  EXPECT_EQ(ListIds("/api/v1/assets?company_id=" + c), (V{a1, a2, a3}));
  EXPECT_EQ(ListIds(Assets(other_company)), V{Int(elsewhere.at("id"))});
  EXPECT_EQ(ListIds("/api/v1/assets?id=" + std::to_string(a2)), V{a2});
  EXPECT_EQ(ListIds("/api/v1/assets?name=" + Enc(tag + " alpha")), V{a1});
  EXPECT_EQ(ListIds("/api/v1/assets?name=" + Enc(tag)), V{});  // exact
  EXPECT_EQ(ListIds("/api/v1/assets?primary_serial=" + Enc(tag + "-S2")), V{a2});
  EXPECT_EQ(ListIds("/api/v1/assets?asset_layout_id=" + Str(other_layout.at("id"))),
            (V{a3, Int(elsewhere.at("id"))}));
  EXPECT_EQ(
      ListIds("/api/v1/assets?asset_layout_id=" + Str(other_layout.at("id")) + "&company_id=" + c),
      V{a3});
  EXPECT_EQ(ListIds("/api/v1/assets?search=" + Enc(tag)), (V{a1, a2, a3, Int(elsewhere.at("id"))}));
  EXPECT_EQ(ListIds("/api/v1/assets?search=" + Enc(tag + "-S")), (V{a1, a2}));  // serials too
  EXPECT_EQ(ListIds("/api/v1/assets?archived=true&company_id=" + c), V{});
  EXPECT_EQ(ListIds(Assets() + "?page_size=2&page=2"), V{a3});
  auto past = Get(Assets() + "?page=9");
  EXPECT_EQ(past.body, R"({"assets":[]})");
  EXPECT_EQ(Get("/api/v1/assets?company_id=x").status, 422);
  EXPECT_EQ(Get("/api/v1/companies/99999999/assets").status, 404);
}

TEST_P(AssetsTest, FieldsRoundTripPowerShellStyle) {
  auto created = PostAsset(
      Unique("Roundtrip"),
      {json::object{{"ip_address", "192.168.1.10"}},
       json::object{{"warranty_expires", "12/31/2026"}}, json::object{{"managed", true}},
       json::object{{"cores", 16}}, json::object{{"wi_fi_ssid", "Guest"}},
       json::object{{"site_address", json::object{{"city", "Bath"}, {"country_name", "UK"}}}}});
  ASSERT_EQ(created.status, 200) << created.Describe();
  int64_t id = Int(created.At("asset", "id"));
  auto read = Get(AssetPath(id));
  ASSERT_EQ(read.status, 200);
  // What HuduAPI's Set-HuduAsset does: one {label.replace(' ','_').lower(): value} per field.
  json::array custom_fields;
  for (const auto& f : Arr(read.At("asset", "fields"))) {
    if (f.at("value").is_null()) continue;
    std::string key = Str(f.at("label"));
    std::replace(key.begin(), key.end(), ' ', '_');
    custom_fields.push_back(json::object{{ToLower(key), f.at("value")}});
  }
  ASSERT_EQ(custom_fields.size(), 7u);
  auto put = S().CallJson("PUT", AssetPath(id),
                          json::object{{"asset", json::object{{"name", read.At("asset", "name")},
                                                              {"custom_fields", custom_fields}}}});
  ASSERT_EQ(put.status, 200) << put.Describe();
  EXPECT_EQ(FieldValues(put.At("asset")), FieldValues(read.At("asset")));
  EXPECT_EQ(FieldValues(put.At("asset"))["Warranty Expires"], json::value("2026-12-31"));
}

TEST_P(AssetsTest, AssetTagAndListSelectValuesRoundTrip) {
  auto layout = CreateLayout(Unique("Linked"),
                             {json::object{{"label", "Uplink"}, {"field_type", "AssetTag"}},
                              json::object{{"label", "Roles"}, {"field_type", "ListSelect"}}});
  int64_t target = MakeAsset(Unique("Core switch"));
  auto created = CreateAsset(
      company_,
      {{"name", Unique("Edge")},
       {"asset_layout_id", layout.at("id")},
       {"custom_fields", json::array{json::object{{"uplink", json::array{target}}},
                                     json::object{{"roles", json::array{"web", "db"}}}}}});
  ASSERT_TRUE(created.is_object());
  auto v = FieldValues(created);
  ASSERT_TRUE(v["Uplink"].is_string()) << v["Uplink"];
  EXPECT_EQ(json::parse(v["Uplink"].as_string()), (json::array{target}));
  ASSERT_TRUE(v["Roles"].is_string()) << v["Roles"];
  EXPECT_EQ(json::parse(v["Roles"].as_string()), (json::array{"web", "db"}));
  // Written back as read.
  auto put = S().CallJson(
      "PUT", Assets() + "/" + Str(created.at("id")),
      json::object{{"asset", json::object{{"custom_fields",
                                           json::array{json::object{{"uplink", v["Uplink"]}},
                                                       json::object{{"roles", v["Roles"]}}}}}}});
  ASSERT_EQ(put.status, 200) << put.Describe();
  EXPECT_EQ(FieldValues(put.At("asset")), v);
  auto bad = S().CallJson(
      "PUT", Assets() + "/" + Str(created.at("id")),
      json::object{{"asset", json::object{{"custom_fields", json::array{json::object{
                                                                {"uplink", json::array{"x"}}}}}}}});
  EXPECT_EQ(bad.status, 422) << bad.Describe();
  EXPECT_TRUE(DetailsMention(bad.json, "Uplink")) << bad.Describe();
}

TEST_P(AssetsTest, ArchiveAndUnarchive) {
  int64_t id = MakeAsset(Unique("Retired"));
  auto archived = Put(AssetPath(id) + "/archive", "");
  ASSERT_EQ(archived.status, 200) << archived.Describe();
  EXPECT_EQ(archived.At("asset", "archived"), json::value(true));
  EXPECT_TRUE(ListIds(Assets()).empty());
  EXPECT_EQ(ListIds(Assets() + "?archived=true"), std::vector<int64_t>{id});
  EXPECT_EQ(ListIds("/api/v1/assets?archived=true&company_id=" + std::to_string(company_)),
            std::vector<int64_t>{id});
  EXPECT_EQ(ListIds("/api/v1/assets?id=" + std::to_string(id)), std::vector<int64_t>{id});
  EXPECT_EQ(Get(AssetPath(id)).At("asset", "archived"), json::value(true));
  auto back = Put(AssetPath(id) + "/unarchive", "");
  ASSERT_EQ(back.status, 200);
  EXPECT_EQ(back.At("asset", "archived"), json::value(false));
  EXPECT_EQ(ListIds(Assets()), std::vector<int64_t>{id});
}

TEST_P(AssetsTest, MoveLayoutCarriesValuesByLabel) {
  auto created =
      PostAsset(Unique("Mover"), {json::object{{"ip_address", "10.1.1.1"}},
                                  json::object{{"cores", "4"}}, json::object{{"managed", "true"}}});
  ASSERT_EQ(created.status, 200) << created.Describe();
  int64_t id = Int(created.At("asset", "id"));
  auto target =
      CreateLayout(Unique("Server"), {json::object{{"label", "IP Address"}, {"field_type", "Text"}},
                                      json::object{{"label", "Owner"}, {"field_type", "Text"}}});
  int64_t target_ip = Int(Arr(target.at("fields"))[0].at("id"));
  auto moved =
      Put(AssetPath(id) + "/move_layout", R"({"asset_layout_id":)" + Str(target.at("id")) + "}");
  ASSERT_EQ(moved.status, 200) << moved.Describe();
  EXPECT_EQ(Int(moved.At("asset", "asset_layout_id")), Int(target.at("id")));
  EXPECT_EQ(Str(moved.At("asset", "asset_type")), Str(target.at("name")));
  auto v = FieldValues(moved.At("asset"));
  EXPECT_EQ(v["IP Address"], json::value("10.1.1.1"));
  EXPECT_EQ(v["Cores"], json::value("4"));
  EXPECT_EQ(v["Managed"], json::value("true"));
  EXPECT_EQ(v["Serial Number"], json::value("SN-" + Str(created.At("asset", "name"))));
  EXPECT_TRUE(v["Owner"].is_null());
  for (const auto& f : Arr(moved.At("asset", "fields")))
    if (Str(f.at("label")) == "IP Address") {
      EXPECT_EQ(Int(f.at("id")), target_ip);
    }
  // The fields the target lacked were created there, with their types.
  auto layout = Get("/api/v1/asset_layouts/" + Str(target.at("id"))).At("asset_layout");
  std::map<std::string, std::string> types;
  for (const auto& f : Arr(layout.at("fields")))
    types[Str(f.at("label"))] = Str(f.at("field_type"));
  EXPECT_EQ(types["Cores"], "Number");
  EXPECT_EQ(types["Managed"], "CheckBox");
  EXPECT_EQ(types["IP Address"], "Text");
  EXPECT_EQ(types.size(), 5u);  // IP Address, Owner, Cores, Managed, Serial Number
  EXPECT_EQ(Get(AssetPath(id)).At("asset"), moved.At("asset"));

  auto bad = Put(AssetPath(id) + "/move_layout", R"({"asset_layout_id":99999999})");
  EXPECT_EQ(bad.status, 422) << bad.Describe();
  EXPECT_EQ(Put(AssetPath(id) + "/move_layout", "{}").status, 422);
  // The layout cannot be changed by a plain update.
  auto sneaky =
      Put(AssetPath(id), R"({"asset":{"asset_layout_id":)" + std::to_string(layout_id_) + "}}");
  EXPECT_EQ(sneaky.status, 422) << sneaky.Describe();
  EXPECT_TRUE(DetailsMention(sneaky.json, "asset_layout_id"));
}

// The target layout has fields whose labels clash with the asset's as custom_fields keys ("Managed"
// of another type, "ip address" spelt differently). Whatever move_layout does with them (refuse
// with 422, or carry the values into those fields), the target's labels must stay unique: a
// layout with two "managed" keys can no longer be edited nor written unambiguously.
TEST_P(AssetsTest, MoveLayoutKeepsTargetLabelsUnique) {
  auto created = PostAsset(Unique("Clash"), {json::object{{"ip_address", "10.2.2.2"}},
                                             json::object{{"managed", "true"}}});
  ASSERT_EQ(created.status, 200) << created.Describe();
  int64_t id = Int(created.At("asset", "id"));
  auto target = CreateLayout(Unique("Clashing"),
                             {json::object{{"label", "Managed"}, {"field_type", "Text"}},
                              json::object{{"label", "ip address"}, {"field_type", "Text"}}});
  std::string target_path = "/api/v1/asset_layouts/" + Str(target.at("id"));
  auto moved =
      Put(AssetPath(id) + "/move_layout", R"({"asset_layout_id":)" + Str(target.at("id")) + "}");
  // Same-named fields are the same field: the values land in them, converted to their type.
  ASSERT_EQ(moved.status, 200) << moved.Describe();
  auto values = FieldValues(moved.At("asset"));
  EXPECT_EQ(values["Managed"], json::value("true"));
  EXPECT_EQ(values["ip address"], json::value("10.2.2.2"));
  std::set<std::string> keys;
  auto layout = Get(target_path);
  for (const auto& f : Arr(layout.At("asset_layout", "fields")))
    EXPECT_TRUE(keys.insert(SnakeCase(Str(f.at("label")))).second)
        << "duplicate label in the target layout: " << Str(f.at("label"));
  auto edit =
      Put(target_path, R"({"asset_layout":{"fields":[{"label":"Owner","field_type":"Text"}]}})");
  EXPECT_EQ(edit.status, 200) << "the target layout can no longer be edited: " << edit.Describe();
}

TEST_P(AssetsTest, MoveLayoutRefusesValuesThatDoNotFitTheTargetType) {
  auto created = PostAsset(Unique("Misfit"), {json::object{{"wi_fi_ssid", "guest-net"}}});
  ASSERT_EQ(created.status, 200) << created.Describe();
  int64_t id = Int(created.At("asset", "id"));
  auto target = CreateLayout(Unique("Numeric"),
                             {json::object{{"label", "Wi-Fi SSID"}, {"field_type", "Number"}}});
  auto moved =
      Put(AssetPath(id) + "/move_layout", R"({"asset_layout_id":)" + Str(target.at("id")) + "}");
  ASSERT_EQ(moved.status, 422) << moved.Describe();
  EXPECT_NE(moved.body.find("Wi-Fi SSID must be a number"), std::string::npos) << moved.body;
  // Nothing moved.
  auto after = Get(AssetPath(id));
  EXPECT_EQ(Int(after.At("asset", "asset_layout_id")), Int(created.At("asset", "asset_layout_id")));
  EXPECT_EQ(FieldValues(after.At("asset"))["Wi-Fi SSID"], json::value("guest-net"));
}

// The answer to a move shows the fields the move created, even when the target layout was just
// read (and may be remembered) before.
TEST_P(AssetsTest, MoveLayoutAnswerShowsTheFieldsItCreated) {
  auto target = CreateLayout(Unique("Warm"), {json::object{{"label", "IP Address"}},
                                              json::object{{"label", "Serial Number"}}});
  auto resident = PostAsset(Unique("Resident"), {},
                            json::object{{"asset_layout_id", target.at("id")}});
  ASSERT_EQ(resident.status, 200) << resident.Describe();
  ASSERT_EQ(Get("/api/v1/assets?id=" + Str(resident.At("asset", "id"))).status, 200);
  auto mover = PostAsset(Unique("Mover"), {json::object{{"wi_fi_ssid", "corp-net"}}});
  ASSERT_EQ(mover.status, 200) << mover.Describe();
  auto moved = Put(AssetPath(Int(mover.At("asset", "id"))) + "/move_layout",
                   R"({"asset_layout_id":)" + Str(target.at("id")) + "}");
  ASSERT_EQ(moved.status, 200) << moved.Describe();
  EXPECT_EQ(FieldValues(moved.At("asset"))["Wi-Fi SSID"], json::value("corp-net"));
}

TEST_P(AssetsTest, UpdateAndDelete) {
  int64_t id = MakeAsset(Unique("Editable"), {{"primary_serial", "OLD"}});
  auto r = Put(AssetPath(id), R"({"asset":{"name":"Renamed","primary_serial":"NEW",)"
                              R"("custom_fields":[{"ip_address":"10.9.9.9"}]}})");
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(Str(r.At("asset", "name")), "Renamed");
  EXPECT_EQ(Str(r.At("asset", "primary_serial")), "NEW");
  EXPECT_EQ(FieldValues(r.At("asset"))["IP Address"], json::value("10.9.9.9"));
  EXPECT_EQ(Put(AssetPath(id), R"({"asset":{"name":""}})").status, 422);
  EXPECT_EQ(Str(Get(AssetPath(id)).At("asset", "name")), "Renamed");

  auto del = Del(AssetPath(id));
  EXPECT_EQ(del.status, 204);
  EXPECT_TRUE(del.body.empty());
  auto gone = Get(AssetPath(id));
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.body, R"({"error":"Asset not found"})");
  EXPECT_EQ(Del(AssetPath(id)).status, 404);
  EXPECT_TRUE(ListIds("/api/v1/assets?id=" + std::to_string(id)).empty());
}

TEST_P(AssetsTest, AssetOfAnotherCompanyViaWrongPathIs404) {
  int64_t id = MakeAsset(Unique("Mine"));
  int64_t other = CreateCompany(Unique("Not the owner"));
  std::string wrong = Assets(other) + "/" + std::to_string(id);
  EXPECT_EQ(Get(wrong).status, 404);
  EXPECT_EQ(Put(wrong, R"({"asset":{"name":"Stolen"}})").status, 404);
  EXPECT_EQ(Put(wrong + "/archive", "").status, 404);
  EXPECT_EQ(Del(wrong).status, 404);
  auto still = Get(AssetPath(id));
  ASSERT_EQ(still.status, 200);
  EXPECT_NE(Str(still.At("asset", "name")), "Stolen");
  EXPECT_EQ(still.At("asset", "archived"), json::value(false));
}

}  // namespace
}  // namespace cairn::tests
