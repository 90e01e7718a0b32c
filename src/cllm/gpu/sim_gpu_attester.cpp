#include "cllm/gpu/sim_gpu_attester.hpp"

namespace cllm::gpu {

Result<std::unique_ptr<SimGpuAttester>> SimGpuAttester::create(
    const SimGpuAttesterOptions& options) {
  if (options.gpu_count == 0 || options.gpu_count > kSimMaxGpus) {
    return make_error(ErrorCode::kInvalidArgument, "gpu simulator: the GPU count must be 1.." +
                                                       std::to_string(kSimMaxGpus) + ", not " +
                                                       std::to_string(options.gpu_count));
  }
  if (options.sim_dir.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "gpu simulator: no simulator directory given");
  }
  // The firmware versions must encode, or every collect() would fail later.
  CLLM_TRY(encode_vbios_version(options.firmware.vbios_version));
  SimGpuPkiOptions pki_options;
  pki_options.dir = options.sim_dir + "/" + std::string(kSimGpuSubdir);
  pki_options.clock = options.clock;
  CLLM_ASSIGN_OR_RETURN(SimGpuPki pki, SimGpuPki::open(pki_options));
  return std::unique_ptr<SimGpuAttester>(
      new SimGpuAttester(std::move(pki), options.gpu_count, options.firmware));
}

Result<GpuEvidenceList> SimGpuAttester::collect(ByteView nonce32) {
  if (nonce32.size() != kSpdmNonceSize) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "gpu simulator: the nonce must be 32 bytes, not " + std::to_string(nonce32.size()));
  }
  GpuEvidenceList list;
  list.reserve(gpu_count_);
  for (std::size_t i = 0; i < gpu_count_; ++i) {
    const SimGpuIdentity& gpu = pki_.gpu(i);
    SimGpuReportInput input;
    input.nonce = nonce32;
    input.firmware = firmware_;
    input.fwid = sim_gsp_fmc_fwid();
    input.protected_pcie = gpu_count_ > 1;
    if (input.protected_pcie) input.switch_pdis = pki_.switch_pdis();
    CLLM_ASSIGN_OR_RETURN(Bytes report, build_sim_gpu_report(input, gpu.attestation_key));
    list.push_back(GpuEvidence{GpuArch::kHopper, std::move(report), gpu.chain_pem});
  }
  return list;
}

}  // namespace cllm::gpu
