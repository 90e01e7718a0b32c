// The certificate chain of a GPU or NVSwitch: leaf (per-boot attestation key, "GSP FMC LF")
// <- device identity ("GSP BROM") <- provisioner ICA <- family identity <- NVIDIA Device
// Identity CA (research note §3). Verified to one pinned trust anchor; device certificates
// carry notAfter 9999-12-31, so as NVIDIA's C++ verifier does we do not reject on time, and
// instead report the status (valid / expired) and the earliest notAfter as of `now`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/gpu/gpu_arch.hpp"

namespace cllm::gpu {

// NVML's buffer holds 5 KiB of PEM; these bounds leave room and stop a hostile chain early.
inline constexpr std::size_t kMaxDeviceChainPemSize = 64 * 1024;
inline constexpr std::size_t kMaxDeviceChainCertificates = 8;

// FWID extensions of the leaf: Hopper puts SEQUENCE{INTEGER, SPKI, SEQUENCE{sha384, digest}}
// under the DICE TcbInfo OID; Blackwell uses a proper DICE TcbInfo under its child OID.
inline constexpr std::string_view kHopperFwidOid = "2.23.133.5.4.1";
inline constexpr std::string_view kBlackwellFwidOid = "2.23.133.5.4.1.1";

enum class CertStatus { kValid, kExpired, kInvalid };
// "valid" / "expired" / "invalid": NVIDIA's x-nvidia-cert-status values.
std::string_view cert_status_name(CertStatus status);

// Parses the PEM chain exactly as the driver returned it: NUL padding, blank lines and a
// missing final newline are tolerated; anything else around the blocks is an error.
Result<std::vector<crypto::Certificate>> parse_device_chain(std::string_view pem);

struct DeviceChainAppraisal {
  CertStatus status = CertStatus::kInvalid;
  std::string detail;  // why the chain is invalid (empty otherwise)
  // The earliest notAfter of the verified path (anchor included), unix seconds; 0 when the
  // chain did not verify.
  std::int64_t earliest_not_after = 0;
  // Whether the chain's own last certificate was self-signed and is the pinned anchor (it is
  // never trusted either way; a mismatch only tells a simulator chain from a real one).
  bool supplied_root_matches_anchor = false;
  // The verified path, leaf first, ending with the anchor (empty when invalid). Its order is
  // the issuing order, whatever order the device listed its certificates in.
  std::vector<crypto::Certificate> path;
};

// Verifies chain (leaf first) to `anchor`, the only trust anchor: a self-signed last
// certificate is dropped, every other certificate must be on the verified path, and
// validity periods are not enforced (see above). Status is kExpired when `now` is after the
// earliest notAfter.
DeviceChainAppraisal verify_device_chain(std::span<const crypto::Certificate> chain,
                                         const crypto::Certificate& anchor, std::int64_t now);

// The FWID (SHA-384 of the GSP FMC firmware) the leaf certifies, from the extension for
// `arch`; nullopt when the leaf has no such extension; an error when it is malformed.
Result<std::optional<Bytes>> leaf_fwid(const crypto::Certificate& leaf, GpuArch arch);

// The ueid claim: the leaf's serial number as a decimal string.
std::string leaf_ueid(const crypto::Certificate& leaf);
// A big-endian unsigned integer as a decimal string ("0" for empty input).
std::string big_endian_to_decimal(ByteView value);

}  // namespace cllm::gpu
