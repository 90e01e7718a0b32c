// SHA-2 against the FIPS 180-4 example values (NIST "Cryptographic Standards and Guidelines:
// Examples with Intermediate Values", SHA256.pdf / SHA384.pdf / SHA512.pdf) and the long
// message of NIST's SHA test suite (one million 'a').
#include "cllm/crypto/hash.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>

#include <string>
#include <string_view>

#include "cllm/common/hex.hpp"
#include "cllm/crypto/evp_ptr.hpp"

namespace cllm::crypto {
namespace {

constexpr std::string_view kAbc = "abc";
constexpr std::string_view kMsg448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
constexpr std::string_view kMsg896 =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmno"
    "pqrsmnopqrstnopqrstu";

struct Vector {
  HashAlgorithm algorithm;
  std::string_view message;
  std::string_view digest_hex;
};

// FIPS 180-4 examples: one-block "abc", empty, the two-block 448-bit message (SHA-256's
// multi-block example) and the 896-bit message (SHA-384/512's multi-block example).
constexpr Vector kVectors[] = {
    {HashAlgorithm::kSha256, kAbc,
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {HashAlgorithm::kSha256, "",
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {HashAlgorithm::kSha256, kMsg448,
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {HashAlgorithm::kSha256, kMsg896,
     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    {HashAlgorithm::kSha384, kAbc,
     "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c8"
     "25a7"},
    {HashAlgorithm::kSha384, "",
     "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898"
     "b95b"},
    {HashAlgorithm::kSha384, kMsg896,
     "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa9174"
     "6039"},
    {HashAlgorithm::kSha512, kAbc,
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3fe"
     "ebbd454d4423643ce80e2a9ac94fa54ca49f"},
    {HashAlgorithm::kSha512, "",
     "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877e"
     "ec2f63b931bd47417a81a538327af927da3e"},
    {HashAlgorithm::kSha512, kMsg896,
     "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5"
     "433ac7d329eeb6dd26545e96e55b874be909"},
};

TEST(HashTest, OneShotMatchesFips1804Examples) {
  for (const Vector& v : kVectors) {
    SCOPED_TRACE(std::string(to_string(v.algorithm)) + " of \"" + std::string(v.message) + "\"");
    auto digest = hash(v.algorithm, as_bytes(v.message));
    ASSERT_TRUE(digest.ok()) << digest.error().message();
    EXPECT_EQ(to_hex(*digest), v.digest_hex);
    EXPECT_EQ(digest->size(), digest_size(v.algorithm));
  }
}

TEST(HashTest, NamedShortcuts) {
  EXPECT_EQ(to_hex(sha256(as_bytes(kAbc)).value()), kVectors[0].digest_hex);
  EXPECT_EQ(to_hex(sha384(as_bytes(kAbc)).value()), kVectors[4].digest_hex);
  EXPECT_EQ(to_hex(sha512(as_bytes(kAbc)).value()), kVectors[7].digest_hex);
}

// FIPS 180-4 / NIST SHAVS long message: one million repetitions of 'a'.
TEST(HashTest, OneMillionAIncremental) {
  const std::string chunk(1000, 'a');
  struct {
    HashAlgorithm algorithm;
    std::string_view digest_hex;
  } cases[] = {
      {HashAlgorithm::kSha256, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
      {HashAlgorithm::kSha512,
       "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce5"
       "77c31beb009c5c2c49aa2e4eadb217ad8cc09b"},
  };
  for (const auto& c : cases) {
    auto hasher = Hasher::create(c.algorithm);
    ASSERT_TRUE(hasher.ok()) << hasher.error().message();
    for (int i = 0; i < 1000; ++i)
      ASSERT_TRUE(hasher->update(as_bytes(chunk)).ok());
    auto digest = hasher->finish();
    ASSERT_TRUE(digest.ok()) << digest.error().message();
    EXPECT_EQ(to_hex(*digest), c.digest_hex);
  }
}

TEST(HashTest, IncrementalEqualsOneShotAtEverySplit) {
  for (HashAlgorithm algorithm :
       {HashAlgorithm::kSha256, HashAlgorithm::kSha384, HashAlgorithm::kSha512}) {
    const ByteView message = as_bytes(kMsg896);
    const Bytes expected = hash(algorithm, message).value();
    auto hasher = Hasher::create(algorithm);
    ASSERT_TRUE(hasher.ok());
    for (std::size_t split = 0; split <= message.size(); ++split) {
      ASSERT_TRUE(hasher->update(message.first(split)).ok());
      ASSERT_TRUE(hasher->update(message.subspan(split)).ok());
      auto digest = hasher->finish();  // also resets, so the next split starts clean
      ASSERT_TRUE(digest.ok());
      EXPECT_EQ(*digest, expected) << "split at " << split;
    }
  }
}

TEST(HashTest, FinishResetsForANewMessage) {
  auto hasher = Hasher::create(HashAlgorithm::kSha256);
  ASSERT_TRUE(hasher.ok());
  ASSERT_TRUE(hasher->update(as_bytes("something else")).ok());
  ASSERT_TRUE(hasher->finish().ok());
  // With no update after finish(), the next digest is of the empty message.
  EXPECT_EQ(to_hex(hasher->finish().value()), kVectors[1].digest_hex);
  ASSERT_TRUE(hasher->update(as_bytes(kAbc)).ok());
  EXPECT_EQ(to_hex(hasher->finish().value()), kVectors[0].digest_hex);
}

TEST(HashTest, HasherIsMovable) {
  auto created = Hasher::create(HashAlgorithm::kSha384);
  ASSERT_TRUE(created.ok());
  Hasher hasher = std::move(created).value();
  ASSERT_TRUE(hasher.update(as_bytes(kAbc)).ok());
  Hasher moved = std::move(hasher);
  EXPECT_EQ(moved.algorithm(), HashAlgorithm::kSha384);
  EXPECT_EQ(to_hex(moved.finish().value()), kVectors[4].digest_hex);
}

TEST(HashTest, NamesAndSizes) {
  EXPECT_EQ(to_string(HashAlgorithm::kSha256), "sha256");
  EXPECT_EQ(to_string(HashAlgorithm::kSha384), "sha384");
  EXPECT_EQ(to_string(HashAlgorithm::kSha512), "sha512");
  EXPECT_EQ(digest_size(HashAlgorithm::kSha256), 32u);
  EXPECT_EQ(digest_size(HashAlgorithm::kSha384), 48u);
  EXPECT_EQ(digest_size(HashAlgorithm::kSha512), 64u);
}

// openssl_error (declared in evp_ptr.hpp) has no test file of its own; it is tested here.
TEST(HashOpensslErrorTest, DrainsTheQueueIntoTheMessage) {
  ERR_clear_error();
  // A failing fetch leaves reasons on this thread's error queue.
  EXPECT_EQ(EVP_MD_fetch(nullptr, "no-such-digest", nullptr), nullptr);
  ASSERT_NE(ERR_peek_error(), 0u);
  const Error error = openssl_error("hash: test");
  EXPECT_EQ(error.code(), ErrorCode::kCrypto);
  EXPECT_EQ(error.message().rfind("hash: test: ", 0), 0u) << error.message();
  EXPECT_EQ(ERR_peek_error(), 0u) << "the queue must be left empty";

  // With an empty queue the message is just the caller's text.
  EXPECT_EQ(openssl_error("nothing queued").message(), "nothing queued");
}

}  // namespace
}  // namespace cllm::crypto
