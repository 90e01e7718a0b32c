#include "cllm/gpu/sim_gpu_report.hpp"

#include <algorithm>
#include <cctype>

#include "cllm/common/hex.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/crypto/random.hpp"
#include "cllm/gpu/opaque_data.hpp"

namespace cllm::gpu {

namespace {

constexpr std::size_t kDigestSize = 48;
constexpr std::size_t kSwitchPdiEntries = 18;  // one per NVLink

Error report_error(const std::string& message) {
  return make_error(ErrorCode::kInvalidArgument, "gpu simulator report: " + message);
}

void put_u16(Bytes& out, std::size_t value) {
  out.push_back(static_cast<std::uint8_t>(value & 0xFF));
  out.push_back(static_cast<std::uint8_t>((value >> 8) & 0xFF));
}

void put_u24(Bytes& out, std::size_t value) {
  put_u16(out, value & 0xFFFF);
  out.push_back(static_cast<std::uint8_t>((value >> 16) & 0xFF));
}

void put_u32(Bytes& out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) {
    out.push_back(static_cast<std::uint8_t>((value >> shift) & 0xFF));
  }
}

void put_tlv(Bytes& out, std::uint16_t type, ByteView value) {
  put_u16(out, type);
  put_u16(out, value.size());
  out.insert(out.end(), value.begin(), value.end());
}

// ASCII text NUL-padded to width bytes (the chip SKU and project fields are fixed width).
Bytes padded(std::string_view text, std::size_t width) {
  Bytes out(width, 0);
  std::copy_n(text.begin(), std::min(text.size(), width - 1), out.begin());
  return out;
}

bool covered(const std::vector<std::size_t>& indices, std::size_t index) {
  return std::find(indices.begin(), indices.end(), index) != indices.end();
}

std::vector<std::size_t> index_list(
    std::initializer_list<std::pair<std::size_t, std::size_t>> ranges) {
  std::vector<std::size_t> out;
  for (auto [first, last] : ranges) {
    for (std::size_t i = first; i <= last; ++i)
      out.push_back(i);
  }
  return out;
}

}  // namespace

const std::vector<std::size_t>& sim_vbios_rim_indices() {
  static const std::vector<std::size_t> indices = index_list({{0, 6}, {8, 12}});
  return indices;
}

const std::vector<std::size_t>& sim_driver_rim_indices() {
  static const std::vector<std::size_t> indices = index_list({{7, 7}, {21, 41}});
  return indices;
}

Result<Bytes> sim_measurement_value(const SimGpuFirmware& firmware, std::size_t rim_index) {
  if (rim_index >= kSimMeasurementBlocks) return report_error("measurement index out of range");
  std::string seed;
  if (covered(sim_vbios_rim_indices(), rim_index)) {
    seed = "cllm simulated VBIOS " + firmware.vbios_version;
  } else if (covered(sim_driver_rim_indices(), rim_index)) {
    seed = "cllm simulated driver " + firmware.driver_version;
  } else {
    return Bytes(kDigestSize, 0);
  }
  seed += " measurement " + std::to_string(rim_index);
  return crypto::sha384(as_bytes(seed));
}

Result<std::array<std::uint8_t, 8>> encode_vbios_version(std::string_view text) {
  std::array<std::uint8_t, 5> parts{};
  std::size_t part = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != '.') continue;
    const std::string_view field = text.substr(start, i - start);
    if (part >= parts.size() || field.size() != 2) {
      return report_error("VBIOS version '" + std::string(text) + "' is not like 96.00.99.00.01");
    }
    auto byte = from_hex(field);
    if (!byte || byte->size() != 1) {
      return report_error("VBIOS version '" + std::string(text) + "' has a non-hex field");
    }
    parts[part++] = (*byte)[0];
    start = i + 1;
  }
  if (part != parts.size()) {
    return report_error("VBIOS version '" + std::string(text) + "' needs five fields");
  }
  return std::array<std::uint8_t, 8>{parts[3], parts[2], parts[1], parts[0], parts[4], 0, 0, 0};
}

std::string sim_driver_rim_id(const SimGpuFirmware& firmware) {
  return "NV_GPU_DRIVER_GH100_" + firmware.driver_version;
}

