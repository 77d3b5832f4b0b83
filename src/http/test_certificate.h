// Test-only: a freshly made self-signed certificate for localhost / 127.0.0.1, written to PEM
// files in the test's temporary directory. Used by client_test (as the CA of an in-test TLS
// server) and tls_test (as the HTTPS server's certificate and the client's CA).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace cairn::http {

// Valid for a day; also a CA (it signs itself), so its PEM file can be given as ca_file.
struct TestCertificate {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;

  TestCertificate() {
    key = EVP_EC_gen("P-256");
    cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    AddExtension(NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    AddExtension(NID_basic_constraints, "critical,CA:TRUE");
    X509_sign(cert, key, EVP_sha256());
  }
  ~TestCertificate() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  TestCertificate(const TestCertificate&) = delete;
  TestCertificate& operator=(const TestCertificate&) = delete;

  void AddExtension(int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }

  // The certificate as PEM in a new temporary file; "" on failure. The caller removes it.
  std::string WritePem() const {
    return Write([this](FILE* f) { return PEM_write_X509(f, cert) == 1; });
  }
  // The private key as unencrypted PEM in a new temporary file; "" on failure.
  std::string WriteKeyPem() const {
    return Write([this](FILE* f) {
      return PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
    });
  }

 private:
  template <class WriteTo>
  static std::string Write(WriteTo write_to) {
    std::string path = ::testing::TempDir() + "cairn_http_test_pem_XXXXXX";
    int fd = ::mkstemp(path.data());
    if (fd < 0) return {};
    FILE* f = ::fdopen(fd, "w");
    bool ok = write_to(f);
    std::fclose(f);
    if (!ok) {
      std::remove(path.c_str());
      return {};
    }
    return path;
  }
};

}  // namespace cairn::http
