// A small, structure-driven DER reader/writer for the SGX PCK extension. It is not a general
// ASN.1 library: it knows the one layout Intel defines, so there is no recursion to bound,
// every length is checked against its enclosing element, and every value is range-checked.
#include "cllm/tdx/pck_extension.hpp"

#include <string>
#include <utility>

#include "cllm/crypto/x509.hpp"

namespace cllm::tdx {
namespace {

constexpr std::uint8_t kTagBoolean = 0x01;
constexpr std::uint8_t kTagInteger = 0x02;
constexpr std::uint8_t kTagOctetString = 0x04;
constexpr std::uint8_t kTagOid = 0x06;
constexpr std::uint8_t kTagEnumerated = 0x0a;
constexpr std::uint8_t kTagSequence = 0x30;

// DER content of OID 1.2.840.113741.1.13.1; every sub-arc Intel uses below it is < 128, so
// each adds one byte.
constexpr std::uint8_t kSgxOidPrefix[] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01};

// Sub-arcs of the SGX extension.
enum : std::uint8_t {
  kArcPpid = 1,
  kArcTcb = 2,
  kArcPceId = 3,
  kArcFmspc = 4,
  kArcSgxType = 5,
  kArcPlatformInstanceId = 6,
  kArcConfiguration = 7,
};
constexpr std::uint8_t kArcPceSvn = 17;  // under .2
constexpr std::uint8_t kArcCpuSvn = 18;  // under .2

std::string oid_name(std::initializer_list<std::uint8_t> arcs) {
  std::string name(kSgxExtensionOid);
  for (auto arc : arcs)
    name += "." + std::to_string(arc);
  return name;
}

Error parse_error(std::string_view field, std::size_t offset, std::string_view what) {
  return make_error(ErrorCode::kParse, "SGX extension " + std::string(field) + " at offset " +
                                           std::to_string(offset) + ": " + std::string(what));
}

struct Tlv {
  std::uint8_t tag = 0;
  ByteView value;
  std::size_t offset = 0;          // of the tag byte, within the whole extension
  std::size_t content_offset = 0;  // of the first content byte
};

// Reads consecutive TLVs from one enclosing element's contents.
class DerReader {
 public:
  DerReader(ByteView data, std::size_t base_offset) : data_(data), base_(base_offset) {}

  bool at_end() const { return pos_ == data_.size(); }
  std::size_t offset() const { return base_ + pos_; }

  Result<Tlv> read(std::uint8_t expected_tag, std::string_view field) {
    Tlv tlv;
    tlv.offset = offset();
    if (data_.size() - pos_ < 2) return parse_error(field, offset(), "truncated element");
    tlv.tag = data_[pos_];
    if (tlv.tag != expected_tag) {
      return parse_error(
          field, offset(),
          "expected tag " + std::to_string(expected_tag) + ", found " + std::to_string(tlv.tag));
    }
    std::size_t cursor = pos_ + 1;
    std::size_t length = data_[cursor++];
    if (length & 0x80) {
      const std::size_t count = length & 0x7f;
      // Definite lengths only, at most two length octets (the whole extension is < 64 KiB).
      if (count == 0) return parse_error(field, tlv.offset, "indefinite length");
      if (count > 2) return parse_error(field, tlv.offset, "length too long");
      if (data_.size() - cursor < count) return parse_error(field, tlv.offset, "truncated length");
      length = 0;
      for (std::size_t i = 0; i < count; ++i)
        length = (length << 8) | data_[cursor++];
      // DER: the long form only when needed, without leading zero octets.
      if (length < 0x80 || (count == 2 && length < 0x100)) {
        return parse_error(field, tlv.offset, "non-minimal length");
      }
    }
    if (data_.size() - cursor < length) {
      return parse_error(field, tlv.offset,
                         "length " + std::to_string(length) + " exceeds its container");
    }
    tlv.value = data_.subspan(cursor, length);
    tlv.content_offset = base_ + cursor;
    pos_ = cursor + length;
    return tlv;
  }

  static DerReader inner(const Tlv& tlv) { return DerReader(tlv.value, tlv.content_offset); }

