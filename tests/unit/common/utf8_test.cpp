#include "cllm/common/utf8.hpp"

#include <gtest/gtest.h>

namespace cllm {
namespace {

TEST(Utf8, ValidatesPerRfc3629) {
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"));  // é € 😀
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));                                   // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));                               // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));                           // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));                                   // truncated
  EXPECT_FALSE(is_valid_utf8("\x80"));                                       // lone continuation
}

TEST(Utf8, CompletePrefixHoldsBackOnlyIncompleteTails) {
  EXPECT_EQ(utf8_complete_prefix("ab\xe2\x82"), 2u);
  EXPECT_EQ(utf8_complete_prefix("ab\xe2\x82\xac"), 5u);
  EXPECT_EQ(utf8_complete_prefix("ab\xff"), 3u);  // invalid: never completes
  EXPECT_EQ(utf8_complete_prefix("\xf0\x9f\x98"), 0u);
}

TEST(Utf8, SanitizeReplacesInvalidRuns) {
  EXPECT_EQ(sanitize_utf8("a\xff\xfe"
                          "b"),
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(sanitize_utf8("ok \xe2\x82\xac"), "ok \xe2\x82\xac");
  EXPECT_EQ(sanitize_utf8("x\xe2\x82"), "x\xef\xbf\xbd");
}

}  // namespace
}  // namespace cllm
