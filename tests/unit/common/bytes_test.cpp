#include "cllm/common/bytes.hpp"

#include <gtest/gtest.h>

namespace cllm {
namespace {

TEST(Bytes, ConstantTimeEqualComparesContentAndLength) {
  Bytes a{1, 2, 3}, b{1, 2, 3}, c{1, 2, 4}, d{1, 2};
  EXPECT_TRUE(constant_time_equal(a, b));
  EXPECT_FALSE(constant_time_equal(a, c));
  EXPECT_FALSE(constant_time_equal(a, d));
  EXPECT_TRUE(constant_time_equal(Bytes{}, Bytes{}));
}

TEST(Bytes, ConcatJoinsInOrder) {
  Bytes a{1}, b{2, 3};
  EXPECT_EQ(concat({a, as_bytes("x"), b}), (Bytes{1, 'x', 2, 3}));
}

TEST(SecretBytes, CopiesMovesAndEmptiesOnMove) {
  SecretBytes s(as_bytes("key material"));
  SecretBytes copy = s;
  EXPECT_EQ(to_string(copy.view()), "key material");
  SecretBytes moved = std::move(s);
  EXPECT_EQ(moved.size(), 12u);
  EXPECT_TRUE(s.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is defined
  copy = SecretBytes(as_bytes("other"));
  EXPECT_EQ(to_string(copy.view()), "other");
}

}  // namespace
}  // namespace cllm
