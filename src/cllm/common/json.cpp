#include "cllm/common/json.hpp"

namespace cllm {

namespace {

std::string_view type_name(const Json& v) {
  return v.type_name();
}

}  // namespace

Result<Json> parse_json(std::string_view text, int max_depth) {
  // Count nesting before building the tree, so deeply nested input cannot exhaust the stack.
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return make_error(ErrorCode::kLimit,
                          "json: nesting deeper than " + std::to_string(max_depth));
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  Json out = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (out.is_discarded()) return make_error(ErrorCode::kParse, "json: malformed document");
  return out;
}

Result<std::string> canonical_json(const Json& value) {
  try {
    return value.dump(-1, ' ', false, Json::error_handler_t::strict);
  } catch (const Json::exception& e) {
    return make_error(ErrorCode::kInvalidArgument, std::string("json: ") + e.what());
  }
}

Result<const Json*> json_field(const Json& object, std::string_view key) {
  if (!object.is_object()) {
    return make_error(ErrorCode::kParse, "json: expected an object to read '" + std::string(key) +
                                             "', got " + std::string(type_name(object)));
  }
  auto it = object.find(key);
  if (it == object.end()) {
    return make_error(ErrorCode::kParse, "json: missing field '" + std::string(key) + "'");
  }
  return &*it;
}

namespace {
Error wrong_type(std::string_view key, std::string_view want, const Json& got) {
  return make_error(ErrorCode::kParse, "json: field '" + std::string(key) + "' must be " +
                                           std::string(want) + ", got " +
                                           std::string(type_name(got)));
}
}  // namespace

Result<std::string> json_string(const Json& object, std::string_view key) {
  CLLM_ASSIGN_OR_RETURN(const Json* v, json_field(object, key));
  if (!v->is_string()) return wrong_type(key, "a string", *v);
  return v->get<std::string>();
}

Result<std::int64_t> json_int(const Json& object, std::string_view key) {
  CLLM_ASSIGN_OR_RETURN(const Json* v, json_field(object, key));
  if (!v->is_number_integer()) return wrong_type(key, "an integer", *v);
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > INT64_MAX) {
    return make_error(ErrorCode::kLimit, "json: field '" + std::string(key) + "' is too large");
  }
  return v->get<std::int64_t>();
}

Result<bool> json_bool(const Json& object, std::string_view key) {
  CLLM_ASSIGN_OR_RETURN(const Json* v, json_field(object, key));
  if (!v->is_boolean()) return wrong_type(key, "a boolean", *v);
  return v->get<bool>();
}

Result<double> json_number(const Json& object, std::string_view key) {
  CLLM_ASSIGN_OR_RETURN(const Json* v, json_field(object, key));
  if (!v->is_number()) return wrong_type(key, "a number", *v);
  return v->get<double>();
}

}  // namespace cllm
