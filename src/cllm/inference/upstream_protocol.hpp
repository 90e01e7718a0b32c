// The OpenAI-compatible wire format UpstreamEngine speaks: the streaming request body for
// /v1/chat/completions and /v1/completions, the decoding of one streamed chunk, and upstream
// HTTP errors turned into Errors. Pure functions, so they are tested without a server.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cllm/common/result.hpp"
#include "cllm/inference/engine.hpp"

namespace cllm::inference {

struct UpstreamBodyOptions {
  std::string model;  // the "model" field; omitted when empty (llama-server ignores it)
  // Also send top_k and min_p, which vLLM, SGLang and llama-server accept but OpenAI's own API
  // rejects. Off: only the OpenAI fields (temperature, top_p, max_tokens, stop, seed).
  bool extended_sampling = true;
};

// The JSON body of a streaming request ("stream": true with usage in the last chunk). Fails
// with kInvalidArgument for text that is not valid UTF-8 (JSON cannot carry it).
Result<std::string> upstream_request_body(const GenerationRequest& request,
                                          const UpstreamBodyOptions& options);

struct UpstreamUsage {
  std::int32_t prompt_tokens = 0;
  std::int32_t completion_tokens = 0;
};

// What one "data:" event of the stream says.
struct UpstreamChunk {
  bool done = false;                         // the "[DONE]" sentinel
  std::string text;                          // delta.content (chat) or text (completion)
  std::optional<std::string> finish_reason;  // as sent: "stop", "length", ...
  std::optional<UpstreamUsage> usage;
};

// Parses the data of one event. An {"error": ...} object in the stream is returned as an
// Error (kIo, with the upstream's message); malformed JSON or wrong types are kParse.
Result<UpstreamChunk> parse_upstream_chunk(std::string_view data, bool chat);

// "length" -> kLength; any other reason ("stop", "eos", "tool_calls", "content_filter") ends
// the text as the model or the server decided -> kStop.
FinishReason map_finish_reason(std::string_view reason);

// A non-2xx response: "upstream <url> answered HTTP <status>: <message>", with the message of
// an OpenAI-shaped error body (or a bounded, sanitized excerpt of any other body). The request
// being refused (400, 413, 422) is kInvalidArgument, or kLimit when the upstream says the
// context is exceeded, so the node answers 400 as for its own engine; everything else (401 or
// 404 from a misconfigured key, URL or model, 5xx) is the node's problem: kIo.
Error upstream_http_error(std::string_view url, int status, std::string_view body);

}  // namespace cllm::inference
