#include "cllm/inference/upstream_engine.hpp"

#include <optional>
#include <utility>

#include "cllm/net/url.hpp"

namespace cllm::inference {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Result<std::unique_ptr<UpstreamEngine>> UpstreamEngine::create(UpstreamEngineOptions options) {
  auto url = net::parse_url(options.base_url);
  if (!url) return std::move(url).error().context("upstream URL");
  if (url->target.find('?') != std::string::npos) {
    return make_error(ErrorCode::kInvalidArgument, "upstream URL: must not have a query");
  }
  if (url->scheme == net::Scheme::kHttps && !options.tls) {
    return make_error(ErrorCode::kInvalidArgument,
                      "upstream URL: https:// needs a TLS client configuration");
  }
  std::string base = options.base_url;
  if (auto hash = base.find('#'); hash != std::string::npos) base.resize(hash);
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  if (ends_with(base, "/v1")) base.resize(base.size() - 3);
  return std::unique_ptr<UpstreamEngine>(new UpstreamEngine(std::move(options), std::move(base)));
}

UpstreamEngine::UpstreamEngine(UpstreamEngineOptions options, std::string base)
    : options_(std::move(options)), base_(std::move(base)), client_([&] {
        net::ClientOptions c;
        c.tls = options_.tls;
        c.connect_timeout = options_.connect_timeout;
        c.timeout = options_.idle_timeout;
        c.max_response_bytes = 1024 * 1024;  // error bodies
        c.max_stream_bytes = options_.max_response_bytes;
        return c;
      }()) {
  info_.description = "upstream " + base_;
  info_.n_parallel = 0;  // the upstream's business
}

Result<GenerationResult> UpstreamEngine::generate(const GenerationRequest& request,
                                                  const DeltaCallback& on_delta) {
  const auto start = Clock::now();
  if (stopping_) return make_error(ErrorCode::kInternal, "generate: the engine is shut down");
  CLLM_ASSIGN_OR_RETURN(
      std::string body,
      upstream_request_body(request, {options_.model, options_.extended_sampling}));
  GenerationResult result;
  if (request.max_tokens == 0) {  // some servers reject 0; there is nothing to ask for anyway
    result.finish_reason = FinishReason::kLength;
    return result;
  }
  const bool chat = request.is_chat;
  const std::string path = chat ? "/v1/chat/completions" : "/v1/completions";
  net::ClientRequest http;
  http.method = "POST";
  if (base_.rfind("unix://", 0) == 0) {
    http.url = base_;
    http.target = path;  // a unix:// URL names only the socket
  } else {
    http.url = base_ + path;
  }
  http.headers.set("Content-Type", "application/json");
  http.headers.set("Accept", "text/event-stream");
  if (!options_.api_key.empty()) http.headers.set("Authorization", "Bearer " + options_.api_key);
  http.body = std::move(body);

  auto cancelled = [&] {
    return stopping_.load() || (request.cancelled != nullptr && request.cancelled->load());
  };
  bool was_cancelled = false, saw_done = false, saw_finish = false, saw_usage = false;
  std::int32_t n_deltas = 0;
  std::optional<Error> stream_error;
  auto response = client_.stream_sse(http, [&](const net::SseEvent& event) {
    if (cancelled()) {
      was_cancelled = true;
      return false;  // closes the connection: the upstream stops generating
    }
    if (event.data.empty()) return true;  // keep-alive
    auto chunk = parse_upstream_chunk(event.data, chat);
    if (!chunk) {
      stream_error = std::move(chunk).error();
      return false;
    }
    if (chunk->done) {
      saw_done = true;
      return false;
    }
    if (!chunk->text.empty()) {
      if (n_deltas++ == 0) result.time_to_first_token = seconds_since(start);
      result.text += chunk->text;
      if (on_delta) on_delta(chunk->text);
    }
    if (chunk->finish_reason) {
      saw_finish = true;
      result.finish_reason = map_finish_reason(*chunk->finish_reason);
    }
    if (chunk->usage) {
      saw_usage = true;
      result.prompt_tokens = chunk->usage->prompt_tokens;
      result.completion_tokens = chunk->usage->completion_tokens;
    }
    if (cancelled()) {  // e.g. set by on_delta
      was_cancelled = true;
      return false;
    }
    return true;
  });
  const std::string where = base_ + path;
  if (!response) return std::move(response).error().context("upstream " + where);
  if (response->status < 200 || response->status > 299) {
    return upstream_http_error(where, response->status, response->body);
  }
  if (stream_error) return stream_error->context("upstream " + where);
  if (was_cancelled) {
    result.finish_reason = FinishReason::kCancelled;
  } else if (!saw_done && !saw_finish) {
    return make_error(ErrorCode::kIo, "upstream " + where + ": the stream ended early");
  }
  // Without usage (a server that ignores stream_options, or a cancelled stream) each content
  // chunk is counted as one token, which is what servers send.
  if (!saw_usage) result.completion_tokens = n_deltas;
  return result;
}

}  // namespace cllm::inference
