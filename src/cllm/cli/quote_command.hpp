// `cllm quote ...`: one file per subcommand. Each adder registers its subcommand on the
// `quote` app and returns a runner that returns -1 when its subcommand was not chosen.
#pragma once

#include <functional>

#include "cllm/cli/command.hpp"

namespace cllm::cli {

std::function<int()> add_quote_inspect(CLI::App& quote);
std::function<int()> add_quote_verify(CLI::App& quote);
std::function<int()> add_quote_sim(CLI::App& quote);
std::function<int()> add_quote_collateral(CLI::App& quote);

}  // namespace cllm::cli
