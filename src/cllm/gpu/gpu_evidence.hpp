// The evidence of one device as collected from NVML (or the simulator): the raw SPDM report
// (request || MEASUREMENTS response, exactly the bytes the device signed) and its certificate
// chain, ASCII PEM, leaf first, exactly as the driver returned it (NUL padding included:
// NRAS and the Phala `nvidia_payload` carry these bytes verbatim).
#pragma once

#include <string>
#include <vector>

#include "cllm/common/bytes.hpp"
#include "cllm/gpu/gpu_arch.hpp"

namespace cllm::gpu {

struct GpuEvidence {
  GpuArch arch = GpuArch::kHopper;
  Bytes report;
  std::string certificate_chain;
};

using GpuEvidenceList = std::vector<GpuEvidence>;

}  // namespace cllm::gpu
