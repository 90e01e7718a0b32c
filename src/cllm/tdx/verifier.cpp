#include "cllm/tdx/verifier.hpp"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <shared_mutex>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "cllm/common/clock.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/crypto/ecdsa.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/tdx/pck_extension.hpp"
#include "cllm/tdx/qe_identity.hpp"
#include "cllm/tdx/tcb_info.hpp"
#include "cllm/tdx/verifier_context.hpp"

namespace cllm::tdx {
namespace {

using detail::TrustedCrl;
using detail::VerifyContext;

constexpr std::size_t kMaxCacheEntries = 4096;
constexpr std::int64_t kNever = INT64_MAX;

std::string format_time(std::int64_t t) {
  return utc_rfc3339(t);
}

// Accumulates the validity interval every passed time check holds in.
struct Window {
  std::int64_t from = INT64_MIN;
  std::int64_t until = kNever;
  void narrow(std::int64_t lo, std::int64_t hi) {
    from = std::max(from, lo);
    until = std::min(until, hi);
  }
  bool contains(std::int64_t t) const { return from <= t && t <= until; }
};

void narrow_by_chain(Window& window, const std::vector<crypto::Certificate>& chain) {
  for (const auto& cert : chain)
    window.narrow(cert.not_before(), cert.not_after());
}

// Collateral verified independently of any quote.
struct VerifiedCollateral {
  std::size_t root_index = 0;
  std::optional<crypto::Crl> root_crl;  // verified as issued by the root
  std::optional<crypto::Crl> pck_crl;   // verified as issued by pck_crl_issuer
  std::optional<crypto::Certificate> pck_crl_issuer;
  std::optional<TcbInfo> tcb_info;
  std::optional<QeIdentity> qe_identity;
  Window window;
  std::vector<std::string> errors;
};

// The quote's PCK chain, verified against one collateral's CRLs.
struct VerifiedPck {
  std::optional<crypto::Certificate> leaf;
  std::optional<crypto::Certificate> key;  // the leaf, once its key is known to be P-256
  Bytes key_spki;                          // its SubjectPublicKeyInfo (QE report cache key)
  std::optional<PckExtension> extension;
  Window window;
  std::vector<std::string> errors;
};

bool contains_text(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

Result<std::string> digest_key(std::initializer_list<ByteView> parts) {
  CLLM_ASSIGN_OR_RETURN(auto hasher, crypto::Hasher::create(crypto::HashAlgorithm::kSha256));
  for (ByteView part : parts) {
    // Length-prefixed, so that moving bytes between fields changes the key.
    std::uint64_t n = part.size();
    std::uint8_t len[8];
    for (int i = 0; i < 8; ++i)
      len[i] = static_cast<std::uint8_t>(n >> (8 * i));
    CLLM_TRY(hasher.update(ByteView(len, 8)));
    CLLM_TRY(hasher.update(part));
  }
  CLLM_ASSIGN_OR_RETURN(Bytes digest, hasher.finish());
  return std::string(digest.begin(), digest.end());
}

// Checks a CRL's window at now, narrowing the cache window; names the document.
void check_crl_window(const crypto::Crl& crl, std::string_view name, std::int64_t now,
                      Window& window, std::vector<std::string>& errors) {
  const std::int64_t next = crl.next_update().value_or(kNever);
  if (now + kCollateralIssueSkewSeconds < crl.this_update()) {
    errors.push_back("collateral_not_yet_valid: " + std::string(name) + " thisUpdate " +
                     format_time(crl.this_update()) + " is after now " + format_time(now));
  }
  if (!crl.next_update()) {
    errors.push_back("collateral_expired: " + std::string(name) + " has no nextUpdate");
  } else if (now > next) {
    errors.push_back("collateral_expired: " + std::string(name) + " nextUpdate " +
                     format_time(next) + " is before now " + format_time(now));
  }
  window.narrow(crl.this_update() - kCollateralIssueSkewSeconds, next);
}

void check_document_window(std::int64_t issue, std::int64_t next, std::string_view name,
                           std::int64_t now, Window& window, std::vector<std::string>& errors) {
  if (now + kCollateralIssueSkewSeconds < issue) {
    errors.push_back("collateral_not_yet_valid: " + std::string(name) + " issueDate " +
                     format_time(issue) + " is after now " + format_time(now));
  }
  if (now > next) {
    errors.push_back("collateral_expired: " + std::string(name) + " nextUpdate " +
                     format_time(next) + " is before now " + format_time(now));
  }
  window.narrow(issue - kCollateralIssueSkewSeconds, next);
}

// The leaf is the certificate that issued none of the others (chains may come in any
// order; Intel's QVL sample files are root first).
std::size_t find_leaf(const std::vector<crypto::Certificate>& chain) {
  for (std::size_t i = 0; i < chain.size(); ++i) {
    bool issues_another = false;
    for (std::size_t j = 0; j < chain.size() && !issues_another; ++j) {
      // X509_NAME_cmp compares the canonical encodings, as chain building does.
      const X509* cj = chain[j].get();
      issues_another =
          i != j &&
          X509_NAME_cmp(X509_get_issuer_name(cj), X509_get_subject_name(chain[i].get())) == 0 &&
          X509_NAME_cmp(X509_get_subject_name(cj), X509_get_issuer_name(cj)) != 0;
    }
    if (!issues_another) return i;
  }
  return 0;
}

// Verifies a TCB signing chain (TCB info or QE identity issuer chain) and the signature
// over the document text; returns the text's validity as a bool for the caller.
void verify_signed_document(VerifyContext& ctx, std::string_view chain_pem, std::string_view text,
                            ByteView signature, const crypto::Certificate& root,
                            const std::optional<crypto::Crl>& root_crl, std::int64_t now,
                            std::string_view name, Window& window,
                            std::vector<std::string>& errors) {
  const std::string chain_check = std::string(name) + "_chain: ";
  const std::string sig_check = std::string(name) + "_signature: ";
  auto chain = ctx.parse_chain(chain_pem);
  if (!chain.ok()) {
    errors.push_back(chain_check + chain.error().message());
    errors.push_back(sig_check + "not checked: no usable issuer chain");
    return;
  }
  const std::size_t leaf = find_leaf(*chain);
  const crypto::Certificate signer = (*chain)[leaf];
  std::vector<crypto::Certificate> others;
  for (std::size_t i = 0; i < chain->size(); ++i) {
    if (i != leaf) others.push_back((*chain)[i]);
  }
  if (!contains_text(signer.subject_common_name(), "SGX TCB Signing")) {
    errors.push_back(chain_check + "signer CN \"" + signer.subject_common_name() +
                     "\" is not an SGX TCB Signing certificate");
  }
  if (!root_crl) {
    errors.push_back(chain_check + "not checked: no usable root CA CRL");
  } else {
    auto verified = ctx.verify_chain(signer, others, root, now);
    const TrustedCrl crls[] = {{&*root_crl, root}};
    if (!verified.ok()) {
      errors.push_back(chain_check + verified.error().message());
    } else if (verified->size() != 2) {
      // QVL: the TCB signing certificate is issued by the root directly.
      errors.push_back(chain_check + "expected the signer and the root, got a chain of " +
                       std::to_string(verified->size()));
    } else if (auto revoked = detail::check_revocation(*verified, crls); !revoked.ok()) {
      errors.push_back(chain_check + revoked.error().message());
    } else {
      narrow_by_chain(window, *verified);
    }
  }
  if (signature.size() != 64) {
    errors.push_back(sig_check + "expected 64 bytes r||s, got " + std::to_string(signature.size()));
    return;
  }
  auto curve = signer.ecdsa_curve();
  if (!curve.ok() || *curve != crypto::EcCurve::kP256) {
    errors.push_back(sig_check + "the signer's key is not ECDSA P-256");
    return;
  }
  auto status = signer.verify_ecdsa(crypto::EcCurve::kP256, as_bytes(text), signature);
  if (!status.ok()) errors.push_back(sig_check + "does not verify over the exact text");
}

std::size_t pick_root(VerifyContext& ctx, std::string_view chain_pem,
                      const std::vector<crypto::Certificate>& roots) {
  // Selection only: the copy in the chain is never trusted, verification uses roots[i].
  auto chain = ctx.parse_chain(chain_pem);
  if (chain.ok()) {
    for (const auto& cert : *chain) {
      for (std::size_t i = 0; i < roots.size(); ++i) {
        if (cert.der() == roots[i].der()) return i;
      }
    }
    for (std::size_t i = 1; i < roots.size(); ++i) {
      if (chain->back().is_signed_by(roots[i]) && !chain->back().is_signed_by(roots[0])) return i;
    }
  }
  return 0;
}

// Step 2: a CRL is issued by `issuer` (name, cRLSign, signature, AKI == SKI), complete (no
// delta, IDP or unhandled critical extension), and carries the CRL Number and Authority Key
// Identifier extensions QVL requires.
Status check_crl_issued_by(const crypto::Crl& crl, const crypto::Certificate& issuer) {
  CLLM_TRY(crl.verify_signature(issuer));
  CLLM_TRY(crl.check_complete());
  if (!crl.has_crl_number()) {
    return make_error(ErrorCode::kVerification, "the CRL has no CRL Number extension");
  }
  if (!crl.authority_key_id()) {
    return make_error(ErrorCode::kVerification,
                      "the CRL has no Authority Key Identifier (keyIdentifier)");
  }
  return ok_status();
}

std::shared_ptr<VerifiedCollateral> verify_collateral(VerifyContext& ctx, const Collateral& c,
                                                      const std::vector<crypto::Certificate>& roots,
                                                      std::int64_t now) {
  auto out = std::make_shared<VerifiedCollateral>();
  auto& errors = out->errors;
  out->root_index = pick_root(ctx, c.tcb_info_issuer_chain, roots);
  const crypto::Certificate& root = roots[out->root_index];
  out->window.narrow(root.not_before(), root.not_after());

  // Root CA CRL.
  auto root_crl = crypto::Crl::parse(c.root_ca_crl);
  if (!root_crl.ok()) {
    errors.push_back("root_ca_crl: " + root_crl.error().message());
  } else {
    auto sig = check_crl_issued_by(*root_crl, root);
    if (!sig.ok()) {
      errors.push_back("root_ca_crl: " + sig.error().message());
    } else {
      out->root_crl = *root_crl;
    }
    if (root_crl->is_revoked(root)) errors.push_back("root_ca_crl: the root CA itself is listed");
    check_crl_window(*root_crl, "root_ca_crl", now, out->window, errors);
  }

  // TCB info and QE identity: chain, signature over the exact text, content.
  verify_signed_document(ctx, c.tcb_info_issuer_chain, c.tcb_info, c.tcb_info_signature, root,
                         out->root_crl, now, "tcb_info", out->window, errors);
  auto tcb_info = parse_tcb_info(c.tcb_info);
  if (!tcb_info.ok()) {
    errors.push_back("tcb_info: " + tcb_info.error().message());
  } else {
    check_document_window(tcb_info->issue_date, tcb_info->next_update, "tcb_info", now, out->window,
                          errors);
    out->tcb_info = std::move(tcb_info).value();
  }
  verify_signed_document(ctx, c.qe_identity_issuer_chain, c.qe_identity, c.qe_identity_signature,
                         root, out->root_crl, now, "qe_identity", out->window, errors);
  auto qe_identity = parse_qe_identity(c.qe_identity);
  if (!qe_identity.ok()) {
    errors.push_back("qe_identity: " + qe_identity.error().message());
  } else {
    check_document_window(qe_identity->issue_date, qe_identity->next_update, "qe_identity", now,
                          out->window, errors);
    out->qe_identity = std::move(qe_identity).value();
  }

  // PCK CRL and its issuer chain (PCK CA, root).
  auto pck_crl = crypto::Crl::parse(c.pck_crl);
  if (!pck_crl.ok()) {
    errors.push_back("pck_crl: " + pck_crl.error().message());
    return out;
  }
  check_crl_window(*pck_crl, "pck_crl", now, out->window, errors);
  auto issuer_chain = ctx.parse_chain(c.pck_crl_issuer_chain);
  if (!issuer_chain.ok()) {
    errors.push_back("pck_crl_chain: " + issuer_chain.error().message());
    return out;
  }
  const std::size_t ca_index = find_leaf(*issuer_chain);
  const crypto::Certificate pck_ca = (*issuer_chain)[ca_index];
  std::vector<crypto::Certificate> ca_others;
  for (std::size_t i = 0; i < issuer_chain->size(); ++i) {
    if (i != ca_index) ca_others.push_back((*issuer_chain)[i]);
  }
  if (!out->root_crl) {
    errors.push_back("pck_crl_chain: not checked: no usable root CA CRL");
  } else {
    auto verified = ctx.verify_chain(pck_ca, ca_others, root, now);
    const TrustedCrl crls[] = {{&*out->root_crl, root}};
    if (!verified.ok()) {
      errors.push_back("pck_crl_chain: " + verified.error().message());
    } else if (verified->size() != 2) {
      errors.push_back("pck_crl_chain: expected the PCK CA and the root, got a chain of " +
                       std::to_string(verified->size()));
    } else if (auto revoked = detail::check_revocation(*verified, crls); !revoked.ok()) {
      errors.push_back("pck_crl_chain: " + revoked.error().message());
    } else {
      narrow_by_chain(out->window, *verified);
    }
  }
  auto sig = check_crl_issued_by(*pck_crl, pck_ca);
  if (!sig.ok()) {
    errors.push_back("pck_crl: " + sig.error().message());
    return out;
  }
  out->pck_crl = *pck_crl;
  out->pck_crl_issuer = pck_ca;
  return out;
}

std::shared_ptr<VerifiedPck> verify_pck(VerifyContext& ctx, ByteView chain_bytes,
                                        const VerifiedCollateral& coll,
                                        const crypto::Certificate& root, std::int64_t now) {
  auto out = std::make_shared<VerifiedPck>();
  auto& errors = out->errors;
  auto chain = ctx.parse_chain(
      std::string_view(reinterpret_cast<const char*>(chain_bytes.data()), chain_bytes.size()));
  if (!chain.ok()) {
    errors.push_back("pck_chain: " + chain.error().message());
    return out;
  }
  const std::size_t leaf_index = find_leaf(*chain);
  const crypto::Certificate leaf = (*chain)[leaf_index];
  std::vector<crypto::Certificate> others;
  for (std::size_t i = 0; i < chain->size(); ++i) {
    if (i != leaf_index) others.push_back((*chain)[i]);
  }
  if (!contains_text(leaf.subject_common_name(), "SGX PCK Certificate")) {
    errors.push_back("pck_chain: leaf CN \"" + leaf.subject_common_name() +
                     "\" is not an SGX PCK Certificate");
  }
  if (!coll.root_crl || !coll.pck_crl) {
    errors.push_back("pck_chain: not checked: no usable root CA CRL and PCK CRL");
  } else {
    // QVL STATUS_INVALID_PCK_CRL: the CRL must come from the CA that issued this leaf.
    if (coll.pck_crl->issuer() != leaf.issuer()) {
      errors.push_back("pck_crl: issuer \"" + coll.pck_crl->issuer() +
                       "\" is not the PCK leaf's issuer \"" + leaf.issuer() + "\"");
    }
    auto verified = ctx.verify_chain(leaf, others, root, now);
    if (!verified.ok()) {
      errors.push_back("pck_chain: " + verified.error().message());
    } else if (verified->size() != 3) {
      // QVL: exactly PCK leaf <- PCK Platform/Processor CA <- root.
      errors.push_back("pck_chain: expected the PCK leaf, a PCK CA and the root, got a chain of " +
                       std::to_string(verified->size()));
    } else if (!contains_text((*verified)[1].subject_common_name(), "CA")) {
      errors.push_back("pck_chain: intermediate CN \"" + (*verified)[1].subject_common_name() +
                       "\" is not a PCK CA");
    } else {
      // The PCK CRL verified as issued by the collateral's PCK CA; when the quote's chain
      // holds a different certificate for that CA, the CRL must verify with it too.
      const crypto::Certificate& leaf_ca = (*verified)[1];
      std::vector<TrustedCrl> crls{{&*coll.root_crl, root}};
      if (leaf_ca.der() == coll.pck_crl_issuer->der()) {
        crls.push_back({&*coll.pck_crl, leaf_ca});
      } else if (auto sig = check_crl_issued_by(*coll.pck_crl, leaf_ca); sig.ok()) {
        crls.push_back({&*coll.pck_crl, leaf_ca});
      }
      if (auto revoked = detail::check_revocation(*verified, crls); !revoked.ok()) {
        errors.push_back("pck_chain: " + revoked.error().message());
      } else {
        narrow_by_chain(out->window, *verified);
      }
    }
  }
  auto curve = leaf.ecdsa_curve();
  if (!curve.ok() || *curve != crypto::EcCurve::kP256) {
    errors.push_back("pck_chain: the PCK leaf key is not ECDSA P-256");
  } else {
    out->key = leaf;
    out->key_spki = leaf.spki_der();
  }
  auto extension = pck_extension_of(leaf);
  if (!extension.ok()) {
    errors.push_back("pck_extension: " + extension.error().message());
  } else if (!std::equal(extension->cpu_svn_components.begin(), extension->cpu_svn_components.end(),
                         extension->cpu_svn.begin(), extension->cpu_svn.end())) {
    // Note §2 step 6: TCB levels are matched on the component INTEGERs (QVL); dcap-qvl uses
    // the CPUSVN octets. PCS issues certificates where both agree; refuse the ambiguity.
    errors.push_back("pck_extension: SGX TCB components " + to_hex(extension->cpu_svn_components) +
                     " differ from the CPUSVN " + to_hex(extension->cpu_svn));
  } else {
    out->extension = std::move(extension).value();
  }
  out->leaf = leaf;
  return out;
}

void append_unique(std::vector<std::string>& into, const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    if (std::find(into.begin(), into.end(), id) == into.end()) into.push_back(id);
  }
}

ComponentStatus component(const IsvTcbLevel& level) {
  return {level.status, level.advisory_ids, level.tcb_date};
}

const IsvTcbLevel* first_level_at_or_below(const std::vector<IsvTcbLevel>& levels,
                                           std::uint16_t svn) {
  for (const auto& level : levels) {
    if (level.isv_svn <= svn) return &level;
  }
  return nullptr;
}

std::string module_id(std::uint8_t version) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "TDX_%02X", static_cast<unsigned>(version));
  return buf;
}

