// The JSON the node sends for completions, in OpenAI's shapes: whole responses
// ("chat.completion", "text_completion"), stream chunks ("chat.completion.chunk", and
// "text_completion" chunks), and errors ({"error":{"message","type","code","param"}}).
// Every function returns the exact text sent, since receipts hash the bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cllm/common/json.hpp"
#include "cllm/inference/engine.hpp"

namespace cllm::node {

struct ResponseMeta {
  std::string id;        // "chatcmpl-…" or "cmpl-…"
  std::int64_t created;  // unix seconds
  std::string model;     // the node's model id
  bool chat = true;
};

struct Usage {
  std::int32_t prompt_tokens = 0;
  std::int32_t completion_tokens = 0;
};

// A fresh completion id: prefix + 24 random hex characters.
std::string new_completion_id(std::string_view prefix);

std::string completion_response_json(const ResponseMeta& meta, const std::string& text,
                                     std::string_view finish_reason, const Usage& usage);

// One stream chunk. For chat, the first chunk carries {"role":"assistant","content":""};
// `delta` is the text piece (may be empty in the first and the last chunk); finish_reason is
// set only in the last chunk.
std::string stream_chunk_json(const ResponseMeta& meta, std::string_view delta, bool first,
                              std::optional<std::string_view> finish_reason);
// The usage chunk sent before [DONE] when stream_options.include_usage is true.
std::string stream_usage_chunk_json(const ResponseMeta& meta, const Usage& usage);

// OpenAI's error object. type: "invalid_request_error", "authentication_error",
// "not_found_error", "server_error", …; code: a short machine-readable string or null.
std::string error_json(std::string_view message, std::string_view type,
                       std::optional<std::string_view> code = std::nullopt,
                       std::optional<std::string_view> param = std::nullopt);

// Serializes compactly; invalid UTF-8 (never expected: the engine emits valid UTF-8) is
// replaced rather than thrown.
std::string dump_json(const Json& value);

}  // namespace cllm::node
