// End to end: secrets stay secret (Confidential Text asset fields, password records in the
// activity log) and company-scoped keys cannot change what all companies share.
#include "tests/api_fixture.h"

namespace cairn::tests {
namespace {

class SecretsAndScopeTest : public ApiTest {};
CAIRN_ON_BOTH_BACKENDS(SecretsAndScopeTest);

TEST_P(SecretsAndScopeTest, ConfidentialTextFieldsAreSealedAndShownOnlyWithPasswordAccess) {
  std::string secret = Token() + "Pw";
  int64_t company = CreateCompany(Unique("Sealed Co"));
  auto layout = CreateLayout(Unique("Firewalls"),
                             {json::object{{"label", "Admin Password"}, {"field_type", "Password"}},
                              json::object{{"label", "Model"}, {"field_type", "Text"}}});
  std::string assets = "/api/v1/companies/" + std::to_string(company) + "/assets";
  auto created = S().CallJson(
      "POST", assets,
      json::object{{"asset", json::object{{"name", Unique("FW")},
                                          {"asset_layout_id", layout.at("id")},
                                          {"custom_fields", json::array{
                                              json::object{{"admin_password", secret}},
                                              json::object{{"model", "FG-60F"}}}}}}});
  ASSERT_EQ(created.status, 200) << created.Describe();
  int64_t id = Int(created.At("asset", "id"));
  // The admin key has password access: the value is shown.
  EXPECT_EQ(FieldValues(created.At("asset"))["Admin Password"], json::value(secret));

  // At rest: not in the asset row.
  auto db = S().OpenDatabase();
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  Value params[] = {id};
  auto rows = (*db)->Query("SELECT field_values FROM assets WHERE id = ?", params);
  ASSERT_TRUE(rows.ok() && rows->size() == 1u);
  std::string stored = std::get<std::string>((*rows)[0][0]);
  EXPECT_EQ(stored.find(secret), std::string::npos) << stored;
  EXPECT_NE(stored.find("sealed"), std::string::npos) << stored;

  // A key without password access sees null, cannot find it by search, and the activity log
  // holds no value.
  std::string plain_key = S().CreateKey(Unique("no passwords"));
  auto seen = Get("/api/v1/assets?id=" + std::to_string(id), plain_key);
  ASSERT_EQ(seen.status, 200) << seen.Describe();
  auto values = FieldValues(Arr(seen.At("assets"))[0]);
  EXPECT_TRUE(values["Admin Password"].is_null());
  EXPECT_EQ(values["Model"], json::value("FG-60F"));
  auto search = Get("/api/v1/search?q=" + secret, plain_key);
  EXPECT_TRUE(Arr(search.At("results")).empty()) << search.body;
  auto admin_search = Get("/api/v1/search?q=" + secret);
  EXPECT_TRUE(Arr(admin_search.At("results")).empty()) << admin_search.body;
  auto logs = Get("/api/v1/activity_logs?resource_type=Asset&resource_id=" + std::to_string(id));
  ASSERT_EQ(logs.status, 200);
  EXPECT_EQ(logs.body.find(secret), std::string::npos) << logs.body;

  // Updating it keeps it sealed and out of the log.
  std::string second = Token() + "Pw2";
  auto updated = Put(assets + "/" + std::to_string(id),
                     R"({"asset":{"custom_fields":[{"admin_password":")" + second + R"("}]}})");
  ASSERT_EQ(updated.status, 200) << updated.Describe();
  EXPECT_EQ(FieldValues(updated.At("asset"))["Admin Password"], json::value(second));
  auto logs2 = Get("/api/v1/activity_logs?resource_type=Asset&resource_id=" + std::to_string(id));
  EXPECT_EQ(logs2.body.find(second), std::string::npos) << logs2.body;

  // One value revealed on its own: with password access only, recorded by the field's label.
  int64_t password_field = 0, model_field = 0;
  for (const auto& f : Arr(updated.At("asset", "fields")))
    (Str(f.at("label")) == "Admin Password" ? password_field : model_field) = Int(f.at("id"));
  std::string reveal = assets + "/" + std::to_string(id) + "/confidential/";
  auto shown = Get(reveal + std::to_string(password_field));
  ASSERT_EQ(shown.status, 200) << shown.Describe();
  EXPECT_EQ(shown.At("field", "value"), json::value(second));
  EXPECT_EQ(Str(shown.At("field", "label")), "Admin Password");
  EXPECT_EQ(Get(reveal + std::to_string(password_field), plain_key).status, 403);
  auto not_secret = Get(reveal + std::to_string(model_field));
  EXPECT_EQ(not_secret.status, 422) << not_secret.Describe();
  EXPECT_TRUE(DetailsMention(not_secret.json, "is not confidential")) << not_secret.body;
  EXPECT_EQ(Get(reveal + "999999").status, 404);
  auto logs3 = Get("/api/v1/activity_logs?resource_type=Asset&resource_id=" + std::to_string(id));
  ASSERT_EQ(logs3.status, 200);
  int reveals = 0;
  for (const auto& l : Arr(logs3.json))
    if (Str(l.at("action")) == "viewed confidential field") ++reveals;
  EXPECT_EQ(reveals, 1) << logs3.body;
  EXPECT_NE(logs3.body.find("Admin Password"), std::string::npos) << logs3.body;
  EXPECT_EQ(logs3.body.find(second), std::string::npos) << logs3.body;
}

TEST_P(SecretsAndScopeTest, PasswordRecordsLeaveNoValuesInTheActivityLog) {
  int64_t company = CreateCompany(Unique("Vault Co"));
  std::string username = Token() + "user";
  std::string description = Token() + "desc";
  auto created = Post("/api/v1/asset_passwords",
                      R"({"asset_password":{"name":"Router","company_id":)" +
                          std::to_string(company) + R"(,"password":"x-Secret-1","username":")" +
                          username + R"(","description":")" + description + R"("}})");
  ASSERT_EQ(created.status, 200) << created.Describe();
  std::string id = std::to_string(Int(created.At("asset_password", "id")));
  auto logs = Get("/api/v1/activity_logs?resource_type=AssetPassword&resource_id=" + id);
  ASSERT_EQ(logs.status, 200);
  ASSERT_FALSE(Arr(logs.json).empty());
  EXPECT_EQ(logs.body.find(username), std::string::npos) << logs.body;
  EXPECT_EQ(logs.body.find(description), std::string::npos) << logs.body;
  EXPECT_NE(logs.body.find("username"), std::string::npos) << "the log names the changed fields";
  // A key without password access does not see password entries at all.
  std::string plain_key = S().CreateKey(Unique("log reader"));
  auto hidden = Get("/api/v1/activity_logs?resource_type=AssetPassword&resource_id=" + id, plain_key);
  ASSERT_EQ(hidden.status, 200);
  EXPECT_TRUE(Arr(hidden.json).empty()) << hidden.body;
}

