// X25519 against RFC 7748: §5.2 (two scalar-multiplication vectors, and the iterated test
// after 1 and 1,000 iterations) and §6.1 (the Alice/Bob Diffie-Hellman exchange).
#include "cllm/crypto/x25519.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "cllm/common/hex.hpp"
#include "support/vectors.hpp"

namespace cllm::crypto {
namespace {

using test::unhex;

// RFC 7748 §6.1.
constexpr std::string_view kAlicePrivate =
    "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
constexpr std::string_view kAlicePublic =
    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
constexpr std::string_view kBobPrivate =
    "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
constexpr std::string_view kBobPublic =
    "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
constexpr std::string_view kShared =
    "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

TEST(X25519Test, Rfc7748AliceAndBob) {
  auto alice = X25519KeyPair::from_private_key(unhex(kAlicePrivate));
  auto bob = X25519KeyPair::from_private_key(unhex(kBobPrivate));
  ASSERT_TRUE(alice.ok()) << alice.error().message();
  ASSERT_TRUE(bob.ok()) << bob.error().message();
  EXPECT_EQ(to_hex(alice->public_key()), kAlicePublic);
  EXPECT_EQ(to_hex(bob->public_key()), kBobPublic);

  auto alice_shared = alice->derive(bob->public_key());
  auto bob_shared = bob->derive(alice->public_key());
  ASSERT_TRUE(alice_shared.ok()) << alice_shared.error().message();
  ASSERT_TRUE(bob_shared.ok()) << bob_shared.error().message();
  EXPECT_EQ(to_hex(alice_shared->view()), kShared);
  EXPECT_EQ(to_hex(bob_shared->view()), kShared);
}

TEST(X25519Test, Rfc7748ScalarMultiplicationVectors) {
  struct {
    std::string_view scalar;
    std::string_view u;
    std::string_view out;
  } cases[] = {
      {"a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
       "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
       "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"},
      // The second vector's u has its top bit set, which X25519 must ignore.
      {"4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
       "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
       "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"},
  };
  for (const auto& c : cases) {
    auto key = X25519KeyPair::from_private_key(unhex(c.scalar));
    ASSERT_TRUE(key.ok()) << key.error().message();
    auto out = key->derive(unhex(c.u));
    ASSERT_TRUE(out.ok()) << out.error().message();
    EXPECT_EQ(to_hex(out->view()), c.out);
  }
}

// RFC 7748 §5.2: k = u = 9; repeatedly (k, u) = (X25519(k, u), k).
TEST(X25519Test, Rfc7748Iterated) {
  Bytes k(32, 0);
  k[0] = 9;
  Bytes u = k;
  for (int i = 1; i <= 1000; ++i) {
    auto key = X25519KeyPair::from_private_key(k);
    ASSERT_TRUE(key.ok());
    auto r = key->derive(u);
    ASSERT_TRUE(r.ok()) << r.error().message();
    u = k;
    k.assign(r->view().begin(), r->view().end());
    if (i == 1) {
      EXPECT_EQ(to_hex(k), "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
    }
  }
  EXPECT_EQ(to_hex(k), "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
}

TEST(X25519Test, GeneratedPairsAgree) {
  auto a = X25519KeyPair::generate();
  auto b = X25519KeyPair::generate();
  ASSERT_TRUE(a.ok()) << a.error().message();
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_NE(a->public_key(), b->public_key());
  EXPECT_EQ(a->public_key().size(), kX25519KeySize);
  const SecretBytes ab = a->derive(b->public_key()).value();
  const SecretBytes ba = b->derive(a->public_key()).value();
  EXPECT_TRUE(constant_time_equal(ab.view(), ba.view()));
}

TEST(X25519Test, RejectsLowOrderPeerKeys) {
  auto alice = X25519KeyPair::from_private_key(unhex(kAlicePrivate));
  ASSERT_TRUE(alice.ok());
  // u = 0 and u = 1 are points of small order: every clamped scalar maps them to 0.
  Bytes zero(32, 0);
  Bytes one(32, 0);
  one[0] = 1;
  for (const Bytes& peer : {zero, one}) {
    auto shared = alice->derive(peer);
    ASSERT_FALSE(shared.ok()) << "low-order peer " << to_hex(peer) << " accepted";
    EXPECT_EQ(shared.error().code(), ErrorCode::kCrypto);
    EXPECT_NE(shared.error().message().find("x25519:"), std::string::npos);
    EXPECT_NE(shared.error().message().find("low-order"), std::string::npos)
        << shared.error().message();
  }
}

TEST(X25519Test, RejectsWrongLengths) {
  for (std::size_t len : {0u, 31u, 33u, 64u}) {
    auto key = X25519KeyPair::from_private_key(Bytes(len, 7));
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(key.error().message(),
              "x25519: private key must be 32 bytes, got " + std::to_string(len));
  }
  auto alice = X25519KeyPair::from_private_key(unhex(kAlicePrivate));
  ASSERT_TRUE(alice.ok());
  Bytes long_peer = unhex(kBobPublic);
  long_peer.push_back(0);
  auto shared = alice->derive(long_peer);
  ASSERT_FALSE(shared.ok());
  EXPECT_EQ(shared.error().message(), "x25519: peer public key must be 32 bytes, got 33");
  EXPECT_FALSE(alice->derive(ByteView(unhex(kBobPublic)).first(31)).ok());
}

}  // namespace
}  // namespace cllm::crypto
