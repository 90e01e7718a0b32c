// The NRAS attestation request body, which is also Phala's `nvidia_payload` (the JSON string a
// node publishes next to its TDX quote; clients POST it verbatim to /v3/attest/gpu):
//   {"nonce":"<64 hex>","evidence_list":[{"certificate":b64(PEM as returned),
//    "evidence":b64(raw report),"arch":"HOPPER"},...],"arch":"HOPPER"[,"claims_version":"3.0"]}
// and NVIDIA's C++ SDK serialized evidence, [{"arch","nonce","evidence","certificate"},...].
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/gpu/gpu_arch.hpp"
#include "cllm/gpu/gpu_evidence.hpp"

namespace cllm::gpu {

inline constexpr std::size_t kNrasNonceSize = 32;
inline constexpr std::size_t kMaxNrasRequestSize = 4 * 1024 * 1024;
inline constexpr std::size_t kMaxNrasEvidenceItems = 64;
// A report is ~4-8 KB and a PEM chain ~5 KB; NVML's buffers are 8 KB and 5 KB.
inline constexpr std::size_t kMaxNrasItemBytes = 64 * 1024;

struct NrasRequest {
  Bytes nonce;  // 32 bytes
  GpuArch arch = GpuArch::kHopper;
  GpuEvidenceList evidence;  // each item's arch: its own field, else the top-level arch
  std::optional<std::string> claims_version;
};

// Builds the body in Phala's key order. nonce must be 32 bytes, evidence non-empty, and every
// item of `arch`; claims_version, when given, looks like "3.0".
Result<std::string> build_nras_request(ByteView nonce, const GpuEvidenceList& evidence,
                                       GpuArch arch,
                                       std::optional<std::string_view> claims_version = {});

// Parses a body (or an `nvidia_payload` string). Per-item "arch" and "nonce" are optional, but
// an item's arch must be known and its nonce equal to the top-level one.
Result<NrasRequest> parse_nras_request(std::string_view json_text);

// One item of NVIDIA's serialized evidence.
struct SerializedEvidence {
  GpuEvidence evidence;
  Bytes nonce;  // 32 bytes
};

// Parses [{"arch","nonce","evidence","certificate"},...] (all four fields required).
Result<std::vector<SerializedEvidence>> parse_nvat_evidence_json(std::string_view json_text);

}  // namespace cllm::gpu
