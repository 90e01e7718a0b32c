#include "cllm/gpu/gpu_attester.hpp"

#include "cllm/gpu/nvml_attester.hpp"
#include "cllm/gpu/sim_gpu_attester.hpp"

namespace cllm::gpu {

std::string_view gpu_attester_mode_name(GpuAttesterMode mode) {
  switch (mode) {
    case GpuAttesterMode::kNone:
      return "none";
    case GpuAttesterMode::kSim:
      return "sim";
    case GpuAttesterMode::kNvml:
      return "nvml";
    case GpuAttesterMode::kAuto:
      return "auto";
  }
  return "none";
}

std::optional<GpuAttesterMode> parse_gpu_attester_mode(std::string_view name) {
  for (GpuAttesterMode mode : {GpuAttesterMode::kNone, GpuAttesterMode::kSim,
                               GpuAttesterMode::kNvml, GpuAttesterMode::kAuto}) {
    if (gpu_attester_mode_name(mode) == name) return mode;
  }
  return std::nullopt;
}

Result<std::unique_ptr<GpuAttester>> make_gpu_attester(GpuAttesterMode mode,
                                                       const GpuAttesterOptions& options) {
  switch (mode) {
    case GpuAttesterMode::kNone:
      return std::unique_ptr<GpuAttester>();
    case GpuAttesterMode::kSim: {
      SimGpuAttesterOptions sim;
      sim.sim_dir = options.sim_dir;
      sim.gpu_count = options.sim_gpus;
      sim.clock = options.clock;
      CLLM_ASSIGN_OR_RETURN(auto attester, SimGpuAttester::create(sim));
      return std::unique_ptr<GpuAttester>(std::move(attester));
    }
    case GpuAttesterMode::kNvml:
    case GpuAttesterMode::kAuto: {
      NvmlAttesterOptions nvml;
      nvml.library = options.nvml_library;
      auto attester = NvmlAttester::create(nvml);
      if (!attester) {
        // "auto" on a machine without the driver: no GPUs to attest. Any other failure
        // (driver present but CC off, DevTools on) is an error even for "auto".
        if (mode == GpuAttesterMode::kAuto && attester.error().code() == ErrorCode::kNotFound) {
          return std::unique_ptr<GpuAttester>();
        }
        return std::move(attester).error();
      }
      return std::unique_ptr<GpuAttester>(std::move(attester).value());
    }
  }
  return make_error(ErrorCode::kInvalidArgument, "gpu attester: unknown mode");
}

}  // namespace cllm::gpu
