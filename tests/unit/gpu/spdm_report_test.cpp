// parse_spdm_report on synthetic reports built field by field: the happy path, a truncation
// at every byte (each error names the field being read), and each class of malformed input.
// Real reports are covered by expected_results_test.cpp. Also decode_report_file.
#include "cllm/gpu/spdm_report.hpp"

#include <gtest/gtest.h>

#include <string>

#include "cllm/common/hex.hpp"
#include "cllm/gpu/report_encoding.hpp"

namespace cllm::gpu {
namespace {

void put_u16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}

Bytes tlv(std::uint16_t type, const Bytes& value) {
  Bytes out;
  put_u16(out, type);
  put_u16(out, static_cast<std::uint16_t>(value.size()));
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

Bytes block(std::uint8_t index, std::uint8_t fill, std::uint8_t spec = 0x01) {
  Bytes out{index, spec};
  put_u16(out, 51);
  out.push_back(0x01);
  put_u16(out, 48);
  out.insert(out.end(), 48, fill);
  return out;
}

// The parts of a report, so each test can spoil one.
struct Parts {
  Bytes request;
  Bytes header;  // version, code, param1, param2, count
  Bytes record;
  Bytes responder_nonce = Bytes(32, 0xCD);
  Bytes opaque;
  Bytes signature = Bytes(96, 0x5A);
  Bytes trailing;

  Parts() {
    request = {0x11, 0xE0, 0x01, 0xFF};
    for (int i = 0; i < 32; ++i)
      request.push_back(static_cast<std::uint8_t>(i));
    request.push_back(0x00);
    header = {0x11, 0x60, 0x00, 0x00, 2};
    record = block(1, 0xA1);
    const Bytes second = block(2, 0xB2);
    record.insert(record.end(), second.begin(), second.end());
    const Bytes driver =
        tlv(kOpaqueDriverVersion, {'5', '5', '0', '.', '9', '0', '.', '0', '7', 0});
    const Bytes vbios = tlv(kOpaqueVbiosVersion, {0x00, 0x9f, 0x00, 0x96, 0x01, 0x00, 0x00, 0x00});
    opaque = driver;
    opaque.insert(opaque.end(), vbios.begin(), vbios.end());
  }

  Bytes build() const {
    Bytes out = request;
    out.insert(out.end(), header.begin(), header.end());
    const auto n = static_cast<std::uint32_t>(record.size());
    out.push_back(static_cast<std::uint8_t>(n));
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n >> 16));
    out.insert(out.end(), record.begin(), record.end());
    out.insert(out.end(), responder_nonce.begin(), responder_nonce.end());
    put_u16(out, static_cast<std::uint16_t>(opaque.size()));
    out.insert(out.end(), opaque.begin(), opaque.end());
    out.insert(out.end(), signature.begin(), signature.end());
    out.insert(out.end(), trailing.begin(), trailing.end());
    return out;
  }
};

// The parse fails with kParse (unless told otherwise) and the message names `field`.
void expect_rejected(const Bytes& raw, const std::string& field,
                     ErrorCode code = ErrorCode::kParse) {
  auto r = parse_spdm_report(raw, DeviceKind::kGpu);
  ASSERT_FALSE(r.ok()) << "accepted; expected an error naming " << field;
  EXPECT_EQ(r.error().code(), code) << r.error().message();
  EXPECT_NE(r.error().message().find(field), std::string::npos)
      << "error '" << r.error().message() << "' does not name '" << field << "'";
}

