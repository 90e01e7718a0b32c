#include "cllm/gpu/rim_verifier.hpp"

#include <libxml/tree.h>

#include <algorithm>
#include <utility>

#include "cllm/common/printable.hpp"
#include "cllm/gpu/xml_signature.hpp"

namespace cllm::gpu {
namespace {

bool iequal_ascii(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) {
             return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
           };
           return lower(x) == lower(y);
         });
}

std::string printable(std::string_view s) {
  return printable_ascii(s, 64);
}

RimCertChainVerdict chain_verdict(const Result<std::vector<crypto::Certificate>>& verified,
                                  RimCertStatus status, std::string detail) {
  RimCertChainVerdict v;
  v.status = status;
  v.detail = std::move(detail);
  if (verified.ok()) {
    std::int64_t earliest = verified->front().not_after();
    for (const auto& c : *verified)
      earliest = std::min(earliest, c.not_after());
    v.earliest_expiry = earliest;
  }
  return v;
}

}  // namespace

std::string_view rim_cert_status_name(RimCertStatus status) {
  switch (status) {
    case RimCertStatus::kValid:
      return "valid";
    case RimCertStatus::kExpired:
      return "expired";
    case RimCertStatus::kInvalid:
      return "invalid";
  }
  return "invalid";
}

RimCertChainVerdict verify_rim_cert_chain(const crypto::Certificate& signer,
                                          const std::vector<crypto::Certificate>& others,
                                          const crypto::Certificate& anchor, std::int64_t now) {
  // The signer is an end entity allowed to sign (NVIDIA's "RIM L4 Signer": CA:FALSE,
  // digitalSignature); a CA certificate of the chain must not stand in for it.
  if (signer.is_ca() || !signer.may_sign_documents()) {
    RimCertChainVerdict refused;
    refused.status = RimCertStatus::kInvalid;
    refused.detail =
        "the signer " + signer.subject_common_name() +
        (signer.is_ca() ? " is a CA certificate" : " may not sign (no digitalSignature key usage)");
    return refused;
  }
  crypto::ChainVerifyOptions options;
  options.at_time = now;
  auto at_now = crypto::verify_chain(signer, others, anchor, options);
  if (at_now.ok()) {
    return chain_verdict(at_now, RimCertStatus::kValid,
                         "chain of " + signer.subject_common_name() + " verifies to " +
                             anchor.subject_common_name());
  }
  // Does it verify at any time? The latest notBefore of the candidates is the one instant at
  // which every certificate a chain could use has started to be valid; if the chain verifies
  // then and `now` is past its earliest notAfter, it has expired rather than being invalid.
  std::int64_t latest_start = std::max(signer.not_before(), anchor.not_before());
  for (const auto& c : others) {
    // A root copy or an unrelated certificate in X509Data must not push the instant out of
    // the real chain's window; only certificates that can be on the path count.
    if (c.der() != anchor.der() && c.is_signed_by(c) && !c.is_signed_by(anchor)) continue;
    latest_start = std::max(latest_start, c.not_before());
  }
  options.at_time = latest_start;
  auto at_start = crypto::verify_chain(signer, others, anchor, options);
  if (at_start.ok()) {
    std::int64_t earliest = at_start->front().not_after();
    for (const auto& c : *at_start)
      earliest = std::min(earliest, c.not_after());
    if (now > earliest) {
      return chain_verdict(at_start, RimCertStatus::kExpired,
                           "chain of " + signer.subject_common_name() +
                               " verifies but expired (earliest notAfter " +
                               std::to_string(earliest) + ", now " + std::to_string(now) + ")");
    }
  }
  return chain_verdict(Result<std::vector<crypto::Certificate>>(at_now.error()),
                       RimCertStatus::kInvalid, at_now.error().message());
}

