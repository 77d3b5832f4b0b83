// The server speaking HTTPS, with a certificate made at test time, through the Client (trusting
// that certificate as its CA) and through raw TCP where the Client would hide the wire.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "http/client.h"
#include "http/test_raw_connection.h"
#include "http/server.h"
#include "http/test_certificate.h"

namespace cairn::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

Response Echo(Request& request) {
  return Response::Text(200, request.method + "|" + request.path + "|" + request.remote_ip + "|" +
                                 request.body);
}

class ServerTls : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(certificate_.cert, nullptr);
    cert_file_ = certificate_.WritePem();
    key_file_ = certificate_.WriteKeyPem();
    ASSERT_FALSE(cert_file_.empty());
    ASSERT_FALSE(key_file_.empty());
  }
  void TearDown() override {
    if (!cert_file_.empty()) std::remove(cert_file_.c_str());
    if (!key_file_.empty()) std::remove(key_file_.c_str());
  }

  std::unique_ptr<Server> StartTls(ServerOptions options, Handler handler) {
    options.host = "127.0.0.1";
    options.port = 0;
    options.tls_cert_file = cert_file_;
    options.tls_key_file = key_file_;
    auto server = Server::Start(std::move(options), std::move(handler));
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    if (!server.ok()) return nullptr;
    return std::move(server).value();
  }
  static std::string Url(const Server& server, std::string_view path) {
    return "https://127.0.0.1:" + std::to_string(server.port()) + std::string(path);
  }
  ClientOptions Trusting() const { return {.ca_file = cert_file_}; }

  TestCertificate certificate_;
  std::string cert_file_;
  std::string key_file_;
};

TEST_F(ServerTls, GetReusesOneKeptAliveConnectionAndIsLogged) {
  std::mutex mu;
  std::vector<std::string> lines;
  ServerOptions options;
  options.access_log = [&](const std::string& line) {
    std::lock_guard lock(mu);
    lines.push_back(line);
  };
  auto server = StartTls(options, Echo);
  ASSERT_NE(server, nullptr);
  Client client(Trusting());
  for (int i = 0; i < 3; ++i) {
    auto r = client.Send({.url = Url(*server, "/n/" + std::to_string(i))});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "GET|/n/" + std::to_string(i) + "|127.0.0.1|");
    EXPECT_EQ(r->Header("Server"), "Cairn");
    EXPECT_EQ(r->Header("Connection"), std::nullopt);
  }
  EXPECT_EQ(server->stats().connections, 1u);
  EXPECT_EQ(server->stats().requests, 3u);

  server->Stop();  // every log line is written by then
  std::lock_guard lock(mu);
  ASSERT_EQ(lines.size(), 3u);
  const std::regex first(R"re(127\.0\.0\.1 "GET /n/0" 200 19B \d+\.\dms)re");
  EXPECT_TRUE(std::regex_match(lines[0], first))
      << lines[0];
}

TEST_F(ServerTls, PostBodiesReachTheHandler) {
  auto server = StartTls({}, Echo);
  ASSERT_NE(server, nullptr);
  Client client(Trusting());
  auto small = client.Send({.method = "POST", .url = Url(*server, "/echo"), .body = R"({"a":1})"});
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_EQ(small->status, 200);
  EXPECT_EQ(small->body, R"(POST|/echo|127.0.0.1|{"a":1})");

  // Many TLS records each way: the parser asks for more several times, and the response (head
  // and body written as two buffers) spans records too.
  std::string big(300 * 1000, 'z');
  auto large = client.Send({.method = "PUT", .url = Url(*server, "/big"), .body = big});
  ASSERT_TRUE(large.ok()) << large.status().ToString();
  EXPECT_EQ(large->body, "PUT|/big|127.0.0.1|" + big);
  EXPECT_EQ(server->stats().connections, 1u);
}

TEST_F(ServerTls, BodyOverLimitIs413AndTheServerGoesOn) {
  std::atomic<int> calls{0};
  ServerOptions options;
  options.body_limit = 1024;
  auto server = StartTls(options, [&](Request& r) {
    ++calls;
    return Echo(r);
  });
  ASSERT_NE(server, nullptr);
  Client client(Trusting());
  auto big = client.Send(
      {.method = "POST", .url = Url(*server, "/u"), .body = std::string(64 * 1024, 'a')});
  ASSERT_TRUE(big.ok()) << big.status().ToString();
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(big->body, R"j({"error":"Request body too large (limit 1024 bytes)"})j");
  EXPECT_EQ(big->Header("Connection"), "close");
  EXPECT_EQ(calls.load(), 0);

  auto ok = client.Send(
      {.method = "POST", .url = Url(*server, "/u"), .body = std::string(1024, 'b')});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(server->stats().connections, 2u);  // the 413 closed the first one
}

