// The DCAP quote verifier: TDX (v4/v5) and SGX (v3..v5) ECDSA quotes against Intel collateral,
// with Intel QVL semantics (../shared/research/dcap-tdx.md §2 steps 0-13; step 14, the TD
// attribute and measurement checks, is policy: see policy.hpp).
//
// Checks, in order, each with the name that prefixes its error message (docs/VERIFYING.md):
//   quote_header          att_key_type, QE vendor id, TEE type vs body
//   root_ca_crl           parse, issued by the pinned root (name, cRLSign, signature,
//                         AKI == SKI), CRL Number and AKI present, complete; root not listed
//   tcb_info_chain        exactly TCB signing <- pinned root (validity at now, root CRL)
//   tcb_info_signature    ECDSA-P256 over the exact tcb_info text
//   tcb_info              the document parses
//   qe_identity_chain / qe_identity_signature / qe_identity   the same for the QE identity
//   pck_crl_chain         exactly PCK CA <- pinned root (validity at now, root CRL)
//   pck_crl               parse, issued by that CA (as root_ca_crl); == the leaf's issuer
//   collateral_expired    a document or CRL outside its window at now (names which one)
//   collateral_not_yet_valid   issueDate / thisUpdate after now (5 min clock-skew allowance)
//   pck_chain             exactly PCK leaf <- PCK CA <- pinned root, validity at now, both
//                         CRLs (the PCK CRL verified with the leaf's own CA)
//   pck_extension         the leaf's SGX extension (FMSPC, PCE-ID, TCB components, which
//                         must equal the CPUSVN octets)
//   qe_report_signature   the QE report is signed by the PCK leaf key
//   qe_report_binding     QE report_data = SHA-256(attestation key || QE auth data) || 0^32
//   qe_identity_mismatch  id, miscselect, attributes (masked), mrsigner, isvprodid; debug QE
//   qe_tcb_level          a QE identity level with isvsvn <= the QE's (else TCB not supported)
//   quote_signature       the attestation key signs header || body
//   tcb_info_mismatch     TCB info id/version fits the quote; FMSPC and PCE-ID match the PCK
//   tcb_level             a platform level matches (QVL start-index rule for TDX components)
//   tdx_module_mismatch   module identity TDX_%02X exists; mr_signer_seam, seam attributes
//   tdx_module_tcb_level  a module level with isvsvn <= tee_tcb_svn[0]
// The status then converges platform (+ module, + relaunch for TD 1.5 bodies) + QE exactly
// as QVL does, and advisory IDs are the union platform, module, QE (first-seen order).
//
// Failing closed: Result errors are only for input that cannot be verified at all (a quote
// that does not parse). Everything else, including collateral that does not parse, is
// reported in VerificationResult::errors with `verified == false`; the status and components
// mean nothing then. Several independent failures are all listed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/tdx/collateral.hpp"
#include "cllm/tdx/quote.hpp"
#include "cllm/tdx/tcb_status.hpp"

namespace cllm::tdx {

// Allowance for a verifier clock slightly behind PCS right after a refresh: issueDate and
// CRL thisUpdate may be this far in the future. nextUpdate gets no grace.
inline constexpr std::int64_t kCollateralIssueSkewSeconds = 300;

struct ComponentStatus {
  TcbStatus status = TcbStatus::kRevoked;
  std::vector<std::string> advisory_ids;
  std::string tcb_date;  // RFC 3339 as in the document; empty when no level applied
};

struct VerificationResult {
  // Every check passed: the quote is genuine, the collateral current, and the status below
  // is meaningful. Acceptance is still the policy's decision (appraise()).
  bool verified = false;
  // Every signature, chain, CRL and collateral-window check passed. verified can still be
  // false, e.g. when no TCB level matches (TCB not supported).
  bool signatures_verified = false;
  // The trust path ended at a simulated root (the TDX simulator's), not the Intel root.
  bool simulated = false;

  TcbStatus status = TcbStatus::kRevoked;   // the converged status (QVL rules)
  std::vector<std::string> advisory_ids;    // platform, module, QE; de-duplicated, in order
  std::optional<ComponentStatus> platform;  // the matched TCB info level
  std::optional<ComponentStatus> module;    // TDX only: the module identity level
  std::optional<ComponentStatus> qe;        // the QE identity level
  std::string matched_tcb_date;             // the platform level's tcbDate

  std::string fmspc;   // lower-case hex, from the PCK certificate
  std::string pce_id;  // lower-case hex
  std::optional<std::int64_t> tcb_evaluation_data_number;
  // Earliest nextUpdate / notAfter over the collateral and chains used (unix seconds): when
  // this result stops being reproducible with this collateral.
  std::int64_t collateral_expires_at = 0;

  Quote quote;                                // the decoded quote
  std::optional<TdAttributes> td_attributes;  // TDX only

  std::vector<std::string> errors;  // each "check_name: what was wrong"

  // Whether some error names this check ("quote_signature", ...).
  bool has_error(std::string_view check) const;
};

// A verifier bound to its trust anchors, caching verified collateral and PCK chains.
//
// The cache is keyed by SHA-256 of the exact inputs (collateral documents, signatures,
// chains, CRLs; the quote's certification data). An entry remembers the time window in
// which every validity check it passed holds (the latest notBefore/thisUpdate/issueDate to
// the earliest notAfter/nextUpdate); a lookup outside that window is a miss, and the full
// verification runs again and reports what expired. Only fully successful verifications
// are cached. A warm verification therefore does: hashing, QE report signature (cached per
// PCK key and report), the quote signature, and TCB matching. Thread-safe.
class DcapVerifier {
 public:
  // trusted_root: the Intel SGX Root CA (pinned by full DER). simulated_roots: roots whose
  // evidence is accepted cryptographically but marked simulated (the policy decides).
  explicit DcapVerifier(crypto::Certificate trusted_root,
                        std::vector<crypto::Certificate> simulated_roots = {});
  ~DcapVerifier();
  DcapVerifier(DcapVerifier&&) noexcept;
  DcapVerifier& operator=(DcapVerifier&&) noexcept;
  DcapVerifier(const DcapVerifier&) = delete;
  DcapVerifier& operator=(const DcapVerifier&) = delete;

  // Verifies a quote (raw bytes; trailing padding ignored) at `now` (unix seconds).
  Result<VerificationResult> verify(ByteView quote, const Collateral& collateral,
                                    std::int64_t now) const;

  void clear_cache() const;
  std::size_t cache_entries() const;

  struct Cache;

 private:
  std::vector<crypto::Certificate> roots_;  // [0] trusted, the rest simulated
  std::unique_ptr<Cache> cache_;
};

// One-shot verification (no cache kept).
struct VerifyInput {
  ByteView quote;
  const Collateral& collateral;
  const crypto::Certificate& trusted_root;
  std::int64_t now = 0;
  std::span<const crypto::Certificate> simulated_roots = {};
};
Result<VerificationResult> verify_quote(const VerifyInput& input);

}  // namespace cllm::tdx
