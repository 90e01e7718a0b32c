// Logging over spdlog, to stderr. Never pass secrets, prompts or completions to a logger.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace cllm {

// Sets up the default logger once. Level from the argument, or from $CLLM_LOG
// (trace|debug|info|warn|error|off) when the argument is empty; default "info".
void init_logging(std::string_view level = {});

}  // namespace cllm
