#include "cllm/common/result.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace cllm {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return make_error(ErrorCode::kInvalidArgument, "value must be positive");
  return v;
}

Result<int> doubled(int v) {
  CLLM_ASSIGN_OR_RETURN(int x, parse_positive(v));
  return 2 * x;
}

Status check(int v) {
  CLLM_TRY(parse_positive(v));
  return ok_status();
}

TEST(Result, PropagatesValuesAndErrors) {
  EXPECT_EQ(*doubled(4), 8);
  auto bad = doubled(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(check(1).ok());
  EXPECT_FALSE(check(0).ok());
}

TEST(Result, ContextPrefixesTheMessage) {
  Error e = make_error(ErrorCode::kParse, "bad byte").context("quote header");
  EXPECT_EQ(e.message(), "quote header: bad byte");
  EXPECT_EQ(to_string(e.code()), "parse");
}

TEST(Result, HoldsMoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

}  // namespace
}  // namespace cllm
