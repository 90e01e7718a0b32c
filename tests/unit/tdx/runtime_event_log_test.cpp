// dstack's runtime event log (dstack-phala.md §2.4): digest rule, replay, JSON round trip,
// and rejection of every malformed field. Expected digests are computed independently
// (explicit byte concatenation through crypto::sha384, or pasted openssl output).
#include "cllm/tdx/runtime_event_log.hpp"

#include <gtest/gtest.h>

#include <string>

#include "cllm/common/hex.hpp"
#include "cllm/crypto/hash.hpp"
#include "support/vectors.hpp"

namespace cllm::tdx {
namespace {

// printf '\x01\x00\x00\x08:system-ready:' | openssl dgst -sha384
constexpr std::string_view kSystemReadyDigest =
    "1a76b2a80a0be71eae59f80945d876351a7a3fb8e9fd1ff1cede5734aa84ea11fd72b4edfbb6f04e5a85edd114c7"
    "51bd";
// printf '\x01\x00\x00\x08:app-id:\xde\xad\xbe\xef' | openssl dgst -sha384
constexpr std::string_view kAppIdDigest =
    "67b4be4efed0893cfa2bb1d35dca209ad8348b4c97f980807bcde8b9a0f26398dd0923d6eccb5aa2096d98046da8"
    "740f";
// (head -c 48 /dev/zero; printf '\x01\x00\x00\x08:system-ready:' | openssl dgst -sha384 -binary)
//   | openssl dgst -sha384
constexpr std::string_view kRtmr3AfterSystemReady =
    "83968406b478abf002ba6bfeb2bcbf6cad31d8eca408a11804b0da8003c64bab39a843bb50d124ba34336b22d7a4"
    "c97c";
// (head -c 48 /dev/zero; printf '\xaa\xbb'; head -c 46 /dev/zero) | openssl dgst -sha384
constexpr std::string_view kExtendShortDigestAabb =
    "4ad72ae2537775067eaa0f7148de0cf10ab7cdd3d80f0fbc751c772fc760c10ee7af388b3bf79ce8ab43b6e9c8fd"
    "163a";
// printf '{"name":"app-id","payload":"deadbeef","type":134217729}' | openssl dgst -sha384
constexpr std::string_view kAppIdDigestV2 =
    "baf3bcd15a9ffbd5d96a054080db0d029d44a88cdb7ea9f9ca5953bf7a1d8d91f9a16c6de05de1034f41295e8cec"
    "53dc";

Bytes sha384_of(ByteView data) {
  auto h = crypto::sha384(data);
  EXPECT_TRUE(h.ok());
  return h.ok() ? *h : Bytes{};
}

std::string entry(std::uint32_t imr, std::uint32_t type, std::string_view digest_hex,
                  std::string_view name, std::string_view payload_hex) {
  return "{\"imr\":" + std::to_string(imr) + ",\"event_type\":" + std::to_string(type) +
         ",\"digest\":\"" + std::string(digest_hex) + "\",\"event\":\"" + std::string(name) +
         "\",\"event_payload\":\"" + std::string(payload_hex) + "\"}";
}

void expect_error(std::string_view json, std::string_view needle) {
  auto log = RuntimeEventLog::parse(json);
  ASSERT_FALSE(log.ok()) << "expected an error containing: " << needle;
  EXPECT_NE(log.error().message().find(needle), std::string::npos) << log.error().message();
}

TEST(RuntimeEventLogDigest, MatchesOpensslAndExplicitConcatenation) {
  EXPECT_EQ(to_hex(runtime_event_digest(kDstackRuntimeEventType, "system-ready", {})),
            kSystemReadyDigest);
  const Bytes payload = test::unhex("deadbeef");
  EXPECT_EQ(to_hex(runtime_event_digest(kDstackRuntimeEventType, "app-id", payload)), kAppIdDigest);

  // The rule spelled out: le_u32(0x08000001) ':' name ':' payload.
  const Bytes compose = Bytes(32, 0x5A);
  const Bytes preimage = concat({test::unhex("01000008"), as_bytes(":compose-hash:"), compose});
  EXPECT_EQ(to_hex(runtime_event_digest(kDstackRuntimeEventType, "compose-hash", compose)),
            to_hex(sha384_of(preimage)));
  // Another type changes the prefix.
  const Bytes other = concat({test::unhex("78563412"), as_bytes(":x:"), test::unhex("00")});
  EXPECT_EQ(to_hex(runtime_event_digest(0x12345678, "x", test::unhex("00"))),
            to_hex(sha384_of(other)));
}

TEST(RuntimeEventLogDigest, V2IsSha384OfJcs) {
  auto d = runtime_event_digest_v2(kDstackRuntimeEventType, "app-id", test::unhex("deadbeef"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(to_hex(*d), kAppIdDigestV2);
  EXPECT_FALSE(runtime_event_digest_v2(kDstackRuntimeEventType, "\xff", {}).ok());
}

TEST(RuntimeEventLogExtend, PadsShortDigestsAndChains) {
  const Measurement zero{};
  EXPECT_EQ(to_hex(extend_measurement(zero, test::unhex("aabb"))), kExtendShortDigestAabb);
  const Bytes d = test::unhex(kSystemReadyDigest);
  EXPECT_EQ(to_hex(extend_measurement(zero, d)), kRtmr3AfterSystemReady);
  const Measurement once = extend_measurement(zero, d);
  EXPECT_EQ(to_hex(extend_measurement(once, d)), to_hex(sha384_of(concat({once, d}))));
}

TEST(RuntimeEventLogAppend, ComputesDigestAndReplays) {
  RuntimeEventLog log;
  auto d1 = log.append("system-ready", {});
  ASSERT_TRUE(d1.ok());
  EXPECT_EQ(to_hex(*d1), kSystemReadyDigest);
  EXPECT_EQ(to_hex(log.replay(3)), kRtmr3AfterSystemReady);
  EXPECT_EQ(log.replay(0), Measurement{});

  auto d2 = log.append("app-id", test::unhex("deadbeef"));
  ASSERT_TRUE(d2.ok());
  ASSERT_EQ(log.events().size(), 2u);
  const RuntimeEvent& e = log.events()[1];
  EXPECT_EQ(e.imr, 3u);
  EXPECT_EQ(e.event_type, kDstackRuntimeEventType);
  EXPECT_EQ(e.event, "app-id");
  EXPECT_EQ(to_hex(e.digest), kAppIdDigest);
  EXPECT_EQ(
      to_hex(log.replay(3)),
      to_hex(sha384_of(concat({test::unhex(kRtmr3AfterSystemReady), test::unhex(kAppIdDigest)}))));
}

TEST(RuntimeEventLogAppend, RejectsBadNamesAndSizes) {
  RuntimeEventLog log;
  EXPECT_FALSE(log.append("", {}).ok());
  EXPECT_FALSE(log.append("a:b", {}).ok());  // would collide with ("a", "b:...")
  EXPECT_FALSE(log.append("\xc3\x28", {}).ok());
  EXPECT_FALSE(log.append(std::string(kMaxRuntimeEventNameSize + 1, 'n'), {}).ok());
  EXPECT_FALSE(log.append("big", Bytes(kMaxRuntimeEventPayloadSize + 1)).ok());
  EXPECT_TRUE(log.events().empty());
  for (std::size_t i = 0; i < kMaxRuntimeEvents; ++i)
    ASSERT_TRUE(log.append("e", {}).ok());
  auto full = log.append("e", {});
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code(), ErrorCode::kLimit);
}

TEST(RuntimeEventLogParse, ParsesArrayAndStringFormsWithExtraFields) {
  const std::string boot = entry(0, 0x80000001, std::string(96, 'a'), "", "");
  const std::string ready =
      entry(3, kDstackRuntimeEventType, kSystemReadyDigest, "system-ready", "");
  const std::string app = "{\"imr\":3,\"event_type\":134217729,\"digest\":\"" +
                          std::string(kAppIdDigest) +
                          "\",\"event\":\"app-id\",\"event_payload\":\"DEADBEEF\",\"preimage\":"
                          "\"ignored\",\"future\":{\"x\":[1]}}";
  const std::string array = "[" + boot + "," + ready + "," + app + "]";

  auto log = RuntimeEventLog::parse(array);
  ASSERT_TRUE(log.ok()) << log.error().message();
  ASSERT_EQ(log->events().size(), 3u);
  EXPECT_EQ(log->events()[0].imr, 0u);
  EXPECT_EQ(log->events()[0].event_type, 0x80000001u);
  EXPECT_EQ(log->events()[2].event_payload, test::unhex("deadbeef"));
  EXPECT_EQ(to_hex(log->replay(0)), to_hex(extend_measurement({}, Bytes(48, 0xAA))));

  // dstack's GetQuote puts the array in a JSON string.
  auto as_string = RuntimeEventLog::parse(Json(array).dump());
  ASSERT_TRUE(as_string.ok()) << as_string.error().message();
  EXPECT_EQ(as_string->replay(3), log->replay(3));
  auto from_json = RuntimeEventLog::from_json(Json(array));
  ASSERT_TRUE(from_json.ok());
  EXPECT_EQ(from_json->events().size(), 3u);

  // Optional name and payload; an empty array.
  auto minimal = RuntimeEventLog::parse("[{\"imr\":1,\"event_type\":4,\"digest\":\"00ff\"}]");
  ASSERT_TRUE(minimal.ok()) << minimal.error().message();
  EXPECT_TRUE(minimal->events()[0].event.empty());
  EXPECT_TRUE(RuntimeEventLog::parse("[]").ok());
}

TEST(RuntimeEventLogParse, StrippedRuntimeEventIsAccepted) {
  // Both name and payload removed: nothing to recompute; bound only through replay.
  auto log =
      RuntimeEventLog::parse("[" + entry(3, kDstackRuntimeEventType, kAppIdDigest, "", "") + "]");
  ASSERT_TRUE(log.ok()) << log.error().message();
}

TEST(RuntimeEventLogParse, Version2Digest) {
  const std::string v2 = "[{\"version\":2,\"imr\":3,\"event_type\":134217729,\"digest\":\"" +
                         std::string(kAppIdDigestV2) +
                         "\",\"event\":\"app-id\",\"event_payload\":\"deadbeef\"}]";
  auto log = RuntimeEventLog::parse(v2);
  ASSERT_TRUE(log.ok()) << log.error().message();
  EXPECT_EQ(log->events()[0].version, 2u);
  auto again = RuntimeEventLog::parse(log->to_json().dump());
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->events()[0].version, 2u);

  // The v1 digest under version 2 (and vice versa) is rejected.
  std::string wrong = v2;
  wrong.replace(wrong.find(kAppIdDigestV2), kAppIdDigestV2.size(), kAppIdDigest);
  expect_error(wrong, "digest does not match");
  expect_error("[{\"version\":3,\"imr\":3,\"event_type\":1,\"digest\":\"00\"}]", "version 3");
}

TEST(RuntimeEventLogParse, RoundTrip) {
  RuntimeEventLog log;
  log.append_raw(RuntimeEvent{1, 0x80000003, Bytes(48, 0x42), "", {}, 1});
  ASSERT_TRUE(log.append("compose-hash", Bytes(32, 0x01)).ok());
  ASSERT_TRUE(log.append("key-provider", as_bytes("{\"name\":\"kms\",\"id\":\"ab\"}")).ok());
  const Json j = log.to_json();
  ASSERT_TRUE(j.is_array());
  EXPECT_EQ(j[1]["event"], "compose-hash");
  EXPECT_EQ(j[1]["event_type"], kDstackRuntimeEventType);
  EXPECT_EQ(j[1]["imr"], 3);
  EXPECT_EQ(j[1]["event_payload"],
            "0101010101010101010101010101010101010101010101010101010101010101");
  EXPECT_FALSE(j[1].contains("version"));

  auto back = RuntimeEventLog::parse(j.dump());
  ASSERT_TRUE(back.ok()) << back.error().message();
  ASSERT_EQ(back->events().size(), log.events().size());
  for (std::size_t i = 0; i < log.events().size(); ++i) {
    EXPECT_EQ(back->events()[i].imr, log.events()[i].imr);
    EXPECT_EQ(back->events()[i].event_type, log.events()[i].event_type);
    EXPECT_EQ(back->events()[i].digest, log.events()[i].digest);
    EXPECT_EQ(back->events()[i].event, log.events()[i].event);
    EXPECT_EQ(back->events()[i].event_payload, log.events()[i].event_payload);
  }
  EXPECT_EQ(back->to_json(), j);
  for (std::uint32_t i = 0; i < 4; ++i)
    EXPECT_EQ(back->replay(i), log.replay(i));
}

TEST(RuntimeEventLogParse, RejectsWrongDigestNamingEvent) {
  const std::string ready =
      entry(3, kDstackRuntimeEventType, kSystemReadyDigest, "system-ready", "");
  const std::string forged = entry(3, kDstackRuntimeEventType, kSystemReadyDigest, "app-id", "");
  expect_error("[" + ready + "," + forged + "]", "event 1 ('app-id'): digest does not match");
  // A changed payload breaks it too.
  expect_error("[" + entry(3, kDstackRuntimeEventType, kAppIdDigest, "app-id", "deadbeee") + "]",
               "event 0 ('app-id')");
  // A v1 runtime event name with ':' is ambiguous and rejected.
  expect_error("[" + entry(3, kDstackRuntimeEventType, kAppIdDigest, "app:id", "") + "]", "':'");
}

TEST(RuntimeEventLogParse, RejectsWrongTypesAndValues) {
  const std::string d(96, 'a');
  expect_error("{}", "expected an array");
  expect_error("\"{}\"", "expected an array");
  expect_error("\"\\\"[]\\\"\"", "expected an array");  // only one level of string wrapping
  expect_error("[1]", "expected an object");
  expect_error("[{\"event_type\":1,\"digest\":\"" + d + "\"}]", "missing field 'imr'");
  expect_error("[{\"imr\":\"3\",\"event_type\":1,\"digest\":\"" + d + "\"}]", "imr");
  expect_error("[{\"imr\":3.5,\"event_type\":1,\"digest\":\"" + d + "\"}]", "imr");
  expect_error("[{\"imr\":true,\"event_type\":1,\"digest\":\"" + d + "\"}]", "imr");
  expect_error("[" + entry(4, 1, d, "", "") + "]", "'imr' = 4");
  expect_error("[{\"imr\":-1,\"event_type\":1,\"digest\":\"" + d + "\"}]", "'imr' = -1");
  expect_error("[{\"imr\":0,\"event_type\":4294967296,\"digest\":\"" + d + "\"}]", "event_type");
  expect_error("[{\"imr\":0,\"event_type\":-1,\"digest\":\"" + d + "\"}]", "event_type");
  expect_error("[{\"imr\":0,\"event_type\":1,\"digest\":7}]", "digest");
  expect_error("[" + entry(0, 1, "zz", "", "") + "]", "digest");
  expect_error("[" + entry(0, 1, "abc", "", "") + "]", "digest");
  expect_error("[" + entry(0, 1, "", "", "") + "]", "'digest' is empty");
  expect_error("[" + entry(0, 1, std::string(98, 'a'), "", "") + "]", "exceeds 48");
  expect_error("[" + entry(0, 1, d, "", "0g") + "]", "event_payload");
  expect_error("[{\"imr\":0,\"event_type\":1,\"digest\":\"" + d + "\",\"event\":null}]", "event");
  expect_error("[{\"imr\":0,\"event_type\":1,\"digest\":\"" + d + "\",\"event_payload\":[]}]",
               "event_payload");
  expect_error("[" + entry(0, 1, d, std::string(kMaxRuntimeEventNameSize + 1, 'n'), "") + "]",
               "'event' exceeds");
  expect_error("not json", "runtime event log");
  expect_error("[[[[[[[[[[]]]]]]]]]]", "nesting");
}

TEST(RuntimeEventLogParse, BoundsEventCount) {
  const std::string one = entry(2, 1, "00", "", "");
  std::string many = "[";
  for (std::size_t i = 0; i <= kMaxRuntimeEvents; ++i) {
    if (i != 0) many += ",";
    many += one;
  }
  many += "]";
  auto log = RuntimeEventLog::parse(many);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.error().code(), ErrorCode::kLimit);

  std::string exactly = "[" + one;
  for (std::size_t i = 1; i < kMaxRuntimeEvents; ++i)
    exactly += "," + one;
  exactly += "]";
  EXPECT_TRUE(RuntimeEventLog::parse(exactly).ok());
}

}  // namespace
}  // namespace cllm::tdx
