#include "cllm/ratls/node_verifier.hpp"

#include <cctype>
#include <mutex>

#include "cllm/attest/report.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/crypto/random.hpp"
#include "cllm/ratls/certificate.hpp"
#include "cllm/ratls/client_verifier.hpp"
#include "cllm/tdx/collateral.hpp"

namespace cllm::ratls {

namespace {

using Outcome = attest::Factor::Outcome;

// Records every leaf a connection presents; accepts it (trust is decided afterwards, from
// the evidence; until then only a nonce is sent).
struct LeafRecorder {
  std::mutex mutex;
  std::vector<Bytes> leaves;
};

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string trim_slash(std::string url) {
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  return url;
}

// The claims that must be the same in the certificate and in the report.
void check_consistency(const attest::Claims& cert, const attest::Claims& report,
                       attest::Verdict& v) {
  std::vector<std::string> differ;
  if (cert.tls_spki_sha256 != report.tls_spki_sha256) differ.push_back("tls_spki_sha256");
  if (cert.signing_address != report.signing_address) differ.push_back("signing_address");
  if (cert.secp256k1_public_key != report.secp256k1_public_key) {
    differ.push_back("secp256k1_public_key");
  }
  if (cert.ed25519_public_key != report.ed25519_public_key) differ.push_back("ed25519_public_key");
  if (cert.model_id != report.model_id) differ.push_back("model_id");
  if (cert.model_sha256 != report.model_sha256) differ.push_back("model_sha256");
  if (cert.tee_type != report.tee_type) differ.push_back("tee_type");
  if (differ.empty()) {
    v.add("certificate_report_consistency", Outcome::kPass,
          "the certificate and the report make the same claims (keys, model, TEE)");
  } else {
    std::string list;
    for (const auto& d : differ)
      list += (list.empty() ? "" : ", ") + d;
    v.add("certificate_report_consistency", Outcome::kFail,
          "the certificate's claims differ from the report's in: " + list);
  }
}

}  // namespace

Result<NodeVerification> verify_node(const std::string& base_url,
                                     const NodeVerifyOptions& options) {
  NodeVerification out;
  out.url = trim_slash(base_url);
  if (options.nonce) {
    std::string lower = *options.nonce;
    for (char& c : lower)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!is_hex64(lower)) {
      return make_error(ErrorCode::kInvalidArgument, "nonce: expected 64 hex characters");
    }
    out.nonce = lower;
  } else {
    CLLM_ASSIGN_OR_RETURN(auto random, crypto::random_bytes(32));
    out.nonce = to_hex(random);
  }

  // Step 1 and 2: fetch the report, recording the leaf of the connection it came on.
  auto recorder = std::make_shared<LeafRecorder>();
  net::TlsClientOptions tls;
  tls.verify_peer = [recorder](std::span<const Bytes> chain) -> Status {
    if (chain.empty()) return make_error(ErrorCode::kVerification, "no server certificate");
    std::lock_guard lock(recorder->mutex);
    recorder->leaves.push_back(chain.front());
    return ok_status();
  };
  CLLM_ASSIGN_OR_RETURN(auto tls_context, net::TlsClientContext::create(std::move(tls)));
  net::ClientOptions client_options;
  client_options.tls = tls_context;
  client_options.timeout = options.timeout;
  client_options.max_response_bytes = attest::kMaxReportJsonSize;
  net::HttpClient client(client_options);

  const bool caller_collateral = options.appraisal.collateral.has_value() ||
                                 static_cast<bool>(options.appraisal.fetch_collateral);
  std::string target = out.url + "/v1/attestation/report?nonce=" + out.nonce;
  if (options.request_collateral && !caller_collateral) target += "&include_collateral=true";
  // Nothing but the nonce goes out before the node is verified (no API key, no prompt).
  auto response = client.get(target);
  if (!response.ok()) {
    out.connection.add("connection", Outcome::kFail, response.error().message());
    out.connection.finish();
    return out;
  }
  if (response->status != 200) {
    out.connection.add("connection", Outcome::kFail,
                       "GET /v1/attestation/report answered HTTP " +
                           std::to_string(response->status) + ": " + response->body.substr(0, 300));
    out.connection.finish();
    return out;
  }
  Bytes leaf;
  {
    std::lock_guard lock(recorder->mutex);
    if (!recorder->leaves.empty()) leaf = recorder->leaves.back();
  }
  if (leaf.empty() || response->peer_certificate_der.empty()) {
    out.connection.add("connection", Outcome::kFail, "the server presented no certificate");
    out.connection.finish();
    return out;
  }
  out.connection.add(
      "connection", Outcome::kPass,
      "TLS to " + out.url + ", report of " + std::to_string(response->body.size()) + " bytes");
  out.certificate_der = leaf;
  auto spki = certificate_spki_sha256(ByteView(leaf));
  out.tls_spki_sha256 = spki.ok() ? *spki : std::string();

