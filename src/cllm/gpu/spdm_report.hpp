// An NVIDIA attestation report: the SPDM 1.1 GET_MEASUREMENTS request the driver sent (with
// the verifier's nonce) followed by the device's signed MEASUREMENTS response (research note
// §2). Same layout on Hopper, Blackwell and NVSwitch. The raw bytes are kept, because the
// signature covers exactly report[0, size - 96).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/gpu/gpu_arch.hpp"
#include "cllm/gpu/measurement.hpp"
#include "cllm/gpu/opaque_data.hpp"

namespace cllm::gpu {

inline constexpr std::uint8_t kSpdmVersion11 = 0x11;
inline constexpr std::uint8_t kSpdmGetMeasurements = 0xE0;
inline constexpr std::uint8_t kSpdmMeasurements = 0x60;
inline constexpr std::size_t kSpdmNonceSize = 32;
inline constexpr std::size_t kSpdmRequestSize = 37;
inline constexpr std::size_t kSpdmSignatureSize = 96;  // raw P-384 r||s
inline constexpr std::uint8_t kDmtfMeasurementSpec = 0x01;

using SpdmNonce = std::array<std::uint8_t, kSpdmNonceSize>;

struct SpdmRequest {
  std::uint8_t version = 0;
  std::uint8_t code = 0;
  std::uint8_t param1 = 0;  // 0x01: signature requested
  std::uint8_t param2 = 0;  // 0xFF: all measurements
  SpdmNonce nonce{};        // the verifier's nonce: what freshness is checked against
  std::uint8_t slot = 0;
};

struct SpdmResponseHeader {
  std::uint8_t version = 0;
  std::uint8_t code = 0;
  std::uint8_t param1 = 0;
  std::uint8_t param2 = 0;
  std::uint8_t block_count = 0;
  std::uint32_t record_length = 0;  // u24 on the wire
};

struct SpdmReport {
  Bytes raw;  // the whole report, exactly as parsed
  SpdmRequest request;
  SpdmResponseHeader response;
  MeasurementBlocks blocks;     // in wire order
  SpdmNonce responder_nonce{};  // the device's own random, signed but not compared
  std::uint16_t opaque_length = 0;
  OpaqueData opaque;
  std::array<std::uint8_t, kSpdmSignatureSize> signature{};

  // Everything the signature covers: the request and the response up to the signature.
  ByteView signed_span() const { return ByteView(raw).first(raw.size() - kSpdmSignatureSize); }
  // The block with this SPDM (1-based) index, or nullptr.
  const MeasurementBlock* block(std::uint8_t index) const;
};

// Parses request || response. Rejects a wrong version or code, zero blocks, a block whose
// specification is not DMTF or whose sizes disagree, a record that does not hold exactly
// block_count blocks, empty or malformed opaque data, and trailing bytes. Errors name the
// field and its offset within the report.
Result<SpdmReport> parse_spdm_report(ByteView raw, DeviceKind kind);

}  // namespace cllm::gpu
