// A client for NVIDIA's Remote Attestation Service: POSTs the evidence of one or more GPUs
// to /v3|v4/attest/gpu, fetches the service's JWKS from
// <base>/.well-known/jwks.json (cached, refetched once when a token names an unknown kid,
// since NRAS rotates keys about daily), and verifies the detached EAT it answers
// (detached_eat.hpp). Time is injected so stored answers verify "as of" their issue time.
//
// The service key is a secret: it is sent only as "Authorization: Bearer ..." and never
// appears in an error or log.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "cllm/common/bytes.hpp"
#include "cllm/common/clock.hpp"
#include "cllm/common/result.hpp"
#include "cllm/gpu/detached_eat.hpp"
#include "cllm/gpu/gpu_arch.hpp"
#include "cllm/gpu/gpu_evidence.hpp"
#include "cllm/gpu/jwks.hpp"
#include "cllm/net/http_client.hpp"

namespace cllm::gpu {

inline constexpr std::string_view kNrasProductionUrl = "https://nras.attestation.nvidia.com";

enum class NrasApiVersion { kV3, kV4 };

struct NrasClientOptions {
  // Also the expected `iss` of every token. A trailing '/' is ignored.
  std::string base_url = std::string(kNrasProductionUrl);
  NrasApiVersion api_version = NrasApiVersion::kV3;
  std::optional<std::string> claims_version;  // e.g. "3.0"; absent: the service's default
  SecretBytes service_key;                    // empty: no Authorization header
  bool allow_hold_cert = false;               // X-NVIDIA-OCSP-ALLOW-CERT-HOLD: true
  std::chrono::seconds jwks_cache_ttl{15 * 60};
  std::int64_t leeway_s = 60;
  std::size_t max_error_excerpt = 200;  // bytes of a non-200 body quoted in the error
};

struct NrasAttestation {
  std::string response_body;  // the detached EAT exactly as answered (to store with the JWKS)
  std::string jwks_json;      // the JWKS it was verified against
  EatVerification verification;
};

class NrasClient {
 public:
  // http must carry a TLS context trusting the service (https base URLs); clock must outlive
  // the client.
  NrasClient(NrasClientOptions options, std::shared_ptr<const net::HttpClient> http,
             const Clock& clock);

  // Sends the evidence (all of one arch; nonce 32 bytes) and verifies the answer. An error
  // means no verifiable answer (transport, HTTP status, malformed EAT, JWKS unavailable); a
  // value carries the checks, which may have failed: read verification.accepted()/status().
  Result<NrasAttestation> attest(ByteView nonce, const GpuEvidenceList& evidence);

  std::string attest_url() const;
  std::string jwks_url() const;
  // How many times the JWKS was downloaded (tests check the cache).
  std::size_t jwks_fetches() const;

 private:
  struct CachedJwks {
    std::shared_ptr<const Jwks> jwks;
    std::string json;
    std::int64_t fetched_at = 0;
  };
  Result<CachedJwks> jwks(bool force_refresh);
  Result<net::ClientResponse> checked(Result<net::ClientResponse> response,
                                      std::string_view what) const;

  NrasClientOptions options_;
  std::shared_ptr<const net::HttpClient> http_;
  const Clock* clock_;
  mutable std::mutex mutex_;
  std::optional<CachedJwks> cache_;
  std::size_t fetches_ = 0;
};

}  // namespace cllm::gpu
