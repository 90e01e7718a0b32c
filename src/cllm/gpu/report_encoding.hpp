// The on-disk forms of an NVIDIA attestation report: NVIDIA's samples and tools store the
// report as hex text (either case, maybe a trailing newline); NVML hands out raw bytes. One
// decoder accepts both so every CLI and test reads report files the same way.
#pragma once

#include <cstddef>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"

namespace cllm::gpu {

// A report is an SPDM GET_MEASUREMENTS request and response; NVML's buffer holds 8 KiB, so
// 64 KiB leaves room for any device while bounding what a hostile file can make us hold.
inline constexpr std::size_t kMaxReportSize = 64 * 1024;

// Hex text (lower or upper case, optional trailing "\n" or "\r\n") when every byte is a hex
// digit; otherwise the bytes are taken as the raw binary report. kLimit when the decoded
// report is larger than kMaxReportSize; kParse for an empty file.
Result<Bytes> decode_report_file(ByteView file_bytes);

}  // namespace cllm::gpu
