#include "cllm/node/gpu_evidence_collector.hpp"

#include "cllm/attest/gpu_binding.hpp"
#include "cllm/crypto/random.hpp"
#include "cllm/gpu/nras_request.hpp"

namespace cllm::node {

namespace {

Result<std::string> payload_for(ByteView nonce, const gpu::GpuEvidenceList& evidence) {
  if (evidence.empty()) {
    return make_error(ErrorCode::kInternal, "GPU attester returned no evidence");
  }
  return gpu::build_nras_request(nonce, evidence, evidence.front().arch);
}

}  // namespace

Result<CollectedGpuEvidence> collect_gpu_evidence(gpu::GpuAttester& attester,
                                                  std::string_view tls_spki_sha256,
                                                  std::string_view request_nonce,
                                                  NodeOptions::SimGpuFault fault) {
  CLLM_ASSIGN_OR_RETURN(Bytes nonce, attest::gpu_nonce(tls_spki_sha256, request_nonce));
  CLLM_ASSIGN_OR_RETURN(gpu::GpuEvidenceList evidence, attester.collect(nonce));
  if (fault == NodeOptions::SimGpuFault::kStaleNonce) {
    CLLM_ASSIGN_OR_RETURN(Bytes other_nonce, crypto::random_bytes(32));
    CLLM_ASSIGN_OR_RETURN(gpu::GpuEvidenceList stale, attester.collect(other_nonce));
    evidence.front() = std::move(stale.front());
  }
  if (fault == NodeOptions::SimGpuFault::kRepeatedGpu) {
    // One genuine GPU's evidence for the right nonce, passed off as all of them.
    for (auto& e : evidence)
      e = evidence.front();
  }
  CollectedGpuEvidence out;
  CLLM_ASSIGN_OR_RETURN(out.nvidia_payload, payload_for(nonce, evidence));
  CLLM_ASSIGN_OR_RETURN(out.sha256, attest::gpu_evidence_sha256(out.nvidia_payload));
  if (fault == NodeOptions::SimGpuFault::kUnboundEvidence) {
    // Fresh reports carry a fresh responder nonce and signature, so this differs byte-wise.
    CLLM_ASSIGN_OR_RETURN(gpu::GpuEvidenceList again, attester.collect(nonce));
    CLLM_ASSIGN_OR_RETURN(out.substitute_payload, payload_for(nonce, again));
  }
  return out;
}

}  // namespace cllm::node
