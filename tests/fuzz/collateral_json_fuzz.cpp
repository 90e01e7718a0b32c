// Collateral JSON (bundles, caches) and PCS response bodies are outside text: the parser, the
// signed-JSON splitter and the writer must survive anything, and what parses must round trip.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cllm/tdx/collateral.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto collateral = cllm::tdx::parse_collateral_json(text); collateral.ok()) {
    auto reparsed = cllm::tdx::parse_collateral_json(cllm::tdx::collateral_to_json(*collateral));
    if (!reparsed.ok() || !(*reparsed == *collateral)) std::abort();
    (void)cllm::tdx::collateral_next_update(*collateral);
  }
  for (std::string_view key : {"tcbInfo", "enclaveIdentity"}) {
    if (auto split = cllm::tdx::split_pcs_signed_json(text, key); split.ok()) {
      // The body is a substring of the input, never a re-serialization.
      if (text.find(split->body) == std::string_view::npos || split->signature.size() != 64)
        std::abort();
    }
  }
  (void)cllm::tdx::normalize_crl(cllm::ByteView(data, size), "fuzz");
  return 0;
}
