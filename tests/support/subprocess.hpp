// Runs a real child process for integration tests and captures its output.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace cllm::test {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal or by the timeout
  bool timed_out = false;
  std::string out;
  std::string err;
};

// argv[0] is the program path. The child is killed after `timeout`.
ProcessResult run_process(const std::vector<std::string>& argv,
                          std::chrono::seconds timeout = std::chrono::seconds(120),
                          const std::vector<std::string>& extra_env = {});

}  // namespace cllm::test
