// Test-only: the fixture every vendor simulator's tests derive from. It makes a throwaway CA in a
// temporary directory once per suite, serves a simulator's handler over HTTPS on a free port, and
// gives a client that trusts that CA.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "http/client.h"
#include "http/server.h"
#include "sims/common/tls_files.h"

namespace cairn::sims {

class HttpsSimTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* suite = ::testing::UnitTest::GetInstance()->current_test_suite()->name();
    dir_ = std::make_unique<std::string>(
        (std::filesystem::temp_directory_path() /
         ("cairn-sim-test-" + std::string(suite) + "-" + std::to_string(::getpid())))
            .string());
    auto files = EnsureTlsFiles(*dir_);
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    files_ = std::make_unique<TlsFiles>(*files);
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    if (dir_) std::filesystem::remove_all(*dir_, ec);
    dir_.reset();
    files_.reset();
  }
  void TearDown() override { StopServer(); }

  // Stops the running server, if any; call before replacing what its handler uses.
  void StopServer() {
    if (server_) server_->Stop();
    server_.reset();
  }

  // Serves `handler` over HTTPS on a free port; origin_ becomes "https://127.0.0.1:PORT" and
  // client_ a client that trusts the suite's CA.
  void Serve(http::Handler handler) {
    StopServer();
    http::ServerOptions so;
    so.port = 0;
    so.threads = 2;
    so.tls_cert_file = files_->server_cert;
    so.tls_key_file = files_->server_key;
    auto s = http::Server::Start(so, std::move(handler));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    origin_ = "https://127.0.0.1:" + std::to_string(server_->port());
    client_ = std::make_unique<http::Client>(http::ClientOptions{.ca_file = files_->ca_cert});
  }

  static inline std::unique_ptr<std::string> dir_;
  static inline std::unique_ptr<TlsFiles> files_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<http::Client> client_;
  std::string origin_;
};

}  // namespace cairn::sims
