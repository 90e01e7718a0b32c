#include "cllm/node/measured_start.hpp"

#include "cllm/crypto/file_digest.hpp"
#include "cllm/crypto/hash.hpp"

namespace cllm::node {

Result<MeasuredStart> compute_measured_start(const std::string& executable, const Json& config,
                                             Bytes model_payload) {
  MeasuredStart out;
  auto binary = crypto::sha384_file(executable);
  if (!binary) return std::move(binary).error().context("measuring the node binary");
  out.binary_sha384 = std::move(*binary);
  auto canonical = canonical_json(config);
  if (!canonical) return std::move(canonical).error().context("canonicalizing the configuration");
  out.canonical_config = std::move(*canonical);
  auto config_hash = crypto::sha256(as_bytes(out.canonical_config));
  if (!config_hash) return std::move(config_hash).error();
  out.config_sha256 = std::move(*config_hash);
  out.model_payload = std::move(model_payload);
  return out;
}

Status extend_measured_start(tdx::Attester& attester, const MeasuredStart& start) {
  if (auto s = attester.extend_event(kBinaryEvent, start.binary_sha384); !s) {
    return std::move(s).error().context("extending RTMR3 with cllm.binary");
  }
  if (auto s = attester.extend_event(kConfigEvent, start.config_sha256); !s) {
    return std::move(s).error().context("extending RTMR3 with cllm.config");
  }
  if (auto s = attester.extend_event(kModelEvent, start.model_payload); !s) {
    return std::move(s).error().context("extending RTMR3 with cllm.model");
  }
  return {};
}

}  // namespace cllm::node
