#include "cllm/inference/upstream_protocol.hpp"

#include <algorithm>

#include "cllm/common/json.hpp"
#include "cllm/common/utf8.hpp"

namespace cllm::inference {

namespace {

constexpr std::size_t kMaxErrorExcerpt = 512;

Status check_utf8(std::string_view text, std::string_view what) {
  if (is_valid_utf8(text)) return ok_status();
  return make_error(ErrorCode::kInvalidArgument,
                    "upstream request: " + std::string(what) + " is not valid UTF-8");
}

// A bounded, printable excerpt of text from outside, for an error message.
std::string excerpt(std::string_view text) {
  std::string s = sanitize_utf8(text.substr(0, std::min(text.size(), kMaxErrorExcerpt)));
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (text.size() > kMaxErrorExcerpt) s += "...";
  return s;
}

// The message of an OpenAI-shaped error value ({"message": ..., "type": ..., "code": ...}), or
// a string error, or empty.
std::string error_message(const Json& error) {
  if (error.is_string()) return excerpt(error.get<std::string>());
  if (!error.is_object()) return {};
  auto it = error.find("message");
  if (it != error.end() && it->is_string()) return excerpt(it->get<std::string>());
  return {};
}

bool says_context_exceeded(const Json& error) {
  if (!error.is_object()) return false;
  for (const char* key : {"type", "code"}) {
    auto it = error.find(key);
    if (it != error.end() && it->is_string() &&
        it->get<std::string>().find("context") != std::string::npos) {
      return true;
    }
  }
  return false;
}

Result<std::int32_t> usage_count(const Json& usage, std::string_view key) {
  auto it = usage.find(key);
  if (it == usage.end() || it->is_null()) return 0;
  if (!it->is_number_integer() || it->get<std::int64_t>() < 0 ||
      it->get<std::int64_t>() > INT32_MAX) {
    return make_error(ErrorCode::kParse,
                      "upstream chunk: usage." + std::string(key) + " is not a count");
  }
  return static_cast<std::int32_t>(it->get<std::int64_t>());
}

}  // namespace

Result<std::string> upstream_request_body(const GenerationRequest& request,
                                          const UpstreamBodyOptions& options) {
  Json body = Json::object();
  if (!options.model.empty()) {
    CLLM_TRY(check_utf8(options.model, "the model name"));
    body["model"] = options.model;
  }
  if (request.is_chat) {
    if (request.messages.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "generate: chat request without messages");
    }
    Json messages = Json::array();
    for (const auto& m : request.messages) {
      CLLM_TRY(check_utf8(m.role, "a message role"));
      CLLM_TRY(check_utf8(m.content, "a message"));
      messages.push_back({{"role", m.role}, {"content", m.content}});
    }
    body["messages"] = std::move(messages);
  } else {
    CLLM_TRY(check_utf8(request.prompt, "the prompt"));
    body["prompt"] = request.prompt;
  }
  if (request.max_tokens < 0) {
    return make_error(ErrorCode::kInvalidArgument, "generate: max_tokens must be >= 0");
  }
  body["max_tokens"] = request.max_tokens;
  if (request.ignore_eos) body["ignore_eos"] = true;  // vLLM, SGLang and llama-server know it
  const SamplingParams& p = request.sampling;
  body["temperature"] = p.temperature <= 0.0f ? 0.0 : static_cast<double>(p.temperature);
  body["top_p"] = static_cast<double>(std::clamp(p.top_p, 0.0f, 1.0f));
  if (options.extended_sampling) {
    body["top_k"] = std::max(0, p.top_k);
    body["min_p"] = static_cast<double>(std::clamp(p.min_p, 0.0f, 1.0f));
  }
  if (p.seed != 0xFFFFFFFFu) body["seed"] = p.seed;
  if (!request.stop.empty()) {
    Json stop = Json::array();
    for (const auto& s : request.stop) {
      CLLM_TRY(check_utf8(s, "a stop string"));
      stop.push_back(s);
    }
    body["stop"] = std::move(stop);
  }
  body["stream"] = true;
  body["stream_options"] = {{"include_usage", true}};
  return body.dump();  // every string was checked above: dump() cannot throw
}

Result<UpstreamChunk> parse_upstream_chunk(std::string_view data, bool chat) {
  UpstreamChunk chunk;
  if (data == "[DONE]") {
    chunk.done = true;
    return chunk;
  }
  auto parsed = parse_json(data);
  if (!parsed) return std::move(parsed).error().context("upstream chunk");
  const Json& j = *parsed;
  if (!j.is_object()) return make_error(ErrorCode::kParse, "upstream chunk: not a JSON object");
  if (auto e = j.find("error"); e != j.end() && !e->is_null()) {
    std::string message = error_message(*e);
    return make_error(ErrorCode::kIo,
                      "upstream error in the stream: " +
                          (message.empty() ? std::string("(no message)") : message));
  }
  if (auto c = j.find("choices"); c != j.end() && !c->is_null()) {
    if (!c->is_array())
      return make_error(ErrorCode::kParse, "upstream chunk: choices is not an array");
    if (!c->empty()) {
      const Json& choice = (*c)[0];
      if (!choice.is_object()) {
        return make_error(ErrorCode::kParse, "upstream chunk: choices[0] is not an object");
      }
      const Json* text = nullptr;
      if (chat) {
        auto d = choice.find("delta");
        if (d != choice.end() && d->is_object()) {
          auto content = d->find("content");
          if (content != d->end()) text = &*content;
        }
      } else {
        auto t = choice.find("text");
        if (t != choice.end()) text = &*t;
      }
      if (text != nullptr && !text->is_null()) {
        if (!text->is_string()) {
          return make_error(ErrorCode::kParse, "upstream chunk: the text is not a string");
        }
        chunk.text = text->get<std::string>();
      }
      auto fr = choice.find("finish_reason");
      if (fr != choice.end() && !fr->is_null()) {
        if (!fr->is_string()) {
          return make_error(ErrorCode::kParse, "upstream chunk: finish_reason is not a string");
        }
        chunk.finish_reason = fr->get<std::string>();
      }
    }
  }
  if (auto u = j.find("usage"); u != j.end() && !u->is_null()) {
    if (!u->is_object())
      return make_error(ErrorCode::kParse, "upstream chunk: usage is not an object");
    UpstreamUsage usage;
    CLLM_ASSIGN_OR_RETURN(usage.prompt_tokens, usage_count(*u, "prompt_tokens"));
    CLLM_ASSIGN_OR_RETURN(usage.completion_tokens, usage_count(*u, "completion_tokens"));
    chunk.usage = usage;
  }
  return chunk;
}

FinishReason map_finish_reason(std::string_view reason) {
  return reason == "length" ? FinishReason::kLength : FinishReason::kStop;
}

Error upstream_http_error(std::string_view url, int status, std::string_view body) {
  std::string message;
  bool context_exceeded = false;
  if (auto parsed = parse_json(body); parsed.ok() && parsed->is_object()) {
    if (auto e = parsed->find("error"); e != parsed->end()) {
      message = error_message(*e);
      context_exceeded = says_context_exceeded(*e);
    }
  }
  if (message.empty()) message = body.empty() ? "(empty body)" : excerpt(body);
  ErrorCode code = ErrorCode::kIo;
  if (status == 400 || status == 413 || status == 422) {
    code = context_exceeded ? ErrorCode::kLimit : ErrorCode::kInvalidArgument;
  }
  return make_error(code, "upstream " + std::string(url) + " answered HTTP " +
                              std::to_string(status) + ": " + message);
}

}  // namespace cllm::inference
