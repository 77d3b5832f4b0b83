// Outgoing webhooks (issue 5), end to end: a real Cairn and a receiver over HTTPS with its own
// CA. Targets and fields are validated; a company edit reaches the receiver within seconds,
// signed, with the record and its changes; a receiver that fails is retried until it answers and
// keeps the order; another 4xx is given up and can be redelivered; templates fill $VARIABLES;
// the test ping says what the receiver answered; a crash between a change and its delivery still
// delivers it after the restart.
#include <chrono>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/crypto.h"
#include "http/server.h"
#include "sims/common/tls_files.h"
#include "tests/api_fixture.h"

namespace cairn::tests {
namespace {

// An HTTPS endpoint that records what it is sent and answers the statuses it is told to.
class Receiver {
 public:
  struct Hit {
    http::Headers headers;
    std::string body;
    json::value Json() const { return json::parse(body); }
    std::string Header(std::string_view name) const { return std::string(http::FindHeader(headers, name).value_or("")); }
  };

  explicit Receiver(const sims::TlsFiles& files) : files_(files) {}
  ~Receiver() { Down(); }

  // Starts (again) on the same port after the first time.
  bool Up() {
    http::ServerOptions so;
    so.port = port_;
    so.threads = 2;
    so.tls_cert_file = files_.server_cert;
    so.tls_key_file = files_.server_key;
    auto s = http::Server::Start(so, [this](http::Request& r) {
      std::lock_guard lock(mu_);
      int status = 200;
      if (!statuses_.empty()) {
        status = statuses_.front();
        statuses_.pop_front();
      }
      if (status >= 200 && status < 300) hits_.push_back({r.headers, r.body});
      ++requests_;
      return http::Response::Json(status, R"({"received":true})");
    });
    if (!s.ok()) return false;
    server_ = std::move(*s);
    port_ = server_->port();
    return true;
  }
  void Down() {
    if (server_) server_->Stop();
    server_.reset();
  }
  // The next answers, in order (then 200).
  void Answer(std::initializer_list<int> statuses) {
    std::lock_guard lock(mu_);
    statuses_.insert(statuses_.end(), statuses);
  }
  std::string Url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/hooks/cairn"; }
  // Waits (up to `seconds`) until `n` deliveries were accepted; what was accepted.
  std::vector<Hit> WaitFor(size_t n, int seconds = 20) {
    for (int i = 0; i < seconds * 20; ++i) {
      {
        std::lock_guard lock(mu_);
        if (hits_.size() >= n) return hits_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::lock_guard lock(mu_);
    return hits_;
  }
  int requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  sims::TlsFiles files_;
  uint16_t port_ = 0;
  std::unique_ptr<http::Server> server_;
  std::mutex mu_;
  std::deque<int> statuses_;
  std::vector<Hit> hits_;
  int requests_ = 0;
};

constexpr const char* kSecret = "receiver-shared-secret-0123";

class WebhookTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    dir_ = std::filesystem::temp_directory_path() / ("cairn-webhook-test-" + Token());
    auto files = sims::EnsureTlsFiles(dir_.string());
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    files_ = *files;
    receiver_ = std::make_unique<Receiver>(files_);
    ASSERT_TRUE(receiver_->Up());
  }
  void TearDown() override {
    receiver_.reset();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  // A server that may send webhooks to loopback and trusts the receiver's CA.
  std::unique_ptr<CairnServer> StartAllowing() {
    return StartServer({.extra_args = {"--webhook-allow", "127.0.0.0/8", "--webhook-ca-file", files_.ca_cert}});
  }
  static int64_t CreateCompanyOn(CairnServer& s, const std::string& name) {
    auto r = s.CallJson("POST", "/api/v1/companies", json::object{{"company", json::object{{"name", name}}}});
    EXPECT_EQ(r.status, 200) << r.Describe();
    return r.status == 200 ? Int(r.At("company", "id")) : -1;
  }
  static json::object Webhook(CairnServer& s, json::object body) {
    auto r = s.CallJson("POST", "/api/v1/webhooks", json::object{{"webhook", body}});
    EXPECT_EQ(r.status, 200) << r.Describe();
    return r.status == 200 ? r.At("webhook").as_object() : json::object{};
  }
  static json::array Deliveries(CairnServer& s, int64_t webhook) {
    auto r = s.Call("GET", "/api/v1/webhooks/" + std::to_string(webhook) + "/deliveries?page_size=100");
    EXPECT_EQ(r.status, 200) << r.Describe();
    return r.status == 200 ? Arr(r.At("deliveries")) : json::array{};
  }
  // Waits until every delivery of the webhook is in `state`; the deliveries.
  static json::array WaitDeliveries(CairnServer& s, int64_t webhook, size_t n, const std::string& state, int seconds = 20) {
    json::array d;
    for (int i = 0; i < seconds * 10; ++i) {
      d = Deliveries(s, webhook);
      size_t in_state = 0;
      for (const auto& x : d) in_state += Str(x.at("state")) == state;
      if (d.size() >= n && in_state == d.size()) return d;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "deliveries of webhook " << webhook << " did not all become " << state << ": " << json::serialize(d);
    return d;
  }
  static void ExpectSigned(const Receiver::Hit& hit) {
    std::string ts = hit.Header("X-Cairn-Timestamp");
    ASSERT_FALSE(ts.empty());
    EXPECT_EQ(hit.Header("X-Cairn-Signature"), "sha256=" + HmacSha256Hex(kSecret, ts + "." + hit.body)) << hit.body;
    EXPECT_NE(hit.Header("X-Cairn-Signature"), "sha256=" + HmacSha256Hex("another secret", ts + "." + hit.body));
  }

  std::filesystem::path dir_;
  sims::TlsFiles files_;
  std::unique_ptr<Receiver> receiver_;
};
CAIRN_ON_BOTH_BACKENDS(WebhookTest);

TEST_P(WebhookTest, TargetsAndFieldsAreValidatedAndNothingIsSaved) {
  auto refused = [&](json::object body, std::string_view mentions) {
    auto r = S().CallJson("POST", "/api/v1/webhooks", json::object{{"webhook", body}});
    EXPECT_EQ(r.status, 422) << r.Describe();
    EXPECT_TRUE(DetailsMention(r.json, mentions)) << mentions << ": " << r.body;
  };
  json::array events{"company.updated"};
  // This server was not started with --webhook-allow: loopback is refused, naming the flag.
  refused({{"url", receiver_->Url()}, {"events", events}}, "--webhook-allow");
  refused({{"url", "https://10.1.2.3/hook"}, {"events", events}}, "private");
  refused({{"url", "ftp://example.com/hook"}, {"events", events}}, "scheme");
  refused({{"url", "not a url"}, {"events", events}}, "url");
  refused({{"url", ""}, {"events", events}}, "url can't be blank");
  refused({{"url", "https://[::1]:9/hook"}, {"events", events}}, "--webhook-allow");
  auto allowing = StartAllowing();
  ASSERT_TRUE(allowing);
  auto refused_on = [&](json::object body, std::string_view mentions) {
    auto r = allowing->CallJson("POST", "/api/v1/webhooks", json::object{{"webhook", body}});
    EXPECT_EQ(r.status, 422) << r.Describe();
    EXPECT_TRUE(DetailsMention(r.json, mentions)) << mentions << ": " << r.body;
  };
  refused_on({{"url", receiver_->Url()}}, "events can't be blank");
  refused_on({{"url", receiver_->Url()}, {"events", json::array{"company.exploded"}}}, "\"company.exploded\" is not an event");
  refused_on({{"url", receiver_->Url()}, {"events", events}, {"template", "{\"a\": $RECORD_NAME}"}}, "template must be a JSON object");
  refused_on({{"url", receiver_->Url()}, {"events", events}, {"secret", "short"}}, "secret must be at least 16");
  refused_on({{"url", receiver_->Url()}, {"events", events}, {"colour", "red"}}, "colour is not a field");
  auto list = allowing->Call("GET", "/api/v1/webhooks");
  ASSERT_EQ(list.status, 200) << list.Describe();
  EXPECT_TRUE(Arr(list.At("webhooks")).empty()) << list.body;

  // Accepted: the secret is never echoed; one Cairn makes up is shown once.
  auto given = Webhook(*allowing, {{"url", receiver_->Url()}, {"events", events}, {"secret", kSecret}});
  EXPECT_FALSE(given.contains("secret")) << json::serialize(given);
  EXPECT_EQ(given.at("secret_set"), json::value(true));
  auto made = Webhook(*allowing, {{"url", receiver_->Url()}, {"events", json::array{"*"}}});
  EXPECT_TRUE(Str(made.at("secret")).starts_with("whsec_")) << json::serialize(made);
  auto again = allowing->Call("GET", "/api/v1/webhooks/" + std::to_string(Int(made.at("id"))));
  EXPECT_EQ(again.body.find("whsec_"), std::string::npos) << again.body;
  EXPECT_EQ(again.body.find(kSecret), std::string::npos) << again.body;
  // Not for a company-scoped key.
  std::string scoped = allowing->CreateKey("scoped", {"--company", std::to_string(CreateCompanyOn(*allowing, "Scoped"))});
  EXPECT_EQ(allowing->Call("GET", "/api/v1/webhooks", "", scoped).status, 403);
}

TEST_P(WebhookTest, ACompanyEditArrivesSignedWithTheRecordAndItsChanges) {
  auto s = StartAllowing();
  ASSERT_TRUE(s);
  auto hook = Webhook(*s, {{"url", receiver_->Url()},
                           {"events", json::array{"company.created", "company.updated"}},
                           {"secret", kSecret}});
  int64_t id = CreateCompanyOn(*s, "Contoso Webhooks");
  auto put = s->CallJson("PUT", "/api/v1/companies/" + std::to_string(id),
                         json::object{{"company", json::object{{"name", "Contoso Renamed"}, {"city", "Leeds"}}}});
  ASSERT_EQ(put.status, 200) << put.Describe();
  auto hits = receiver_->WaitFor(2, 10);
  ASSERT_EQ(hits.size(), 2u);
  auto created = hits[0].Json();
  auto updated = hits[1].Json();
  EXPECT_EQ(Str(created.at("event")), "company.created");
  EXPECT_EQ(Str(updated.at("event")), "company.updated") << "in the order of the changes";
  EXPECT_EQ(hits[1].Header("X-Cairn-Event"), "company.updated");
  for (const auto& h : hits) ExpectSigned(h);
  EXPECT_EQ(Int(updated.at("record_id")), id);
  EXPECT_EQ(Str(updated.at("record").at("name")), "Contoso Renamed") << hits[1].body;
  EXPECT_EQ(Str(updated.at("changes").at("name").at("to")), "Contoso Renamed") << hits[1].body;
  EXPECT_EQ(Str(updated.at("changes").at("name").at("from")), "Contoso Webhooks") << hits[1].body;
  EXPECT_TRUE(IsIsoMillis(updated.at("occurred_at")));

  // The deliveries, each with its attempt.
  auto d = WaitDeliveries(*s, Int(hook.at("id")), 2, "delivered");
  ASSERT_EQ(d.size(), 2u);
  for (const auto& x : d) {
    ASSERT_EQ(Arr(x.at("attempts")).size(), 1u) << json::serialize(x);
    EXPECT_EQ(Int(Arr(x.at("attempts"))[0].at("status")), 200);
    EXPECT_GE(Int(Arr(x.at("attempts"))[0].at("latency_ms")), 0);
    EXPECT_NE(Str(Arr(x.at("attempts"))[0].at("response_excerpt")).find("received"), std::string::npos);
  }
  // Events it did not subscribe to are not sent.
  auto archived = s->Call("PUT", "/api/v1/companies/" + std::to_string(id) + "/archive");
  ASSERT_EQ(archived.status, 200) << archived.Describe();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(receiver_->WaitFor(3, 0).size(), 2u);
}

TEST_P(WebhookTest, AFailingReceiverIsRetriedInOrderAndAnother4xxIsGivenUpThenRedelivered) {
  auto s = StartAllowing();
  ASSERT_TRUE(s);
  auto hook = Webhook(*s, {{"url", receiver_->Url()}, {"events", json::array{"company.updated"}}, {"secret", kSecret}});
  int64_t webhook = Int(hook.at("id"));
  int64_t id = CreateCompanyOn(*s, "Retry Ltd");
  receiver_->Answer({503, 503});  // the first change waits through two failures
  for (const char* name : {"Retry One", "Retry Two", "Retry Three"}) {
    auto put = s->CallJson("PUT", "/api/v1/companies/" + std::to_string(id), json::object{{"company", json::object{{"name", name}}}});
    ASSERT_EQ(put.status, 200) << put.Describe();
  }
  auto hits = receiver_->WaitFor(3, 30);
  ASSERT_EQ(hits.size(), 3u);
  std::vector<std::string> names;
  for (const auto& h : hits) names.push_back(Str(h.Json().at("changes").at("name").at("to")));
  EXPECT_EQ(names, (std::vector<std::string>{"Retry One", "Retry Two", "Retry Three"})) << "in order, retries included";
  auto d = WaitDeliveries(*s, webhook, 3, "delivered");
  // Newest first: the oldest delivery is last, with its three attempts.
  auto first = Arr(d.back().at("attempts"));
  ASSERT_EQ(first.size(), 3u) << json::serialize(d.back());
  EXPECT_EQ(Int(first[0].at("status")), 503);
  EXPECT_EQ(Int(first[1].at("status")), 503);
  EXPECT_EQ(Int(first[2].at("status")), 200);

  // 410: given up at once, recorded, and sent again on request.
  receiver_->Answer({410});
  auto put = s->CallJson("PUT", "/api/v1/companies/" + std::to_string(id), json::object{{"company", json::object{{"name", "Retry Gone"}}}});
  ASSERT_EQ(put.status, 200) << put.Describe();
  json::value failed;
  for (int i = 0; i < 100 && failed.is_null(); ++i) {
    for (const auto& x : Deliveries(*s, webhook))
      if (Str(x.at("state")) == "failed") failed = x;
    if (failed.is_null()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(failed.is_object()) << "the 410 was not given up";
  EXPECT_EQ(Arr(failed.at("attempts")).size(), 1u) << json::serialize(failed);
  EXPECT_NE(Str(failed.at("last_error")).find("410"), std::string::npos) << json::serialize(failed);
  auto again = s->Call("POST", "/api/v1/webhooks/" + std::to_string(webhook) + "/deliveries/" +
                                   std::to_string(Int(failed.at("id"))) + "/redeliver");
  ASSERT_EQ(again.status, 200) << again.Describe();
  auto redelivered = receiver_->WaitFor(4, 10);
  ASSERT_EQ(redelivered.size(), 4u);
  EXPECT_EQ(Str(redelivered[3].Json().at("changes").at("name").at("to")), "Retry Gone");
}

TEST_P(WebhookTest, TemplatesFillTheirVariablesAndThePingSaysWhatTheReceiverAnswered) {
  // (by name: the connection is pinned to the addresses checked, here both of localhost's)
  auto s = StartServer({.extra_args = {"--webhook-allow", "127.0.0.0/8", "--webhook-allow", "::1/128",
                                       "--webhook-ca-file", files_.ca_cert}});
  ASSERT_TRUE(s);
  std::string by_name = receiver_->Url();
  by_name.replace(by_name.find("127.0.0.1"), 9, "localhost");
  auto hook = Webhook(*s, {{"url", by_name},
                           {"events", json::array{"company.created"}},
                           {"secret", kSecret},
                           {"template", R"({"text": "$COMPANY_NAME was $EVENT", "id": $RECORD_ID, "cairn": "$HUDU_URL"})"}});
  int64_t id = CreateCompanyOn(*s, "Templated \"Quotes\" & Co");
  auto hits = receiver_->WaitFor(1, 10);
  ASSERT_EQ(hits.size(), 1u);
  auto body = hits[0].Json();
  EXPECT_EQ(Str(body.at("text")), "Templated \"Quotes\" & Co was company.created") << hits[0].body;
  EXPECT_EQ(Int(body.at("id")), id);
  ExpectSigned(hits[0]);

  auto ping = s->Call("POST", "/api/v1/webhooks/" + std::to_string(Int(hook.at("id"))) + "/test");
  ASSERT_EQ(ping.status, 200) << ping.Describe();
  EXPECT_EQ(ping.At("ok"), json::value(true)) << ping.body;
  auto pinged = receiver_->WaitFor(2, 5);
  ASSERT_EQ(pinged.size(), 2u);
  EXPECT_EQ(Str(pinged[1].Json().at("event")), "ping");
  ExpectSigned(pinged[1]);
  receiver_->Answer({500});
  auto failing = s->Call("POST", "/api/v1/webhooks/" + std::to_string(Int(hook.at("id"))) + "/test");
  EXPECT_EQ(failing.At("ok"), json::value(false)) << failing.body;
  EXPECT_EQ(Int(failing.At("status")), 500) << failing.body;
  receiver_->Down();
  auto down = s->Call("POST", "/api/v1/webhooks/" + std::to_string(Int(hook.at("id"))) + "/test");
  EXPECT_EQ(down.At("ok"), json::value(false)) << down.body;
  EXPECT_NE(Str(down.At("message")).find("refused"), std::string::npos) << down.body;
}

TEST_P(WebhookTest, ChangesMadeWhileTheReceiverIsDownArriveInOrderAfterACrashAndRestart) {
  auto s = StartAllowing();
  ASSERT_TRUE(s);
  Webhook(*s, {{"url", receiver_->Url()}, {"events", json::array{"company.updated"}}, {"secret", kSecret}});
  int64_t id = CreateCompanyOn(*s, "Crash Test Ltd");
  receiver_->Down();
  for (const char* name : {"Crash One", "Crash Two", "Crash Survivor"}) {
    auto put = s->CallJson("PUT", "/api/v1/companies/" + std::to_string(id), json::object{{"company", json::object{{"name", name}}}});
    ASSERT_EQ(put.status, 200) << put.Describe();
  }
  s->Kill9();
  ASSERT_TRUE(s->Restart().ok());
  ASSERT_TRUE(receiver_->Up());
  auto hits = receiver_->WaitFor(3, 30);
  ASSERT_EQ(hits.size(), 3u);
  std::vector<std::string> names;
  for (const auto& h : hits) {
    names.push_back(Str(h.Json().at("changes").at("name").at("to")));
    ExpectSigned(h);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"Crash One", "Crash Two", "Crash Survivor"})) << "in order, none lost";
  EXPECT_EQ(Str(hits[2].Json().at("record").at("name")), "Crash Survivor");
}

}  // namespace
}  // namespace cairn::tests

namespace cairn::tests {
namespace {

// Rev.io pushes its customers into Cairn (DESIGN.md 1.13): a company written with
// integration_slug "revio" and its customer id is found by id_in_integration and lists the
// integration; the link is validated; Cairn does not sync from or test a push integration.
class PushIntegrationTest : public ApiTest {};
CAIRN_ON_BOTH_BACKENDS(PushIntegrationTest);

TEST_P(PushIntegrationTest, PushedCompaniesAreFoundByTheirIdInTheIntegration) {
  auto s = StartServer();
  ASSERT_TRUE(s);
  std::string customer = "RV-" + Token();
  auto created = s->CallJson("POST", "/api/v1/companies",
                             json::object{{"company", json::object{{"name", "Pushed Customer"},
                                                                   {"integration_slug", "revio"},
                                                                   {"id_in_integration", customer}}}});
  ASSERT_EQ(created.status, 200) << created.Describe();
  int64_t id = Int(created.At("company", "id"));
  auto integrations = Arr(created.At("company", "integrations"));
  ASSERT_EQ(integrations.size(), 1u) << created.body;
  EXPECT_EQ(Str(integrations[0].at("slug")), "revio");
  EXPECT_EQ(Str(integrations[0].at("sync_id")), customer);
  auto found = s->Call("GET", "/api/v1/companies?id_in_integration=" + Enc(customer) + "&integration_slug=revio");
  ASSERT_EQ(found.status, 200) << found.Describe();
  ASSERT_EQ(Arr(found.At("companies")).size(), 1u) << found.body;
  EXPECT_EQ(Int(Arr(found.At("companies"))[0].at("id")), id);

  // An existing company matched later (PUT), and the same id refused for another company.
  auto other = s->CallJson("POST", "/api/v1/companies", json::object{{"company", json::object{{"name", "Already Here"}}}});
  ASSERT_EQ(other.status, 200) << other.Describe();
  std::string other_id = std::to_string(Int(other.At("company", "id")));
  auto clash = s->CallJson("PUT", "/api/v1/companies/" + other_id,
                           json::object{{"company", json::object{{"integration_slug", "revio"}, {"id_in_integration", customer}}}});
  EXPECT_EQ(clash.status, 422) << clash.Describe();
  EXPECT_TRUE(DetailsMention(clash.json, "already linked to company \"Pushed Customer\"")) << clash.body;
  auto matched = s->CallJson("PUT", "/api/v1/companies/" + other_id,
                             json::object{{"company", json::object{{"integration_slug", "revio"}, {"id_in_integration", customer + "-2"}}}});
  ASSERT_EQ(matched.status, 200) << matched.Describe();
  EXPECT_EQ(Arr(matched.At("company", "integrations")).size(), 1u) << matched.body;

  // Bad links change nothing.
  for (auto [body, mentions] : std::vector<std::pair<json::object, std::string>>{
           {{{"name", "Half"}, {"id_in_integration", "X1"}}, "go together"},
           {{{"name", "Synced"}, {"integration_slug", "syncro"}, {"id_in_integration", "X1"}}, "is not an integration that pushes"},
           {{{"name", "Blank"}, {"integration_slug", "revio"}, {"id_in_integration", ""}}, "id_in_integration must be"}}) {
    auto r = s->CallJson("POST", "/api/v1/companies", json::object{{"company", body}});
    EXPECT_EQ(r.status, 422) << r.Describe();
    EXPECT_TRUE(DetailsMention(r.json, mentions)) << mentions << ": " << r.body;
  }
  auto all = s->Call("GET", "/api/v1/companies?page_size=100");
  EXPECT_EQ(Arr(all.At("companies")).size(), 2u) << all.body;

  // The push integration, made on first use: nothing to sync from or test.
  auto list = s->Call("GET", "/api/v1/integrations");
  ASSERT_EQ(list.status, 200) << list.Describe();
  ASSERT_EQ(Arr(list.At("integrations")).size(), 1u) << list.body;
  std::string integration = std::to_string(Int(Arr(list.At("integrations"))[0].at("id")));
  auto run = s->CallJson("POST", "/api/v1/integrations/" + integration + "/sync", json::object{});
  EXPECT_EQ(run.status, 422) << run.Describe();
  EXPECT_NE(run.body.find("nothing to sync"), std::string::npos) << run.body;
  auto test = s->Call("POST", "/api/v1/integrations/" + integration + "/test");
  EXPECT_EQ(test.At("ok"), json::value(false)) << test.body;
  EXPECT_NE(Str(test.At("message")).find("connects to Cairn"), std::string::npos) << test.body;
}

}  // namespace
}  // namespace cairn::tests