// QE identity: step 9.
void check_qe_identity(const Quote& quote, const QeIdentity& identity, VerificationResult& result) {
  const EnclaveReport& report = quote.certification.qe_report;
  auto& errors = result.errors;
  const QeIdentityId wanted = quote.is_tdx() ? QeIdentityId::kTdQe : QeIdentityId::kQe;
  if (identity.id != wanted) {
    errors.push_back(std::string("qe_identity_mismatch: a ") + (quote.is_tdx() ? "TDX" : "SGX") +
                     " quote needs the " + (quote.is_tdx() ? "TD_QE" : "QE") + " identity");
  }
  // QVL compares the masked value with the unmasked expectation.
  if ((report.misc_select & identity.miscselect_mask) != identity.miscselect) {
    errors.push_back("qe_identity_mismatch: miscselect does not match");
  }
  for (std::size_t i = 0; i < 16; ++i) {
    if ((report.attributes[i] & identity.attributes_mask[i]) != identity.attributes[i]) {
      errors.push_back("qe_identity_mismatch: attributes do not match");
      break;
    }
  }
  if (report.mr_signer != identity.mr_signer) {
    errors.push_back("qe_identity_mismatch: mrsigner " + to_hex(report.mr_signer) + " is not " +
                     to_hex(identity.mr_signer));
  }
  if (report.isv_prod_id != identity.isv_prod_id) {
    errors.push_back("qe_identity_mismatch: isvprodid " + std::to_string(report.isv_prod_id) +
                     " is not " + std::to_string(identity.isv_prod_id));
  }
  if (report.debug()) errors.push_back("qe_identity_mismatch: the QE runs in DEBUG mode");
  const IsvTcbLevel* level = first_level_at_or_below(identity.tcb_levels, report.isv_svn);
  if (level == nullptr) {
    errors.push_back("qe_tcb_level: no QE identity TCB level for isvsvn " +
                     std::to_string(report.isv_svn) + " (TCB not supported)");
    return;
  }
  result.qe = component(*level);
}

