// The CCEL table and TCG2 crypto-agile boot log: the real go-tdx-guest COS-113 vector
// (replay must reproduce the quote's RTMR0..2, PROVENANCE.md), and hand-built logs for each
// malformed field.
#include "cllm/tdx/ccel.hpp"

#include <gtest/gtest.h>

#include <string>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/tdx/quote.hpp"
#include "support/test_paths.hpp"

namespace cllm::tdx {
namespace {

constexpr const char* kDir = "testdata/tdx/go-tdx-guest/";

// --- a little-endian writer for hand-built logs ---

void put_u16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
void put_u32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put(Bytes& out, ByteView b) {
  out.insert(out.end(), b.begin(), b.end());
}

struct Alg {
  std::uint16_t id;
  std::uint16_t size;
};

// The header record: SHA-1 format TCG_PCClientPCREvent carrying "Spec ID Event03".
Bytes spec_id_header(const std::vector<Alg>& algs, std::uint32_t type = kEvNoAction,
                     std::string_view signature = std::string_view("Spec ID Event03\0", 16)) {
  Bytes data;
  put(data, as_bytes(signature));
  put_u32(data, 0);   // platformClass
  data.push_back(0);  // specVersionMinor
  data.push_back(2);  // specVersionMajor
  data.push_back(0);  // specErrata
  data.push_back(2);  // uintnSize
  put_u32(data, static_cast<std::uint32_t>(algs.size()));
  for (const auto& a : algs) {
    put_u16(data, a.id);
    put_u16(data, a.size);
  }
  data.push_back(0);  // vendorInfoSize
  Bytes out;
  put_u32(out, 0);
  put_u32(out, type);
  out.resize(out.size() + 20, 0);
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  put(out, data);
  return out;
}

struct Digest {
  std::uint16_t alg;
  Bytes value;
};

Bytes event_record(std::uint32_t pcr, std::uint32_t type, const std::vector<Digest>& digests,
                   ByteView data) {
  Bytes out;
  put_u32(out, pcr);
  put_u32(out, type);
  put_u32(out, static_cast<std::uint32_t>(digests.size()));
  for (const auto& d : digests) {
    put_u16(out, d.alg);
    put(out, d.value);
  }
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  put(out, data);
  return out;
}

Bytes filled(std::size_t n, std::uint8_t v) {
  return Bytes(n, v);
}

const std::vector<Alg> kSha384Only = {{kTpmAlgSha384, 48}};

Measurement expected_extend(const Measurement& mr, ByteView digest48) {
  // Independent of extend_measurement: hash the explicit 96-byte concatenation.
  auto h = crypto::sha384(concat({ByteView(mr), digest48}));
  EXPECT_TRUE(h.ok());
  Measurement out{};
  std::copy(h->begin(), h->end(), out.begin());
  return out;
}

// --- the ACPI table ---

TEST(CcelTable, ParsesRealTable) {
  CLLM_REQUIRE_SHARED_FILE(path, std::string(kDir) + "ccel_ccel_table.dat");
  auto bytes = read_file(path);
  ASSERT_TRUE(bytes.ok());
  auto table = parse_ccel_table(*bytes);
  ASSERT_TRUE(table.ok()) << table.error().message();
  EXPECT_EQ(table->revision, 1);
  EXPECT_TRUE(table->is_tdx());
  EXPECT_EQ(table->cc_subtype, 0);
  EXPECT_EQ(to_string(table->oem_id), "INTEL ");
  EXPECT_EQ(to_string(table->oem_table_id), "EDK2    ");
  EXPECT_EQ(table->log_area_minimum_length, 0x40000u);
  EXPECT_EQ(table->log_area_start_address, 0xBEDBF000u);
  // The log area file is exactly LAML bytes.
  if (auto log_path = test::shared_file(std::string(kDir) + "ccel_data.dat")) {
    auto log = read_file(*log_path);
    ASSERT_TRUE(log.ok());
    EXPECT_EQ(log->size(), table->log_area_minimum_length);
  }
}

TEST(CcelTable, RejectsBadSignatureChecksumAndLength) {
  CLLM_REQUIRE_SHARED_FILE(path, std::string(kDir) + "ccel_ccel_table.dat");
  auto good = read_file(path);
  ASSERT_TRUE(good.ok());

  Bytes bad_sig = *good;
  bad_sig[0] = 'X';
  auto r1 = parse_ccel_table(bad_sig);
  ASSERT_FALSE(r1.ok());
  EXPECT_NE(r1.error().message().find("signature"), std::string::npos);

  Bytes bad_sum = *good;
  bad_sum[48] ^= 0x01;  // LASA changes, checksum no longer zero
  auto r2 = parse_ccel_table(bad_sum);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.error().message().find("checksum"), std::string::npos);

