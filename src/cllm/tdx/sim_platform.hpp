// A simulated TDX platform plus the simulated Intel PCS that serves its collateral, kept in a
// directory so that quotes made on different days chain to the same root.
//
// The platform has its OWN PKI (never Intel's keys; every name says "cllm ... Simulator"):
//   "cllm TDX Simulator Root CA"          self-signed P-256, CA, pathlen 1, root CRL issuer
//   "cllm Simulated SGX PCK Platform CA"   signed by the root, CA, pathlen 0, PCK CRL issuer
//   "cllm Simulated SGX PCK Certificate"   signed by the PCK CA; SGX extension with FMSPC,
//                                          PCE-ID, TCB (16 components, PCESVN, CPUSVN), PPID
//   "cllm Simulated SGX TCB Signing"       signed by the root; signs TCB info and QE identity
// plus the QE attestation key (P-256). The collateral (both CRLs, TCB info v3 "TDX", QE
// identity v2 "TD_QE") is issued from the injected clock, valid 30 days, and re-issued (same
// keys, same certificates) once it is about to expire. A verifier that pins this root runs
// the full DCAP checks on simulated evidence; nothing here is trustworthy as a real TEE.
//
// Directory layout (every file 0600, written atomically; the directory 0700):
//   platform.json   variant, FMSPC, PCE-ID, PPID, platform instance id (not secret)
//   keys.bin        the five P-256 private scalars (root, PCK CA, PCK, TCB signing, QE
//                   attestation key), 32 bytes each, in that order
//   root_ca.pem, pck_ca.pem, pck.pem, tcb_signing.pem
//   collateral.json the current collateral (signed documents, signatures, DER CRLs in hex)
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "cllm/common/bytes.hpp"
#include "cllm/common/clock.hpp"
#include "cllm/common/result.hpp"
#include "cllm/crypto/ecdsa.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/tdx/collateral.hpp"
#include "cllm/tdx/sim_tcb.hpp"

namespace cllm::tdx {

inline constexpr std::string_view kSimRootCaName = "cllm TDX Simulator Root CA";
inline constexpr std::string_view kSimPckCaName = "cllm Simulated SGX PCK Platform CA";
inline constexpr std::string_view kSimPckName = "cllm Simulated SGX PCK Certificate";
inline constexpr std::string_view kSimTcbSigningName = "cllm Simulated SGX TCB Signing";
// How long issued collateral is valid, and how early before expiry it is re-issued.
inline constexpr std::int64_t kSimCollateralValiditySeconds = 30 * 24 * 3600;
inline constexpr std::int64_t kSimCollateralRefreshMarginSeconds = 24 * 3600;

struct SimPlatformOptions {
  // Empty: default_sim_dir().
  std::string dir;
  // Used when the platform is created; loading a platform keeps its stored variant (and
  // fails if require_variant is set and differs).
  SimTcbVariant variant = SimTcbVariant::kUpToDate;
  bool require_variant = false;
  // Not owned; must outlive the platform. nullptr: the system clock.
  const Clock* clock = nullptr;
};

// $XDG_DATA_HOME/cllm/sim, or ~/.local/share/cllm/sim.
Result<std::string> default_sim_dir();

class SimPlatform {
 public:
  // Loads the platform in options.dir, or creates one there when the directory holds none.
  static Result<SimPlatform> open(const SimPlatformOptions& options);

  SimPlatform(SimPlatform&&) noexcept;
  SimPlatform& operator=(SimPlatform&&) noexcept;
  ~SimPlatform();

  const std::string& dir() const;
  SimTcbVariant variant() const;
  const std::array<std::uint8_t, 6>& fmspc() const;
  const std::array<std::uint8_t, 2>& pce_id() const;
  const Bytes& ppid() const;
  // The TCB this platform carries (PCK components, PCESVN, tee_tcb_svn).
  const SimPlatformTcb& tcb() const;
  const Clock& clock() const;

  const crypto::Certificate& root_certificate() const;
  const Bytes& root_certificate_der() const { return root_certificate().der(); }
  const std::string& root_certificate_pem() const;
  const crypto::Certificate& pck_ca_certificate() const;
  const crypto::Certificate& pck_certificate() const;
  const crypto::Certificate& tcb_signing_certificate() const;
  // PEM leaf, PCK CA, root: the quote's certification data (type 5).
  std::string pck_chain_pem() const;

  // Signing keys the quote builder needs.
  const crypto::EcdsaPrivateKey& pck_key() const;
  const crypto::EcdsaPrivateKey& attestation_key() const;

  // The collateral as last issued (may have expired; see refresh_collateral_if_needed).
  const Collateral& collateral() const;
  // issueDate / nextUpdate of the current collateral, unix seconds.
  std::int64_t collateral_issue_date() const;
  std::int64_t collateral_next_update() const;
  // Re-issues the collateral when now is past nextUpdate - margin or before issueDate.
  Status refresh_collateral_if_needed();
  // Re-issues the collateral now (new CRLs and documents; keys and certificates kept).
  Status refresh_collateral();

 private:
  struct State;
  explicit SimPlatform(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace cllm::tdx
