#include "cllm/gpu/evidence_verifier.hpp"

#include <string>
#include <utility>
#include <variant>

#include "cllm/common/hex.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/gpu/nvidia_roots.hpp"
#include "cllm/gpu/rim_id.hpp"

namespace cllm::gpu {
namespace {

using VerifiedChain = GpuEvidenceVerifier::VerifiedChain;

constexpr std::string_view kRequiredChecks[] = {
    kCheckReportParsed, kCheckGpuArch, kCheckChainValidated, kCheckNonceMatch, kCheckSignature};

// The family prefix the device certificates' common names must carry (research note §3).
std::string_view family_prefix(GpuArch arch, DeviceKind kind) {
  if (kind == DeviceKind::kSwitch) return "LS_10";
  return arch == GpuArch::kBlackwell ? "GB100" : "GH100";
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// SHA-256 over the arch and each DER certificate, length-prefixed so no two chains collide
// by moving bytes between certificates.
Result<Bytes> chain_key(GpuArch arch, const std::vector<Bytes>& ders) {
  Bytes material;
  material.push_back(static_cast<std::uint8_t>(arch));
  for (const Bytes& der : ders) {
    const std::uint32_t n = static_cast<std::uint32_t>(der.size());
    for (int shift = 24; shift >= 0; shift -= 8)
      material.push_back(static_cast<std::uint8_t>(n >> shift));
    material.insert(material.end(), der.begin(), der.end());
  }
  return crypto::sha256(material);
}

// A chain that failed: why, and (when its certificates parsed) the leaf, so the report's
// signature can still be reported on.
struct ChainFailure {
  std::string detail;
  std::optional<crypto::Certificate> leaf;
};

std::variant<VerifiedChain, ChainFailure> verify_chain_cold(const std::vector<Bytes>& ders,
                                                            const crypto::Certificate& anchor,
                                                            GpuArch arch, std::int64_t now) {
  std::vector<crypto::Certificate> certs;
  certs.reserve(ders.size());
  for (std::size_t i = 0; i < ders.size(); ++i) {
    auto cert = crypto::Certificate::from_der(ders[i]);
    if (!cert.ok()) {
      return ChainFailure{"certificate " + std::to_string(i) + ": " + cert.error().message(),
                          std::nullopt};
    }
    certs.push_back(std::move(cert).value());
  }
  const DeviceChainAppraisal appraisal = verify_device_chain(certs, anchor, now);
  if (appraisal.status == CertStatus::kInvalid) return ChainFailure{appraisal.detail, certs[0]};
  // hwmodel from the verified path: the certificate that issued the leaf.
  VerifiedChain out{certs[0],
                    certs[0].subject_common_name(),
                    appraisal.path[1].subject_common_name(),
                    leaf_ueid(certs[0]),
                    appraisal.earliest_not_after,
                    std::nullopt,
                    {}};
  auto fwid = leaf_fwid(certs[0], arch);
  if (fwid.ok()) {
    out.fwid = std::move(fwid).value();
  } else {
    out.fwid_error = fwid.error().message();
  }
  return out;
}

void fill_versions(EvidenceAppraisal& out, GpuArch arch, DeviceKind kind) {
  const OpaqueData& opaque = out.report->opaque;
  out.driver_version = opaque.driver_version();
  out.vbios_version = opaque.vbios_version();
  if (kind != DeviceKind::kGpu) return;
  if (auto id = driver_rim_id(arch, opaque); id.ok()) out.driver_rim_id = std::move(id).value();
  if (auto id = vbios_rim_id(opaque); id.ok()) out.vbios_rim_id = std::move(id).value();
}

}  // namespace

bool EvidenceAppraisal::passed() const {
  if (!checks.passed()) return false;
  for (std::string_view name : kRequiredChecks) {
    const Check* check = checks.find(name);
    if (check == nullptr || check->outcome != CheckOutcome::kPass) return false;
  }
  return true;
}

GpuEvidenceVerifier::GpuEvidenceVerifier() : GpuEvidenceVerifier(nvidia_device_identity_ca()) {}

GpuEvidenceVerifier::GpuEvidenceVerifier(crypto::Certificate anchor, std::size_t cache_capacity)
    : anchor_(std::move(anchor)), cache_capacity_(cache_capacity) {}

std::size_t GpuEvidenceVerifier::cache_size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cache_.size();
}

EvidenceAppraisal GpuEvidenceVerifier::appraise(const GpuEvidence& evidence,
                                                const EvidenceOptions& options) const {
  return appraise_impl(evidence, options, true);
}

EvidenceAppraisal GpuEvidenceVerifier::appraise_uncached(const GpuEvidence& evidence,
                                                         const EvidenceOptions& options) const {
  return appraise_impl(evidence, options, false);
}

EvidenceAppraisal GpuEvidenceVerifier::appraise_impl(const GpuEvidence& evidence,
                                                     const EvidenceOptions& options,
                                                     bool use_cache) const {
  EvidenceAppraisal out;
  CheckList& checks = out.checks;

  // The report.
  auto report = parse_spdm_report(evidence.report, options.kind);
  if (report.ok()) {
    out.report = std::move(report).value();
    checks.pass(std::string(kCheckReportParsed),
                std::to_string(out.report->blocks.size()) + " measurement blocks");
    fill_versions(out, evidence.arch, options.kind);
  } else {
    checks.fail(std::string(kCheckReportParsed), report.error().message());
  }

  // The chain: from the cache, or verified now.
  std::optional<VerifiedChain> chain;
  std::optional<crypto::Certificate> unverified_leaf;
  std::string chain_failure;
  // Bounded before decoding: the PEM size, then the certificate count.
  Result<std::vector<Bytes>> ders =
      evidence.certificate_chain.size() > kMaxDeviceChainPemSize
          ? Result<std::vector<Bytes>>(make_error(
                ErrorCode::kLimit, "device chain: PEM larger than " +
                                       std::to_string(kMaxDeviceChainPemSize) + " bytes"))
          : crypto::pem_chain_der(evidence.certificate_chain);
  if (ders.ok() && ders->size() > kMaxDeviceChainCertificates) {
    ders = make_error(ErrorCode::kLimit, "device chain: " + std::to_string(ders->size()) +
                                             " certificates exceeds " +
                                             std::to_string(kMaxDeviceChainCertificates));
  }
  if (!ders.ok()) {
    chain_failure = ders.error().message();
  } else {
    auto key = chain_key(evidence.arch, *ders);
    if (!key.ok()) {
      chain_failure = key.error().message();
    } else {
      if (use_cache) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (auto it = cache_.find(*key); it != cache_.end()) {
          chain = it->second;
          out.chain_from_cache = true;
        }
      }
      if (!chain) {
        auto cold = verify_chain_cold(*ders, anchor_, evidence.arch, options.now);
        if (auto* ok = std::get_if<VerifiedChain>(&cold)) {
          chain = std::move(*ok);
          if (use_cache && cache_capacity_ > 0) {
            std::lock_guard<std::mutex> lock(mutex_);
            if (cache_.emplace(*key, *chain).second) {
              cache_order_.push_back(*key);
              while (cache_.size() > cache_capacity_) {
                cache_.erase(cache_order_.front());
                cache_order_.pop_front();
              }
            }
          }
        } else {
          auto& failure = std::get<ChainFailure>(cold);
          chain_failure = std::move(failure.detail);
          unverified_leaf = std::move(failure.leaf);
        }
      }
    }
  }

