#include "cllm/common/base64.hpp"

#include <gtest/gtest.h>

namespace cllm {
namespace {

// RFC 4648 §10 test vectors.
TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(as_bytes(plain)), encoded);
    auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded;
    EXPECT_EQ(to_string(*decoded), plain);
  }
}

TEST(Base64, UrlAlphabetUnpadded) {
  Bytes b{0xfb, 0xff, 0xbf};
  EXPECT_EQ(base64_encode(b), "+/+/");
  EXPECT_EQ(base64url_encode(b), "-_-_");
  EXPECT_EQ(base64url_encode(as_bytes("f")), "Zg");
  EXPECT_EQ(to_string(*base64url_decode("Zg")), "f");
  EXPECT_EQ(to_string(*base64url_decode("Zg==")), "f");
}

TEST(Base64, RejectsMalformedInput) {
  EXPECT_FALSE(base64_decode("Zg=").ok());      // bad length
  EXPECT_FALSE(base64_decode("Z===").ok());     // too much padding
  EXPECT_FALSE(base64_decode("Zh==").ok());     // non-zero trailing bits
  EXPECT_FALSE(base64_decode("Zm9v\n").ok());   // whitespace
  EXPECT_FALSE(base64_decode("Zm-v").ok());     // url alphabet in standard
  EXPECT_FALSE(base64url_decode("Zm+v").ok());  // standard alphabet in url
  EXPECT_FALSE(base64url_decode("Z").ok());     // impossible length
}

}  // namespace
}  // namespace cllm
