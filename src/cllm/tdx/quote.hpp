// Intel DCAP quotes: SGX v3, TDX v4 and v5 (TD report 1.0 and 1.5 bodies).
// Layouts: ../shared/research/dcap-tdx.md §1. All integers little-endian.
// Parsing reads every length before the data it governs, bounds it, ignores bytes after the
// quote's own end (quotes often sit in zero-padded buffers), and keeps the exact signed bytes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
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

struct QuoteHeader {
  std::uint16_t version = 4;
  std::uint16_t att_key_type = kAttestationKeyEcdsaP256;
  std::uint32_t tee_type = kTeeTypeTdx;
  std::uint16_t qe_svn = 0;   // bytes 8..9; reserved in TDX quotes
  std::uint16_t pce_svn = 0;  // bytes 10..11; reserved in TDX quotes
  std::array<std::uint8_t, 16> qe_vendor_id = kIntelQeVendorId;
  std::array<std::uint8_t, 20> user_data{};
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
};

// td_attributes decoded (dcap-tdx.md §1.7).
struct TdAttributes {
  bool debug = false;            // bit 0
  bool sept_ve_disable = false;  // bit 28
  bool pks = false;              // bit 30
  bool kl = false;               // bit 31
  bool perfmon = false;          // bit 63
  bool reserved_bits_set = false;
};
TdAttributes decode_td_attributes(const std::array<std::uint8_t, 8>& td_attributes);
std::array<std::uint8_t, 8> encode_td_attributes(const TdAttributes& attributes);

// v5 body descriptor types.
enum class BodyType : std::uint16_t { kSgxEnclave = 1, kTdReport10 = 2, kTdReport15 = 3 };

// Certification data inside the quote signature data (type 6 in v4/v5, inline in v3).
struct QeCertificationData {
  EnclaveReport qe_report;
  Bytes qe_report_raw;  // the 384 signed bytes exactly as in the quote
  RawSignature qe_report_signature{};  // by the PCK key
  Bytes qe_auth_data;
  std::uint16_t cert_data_type = 5;  // 5 = PCK certificate chain (PEM)
  Bytes cert_data;                   // for type 5: PEM leaf, intermediate, root (may end in NUL)
};

struct Quote {
  QuoteHeader header;
  BodyType body_type = BodyType::kTdReport10;  // for v3/v4: implied by tee_type
  std::variant<TdReport, EnclaveReport> body;
  RawSignature signature{};        // over signed_region(), by the attestation key
  RawPublicKey attestation_key{};  // raw x||y
  QeCertificationData certification;
  Bytes raw;  // the quote's own bytes (trailing padding removed)
  std::size_t signed_region_size = 0;  // header [+ v5 descriptor] + body

  ByteView signed_region() const { return ByteView(raw).subspan(0, signed_region_size); }
  bool is_tdx() const { return header.tee_type == kTeeTypeTdx; }
  const TdReport* td_report() const { return std::get_if<TdReport>(&body); }
  const EnclaveReport* enclave_report() const { return std::get_if<EnclaveReport>(&body); }
};

// Parses a v3, v4 or v5 quote. Errors name the field and its offset.
Result<Quote> parse_quote(ByteView bytes);

// Reads a quote file's content: binary, or hex text (optional 0x, surrounding whitespace).
Result<Bytes> decode_quote_file(ByteView content);

// Building quotes (the simulator): the bytes the attestation key signs, for a v4 or v5 TDX
// quote with this header and body (v5 adds the body descriptor; body_type from is_v15).
Result<Bytes> serialize_signed_region(const QuoteHeader& header, const TdReport& body);
// The whole quote: signed region || sig_data_len || signature data (certification type 6
// wrapping the QE report, its signature, auth data and the inner certification data).
Result<Bytes> serialize_quote(ByteView signed_region, const RawSignature& signature,
                              const RawPublicKey& attestation_key,
                              const QeCertificationData& certification);

// The 384 bytes of an enclave report (for the simulator's QE report).
Bytes serialize_enclave_report(const EnclaveReport& report);

}  // namespace cllm::tdx
