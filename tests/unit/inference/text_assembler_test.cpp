#include "cllm/inference/text_assembler.hpp"

#include <gtest/gtest.h>

namespace cllm::inference {
namespace {

std::string feed(TextAssembler& a, std::initializer_list<std::string_view> pieces,
                 std::vector<std::string>* deltas = nullptr) {
  std::string out;
  for (auto p : pieces) {
    std::string d = a.push(p);
    if (deltas != nullptr && !d.empty()) deltas->push_back(d);
    out += d;
  }
  std::string tail = a.finish();
  if (deltas != nullptr && !tail.empty()) deltas->push_back(tail);
  return out + tail;
}

TEST(TextAssembler, PassesTextThroughWithoutStops) {
  TextAssembler a({});
  EXPECT_EQ(feed(a, {"Once", " upon", " a time"}), "Once upon a time");
  EXPECT_EQ(a.text(), "Once upon a time");
}

TEST(TextAssembler, HoldsBackSplitUtf8UntilComplete) {
  TextAssembler a({});
  std::vector<std::string> deltas;
  // "€" is E2 82 AC, split across three tokens (byte-fallback tokens do this).
  feed(a,
       {"a\xe2", "\x82",
        "\xac"
        "b"},
       &deltas);
  ASSERT_EQ(deltas.size(), 2u);
  EXPECT_EQ(deltas[0], "a");
  EXPECT_EQ(deltas[1],
            "\xe2\x82\xac"
            "b");
}

TEST(TextAssembler, CutsAtStopStringSpanningPieces) {
  TextAssembler a({"END"});
  std::vector<std::string> deltas;
  std::string out = feed(a, {"hello E", "N", "D and more"}, &deltas);
  EXPECT_EQ(out, "hello ");
  EXPECT_TRUE(a.stopped());
  for (const auto& d : deltas)
    EXPECT_EQ(d.find('E'), std::string::npos) << d;
}

TEST(TextAssembler, ReleasesHeldPrefixWhenStopDoesNotComplete) {
  TextAssembler a({"END"});
  EXPECT_EQ(feed(a, {"x E", "Nx"}), "x ENx");
  EXPECT_FALSE(a.stopped());
}

TEST(TextAssembler, EarliestOfSeveralStopsWins) {
  TextAssembler a({"two", "one"});
  EXPECT_EQ(feed(a, {"zero one two"}), "zero ");
}

TEST(TextAssembler, InvalidBytesBecomeReplacementCharacter) {
  TextAssembler a({});
  EXPECT_EQ(feed(a, {"a\xff", "b\xe2\x82"}),
            "a\xef\xbf\xbd"
            "b\xef\xbf\xbd");
}

// Found by text_assembler_fuzz: stops are matched on the text the client sees.
TEST(TextAssembler, StopMatchesReplacementCharacterOfInvalidBytes) {
  TextAssembler a({"\xef\xbf\xbd"});
  EXPECT_EQ(feed(a, {"ok", "\xff", "more"}), "ok");
  EXPECT_TRUE(a.stopped());
}

// Found by text_assembler_fuzz: a raw-byte stop must not cut a character in two.
TEST(TextAssembler, StopNeverMatchesInsideACharacter) {
  TextAssembler a({std::string("\xbd\0", 2)});
  std::string out = feed(a, {"\xef\xbf\xbd", std::string_view("\0", 1)});
  EXPECT_EQ(out, std::string("\xef\xbf\xbd\0", 4));
  EXPECT_FALSE(a.stopped());
}

}  // namespace
}  // namespace cllm::inference
