#include "sims/common/tls_files.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace cairn::sims {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

X509* ReadFirstCert(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return nullptr;
  X509* c = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return c;
}

// The server certificate verifies against ca.pem alone and names 127.0.0.1 and localhost.
void ExpectValidSet(const TlsFiles& files) {
  X509* ca = ReadFirstCert(files.ca_cert);
  X509* server = ReadFirstCert(files.server_cert);
  ASSERT_NE(ca, nullptr);
  ASSERT_NE(server, nullptr);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, server, nullptr);
  X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
  EXPECT_EQ(X509_verify_cert(ctx), 1)
      << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  EXPECT_EQ(X509_check_ip_asc(server, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_host(server, "localhost", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_host(server, "example.com", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ca(ca), 1);
  EXPECT_EQ(X509_check_ca(server), 0);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  X509_free(server);
  X509_free(ca);
}

class TlsFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cairn-tls-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(TlsFilesTest, CreatesAVerifiableSetWithAPrivateKey) {
  auto files = EnsureTlsFiles((dir_ / "tls").string());
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ExpectValidSet(*files);
  struct stat st {};
  ASSERT_EQ(::stat(files->server_key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(TlsFilesTest, ReusesAGoodSetAndReplacesADamagedOne) {
  auto first = EnsureTlsFiles(dir_.string());
  ASSERT_TRUE(first.ok());
  std::string ca = Slurp(first->ca_cert);
  auto again = EnsureTlsFiles(dir_.string());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Slurp(again->ca_cert), ca) << "a good CA must survive restarts";

  std::ofstream(first->server_key) << "not a key";
  auto repaired = EnsureTlsFiles(dir_.string());
  ASSERT_TRUE(repaired.ok()) << repaired.status().ToString();
  EXPECT_NE(Slurp(repaired->ca_cert), ca);
  ExpectValidSet(*repaired);
}

TEST_F(TlsFilesTest, UnwritableDirectoryIsUnavailable) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "file") << "x";
  auto r = EnsureTlsFiles((dir_ / "file" / "tls").string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace cairn::sims
