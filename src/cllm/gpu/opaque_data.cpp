#include "cllm/gpu/opaque_data.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include "cllm/common/byte_reader.hpp"

namespace cllm::gpu {
namespace {

constexpr std::string_view kVersionedMagic = "NVDAOD";

bool is_switch(DeviceKind kind) {
  return kind == DeviceKind::kSwitch;
}

// What parse() checks for each type we read; everything else is kept unchecked.
enum class Shape { kAny, kText, kExact, kMultiple, kInteger };

struct Rule {
  Shape shape = Shape::kAny;
  std::size_t size = 0;  // kExact: the size; kMultiple: the entry size
};

Rule rule_for(std::uint16_t type, DeviceKind kind) {
  switch (type) {
    case kOpaqueDriverVersion:
    case kOpaqueChipSku:
    case kOpaqueProject:
    case kOpaqueProjectSku:
    case kOpaqueChipInfo:
      return {Shape::kText, 0};
    case kOpaqueVbiosVersion:
      return is_switch(kind) ? Rule{Shape::kText, 0} : Rule{Shape::kExact, 8};
    case kOpaqueNvdec0Status:
    case kOpaqueProtectedPcieStatus:
      return {Shape::kExact, 1};
    case kOpaqueMsrscnt:
      return {Shape::kMultiple, 4};
    case kOpaqueFwid:
      return {Shape::kExact, kFwidSize};
    case kOpaqueSwitchPdi:  // == kSwitchOpaqueDevicePdi
      return is_switch(kind) ? Rule{Shape::kExact, kPdiSize} : Rule{Shape::kMultiple, kPdiSize};
    case kSwitchOpaqueGpuPdis:
      return is_switch(kind) ? Rule{Shape::kMultiple, kPdiSize} : Rule{};
    case kOpaqueOpaqueDataVersion:
    case kOpaqueFeatureFlag:
      return {Shape::kInteger, 0};
    default:
      return {};
  }
}

ByteView strip_trailing_nuls(ByteView value) {
  while (!value.empty() && value.back() == 0)
    value = value.first(value.size() - 1);
  return value;
}

Status check_shape(const OpaqueField& field, const Rule& rule, std::string_view name) {
  const std::size_t n = field.value.size();
  auto fail = [&](const std::string& why) -> Status {
    return make_error(ErrorCode::kParse, "opaque data field " + std::string(name) + " (type " +
                                             std::to_string(field.type) + ") at offset " +
                                             std::to_string(field.offset) + ": " + why);
  };
  switch (rule.shape) {
    case Shape::kAny:
      return ok_status();
    case Shape::kText:
      for (std::uint8_t c : strip_trailing_nuls(field.value)) {
        if (c < 0x20 || c > 0x7e) return fail("text contains a non-printable byte");
      }
      return ok_status();
    case Shape::kExact:
      if (n != rule.size) {
        return fail("length " + std::to_string(n) + ", expected " + std::to_string(rule.size));
      }
      return ok_status();
    case Shape::kMultiple:
      if (n % rule.size != 0) {
        return fail("length " + std::to_string(n) + " is not a multiple of " +
                    std::to_string(rule.size));
      }
      return ok_status();
    case Shape::kInteger:
      if (n != 1 && n != 2 && n != 4 && n != 8) {
        return fail("integer of length " + std::to_string(n) + ", expected 1, 2, 4 or 8");
      }
      return ok_status();
  }
  return ok_status();
}

std::vector<Bytes> split_entries(const OpaqueField* field, std::size_t size) {
  std::vector<Bytes> out;
  if (field == nullptr) return out;
  for (std::size_t i = 0; i + size <= field->value.size(); i += size) {
    out.emplace_back(field->value.begin() + static_cast<std::ptrdiff_t>(i),
                     field->value.begin() + static_cast<std::ptrdiff_t>(i + size));
  }
  return out;
}

}  // namespace

std::string_view opaque_type_name(std::uint16_t type, DeviceKind kind) {
  if (is_switch(kind)) {
    switch (type) {
      case kSwitchOpaqueDevicePdi:
        return "DEVICE_PDI";
      case kSwitchOpaqueDisabledPorts:
        return "DISABLED_PORTS";
      case kSwitchOpaquePositionId:
        return "SWITCH_POSITION_ID";
      case kSwitchOpaqueLockStatus:
        return "SWITCH_LOCK_STATUS";
      case kSwitchOpaqueGpuPdis:
        return "SWITCH_GPU_PDIS";
      case kSwitchOpaquePorts:
        return "SWITCH_PORTS";
      default:
        break;
    }
  }
  switch (type) {
    case kOpaqueCertIssuerName:
      return "CERT_ISSUER_NAME";
    case kOpaqueCertAuthorityKeyId:
      return "CERT_AUTHORITY_KEY_IDENTIFIER";
    case kOpaqueDriverVersion:
      return "DRIVER_VERSION";
    case kOpaqueGpuInfo:
      return "GPU_INFO";
    case kOpaqueSku:
      return "SKU";
    case kOpaqueVbiosVersion:
      return "VBIOS_VERSION";
    case kOpaqueManufacturerId:
      return "MANUFACTURER_ID";
    case kOpaqueTamperDetection:
      return "TAMPER_DETECTION";
    case kOpaqueSmc:
      return "SMC";
    case kOpaqueVpr:
      return "VPR";
    case kOpaqueNvdec0Status:
      return "NVDEC0_STATUS";
    case kOpaqueMsrscnt:
      return "MSRSCNT";
    case kOpaqueCprInfo:
      return "CPRINFO";
    case kOpaqueBoardId:
      return "BOARD_ID";
    case kOpaqueChipSku:
      return "CHIP_SKU";
    case kOpaqueChipSkuMod:
      return "CHIP_SKU_MOD";
    case kOpaqueProject:
      return "PROJECT";
    case kOpaqueProjectSku:
      return "PROJECT_SKU";
    case kOpaqueProjectSkuMod:
      return "PROJECT_SKU_MOD";
    case kOpaqueFwid:
      return "FWID";
    case kOpaqueProtectedPcieStatus:
      return "PROTECTED_PCIE_STATUS";
    case kOpaqueSwitchPdi:
      return "SWITCH_PDI";
    case kOpaqueFloorsweptPorts:
      return "FLOORSWEPT_PORTS";
    case kOpaquePositionId:
      return "POSITION_ID";
    case kOpaqueLockSwitchStatus:
      return "LOCK_SWITCH_STATUS";
    case kOpaqueGpuLinkConn:
      return "GPU_LINK_CONN";
    case kOpaqueSysEnableStatus:
      return "SYS_ENABLE_STATUS";
    case kOpaqueOpaqueDataVersion:
      return "OPAQUE_DATA_VERSION";
    case kOpaqueChipInfo:
      return "CHIP_INFO";
    case kOpaqueFeatureFlag:
      return "FEATURE_FLAG";
    case kOpaqueInvalid:
      return "INVALID";
    default:
      return "UNKNOWN";
  }
}

Result<OpaqueData> OpaqueData::parse(ByteView data, DeviceKind kind) {
  if (data.size() >= kVersionedMagic.size() &&
      std::equal(kVersionedMagic.begin(), kVersionedMagic.end(), data.begin())) {
    return make_error(ErrorCode::kUnsupported,
                      "opaque data: versioned opaque data (NVDAOD) is not supported yet");
  }
  OpaqueData out;
  out.kind_ = kind;
  ByteReader reader(data);
  while (!reader.at_end()) {
    OpaqueField field;
    field.offset = reader.offset();
    CLLM_ASSIGN_OR_RETURN(field.type, reader.u16le("opaque data type"));
    const std::string_view name = opaque_type_name(field.type, kind);
    CLLM_ASSIGN_OR_RETURN(std::uint16_t length, reader.u16le("opaque data length"));
    auto value = reader.bytes(length, "opaque data value of " + std::string(name));
    if (!value.ok()) return std::move(value).error();
    field.value.assign(value->begin(), value->end());

    const Rule rule = rule_for(field.type, kind);
    CLLM_TRY(check_shape(field, rule, name));
    if (rule.shape != Shape::kAny && out.find(field.type) != nullptr) {
      return make_error(ErrorCode::kParse, "opaque data field " + std::string(name) + " (type " +
                                               std::to_string(field.type) + ") at offset " +
                                               std::to_string(field.offset) + ": repeated");
    }
    out.fields_.push_back(std::move(field));
  }
  return out;
}

const OpaqueField* OpaqueData::find(std::uint16_t type) const {
  for (const OpaqueField& field : fields_) {
    if (field.type == type) return &field;
  }
  return nullptr;
}

std::optional<std::string> OpaqueData::text(std::uint16_t type) const {
  const OpaqueField* field = find(type);
  if (field == nullptr) return std::nullopt;
  return to_string(strip_trailing_nuls(field->value));
}

std::optional<std::uint64_t> OpaqueData::integer(std::uint16_t type) const {
  const OpaqueField* field = find(type);
  if (field == nullptr) return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < field->value.size() && i < 8; ++i)
    v |= static_cast<std::uint64_t>(field->value[i]) << (8 * i);
  return v;
}

