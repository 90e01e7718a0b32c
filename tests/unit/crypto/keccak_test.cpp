// Keccak-256 (Ethereum's, original Keccak padding) against published values:
//  - the Keccak team's ShortMsgKAT_256.txt (Keccak round-3 submission KATs, r=1088 c=512),
//    including Len = 1088 (exactly one rate block) and Len = 1096 (crosses the 136-byte rate);
//  - Ethereum's well-known hashes of "" and of the ERC-20 signatures
//    "transfer(address,uint256)" (selector a9059cbb) and
//    "Transfer(address,address,uint256)" (the event topic ddf252ad...);
// and the sponge/permutation against FIPS 202 SHA3-256 (NIST example values, and OpenSSL's
// SHA3-256 for every length across two rate blocks).
#include "cllm/crypto/keccak.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>
#include <string_view>

#include "cllm/common/hex.hpp"
#include "support/vectors.hpp"

namespace cllm::crypto {
namespace {

using test::unhex;

// ShortMsgKAT_256.txt, Len = 1088.
constexpr std::string_view kKat1088Msg =
    "33d0c3052e3ac8c19beca6b0dfa73888f753655fb2c9f77e1238602c9f6d7ad33e3dd96c78a22e148ed4c46d7cfdf6"
    "74505bd40325cb813804e264a450de778f1c50fc94f32aa881fe6def7b6ae6efbb42c3be678f40a09322053773e3af"
    "020000fe94f3283c7527aa64a2144b92cf8d568df4e6cd957af09ab1637e61667e616412558d4fcab4f9";
constexpr std::string_view kKat1088Md =
    "b30ad6fc320c0d70309dc39953895cb7cf3fbedec7d86a5f7aa9f2bb760f6dba";
// ShortMsgKAT_256.txt, Len = 1096.
constexpr std::string_view kKat1096Msg =
    "2f570e7aeadd07406bfc263992a0292c528daab4f32816573b6be58a36998465f192e0db70e81cdbe5431477e43ea4"
    "37cb4eebbe760116b26dfb3ca395c1098753e962c3d27f9fb8c2b32fa6f1d3debd22c97b99cb924b388d87db2348e5"
    "aa9ccf0d60a18cff594eb389f5a55dd362809dde19687064a0feec7c213561cbd130d832d264312cb3e4b6";
constexpr std::string_view kKat1096Md =
    "6cf9e0e9008f6b5b2d28fb38c47a0212e7b28f6a7f44815f10c53141c2f1c84d";

TEST(KeccakTest, PublishedShortVectors) {
  struct {
    std::string_view message;
    std::string_view digest;
  } cases[] = {
      {"", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"},
      {"abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"},
      {"transfer(address,uint256)",
       "a9059cbb2ab09eb219583f4a59a5d0623ade346d962bcd4e46b11da047c9049b"},
      {"Transfer(address,address,uint256)",
       "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(to_hex(keccak256(as_bytes(c.message))), c.digest) << "\"" << c.message << "\"";
  }
}

TEST(KeccakTest, KeccakTeamShortMsgKat) {
  struct {
    std::string_view msg;
    std::string_view md;
  } cases[] = {
      {"", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"},      // Len = 0
      {"6b", "f3d0adcb6a1c70832365e9da0a6b2f5199422f6a53c67cfad171114e3442aa0f"},    // Len = 8
      {"8fab", "cfa23daaffd3966973461c1a50d47d2fa73e4f77df6538c5e2938149d63d2dc3"},  // Len = 16
      {kKat1088Msg, kKat1088Md},
      {kKat1096Msg, kKat1096Md},
  };
  for (const auto& c : cases) {
    const Bytes msg = unhex(c.msg);
    EXPECT_EQ(to_hex(keccak256(msg)), c.md) << "Len = " << msg.size() * 8;
  }
}

TEST(KeccakTest, IncrementalEqualsOneShotAtEverySplit) {
  for (std::string_view hex : {kKat1088Msg, kKat1096Msg}) {
    const Bytes msg = unhex(hex);
    const std::string expected = to_hex(keccak256(msg));
    Keccak256 hasher;
    for (std::size_t split = 0; split <= msg.size(); ++split) {
      hasher.update(ByteView(msg).first(split));
      hasher.update(ByteView(msg).subspan(split));
      EXPECT_EQ(to_hex(hasher.finish()), expected) << "split at " << split;
    }
    // Byte-at-a-time, the most boundary crossings.
    for (std::uint8_t b : msg)
      hasher.update(ByteView(&b, 1));
    EXPECT_EQ(to_hex(hasher.finish()), expected);
  }
}

TEST(KeccakTest, FinishResets) {
  Keccak256 hasher;
  hasher.update(as_bytes("not part of the next message"));
  (void)hasher.finish();
  hasher.update(as_bytes("abc"));
  EXPECT_EQ(to_hex(hasher.finish()),
            "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
}

TEST(KeccakTest, DiffersFromSha3) {
  // SHA3-256("") from FIPS 202 examples; Keccak-256("") must not equal it.
  EXPECT_NE(to_hex(keccak256({})),
            "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
}

// The same sponge with SHA-3's domain byte is SHA3-256, for which NIST publishes examples
// (FIPS 202 example values: SHA3-256 of the empty message and of 200 bytes 0xa3, the
// "1600-bit" message that spans two 136-byte blocks).
TEST(KeccakTest, SpongeWithSha3DomainMatchesNistExamples) {
  struct {
    Bytes msg;
    std::string_view md;
  } cases[] = {
      {{}, "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"},
      {Bytes(200, 0xa3), "79f38adec5c20307a98ef76e8324afbfd46cfd81b22e3973c65fa1bd9de31787"},
  };
  for (const auto& c : cases) {
    detail::KeccakSponge sponge(136, 0x06);
    sponge.absorb(c.msg);
    Keccak256Digest out{};
    sponge.finish(out);
    EXPECT_EQ(to_hex(out), c.md);
  }
}

// Every message length from 0 to 3 blocks + 1, against OpenSSL's SHA3-256: exercises the
// padding when the message ends at every position in the rate, including rate - 1, where the
// domain byte and the final bit share a byte.
TEST(KeccakTest, SpongeMatchesOpensslSha3AtEveryLength) {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA3-256", nullptr);
  ASSERT_NE(md, nullptr);
  Bytes msg;
  for (std::size_t len = 0; len <= 3 * 136 + 1; ++len) {
    unsigned char expected[32];
    unsigned int expected_len = 0;
    ASSERT_EQ(EVP_Digest(msg.data(), msg.size(), expected, &expected_len, md, nullptr), 1);
    detail::KeccakSponge sponge(136, 0x06);
    sponge.absorb(msg);
    Keccak256Digest out{};
    sponge.finish(out);
    ASSERT_EQ(to_hex(out), to_hex(ByteView(expected, expected_len))) << "length " << len;
    msg.push_back(static_cast<std::uint8_t>(len * 31 + 7));
  }
  EVP_MD_free(md);
}

// SHAKE128 (rate 168, domain 0x1f) squeezes more than one block: checks the multi-block
// squeeze path against OpenSSL.
TEST(KeccakTest, SpongeSqueezesPastOneBlock) {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHAKE128", nullptr);
  ASSERT_NE(md, nullptr);
  const Bytes msg = to_bytes("squeeze me");
  Bytes expected(400);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestInit_ex2(ctx, md, nullptr), 1);
  ASSERT_EQ(EVP_DigestUpdate(ctx, msg.data(), msg.size()), 1);
  ASSERT_EQ(EVP_DigestFinalXOF(ctx, expected.data(), expected.size()), 1);
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);

  detail::KeccakSponge sponge(168, 0x1f);
  sponge.absorb(msg);
  Bytes out(400);
  sponge.finish(out);
  EXPECT_EQ(to_hex(out), to_hex(expected));
}

}  // namespace
}  // namespace cllm::crypto
