// End to end: the activity log (every write, who made it, with which key; filters; pruning) and
// Cairn's /api/v1/search.
#include <set>
#include <tuple>

#include "core/text.h"
#include "tests/api_fixture.h"

namespace cairn::tests {
namespace {

class ActivityTest : public ApiTest {};
CAIRN_ON_BOTH_BACKENDS(ActivityTest);

// (action, record_type, record_id) of one log entry.
using Entry = std::tuple<std::string, std::string, int64_t>;

TEST_P(ActivityTest, EveryWriteIsLoggedWithUserAndKey) {
  std::string key_name = Unique("auditor");
  std::string key = S().CreateKey(key_name, {"--password-access"});
  auto call = [&](const std::string& method, const std::string& path, const std::string& body) {
    auto r = S().Call(method, path, body, key);
    EXPECT_TRUE(r.status == 200 || r.status == 204)
        << method << " " << path << ": " << r.Describe();
    return r;
  };
  std::string secret = "Never-" + Token();
  std::set<Entry> expected;
  auto company =
      call("POST", "/api/v1/companies", R"({"company":{"name":")" + Unique("Logged") + R"("}})");
  int64_t c = Int(company.At("company", "id"));
  std::string cs = std::to_string(c);
  expected.insert({"created", "Company", c});
  call("PUT", "/api/v1/companies/" + cs, R"({"company":{"city":"Hull"}})");
  expected.insert({"updated", "Company", c});
  call("PUT", "/api/v1/companies/" + cs + "/archive", "");
  expected.insert({"archived", "Company", c});
  call("PUT", "/api/v1/companies/" + cs + "/unarchive", "");
  expected.insert({"unarchived", "Company", c});
  auto layout = call("POST", "/api/v1/asset_layouts",
                     R"({"asset_layout":{"name":")" + Unique("Logged layout") +
                         R"(","fields":[{"label":"OS","field_type":"Text"}]}})");
  int64_t l = Int(layout.At("asset_layout", "id"));
  expected.insert({"created", "AssetLayout", l});
  call("PUT", "/api/v1/asset_layouts/" + std::to_string(l),
       R"({"asset_layout":{"color":"#123456"}})");
  expected.insert({"updated", "AssetLayout", l});
  auto asset = call("POST", "/api/v1/companies/" + cs + "/assets",
                    R"({"asset":{"name":"Logged asset","asset_layout_id":)" + std::to_string(l) +
                        R"(,"custom_fields":[{"os":"Linux"}]}})");
  int64_t a = Int(asset.At("asset", "id"));
  std::string ap = "/api/v1/companies/" + cs + "/assets/" + std::to_string(a);
  expected.insert({"created", "Asset", a});
  call("PUT", ap, R"({"asset":{"primary_serial":"L1"}})");
  expected.insert({"updated", "Asset", a});
  call("PUT", ap + "/archive", "");
  expected.insert({"archived", "Asset", a});
  auto pw = call("POST", "/api/v1/asset_passwords",
                 R"({"asset_password":{"name":"Logged pw","password":")" + secret +
                     R"(","company_id":)" + cs + "}}");
  int64_t p = Int(pw.At("asset_password", "id"));
  expected.insert({"created", "AssetPassword", p});
  call("PUT", "/api/v1/asset_passwords/" + std::to_string(p),
       R"({"asset_password":{"password":"Also-)" + secret + R"("}})");
  expected.insert({"updated", "AssetPassword", p});
  auto folder =
      call("POST", "/api/v1/folders", R"({"folder":{"name":"Logged","company_id":)" + cs + "}}");
  int64_t f = Int(folder.At("folder", "id"));
  expected.insert({"created", "Folder", f});
  auto article =
      call("POST", "/api/v1/articles", R"({"article":{"name":"Logged","company_id":)" + cs + "}}");
  int64_t ar = Int(article.At("article", "id"));
  expected.insert({"created", "Article", ar});
  auto website =
      call("POST", "/api/v1/websites",
           R"({"website":{"name":"https://logged.example.com","company_id":)" + cs + "}}");
  int64_t w = Int(website.At("id"));
  expected.insert({"created", "Website", w});
  auto relation =
      call("POST", "/api/v1/relations",
           R"({"relation":{"fromable_type":"Asset","fromable_id":)" + std::to_string(a) +
               R"(,"toable_type":"Website","toable_id":)" + std::to_string(w) + "}}");
  int64_t rel = Int(relation.At("relation", "id"));
  expected.insert({"created", "Relation", rel});
  call("DELETE", "/api/v1/relations/" + std::to_string(rel), "");
  expected.insert({"deleted", "Relation", rel});
  call("DELETE", "/api/v1/websites/" + std::to_string(w), "");
  expected.insert({"deleted", "Website", w});
  call("DELETE", "/api/v1/articles/" + std::to_string(ar), "");
  expected.insert({"deleted", "Article", ar});
  call("DELETE", "/api/v1/folders/" + std::to_string(f), "");
  expected.insert({"deleted", "Folder", f});
  call("DELETE", "/api/v1/asset_passwords/" + std::to_string(p), "");
  expected.insert({"deleted", "AssetPassword", p});
  call("DELETE", ap, "");
  expected.insert({"deleted", "Asset", a});
  call("DELETE", "/api/v1/companies/" + cs, "");
  expected.insert({"deleted", "Company", c});

  auto logs = Get("/api/v1/activity_logs?page_size=1000");
  ASSERT_EQ(logs.status, 200) << logs.Describe();
  ASSERT_TRUE(logs.json.is_array()) << "activity logs are a bare array";
  std::set<Entry> seen;
  int64_t last_id = INT64_MAX;
  for (const auto& v : Arr(logs.json)) {
    const auto& o = v.as_object();
    EXPECT_LT(Int(o.at("id")), last_id) << "newest first";
    last_id = Int(o.at("id"));
    if (Str(o.at("token")) != key_name) continue;
    EXPECT_EQ(Str(o.at("user_email")), "admin@cairn.local");
    EXPECT_EQ(Str(o.at("ip_address")), "127.0.0.1");
    EXPECT_TRUE(IsIsoMillis(o.at("created_at")));
    EXPECT_TRUE(o.at("details").is_object());
    seen.insert({Str(o.at("action")), Str(o.at("record_type")), Int(o.at("record_id"))});
  }
  for (const auto& e : expected)
    EXPECT_TRUE(seen.count(e)) << "not logged: " << std::get<0>(e) << " " << std::get<1>(e) << " "
                               << std::get<2>(e);
  EXPECT_EQ(seen.size(), expected.size());
  EXPECT_EQ(logs.body.find(secret), std::string::npos) << "a password value in the activity log";

  // The company's own entry names the changes.
  auto updates = Get("/api/v1/activity_logs?resource_type=Company&resource_id=" + cs +
                     "&action_message=updated");
  ASSERT_EQ(Arr(updates.json).size(), 1u) << updates.Describe();
  const auto& details = Arr(updates.json)[0].at("details");
  EXPECT_EQ(details.at("city").at("to"), json::value("Hull")) << details;
}

