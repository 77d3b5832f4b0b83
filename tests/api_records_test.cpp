// End to end: asset_passwords (encrypted at rest), articles, folders, websites and relations
// (reference/hudu-api.md 3.4 to 3.8).
#include "tests/api_fixture.h"

namespace cairn::tests {
namespace {

class RecordsTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    company_ = CreateCompany(Unique("Records Co"));
    c_ = std::to_string(company_);
  }
  std::vector<int64_t> ListIds(const std::string& path, const std::string& envelope) {
    auto r = Get(path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.Describe();
    return Ids(envelope.empty() ? r.json : r.At(envelope));
  }
  int64_t company_ = 0;
  std::string c_;
};
CAIRN_ON_BOTH_BACKENDS(RecordsTest);

using V = std::vector<int64_t>;

TEST_P(RecordsTest, PasswordsAreEncryptedAtRest) {
  std::string secret = "Plain-" + Token() + "-text";
  std::string otp = "JBSWY3DP" + Token();
  std::string name = Unique("Domain admin");
  auto r = S().CallJson(
      "POST", "/api/v1/asset_passwords",
      json::object{{"asset_password", json::object{{"name", name},
                                                   {"company_id", std::to_string(company_)},
                                                   {"password", secret},
                                                   {"otp_secret", otp},
                                                   {"username", "administrator"},
                                                   {"url", "https://dc.example.com"},
                                                   {"description", "break glass"},
                                                   {"in_portal", "true"}}}});
  ASSERT_EQ(r.status, 200) << r.Describe();
  const auto& p = r.At("asset_password").as_object();
  int64_t id = Int(p.at("id"));
  EXPECT_EQ(Str(p.at("name")), name);
  EXPECT_EQ(Int(p.at("company_id")), company_);
  EXPECT_EQ(Str(p.at("password")), secret);
  EXPECT_EQ(Str(p.at("otp_secret")), otp);
  EXPECT_EQ(Str(p.at("username")), "administrator");
  EXPECT_EQ(Str(p.at("login_url")), "https://dc.example.com");
  EXPECT_EQ(p.at("in_portal"), json::value(true));
  EXPECT_EQ(p.at("archived"), json::value(false));
  EXPECT_FALSE(p.contains("password_enc"));
  EXPECT_FALSE(p.contains("otp_secret_enc"));
  EXPECT_EQ(Get("/api/v1/asset_passwords/" + std::to_string(id)).At("asset_password"),
            r.At("asset_password"));

  // What is stored is ciphertext.
  auto db = S().OpenDatabase();
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  Value params[] = {id};
  auto rows =
      (*db)->Query("SELECT password_enc, otp_secret_enc FROM asset_passwords WHERE id = ?", params);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 1u);
  std::string enc = std::get<std::string>((*rows)[0][0]);
  std::string otp_enc = std::get<std::string>((*rows)[0][1]);
  EXPECT_EQ(enc.rfind("v1:", 0), 0u) << enc;
  EXPECT_EQ(enc.find(secret), std::string::npos);
  EXPECT_EQ(enc.find("Plain-"), std::string::npos);
  EXPECT_EQ(otp_enc.find(otp), std::string::npos);
  EXPECT_NE(otp_enc, "");

  // An update re-encrypts.
  auto up = Put("/api/v1/asset_passwords/" + std::to_string(id),
                R"({"asset_password":{"password":"Rotated-)" + secret + R"("}})");
  ASSERT_EQ(up.status, 200) << up.Describe();
  EXPECT_EQ(Str(up.At("asset_password", "password")), "Rotated-" + secret);
  EXPECT_EQ(Str(up.At("asset_password", "username")), "administrator");
  rows = (*db)->Query("SELECT password_enc FROM asset_passwords WHERE id = ?", params);
  ASSERT_TRUE(rows.ok());
  std::string enc2 = std::get<std::string>((*rows)[0][0]);
  EXPECT_NE(enc2, enc);
  EXPECT_EQ(enc2.find("Rotated"), std::string::npos);
}

