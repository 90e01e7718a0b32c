// JSON helpers over nlohmann-json: parsing without exceptions, typed field access whose
// errors name the field, and a canonical serialization (sorted keys, no whitespace).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cllm/common/result.hpp"

namespace cllm {

using Json = nlohmann::json;

// Parses text; rejects trailing garbage and nesting deeper than max_depth.
Result<Json> parse_json(std::string_view text, int max_depth = 64);

// Sorted keys, no insignificant whitespace, UTF-8 kept as is. Invalid UTF-8 in strings
// is an error, not a silent replacement, so what is hashed is what was meant.
Result<std::string> canonical_json(const Json& value);

Result<const Json*> json_field(const Json& object, std::string_view key);
Result<std::string> json_string(const Json& object, std::string_view key);
Result<std::int64_t> json_int(const Json& object, std::string_view key);
Result<bool> json_bool(const Json& object, std::string_view key);
Result<double> json_number(const Json& object, std::string_view key);

}  // namespace cllm
