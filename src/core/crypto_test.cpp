#include "core/crypto.h"

#include <gtest/gtest.h>

namespace cairn {
namespace {

class CryptoTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitCrypto().ok()); }
};

TEST_F(CryptoTest, SealOpenRoundTripAndNonceVaries) {
  Cipher c(Cipher::GenerateKey());
  auto a = c.Seal("hunter2");
  auto b = c.Seal("hunter2");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find("hunter2"), std::string::npos);
  EXPECT_EQ(*c.Open(a), "hunter2");
  EXPECT_EQ(c.Seal(""), "");
  EXPECT_EQ(*c.Open(""), "");
}

TEST_F(CryptoTest, WrongKeyOrTamperingIsCorruption) {
  Cipher c(Cipher::GenerateKey());
  Cipher other(Cipher::GenerateKey());
  auto sealed = c.Seal("secret value");
  EXPECT_EQ(other.Open(sealed).status().code(), Code::kCorruption);
  std::string tampered = sealed;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(c.Open(tampered).status().code(), Code::kCorruption);
  EXPECT_EQ(c.Open("plain").status().code(), Code::kCorruption);
}

TEST_F(CryptoTest, ApiKeysAreRandomAndHashStable) {
  auto k1 = GenerateApiKey();
  auto k2 = GenerateApiKey();
  EXPECT_NE(k1, k2);
  EXPECT_EQ(k1.size(), 46u);
  EXPECT_EQ(HashApiKey(k1), HashApiKey(k1));
  EXPECT_NE(HashApiKey(k1), HashApiKey(k2));
  EXPECT_EQ(HashApiKey(k1).size(), 64u);
}

TEST_F(CryptoTest, PasswordHashVerifies) {
  auto h = HashPassword("correct horse");
  ASSERT_TRUE(h.ok());
  EXPECT_NE(h->find("$argon2id$"), std::string::npos);
  EXPECT_TRUE(VerifyPassword(*h, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*h, "wrong horse"));
  EXPECT_FALSE(VerifyPassword("", "x"));
}

}  // namespace
}  // namespace cairn

namespace cairn {
namespace {

TEST(Base64, StandardAlphabetWithPadding) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("training+pub:priv"), "dHJhaW5pbmcrcHViOnByaXY=");
  EXPECT_EQ(Base64(std::string("\xfb\xff", 2)), "+/8=");
}

// RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
TEST(HmacSha256, MatchesTheRfc4231Vector) {
  ASSERT_TRUE(InitCrypto().ok());
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_NE(HmacSha256Hex("Jefe", "what do ya want for nothing!"), HmacSha256Hex("Jefe", "what do ya want for nothing?"));
}

}  // namespace
}  // namespace cairn
