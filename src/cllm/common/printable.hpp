// Text from outside (a server's JSON keys, an agent's error, a parser's message quoting its
// input) that goes into our error messages, logs or a verifier's terminal: printable ASCII
// only, so it cannot forge lines or send terminal escapes, and bounded.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cllm {

// Bytes outside 0x20..0x7E become '?'; more than max bytes are cut and "..." appended.
std::string printable_ascii(std::string_view text, std::size_t max = 160);

}  // namespace cllm
