// Sign-in lock-outs over plain HTTP against the real server (the browser tests, which share one
// server and one network address, cannot spend that address's failures): per email, and per
// network address whatever email it tries; both on SQLite and PostgreSQL.
#include <regex>

#include "core/text.h"
#include "tests/api_fixture.h"

namespace cairn::tests {
namespace {

class WebSignInTest : public ApiTest {
 protected:
  // One attempt with a fresh sign-in form (its cookie and token): the answer's status and body.
  static Reply Attempt(CairnServer& s, const std::string& email, const std::string& password) {
    auto form = s.Call("GET", "/login", "", "");
    std::smatch m;
    std::string cookie;
    for (const auto& [k, v] : form.headers)
      if (ToLower(k) == "set-cookie" && v.rfind("cairn_login=", 0) == 0) cookie = v.substr(0, v.find(';'));
    std::string body = form.body;
    EXPECT_TRUE(std::regex_search(body, m, std::regex("name=\"_csrf\" value=\"([0-9a-f]+)\""))) << body;
    std::string post = "_csrf=" + m[1].str() + "&email=" + http::PercentEncode(email) + "&password=" + http::PercentEncode(password);
    return s.Call("POST", "/login", post, "",
                  {{"Content-Type", "application/x-www-form-urlencoded"}, {"Cookie", cookie}, {"Origin", s.Url()}});
  }
};
CAIRN_ON_BOTH_BACKENDS(WebSignInTest);

TEST_P(WebSignInTest, AnAddressIsLockedAfterFiveFailuresAndANetworkAddressAfterTwenty) {
  auto s = StartServer();
  ASSERT_TRUE(s);
  for (int i = 0; i < 4; ++i) {
    auto r = Attempt(*s, "Admin@Cairn.local", "wrong " + std::to_string(i));
    EXPECT_EQ(r.status, 401) << r.Describe();
    EXPECT_NE(r.body.find("Wrong email or password."), std::string::npos);
  }
  auto fifth = Attempt(*s, "admin@cairn.local", "wrong 5");
  EXPECT_EQ(fifth.status, 429);
  EXPECT_NE(fifth.body.find("Too many failed sign-ins for this address. Try again in 15 minutes"), std::string::npos) << fifth.body;
  // Other addresses from here still get their own five, until the network address has failed
  // twenty times in all.
  int failures = 5;
  Reply last;
  for (int i = 0; failures < 20; ++i, ++failures) {
    last = Attempt(*s, "nobody" + std::to_string(i / 4) + "@example.com", "wrong");
    if (failures < 19) {
      EXPECT_TRUE(last.status == 401 || last.status == 429) << last.Describe();
    }
  }
  EXPECT_EQ(last.status, 429) << last.Describe();
  EXPECT_NE(last.body.find("Too many failed sign-ins from your network address"), std::string::npos) << last.body;
  auto fresh = Attempt(*s, "someone-new@example.com", "wrong");
  EXPECT_EQ(fresh.status, 429);
  EXPECT_NE(fresh.body.find("from your network address"), std::string::npos) << fresh.body;
}

TEST_P(WebSignInTest, SignInOverPlainHttpFromElsewhereSaysItNeedsHttps) {
  auto local = S().Call("GET", "/login", "", "");
  ASSERT_EQ(local.status, 200);
  EXPECT_EQ(local.body.find("Sign-in needs HTTPS"), std::string::npos) << "127.0.0.1 is this machine";
  auto remote = S().Call("GET", "/login", "", "", {{"Host", "cairn.example.com"}});
  EXPECT_NE(remote.body.find("Sign-in needs HTTPS"), std::string::npos) << remote.body;
  auto proxied = S().Call("GET", "/login", "", "", {{"Host", "cairn.example.com"}, {"X-Forwarded-Proto", "https"}});
  EXPECT_EQ(proxied.body.find("Sign-in needs HTTPS"), std::string::npos) << proxied.body;
}

}  // namespace
}  // namespace cairn::tests
