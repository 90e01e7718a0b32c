#include "cllm/gpu/gpu_arch.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace cllm::gpu {

std::string_view gpu_arch_name(GpuArch arch) {
  switch (arch) {
    case GpuArch::kHopper:
      return "HOPPER";
    case GpuArch::kBlackwell:
      return "BLACKWELL";
  }
  return "UNKNOWN";
}

std::optional<GpuArch> parse_gpu_arch(std::string_view name) {
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (upper == "HOPPER") return GpuArch::kHopper;
  if (upper == "BLACKWELL") return GpuArch::kBlackwell;
  return std::nullopt;
}

std::string_view device_kind_name(DeviceKind kind) {
  return kind == DeviceKind::kGpu ? "gpu" : "switch";
}

}  // namespace cllm::gpu
