// The environment for a child process: ours, with `overrides` ("NAME=value") replacing any
// variable of the same name (a plain append would lose to the first definition, which is
// what getenv() returns), and new names added.
#pragma once

#include <string>
#include <vector>

namespace cllm::test {

std::vector<std::string> merged_environment(const std::vector<std::string>& overrides);

// argv and envp in the NUL-terminated char* form posix_spawn takes, with the storage they
// point into (keep the object alive until the spawn returns).
struct SpawnArguments {
  SpawnArguments(const std::vector<std::string>& argv, const std::vector<std::string>& overrides);
  SpawnArguments(const SpawnArguments&) = delete;
  SpawnArguments& operator=(const SpawnArguments&) = delete;

  std::vector<std::string> arg_storage;
  std::vector<std::string> env_storage;
  std::vector<char*> argv;
  std::vector<char*> envp;
};

}  // namespace cllm::test
