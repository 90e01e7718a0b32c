#include "cllm/attest/report.hpp"

#include <algorithm>
#include <array>

#include "cllm/attest/gpu_binding.hpp"
#include "cllm/common/hex.hpp"

namespace cllm::attest {

namespace {

Error field_error(std::string_view field, std::string_view what) {
  return make_error(ErrorCode::kParse, "report." + std::string(field) + ": " + std::string(what));
}

Status only_keys(const Json& object, std::string_view where,
                 std::initializer_list<std::string_view> keys) {
  for (const auto& item : object.items()) {
    if (std::find(keys.begin(), keys.end(), item.key()) == keys.end()) {
      return field_error(where.empty() ? item.key() : std::string(where) + "." + item.key(),
                         "unknown key");
    }
  }
  return ok_status();
}

Result<const Json*> member(const Json& object, std::string_view key, std::string_view name) {
  auto it = object.find(key);
  if (it == object.end()) return field_error(name, "missing");
  return &*it;
}

Result<std::string> string_member(const Json& object, std::string_view key, std::string_view name) {
  CLLM_ASSIGN_OR_RETURN(const Json* v, member(object, key, name));
  if (!v->is_string()) return field_error(name, "must be a string");
  return v->get<std::string>();
}

Result<const Json*> object_member(const Json& object, std::string_view key, std::string_view name) {
  CLLM_ASSIGN_OR_RETURN(const Json* v, member(object, key, name));
  if (!v->is_object()) return field_error(name, "must be an object");
  return v;
}

Status must_equal(std::string_view name, const std::string& value, const std::string& claim) {
  if (value != claim) return field_error(name, "differs from the claims");
  return ok_status();
}

}  // namespace

Result<Json> build_report(tdx::Attester& attester, const Claims& claims,
                          const ReportOptions& options) {
  CLLM_TRY(validate_claims(claims));
  if (claims.purpose != kPurposeReport) {
    return make_error(ErrorCode::kInvalidArgument, "build_report: claims purpose must be report");
  }
  if (claims.tee_type != attester.kind()) {
    return make_error(ErrorCode::kInvalidArgument, "build_report: claims.tee_type " +
                                                       claims.tee_type + " but the attester is " +
                                                       std::string(attester.kind()));
  }
  if (options.sim_root_ca_pem && !attester.simulated()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "build_report: a simulator root for a real attester");
  }
  if (options.nvidia_payload.has_value() != claims.gpu_evidence_sha256.has_value()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "build_report: nvidia_payload and claims.gpu_evidence_sha256 go together");
  }
  if (options.nvidia_payload) {
    CLLM_ASSIGN_OR_RETURN(std::string digest, gpu_evidence_sha256(*options.nvidia_payload));
    if (digest != *claims.gpu_evidence_sha256) {
      return make_error(ErrorCode::kInvalidArgument,
                        "build_report: claims.gpu_evidence_sha256 is not the payload's SHA-256");
    }
  }
  CLLM_ASSIGN_OR_RETURN(tdx::ReportData report_data, claims_report_data(kReportTag, claims));
  CLLM_ASSIGN_OR_RETURN(Bytes quote, attester.get_quote(report_data));
  CLLM_ASSIGN_OR_RETURN(tdx::RuntimeEventLog log, attester.event_log());

  Json report = Json::object();
  report["version"] = kReportVersion;
  report["claims"] = claims_to_json(claims);
  report["report_data"] = to_hex(report_data);
  report["intel_quote"] = to_hex(quote);
  report["event_log"] = log.to_json();
  report["signing_address"] = claims.signing_address;
  report["signing_algo"] = "ecdsa";
  report["signing_public_keys"] = {{"ecdsa", claims.secp256k1_public_key},
                                   {"ed25519", claims.ed25519_public_key}};
  report["tls_spki_sha256"] = claims.tls_spki_sha256;
  report["request_nonce"] = *claims.nonce;
  report["model"] = {{"id", claims.model_id}, {"sha256", claims.model_sha256}};
  report["tee"] = {{"type", claims.tee_type}, {"simulated", attester.simulated()}};
  if (options.collateral) {
    CLLM_ASSIGN_OR_RETURN(Json collateral,
                          parse_json(tdx::collateral_to_json(*options.collateral)));
    report["collateral"] = std::move(collateral);
  }
  if (options.sim_root_ca_pem) report["sim_root_ca_pem"] = *options.sim_root_ca_pem;
  if (options.nvidia_payload) report["nvidia_payload"] = *options.nvidia_payload;
  if (options.gpu_collateral) report["gpu_collateral"] = *options.gpu_collateral;
  return report;
}

