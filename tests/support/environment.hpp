// The environment for a child process: ours, with `overrides` ("NAME=value") replacing any
// variable of the same name (a plain append would lose to the first definition, which is
// what getenv() returns), and new names added.
#pragma once

#include <string>
#include <vector>

namespace cllm::test {

std::vector<std::string> merged_environment(const std::vector<std::string>& overrides);

}  // namespace cllm::test
