// NVIDIA RIM documents (SWID XML): they come from the RIM service, a cache folder or the
// operator, and are parsed before their signature is checked. Covers the bounded libxml2
// parse (DOCTYPE refusal, depth), the field extraction and the comparison of the extracted
// golden values with a fixed set of runtime blocks; not the XML signature (xmlsec).
#include <cstdint>

#include "cllm/gpu/measurement_comparison.hpp"
#include "cllm/gpu/rim_document.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  cllm::ByteView bytes(data, size);
  auto rim = cllm::gpu::parse_rim_document(bytes);
  if (!rim.ok()) return 0;
  for (const auto& m : rim->measurements) {
    if (m.alternatives.empty() || m.index > cllm::gpu::kMaxRimMeasurementIndex) __builtin_trap();
    if (rim->find(m.index) != &m) __builtin_trap();
  }
  cllm::gpu::MeasurementBlocks blocks;
  for (std::uint8_t i = 1; i <= 64; ++i) {
    blocks.push_back({i, 1, 1, cllm::Bytes(48, i)});
  }
  const auto both = cllm::gpu::compare_measurements(*rim, *rim, blocks, {0x55});
  if (both.success && !rim->measurements.empty()) {
    // The same document as driver and VBIOS RIM conflicts on every active index.
    for (const auto& m : rim->measurements) {
      if (m.active) __builtin_trap();
    }
  }
  (void)cllm::gpu::compare_measurements(*rim, cllm::gpu::RimDocument{}, blocks);
  return 0;
}
