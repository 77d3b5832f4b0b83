// End to end: /api/v1/companies (reference/hudu-api.md 3.1): bodies, filters, pagination,
// archive, update, delete and validation.
#include <chrono>
#include <thread>

#include "tests/api_fixture.h"

namespace cairn::tests {
namespace {

class CompaniesTest : public ApiTest {
 protected:
  // The ids listed by GET /api/v1/companies?<query>.
  std::vector<int64_t> List(const std::string& query) {
    auto r = Get("/api/v1/companies?" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.Describe();
    return Ids(r.At("companies"));
  }
};
CAIRN_ON_BOTH_BACKENDS(CompaniesTest);

TEST_P(CompaniesTest, CreateWrappedAndFlatBodies) {
  std::string name = Unique("Acme Ltd");
  auto wrapped = Post("/api/v1/companies",
                      R"({"company":{"name":")" + name +
                          R"(","nickname":"ACME","city":"Leeds","state":"West Yorkshire",)"
                          R"("zip":"LS1 1AA","country_name":"UK","phone_number":"0113 000",)"
                          R"("website":"https://acme.example","id_number":"A-1",)"
                          R"("company_type":"Customer","notes":"<p>hi</p>"}})");
  ASSERT_EQ(wrapped.status, 200) << wrapped.Describe();
  const auto& c = wrapped.At("company").as_object();
  EXPECT_GT(Int(c.at("id")), 0);
  EXPECT_EQ(Str(c.at("name")), name);
  EXPECT_EQ(Str(c.at("nickname")), "ACME");
  EXPECT_EQ(Str(c.at("city")), "Leeds");
  EXPECT_EQ(Str(c.at("state")), "West Yorkshire");
  EXPECT_EQ(Str(c.at("zip")), "LS1 1AA");
  EXPECT_EQ(Str(c.at("phone_number")), "0113 000");
  EXPECT_EQ(Str(c.at("id_number")), "A-1");
  EXPECT_EQ(Str(c.at("company_type")), "Customer");
  EXPECT_EQ(Str(c.at("notes")), "<p>hi</p>");
  EXPECT_EQ(Str(c.at("object_type")), "Company");
  EXPECT_EQ(c.at("archived"), json::value(false));
  EXPECT_FALSE(Str(c.at("slug")).empty());
  EXPECT_EQ(Str(c.at("url")), "/c/" + Str(c.at("slug")));
  EXPECT_TRUE(IsIsoMillis(c.at("created_at"))) << c.at("created_at");
  EXPECT_TRUE(IsIsoMillis(c.at("updated_at"))) << c.at("updated_at");
  EXPECT_TRUE(c.at("integrations").is_array());

  std::string flat_name = Unique("Flat Co");
  auto flat = Post("/api/v1/companies", R"({"name":")" + flat_name + R"(","city":"York"})");
  ASSERT_EQ(flat.status, 200) << flat.Describe();
  EXPECT_EQ(Str(flat.At("company", "name")), flat_name);
  EXPECT_EQ(Str(flat.At("company", "city")), "York");

  // The string forms of numbers (and numbers where text is expected).
  int64_t parent = Int(c.at("id"));
  auto child = Post("/api/v1/companies", R"({"company":{"name":")" + Unique("Child") +
                                             R"(","parent_company_id":")" + std::to_string(parent) +
                                             R"(","id_number":42}})");
  ASSERT_EQ(child.status, 200) << child.Describe();
  EXPECT_EQ(Int(child.At("company", "parent_company_id")), parent);
  EXPECT_EQ(Str(child.At("company", "parent_company_name")), name);
  EXPECT_EQ(Str(child.At("company", "id_number")), "42");

  auto got = Get("/api/v1/companies/" + std::to_string(parent));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.At("company"), wrapped.At("company"));
}

TEST_P(CompaniesTest, MissingCompanyIs404) {
  for (const char* method : {"GET", "PUT", "DELETE"}) {
    auto r =
        S().Call(method, "/api/v1/companies/99999999", method[0] == 'P' ? R"({"name":"x"})" : "");
    EXPECT_EQ(r.status, 404) << method;
    EXPECT_EQ(r.body, R"({"error":"Company not found"})") << method;
  }
  EXPECT_EQ(Put("/api/v1/companies/99999999/archive", "").status, 404);
  auto bad = Get("/api/v1/companies/abc");
  EXPECT_TRUE(bad.status == 404 || bad.status == 422) << bad.Describe();
}