  Bytes truncated(good->begin(), good->begin() + 40);
  auto r3 = parse_ccel_table(truncated);
  ASSERT_FALSE(r3.ok());
  EXPECT_NE(r3.error().message().find("Length"), std::string::npos);

  Bytes short_length = *good;
  short_length[4] = 40;  // declared shorter than the fixed fields
  EXPECT_FALSE(parse_ccel_table(short_length).ok());
  EXPECT_FALSE(parse_ccel_table(Bytes{}).ok());

  Bytes padded = *good;  // bytes after the table's own length are ignored
  padded.resize(padded.size() + 16, 0xAB);
  EXPECT_TRUE(parse_ccel_table(padded).ok());
}

// --- the real log ---

struct RealVector {
  Bytes log;
  Quote quote;
};

std::optional<RealVector> load_real(std::string& skip_reason) {
  auto log_path = test::shared_file(std::string(kDir) + "ccel_data.dat");
  auto quote_path = test::shared_file(std::string(kDir) + "ccel_cos-113-tdx-quote.dat");
  if (!log_path || !quote_path) {
    skip_reason = "SKIPPED LOUDLY: shared test data missing under " + test::shared_dir() + "/" +
                  kDir + " (set CLLM_SHARED_DIR)";
    return std::nullopt;
  }
  auto log = read_file(*log_path);
  auto quote_bytes = read_file(*quote_path);
  EXPECT_TRUE(log.ok() && quote_bytes.ok());
  if (!log.ok() || !quote_bytes.ok()) return std::nullopt;
  auto quote = parse_quote(*quote_bytes);
  EXPECT_TRUE(quote.ok()) << quote.error().message();
  if (!quote.ok() || quote->td_report() == nullptr) return std::nullopt;
  return RealVector{std::move(log).value(), std::move(quote).value()};
}

#define LOAD_REAL_OR_SKIP(var)                             \
  std::string skip_reason_;                                \
  auto var = load_real(skip_reason_);                      \
  if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_; \
  ASSERT_TRUE(var.has_value())

TEST(CcelEventLog, RealLogReplaysToQuoteRtmrs) {
  LOAD_REAL_OR_SKIP(real);
  auto log = parse_ccel_event_log(real->log);
  ASSERT_TRUE(log.ok()) << log.error().message();

  ASSERT_EQ(log->spec_id.algorithms.size(), 1u);
  EXPECT_EQ(log->spec_id.algorithms[0].algorithm_id, kTpmAlgSha384);
  EXPECT_EQ(log->spec_id.algorithms[0].digest_size, 48);
  EXPECT_EQ(log->spec_id.spec_version_major, 2);
  EXPECT_EQ(log->end_offset, 18101u);  // PROVENANCE / expected.json: the log ends there
  std::size_t extending = 0;
  for (const auto& e : log->events)
    extending += e.extends_rtmr() ? 1 : 0;
  EXPECT_EQ(extending, 43u);                               // dcap-tdx.md §4.3
  EXPECT_EQ(log->events.front().event_type, 0x8000000Bu);  // EV_EFI_HANDOFF_TABLES2 (TdxTable)
  EXPECT_EQ(log->events.front().rtmr(), 0u);

  auto rtmrs = log->replay();
  ASSERT_TRUE(rtmrs.ok()) << rtmrs.error().message();
  const TdReport& report = *real->quote.td_report();
  EXPECT_EQ(to_hex((*rtmrs)[0]), to_hex(report.rtmr[0]));
  EXPECT_EQ(to_hex((*rtmrs)[1]), to_hex(report.rtmr[1]));
  EXPECT_EQ(to_hex((*rtmrs)[2]), to_hex(report.rtmr[2]));
  EXPECT_EQ((*rtmrs)[3], Measurement{});
  EXPECT_EQ(report.rtmr[3], Measurement{});

  // Cross-check against the raw v4 offsets (dcap-tdx.md §1.2: rtmr0 at 376, 48 bytes each),
  // independent of parse_quote.
  for (std::size_t i = 0; i < 3; ++i) {
    ByteView raw = ByteView(real->quote.raw).subspan(376 + 48 * i, 48);
    EXPECT_EQ(to_hex((*rtmrs)[i]), to_hex(raw)) << "RTMR" << i;
  }
}

TEST(CcelEventLog, RealLogPaddingAndTruncation) {
  LOAD_REAL_OR_SKIP(real);
  auto full = parse_ccel_event_log(real->log);
  ASSERT_TRUE(full.ok());

  // Exactly the records, then records followed by zeros: the same log.
  Bytes exact(real->log.begin(), real->log.begin() + static_cast<std::ptrdiff_t>(full->end_offset));
  auto a = parse_ccel_event_log(exact);
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_EQ(a->events.size(), full->events.size());
  Bytes zero_padded = exact;
  zero_padded.resize(exact.size() + 4096, 0x00);
  auto b = parse_ccel_event_log(zero_padded);
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_EQ(b->events.size(), full->events.size());
  EXPECT_EQ(b->end_offset, full->end_offset);

  // A cut inside a record is an error naming the event and field; a cut between records
  // is a shorter (valid) log whose replay no longer matches.
  Bytes cut(exact.begin(), exact.end() - 10);
  auto c = parse_ccel_event_log(cut);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("CCEL event"), std::string::npos) << c.error().message();
  EXPECT_NE(c.error().message().find("truncated"), std::string::npos) << c.error().message();
  for (std::size_t n = 0; n < 4096 && n < exact.size(); n += 7) {
    (void)parse_ccel_event_log(ByteView(exact).first(n));  // never crashes
  }
}

