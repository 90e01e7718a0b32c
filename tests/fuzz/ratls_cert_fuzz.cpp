// RA-TLS server certificates (outside DER from a TLS handshake): the id-pe-cmw evidence
// parser and the whole certificate appraisal, which must fail closed on anything.
#include <cstdint>
#include <cstdlib>

#include "cllm/attest/claims.hpp"
#include "cllm/common/bytes.hpp"
#include "cllm/ratls/certificate.hpp"
#include "cllm/ratls/client_verifier.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const cllm::ByteView der(data, size);
  auto evidence = cllm::ratls::parse_ratls_evidence(der);
  if (evidence.ok()) {
    // Claims the parser accepts are canonical: re-serializing gives the carried text.
    auto canonical = cllm::attest::canonical_claims(evidence->claims);
    if (!canonical.ok() || *canonical != evidence->claims_text) std::abort();
  }
  cllm::attest::AppraisalOptions options;
  options.now = 1767225600;
  const auto verdict = cllm::ratls::appraise_ratls_certificate(der, options);
  // No collateral is supplied, so the collateral factor always fails: never accepted.
  if (verdict.accepted) std::abort();
  return 0;
}
