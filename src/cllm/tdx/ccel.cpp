#include "cllm/tdx/ccel.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "cllm/common/byte_reader.hpp"
#include "cllm/common/hex.hpp"

namespace cllm::tdx {

namespace {

constexpr std::string_view kSpecIdSignature{"Spec ID Event03\0", 16};
constexpr std::size_t kSha1DigestSize = 20;  // the header event uses the SHA-1 record format

// Digest sizes the registry fixes; a Spec ID table that disagrees is malformed.
std::optional<std::uint16_t> known_digest_size(std::uint16_t algorithm_id) {
  switch (algorithm_id) {
    case kTpmAlgSha1:
      return 20;
    case kTpmAlgSha256:
    case kTpmAlgSm3_256:
      return 32;
    case kTpmAlgSha384:
      return 48;
    case kTpmAlgSha512:
      return 64;
    default:
      return std::nullopt;
  }
}

Error parse_error(std::string message) {
  return make_error(ErrorCode::kParse, std::move(message));
}

std::string at(std::size_t offset) {
  return " at offset " + std::to_string(offset);
}

template <std::size_t N>
std::array<std::uint8_t, N> to_array(ByteView bytes) {
  std::array<std::uint8_t, N> out{};
  std::copy_n(bytes.begin(), N, out.begin());
  return out;
}

Result<SpecIdEvent> parse_spec_id(ByteView data, std::size_t base_offset) {
  ByteReader r(data);
  CLLM_ASSIGN_OR_RETURN(ByteView signature, r.bytes(kSpecIdSignature.size(), "signature"));
  if (to_string(signature) != kSpecIdSignature) {
    return parse_error("Spec ID event signature is not \"Spec ID Event03\"" + at(base_offset));
  }
  SpecIdEvent spec;
  CLLM_ASSIGN_OR_RETURN(spec.platform_class, r.u32le("platformClass"));
  CLLM_ASSIGN_OR_RETURN(spec.spec_version_minor, r.u8("specVersionMinor"));
  CLLM_ASSIGN_OR_RETURN(spec.spec_version_major, r.u8("specVersionMajor"));
  CLLM_ASSIGN_OR_RETURN(spec.spec_errata, r.u8("specErrata"));
  CLLM_ASSIGN_OR_RETURN(spec.uintn_size, r.u8("uintnSize"));
  const std::size_t count_offset = base_offset + r.offset();
  CLLM_ASSIGN_OR_RETURN(std::uint32_t count, r.u32le("numberOfAlgorithms"));
  if (count == 0 || count > kMaxSpecIdAlgorithms) {
    return make_error(ErrorCode::kLimit,
                      "Spec ID numberOfAlgorithms " + std::to_string(count) + " is not in 1.." +
                          std::to_string(kMaxSpecIdAlgorithms) + at(count_offset));
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::size_t entry_offset = base_offset + r.offset();
    TcgAlgorithm alg;
    CLLM_ASSIGN_OR_RETURN(alg.algorithm_id, r.u16le("algorithmId"));
    CLLM_ASSIGN_OR_RETURN(alg.digest_size, r.u16le("digestSize"));
    if (alg.digest_size == 0 || alg.digest_size > kMaxTcgDigestSize) {
      return parse_error("Spec ID digestSize " + std::to_string(alg.digest_size) +
                         " is not in 1.." + std::to_string(kMaxTcgDigestSize) + at(entry_offset));
    }
    auto expected = known_digest_size(alg.algorithm_id);
    if (expected && *expected != alg.digest_size) {
      return parse_error("Spec ID digestSize " + std::to_string(alg.digest_size) +
                         " is wrong for algorithm " + std::to_string(alg.algorithm_id) +
                         at(entry_offset));
    }
    for (const auto& seen : spec.algorithms) {
      if (seen.algorithm_id == alg.algorithm_id) {
        return parse_error("Spec ID lists algorithm " + std::to_string(alg.algorithm_id) +
                           " twice" + at(entry_offset));
      }
    }
    spec.algorithms.push_back(alg);
  }
  CLLM_ASSIGN_OR_RETURN(std::uint8_t vendor_size, r.u8("vendorInfoSize"));
  CLLM_ASSIGN_OR_RETURN(ByteView vendor, r.bytes(vendor_size, "vendorInfo"));
  spec.vendor_info.assign(vendor.begin(), vendor.end());
  if (!r.at_end()) {
    return parse_error("Spec ID event has " + std::to_string(r.remaining()) +
                       " bytes after vendorInfo" + at(base_offset + r.offset()));
  }
  return spec;
}

// The log area is a fixed-size buffer: after the last record firmware leaves it as it was
// initialized, 0xFF (erased) or 0x00. A record header cannot start with PCR index
// 0xFFFFFFFF, and an all-zero remainder holds no record.
bool is_padding(ByteView rest) {
  const ByteView head = rest.first(std::min<std::size_t>(rest.size(), 8));
  if (std::all_of(head.begin(), head.end(), [](std::uint8_t b) { return b == 0xFF; })) return true;
  return std::all_of(rest.begin(), rest.end(), [](std::uint8_t b) { return b == 0x00; });
}

Result<CcelEvent> parse_event(ByteReader& r, const SpecIdEvent& spec) {
  CcelEvent event;
  event.offset = r.offset();
  CLLM_ASSIGN_OR_RETURN(event.pcr_index, r.u32le("PCRIndex"));
  if (event.pcr_index > kMaxCcMrIndex) {
    return parse_error("PCRIndex " + std::to_string(event.pcr_index) +
                       " is not a TDX measurement register (0..4)" + at(event.offset));
  }
  CLLM_ASSIGN_OR_RETURN(event.event_type, r.u32le("EventType"));
  const std::size_t count_offset = r.offset();
  CLLM_ASSIGN_OR_RETURN(std::uint32_t count, r.u32le("digests.count"));
  if (count > spec.algorithms.size()) {
    return make_error(ErrorCode::kLimit, "digests.count " + std::to_string(count) +
                                             " exceeds the " +
                                             std::to_string(spec.algorithms.size()) +
                                             " algorithms of the Spec ID event" + at(count_offset));
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::size_t alg_offset = r.offset();
    TcgDigest digest;
    CLLM_ASSIGN_OR_RETURN(digest.algorithm_id, r.u16le("digests.hashAlg"));
    auto alg =
        std::find_if(spec.algorithms.begin(), spec.algorithms.end(),
                     [&](const TcgAlgorithm& a) { return a.algorithm_id == digest.algorithm_id; });
    if (alg == spec.algorithms.end()) {
      return parse_error("digest algorithm " + std::to_string(digest.algorithm_id) +
                         " is not in the Spec ID event" + at(alg_offset));
    }
    for (const auto& seen : event.digests) {
      if (seen.algorithm_id == digest.algorithm_id) {
        return parse_error("digest algorithm " + std::to_string(digest.algorithm_id) +
                           " appears twice" + at(alg_offset));
      }
    }
    CLLM_ASSIGN_OR_RETURN(ByteView value, r.bytes(alg->digest_size, "digests.digest"));
    digest.digest.assign(value.begin(), value.end());
    event.digests.push_back(std::move(digest));
  }
  const std::size_t size_offset = r.offset();
  CLLM_ASSIGN_OR_RETURN(std::uint32_t event_size, r.u32le("EventSize"));
  if (event_size > kMaxCcelEventDataSize) {
    return make_error(ErrorCode::kLimit, "EventSize " + std::to_string(event_size) + " exceeds " +
                                             std::to_string(kMaxCcelEventDataSize) +
                                             at(size_offset));
  }
  CLLM_ASSIGN_OR_RETURN(ByteView data, r.bytes(event_size, "Event"));
  event.event_data.assign(data.begin(), data.end());
  return event;
}

Json spec_id_json(const SpecIdEvent& spec) {
  Json algorithms = Json::array();
  for (const auto& alg : spec.algorithms) {
    algorithms.push_back({{"algorithm", tcg_algorithm_name(alg.algorithm_id)},
                          {"algorithm_id", alg.algorithm_id},
                          {"digest_size", alg.digest_size}});
  }
  return {{"platform_class", spec.platform_class},
          {"spec_version_major", spec.spec_version_major},
          {"spec_version_minor", spec.spec_version_minor},
          {"spec_errata", spec.spec_errata},
          {"uintn_size", spec.uintn_size},
          {"algorithms", std::move(algorithms)},
          {"vendor_info", to_hex(spec.vendor_info)}};
}

}  // namespace

Result<CcelTable> parse_ccel_table(ByteView bytes) {
  ByteReader r(bytes);
  CLLM_ASSIGN_OR_RETURN(ByteView signature, r.bytes(4, "Signature"));
  if (to_string(signature) != "CCEL") {
    return parse_error("ACPI table signature is not \"CCEL\" at offset 0");
  }
  CLLM_ASSIGN_OR_RETURN(std::uint32_t length, r.u32le("Length"));
  if (length < kCcelTableSize || length > bytes.size()) {
    return parse_error("CCEL Length " + std::to_string(length) + " is not in " +
                       std::to_string(kCcelTableSize) + ".." + std::to_string(bytes.size()) +
                       " at offset 4");
  }
  std::uint8_t sum = 0;
  for (std::size_t i = 0; i < length; ++i)
    sum = static_cast<std::uint8_t>(sum + bytes[i]);
  if (sum != 0) return parse_error("CCEL checksum does not sum to zero (offset 9)");

  CcelTable table;
  CLLM_ASSIGN_OR_RETURN(table.revision, r.u8("Revision"));
  CLLM_TRY(r.skip(1, "Checksum"));
  CLLM_ASSIGN_OR_RETURN(ByteView oem_id, r.bytes(6, "OEMID"));
  table.oem_id = to_array<6>(oem_id);
  CLLM_ASSIGN_OR_RETURN(ByteView oem_table_id, r.bytes(8, "OEM Table ID"));
  table.oem_table_id = to_array<8>(oem_table_id);
  CLLM_ASSIGN_OR_RETURN(table.oem_revision, r.u32le("OEM Revision"));
  CLLM_ASSIGN_OR_RETURN(ByteView creator_id, r.bytes(4, "Creator ID"));
  table.creator_id = to_array<4>(creator_id);
  CLLM_ASSIGN_OR_RETURN(table.creator_revision, r.u32le("Creator Revision"));
  CLLM_ASSIGN_OR_RETURN(table.cc_type, r.u8("CC Type"));
  CLLM_ASSIGN_OR_RETURN(table.cc_subtype, r.u8("CC Subtype"));
  CLLM_TRY(r.skip(2, "Reserved"));
  CLLM_ASSIGN_OR_RETURN(table.log_area_minimum_length, r.u64le("LAML"));
  CLLM_ASSIGN_OR_RETURN(table.log_area_start_address, r.u64le("LASA"));
  return table;
}

std::optional<std::uint32_t> CcelEvent::rtmr() const {
  if (pcr_index == 0 || pcr_index > kMaxCcMrIndex) return std::nullopt;
  return pcr_index - 1;
}

bool CcelEvent::extends_rtmr() const {
  return event_type != kEvNoAction && rtmr().has_value();
}

const Bytes* CcelEvent::sha384() const {
  for (const auto& d : digests) {
    if (d.algorithm_id == kTpmAlgSha384) return &d.digest;
  }
  return nullptr;
}

Result<CcelEventLog> parse_ccel_event_log(ByteView log) {
  if (log.size() > kMaxCcelLogSize) {
    return make_error(ErrorCode::kLimit, "CCEL event log of " + std::to_string(log.size()) +
                                             " bytes exceeds " + std::to_string(kMaxCcelLogSize));
  }
  ByteReader r(log);
  CcelEventLog out;

  // Header: a TCG_PCClientPCREvent (SHA-1 record format) that carries the Spec ID event.
  auto header = [&]() -> Status {
    CLLM_TRY(r.skip(4, "PCRIndex"));
    CLLM_ASSIGN_OR_RETURN(std::uint32_t type, r.u32le("EventType"));
    if (type != kEvNoAction) {
      return parse_error("first event type " + std::to_string(type) +
                         " is not EV_NO_ACTION (not a crypto-agile log) at offset 4");
    }
    CLLM_TRY(r.skip(kSha1DigestSize, "Digest"));
    CLLM_ASSIGN_OR_RETURN(std::uint32_t size, r.u32le("EventSize"));
    const std::size_t data_offset = r.offset();
    CLLM_ASSIGN_OR_RETURN(ByteView data, r.bytes(size, "Event"));
    CLLM_ASSIGN_OR_RETURN(out.spec_id, parse_spec_id(data, data_offset));
    return ok_status();
  }();
  if (!header.ok()) return std::move(header).error().context("CCEL Spec ID event");
  if (std::none_of(out.spec_id.algorithms.begin(), out.spec_id.algorithms.end(),
                   [](const TcgAlgorithm& a) { return a.algorithm_id == kTpmAlgSha384; })) {
    return parse_error("CCEL Spec ID event does not list SHA-384, which TDX RTMRs use");
  }

  while (!r.at_end() && !is_padding(log.subspan(r.offset()))) {
    if (out.events.size() >= kMaxCcelEvents) {
      return make_error(ErrorCode::kLimit, "CCEL event log has more than " +
                                               std::to_string(kMaxCcelEvents) + " events");
    }
    const std::size_t offset = r.offset();
    auto event = parse_event(r, out.spec_id);
    if (!event.ok()) {
      return std::move(event).error().context("CCEL event " + std::to_string(out.events.size()) +
                                              " at offset " + std::to_string(offset));
    }
    out.events.push_back(std::move(event).value());
  }
  out.end_offset = r.offset();
  return out;
}

Result<std::array<Measurement, 4>> CcelEventLog::replay() const {
  std::array<Measurement, 4> rtmrs{};
  for (std::size_t i = 0; i < events.size(); ++i) {
    const CcelEvent& e = events[i];
    if (!e.extends_rtmr()) continue;
    const Bytes* digest = e.sha384();
    if (digest == nullptr) {
      return make_error(ErrorCode::kVerification, "CCEL event " + std::to_string(i) +
                                                      " at offset " + std::to_string(e.offset) +
                                                      " extends RTMR" + std::to_string(*e.rtmr()) +
                                                      " but has no SHA-384 digest");
    }
    Measurement& reg = rtmrs[*e.rtmr()];
    reg = extend_measurement(reg, *digest);
  }
  return rtmrs;
}

Result<std::vector<RuntimeEvent>> CcelEventLog::to_runtime_events(bool keep_payload) const {
  std::vector<RuntimeEvent> out;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const CcelEvent& e = events[i];
    if (!e.extends_rtmr()) continue;  // dstack replays every entry it lists
    const Bytes* digest = e.sha384();
    if (digest == nullptr) {
      return make_error(ErrorCode::kVerification,
                        "CCEL event " + std::to_string(i) + " has no SHA-384 digest to list");
    }
    RuntimeEvent entry;
    entry.imr = *e.rtmr();
    entry.event_type = e.event_type;
    entry.digest = *digest;
    if (keep_payload) entry.event_payload = e.event_data;
    out.push_back(std::move(entry));
  }
  return out;
}