 private:
  ByteView data_;
  std::size_t base_;
  std::size_t pos_ = 0;
};

// A non-negative INTEGER/ENUMERATED of at most three content octets (65535 needs 00 ff ff).
Result<std::uint32_t> read_unsigned(DerReader& reader, std::uint8_t tag, std::string_view field,
                                    std::uint32_t max) {
  CLLM_ASSIGN_OR_RETURN(Tlv tlv, reader.read(tag, field));
  const ByteView v = tlv.value;
  if (v.empty() || v.size() > 3) {
    return parse_error(field, tlv.offset, "integer of " + std::to_string(v.size()) + " bytes");
  }
  if (v[0] & 0x80) return parse_error(field, tlv.offset, "negative integer");
  std::uint32_t value = 0;
  for (auto b : v)
    value = (value << 8) | b;
  if (value > max) {
    return parse_error(
        field, tlv.offset,
        "value " + std::to_string(value) + " out of range 0.." + std::to_string(max));
  }
  return value;
}

template <std::size_t N>
Result<std::array<std::uint8_t, N>> read_fixed_octets(DerReader& reader, std::string_view field) {
  CLLM_ASSIGN_OR_RETURN(Tlv tlv, reader.read(kTagOctetString, field));
  if (tlv.value.size() != N) {
    return parse_error(field, tlv.offset,
                       "OCTET STRING of " + std::to_string(tlv.value.size()) + " bytes, expected " +
                           std::to_string(N));
  }
  std::array<std::uint8_t, N> out{};
  std::copy(tlv.value.begin(), tlv.value.end(), out.begin());
  return out;
}

Result<bool> read_boolean(DerReader& reader, std::string_view field) {
  CLLM_ASSIGN_OR_RETURN(Tlv tlv, reader.read(kTagBoolean, field));
  if (tlv.value.size() != 1 || (tlv.value[0] != 0x00 && tlv.value[0] != 0xff)) {
    return parse_error(field, tlv.offset, "BOOLEAN must be one byte 00 or ff");
  }
  return tlv.value[0] == 0xff;
}

// Reads SEQUENCE { OID, value } and returns the OID's arcs below `parent` (the SGX prefix
// plus parent_arcs), with a reader positioned at the value.
struct Entry {
  std::uint8_t arc = 0;
  DerReader value{ByteView{}, 0};
  std::size_t offset = 0;
};

Result<Entry> read_entry(DerReader& reader, ByteView parent_arcs, std::string_view container) {
  CLLM_ASSIGN_OR_RETURN(Tlv seq, reader.read(kTagSequence, container));
  DerReader entry = DerReader::inner(seq);
  CLLM_ASSIGN_OR_RETURN(Tlv oid, entry.read(kTagOid, container));
  const std::size_t prefix_size = sizeof(kSgxOidPrefix) + parent_arcs.size();
  bool prefix_ok =
      oid.value.size() == prefix_size + 1 &&
      std::equal(std::begin(kSgxOidPrefix), std::end(kSgxOidPrefix), oid.value.begin()) &&
      std::equal(parent_arcs.begin(), parent_arcs.end(),
                 oid.value.begin() + static_cast<std::ptrdiff_t>(sizeof(kSgxOidPrefix)));
  if (!prefix_ok || (oid.value.back() & 0x80)) {
    return parse_error(container, oid.offset, "entry OID is not an SGX sub-arc of this element");
  }
  return Entry{oid.value.back(), entry, seq.offset};
}

Status expect_end(const DerReader& reader, std::string_view field) {
  if (!reader.at_end()) return parse_error(field, reader.offset(), "unexpected trailing data");
  return ok_status();
}

Status parse_tcb(DerReader reader, PckExtension& out) {
  const std::uint8_t tcb_arc[] = {kArcTcb};
  for (std::uint8_t arc = 1; arc <= kArcCpuSvn; ++arc) {
    const std::string field = oid_name({kArcTcb, arc});
    CLLM_ASSIGN_OR_RETURN(Entry entry, read_entry(reader, tcb_arc, oid_name({kArcTcb})));
    if (entry.arc != arc) {
      return parse_error(field, entry.offset,
                         "found sub-arc ." + std::to_string(entry.arc) + " instead");
    }
    if (arc <= 16) {
      CLLM_ASSIGN_OR_RETURN(auto svn,
                            read_unsigned(entry.value, kTagInteger,
                                          field + " (comp" + std::to_string(arc) + ")", 255));
      out.cpu_svn_components[arc - 1] = static_cast<std::uint8_t>(svn);
    } else if (arc == kArcPceSvn) {
      CLLM_ASSIGN_OR_RETURN(auto svn,
                            read_unsigned(entry.value, kTagInteger, field + " (pcesvn)", 65535));
      out.pce_svn = static_cast<std::uint16_t>(svn);
    } else {
      CLLM_ASSIGN_OR_RETURN(out.cpu_svn, read_fixed_octets<16>(entry.value, field + " (cpusvn)"));
    }
    CLLM_TRY(expect_end(entry.value, field));
  }
  return expect_end(reader, oid_name({kArcTcb}));
}

Status parse_configuration(DerReader reader, PckConfiguration& out) {
  const std::uint8_t config_arc[] = {kArcConfiguration};
  std::uint8_t last = 0;
  while (!reader.at_end()) {
    CLLM_ASSIGN_OR_RETURN(Entry entry,
                          read_entry(reader, config_arc, oid_name({kArcConfiguration})));
    const std::string field = oid_name({kArcConfiguration, entry.arc});
    if (entry.arc <= last || entry.arc > 3) {
      return parse_error(field, entry.offset, "unknown, duplicate or out-of-order entry");
    }
    last = entry.arc;
    CLLM_ASSIGN_OR_RETURN(bool flag, read_boolean(entry.value, field));
    CLLM_TRY(expect_end(entry.value, field));
    (entry.arc == 1   ? out.dynamic_platform
     : entry.arc == 2 ? out.cached_keys
                      : out.smt_enabled) = flag;
  }
  return ok_status();
}

// ---- writer ----

void put_length(Bytes& out, std::size_t length) {
  if (length < 0x80) {
    out.push_back(static_cast<std::uint8_t>(length));
  } else if (length < 0x100) {
    out.push_back(0x81);
    out.push_back(static_cast<std::uint8_t>(length));
  } else {
    out.push_back(0x82);
    out.push_back(static_cast<std::uint8_t>(length >> 8));
    out.push_back(static_cast<std::uint8_t>(length));
  }
}

Bytes tlv(std::uint8_t tag, ByteView value) {
  Bytes out;
  out.push_back(tag);
  put_length(out, value.size());
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

Bytes unsigned_value(std::uint32_t value) {
  Bytes out;
  do {
    out.insert(out.begin(), static_cast<std::uint8_t>(value));
    value >>= 8;
  } while (value != 0);
  if (out[0] & 0x80) out.insert(out.begin(), 0x00);
  return out;
}

Bytes entry(std::initializer_list<std::uint8_t> arcs, ByteView value_tlv) {
  Bytes oid(std::begin(kSgxOidPrefix), std::end(kSgxOidPrefix));
  oid.insert(oid.end(), arcs.begin(), arcs.end());
  return tlv(kTagSequence, concat({tlv(kTagOid, oid), value_tlv}));
}

}  // namespace

Result<PckExtension> parse_pck_extension(ByteView der) {
  if (der.size() > kMaxPckExtensionSize) {
    return make_error(ErrorCode::kLimit, "SGX extension " + std::string(kSgxExtensionOid) + ": " +
                                             std::to_string(der.size()) + " bytes exceeds " +
                                             std::to_string(kMaxPckExtensionSize));
  }
  const std::string top = std::string(kSgxExtensionOid);
  DerReader outer(der, 0);
  CLLM_ASSIGN_OR_RETURN(Tlv seq, outer.read(kTagSequence, top));
  CLLM_TRY(expect_end(outer, top));
  DerReader reader = DerReader::inner(seq);

  PckExtension out;
  std::uint8_t last = 0;
  unsigned seen = 0;  // bit per sub-arc
  while (!reader.at_end()) {
    CLLM_ASSIGN_OR_RETURN(Entry e, read_entry(reader, ByteView{}, top));
    const std::string field = oid_name({e.arc});
    if (e.arc <= last || e.arc > kArcConfiguration) {
      return parse_error(field, e.offset, "unknown, duplicate or out-of-order entry");
    }
    last = e.arc;
    seen |= 1u << e.arc;
    switch (e.arc) {
      case kArcPpid: {
        CLLM_ASSIGN_OR_RETURN(auto ppid, read_fixed_octets<16>(e.value, field + " (PPID)"));
        out.ppid.assign(ppid.begin(), ppid.end());
        break;
      }
      case kArcTcb: {
        CLLM_ASSIGN_OR_RETURN(Tlv tcb, e.value.read(kTagSequence, field + " (TCB)"));
        CLLM_TRY(parse_tcb(DerReader::inner(tcb), out));
        break;
      }
      case kArcPceId: {
        CLLM_ASSIGN_OR_RETURN(out.pce_id, read_fixed_octets<2>(e.value, field + " (PCE-ID)"));
        break;
      }
      case kArcFmspc: {
        CLLM_ASSIGN_OR_RETURN(out.fmspc, read_fixed_octets<6>(e.value, field + " (FMSPC)"));
        break;
      }
      case kArcSgxType: {
        CLLM_ASSIGN_OR_RETURN(auto type,
                              read_unsigned(e.value, kTagEnumerated, field + " (SGX type)", 2));
        out.sgx_type = static_cast<int>(type);
        break;
      }
      case kArcPlatformInstanceId: {
        CLLM_ASSIGN_OR_RETURN(auto id,
                              read_fixed_octets<16>(e.value, field + " (PlatformInstanceID)"));
        out.platform_instance_id = Bytes(id.begin(), id.end());
        break;
      }
      default: {  // kArcConfiguration
        CLLM_ASSIGN_OR_RETURN(Tlv config, e.value.read(kTagSequence, field + " (Configuration)"));
        PckConfiguration flags;
        CLLM_TRY(parse_configuration(DerReader::inner(config), flags));
        out.configuration = flags;
        break;
      }
    }
    CLLM_TRY(expect_end(e.value, field));
  }
  for (std::uint8_t required : {kArcPpid, kArcTcb, kArcPceId, kArcFmspc, kArcSgxType}) {
    if (!(seen & (1u << required))) {
      return parse_error(oid_name({required}), der.size(), "required entry missing");
    }
  }
  return out;
}

Result<PckExtension> pck_extension_of(const crypto::Certificate& certificate) {
  auto ext = certificate.extension(kSgxExtensionOid);
  if (!ext.ok()) {
    return std::move(ext).error().context("PCK certificate " + certificate.subject_common_name());
  }
  auto parsed = parse_pck_extension(*ext);
  if (!parsed.ok()) {
    return std::move(parsed).error().context("PCK certificate " +
                                             certificate.subject_common_name());
  }
  return parsed;
}

Bytes encode_pck_extension(const PckExtension& ext) {
  Bytes tcb;
  for (std::uint8_t i = 0; i < 16; ++i) {
    const auto svn = tlv(kTagInteger, unsigned_value(ext.cpu_svn_components[i]));
    const auto e = entry({kArcTcb, static_cast<std::uint8_t>(i + 1)}, svn);
    tcb.insert(tcb.end(), e.begin(), e.end());
  }
  tcb = concat({tcb, entry({kArcTcb, kArcPceSvn}, tlv(kTagInteger, unsigned_value(ext.pce_svn))),
                entry({kArcTcb, kArcCpuSvn}, tlv(kTagOctetString, ext.cpu_svn))});

  Bytes body = concat(
      {entry({kArcPpid}, tlv(kTagOctetString, ext.ppid)), entry({kArcTcb}, tlv(kTagSequence, tcb)),
       entry({kArcPceId}, tlv(kTagOctetString, ext.pce_id)),
       entry({kArcFmspc}, tlv(kTagOctetString, ext.fmspc)),
       entry({kArcSgxType},
             tlv(kTagEnumerated, unsigned_value(static_cast<std::uint32_t>(ext.sgx_type))))});
  if (ext.platform_instance_id) {
    body = concat(
        {body, entry({kArcPlatformInstanceId}, tlv(kTagOctetString, *ext.platform_instance_id))});
  }
  if (ext.configuration) {
    Bytes flags;
    const std::pair<std::uint8_t, std::optional<bool>> items[] = {
        {1, ext.configuration->dynamic_platform},
        {2, ext.configuration->cached_keys},
        {3, ext.configuration->smt_enabled}};
    for (const auto& [arc, flag] : items) {
      if (!flag) continue;
      const std::uint8_t value[] = {static_cast<std::uint8_t>(*flag ? 0xff : 0x00)};
      flags = concat({flags, entry({kArcConfiguration, arc}, tlv(kTagBoolean, value))});
    }
    body = concat({body, entry({kArcConfiguration}, tlv(kTagSequence, flags))});
  }
  return tlv(kTagSequence, body);
}

}  // namespace cllm::tdx
