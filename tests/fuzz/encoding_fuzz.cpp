// Hex and base64 decoders: never crash; whatever decodes re-encodes to an accepted form.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cllm/common/base64.hpp"
#include "cllm/common/hex.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto b = cllm::from_hex(text, true); b.ok()) {
    if (*cllm::from_hex(cllm::to_hex(*b)) != *b) std::abort();
  }
  if (auto b = cllm::base64_decode(text); b.ok()) {
    if (cllm::base64_encode(*b) != text) std::abort();  // strict decoding is canonical
  }
  if (auto b = cllm::base64url_decode(text); b.ok()) {
    if (*cllm::base64url_decode(cllm::base64url_encode(*b)) != *b) std::abort();
  }
  return 0;
}
