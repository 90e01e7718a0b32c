#include "cllm/common/file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace cllm {
namespace {

TEST(File, WritesAtomicallyAndReadsBack) {
  auto dir =
      std::filesystem::temp_directory_path() / ("cllm_file_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "f.bin").string();
  ASSERT_TRUE(write_file_atomic(path, as_bytes("hello")).ok());
  EXPECT_EQ(*read_text_file(path), "hello");
  auto limited = read_file(path, 4);
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().code(), ErrorCode::kLimit);
  std::filesystem::remove_all(dir);
}

TEST(File, MissingFileNamesThePath) {
  auto r = read_file("/nonexistent/cllm/x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kIo);
  EXPECT_NE(r.error().message().find("/nonexistent/cllm/x"), std::string::npos);
}

}  // namespace
}  // namespace cllm
