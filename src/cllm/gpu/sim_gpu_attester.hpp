// The GPU simulator's attester: 1..8 simulated Hopper GPUs whose identities live in the
// simulator directory's "gpu" subfolder (sim_gpu_pki). collect() returns byte-exact SPDM
// reports over the caller's nonce, signed by each GPU's attestation key, with the PEM chain
// NVML would return. More than one GPU means Protected PCIe mode, as on an HGX board.
// The evidence proves nothing about real hardware; it lets the verifier run the same code.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "cllm/gpu/gpu_attester.hpp"
#include "cllm/gpu/sim_gpu_pki.hpp"
#include "cllm/gpu/sim_gpu_report.hpp"

namespace cllm::gpu {

// The subfolder of the simulator directory that holds the GPU PKI.
inline constexpr std::string_view kSimGpuSubdir = "gpu";

struct SimGpuAttesterOptions {
  std::string sim_dir;        // the simulator directory; the PKI goes in sim_dir/gpu
  std::size_t gpu_count = 1;  // 1..kSimMaxGpus
  SimGpuFirmware firmware;
  const Clock* clock = nullptr;  // not owned; nullptr: the system clock
};

class SimGpuAttester final : public GpuAttester {
 public:
  static Result<std::unique_ptr<SimGpuAttester>> create(const SimGpuAttesterOptions& options);

  std::string_view kind() const override { return "sim"; }
  bool simulated() const override { return true; }
  Result<GpuEvidenceList> collect(ByteView nonce32) override;

  std::size_t gpu_count() const { return gpu_count_; }
  const SimGpuFirmware& firmware() const { return firmware_; }
  const SimGpuPki& pki() const { return pki_; }

 private:
  SimGpuAttester(SimGpuPki pki, std::size_t gpu_count, SimGpuFirmware firmware)
      : pki_(std::move(pki)), gpu_count_(gpu_count), firmware_(std::move(firmware)) {}

  SimGpuPki pki_;
  std::size_t gpu_count_;
  SimGpuFirmware firmware_;
};

}  // namespace cllm::gpu