TEST(CcelEventLog, JsonAndRuntimeEntries) {
  LOAD_REAL_OR_SKIP(real);
  auto log = parse_ccel_event_log(real->log);
  ASSERT_TRUE(log.ok());

  Json j = log->to_json();
  ASSERT_EQ(j["events"].size(), log->events.size());
  const Json& first = j["events"][0];
  EXPECT_EQ(first["pcr_index"], 1);
  EXPECT_EQ(first["rtmr"], 0);
  EXPECT_EQ(first["event_type_name"], "EV_EFI_HANDOFF_TABLES2");
  EXPECT_EQ(first["digests"][0]["algorithm"], "sha384");
  EXPECT_EQ(first["digests"][0]["digest"], to_hex(*log->events[0].sha384()));
  EXPECT_EQ(first["event_data"], to_hex(log->events[0].event_data));
  EXPECT_EQ(j["spec_id"]["algorithms"][0]["algorithm_id"], kTpmAlgSha384);

  auto stripped = log->to_runtime_events(false);
  ASSERT_TRUE(stripped.ok());
  EXPECT_EQ(stripped->size(), 43u);
  for (const auto& e : *stripped) {
    EXPECT_LE(e.imr, 2u);
    EXPECT_EQ(e.digest.size(), 48u);
    EXPECT_TRUE(e.event.empty());
    EXPECT_TRUE(e.event_payload.empty());
  }
  auto kept = log->to_runtime_events(true);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ((*kept)[0].event_payload, log->events[0].event_data);

  // The combined log (boot entries + runtime events) replays to the quote's RTMR0..2 and the
  // runtime RTMR3, and survives a JSON round trip.
  RuntimeEventLog runtime;
  ASSERT_TRUE(runtime.append("app-id", Bytes(20, 0x11)).ok());
  ASSERT_TRUE(runtime.append("system-ready", {}).ok());
  auto combined = combined_event_log(*log, runtime, false);
  ASSERT_TRUE(combined.ok()) << combined.error().message();
  EXPECT_EQ(combined->events().size(), 45u);
  const TdReport& report = *real->quote.td_report();
  for (std::uint32_t i = 0; i < 3; ++i)
    EXPECT_EQ(combined->replay(i), report.rtmr[i]) << "RTMR" << i;
  EXPECT_EQ(combined->replay(3), runtime.replay(3));

  auto reparsed = RuntimeEventLog::parse(combined->to_json().dump());
  ASSERT_TRUE(reparsed.ok()) << reparsed.error().message();
  for (std::uint32_t i = 0; i < 4; ++i)
    EXPECT_EQ(reparsed->replay(i), combined->replay(i));
}

