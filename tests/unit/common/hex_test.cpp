#include "cllm/common/hex.hpp"

#include <gtest/gtest.h>

namespace cllm {
namespace {

TEST(Hex, RoundTripsAllByteValues) {
  Bytes all;
  for (int i = 0; i < 256; ++i)
    all.push_back(static_cast<std::uint8_t>(i));
  std::string text = to_hex(all);
  EXPECT_EQ(text.substr(0, 8), "00010203");
  EXPECT_EQ(text.substr(text.size() - 4), "feff");
  auto back = from_hex(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, all);
}

TEST(Hex, AcceptsUpperCaseAndOptional0x) {
  EXPECT_EQ(*from_hex("DEADbeef"), (Bytes{0xde, 0xad, 0xbe, 0xef}));
  EXPECT_EQ(*from_hex("0xff", /*allow_0x=*/true), (Bytes{0xff}));
  EXPECT_FALSE(from_hex("0xff").ok());
}

TEST(Hex, RejectsOddLengthAndBadDigitsNamingThePosition) {
  auto odd = from_hex("abc");
  ASSERT_FALSE(odd.ok());
  EXPECT_NE(odd.error().message().find("odd"), std::string::npos);
  auto bad = from_hex("00g0");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kParse);
  EXPECT_NE(bad.error().message().find("position 2"), std::string::npos);
}

}  // namespace
}  // namespace cllm
