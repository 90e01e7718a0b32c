#include "cllm/common/byte_reader.hpp"

#include <gtest/gtest.h>

namespace cllm {
namespace {

TEST(ByteReader, ReadsLittleAndBigEndian) {
  Bytes data{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
             0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11};
  ByteReader r(data);
  EXPECT_EQ(*r.u8("a"), 0x01);
  EXPECT_EQ(*r.u16le("b"), 0x0302);
  EXPECT_EQ(*r.u32le("c"), 0x07060504u);
  EXPECT_EQ(*r.u64le("d"), 0x0f0e0d0c0b0a0908ull);
  EXPECT_EQ(*r.u16be("e"), 0x1011);
  EXPECT_TRUE(r.at_end());
}

TEST(ByteReader, TruncationNamesFieldAndOffset) {
  Bytes data{1, 2, 3};
  ByteReader r(data);
  ASSERT_TRUE(r.skip(2, "header").ok());
  auto v = r.u32le("version");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code(), ErrorCode::kParse);
  EXPECT_NE(v.error().message().find("'version' at offset 2"), std::string::npos);
  EXPECT_EQ(r.offset(), 2u);  // a failed read consumes nothing
}

TEST(ByteReader, BytesIsAViewIntoTheInput) {
  Bytes data{9, 8, 7};
  ByteReader r(data);
  auto v = r.bytes(3, "all");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->data(), data.data());
  EXPECT_FALSE(r.bytes(static_cast<std::size_t>(-1), "huge").ok());
}

}  // namespace
}  // namespace cllm
