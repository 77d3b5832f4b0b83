#include "core/crypto.h"

#include <sodium.h>

#include "core/text.h"

namespace cairn {

Status InitCrypto() {
  if (sodium_init() < 0) return Status::Internal("libsodium could not initialise");
  return Status::Ok();
}

Cipher::Cipher(std::string key) : key_(std::move(key)) {}

Cipher::~Cipher() { sodium_memzero(key_.data(), key_.size()); }

std::string Cipher::GenerateKey() {
  std::string key(kKeySize, '\0');
  randombytes_buf(key.data(), key.size());
  return key;
}

std::string Cipher::Seal(std::string_view plain) const {
  if (plain.empty()) return {};
  std::string buf(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(buf.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plain.data()), plain.size(), nonce,
                        reinterpret_cast<const unsigned char*>(key_.data()));
  std::string b64(sodium_base64_ENCODED_LEN(buf.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(buf.data()),
                    buf.size(), sodium_base64_VARIANT_ORIGINAL);
  b64.resize(b64.size() - 1);  // the terminating NUL
  return "v1:" + b64;
}

Result<std::string> Cipher::Open(std::string_view sealed) const {
  if (sealed.empty()) return std::string();
  if (sealed.substr(0, 3) != "v1:") return Status::Corruption("secret has an unknown format");
  sealed.remove_prefix(3);
  std::string bin(sealed.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bin.data()), bin.size(), sealed.data(),
                        sealed.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    return Status::Corruption("secret is not valid base64");
  const auto* nonce = reinterpret_cast<const unsigned char*>(bin.data());
  std::string plain(len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                 nonce + crypto_secretbox_NONCEBYTES,
                                 len - crypto_secretbox_NONCEBYTES, nonce,
                                 reinterpret_cast<const unsigned char*>(key_.data())) != 0)
    return Status::Corruption("secret cannot be decrypted with this server's master key",
                              "wrong master key or altered ciphertext");
  return plain;
}

std::string GenerateApiKey() {
  static const char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string key = "cairn_";
  for (int i = 0; i < 40; ++i) key += kAlphabet[randombytes_uniform(62)];
  return key;
}

std::string HashApiKey(std::string_view key) {
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(key.data()),
                     key.size(), nullptr, 0);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

Result<std::string> HashPassword(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    return Status::Internal("password hashing ran out of memory");
  return std::string(out);
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  if (hash.empty()) return false;
  std::string h(hash);
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(message.data()), message.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&st, mac);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(mac), sizeof mac));
}

std::string RandomHex(size_t n) {
  std::string bytes(n, '\0');
  randombytes_buf(bytes.data(), n);
  return HexEncode(bytes);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Base64(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

}  // namespace cairn
