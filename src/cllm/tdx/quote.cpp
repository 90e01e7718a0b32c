// DCAP quote parsing and serialization (dcap-tdx.md §1). One ByteReader spans the whole
// quote, so every offset in an error message is absolute from the quote's first byte.
#include "cllm/tdx/quote.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <string>

#include "cllm/common/byte_reader.hpp"

namespace cllm::tdx {
namespace {

constexpr std::uint16_t kMinInnerCertDataType = 1;
constexpr std::uint16_t kMaxInnerCertDataType = 5;
// signature (64) + attestation key (64) at the start of every signature data.
constexpr std::size_t kSignatureAndKeySize = 128;
// type u16 + size u32 in front of certification data.
constexpr std::size_t kCertDataHeaderSize = 6;

std::string hex32(std::uint32_t value) {
  char text[11];
  std::snprintf(text, sizeof text, "0x%08x", value);
  return text;
}

Error field_error(ErrorCode code, std::string_view field, std::size_t offset,
                  const std::string& what) {
  return make_error(
      code, "field '" + std::string(field) + "' at offset " + std::to_string(offset) + ": " + what);
}

template <std::size_t N>
Status read_array(ByteReader& reader, std::array<std::uint8_t, N>& out, std::string_view field) {
  CLLM_ASSIGN_OR_RETURN(ByteView bytes, reader.bytes(N, field));
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return ok_status();
}

// ---------------------------------------------------------------------------------------
// Parsing

// The same checks for parsing and for building, so what we build always parses. Each is
// made as soon as its field is read, so a short input with a bad version names the version.
Status check_version(std::uint16_t version) {
  if (version < 3 || version > 5) {
    return field_error(
        ErrorCode::kUnsupported, "header.version", 0,
        "unsupported quote version " + std::to_string(version) + " (supported: 3, 4, 5)");
  }
  return ok_status();
}

Status check_key_type(std::uint16_t att_key_type) {
  if (att_key_type != kAttestationKeyEcdsaP256) {
    return field_error(ErrorCode::kUnsupported, "header.att_key_type", 2,
                       "attestation key type " + std::to_string(att_key_type) +
                           " is not supported (only 2 = ECDSA P-256)");
  }
  return ok_status();
}

Status check_tee_type(std::uint16_t version, std::uint32_t tee_type) {
  if (tee_type != kTeeTypeSgx && tee_type != kTeeTypeTdx) {
    return field_error(
        ErrorCode::kUnsupported, "header.tee_type", 4,
        "unknown TEE type " + hex32(tee_type) + " (expected 0x00000000 = SGX or 0x00000081 = TDX)");
  }
  if (version == 3 && tee_type == kTeeTypeTdx) {
    return field_error(ErrorCode::kParse, "header.tee_type", 4,
                       "a version 3 quote cannot carry a TDX report (v3 is SGX only)");
  }
  return ok_status();
}

Status check_header_values(const QuoteHeader& header) {
  CLLM_TRY(check_version(header.version));
  CLLM_TRY(check_key_type(header.att_key_type));
  return check_tee_type(header.version, header.tee_type);
}

Result<QuoteHeader> parse_header(ByteReader& reader) {
  QuoteHeader header;
  CLLM_ASSIGN_OR_RETURN(header.version, reader.u16le("header.version"));
  CLLM_TRY(check_version(header.version));
  CLLM_ASSIGN_OR_RETURN(header.att_key_type, reader.u16le("header.att_key_type"));
  CLLM_TRY(check_key_type(header.att_key_type));
  CLLM_ASSIGN_OR_RETURN(header.tee_type, reader.u32le("header.tee_type"));
  CLLM_TRY(check_tee_type(header.version, header.tee_type));
  CLLM_ASSIGN_OR_RETURN(header.qe_svn, reader.u16le("header.qe_svn"));
  CLLM_ASSIGN_OR_RETURN(header.pce_svn, reader.u16le("header.pce_svn"));
  CLLM_TRY(read_array(reader, header.qe_vendor_id, "header.qe_vendor_id"));
  CLLM_TRY(read_array(reader, header.user_data, "header.user_data"));
  return header;
}

Result<EnclaveReport> parse_enclave_report(ByteReader& reader, std::string_view prefix) {
  const std::string p(prefix);
  EnclaveReport report;
  CLLM_TRY(read_array(reader, report.cpu_svn, p + ".cpu_svn"));
  CLLM_ASSIGN_OR_RETURN(report.misc_select, reader.u32le(p + ".misc_select"));
  CLLM_TRY(reader.skip(12, p + ".reserved1"));
  CLLM_TRY(read_array(reader, report.isv_ext_prod_id, p + ".isv_ext_prod_id"));
  CLLM_TRY(read_array(reader, report.attributes, p + ".attributes"));
  CLLM_TRY(read_array(reader, report.mr_enclave, p + ".mr_enclave"));
  CLLM_TRY(reader.skip(32, p + ".reserved2"));
  CLLM_TRY(read_array(reader, report.mr_signer, p + ".mr_signer"));
  CLLM_TRY(reader.skip(32, p + ".reserved3"));
  CLLM_TRY(read_array(reader, report.config_id, p + ".config_id"));
  CLLM_ASSIGN_OR_RETURN(report.isv_prod_id, reader.u16le(p + ".isv_prod_id"));
  CLLM_ASSIGN_OR_RETURN(report.isv_svn, reader.u16le(p + ".isv_svn"));
  CLLM_ASSIGN_OR_RETURN(report.config_svn, reader.u16le(p + ".config_svn"));
  CLLM_TRY(reader.skip(42, p + ".reserved4"));
  CLLM_TRY(read_array(reader, report.isv_family_id, p + ".isv_family_id"));
  CLLM_TRY(read_array(reader, report.report_data, p + ".report_data"));
  return report;
}

Result<TdReport> parse_td_report(ByteReader& reader, bool v15) {
  TdReport report;
  report.is_v15 = v15;
  CLLM_TRY(read_array(reader, report.tee_tcb_svn, "td_report.tee_tcb_svn"));
  CLLM_TRY(read_array(reader, report.mr_seam, "td_report.mr_seam"));
  CLLM_TRY(read_array(reader, report.mr_signer_seam, "td_report.mr_signer_seam"));
  CLLM_TRY(read_array(reader, report.seam_attributes, "td_report.seam_attributes"));
  CLLM_TRY(read_array(reader, report.td_attributes, "td_report.td_attributes"));
  CLLM_TRY(read_array(reader, report.xfam, "td_report.xfam"));
  CLLM_TRY(read_array(reader, report.mr_td, "td_report.mr_td"));
  CLLM_TRY(read_array(reader, report.mr_config_id, "td_report.mr_config_id"));
  CLLM_TRY(read_array(reader, report.mr_owner, "td_report.mr_owner"));
  CLLM_TRY(read_array(reader, report.mr_owner_config, "td_report.mr_owner_config"));
  for (std::size_t i = 0; i < report.rtmr.size(); ++i) {
    CLLM_TRY(read_array(reader, report.rtmr[i], "td_report.rtmr" + std::to_string(i)));
  }
  CLLM_TRY(read_array(reader, report.report_data, "td_report.report_data"));
  if (v15) {
    CLLM_TRY(read_array(reader, report.tee_tcb_svn_2, "td_report.tee_tcb_svn_2"));
    CLLM_TRY(read_array(reader, report.mr_service_td, "td_report.mr_service_td"));
  }
  return report;
}

// Header, v5 body descriptor and body: the bytes the attestation key signs.
struct SignedPart {
  QuoteHeader header;
  BodyType body_type = BodyType::kTdReport10;
  std::variant<TdReport, EnclaveReport> body;
};

// The v5 descriptor: the body type decides the layout and must agree with tee_type and size.
Result<BodyType> parse_body_descriptor(ByteReader& reader, std::uint32_t tee_type) {
  const std::size_t type_offset = reader.offset();
  CLLM_ASSIGN_OR_RETURN(std::uint16_t raw_type, reader.u16le("body.type"));
  const std::size_t size_offset = reader.offset();
  CLLM_ASSIGN_OR_RETURN(std::uint32_t size, reader.u32le("body.size"));
  if (raw_type < 1 || raw_type > 3) {
    return field_error(ErrorCode::kUnsupported, "body.type", type_offset,
                       "unknown body type " + std::to_string(raw_type) +
                           " (1 = SGX enclave report, 2 = TD report 1.0, 3 = TD report 1.5)");
  }
  const auto type = static_cast<BodyType>(raw_type);
  const bool wants_tdx = type != BodyType::kSgxEnclave;
  if (wants_tdx != (tee_type == kTeeTypeTdx)) {
    return field_error(ErrorCode::kParse, "body.type", type_offset,
                       "body type " + std::to_string(raw_type) + " (" +
                           std::string(body_type_name(type)) + ") does not match tee_type " +
                           hex32(tee_type));
  }
  if (size != body_size(type)) {
    return field_error(ErrorCode::kParse, "body.size", size_offset,
                       "body size " + std::to_string(size) + " does not match body type " +
                           std::to_string(raw_type) + " (expected " +
                           std::to_string(body_size(type)) + ")");
  }
  return type;
}

Result<SignedPart> parse_signed_part(ByteReader& reader) {
  SignedPart part;
  CLLM_ASSIGN_OR_RETURN(part.header, parse_header(reader));
  const bool tdx = part.header.tee_type == kTeeTypeTdx;
  if (part.header.version == 5) {
    CLLM_ASSIGN_OR_RETURN(part.body_type, parse_body_descriptor(reader, part.header.tee_type));
  } else {
    part.body_type = tdx ? BodyType::kTdReport10 : BodyType::kSgxEnclave;
  }
  if (part.body_type == BodyType::kSgxEnclave) {
    CLLM_ASSIGN_OR_RETURN(part.body, parse_enclave_report(reader, "enclave_report"));
  } else {
    CLLM_ASSIGN_OR_RETURN(part.body,
                          parse_td_report(reader, part.body_type == BodyType::kTdReport15));
  }
  return part;
}

// Reads a u32 size field and checks that the data it announces fills what is left of the
// enclosing structure exactly: the reader's end is the end of that structure.
Result<std::uint32_t> read_exact_size(ByteReader& reader, std::string_view field,
                                      std::string_view what) {
  const std::size_t offset = reader.offset();
  CLLM_ASSIGN_OR_RETURN(std::uint32_t size, reader.u32le(field));
  if (size > kMaxQuoteSize) {
    return field_error(ErrorCode::kLimit, field, offset,
                       std::string(what) + " size " + std::to_string(size) +
                           " exceeds the quote size limit of " + std::to_string(kMaxQuoteSize));
  }
  if (size > reader.remaining()) {
    return field_error(ErrorCode::kParse, field, offset,
                       std::string(what) + " of " + std::to_string(size) +
                           " bytes runs past the end of its container (" +
                           std::to_string(reader.remaining()) + " bytes left)");
  }
  if (size < reader.remaining()) {
    return field_error(ErrorCode::kParse, field, offset,
                       std::string(what) + " of " + std::to_string(size) + " bytes leaves " +
                           std::to_string(reader.remaining() - size) +
                           " bytes of its container unused");
  }
  return size;
}

Result<std::uint16_t> read_inner_cert_type(ByteReader& reader, std::string_view field) {
  const std::size_t offset = reader.offset();
  CLLM_ASSIGN_OR_RETURN(std::uint16_t type, reader.u16le(field));
  if (type < kMinInnerCertDataType || type > kMaxInnerCertDataType) {
    return field_error(ErrorCode::kUnsupported, field, offset,
                       "certification data type " + std::to_string(type) +
                           " is not supported here (expected 1..5; 5 = PCK certificate chain)");
  }
  return type;
}

// QE report, its signature, QE auth data and the inner certification data: the content of
// type-6 certification data (v4/v5) and the tail of v3 signature data. `quote` is the
// buffer the reader spans (to copy the QE report's raw bytes); the reader ends where this
// structure must end.
Result<QeCertificationData> parse_qe_certification(ByteReader& reader, ByteView quote,
                                                   std::string_view prefix) {
  const std::string p(prefix);
  QeCertificationData cert;
  const std::size_t report_offset = reader.offset();
  CLLM_ASSIGN_OR_RETURN(cert.qe_report, parse_enclave_report(reader, p + "qe_report"));
  const ByteView raw_report = quote.subspan(report_offset, EnclaveReport::kSize);
  cert.qe_report_raw.assign(raw_report.begin(), raw_report.end());
  CLLM_TRY(read_array(reader, cert.qe_report_signature, p + "qe_report_signature"));
  CLLM_ASSIGN_OR_RETURN(std::uint16_t auth_size, reader.u16le(p + "qe_auth_data_size"));
  CLLM_ASSIGN_OR_RETURN(ByteView auth, reader.bytes(auth_size, p + "qe_auth_data"));
  cert.qe_auth_data.assign(auth.begin(), auth.end());
  CLLM_ASSIGN_OR_RETURN(cert.cert_data_type, read_inner_cert_type(reader, p + "cert_data_type"));
  CLLM_ASSIGN_OR_RETURN(std::uint32_t data_size,
                        read_exact_size(reader, p + "cert_data_size", "certification data"));
  CLLM_ASSIGN_OR_RETURN(ByteView data, reader.bytes(data_size, p + "cert_data"));
  cert.cert_data.assign(data.begin(), data.end());
  return cert;
}

Result<Quote> parse_quote_impl(ByteView bytes) {
  ByteReader reader(bytes);
  CLLM_ASSIGN_OR_RETURN(SignedPart part, parse_signed_part(reader));
  Quote quote;
  quote.header = part.header;
  quote.body_type = part.body_type;
  quote.body = std::move(part.body);
  quote.signed_region_size = reader.offset();

  const std::size_t length_offset = reader.offset();
  CLLM_ASSIGN_OR_RETURN(std::uint32_t sig_data_len, reader.u32le("signature_data_len"));
  const std::size_t sig_start = reader.offset();
  if (sig_data_len > kMaxQuoteSize - sig_start) {
    return field_error(ErrorCode::kLimit, "signature_data_len", length_offset,
                       "signature data of " + std::to_string(sig_data_len) +
                           " bytes exceeds the quote size limit of " +
                           std::to_string(kMaxQuoteSize));
  }
  if (sig_data_len > reader.remaining()) {
    return field_error(ErrorCode::kParse, "signature_data_len", length_offset,
                       "signature data of " + std::to_string(sig_data_len) +
                           " bytes runs past the end of the input (" +
                           std::to_string(reader.remaining()) + " bytes left)");
  }
  // From here on nothing may be read beyond the quote's end: trailing bytes are not ours.
  const std::size_t quote_end = sig_start + sig_data_len;
  const ByteView quote_bytes = bytes.subspan(0, quote_end);
  ByteReader sig(quote_bytes);
  CLLM_TRY(sig.skip(sig_start, "signature_data"));
  CLLM_TRY(read_array(sig, quote.signature, "signature_data.signature"));
  CLLM_TRY(read_array(sig, quote.attestation_key, "signature_data.attestation_key"));
  if (quote.header.version == 3) {
    CLLM_ASSIGN_OR_RETURN(quote.certification,
                          parse_qe_certification(sig, quote_bytes, "signature_data."));
  } else {
    const std::size_t type_offset = sig.offset();
    CLLM_ASSIGN_OR_RETURN(std::uint16_t type, sig.u16le("signature_data.cert_data_type"));
    if (type != kCertDataQeReport) {
      return field_error(ErrorCode::kUnsupported, "signature_data.cert_data_type", type_offset,
                         "certification data type " + std::to_string(type) +
                             " is not supported (expected 6 = QE report certification data)");
    }
    CLLM_TRY(read_exact_size(sig, "signature_data.cert_data_size", "QE report certification data"));
    CLLM_ASSIGN_OR_RETURN(quote.certification,
                          parse_qe_certification(sig, quote_bytes, "qe_cert_data."));
  }
  if (!sig.at_end()) {  // unreachable by construction; kept as a guard for later edits
    return field_error(ErrorCode::kInternal, "signature_data", sig.offset(),
                       "parser did not consume the signature data exactly");
  }
  quote.raw.assign(quote_bytes.begin(), quote_bytes.end());
  return quote;
}

// ---------------------------------------------------------------------------------------
// Serialization

class Writer {
 public:
  void u16(std::uint16_t v) {
    for (int i = 0; i < 2; ++i)
      out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
      out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void put(ByteView bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }
  void zeros(std::size_t n) { out_.insert(out_.end(), n, 0); }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

void write_header(Writer& w, const QuoteHeader& h) {
  w.u16(h.version);
  w.u16(h.att_key_type);
  w.u32(h.tee_type);
  w.u16(h.qe_svn);
  w.u16(h.pce_svn);
  w.put(h.qe_vendor_id);
  w.put(h.user_data);
}

void write_enclave_report(Writer& w, const EnclaveReport& r) {
  w.put(r.cpu_svn);
  w.u32(r.misc_select);
  w.zeros(12);
  w.put(r.isv_ext_prod_id);
  w.put(r.attributes);
  w.put(r.mr_enclave);
  w.zeros(32);
  w.put(r.mr_signer);
  w.zeros(32);
  w.put(r.config_id);
  w.u16(r.isv_prod_id);
  w.u16(r.isv_svn);
  w.u16(r.config_svn);
  w.zeros(42);
  w.put(r.isv_family_id);
  w.put(r.report_data);
}

void write_td_report(Writer& w, const TdReport& r) {
  w.put(r.tee_tcb_svn);
  w.put(r.mr_seam);
  w.put(r.mr_signer_seam);
  w.put(r.seam_attributes);
  w.put(r.td_attributes);
  w.put(r.xfam);
  w.put(r.mr_td);
  w.put(r.mr_config_id);
  w.put(r.mr_owner);
  w.put(r.mr_owner_config);
  for (const auto& rtmr : r.rtmr)
    w.put(rtmr);
  w.put(r.report_data);
  if (r.is_v15) {
    w.put(r.tee_tcb_svn_2);
    w.put(r.mr_service_td);
  }
}

void write_body_descriptor(Writer& w, BodyType type) {
  w.u16(static_cast<std::uint16_t>(type));
  w.u32(static_cast<std::uint32_t>(body_size(type)));
}

Error build_error(const std::string& what) {
  return make_error(ErrorCode::kInvalidArgument, what);
}

}  // namespace

std::string_view body_type_name(BodyType type) {
  switch (type) {
    case BodyType::kSgxEnclave:
      return "sgx_enclave_report";
    case BodyType::kTdReport10:
      return "td_report_1.0";
    case BodyType::kTdReport15:
      return "td_report_1.5";
  }
  return "unknown";
}

std::size_t body_size(BodyType type) {
  switch (type) {
    case BodyType::kSgxEnclave:
      return EnclaveReport::kSize;
    case BodyType::kTdReport10:
      return TdReport::kSize10;
    case BodyType::kTdReport15:
      return TdReport::kSize15;
  }
  return 0;
}

namespace {
constexpr std::uint64_t kTdDebug = std::uint64_t{1} << 0;
constexpr std::uint64_t kTdSeptVeDisable = std::uint64_t{1} << 28;
constexpr std::uint64_t kTdPks = std::uint64_t{1} << 30;
constexpr std::uint64_t kTdKl = std::uint64_t{1} << 31;
constexpr std::uint64_t kTdPerfmon = std::uint64_t{1} << 63;
constexpr std::uint64_t kTdKnownBits = kTdDebug | kTdSeptVeDisable | kTdPks | kTdKl | kTdPerfmon;
constexpr std::uint64_t kTdReservedMarker = std::uint64_t{1} << 1;  // lowest reserved TUD bit
}  // namespace

TdAttributes decode_td_attributes(const std::array<std::uint8_t, 8>& td_attributes) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < td_attributes.size(); ++i) {
    v |= std::uint64_t{td_attributes[i]} << (8 * i);
  }
  TdAttributes a;
  a.debug = (v & kTdDebug) != 0;
  a.sept_ve_disable = (v & kTdSeptVeDisable) != 0;
  a.pks = (v & kTdPks) != 0;
  a.kl = (v & kTdKl) != 0;
  a.perfmon = (v & kTdPerfmon) != 0;
  a.reserved_bits_set = (v & ~kTdKnownBits) != 0;
  return a;
}

std::array<std::uint8_t, 8> encode_td_attributes(const TdAttributes& a) {
  std::uint64_t v = 0;
  if (a.debug) v |= kTdDebug;
  if (a.sept_ve_disable) v |= kTdSeptVeDisable;
  if (a.pks) v |= kTdPks;
  if (a.kl) v |= kTdKl;
  if (a.perfmon) v |= kTdPerfmon;
  if (a.reserved_bits_set) v |= kTdReservedMarker;
  std::array<std::uint8_t, 8> out{};
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::uint8_t>(v >> (8 * i));
  return out;
}

Result<Quote> parse_quote(ByteView bytes) {
  auto quote = parse_quote_impl(bytes);
  if (!quote.ok()) return std::move(quote).error().context("quote");
  return quote;
}

Result<Bytes> decode_quote_file(ByteView content) {
  if (content.size() > kMaxQuoteFileSize) {
    return make_error(ErrorCode::kLimit, "quote file: " + std::to_string(content.size()) +
                                             " bytes exceeds the limit of " +
                                             std::to_string(kMaxQuoteFileSize));
  }
  auto is_space = [](std::uint8_t c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  };
  auto hex_value = [](std::uint8_t c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::size_t i = 0;
  while (i < content.size() && is_space(content[i]))
    ++i;
  if (i == content.size()) {
    return make_error(ErrorCode::kParse, "quote file: empty (no bytes other than whitespace)");
  }
  // A binary quote starts with its version (3, 4 or 5 as u16 LE): never a hex digit. Text
  // that starts with one is hex; anything else is passed through for parse_quote to judge.
  if (hex_value(content[i]) < 0) return Bytes(content.begin(), content.end());
  if (content[i] == '0' && i + 1 < content.size() && (content[i + 1] | 0x20) == 'x') i += 2;
  Bytes out;
  out.reserve((content.size() - i) / 2);
  int high = -1;
  for (; i < content.size(); ++i) {
    const std::uint8_t c = content[i];
    if (is_space(c)) continue;
    const int v = hex_value(c);
    if (v < 0) {
      return make_error(ErrorCode::kParse, "quote file: invalid character 0x" + hex32(c).substr(8) +
                                               " at offset " + std::to_string(i) + " in hex text");
    }
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>((high << 4) | v));
      high = -1;
    }
  }
  if (high >= 0) {
    return make_error(ErrorCode::kParse, "quote file: hex text has an odd number of digits");
  }
  if (out.empty()) return make_error(ErrorCode::kParse, "quote file: hex text has no digits");
  return out;
}

