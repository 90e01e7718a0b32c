#include "cllm/attest/gpu_appraisal.hpp"

#include <map>
#include <optional>
#include <utility>

#include "cllm/attest/appraisal.hpp"
#include "cllm/attest/gpu_binding.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/common/printable.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/gpu/nras_request.hpp"

namespace cllm::attest {

namespace {

using Outcome = Factor::Outcome;

constexpr std::string_view kGpuFactors[] = {"gpu_evidence_binding", "gpu_nonce_binding",
                                            "gpu_count", "gpu_simulated_allowed", "gpu_evidence"};
// Bounds on gpu_collateral from outside.
constexpr std::size_t kMaxCollateralRims = 64;
constexpr std::size_t kMaxRimXmlSize = 1024 * 1024;

void fail_rest(Verdict& v, std::size_t from, const std::string& why) {
  for (std::size_t i = from; i < std::size(kGpuFactors); ++i) {
    v.add(std::string(kGpuFactors[i]), Outcome::kFail, "not checked: " + why);
  }
}

}  // namespace

Json gpu_collateral_to_json(const GpuCollateral& collateral) {
  Json rims = Json::object();
  for (const auto& [id, xml] : collateral.rims)
    rims[id] = std::string(xml.begin(), xml.end());
  Json out = {{"rims", rims}};
  if (collateral.sim_device_root_pem) out["sim_device_root_pem"] = *collateral.sim_device_root_pem;
  if (collateral.sim_rim_root_pem) out["sim_rim_root_pem"] = *collateral.sim_rim_root_pem;
  return out;
}

Result<GpuCollateral> gpu_collateral_from_json(const Json& json) {
  auto error = [](std::string_view what) {
    return make_error(ErrorCode::kParse, "report.gpu_collateral" + std::string(what));
  };
  if (!json.is_object()) return error(": must be an object");
  GpuCollateral out;
  for (const auto& item : json.items()) {
    const std::string& key = item.key();
    const Json& value = item.value();
    if (key == "rims") {
      if (!value.is_object()) return error(".rims: must be an object");
      if (value.size() > kMaxCollateralRims) return error(".rims: too many RIMs");
      for (const auto& rim : value.items()) {
        if (!gpu::is_valid_rim_id(rim.key())) return error(".rims: invalid RIM id");
        if (!rim.value().is_string()) return error(".rims." + rim.key() + ": must be a string");
        const auto& text = rim.value().get_ref<const std::string&>();
        if (text.size() > kMaxRimXmlSize) return error(".rims." + rim.key() + ": too large");
        out.rims[rim.key()] = Bytes(text.begin(), text.end());
      }
    } else if (key == "sim_device_root_pem" || key == "sim_rim_root_pem") {
      if (!value.is_string()) return error("." + key + ": must be a string");
      (key == "sim_device_root_pem" ? out.sim_device_root_pem : out.sim_rim_root_pem) =
          value.get<std::string>();
    } else {
      return error("." + printable_ascii(key, 64) + ": unknown key");
    }
  }
  return out;
}

void appraise_gpu_factors(Verdict& v, const Claims& claims, const GpuEvidenceInReport& report,
                          const GpuAppraisalOptions& options, bool allow_simulated,
                          std::int64_t now) {
  // Taken before the GPU factors add their own (a name, not a pointer into v.factors).
  std::optional<std::string> earlier_failure;
  if (const Factor* failed = v.first_failure()) earlier_failure = failed->name;
  const std::optional<std::string>& payload = *report.nvidia_payload;
  if (!payload && !claims.gpu_evidence_sha256) {
    if (options.require_gpus > 0) {
      v.add("gpu_count", Outcome::kFail,
            "the report carries no GPU evidence; " + std::to_string(options.require_gpus) +
                " GPU(s) required");
    } else {
      v.add("gpu_evidence", Outcome::kSkip, "the node attests no GPU", false);
    }
    return;
  }

  // gpu_evidence_binding
  if (!payload) {
    v.add("gpu_evidence_binding", Outcome::kFail,
          "the claims bind GPU evidence but the report carries no nvidia_payload");
    fail_rest(v, 1, "no GPU evidence");
    return;
  }
  auto digest = gpu_evidence_sha256(*payload);
  if (!claims.gpu_evidence_sha256) {
    v.add("gpu_evidence_binding", Outcome::kFail,
          "the report carries an nvidia_payload that the claims (and so the quote) do not bind");
    fail_rest(v, 1, "unbound GPU evidence");
    return;
  }
  if (!digest.ok() || *digest != *claims.gpu_evidence_sha256) {
    v.add("gpu_evidence_binding", Outcome::kFail,
          "SHA-256 of nvidia_payload is " + (digest.ok() ? *digest : std::string("?")) +
              ", the claims bind " + *claims.gpu_evidence_sha256);
    fail_rest(v, 1, "the GPU evidence is not the one the quote binds");
    return;
  }
  v.add("gpu_evidence_binding", Outcome::kPass,
        "claims.gpu_evidence_sha256 = SHA-256(nvidia_payload) = " + *digest);

  // gpu_nonce_binding
  auto request = gpu::parse_nras_request(*payload);
  if (!request.ok()) {
    v.add("gpu_nonce_binding", Outcome::kFail, "nvidia_payload: " + request.error().message());
    fail_rest(v, 2, "nvidia_payload does not parse");
    return;
  }
  auto expected_nonce = gpu_nonce(claims.tls_spki_sha256, claims.nonce.value_or(""));
  if (!expected_nonce.ok()) {
    v.add("gpu_nonce_binding", Outcome::kFail, expected_nonce.error().message());
    fail_rest(v, 2, "no expected GPU nonce");
    return;
  }
  if (!constant_time_equal(request->nonce, *expected_nonce)) {
    v.add("gpu_nonce_binding", Outcome::kFail,
          "nvidia_payload nonce " + to_hex(request->nonce) + " is not SHA-256(\"" +
              std::string(kGpuNonceTag) +
              "\" || TLS key hash || request nonce) = " + to_hex(*expected_nonce));
    // Evidence made for another nonce may be a replay: it is not sent anywhere to be checked.
    fail_rest(v, 2, "the GPU evidence was made for another nonce");
    return;
  }
  v.add("gpu_nonce_binding", Outcome::kPass,
        "GPU nonce " + to_hex(*expected_nonce) + " derives from this TLS key and request");

  // gpu_count: distinct devices. Every copy of one GPU's evidence carries the same nonce and
  // signature, so repeating it must not make one GPU count as several.
  const std::size_t count = request->evidence.size();
  std::map<Bytes, std::size_t> first_with_leaf;
  std::optional<std::pair<std::size_t, std::size_t>> repeated;
  for (std::size_t i = 0; i < count && !repeated; ++i) {
    auto ders = crypto::pem_chain_der(request->evidence[i].certificate_chain);
    if (!ders.ok() || ders->empty()) continue;  // gpu_evidence reports the broken chain
    auto [it, inserted] = first_with_leaf.emplace(ders->front(), i);
    if (!inserted) repeated = std::make_pair(it->second, i);
  }
  if (repeated) {
    v.add("gpu_count", Outcome::kFail,
          "evidence entries " + std::to_string(repeated->first) + " and " +
              std::to_string(repeated->second) +
              " carry the same device certificate: one GPU counted twice");
  } else if (count < std::max<std::size_t>(1, options.require_gpus)) {
    v.add("gpu_count", Outcome::kFail,
          std::to_string(count) + " GPU(s) in the evidence, " +
              std::to_string(options.require_gpus) + " required");
  } else {
    v.add("gpu_count", Outcome::kPass,
          std::to_string(count) + " GPU(s)" +
              (options.require_gpus > 0 ? ", " + std::to_string(options.require_gpus) + " required"
                                        : std::string()));
  }

  // gpu_simulated_allowed: simulator roots in the collateral mean simulated GPUs.
  GpuCollateral collateral;
  if (*report.gpu_collateral) {
    auto parsed = gpu_collateral_from_json(**report.gpu_collateral);
    if (!parsed.ok()) {
      v.add("gpu_simulated_allowed", Outcome::kFail, parsed.error().message());
      fail_rest(v, 4, "gpu_collateral does not parse");
      return;
    }
    collateral = std::move(parsed).value();
  }
  const bool simulated = collateral.sim_device_root_pem.has_value();
  std::optional<crypto::Certificate> sim_device_root;
  std::optional<crypto::Certificate> sim_rim_root;
  if (simulated) {
    auto device = crypto::Certificate::from_pem(*collateral.sim_device_root_pem);
    auto rim = collateral.sim_rim_root_pem
                   ? crypto::Certificate::from_pem(*collateral.sim_rim_root_pem)
                   : Result<crypto::Certificate>(
                         make_error(ErrorCode::kParse, "sim_rim_root_pem missing"));
    if (!device.ok() || !rim.ok()) {
      v.add("gpu_simulated_allowed", Outcome::kFail,
            "gpu_collateral simulator roots: " +
                (device.ok() ? rim.error().message() : device.error().message()));
      fail_rest(v, 4, "the simulator roots do not parse");
      return;
    }
    sim_device_root = std::move(device).value();
    sim_rim_root = std::move(rim).value();
    if (!allow_simulated) {
      v.add("gpu_simulated_allowed", Outcome::kFail,
            "simulated GPU evidence (pass --allow-simulated for development)");
    } else if (claims.tee_type != "sim") {
      v.add("gpu_simulated_allowed", Outcome::kFail,
            "simulated GPUs in a " + claims.tee_type + " TEE");
    } else {
      v.add("gpu_simulated_allowed", Outcome::kPass, "simulated GPUs accepted (--allow-simulated)");
    }
  } else {
    v.add("gpu_simulated_allowed", Outcome::kPass,
          "GPU evidence is checked against NVIDIA's roots");
  }

  // gpu_evidence. When a check before it failed (the quote, its binding to these claims), the
  // evidence is not vouched for by the TEE: it is neither sent to NRAS nor checked against RIM
  // and OCSP services, so an untrusted server cannot make the verifier post or fetch for it.
  if (earlier_failure) {
    v.add("gpu_evidence", Outcome::kFail, "not checked: " + *earlier_failure + " failed");
    return;
  }
  if (options.verifier == GpuAppraisalOptions::Verifier::kNras) {
    if (simulated) {
      v.add("gpu_evidence", Outcome::kFail,
            "NRAS cannot verify simulated GPUs; use the local verifier");
      return;
    }
    if (!options.nras) {
      v.add("gpu_evidence", Outcome::kFail, "no NRAS client configured");
      return;
    }
    auto answer = options.nras(*expected_nonce, request->evidence);
    if (!answer.ok()) {
      v.add("gpu_evidence", Outcome::kFail, "NRAS: " + answer.error().message());
    } else if (!answer->verification.accepted()) {
      v.add("gpu_evidence", Outcome::kFail,
            "NRAS: " + answer->verification.status().error().message());
    } else {
      v.add("gpu_evidence", Outcome::kPass,
            std::to_string(count) + " GPU(s) verified by NRAS (signed EAT, overall result true)");
    }
    return;
  }
  gpu::LocalGpuVerifier verifier =
      simulated ? gpu::LocalGpuVerifier(*sim_device_root) : gpu::LocalGpuVerifier();
  gpu::LocalVerifierOptions local;
  std::copy(expected_nonce->begin(), expected_nonce->end(), local.expected_nonce.begin());
  local.now = now;
  local.supplied_rims = collateral.rims;
  local.rim_store = options.rim_store.get();
  if (simulated) local.rim_anchor = *sim_rim_root;
  local.skip_rims = options.skip_rims;
  local.ocsp = options.ocsp.get();
  if (simulated) {
    // The simulator's certificates name a responder that does not exist (.invalid).
    local.ocsp = nullptr;
    local.ocsp_skip_reason = "simulated GPUs: the simulator runs no OCSP responder";
  }
  local.require_gpus = options.require_gpus;
  gpu::GpuSetVerdict verdict = verifier.verify_all(request->evidence, local);
  if (auto failed = verdict.first_failure()) {
    v.add("gpu_evidence", Outcome::kFail, failed->name + ": " + failed->detail);
  } else {
    std::string detail = std::to_string(count) +
                         " GPU(s) verified locally: chain, FWID, nonce, "
                         "signature";
    detail += options.skip_rims ? " (RIM checks turned off)" : ", RIMs and measurements";
    v.add("gpu_evidence", Outcome::kPass, detail);
  }
}

}  // namespace cllm::attest
