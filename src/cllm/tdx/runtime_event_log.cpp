#include "cllm/tdx/runtime_event_log.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "cllm/common/hex.hpp"
#include "cllm/common/utf8.hpp"
#include "cllm/crypto/hash.hpp"

namespace cllm::tdx {

namespace {

constexpr int kMaxJsonDepth = 8;  // array > object > scalar, with room for extra fields

Result<Measurement> sha384_measurement(ByteView data) {
  CLLM_ASSIGN_OR_RETURN(Bytes digest, crypto::sha384(data));
  if (digest.size() != Measurement{}.size()) {
    return make_error(ErrorCode::kCrypto,
                      "sha384 returned " + std::to_string(digest.size()) + " bytes");
  }
  Measurement out{};
  std::copy(digest.begin(), digest.end(), out.begin());
  return out;
}

// For the functions whose contract has no error: SHA-384 over memory fails only when
// OpenSSL cannot allocate. A silently wrong register value would be worse than stopping.
Measurement must(Result<Measurement> value) {
  if (!value.ok()) std::abort();
  return value.value();
}

Bytes v1_preimage(std::uint32_t event_type, std::string_view name, ByteView payload) {
  const std::uint8_t type_le[4] = {
      static_cast<std::uint8_t>(event_type), static_cast<std::uint8_t>(event_type >> 8),
      static_cast<std::uint8_t>(event_type >> 16), static_cast<std::uint8_t>(event_type >> 24)};
  return concat({ByteView(type_le), as_bytes(":"), as_bytes(name), as_bytes(":"), payload});
}

Result<Measurement> digest_for(std::uint32_t version, std::uint32_t event_type,
                               std::string_view name, ByteView payload) {
  if (version == 2) return runtime_event_digest_v2(event_type, name, payload);
  return sha384_measurement(v1_preimage(event_type, name, payload));
}

std::string describe(std::size_t index, std::string_view name) {
  std::string out = "event " + std::to_string(index);
  if (!name.empty()) out += " ('" + std::string(name) + "')";
  return out;
}

// Names a v1 digest covers as name ':' payload; a ':' in the name would make
// ("a:b", "c") and ("a", "b:c") hash the same, so one event could pass for another.
Status check_name(std::uint32_t version, std::string_view name) {
  if (name.size() > kMaxRuntimeEventNameSize) {
    return make_error(ErrorCode::kLimit, "event name of " + std::to_string(name.size()) +
                                             " bytes exceeds " +
                                             std::to_string(kMaxRuntimeEventNameSize));
  }
  if (!is_valid_utf8(name))
    return make_error(ErrorCode::kInvalidArgument, "event name is not UTF-8");
  if (version == 1 && name.find(':') != std::string_view::npos) {
    return make_error(ErrorCode::kInvalidArgument,
                      "event name contains ':', which makes the digest ambiguous");
  }
  return ok_status();
}

Result<std::uint32_t> bounded_uint(const Json& object, std::string_view key, std::int64_t max) {
  CLLM_ASSIGN_OR_RETURN(std::int64_t value, json_int(object, key));
  if (value < 0 || value > max) {
    return make_error(ErrorCode::kParse, "field '" + std::string(key) +
                                             "' = " + std::to_string(value) + " is not in 0.." +
                                             std::to_string(max));
  }
  return static_cast<std::uint32_t>(value);
}

Result<Bytes> hex_field(const Json& object, std::string_view key, std::size_t max_size) {
  CLLM_ASSIGN_OR_RETURN(std::string text, json_string(object, key));
  if (text.size() > 2 * max_size) {
    return make_error(ErrorCode::kLimit, "field '" + std::string(key) + "' exceeds " +
                                             std::to_string(max_size) + " bytes");
  }
  auto bytes = from_hex(text);
  if (!bytes.ok()) return std::move(bytes).error().context("field '" + std::string(key) + "'");
  return std::move(bytes).value();
}

Result<RuntimeEvent> parse_entry(const Json& j) {
  if (!j.is_object()) {
    return make_error(ErrorCode::kParse, std::string("expected an object, got ") + j.type_name());
  }
  RuntimeEvent e;
  CLLM_ASSIGN_OR_RETURN(e.imr, bounded_uint(j, "imr", kRuntimeImr));
  CLLM_ASSIGN_OR_RETURN(e.event_type, bounded_uint(j, "event_type", 0xFFFFFFFF));
  if (j.contains("version")) {
    CLLM_ASSIGN_OR_RETURN(e.version, bounded_uint(j, "version", 0xFFFFFFFF));
    if (e.version != 1 && e.version != 2) {
      return make_error(ErrorCode::kUnsupported,
                        "event log version " + std::to_string(e.version) + " is not 1 or 2");
    }
  }
  CLLM_ASSIGN_OR_RETURN(e.digest, hex_field(j, "digest", kMaxRuntimeEventDigestSize));
  if (e.digest.empty()) return make_error(ErrorCode::kParse, "field 'digest' is empty");
  if (j.contains("event")) {
    CLLM_ASSIGN_OR_RETURN(e.event, json_string(j, "event"));
    if (e.event.size() > kMaxRuntimeEventNameSize) {
      return make_error(ErrorCode::kLimit, "field 'event' exceeds " +
                                               std::to_string(kMaxRuntimeEventNameSize) + " bytes");
    }
  }
  if (j.contains("event_payload")) {
    CLLM_ASSIGN_OR_RETURN(e.event_payload,
                          hex_field(j, "event_payload", kMaxRuntimeEventPayloadSize));
  }
  return e;
}

// A runtime event that still carries its name or payload must hash to its digest. Entries
// stripped of both (and boot entries) are bound only through replay.
Status check_digest(const RuntimeEvent& e, std::size_t index) {
  if (e.event_type != kDstackRuntimeEventType) return ok_status();
  if (e.event.empty() && e.event_payload.empty()) return ok_status();
  auto name_ok = check_name(e.version, e.event);
  if (!name_ok.ok()) return std::move(name_ok).error().context(describe(index, ""));
  CLLM_ASSIGN_OR_RETURN(Measurement expected,
                        digest_for(e.version, e.event_type, e.event, e.event_payload));
  if (!constant_time_equal(expected, e.digest)) {
    return make_error(
        ErrorCode::kVerification,
        describe(index, e.event) + ": digest does not match SHA-384 of its type, name and payload");
  }
  return ok_status();
}

}  // namespace

Measurement runtime_event_digest(std::uint32_t event_type, std::string_view name,
                                 ByteView payload) {
  return must(sha384_measurement(v1_preimage(event_type, name, payload)));
}

Result<Measurement> runtime_event_digest_v2(std::uint32_t event_type, std::string_view name,
                                            ByteView payload) {
  if (!is_valid_utf8(name))
    return make_error(ErrorCode::kInvalidArgument, "event name is not UTF-8");
  const Json doc = {
      {"name", std::string(name)}, {"payload", to_hex(payload)}, {"type", event_type}};
  CLLM_ASSIGN_OR_RETURN(std::string text, canonical_json(doc));
  return sha384_measurement(as_bytes(text));
}

Measurement extend_measurement(const Measurement& rtmr, ByteView digest) {
  // Digests longer than a register (never produced by parse) are hashed whole.
  Bytes data(rtmr.begin(), rtmr.end());
  data.insert(data.end(), digest.begin(), digest.end());
  if (digest.size() < rtmr.size()) data.resize(2 * rtmr.size(), 0);
  return must(sha384_measurement(data));
}

Result<RuntimeEventLog> RuntimeEventLog::parse(std::string_view json) {
  if (json.size() > kMaxRuntimeEventLogJsonSize) {
    return make_error(ErrorCode::kLimit, "runtime event log of " + std::to_string(json.size()) +
                                             " bytes exceeds " +
                                             std::to_string(kMaxRuntimeEventLogJsonSize));
  }
  auto doc = parse_json(json, kMaxJsonDepth);
  if (!doc.ok()) return std::move(doc).error().context("runtime event log");
  return from_json(*doc);
}

Result<RuntimeEventLog> RuntimeEventLog::from_json(const Json& json) {
  if (json.is_string()) {
    // dstack's GetQuote returns the array as a JSON string; unwrap exactly one level.
    const auto& text = json.get_ref<const std::string&>();
    if (text.size() > kMaxRuntimeEventLogJsonSize) {
      return make_error(ErrorCode::kLimit, "runtime event log string exceeds " +
                                               std::to_string(kMaxRuntimeEventLogJsonSize) +
                                               " bytes");
    }
    auto inner = parse_json(text, kMaxJsonDepth);
    if (!inner.ok()) return std::move(inner).error().context("runtime event log (in a string)");
    if (!inner->is_array()) {
      return make_error(ErrorCode::kParse,
                        "runtime event log (in a string): expected an array, got " +
                            std::string(inner->type_name()));
    }
    return from_json(*inner);
  }
  if (!json.is_array()) {
    return make_error(ErrorCode::kParse,
                      "runtime event log: expected an array, got " + std::string(json.type_name()));
  }
  if (json.size() > kMaxRuntimeEvents) {
    return make_error(ErrorCode::kLimit, "runtime event log has " + std::to_string(json.size()) +
                                             " events, more than " +
                                             std::to_string(kMaxRuntimeEvents));
  }
  RuntimeEventLog log;
  log.events_.reserve(json.size());
  for (std::size_t i = 0; i < json.size(); ++i) {
    auto entry = parse_entry(json[i]);
    if (!entry.ok())
      return std::move(entry).error().context("runtime event log: event " + std::to_string(i));
    auto checked = check_digest(*entry, i);
    if (!checked.ok()) return std::move(checked).error().context("runtime event log");
    log.events_.push_back(std::move(entry).value());
  }
  return log;
}

Result<Measurement> RuntimeEventLog::append(std::string_view name, ByteView payload) {
  if (events_.size() >= kMaxRuntimeEvents) {
    return make_error(ErrorCode::kLimit, "runtime event log already holds " +
                                             std::to_string(kMaxRuntimeEvents) + " events");
  }
  if (name.empty()) return make_error(ErrorCode::kInvalidArgument, "runtime event name is empty");
  CLLM_TRY(check_name(1, name));
  if (payload.size() > kMaxRuntimeEventPayloadSize) {
    return make_error(ErrorCode::kLimit, "runtime event payload of " +
                                             std::to_string(payload.size()) + " bytes exceeds " +
                                             std::to_string(kMaxRuntimeEventPayloadSize));
  }
  CLLM_ASSIGN_OR_RETURN(Measurement digest, digest_for(1, kDstackRuntimeEventType, name, payload));
  RuntimeEvent e;
  e.imr = kRuntimeImr;
  e.event_type = kDstackRuntimeEventType;
  e.digest.assign(digest.begin(), digest.end());
  e.event = std::string(name);
  e.event_payload.assign(payload.begin(), payload.end());
  events_.push_back(std::move(e));
  return digest;
}

Measurement RuntimeEventLog::replay(std::uint32_t imr) const {
  Measurement mr{};
  for (const auto& e : events_) {
    if (e.imr == imr) mr = extend_measurement(mr, e.digest);
  }
  return mr;
}

Json RuntimeEventLog::to_json() const {
  Json out = Json::array();
  for (const auto& e : events_) {
    Json entry = {{"imr", e.imr},
                  {"event_type", e.event_type},
                  {"digest", to_hex(e.digest)},
                  {"event", e.event},
                  {"event_payload", to_hex(e.event_payload)}};
    if (e.version != 1) entry["version"] = e.version;
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace cllm::tdx
