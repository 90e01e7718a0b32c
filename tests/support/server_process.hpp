// A long-running child process for integration tests (a `cllm serve` node, llama-server, a
// proxy): started with its stdout on a pipe and its stderr in a file, waited on until it
// prints a line that says it is ready, and stopped with a signal. The destructor kills it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace cllm::test {

class ServerProcess {
 public:
  // argv[0] is the program path. Fails (nullopt, with `error`) when it cannot start.
  static std::optional<ServerProcess> start(const std::vector<std::string>& argv,
                                            const std::vector<std::string>& extra_env,
                                            std::string* error);
  ServerProcess(ServerProcess&& other) noexcept;
  ServerProcess& operator=(ServerProcess&&) = delete;
  ServerProcess(const ServerProcess&) = delete;
  ~ServerProcess();

  // Reads stdout until a line containing `needle` arrives; returns that line, or nullopt on
  // timeout or when the process exits first.
  std::optional<std::string> wait_for_line(const std::string& needle,
                                           std::chrono::milliseconds timeout);
  // Sends a signal (SIGTERM by default) and waits for the exit; returns the exit code, or -1
  // for a signal death or a timeout (the process is then killed).
  int stop(int signal_number, std::chrono::milliseconds timeout);
  bool running();

  // Everything the process wrote to stderr so far (for failure messages).
  std::string stderr_text() const;
  // Everything read from stdout so far.
  const std::string& stdout_text() const { return out_; }
  pid_t pid() const { return pid_; }

 private:
  ServerProcess() = default;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string err_path_;
  std::string out_;
  bool exited_ = false;
  int exit_code_ = -1;
};

}  // namespace cllm::test
