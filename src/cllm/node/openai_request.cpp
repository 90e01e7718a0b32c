#include "cllm/node/openai_request.hpp"

#include <cmath>
#include <limits>

#include "cllm/common/json.hpp"

namespace cllm::node {

namespace {

Error invalid(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message));
}

const Json* find(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;  // null means "not given" in OpenAI
  return &*it;
}

Status read_number(const Json& object, const char* key, double lo, double hi, float& out) {
  const Json* v = find(object, key);
  if (!v) return {};
  if (!v->is_number()) return invalid(std::string(key) + ": expected a number");
  double d = v->get<double>();
  if (!std::isfinite(d) || d < lo || d > hi) {
    return invalid(std::string(key) + ": must be between " + std::to_string(lo) + " and " +
                   std::to_string(hi));
  }
  out = static_cast<float>(d);
  return {};
}

Result<std::int64_t> read_integer(const Json& v, const std::string& name) {
  if (v.is_number_integer()) {
    if (v.is_number_unsigned()) {
      auto u = v.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return invalid(name + ": out of range");
      }
      return static_cast<std::int64_t>(u);
    }
    return v.get<std::int64_t>();
  }
  return invalid(name + ": expected an integer");
}

Status read_common(const Json& body, const RequestLimits& limits, CompletionRequest& out) {
  if (const Json* model = find(body, "model")) {
    if (!model->is_string()) return invalid("model: expected a string");
    out.model = model->get<std::string>();
  }
  if (const Json* stream = find(body, "stream")) {
    if (!stream->is_boolean()) return invalid("stream: expected a boolean");
    out.stream = stream->get<bool>();
  }
  if (const Json* options = find(body, "stream_options")) {
    if (!options->is_object()) return invalid("stream_options: expected an object");
    if (const Json* usage = find(*options, "include_usage")) {
      if (!usage->is_boolean()) return invalid("stream_options.include_usage: expected a boolean");
      out.include_usage = usage->get<bool>();
    }
  }
  if (const Json* n = find(body, "n")) {
    auto value = read_integer(*n, "n");
    if (!value) return std::move(value).error();
    if (*value != 1) return invalid("n: only n = 1 is supported");
  }
  auto& gen = out.generation;
  auto& sampling = gen.sampling;
  // OpenAI's defaults: temperature 1, top_p 1. top_k and min_p keep the engine's defaults
  // (llama-server's), since OpenAI has no such fields.
  sampling.temperature = 1.0f;
  sampling.top_p = 1.0f;
  if (auto s = read_number(body, "temperature", 0.0, 2.0, sampling.temperature); !s) return s;
  if (auto s = read_number(body, "top_p", 0.0, 1.0, sampling.top_p); !s) return s;
  if (const Json* top_k = find(body, "top_k")) {  // llama-server and vLLM extension
    auto value = read_integer(*top_k, "top_k");
    if (!value) return std::move(value).error();
    if (*value < 0 || *value > 1'000'000) return invalid("top_k: must be between 0 and 1000000");
    sampling.top_k = static_cast<std::int32_t>(*value);
  }
  if (auto s = read_number(body, "min_p", 0.0, 1.0, sampling.min_p); !s) return s;
  if (const Json* seed = find(body, "seed")) {
    auto value = read_integer(*seed, "seed");
    if (!value) return std::move(value).error();
    // The engine reserves 0xFFFFFFFF for "random"; other seeds map to their low 32 bits.
    if (*value < 0 || *value >= 0xFFFFFFFFLL) {
      return invalid("seed: must be between 0 and 4294967294");
    }
    sampling.seed = static_cast<std::uint32_t>(*value);
  }
  gen.max_tokens = limits.default_max_tokens;
  for (const char* key : {"max_tokens", "max_completion_tokens"}) {
    if (const Json* max = find(body, key)) {
      auto value = read_integer(*max, key);
      if (!value) return std::move(value).error();
      if (*value < 1 || *value > limits.max_max_tokens) {
        return invalid(std::string(key) + ": must be between 1 and " +
                       std::to_string(limits.max_max_tokens));
      }
      gen.max_tokens = static_cast<std::int32_t>(*value);
    }
  }
  if (const Json* stop = find(body, "stop")) {
    std::vector<std::string> stops;
    if (stop->is_string()) {
      stops.push_back(stop->get<std::string>());
    } else if (stop->is_array()) {
      if (stop->size() > limits.max_stop_strings) {
        return invalid("stop: at most " + std::to_string(limits.max_stop_strings) + " strings");
      }
      for (std::size_t i = 0; i < stop->size(); ++i) {
        if (!(*stop)[i].is_string()) {
          return invalid("stop[" + std::to_string(i) + "]: expected a string");
        }
        stops.push_back((*stop)[i].get<std::string>());
      }
    } else {
      return invalid("stop: expected a string or an array of strings");
    }
    for (const auto& s : stops) {
      if (s.size() > limits.max_stop_bytes) {
        return invalid("stop: a stop string is longer than " +
                       std::to_string(limits.max_stop_bytes) + " bytes");
      }
      if (!s.empty()) gen.stop.push_back(s);
    }
  }
  if (const Json* ignore_eos = find(body, "ignore_eos")) {  // llama-server / vLLM extension
    if (!ignore_eos->is_boolean()) return invalid("ignore_eos: expected a boolean");
    gen.ignore_eos = ignore_eos->get<bool>();
  }
  // Fields that would change the answer if silently ignored are refused.
  if (const Json* bias = find(body, "logit_bias"); bias && !(bias->is_object() && bias->empty())) {
    return invalid("logit_bias: not supported");
  }
  for (const char* key : {"logprobs", "top_logprobs"}) {
    if (const Json* v = find(body, key); v && !(v->is_boolean() && !v->get<bool>()) &&
                                         !(v->is_number_integer() && v->get<std::int64_t>() == 0)) {
      return invalid(std::string(key) + ": not supported");
    }
  }
  for (const char* key : {"tools", "functions"}) {
    if (const Json* tools = find(body, key); tools && !(tools->is_array() && tools->empty())) {
      return invalid(std::string(key) + ": tool calling is not supported");
    }
  }
  return {};
}

