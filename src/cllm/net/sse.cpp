#include "cllm/net/sse.hpp"

namespace cllm::net {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Calls fn(line) for each line of text split on "\r\n", "\n" or "\r". A trailing
// terminator ends with an empty line ("a\n" is "a" and ""), so that data ending in a line
// break keeps it through format and parse; empty text is one empty line.
template <class Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  std::size_t start = 0;
  while (true) {
    const auto end = text.find_first_of("\r\n", start);
    if (end == std::string_view::npos) {
      fn(text.substr(start));
      return;
    }
    fn(text.substr(start, end - start));
    std::size_t next = end + 1;
    if (text[end] == '\r' && next < text.size() && text[next] == '\n') ++next;
    start = next;
  }
}

std::string strip_line_breaks(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c != '\r' && c != '\n') out.push_back(c);
  }
  return out;
}

}  // namespace

std::string format_sse_event(const SseEvent& event) {
  std::string out;
  out.reserve(event.data.size() + 32);
  if (!event.event.empty()) out += "event: " + strip_line_breaks(event.event) + "\n";
  if (!event.id.empty() && event.id.find('\0') == std::string::npos) {
    out += "id: " + strip_line_breaks(event.id) + "\n";
  }
  if (event.retry && *event.retry >= 0) out += "retry: " + std::to_string(*event.retry) + "\n";
  for_each_line(event.data, [&](std::string_view line) {
    out += "data: ";
    out += line;
    out += '\n';
  });
  out += '\n';
  return out;
}

std::string format_sse_data(std::string_view data) {
  SseEvent event;
  event.data = std::string(data);
  return format_sse_event(event);
}

std::string format_sse_comment(std::string_view text) {
  return ": " + strip_line_breaks(text) + "\n";
}

Result<std::vector<SseEvent>> SseParser::feed(std::string_view chunk) {
  if (failed_) return make_error(ErrorCode::kInvalidArgument, "sse: parser failed earlier");
  std::vector<SseEvent> events;
  if (!started_) {
    // The BOM may itself arrive split; wait until we can tell.
    line_.append(chunk);
    if (line_.size() < kBom.size() && kBom.substr(0, line_.size()) == line_) return events;
    started_ = true;
    std::string pending = std::move(line_);
    line_.clear();
    std::string_view rest = pending;
    if (rest.substr(0, kBom.size()) == kBom) rest.remove_prefix(kBom.size());
    return feed(rest);
  }
  std::size_t pos = 0;
  if (skip_lf_ && !chunk.empty()) {
    if (chunk.front() == '\n') pos = 1;
    skip_lf_ = false;
  }
  while (pos < chunk.size()) {
    const auto end = chunk.find_first_of("\r\n", pos);
    const auto piece = chunk.substr(pos, end == std::string_view::npos ? chunk.npos : end - pos);
    if (line_.size() + piece.size() > limits_.max_line_bytes) {
      failed_ = true;
      return make_error(ErrorCode::kLimit, "sse: line longer than " +
                                               std::to_string(limits_.max_line_bytes) + " bytes");
    }
    line_.append(piece);
    if (end == std::string_view::npos) break;
    auto status = process_line(line_, events);
    line_.clear();
    if (!status) {
      failed_ = true;
      return std::move(status).error();
    }
    pos = end + 1;
    if (chunk[end] == '\r') {
      if (pos < chunk.size()) {
        if (chunk[pos] == '\n') ++pos;
      } else {
        skip_lf_ = true;
      }
    }
  }
  return events;
}

Status SseParser::process_line(std::string_view line, std::vector<SseEvent>& out) {
  if (line.empty()) {  // dispatch
    if (has_data_) {
      SseEvent event;
      event.event = std::move(event_type_);
      event.data = std::move(data_);
      event.id = last_event_id_;
      event.retry = pending_retry_;
      out.push_back(std::move(event));
    }
    event_type_.clear();
    data_.clear();
    has_data_ = false;
    pending_retry_.reset();
    return ok_status();
  }
  if (line.front() == ':') return ok_status();  // comment
  const auto colon = line.find(':');
  const auto field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    const std::size_t added = value.size() + (has_data_ ? 1 : 0);
    if (data_.size() + added > limits_.max_event_data_bytes) {
      return make_error(
          ErrorCode::kLimit,
          "sse: event data larger than " + std::to_string(limits_.max_event_data_bytes) + " bytes");
    }
    if (has_data_) data_.push_back('\n');
    data_.append(value);
    has_data_ = true;
  } else if (field == "event") {
    event_type_ = std::string(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_event_id_ = std::string(value);
  } else if (field == "retry") {
    // Only ASCII digits; otherwise ignored, as the spec says. Bounded to avoid overflow.
    if (!value.empty() && value.size() <= 15 &&
        value.find_first_not_of("0123456789") == std::string_view::npos) {
      pending_retry_ = std::stoll(std::string(value));
      retry_ = pending_retry_;
    }
  }
  // Unknown fields are ignored.
  return ok_status();
}

}  // namespace cllm::net
