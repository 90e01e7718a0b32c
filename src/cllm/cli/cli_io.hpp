// Small helpers shared by subcommands: reading input files, printing errors and JSON.
#pragma once

#include <string>
#include <string_view>

#include "cllm/common/bytes.hpp"
#include "cllm/common/json.hpp"
#include "cllm/common/result.hpp"

namespace cllm::cli {

// Prints "cllm <command>: <message>" to stderr.
void print_error(std::string_view command, const Error& error);
// Pretty-printed JSON (2-space indent) to stdout, invalid UTF-8 replaced.
void print_json(const Json& value);
// Reads a whole input file (bounded, 64 MiB), "-" for stdin.
Result<Bytes> read_input(const std::string& path);
// $XDG_CACHE_HOME, else $HOME/.cache (else /tmp/.cache): where cllm keeps models, collateral.
std::string cache_home();

}  // namespace cllm::cli