bool components_at_least(const std::array<std::uint8_t, 16>& actual, const TcbComponents& level,
                         std::size_t start) {
  for (std::size_t i = start; i < 16; ++i) {
    if (actual[i] < level[i]) return false;
  }
  return true;
}

// Step 12: the TDX module identity (QVL checks it before the platform level, so both
// failures are reported). Returns the module status, or nullopt after recording an error.
std::optional<TcbStatus> check_tdx_module(const TdReport* td, const TcbInfo& info,
                                          VerificationResult& result) {
  auto& errors = result.errors;
  const std::size_t errors_before = errors.size();
  const std::uint8_t version = td->tee_tcb_svn[1];
  const TdxModuleIdentity* expected = info.tdx_module ? &*info.tdx_module : nullptr;
  const TdxModuleIdentity* identity = nullptr;
  if (version > 0) {
    identity = info.module_identity(module_id(version));
    if (identity == nullptr) {
      errors.push_back("tdx_module_mismatch: the TCB info has no module identity " +
                       module_id(version));
      return std::nullopt;
    }
    expected = identity;
  }
  if (expected == nullptr) {
    errors.push_back("tdx_module_mismatch: the TCB info has no tdxModule");
    return std::nullopt;
  }
  if (!std::equal(td->mr_signer_seam.begin(), td->mr_signer_seam.end(), expected->mr_signer.begin(),
                  expected->mr_signer.end())) {
    errors.push_back("tdx_module_mismatch: mr_signer_seam " + to_hex(td->mr_signer_seam) +
                     " is not " + to_hex(expected->mr_signer));
  }
  // QVL: every SEAM attribute byte must be zero and equal the expected value (no mask).
  const bool attributes_zero = std::all_of(td->seam_attributes.begin(), td->seam_attributes.end(),
                                           [](std::uint8_t b) { return b == 0; });
  if (!attributes_zero || td->seam_attributes != expected->attributes) {
    errors.push_back("tdx_module_mismatch: seam_attributes " + to_hex(td->seam_attributes) +
                     " are not " + to_hex(expected->attributes));
  }
  TcbStatus module_status = TcbStatus::kUpToDate;
  if (identity != nullptr) {
    const IsvTcbLevel* level = first_level_at_or_below(identity->tcb_levels, td->tee_tcb_svn[0]);
    if (level == nullptr) {
      errors.push_back("tdx_module_tcb_level: no " + identity->id + " TCB level for isvsvn " +
                       std::to_string(td->tee_tcb_svn[0]) + " (TCB not supported)");
      return std::nullopt;
    }
    result.module = component(*level);
    module_status = level->status;
  } else {
    result.module = ComponentStatus{TcbStatus::kUpToDate, {}, {}};
  }
  if (errors.size() != errors_before) return std::nullopt;
  return module_status;
}