std::optional<std::string> OpaqueData::driver_version() const {
  return text(kOpaqueDriverVersion);
}

std::optional<std::string> OpaqueData::vbios_version() const {
  if (is_switch(kind_)) return text(kOpaqueVbiosVersion);
  const OpaqueField* field = find(kOpaqueVbiosVersion);
  if (field == nullptr) return std::nullopt;
  const Bytes& b = field->value;  // 8 bytes, checked by parse()
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%02X.%02X.%02X.%02X.%02X", b[3], b[2], b[1], b[0], b[4]);
  return std::string(buf);
}

std::optional<std::string> OpaqueData::project() const {
  return text(kOpaqueProject);
}
std::optional<std::string> OpaqueData::project_sku() const {
  return text(kOpaqueProjectSku);
}
std::optional<std::string> OpaqueData::chip_sku() const {
  return text(kOpaqueChipSku);
}
std::optional<std::string> OpaqueData::chip_info() const {
  return text(kOpaqueChipInfo);
}

std::optional<Bytes> OpaqueData::fwid() const {
  const OpaqueField* field = find(kOpaqueFwid);
  if (field == nullptr) return std::nullopt;
  return field->value;
}

std::optional<std::uint8_t> OpaqueData::nvdec0_status() const {
  const OpaqueField* field = find(kOpaqueNvdec0Status);
  if (field == nullptr) return std::nullopt;
  return field->value[0];
}

