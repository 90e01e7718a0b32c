// Measured start: before a node serves, it extends RTMR3 (through its attester) with what it
// is about to run, so a verifier replaying the event log learns exactly which binary, which
// configuration and which model answer. Events, in this order (docs/API.md):
//   cllm.binary  48 bytes: SHA-384 of the node's own executable (/proc/self/exe)
//   cllm.config  32 bytes: SHA-256 of the canonical JSON of the effective configuration,
//                secrets left out
//   cllm.model   32 bytes: SHA-256 of the model file; in upstream mode the UTF-8 text
//                "upstream:<model id>@<upstream url>" (the weights are outside this TEE)
#pragma once

#include <string>
#include <string_view>

#include "cllm/common/bytes.hpp"
#include "cllm/common/json.hpp"
#include "cllm/common/result.hpp"
#include "cllm/tdx/attester.hpp"

namespace cllm::node {

inline constexpr std::string_view kBinaryEvent = "cllm.binary";
inline constexpr std::string_view kConfigEvent = "cllm.config";
inline constexpr std::string_view kModelEvent = "cllm.model";

struct MeasuredStart {
  Bytes binary_sha384;
  Bytes config_sha256;
  std::string canonical_config;  // what config_sha256 is the hash of
  Bytes model_payload;           // the cllm.model payload
};

// What the events will hold. executable: normally "/proc/self/exe".
// model_payload: 32 raw bytes of SHA-256, or the upstream text.
Result<MeasuredStart> compute_measured_start(const std::string& executable, const Json& config,
                                             Bytes model_payload);

// Extends the three events, in order.
Status extend_measured_start(tdx::Attester& attester, const MeasuredStart& start);

}  // namespace cllm::node
