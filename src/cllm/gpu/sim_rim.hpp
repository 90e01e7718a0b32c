// Simulated RIMs: the driver and VBIOS reference manifests whose golden values are exactly
// what sim_gpu_report measures for the same firmware versions, as SWID XML shaped like
// NVIDIA's (namespaces, Meta with colloquialVersion and the TCG FirmwareManufacturerId,
// 64 Payload Resource entries with active / alternatives / Hash0), signed with an enveloped
// XML signature by the simulator's RIM signer (sim_gpu_pki). The real RIM verifier accepts
// them when it pins the simulator's RIM root instead of NVIDIA's.
#pragma once

#include <string>

#include "cllm/common/result.hpp"
#include "cllm/gpu/sim_gpu_pki.hpp"
#include "cllm/gpu/sim_gpu_report.hpp"

namespace cllm::gpu {

enum class SimRimKind { kDriver, kVbios };

// The unsigned document (for tests that edit it before signing).
std::string sim_rim_unsigned_xml(SimRimKind kind, const SimGpuFirmware& firmware);

// The signed document.
Result<std::string> build_sim_rim(SimRimKind kind, const SimGpuFirmware& firmware,
                                  const SimGpuPki& pki);

struct SimRimFiles {
  std::string driver_id;  // NV_GPU_DRIVER_GH100_<driver>
  std::string vbios_id;   // NV_GPU_VBIOS_<project>_<sku>_<chip sku>_<vbios>
  std::string driver_path;
  std::string vbios_path;
};

// Writes both RIMs into dir (created 0700 when missing; its parent must exist) as
// <rim id>.xml, the names a RimStore folder lookup uses. Files are replaced atomically.
Result<SimRimFiles> write_sim_rims(const std::string& dir, const SimGpuFirmware& firmware,
                                   const SimGpuPki& pki);

}  // namespace cllm::gpu
