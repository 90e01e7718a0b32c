// Build identity, compiled in at build time (cmake/GitVersion.cmake).
#pragma once

#include <string_view>

namespace cllm {

std::string_view cllm_version();
std::string_view cllm_git_commit();    // 12 hex digits, "-dirty" if built from changed sources
std::string_view llama_cpp_version();  // "0.4.0 (80fb11a)"

}  // namespace cllm