TEST_P(RecordsTest, PasswordValidationFiltersArchiveDelete) {
  auto missing = Post("/api/v1/asset_passwords", R"({"asset_password":{"name":"x"}})");
  EXPECT_EQ(missing.status, 422);
  EXPECT_TRUE(DetailsMention(missing.json, "password")) << missing.Describe();
  EXPECT_TRUE(DetailsMention(missing.json, "company_id")) << missing.Describe();
  auto bad_company =
      Post("/api/v1/asset_passwords",
           R"({"asset_password":{"name":"x","password":"p","company_id":99999999}})");
  EXPECT_EQ(bad_company.status, 422);
  EXPECT_TRUE(DetailsMention(bad_company.json, "company_id")) << bad_company.Describe();
  int64_t other = CreateCompany(Unique("Other"));
  auto layout = CreateLayout(Unique("Pw layout"), {});
  auto foreign_asset =
      CreateAsset(other, {{"name", "theirs"}, {"asset_layout_id", layout.at("id")}});
  auto wrong_owner = Post("/api/v1/asset_passwords",
                          R"({"asset_password":{"name":"x","password":"p","company_id":)" + c_ +
                              R"(,"passwordable_type":"Asset","passwordable_id":)" +
                              Str(foreign_asset.at("id")) + "}}");
  EXPECT_EQ(wrong_owner.status, 422);
  EXPECT_TRUE(DetailsMention(wrong_owner.json, "passwordable_id")) << wrong_owner.Describe();

  std::string tag = Token();
  auto make = [&](const std::string& name, const std::string& company) {
    auto r =
        Post("/api/v1/asset_passwords", R"({"asset_password":{"name":")" + name +
                                            R"(","password":"p","company_id":)" + company + "}}");
    EXPECT_EQ(r.status, 200) << r.Describe();
    return Int(r.At("asset_password", "id"));
  };
  int64_t p1 = make(tag + " wifi", c_), p2 = make(tag + " vpn", c_),
          p3 = make(tag + " wifi", std::to_string(other));
  EXPECT_EQ(ListIds("/api/v1/asset_passwords?company_id=" + c_, "asset_passwords"), (V{p1, p2}));
  EXPECT_EQ(ListIds("/api/v1/asset_passwords?name=" + Enc(tag + " wifi"), "asset_passwords"),
            (V{p1, p3}));
  EXPECT_EQ(ListIds("/api/v1/asset_passwords?search=" + Enc(tag + " v"), "asset_passwords"), V{p2});

  std::string path = "/api/v1/asset_passwords/" + std::to_string(p1);
  auto archived = Put(path + "/archive", "");
  ASSERT_EQ(archived.status, 200);
  EXPECT_EQ(archived.At("asset_password", "archived"), json::value(true));
  EXPECT_EQ(ListIds("/api/v1/asset_passwords?company_id=" + c_, "asset_passwords"), V{p2});
  EXPECT_EQ(ListIds("/api/v1/asset_passwords?archived=true&company_id=" + c_, "asset_passwords"),
            V{p1});
  EXPECT_EQ(Put(path + "/unarchive", "").At("asset_password", "archived"), json::value(false));

  EXPECT_EQ(Del(path).status, 204);
  auto gone = Get(path);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.body, R"({"error":"Password not found"})");
  EXPECT_EQ(ListIds("/api/v1/asset_passwords?company_id=" + c_, "asset_passwords"), V{p2});
}

