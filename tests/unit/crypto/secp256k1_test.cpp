#include "cllm/crypto/secp256k1.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "cllm/common/hex.hpp"
#include "cllm/crypto/keccak.hpp"

namespace cllm::crypto {
namespace {

Bytes h(std::string_view hex) {
  auto r = from_hex(hex);
  EXPECT_TRUE(r.ok()) << hex;
  return r.ok() ? *r : Bytes{};
}

// The group order n of secp256k1 (SEC 2, section 2.4.1).
const char* const kOrderHex = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

// n - s for 32-byte big-endian values (s < n): the high-s twin of a low-s signature.
Bytes negate_mod_n(ByteView s) {
  const Bytes n = h(kOrderHex);
  Bytes out(32);
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int d = n[static_cast<std::size_t>(i)] - s[static_cast<std::size_t>(i)] - borrow;
    borrow = d < 0 ? 1 : 0;
    out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(d + (borrow ? 256 : 0));
  }
  return out;
}

Bytes test_digest(std::string_view text) {
  const auto d = keccak256(as_bytes(text));
  return Bytes(d.begin(), d.end());
}

TEST(Secp256k1, PrivateKeyOneGivesTheGenerator) {
  // d = 1 -> Q = G, the base point from SEC 2, section 2.4.1.
  Bytes one(32, 0);
  one[31] = 1;
  auto key = Secp256k1PrivateKey::from_bytes(one);
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_EQ(to_hex(key->public_key().uncompressed()),
            "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
            "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");
  EXPECT_EQ(to_hex(key->public_key().compressed()),
            "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
  EXPECT_EQ(key->public_key().raw_xy().size(), 64u);
}

TEST(Secp256k1, RejectsInvalidPrivateKeys) {
  const Bytes n = h(kOrderHex);
  Bytes n_plus_1 = n;
  n_plus_1[31] += 1;
  for (const Bytes& bad :
       {Bytes(32, 0), n, n_plus_1, Bytes(32, 0xff), Bytes(31, 1), Bytes(33, 1), Bytes{}}) {
    auto r = Secp256k1PrivateKey::from_bytes(bad);
    ASSERT_FALSE(r.ok()) << to_hex(bad);
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
  Bytes n_minus_1 = n;
  n_minus_1[31] -= 1;
  EXPECT_TRUE(Secp256k1PrivateKey::from_bytes(n_minus_1).ok());
}

TEST(Secp256k1, ExportedSecretRoundTrips) {
  auto key = Secp256k1PrivateKey::generate();
  ASSERT_TRUE(key.ok());
  const SecretBytes secret = key->export_bytes();
  ASSERT_EQ(secret.size(), 32u);
  auto again = Secp256k1PrivateKey::from_bytes(secret.view());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->public_key(), key->public_key());
}

TEST(Secp256k1, SignRecoverVerifyRoundTrip) {
  auto key = Secp256k1PrivateKey::generate();
  ASSERT_TRUE(key.ok()) << key.error().message();
  for (int i = 0; i < 16; ++i) {
    const Bytes digest = test_digest("message " + std::to_string(i));
    auto sig = key->sign_recoverable(digest);
    ASSERT_TRUE(sig.ok()) << sig.error().message();
    ASSERT_EQ(sig->size(), 65u);
    EXPECT_LE((*sig)[64], 1);
    auto recovered = secp256k1_recover(digest, *sig);
    ASSERT_TRUE(recovered.ok()) << recovered.error().message();
    EXPECT_EQ(*recovered, key->public_key());
    EXPECT_TRUE(key->public_key().verify(digest, *sig).ok());
    EXPECT_TRUE(key->public_key().verify(digest, ByteView(*sig).first(64)).ok());
  }
}

TEST(Secp256k1, SigningIsDeterministic) {
  // RFC 6979 nonces: the same key and digest always give the same signature.
  auto key = Secp256k1PrivateKey::from_bytes(
      h("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"));
  ASSERT_TRUE(key.ok());
  const Bytes digest = test_digest("deterministic");
  auto a = key->sign_recoverable(digest);
  auto b = key->sign_recoverable(digest);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(Secp256k1, NegativeCasesFailWithClearErrors) {
  auto key = Secp256k1PrivateKey::generate();
  auto other = Secp256k1PrivateKey::generate();
  ASSERT_TRUE(key.ok() && other.ok());
  const Bytes digest = test_digest("payload");
  auto sig_result = key->sign_recoverable(digest);
  ASSERT_TRUE(sig_result.ok());
  const Bytes sig = *sig_result;

  auto expect_error = [](const Status& st, std::string_view needle) {
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), ErrorCode::kVerification);
    EXPECT_NE(st.error().message().find(needle), std::string::npos) << st.error().message();
  };

  expect_error(other->public_key().verify(digest, sig), "does not match");
  Bytes flipped_digest = digest;
  flipped_digest[0] ^= 1;
  expect_error(key->public_key().verify(flipped_digest, sig), "does not match");
  Bytes flipped_sig = sig;
  flipped_sig[10] ^= 0x04;
  expect_error(key->public_key().verify(digest, flipped_sig), "does not match");
  expect_error(key->public_key().verify(digest, ByteView(sig).first(63)), "64 or 65 bytes");
  expect_error(key->public_key().verify(ByteView(digest).first(31), sig), "digest must be 32");

  // A flipped bit recovers some other key (or none), never the signer.
  auto wrong = secp256k1_recover(digest, flipped_sig);
  if (wrong.ok()) {
    EXPECT_FALSE(*wrong == key->public_key());
  }

  auto short_sig = secp256k1_recover(digest, ByteView(sig).first(64));
  ASSERT_FALSE(short_sig.ok());
  EXPECT_NE(short_sig.error().message().find("must be 65 bytes"), std::string::npos);
  Bytes bad_recid = sig;
  bad_recid[64] = 4;
  auto r4 = secp256k1_recover(digest, bad_recid);
  ASSERT_FALSE(r4.ok());
  EXPECT_NE(r4.error().message().find("recovery id must be 0..3"), std::string::npos);

  // r >= n does not parse.
  Bytes overflow = sig;
  std::fill(overflow.begin(), overflow.begin() + 32, 0xff);
  auto ro = secp256k1_recover(digest, overflow);
  ASSERT_FALSE(ro.ok());
  EXPECT_NE(ro.error().message().find("out of range"), std::string::npos) << ro.error().message();
  expect_error(key->public_key().verify(digest, overflow), "out of range");

  // r = 0 or s = 0 recovers nothing.
  Bytes zero_r = sig;
  std::fill(zero_r.begin(), zero_r.begin() + 32, 0);
  EXPECT_FALSE(secp256k1_recover(digest, zero_r).ok());
  EXPECT_FALSE(key->public_key().verify(digest, zero_r).ok());
}

TEST(Secp256k1, HighSIsRejected) {
  auto key = Secp256k1PrivateKey::generate();
  ASSERT_TRUE(key.ok());
  const Bytes digest = test_digest("malleable");
  auto sig = key->sign_recoverable(digest);
  ASSERT_TRUE(sig.ok());
  // (r, n - s) with the other recovery id is the same signature in high-s form.
  Bytes high = *sig;
  const Bytes high_s = negate_mod_n(ByteView(*sig).subspan(32, 32));
  std::copy(high_s.begin(), high_s.end(), high.begin() + 32);
  high[64] ^= 1;
  auto r = secp256k1_recover(digest, high);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kVerification);
  EXPECT_NE(r.error().message().find("high s"), std::string::npos) << r.error().message();
  const Status v = key->public_key().verify(digest, high);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message().find("high s"), std::string::npos);
}