TEST_P(SecretsAndScopeTest, ScopedKeysCannotChangeSharedThings) {
  int64_t mine = CreateCompany(Unique("Mine"));
  auto layout = CreateLayout(Unique("Shared"), {json::object{{"label", "Note"}}});
  std::string scoped = S().CreateKey(Unique("scoped"), {"--company", std::to_string(mine)});
  auto rename = Put("/api/v1/asset_layouts/" + Str(layout.at("id")),
                    R"({"asset_layout":{"name":"Hijacked"}})", scoped);
  EXPECT_EQ(rename.status, 403) << rename.Describe();
  auto create = Post("/api/v1/asset_layouts", R"({"asset_layout":{"name":"Mine only"}})", scoped);
  EXPECT_EQ(create.status, 403) << create.Describe();
  auto prune = Del("/api/v1/activity_logs?datetime=2100-01-01T00:00:00Z&delete_unassigned_logs=true",
                   scoped);
  EXPECT_EQ(prune.status, 403) << prune.Describe();
  EXPECT_FALSE(Arr(Get("/api/v1/activity_logs").json).empty());
}

TEST_P(SecretsAndScopeTest, ScopedKeyKeepsAParentItCannotSee) {
  int64_t parent = CreateCompany(Unique("Group HQ"));
  auto child = Post("/api/v1/companies", R"({"company":{"name":")" + Unique("Branch") +
                                             R"(","parent_company_id":)" + std::to_string(parent) +
                                             "}}");
  ASSERT_EQ(child.status, 200);
  std::string path = "/api/v1/companies/" + std::to_string(Int(child.At("company", "id")));
  std::string scoped =
      S().CreateKey(Unique("branch"), {"--company", std::to_string(Int(child.At("company", "id")))});
  auto edit = Put(path, R"({"company":{"nickname":"BR"}})", scoped);
  EXPECT_EQ(edit.status, 200) << edit.Describe();
  EXPECT_EQ(Put(path + "/archive", "", scoped).status, 200);
  // But it cannot point the company at another parent it cannot see.
  int64_t other = CreateCompany(Unique("Elsewhere"));
  auto moved = Put(path, R"({"company":{"parent_company_id":)" + std::to_string(other) + "}}", scoped);
  EXPECT_EQ(moved.status, 422) << moved.Describe();
}