TEST(SpdmReport, ParsesEveryField) {
  const Parts parts;
  const Bytes raw = parts.build();
  auto r = parse_spdm_report(raw, DeviceKind::kGpu);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->raw, raw);
  EXPECT_EQ(r->request.param1, 0x01);
  EXPECT_EQ(r->request.param2, 0xFF);
  EXPECT_EQ(r->request.nonce[31], 31);
  EXPECT_EQ(r->request.slot, 0);
  EXPECT_EQ(r->response.block_count, 2);
  EXPECT_EQ(r->response.record_length, 110U);
  ASSERT_EQ(r->blocks.size(), 2U);
  EXPECT_EQ(r->blocks[1].index, 2);
  EXPECT_EQ(r->blocks[1].value, Bytes(48, 0xB2));
  ASSERT_NE(r->block(1), nullptr);
  EXPECT_EQ(r->block(1)->value, Bytes(48, 0xA1));
  EXPECT_EQ(r->block(3), nullptr);
  EXPECT_EQ(r->responder_nonce[0], 0xCD);
  EXPECT_EQ(r->opaque_length, parts.opaque.size());
  EXPECT_EQ(r->opaque.driver_version(), "550.90.07");
  EXPECT_EQ(r->opaque.vbios_version(), "96.00.9F.00.01");
  EXPECT_EQ(r->signature[95], 0x5A);
  EXPECT_EQ(r->signed_span().size(), raw.size() - 96);
  EXPECT_TRUE(std::equal(r->signed_span().begin(), r->signed_span().end(), raw.begin()));
}

TEST(SpdmReport, EveryTruncationNamesTheFieldBeingRead) {
  const Parts parts;
  const Bytes raw = parts.build();
  // Field owning each byte, in wire order.
  std::vector<std::pair<std::size_t, std::string>> layout = {
      {1, "request version"},
      {1, "request code"},
      {1, "request param1"},
      {1, "request param2"},
      {32, "request nonce"},
      {1, "request slot"},
      {1, "response version"},
      {1, "response code"},
      {1, "response param1"},
      {1, "response param2"},
      {1, "number of blocks"},
      {3, "measurement record length"},
      {parts.record.size(), "measurement record"},
      {32, "responder nonce"},
      {2, "opaque length"},
      {parts.opaque.size(), "opaque data"},
      {96, "signature"}};
  std::size_t offset = 0;
  for (const auto& [size, field] : layout) {
    for (std::size_t i = 0; i < size; ++i) {
      SCOPED_TRACE("truncated to " + std::to_string(offset + i) + " bytes");
      expect_rejected(Bytes(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(offset + i)),
                      "'" + field + "'");
    }
    offset += size;
  }
  EXPECT_EQ(offset, raw.size());
}

TEST(SpdmReport, RejectsWrongVersionsAndCodes) {
  for (auto [index, field] :
       {std::pair<std::size_t, const char*>{0, "request version"}, {1, "request code"}}) {
    Parts p;
    p.request[index] ^= 0x01;
    expect_rejected(p.build(), field);
  }
  for (auto [index, field] :
       {std::pair<std::size_t, const char*>{0, "response version"}, {1, "response code"}}) {
    Parts p;
    p.header[index] ^= 0x01;
    expect_rejected(p.build(), field);
  }
}

TEST(SpdmReport, RejectsZeroBlocks) {
  Parts p;
  p.header[4] = 0;
  p.record.clear();
  expect_rejected(p.build(), "number of blocks");
}

TEST(SpdmReport, RejectsANonDmtfSpecificationByte) {
  Parts p;
  p.record[1 + 55] = 0x02;  // second block's specification
  expect_rejected(p.build(), "measurement block 1 specification");
}

TEST(SpdmReport, RejectsBlockSizesThatDisagree) {
  Parts p;
  p.record[5] = 47;  // first block's value size (block size says 51 = 3 + 48)
  expect_rejected(p.build(), "measurement block 0 value size");
}

TEST(SpdmReport, RejectsARecordThatDoesNotHoldExactlyTheBlocks) {
  Parts more;
  more.header[4] = 3;  // claims three blocks, record holds two
  expect_rejected(more.build(), "measurement block 2 index");
  Parts fewer;
  fewer.header[4] = 1;  // claims one block, record holds two
  expect_rejected(fewer.build(), "measurement record length");
}

