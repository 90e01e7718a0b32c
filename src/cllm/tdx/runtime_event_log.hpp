// The runtime event log in dstack's JSON form (../shared/research/dstack-phala.md §2.4):
// an array of {imr, event_type, digest, event, event_payload}. Runtime events extend RTMR3
// (imr 3) with digest = SHA-384(le_u32(event_type) || ":" || event || ":" || payload).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cllm/common/bytes.hpp"
#include "cllm/common/json.hpp"
#include "cllm/common/result.hpp"
#include "cllm/tdx/quote.hpp"

namespace cllm::tdx {

inline constexpr std::uint32_t kDstackRuntimeEventType = 0x08000001;
inline constexpr std::uint32_t kRuntimeImr = 3;
inline constexpr std::size_t kMaxRuntimeEvents = 4096;
// Bounds on outside input (dstack names are short; payloads are ids, hashes, small JSON).
inline constexpr std::size_t kMaxRuntimeEventNameSize = 1024;
inline constexpr std::size_t kMaxRuntimeEventPayloadSize = 1024 * 1024;
inline constexpr std::size_t kMaxRuntimeEventLogJsonSize = 32 * 1024 * 1024;
inline constexpr std::size_t kMaxRuntimeEventDigestSize = 48;  // extend pads shorter ones

struct RuntimeEvent {
  std::uint32_t imr = kRuntimeImr;
  std::uint32_t event_type = kDstackRuntimeEventType;
  Bytes digest;         // 48 bytes for runtime events; boot entries may carry other sizes
  std::string event;    // the name ("cllm.binary", "app-id", ...); empty for boot entries
  Bytes event_payload;  // empty when stripped (boot entries)
  // Digest rule of a runtime event: 1 = runtime_event_digest(), 2 = runtime_event_digest_v2()
  // (dstack dev branch, JSON "version": 2). Written to JSON only when not 1.
  std::uint32_t version = 1;
};

// SHA-384(le_u32(event_type) || ":" || name || ":" || payload).
Measurement runtime_event_digest(std::uint32_t event_type, std::string_view name, ByteView payload);

// dstack v2 (dev branch, dstack-phala.md §2.4): SHA-384 of the JCS text
// {"name":<name>,"payload":"<hex(payload)>","type":<event_type>}. Fails on a name that is
// not valid UTF-8.
Result<Measurement> runtime_event_digest_v2(std::uint32_t event_type, std::string_view name,
                                            ByteView payload);

// RTMR extend: SHA-384(rtmr || digest), the digest right-padded with zeros to 48 bytes.
Measurement extend_measurement(const Measurement& rtmr, ByteView digest);

class RuntimeEventLog {
 public:
  // Parses the JSON array (or a JSON string containing it, as dstack's GetQuote returns).
  // Checks that every runtime event's digest matches its name and payload.
  static Result<RuntimeEventLog> parse(std::string_view json);
  static Result<RuntimeEventLog> from_json(const Json& json);

  // Appends a runtime event for imr 3 and returns its digest (what to extend RTMR3 with).
  Result<Measurement> append(std::string_view name, ByteView payload);
  void append_raw(RuntimeEvent event) { events_.push_back(std::move(event)); }

  // Replays imr (0..3) from 48 zero bytes over the events of that imr, in order.
  Measurement replay(std::uint32_t imr) const;

  const std::vector<RuntimeEvent>& events() const { return events_; }
  Json to_json() const;

 private:
  std::vector<RuntimeEvent> events_;
};

}  // namespace cllm::tdx
