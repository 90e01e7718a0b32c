// One SPDM measurement block as the device reported it (DMTF measurement specification):
// the shared vocabulary of the report parser, the RIM comparison and the simulator.
#pragma once

#include <cstdint>
#include <vector>

#include "cllm/common/bytes.hpp"

namespace cllm::gpu {

struct MeasurementBlock {
  std::uint8_t index = 0;          // SPDM index, 1-based; RIM index = index - 1
  std::uint8_t specification = 0;  // 0x01 = DMTF
  std::uint8_t value_type = 0;     // DMTFSpecMeasurementValueType (bit 7: raw bit stream)
  Bytes value;                     // the digest (48 bytes, SHA-384, on every device seen)
};

using MeasurementBlocks = std::vector<MeasurementBlock>;

}  // namespace cllm::gpu