std::string sim_vbios_rim_id(const SimGpuFirmware& firmware) {
  std::string version;
  for (char c : firmware.vbios_version) {
    if (c != '.') version.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return "NV_GPU_VBIOS_" + std::string(kSimProject) + "_" + std::string(kSimProjectSku) + "_" +
         std::string(kSimChipSku) + "_" + version;
}

Result<Bytes> build_sim_gpu_report(const SimGpuReportInput& input,
                                   const crypto::EcdsaPrivateKey& attestation_key) {
  if (input.nonce.size() != kSpdmNonceSize) return report_error("the nonce must be 32 bytes");
  if (input.fwid.size() != kDigestSize) return report_error("the FWID must be 48 bytes");
  if (attestation_key.curve() != crypto::EcCurve::kP384) {
    return report_error("the attestation key must be P-384");
  }
  if (input.protected_pcie) {
    if (input.switch_pdis.empty()) return report_error("PPCIe mode needs switch PDIs");
    for (const Bytes& pdi : input.switch_pdis) {
      if (pdi.size() != kPdiSize) return report_error("a switch PDI must be 8 bytes");
    }
  }
  if (input.firmware.driver_version.empty() || input.firmware.driver_version.size() > 64) {
    return report_error("the driver version must be 1..64 characters");
  }
  CLLM_ASSIGN_OR_RETURN(auto vbios, encode_vbios_version(input.firmware.vbios_version));

  Bytes report;
  report.reserve(4200);
  // GET_MEASUREMENTS request: SPDM 1.1, signature requested, all measurements, slot 0.
  report.insert(report.end(), {0x11, 0xE0, 0x01, 0xFF});
  report.insert(report.end(), input.nonce.begin(), input.nonce.end());
  report.push_back(0x00);

  // MEASUREMENTS response header.
  Bytes record;
  for (std::size_t i = 0; i < kSimMeasurementBlocks; ++i) {
    CLLM_ASSIGN_OR_RETURN(Bytes value, sim_measurement_value(input.firmware, i));
    record.push_back(static_cast<std::uint8_t>(i + 1));  // SPDM index, 1-based
    record.push_back(0x01);                              // DMTF measurement specification
    put_u16(record, 3 + value.size());                   // MeasurementSize
    record.push_back(0x01);                              // digest of mutable firmware
    put_u16(record, value.size());
    record.insert(record.end(), value.begin(), value.end());
  }
  report.insert(report.end(), {0x11, 0x60, 0x00, 0x00});
  report.push_back(static_cast<std::uint8_t>(kSimMeasurementBlocks));
  put_u24(report, record.size());
  report.insert(report.end(), record.begin(), record.end());
  CLLM_ASSIGN_OR_RETURN(Bytes responder_nonce, crypto::random_bytes(kSpdmNonceSize));
  report.insert(report.end(), responder_nonce.begin(), responder_nonce.end());

  // Opaque data, in the order an H100 sends it.
  Bytes opaque;
  put_tlv(opaque, kOpaqueVbiosVersion, vbios);
  {
    Bytes board;
    put_u32(board, input.board_id);
    put_tlv(opaque, kOpaqueBoardId, board);
  }
  put_tlv(opaque, kOpaqueChipSku, padded(kSimChipSku, 9));
  put_tlv(opaque, kOpaqueChipSkuMod, padded("0", 5));
  put_tlv(opaque, kOpaqueProject, padded(kSimProject, 5));
  put_tlv(opaque, kOpaqueProjectSku, padded(kSimProjectSku, 5));
  put_tlv(opaque, kOpaqueProjectSkuMod, Bytes(2, 0));
  {
    Bytes driver(input.firmware.driver_version.begin(), input.firmware.driver_version.end());
    driver.push_back(0);
    put_tlv(opaque, kOpaqueDriverVersion, driver);
  }
  put_tlv(opaque, kOpaqueGpuInfo, Bytes{0x80, 0x01, 0, 0, 0, 0, 0, 0});  // GH100
  {
    Bytes counts;
    for (std::size_t i = 0; i < kSimMeasurementBlocks; ++i) {
      CLLM_ASSIGN_OR_RETURN(Bytes value, sim_measurement_value(input.firmware, i));
      const bool measured = std::any_of(value.begin(), value.end(), [](auto b) { return b != 0; });
      put_u32(counts, measured ? 1 : 0);
    }
    put_tlv(opaque, kOpaqueMsrscnt, counts);
  }
  put_tlv(opaque, kOpaqueCprInfo, Bytes{0x00, 0xC0, 0x01, 0x00});
  put_tlv(opaque, kOpaqueNvdec0Status,
          Bytes{input.nvdec0_enabled ? kOpaqueStatusEnabled : kOpaqueStatusDisabled});
  put_tlv(opaque, kOpaqueFwid, input.fwid);
  put_tlv(opaque, kOpaqueProtectedPcieStatus,
          Bytes{input.protected_pcie ? kOpaqueStatusEnabled : kOpaqueStatusDisabled});
  if (input.protected_pcie) {
    Bytes pdis;
    for (std::size_t i = 0; i < kSwitchPdiEntries; ++i) {
      const Bytes& pdi = input.switch_pdis[(i / 2) % input.switch_pdis.size()];
      pdis.insert(pdis.end(), pdi.begin(), pdi.end());
    }
    put_tlv(opaque, kOpaqueSwitchPdi, pdis);
  }
  put_tlv(opaque, kOpaqueOpaqueDataVersion, Bytes{0x01, 0x00});
  put_tlv(opaque, kOpaqueFeatureFlag,
          Bytes{static_cast<std::uint8_t>(input.protected_pcie ? 2 : 0), 0});
  put_u16(report, opaque.size());
  report.insert(report.end(), opaque.begin(), opaque.end());

  CLLM_ASSIGN_OR_RETURN(Bytes signature, attestation_key.sign(report));
  if (signature.size() != kSpdmSignatureSize) return report_error("unexpected signature size");
  report.insert(report.end(), signature.begin(), signature.end());
  return report;
}

}  // namespace cllm::gpu