Json CcelEventLog::to_json() const {
  Json list = Json::array();
  for (const auto& e : events) {
    Json digests = Json::array();
    for (const auto& d : e.digests) {
      digests.push_back({{"algorithm", tcg_algorithm_name(d.algorithm_id)},
                         {"algorithm_id", d.algorithm_id},
                         {"digest", to_hex(d.digest)}});
    }
    auto rtmr = e.rtmr();
    list.push_back({{"offset", e.offset},
                    {"pcr_index", e.pcr_index},
                    {"rtmr", rtmr ? Json(*rtmr) : Json(nullptr)},
                    {"event_type", e.event_type},
                    {"event_type_name", tcg_event_type_name(e.event_type)},
                    {"digests", std::move(digests)},
                    {"event_data", to_hex(e.event_data)}});
  }
  return {
      {"spec_id", spec_id_json(spec_id)}, {"events", std::move(list)}, {"end_offset", end_offset}};
}

Result<RuntimeEventLog> combined_event_log(const CcelEventLog& boot, const RuntimeEventLog& runtime,
                                           bool keep_payload) {
  CLLM_ASSIGN_OR_RETURN(std::vector<RuntimeEvent> boot_events,
                        boot.to_runtime_events(keep_payload));
  if (boot_events.size() + runtime.events().size() > kMaxRuntimeEvents) {
    return make_error(ErrorCode::kLimit, "combined event log would exceed " +
                                             std::to_string(kMaxRuntimeEvents) + " events");
  }
  RuntimeEventLog out;
  for (auto& e : boot_events)
    out.append_raw(std::move(e));
  for (const auto& e : runtime.events())
    out.append_raw(e);
  return out;
}

