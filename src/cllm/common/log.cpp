#include "cllm/common/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstdlib>
#include <string>

namespace cllm {

void init_logging(std::string_view level) {
  std::string name(level);
  if (name.empty()) {
    const char* env = std::getenv("CLLM_LOG");
    name = env != nullptr ? env : "info";
  }
  auto logger = spdlog::stderr_color_mt("cllm");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  logger->set_level(spdlog::level::from_str(name));
  spdlog::set_default_logger(logger);
}

}  // namespace cllm