TEST_P(SecretsAndScopeTest, PasswordFoldersBelongToTheirCompany) {
  int64_t a = CreateCompany(Unique("Folder A"));
  int64_t b = CreateCompany(Unique("Folder B"));
  auto folder = Post("/api/v1/folders", R"({"folder":{"name":"B private","company_id":)" +
                                            std::to_string(b) + "}}");
  ASSERT_EQ(folder.status, 200) << folder.Describe();
  auto pw = Post("/api/v1/asset_passwords",
                 R"({"asset_password":{"name":"x","password":"y","company_id":)" +
                     std::to_string(a) + R"(,"password_folder_id":)" +
                     std::to_string(Int(folder.At("folder", "id"))) + "}}");
  EXPECT_EQ(pw.status, 422) << pw.Describe();
  EXPECT_EQ(pw.body.find("B private"), std::string::npos);
}

TEST_P(SecretsAndScopeTest, NonAsciiLabelsAreDistinctKeys) {
  int64_t company = CreateCompany(Unique("Intl"));
  auto layout = CreateLayout(Unique("Учётные"),
                             {json::object{{"label", "Пароль"}}, json::object{{"label", "Логин"}},
                              json::object{{"label", "Größe"}}, json::object{{"label", "Grüße"}}});
  ASSERT_EQ(Arr(layout.at("fields")).size(), 4u);
  auto created = S().CallJson(
      "POST", "/api/v1/companies/" + std::to_string(company) + "/assets",
      json::object{{"asset", json::object{{"name", Unique("Acct")},
                                          {"asset_layout_id", layout.at("id")},
                                          {"custom_fields", json::array{
                                              json::object{{"логин", "ivan"}},
                                              json::object{{"größe", "XL"}}}}}}});
  ASSERT_EQ(created.status, 200) << created.Describe();
  auto values = FieldValues(created.At("asset"));
  EXPECT_EQ(values["Логин"], json::value("ivan"));
  EXPECT_TRUE(values["Пароль"].is_null());
  EXPECT_EQ(values["Größe"], json::value("XL"));
  EXPECT_TRUE(values["Grüße"].is_null());
  // A label with no letter or digit cannot be told apart from another: refused.
  auto bad = S().CallJson(
      "POST", "/api/v1/asset_layouts",
      json::object{{"asset_layout", json::object{{"name", Unique("Symbols")},
                                                 {"fields", json::array{json::object{{"label", "--"}}}}}}});
  EXPECT_EQ(bad.status, 422) << bad.Describe();
}

}  // namespace
}  // namespace cairn::tests
