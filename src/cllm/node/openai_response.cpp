#include "cllm/node/openai_response.hpp"

#include <atomic>

#include "cllm/common/hex.hpp"
#include "cllm/crypto/random.hpp"

namespace cllm::node {

std::string new_completion_id(std::string_view prefix) {
  auto random = crypto::random_bytes(12);
  // The DRBG failing is not recoverable in any useful way; an all-zero id would collide, so
  // the caller still gets a distinct id from a process-wide counter.
  if (!random) {
    static std::atomic<std::uint64_t> counter{0};
    return std::string(prefix) + "fallback" + std::to_string(counter.fetch_add(1));
  }
  return std::string(prefix) + to_hex(*random);
}

std::string dump_json(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

namespace {

Json usage_json(const Usage& usage) {
  return Json{{"prompt_tokens", usage.prompt_tokens},
              {"completion_tokens", usage.completion_tokens},
              {"total_tokens", usage.prompt_tokens + usage.completion_tokens}};
}

Json base(const ResponseMeta& meta, const char* object) {
  Json j = Json::object();
  j["id"] = meta.id;
  j["object"] = object;
  j["created"] = meta.created;
  j["model"] = meta.model;
  return j;
}

}  // namespace

std::string completion_response_json(const ResponseMeta& meta, const std::string& text,
                                     std::string_view finish_reason, const Usage& usage) {
  Json j = base(meta, meta.chat ? "chat.completion" : "text_completion");
  Json choice = Json::object();
  choice["index"] = 0;
  if (meta.chat) {
    choice["message"] = Json{{"role", "assistant"}, {"content", text}};
  } else {
    choice["text"] = text;
    choice["logprobs"] = nullptr;
  }
  choice["finish_reason"] = std::string(finish_reason);
  j["choices"] = Json::array({choice});
  j["usage"] = usage_json(usage);
  return dump_json(j);
}

std::string stream_chunk_json(const ResponseMeta& meta, std::string_view delta, bool first,
                              std::optional<std::string_view> finish_reason) {
  Json j = base(meta, meta.chat ? "chat.completion.chunk" : "text_completion");
  Json choice = Json::object();
  choice["index"] = 0;
  if (meta.chat) {
    Json d = Json::object();
    if (first) d["role"] = "assistant";
    if (first || !delta.empty()) d["content"] = std::string(delta);
    choice["delta"] = d;
  } else {
    choice["text"] = std::string(delta);
    choice["logprobs"] = nullptr;
  }
  choice["finish_reason"] = finish_reason ? Json(std::string(*finish_reason)) : Json(nullptr);
  j["choices"] = Json::array({choice});
  return dump_json(j);
}

std::string stream_usage_chunk_json(const ResponseMeta& meta, const Usage& usage) {
  Json j = base(meta, meta.chat ? "chat.completion.chunk" : "text_completion");
  j["choices"] = Json::array();
  j["usage"] = usage_json(usage);
  return dump_json(j);
}

std::string error_json(std::string_view message, std::string_view type,
                       std::optional<std::string_view> code,
                       std::optional<std::string_view> param) {
  Json e = Json::object();
  e["message"] = std::string(message);
  e["type"] = std::string(type);
  e["param"] = param ? Json(std::string(*param)) : Json(nullptr);
  e["code"] = code ? Json(std::string(*code)) : Json(nullptr);
  return dump_json(Json{{"error", e}});
}

}  // namespace cllm::node