// --- hand-built logs ---

TEST(CcelEventLog, SyntheticReplayUsesSha384AndSkipsNoActionAndMrtd) {
  const std::vector<Alg> algs = {{kTpmAlgSha256, 32}, {kTpmAlgSha384, 48}};
  const Bytes d1 = filled(48, 0x01), d2 = filled(48, 0x02), d3 = filled(48, 0x03);
  Bytes log = spec_id_header(algs);
  put(log, event_record(1, 0x80000007, {{kTpmAlgSha256, filled(32, 0xEE)}, {kTpmAlgSha384, d1}},
                        as_bytes("a")));
  put(log, event_record(0, kEvNoAction, {}, as_bytes("StartupLocality")));   // not extended
  put(log, event_record(0, 0x0D, {{kTpmAlgSha384, filled(48, 0x99)}}, {}));  // MRTD: not ours
  put(log, event_record(3, 0x0D, {{kTpmAlgSha384, d2}}, as_bytes("cmdline")));
  put(log, event_record(1, 0x04, {{kTpmAlgSha384, d3}}, filled(4, 0)));
  log.resize(log.size() + 100, 0xFF);

  auto parsed = parse_ccel_event_log(log);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  ASSERT_EQ(parsed->events.size(), 5u);
  EXPECT_FALSE(parsed->events[1].extends_rtmr());
  EXPECT_FALSE(parsed->events[2].extends_rtmr());
  EXPECT_EQ(parsed->events[0].digests.size(), 2u);  // SHA-256 kept, not replayed
  EXPECT_EQ(parsed->events[0].digests[0].algorithm_id, kTpmAlgSha256);

  auto rtmrs = parsed->replay();
  ASSERT_TRUE(rtmrs.ok());
  const Measurement zero{};
  EXPECT_EQ((*rtmrs)[0], expected_extend(expected_extend(zero, d1), d3));
  EXPECT_EQ((*rtmrs)[1], zero);
  EXPECT_EQ((*rtmrs)[2], expected_extend(zero, d2));
  EXPECT_EQ((*rtmrs)[3], zero);

  auto entries = parsed->to_runtime_events(true);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[1].imr, 2u);
  EXPECT_EQ((*entries)[1].event_payload, to_bytes("cmdline"));
}

TEST(CcelEventLog, ExtendingEventWithoutSha384FailsReplay) {
  const std::vector<Alg> algs = {{kTpmAlgSha256, 32}, {kTpmAlgSha384, 48}};
  Bytes log = spec_id_header(algs);
  put(log, event_record(2, 0x80000003, {{kTpmAlgSha256, filled(32, 1)}}, {}));
  auto parsed = parse_ccel_event_log(log);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  auto rtmrs = parsed->replay();
  ASSERT_FALSE(rtmrs.ok());
  EXPECT_NE(rtmrs.error().message().find("no SHA-384"), std::string::npos);
  EXPECT_FALSE(parsed->to_runtime_events(false).ok());
}

void expect_parse_error(const Bytes& log, std::string_view needle) {
  auto parsed = parse_ccel_event_log(log);
  ASSERT_FALSE(parsed.ok()) << "expected an error containing: " << needle;
  EXPECT_NE(parsed.error().message().find(needle), std::string::npos) << parsed.error().message();
}

