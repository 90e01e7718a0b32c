// The confidential inference node behind `cllm serve`: an OpenAI-compatible HTTPS API whose
// TLS certificate carries the node's attestation evidence (RA-TLS), an attestation report
// endpoint with client nonces, and signed receipts for every completion.
//
// Start-up order, each step failing closed: measured start (RTMR3 events) -> keys from the
// KeyProvider -> RA-TLS certificate over a fresh quote -> listen. The certificate is re-issued
// with fresh evidence every certificate_lifetime / 2 (so a client never sees one near expiry;
// docs/API.md) and at every restart.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cllm/common/bytes.hpp"
#include "cllm/common/clock.hpp"
#include "cllm/common/json.hpp"
#include "cllm/common/result.hpp"
#include "cllm/gpu/gpu_attester.hpp"
#include "cllm/inference/engine.hpp"
#include "cllm/net/http_server.hpp"
#include "cllm/node/key_provider.hpp"
#include "cllm/node/openai_request.hpp"
#include "cllm/tdx/attester.hpp"
#include "cllm/tdx/collateral.hpp"

namespace cllm::node {

struct NodeOptions {
  net::ListenAddress listen = net::ListenAddress::tcp("127.0.0.1", 8443);
  std::string model_id;  // what /v1/models lists and requests may name
  std::string api_key;   // empty: no key required (never logged, never measured)
  RequestLimits request_limits;
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t io_threads = 2;
  std::size_t max_connections = 256;

  // RA-TLS certificate: names it carries and how long it is valid. Renewed at half-life.
  std::vector<std::string> tls_dns_names = {"localhost"};
  std::vector<std::string> tls_ip_addresses = {"127.0.0.1"};
  std::chrono::seconds certificate_lifetime{24 * 3600};

  std::size_t receipt_capacity = 100'000;
  std::chrono::seconds receipt_ttl{3600};

  // The effective configuration (secrets left out) measured as cllm.config, and the
  // cllm.model payload (see measured_start.hpp).
  Json config = Json::object();
  Bytes model_measurement;
  std::string model_sha256;  // hex; empty in upstream mode
  std::string executable = "/proc/self/exe";

  // Collateral for ?include_collateral=true, for a quote of this node. Empty: such requests
  // get a 501 naming the reason.
  std::function<Result<tdx::Collateral>(ByteView quote)> collateral_source;
  // PEM of the simulator's root CA, added to reports when the attester is the simulator.
  std::string sim_root_ca_pem;

  // GPU evidence: collected for every attestation report with nonce
  // gpu_nonce(TLS key hash, request nonce), served as nvidia_payload and bound into the claims
  // (attest/gpu_binding.hpp). Null: the node attests no GPU.
  std::shared_ptr<gpu::GpuAttester> gpu_attester;
  // Sent as gpu_collateral with ?include_collateral=true (RIMs; simulator roots).
  std::optional<Json> gpu_collateral;
  // Simulator only, for verifier tests: GPU evidence a compromised host could serve.
  //   kStaleNonce: GPU 0 answers with evidence made for another nonce (a replay);
  //   kUnboundEvidence: the report's nvidia_payload is replaced, after the quote was made,
  //   by other valid evidence for the same nonce (so the claims' hash no longer matches).
  enum class SimGpuFault { kNone, kStaleNonce, kUnboundEvidence, kRepeatedGpu };
  SimGpuFault sim_gpu_fault = SimGpuFault::kNone;

  const Clock* clock = &SystemClock::instance();
};

class Node {
 public:
  static Result<std::unique_ptr<Node>> create(NodeOptions options,
                                              std::shared_ptr<inference::Engine> engine,
                                              std::shared_ptr<tdx::Attester> attester,
                                              KeyProvider& key_provider);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Listens and serves; returns the bound port (useful with port 0).
  Result<std::uint16_t> start();
  // Stops accepting, lets streams in flight finish for up to `drain`, then closes the rest.
  void stop(std::chrono::milliseconds drain);

  // The current RA-TLS certificate (PEM), for clients that pin it (NODE_EXTRA_CA_CERTS).
  std::string certificate_pem() const;
  const PublicIdentity& identity() const;

  struct State;

 private:
  explicit Node(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace cllm::node
