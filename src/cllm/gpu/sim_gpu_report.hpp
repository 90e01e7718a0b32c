// Byte-exact simulated SPDM attestation reports, laid out like a Hopper H100's (spec §2):
// the 37-byte GET_MEASUREMENTS request carrying the caller's nonce, a MEASUREMENTS response
// with 64 DMTF blocks of SHA-384 digests, a random responder nonce, the opaque-data TLVs a
// real H100 sends (VBIOS 8-byte form, board id, chip SKU / project fields NUL-padded, driver
// version, GPU info, MSRSCNT, CPR info, NVDEC0, FWID, PROTECTED_PCIE, switch PDIs in PPCIe
// mode, opaque data version, feature flag), and a raw r||s P-384/SHA-384 signature by the
// GPU's attestation key over everything before it.
//
// The measurement values are a deterministic function of the simulated driver and VBIOS
// versions, so sim_rim can publish the golden values that match.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/crypto/ecdsa.hpp"
#include "cllm/gpu/spdm_report.hpp"  // the SPDM sizes

namespace cllm::gpu {

// Versions NVIDIA never shipped, so a RIM id of the simulator cannot name a real RIM.
inline constexpr std::string_view kSimDriverVersion = "580.999.01";
inline constexpr std::string_view kSimVbiosVersion = "96.00.99.00.01";
// The board identity fields that make the VBIOS RIM id (NV_GPU_VBIOS_<project>_<sku>_<chip>_…).
inline constexpr std::string_view kSimProject = "CLSM";
inline constexpr std::string_view kSimProjectSku = "0000";
inline constexpr std::string_view kSimChipSku = "999";

inline constexpr std::size_t kSimMeasurementBlocks = 64;

struct SimGpuFirmware {
  std::string driver_version = std::string(kSimDriverVersion);
  std::string vbios_version = std::string(kSimVbiosVersion);  // "96.00.99.00.01"
};

// The 0-based RIM indices the VBIOS RIM and the driver RIM cover (a Hopper's split: VBIOS
// 0-6 and 8-12, driver 7 and 21-41). Every other block reports 48 zero bytes.
const std::vector<std::size_t>& sim_vbios_rim_indices();
const std::vector<std::size_t>& sim_driver_rim_indices();

// The 48-byte value of RIM index rim_index (SPDM block rim_index + 1) under firmware: a
// SHA-384 over the version that covers it, or zeros for an index no RIM covers.
Result<Bytes> sim_measurement_value(const SimGpuFirmware& firmware, std::size_t rim_index);

// "96.00.99.00.01" -> the opaque VBIOS_VERSION bytes b0..b7, where the text is
// hex(b3).hex(b2).hex(b1).hex(b0).hex(b4).
Result<std::array<std::uint8_t, 8>> encode_vbios_version(std::string_view text);

// The RIM ids a verifier derives from a simulated report: NV_GPU_DRIVER_GH100_<driver> and
// NV_GPU_VBIOS_<project>_<project sku>_<chip sku>_<VBIOS upper-case without dots>.
std::string sim_driver_rim_id(const SimGpuFirmware& firmware);
std::string sim_vbios_rim_id(const SimGpuFirmware& firmware);

struct SimGpuReportInput {
  ByteView nonce;  // the caller's, exactly 32 bytes
  SimGpuFirmware firmware;
  Bytes fwid;  // 48 bytes, equal to the leaf certificate's FWID
  // Protected PCIe (8 GPUs + NVSwitches in one CVM): PROTECTED_PCIE_STATUS 0xAA, FEATURE_FLAG
  // 2 and a SWITCH_PDI TLV of 18 entries drawn from switch_pdis (8 bytes each, non-empty).
  bool protected_pcie = false;
  std::vector<Bytes> switch_pdis;
  bool nvdec0_enabled = false;  // H100s in the wild report 0x55 (disabled)
  std::uint32_t board_id = 0x04A1;
};

// The report, signed with attestation_key (P-384).
Result<Bytes> build_sim_gpu_report(const SimGpuReportInput& input,
                                   const crypto::EcdsaPrivateKey& attestation_key);

}  // namespace cllm::gpu
