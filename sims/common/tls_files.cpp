#include "sims/common/tls_files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>

namespace cairn::sims {
namespace {

namespace fs = std::filesystem;

constexpr long kValidSeconds = 365L * 24 * 3600;
constexpr long kRenewWithinSeconds = 24L * 3600;

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
  void operator()(FILE* p) const { std::fclose(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Cert = std::unique_ptr<X509, Free>;
using File = std::unique_ptr<FILE, Free>;

Key NewKey() { return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

bool AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A certificate for `key` named `common_name`, signed by issuer/issuer_key (itself when null).
Cert MakeCert(EVP_PKEY* key, const char* common_name, X509* issuer, EVP_PKEY* issuer_key,
              bool is_ca) {
  Cert cert(X509_new());
  if (!cert) return nullptr;
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7F;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValidSeconds);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Cairn simulators"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509* signer = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  bool ok = true;
  if (is_ca) {
    ok = AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE") &&
         AddExtension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign") &&
         AddExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  } else {
    ok = AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE") &&
         AddExtension(cert.get(), signer, NID_key_usage, "critical,digitalSignature") &&
         AddExtension(cert.get(), signer, NID_ext_key_usage, "serverAuth") &&
         AddExtension(cert.get(), signer, NID_subject_alt_name,
                      "DNS:localhost,IP:127.0.0.1,IP:::1") &&
         AddExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  }
  if (!ok) return nullptr;
  if (X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) <= 0) return nullptr;
  return cert;
}

Status WritePem(const fs::path& path, const std::function<int(FILE*)>& write, mode_t mode) {
  fs::path tmp = path;
  tmp += ".tmp";
  File f(std::fopen(tmp.c_str(), "w"));
  if (!f) return Status::Unavailable("cannot write " + tmp.string());
  ::chmod(tmp.c_str(), mode);
  if (write(f.get()) != 1) return Status::Internal("cannot encode " + path.string());
  if (std::fflush(f.get()) != 0) return Status::Unavailable("cannot write " + tmp.string());
  f.reset();
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status::Unavailable("cannot write " + path.string() + ": " + ec.message());
  return Status::Ok();
}

Cert ReadCert(const fs::path& path) {
  File f(std::fopen(path.c_str(), "r"));
  return f ? Cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr)) : nullptr;
}

Key ReadKey(const fs::path& path) {
  File f(std::fopen(path.c_str(), "r"));
  return f ? Key(PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr)) : nullptr;
}

// True when the files in `dir` are a usable set: the server certificate verifies against the CA,
// belongs to the key, and neither expires within a day.
bool Usable(const TlsFiles& files) {
  Cert ca = ReadCert(files.ca_cert);
  Cert server = ReadCert(files.server_cert);
  Key key = ReadKey(files.server_key);
  if (!ca || !server || !key) return false;
  if (X509_check_private_key(server.get(), key.get()) != 1) return false;
  time_t soon = std::time(nullptr) + kRenewWithinSeconds;
  for (X509* c : {ca.get(), server.get()})
    if (X509_cmp_time(X509_get0_notAfter(c), &soon) <= 0) return false;
  std::unique_ptr<X509_STORE, Free> store(X509_STORE_new());
  std::unique_ptr<X509_STORE_CTX, Free> ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), ca.get()) != 1) return false;
  if (X509_STORE_CTX_init(ctx.get(), store.get(), server.get(), nullptr) != 1) return false;
  return X509_verify_cert(ctx.get()) == 1;
}

}  // namespace

Result<TlsFiles> EnsureTlsFiles(const std::string& dir) {
  fs::path d(dir);
  std::error_code ec;
  fs::create_directories(d, ec);
  if (ec) return Status::Unavailable("cannot create " + dir + ": " + ec.message());
  TlsFiles files{(d / "ca.pem").string(), (d / "server.pem").string(),
                 (d / "server.key").string()};
  // Several simulators may start at once on one directory: one makes the files, the others
  // wait for it and then use them (an exclusive lock, released when this returns).
  int lock_fd = ::open((d / ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (lock_fd < 0) return Status::Unavailable("cannot open " + (d / ".lock").string());
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }  // closing releases the flock
  } unlock{lock_fd};
  if (::flock(lock_fd, LOCK_EX) != 0) return Status::Unavailable("cannot lock " + (d / ".lock").string());
  if (Usable(files)) return files;

  Key ca_key = NewKey();
  Key server_key = NewKey();
  if (!ca_key || !server_key) return Status::Internal("cannot generate a P-256 key");
  Cert ca = MakeCert(ca_key.get(), "Cairn simulator CA (throwaway)", nullptr, nullptr, true);
  if (!ca) return Status::Internal("cannot make the simulator CA certificate");
  Cert server = MakeCert(server_key.get(), "localhost", ca.get(), ca_key.get(), false);
  if (!server) return Status::Internal("cannot make the simulator server certificate");

  CAIRN_RETURN_IF_ERROR(WritePem(
      files.server_key,
      [&](FILE* f) {
        return PEM_write_PrivateKey(f, server_key.get(), nullptr, nullptr, 0, nullptr, nullptr);
      },
      0600));
  CAIRN_RETURN_IF_ERROR(WritePem(
      files.server_cert,
      [&](FILE* f) { return PEM_write_X509(f, server.get()) & PEM_write_X509(f, ca.get()); },
      0644));
  // The CA last: a client that sees the new ca.pem finds the matching server files in place.
  CAIRN_RETURN_IF_ERROR(
      WritePem(files.ca_cert, [&](FILE* f) { return PEM_write_X509(f, ca.get()); }, 0644));
  return files;
}

}  // namespace cairn::sims