  if (chain) {
    out.chain_status =
        options.now > chain->earliest_not_after ? CertStatus::kExpired : CertStatus::kValid;
    out.chain_expiration = chain->earliest_not_after;
    out.ueid = chain->ueid;
    out.hwmodel = chain->hwmodel;
    checks.pass(std::string(kCheckChainValidated), std::string(cert_status_name(out.chain_status)) +
                                                       "; earliest notAfter " +
                                                       std::to_string(chain->earliest_not_after));
  } else {
    checks.fail(std::string(kCheckChainValidated), chain_failure);
  }

  // The family: both device certificates name it (GH100 / GB100 / LS_10).
  if (chain) {
    const std::string_view family = family_prefix(evidence.arch, options.kind);
    if (starts_with(chain->hwmodel, family) && starts_with(chain->leaf_cn, family)) {
      checks.pass(std::string(kCheckGpuArch), chain->hwmodel);
    } else {
      checks.fail(std::string(kCheckGpuArch),
                  "claimed " + std::string(gpu_arch_name(evidence.arch)) + " " +
                      std::string(device_kind_name(options.kind)) + " (" + std::string(family) +
                      ") but the chain names '" + chain->hwmodel + "' / '" + chain->leaf_cn + "'");
    }
  } else {
    checks.skip(std::string(kCheckGpuArch), "no validated certificate chain");
  }

  // The signature, with the leaf key (reported even when the chain failed, but a failed
  // chain already fails the appraisal).
  const crypto::Certificate* leaf =
      chain ? &chain->leaf : (unverified_leaf ? &*unverified_leaf : nullptr);
  if (!out.report) {
    checks.skip(std::string(kCheckSignature), "report not parsed");
  } else if (leaf == nullptr) {
    checks.skip(std::string(kCheckSignature), "no leaf certificate");
  } else if (auto verified = leaf->verify_ecdsa(crypto::EcCurve::kP384, out.report->signed_span(),
                                                out.report->signature);
             verified.ok()) {
    checks.pass(std::string(kCheckSignature), "ECDSA P-384/SHA-384 by the leaf key");
  } else {
    checks.fail(std::string(kCheckSignature), verified.error().message());
  }
  // FWID: the firmware the report describes is the one the leaf certifies.
  if (!out.report) {
    checks.skip(std::string(kCheckFwidMatch), "report not parsed");
  } else if (!chain) {
    checks.skip(std::string(kCheckFwidMatch), "no validated certificate chain");
  } else if (auto report_fwid = out.report->opaque.fwid(); !report_fwid) {
    checks.skip(std::string(kCheckFwidMatch), "the report carries no FWID (older firmware)");
  } else if (!chain->fwid_error.empty()) {
    checks.fail(std::string(kCheckFwidMatch), chain->fwid_error);
  } else if (!chain->fwid) {
    checks.fail(std::string(kCheckFwidMatch), "the leaf certificate carries no FWID extension");
  } else if (*chain->fwid != *report_fwid) {
    checks.fail(
        std::string(kCheckFwidMatch),
        "report FWID " + to_hex(*report_fwid) + " differs from leaf FWID " + to_hex(*chain->fwid));
  } else {
    checks.pass(std::string(kCheckFwidMatch), to_hex(*report_fwid));
  }

  // Freshness.
  if (!out.report) {
    checks.skip(std::string(kCheckNonceMatch), "report not parsed");
  } else if (constant_time_equal(out.report->request.nonce, options.expected_nonce)) {
    checks.pass(std::string(kCheckNonceMatch));
  } else {
    checks.fail(std::string(kCheckNonceMatch), "report nonce " + to_hex(out.report->request.nonce) +
                                                   " differs from expected " +
                                                   to_hex(options.expected_nonce));
  }

  return out;
}

}  // namespace cllm::gpu
