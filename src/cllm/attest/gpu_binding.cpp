#include "cllm/attest/gpu_binding.hpp"

#include "cllm/common/hex.hpp"
#include "cllm/crypto/hash.hpp"

namespace cllm::attest {

namespace {

Result<Bytes> hex32(std::string_view hex, std::string_view what) {
  auto bytes = from_hex(hex);
  if (!bytes.ok() || bytes->size() != 32) {
    return make_error(ErrorCode::kInvalidArgument,
                      "gpu nonce: " + std::string(what) + " must be 64 hex digits");
  }
  return std::move(bytes).value();
}

}  // namespace

Result<Bytes> gpu_nonce(std::string_view tls_spki_sha256_hex, std::string_view freshness_hex) {
  CLLM_ASSIGN_OR_RETURN(Bytes spki, hex32(tls_spki_sha256_hex, "tls_spki_sha256"));
  CLLM_ASSIGN_OR_RETURN(Bytes freshness, hex32(freshness_hex, "freshness"));
  Bytes message(kGpuNonceTag.begin(), kGpuNonceTag.end());
  message.insert(message.end(), spki.begin(), spki.end());
  message.insert(message.end(), freshness.begin(), freshness.end());
  return crypto::sha256(message);
}

Result<std::string> gpu_evidence_sha256(std::string_view nvidia_payload) {
  CLLM_ASSIGN_OR_RETURN(Bytes digest, crypto::sha256(as_bytes(nvidia_payload)));
  return to_hex(digest);
}

}  // namespace cllm::attest
