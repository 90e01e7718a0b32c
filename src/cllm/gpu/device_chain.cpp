#include "cllm/gpu/device_chain.hpp"

#include <algorithm>
#include <limits>
#include <string>

namespace cllm::gpu {
namespace {

constexpr std::size_t kFwidDigestSize = 48;
constexpr std::uint8_t kTagOctetString = 0x04;
constexpr std::uint8_t kTagOid = 0x06;
constexpr std::uint8_t kTagSequence = 0x30;
constexpr std::uint8_t kTagFwids = 0xA6;  // [6] IMPLICIT SEQUENCE OF FWID, in DiceTcbInfo
// DER content of 2.16.840.1.101.3.4.2.2 (SHA-384).
constexpr std::uint8_t kSha384Oid[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02};

Error fwid_error(std::string_view oid, std::size_t offset, const std::string& why) {
  return make_error(ErrorCode::kParse, "leaf FWID extension " + std::string(oid) + " at offset " +
                                           std::to_string(offset) + ": " + why);
}

struct Der {
  std::uint8_t tag = 0;
  ByteView content;
  std::size_t offset = 0;          // of the tag, within the extension value
  std::size_t content_offset = 0;  // of the first content byte
};

// Consecutive DER elements of one enclosing element; definite lengths of at most two length
// octets (the extension is well under 64 KiB), every length checked against what is left.
class DerCursor {
 public:
  DerCursor(ByteView data, std::size_t base, std::string_view oid)
      : data_(data), base_(base), oid_(oid) {}
  bool at_end() const { return pos_ == data_.size(); }

  Result<Der> next() {
    Der der;
    der.offset = base_ + pos_;
    if (data_.size() - pos_ < 2) return fwid_error(oid_, der.offset, "truncated element");
    der.tag = data_[pos_];
    std::size_t cursor = pos_ + 1;
    std::size_t length = data_[cursor++];
    if (length & 0x80) {
      const std::size_t count = length & 0x7f;
      if (count == 0 || count > 2) return fwid_error(oid_, der.offset, "unsupported length");
      if (data_.size() - cursor < count) return fwid_error(oid_, der.offset, "truncated length");
      length = 0;
      for (std::size_t i = 0; i < count; ++i)
        length = (length << 8) | data_[cursor++];
    }
    if (data_.size() - cursor < length) {
      return fwid_error(oid_, der.offset, "length " + std::to_string(length) + " overruns");
    }
    der.content = data_.subspan(cursor, length);
    der.content_offset = base_ + cursor;
    pos_ = cursor + length;
    return der;
  }

