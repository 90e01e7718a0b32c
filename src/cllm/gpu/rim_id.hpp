// The ids under which NVIDIA's RIM service publishes the reference measurements of a
// driver and a VBIOS (research note §4.1), built from the report's opaque data. Every part
// is restricted to [A-Za-z0-9._-] because the id goes into a URL path and a cache file name.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cllm/common/result.hpp"
#include "cllm/gpu/gpu_arch.hpp"
#include "cllm/gpu/opaque_data.hpp"

namespace cllm::gpu {

// Hopper: NV_GPU_DRIVER_GH100_<driver>. Blackwell: NV_GPU_CC_DRIVER_<chip>_<driver>, chip
// from CHIP_INFO, or GB100 when the report predates that field.
Result<std::string> driver_rim_id(GpuArch arch, std::string_view driver_version,
                                  std::optional<std::string_view> chip_info);
// NV_GPU_VBIOS_<project>_<project sku>_<chip sku>_<VBIOS version without dots, upper case>.
Result<std::string> vbios_rim_id(std::string_view project, std::string_view project_sku,
                                 std::string_view chip_sku, std::string_view vbios_version);
// NV_SWITCH_BIOS_<project>_<project sku>_<chip sku>_<BIOS version without dots, upper case>.
// An NVSwitch report carries no project or SKU fields; the caller gets them from NSCQ.
Result<std::string> switch_bios_rim_id(std::string_view project, std::string_view project_sku,
                                       std::string_view chip_sku, std::string_view bios_version);

// The same from a GPU report's opaque data; an error names the missing field.
Result<std::string> driver_rim_id(GpuArch arch, const OpaqueData& opaque);
Result<std::string> vbios_rim_id(const OpaqueData& opaque);

}  // namespace cllm::gpu
