// A parsed SPDM report as JSON (what `cllm gpu inspect --json` prints, schema
// "cllm.gpu_report.v1"): the request, the response header, every measurement block, the
// opaque fields by NVIDIA's names with their decoded values where we know the encoding, and
// the derived RIM ids. Hex is lower-case.
#pragma once

#include "cllm/common/json.hpp"
#include "cllm/gpu/gpu_arch.hpp"
#include "cllm/gpu/spdm_report.hpp"

namespace cllm::gpu {

Json spdm_report_to_json(const SpdmReport& report, GpuArch arch);

}  // namespace cllm::gpu