Result<Report> parse_report(std::string_view text) {
  if (text.size() > kMaxReportJsonSize) {
    return make_error(ErrorCode::kLimit, "report: " + std::to_string(text.size()) +
                                             " bytes exceed " + std::to_string(kMaxReportJsonSize));
  }
  auto json = parse_json(text, 32);
  if (!json.ok()) return std::move(json).error().context("report");
  return report_from_json(*json);
}

Result<Report> report_from_json(const Json& json) {
  if (!json.is_object()) return make_error(ErrorCode::kParse, "report: must be a JSON object");
  CLLM_TRY(
      only_keys(json, "",
                {"version", "claims", "report_data", "intel_quote", "event_log", "signing_address",
                 "signing_algo", "signing_public_keys", "tls_spki_sha256", "request_nonce", "model",
                 "tee", "collateral", "sim_root_ca_pem", "nvidia_payload", "gpu_collateral"}));
  Report r;
  CLLM_ASSIGN_OR_RETURN(r.version, string_member(json, "version", "version"));
  if (r.version != kReportVersion) {
    return field_error("version", "must be \"" + std::string(kReportVersion) + "\"");
  }
  CLLM_ASSIGN_OR_RETURN(const Json* claims, object_member(json, "claims", "claims"));
  auto parsed_claims = claims_from_json(*claims);
  if (!parsed_claims.ok()) return std::move(parsed_claims).error().context("report");
  r.claims = std::move(parsed_claims).value();
  if (r.claims.purpose != kPurposeReport) {
    return field_error("claims.purpose", "must be \"report\"");
  }

  CLLM_ASSIGN_OR_RETURN(std::string report_data_hex,
                        string_member(json, "report_data", "report_data"));
  auto report_data = from_hex(report_data_hex);
  if (!report_data.ok() || report_data->size() != r.report_data.size()) {
    return field_error("report_data", "must be 128 hex digits");
  }
  std::copy(report_data->begin(), report_data->end(), r.report_data.begin());

  CLLM_ASSIGN_OR_RETURN(std::string quote_hex, string_member(json, "intel_quote", "intel_quote"));
  if (quote_hex.size() > 2 * tdx::kMaxQuoteSize) return field_error("intel_quote", "too large");
  auto quote = from_hex(quote_hex);
  if (!quote.ok()) return field_error("intel_quote", "must be hex");
  r.intel_quote = std::move(quote).value();

  CLLM_ASSIGN_OR_RETURN(const Json* event_log, member(json, "event_log", "event_log"));
  if (!event_log->is_array() && !event_log->is_string()) {
    return field_error("event_log", "must be an array (or a string holding one)");
  }
  r.event_log = *event_log;

  CLLM_ASSIGN_OR_RETURN(r.signing_address,
                        string_member(json, "signing_address", "signing_address"));
  CLLM_ASSIGN_OR_RETURN(r.signing_algo, string_member(json, "signing_algo", "signing_algo"));
  if (r.signing_algo != "ecdsa") return field_error("signing_algo", "must be \"ecdsa\"");
  CLLM_ASSIGN_OR_RETURN(const Json* keys,
                        object_member(json, "signing_public_keys", "signing_public_keys"));
  CLLM_TRY(only_keys(*keys, "signing_public_keys", {"ecdsa", "ed25519"}));
  CLLM_ASSIGN_OR_RETURN(r.signing_public_key_ecdsa,
                        string_member(*keys, "ecdsa", "signing_public_keys.ecdsa"));
  CLLM_ASSIGN_OR_RETURN(r.signing_public_key_ed25519,
                        string_member(*keys, "ed25519", "signing_public_keys.ed25519"));
  CLLM_ASSIGN_OR_RETURN(r.tls_spki_sha256,
                        string_member(json, "tls_spki_sha256", "tls_spki_sha256"));
  CLLM_ASSIGN_OR_RETURN(r.request_nonce, string_member(json, "request_nonce", "request_nonce"));
  CLLM_ASSIGN_OR_RETURN(const Json* model, object_member(json, "model", "model"));
  CLLM_TRY(only_keys(*model, "model", {"id", "sha256"}));
  CLLM_ASSIGN_OR_RETURN(r.model_id, string_member(*model, "id", "model.id"));
  CLLM_ASSIGN_OR_RETURN(r.model_sha256, string_member(*model, "sha256", "model.sha256"));
  CLLM_ASSIGN_OR_RETURN(const Json* tee, object_member(json, "tee", "tee"));
  CLLM_TRY(only_keys(*tee, "tee", {"type", "simulated"}));
  CLLM_ASSIGN_OR_RETURN(r.tee_type, string_member(*tee, "type", "tee.type"));
  CLLM_ASSIGN_OR_RETURN(const Json* simulated, member(*tee, "simulated", "tee.simulated"));
  if (!simulated->is_boolean()) return field_error("tee.simulated", "must be a boolean");
  r.tee_simulated = simulated->get<bool>();

  if (auto it = json.find("collateral"); it != json.end()) {
    if (!it->is_object()) return field_error("collateral", "must be an object");
    r.collateral = *it;
  }
  if (auto it = json.find("sim_root_ca_pem"); it != json.end()) {
    if (!it->is_string()) return field_error("sim_root_ca_pem", "must be a string");
    r.sim_root_ca_pem = it->get<std::string>();
  }
  if (auto it = json.find("nvidia_payload"); it != json.end()) {
    if (!it->is_string()) return field_error("nvidia_payload", "must be a string");
    if (it->get_ref<const std::string&>().size() > kMaxNvidiaPayloadSize) {
      return field_error("nvidia_payload", "larger than " + std::to_string(kMaxNvidiaPayloadSize));
    }
    r.nvidia_payload = it->get<std::string>();
  }
  if (auto it = json.find("gpu_collateral"); it != json.end()) {
    if (!it->is_object()) return field_error("gpu_collateral", "must be an object");
    r.gpu_collateral = *it;
  }

  // The repeated fields are conveniences for readers; the claims are what the quote binds,
  // so any disagreement means someone edited the report.
  const Claims& c = r.claims;
  CLLM_TRY(must_equal("signing_address", r.signing_address, c.signing_address));
  CLLM_TRY(
      must_equal("signing_public_keys.ecdsa", r.signing_public_key_ecdsa, c.secp256k1_public_key));
  CLLM_TRY(must_equal("signing_public_keys.ed25519", r.signing_public_key_ed25519,
                      c.ed25519_public_key));
  CLLM_TRY(must_equal("tls_spki_sha256", r.tls_spki_sha256, c.tls_spki_sha256));
  CLLM_TRY(must_equal("request_nonce", r.request_nonce, c.nonce.value_or("")));
  CLLM_TRY(must_equal("model.id", r.model_id, c.model_id));
  CLLM_TRY(must_equal("model.sha256", r.model_sha256, c.model_sha256));
  CLLM_TRY(must_equal("tee.type", r.tee_type, c.tee_type));
  if (r.tee_simulated != (c.tee_type == "sim")) {
    return field_error("tee.simulated", "disagrees with claims.tee_type");
  }
  if (r.sim_root_ca_pem && !r.tee_simulated) {
    return field_error("sim_root_ca_pem", "only allowed in a simulated report");
  }
  return r;
}

}  // namespace cllm::attest
