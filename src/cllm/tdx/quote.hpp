// Intel DCAP quotes: SGX v3, TDX v4 and v5 (TD report 1.0 and 1.5 bodies).
// Layouts: ../shared/research/dcap-tdx.md §1. All integers little-endian.
// Parsing reads every length before the data it governs, bounds it, ignores bytes after the
// quote's own end (quotes often sit in zero-padded buffers), and keeps the exact signed bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"

namespace cllm::tdx {

using Measurement = std::array<std::uint8_t, 48>;  // SHA-384 sized registers (MRTD, RTMRs, ...)
using ReportData = std::array<std::uint8_t, 64>;
using RawSignature = std::array<std::uint8_t, 64>;  // ECDSA P-256 r||s
using RawPublicKey = std::array<std::uint8_t, 64>;  // P-256 x||y

inline constexpr std::uint32_t kTeeTypeSgx = 0x00000000;
inline constexpr std::uint32_t kTeeTypeTdx = 0x00000081;
inline constexpr std::uint16_t kAttestationKeyEcdsaP256 = 2;
inline constexpr std::array<std::uint8_t, 16> kIntelQeVendorId = {
    0x93, 0x9A, 0x72, 0x33, 0xF7, 0x9C, 0x4C, 0xA9, 0x94, 0x0A, 0x0D, 0xB3, 0x95, 0x7F, 0x06, 0x07};

inline constexpr std::size_t kQuoteHeaderSize = 48;
inline constexpr std::size_t kBodyDescriptorSize = 6;  // v5 only: body_type u16, body_size u32
// Certification data types (dcap-tdx.md §1.4). v4/v5 wrap the QE report in type 6; inside
// it (and inline in v3) 1..5 are allowed, and verifiers need 5.
inline constexpr std::uint16_t kCertDataPpidCleartext = 1;
inline constexpr std::uint16_t kCertDataPckCertChain = 5;
inline constexpr std::uint16_t kCertDataQeReport = 6;
// Real quotes are about 5 KB (the Linux configfs buffer is 8 KiB). A length field that
// would make the quote larger than this is rejected as absurd (kLimit), whatever the input.
inline constexpr std::size_t kMaxQuoteSize = 1024 * 1024;
// decode_quote_file input bound: a hex file of a maximal quote, with room for whitespace.
inline constexpr std::size_t kMaxQuoteFileSize = 4 * kMaxQuoteSize;

struct QuoteHeader {
  std::uint16_t version = 4;
  std::uint16_t att_key_type = kAttestationKeyEcdsaP256;
  std::uint32_t tee_type = kTeeTypeTdx;
  std::uint16_t qe_svn = 0;   // bytes 8..9; reserved in TDX quotes
  std::uint16_t pce_svn = 0;  // bytes 10..11; reserved in TDX quotes
  std::array<std::uint8_t, 16> qe_vendor_id = kIntelQeVendorId;
  std::array<std::uint8_t, 20> user_data{};

  bool operator==(const QuoteHeader&) const = default;
};

// SGX enclave report body (384 bytes): the ISV enclave of a v3 quote, and every QE report.
struct EnclaveReport {
  std::array<std::uint8_t, 16> cpu_svn{};
  std::uint32_t misc_select = 0;
  std::array<std::uint8_t, 16> isv_ext_prod_id{};
  std::array<std::uint8_t, 16> attributes{};  // flags u64 || xfrm u64; flags bit 1 = DEBUG
  std::array<std::uint8_t, 32> mr_enclave{};
  std::array<std::uint8_t, 32> mr_signer{};
  std::array<std::uint8_t, 64> config_id{};
  std::uint16_t isv_prod_id = 0;
  std::uint16_t isv_svn = 0;
  std::uint16_t config_svn = 0;
  std::array<std::uint8_t, 16> isv_family_id{};
  ReportData report_data{};

  static constexpr std::size_t kSize = 384;
  bool debug() const { return (attributes[0] & 0x02) != 0; }
  // Reserved bytes are not kept (serialization writes zeros); compare raw bytes where the
  // exact signed form matters.
  bool operator==(const EnclaveReport&) const = default;
};

// TD report body 1.0 (584 bytes) and 1.5 (648 bytes: + tee_tcb_svn_2, mr_service_td).
struct TdReport {
  std::array<std::uint8_t, 16> tee_tcb_svn{};
  Measurement mr_seam{};
  Measurement mr_signer_seam{};
  std::array<std::uint8_t, 8> seam_attributes{};
  std::array<std::uint8_t, 8> td_attributes{};
  std::array<std::uint8_t, 8> xfam{};
  Measurement mr_td{};
  Measurement mr_config_id{};
  Measurement mr_owner{};
  Measurement mr_owner_config{};
  std::array<Measurement, 4> rtmr{};
  ReportData report_data{};
  // TD report 1.5 only.
  bool is_v15 = false;
  std::array<std::uint8_t, 16> tee_tcb_svn_2{};
  Measurement mr_service_td{};

  static constexpr std::size_t kSize10 = 584;
  static constexpr std::size_t kSize15 = 648;
  std::size_t size() const { return is_v15 ? kSize15 : kSize10; }
  bool operator==(const TdReport&) const = default;
};

// td_attributes decoded (dcap-tdx.md §1.7).
struct TdAttributes {
  bool debug = false;              // bit 0
  bool sept_ve_disable = false;    // bit 28
  bool pks = false;                // bit 30
  bool kl = false;                 // bit 31
  bool perfmon = false;            // bit 63
  bool reserved_bits_set = false;  // any other bit

