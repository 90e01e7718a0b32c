// The TDX boot event log: the ACPI CCEL table and the TCG2 crypto-agile event log it points
// at (../shared/research/dcap-tdx.md §4.3; TCG PC Client Platform Firmware Profile, TCG EFI
// Protocol). TDVF records each measurement it extends into an RTMR; the event "PCR index" is
// the CC measurement register index: 0 = MRTD, 1..4 = RTMR0..3. Replaying the SHA-384
// digests over zeroed registers must reproduce the quote's RTMRs; the log itself is not
// signed, so only a matching replay makes its contents trustworthy.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cllm/common/bytes.hpp"
#include "cllm/common/json.hpp"
#include "cllm/common/result.hpp"
#include "cllm/tdx/quote.hpp"
#include "cllm/tdx/runtime_event_log.hpp"

namespace cllm::tdx {

// TPM 2.0 algorithm identifiers (TCG Algorithm Registry).
inline constexpr std::uint16_t kTpmAlgSha1 = 0x0004;
inline constexpr std::uint16_t kTpmAlgSha256 = 0x000B;
inline constexpr std::uint16_t kTpmAlgSha384 = 0x000C;
inline constexpr std::uint16_t kTpmAlgSha512 = 0x000D;
inline constexpr std::uint16_t kTpmAlgSm3_256 = 0x0012;

inline constexpr std::uint32_t kEvNoAction = 0x00000003;  // informational, never extended

// ACPI CCEL: 36-byte ACPI header, CC type, CC subtype, reserved u16, LAML u64, LASA u64.
inline constexpr std::size_t kCcelTableSize = 56;
inline constexpr std::uint8_t kCcTypeTdx = 2;

// Bounds on outside input. The real TDVF log area is 64 KiB..256 KiB with ~50 events; an
// EFI variable event (db, dbx) carries a few KiB of certificates.
inline constexpr std::size_t kMaxCcelLogSize = 16 * 1024 * 1024;
inline constexpr std::size_t kMaxCcelEvents = 16384;
inline constexpr std::size_t kMaxCcelEventDataSize = 1024 * 1024;
inline constexpr std::size_t kMaxSpecIdAlgorithms = 16;
inline constexpr std::size_t kMaxTcgDigestSize = 64;
inline constexpr std::uint32_t kMaxCcMrIndex = 4;  // RTMR3

struct CcelTable {
  std::uint8_t revision = 0;
  std::array<std::uint8_t, 6> oem_id{};
  std::array<std::uint8_t, 8> oem_table_id{};
  std::uint32_t oem_revision = 0;
  std::array<std::uint8_t, 4> creator_id{};
  std::uint32_t creator_revision = 0;
  std::uint8_t cc_type = 0;  // 1 = SEV, 2 = TDX
  std::uint8_t cc_subtype = 0;
  std::uint64_t log_area_minimum_length = 0;  // LAML
  std::uint64_t log_area_start_address = 0;   // LASA (guest physical)

  bool is_tdx() const { return cc_type == kCcTypeTdx; }
};

// Checks the signature "CCEL", the length (>= 56, within `bytes`) and the checksum (all
// bytes of the table sum to 0 mod 256). Bytes after the table's own length are ignored.
Result<CcelTable> parse_ccel_table(ByteView bytes);

struct TcgAlgorithm {
  std::uint16_t algorithm_id = 0;
  std::uint16_t digest_size = 0;
};

// The first event of a crypto-agile log (TCG_EfiSpecIdEvent, "Spec ID Event03").
struct SpecIdEvent {
  std::uint32_t platform_class = 0;
  std::uint8_t spec_version_minor = 0;
  std::uint8_t spec_version_major = 0;
  std::uint8_t spec_errata = 0;
  std::uint8_t uintn_size = 0;
  std::vector<TcgAlgorithm> algorithms;
  Bytes vendor_info;
};

struct TcgDigest {
  std::uint16_t algorithm_id = 0;
  Bytes digest;
};

// One TCG_PCR_EVENT2 record.
struct CcelEvent {
  std::size_t offset = 0;  // of the record in the log, for error messages and tooling
  std::uint32_t pcr_index = 0;
  std::uint32_t event_type = 0;
  std::vector<TcgDigest> digests;  // in log order; every algorithm is kept
  Bytes event_data;                // raw event bytes

  // RTMR index (0..3) for CC MR index 1..4; nullopt for MRTD (0).
  std::optional<std::uint32_t> rtmr() const;
  // Whether replay extends a register with this event (not EV_NO_ACTION, not MRTD).
  bool extends_rtmr() const;
  // The SHA-384 digest, or nullptr when the record has none.
  const Bytes* sha384() const;
};

struct CcelEventLog {
  SpecIdEvent spec_id;
  std::vector<CcelEvent> events;  // after the Spec ID header, EV_NO_ACTION records included
  std::size_t end_offset = 0;     // where the records end and padding (0xFF or 0x00) begins

  // RTMR0..3 replayed from 48 zero bytes with the SHA-384 digests of the events that
  // extend. Fails when such an event has no SHA-384 digest.
  Result<std::array<Measurement, 4>> replay() const;

  // The events that extend an RTMR as dstack-style entries: imr = pcr_index - 1, the
  // SHA-384 digest, no name, and the event data as payload only when keep_payload.
  Result<std::vector<RuntimeEvent>> to_runtime_events(bool keep_payload) const;

  // {"spec_id": {...}, "events": [{"offset", "pcr_index", "rtmr" (or null), "event_type",
  //  "event_type_name", "digests": [{"algorithm", "algorithm_id", "digest"}], "event_data"}],
  //  "end_offset"}; bytes as lower-case hex.
  Json to_json() const;
};

// Parses the log area (the content of /sys/firmware/acpi/tables/data/CCEL). Parsing stops
// cleanly at the first record whose header is all 0xFF, or when the rest is all zero.
// Errors name the field and its offset.
Result<CcelEventLog> parse_ccel_event_log(ByteView log);

// The boot events followed by the runtime events: the combined log a verifier replays.
Result<RuntimeEventLog> combined_event_log(const CcelEventLog& boot, const RuntimeEventLog& runtime,
                                           bool keep_payload);

// "EV_EFI_ACTION", ...; empty for types this table does not know.
std::string_view tcg_event_type_name(std::uint32_t event_type);
// "sha384", ...; empty for unknown algorithms.
std::string_view tcg_algorithm_name(std::uint16_t algorithm_id);

}  // namespace cllm::tdx
