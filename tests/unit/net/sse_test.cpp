#include "cllm/net/sse.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cllm::net {
namespace {

std::vector<SseEvent> feed_all(SseParser& parser, const std::vector<std::string>& chunks) {
  std::vector<SseEvent> out;
  for (const auto& chunk : chunks) {
    auto events = parser.feed(chunk);
    EXPECT_TRUE(events.ok()) << events.error().message();
    if (!events) break;
    for (auto& e : *events)
      out.push_back(std::move(e));
  }
  return out;
}

TEST(FormatSse, DataLinesAndFields) {
  SseEvent e;
  e.event = "update";
  e.id = "42";
  e.retry = 1500;
  e.data = "line1\nline2\r\nline3";
  EXPECT_EQ(format_sse_event(e),
            "event: update\nid: 42\nretry: 1500\ndata: line1\ndata: line2\ndata: line3\n\n");
  EXPECT_EQ(format_sse_data("{\"a\":1}"), "data: {\"a\":1}\n\n");
  EXPECT_EQ(format_sse_data(""), "data: \n\n");
  EXPECT_EQ(format_sse_data("a\n"), "data: a\ndata: \n\n");
  EXPECT_EQ(format_sse_comment("keep\nalive"), ": keepalive\n");
}

TEST(FormatSse, StripsLineBreaksFromEventAndId) {
  SseEvent e;
  e.event = "a\r\nb";
  e.id = "x\ny";
  e.data = "d";
  EXPECT_EQ(format_sse_event(e), "event: ab\nid: xy\ndata: d\n\n");
}

TEST(SseParser, ParsesEventsCommentsAndFields) {
  SseParser parser;
  auto events = feed_all(parser, {": comment\n"
                                  "event: delta\n"
                                  "id: 7\n"
                                  "retry: 2000\n"
                                  "data: first\n"
                                  "data:second\n"
                                  "unknown: x\n"
                                  "\n"
                                  "data: [DONE]\n\n"});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event, "delta");
  EXPECT_EQ(events[0].data, "first\nsecond");
  EXPECT_EQ(events[0].id, "7");
  EXPECT_EQ(events[0].retry, 2000);
  EXPECT_EQ(events[1].event, "");
  EXPECT_EQ(events[1].data, "[DONE]");
  EXPECT_EQ(events[1].id, "7");  // the last event id persists
  EXPECT_EQ(parser.last_event_id(), "7");
  EXPECT_EQ(parser.retry(), 2000);
}

TEST(SseParser, LineEndingsCrLfAndCr) {
  SseParser parser;
  auto events = feed_all(parser, {"data: a\r\n\r\ndata: b\r\rdata: c\n\n"});
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].data, "a");
  EXPECT_EQ(events[1].data, "b");
  EXPECT_EQ(events[2].data, "c");
}

TEST(SseParser, EventWithoutDataIsNotDispatched) {
  SseParser parser;
  auto events = feed_all(parser, {"event: x\n\nid: 3\n\ndata\n\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "");  // "data" with no colon: an empty data line
  EXPECT_EQ(events[0].event, "");
  EXPECT_EQ(events[0].id, "3");
}

TEST(SseParser, IncompleteEventIsHeldBack) {
  SseParser parser;
  EXPECT_TRUE(feed_all(parser, {"data: partial\n"}).empty());
  auto events = feed_all(parser, {"\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "partial");
}

// Every split of the stream into two and into single bytes gives the same events.
TEST(SseParser, SplitChunksGiveTheSameEvents) {
  const std::string stream =
      "\xEF\xBB\xBF: hi\r\nevent: e1\r\ndata: x\xC3\xA9y\r\ndata: 2\r\n\r\nid: 9\rdata: z\r\r";
  SseParser whole_parser;
  const auto whole = feed_all(whole_parser, {stream});
  ASSERT_EQ(whole.size(), 2u);
  EXPECT_EQ(whole[0].event, "e1");
  EXPECT_EQ(whole[0].data, "x\xC3\xA9y\n2");
  EXPECT_EQ(whole[1].data, "z");
  EXPECT_EQ(whole[1].id, "9");
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    SseParser parser;
    const auto events = feed_all(parser, {stream.substr(0, cut), stream.substr(cut)});
    ASSERT_EQ(events.size(), whole.size()) << "cut at " << cut;
    for (std::size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(events[i].data, whole[i].data) << "cut at " << cut;
      EXPECT_EQ(events[i].event, whole[i].event) << "cut at " << cut;
      EXPECT_EQ(events[i].id, whole[i].id) << "cut at " << cut;
    }
  }
  SseParser bytewise;
  std::vector<std::string> bytes;
  for (const char c : stream)
    bytes.emplace_back(1, c);
  const auto events = feed_all(bytewise, bytes);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, whole[0].data);
}

TEST(SseParser, CrLfSplitAcrossChunksIsOneLineBreak) {
  SseParser parser;
  auto events = feed_all(parser, {"data: a\r", "\n", "\r", "\ndata: b\n\n"});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "a");
  EXPECT_EQ(events[1].data, "b");
}

TEST(SseParser, InvalidRetryAndNulIdAreIgnored) {
  SseParser parser;
  auto events = feed_all(
      parser, {"retry: 12a\nid: ok\ndata: 1\n\nid: a", std::string(1, '\0'), "b\ndata: 2\n\n"});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_FALSE(events[0].retry.has_value());
  EXPECT_EQ(events[1].id, "ok");
}

TEST(SseParser, RoundTripsFormattedEvents) {
  SseEvent e;
  e.event = "chunk";
  e.id = "abc";
  e.data = "{\"choices\":[]}\nsecond line\n";
  SseParser parser;
  auto events = feed_all(parser, {format_sse_event(e) + format_sse_comment("ping")});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, e.event);
  EXPECT_EQ(events[0].id, e.id);
  EXPECT_EQ(events[0].data, e.data);
}

TEST(SseParser, LimitsAreEnforced) {
  SseParser lines(SseParserLimits{.max_line_bytes = 8, .max_event_data_bytes = 100});
  auto too_long = lines.feed("data: 123456789");
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code(), ErrorCode::kLimit);
  EXPECT_FALSE(lines.feed("\n").ok());  // refuses input after a failure

  SseParser data(SseParserLimits{.max_line_bytes = 100, .max_event_data_bytes = 10});
  auto big = data.feed("data: 123456\ndata: 123456\n");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code(), ErrorCode::kLimit);
}

}  // namespace
}  // namespace cllm::net