TEST_P(ActivityTest, Filters) {
  std::string email = "filter-" + Token() + "@example.com";
  ASSERT_EQ(S().RunCli({"user", "create", "--email", email, "--role", "editor"}).exit_code, 0);
  std::string key = S().CreateKey(Unique("editor-key"), {}, email);
  auto made =
      Post("/api/v1/companies", R"({"company":{"name":")" + Unique("By editor") + R"("}})", key);
  ASSERT_EQ(made.status, 200);
  std::string id = Str(made.At("company", "id"));
  ASSERT_EQ(Put("/api/v1/companies/" + id, R"({"company":{"city":"Ely"}})", key).status, 200);
  CreateCompany(Unique("By admin"));

  auto by_user = Get("/api/v1/activity_logs?user_email=" + Enc(email));
  ASSERT_EQ(by_user.status, 200);
  ASSERT_EQ(Arr(by_user.json).size(), 2u) << by_user.body;
  for (const auto& l : Arr(by_user.json)) EXPECT_EQ(Str(l.at("user_email")), email);
  int64_t user_id = Int(Arr(by_user.json)[0].at("user_id"));
  EXPECT_EQ(Arr(Get("/api/v1/activity_logs?user_id=" + std::to_string(user_id)).json).size(), 2u);

  auto by_record = Get("/api/v1/activity_logs?resource_type=Company&resource_id=" + id);
  ASSERT_EQ(Arr(by_record.json).size(), 2u) << by_record.body;
  EXPECT_EQ(Str(Arr(by_record.json)[0].at("action")), "updated");
  EXPECT_EQ(Str(Arr(by_record.json)[1].at("action")), "created");
  auto created = Get("/api/v1/activity_logs?action_message=created&user_email=" + Enc(email));
  ASSERT_EQ(Arr(created.json).size(), 1u);
  EXPECT_EQ(Str(Arr(created.json)[0].at("record_id")), id);
  EXPECT_TRUE(Arr(Get("/api/v1/activity_logs?start_date=2999-01-01").json).empty());
  EXPECT_EQ(
      Arr(Get("/api/v1/activity_logs?start_date=2000-01-01&user_email=" + Enc(email)).json).size(),
      2u);
  EXPECT_EQ(Get("/api/v1/activity_logs?resource_id=" + id).status, 422);  // type missing
  EXPECT_EQ(Get("/api/v1/activity_logs?user_id=abc").status, 422);
  EXPECT_EQ(Arr(Get("/api/v1/activity_logs?page_size=1").json).size(), 1u);
}