std::optional<std::uint8_t> OpaqueData::protected_pcie_status() const {
  const OpaqueField* field = find(kOpaqueProtectedPcieStatus);
  if (field == nullptr) return std::nullopt;
  return field->value[0];
}

std::vector<Bytes> OpaqueData::switch_pdis() const {
  if (is_switch(kind_)) return {};
  return split_entries(find(kOpaqueSwitchPdi), kPdiSize);
}

std::optional<Bytes> OpaqueData::device_pdi() const {
  if (!is_switch(kind_)) return std::nullopt;
  const OpaqueField* field = find(kSwitchOpaqueDevicePdi);
  if (field == nullptr) return std::nullopt;
  return field->value;
}

std::vector<Bytes> OpaqueData::switch_gpu_pdis() const {
  if (!is_switch(kind_)) return {};
  return split_entries(find(kSwitchOpaqueGpuPdis), kPdiSize);
}

std::optional<std::uint64_t> OpaqueData::opaque_data_version() const {
  return integer(kOpaqueOpaqueDataVersion);
}

std::optional<std::uint64_t> OpaqueData::feature_flag() const {
  return integer(kOpaqueFeatureFlag);
}

std::vector<std::uint32_t> OpaqueData::msrscnt() const {
  std::vector<std::uint32_t> out;
  const OpaqueField* field = find(kOpaqueMsrscnt);
  if (field == nullptr) return out;
  const Bytes& v = field->value;
  for (std::size_t i = 0; i + 4 <= v.size(); i += 4) {
    out.push_back(static_cast<std::uint32_t>(v[i]) | (static_cast<std::uint32_t>(v[i + 1]) << 8) |
                  (static_cast<std::uint32_t>(v[i + 2]) << 16) |
                  (static_cast<std::uint32_t>(v[i + 3]) << 24));
  }
  return out;
}

}  // namespace cllm::gpu
