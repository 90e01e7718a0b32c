#include "cllm/crypto/ethereum.hpp"

#include <gtest/gtest.h>

#include <string>

#include "cllm/common/hex.hpp"

namespace cllm::crypto {
namespace {

Bytes h(std::string_view hex) {
  auto r = from_hex(hex, /*allow_0x=*/true);
  EXPECT_TRUE(r.ok()) << hex;
  return r.ok() ? *r : Bytes{};
}

// The key used in the web3.js `web3.eth.accounts` documentation (privateKeyToAccount, sign)
// and the eth-account documentation.
const char* const kDocKey = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
const char* const kDocAddress = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";
// web3.eth.accounts.sign("Some data", kDocKey) / eth-account sign_message example:
// r, s, v = 0x1c.
const char* const kSomeDataSignature =
    "0xb91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4f339f5fd6007e74cd82e037b800186422f"
    "c2da167c747ef045e5d18a5f5d4300f8e1a0291c";

Secp256k1PrivateKey doc_key() {
  auto key = Secp256k1PrivateKey::from_bytes(h(kDocKey));
  EXPECT_TRUE(key.ok());
  return std::move(key).value();
}

TEST(EthereumAddress, KnownPrivateKeys) {
  EXPECT_EQ(eip55_checksum_address(eth_address(doc_key().public_key())), kDocAddress);

  // Private key 1: the address of the generator point, widely listed (e.g. the
  // go-ethereum / eth-keys test suites).
  Bytes one(32, 0);
  one[31] = 1;
  auto key = Secp256k1PrivateKey::from_bytes(one);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(eip55_checksum_address(eth_address(key->public_key())),
            "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
}

TEST(EthereumAddress, FromEncodedPublicKey) {
  const Secp256k1PrivateKey key = doc_key();
  const Secp256k1PublicKey& pub = key.public_key();
  auto from65 = eth_address_from_public_key(pub.uncompressed());
  auto from64 = eth_address_from_public_key(pub.raw_xy());
  ASSERT_TRUE(from65.ok() && from64.ok());
  EXPECT_EQ(eip55_checksum_address(*from65), kDocAddress);
  EXPECT_EQ(*from64, *from65);
  EXPECT_FALSE(eth_address_from_public_key(pub.compressed()).ok());
  Bytes off_curve = pub.uncompressed();
  off_curve[40] ^= 1;
  EXPECT_FALSE(eth_address_from_public_key(off_curve).ok());
  EXPECT_FALSE(eth_address_from_public_key({}).ok());
}

// EIP-55, "Test Cases": all caps, all lower, and normal (mixed-case) addresses. Each is its
// own checksum encoding.
TEST(EthereumAddress, Eip55Examples) {
  const char* const examples[] = {
      "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
      "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
      "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
      "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
  };
  for (const char* text : examples) {
    auto parsed = parse_eth_address(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error().message();
    EXPECT_EQ(eip55_checksum_address(*parsed), text);
  }
}

TEST(EthereumAddress, ParseRejectsBadChecksumsAndShapes) {
  // Lower- and upper-case forms carry no checksum and are accepted.
  auto lower = parse_eth_address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
  auto upper = parse_eth_address("5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED");
  ASSERT_TRUE(lower.ok() && upper.ok());
  EXPECT_EQ(*lower, *upper);
  EXPECT_EQ(eip55_checksum_address(*lower), "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");

  // One letter's case flipped in a mixed-case address.
  auto bad = parse_eth_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("checksum mismatch"), std::string::npos);
  EXPECT_FALSE(parse_eth_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA").ok());
  EXPECT_FALSE(parse_eth_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed00").ok());
  EXPECT_FALSE(parse_eth_address("0xZaAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").ok());
  EXPECT_FALSE(parse_eth_address("").ok());
}

TEST(EthereumPersonalSign, MessageHashVectors) {
  // web3.js documentation: web3.eth.accounts.hashMessage("Hello World").
  EXPECT_EQ(to_hex(eip191_personal_message_hash(as_bytes("Hello World"))),
            "a1de988600a42c4b4ab089b619297c17d53cffae5d5120d82d8a92d0bb3b78f2");
  // web3.js documentation: messageHash of web3.eth.accounts.sign("Some data", kDocKey).
  EXPECT_EQ(to_hex(eip191_personal_message_hash(as_bytes("Some data"))),
            "1da44b586eb0729ff70a73c326926f6ed5a25f5b056e7f47fbc6e58d86871655");
}

TEST(EthereumPersonalSign, RecoversTheDocumentedSignature) {
  auto address = recover_personal_sign_address(as_bytes("Some data"), h(kSomeDataSignature));
  ASSERT_TRUE(address.ok()) << address.error().message();
  EXPECT_EQ(eip55_checksum_address(*address), kDocAddress);

  // v as a bare recovery id (0/1) is accepted too.
  Bytes v_bare = h(kSomeDataSignature);
  v_bare[64] -= 27;
  auto again = recover_personal_sign_address(as_bytes("Some data"), v_bare);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *address);
}

TEST(EthereumPersonalSign, SignsExactlyTheDocumentedSignature) {
  // Both libsecp256k1 and eth-keys use RFC 6979 nonces and low-s, so the bytes must agree.
  auto sig = personal_sign(doc_key(), as_bytes("Some data"));
  ASSERT_TRUE(sig.ok()) << sig.error().message();
  EXPECT_EQ("0x" + to_hex(*sig), kSomeDataSignature);
}

TEST(EthereumPersonalSign, RoundTripWithFreshKeys) {
  for (int i = 0; i < 8; ++i) {
    auto key = Secp256k1PrivateKey::generate();
    ASSERT_TRUE(key.ok());
    const std::string message = i == 0 ? "" : "cllm receipt " + std::to_string(i);
    auto sig = personal_sign(*key, as_bytes(message));
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE((*sig)[64] == 27 || (*sig)[64] == 28);
    auto addr = recover_personal_sign_address(as_bytes(message), *sig);
    ASSERT_TRUE(addr.ok()) << addr.error().message();
    EXPECT_EQ(*addr, eth_address(key->public_key()));
  }
}

TEST(EthereumPersonalSign, NegativeCases) {
  const Bytes sig = h(kSomeDataSignature);
  auto expect_error = [](const Result<EthAddress>& r, std::string_view needle) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kVerification);
    EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().message();
  };

  // Another message recovers another address: the caller's comparison catches it.
  auto other = recover_personal_sign_address(as_bytes("Some datb"), sig);
  if (other.ok()) {
    EXPECT_NE(eip55_checksum_address(*other), kDocAddress);
  }

  expect_error(recover_personal_sign_address(as_bytes("Some data"), ByteView(sig).first(64)),
               "must be 65 bytes");
  for (std::uint8_t v : {2, 26, 29, 35, 255}) {
    Bytes bad_v = sig;
    bad_v[64] = v;
    expect_error(recover_personal_sign_address(as_bytes("Some data"), bad_v),
                 "v must be 0, 1, 27 or 28");
  }

  // The high-s twin (r, n - s, flipped v) recovers the same key mathematically, but is
  // refused (see ethereum.hpp).
  const Bytes n = h("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
  Bytes high = sig;
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    const auto idx = static_cast<std::size_t>(i);
    int d = n[idx] - sig[32 + idx] - borrow;
    borrow = d < 0 ? 1 : 0;
    high[32 + idx] = static_cast<std::uint8_t>(d + (borrow ? 256 : 0));
  }
  high[64] = high[64] == 27 ? 28 : 27;
  expect_error(recover_personal_sign_address(as_bytes("Some data"), high), "high s");
}

}  // namespace
}  // namespace cllm::crypto