Bytes serialize_enclave_report(const EnclaveReport& report) {
  Writer w;
  write_enclave_report(w, report);
  return w.take();
}

Bytes serialize_td_report(const TdReport& report) {
  Writer w;
  write_td_report(w, report);
  return w.take();
}

Result<Bytes> serialize_signed_region(const QuoteHeader& header, const TdReport& body) {
  if (auto valid = check_header_values(header); !valid.ok()) {
    return std::move(valid).error().context("serialize_signed_region");
  }
  if (header.tee_type != kTeeTypeTdx) {
    return build_error("serialize_signed_region: a TD report needs tee_type TDX (0x00000081)");
  }
  if (header.version == 4 && body.is_v15) {
    return build_error("serialize_signed_region: a TD report 1.5 needs a version 5 quote");
  }
  Writer w;
  write_header(w, header);
  if (header.version == 5) {
    write_body_descriptor(w, body.is_v15 ? BodyType::kTdReport15 : BodyType::kTdReport10);
  }
  write_td_report(w, body);
  return w.take();
}

Result<Bytes> serialize_signed_region(const QuoteHeader& header, const EnclaveReport& body) {
  if (auto valid = check_header_values(header); !valid.ok()) {
    return std::move(valid).error().context("serialize_signed_region");
  }
  if (header.tee_type != kTeeTypeSgx) {
    return build_error("serialize_signed_region: an enclave report needs tee_type SGX (0)");
  }
  Writer w;
  write_header(w, header);
  if (header.version == 5) write_body_descriptor(w, BodyType::kSgxEnclave);
  write_enclave_report(w, body);
  return w.take();
}

