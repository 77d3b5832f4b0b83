// Secrets: encryption at rest, key and password hashing, random tokens (libsodium).
//
// InitCrypto() must have succeeded before anything else here is called; it is idempotent and
// thread-safe. Every function is thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace cairn {

Status InitCrypto();

// Authenticated encryption (XSalsa20-Poly1305) under the server's 32-byte master key.
class Cipher {
 public:
  static constexpr size_t kKeySize = 32;
  // REQUIRES: key.size() == kKeySize.
  explicit Cipher(std::string key);
  ~Cipher();
  Cipher(const Cipher&) = delete;
  Cipher& operator=(const Cipher&) = delete;

  // "v1:" + base64(nonce || ciphertext). The empty string seals to the empty string.
  std::string Seal(std::string_view plain) const;
  // Corruption when the text was not sealed under this key or was altered.
  Result<std::string> Open(std::string_view sealed) const;

  static std::string GenerateKey();

 private:
  std::string key_;
};

// A new API key: "cairn_" followed by 40 base62 characters (about 238 bits).
std::string GenerateApiKey();
// Hex BLAKE2b-256 of the key. Keys are long random strings, so a fast hash is safe here and lets
// every request find its key by an indexed lookup.
std::string HashApiKey(std::string_view key);

// Argon2id (interactive limits) in libsodium's self-describing string form.
Result<std::string> HashPassword(std::string_view password);
bool VerifyPassword(std::string_view hash, std::string_view password);

// Standard base64 with padding (RFC 4648), e.g. for HTTP Basic credentials.
std::string Base64(std::string_view bytes);

// HMAC-SHA256 of `message` under `key`, as lower-case hex (webhook signatures).
std::string HmacSha256Hex(std::string_view key, std::string_view message);

// n random bytes as lower-case hex.
std::string RandomHex(size_t n);

// Constant-time comparison of two equal-length strings; false when lengths differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace cairn
