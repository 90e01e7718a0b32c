// Collects GPU evidence through NVIDIA's driver library (NVML), loaded with dlopen at run
// time so cllm has no link-time dependency on the driver. create() initialises NVML and
// runs the pre-checks of spec §1.1: confidential computing on (or Protected PCIe mode),
// DevTools mode off (it allows debugging, so its evidence is not production), and at least
// one Hopper or Blackwell GPU. collect() copies the nonce into each GPU's request and keeps
// only the report and chain bytes the driver says it wrote.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "cllm/gpu/gpu_attester.hpp"

namespace cllm::gpu {

inline constexpr std::string_view kNvmlLibraryName = "libnvidia-ml.so.1";

struct NvmlAttesterOptions {
  std::string library = std::string(kNvmlLibraryName);
};

// What NVML said about the system at create(); the numbers are NVML's.
struct NvmlSystemState {
  unsigned environment = 0;     // 0 unavailable, 1 SIM, 2 PROD
  unsigned cc_feature = 0;      // 1: confidential computing on
  unsigned devtools_mode = 0;   // 1: DevTools (debug) mode
  unsigned multi_gpu_mode = 0;  // 0 none, 1 Protected PCIe, 2 NVLE
  unsigned ready_state = 0;     // 1: GPUs accept client work (set after attestation)
  unsigned gpu_count = 0;
};

class NvmlAttester final : public GpuAttester {
 public:
  // kNotFound when the library cannot be loaded ("NVIDIA driver library ... not found");
  // kUnsupported when confidential computing is off, DevTools mode is on, or a GPU is not
  // Hopper/Blackwell; kIo when an NVML call fails (with NVML's error string).
  static Result<std::unique_ptr<NvmlAttester>> create(const NvmlAttesterOptions& options = {});

  NvmlAttester(const NvmlAttester&) = delete;
  NvmlAttester& operator=(const NvmlAttester&) = delete;
  ~NvmlAttester() override;

  std::string_view kind() const override { return "nvml"; }
  bool simulated() const override { return false; }
  Result<GpuEvidenceList> collect(ByteView nonce32) override;

  const NvmlSystemState& system_state() const { return state_; }

  struct Library;  // the loaded library and its entry points

 private:
  explicit NvmlAttester(std::unique_ptr<Library> library);

  std::mutex mutex_;  // NVML's CC calls are not documented as thread-safe: one at a time
  std::unique_ptr<Library> library_;
  NvmlSystemState state_;
};

}  // namespace cllm::gpu