TEST_P(CompaniesTest, ValidationNamesTheFieldAndWritesNothing) {
  for (const std::string& body :
       {std::string(R"({"company":{"name":""}})"), std::string(R"({"company":{"name":"   "}})"),
        std::string(R"({"company":{"city":"Nowhere"}})"), std::string("{}")}) {
    auto r = Post("/api/v1/companies", body);
    EXPECT_EQ(r.status, 422) << body << ": " << r.Describe();
    EXPECT_EQ(Str(r.At("error")), "Validation failed") << r.Describe();
    EXPECT_TRUE(DetailsMention(r.json, "name")) << r.Describe();
  }
  EXPECT_TRUE(List("city=Nowhere").empty());

  std::string name = Unique("Orphan");
  auto r = Post("/api/v1/companies",
                R"({"company":{"name":")" + name + R"(","parent_company_id":99999999}})");
  EXPECT_EQ(r.status, 422) << r.Describe();
  EXPECT_TRUE(DetailsMention(r.json, "parent_company_id")) << r.Describe();
  r = Post("/api/v1/companies",
           R"({"company":{"name":")" + name + R"(","parent_company_id":"x"}})");
  EXPECT_EQ(r.status, 422) << r.Describe();
  EXPECT_TRUE(DetailsMention(r.json, "parent_company_id")) << r.Describe();
  r = Post("/api/v1/companies", R"({"company":{"name":")" + name + R"(","city":{"a":1}}})");
  EXPECT_EQ(r.status, 422) << r.Describe();
  EXPECT_TRUE(DetailsMention(r.json, "city")) << r.Describe();
  EXPECT_TRUE(List("name=" + Enc(name)).empty());
}

TEST_P(CompaniesTest, ExactAndPartialFilters) {
  std::string tag = Unique("F");  // shared by the three, in distinct fields
  std::string n1 = tag + " Alpha", n2 = tag + " Beta", n3 = tag + " Gamma";
  int64_t c1 = CreateCompany({{"name", n1},
                              {"city", tag + " Leeds"},
                              {"state", tag + " WY"},
                              {"id_number", tag + "-1"},
                              {"website", "https://1." + Token() + ".example"},
                              {"phone_number", tag + " 111"}});
  int64_t c2 = CreateCompany({{"name", n2},
                              {"city", tag + " Leeds"},
                              {"state", tag + " NY"},
                              {"id_number", tag + "-2"},
                              {"phone_number", tag + " 222"}});
  int64_t c3 = CreateCompany(
      {{"name", n3}, {"city", tag + " York"}, {"state", tag + " NY"}, {"id_number", tag + "-3"}});
  auto one = Get("/api/v1/companies/" + std::to_string(c1)).At("company");
  using V = std::vector<int64_t>;
  EXPECT_EQ(List("name=" + Enc(n1)), V{c1});
  EXPECT_EQ(List("name=" + Enc(tag)), V{});  // exact, not partial
  EXPECT_EQ(List("search=" + Enc(tag)), (V{c1, c2, c3}));
  EXPECT_EQ(List("search=" + Enc(tag + " Bet")), V{c2});
  EXPECT_EQ(List("slug=" + Enc(Str(one.at("slug")))), V{c1});
  EXPECT_EQ(List("city=" + Enc(tag + " Leeds")), (V{c1, c2}));
  EXPECT_EQ(List("state=" + Enc(tag + " NY")), (V{c2, c3}));
  EXPECT_EQ(List("id_number=" + Enc(tag + "-3")), V{c3});
  EXPECT_EQ(List("website=" + Enc(Str(one.at("website")))), V{c1});
  EXPECT_EQ(List("phone_number=" + Enc(tag + " 222")), V{c2});
  EXPECT_EQ(List("city=" + Enc(tag + " Leeds") + "&state=" + Enc(tag + " NY")), V{c2});
  EXPECT_EQ(List("id_in_integration=12345&city=" + Enc(tag + " Leeds")), V{});
}

