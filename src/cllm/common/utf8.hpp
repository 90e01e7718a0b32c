// UTF-8 checks for text that crosses a trust or API boundary (prompts, model output).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cllm {

bool is_valid_utf8(std::string_view text);

// Length of the longest prefix that does not end inside an incomplete (but so far valid)
// multi-byte sequence. Invalid bytes count as complete: they cannot become valid later.
std::size_t utf8_complete_prefix(std::string_view text);

// Replaces each maximal invalid subsequence with U+FFFD.
std::string sanitize_utf8(std::string_view text);

}  // namespace cllm