  bool operator==(const TdAttributes&) const = default;
};
// td_attributes is a little-endian u64.
TdAttributes decode_td_attributes(const std::array<std::uint8_t, 8>& td_attributes);
// reserved_bits_set sets bit 1 (the lowest reserved TUD bit), so that
// decode_td_attributes(encode_td_attributes(a)) == a for every a (negative tests use it).
std::array<std::uint8_t, 8> encode_td_attributes(const TdAttributes& attributes);

// v5 body descriptor types.
enum class BodyType : std::uint16_t { kSgxEnclave = 1, kTdReport10 = 2, kTdReport15 = 3 };
// "sgx_enclave_report", "td_report_1.0", "td_report_1.5" (stable: used in JSON output).
std::string_view body_type_name(BodyType type);
// 384, 584, 648.
std::size_t body_size(BodyType type);

// Certification data inside the quote signature data (type 6 in v4/v5, inline in v3).
struct QeCertificationData {
  EnclaveReport qe_report;
  Bytes qe_report_raw;                 // the 384 signed bytes exactly as in the quote
  RawSignature qe_report_signature{};  // by the PCK key
  Bytes qe_auth_data;
  std::uint16_t cert_data_type = 5;  // 5 = PCK certificate chain (PEM)
  Bytes cert_data;                   // for type 5: PEM leaf, intermediate, root (may end in NUL)

  bool operator==(const QeCertificationData&) const = default;
};

struct Quote {
  QuoteHeader header;
  BodyType body_type = BodyType::kTdReport10;  // for v3/v4: implied by tee_type
  std::variant<TdReport, EnclaveReport> body;
  RawSignature signature{};        // over signed_region(), by the attestation key
  RawPublicKey attestation_key{};  // raw x||y
  QeCertificationData certification;
  Bytes raw;                           // the quote's own bytes (trailing padding removed)
  std::size_t signed_region_size = 0;  // header [+ v5 descriptor] + body

  ByteView signed_region() const { return ByteView(raw).subspan(0, signed_region_size); }
  bool is_tdx() const { return header.tee_type == kTeeTypeTdx; }
  const TdReport* td_report() const { return std::get_if<TdReport>(&body); }
  const EnclaveReport* enclave_report() const { return std::get_if<EnclaveReport>(&body); }
};

// Parses a v3, v4 or v5 quote. Errors name the field and its offset.
//
// Accepted: version 3 (SGX only), 4 or 5; att_key_type 2; tee_type SGX or TDX; v5 body type
// 1..3 matching tee_type and with its exact size; in v4/v5 certification data type 6, inside
// it (and in v3) type 1..5. Every length must match what it contains exactly (a size field
// that leaves bytes unused is rejected like one that runs past the end). Bytes after the
// quote's end (sig_data_len) are ignored; Quote::raw excludes them.
// Not checked here (the verifier's job): signatures, the QE vendor id, the PCK chain.
// Error codes: kParse (truncated, inconsistent), kUnsupported (version, key type, TEE type,
// body type, certification data type), kLimit (a length beyond kMaxQuoteSize).
Result<Quote> parse_quote(ByteView bytes);

// Reads a quote file's content: binary, or hex text (optional 0x/0X prefix, either case,
// whitespace anywhere, e.g. line-wrapped). Content whose first non-whitespace byte is a hex
// digit is hex text (a binary quote starts with its version, 3..5, never a digit) and must
// be valid hex (errors name the offset); anything else is returned unchanged as binary, for
// parse_quote to judge. At most kMaxQuoteFileSize bytes (kLimit).
Result<Bytes> decode_quote_file(ByteView content);

// Building quotes (the simulator): the bytes the attestation key signs, for a v4 or v5 TDX
// quote with this header and body (v5 adds the body descriptor; body_type from is_v15).
Result<Bytes> serialize_signed_region(const QuoteHeader& header, const TdReport& body);
// The whole quote: signed region || sig_data_len || signature data (certification type 6
// wrapping the QE report, its signature, auth data and the inner certification data).
// The version comes from signed_region's header, which must be a complete, valid header and
// body; a v3 signed region gets v3's inline signature data (no type-6 wrapper). The QE
// report bytes are certification.qe_report_raw when it is non-empty (it must then be 384
// bytes that decode to certification.qe_report), else serialize_enclave_report(qe_report).
// certification.cert_data_type must be 1..5.
Result<Bytes> serialize_quote(ByteView signed_region, const RawSignature& signature,
                              const RawPublicKey& attestation_key,
                              const QeCertificationData& certification);

// The 384 bytes of an enclave report (for the simulator's QE report).
Bytes serialize_enclave_report(const EnclaveReport& report);

// The 584 (1.0) or 648 (1.5) bytes of a TD report body.
Bytes serialize_td_report(const TdReport& report);

// The signed region of an SGX quote (v3, v4 or v5; v5 adds the body descriptor, type 1).
Result<Bytes> serialize_signed_region(const QuoteHeader& header, const EnclaveReport& body);

// Rebuilds a whole quote from its parsed fields (not from raw): the signed region from
// header and body, then serialize_quote. For a parsed TDX quote the result equals raw; for
// an SGX body, reserved bytes of the enclave report come back as zeros.
Result<Bytes> serialize_quote(const Quote& quote);

}  // namespace cllm::tdx
