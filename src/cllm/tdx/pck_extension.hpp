// The Intel SGX extension (OID 1.2.840.113741.1.13.1) of a PCK certificate: the platform's
// identity (PPID, FMSPC, PCE-ID) and the TCB level (CPUSVN, PCESVN) the certificate was
// issued for. The DCAP verifier matches the FMSPC and TCB against the signed TCB info.
//
// Layout (Intel "SGX PCK Certificate and CRL Profile"): a SEQUENCE of
// SEQUENCE { OID, value } entries, in this order:
//   .1 PPID OCTET STRING(16)         .2 TCB SEQUENCE { .2.1..16 INTEGER, .2.17 pcesvn INTEGER,
//   .3 PCE-ID OCTET STRING(2)                         .2.18 cpusvn OCTET STRING(16) }
//   .4 FMSPC OCTET STRING(6)         .5 SGX type ENUMERATED (0 standard, 1 scalable,
//   [.6 PlatformInstanceID OCTET STRING(16)]             2 scalable with integrity)
//   [.7 Configuration SEQUENCE { .7.1 dynamicPlatform, .7.2 cachedKeys, .7.3 SMTEnabled
//                                 BOOLEAN each, every one optional }]
// .6 and .7 are present only in "platform" CA PCK certificates of multi-package platforms.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"

namespace cllm::crypto {
class Certificate;
}

namespace cllm::tdx {

inline constexpr std::string_view kSgxExtensionOid = "1.2.840.113741.1.13.1";
// Bound on the extension's size: real ones are about 550 bytes.
inline constexpr std::size_t kMaxPckExtensionSize = 4096;

struct PckConfiguration {
  std::optional<bool> dynamic_platform;
  std::optional<bool> cached_keys;
  std::optional<bool> smt_enabled;
  bool operator==(const PckConfiguration&) const = default;
};

struct PckExtension {
  Bytes ppid;                                         // 16 bytes
  std::array<std::uint8_t, 16> cpu_svn_components{};  // TCB comp01..comp16
  std::uint16_t pce_svn = 0;
  std::array<std::uint8_t, 16> cpu_svn{};  // the .2.18 OCTET STRING
  std::array<std::uint8_t, 2> pce_id{};
  std::array<std::uint8_t, 6> fmspc{};
  int sgx_type = 0;                           // 0 standard, 1 scalable, 2 scalable with integrity
  std::optional<Bytes> platform_instance_id;  // 16 bytes when present
  std::optional<PckConfiguration> configuration;
  bool operator==(const PckExtension&) const = default;
};

// Parses the extension's value (the DER SEQUENCE inside extnValue's OCTET STRING, which is
// what crypto::Certificate::extension() returns). Errors name the sub-OID and byte offset.
Result<PckExtension> parse_pck_extension(ByteView der);
// The SGX extension of a PCK certificate.
Result<PckExtension> pck_extension_of(const crypto::Certificate& certificate);
// Minimal DER for the extension value; parse_pck_extension(encode_pck_extension(x)) == x.
Bytes encode_pck_extension(const PckExtension& extension);

}  // namespace cllm::tdx
