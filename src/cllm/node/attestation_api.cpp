// GET /v1/attestation/report and GET /v1/signature/{id}.
#include "cllm/attest/claims.hpp"
#include "cllm/attest/report.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/common/log.hpp"
#include "cllm/crypto/random.hpp"
#include "cllm/net/url.hpp"
#include "cllm/node/gpu_evidence_collector.hpp"
#include "cllm/node/node_state.hpp"
#include "cllm/node/openai_response.hpp"
#include "cllm/node/receipt_signer.hpp"

namespace cllm::node {

namespace {

constexpr std::string_view kReportEndpoint = "/v1/attestation/report";
constexpr std::string_view kSignatureEndpoint = "/v1/signature";

bool is_lower_or_upper_hex(std::string_view s) {
  for (char c : s) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!ok) return false;
  }
  return true;
}

}  // namespace

attest::Claims base_claims(const Node::State& state, std::string_view purpose) {
  attest::Claims c;
  c.purpose = std::string(purpose);
  c.tee_type = std::string(state.attester->kind());
  c.tls_spki_sha256 = state.identity.tls_spki_sha256;
  c.signing_address = state.identity.signing_address;
  c.secp256k1_public_key = state.identity.secp256k1_public_key;
  c.ed25519_public_key = state.identity.ed25519_public_key;
  c.model_id = state.options.model_id;
  c.model_sha256 = state.options.model_sha256;
  c.issued_at = state.options.clock->now_unix();
  return c;
}

void handle_attestation_report(Node::State& state, const net::Request& request,
                               std::shared_ptr<net::ResponseWriter> writer) {
  auto query = net::parse_query(request.query());
  if (!query) {
    send_error(state, *writer, kReportEndpoint, 400, query.error().message(),
               "invalid_request_error");
    return;
  }
  std::optional<std::string> nonce;
  bool include_collateral = false;
  for (const auto& [key, value] : *query) {
    if (key == "nonce") {
      if (value.size() != 64 || !is_lower_or_upper_hex(value)) {
        send_error(state, *writer, kReportEndpoint, 400,
                   "nonce: expected 64 hex characters (32 bytes)", "invalid_request_error",
                   "invalid_nonce");
        return;
      }
      std::string lower = value;
      for (char& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      nonce = lower;
    } else if (key == "include_collateral") {
      if (value != "true" && value != "false") {
        send_error(state, *writer, kReportEndpoint, 400,
                   "include_collateral: expected true or false", "invalid_request_error");
        return;
      }
      include_collateral = value == "true";
    }
    // Other parameters (signing_algo, signing_address of Phala's API) do not change the
    // report: it always carries both public keys.
  }
  if (!nonce) {
    auto random = crypto::random_bytes(32);
    if (!random) {
      send_error(state, *writer, kReportEndpoint, 500, "no randomness", "server_error");
      return;
    }
    nonce = to_hex(*random);
  }
  attest::Claims claims = base_claims(state, attest::kPurposeReport);
  claims.nonce = nonce;

  attest::ReportOptions options;
  std::string substitute_payload;
  if (state.options.gpu_attester) {
    auto gpus = collect_gpu_evidence(*state.options.gpu_attester, claims.tls_spki_sha256, *nonce,
                                     state.options.sim_gpu_fault);
    if (!gpus) {
      spdlog::error("GPU evidence: {}", gpus.error().message());
      send_error(state, *writer, kReportEndpoint, 500,
                 "GPU attestation failed: " + gpus.error().message(), "server_error",
                 "gpu_attestation_failed");
      return;
    }
    claims.gpu_evidence_sha256 = gpus->sha256;
    options.nvidia_payload = std::move(gpus->nvidia_payload);
    substitute_payload = std::move(gpus->substitute_payload);
    if (include_collateral && state.options.gpu_collateral) {
      options.gpu_collateral = *state.options.gpu_collateral;
    }
  }
  if (include_collateral) {
    if (!state.options.collateral_source) {
      send_error(state, *writer, kReportEndpoint, 501,
                 "this node has no collateral source; fetch collateral from Intel PCS or a PCCS",
                 "server_error", "collateral_unavailable");
      return;
    }
    // The collateral depends on the platform only (FMSPC, CA), so any quote of this node
    // identifies it; the RA-TLS certificate's quote is at hand and costs nothing.
    Bytes quote_for_lookup;
    {
      std::lock_guard lock(state.cert_mutex);
      quote_for_lookup = state.ratls_quote;
    }
    auto collateral = state.options.collateral_source(quote_for_lookup);
    if (!collateral) {
      spdlog::warn("collateral for the report: {}", collateral.error().message());
      send_error(state, *writer, kReportEndpoint, 502,
                 "collateral unavailable: " + collateral.error().message(), "server_error",
                 "collateral_unavailable");
      return;
    }
    options.collateral = std::move(*collateral);
    if (!state.options.sim_root_ca_pem.empty() && state.attester->simulated()) {
      options.sim_root_ca_pem = state.options.sim_root_ca_pem;
    }
  }
  auto report = attest::build_report(*state.attester, claims, options);
  if (!report) {
    spdlog::error("attestation report: {}", report.error().message());
    send_error(state, *writer, kReportEndpoint, 500,
               "attestation failed: " + report.error().message(), "server_error");
    return;
  }
  if (!substitute_payload.empty()) (*report)["nvidia_payload"] = substitute_payload;
  state.metrics.attestation_served();
  send_json(state, *writer, kReportEndpoint, 200, dump_json(*report));
}

void handle_signature(Node::State& state, const net::Request& request,
                      std::shared_ptr<net::ResponseWriter> writer) {
  if (!check_api_key(state, request, *writer, kSignatureEndpoint)) return;
  std::string_view path = request.path();
  std::string_view id = path.substr(std::string_view("/v1/signature/").size());
  std::string algo = "ecdsa";
  auto query = net::parse_query(request.query());
  if (!query) {
    send_error(state, *writer, kSignatureEndpoint, 400, query.error().message(),
               "invalid_request_error");
    return;
  }
  for (const auto& [key, value] : *query) {
    if (key == "signing_algo") algo = value;
  }
  if (algo != "ecdsa" && algo != "ed25519") {
    send_error(state, *writer, kSignatureEndpoint, 400, "signing_algo: expected ecdsa or ed25519",
               "invalid_request_error");
    return;
  }
  auto receipt = state.receipts.get(std::string(id), state.options.clock->now_unix());
  if (!receipt) {
    send_error(state, *writer, kSignatureEndpoint, 404,
               "No receipt for this id (unknown, or expired after " +
                   std::to_string(state.options.receipt_ttl.count()) + " s)",
               "not_found_error", "receipt_not_found");
    return;
  }
  auto signed_receipt = sign_receipt_text(state.keys, state.identity, receipt->signed_text(), algo);
  if (!signed_receipt) {
    send_error(state, *writer, kSignatureEndpoint, 500, "signing failed", "server_error");
    return;
  }
  send_json(state, *writer, kSignatureEndpoint, 200,
            dump_json(signed_receipt_json(*signed_receipt)));
}

}  // namespace cllm::node
