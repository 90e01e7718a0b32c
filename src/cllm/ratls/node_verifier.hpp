// Verifying a cllm node from the outside (what `cllm verify` and `cllm chat --verify` run):
//
//  1. Connect over TLS, keeping the server's leaf certificate; nothing is trusted yet and
//     nothing but a nonce is sent.
//  2. On that connection's terms, GET /v1/attestation/report with a fresh random nonce (and
//     the collateral, unless the caller brings its own).
//  3. Appraise the report (attest::appraise_report) with the nonce and the SPKI of the
//     certificate of the connection the report came on (tls_key_binding).
//  4. Appraise the RA-TLS certificate's own evidence (appraise_ratls_certificate) with the
//     same collateral and roots.
//  5. Check that the two agree: one TLS key across both connections, and the certificate's
//     claims name the same signing keys, model and TEE as the report's.
//
// Accepted only when every step passes. The HTTP client opens one connection per request;
// step 5's same_tls_key factor is what ties the report's connection to the certificate's.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cllm/attest/appraisal.hpp"
#include "cllm/common/bytes.hpp"
#include "cllm/common/json.hpp"
#include "cllm/common/result.hpp"
#include "cllm/net/http_client.hpp"

namespace cllm::ratls {

struct NodeVerifyOptions {
  // Policy (allow_simulated, statuses, ...), expected model hash, collateral or
  // fetch_collateral, and `now`. Simulator roots carried by the report are added for both
  // appraisals (they can only ever make evidence "simulated").
  attest::AppraisalOptions appraisal;
  std::optional<std::string> nonce;  // 64 hex; a random one when absent
  // Ask the node for its collateral (ignored when appraisal.collateral or fetch_collateral is
  // set: the caller's source wins).
  bool request_collateral = true;
  std::chrono::milliseconds timeout{30'000};
};

struct NodeVerification {
  bool accepted = false;
  std::string url;
  std::string nonce;
  // Steps 1 and 5 (connection, same_tls_key, certificate_report_consistency).
  attest::Verdict connection;
  attest::Verdict certificate;  // step 4
  attest::Verdict report;       // step 3
  std::string tls_spki_sha256;  // of the certificate that was appraised
  Bytes certificate_der;
  std::optional<attest::Claims> claims;  // the report's claims, when accepted
};

// Never fails for a node that answers badly: that is a rejected verification. Errors are
// only for bad options (a malformed nonce).
Result<NodeVerification> verify_node(const std::string& base_url, const NodeVerifyOptions& options);

// {"accepted", "url", "nonce", "tls_spki_sha256", "checks":[{"stage","name","result",
//  "detail","required"}], "claims"}
Json node_verification_to_json(const NodeVerification& verification);

// A client that accepts only a server whose leaf has this SPKI SHA-256: after verify_node
// accepted a node, later connections are pinned to the key that was verified.
Result<net::HttpClient> pinned_client(const std::string& spki_sha256,
                                      net::ClientOptions options = {});

}  // namespace cllm::ratls