TEST_P(RecordsTest, ArticlesCompanyAndGlobal) {
  std::string tag = Token();
  auto global =
      Post("/api/v1/articles", R"({"article":{"name":")" + tag +
                                   R"( global","content":"<p>How to <b>reset</b></p>"}})");
  ASSERT_EQ(global.status, 200) << global.Describe();
  EXPECT_TRUE(global.At("article", "company_id").is_null());
  EXPECT_EQ(Str(global.At("article", "content")), "<p>How to <b>reset</b></p>");
  EXPECT_EQ(Str(global.At("article", "object_type")), "Article");
  EXPECT_EQ(Str(global.At("article", "url")), "/kba/" + Str(global.At("article", "slug")));
  EXPECT_TRUE(IsIsoMillis(global.At("article", "created_at")));
  auto local = Post("/api/v1/articles", R"({"name":")" + tag + R"( local","company_id":")" + c_ +
                                            R"(","draft":"true","enable_sharing":true})");
  ASSERT_EQ(local.status, 200) << local.Describe();
  EXPECT_EQ(Int(local.At("article", "company_id")), company_);
  EXPECT_EQ(local.At("article", "draft"), json::value(true));
  EXPECT_TRUE(local.At("article", "share_url").is_string());
  int64_t g = Int(global.At("article", "id")), l = Int(local.At("article", "id"));

  EXPECT_EQ(ListIds("/api/v1/articles?company_id=" + c_, "articles"), V{l});
  EXPECT_EQ(ListIds("/api/v1/articles?name=" + Enc(tag + " global"), "articles"), V{g});
  EXPECT_EQ(ListIds("/api/v1/articles?search=" + tag, "articles"), (V{g, l}));
  EXPECT_EQ(ListIds("/api/v1/articles?search=" + tag + "&draft=true", "articles"), V{l});
  EXPECT_EQ(ListIds("/api/v1/articles?search=" + tag + "&enable_sharing=false", "articles"), V{g});

  // folder_id must be a folder of the same knowledge base.
  auto folder =
      Post("/api/v1/folders", R"({"folder":{"name":"Runbooks","company_id":)" + c_ + "}}");
  ASSERT_EQ(folder.status, 200) << folder.Describe();
  std::string f = Str(folder.At("folder", "id"));
  auto no_folder = Post("/api/v1/articles", R"({"article":{"name":"x","folder_id":99999999}})");
  EXPECT_EQ(no_folder.status, 422);
  EXPECT_TRUE(DetailsMention(no_folder.json, "folder_id")) << no_folder.Describe();
  auto wrong_kb = Post("/api/v1/articles", R"({"article":{"name":"x","folder_id":)" + f + "}}");
  EXPECT_EQ(wrong_kb.status, 422) << "a global article in a company's folder";
  EXPECT_TRUE(DetailsMention(wrong_kb.json, "folder_id")) << wrong_kb.Describe();
  auto filed =
      Put("/api/v1/articles/" + std::to_string(l), R"({"article":{"folder_id":)" + f + "}}");
  ASSERT_EQ(filed.status, 200) << filed.Describe();
  EXPECT_EQ(Str(filed.At("article", "folder_id")), f);
  EXPECT_EQ(Str(filed.At("article", "name")), tag + " local");

  auto blank = Post("/api/v1/articles", R"({"article":{"content":"no name"}})");
  EXPECT_EQ(blank.status, 422);
  EXPECT_TRUE(DetailsMention(blank.json, "name"));
  auto archived = Put("/api/v1/articles/" + std::to_string(g) + "/archive", "");
  EXPECT_EQ(archived.At("article", "archived"), json::value(true));
  EXPECT_EQ(
      Put("/api/v1/articles/" + std::to_string(g) + "/unarchive", "").At("article", "archived"),
      json::value(false));
  EXPECT_EQ(Del("/api/v1/articles/" + std::to_string(g)).status, 204);
  auto gone = Get("/api/v1/articles/" + std::to_string(g));
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.body, R"({"error":"Article not found"})");
}