TEST_P(ActivityTest, DeleteNeedsADatetime) {
  auto s = StartServer();
  ASSERT_TRUE(s);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(s->Call("POST", "/api/v1/companies",
                      R"({"company":{"name":"Old )" + std::to_string(i) + R"("}})")
                  .status,
              200);
  auto missing = s->Call("DELETE", "/api/v1/activity_logs");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.body, R"({"error":"Datetime parameter is required"})");
  EXPECT_EQ(s->Call("DELETE", "/api/v1/activity_logs?datetime=").status, 400);
  EXPECT_EQ(s->Call("DELETE", "/api/v1/activity_logs?datetime=soon").status, 422);
  auto none = s->Call("DELETE", "/api/v1/activity_logs?datetime=2000-01-01T00:00:00Z");
  ASSERT_EQ(none.status, 200) << none.Describe();
  EXPECT_EQ(Int(none.At("deleted")), 0);
  EXPECT_EQ(Arr(s->Call("GET", "/api/v1/activity_logs?action_message=created").json).size(), 3u);
  auto all = s->Call("DELETE", "/api/v1/activity_logs?datetime=2999-01-01T00:00:00Z");
  ASSERT_EQ(all.status, 200) << all.Describe();
  EXPECT_GE(Int(all.At("deleted")), 3);
  auto left = s->Call("GET", "/api/v1/activity_logs");
  ASSERT_EQ(Arr(left.json).size(), 1u) << left.body;  // the deletion itself
  EXPECT_EQ(Str(Arr(left.json)[0].at("action")), "deleted activity logs");
}

class SearchTest : public ApiTest {};
CAIRN_ON_BOTH_BACKENDS(SearchTest);

