// NRAS's answer: a "detached EAT" (IETF EAT with detached submodules),
//   [["JWT", "<overall token>"], {"GPU-0": "<device token>", ...}]
// The overall token's `submods` commits to each device token by SHA-256 of its compact text;
// every token is an ES384 JWS signed by a key from NRAS's JWKS. Verification yields named
// checks (never a bare boolean) and the decoded claims of every device, so a rejection says
// which claim failed and an NRAS error code (x-nvidia-error-details) is spelled out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cllm/common/bytes.hpp"
#include "cllm/common/json.hpp"
#include "cllm/common/result.hpp"
#include "cllm/gpu/check.hpp"
#include "cllm/gpu/gpu_arch.hpp"
#include "cllm/gpu/jwks.hpp"
#include "cllm/gpu/jws.hpp"

namespace cllm::gpu {

inline constexpr std::size_t kMaxDetachedEatSize = 1024 * 1024;
inline constexpr std::size_t kMaxEatDevices = 64;

// One device token: "GPU-<index>" (or "SWITCH-<index>" from /attest/switch).
struct EatDeviceToken {
  std::string name;
  DeviceKind kind = DeviceKind::kGpu;
  std::size_t index = 0;  // position in the evidence list sent
  Jws token;
};

struct DetachedEat {
  Jws overall;
  std::vector<EatDeviceToken> devices;  // by index, 0..n-1 without gaps
};

// Parses the structure and every token's JWS form (no signature or claim checks). Device names
// must all be of one kind and number 0..n-1.
Result<DetachedEat> parse_detached_eat(std::string_view text);

// The kids of the tokens that `jwks` lacks (each once): the client refetches the JWKS once
// when this is non-empty (NRAS rotates keys about daily).
std::vector<std::string> unknown_kids(const DetachedEat& eat, const Jwks& jwks);

struct EatExpectations {
  std::string issuer;  // iss of every token, e.g. "https://nras.attestation.nvidia.com"
  Bytes nonce;         // the nonce sent (32 bytes); eat_nonce must be its hex
  std::int64_t now_unix = 0;
  std::int64_t leeway_s = 60;  // clock skew tolerated on exp, nbf and iat
  // The number of evidence items sent; nullopt skips the count check.
  std::optional<std::size_t> expected_devices;
};

struct EatDeviceClaims {
  std::string name;
  DeviceKind kind = DeviceKind::kGpu;
  std::size_t index = 0;
  Json claims;  // the decoded payload (also when a check failed: read accepted() first)
};

struct EatVerification {
  CheckList checks;
  Json overall_claims;
  std::vector<EatDeviceClaims> devices;

  // True when checks ran and none failed.
  bool accepted() const { return !checks.checks().empty() && checks.passed(); }
  // ok, or kVerification naming the first failed check and its detail.
  Status status() const;
};

// Check names: nras-token-signature, nras-token-issuer, nras-token-time, nras-eat-nonce,
// nras-overall-result, nras-device-count, nras-submods-count, nras-submods-digest, and per
// device nras-<gpu|switch>-<i>-{token-signature,token-issuer,token-time,eat-nonce,
// nonce-match,measres,error-details}. Every check runs even after one fails.
EatVerification verify_detached_eat(const DetachedEat& eat, const Jwks& jwks,
                                    const EatExpectations& expect);

// "NRAS error 4010 (the evidence nonce does not match the request nonce): <message>..." from an
// x-nvidia-error-details object; bounded and printable whatever the service sent.
std::string describe_nras_error(const Json& details);

}  // namespace cllm::gpu
