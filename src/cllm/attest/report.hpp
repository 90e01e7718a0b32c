// The attestation report a node serves at GET /v1/attestation/report (version
// "cllm.report.v1", docs/API.md "Attestation report"): the report claims (with the client's
// nonce), a quote whose report_data is claims_report_data(kReportTag, claims), the runtime
// event log, the public signing keys, and optionally the DCAP collateral (plus, for the
// simulator, its root certificate) so that a client can verify offline.
//
// build_report() runs in the node; parse_report() in verifiers. The parser only checks
// shape (bounded size, exact keys and types, the repeated fields agree with the claims); the
// evidence itself is judged by appraisal.hpp, which keeps the raw bytes it needs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cllm/attest/claims.hpp"
#include "cllm/common/bytes.hpp"
#include "cllm/common/json.hpp"
#include "cllm/common/result.hpp"
#include "cllm/tdx/attester.hpp"
#include "cllm/tdx/collateral.hpp"
#include "cllm/tdx/quote.hpp"

namespace cllm::attest {

inline constexpr std::string_view kReportVersion = "cllm.report.v1";
// A report with collateral is dominated by the hex PCK CRL (a few hundred KiB for real
// platforms); 16 MiB leaves room without letting a hostile server exhaust memory.
inline constexpr std::size_t kMaxReportJsonSize = 16 * 1024 * 1024;
// Eight GPUs' evidence is about 100 KiB of JSON; 2 MiB bounds a hostile one.
inline constexpr std::size_t kMaxNvidiaPayloadSize = 2 * 1024 * 1024;

struct ReportOptions {
  // Included as "collateral" (dcap-qvl JSON object) when set.
  std::optional<tdx::Collateral> collateral;
  // Included as "sim_root_ca_pem" when set; only for the simulator (build_report refuses it
  // for a real attester).
  std::optional<std::string> sim_root_ca_pem;
  // Included as "nvidia_payload" when set: the GPU evidence as the exact JSON text of an NRAS
  // request body (Phala's format). claims.gpu_evidence_sha256 must be its SHA-256.
  std::optional<std::string> nvidia_payload;
  // Included as "gpu_collateral" when set: what a verifier needs to judge the GPU evidence
  // offline ({"rims": {id: xml}}, and for simulated GPUs the simulator's roots).
  std::optional<Json> gpu_collateral;
};

// Quotes claims_report_data(kReportTag, claims) with the attester and assembles the report.
// claims must be valid, purpose "report" with a nonce, and tee_type == attester.kind().
// Signing information (address, public keys) comes from the claims, so it cannot disagree.
Result<Json> build_report(tdx::Attester& attester, const Claims& claims,
                          const ReportOptions& options = {});

struct Report {
  std::string version;            // kReportVersion
  Claims claims;                  // validated (claims_from_json)
  tdx::ReportData report_data{};  // the report's own report_data field
  Bytes intel_quote;              // raw bytes, exactly as sent (hex decoded)
  Json event_log;                 // the raw event-log JSON (array, or a string holding one)
  std::string signing_address;
  std::string signing_algo;  // "ecdsa"
  std::string signing_public_key_ecdsa;
  std::string signing_public_key_ed25519;
  std::string tls_spki_sha256;
  std::string request_nonce;
  std::string model_id;
  std::string model_sha256;
  std::string tee_type;
  bool tee_simulated = false;
  std::optional<Json> collateral;  // the raw dcap-qvl JSON object, parsed by the appraisal
  std::optional<std::string> sim_root_ca_pem;
  std::optional<std::string> nvidia_payload;  // exact text, as hashed into the claims
  std::optional<Json> gpu_collateral;
};

// Strict: at most kMaxReportJsonSize bytes, a JSON object with exactly the known keys (the
// two optional ones may be absent), each of its type; hex fields decode; the fields that
// repeat a claim (signing_address, signing_public_keys, tls_spki_sha256, request_nonce,
// model, tee.type) equal it. Errors name the field ("report.intel_quote: ...").
Result<Report> parse_report(std::string_view text);
Result<Report> report_from_json(const Json& json);

}  // namespace cllm::attest
