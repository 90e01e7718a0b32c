// Parsing of OpenAI-style completion requests (POST /v1/chat/completions, /v1/completions)
// into an inference request. Strict about what it reads (types, ranges, n = 1) and tolerant
// of fields it does not use: OpenAI SDKs send many optional ones, and a field the node does
// not implement is ignored rather than refused, unless ignoring it would change the answer's
// meaning (n > 1, token-array prompts, tools), which is an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cllm/common/result.hpp"
#include "cllm/inference/engine.hpp"

namespace cllm::node {

struct RequestLimits {
  std::size_t max_messages = 1024;
  std::size_t max_stop_strings = 4;       // as OpenAI
  std::size_t max_stop_bytes = 256;       // per stop string
  std::int32_t default_max_tokens = 512;  // when the request names none
  std::int32_t max_max_tokens = 1 << 20;
  int max_json_depth = 32;
};

struct CompletionRequest {
  bool chat = false;
  std::string model;  // as requested; empty when absent
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  inference::GenerationRequest generation;
};

// Errors are kInvalidArgument (or kParse for malformed JSON) with a message that names the
// field ("messages[2].content: expected a string or an array of text parts").
Result<CompletionRequest> parse_chat_completion_request(std::string_view body,
                                                        const RequestLimits& limits = {});
Result<CompletionRequest> parse_completion_request(std::string_view body,
                                                   const RequestLimits& limits = {});

}  // namespace cllm::node
