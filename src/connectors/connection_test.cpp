// The vendor clients and the connection test against the simulators, over real HTTPS. The
// simulators are independent implementations of the vendors' side (sims/), so this is the
// connectors meeting the protocol, not themselves.
#include "connectors/connection.h"

#include <gtest/gtest.h>

#include <thread>

#include <boost/json.hpp>

#include "connectors/halo/client.h"
#include "connectors/syncro/client.h"
#include "sims/common/https_sim_test.h"
#include "sims/connectwise/connectwise_sim.h"
#include "sims/halo/halo_sim.h"
#include "sims/pulseway/pulseway_sim.h"
#include "sims/syncro/syncro_sim.h"

namespace cairn::connectors {
namespace {

namespace json = boost::json;

class ConnectionTest : public sims::HttpsSimTest {
 protected:
  template <class Sim>
  Sim& Start(Sim* sim) {
    holder_.reset(new Holder<Sim>(sim));
    Serve([sim](http::Request& r) { return sim->Handle(r); });
    return *sim;
  }
  std::string Host() const { return origin_.substr(std::string("https://").size()); }
  VendorClientOptions Options() {
    VendorClientOptions o;
    o.ca_file = files_->ca_cert;
    o.max_attempts = 2;
    o.sleep = [this](std::chrono::milliseconds ms) { waits_.push_back(ms); };
    o.jitter_seed = 7;
    return o;
  }
  void Control(const std::string& path, const std::string& body) {
    auto r = client_->Send({.method = "POST", .url = origin_ + path, .headers = {{"X-Sim-Token", "sim-control-token"}},
                            .body = body});
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200) << r->body;
  }
  static bool Has(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

  json::object Cw(const std::string& private_key = "sim-cw-private") {
    return {{"site", Host()}, {"company", "cairnsim"}, {"public_key", "sim-cw-public"},
            {"private_key", private_key}, {"client_id", "sim-cw-client-id"}};
  }

  struct HolderBase {
    virtual ~HolderBase() = default;
  };
  template <class Sim>
  struct Holder : HolderBase {
    explicit Holder(Sim* s) : sim(s) {}
    std::unique_ptr<Sim> sim;
  };
  void TearDown() override {
    StopServer();
    holder_.reset();
  }
  std::unique_ptr<HolderBase> holder_;
  std::vector<std::chrono::milliseconds> waits_;
};

TEST_F(ConnectionTest, ConnectWiseSucceedsOrNamesTheCause) {
  Start(new sims::connectwise::ConnectWiseSim({}));
  auto ok = CheckConnection("cw_manage", Cw(), Options());
  EXPECT_TRUE(ok.ok) << ok.message;
  EXPECT_EQ(ok.message, "Connection successful");

  auto refused = CheckConnection("cw_manage", Cw("wrong"), Options());
  EXPECT_FALSE(refused.ok);
  EXPECT_TRUE(Has(refused.message, "ConnectWise PSA: GET /system/info answered 401 Unauthorized")) << refused.message;
  EXPECT_TRUE(Has(refused.message, "refused the credentials")) << refused.message;
  EXPECT_FALSE(Has(refused.message, "wrong")) << "the secret must not be echoed: " << refused.message;

  json::object unknown = Cw();
  unknown["company"] = "nosuchco";
  auto who = CheckConnection("cw_manage", unknown, Options());
  EXPECT_FALSE(who.ok);
  EXPECT_TRUE(Has(who.message, "does not know the company id \"nosuchco\"")) << who.message;
}

TEST_F(ConnectionTest, TransportFailuresSayWhatToCheck) {
  Start(new sims::syncro::SyncroSim({}));
  json::object creds{{"domain", Host()}, {"api_key", "sim-syncro-api-key"}};
  VendorClientOptions untrusting = Options();
  untrusting.ca_file.clear();
  auto tls = CheckConnection("syncro", creds, untrusting);
  EXPECT_FALSE(tls.ok);
  EXPECT_TRUE(Has(tls.message, "certificate")) << tls.message;
  EXPECT_TRUE(Has(tls.message, "--ca-file")) << tls.message;

  json::object nowhere{{"domain", "no-such-host.invalid"}, {"api_key", "k"}};
  auto dns = CheckConnection("syncro", nowhere, Options());
  EXPECT_FALSE(dns.ok);
  EXPECT_TRUE(Has(dns.message, "could not resolve host no-such-host.invalid")) << dns.message;
  EXPECT_TRUE(Has(dns.message, "DNS")) << dns.message;

  std::string host = Host();
  StopServer();  // nothing listens on that port now
  json::object closed{{"domain", host}, {"api_key", "k"}};
  auto refused = CheckConnection("syncro", closed, Options());
  EXPECT_FALSE(refused.ok);
  EXPECT_TRUE(Has(refused.message, "Nothing answers")) << refused.message;
}

TEST_F(ConnectionTest, SyncroAndPulsewayKeys) {
  Start(new sims::syncro::SyncroSim({}));
  auto ok = CheckConnection("syncro", {{"domain", Host()}, {"api_key", "sim-syncro-api-key"}}, Options());
  EXPECT_TRUE(ok.ok) << ok.message;
  auto bad = CheckConnection("syncro", {{"domain", Host()}, {"api_key", "nope"}}, Options());
  EXPECT_FALSE(bad.ok);
  EXPECT_TRUE(Has(bad.message, "Syncro refused the API key")) << bad.message;

  Start(new sims::pulseway::PulsewaySim({}));
  auto pw = CheckConnection("pulseway_rmm",
                            {{"server", Host()}, {"token_id", "sim-pulseway-token-id"},
                             {"token_secret", "sim-pulseway-token-secret"}},
                            Options());
  EXPECT_TRUE(pw.ok) << pw.message;
  auto pw_bad = CheckConnection("pulseway_rmm",
                                {{"server", Host()}, {"token_id", "sim-pulseway-token-id"}, {"token_secret", "x"}},
                                Options());
  EXPECT_FALSE(pw_bad.ok);
  EXPECT_TRUE(Has(pw_bad.message, "Pulseway refused the token id or secret")) << pw_bad.message;
}

TEST_F(ConnectionTest, HaloTokensAndTheirRefusal) {
  Start(new sims::halo::HaloSim({}));
  json::object creds{{"resource_server", origin_ + "/api"}, {"tenant", "cairn-sim"},
                     {"client_id", "sim-halo-client-id"}, {"client_secret", "sim-halo-client-secret"}};
  auto ok = CheckConnection("halo", creds, Options());
  EXPECT_TRUE(ok.ok) << ok.message;
  creds["client_secret"] = "wrong";
  auto bad = CheckConnection("halo", creds, Options());
  EXPECT_FALSE(bad.ok);
  EXPECT_TRUE(Has(bad.message, "HaloPSA: POST /auth/token answered 401")) << bad.message;
  EXPECT_TRUE(Has(bad.message, "refused the client id or secret")) << bad.message;
}

// A token the vendor expires early is replaced once, and the call still succeeds.
TEST_F(ConnectionTest, HaloRefreshesARevokedToken) {
  Start(new sims::halo::HaloSim({}));
  // Tokens now die after a second, though Halo still says they last an hour.
  Control("/_sim/faults", R"({"token_ttl_s": 1})");
  halo::Client c({origin_ + "/api", "cairn-sim", "sim-halo-client-id", "sim-halo-client-secret"}, Options());
  ASSERT_TRUE(c.Get("/Client?count=1").ok());
  EXPECT_EQ(c.tokens_issued(), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto r = c.Get("/Client?count=1");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(c.tokens_issued(), 2);
}

TEST_F(ConnectionTest, PoliteRetriesHonourRetryAfterAndGiveUpWithAReason) {
  sims::syncro::SyncroSimOptions so;
  so.retry_after_header = true;
  Start(new sims::syncro::SyncroSim(so));
  Control("/_sim/faults", R"({"p429": 1, "retry_after_s": 7})");
  VendorClientOptions o = Options();
  o.max_attempts = 3;
  syncro::Client c({Host(), "sim-syncro-api-key"}, o);
  auto r = c.Get("/customers");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(Has(r.status().message(), "answered 429")) << r.status().message();
  EXPECT_TRUE(Has(r.status().message(), "180 requests a minute")) << r.status().message();
  ASSERT_EQ(waits_.size(), 2u);
  EXPECT_EQ(waits_[0], std::chrono::milliseconds(7100));
  EXPECT_EQ(c.http().requests(), 3);

  // Half the answers fail with 503 or a dropped connection: six attempts get through.
  Control("/_sim/faults", R"({"p5xx": 0.3, "preset": 0.2})");
  o.max_attempts = 8;
  syncro::Client patient({Host(), "sim-syncro-api-key"}, o);
  for (int i = 0; i < 10; ++i) {
    auto page = patient.Get("/customers?page=1");
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_EQ(page->at("customers").as_array().size(), 12u);
  }
  EXPECT_GT(patient.http().retries(), 0);
  // Never a retry of a refusal that will not change.
  Control("/_sim/faults", "{}");
  syncro::Client refused({Host(), "wrong"}, o);
  EXPECT_EQ(refused.Get("/me").status().code(), Code::kUnauthorized);
  EXPECT_EQ(refused.http().requests(), 1);
}

}  // namespace
}  // namespace cairn::connectors
