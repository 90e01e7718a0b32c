#include "cllm/inference/text_assembler.hpp"

#include <algorithm>

#include "cllm/common/utf8.hpp"

namespace cllm::inference {

namespace {
bool is_continuation_byte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// First occurrence of needle at or after from that starts on a character boundary (a stop
// string given as raw bytes must not cut a character in two).
std::size_t find_at_boundary(const std::string& text, const std::string& needle, std::size_t from) {
  for (std::size_t pos = text.find(needle, from); pos != std::string::npos;
       pos = text.find(needle, pos + 1)) {
    if (pos == text.size() || !is_continuation_byte(text[pos])) return pos;
  }
  return std::string::npos;
}
}  // namespace

TextAssembler::TextAssembler(std::vector<std::string> stop_strings) {
  for (auto& s : stop_strings) {
    if (!s.empty()) stops_.push_back(std::move(s));
  }
}

std::string TextAssembler::release(bool at_end) {
  // A stop string can only begin in text not yet emitted.
  std::size_t first_stop = std::string::npos;
  for (const auto& s : stops_)
    first_stop = std::min(first_stop, find_at_boundary(clean_, s, sent_));
  std::size_t end = clean_.size();
  if (first_stop != std::string::npos) {
    stopped_ = true;
    end = first_stop;
  } else if (!at_end) {
    // Hold back the longest tail that is a proper prefix of some stop string.
    std::size_t hold = 0;
    for (const auto& s : stops_) {
      std::size_t max_len = std::min(s.size() - 1, clean_.size() - sent_);
      for (std::size_t len = max_len; len > hold; --len) {
        if (clean_.compare(clean_.size() - len, len, s, 0, len) == 0) {
          hold = len;
          break;
        }
      }
    }
    end -= hold;
    while (end > sent_ && is_continuation_byte(clean_[end]))
      --end;  // whole characters only
  }
  std::string delta = clean_.substr(sent_, end - sent_);
  sent_ = end;
  return delta;
}

std::string TextAssembler::push(std::string_view piece) {
  if (stopped_) return {};
  raw_.append(piece);
  std::size_t complete = utf8_complete_prefix(raw_);
  clean_ += sanitize_utf8(std::string_view(raw_).substr(0, complete));
  raw_.erase(0, complete);
  return release(false);
}

std::string TextAssembler::finish() {
  if (stopped_) return {};
  clean_ += sanitize_utf8(raw_);  // an unfinished sequence at the very end becomes U+FFFD
  raw_.clear();
  return release(true);
}

}  // namespace cllm::inference
