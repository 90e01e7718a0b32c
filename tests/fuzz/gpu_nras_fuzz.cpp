// NRAS traffic is outside input twice over: the answer (a detached EAT of JWS tokens) comes
// from the network, and an NRAS request body arrives as a node's `nvidia_payload`.
#include <cstdint>
#include <string_view>

#include "cllm/gpu/detached_eat.hpp"
#include "cllm/gpu/jwks.hpp"
#include "cllm/gpu/jws.hpp"
#include "cllm/gpu/nras_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto eat = cllm::gpu::parse_detached_eat(text);
  if (eat.ok()) {
    // Every check runs on whatever parsed; with no keys the signatures fail, the rest must
    // not crash.
    cllm::gpu::EatExpectations expect;
    expect.issuer = "https://nras.attestation.nvidia.com";
    expect.nonce = cllm::Bytes(32, 0);
    expect.now_unix = 1750000000;
    expect.expected_devices = 1;
    auto verification = cllm::gpu::verify_detached_eat(*eat, cllm::gpu::Jwks{}, expect);
    (void)verification.status();
    (void)cllm::gpu::unknown_kids(*eat, cllm::gpu::Jwks{});
  }
  (void)cllm::gpu::parse_jws(text);
  (void)cllm::gpu::Jwks::parse(text);
  (void)cllm::gpu::parse_nras_request(text);
  (void)cllm::gpu::parse_nvat_evidence_json(text);
  return 0;
}