TEST_P(CompaniesTest, UpdatedAtRanges) {
  std::string city = Unique("Range City");
  int64_t first = CreateCompany({{"name", Unique("Early")}, {"city", city}});
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  int64_t second = CreateCompany({{"name", Unique("Late")}, {"city", city}});
  std::string t1 =
      Str(Get("/api/v1/companies/" + std::to_string(first)).At("company", "updated_at"));
  std::string t2 =
      Str(Get("/api/v1/companies/" + std::to_string(second)).At("company", "updated_at"));
  ASSERT_LT(t1, t2);
  using V = std::vector<int64_t>;
  std::string c = "city=" + Enc(city);
  EXPECT_EQ(List(c + "&updated_at=" + Enc(t2 + ",")), V{second});
  EXPECT_EQ(List(c + "&updated_at=" + Enc("," + t1)), V{first});
  EXPECT_EQ(List(c + "&updated_at=" + Enc(t1 + "," + t2)), (V{first, second}));
  EXPECT_EQ(List(c + "&updated_at=" + Enc(t1)), V{first});
  EXPECT_EQ(List(c + "&updated_at=" + Enc("2000-01-01T00:00:00Z,2000-12-31")), V{});
  EXPECT_EQ(List(c + "&updated_at=" + Enc("2000-01-01,")), (V{first, second}));
  auto bad = Get("/api/v1/companies?updated_at=yesterday");
  EXPECT_EQ(bad.status, 422) << bad.Describe();
  EXPECT_TRUE(DetailsMention(bad.json, "updated_at")) << bad.Describe();
}

TEST_P(CompaniesTest, Pagination) {
  std::string city = Unique("Page City");
  std::vector<int64_t> all;
  for (int i = 0; i < 30; ++i)
    all.push_back(CreateCompany({{"name", Unique("Paged")}, {"city", city}}));
  std::string c = "city=" + Enc(city);
  auto first = List(c);
  EXPECT_EQ(first, std::vector<int64_t>(all.begin(), all.begin() + 25));  // default page_size 25
  EXPECT_EQ(List(c + "&page=2"), std::vector<int64_t>(all.begin() + 25, all.end()));
  EXPECT_EQ(List(c + "&page=2&page_size=10"),
            std::vector<int64_t>(all.begin() + 10, all.begin() + 20));
  auto past = Get("/api/v1/companies?" + c + "&page=3");
  EXPECT_EQ(past.status, 200);
  EXPECT_EQ(past.body, R"({"companies":[]})");
  for (const char* bad : {"page=0", "page=-1", "page=x", "page_size=0"}) {
    auto r = Get("/api/v1/companies?" + std::string(bad));
    EXPECT_EQ(r.status, 422) << bad << ": " << r.Describe();
  }
}

TEST_P(CompaniesTest, PageSizeIsCappedAt1000) {
  auto s = StartServer();
  ASSERT_TRUE(s);
  // 1,005 companies straight into the database: through the API this would take seconds.
  auto db = s->OpenDatabase();
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ASSERT_TRUE((*db)
                  ->ExecScript("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                               "WHERE i < 1005) INSERT INTO companies (name, slug, city) "
                               "SELECT 'Bulk ' || i, 'bulk-' || i, 'Bulkton' FROM n")
                  .ok());
  auto r = s->Call("GET", "/api/v1/companies?page_size=2000");
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(Arr(r.At("companies")).size(), 1000u);
  auto rest = s->Call("GET", "/api/v1/companies?page_size=1000&page=2");
  EXPECT_EQ(Arr(rest.At("companies")).size(), 5u);
}

TEST_P(CompaniesTest, ArchiveAndUnarchive) {
  std::string name = Unique("Dormant");
  int64_t id = CreateCompany(name);
  std::string path = "/api/v1/companies/" + std::to_string(id);
  auto archived = Put(path + "/archive", "");
  ASSERT_EQ(archived.status, 200) << archived.Describe();
  EXPECT_EQ(archived.At("company", "archived"), json::value(true));
  EXPECT_EQ(Int(archived.At("company", "id")), id);
  EXPECT_TRUE(List("name=" + Enc(name)).empty());
  EXPECT_EQ(List("name=" + Enc(name) + "&archived=true"), std::vector<int64_t>{id});
  EXPECT_EQ(Get(path).At("company", "archived"), json::value(true));  // still readable by id
  auto back = Put(path + "/unarchive", "");
  ASSERT_EQ(back.status, 200);
  EXPECT_EQ(back.At("company", "archived"), json::value(false));
  EXPECT_EQ(List("name=" + Enc(name)), std::vector<int64_t>{id});
  // "archived" in a body does not archive (the routes do).
  auto put = Put(path, R"({"company":{"archived":true}})");
  EXPECT_EQ(put.status, 200);
  EXPECT_EQ(put.At("company", "archived"), json::value(false));
}

