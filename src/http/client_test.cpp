// The client against a tiny in-test TLS server with a freshly made self-signed certificate: the
// certificate is refused by default, accepted once its file is given as ca_file, and accepted
// with verification off.

#include "http/client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "http/test_certificate.h"

namespace cairn::http {
namespace {

// Answers every TLS connection with "200 ok" and closes it. Handshake failures just close.
class TlsServer {
 public:
  explicit TlsServer(const TestCertificate& certificate) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(ctx_, certificate.cert);
    SSL_CTX_use_PrivateKey(ctx_, certificate.key);
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    ::listen(listen_fd_, 16);
    socklen_t length = sizeof(address);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~TlsServer() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
    SSL_CTX_free(ctx_);
  }
  uint16_t port() const { return port_; }
  std::string Url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/tls"; }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      timeval timeout{2, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) == 1) {
        std::string request;
        char buf[4096];
        while (request.find("\r\n\r\n") == std::string::npos) {
          int n = SSL_read(ssl, buf, sizeof(buf));
          if (n <= 0) break;
          request.append(buf, static_cast<size_t>(n));
        }
        const std::string response =
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
        SSL_write(ssl, response.data(), static_cast<int>(response.size()));
        SSL_shutdown(ssl);
      }
      ERR_clear_error();
      SSL_free(ssl);
      ::close(fd);
    }
  }

  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class ClientTls : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(certificate_.cert, nullptr);
    ca_file_ = certificate_.WritePem();
    ASSERT_FALSE(ca_file_.empty());
  }
  void TearDown() override {
    if (!ca_file_.empty()) std::remove(ca_file_.c_str());
  }

  TestCertificate certificate_;
  TlsServer server_{certificate_};
  std::string ca_file_;
};

TEST_F(ClientTls, UntrustedCertificateIsATransportError) {
  Client client;
  auto response = client.Send({.url = server_.Url()});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), Code::kUnavailable);
  const std::string& message = response.status().message();
  EXPECT_NE(message.find("TLS certificate problem with 127.0.0.1:" +
                         std::to_string(server_.port())),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("self-signed certificate"), std::string::npos) << message;
}

TEST_F(ClientTls, CaFileIsTrusted) {
  Client client({.ca_file = ca_file_});
  for (int i = 0; i < 2; ++i) {  // the second call makes a new connection (the server closes)
    auto response = client.Send({.url = server_.Url()});
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "ok");
  }
}

TEST_F(ClientTls, VerificationCanBeTurnedOff) {
  Client client({.verify_tls = false});
  auto response = client.Send({.url = server_.Url()});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, "ok");
}

// `resolve` decides where a host connects: a name DNS does not know reaches the pinned address.
TEST_F(ClientTls, ResolveEntriesPinAHostToAnAddress) {
  std::string host = "cairn-pinned.invalid:" + std::to_string(server_.port());
  Client unpinned(ClientOptions{.verify_tls = false});
  auto r = unpinned.Send({.url = "https://" + host + "/tls"});
  EXPECT_FALSE(r.ok()) << "the test name should not resolve";
  Client pinned(ClientOptions{.verify_tls = false});
  ClientRequest req{.url = "https://" + host + "/tls"};
  req.resolve = {host + ":127.0.0.1"};
  auto ok = pinned.Send(req);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->status, 200);
  req.resolve = {host + ":127.0.0.1\nX"};
  EXPECT_EQ(pinned.Send(req).status().code(), Code::kInvalidArgument);
}

TEST_F(ClientTls, UnreadableCaFileFailsEverySend) {
  Client client({.ca_file = ca_file_ + ".missing"});
  auto response = client.Send({.url = server_.Url()});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), Code::kUnavailable);
  EXPECT_NE(response.status().message().find("cannot read CA file"), std::string::npos)
      << response.status().message();
}

}  // namespace
}  // namespace cairn::http
