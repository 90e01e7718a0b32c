// Server-Sent Events (WHATWG HTML §9.2): formatting events for a text/event-stream response,
// and an incremental parser for reading one. The parser takes the stream in arbitrary chunks
// (a CR/LF pair, a field name or a UTF-8 sequence may be split across chunks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cllm/common/result.hpp"

namespace cllm::net {

struct SseEvent {
  std::string event;                  // "event:" field; empty means the default type "message"
  std::string data;                   // "data:" lines joined with '\n'
  std::string id;                     // "id:" field, or the last id seen on the stream (parser)
  std::optional<std::int64_t> retry;  // "retry:" in milliseconds, when present and valid
};

// The wire form of one event, ending with the blank line that dispatches it. Multi-line data
// (split on "\r\n", "\n" or "\r") becomes one "data:" line each. CR and LF in event and id
// would break the framing, so they are removed; an id containing NUL is dropped (readers
// ignore such ids).
std::string format_sse_event(const SseEvent& event);
// Shorthand for an event with only data.
std::string format_sse_data(std::string_view data);
// A comment line (": text\n\n"-less form ": text\n"), used as a keep-alive.
std::string format_sse_comment(std::string_view text);

struct SseParserLimits {
  std::size_t max_line_bytes = 1024 * 1024;            // one line, without its terminator
  std::size_t max_event_data_bytes = 8 * 1024 * 1024;  // data of one event
};

class SseParser {
 public:
  explicit SseParser(SseParserLimits limits = {}) : limits_(limits) {}

  // Consumes the next chunk of the stream and returns the events it completed (possibly none).
  // A chunk that pushes a line or an event over the limits fails with kLimit, and the parser
  // then refuses further input.
  Result<std::vector<SseEvent>> feed(std::string_view chunk);
  // The last event id (persists across events, as the spec's "last event ID buffer").
  const std::string& last_event_id() const { return last_event_id_; }
  // The retry value most recently announced by the stream, if any.
  std::optional<std::int64_t> retry() const { return retry_; }

 private:
  Status process_line(std::string_view line, std::vector<SseEvent>& out);

  SseParserLimits limits_;
  std::string line_;      // the current, unterminated line
  bool skip_lf_ = false;  // the previous chunk ended in CR: a leading LF belongs to it
  bool started_ = false;  // whether the BOM check has been done
  bool failed_ = false;
  std::string event_type_;
  std::string data_;
  bool has_data_ = false;
  std::string last_event_id_;
  std::optional<std::int64_t> retry_;
  std::optional<std::int64_t> pending_retry_;
};

}  // namespace cllm::net
