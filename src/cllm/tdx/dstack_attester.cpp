#include "cllm/tdx/dstack_attester.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cllm/common/hex.hpp"
#include "cllm/common/printable.hpp"
#include "cllm/net/url.hpp"
#include "cllm/tdx/quote.hpp"

namespace cllm::tdx {

namespace {

// A quote is about 5 KB; an agent answering with far more is not answering with a quote.
constexpr std::size_t kMaxQuoteHexSize = 2 * 64 * 1024;
constexpr std::size_t kMaxAgentErrorText = 300;

bool is_socket(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

// The agent's error text goes into our error messages (and logs): printable ASCII only, bounded.
std::string printable(std::string_view text) {
  return printable_ascii(text, kMaxAgentErrorText);
}

// dstack returns some documents (event_log, tcb_info, vm_config) as JSON text inside JSON.
Result<Json> nested_json(const Json& object, std::string_view key) {
  CLLM_ASSIGN_OR_RETURN(const Json* field, json_field(object, key));
  if (field->is_string()) {
    auto parsed = parse_json(field->get<std::string>());
    if (!parsed.ok()) return std::move(parsed).error().context("field '" + std::string(key) + "'");
    return std::move(parsed).value();
  }
  return *field;
}

Result<RuntimeEventLog> event_log_field(const Json& object, std::string_view key) {
  CLLM_ASSIGN_OR_RETURN(const Json* field, json_field(object, key));
  auto log = field->is_string() ? RuntimeEventLog::parse(field->get<std::string>())
                                : RuntimeEventLog::from_json(*field);
  if (!log.ok()) return std::move(log).error().context("field '" + std::string(key) + "'");
  return log;
}

}  // namespace

std::vector<std::string> DstackAttester::default_socket_paths() {
  return {kDstackSocketPaths.begin(), kDstackSocketPaths.end()};
}

std::optional<std::string> DstackAttester::find_socket(const std::vector<std::string>& candidates) {
  for (const auto& path : candidates) {
    if (is_socket(path)) return path;
  }
  return std::nullopt;
}

Result<std::unique_ptr<DstackAttester>> DstackAttester::create(DstackOptions options) {
  std::string path = options.socket_path;
  if (path.empty()) {
    auto found = find_socket(default_socket_paths());
    if (!found) {
      std::string tried;
      for (auto candidate : kDstackSocketPaths) {
        tried += (tried.empty() ? "" : ", ") + std::string(candidate);
      }
      return make_error(ErrorCode::kNotFound,
                        "no dstack guest agent socket found (tried " + tried + ")");
    }
    path = *found;
  } else {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      int err = errno;
      return make_error(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                        "dstack guest agent socket " + path + ": " + std::strerror(err));
    }
    if (!S_ISSOCK(st.st_mode)) {
      return make_error(ErrorCode::kInvalidArgument,
                        "dstack guest agent socket " + path + " is not a unix socket");
    }
  }
  std::error_code ec;
  auto absolute = std::filesystem::absolute(path, ec);
  if (!ec) path = absolute.string();

