// Comparison of a GPU's runtime measurements with the golden values of its driver and VBIOS
// RIMs (spec §4.3, NVIDIA's C++ verifier's rules):
//   - only active RIM entries count; an index active in both RIMs is a conflict and fails;
//   - NVDEC0 disabled (opaque TLV 11 == 0x55) skips RIM index 35;
//   - RIM index i is compared with the SPDM block of index i + 1, which must equal one of the
//     alternatives byte for byte (same size);
//   - more active golden entries than runtime blocks fails.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cllm/common/bytes.hpp"
#include "cllm/gpu/check.hpp"
#include "cllm/gpu/measurement.hpp"
#include "cllm/gpu/rim_document.hpp"

namespace cllm::gpu {

inline constexpr std::string_view kCheckVbiosIndexNoConflict = "vbios-index-no-conflict";
inline constexpr std::string_view kCheckMeasurementsMatch = "measurements-match";

// RIM index of the NVDEC0 measurement, skipped when the engine is disabled.
inline constexpr std::uint32_t kNvdec0RimIndex = 35;
inline constexpr std::uint8_t kNvdec0Disabled = 0x55;

enum class MeasurementSource { kDriver, kVbios };

std::string_view measurement_source_name(MeasurementSource source);  // "driver" / "vbios"

struct MeasurementMismatch {
  std::uint32_t rim_index = 0;  // 0-based; the SPDM block index is rim_index + 1
  MeasurementSource source = MeasurementSource::kDriver;
  std::vector<Bytes> golden;     // the alternatives
  std::optional<Bytes> runtime;  // unset when the report has no block rim_index + 1
};

struct MeasurementComparisonOptions {
  // The NVDEC0_STATUS opaque byte (0xAA enabled, 0x55 disabled); unset when absent.
  std::optional<std::uint8_t> nvdec0_status;
};

struct MeasurementComparison {
  bool success = false;                         // NVIDIA's measres: "success" / "fail"
  CheckList checks;                             // vbios-index-no-conflict, measurements-match
  std::vector<MeasurementMismatch> mismatches;  // by source (driver first), then index
  std::vector<std::uint32_t> skipped_indices;   // RIM indices not compared (NVDEC0)
  std::size_t compared = 0;                     // golden entries compared

  std::string_view measres() const { return success ? "success" : "fail"; }
};

MeasurementComparison compare_measurements(const RimDocument& driver_rim,
                                           const RimDocument& vbios_rim,
                                           const MeasurementBlocks& runtime,
                                           const MeasurementComparisonOptions& options = {});

}  // namespace cllm::gpu