 private:
  ByteView data_;
  std::size_t base_;
  std::string_view oid_;
  std::size_t pos_ = 0;
};

// DiceTcbInfo ::= SEQUENCE { ... fwids [6] IMPLICIT SEQUENCE OF FWID OPTIONAL ... },
// FWID ::= SEQUENCE { hashAlg OBJECT IDENTIFIER, digest OCTET STRING }: the digest of
// fwids[0], which must be SHA-384.
Result<std::optional<Bytes>> dice_fwid(ByteView value) {
  const std::string_view oid = kBlackwellFwidOid;
  DerCursor outer(value, 0, oid);
  CLLM_ASSIGN_OR_RETURN(Der info, outer.next());
  if (info.tag != kTagSequence) return fwid_error(oid, info.offset, "TcbInfo is not a SEQUENCE");
  if (!outer.at_end()) return fwid_error(oid, info.offset, "trailing bytes after TcbInfo");
  DerCursor fields(info.content, info.content_offset, oid);
  while (!fields.at_end()) {
    CLLM_ASSIGN_OR_RETURN(Der field, fields.next());
    if (field.tag != kTagFwids) continue;
    DerCursor list(field.content, field.content_offset, oid);
    if (list.at_end()) return fwid_error(oid, field.offset, "empty fwids");
    CLLM_ASSIGN_OR_RETURN(Der fwid, list.next());
    if (fwid.tag != kTagSequence) return fwid_error(oid, fwid.offset, "FWID is not a SEQUENCE");
    DerCursor parts(fwid.content, fwid.content_offset, oid);
    CLLM_ASSIGN_OR_RETURN(Der alg, parts.next());
    if (alg.tag != kTagOid || !std::equal(alg.content.begin(), alg.content.end(),
                                          std::begin(kSha384Oid), std::end(kSha384Oid))) {
      return fwid_error(oid, alg.offset, "fwids[0] hash algorithm is not SHA-384");
    }
    CLLM_ASSIGN_OR_RETURN(Der digest, parts.next());
    if (digest.tag != kTagOctetString || digest.content.size() != kFwidDigestSize) {
      return fwid_error(oid, digest.offset, "fwids[0] digest is not a 48-byte OCTET STRING");
    }
    return std::optional<Bytes>(Bytes(digest.content.begin(), digest.content.end()));
  }
  return std::optional<Bytes>();
}

// Hopper: the value ends with OCTET STRING(48) holding the digest (research note §3).
Result<std::optional<Bytes>> hopper_fwid(ByteView value) {
  if (value.size() < kFwidDigestSize + 2) {
    return fwid_error(
        kHopperFwidOid, 0,
        "value of " + std::to_string(value.size()) + " bytes is too short for a 48-byte digest");
  }
  const std::size_t at = value.size() - kFwidDigestSize - 2;
  if (value[at] != kTagOctetString || value[at + 1] != kFwidDigestSize) {
    return fwid_error(kHopperFwidOid, at, "does not end with a 48-byte OCTET STRING");
  }
  return std::optional<Bytes>(Bytes(value.end() - kFwidDigestSize, value.end()));
}

bool is_self_signed(const crypto::Certificate& cert) {
  return cert.subject() == cert.issuer() && cert.is_signed_by(cert);
}

}  // namespace

std::string_view cert_status_name(CertStatus status) {
  switch (status) {
    case CertStatus::kValid:
      return "valid";
    case CertStatus::kExpired:
      return "expired";
    case CertStatus::kInvalid:
      return "invalid";
  }
  return "invalid";
}

Result<std::vector<crypto::Certificate>> parse_device_chain(std::string_view pem) {
  if (pem.size() > kMaxDeviceChainPemSize) {
    return make_error(ErrorCode::kLimit, "device chain: " + std::to_string(pem.size()) +
                                             " bytes of PEM exceeds " +
                                             std::to_string(kMaxDeviceChainPemSize));
  }
  auto chain = crypto::parse_pem_chain(pem);
  if (!chain.ok()) return std::move(chain).error().context("device chain");
  if (chain->size() > kMaxDeviceChainCertificates) {
    return make_error(ErrorCode::kLimit, "device chain: " + std::to_string(chain->size()) +
                                             " certificates exceeds " +
                                             std::to_string(kMaxDeviceChainCertificates));
  }
  return chain;
}

DeviceChainAppraisal verify_device_chain(std::span<const crypto::Certificate> chain,
                                         const crypto::Certificate& anchor, std::int64_t now) {
  DeviceChainAppraisal out;
  if (chain.size() < 2) {
    out.detail = "device chain has " + std::to_string(chain.size()) +
                 " certificate(s); a leaf and its issuers are required";
    return out;
  }
  std::span<const crypto::Certificate> used = chain;
  if (is_self_signed(chain.back())) {
    out.supplied_root_matches_anchor = chain.back().der() == anchor.der();
    used = chain.first(chain.size() - 1);
  }
  if (used.empty()) {
    out.detail = "device chain holds only a self-signed certificate";
    return out;
  }
  // No time check, like NVIDIA's verifiers: verify at an instant inside every certificate's
  // validity (the latest notBefore), so only signatures, names and CA rules decide. A chain
  // whose periods do not overlap at all is invalid.
  std::int64_t at = anchor.not_before();
  for (const crypto::Certificate& cert : used)
    at = std::max(at, cert.not_before());
  crypto::ChainVerifyOptions options;
  options.at_time = at;
  auto verified = crypto::verify_chain(used, anchor, options);
  if (!verified.ok()) {
    out.detail = verified.error().message();
    return out;
  }
  if (verified->size() != used.size() + 1) {
    out.detail = "device chain carries " + std::to_string(used.size() + 1 - verified->size()) +
                 " certificate(s) that are not on the path to the anchor";
    return out;
  }
  out.earliest_not_after = std::numeric_limits<std::int64_t>::max();
  for (const crypto::Certificate& cert : *verified)
    out.earliest_not_after = std::min(out.earliest_not_after, cert.not_after());
  out.status = now > out.earliest_not_after ? CertStatus::kExpired : CertStatus::kValid;
  out.path = std::move(verified).value();
  return out;
}

Result<std::optional<Bytes>> leaf_fwid(const crypto::Certificate& leaf, GpuArch arch) {
  const std::string_view oid = arch == GpuArch::kBlackwell ? kBlackwellFwidOid : kHopperFwidOid;
  auto value = leaf.extension(oid);
  if (!value.ok()) {
    if (value.error().code() == ErrorCode::kNotFound) return std::optional<Bytes>();
    return std::move(value).error().context("leaf FWID extension");
  }
  return arch == GpuArch::kBlackwell ? dice_fwid(*value) : hopper_fwid(*value);
}

std::string big_endian_to_decimal(ByteView value) {
  // Repeated division by 10 of a base-256 number; serials are at most 20 bytes.
  Bytes n(value.begin(), value.end());
  std::string digits;
  std::size_t start = 0;
  while (start < n.size() && n[start] == 0)
    ++start;
  while (start < n.size()) {
    unsigned remainder = 0;
    for (std::size_t i = start; i < n.size(); ++i) {
      const unsigned cur = (remainder << 8) | n[i];
      n[i] = static_cast<std::uint8_t>(cur / 10);
      remainder = cur % 10;
    }
    digits.push_back(static_cast<char>('0' + remainder));
    while (start < n.size() && n[start] == 0)
      ++start;
  }
  if (digits.empty()) return "0";
  std::reverse(digits.begin(), digits.end());
  return digits;
}

std::string leaf_ueid(const crypto::Certificate& leaf) {
  return big_endian_to_decimal(leaf.serial());
}

}  // namespace cllm::gpu
