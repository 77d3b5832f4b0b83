// The fixture of the API end-to-end tests: value-parameterised over the backends (SQLite and
// PostgreSQL). The tests of one suite share one server per backend, started on first use and
// stopped after the suite, so every test names its records uniquely (Unique()) and filters lists
// by them; a test whose state would disturb others starts its own server (StartServer()).
//
// Under ctest every test runs in its own process, so it gets its own servers, ports and temporary
// directories either way; run the binary directly to share them across a suite.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "http/message.h"
#include "tests/harness.h"

namespace cairn::tests {

namespace json = boost::json;

// Test names and failure messages show "Sqlite" / "Postgres".
inline void PrintTo(Backend b, std::ostream* os) { *os << BackendName(b); }

// ----- reading JSON in assertions -----
inline std::string Str(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  return json::serialize(v);
}
inline int64_t Int(const json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.as_uint64());
  return -1;
}
inline const json::array& Arr(const json::value& v) {
  static const json::array kEmpty;
  return v.is_array() ? v.as_array() : kEmpty;
}
// The "id" of every object in an array, in order.
inline std::vector<int64_t> Ids(const json::value& arr) {
  std::vector<int64_t> out;
  for (const auto& o : Arr(arr))
    if (o.is_object() && o.as_object().contains("id")) out.push_back(Int(o.as_object().at("id")));
  return out;
}
// An asset's `fields` as label -> value.
inline std::map<std::string, json::value> FieldValues(const json::value& asset) {
  std::map<std::string, json::value> out;
  if (!asset.is_object() || !asset.as_object().contains("fields")) return out;
  for (const auto& f : Arr(asset.as_object().at("fields"))) out[Str(f.at("label"))] = f.at("value");
  return out;
}
// ISO 8601 UTC with milliseconds, as Hudu writes timestamps: 2022-12-09T22:23:29.894Z.
inline bool IsIsoMillis(const json::value& v) {
  static const std::regex kIso(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$)");
  return v.is_string() && std::regex_match(std::string(v.as_string()), kIso);
}
inline std::string Enc(std::string_view s) { return http::PercentEncode(s); }
// True when `v` is an error body {"error": ..., "details": [...]} with a detail containing `text`.
inline bool DetailsMention(const json::value& v, std::string_view text) {
  if (!v.is_object() || !v.as_object().contains("details")) return false;
  for (const auto& d : Arr(v.as_object().at("details")))
    if (Str(d).find(text) != std::string::npos) return true;
  return false;
}

// A fresh word ("k" + 10 hex digits) that no other record contains, for full-text search.
inline std::string Token() {
  (void)InitCrypto();
  return "k" + RandomHex(5);
}

// Skips (or, with env CI, fails) the current test when the backend is unavailable. Use in SetUp
// or at the top of a test.
#define CAIRN_REQUIRE_BACKEND(backend)                                            \
  do {                                                                            \
    if (auto why_ = ::cairn::tests::BackendUnavailable(backend); !why_.empty()) { \
      if (::cairn::tests::MissingBackendIsFatal()) FAIL() << why_;                \
      GTEST_SKIP() << why_;                                                       \
    }                                                                             \
  } while (0)

class ApiTest : public ::testing::TestWithParam<Backend> {
 public:
  static void TearDownTestSuite() { SharedServers().clear(); }

 protected:
  void SetUp() override {
    CAIRN_REQUIRE_BACKEND(GetParam());
    auto& slot = SharedServers()[GetParam()];
    if (!slot) {
      auto s = CairnServer::Start({.backend = GetParam()});
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      slot = std::move(s).value();
    }
    server_ = slot.get();
  }

  CairnServer& S() { return *server_; }

  // A server of this test's backend for this test alone.
  std::unique_ptr<CairnServer> StartServer(ServerOptions options = {}) {
    options.backend = GetParam();
    auto s = CairnServer::Start(options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  // `base` plus a suffix no other record of this process has.
  static std::string Unique(std::string_view base) {
    static const std::string run = [] {
      (void)InitCrypto();
      return RandomHex(3);
    }();
    static std::atomic<int> n{0};
    return std::string(base) + " " + run + "x" + std::to_string(++n);
  }

  // Shortcuts on the shared server; key = nullopt is the admin key, "" sends none.
  Reply Get(const std::string& path, const std::optional<std::string>& key = std::nullopt) {
    return S().Call("GET", path, "", key);
  }
  Reply Post(const std::string& path, const std::string& body,
             const std::optional<std::string>& key = std::nullopt) {
    return S().Call("POST", path, body, key);
  }
  Reply Put(const std::string& path, const std::string& body,
            const std::optional<std::string>& key = std::nullopt) {
    return S().Call("PUT", path, body, key);
  }
  Reply Del(const std::string& path, const std::optional<std::string>& key = std::nullopt) {
    return S().Call("DELETE", path, "", key);
  }

  // Creates a company from the fields of `company` (an object) and returns its id; -1 and a
  // test failure when the API refuses.
  int64_t CreateCompany(json::object company) {
    auto r = S().CallJson("POST", "/api/v1/companies", json::object{{"company", company}});
    EXPECT_EQ(r.status, 200) << r.Describe();
    return Int(r.At("company", "id"));
  }
  int64_t CreateCompany(const std::string& name) {
    return CreateCompany(json::object{{"name", name}});
  }
  // Creates a layout with `fields` ([{label, field_type, ...}]) and returns it.
  json::value CreateLayout(const std::string& name, json::array fields) {
    auto r = S().CallJson("POST", "/api/v1/asset_layouts",
                          json::object{{"asset_layout", json::object{{"name", name},
                                                                     {"icon", "fas fa-laptop"},
                                                                     {"fields", fields}}}});
    EXPECT_EQ(r.status, 200) << r.Describe();
    return r.At("asset_layout");
  }
  // Creates an asset from `asset` (an object) in `company_id`; returns the asset object.
  json::value CreateAsset(int64_t company_id, json::object asset) {
    auto r = S().CallJson("POST", "/api/v1/companies/" + std::to_string(company_id) + "/assets",
                          json::object{{"asset", asset}});
    EXPECT_EQ(r.status, 200) << r.Describe();
    return r.At("asset");
  }

 private:
  static std::map<Backend, std::unique_ptr<CairnServer>>& SharedServers() {
    static std::map<Backend, std::unique_ptr<CairnServer>> servers;
    return servers;
  }
  CairnServer* server_ = nullptr;
};

// Runs a suite derived from ApiTest on both backends: "Backends/Suite.Test/Sqlite" and
// ".../Postgres".
#define CAIRN_ON_BOTH_BACKENDS(Suite)                                                          \
  INSTANTIATE_TEST_SUITE_P(                                                                    \
      Backends, Suite,                                                                         \
      ::testing::Values(::cairn::tests::Backend::kSqlite, ::cairn::tests::Backend::kPostgres), \
      [](const ::testing::TestParamInfo<::cairn::tests::Backend>& info) {                      \
        return ::cairn::tests::BackendName(info.param);                                        \
      })

}  // namespace cairn::tests