  // Step 3: the report, bound to our nonce and to this connection's key.
  attest::Binding binding;
  binding.expected_nonce = out.nonce;
  binding.tls_spki_sha256 = spki.ok() ? *spki : std::string("unavailable");
  auto parsed = attest::parse_report(response->body);
  if (!parsed.ok()) {
    out.report.add("report_format", Outcome::kFail, parsed.error().message());
    out.report.finish();
  } else {
    out.report = attest::appraise_report(*parsed, binding, options.appraisal);
  }

  // Step 4: the certificate's own evidence, with the collateral and simulator root that the
  // report brought when the caller brought none.
  attest::AppraisalOptions cert_options = options.appraisal;
  if (parsed.ok()) {
    if (!caller_collateral && parsed->collateral) {
      auto collateral = tdx::parse_collateral_json(parsed->collateral->dump());
      if (collateral.ok()) cert_options.collateral = std::move(collateral).value();
    }
    if (parsed->sim_root_ca_pem) {
      auto root = crypto::Certificate::from_pem(*parsed->sim_root_ca_pem);
      if (root.ok()) cert_options.simulated_roots.push_back(std::move(root).value());
    }
  }
  out.certificate = appraise_ratls_certificate(leaf, cert_options);

  // Step 5: one key, one story.
  bool same_key = true;
  {
    std::lock_guard lock(recorder->mutex);
    for (const auto& l : recorder->leaves)
      same_key = same_key && l == leaf;
  }
  if (response->peer_certificate_der != leaf) same_key = false;
  out.connection.add("same_tls_key", same_key ? Outcome::kPass : Outcome::kFail,
                     same_key
                         ? "the report came over the connection whose certificate was appraised"
                         : "the server presented different certificates");
  if (out.certificate.claims && out.report.claims) {
    check_consistency(*out.certificate.claims, *out.report.claims, out.connection);
  } else {
    out.connection.add("certificate_report_consistency", Outcome::kFail,
                       "not checked: the certificate's or the report's claims did not verify");
  }
  out.connection.finish();
  out.accepted = out.connection.accepted && out.certificate.accepted && out.report.accepted;
  if (out.accepted) out.claims = out.report.claims;
  return out;
}

Json node_verification_to_json(const NodeVerification& v) {
  Json checks = Json::array();
  auto add = [&checks](std::string_view stage, const attest::Verdict& verdict) {
    for (const auto& f : verdict.factors) {
      checks.push_back(Json{{"stage", std::string(stage)},
                            {"name", f.name},
                            {"result", std::string(attest::to_string(f.outcome))},
                            {"detail", f.detail},
                            {"required", f.required}});
    }
  };
  add("connection", v.connection);
  add("certificate", v.certificate);
  add("report", v.report);
  Json out = Json::object();
  out["accepted"] = v.accepted;
  out["url"] = v.url;
  out["nonce"] = v.nonce;
  out["tls_spki_sha256"] = v.tls_spki_sha256;
  out["checks"] = std::move(checks);
  if (v.claims) out["claims"] = attest::claims_to_json(*v.claims);
  return out;
}

Result<net::HttpClient> pinned_client(const std::string& spki_sha256, net::ClientOptions options) {
  net::TlsClientOptions tls;
  tls.verify_peer = [spki_sha256](std::span<const Bytes> chain) -> Status {
    if (chain.empty()) return make_error(ErrorCode::kVerification, "no server certificate");
    auto spki = certificate_spki_sha256(ByteView(chain.front()));
    if (!spki.ok() || *spki != spki_sha256) {
      return make_error(ErrorCode::kVerification,
                        "ratls: pinned key: the server's TLS key is not the one that was verified");
    }
    return ok_status();
  };
  CLLM_ASSIGN_OR_RETURN(auto context, net::TlsClientContext::create(std::move(tls)));
  options.tls = context;
  return net::HttpClient(options);
}

}  // namespace cllm::ratls
