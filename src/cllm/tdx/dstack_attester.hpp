// The dstack attester: evidence from the dstack guest agent (Phala Cloud and other dstack
// CVMs), which owns the TDX quote and RTMR3 inside those guests. Protocol:
// ../shared/research/dstack-phala.md §2.1-2.4: HTTP POST of JSON to /<Method> over a unix
// socket, byte fields as hex, errors as HTTP 4xx/5xx with {"error": "..."}.
//
// How this was tested: not against a real dstack agent. The tests run an in-process HTTP
// server (net::HttpServer on a unix socket in a temporary directory) that speaks the
// protocol as the research notes describe it: /GetQuote returns a real Intel-signed quote
// with its report_data replaced and the event log as a JSON string, /EmitEvent extends a
// simulated RTMR3, /Info returns tcb_info as a JSON string, and errors come back as HTTP 500
// with {"error": ...}. Fields a real agent adds beyond those are passed through untested.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cllm/net/http_client.hpp"
#include "cllm/tdx/attester.hpp"

namespace cllm::tdx {

// Where the dstack SDKs look for the agent, in their order. The legacy tappd sockets are not
// listed: tappd speaks another API (/prpc/Tappd.*).
inline constexpr std::array<std::string_view, 4> kDstackSocketPaths = {
    "/var/run/dstack.sock", "/run/dstack.sock", "/var/run/dstack/dstack.sock",
    "/run/dstack/dstack.sock"};

struct DstackOptions {
  std::string socket_path;  // empty: the first of kDstackSocketPaths that is a socket
  // Quote generation goes through the host's quoting service and can take seconds.
  std::chrono::milliseconds timeout{60'000};
};

class DstackAttester final : public Attester {
 public:
  // Finds the socket (or checks the given one is a socket). Does not connect yet.
  static Result<std::unique_ptr<DstackAttester>> create(DstackOptions options);
  // The first candidate that exists and is a unix socket.
  static std::optional<std::string> find_socket(const std::vector<std::string>& candidates);
  static std::vector<std::string> default_socket_paths();

  std::string_view kind() const override { return "dstack"; }
  bool simulated() const override { return false; }

  // /GetQuote with the 64 bytes as hex (dstack passes them to the TDX driver unchanged);
  // checks the returned quote's report_data is ours.
  Result<Bytes> get_quote(const ReportData& report_data) override;
  // /EmitEvent: the agent extends RTMR3 and appends to its own log.
  Status extend_event(std::string_view name, ByteView payload) override;
  // The agent's event log (boot entries with stripped payloads, then runtime events), from
  // /Info's tcb_info; from /GetQuote when tcb_info carries none.
  Result<RuntimeEventLog> event_log() override;
  // /Info: app and instance identity, and tcb_info's registers.
  Result<Json> platform_info() override;

  const std::string& socket_path() const { return socket_path_; }

 private:
  DstackAttester(std::string socket_path, net::ClientOptions client_options)
      : socket_path_(std::move(socket_path)), client_(std::move(client_options)) {}

  // POSTs the JSON to /<method>; the parsed JSON object of a 2xx answer, else an error that
  // carries the agent's {"error"} text.
  Result<Json> call(std::string_view method, const Json& request) const;
  Result<Json> tcb_info() const;

  std::string socket_path_;
  net::HttpClient client_;
};

}  // namespace cllm::tdx