// Steps 11-13: platform level, TDX module, status convergence.
void match_tcb(const Quote& quote, const TcbInfo& info, const PckExtension& pck,
               VerificationResult& result) {
  auto& errors = result.errors;
  const TdReport* td = quote.td_report();
  const bool tdx = td != nullptr;
  if (tdx && (info.id != TcbInfoId::kTdx || info.version < 3)) {
    errors.push_back("tcb_info_mismatch: a TDX quote needs a TDX TCB info (version 3)");
    return;
  }
  if (!tdx && info.id != TcbInfoId::kSgx) {
    errors.push_back("tcb_info_mismatch: an SGX quote needs an SGX TCB info");
    return;
  }
  if (pck.fmspc != info.fmspc) {
    errors.push_back("tcb_info_mismatch: PCK FMSPC " + to_hex(pck.fmspc) +
                     " is not the TCB info's " + to_hex(info.fmspc));
    return;
  }
  if (pck.pce_id != info.pce_id) {
    errors.push_back("tcb_info_mismatch: PCK PCE-ID " + to_hex(pck.pce_id) +
                     " is not the TCB info's " + to_hex(info.pce_id));
    return;
  }

  std::optional<TcbStatus> module_status_or;
  if (tdx) module_status_or = check_tdx_module(td, info, result);

  const TcbLevel* sgx_level = nullptr;
  const TcbLevel* tdx_level = nullptr;
  // QVL isTdxTcbHigherOrEqual: tee_tcb_svn[0..1] are judged by the module identity when
  // the module's major version ([1]) is non-zero.
  const std::size_t start = tdx && td->tee_tcb_svn[1] > 0 ? 2 : 0;
  for (const auto& level : info.tcb_levels) {
    std::array<std::uint8_t, 16> pck_components = pck.cpu_svn_components;
    bool sgx_ok = true;
    for (std::size_t i = 0; i < 16 && sgx_ok; ++i) {
      sgx_ok = pck_components[i] >= level.sgx_components[i];
    }
    if (!sgx_ok || pck.pce_svn < level.pce_svn) continue;
    if (sgx_level == nullptr) sgx_level = &level;
    if (!tdx) break;
    if (!level.tdx_components ||
        components_at_least(td->tee_tcb_svn, *level.tdx_components, start)) {
      tdx_level = &level;
      break;
    }
  }
  const TcbLevel* platform = tdx ? tdx_level : sgx_level;
  if (platform == nullptr) {
    errors.push_back("tcb_level: no matching TCB level (TCB not supported)");
    return;
  }
  if (tdx && !module_status_or) return;
  result.platform = ComponentStatus{platform->status, platform->advisory_ids, platform->tcb_date};
  result.matched_tcb_date = platform->tcb_date;
  TcbStatus status = platform->status;

  if (tdx) {
    const TcbStatus module_status = *module_status_or;
    status = converge_with_module(status, module_status);

    // QVL TDRelaunchCheck (TD 1.5 bodies): the module was already updated in place.
    const TcbStatus qe_status = result.qe ? result.qe->status : TcbStatus::kRevoked;
    const TcbStatus sgx_status = sgx_level->status;
    const bool sgx_fine = sgx_status == TcbStatus::kUpToDate ||
                          sgx_status == TcbStatus::kSwHardeningNeeded ||
                          sgx_status == TcbStatus::kConfigurationNeeded ||
                          sgx_status == TcbStatus::kConfigurationAndSwHardeningNeeded;
    if (td->is_v15 && qe_status != TcbStatus::kOutOfDate && qe_status != TcbStatus::kRevoked &&
        sgx_fine &&
        (status == TcbStatus::kOutOfDate || status == TcbStatus::kOutOfDateConfigurationNeeded) &&
        module_status == TcbStatus::kOutOfDate) {
      const TcbLevel& latest = info.tcb_levels.front();
      const TcbComponents latest_tdx = latest.tdx_components.value_or(TcbComponents{});
      const auto& svn2 = td->tee_tcb_svn_2;
      bool relaunch = false;
      if (svn2[1] == 0) {
        relaunch = svn2[0] >= latest_tdx[0] && svn2[2] >= latest_tdx[2];
      } else if (const TdxModuleIdentity* next = info.module_identity(module_id(svn2[1]));
                 next != nullptr && !next->tcb_levels.empty()) {
        relaunch = svn2[0] >= next->tcb_levels.front().isv_svn && svn2[2] >= latest_tdx[2];
      }
      if (relaunch) {
        status = needs_configuration(sgx_status) || needs_configuration(status)
                     ? TcbStatus::kTdRelaunchAdvisedConfigurationNeeded
                     : TcbStatus::kTdRelaunchAdvised;
      }
    }
  }
  if (result.qe) status = converge_with_qe(status, result.qe->status);
  result.status = status;
  result.advisory_ids.clear();
  append_unique(result.advisory_ids, result.platform->advisory_ids);
  if (result.module) append_unique(result.advisory_ids, result.module->advisory_ids);
  if (result.qe) append_unique(result.advisory_ids, result.qe->advisory_ids);
}

}  // namespace

