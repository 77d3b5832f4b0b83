#include "sims/common/control.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>

#include "sims/common/https_sim_test.h"

namespace cairn::sims {
namespace {

namespace json = boost::json;

// A toy vendor: companies have ids 100 + company, devices company * 1000 + index.
Vocabulary ToyVocabulary(int rate_limit = 0) {
  Vocabulary v;
  v.kind = [](const std::string& name) -> std::optional<RecordKind> {
    if (name == "companies") return RecordKind::kCompany;
    if (name == "devices") return RecordKind::kDevice;
    return std::nullopt;
  };
  v.key = [](RecordKind kind, const json::value& id) -> std::optional<RecordKey> {
    if (!id.is_int64()) return std::nullopt;
    int64_t n = id.get_int64();
    if (kind == RecordKind::kCompany) return n >= 100 ? std::optional<RecordKey>({n - 100, 0}) : std::nullopt;
    return n >= 0 ? std::optional<RecordKey>({n / 1000, n % 1000}) : std::nullopt;
  };
  v.id = [](RecordKind kind, RecordKey k) -> json::value {
    return kind == RecordKind::kCompany ? 100 + k.company : k.company * 1000 + k.index;
  };
  v.too_many_requests = [](int retry_after_s) {
    auto r = http::Response::Text(429, "slow down\n");
    r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
    return r;
  };
  v.rate_limit_per_min = rate_limit;
  return v;
}

class SimControlTest : public ::testing::Test {
 protected:
  http::Response Call(const std::string& method, const std::string& path, const std::string& body = "",
                      const std::string& token = "tok", const std::string& ip = "127.0.0.1") {
    http::Request r;
    r.method = method;
    r.path = path;
    r.target = path;
    r.body = body;
    r.remote_ip = ip;
    if (!token.empty()) r.headers.emplace_back("X-Sim-Token", token);
    return control_.Handle(r, [this](const http::Request& req) {
      ++vendor_calls_;
      return http::Response::Json(200, "{\"path\":\"" + req.path + "\"}");
    });
  }
  static json::object Body(const http::Response& r) { return json::parse(r.body).as_object(); }

