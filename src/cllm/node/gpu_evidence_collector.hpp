// Collects the node's GPU evidence for one attestation report: every GPU signs
// gpu_nonce(TLS key hash, request nonce) (attest/gpu_binding.hpp), and the evidence travels as
// the exact JSON text of an NRAS request body (`nvidia_payload`, Phala's format), whose SHA-256
// goes into the report claims.
#pragma once

#include <string>
#include <string_view>

#include "cllm/common/result.hpp"
#include "cllm/gpu/gpu_attester.hpp"
#include "cllm/node/node.hpp"

namespace cllm::node {

struct CollectedGpuEvidence {
  std::string nvidia_payload;
  std::string sha256;  // lower-case hex of the payload's SHA-256
  // kUnboundEvidence only: other valid evidence for the same nonce, which the report serves
  // instead of nvidia_payload after the quote was made.
  std::string substitute_payload;
};

// tls_spki_sha256 and request_nonce are 64 hex digits. A fault other than kNone is for the
// simulator only (the caller checks).
Result<CollectedGpuEvidence> collect_gpu_evidence(gpu::GpuAttester& attester,
                                                  std::string_view tls_spki_sha256,
                                                  std::string_view request_nonce,
                                                  NodeOptions::SimGpuFault fault);

}  // namespace cllm::node