// The same page asked for again reflects every write in between (pages may be kept in memory
// while the companies are unchanged).
TEST_P(CompaniesTest, RepeatedPagesSeeEveryChange) {
  std::string parent_name = Unique("Holding");
  int64_t parent = CreateCompany(parent_name);
  std::string child_name = Unique("Subsidiary");
  auto child = Post("/api/v1/companies", R"({"company":{"name":")" + child_name +
                                             R"(","parent_company_id":)" + std::to_string(parent) +
                                             "}}");
  ASSERT_EQ(child.status, 200) << child.Describe();
  std::string query = "/api/v1/companies?search=" + Enc(child_name);
  auto first = Get(query);
  ASSERT_EQ(Arr(first.At("companies")).size(), 1u);
  EXPECT_EQ(Str(Arr(first.At("companies"))[0].at("parent_company_name")), parent_name);
  EXPECT_EQ(Get(query).body, first.body);
  // Renaming the parent changes the child's page.
  auto renamed = Put("/api/v1/companies/" + std::to_string(parent),
                     R"({"company":{"name":")" + parent_name + R"( Renamed"}})");
  ASSERT_EQ(renamed.status, 200);
  auto second = Get(query);
  EXPECT_EQ(Str(Arr(second.At("companies"))[0].at("parent_company_name")), parent_name + " Renamed");
  // A new match appears; a deleted one goes.
  int64_t twin = CreateCompany(child_name + " Twin");
  EXPECT_EQ(Arr(Get(query).At("companies")).size(), 2u);
  ASSERT_EQ(Del("/api/v1/companies/" + std::to_string(twin)).status, 204);
  EXPECT_EQ(Arr(Get(query).At("companies")).size(), 1u);
}

TEST_P(CompaniesTest, UpdateChangesOnlyTheGivenFields) {
  std::string name = Unique("Mutable");
  int64_t id = CreateCompany({{"name", name}, {"city", "Leeds"}, {"notes", "keep me"}});
  std::string path = "/api/v1/companies/" + std::to_string(id);
  auto before = Get(path).At("company");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto r = Put(path, R"({"company":{"city":"York","zip":"YO1"}})");
  ASSERT_EQ(r.status, 200) << r.Describe();
  const auto& c = r.At("company");
  EXPECT_EQ(Str(c.at("city")), "York");
  EXPECT_EQ(Str(c.at("zip")), "YO1");
  EXPECT_EQ(Str(c.at("name")), name);
  EXPECT_EQ(Str(c.at("notes")), "keep me");
  EXPECT_EQ(c.at("created_at"), before.at("created_at"));
  EXPECT_GT(Str(c.at("updated_at")), Str(before.at("updated_at")));
  EXPECT_EQ(Get(path).At("company"), c);
  auto flat = Put(path, R"({"nickname":"Flat"})");
  EXPECT_EQ(Str(flat.At("company", "nickname")), "Flat");

  auto blank = Put(path, R"({"company":{"name":""}})");
  EXPECT_EQ(blank.status, 422);
  EXPECT_TRUE(DetailsMention(blank.json, "name"));
  auto self = Put(path, R"({"company":{"parent_company_id":)" + std::to_string(id) + "}}");
  EXPECT_EQ(self.status, 422);
  EXPECT_TRUE(DetailsMention(self.json, "parent_company_id"));
  EXPECT_EQ(Str(Get(path).At("company", "name")), name);  // nothing written
}

TEST_P(CompaniesTest, DeleteRemovesTheCompanyAndItsRecords) {
  int64_t id = CreateCompany(Unique("Doomed"));
  std::string path = "/api/v1/companies/" + std::to_string(id);
  auto layout = CreateLayout(Unique("Doomed layout"), {});
  auto asset = CreateAsset(id, {{"name", "Doomed asset"}, {"asset_layout_id", layout.at("id")}});
  auto pw = Post("/api/v1/asset_passwords", R"({"asset_password":{"name":"p","password":"p",)"
                                            R"("company_id":)" +
                                                std::to_string(id) + "}}");
  ASSERT_EQ(pw.status, 200);
  auto r = Del(path);
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.body.empty()) << r.body;
  auto gone = Get(path);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.body, R"({"error":"Company not found"})");
  EXPECT_EQ(Del(path).status, 404);
  EXPECT_TRUE(Arr(Get("/api/v1/assets?id=" + Str(asset.at("id"))).At("assets")).empty());
  EXPECT_EQ(Get("/api/v1/asset_passwords/" + Str(pw.At("asset_password", "id"))).status, 404);
}

}  // namespace
}  // namespace cairn::tests
