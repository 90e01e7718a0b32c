// Secure random bytes. There are no vectors for randomness; these check sizes, that draws
// differ, and a coarse sanity bound that would catch a stuck or zero-filled generator.
#include "cllm/crypto/random.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>

namespace cllm::crypto {
namespace {

TEST(RandomTest, SizesAreExact) {
  for (std::size_t n : {0u, 1u, 12u, 32u, 1000u}) {
    auto pub = random_bytes(n);
    ASSERT_TRUE(pub.ok()) << pub.error().message();
    EXPECT_EQ(pub->size(), n);
    auto secret = random_secret(n);
    ASSERT_TRUE(secret.ok()) << secret.error().message();
    EXPECT_EQ(secret->size(), n);
  }
}

TEST(RandomTest, DrawsDiffer) {
  std::set<Bytes> seen;
  for (int i = 0; i < 64; ++i)
    seen.insert(random_bytes(16).value());
  EXPECT_EQ(seen.size(), 64u);

  const SecretBytes a = random_secret(32).value();
  const SecretBytes b = random_secret(32).value();
  EXPECT_FALSE(constant_time_equal(a.view(), b.view()));
}

TEST(RandomTest, FillsCallerBuffers) {
  std::array<std::uint8_t, 64> buf{};
  ASSERT_TRUE(fill_random(buf).ok());
  std::array<std::uint8_t, 64> priv{};
  ASSERT_TRUE(fill_random_private(priv).ok());
  // 64 zero bytes by chance has probability 2^-512.
  EXPECT_NE(buf, (std::array<std::uint8_t, 64>{}));
  EXPECT_NE(priv, (std::array<std::uint8_t, 64>{}));
}

TEST(RandomTest, ByteHistogramIsPlausible) {
  // 256 KiB: each byte value is expected 1024 times (sd ~32); [800, 1250] is a > 7-sigma band,
  // so a healthy generator essentially never fails while a stuck or biased one always does.
  const Bytes data = random_bytes(256 * 1024).value();
  std::array<int, 256> counts{};
  for (std::uint8_t b : data)
    ++counts[b];
  for (int value = 0; value < 256; ++value) {
    EXPECT_GT(counts[value], 800) << "byte " << value;
    EXPECT_LT(counts[value], 1250) << "byte " << value;
  }
}

}  // namespace
}  // namespace cllm::crypto
