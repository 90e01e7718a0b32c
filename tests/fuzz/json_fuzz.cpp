// The JSON reader used for every request body and collateral document.
#include <cstdint>
#include <string_view>

#include "cllm/common/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto j = cllm::parse_json(text);
  if (!j.ok()) return 0;
  (void)cllm::canonical_json(*j);
  (void)cllm::json_string(*j, "model");
  (void)cllm::json_int(*j, "max_tokens");
  return 0;
}
