// The SGX extension of PCK certificates comes from quotes (outside input): the DER reader must
// survive arbitrary bytes, and whatever it accepts must survive a round trip through the
// writer unchanged.
#include <cstdint>
#include <cstdlib>

#include "cllm/tdx/pck_extension.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parsed = cllm::tdx::parse_pck_extension(cllm::ByteView(data, size));
  if (!parsed.ok()) return 0;
  const cllm::Bytes encoded = cllm::tdx::encode_pck_extension(*parsed);
  auto reparsed = cllm::tdx::parse_pck_extension(encoded);
  if (!reparsed.ok() || !(*reparsed == *parsed)) std::abort();
  // The writer is canonical: encoding twice gives the same bytes.
  if (cllm::tdx::encode_pck_extension(*reparsed) != encoded) std::abort();
  return 0;
}