TEST_P(RecordsTest, FoldersTypeIsFixedAndDeleteKeepsArticles) {
  auto parent = Post("/api/v1/folders", R"({"folder":{"name":"Parent","company_id":)" + c_ + "}}");
  ASSERT_EQ(parent.status, 200) << parent.Describe();
  EXPECT_EQ(Str(parent.At("folder", "folder_type")), "article");  // the default
  std::string p = Str(parent.At("folder", "id"));
  auto child = Post("/api/v1/folders", R"({"folder":{"name":"Child","company_id":)" + c_ +
                                           R"(,"parent_folder_id":)" + p + "}}");
  ASSERT_EQ(child.status, 200) << child.Describe();
  std::string ch = Str(child.At("folder", "id"));
  auto photos =
      Post("/api/v1/folders", R"({"name":"Photos","folder_type":"photo","company_id":)" + c_ + "}");
  ASSERT_EQ(photos.status, 200) << photos.Describe();
  EXPECT_EQ(Str(photos.At("folder", "folder_type")), "photo");

  EXPECT_EQ(ListIds("/api/v1/folders?company_id=" + c_, "folders"),
            (V{std::stoll(p), std::stoll(ch), Int(photos.At("folder", "id"))}));
  EXPECT_EQ(ListIds("/api/v1/folders?company_id=" + c_ + "&folder_type=photo", "folders"),
            V{Int(photos.At("folder", "id"))});
  EXPECT_EQ(ListIds("/api/v1/folders?company_id=" + c_ + "&name=Child", "folders"),
            V{std::stoll(ch)});

  auto retype = Put("/api/v1/folders/" + ch, R"({"folder":{"folder_type":"photo"}})");
  EXPECT_EQ(retype.status, 422) << retype.Describe();
  EXPECT_TRUE(DetailsMention(retype.json, "folder_type")) << retype.Describe();
  EXPECT_EQ(Post("/api/v1/folders", R"({"folder":{"name":"x","folder_type":"video"}})").status,
            422);
  auto renamed =
      Put("/api/v1/folders/" + ch, R"({"folder":{"name":"Renamed","folder_type":"article"}})");
  ASSERT_EQ(renamed.status, 200) << renamed.Describe();
  EXPECT_EQ(Str(renamed.At("folder", "name")), "Renamed");
  EXPECT_EQ(Str(Get("/api/v1/folders/" + ch).At("folder", "folder_type")), "article");
  EXPECT_EQ(Put("/api/v1/folders/" + ch, R"({"folder":{"parent_folder_id":)" + ch + "}}").status,
            422);
  // Nor into its own sub-folder, however deep: Parent > Renamed > Grandchild.
  auto grandchild = Post("/api/v1/folders", R"({"folder":{"name":"Grandchild","company_id":)" + c_ +
                                                R"(,"parent_folder_id":)" + ch + "}}");
  ASSERT_EQ(grandchild.status, 200) << grandchild.Describe();
  auto cycle = Put("/api/v1/folders/" + p, R"({"folder":{"parent_folder_id":)" +
                                               Str(grandchild.At("folder", "id")) + "}}");
  EXPECT_EQ(cycle.status, 422) << cycle.Describe();
  EXPECT_TRUE(DetailsMention(cycle.json, "its own sub-folder")) << cycle.Describe();
  EXPECT_EQ(Get("/api/v1/folders/" + p).At("folder", "parent_folder_id"), json::value(nullptr));
  ASSERT_EQ(Del("/api/v1/folders/" + Str(grandchild.At("folder", "id"))).status, 204);

  // Deleting a folder moves its articles up to the parent.
  auto article = Post("/api/v1/articles", R"({"article":{"name":"Filed","company_id":)" + c_ +
                                              R"(,"folder_id":)" + ch + "}}");
  ASSERT_EQ(article.status, 200) << article.Describe();
  EXPECT_EQ(Del("/api/v1/folders/" + ch).status, 204);
  auto gone = Get("/api/v1/folders/" + ch);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.body, R"({"error":"Folder not found"})");
  auto moved = Get("/api/v1/articles/" + Str(article.At("article", "id")));
  ASSERT_EQ(moved.status, 200);
  EXPECT_EQ(Str(moved.At("article", "folder_id")), p);
}

