#include "cllm/gpu/spdm_report.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include "cllm/common/byte_reader.hpp"
#include "cllm/gpu/report_encoding.hpp"

namespace cllm::gpu {
namespace {

std::string hex_byte(std::uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%02X", b);
  return buf;
}

Error field_error(std::string_view field, std::size_t offset, const std::string& why) {
  return make_error(ErrorCode::kParse, "SPDM report field '" + std::string(field) + "' at offset " +
                                           std::to_string(offset) + ": " + why);
}

// Reads a byte that must have one value.
Status expect_u8(ByteReader& reader, std::string_view field, std::uint8_t expected,
                 std::uint8_t& out) {
  const std::size_t offset = reader.offset();
  CLLM_ASSIGN_OR_RETURN(out, reader.u8(field));
  if (out != expected) {
    return field_error(field, offset, hex_byte(out) + ", expected " + hex_byte(expected));
  }
  return ok_status();
}

Status read_array(ByteReader& reader, std::string_view field, std::span<std::uint8_t> out) {
  CLLM_ASSIGN_OR_RETURN(ByteView bytes, reader.bytes(out.size(), field));
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return ok_status();
}

Result<MeasurementBlock> read_block(ByteReader& reader, std::size_t ordinal) {
  const std::string where = "measurement block " + std::to_string(ordinal);
  MeasurementBlock block;
  const std::size_t start = reader.offset();
  CLLM_ASSIGN_OR_RETURN(block.index, reader.u8(where + " index"));
  if (block.index == 0) return field_error(where + " index", start, "index 0 is reserved");
  const std::size_t spec_offset = reader.offset();
  CLLM_ASSIGN_OR_RETURN(block.specification, reader.u8(where + " specification"));
  if (block.specification != kDmtfMeasurementSpec) {
    return field_error(where + " specification", spec_offset,
                       hex_byte(block.specification) + ", expected 0x01 (DMTF)");
  }
  const std::size_t size_offset = reader.offset();
  CLLM_ASSIGN_OR_RETURN(std::uint16_t size, reader.u16le(where + " size"));
  if (size < 3) {
    return field_error(where + " size", size_offset,
                       std::to_string(size) + " is smaller than the DMTF value header (3)");
  }
  CLLM_ASSIGN_OR_RETURN(block.value_type, reader.u8(where + " value type"));
  const std::size_t value_size_offset = reader.offset();
  CLLM_ASSIGN_OR_RETURN(std::uint16_t value_size, reader.u16le(where + " value size"));
  if (static_cast<std::size_t>(value_size) + 3 != size) {
    return field_error(
        where + " value size", value_size_offset,
        std::to_string(value_size) + " disagrees with block size " + std::to_string(size));
  }
  CLLM_ASSIGN_OR_RETURN(ByteView value, reader.bytes(value_size, where + " value"));
  block.value.assign(value.begin(), value.end());
  return block;
}

Result<MeasurementBlocks> parse_record(ByteView record, std::size_t base, std::size_t count) {
  ByteReader reader(record);
  MeasurementBlocks blocks;
  blocks.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto block = read_block(reader, i);
    if (!block.ok()) {
      return std::move(block).error().context("measurement record at offset " +
                                              std::to_string(base));
    }
    for (const MeasurementBlock& seen : blocks) {
      if (seen.index == block->index) {
        return field_error("measurement block " + std::to_string(i) + " index",
                           base + reader.offset(),
                           "index " + std::to_string(block->index) + " repeated");
      }
    }
    blocks.push_back(std::move(block).value());
  }
  if (!reader.at_end()) {
    return field_error("measurement record length", base,
                       std::to_string(reader.remaining()) + " bytes left after " +
                           std::to_string(count) + " blocks");
  }
  return blocks;
}

}  // namespace

const MeasurementBlock* SpdmReport::block(std::uint8_t index) const {
  for (const MeasurementBlock& b : blocks) {
    if (b.index == index) return &b;
  }
  return nullptr;
}

Result<SpdmReport> parse_spdm_report(ByteView raw, DeviceKind kind) {
  if (raw.size() > kMaxReportSize) {
    return make_error(ErrorCode::kLimit, "SPDM report: " + std::to_string(raw.size()) +
                                             " bytes exceeds " + std::to_string(kMaxReportSize));
  }
  SpdmReport report;
  ByteReader reader(raw);

  // Request.
  SpdmRequest& req = report.request;
  CLLM_TRY(expect_u8(reader, "request version", kSpdmVersion11, req.version));
  CLLM_TRY(expect_u8(reader, "request code", kSpdmGetMeasurements, req.code));
  CLLM_ASSIGN_OR_RETURN(req.param1, reader.u8("request param1"));
  CLLM_ASSIGN_OR_RETURN(req.param2, reader.u8("request param2"));
  CLLM_TRY(read_array(reader, "request nonce", req.nonce));
  CLLM_ASSIGN_OR_RETURN(req.slot, reader.u8("request slot"));

  // Response header.
  SpdmResponseHeader& resp = report.response;
  CLLM_TRY(expect_u8(reader, "response version", kSpdmVersion11, resp.version));
  CLLM_TRY(expect_u8(reader, "response code", kSpdmMeasurements, resp.code));
  CLLM_ASSIGN_OR_RETURN(resp.param1, reader.u8("response param1"));
  CLLM_ASSIGN_OR_RETURN(resp.param2, reader.u8("response param2"));
  const std::size_t count_offset = reader.offset();
  CLLM_ASSIGN_OR_RETURN(resp.block_count, reader.u8("number of blocks"));
  if (resp.block_count == 0) {
    return field_error("number of blocks", count_offset, "zero measurement blocks");
  }
  CLLM_ASSIGN_OR_RETURN(ByteView length_bytes, reader.bytes(3, "measurement record length"));
  resp.record_length = static_cast<std::uint32_t>(length_bytes[0]) |
                       (static_cast<std::uint32_t>(length_bytes[1]) << 8) |
                       (static_cast<std::uint32_t>(length_bytes[2]) << 16);
  const std::size_t record_offset = reader.offset();
  CLLM_ASSIGN_OR_RETURN(ByteView record, reader.bytes(resp.record_length, "measurement record"));
  CLLM_ASSIGN_OR_RETURN(report.blocks, parse_record(record, record_offset, resp.block_count));

  CLLM_TRY(read_array(reader, "responder nonce", report.responder_nonce));
  const std::size_t opaque_length_offset = reader.offset();
  CLLM_ASSIGN_OR_RETURN(report.opaque_length, reader.u16le("opaque length"));
  if (report.opaque_length == 0) {
    return field_error("opaque length", opaque_length_offset, "empty opaque data");
  }
  const std::size_t opaque_offset = reader.offset();
  CLLM_ASSIGN_OR_RETURN(ByteView opaque, reader.bytes(report.opaque_length, "opaque data"));
  auto parsed = OpaqueData::parse(opaque, kind);
  if (!parsed.ok()) {
    return std::move(parsed).error().context("SPDM report opaque data at offset " +
                                             std::to_string(opaque_offset));
  }
  report.opaque = std::move(parsed).value();

  CLLM_TRY(read_array(reader, "signature", report.signature));
  if (!reader.at_end()) {
    return field_error("end of report", reader.offset(),
                       std::to_string(reader.remaining()) + " trailing bytes");
  }
  report.raw.assign(raw.begin(), raw.end());
  return report;
}

}  // namespace cllm::gpu
