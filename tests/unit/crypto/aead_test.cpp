// AES-256-GCM and ChaCha20-Poly1305 against published vectors:
//  - NIST CAVP gcmEncryptExtIV256.rsp: [Keylen = 256] [IVlen = 96] [PTlen = 128]
//    [AADlen = 160] [Taglen = 128] Count = 0, and [AADlen = 0] Count = 0;
//  - McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)" (the revised spec published
//    by NIST), Test Cases 13, 14 and 16 (AES-256; 16 has AAD);
//  - RFC 8439 §2.8.2 for ChaCha20-Poly1305.
#include "cllm/crypto/aead.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "cllm/common/hex.hpp"
#include "support/vectors.hpp"

namespace cllm::crypto {
namespace {

using test::unhex;

SecretBytes key_from_hex(std::string_view text) {
  return SecretBytes(unhex(text));
}

struct Vector {
  std::string_view source;
  AeadAlgorithm algorithm;
  std::string_view key;
  std::string_view nonce;
  std::string_view plaintext;
  std::string_view aad;
  std::string_view ciphertext;
  std::string_view tag;
};

// "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the
// future, sunscreen would be it." (RFC 8439 §2.8.2).
constexpr std::string_view kSunscreenHex =
    "4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66202739393a20496620"
    "4920636f756c64206f6666657220796f75206f6e6c79206f6e652074697020666f722074686520667574757265"
    "2c2073756e73637265656e20776f756c642062652069742e";

const Vector kVectors[] = {
    {"CAVP gcmEncryptExtIV256 PTlen=128 AADlen=160 Count=0", AeadAlgorithm::kAes256Gcm,
     "83688deb4af8007f9b713b47cfa6c73e35ea7a3aa4ecdb414dded03bf7a0fd3a", "0b459724904e010a46901cf3",
     "33d893a2114ce06fc15d55e454cf90c3", "794a14ccd178c8ebfd1379dc704c5e208f9d8424",
     "cc66bee423e3fcd4c0865715e9586696", "0fb291bd3dba94a1dfd8b286cfb97ac5"},
    {"CAVP gcmEncryptExtIV256 PTlen=128 AADlen=0 Count=0", AeadAlgorithm::kAes256Gcm,
     "31bdadd96698c204aa9ce1448ea94ae1fb4a9a0b3c9d773b51bb1822666b8f22", "0d18e06c7c725ac9e362e1ce",
     "2db5168e932556f8089a0622981d017d", "", "fa4362189661d163fcd6a56d8bf0405a",
     "d636ac1bbedd5cc3ee727dc2ab4a9489"},
    {"GCM spec Test Case 13", AeadAlgorithm::kAes256Gcm,
     "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000",
     "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
    {"GCM spec Test Case 14", AeadAlgorithm::kAes256Gcm,
     "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000",
     "00000000000000000000000000000000", "", "cea7403d4d606b6e074ec5d3baf39d18",
     "d0d1c8a799996bf0265b98b5d48ab919"},
    {"GCM spec Test Case 16", AeadAlgorithm::kAes256Gcm,
     "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6"
     "b525b16aedf5aa0de657ba637b39",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b105682"
     "8838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
    {"RFC 8439 2.8.2", AeadAlgorithm::kChaCha20Poly1305,
     "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", "070000004041424344454647",
     kSunscreenHex, "50515253c0c1c2c3c4c5c6c7",
     "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92"
     "728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b"
     "4831d7bc3ff4def08e4b7a9de576d26586cec64b6116",
     "1ae10b594f09e26a7e902ecbd0600691"},
};

void expect_tag_mismatch(const Result<Bytes>& result, const std::string& what) {
  ASSERT_FALSE(result.ok()) << what << " was accepted";
  EXPECT_EQ(result.error().code(), ErrorCode::kVerification) << what;
  EXPECT_NE(result.error().message().find("aead tag mismatch"), std::string::npos)
      << what << ": " << result.error().message();
}

TEST(AeadTest, SealMatchesPublishedVectors) {
  for (const Vector& v : kVectors) {
    SCOPED_TRACE(std::string(v.source));
    auto sealed = aead_seal(v.algorithm, key_from_hex(v.key), unhex(v.nonce), unhex(v.plaintext),
                            unhex(v.aad));
    ASSERT_TRUE(sealed.ok()) << sealed.error().message();
    EXPECT_EQ(to_hex(*sealed), std::string(v.ciphertext) + std::string(v.tag));
  }
}

TEST(AeadTest, OpenRecoversPublishedPlaintexts) {
  EXPECT_EQ(cllm::to_string(unhex(kSunscreenHex)),
            "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
            "future, sunscreen would be it.");
  for (const Vector& v : kVectors) {
    SCOPED_TRACE(std::string(v.source));
    const Bytes sealed = concat({unhex(v.ciphertext), unhex(v.tag)});
    auto opened = aead_open(v.algorithm, key_from_hex(v.key), unhex(v.nonce), sealed, unhex(v.aad));
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    EXPECT_EQ(to_hex(*opened), v.plaintext);
  }
}

TEST(AeadTest, EveryTamperingIsATagMismatch) {
  for (const Vector& v : kVectors) {
    SCOPED_TRACE(std::string(v.source));
    const SecretBytes key = key_from_hex(v.key);
    const Bytes nonce = unhex(v.nonce);
    const Bytes aad = unhex(v.aad);
    const Bytes sealed = concat({unhex(v.ciphertext), unhex(v.tag)});

    // A flipped bit anywhere in ciphertext or tag.
    for (std::size_t i = 0; i < sealed.size(); ++i) {
      Bytes tampered = sealed;
      tampered[i] ^= static_cast<std::uint8_t>(1u << (i % 8));
      expect_tag_mismatch(aead_open(v.algorithm, key, nonce, tampered, aad),
                          "flip in byte " + std::to_string(i));
    }
    // Wrong key, wrong nonce.
    Bytes other_key(key.view().begin(), key.view().end());
    other_key[31] ^= 0x01;
    expect_tag_mismatch(aead_open(v.algorithm, SecretBytes(other_key), nonce, sealed, aad),
                        "wrong key");
    Bytes other_nonce = nonce;
    other_nonce[0] ^= 0x80;
    expect_tag_mismatch(aead_open(v.algorithm, key, other_nonce, sealed, aad), "wrong nonce");
    // Modified, added or removed AAD.
    if (!aad.empty()) {
      Bytes other_aad = aad;
      other_aad.back() ^= 0x01;
      expect_tag_mismatch(aead_open(v.algorithm, key, nonce, sealed, other_aad), "flipped aad");
      expect_tag_mismatch(aead_open(v.algorithm, key, nonce, sealed, {}), "dropped aad");
    } else {
      expect_tag_mismatch(aead_open(v.algorithm, key, nonce, sealed, Bytes{0}), "added aad");
    }
    // Truncated: a byte short, tag only partly present, nothing at all.
    expect_tag_mismatch(
        aead_open(v.algorithm, key, nonce, ByteView(sealed).first(sealed.size() - 1), aad),
        "one byte short");
    expect_tag_mismatch(aead_open(v.algorithm, key, nonce, ByteView(sealed).first(15), aad),
                        "15 bytes");
    expect_tag_mismatch(aead_open(v.algorithm, key, nonce, {}, aad), "empty input");
    // An extra byte appended moves the tag window.
    Bytes longer = sealed;
    longer.push_back(0);
    expect_tag_mismatch(aead_open(v.algorithm, key, nonce, longer, aad), "extra byte");
  }
}

TEST(AeadTest, RoundTripBothAlgorithmsManySizes) {
  const SecretBytes key(Bytes(32, 0x5a));
  const Bytes nonce(12, 0x01);
  const Bytes aad = to_bytes("request-id: 42");
  for (AeadAlgorithm algorithm : {AeadAlgorithm::kAes256Gcm, AeadAlgorithm::kChaCha20Poly1305}) {
    for (std::size_t size : {0u, 1u, 15u, 16u, 17u, 63u, 64u, 65u, 1000u, 70000u}) {
      Bytes plaintext(size);
      for (std::size_t i = 0; i < size; ++i)
        plaintext[i] = static_cast<std::uint8_t>(i * 7);
      auto sealed = aead_seal(algorithm, key, nonce, plaintext, aad);
      ASSERT_TRUE(sealed.ok()) << sealed.error().message();
      ASSERT_EQ(sealed->size(), size + kAeadTagSize);
      auto opened = aead_open(algorithm, key, nonce, *sealed, aad);
      ASSERT_TRUE(opened.ok()) << opened.error().message();
      EXPECT_EQ(*opened, plaintext) << to_string(algorithm) << " size " << size;
    }
  }
}

TEST(AeadTest, AlgorithmsAreNotInterchangeable) {
  const SecretBytes key(Bytes(32, 0x11));
  const Bytes nonce(12, 0x22);
  const Bytes sealed =
      aead_seal(AeadAlgorithm::kAes256Gcm, key, nonce, to_bytes("hello"), {}).value();
  expect_tag_mismatch(aead_open(AeadAlgorithm::kChaCha20Poly1305, key, nonce, sealed, {}),
                      "gcm message opened as chacha");
}

TEST(AeadTest, RejectsWrongKeyAndNonceLengths) {
  const Bytes nonce(12, 0);
  for (std::size_t key_len : {0u, 16u, 24u, 31u, 33u}) {
    auto sealed = aead_seal(AeadAlgorithm::kAes256Gcm, SecretBytes(Bytes(key_len, 1)), nonce,
                            to_bytes("x"), {});
    ASSERT_FALSE(sealed.ok());
    EXPECT_EQ(sealed.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(sealed.error().message(),
              "aes-256-gcm: key must be 32 bytes, got " + std::to_string(key_len));
  }
  const SecretBytes key(Bytes(32, 1));
  for (std::size_t nonce_len : {0u, 8u, 11u, 13u, 16u}) {
    auto opened =
        aead_open(AeadAlgorithm::kChaCha20Poly1305, key, Bytes(nonce_len, 0), Bytes(32, 0), {});
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(opened.error().message(),
              "chacha20-poly1305: nonce must be 12 bytes, got " + std::to_string(nonce_len));
  }
}

}  // namespace
}  // namespace cllm::crypto
