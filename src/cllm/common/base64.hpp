// Base64 (RFC 4648 §4, padded) and base64url (§5, unpadded, as in JWS/JWK).
#pragma once

#include <string>
#include <string_view>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"

namespace cllm {

std::string base64_encode(ByteView bytes);
// Strict: padding required, no whitespace, non-zero trailing bits rejected.
Result<Bytes> base64_decode(std::string_view text);

std::string base64url_encode(ByteView bytes);
// Accepts the unpadded form (and tolerates correct padding).
Result<Bytes> base64url_decode(std::string_view text);

}  // namespace cllm
