// Ed25519 against RFC 8032 §7.1 TEST 1, TEST 2 and TEST 3 (secret key, public key, message,
// signature), plus negative cases.
#include "cllm/crypto/ed25519.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "cllm/common/hex.hpp"
#include "support/vectors.hpp"

namespace cllm::crypto {
namespace {

using test::unhex;

struct Vector {
  std::string_view name;
  std::string_view secret;
  std::string_view public_key;
  std::string_view message;
  std::string_view signature;
};

constexpr Vector kVectors[] = {
    {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9"
     "b46bd25bf5f0595bbe24655141438e7a100b"},
    {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f1"
     "1d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984d"
     "c6594a7c15e9716ed28dc027beceea1ec40a"},
};

void expect_rejected(const Status& status, const std::string& what) {
  ASSERT_FALSE(status.ok()) << what << " was accepted";
  EXPECT_EQ(status.error().code(), ErrorCode::kVerification) << what;
}

TEST(Ed25519Test, Rfc8032KeysAndSignatures) {
  for (const Vector& v : kVectors) {
    SCOPED_TRACE(std::string("RFC 8032 7.1 ") + std::string(v.name));
    auto key = Ed25519KeyPair::from_seed(unhex(v.secret));
    ASSERT_TRUE(key.ok()) << key.error().message();
    EXPECT_EQ(to_hex(key->public_key()), v.public_key);
    auto signature = key->sign(unhex(v.message));
    ASSERT_TRUE(signature.ok()) << signature.error().message();
    EXPECT_EQ(to_hex(*signature), v.signature);
  }
}

TEST(Ed25519Test, Rfc8032SignaturesVerify) {
  for (const Vector& v : kVectors) {
    SCOPED_TRACE(std::string(v.name));
    const Status status = ed25519_verify(unhex(v.public_key), unhex(v.message), unhex(v.signature));
    EXPECT_TRUE(status.ok()) << status.error().message();
  }
}

TEST(Ed25519Test, RejectsFlippedBitsInSignatureMessageAndKey) {
  const Vector& v = kVectors[2];
  const Bytes public_key = unhex(v.public_key);
  const Bytes message = unhex(v.message);
  const Bytes signature = unhex(v.signature);

  for (std::size_t bit = 0; bit < signature.size() * 8; ++bit) {
    Bytes flipped = signature;
    flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    expect_rejected(ed25519_verify(public_key, message, flipped),
                    "signature bit " + std::to_string(bit));
  }
  for (std::size_t bit = 0; bit < message.size() * 8; ++bit) {
    Bytes flipped = message;
    flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    expect_rejected(ed25519_verify(public_key, flipped, signature),
                    "message bit " + std::to_string(bit));
  }
  Bytes longer = message;
  longer.push_back(0);
  expect_rejected(ed25519_verify(public_key, longer, signature), "extended message");
  expect_rejected(ed25519_verify(public_key, {}, signature), "empty message");

  // Another key's signature, and this signature under another key.
  expect_rejected(ed25519_verify(unhex(kVectors[1].public_key), message, signature),
                  "wrong public key");
  Bytes flipped_key = public_key;
  flipped_key[0] ^= 0x01;
  expect_rejected(ed25519_verify(flipped_key, message, signature), "flipped public key");

  const Status status = ed25519_verify(flipped_key, message, signature);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message(), "ed25519: signature verification failed");
}

TEST(Ed25519Test, RejectsWrongLengths) {
  const Vector& v = kVectors[1];
  const Bytes public_key = unhex(v.public_key);
  const Bytes message = unhex(v.message);
  const Bytes signature = unhex(v.signature);

  const Status truncated = ed25519_verify(public_key, message, ByteView(signature).first(63));
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().code(), ErrorCode::kVerification);
  EXPECT_EQ(truncated.error().message(), "ed25519: signature must be 64 bytes, got 63");
  expect_rejected(ed25519_verify(public_key, message, {}), "empty signature");
  Bytes long_signature = signature;
  long_signature.push_back(0);
  expect_rejected(ed25519_verify(public_key, message, long_signature), "65-byte signature");

  const Status short_key = ed25519_verify(ByteView(public_key).first(31), message, signature);
  ASSERT_FALSE(short_key.ok());
  EXPECT_EQ(short_key.error().message(), "ed25519: public key must be 32 bytes, got 31");

  for (std::size_t len : {0u, 31u, 33u, 64u}) {
    auto key = Ed25519KeyPair::from_seed(Bytes(len, 1));
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(key.error().message(), "ed25519: seed must be 32 bytes, got " + std::to_string(len));
  }
}

TEST(Ed25519Test, RejectsNonCanonicalS) {
  // S + L (the group order) has the same value mod L; RFC 8032 §5.1.7 requires S < L, so a
  // verifier that skips the check accepts a second, malleated signature.
  const Vector& v = kVectors[0];
  Bytes signature = unhex(v.signature);
  // L = 2^252 + 27742317777372353535851937790883648493, little-endian.
  const Bytes order = unhex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  unsigned carry = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    const unsigned sum = signature[32 + i] + order[i] + carry;
    signature[32 + i] = static_cast<std::uint8_t>(sum);
    carry = sum >> 8;
  }
  ASSERT_EQ(carry, 0u);
  expect_rejected(ed25519_verify(unhex(v.public_key), unhex(v.message), signature), "S + L");
}

TEST(Ed25519Test, GenerateSignVerify) {
  auto key = Ed25519KeyPair::generate();
  ASSERT_TRUE(key.ok()) << key.error().message();
  ASSERT_EQ(key->public_key().size(), kEd25519PublicKeySize);
  const Bytes message = to_bytes("attestation report body");
  const Bytes signature = key->sign(message).value();
  ASSERT_EQ(signature.size(), kEd25519SignatureSize);
  EXPECT_TRUE(ed25519_verify(key->public_key(), message, signature).ok());
  // Deterministic: the same message signs to the same bytes.
  EXPECT_EQ(key->sign(message).value(), signature);

  auto other = Ed25519KeyPair::generate();
  ASSERT_TRUE(other.ok());
  expect_rejected(ed25519_verify(other->public_key(), message, signature), "other key");
}

}  // namespace
}  // namespace cllm::crypto
