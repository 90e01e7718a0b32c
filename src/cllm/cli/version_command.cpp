#include <cstdio>

#include "cllm/cli/command.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/common/version.hpp"
#include "cllm/crypto/file_digest.hpp"

namespace cllm::cli {

int print_version(bool self_hash) {
  std::printf("cllm %.*s\n", static_cast<int>(cllm_version().size()), cllm_version().data());
  std::printf("git commit: %.*s\n", static_cast<int>(cllm_git_commit().size()),
              cllm_git_commit().data());
  std::printf("llama.cpp: %.*s\n", static_cast<int>(llama_cpp_version().size()),
              llama_cpp_version().data());
  if (self_hash) {
    auto digest = crypto::sha384_file("/proc/self/exe");
    if (!digest) {
      std::fprintf(stderr, "cllm: %s\n", digest.error().message().c_str());
      return kExitUsage;
    }
    std::printf("sha384: %s\n", to_hex(*digest).c_str());
  }
  return kExitOk;
}

}  // namespace cllm::cli
