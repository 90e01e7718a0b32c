#include "cllm/cli/quote_command.hpp"

#include <vector>

namespace cllm::cli {

Command add_quote_command(CLI::App& app) {
  CLI::App* quote = app.add_subcommand("quote", "TDX/SGX quotes: inspect, verify, simulate");
  quote->require_subcommand(1);
  std::vector<std::function<int()>> runners = {
      add_quote_inspect(*quote),
      add_quote_verify(*quote),
      add_quote_sim(*quote),
      add_quote_collateral(*quote),
  };
  return {quote, [runners] {
            for (const auto& run : runners) {
              int rc = run();
              if (rc >= 0) return rc;
            }
            return kExitUsage;
          }};
}

}  // namespace cllm::cli
