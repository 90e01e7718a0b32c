// A GPU attester collects the attestation evidence of every confidential-computing GPU the
// TEE can see, for one 32-byte nonce: NVML on a real CVM (nvml_attester), or the simulator
// (sim_gpu_attester). The nonce is copied into each SPDM request, so every report proves it
// was produced after the nonce was chosen.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cllm/common/bytes.hpp"
#include "cllm/common/clock.hpp"
#include "cllm/common/result.hpp"
#include "cllm/gpu/gpu_evidence.hpp"

namespace cllm::gpu {

class GpuAttester {
 public:
  virtual ~GpuAttester() = default;

  // "nvml" or "sim".
  virtual std::string_view kind() const = 0;
  // True only for the simulator: its evidence chains to the simulator's roots, not NVIDIA's.
  virtual bool simulated() const = 0;
  // One GpuEvidence per GPU, in device index order. nonce32 must be exactly 32 bytes.
  virtual Result<GpuEvidenceList> collect(ByteView nonce32) = 0;
};

// --gpu: "none" (no GPU evidence), "sim" (the simulator), "nvml" (the driver; an error when
// it is missing or confidential computing is off) or "auto" (nvml when the driver library
// is installed, otherwise no GPU evidence; never the simulator, which must be asked for).
enum class GpuAttesterMode { kNone, kSim, kNvml, kAuto };

std::string_view gpu_attester_mode_name(GpuAttesterMode mode);
std::optional<GpuAttesterMode> parse_gpu_attester_mode(std::string_view name);

struct GpuAttesterOptions {
  // "sim": the simulator's directory (the TDX simulator's); the GPU PKI lives in its "gpu"
  // subfolder. Required for "sim".
  std::string sim_dir;
  std::size_t sim_gpus = 1;  // "sim": 1..8
  // "nvml"/"auto": the library to load (tests point it elsewhere).
  std::string nvml_library = "libnvidia-ml.so.1";
  const Clock* clock = nullptr;  // not owned; nullptr: the system clock
};

// The attester for mode; a null pointer for "none", and for "auto" without a driver.
Result<std::unique_ptr<GpuAttester>> make_gpu_attester(GpuAttesterMode mode,
                                                       const GpuAttesterOptions& options);

}  // namespace cllm::gpu
