// Test helpers shared by the NRAS tests: self-signed certificates made with OpenSSL (the x5c of
// a test JWKS, the loopback server's TLS certificate) and detached EATs shaped like NRAS's,
// signed with a test P-384 key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cllm/common/json.hpp"
#include "cllm/crypto/ecdsa.hpp"
#include "cllm/crypto/x509.hpp"

namespace cllm::gpu::nras_test {

// A self-signed certificate for key; san in OpenSSL config syntax ("IP:127.0.0.1"), or empty.
crypto::Certificate self_signed(const crypto::EcdsaPrivateKey& key, const std::string& cn,
                                const std::string& san = "");
std::string certificate_pem(const crypto::Certificate& cert);

inline constexpr const char* kTestIssuer = "https://nras.test";

// Claims of one GPU token that pass every check (claims 3.0 field set, trimmed).
Json good_gpu_claims(const std::string& nonce_hex, const std::string& issuer, std::int64_t iat);
// The overall claims without submods (added by make_detached_eat).
Json good_overall_claims(const std::string& nonce_hex, const std::string& issuer, std::int64_t iat);

// Signs every token with key/kid and fills submods with the SHA-256 of each device token.
// device_prefix: "GPU" or "SWITCH".
std::string make_detached_eat(const crypto::EcdsaPrivateKey& key, const std::string& kid,
                              Json overall, const std::vector<Json>& devices,
                              const std::string& device_prefix = "GPU");

}  // namespace cllm::gpu::nras_test
