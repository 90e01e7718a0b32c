#include "cllm/gpu/report_encoding.hpp"

#include <string>
#include <string_view>

#include "cllm/common/hex.hpp"

namespace cllm::gpu {
namespace {

bool is_hex_digit(std::uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

Result<Bytes> decode_report_file(ByteView file_bytes) {
  ByteView body = file_bytes;
  if (!body.empty() && body.back() == '\n') body = body.first(body.size() - 1);
  if (!body.empty() && body.back() == '\r') body = body.first(body.size() - 1);
  if (body.empty()) return make_error(ErrorCode::kParse, "report file: empty");

  bool all_hex = true;
  for (std::uint8_t c : body) {
    if (!is_hex_digit(c)) {
      all_hex = false;
      break;
    }
  }
  // A raw report starts with SPDM version 0x11, which is not an ASCII hex digit, so a real
  // binary report can never be mistaken for hex text.
  if (!all_hex) {
    if (file_bytes.size() > kMaxReportSize) {
      return make_error(ErrorCode::kLimit, "report file: binary report of " +
                                               std::to_string(file_bytes.size()) +
                                               " bytes exceeds " + std::to_string(kMaxReportSize));
    }
    return Bytes(file_bytes.begin(), file_bytes.end());
  }
  if (body.size() / 2 > kMaxReportSize) {
    return make_error(ErrorCode::kLimit, "report file: hex report of " +
                                             std::to_string(body.size() / 2) + " bytes exceeds " +
                                             std::to_string(kMaxReportSize));
  }
  if (body.size() % 2 != 0) {
    return make_error(ErrorCode::kParse, "report file: odd number of hex digits (" +
                                             std::to_string(body.size()) + ")");
  }
  auto decoded =
      from_hex(std::string_view(reinterpret_cast<const char*>(body.data()), body.size()));
  if (!decoded.ok()) return std::move(decoded).error().context("report file");
  return decoded;
}

}  // namespace cllm::gpu