struct DcapVerifier::Cache {
  mutable std::shared_mutex mutex;
  std::unordered_map<std::string, std::shared_ptr<const VerifiedCollateral>> collateral;
  std::unordered_map<std::string, std::shared_ptr<const VerifiedPck>> pck;
  std::unordered_set<std::string> qe_reports;  // (PCK key, report, signature) that verified

  template <class Map>
  static void put(Map& map, std::string key, typename Map::mapped_type value) {
    if (map.size() >= kMaxCacheEntries) map.clear();  // bounded; a refill is only slower
    map.insert_or_assign(std::move(key), std::move(value));
  }
};

bool VerificationResult::has_error(std::string_view check) const {
  for (const auto& error : errors) {
    if (error.size() > check.size() && error.compare(0, check.size(), check) == 0 &&
        error[check.size()] == ':') {
      return true;
    }
  }
  return false;
}

DcapVerifier::DcapVerifier(crypto::Certificate trusted_root,
                           std::vector<crypto::Certificate> simulated_roots)
    : cache_(std::make_unique<Cache>()) {
  roots_.push_back(std::move(trusted_root));
  for (auto& root : simulated_roots)
    roots_.push_back(std::move(root));
}
DcapVerifier::~DcapVerifier() = default;
DcapVerifier::DcapVerifier(DcapVerifier&&) noexcept = default;
DcapVerifier& DcapVerifier::operator=(DcapVerifier&&) noexcept = default;

