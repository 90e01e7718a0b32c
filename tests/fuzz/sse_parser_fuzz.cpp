// The SSE parser reads event streams from upstream inference servers. Besides not crashing,
// it must give the same events however the stream is split into chunks, and formatting then
// parsing an event's data must give the data back.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cllm/net/sse.hpp"

namespace {

std::vector<cllm::net::SseEvent> parse_in_pieces(std::string_view text, std::size_t step) {
  cllm::net::SseParser parser(
      cllm::net::SseParserLimits{.max_line_bytes = 4096, .max_event_data_bytes = 8192});
  std::vector<cllm::net::SseEvent> out;
  for (std::size_t pos = 0; pos < text.size(); pos += step) {
    auto events = parser.feed(text.substr(pos, step));
    if (!events.ok()) return out;
    for (auto& e : *events)
      out.push_back(std::move(e));
  }
  return out;
}

bool same(const std::vector<cllm::net::SseEvent>& a, const std::vector<cllm::net::SseEvent>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].data != b[i].data || a[i].event != b[i].event || a[i].id != b[i].id ||
        a[i].retry != b[i].retry) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t step = 1 + data[0] % 7;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  // Limits make a split input fail at the same line or event as the whole one, except that a
  // failure stops both; compare only inputs that stay within them.
  if (text.size() < 4096) {
    const auto whole = parse_in_pieces(text, text.size() + 1);
    const auto split = parse_in_pieces(text, step);
    if (!same(whole, split)) std::abort();
  }
  cllm::net::SseEvent event;
  event.data = std::string(text);
  cllm::net::SseParser parser;
  auto events = parser.feed(cllm::net::format_sse_event(event));
  if (!events.ok() || events->size() != 1) std::abort();
  // Line breaks are normalized to '\n'; compare with the same normalization.
  std::string expected;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      expected.push_back('\n');
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      expected.push_back(text[i]);
    }
  }
  if ((*events)[0].data != expected) std::abort();
  return 0;
}
