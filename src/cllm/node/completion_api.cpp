// POST /v1/chat/completions and /v1/completions: the request is parsed and checked, run on
// the engine, and answered whole or as an SSE stream. Every completion gets an id and a
// receipt: SHA-256 of the exact request body and of the exact response bytes (for a stream,
// every SSE byte as sent, [DONE] included), which GET /v1/signature/{id} signs.
#include <chrono>

#include "cllm/common/hex.hpp"
#include "cllm/common/log.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/node/node_state.hpp"
#include "cllm/node/openai_request.hpp"
#include "cllm/node/openai_response.hpp"

namespace cllm::node {

namespace {

using SteadyClock = std::chrono::steady_clock;

double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

std::string sha256_hex(std::string_view data) {
  auto digest = crypto::sha256(as_bytes(data));
  return digest ? to_hex(*digest) : std::string();
}

// Writes SSE events and hashes every byte that reached the writer, for the receipt.
class HashedStream {
 public:
  HashedStream(net::ResponseWriter& writer, net::Headers headers)
      : writer_(writer), headers_(std::move(headers)) {}

  bool started() const { return started_; }
  bool failed() const { return failed_; }

  bool start() {
    if (started_) return !failed_;
    started_ = true;
    if (!writer_.start_sse(std::move(headers_))) failed_ = true;
    return !failed_;
  }

  static std::string event_of(std::string_view payload) {
    std::string event = "data: ";
    event += payload;
    event += "\n\n";
    return event;
  }

  bool data(std::string_view payload) {
    if (!start()) return false;
    std::string event = event_of(payload);
    if (!writer_.write(event)) {
      failed_ = true;
      return false;
    }
    sent_ += event;
    return true;
  }

  void finish() { (void)writer_.finish(); }
  const std::string& sent() const { return sent_; }
  // The bytes the stream will have sent once `payload` is written too.
  std::string sent_with(std::string_view payload) const { return sent_ + event_of(payload); }

