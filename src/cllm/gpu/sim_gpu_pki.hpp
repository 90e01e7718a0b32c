// The GPU simulator's own PKI, kept in a directory so the same roots survive restarts:
//  - a device identity PKI shaped like NVIDIA's Hopper chain (P-384, ECDSA-SHA384, device
//    certificates valid until 9999-12-31): root "cllm Simulated NVIDIA Device Identity CA" ->
//    "... GH100 Identity" -> "... GH100 Provisioner ICA 1" -> per GPU "GH100 A01 GSP BROM (cllm
//    Simulated)" -> "GH100 A01 GSP FMC LF (cllm Simulated)", the attestation leaf with the Hopper
//    FWID extension (2.23.133.5.4.1, value ending in the 48-byte FWID) and the NVIDIA SAN
//    otherName;
//  - a RIM signing PKI shaped like NVIDIA's CoRIM chain: root "cllm Simulated NVIDIA CoRIM
//    signing Root CA" -> "... Reference Value GH100 CA" -> "... Reference Value L3 GH100 001"
//    -> "... HCC RIM L4 Signer".
// Every name says "cllm Simulated"; no NVIDIA key is known or used. A verifier accepts this
// evidence only when it is told to trust these roots.
//
// Files (directory 0700, every file 0600, written atomically): keys.bin (the P-384 scalars),
// one PEM per certificate, and pki.json last, whose presence marks a complete PKI.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cllm/common/bytes.hpp"
#include "cllm/common/clock.hpp"
#include "cllm/common/result.hpp"
#include "cllm/crypto/ecdsa.hpp"
#include "cllm/crypto/x509.hpp"

namespace cllm::gpu {

// The most GPUs one simulated machine has (an HGX board).
inline constexpr std::size_t kSimMaxGpus = 8;
// NVSwitches of a simulated PPCIe board; their PDIs appear in each GPU's SWITCH_PDI TLV.
inline constexpr std::size_t kSimSwitchCount = 4;

inline constexpr std::string_view kSimDeviceRootCaName = "cllm Simulated NVIDIA Device Identity CA";
inline constexpr std::string_view kSimRimRootCaName = "cllm Simulated NVIDIA CoRIM signing Root CA";
// Device names start with the family ("GH100"), which verifiers check against the claimed
// arch, and end by saying what they are.
inline constexpr std::string_view kSimLeafName = "GH100 A01 GSP FMC LF (cllm Simulated)";
inline constexpr std::string_view kSimBromName = "GH100 A01 GSP BROM (cllm Simulated)";
inline constexpr std::string_view kSimOrganization = "cllm Simulated NVIDIA Corporation";

// Hopper's FWID extension (the TCG DICE TcbInfo OID, NVIDIA's own content).
inline constexpr std::string_view kHopperFwidExtensionOid = "2.23.133.5.4.1";
// NVIDIA's otherName type in the leaf's subjectAltName ("NVIDIA:GH100:<PDI hex>").
inline constexpr std::string_view kNvidiaSanOtherNameOid = "1.3.6.1.4.1.412.274.1";

// The SHA-384 "GSP FMC firmware" digest every simulated GPU reports (the FWID): one firmware
// image, so one value, as on a real fleet with one firmware version.
Bytes sim_gsp_fmc_fwid();

struct SimGpuPkiOptions {
  std::string dir;               // created (0700) when missing
  const Clock* clock = nullptr;  // not owned; nullptr: the system clock
};

// One simulated GPU's identity.
struct SimGpuIdentity {
  crypto::EcdsaPrivateKey attestation_key;  // the leaf's key: signs SPDM reports
  crypto::Certificate leaf;
  crypto::Certificate brom;
  Bytes pdi;              // 8 bytes, the device's PDI (in the leaf's SAN)
  std::string chain_pem;  // leaf, BROM, provisioner, identity, root: what NVML returns
};

class SimGpuPki {
 public:
  // Loads the PKI in options.dir, or creates one there when the directory holds none.
  static Result<SimGpuPki> open(const SimGpuPkiOptions& options);

  SimGpuPki(SimGpuPki&&) noexcept;
  SimGpuPki& operator=(SimGpuPki&&) noexcept;
  ~SimGpuPki();

  const std::string& dir() const;

  const crypto::Certificate& device_root() const;
  const std::string& device_root_pem() const;
  // GPU identities 0..kSimMaxGpus-1.
  const SimGpuIdentity& gpu(std::size_t index) const;
  // kSimSwitchCount PDIs of 8 bytes.
  const std::vector<Bytes>& switch_pdis() const;

  const crypto::Certificate& rim_root() const;
  const std::string& rim_root_pem() const;
  const crypto::EcdsaPrivateKey& rim_signing_key() const;
  // Signer, L3, CA, root: the certificates a RIM's KeyInfo carries.
  const std::vector<crypto::Certificate>& rim_signer_chain() const;

 private:
  struct State;
  explicit SimGpuPki(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace cllm::gpu