TEST(SpdmReport, RejectsIndexZeroAndRepeatedIndices) {
  Parts zero;
  zero.record[0] = 0;
  expect_rejected(zero.build(), "measurement block 0 index");
  Parts repeated;
  repeated.record[55] = 1;  // second block also index 1
  expect_rejected(repeated.build(), "measurement block 1 index");
}

TEST(SpdmReport, RejectsTrailingBytes) {
  Parts p;
  p.trailing = {0x00};
  expect_rejected(p.build(), "end of report");
}

TEST(SpdmReport, RejectsEmptyOpaqueData) {
  Parts p;
  p.opaque.clear();
  expect_rejected(p.build(), "opaque length");
}

TEST(SpdmReport, RefusesVersionedOpaqueData) {
  Parts p;
  p.opaque = {'N', 'V', 'D', 'A', 'O', 'D', 0, 0, 2, 0, 0, 0};
  expect_rejected(p.build(), "versioned opaque data (NVDAOD) is not supported yet",
                  ErrorCode::kUnsupported);
}

TEST(SpdmReport, RejectsMalformedOpaqueFields) {
  struct Case {
    Bytes opaque;
    const char* field;
  };
  const Case cases[] = {
      {tlv(kOpaqueFwid, Bytes(47, 1)), "FWID"},
      {tlv(kOpaqueMsrscnt, Bytes(6, 1)), "MSRSCNT"},
      {tlv(kOpaqueSwitchPdi, Bytes(12, 1)), "SWITCH_PDI"},
      {tlv(kOpaqueVbiosVersion, Bytes(7, 1)), "VBIOS_VERSION"},
      {tlv(kOpaqueNvdec0Status, Bytes(2, 0x55)), "NVDEC0_STATUS"},
      {tlv(kOpaqueFeatureFlag, Bytes(3, 0)), "FEATURE_FLAG"},
      {tlv(kOpaqueProject, {'G', 0x01}), "PROJECT"},
      {Bytes{0x03, 0x00, 0x09, 0x00, '5', '5'}, "opaque data value of DRIVER_VERSION"},
      {Bytes{0x03, 0x00, 0x09}, "opaque data length"},
      {Bytes{0x03}, "opaque data type"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    Parts p;
    p.opaque = c.opaque;
    expect_rejected(p.build(), c.field);
  }
}

TEST(SpdmReport, RejectsOversizedInput) {
  expect_rejected(Bytes(kMaxReportSize + 1, 0x11), "exceeds", ErrorCode::kLimit);
}

TEST(ReportEncoding, DecodesHexInEitherCaseAndRawBytes) {
  const Bytes raw = Parts().build();
  const std::string lower = to_hex(raw);
  std::string upper = lower;
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& text : {lower, upper, lower + "\n", upper + "\r\n"}) {
    auto decoded = decode_report_file(as_bytes(text));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message();
    EXPECT_EQ(*decoded, raw);
  }
  auto binary = decode_report_file(raw);
  ASSERT_TRUE(binary.ok());
  EXPECT_EQ(*binary, raw);
}

TEST(ReportEncoding, RejectsEmptyOddAndOversizedFiles) {
  EXPECT_EQ(decode_report_file(as_bytes("")).error().code(), ErrorCode::kParse);
  EXPECT_EQ(decode_report_file(as_bytes("\n")).error().code(), ErrorCode::kParse);
  auto odd = decode_report_file(as_bytes("11e"));
  ASSERT_FALSE(odd.ok());
  EXPECT_NE(odd.error().message().find("odd number of hex digits"), std::string::npos);
  const std::string big_hex((kMaxReportSize + 1) * 2, 'a');
  EXPECT_EQ(decode_report_file(as_bytes(big_hex)).error().code(), ErrorCode::kLimit);
  const Bytes big_raw(kMaxReportSize + 1, 0x11);
  EXPECT_EQ(decode_report_file(big_raw).error().code(), ErrorCode::kLimit);
  const std::string at_limit(kMaxReportSize * 2, 'a');
  EXPECT_TRUE(decode_report_file(as_bytes(at_limit)).ok());
}

}  // namespace
}  // namespace cllm::gpu