TEST_F(ServerTls, AClientNotTrustingTheCertificateGetsATransportError) {
  std::atomic<int> calls{0};
  auto server = StartTls({}, [&](Request& r) {
    ++calls;
    return Echo(r);
  });
  ASSERT_NE(server, nullptr);
  Client untrusting;
  auto refused = untrusting.Send({.url = Url(*server, "/")});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kUnavailable);
  EXPECT_NE(refused.status().message().find("TLS certificate problem with 127.0.0.1:" +
                                            std::to_string(server->port())),
            std::string::npos)
      << refused.status().message();
  EXPECT_EQ(calls.load(), 0);

  Client trusting(Trusting());
  auto r = trusting.Send({.url = Url(*server, "/after")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "GET|/after|127.0.0.1|");
  EXPECT_EQ(server->stats().requests, 1u);
}

TEST_F(ServerTls, PlainHttpGetsNoHttpAnswer) {
  std::atomic<int> calls{0};
  auto server = StartTls({}, [&](Request& r) {
    ++calls;
    return Echo(r);
  });
  ASSERT_NE(server, nullptr);

  RawConnection raw(server->port());
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(raw.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(raw.WaitForClose(3000ms));
  EXPECT_EQ(raw.received().find("HTTP/"), std::string::npos) << raw.received();

  Client plain;
  auto r = plain.Send({.url = "http://127.0.0.1:" + std::to_string(server->port()) + "/"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(server->stats().requests, 0u);

  Client trusting(Trusting());
  auto after = trusting.Send({.url = Url(*server, "/after")});
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->status, 200);
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(ServerTls, AStalledHandshakeIsUnderTheReadTimeout) {
  ServerOptions options;
  options.read_timeout = 300ms;
  auto server = StartTls(options, Echo);
  ASSERT_NE(server, nullptr);
  RawConnection silent(server->port());
  ASSERT_TRUE(silent.connected());
  auto start = Clock::now();
  EXPECT_TRUE(silent.WaitForClose(3000ms));
  EXPECT_GE(Clock::now() - start, 200ms);
  EXPECT_EQ(silent.received(), "");
}

TEST_F(ServerTls, StopLetsTheInFlightRequestFinish) {
  std::promise<void> entered;
  ServerOptions options;
  options.shutdown_grace = 5s;
  auto server = StartTls(options, [&](Request& r) {
    if (r.path == "/slow") {
      entered.set_value();
      std::this_thread::sleep_for(400ms);
      return Response::Json(200, R"({"slow":true})");
    }
    return Response::Json(200, "{}");
  });
  ASSERT_NE(server, nullptr);
  const std::string slow_url = Url(*server, "/slow");

  Client idle(Trusting());  // its connection stays open between requests
  ASSERT_TRUE(idle.Send({.url = Url(*server, "/")}).ok());

  auto slow = std::async(std::launch::async, [&] {
    Client client(Trusting());
    return client.Send({.url = slow_url});
  });
  ASSERT_EQ(entered.get_future().wait_for(5s), std::future_status::ready);

  auto start = Clock::now();
  server->Stop();
  EXPECT_LT(Clock::now() - start, 3s) << "Stop waited for the idle connection";

  auto result = slow.get();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, R"({"slow":true})");
  EXPECT_EQ(result->Header("Connection"), "close");
  EXPECT_EQ(server->stats().requests, 2u);

  auto after = idle.Send({.url = slow_url, .timeout = 2000ms});
  EXPECT_FALSE(after.ok()) << "still serving after Stop";
}

TEST_F(ServerTls, StartFailsOnUnusableFiles) {
  auto start = [&](std::string cert, std::string key) {
    ServerOptions options;
    options.port = 0;
    options.tls_cert_file = std::move(cert);
    options.tls_key_file = std::move(key);
    return Server::Start(std::move(options), Echo);
  };

  const std::string missing = cert_file_ + ".missing";
  auto no_cert = start(missing, key_file_);
  ASSERT_FALSE(no_cert.ok());
  EXPECT_EQ(no_cert.status().code(), Code::kUnavailable);
  EXPECT_EQ(no_cert.status().message(),
            "cannot load the TLS certificate " + missing + ": No such file or directory");

  auto no_key = start(cert_file_, missing);
  ASSERT_FALSE(no_key.ok());
  EXPECT_EQ(no_key.status().code(), Code::kUnavailable);
  EXPECT_EQ(no_key.status().message(),
            "cannot load the TLS private key " + missing + ": No such file or directory");

  // A certificate where the key should be: a file that holds no key.
  auto not_a_key = start(cert_file_, cert_file_);
  ASSERT_FALSE(not_a_key.ok());
  EXPECT_EQ(not_a_key.status().code(), Code::kUnavailable);
  EXPECT_EQ(not_a_key.status().message().rfind("cannot load the TLS private key " + cert_file_ +
                                                   ": ",
                                               0),
            0u)
      << not_a_key.status().message();

  TestCertificate other;
  const std::string other_key = other.WriteKeyPem();
  ASSERT_FALSE(other_key.empty());
  auto mismatch = start(cert_file_, other_key);
  std::remove(other_key.c_str());
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.status().code(), Code::kUnavailable);
  EXPECT_EQ(mismatch.status().message(),
            "cannot load the TLS private key " + other_key + ": key values mismatch");

  auto half = start(cert_file_, "");
  ASSERT_FALSE(half.ok());
  EXPECT_EQ(half.status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace cairn::http
