#include "cllm/common/printable.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cllm {
namespace {

TEST(PrintableAscii, KeepsPrintableTextAsIs) {
  EXPECT_EQ(printable_ascii("gpu0.attestation-report-nonce-match: ok"),
            "gpu0.attestation-report-nonce-match: ok");
}

TEST(PrintableAscii, NeutralisesLineBreaksEscapesAndNonAscii) {
  // What a hostile node would put in a JSON key to forge a verifier's VERDICT line.
  const std::string forged = "x\n  pass  quote\nVERDICT: ACCEPTED\x1b[8m\xc3\xa9";
  const std::string shown = printable_ascii(forged);
  EXPECT_EQ(shown.find('\n'), std::string::npos);
  EXPECT_EQ(shown.find('\x1b'), std::string::npos);
  EXPECT_EQ(shown, "x?  pass  quote?VERDICT: ACCEPTED?[8m??");
}

TEST(PrintableAscii, BoundsTheLength) {
  EXPECT_EQ(printable_ascii(std::string(10, 'a'), 4), "aaaa...");
  EXPECT_EQ(printable_ascii(std::string(4, 'a'), 4), "aaaa");
  EXPECT_EQ(printable_ascii("", 4), "");
}

}  // namespace
}  // namespace cllm
