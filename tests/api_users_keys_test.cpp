// Cairn's own user and API-key management (/api/v1/users POST/PUT, /api/v1/api_keys), which the
// web UI's Admin pages call: validation naming each field, the guards that keep an install
// administrable, keys shown once and revoked for good.
#include <thread>

#include "tests/api_fixture.h"

namespace cairn::tests {
namespace {

using namespace std::chrono_literals;

class UsersKeysTest : public ApiTest {};
CAIRN_ON_BOTH_BACKENDS(UsersKeysTest);

TEST_P(UsersKeysTest, UsersAreCreatedAndChangedWithErrorsNamingEachField) {
  std::string email = "u" + Token() + "@example.com";
  auto bad = S().CallJson("POST", "/api/v1/users",
                          json::object{{"user", json::object{{"email", "not-an-email"}, {"security_level", "wizard"},
                                                             {"password", "short"}, {"colour", "red"}}}});
  EXPECT_EQ(bad.status, 422) << bad.Describe();
  for (const char* field : {"email must be an email address", "security_level must be one of", "password is too short",
                            "colour is not a field of a user"})
    EXPECT_TRUE(DetailsMention(bad.json, field)) << field << ": " << bad.Describe();

  auto made = S().CallJson("POST", "/api/v1/users",
                           json::object{{"user", json::object{{"email", email}, {"first_name", "Ann"}, {"security_level", "editor"},
                                                              {"password", "a long enough password"}}}});
  ASSERT_EQ(made.status, 201) << made.Describe();
  EXPECT_EQ(Str(made.At("user", "email")), email);
  EXPECT_FALSE(made.At("user").as_object().contains("password_hash")) << made.Describe();
  std::string id = std::to_string(Int(made.At("user", "id")));
  auto again = S().CallJson("POST", "/api/v1/users",
                            json::object{{"user", json::object{{"email", email}, {"security_level", "editor"}, {"password", "another long password"}}}});
  EXPECT_EQ(again.status, 422);
  EXPECT_TRUE(DetailsMention(again.json, "email has already been taken")) << again.Describe();

  auto changed = S().CallJson("PUT", "/api/v1/users/" + id, json::object{{"user", json::object{{"security_level", "spectator"}, {"last_name", "Lee"}}}});
  ASSERT_EQ(changed.status, 200) << changed.Describe();
  EXPECT_EQ(Str(changed.At("user", "security_level")), "spectator");
  EXPECT_EQ(Str(changed.At("user", "last_name")), "Lee");
  // Access to passwords in the web UI: on by default, off for this spectator, never off for an
  // administrator.
  EXPECT_TRUE(made.At("user", "password_access").as_bool()) << made.Describe();
  auto no_passwords = S().CallJson("PUT", "/api/v1/users/" + id, json::object{{"user", json::object{{"password_access", false}}}});
  ASSERT_EQ(no_passwords.status, 200) << no_passwords.Describe();
  EXPECT_FALSE(no_passwords.At("user", "password_access").as_bool());
  auto admin_without = S().CallJson("PUT", "/api/v1/users/" + id, json::object{{"user", json::object{{"security_level", "admin"}}}});
  EXPECT_EQ(admin_without.status, 422) << admin_without.Describe();
  EXPECT_TRUE(DetailsMention(admin_without.json, "password_access: administrators always have access")) << admin_without.Describe();
  auto not_bool = S().CallJson("PUT", "/api/v1/users/" + id, json::object{{"user", json::object{{"password_access", "maybe"}}}});
  EXPECT_EQ(not_bool.status, 422);
  EXPECT_TRUE(DetailsMention(not_bool.json, "password_access must be true or false")) << not_bool.Describe();
  auto log = Get("/api/v1/activity_logs?record_type=User&page_size=5");
  ASSERT_EQ(log.status, 200) << log.Describe();
  bool found = false;
  for (const auto& l : Arr(log.json))
    if (Str(l.at("record_name")) == email && Str(l.at("action")) == "updated") found = true;
  EXPECT_TRUE(found) << log.Describe();

  // A key of a non-administrator cannot manage users.
  std::string key = S().CreateKey(Unique("editor-key"), {}, email);
  auto refused = S().CallJson("POST", "/api/v1/users",
                              json::object{{"user", json::object{{"email", "x" + email}, {"security_level", "admin"}, {"password", "a long enough password"}}}},
                              key);
  EXPECT_EQ(refused.status, 403) << refused.Describe();
}

TEST_P(UsersKeysTest, NobodyDemotesOrArchivesThemselvesAndOnlySuperAdminsMakeSuperAdmins) {
  auto me = Get("/api/v1/users?email=admin@cairn.local");
  ASSERT_EQ(me.status, 200);
  std::string id = std::to_string(Int(Arr(me.At("users"))[0].at("id")));
  std::string role = Str(Arr(me.At("users"))[0].at("security_level"));
  auto demote = S().CallJson("PUT", "/api/v1/users/" + id, json::object{{"user", json::object{{"security_level", "editor"}}}});
  EXPECT_EQ(demote.status, 422);
  EXPECT_TRUE(DetailsMention(demote.json, "can't change your own role")) << demote.Describe();
  auto archive = S().CallJson("PUT", "/api/v1/users/" + id, json::object{{"user", json::object{{"archived", true}}}});
  EXPECT_EQ(archive.status, 422);
  EXPECT_TRUE(DetailsMention(archive.json, "can't archive yourself")) << archive.Describe();
  EXPECT_EQ(Str(Arr(Get("/api/v1/users?email=admin@cairn.local").At("users"))[0].at("security_level")), role);

  // An admin (not super admin) may not make a super admin.
  std::string admin = "a" + Token() + "@example.com";
  ASSERT_EQ(S().CallJson("POST", "/api/v1/users", json::object{{"user", json::object{{"email", admin}, {"security_level", "admin"},
                                                                                    {"password", "a long enough password"}}}}).status, 201);
  std::string admin_key = S().CreateKey(Unique("admin-key"), {}, admin);
  auto up = S().CallJson("POST", "/api/v1/users",
                         json::object{{"user", json::object{{"email", "s" + admin}, {"security_level", "super_admin"}, {"password", "a long enough password"}}}},
                         admin_key);
  EXPECT_EQ(up.status, 422) << up.Describe();
  EXPECT_TRUE(DetailsMention(up.json, "only a super admin")) << up.Describe();
  // Nor take over a super admin's account: no new password, no archive, no key acting as them.
  for (const auto& change : {json::object{{"password", "the admin's own choice"}}, json::object{{"archived", true}},
                             json::object{{"first_name", "Mallory"}}}) {
    auto r = S().CallJson("PUT", "/api/v1/users/" + id, json::object{{"user", change}}, admin_key);
    EXPECT_EQ(r.status, 403) << json::serialize(change) << ": " << r.Describe();
  }
  auto key = S().CallJson("POST", "/api/v1/api_keys",
                          json::object{{"api_key", json::object{{"name", "as the boss"}, {"user_id", std::stoll(id)}}}}, admin_key);
  EXPECT_EQ(key.status, 422) << key.Describe();
  EXPECT_TRUE(DetailsMention(key.json, "only a super admin can make a key that acts as a super admin")) << key.Describe();
  auto list = Get("/api/v1/api_keys?user_id=" + id);
  ASSERT_FALSE(Arr(list.At("api_keys")).empty()) << list.Describe();
  auto revoke = Del("/api/v1/api_keys/" + std::to_string(Int(Arr(list.At("api_keys"))[0].at("id"))), admin_key);
  EXPECT_EQ(revoke.status, 403) << revoke.Describe();
  EXPECT_EQ(Get("/api/v1/companies").status, 200) << "the super admin's key still works";
}

TEST_P(UsersKeysTest, AKeyIsShownOnceWorksWithinItsScopeAndIsRevokedForGood) {
  auto users = Get("/api/v1/users?email=admin@cairn.local");
  int64_t admin_id = Int(Arr(users.At("users"))[0].at("id"));
  auto bad = S().CallJson("POST", "/api/v1/api_keys",
                          json::object{{"api_key", json::object{{"name", ""}, {"user_id", 999999}, {"allow_ips", json::array{"nowhere"}},
                                                                {"company_ids", json::array{999999}}}}});
  EXPECT_EQ(bad.status, 422) << bad.Describe();
  for (const char* field : {"name can't be blank", "user_id: user 999999", "allow_ips: \"nowhere\"", "company_ids: 999999"})
    EXPECT_TRUE(DetailsMention(bad.json, field)) << field << ": " << bad.Describe();

  int64_t company = CreateCompany(Unique("Key Co"));
  std::string name = Unique("scoped");
  auto made = S().CallJson("POST", "/api/v1/api_keys",
                           json::object{{"api_key", json::object{{"name", name}, {"user_id", admin_id}, {"company_ids", json::array{company}},
                                                                 {"allow_ips", json::array{"127.0.0.0/8"}}}}});
  ASSERT_EQ(made.status, 201) << made.Describe();
  std::string key = Str(made.At("api_key", "key"));
  ASSERT_EQ(key.rfind("cairn_", 0), 0u) << made.Describe();
  EXPECT_EQ(Str(made.At("api_key", "prefix")), key.substr(0, 10));
  int64_t id = Int(made.At("api_key", "id"));
  // Listed without the key, with its scope.
  auto list = Get("/api/v1/api_keys");
  ASSERT_EQ(list.status, 200);
  bool listed = false;
  for (const auto& k : Arr(list.At("api_keys"))) {
    EXPECT_FALSE(k.as_object().contains("key")) << list.Describe();
    EXPECT_FALSE(k.as_object().contains("key_hash")) << list.Describe();
    if (Int(k.at("id")) == id) {
      listed = true;
      EXPECT_EQ(json::serialize(k.at("company_ids")), "[" + std::to_string(company) + "]");
    }
  }
  EXPECT_TRUE(listed);
  // It works, for its company only.
  auto companies = Get("/api/v1/companies?page_size=1000", key);
  ASSERT_EQ(companies.status, 200) << companies.Describe();
  EXPECT_EQ(Ids(companies.At("companies")), std::vector<int64_t>{company});
  // A company-scoped key cannot manage keys.
  EXPECT_EQ(Get("/api/v1/api_keys", key).status, 403);

  ASSERT_EQ(Del("/api/v1/api_keys/" + std::to_string(id)).status, 204);
  auto deadline = std::chrono::steady_clock::now() + 3s;
  Reply r = Get("/api/v1/companies", key);
  while (r.status != 401 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    r = Get("/api/v1/companies", key);
  }
  EXPECT_EQ(r.status, 401) << r.Describe();
  EXPECT_EQ(Del("/api/v1/api_keys/999999").status, 404);
}

}  // namespace
}  // namespace cairn::tests
