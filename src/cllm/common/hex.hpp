// Hexadecimal encoding (lower case out; either case in).
#pragma once

#include <string>
#include <string_view>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"

namespace cllm {

std::string to_hex(ByteView bytes);
// Strict: even length, hex digits only. A leading "0x" is accepted only when allow_0x is set.
Result<Bytes> from_hex(std::string_view text, bool allow_0x = false);

}  // namespace cllm