void DcapVerifier::clear_cache() const {
  std::unique_lock lock(cache_->mutex);
  cache_->collateral.clear();
  cache_->pck.clear();
  cache_->qe_reports.clear();
}

std::size_t DcapVerifier::cache_entries() const {
  std::shared_lock lock(cache_->mutex);
  return cache_->collateral.size() + cache_->pck.size() + cache_->qe_reports.size();
}

Result<VerificationResult> DcapVerifier::verify(ByteView quote_bytes, const Collateral& collateral,
                                                std::int64_t now) const {
  auto parsed = parse_quote(quote_bytes);
  if (!parsed.ok()) return std::move(parsed).error().context("quote");
  VerificationResult result;
  result.quote = std::move(parsed).value();
  const Quote& quote = result.quote;
  auto& errors = result.errors;

  // Step 1: header.
  if (quote.header.att_key_type != kAttestationKeyEcdsaP256) {
    errors.push_back("quote_header: attestation key type " +
                     std::to_string(quote.header.att_key_type) + " is not ECDSA P-256 (2)");
  }
  if (quote.header.qe_vendor_id != kIntelQeVendorId) {
    errors.push_back("quote_header: QE vendor id " + to_hex(quote.header.qe_vendor_id) +
                     " is not Intel's");
  }
  if (quote.is_tdx() != (quote.td_report() != nullptr)) {
    errors.push_back("quote_header: TEE type does not match the body type");
  }
  if (const TdReport* td = quote.td_report()) {
    result.td_attributes = decode_td_attributes(td->td_attributes);
  }

  // Steps 2-4: collateral, cached by its exact bytes.
  CLLM_ASSIGN_OR_RETURN(
      std::string collateral_key,
      digest_key({as_bytes(collateral.pck_crl_issuer_chain), collateral.root_ca_crl,
                  collateral.pck_crl, as_bytes(collateral.tcb_info_issuer_chain),
                  as_bytes(collateral.tcb_info), collateral.tcb_info_signature,
                  as_bytes(collateral.qe_identity_issuer_chain), as_bytes(collateral.qe_identity),
                  collateral.qe_identity_signature}));
  std::shared_ptr<const VerifiedCollateral> coll;
  {
    std::shared_lock lock(cache_->mutex);
    auto it = cache_->collateral.find(collateral_key);
    if (it != cache_->collateral.end() && it->second->window.contains(now)) coll = it->second;
  }
  VerifyContext ctx(roots_);
  if (!coll) {
    auto fresh = verify_collateral(ctx, collateral, roots_, now);
    if (fresh->errors.empty()) {
      std::unique_lock lock(cache_->mutex);
      Cache::put(cache_->collateral, collateral_key, fresh);
    }
    coll = fresh;
  }
  errors.insert(errors.end(), coll->errors.begin(), coll->errors.end());
  result.simulated = coll->root_index != 0;
  const crypto::Certificate& root = roots_[coll->root_index];
  Window window = coll->window;
  if (coll->tcb_info)
    result.tcb_evaluation_data_number = coll->tcb_info->tcb_evaluation_data_number;

  // Step 5-6: the PCK chain (the collateral's copy wins, for quotes without a chain).
  ByteView chain_bytes;
  if (collateral.pck_certificate_chain) {
    chain_bytes = as_bytes(*collateral.pck_certificate_chain);
  } else if (quote.certification.cert_data_type == kCertDataPckCertChain) {
    chain_bytes = quote.certification.cert_data;
  }
  std::shared_ptr<const VerifiedPck> pck;
  std::string pck_key;
  if (chain_bytes.empty()) {
    errors.push_back("pck_chain: certification data type " +
                     std::to_string(quote.certification.cert_data_type) +
                     " carries no PCK chain and the collateral has none");
  } else {
    CLLM_ASSIGN_OR_RETURN(pck_key, digest_key({as_bytes(collateral_key), chain_bytes}));
    {
      std::shared_lock lock(cache_->mutex);
      auto it = cache_->pck.find(pck_key);
      if (it != cache_->pck.end() && it->second->window.contains(now)) pck = it->second;
    }
    if (!pck) {
      auto fresh = verify_pck(ctx, chain_bytes, *coll, root, now);
      if (fresh->errors.empty() && coll->errors.empty()) {
        std::unique_lock lock(cache_->mutex);
        Cache::put(cache_->pck, pck_key, fresh);
      }
      pck = fresh;
    }
    errors.insert(errors.end(), pck->errors.begin(), pck->errors.end());
    window.narrow(pck->window.from, pck->window.until);
  }
  if (pck && pck->extension) {
    result.fmspc = to_hex(pck->extension->fmspc);
    result.pce_id = to_hex(pck->extension->pce_id);
  }

  // Step 7: QE report signed by the PCK key (cached per key, report and signature).
  const QeCertificationData& cert = quote.certification;
  if (pck && pck->key) {
    CLLM_ASSIGN_OR_RETURN(std::string report_key, digest_key({pck->key_spki, cert.qe_report_raw,
                                                              cert.qe_report_signature}));
    bool known = false;
    {
      std::shared_lock lock(cache_->mutex);
      known = cache_->qe_reports.count(report_key) != 0;
    }
    if (!known) {
      auto status = pck->key->verify_ecdsa(crypto::EcCurve::kP256, cert.qe_report_raw,
                                           cert.qe_report_signature);
      if (!status.ok()) {
        errors.push_back("qe_report_signature: the QE report is not signed by the PCK key");
      } else {
        std::unique_lock lock(cache_->mutex);
        if (cache_->qe_reports.size() >= kMaxCacheEntries) cache_->qe_reports.clear();
        cache_->qe_reports.insert(report_key);
      }
    }
  } else {
    errors.push_back("qe_report_signature: not checked: no usable PCK key");
  }

  // Step 8: the QE report binds the attestation key.
  {
    auto digest = crypto::sha256(concat({quote.attestation_key, cert.qe_auth_data}));
    const auto& report_data = cert.qe_report.report_data;
    const bool zero_tail = std::all_of(report_data.begin() + 32, report_data.end(),
                                       [](std::uint8_t b) { return b == 0; });
    if (!digest.ok() || !std::equal(digest->begin(), digest->end(), report_data.begin()) ||
        !zero_tail) {
      errors.push_back(
          "qe_report_binding: QE report_data is not SHA-256(attestation key || QE auth data) "
          "followed by 32 zero bytes");
    }
  }

  // Step 9: QE identity.
  if (coll->qe_identity) check_qe_identity(quote, *coll->qe_identity, result);

  // Step 10: the quote signature.
  {
    auto key = crypto::EcdsaPublicKey::from_raw_xy(crypto::EcCurve::kP256, quote.attestation_key);
    if (!key.ok()) {
      errors.push_back("quote_signature: the attestation key is not a P-256 point");
    } else if (!key->verify(quote.signed_region(), quote.signature).ok()) {
      errors.push_back("quote_signature: the quote is not signed by the attestation key");
    }
  }
  result.signatures_verified = errors.empty();

  // Steps 11-13.
  if (coll->tcb_info && pck && pck->extension) {
    match_tcb(quote, *coll->tcb_info, *pck->extension, result);
  }
  result.collateral_expires_at = window.until;
  result.verified = errors.empty() && result.platform.has_value();
  if (!result.verified && errors.empty()) errors.push_back("internal: TCB evaluation incomplete");
  return result;
}

Result<VerificationResult> verify_quote(const VerifyInput& input) {
  std::vector<crypto::Certificate> simulated(input.simulated_roots.begin(),
                                             input.simulated_roots.end());
  DcapVerifier verifier(input.trusted_root, std::move(simulated));
  return verifier.verify(input.quote, input.collateral, input.now);
}

}  // namespace cllm::tdx
