#include "cllm/crypto/private_key_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "cllm/common/file.hpp"
#include "support/temp_dir.hpp"

namespace cllm::crypto {
namespace {

TEST(PrivateKeyFile, RoundTripsKeysAndRejectsAWrongSize) {
  test::TempDir dir("cllm-keyfile");
  const std::string path = dir.path() + "/keys.bin";
  std::vector<EcdsaPrivateKey> keys;
  for (int i = 0; i < 3; ++i) {
    auto key = EcdsaPrivateKey::generate(EcCurve::kP384);
    ASSERT_TRUE(key.ok());
    keys.push_back(std::move(key).value());
  }
  ASSERT_TRUE(write_private_key_file(path, keys).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  EXPECT_EQ(st.st_size, 3 * 48);

  auto loaded = read_private_key_file(path, EcCurve::kP384, 3);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  ASSERT_EQ(loaded->size(), 3U);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ((*loaded)[i].public_key().to_sec1(), keys[i].public_key().to_sec1());

  auto wrong = read_private_key_file(path, EcCurve::kP384, 2);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message().find("keys.bin: expected 96 bytes"), std::string::npos);
  EXPECT_FALSE(read_private_key_file(dir.path() + "/missing", EcCurve::kP256, 1).ok());
}

}  // namespace
}  // namespace cllm::crypto