Result<Bytes> serialize_quote(ByteView signed_region, const RawSignature& signature,
                              const RawPublicKey& attestation_key,
                              const QeCertificationData& certification) {
  ByteReader reader(signed_region);
  auto part = parse_signed_part(reader);
  if (!part.ok()) return std::move(part).error().context("serialize_quote: signed region");
  if (!reader.at_end()) {
    return build_error("serialize_quote: signed region has " + std::to_string(reader.remaining()) +
                       " bytes after the body");
  }
  Bytes qe_report = serialize_enclave_report(certification.qe_report);
  if (!certification.qe_report_raw.empty()) {
    ByteReader raw_reader(certification.qe_report_raw);
    auto decoded = parse_enclave_report(raw_reader, "qe_report_raw");
    if (!decoded.ok() || !raw_reader.at_end() || !(*decoded == certification.qe_report)) {
      return build_error(
          "serialize_quote: qe_report_raw is not 384 bytes that decode to qe_report");
    }
    qe_report = certification.qe_report_raw;
  }
  if (certification.qe_auth_data.size() > std::numeric_limits<std::uint16_t>::max()) {
    return build_error("serialize_quote: qe_auth_data is longer than 65535 bytes");
  }
  if (certification.cert_data_type < kMinInnerCertDataType ||
      certification.cert_data_type > kMaxInnerCertDataType) {
    return build_error("serialize_quote: cert_data_type " +
                       std::to_string(certification.cert_data_type) + " is not 1..5");
  }
  const std::size_t qe_block_size = EnclaveReport::kSize + sizeof(RawSignature) + 2 +
                                    certification.qe_auth_data.size() + kCertDataHeaderSize;
  const bool v3 = part->header.version == 3;
  const std::size_t fixed = signed_region.size() + 4 + kSignatureAndKeySize +
                            (v3 ? 0 : kCertDataHeaderSize) + qe_block_size;
  if (certification.cert_data.size() > kMaxQuoteSize - fixed) {
    return make_error(ErrorCode::kLimit, "serialize_quote: the quote would exceed " +
                                             std::to_string(kMaxQuoteSize) + " bytes");
  }
  const std::size_t qe_cert_size = qe_block_size + certification.cert_data.size();
  const std::size_t sig_data_len =
      kSignatureAndKeySize + (v3 ? 0 : kCertDataHeaderSize) + qe_cert_size;
  Writer w;
  w.put(signed_region);
  w.u32(static_cast<std::uint32_t>(sig_data_len));
  w.put(signature);
  w.put(attestation_key);
  if (!v3) {
    w.u16(kCertDataQeReport);
    w.u32(static_cast<std::uint32_t>(qe_cert_size));
  }
  w.put(qe_report);
  w.put(certification.qe_report_signature);
  w.u16(static_cast<std::uint16_t>(certification.qe_auth_data.size()));
  w.put(certification.qe_auth_data);
  w.u16(certification.cert_data_type);
  w.u32(static_cast<std::uint32_t>(certification.cert_data.size()));
  w.put(certification.cert_data);
  return w.take();
}

Result<Bytes> serialize_quote(const Quote& quote) {
  Result<Bytes> region = std::visit(
      [&](const auto& body) { return serialize_signed_region(quote.header, body); }, quote.body);
  if (!region.ok()) return std::move(region).error();
  if (quote.header.version == 5) {
    // The body type is implied by the body in the rebuilt region; refuse a quote whose
    // recorded type says otherwise rather than silently changing it.
    const bool v15 = quote.td_report() && quote.td_report()->is_v15;
    const BodyType implied = quote.td_report()
                                 ? (v15 ? BodyType::kTdReport15 : BodyType::kTdReport10)
                                 : BodyType::kSgxEnclave;
    if (implied != quote.body_type) {
      return build_error("serialize_quote: body_type does not match the body");
    }
  }
  return serialize_quote(*region, quote.signature, quote.attestation_key, quote.certification);
}

}  // namespace cllm::tdx
