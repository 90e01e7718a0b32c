// cllm: one binary, one subcommand per file in this folder.
#include <cstdio>
#include <vector>

#include "cllm/cli/command.hpp"
#include "cllm/common/log.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "cllm: confidential LLM inference in Trusted Execution Environments (Intel TDX, NVIDIA "
      "confidential GPUs, or the simulator)"};
  app.require_subcommand(0, 1);
  bool show_version = false;
  bool self_hash = false;
  std::string log_level;
  app.add_flag("--version", show_version, "Print cllm, git commit and llama.cpp versions");
  app.add_flag("--self-sha384", self_hash,
               "With --version: also print the SHA-384 of this executable (what a node measures)");
  app.add_option("--log-level", log_level,
                 "trace|debug|info|warn|error|off (default $CLLM_LOG or info)");

  std::vector<cllm::cli::Command> commands = {
      cllm::cli::add_generate_command(app), cllm::cli::add_quote_command(app),
      cllm::cli::add_eventlog_command(app), cllm::cli::add_serve_command(app),
      cllm::cli::add_dev_command(app),      cllm::cli::add_verify_command(app),
      cllm::cli::add_chat_command(app),     cllm::cli::add_gpu_command(app),
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? cllm::cli::kExitOk : cllm::cli::kExitUsage;
  }
  cllm::init_logging(log_level);
  if (show_version) return cllm::cli::print_version(self_hash);
  for (const auto& command : commands) {
    if (command.app->parsed()) return command.run();
  }
  std::fputs(app.help().c_str(), stdout);
  return cllm::cli::kExitOk;
}
