// The HTML helpers: escaping, and the form pieces the pages are made of.
#include "web/html.h"

#include <gtest/gtest.h>

#include "web/internal.h"

namespace cairn::web {
namespace {

TEST(Html, EscapesEverythingThatCouldOpenMarkup) {
  EXPECT_EQ(Esc("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
  EXPECT_EQ(Esc("Smith & Sons Ltd"), "Smith &amp; Sons Ltd");
  EXPECT_EQ(Esc(""), "");
}

TEST(Html, AnInputWithAnErrorIsMarkedAndDescribedByIt) {
  std::string h = Input({.name = "credentials.site", .label = "Site", .value = "\"><b>", .error = "credentials.site remove \"https://\""});
  EXPECT_NE(h.find("id=\"f-credentials.site\""), std::string::npos) << h;
  EXPECT_NE(h.find("aria-invalid=\"true\""), std::string::npos) << h;
  EXPECT_NE(h.find("aria-describedby=\"f-credentials.site-error\""), std::string::npos) << h;
  EXPECT_NE(h.find("value=\"&quot;&gt;&lt;b&gt;\""), std::string::npos) << h;
  EXPECT_NE(h.find("remove &quot;https://&quot;"), std::string::npos) << h;
  std::string plain = Input({.name = "name", .label = "Name"});
  EXPECT_EQ(plain.find("aria-invalid"), std::string::npos) << plain;
}

TEST(Html, SelectMarksTheChosenOption) {
  std::string h = Select({.name = "k", .label = "K", .value = "2"}, {{"1", "One"}, {"2", "Two <2>"}});
  EXPECT_NE(h.find("<option value=\"2\" selected>Two &lt;2&gt;</option>"), std::string::npos) << h;
  EXPECT_NE(h.find("<option value=\"1\">One</option>"), std::string::npos) << h;
}

TEST(Html, TimesReadLikeDatesAndPagerLinksKeepTheQuery) {
  EXPECT_EQ(When("2026-11-23T18:41:22Z"), "23 Nov 2026 18:41");
  EXPECT_EQ(When("not a time"), "not a time");
  EXPECT_EQ(Pager("/companies?sort=name&", 1, false), "");
  std::string p = Pager("/companies?sort=name&", 2, true);
  EXPECT_NE(p.find("href=\"/companies?sort=name&amp;page=1\""), std::string::npos) << p;
  EXPECT_NE(p.find("href=\"/companies?sort=name&amp;page=3\""), std::string::npos) << p;
}

TEST(Html, ApiDetailsAreFiledUnderTheFieldTheyName) {
  ApiAnswer a;
  a.status = 422;
  a.body = json::parse(R"J({"error":"Validation failed","details":[
      "credentials.site remove \"https://\" (e.g. api-na.myconnectwise.net)",
      "default_layouts.contacts can't be blank",
      "name is too long (at most 255 characters)",
      "something else entirely"]})J");
  auto e = a.FieldErrors({"name", "credentials", "credentials.site", "default_layouts.contacts"});
  EXPECT_EQ(e["credentials.site"], "Remove \"https://\" (e.g. api-na.myconnectwise.net)");
  EXPECT_EQ(e["default_layouts.contacts"], "Can't be blank");
  EXPECT_EQ(e["name"], "Is too long (at most 255 characters)");
  EXPECT_EQ(e[""], "something else entirely");
  EXPECT_EQ(a.Message(), "Validation failed; credentials.site remove \"https://\" (e.g. api-na.myconnectwise.net); "
                         "default_layouts.contacts can't be blank; name is too long (at most 255 characters); something else entirely");
}

TEST(Html, TheStaticFilesAreBuiltIn) {
  for (const char* name : {"htmx.min.js", "pico.min.css", "app.css", "app.js"}) {
    auto f = FindStatic(name);
    ASSERT_TRUE(f.has_value()) << name;
    EXPECT_GT(f->content.size(), 500u) << name;
    EXPECT_EQ(f->version.size(), 12u) << name;
  }
  EXPECT_NE(FindStatic("htmx.min.js")->content.find("htmx"), std::string_view::npos);
  EXPECT_FALSE(FindStatic("../secret").has_value());
  EXPECT_EQ(StaticUrl("app.js").rfind("/static/app.js?v=", 0), 0u);
}

}  // namespace
}  // namespace cairn::web
