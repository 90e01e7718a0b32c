#include "cllm/gpu/local_verifier.hpp"

#include <algorithm>

#include "cllm/common/clock.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/gpu/device_chain.hpp"
#include "cllm/gpu/nvidia_roots.hpp"

namespace cllm::gpu {

namespace {

// certs ordered leaf first up to the anchor: from the one that issued none of the others,
// each next one its issuer; a copy of the root among them is replaced by the pinned anchor.
std::vector<crypto::Certificate> chain_to_anchor(const std::vector<crypto::Certificate>& certs,
                                                 const crypto::Certificate& anchor) {
  std::vector<crypto::Certificate> rest;
  for (const auto& c : certs) {
    if (c.der() != anchor.der() && !c.is_signed_by(c)) rest.push_back(c);
  }
  std::vector<crypto::Certificate> chain;
  for (std::size_t i = 0; i < rest.size() && chain.empty(); ++i) {
    bool issued_another = false;
    for (std::size_t j = 0; j < rest.size(); ++j) {
      issued_another = issued_another || (j != i && rest[j].is_signed_by(rest[i]));
    }
    if (!issued_another) chain.push_back(rest[i]);
  }
  while (!chain.empty() && chain.size() <= rest.size()) {
    const crypto::Certificate& last = chain.back();
    auto issuer = std::find_if(rest.begin(), rest.end(), [&](const crypto::Certificate& c) {
      return c.der() != last.der() && last.is_signed_by(c);
    });
    if (issuer == rest.end()) break;
    chain.push_back(*issuer);
  }
  chain.push_back(anchor);
  return chain;
}

void check_revocation(CheckList& checks, const LocalVerifierOptions& options,
                      const std::vector<crypto::Certificate>& chain, std::string_view name,
                      bool chain_valid, bool skip_leaf) {
  if (options.ocsp == nullptr) {
    checks.skip(std::string(name), options.ocsp_skip_reason);
  } else if (!chain_valid) {
    checks.fail(std::string(name), "not checked: the certificate chain did not validate");
  } else {
    checks.append(options.ocsp->check_chain(chain, name, options.now, skip_leaf));
  }
}

// Appraises the RIM `id` names (from the supplied documents, else the store), with the
// caller's prefix ("driver-" / "vbios-") on every check.
RimAppraisal appraise_rim(const std::optional<std::string>& id,
                          const std::optional<std::string>& version, GpuArch arch,
                          std::string_view what, const LocalVerifierOptions& options,
                          std::map<std::string, RimAppraisal>& cache) {
  RimAppraisal failed;
  if (!id) {
    failed.checks.fail(std::string(kCheckRimFetched),
                       "the report carries no " + std::string(what) + " version to name a RIM");
    return failed;
  }
  failed.rim_id = *id;
  if (auto hit = cache.find(*id); hit != cache.end()) return hit->second;

  // The verifier's own store first. RIMs supplied with the evidence come from the party being
  // verified: NVIDIA has signed several different documents under one id (test and re-issued
  // RIMs), so a supplied one is the attester's choice among them, used only when the store
  // has none.
  std::optional<Bytes> xml;
  std::string source;
  std::string store_error;
  if (options.rim_store != nullptr) {
    auto fetched = options.rim_store->fetch(*id);
    if (fetched) {
      xml = std::move(fetched->xml);
      source = std::string(rim_source_name(fetched->source)) + " " + fetched->location;
    } else {
      store_error = fetched.error().message();
    }
  }
  if (!xml) {
    if (auto it = options.supplied_rims.find(*id); it != options.supplied_rims.end()) {
      xml = it->second;
      source = options.rim_store == nullptr
                   ? "supplied with the evidence"
                   : "supplied with the evidence; the RIM store had none: " + store_error;
    } else {
      failed.checks.fail(std::string(kCheckRimFetched),
                         options.rim_store == nullptr
                             ? "RIM " + *id + " was not supplied and no RIM store is configured"
                             : store_error);
      cache.emplace(*id, failed);
      return failed;
    }
  }

  RimVerifyOptions rim_options;
  rim_options.trust_anchor =
      options.rim_anchor ? *options.rim_anchor : nvidia_corim_signing_root_ca();
  rim_options.now = options.now;
  rim_options.expected_rim_id = *id;
  rim_options.expected_version = version;
  rim_options.expected_product_prefix = arch == GpuArch::kBlackwell ? "GB1" : "GH1";
  RimAppraisal verified = verify_rim(*xml, rim_options);
  CheckList with_fetch;
  with_fetch.pass(std::string(kCheckRimFetched), *id + " (" + source + ")");
  with_fetch.append(verified.checks);
  if (!verified.certificates.empty()) {  // once per RIM, however many GPUs name it
    check_revocation(
        with_fetch, options, chain_to_anchor(verified.certificates, *rim_options.trust_anchor),
        kCheckRimChainOcsp, verified.cert_chain.status == RimCertStatus::kValid, false);
  }
  verified.checks = std::move(with_fetch);
  verified.rim_id = *id;
  cache.emplace(*id, verified);
  return verified;
}

Json check_value(const CheckList& checks, std::string_view name) {
  const Check* c = checks.find(name);
  if (c == nullptr || c->outcome == CheckOutcome::kSkip) return nullptr;
  return c->outcome == CheckOutcome::kPass;
}

Json cert_chain_claim(std::string_view status, std::optional<std::int64_t> expiry) {
  Json j = Json::object();
  j["x-nvidia-cert-status"] = status;
  j["x-nvidia-cert-expiration-date"] = expiry ? Json(utc_rfc3339(*expiry)) : Json(nullptr);
  return j;
}

}  // namespace

LocalGpuVerifier::LocalGpuVerifier() = default;

LocalGpuVerifier::LocalGpuVerifier(crypto::Certificate device_anchor)
    : evidence_(std::move(device_anchor)) {}

GpuVerdict LocalGpuVerifier::verify(const GpuEvidence& evidence,
                                    const LocalVerifierOptions& options) const {
  std::map<std::string, RimAppraisal> rim_cache;
  return verify_one(0, evidence, options, rim_cache);
}

GpuVerdict LocalGpuVerifier::verify_one(std::size_t index, const GpuEvidence& evidence,
                                        const LocalVerifierOptions& options,
                                        std::map<std::string, RimAppraisal>& rim_cache) const {
  GpuVerdict v;
  v.index = index;
  v.arch = evidence.arch;
  EvidenceOptions evidence_options;
  evidence_options.expected_nonce = options.expected_nonce;
  evidence_options.now = options.now;
  evidence_options.kind = options.kind;
  v.evidence = evidence_.appraise(evidence, evidence_options);
  if (options.check_nonce) {
    v.checks.append(v.evidence.checks);
  } else {
    // The evidence verifier always compares nonces; without an expected one, its verdict on
    // that check means nothing and is replaced by a skip that says so.
    for (const Check& c : v.evidence.checks.checks()) {
      if (c.name == kCheckNonceMatch) {
        std::string nonce = v.evidence.report ? to_hex(v.evidence.report->request.nonce) : "?";
        v.checks.skip(c.name, "no expected nonce given: freshness not established (report nonce " +
                                  nonce + ")");
      } else if (c.outcome == CheckOutcome::kPass) {
        v.checks.pass(c.name, c.detail);
      } else if (c.outcome == CheckOutcome::kFail) {
        v.checks.fail(c.name, c.detail);
      } else {
        v.checks.skip(c.name, c.detail);
      }
    }
  }

  {
    const Check* chain_check = v.checks.find(kCheckChainValidated);
    const bool chain_valid = chain_check != nullptr && chain_check->outcome == CheckOutcome::kPass;
    auto certs = parse_device_chain(evidence.certificate_chain);
    std::vector<crypto::Certificate> chain;
    if (certs) chain = chain_to_anchor(*certs, evidence_.anchor());
    // The per-boot leaf is not known to NVIDIA's responder.
    check_revocation(v.checks, options, chain, kCheckChainOcsp, chain_valid && certs.ok(), true);
  }

  if (options.skip_rims) {
    v.checks.skip(std::string(kCheckRimsSkipped),
                  "RIM checks turned off: measurements were not compared with reference values");
  } else if (options.kind == DeviceKind::kSwitch) {
    v.checks.skip(std::string(kCheckRimsSkipped),
                  "NVSwitch: its BIOS RIM id needs the project and SKU NSCQ reports, which the "
                  "SPDM report lacks; measurements were not compared");
  } else if (!v.evidence.report) {
    v.checks.fail(std::string(kCheckMeasurementsMatch), "not checked: the report did not parse");
  } else {
    v.driver_rim = appraise_rim(v.evidence.driver_rim_id, v.evidence.driver_version, v.arch,
                                "driver", options, rim_cache);
    v.vbios_rim = appraise_rim(v.evidence.vbios_rim_id, v.evidence.vbios_version, v.arch, "VBIOS",
                               options, rim_cache);
    v.checks.append(v.driver_rim->checks, "driver-");
    v.checks.append(v.vbios_rim->checks, "vbios-");
    auto has_active = [](const RimDocument& rim) {
      return std::any_of(rim.measurements.begin(), rim.measurements.end(),
                         [](const RimMeasurement& m) { return m.active; });
    };
    // Golden values count only from a RIM whose signature and signer chain verified: otherwise
    // the claims would say "measres: success" for values nobody vouches for.
    auto authentic = [](const RimAppraisal& rim) {
      for (std::string_view name : {kCheckRimSignatureVerified, kCheckRimCertChainValidated}) {
        const Check* c = rim.checks.find(name);
        if (c == nullptr || c->outcome != CheckOutcome::kPass) return false;
      }
      return true;
    };
    if (v.driver_rim->document && v.vbios_rim->document &&
        (!authentic(*v.driver_rim) || !authentic(*v.vbios_rim))) {
      v.checks.fail(std::string(kCheckMeasurementsMatch),
                    std::string("not compared: the ") +
                        (authentic(*v.driver_rim) ? "VBIOS" : "driver") +
                        " RIM's signature or certificate chain did not verify");
    } else if (v.driver_rim->document && v.vbios_rim->document &&
               (!has_active(*v.driver_rim->document) || !has_active(*v.vbios_rim->document))) {
      // A RIM with nothing active would leave its half of the firmware unchecked.
      v.checks.fail(std::string(kCheckMeasurementsMatch),
                    std::string(has_active(*v.driver_rim->document) ? "the VBIOS" : "the driver") +
                        " RIM has no active golden measurement");
    } else if (v.driver_rim->document && v.vbios_rim->document) {
      MeasurementComparisonOptions compare_options;
      compare_options.nvdec0_status = v.evidence.report->opaque.nvdec0_status();
      v.measurements = compare_measurements(*v.driver_rim->document, *v.vbios_rim->document,
                                            v.evidence.report->blocks, compare_options);
      v.checks.append(v.measurements->checks);
    } else {
      v.checks.fail(std::string(kCheckMeasurementsMatch),
                    "not checked: the driver and VBIOS RIMs are not both available");
    }
  }
  v.accepted = v.checks.passed();
  return v;
}

GpuSetVerdict LocalGpuVerifier::verify_all(const GpuEvidenceList& evidence,
                                           const LocalVerifierOptions& options) const {
  GpuSetVerdict set;
  std::map<std::string, RimAppraisal> rim_cache;  // eight GPUs of a node share their RIMs
  for (std::size_t i = 0; i < evidence.size(); ++i) {
    set.gpus.push_back(verify_one(i, evidence[i], options, rim_cache));
  }
  const std::size_t want = std::max<std::size_t>(1, options.require_gpus);
  if (evidence.size() < want) {
    set.checks.fail(std::string(kCheckGpuCount), std::to_string(evidence.size()) +
                                                     " GPU(s) in the evidence, " +
                                                     std::to_string(want) + " required");
  } else {
    set.checks.pass(std::string(kCheckGpuCount), std::to_string(evidence.size()) + " GPU(s), " +
                                                     std::to_string(want) + " required");
  }
  bool same_arch = true;
  for (const GpuEvidence& e : evidence)
    same_arch = same_arch && e.arch == evidence.front().arch;
  if (!same_arch) {
    // NVIDIA's verifiers refuse mixed sets too: one CC mode and one RIM family per node.
    set.checks.fail(std::string(kCheckSameArch), "the GPUs report different architectures");
  } else if (!evidence.empty()) {
    set.checks.pass(std::string(kCheckSameArch),
                    "all " + std::string(gpu_arch_name(evidence.front().arch)));
  }
  set.accepted = set.checks.passed();
  for (const GpuVerdict& g : set.gpus)
    set.accepted = set.accepted && g.accepted;
  return set;
}

std::optional<Check> GpuSetVerdict::first_failure() const {
  if (const Check* c = checks.first_failure()) return *c;
  for (const GpuVerdict& g : gpus) {
    if (const Check* c = g.checks.first_failure()) {
      Check named = *c;
      named.name = "gpu" + std::to_string(g.index) + "." + c->name;
      return named;
    }
  }
  return std::nullopt;
}

Json checks_to_json(const CheckList& checks) {
  Json out = Json::array();
  for (const Check& c : checks.checks()) {
    out.push_back(
        {{"name", c.name}, {"result", check_outcome_name(c.outcome)}, {"detail", c.detail}});
  }
  return out;
}

Json GpuVerdict::claims() const {
  Json c = Json::object();
  // Every check as a boolean claim under NVIDIA's naming (null: not run).
  for (const Check& check : checks.checks()) {
    c["x-nvidia-gpu-" + check.name] = check_value(checks, check.name);
  }
  c["x-nvidia-gpu-attestation-report-cert-chain"] = cert_chain_claim(
      cert_status_name(evidence.chain_status),
      evidence.chain_expiration > 0 ? std::optional<std::int64_t>(evidence.chain_expiration)
                                    : std::nullopt);
  auto rim_chain = [](const std::optional<RimAppraisal>& rim) -> Json {
    if (!rim || rim->certificates.empty()) return nullptr;
    return cert_chain_claim(rim_cert_status_name(rim->cert_chain.status),
                            rim->cert_chain.earliest_expiry);
  };
  c["x-nvidia-gpu-driver-rim-cert-chain"] = rim_chain(driver_rim);
  c["x-nvidia-gpu-vbios-rim-cert-chain"] = rim_chain(vbios_rim);
  c["x-nvidia-gpu-driver-version"] =
      evidence.driver_version ? Json(*evidence.driver_version) : Json(nullptr);
  c["x-nvidia-gpu-vbios-version"] =
      evidence.vbios_version ? Json(*evidence.vbios_version) : Json(nullptr);
  c["x-nvidia-gpu-driver-rim-id"] =
      evidence.driver_rim_id ? Json(*evidence.driver_rim_id) : Json(nullptr);
  c["x-nvidia-gpu-vbios-rim-id"] =
      evidence.vbios_rim_id ? Json(*evidence.vbios_rim_id) : Json(nullptr);
  c["hwmodel"] = evidence.hwmodel;
  c["ueid"] = evidence.ueid;
  c["eat_nonce"] = evidence.report ? Json(to_hex(evidence.report->request.nonce)) : Json(nullptr);
  std::optional<std::string> oemid;
  if (driver_rim && driver_rim->document) oemid = driver_rim->document->firmware_manufacturer_id;
  c["oemid"] = oemid ? Json(*oemid) : Json(nullptr);
  if (measurements) {
    c["measres"] = measurements->measres();
    // NVIDIA: secure boot and debug status are asserted only when every measurement matches.
    c["secboot"] = measurements->success ? Json(true) : Json(nullptr);
    c["dbgstat"] = measurements->success ? Json("disabled") : Json(nullptr);
    Json records = Json::array();
    for (const MeasurementMismatch& m : measurements->mismatches) {
      Json golden = Json::array();
      for (const Bytes& g : m.golden)
        golden.push_back(to_hex(g));
      records.push_back({{"index", m.rim_index},
                         {"source", measurement_source_name(m.source)},
                         {"goldenValues", golden},
                         {"runtimeValue", m.runtime ? Json(to_hex(*m.runtime)) : Json(nullptr)}});
    }
    c["x-nvidia-mismatch-measurement-records"] = records;
  } else {
    c["measres"] = nullptr;
    c["secboot"] = nullptr;
    c["dbgstat"] = nullptr;
  }
  return c;
}

Json GpuSetVerdict::to_json() const {
  Json out = Json::object();
  out["accepted"] = accepted;
  out["checks"] = checks_to_json(checks);
  Json list = Json::array();
  for (const GpuVerdict& g : gpus) {
    list.push_back({{"index", g.index},
                    {"arch", gpu_arch_name(g.arch)},
                    {"accepted", g.accepted},
                    {"checks", checks_to_json(g.checks)},
                    {"claims", g.claims()}});
  }
  out["gpus"] = list;
  // The set in the shape of NVIDIA's overall EAT claims (unsigned: this is our verdict).
  Json submods = Json::object();
  for (const GpuVerdict& g : gpus)
    submods["GPU-" + std::to_string(g.index)] = g.claims();
  out["overall_claims"] = {
      {"sub", "NVIDIA-PLATFORM-ATTESTATION"},
      {"x-nvidia-overall-att-result", accepted},
      {"eat_nonce", gpus.empty() ? Json(nullptr) : gpus[0].claims()["eat_nonce"]},
      {"submods", submods}};
  if (auto failed = first_failure()) {
    out["first_failure"] = {{"name", failed->name}, {"detail", failed->detail}};
  }
  return out;
}

}  // namespace cllm::gpu
