// The GPU families cllm attests, by the names NVIDIA's tools and NRAS use ("HOPPER",
// "BLACKWELL"), and the device kinds whose SPDM reports share one format.
#pragma once

#include <optional>
#include <string_view>

namespace cllm::gpu {

enum class GpuArch { kHopper, kBlackwell };

// "HOPPER" / "BLACKWELL": the spelling of the `arch` field in NRAS requests and evidence JSON.
std::string_view gpu_arch_name(GpuArch arch);
// Case-insensitive; nullopt for anything else (Ampere and older have no CC attestation).
std::optional<GpuArch> parse_gpu_arch(std::string_view name);

// A GPU and an NVSwitch answer GET_MEASUREMENTS in the same layout, but number some opaque
// TLVs differently (22 is SWITCH_PDI on a GPU, DEVICE_PDI on a switch) and carry their VBIOS
// version differently (8 packed bytes vs ASCII).
enum class DeviceKind { kGpu, kSwitch };

std::string_view device_kind_name(DeviceKind kind);  // "gpu" / "switch"

}  // namespace cllm::gpu