  net::ClientOptions client_options;
  client_options.timeout = options.timeout;
  client_options.connect_timeout = std::min(options.timeout, std::chrono::milliseconds(10'000));
  return std::unique_ptr<DstackAttester>(
      new DstackAttester(std::move(path), std::move(client_options)));
}

Result<Json> DstackAttester::call(std::string_view method, const Json& request) const {
  const std::string where = "dstack guest agent " + socket_path_ + " /" + std::string(method);
  auto response =
      client_.post("http+unix://" + net::percent_encode(socket_path_) + "/" + std::string(method),
                   request.dump(), "application/json");
  if (!response.ok()) return std::move(response).error().context(where);

  // An empty 2xx body is an empty answer (EmitEvent has nothing to say), not an error: the
  // event was extended, and reporting failure would invite a second, duplicate extension.
  const bool empty_body = response->body.find_first_not_of(" \t\r\n") == std::string::npos;
  auto body = empty_body ? Result<Json>(Json::object()) : parse_json(response->body);
  if (response->status < 200 || response->status > 299) {
    std::string detail;
    if (body.ok() && body->is_object() && body->contains("error")) {
      const Json& error = (*body)["error"];
      detail = printable(error.is_string() ? error.get<std::string>() : error.dump());
    } else {
      detail = empty_body ? "(empty body)" : printable(response->body);
    }
    return make_error(ErrorCode::kIo,
                      where + " failed: HTTP " + std::to_string(response->status) + ": " + detail);
  }
  if (!body.ok()) return std::move(body).error().context(where + " response");
  if (!body->is_object()) {
    return make_error(ErrorCode::kParse, where + " response is not a JSON object");
  }
  return std::move(body).value();
}

Result<Bytes> DstackAttester::get_quote(const ReportData& report_data) {
  CLLM_ASSIGN_OR_RETURN(Json response,
                        call("GetQuote", Json{{"report_data", to_hex(report_data)}}));
  auto quote_hex = json_string(response, "quote");
  if (!quote_hex.ok()) return std::move(quote_hex).error().context("dstack /GetQuote response");
  if (quote_hex->size() > kMaxQuoteHexSize) {
    return make_error(ErrorCode::kLimit, "dstack /GetQuote response: field 'quote' exceeds " +
                                             std::to_string(kMaxQuoteHexSize / 2) + " bytes");
  }
  auto quote = from_hex(*quote_hex, /*allow_0x=*/true);
  if (!quote.ok())
    return std::move(quote).error().context("dstack /GetQuote response: field 'quote'");

  // Fail closed if the agent quoted anything other than what we asked for.
  auto parsed = parse_quote(*quote);
  if (!parsed.ok()) return std::move(parsed).error().context("dstack /GetQuote quote");
  const TdReport* body = parsed->td_report();
  if (body == nullptr) {
    return make_error(ErrorCode::kVerification,
                      "dstack /GetQuote returned a quote without a TD report");
  }
  if (!constant_time_equal(body->report_data, report_data)) {
    return make_error(ErrorCode::kVerification,
                      "dstack /GetQuote returned a quote over report_data " +
                          to_hex(body->report_data).substr(0, 32) + "..., not the requested " +
                          to_hex(report_data).substr(0, 32) + "...");
  }
  return std::move(quote).value();
}

Status DstackAttester::extend_event(std::string_view name, ByteView payload) {
  CLLM_ASSIGN_OR_RETURN(Json response, call("EmitEvent", Json{{"event", std::string(name)},
                                                              {"payload", to_hex(payload)}}));
  (void)response;  // {} on success; the HTTP status said it all
  return ok_status();
}

Result<Json> DstackAttester::tcb_info() const {
  CLLM_ASSIGN_OR_RETURN(Json info, call("Info", Json::object()));
  auto tcb = nested_json(info, "tcb_info");
  if (!tcb.ok()) return std::move(tcb).error().context("dstack /Info response");
  if (!tcb->is_object()) {
    return make_error(ErrorCode::kParse, "dstack /Info response: tcb_info is not a JSON object");
  }
  return std::move(tcb).value();
}

Result<RuntimeEventLog> DstackAttester::event_log() {
  CLLM_ASSIGN_OR_RETURN(Json tcb, tcb_info());
  if (tcb.contains("event_log")) {
    auto log = event_log_field(tcb, "event_log");
    if (!log.ok()) return std::move(log).error().context("dstack /Info tcb_info");
    return log;
  }
  // Agents that keep tcb_info private still return the log with every quote.
  CLLM_ASSIGN_OR_RETURN(Json response,
                        call("GetQuote", Json{{"report_data", to_hex(ReportData{})}}));
  auto log = event_log_field(response, "event_log");
  if (!log.ok()) return std::move(log).error().context("dstack /GetQuote response");
  return log;
}

Result<Json> DstackAttester::platform_info() {
  CLLM_ASSIGN_OR_RETURN(Json info, call("Info", Json::object()));
  Json out = {{"attester", "dstack"}, {"socket", socket_path_}};
  // Identity fields as the agent reports them; the certificate and the raw tcb_info text are
  // left out (large, and tcb_info is given decoded below).
  for (const auto& [key, value] : info.items()) {
    if (key == "tcb_info" || key == "app_cert") continue;
    out[key] = value;
  }
  auto tcb = nested_json(info, "tcb_info");
  if (tcb.ok() && tcb->is_object()) {
    Json registers = Json::object();
    for (const char* key : {"mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3", "mr_aggregated",
                            "os_image_hash", "compose_hash", "device_id"}) {
      if (tcb->contains(key)) registers[key] = (*tcb)[key];
    }
    out["tcb_info"] = registers;
    if (tcb->contains("event_log") && (*tcb)["event_log"].is_array()) {
      out["event_log_entries"] = (*tcb)["event_log"].size();
    }
  }
  return out;
}

}  // namespace cllm::tdx