TEST_P(RecordsTest, WebsitesAreBareObjectsAndArrays) {
  std::string host = Token() + ".example.com";
  auto created =
      Post("/api/v1/websites", R"({"website":{"name":"https://)" + host + R"(","company_id":)" +
                                   c_ + R"(,"notes":"main site","paused":"true"}})");
  ASSERT_EQ(created.status, 200) << created.Describe();
  ASSERT_TRUE(created.json.is_object());
  EXPECT_FALSE(created.json.as_object().contains("website"));  // bare object
  int64_t id = Int(created.At("id"));
  EXPECT_GT(id, 0);
  EXPECT_EQ(Str(created.At("name")), "https://" + host);
  EXPECT_EQ(Int(created.At("company_id")), company_);
  EXPECT_EQ(created.At("paused"), json::value(true));
  EXPECT_EQ(Str(created.At("object_type")), "Website");
  EXPECT_FALSE(Str(created.At("company_name")).empty());

  auto got = Get("/api/v1/websites/" + std::to_string(id));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.json, created.json);
  auto list = Get("/api/v1/websites?name=" + Enc("https://" + host));
  ASSERT_EQ(list.status, 200);
  ASSERT_TRUE(list.json.is_array()) << list.body;  // bare array
  EXPECT_EQ(Ids(list.json), V{id});
  auto empty = Get("/api/v1/websites?name=" + Enc("https://none." + host));
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.body, R"({"websites":[]})");

  auto bare_host = Post("/api/v1/websites",
                        R"({"name":")" + Token() + R"(.example.org","company_id":)" + c_ + "}");
  EXPECT_EQ(bare_host.status, 200) << bare_host.Describe();
  EXPECT_EQ(Str(bare_host.At("name")).rfind("https://", 0), 0u);
  for (const std::string& bad :
       {std::string("not a url"), std::string("ftp://files.example.com"), std::string("")}) {
    auto r = S().CallJson(
        "POST", "/api/v1/websites",
        json::object{{"website", json::object{{"name", bad}, {"company_id", company_}}}});
    EXPECT_EQ(r.status, 422) << "'" << bad << "': " << r.Describe();
    EXPECT_TRUE(DetailsMention(r.json, "name")) << r.Describe();
  }
  auto no_company = Post("/api/v1/websites", R"({"website":{"name":"https://x.example.com"}})");
  EXPECT_EQ(no_company.status, 422);
  EXPECT_TRUE(DetailsMention(no_company.json, "company_id"));

  auto archived = Put("/api/v1/websites/" + std::to_string(id), R"({"website":{"archived":true}})");
  ASSERT_EQ(archived.status, 200) << archived.Describe();
  EXPECT_EQ(archived.At("archived"), json::value(true));
  EXPECT_EQ(Str(archived.At("notes")), "main site");
  EXPECT_EQ(Del("/api/v1/websites/" + std::to_string(id)).status, 204);
  auto gone = Get("/api/v1/websites/" + std::to_string(id));
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.body, R"({"error":"Website not found"})");
}

TEST_P(RecordsTest, RelationsComeInPairs) {
  auto layout = CreateLayout(Unique("Rel layout"), {});
  auto asset = CreateAsset(company_, {{"name", "Switch"}, {"asset_layout_id", layout.at("id")}});
  std::string a = Str(asset.at("id"));
  auto r = Post("/api/v1/relations", R"({"relation":{"fromable_type":"Asset","fromable_id":)" + a +
                                         R"(,"toable_type":"Company","toable_id":)" + c_ +
                                         R"(,"description":"lives at"}})");
  ASSERT_EQ(r.status, 200) << r.Describe();
  const auto& rel = r.At("relation");
  int64_t id = Int(rel.at("id"));
  EXPECT_EQ(Str(rel.at("fromable_type")), "Asset");
  EXPECT_EQ(Str(rel.at("fromable_id")), a);
  EXPECT_EQ(Str(rel.at("toable_type")), "Company");
  EXPECT_EQ(Int(rel.at("toable_id")), company_);
  EXPECT_EQ(Str(rel.at("description")), "lives at");
  EXPECT_EQ(rel.at("is_inverse"), json::value(false));

  auto pairs = [&]() {
    std::vector<json::object> out;
    auto list = Get("/api/v1/relations?page_size=1000");
    EXPECT_EQ(list.status, 200);
    for (const auto& x : Arr(list.At("relations"))) {
      const auto& o = x.as_object();
      bool mine = (Str(o.at("fromable_type")) == "Asset" && Str(o.at("fromable_id")) == a) ||
                  (Str(o.at("toable_type")) == "Asset" && Str(o.at("toable_id")) == a);
      if (mine) out.push_back(o);
    }
    return out;
  };
  auto both = pairs();
  ASSERT_EQ(both.size(), 2u);
  const auto& inverse = Int(both[0].at("id")) == id ? both[1] : both[0];
  EXPECT_EQ(inverse.at("is_inverse"), json::value(true));
  EXPECT_EQ(Str(inverse.at("fromable_type")), "Company");
  EXPECT_EQ(Int(inverse.at("fromable_id")), company_);
  EXPECT_EQ(Str(inverse.at("toable_type")), "Asset");
  EXPECT_EQ(Str(inverse.at("toable_id")), a);

  std::string to_company = R"(,"toable_type":"Company","toable_id":)" + c_ + "}}";
  for (const std::string& bad :
       {R"({"relation":{"fromable_type":"Spaceship","fromable_id":1)" + to_company,
        R"({"relation":{"fromable_type":"Asset","fromable_id":99999999)" + to_company,
        R"({"relation":{"fromable_type":"Asset")" + to_company}) {
    auto e = Post("/api/v1/relations", bad);
    EXPECT_EQ(e.status, 422) << bad << ": " << e.Describe();
    EXPECT_TRUE(DetailsMention(e.json, "fromable")) << e.Describe();
  }
  EXPECT_EQ(pairs().size(), 2u);

  EXPECT_EQ(Del("/api/v1/relations/" + std::to_string(id)).status, 204);
  EXPECT_TRUE(pairs().empty());
  EXPECT_EQ(Del("/api/v1/relations/" + std::to_string(id)).status, 404);
  EXPECT_EQ(Get("/api/v1/relations/" + std::to_string(id)).status, 404);  // no GET by id
}

