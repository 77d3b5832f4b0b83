// The HTML helpers: escaping, and the form pieces the pages are made of.
#include "web/html.h"

#include <gtest/gtest.h>

#include <chrono>

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

TEST(Html, AMultiSelectMarksEveryChosenOptionAndATextAreaCannotBeClosedByItsValue) {
  std::string m = MultiSelect({.name = "cf[3]", .label = "Tags"}, {{"1", "a"}, {"2", "b"}, {"3", "c"}}, {"1", "3"});
  EXPECT_NE(m.find("<select multiple id=\"f-cf[3]\" name=\"cf[3]\""), std::string::npos) << m;
  EXPECT_NE(m.find("value=\"1\" selected"), std::string::npos) << m;
  EXPECT_EQ(m.find("value=\"2\" selected"), std::string::npos) << m;
  EXPECT_NE(m.find("value=\"3\" selected"), std::string::npos) << m;
  std::string t = TextArea({.name = "notes", .label = "Notes", .value = "</textarea><script>x()</script>", .error = "Too long"});
  EXPECT_EQ(t.find("<script>"), std::string::npos) << t;
  EXPECT_NE(t.find("&lt;/textarea&gt;"), std::string::npos) << t;
  EXPECT_NE(t.find("aria-invalid=\"true\""), std::string::npos) << t;
  EXPECT_NE(t.find("Too long"), std::string::npos) << t;
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

TEST(Html, SanitizingKeepsFormattingAndDropsEverythingThatRuns) {
  EXPECT_EQ(SanitizeHtml("<h2>VPN</h2><p>Use <strong>FortiClient</strong> &amp; <em>MFA</em>.</p><ul><li>one</li></ul>"),
            "<h2>VPN</h2><p>Use <strong>FortiClient</strong> &amp; <em>MFA</em>.</p><ul><li>one</li></ul>");
  EXPECT_EQ(SanitizeHtml("<p onclick=\"alert(1)\" style=\"color:red\" class=x>hi</p>"), "<p>hi</p>");
  EXPECT_EQ(SanitizeHtml("a<script>alert(1)</script>b<style>p{}</style>c"), "abc");
  EXPECT_EQ(SanitizeHtml("<SCRIPT src=x></SCRIPT>ok"), "ok");
  EXPECT_EQ(SanitizeHtml("<a href=\"https://example.com/x?a=1&b=2\">x</a>"),
            "<a href=\"https://example.com/x?a=1&amp;b=2\" rel=\"noopener noreferrer nofollow\">x</a>");
  for (const char* evil : {"<a href=\"javascript:alert(1)\">x</a>", "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
                           "<a href=\"java\tscript:alert(1)\">x</a>", "<a href=\"&#106;avascript:alert(1)\">x</a>",
                           "<a href=\"&#x6A;avascript&colon;alert(1)\">x</a>", "<a href=\"data:text/html,<script>\">x</a>",
                           "<a href=vbscript:msgbox>x</a>"})
    EXPECT_EQ(SanitizeHtml(evil), "<a rel=\"noopener noreferrer nofollow\">x</a>") << evil;
  EXPECT_EQ(SanitizeHtml("<img src=\"https://x/y.png\" alt=\"diagram\" onerror=\"alert(1)\">"),
            "<img src=\"https://x/y.png\" alt=\"diagram\">");
  EXPECT_EQ(SanitizeHtml("<img src=\"data:image/svg+xml;base64,PHN2Zz4=\">"), "<img>");
  EXPECT_EQ(SanitizeHtml("<img src=\"x\">"), "<img>");
  EXPECT_EQ(SanitizeHtml("<iframe src=\"https://evil\"></iframe><svg><script>x</script></svg>after"), "after");
  EXPECT_EQ(SanitizeHtml("<!-- <script>x</script> -->text"), "text");
  EXPECT_EQ(SanitizeHtml("1 < 2 and 3 > 2"), "1 &lt; 2 and 3 &gt; 2");
  EXPECT_EQ(SanitizeHtml("<p title='a\"><script>alert(1)</script>'>t</p>"), "<p>t</p>");
  EXPECT_EQ(SanitizeHtml("<unknown>kept text</unknown>"), "kept text");
  EXPECT_EQ(SanitizeHtml("<td colspan=2 rowspan=\"x\">c</td>"), "<td colspan=\"2\">c</td>");
  // Tags are balanced: what is left open is closed, a closing tag that closes nothing goes.
  EXPECT_EQ(SanitizeHtml("<p>unclosed <a href=\"/companies/1\">rel"),
            "<p>unclosed <a href=\"/companies/1\" rel=\"noopener noreferrer nofollow\">rel</a></p>");
  EXPECT_EQ(SanitizeHtml("x</div></article></main>y"), "xy");
  EXPECT_EQ(SanitizeHtml("<ul><li>a<li>b</ul>c"), "<ul><li>a<li>b</li></li></ul>c");
  EXPECT_EQ(SanitizeHtml("<b><i>x</b>y</i>"), "<b><i>x</i></b>y");
  // Many ampersands cost a pass, not a search to the end for each.
  std::string amps = "<a href=\"https://x/" + std::string(200000, '&') + "\">x</a>";
  auto started = std::chrono::steady_clock::now();
  EXPECT_NE(SanitizeHtml(amps).find("href"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
}

TEST(Html, ListItemsSplitOnLinesAndCommas) {
  EXPECT_EQ(ListItems(" Firewall, Switch\r\n\nPrinter ,,\t"), (std::vector<std::string>{"Firewall", "Switch", "Printer"}));
  EXPECT_TRUE(ListItems("").empty());
  EXPECT_TRUE(ListItems(" , \n").empty());
}

TEST(Html, LinesSplitOnLinesOnlySoAnItemMayHoldAComma) {
  EXPECT_EQ(Lines("Edge\r\n  Core  \n\nBranch, small office\n"),
            (std::vector<std::string>{"Edge", "Core", "Branch, small office"}));
  EXPECT_TRUE(Lines("").empty());
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
