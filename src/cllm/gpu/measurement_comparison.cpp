#include "cllm/gpu/measurement_comparison.hpp"

#include <algorithm>
#include <map>
#include <utility>

namespace cllm::gpu {
namespace {

std::string index_list(const std::vector<MeasurementMismatch>& mismatches) {
  std::string out;
  for (const auto& m : mismatches) {
    if (!out.empty()) out += ",";
    out += std::string(measurement_source_name(m.source)) + ":" + std::to_string(m.rim_index);
  }
  return out;
}

}  // namespace

std::string_view measurement_source_name(MeasurementSource source) {
  return source == MeasurementSource::kDriver ? "driver" : "vbios";
}

MeasurementComparison compare_measurements(const RimDocument& driver_rim,
                                           const RimDocument& vbios_rim,
                                           const MeasurementBlocks& runtime,
                                           const MeasurementComparisonOptions& options) {
  MeasurementComparison out;
  const std::string conflict_check(kCheckVbiosIndexNoConflict);
  const std::string match_check(kCheckMeasurementsMatch);

  // Runtime blocks by SPDM index; a report naming one index twice is ambiguous.
  std::map<std::uint32_t, const MeasurementBlock*> blocks;
  bool duplicate_block = false;
  for (const auto& b : runtime) {
    if (!blocks.emplace(b.index, &b).second) duplicate_block = true;
  }

  std::vector<std::uint32_t> conflicts;
  for (const auto& m : driver_rim.measurements) {
    const RimMeasurement* v = vbios_rim.find(m.index);
    if (m.active && v != nullptr && v->active) conflicts.push_back(m.index);
  }
  if (conflicts.empty()) {
    out.checks.pass(conflict_check, "no index is active in both the driver and the VBIOS RIM");
  } else {
    std::string list;
    for (auto i : conflicts)
      list += (list.empty() ? "" : ",") + std::to_string(i);
    out.checks.fail(conflict_check, "indices active in both the driver and the VBIOS RIM: " + list);
  }

  std::size_t active = 0;
  const bool nvdec0_disabled = options.nvdec0_status == kNvdec0Disabled;
  for (const auto* rim : {&driver_rim, &vbios_rim}) {
    const MeasurementSource source =
        rim == &driver_rim ? MeasurementSource::kDriver : MeasurementSource::kVbios;
    for (const auto& m : rim->measurements) {
      if (!m.active) continue;
      ++active;
      if (nvdec0_disabled && m.index == kNvdec0RimIndex) {
        out.skipped_indices.push_back(m.index);
        continue;
      }
      ++out.compared;
      auto it = blocks.find(m.index + 1);
      std::optional<Bytes> value;
      bool matched = false;
      if (it != blocks.end()) {
        value = it->second->value;
        matched = std::any_of(m.alternatives.begin(), m.alternatives.end(),
                              [&](const Bytes& golden) { return golden == *value; });
      }
      if (!matched) out.mismatches.push_back({m.index, source, m.alternatives, std::move(value)});
    }
  }

  if (duplicate_block) {
    out.checks.fail(match_check, "the report lists a measurement block index twice");
  } else if (active == 0) {
    // Nothing active would make "every golden value matches" vacuously true.
    out.checks.fail(match_check, "neither RIM has an active golden measurement");
  } else if (active > runtime.size()) {
    out.checks.fail(match_check, std::to_string(active) + " active golden measurements but only " +
                                     std::to_string(runtime.size()) + " runtime blocks");
  } else if (!out.mismatches.empty()) {
    out.checks.fail(match_check, std::to_string(out.mismatches.size()) + " of " +
                                     std::to_string(out.compared) +
                                     " golden measurements differ: " + index_list(out.mismatches));
  } else {
    out.checks.pass(match_check,
                    std::to_string(out.compared) + " golden measurements match" +
                        (out.skipped_indices.empty() ? "" : " (NVDEC0 index 35 skipped)"));
  }
  out.success = out.checks.passed();
  return out;
}

}  // namespace cllm::gpu