TEST_P(SearchTest, FindsCompaniesAssetsAndArticlesRanked) {
  std::string word = Token();
  int64_t company = CreateCompany({{"name", "Company " + word}, {"city", "Bristol"}});
  auto layout = CreateLayout(Unique("Search layout"),
                             {json::object{{"label", "Hostname"}, {"field_type", "Text"}}});
  std::string serial = "SER" + Token();
  std::string host = "host" + Token();
  auto asset =
      CreateAsset(company, {{"name", "Router"},
                            {"asset_layout_id", layout.at("id")},
                            {"primary_serial", serial},
                            {"custom_fields", json::array{json::object{{"hostname", host}}}}});
  std::string article_word = Token();
  auto article = Post("/api/v1/articles",
                      R"({"article":{"name":"Runbook","content":"<p>Restart the )" + article_word +
                          R"( service</p>","company_id":)" + std::to_string(company) + "}}");
  ASSERT_EQ(article.status, 200);

  auto hits = [&](const std::string& q) {
    auto r = Get("/api/v1/search?q=" + Enc(q));
    EXPECT_EQ(r.status, 200) << q << ": " << r.Describe();
    std::vector<std::pair<std::string, int64_t>> out;
    for (const auto& h : Arr(r.At("results"))) out.emplace_back(Str(h.at("type")), Int(h.at("id")));
    return out;
  };
  using H = std::vector<std::pair<std::string, int64_t>>;
  EXPECT_EQ(hits(word), (H{{"Company", company}}));
  EXPECT_EQ(hits(serial), (H{{"Asset", Int(asset.at("id"))}}));
  EXPECT_EQ(hits(ToLower(serial)), (H{{"Asset", Int(asset.at("id"))}}));
  EXPECT_EQ(hits(host), (H{{"Asset", Int(asset.at("id"))}}));
  EXPECT_EQ(hits(host.substr(0, host.size() - 3)), (H{{"Asset", Int(asset.at("id"))}}));  // prefix
  EXPECT_EQ(hits(article_word), (H{{"Article", Int(article.At("article", "id"))}}));
  EXPECT_EQ(hits(article_word + " restart"), (H{{"Article", Int(article.At("article", "id"))}}));
  EXPECT_TRUE(hits(article_word + " nowhere" + Token()).empty());  // every word must match
  auto full = Get("/api/v1/search?q=" + word);
  const auto& first = Arr(full.At("results"))[0].as_object();
  EXPECT_EQ(Str(first.at("name")), "Company " + word);
  EXPECT_EQ(Int(first.at("company_id")), company);
  EXPECT_EQ(Str(first.at("api_url")), "/api/v1/companies/" + std::to_string(company));

  // Ranking: a title match comes before a body match.
  std::string rank = Token();
  auto body_match = CreateAsset(
      company,
      {{"name", "Switch"}, {"asset_layout_id", layout.at("id")}, {"primary_serial", rank}});
  int64_t title_match = CreateCompany("Main " + rank);
  EXPECT_EQ(hits(rank), (H{{"Company", title_match}, {"Asset", Int(body_match.at("id"))}}));
  EXPECT_EQ(Arr(Get("/api/v1/search?q=" + rank + "&page_size=1&page=2").At("results")).size(), 1u);

  // Archived records drop out; changes are re-indexed.
  ASSERT_EQ(Put("/api/v1/companies/" + std::to_string(title_match) + "/archive", "").status, 200);
  EXPECT_EQ(hits(rank), (H{{"Asset", Int(body_match.at("id"))}}));
  std::string renamed = Token();
  ASSERT_EQ(Put("/api/v1/companies/" + std::to_string(company) + "/assets/" + Str(asset.at("id")),
                R"({"asset":{"custom_fields":[{"hostname":")" + renamed + R"("}]}})")
                .status,
            200);
  EXPECT_TRUE(hits(host).empty());
  EXPECT_EQ(hits(renamed), (H{{"Asset", Int(asset.at("id"))}}));

  for (const char* bad : {"", "?q=", "?q=%20%20"}) {
    auto r = Get(std::string("/api/v1/search") + bad);
    EXPECT_EQ(r.status, 422) << bad << ": " << r.Describe();
    EXPECT_TRUE(DetailsMention(r.json, "q")) << r.Describe();
  }
}

TEST_P(SearchTest, ScopedKeysSeeOnlyTheirCompanies) {
  std::string word = Token();
  int64_t mine = CreateCompany("Mine " + word);
  int64_t theirs = CreateCompany("Theirs " + word);
  auto global = Post("/api/v1/articles", R"({"article":{"name":"Global )" + word + R"("}})");
  ASSERT_EQ(global.status, 200);
  EXPECT_EQ(Arr(Get("/api/v1/search?q=" + word).At("results")).size(), 3u);
  std::string key = S().CreateKey(Unique("scoped-search"), {"--company", std::to_string(mine)});
  auto r = Get("/api/v1/search?q=" + word, key);
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(Arr(r.At("results")).size(), 1u) << r.body;
  EXPECT_EQ(Int(Arr(r.At("results"))[0].at("id")), mine);
  EXPECT_EQ(r.body.find("Theirs"), std::string::npos);
  (void)theirs;
}

}  // namespace
}  // namespace cairn::tests