  Tenant tenant_{FleetOptions{.seed = 2, .companies = 5, .devices_per_company = 3}};
  SimControl control_{"tok", &tenant_, ToyVocabulary()};
  int vendor_calls_ = 0;
};

TEST_F(SimControlTest, TokenIsRequired) {
  EXPECT_EQ(Call("GET", "/_sim/stats", "", "").status, 401);
  auto wrong = Call("GET", "/_sim/stats", "", "nope");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(wrong.body.find("X-Sim-Token"), std::string::npos);
  EXPECT_EQ(Call("GET", "/_sim/stats").status, 200);
  EXPECT_EQ(Call("GET", "/_sim/nothing").status, 404);
  EXPECT_EQ(vendor_calls_, 0);
}

TEST_F(SimControlTest, WithoutATokenTheControlApiIsTheVendors404) {
  SimControl off("", &tenant_, ToyVocabulary());
  http::Request r;
  r.method = "GET";
  r.path = "/_sim/stats";
  auto resp = off.Handle(r, [](const http::Request&) { return http::Response::Json(404, "{\"vendor\":true}"); });
  EXPECT_EQ(resp.status, 404);
  EXPECT_EQ(resp.body, "{\"vendor\":true}");
}

TEST_F(SimControlTest, MutateAnswersTheVendorsIds) {
  auto r = Call("POST", "/_sim/mutate", R"({"kind": "companies", "action": "rename", "ids": [102]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r).at("ids"), (json::array{102}));
  EXPECT_NE(tenant_.View()->Company(2)->name, Fleet({.seed = 2, .companies = 5}).Company(2).name);

  r = Call("POST", "/_sim/mutate", R"({"kind": "devices", "action": "add", "count": 2, "company_id": 101})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r).at("ids"), (json::array{1003, 1004}));
  EXPECT_EQ(tenant_.View()->Total(RecordKind::kDevice), 17);
  EXPECT_EQ(Body(r).at("version"), 2);
}

TEST_F(SimControlTest, MutateErrorsNameTheFieldAndChangeNothing) {
  auto expect = [&](const std::string& body, int status, const std::string& words) {
    auto r = Call("POST", "/_sim/mutate", body);
    EXPECT_EQ(r.status, status) << body << " -> " << r.body;
    EXPECT_NE(r.body.find(words), std::string::npos) << r.body;
  };
  expect(R"({"kind": "tickets", "action": "add", "count": 1})", 400, "kind");
  expect(R"({"kind": "devices", "action": "explode", "count": 1})", 400, "action");
  expect(R"({"kind": "devices", "action": "add"})", 400, "count");
  expect(R"({"kind": "devices", "action": "add", "count": 0})", 400, "count");
  expect(R"({"kind": "devices", "action": "rename", "ids": [1003]})", 404, "ids");
  expect(R"({"kind": "devices", "action": "rename", "ids": ["x"]})", 404, "ids");
  expect(R"({"kind": "devices", "action": "add", "count": 1, "company_id": 177})", 404, "company");
  expect(R"({"kind": "devices", "action": "add", "count": 1, "colour": 1})", 400, "colour");
  expect(R"([1])", 400, "JSON object");
  EXPECT_EQ(tenant_.View()->version(), 0u);
  expect(R"({"kind": "devices", "action": "rename", "count": 1})", 200, "\"ids\"");
}

TEST_F(SimControlTest, InjectedFaults) {
  auto set = [&](const std::string& body) {
    auto r = Call("POST", "/_sim/faults", body);
    EXPECT_EQ(r.status, 200) << r.body;
  };
  set(R"({"p429": 1, "retry_after_s": 7})");
  auto r = Call("GET", "/api/x", "", "");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.body, "slow down\n");
  EXPECT_EQ(http::FindHeader(r.headers, "Retry-After").value_or(""), "7");
  set(R"({"p5xx": 1})");
  EXPECT_EQ(Call("GET", "/api/x", "", "").status, 503);
  set(R"({"preset": 1})");
  EXPECT_EQ(Call("GET", "/api/x", "", "").abort, http::Response::Abort::kReset);
  set(R"({"ptruncate": 1})");
  r = Call("GET", "/api/x", "", "");
  EXPECT_EQ(r.abort, http::Response::Abort::kTruncate);
  EXPECT_EQ(r.status, 200);
  set(R"({"ptimeout": 1, "timeout_ms": 60})");
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Call("GET", "/api/x", "", "").abort, http::Response::Abort::kReset);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(55));
  set(R"({"latency_ms": 40})");
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(Call("GET", "/api/x", "", "").status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(35));
  // A share is a share.
  set(R"({"p5xx": 0.5})");
  int failed = 0;
  for (int i = 0; i < 400; ++i) failed += Call("GET", "/api/x", "", "").status == 503;
  EXPECT_GT(failed, 140);
  EXPECT_LT(failed, 260);
  set("{}");
  EXPECT_EQ(Call("GET", "/api/x", "", "").status, 200);
  EXPECT_EQ(Body(Call("GET", "/_sim/faults")).at("p5xx"), 0.0);
}

TEST_F(SimControlTest, BadFaultsAreRefusedByName) {
  for (auto [body, word] : std::vector<std::pair<std::string, std::string>>{
           {R"({"p429": 2})", "p429"},
           {R"({"p429": "x"})", "p429"},
           {R"({"latency_ms": -1})", "latency_ms"},
           {R"({"latency_ms": 1.5})", "latency_ms"},
           {R"({"p429": 0.6, "p5xx": 0.6})", "exceed"},
           {R"({"chaos": 1})", "chaos"}}) {
    auto r = Call("POST", "/_sim/faults", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_NE(r.body.find(word), std::string::npos) << r.body;
  }
  EXPECT_EQ(control_.faults().p429, 0);
}

TEST_F(SimControlTest, RateLimitPerAddressRefills) {
  auto now = std::chrono::steady_clock::now();
  SimControl limited("tok", &tenant_, ToyVocabulary(3));
  limited.SetClock([&] { return now; });
  auto call = [&](const std::string& ip) {
    http::Request r;
    r.method = "GET";
    r.path = "/api/x";
    r.remote_ip = ip;
    return limited.Handle(r, [](const http::Request&) { return http::Response::Json(200, "{}"); });
  };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(call("10.0.0.1").status, 200);
  auto refused = call("10.0.0.1");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(http::FindHeader(refused.headers, "Retry-After").value_or(""), "20");
  EXPECT_EQ(call("10.0.0.2").status, 200);
  now += std::chrono::seconds(20);
  EXPECT_EQ(call("10.0.0.1").status, 200);
  EXPECT_EQ(call("10.0.0.1").status, 429);
}

TEST_F(SimControlTest, StatsCountByPathPatternAndResetClearsAll) {
  Call("GET", "/api/v1/customers", "", "");
  Call("GET", "/api/v1/customers/1042", "", "");
  Call("GET", "/api/v1/customers/1043", "", "");
  Call("GET", "/api/v3/devices/0a1b2c3d-0000-4000-8000-00000000002a", "", "");
  auto stats = Body(Call("GET", "/_sim/stats"));
  EXPECT_EQ(stats.at("requests"), 4);
  auto& by_path = stats.at("by_path").as_object();
  EXPECT_EQ(by_path.at("GET /api/v1/customers").at("200"), 1);
  EXPECT_EQ(by_path.at("GET /api/v1/customers/{id}").at("200"), 2);
  EXPECT_EQ(by_path.at("GET /api/v3/devices/{id}").at("200"), 1);

  Call("POST", "/_sim/mutate", R"({"kind": "companies", "action": "delete", "ids": [100]})");
  Call("POST", "/_sim/faults", R"({"p5xx": 1})");
  EXPECT_EQ(Call("POST", "/_sim/reset").status, 200);
  EXPECT_EQ(tenant_.View()->version(), 0u);
  EXPECT_TRUE(tenant_.View()->Company(0));
  EXPECT_EQ(Call("GET", "/api/x", "", "").status, 200);
  EXPECT_EQ(Body(Call("GET", "/_sim/stats")).at("requests"), 1);
}

// The server really drops or cuts the connection when told to.
class SimControlOverHttps : public HttpsSimTest {};

TEST_F(SimControlOverHttps, ResetAndTruncateReachTheClientAsTransportErrors) {
  Tenant tenant(FleetOptions{.companies = 2});
  SimControl control("tok", &tenant, ToyVocabulary());
  Serve([&](http::Request& r) {
    return control.Handle(r, [](const http::Request&) {
      return http::Response::Json(200, std::string(4000, 'x'));
    });
  });
  auto faults = [&](const std::string& body) {
    auto r = client_->Send({.method = "POST", .url = origin_ + "/_sim/faults", .headers = {{"X-Sim-Token", "tok"}},
                            .body = body});
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200) << r->body;
  };
  auto ok = client_->Send({.method = "GET", .url = origin_ + "/api/x"});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->body.size(), 4000u);
  faults(R"({"ptruncate": 1})");
  auto cut = client_->Send({.method = "GET", .url = origin_ + "/api/x"});
  EXPECT_FALSE(cut.ok()) << cut->status << " " << cut->body.size();
  faults(R"({"preset": 1})");
  auto reset = client_->Send({.method = "GET", .url = origin_ + "/api/x"});
  EXPECT_FALSE(reset.ok());
  faults("{}");
  auto again = client_->Send({.method = "GET", .url = origin_ + "/api/x"});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->status, 200);
}

}  // namespace
}  // namespace cairn::sims