Result<Json> parse_body(std::string_view body, const RequestLimits& limits) {
  auto json = parse_json(body, limits.max_json_depth);
  if (!json) return std::move(json).error().context("request body is not valid JSON");
  if (!json->is_object()) return invalid("request body must be a JSON object");
  return json;
}

// OpenAI accepts content as a string or as an array of parts; only text parts are meaningful
// to a text model.
Result<std::string> message_content(const Json& content, const std::string& where) {
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) return invalid(where + ": expected a string or an array of text parts");
  std::string text;
  for (std::size_t i = 0; i < content.size(); ++i) {
    const Json& part = content[i];
    std::string part_where = where + "[" + std::to_string(i) + "]";
    if (!part.is_object()) return invalid(part_where + ": expected an object");
    auto type = part.find("type");
    if (type == part.end() || !type->is_string() || type->get<std::string>() != "text") {
      return invalid(part_where + ".type: only \"text\" parts are supported");
    }
    auto t = part.find("text");
    if (t == part.end() || !t->is_string()) return invalid(part_where + ".text: expected a string");
    text += t->get<std::string>();
  }
  return text;
}

}  // namespace

Result<CompletionRequest> parse_chat_completion_request(std::string_view body,
                                                        const RequestLimits& limits) {
  auto json = parse_body(body, limits);
  if (!json) return std::move(json).error();
  CompletionRequest out;
  out.chat = true;
  out.generation.is_chat = true;
  const Json* messages = find(*json, "messages");
  if (!messages) return invalid("messages: required");
  if (!messages->is_array()) return invalid("messages: expected an array");
  if (messages->empty()) return invalid("messages: must not be empty");
  if (messages->size() > limits.max_messages) {
    return invalid("messages: at most " + std::to_string(limits.max_messages) + " messages");
  }
  for (std::size_t i = 0; i < messages->size(); ++i) {
    const Json& m = (*messages)[i];
    std::string where = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) return invalid(where + ": expected an object");
    auto role = m.find("role");
    if (role == m.end() || !role->is_string()) return invalid(where + ".role: expected a string");
    std::string r = role->get<std::string>();
    if (r == "developer") r = "system";  // OpenAI's newer name for the system role
    if (r != "system" && r != "user" && r != "assistant") {
      return invalid(where + ".role: must be system, developer, user or assistant");
    }
    auto content = m.find("content");
    if (content == m.end() || content->is_null()) {
      return invalid(where + ".content: required");
    }
    auto text = message_content(*content, where + ".content");
    if (!text) return std::move(text).error();
    out.generation.messages.push_back({std::move(r), std::move(*text)});
  }
  if (auto s = read_common(*json, limits, out); !s) return s.error();
  return out;
}

Result<CompletionRequest> parse_completion_request(std::string_view body,
                                                   const RequestLimits& limits) {
  auto json = parse_body(body, limits);
  if (!json) return std::move(json).error();
  CompletionRequest out;
  const Json* prompt = find(*json, "prompt");
  if (!prompt) return invalid("prompt: required");
  if (prompt->is_string()) {
    out.generation.prompt = prompt->get<std::string>();
  } else if (prompt->is_array() && prompt->size() == 1 && (*prompt)[0].is_string()) {
    out.generation.prompt = (*prompt)[0].get<std::string>();
  } else if (prompt->is_array()) {
    return invalid("prompt: only a string (or an array of one string) is supported");
  } else {
    return invalid("prompt: expected a string");
  }
  if (const Json* echo = find(*json, "echo"); echo && echo->is_boolean() && echo->get<bool>()) {
    return invalid("echo: not supported");
  }
  if (auto s = read_common(*json, limits, out); !s) return s.error();
  return out;
}

}  // namespace cllm::node
