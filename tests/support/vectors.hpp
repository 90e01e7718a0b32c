// Helpers for typing published test vectors into tests.
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "cllm/common/bytes.hpp"
#include "cllm/common/hex.hpp"

namespace cllm::test {

// Decodes a hex test vector; a typo in the vector fails the test instead of passing silently.
inline Bytes unhex(std::string_view text) {
  auto bytes = from_hex(text);
  EXPECT_TRUE(bytes.ok()) << "bad hex in test vector: " << text.substr(0, 32);
  return bytes.ok() ? *bytes : Bytes{};
}

}  // namespace cllm::test
