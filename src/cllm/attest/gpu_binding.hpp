// How a node's GPU evidence is bound to its TDX quote and to the connection it answers on.
//
// The GPUs sign a 32-byte nonce of the node's choosing:
//   gpu_nonce = SHA-256("cllm/gpu-nonce/v1" || tls_spki_sha256 || freshness)
// with tls_spki_sha256 the 32 raw bytes of the node's TLS key hash and freshness the 32-byte
// nonce of the report request. So GPU evidence made for one client's request, or for another
// node's TLS key, carries a different nonce and fails the nonce check. The evidence itself
// (the exact NRAS-request JSON text, `nvidia_payload`) is hashed into the claims as
//   gpu_evidence_sha256 = SHA-256(nvidia_payload)
// and the claims are what the quote's report_data commits to: the quote covers the GPUs.
// (Phala's stack binds CPU and GPU only through a shared nonce; here the GPU evidence hash
// enters report_data.)
#pragma once

#include <string>
#include <string_view>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"

namespace cllm::attest {

inline constexpr std::string_view kGpuNonceTag = "cllm/gpu-nonce/v1";

// Both arguments are 64 hex digits (either case); the result is 32 bytes.
Result<Bytes> gpu_nonce(std::string_view tls_spki_sha256_hex, std::string_view freshness_hex);

// Lower-case hex SHA-256 of the payload text's bytes.
Result<std::string> gpu_evidence_sha256(std::string_view nvidia_payload);

}  // namespace cllm::attest
