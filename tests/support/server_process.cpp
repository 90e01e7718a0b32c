#include "support/server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "support/environment.hpp"

namespace cllm::test {

std::optional<ServerProcess> ServerProcess::start(const std::vector<std::string>& argv,
                                                  const std::vector<std::string>& extra_env,
                                                  std::string* error) {
  ServerProcess p;
  char tmpl[] = "/tmp/cllm-test-stderr-XXXXXX";
  int err_fd = mkstemp(tmpl);
  if (err_fd < 0) {
    if (error) *error = "mkstemp failed";
    return std::nullopt;
  }
  p.err_path_ = tmpl;
  int out_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    close(err_fd);
    if (error) *error = "pipe2 failed";
    return std::nullopt;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  SpawnArguments spawn_args(argv, extra_env);
  // The test process may block signals in its threads; the child starts with none blocked.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  int rc = posix_spawn(&p.pid_, spawn_args.argv[0], &actions, &attr, spawn_args.argv.data(),
                       spawn_args.envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_fd);
  if (rc != 0) {
    close(out_pipe[0]);
    if (error) *error = "posix_spawn " + argv[0] + " failed: errno " + std::to_string(rc);
    p.pid_ = -1;
    return std::nullopt;
  }
  p.out_fd_ = out_pipe[0];
  return std::optional<ServerProcess>(std::move(p));
}

ServerProcess::ServerProcess(ServerProcess&& other) noexcept
    : pid_(other.pid_),
      out_fd_(other.out_fd_),
      err_path_(std::move(other.err_path_)),
      out_(std::move(other.out_)),
      exited_(other.exited_),
      exit_code_(other.exit_code_) {
  other.pid_ = -1;
  other.out_fd_ = -1;
  other.err_path_.clear();
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && !exited_) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (!err_path_.empty()) unlink(err_path_.c_str());
}

std::optional<std::string> ServerProcess::wait_for_line(const std::string& needle,
                                                        std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    // Look for a complete line containing the needle in what was read so far.
    std::size_t line_start = 0;
    while (true) {
      std::size_t end = out_.find('\n', line_start);
      if (end == std::string::npos) break;
      std::string line = out_.substr(line_start, end - line_start);
      if (line.find(needle) != std::string::npos) return line;
      line_start = end + 1;
    }
    if (out_fd_ < 0) return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd fd{out_fd_, POLLIN, 0};
    int n = poll(&fd, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    char buf[4096];
    ssize_t got = read(out_fd_, buf, sizeof buf);
    if (got <= 0) {
      close(out_fd_);
      out_fd_ = -1;
      continue;
    }
    out_.append(buf, static_cast<std::size_t>(got));
  }
}

bool ServerProcess::running() {
  if (pid_ <= 0 || exited_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exited_ = true;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return false;
  }
  return true;
}

int ServerProcess::stop(int signal_number, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  if (exited_) return exit_code_;
  kill(pid_, signal_number);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return exit_code_;
    usleep(20'000);
  }
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  exited_ = true;
  exit_code_ = -1;
  return -1;
}

std::string ServerProcess::stderr_text() const {
  std::ifstream in(err_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace cllm::test