RimAppraisal verify_rim(ByteView xml, const RimVerifyOptions& options) {
  RimAppraisal out;
  out.rim_id = options.expected_rim_id.value_or("");
  const std::string name = out.rim_id.empty() ? std::string("RIM") : "RIM " + out.rim_id;
  const std::string sig_check(kCheckRimSignatureVerified);
  const std::string chain_check(kCheckRimCertChainValidated);
  const std::string version_check(kCheckRimVersionMatch);

  auto doc = detail::parse_xml_bounded(xml);
  if (!doc.ok()) {
    out.checks.fail(std::string(kCheckRimSchemaValidated), name + ": " + doc.error().message());
    out.checks.skip(sig_check, "the document did not parse");
    out.checks.skip(chain_check, "the document did not parse");
    out.checks.skip(version_check, "the document did not parse");
    return out;
  }
  // Structure: we check what the appraisal reads (root, Meta, Payload, every Measurement
  // resource) and the Signature's shape, not the full swidSchema2015.xsd: libxml2's XSD
  // engine on untrusted input is more attack surface than the extra checks are worth.
  auto document = detail::extract_rim_document(**doc);
  auto parts = inspect_enveloped_signature(**doc);
  if (!document.ok()) {
    out.checks.fail(std::string(kCheckRimSchemaValidated),
                    name + ": " + document.error().message());
  } else if (!parts.ok()) {
    out.checks.fail(std::string(kCheckRimSchemaValidated), name + ": " + parts.error().message());
  } else {
    out.checks.pass(std::string(kCheckRimSchemaValidated),
                    name + ": " + std::to_string(document->measurements.size()) +
                        " measurement resources, colloquialVersion " +
                        printable(document->colloquial_version));
  }
  if (document.ok()) out.document = std::move(document).value();

  if (!parts.ok()) {
    out.checks.skip(sig_check, "no usable ds:Signature");
    out.checks.skip(chain_check, "no usable ds:Signature");
  } else {
    out.certificates = parts->certificates;
    const crypto::Certificate& signer = parts->signer();
    if (!options.verify_signature) {
      out.checks.skip(sig_check, "signature check disabled by the caller");
    } else {
      auto verified = verify_enveloped_signature(**doc, signer);
      if (verified.ok()) {
        out.checks.pass(sig_check, name + " signed by " + signer.subject_common_name());
      } else {
        out.checks.fail(sig_check, name + ": " + verified.error().message());
      }
    }
    if (!options.trust_anchor) {
      out.cert_chain.detail = "no trust anchor given";
      out.checks.fail(chain_check, name + ": no trust anchor given");
    } else {
      std::vector<crypto::Certificate> others;
      for (std::size_t i = 0; i < parts->certificates.size(); ++i) {
        if (i != parts->signer_index) others.push_back(parts->certificates[i]);
      }
      out.cert_chain = verify_rim_cert_chain(signer, others, *options.trust_anchor, options.now);
      const std::string detail = name + ": " +
                                 std::string(rim_cert_status_name(out.cert_chain.status)) + ": " +
                                 out.cert_chain.detail;
      if (out.cert_chain.status == RimCertStatus::kValid) {
        out.checks.pass(chain_check, detail);
      } else {
        out.checks.fail(chain_check, detail);
      }
    }
  }

  if (!out.document) {
    out.checks.skip(version_check, "no parsed document");
  } else if (!options.expected_version) {
    out.checks.skip(version_check, "no expected version given");
  } else if (options.expected_product_prefix &&
             !out.document->product.starts_with(*options.expected_product_prefix)) {
    out.checks.fail(version_check, name + " is for product " + printable(out.document->product) +
                                       ", not a " + *options.expected_product_prefix + "xx GPU");
  } else if (iequal_ascii(out.document->colloquial_version, *options.expected_version)) {
    out.checks.pass(version_check,
                    name + " colloquialVersion " + printable(out.document->colloquial_version));
  } else {
    out.checks.fail(version_check,
                    name + " colloquialVersion " + printable(out.document->colloquial_version) +
                        " differs from the evidence's " + printable(*options.expected_version));
  }
  return out;
}

}  // namespace cllm::gpu
