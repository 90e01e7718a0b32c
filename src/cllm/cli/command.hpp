// Each subcommand registers its options on the CLI11 app and returns the runner to call
// when it was selected. Exit codes: 0 success, 1 the operation failed, 2 usage or I/O error.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace cllm::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// A registered subcommand and what to run when the user picked it.
struct Command {
  CLI::App* app;
  std::function<int()> run;
};

Command add_generate_command(CLI::App& app);
Command add_quote_command(CLI::App& app);
Command add_eventlog_command(CLI::App& app);
Command add_serve_command(CLI::App& app);
Command add_dev_command(CLI::App& app);
Command add_verify_command(CLI::App& app);
Command add_chat_command(CLI::App& app);
Command add_gpu_command(CLI::App& app);

// Prints version lines; with self_hash also the SHA-384 of the running executable.
int print_version(bool self_hash);

}  // namespace cllm::cli