TEST(Secp256k1, PublicKeyEncodings) {
  auto key = Secp256k1PrivateKey::generate();
  ASSERT_TRUE(key.ok());
  const auto& pub = key->public_key();
  auto from_compressed = Secp256k1PublicKey::from_sec1(pub.compressed());
  ASSERT_TRUE(from_compressed.ok());
  EXPECT_EQ(*from_compressed, pub);
  auto from_xy = Secp256k1PublicKey::from_raw_xy(pub.raw_xy());
  ASSERT_TRUE(from_xy.ok());
  EXPECT_EQ(*from_xy, pub);

  // Hybrid encodings (0x06/0x07) would be accepted by libsecp256k1; we refuse them.
  Bytes hybrid = pub.uncompressed();
  hybrid[0] = (hybrid.back() & 1) ? 0x07 : 0x06;
  EXPECT_FALSE(Secp256k1PublicKey::from_sec1(hybrid).ok());
  Bytes off_curve = pub.uncompressed();
  off_curve.back() ^= 1;
  auto bad = Secp256k1PublicKey::from_sec1(off_curve);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("not a point on the curve"), std::string::npos);
  EXPECT_FALSE(Secp256k1PublicKey::from_sec1({}).ok());
  EXPECT_FALSE(Secp256k1PublicKey::from_sec1(Bytes(65, 0)).ok());
  EXPECT_FALSE(Secp256k1PublicKey::from_raw_xy(Bytes(65, 4)).ok());
}

TEST(Secp256k1, ConcurrentUseOfTheSharedContext) {
  auto key = Secp256k1PrivateKey::generate();
  ASSERT_TRUE(key.ok());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const Bytes digest = test_digest(std::to_string(t) + ":" + std::to_string(i));
        auto sig = key->sign_recoverable(digest);
        if (!sig.ok()) {
          ++failures;
          continue;
        }
        auto rec = secp256k1_recover(digest, *sig);
        if (!rec.ok() || !(*rec == key->public_key())) ++failures;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace cllm::crypto
