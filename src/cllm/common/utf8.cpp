#include "cllm/common/utf8.hpp"

#include <cstdint>

namespace cllm {

namespace {

// Length of the valid sequence at text[i], 0 if invalid, -1 if valid so far but truncated.
int sequence_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[k]); };
  std::uint8_t b0 = byte(i);
  if (b0 < 0x80) return 1;
  int len;
  std::uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  for (int k = 1; k < len; ++k) {
    if (i + k >= text.size()) return -1;
    std::uint8_t b = byte(i + k);
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return 0;
  }
  return len;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    int n = sequence_length(text, i);
    if (n <= 0) return false;
    i += static_cast<std::size_t>(n);
  }
  return true;
}

std::size_t utf8_complete_prefix(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    int n = sequence_length(text, i);
    if (n < 0) return i;
    i += n == 0 ? 1 : static_cast<std::size_t>(n);
  }
  return text.size();
}

std::string sanitize_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_invalid = false;
  for (std::size_t i = 0; i < text.size();) {
    int n = sequence_length(text, i);
    if (n > 0) {
      out.append(text.substr(i, static_cast<std::size_t>(n)));
      i += static_cast<std::size_t>(n);
      in_invalid = false;
    } else {
      if (!in_invalid) out.append("\xEF\xBF\xBD");
      in_invalid = true;
      i += 1;
    }
  }
  return out;
}

}  // namespace cllm