TEST(CcelEventLog, RejectsMalformedHeader) {
  expect_parse_error(spec_id_header(kSha384Only, 0x0D), "not EV_NO_ACTION");
  expect_parse_error(
      spec_id_header(kSha384Only, kEvNoAction, std::string_view("Spec ID Event02\0", 16)),
      "signature");
  expect_parse_error(spec_id_header({}), "numberOfAlgorithms 0");
  std::vector<Alg> many(kMaxSpecIdAlgorithms + 1, Alg{0x7777, 16});
  expect_parse_error(spec_id_header(many), "numberOfAlgorithms");
  expect_parse_error(spec_id_header({{kTpmAlgSha384, 32}}), "is wrong for algorithm 12");
  expect_parse_error(spec_id_header({{0x7777, 65}}), "digestSize 65");
  expect_parse_error(spec_id_header({{kTpmAlgSha384, 48}, {kTpmAlgSha384, 48}}), "twice");
  expect_parse_error(spec_id_header({{kTpmAlgSha256, 32}}), "does not list SHA-384");
  expect_parse_error(Bytes{}, "truncated");

  Bytes extra = spec_id_header(kSha384Only);  // a byte after vendorInfo inside the event
  extra[28] = static_cast<std::uint8_t>(extra[28] + 1);
  extra.push_back(0);
  expect_parse_error(extra, "after vendorInfo");
}

TEST(CcelEventLog, RejectsMalformedEvents) {
  const Bytes header = spec_id_header(kSha384Only);
  const Bytes d = filled(48, 7);
  auto with = [&](const Bytes& record) { return concat({header, record}); };

  expect_parse_error(with(event_record(5, 0x0D, {{kTpmAlgSha384, d}}, {})), "PCRIndex 5");
  expect_parse_error(with(event_record(1, 0x0D, {{kTpmAlgSha384, d}, {kTpmAlgSha384, d}}, {})),
                     "digests.count 2");
  expect_parse_error(with(event_record(1, 0x0D, {{kTpmAlgSha256, filled(32, 1)}}, {})),
                     "not in the Spec ID event");

  Bytes huge = event_record(1, 0x0D, {{kTpmAlgSha384, d}}, {});
  huge.resize(huge.size() - 4);
  put_u32(huge, static_cast<std::uint32_t>(kMaxCcelEventDataSize + 1));
  expect_parse_error(with(huge), "EventSize");

  Bytes overlong = event_record(1, 0x0D, {{kTpmAlgSha384, d}}, as_bytes("abc"));
  overlong.resize(overlong.size() - 3 - 4);
  put_u32(overlong, 1000);  // claims more than is there
  put(overlong, as_bytes("abc"));
  expect_parse_error(with(overlong), "truncated");

  const std::vector<Alg> two = {{kTpmAlgSha256, 32}, {kTpmAlgSha384, 48}};
  expect_parse_error(concat({spec_id_header(two),
                             event_record(1, 0x0D, {{kTpmAlgSha384, d}, {kTpmAlgSha384, d}}, {})}),
                     "appears twice");

  // The error names the event index and its offset.
  Bytes second_bad = concat({header, event_record(1, 0x0D, {{kTpmAlgSha384, d}}, {}),
                             event_record(9, 0x0D, {{kTpmAlgSha384, d}}, {})});
  expect_parse_error(second_bad, "CCEL event 1 at offset " + std::to_string(header.size() + 66));
}

TEST(CcelEventLog, BoundsEventCountAndLogSize) {
  Bytes log = spec_id_header(kSha384Only);
  const Bytes minimal = event_record(1, 0x0D, {}, {});  // 16 bytes, no digest
  for (std::size_t i = 0; i <= kMaxCcelEvents; ++i)
    put(log, minimal);
  auto parsed = parse_ccel_event_log(log);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code(), ErrorCode::kLimit);

  Bytes too_big(kMaxCcelLogSize + 1, 0);
  auto big = parse_ccel_event_log(too_big);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code(), ErrorCode::kLimit);
}

TEST(CcelEventLog, NamesKnownTypesAndAlgorithms) {
  EXPECT_EQ(tcg_event_type_name(kEvNoAction), "EV_NO_ACTION");
  EXPECT_EQ(tcg_event_type_name(0x80000007), "EV_EFI_ACTION");
  EXPECT_EQ(tcg_event_type_name(0x12345678), "");
  EXPECT_EQ(tcg_algorithm_name(kTpmAlgSha384), "sha384");
  EXPECT_EQ(tcg_algorithm_name(0x7777), "");
}

}  // namespace
}  // namespace cllm::tdx