std::string_view tcg_algorithm_name(std::uint16_t algorithm_id) {
  switch (algorithm_id) {
    case kTpmAlgSha1:
      return "sha1";
    case kTpmAlgSha256:
      return "sha256";
    case kTpmAlgSha384:
      return "sha384";
    case kTpmAlgSha512:
      return "sha512";
    case kTpmAlgSm3_256:
      return "sm3_256";
    default:
      return "";
  }
}

std::string_view tcg_event_type_name(std::uint32_t event_type) {
  switch (event_type) {
    case 0x00000000:
      return "EV_PREBOOT_CERT";
    case 0x00000001:
      return "EV_POST_CODE";
    case 0x00000002:
      return "EV_UNUSED";
    case 0x00000003:
      return "EV_NO_ACTION";
    case 0x00000004:
      return "EV_SEPARATOR";
    case 0x00000005:
      return "EV_ACTION";
    case 0x00000006:
      return "EV_EVENT_TAG";
    case 0x00000007:
      return "EV_S_CRTM_CONTENTS";
    case 0x00000008:
      return "EV_S_CRTM_VERSION";
    case 0x00000009:
      return "EV_CPU_MICROCODE";
    case 0x0000000A:
      return "EV_PLATFORM_CONFIG_FLAGS";
    case 0x0000000B:
      return "EV_TABLE_OF_DEVICES";
    case 0x0000000C:
      return "EV_COMPACT_HASH";
    case 0x0000000D:
      return "EV_IPL";
    case 0x0000000E:
      return "EV_IPL_PARTITION_DATA";
    case 0x0000000F:
      return "EV_NONHOST_CODE";
    case 0x00000010:
      return "EV_NONHOST_CONFIG";
    case 0x00000011:
      return "EV_NONHOST_INFO";
    case 0x00000012:
      return "EV_OMIT_BOOT_DEVICE_EVENTS";
    case 0x80000001:
      return "EV_EFI_VARIABLE_DRIVER_CONFIG";
    case 0x80000002:
      return "EV_EFI_VARIABLE_BOOT";
    case 0x80000003:
      return "EV_EFI_BOOT_SERVICES_APPLICATION";
    case 0x80000004:
      return "EV_EFI_BOOT_SERVICES_DRIVER";
    case 0x80000005:
      return "EV_EFI_RUNTIME_SERVICES_DRIVER";
    case 0x80000006:
      return "EV_EFI_GPT_EVENT";
    case 0x80000007:
      return "EV_EFI_ACTION";
    case 0x80000008:
      return "EV_EFI_PLATFORM_FIRMWARE_BLOB";
    case 0x80000009:
      return "EV_EFI_HANDOFF_TABLES";
    case 0x8000000A:
      return "EV_EFI_PLATFORM_FIRMWARE_BLOB2";
    case 0x8000000B:
      return "EV_EFI_HANDOFF_TABLES2";
    case 0x8000000C:
      return "EV_EFI_VARIABLE_BOOT2";
    case 0x80000010:
      return "EV_EFI_HCRTM_EVENT";
    case 0x800000E0:
      return "EV_EFI_VARIABLE_AUTHORITY";
    case 0x800000E1:
      return "EV_EFI_SPDM_FIRMWARE_BLOB";
    case 0x800000E2:
      return "EV_EFI_SPDM_FIRMWARE_CONFIG";
    case kDstackRuntimeEventType:
      return "DSTACK_RUNTIME_EVENT";
    default:
      return "";
  }
}

}  // namespace cllm::tdx
