// HMAC-SHA-256/384/512 against RFC 4231 §4 test cases 1-7 (case 5 is the 128-bit truncation
// case, compared on the prefix as the RFC specifies).
#include "cllm/crypto/hmac.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "cllm/common/hex.hpp"

namespace cllm::crypto {
namespace {

Bytes repeat(std::uint8_t byte, std::size_t n) {
  return Bytes(n, byte);
}

Bytes key_0102_to_19() {
  Bytes key;
  for (std::uint8_t b = 0x01; b <= 0x19; ++b)
    key.push_back(b);
  return key;
}

struct Rfc4231Case {
  int number;
  Bytes key;
  Bytes data;
  std::string_view sha256;
  std::string_view sha384;
  std::string_view sha512;
};

std::vector<Rfc4231Case> rfc4231_cases() {
  return {
      {1, repeat(0x0b, 20), to_bytes("Hi There"),
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
       "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2"
       "fa9cb6",
       "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eae"
       "a3f4e4be9d914eeb61f1702e696c203a126854"},
      {2, to_bytes("Jefe"), to_bytes("what do ya want for nothing?"),
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
       "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfa"
       "b21649",
       "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8"
       "f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
      {3, repeat(0xaa, 20), repeat(0xdd, 50),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
       "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101"
       "a34f27",
       "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e"
       "67c807b946a337bee8942674278859e13292fb"},
      {4, key_0102_to_19(), repeat(0xcd, 50),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
       "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c6"
       "74cffb",
       "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5"
       "788063a5f19741120c4f2de2adebeb10a298dd"},
      // Case 5: only the first 128 bits of the output are specified.
      {5, repeat(0x0c, 20), to_bytes("Test With Truncation"), "a3b6167473100ee06e0c796c2955552b",
       "3abf34c3503b2a23a46efc619baef897", "415fad6271580a531d4179bc891d87a6"},
      {6, repeat(0xaa, 131), to_bytes("Test Using Larger Than Block-Size Key - Hash Key First"),
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
       "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163"
       "f44952",
       "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d"
       "6a1e5295e64f73f63f0aec8b915a985d786598"},
      {7, repeat(0xaa, 131),
       to_bytes("This is a test using a larger than block-size key and a larger than block-size "
                "data. The key needs to be hashed before being used by the HMAC algorithm."),
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
       "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c"
       "46523e",
       "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3"
       "e4de15134676fb6de0446065c97440fa8c6a58"},
  };
}

TEST(HmacTest, Rfc4231Vectors) {
  for (const Rfc4231Case& c : rfc4231_cases()) {
    const std::pair<HashAlgorithm, std::string_view> expectations[] = {
        {HashAlgorithm::kSha256, c.sha256},
        {HashAlgorithm::kSha384, c.sha384},
        {HashAlgorithm::kSha512, c.sha512},
    };
    for (const auto& [algorithm, expected] : expectations) {
      SCOPED_TRACE("RFC 4231 case " + std::to_string(c.number) + " " +
                   std::string(to_string(algorithm)));
      auto tag = hmac(algorithm, c.key, c.data);
      ASSERT_TRUE(tag.ok()) << tag.error().message();
      ASSERT_EQ(tag->size(), digest_size(algorithm));
      // Case 5's expected value is a prefix; every other case is compared in full.
      EXPECT_EQ(to_hex(*tag).substr(0, expected.size()), expected);
      if (c.number != 5) {
        EXPECT_EQ(to_hex(*tag), expected);
        EXPECT_TRUE(hmac_verify(algorithm, c.key, c.data, *tag).ok());
      }
    }
  }
}

TEST(HmacTest, NamedShortcutsMatchGeneric) {
  const auto c = rfc4231_cases()[1];
  EXPECT_EQ(to_hex(hmac_sha256(c.key, c.data).value()), c.sha256);
  EXPECT_EQ(to_hex(hmac_sha384(c.key, c.data).value()), c.sha384);
  EXPECT_EQ(to_hex(hmac_sha512(c.key, c.data).value()), c.sha512);
}

TEST(HmacTest, EmptyKeyAndEmptyData) {
  // Not an RFC 4231 case; checks that an empty key is accepted and equals the all-zero
  // block-size key HMAC defines it as.
  auto empty = hmac_sha256({}, {});
  ASSERT_TRUE(empty.ok()) << empty.error().message();
  EXPECT_EQ(*empty, hmac_sha256(Bytes(64, 0), {}).value());
}

TEST(HmacTest, VerifyRejectsWrongKeyDataAndTag) {
  const auto c = rfc4231_cases()[1];
  const Bytes tag = hmac_sha256(c.key, c.data).value();

  Bytes wrong_key = c.key;
  wrong_key[0] ^= 0x01;
  auto bad_key = hmac_verify(HashAlgorithm::kSha256, wrong_key, c.data, tag);
  ASSERT_FALSE(bad_key.ok());
  EXPECT_EQ(bad_key.error().code(), ErrorCode::kVerification);
  EXPECT_EQ(bad_key.error().message(), "hmac: tag mismatch");

  Bytes wrong_data = c.data;
  wrong_data.back() ^= 0x80;
  EXPECT_FALSE(hmac_verify(HashAlgorithm::kSha256, c.key, wrong_data, tag).ok());

  for (std::size_t bit = 0; bit < tag.size() * 8; bit += 7) {
    Bytes flipped = tag;
    flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    auto status = hmac_verify(HashAlgorithm::kSha256, c.key, c.data, flipped);
    ASSERT_FALSE(status.ok()) << "bit " << bit;
    EXPECT_EQ(status.error().code(), ErrorCode::kVerification);
  }

  // A tag computed with another digest is the wrong length for this one.
  const Bytes tag512 = hmac_sha512(c.key, c.data).value();
  EXPECT_FALSE(hmac_verify(HashAlgorithm::kSha256, c.key, c.data, tag512).ok());
}

TEST(HmacTest, VerifyRejectsTruncatedTags) {
  const auto c = rfc4231_cases()[0];
  const Bytes tag = hmac_sha384(c.key, c.data).value();
  for (std::size_t len : {std::size_t{0}, std::size_t{1}, std::size_t{16}, tag.size() - 1}) {
    auto status = hmac_verify(HashAlgorithm::kSha384, c.key, c.data, ByteView(tag).first(len));
    ASSERT_FALSE(status.ok()) << "length " << len;
    EXPECT_EQ(status.error().code(), ErrorCode::kVerification);
    EXPECT_NE(status.error().message().find("not the full 48 bytes"), std::string::npos)
        << status.error().message();
  }
  Bytes longer = tag;
  longer.push_back(0);
  EXPECT_FALSE(hmac_verify(HashAlgorithm::kSha384, c.key, c.data, longer).ok());
}

}  // namespace
}  // namespace cllm::crypto
