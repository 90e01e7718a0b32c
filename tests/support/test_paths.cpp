#include "support/test_paths.hpp"

#include <cstdlib>
#include <filesystem>

namespace cllm::test {

std::string shared_dir() {
  const char* env = std::getenv("CLLM_SHARED_DIR");
  if (env != nullptr && *env != '\0') return env;
  return CLLM_DEFAULT_SHARED_DIR;
}

std::optional<std::string> shared_file(const std::string& relative) {
  std::filesystem::path p = std::filesystem::path(shared_dir()) / relative;
  std::error_code ec;
  if (!std::filesystem::exists(p, ec)) return std::nullopt;
  return p.string();
}

std::string cllm_binary() {
  return CLLM_BINARY_PATH;
}

}  // namespace cllm::test
