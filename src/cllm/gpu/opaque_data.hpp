// The opaque data of an NVIDIA SPDM MEASUREMENTS response: {type u16 LE, length u16 LE,
// value} entries carrying driver and VBIOS versions, board identity, the firmware FWID and
// the NVLink topology (research note §2.3). Every type we read is length-checked at parse
// time, so the accessors below cannot fail; unknown types are kept (new firmware adds them)
// and only a repeated known type is rejected, because two values would be ambiguous.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/gpu/gpu_arch.hpp"

namespace cllm::gpu {

// Type numbers shared by GPUs and NVSwitches (1..21) and the GPU-only ones.
enum OpaqueType : std::uint16_t {
  kOpaqueCertIssuerName = 1,
  kOpaqueCertAuthorityKeyId = 2,
  kOpaqueDriverVersion = 3,
  kOpaqueGpuInfo = 4,
  kOpaqueSku = 5,
  kOpaqueVbiosVersion = 6,
  kOpaqueManufacturerId = 7,
  kOpaqueTamperDetection = 8,
  kOpaqueSmc = 9,
  kOpaqueVpr = 10,
  kOpaqueNvdec0Status = 11,
  kOpaqueMsrscnt = 12,
  kOpaqueCprInfo = 13,
  kOpaqueBoardId = 14,
  kOpaqueChipSku = 15,
  kOpaqueChipSkuMod = 16,
  kOpaqueProject = 17,
  kOpaqueProjectSku = 18,
  kOpaqueProjectSkuMod = 19,
  kOpaqueFwid = 20,
  kOpaqueProtectedPcieStatus = 21,
  // GPU numbering of 22..25; a switch reuses these numbers (see below).
  kOpaqueSwitchPdi = 22,
  kOpaqueFloorsweptPorts = 23,
  kOpaquePositionId = 24,
  kOpaqueLockSwitchStatus = 25,
  kOpaqueGpuLinkConn = 32,
  kOpaqueSysEnableStatus = 33,
  kOpaqueOpaqueDataVersion = 34,
  kOpaqueChipInfo = 35,
  kOpaqueFeatureFlag = 36,
  kOpaqueInvalid = 255,
};

// NVSwitch numbering of 22..27.
enum SwitchOpaqueType : std::uint16_t {
  kSwitchOpaqueDevicePdi = 22,
  kSwitchOpaqueDisabledPorts = 23,
  kSwitchOpaquePositionId = 24,
  kSwitchOpaqueLockStatus = 25,
  kSwitchOpaqueGpuPdis = 26,
  kSwitchOpaquePorts = 27,
};

// NVIDIA's name of a type for this device kind ("DRIVER_VERSION", "DEVICE_PDI"), or
// "UNKNOWN" for a type neither SDK knows.
std::string_view opaque_type_name(std::uint16_t type, DeviceKind kind);

inline constexpr std::size_t kFwidSize = 48;  // SHA-384 of the GSP FMC firmware
inline constexpr std::size_t kPdiSize = 8;    // a platform device identifier
// The status bytes of NVDEC0_STATUS and PROTECTED_PCIE_STATUS.
inline constexpr std::uint8_t kOpaqueStatusEnabled = 0xAA;
inline constexpr std::uint8_t kOpaqueStatusDisabled = 0x55;

struct OpaqueField {
  std::uint16_t type = 0;
  std::size_t offset = 0;  // of the type field, within the opaque data
  Bytes value;
};

class OpaqueData {
 public:
  // Parses the whole opaque data. Versioned opaque data (magic "NVDAOD", CUDA 13.5+ drivers)
  // is refused with kUnsupported rather than misread as TLVs.
  static Result<OpaqueData> parse(ByteView data, DeviceKind kind);

  DeviceKind kind() const { return kind_; }
  const std::vector<OpaqueField>& fields() const { return fields_; }
  // The first field of that type, or nullptr.
  const OpaqueField* find(std::uint16_t type) const;

  // Text fields, with their NUL terminator or padding stripped.
  std::optional<std::string> driver_version() const;
  // GPU: the 8 packed bytes as "96.00.9F.00.01"; switch: its ASCII text as sent.
  std::optional<std::string> vbios_version() const;
  std::optional<std::string> project() const;
  std::optional<std::string> project_sku() const;
  std::optional<std::string> chip_sku() const;
  std::optional<std::string> chip_info() const;
  std::optional<Bytes> fwid() const;  // kFwidSize bytes
  std::optional<std::uint8_t> nvdec0_status() const;
  std::optional<std::uint8_t> protected_pcie_status() const;
  // GPU only: the NVLink peers' PDIs (SWITCH_PDI, one kPdiSize entry per link).
  std::vector<Bytes> switch_pdis() const;
  // Switch only: its own PDI (DEVICE_PDI) and the PDIs of the GPUs behind it.
  std::optional<Bytes> device_pdi() const;
  std::vector<Bytes> switch_gpu_pdis() const;
  std::optional<std::uint64_t> opaque_data_version() const;
  std::optional<std::uint64_t> feature_flag() const;
  // One u32 LE counter per measurement index.
  std::vector<std::uint32_t> msrscnt() const;

 private:
  std::optional<std::string> text(std::uint16_t type) const;
  std::optional<std::uint64_t> integer(std::uint16_t type) const;

  DeviceKind kind_ = DeviceKind::kGpu;
  std::vector<OpaqueField> fields_;
};

}  // namespace cllm::gpu