 private:
  net::ResponseWriter& writer_;
  net::Headers headers_;
  bool started_ = false;
  bool failed_ = false;
  // Streams are bounded by max_tokens; keeping the bytes (rather than an incremental hash)
  // keeps the code obviously right. A stream of 1 M tokens is a few MB.
  std::string sent_;
};

// An engine error before any byte was sent: the engine's client errors (a prompt too long
// for a slot, a malformed request) are 400s; an upstream that failed is a 502; anything else
// a 500 whose details stay in the log.
void send_generation_error(Node::State& state, net::ResponseWriter& writer,
                           std::string_view endpoint, const Error& e) {
  switch (e.code()) {
    case ErrorCode::kLimit:
      send_error(state, writer, endpoint, 400, e.message(), "invalid_request_error",
                 "context_length_exceeded");
      return;
    case ErrorCode::kInvalidArgument:
      send_error(state, writer, endpoint, 400, e.message(), "invalid_request_error");
      return;
    case ErrorCode::kIo:
      spdlog::error("{}: upstream failed: {}", endpoint, e.message());
      send_error(state, writer, endpoint, 502, "the upstream model server failed", "server_error",
                 "upstream_error");
      return;
    default:
      spdlog::error("{}: generation failed: {}", endpoint, e.message());
      send_error(state, writer, endpoint, 500, "generation failed", "server_error");
  }
}

void run_completion(Node::State& state, const net::Request& request,
                    std::shared_ptr<net::ResponseWriter> writer, bool chat) {
  const std::string_view endpoint = chat ? "/v1/chat/completions" : "/v1/completions";
  auto started = SteadyClock::now();
  if (!check_api_key(state, request, *writer, endpoint)) return;

  auto parsed = chat ? parse_chat_completion_request(request.body, state.options.request_limits)
                     : parse_completion_request(request.body, state.options.request_limits);
  if (!parsed) {
    send_error(state, *writer, endpoint, 400, parsed.error().message(), "invalid_request_error",
               parsed.error().code() == ErrorCode::kParse ? "invalid_json" : "invalid_value");
    return;
  }
  CompletionRequest& req = *parsed;
  if (!req.model.empty() && req.model != state.options.model_id) {
    send_error(state, *writer, endpoint, 404,
               "The model '" + req.model + "' does not exist; this node serves '" +
                   state.options.model_id + "'",
               "invalid_request_error", "model_not_found");
    return;
  }

  ResponseMeta meta;
  meta.chat = chat;
  meta.id = new_completion_id(chat ? "chatcmpl-" : "cmpl-");
  meta.created = state.options.clock->now_unix();
  meta.model = state.options.model_id;
  req.generation.cancelled = &writer->cancelled_flag();

  net::Headers headers;
  headers.set("X-Cllm-Receipt", meta.id);

  bool first_token_seen = false;
  auto note_first_token = [&] {
    if (first_token_seen) return;
    first_token_seen = true;
    state.metrics.observe_time_to_first_token(seconds_since(started));
  };

  if (!req.stream) {
    // No delta callback: the engine then does not wake this thread for every token, which on
    // a small machine competes with the decode threads for the cores.
    auto result = state.engine->generate(req.generation, inference::DeltaCallback{});
    if (!result) {
      send_generation_error(state, *writer, endpoint, result.error());
      return;
    }
    if (result->time_to_first_token > 0) {
      state.metrics.observe_time_to_first_token(result->time_to_first_token);
    }
    Usage usage{result->prompt_tokens, result->completion_tokens};
    std::string body = completion_response_json(meta, result->text,
                                                inference::to_string(result->finish_reason), usage);
    state.receipts.put(Receipt{meta.id, sha256_hex(request.body), sha256_hex(body), meta.created});
    state.metrics.add_tokens(usage.prompt_tokens, usage.completion_tokens);
    send_json(state, *writer, endpoint, 200, std::move(body), std::move(headers));
    state.metrics.observe_request_duration(seconds_since(started));
    return;
  }

  // Streaming. The HTTP status is sent with the first token, so that a request the engine
  // refuses before decoding (context overflow) still gets a plain 400 JSON error.
  HashedStream stream(*writer, std::move(headers));
  state.metrics.stream_started();
  bool first_chunk = true;
  auto result = state.engine->generate(req.generation, [&](std::string_view delta) {
    note_first_token();
    if (stream.failed()) return;
    if (first_chunk && chat) {
      // OpenAI's first chat chunk announces the role with empty content.
      stream.data(stream_chunk_json(meta, "", true, std::nullopt));
    }
    first_chunk = false;
    stream.data(stream_chunk_json(meta, delta, false, std::nullopt));
  });
  state.metrics.stream_finished();
  if (!result && !stream.started()) {
    send_generation_error(state, *writer, endpoint, result.error());
    return;
  }
  state.metrics.count_request(endpoint, 200);
  if (!result) {
    // The stream is open: report the failure in-band as OpenAI does, then end it.
    spdlog::error("{}: generation failed mid-stream: {}", endpoint, result.error().message());
    stream.data(error_json("generation failed", "server_error"));
    stream.data("[DONE]");
    stream.finish();
    return;
  }
  if (first_chunk && chat) stream.data(stream_chunk_json(meta, "", true, std::nullopt));
  std::string_view finish = inference::to_string(result->finish_reason);
  stream.data(stream_chunk_json(meta, "", false, finish));
  Usage usage{result->prompt_tokens, result->completion_tokens};
  if (req.include_usage) stream.data(stream_usage_chunk_json(meta, usage));
  // The receipt is stored before the last event goes out, over the bytes as they will be: a
  // client that has read the whole stream must find it. (Stored after, `cllm chat` and a test
  // that asked at once could get a 404 under load.)
  if (!stream.failed()) {
    state.receipts.put(Receipt{meta.id, sha256_hex(request.body),
                               sha256_hex(stream.sent_with("[DONE]")), meta.created});
  }
  stream.data("[DONE]");
  stream.finish();
  state.metrics.add_tokens(usage.prompt_tokens, usage.completion_tokens);
  state.metrics.observe_request_duration(seconds_since(started));
}

}  // namespace

void handle_chat_completions(Node::State& state, const net::Request& request,
                             std::shared_ptr<net::ResponseWriter> writer) {
  run_completion(state, request, std::move(writer), true);
}

void handle_completions(Node::State& state, const net::Request& request,
                        std::shared_ptr<net::ResponseWriter> writer) {
  run_completion(state, request, std::move(writer), false);
}

}  // namespace cllm::node
