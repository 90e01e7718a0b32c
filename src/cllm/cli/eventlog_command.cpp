// cllm eventlog replay FILE [--json]: replays a TDX event log into the RTMRs it produces.
// FILE is either a runtime event log in dstack's JSON form (a JSON array, or a JSON string
// holding one) or a binary CC event log (the TCG crypto-agile log of the ACPI CCEL table).
#include <cstdio>
#include <memory>

#include "cllm/cli/cli_io.hpp"
#include "cllm/cli/command.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/tdx/ccel.hpp"
#include "cllm/tdx/runtime_event_log.hpp"

namespace cllm::cli {

namespace {

struct EventlogOptions {
  std::string file;
  bool json = false;
};

bool looks_like_json(ByteView bytes) {
  for (std::uint8_t c : bytes) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    return c == '[' || c == '"';
  }
  return false;
}

int replay_runtime_log(const EventlogOptions& o, std::string_view text) {
  auto log = tdx::RuntimeEventLog::parse(text);
  if (!log) {
    print_error("eventlog replay", log.error());
    return kExitFailed;
  }
  std::array<tdx::Measurement, 4> rtmr;
  for (std::uint32_t i = 0; i < 4; ++i)
    rtmr[i] = log->replay(i);
  if (o.json) {
    Json out = {{"format", "runtime_event_log"}, {"events", log->to_json()}};
    for (std::uint32_t i = 0; i < 4; ++i)
      out["rtmr" + std::to_string(i)] = to_hex(rtmr[i]);
    print_json(out);
    return kExitOk;
  }
  std::size_t index = 0;
  for (const auto& e : log->events()) {
    std::printf("%4zu imr=%u type=0x%08x %-28s digest=%s\n", index++, e.imr, e.event_type,
                e.event.empty() ? "-" : e.event.c_str(), to_hex(e.digest).c_str());
  }
  for (std::uint32_t i = 0; i < 4; ++i)
    std::printf("rtmr%u: %s\n", i, to_hex(rtmr[i]).c_str());
  return kExitOk;
}

int replay_ccel_log(const EventlogOptions& o, ByteView bytes) {
  auto log = tdx::parse_ccel_event_log(bytes);
  if (!log) {
    print_error("eventlog replay", log.error());
    return kExitFailed;
  }
  auto rtmr = log->replay();
  if (!rtmr) {
    print_error("eventlog replay", rtmr.error());
    return kExitFailed;
  }
  if (o.json) {
    Json out = log->to_json();
    out["format"] = "ccel";
    for (std::uint32_t i = 0; i < 4; ++i)
      out["rtmr" + std::to_string(i)] = to_hex((*rtmr)[i]);
    print_json(out);
    return kExitOk;
  }
  for (const auto& e : log->events) {
    const Bytes* d = e.sha384();
    std::string_view name = tdx::tcg_event_type_name(e.event_type);
    std::printf("@%-6zu pcr=%u type=0x%08x %-28.*s sha384=%s\n", e.offset, e.pcr_index,
                e.event_type, static_cast<int>(name.size()), name.data(),
                d != nullptr ? to_hex(*d).c_str() : "-");
  }
  for (std::uint32_t i = 0; i < 4; ++i)
    std::printf("rtmr%u: %s\n", i, to_hex((*rtmr)[i]).c_str());
  return kExitOk;
}

int run_replay(const EventlogOptions& o) {
  auto bytes = read_input(o.file);
  if (!bytes) {
    print_error("eventlog replay", bytes.error());
    return kExitUsage;
  }
  if (looks_like_json(*bytes)) return replay_runtime_log(o, to_string(*bytes));
  return replay_ccel_log(o, *bytes);
}

}  // namespace

Command add_eventlog_command(CLI::App& app) {
  CLI::App* eventlog = app.add_subcommand("eventlog", "TDX event logs");
  eventlog->require_subcommand(1);
  auto o = std::make_shared<EventlogOptions>();
  CLI::App* replay = eventlog->add_subcommand(
      "replay", "Replay an event log (dstack JSON runtime log, or binary CCEL log) into RTMRs");
  replay->add_option("file", o->file, "Event log file, or - for stdin")->required();
  replay->add_flag("--json", o->json, "Print JSON");
  return {eventlog, [o] { return run_replay(*o); }};
}

}  // namespace cllm::cli