TEST_P(RecordsTest, DeletingARecordDeletesItsRelations) {
  auto layout = CreateLayout(Unique("Rel layout"), {});
  auto asset = CreateAsset(company_, {{"name", "Hub"}, {"asset_layout_id", layout.at("id")}});
  auto website = Post("/api/v1/websites", R"({"website":{"name":"https://)" + Token() +
                                              R"(.example.com","company_id":)" + c_ + "}}");
  auto article = Post("/api/v1/articles", R"({"article":{"name":"Doc","company_id":)" + c_ + "}}");
  auto password =
      Post("/api/v1/asset_passwords",
           R"({"asset_password":{"name":"pw","password":"p","company_id":)" + c_ + "}}");
  ASSERT_EQ(website.status, 200);
  ASSERT_EQ(article.status, 200);
  ASSERT_EQ(password.status, 200);
  struct Target {
    std::string type, id, path;
  };
  std::vector<Target> targets = {
      {"Website", Str(website.At("id")), "/api/v1/websites/"},
      {"Article", Str(article.At("article", "id")), "/api/v1/articles/"},
      {"AssetPassword", Str(password.At("asset_password", "id")), "/api/v1/asset_passwords/"}};
  // How many relations (either direction) mention type/id.
  auto mentions = [&](const std::string& type, const std::string& id) {
    auto list = Get("/api/v1/relations?page_size=1000");
    int n = 0;
    for (const auto& r : Arr(list.At("relations")))
      for (const char* side : {"fromable", "toable"})
        n += Str(r.at(std::string(side) + "_type")) == type &&
             Str(r.at(std::string(side) + "_id")) == id;
    return n;
  };
  for (const auto& t : targets) {
    auto r = Post("/api/v1/relations", R"({"relation":{"fromable_type":"Asset","fromable_id":)" +
                                           Str(asset.at("id")) + R"(,"toable_type":")" + t.type +
                                           R"(","toable_id":)" + t.id + "}}");
    ASSERT_EQ(r.status, 200) << r.Describe();
    ASSERT_EQ(mentions(t.type, t.id), 2);  // the relation and its inverse
    ASSERT_EQ(Del(t.path + t.id).status, 204);
    EXPECT_EQ(mentions(t.type, t.id), 0) << "relations left pointing at a deleted " << t.type;
  }
  // Deleting a company deletes the relations of everything under it.
  int64_t other = CreateCompany(Unique("Short-lived"));
  auto site =
      Post("/api/v1/websites", R"({"website":{"name":"https://)" + Token() +
                                   R"(.example.com","company_id":)" + std::to_string(other) + "}}");
  ASSERT_EQ(site.status, 200);
  ASSERT_EQ(Post("/api/v1/relations",
                 R"({"relation":{"fromable_type":"Asset","fromable_id":)" + Str(asset.at("id")) +
                     R"(,"toable_type":"Website","toable_id":)" + Str(site.At("id")) + "}}")
                .status,
            200);
  ASSERT_EQ(mentions("Website", Str(site.At("id"))), 2);
  ASSERT_EQ(Del("/api/v1/companies/" + std::to_string(other)).status, 204);
  EXPECT_EQ(mentions("Website", Str(site.At("id"))), 0);
}

}  // namespace
}  // namespace cairn::tests
