// HKDF against RFC 5869 Appendix A test cases 1-3 (HKDF-SHA-256). SHA-384/512 have no RFC
// vectors; they are checked against the RFC's definition built from our HMAC.
#include "cllm/crypto/hkdf.hpp"

#include <gtest/gtest.h>

#include <string>

#include "cllm/common/hex.hpp"
#include "cllm/crypto/hmac.hpp"

namespace cllm::crypto {
namespace {

Bytes range(std::uint8_t first, std::uint8_t last) {
  Bytes out;
  for (unsigned b = first; b <= last; ++b)
    out.push_back(static_cast<std::uint8_t>(b));
  return out;
}

struct Rfc5869Case {
  int number;
  Bytes ikm;
  Bytes salt;
  Bytes info;
  std::size_t length;
  std::string prk;
  std::string okm;
};

std::vector<Rfc5869Case> rfc5869_cases() {
  return {
      // A.1: basic test case with SHA-256.
      {1, Bytes(22, 0x0b), range(0x00, 0x0c), range(0xf0, 0xf9), 42,
       "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
       "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
      // A.2: longer inputs and outputs.
      {2, range(0x00, 0x4f), range(0x60, 0xaf), range(0xb0, 0xff), 82,
       "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
       "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e"
       "590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"},
      // A.3: zero-length salt and info.
      {3,
       Bytes(22, 0x0b),
       {},
       {},
       42,
       "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
       "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
  };
}

TEST(HkdfTest, Rfc5869ExtractExpandAndCombined) {
  for (const Rfc5869Case& c : rfc5869_cases()) {
    SCOPED_TRACE("RFC 5869 A." + std::to_string(c.number));
    auto prk = hkdf_extract(HashAlgorithm::kSha256, c.salt, c.ikm);
    ASSERT_TRUE(prk.ok()) << prk.error().message();
    EXPECT_EQ(to_hex(prk->view()), c.prk);

    auto okm = hkdf_expand(HashAlgorithm::kSha256, prk->view(), c.info, c.length);
    ASSERT_TRUE(okm.ok()) << okm.error().message();
    EXPECT_EQ(to_hex(okm->view()), c.okm);

    auto combined = hkdf(HashAlgorithm::kSha256, c.salt, c.ikm, c.info, c.length);
    ASSERT_TRUE(combined.ok()) << combined.error().message();
    EXPECT_EQ(to_hex(combined->view()), c.okm);
  }
}

// RFC 5869 §2.2-2.3 definitions: PRK = HMAC(salt, IKM); T(1) = HMAC(PRK, info || 0x01);
// T(2) = HMAC(PRK, T(1) || info || 0x02).
TEST(HkdfTest, Sha384AndSha512FollowTheRfcDefinition) {
  const Bytes ikm(22, 0x0b);
  const Bytes salt = range(0x00, 0x0c);
  const Bytes info = range(0xf0, 0xf9);
  for (HashAlgorithm algorithm : {HashAlgorithm::kSha384, HashAlgorithm::kSha512}) {
    SCOPED_TRACE(std::string(to_string(algorithm)));
    const std::size_t n = digest_size(algorithm);
    const Bytes expected_prk = hmac(algorithm, salt, ikm).value();
    const Bytes t1 = hmac(algorithm, expected_prk, concat({info, Bytes{0x01}})).value();
    const Bytes t2 = hmac(algorithm, expected_prk, concat({t1, info, Bytes{0x02}})).value();

    auto prk = hkdf_extract(algorithm, salt, ikm);
    ASSERT_TRUE(prk.ok()) << prk.error().message();
    EXPECT_EQ(to_hex(prk->view()), to_hex(expected_prk));

    auto okm = hkdf(algorithm, salt, ikm, info, n + 10);
    ASSERT_TRUE(okm.ok()) << okm.error().message();
    EXPECT_EQ(to_hex(okm->view()), to_hex(concat({t1, ByteView(t2).first(10)})));
  }
}

TEST(HkdfTest, OutputLengthBounds) {
  const Bytes ikm(32, 0x42);
  // 255 * HashLen is the largest output the RFC allows, and it works.
  auto max256 = hkdf(HashAlgorithm::kSha256, {}, ikm, {}, 255 * 32);
  ASSERT_TRUE(max256.ok()) << max256.error().message();
  EXPECT_EQ(max256->size(), 8160u);
  EXPECT_EQ(hkdf_max_output(HashAlgorithm::kSha512), 255u * 64u);

  auto too_long = hkdf(HashAlgorithm::kSha256, {}, ikm, {}, 9000);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code(), ErrorCode::kLimit);
  EXPECT_EQ(too_long.error().message(), "hkdf: output length 9000 exceeds 255*32");

  auto one_over = hkdf(HashAlgorithm::kSha512, {}, ikm, {}, 255 * 64 + 1);
  ASSERT_FALSE(one_over.ok());
  EXPECT_EQ(one_over.error().message(), "hkdf: output length 16321 exceeds 255*64");

  const SecretBytes prk = hkdf_extract(HashAlgorithm::kSha384, {}, ikm).value();
  auto expand_too_long = hkdf_expand(HashAlgorithm::kSha384, prk.view(), {}, 255 * 48 + 1);
  ASSERT_FALSE(expand_too_long.ok());
  EXPECT_EQ(expand_too_long.error().code(), ErrorCode::kLimit);

  auto zero = hkdf(HashAlgorithm::kSha256, {}, ikm, {}, 0);
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().code(), ErrorCode::kInvalidArgument);
}

TEST(HkdfTest, RejectsShortPrkAndOversizedInfo) {
  auto short_prk = hkdf_expand(HashAlgorithm::kSha256, Bytes(31, 1), {}, 32);
  ASSERT_FALSE(short_prk.ok());
  EXPECT_EQ(short_prk.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(short_prk.error().message(), "hkdf: prk length 31 is shorter than 32");

  const Bytes ikm(32, 0x42);
  auto at_limit = hkdf(HashAlgorithm::kSha256, {}, ikm, Bytes(kHkdfMaxInfoSize, 7), 32);
  EXPECT_TRUE(at_limit.ok()) << at_limit.error().message();
  auto big_info = hkdf(HashAlgorithm::kSha256, {}, ikm, Bytes(kHkdfMaxInfoSize + 1, 7), 32);
  ASSERT_FALSE(big_info.ok());
  EXPECT_EQ(big_info.error().code(), ErrorCode::kLimit);
  EXPECT_EQ(big_info.error().message(), "hkdf: info length 1025 exceeds 1024");
}

TEST(HkdfTest, DifferentInfoGivesIndependentKeys) {
  const Bytes ikm(32, 0x42);
  auto a = hkdf(HashAlgorithm::kSha256, {}, ikm, as_bytes("cllm client key"), 32).value();
  auto b = hkdf(HashAlgorithm::kSha256, {}, ikm, as_bytes("cllm server key"), 32).value();
  EXPECT_NE(to_hex(a.view()), to_hex(b.view()));
}

}  // namespace
}  // namespace cllm::crypto
