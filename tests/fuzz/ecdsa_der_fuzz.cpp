// DER ECDSA signatures (as found in certificates and CRLs): strict parsing, and every
// accepted signature round-trips to the same DER bytes.
#include <cstdint>
#include <cstdlib>

#include "cllm/crypto/ecdsa.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  cllm::ByteView der(data, size);
  for (auto curve : {cllm::crypto::EcCurve::kP256, cllm::crypto::EcCurve::kP384}) {
    auto raw = cllm::crypto::ecdsa_der_to_raw(curve, der);
    if (!raw.ok()) continue;
    auto back = cllm::crypto::ecdsa_raw_to_der(curve, *raw);
    if (!back.ok() || *back != cllm::Bytes(der.begin(), der.end())) std::abort();
  }
  return 0;
}
