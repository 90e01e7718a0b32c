// cllm quote inspect FILE [--json]: decodes a v3, v4 or v5 quote (binary or hex text).
#include <cstdio>

#include "cllm/cli/cli_io.hpp"
#include "cllm/cli/quote_command.hpp"
#include "cllm/tdx/quote.hpp"
#include "cllm/tdx/quote_json.hpp"

namespace cllm::cli {

namespace {

int run_inspect(const std::string& file, bool json) {
  auto content = read_input(file);
  if (!content) {
    print_error("quote inspect", content.error());
    return kExitUsage;
  }
  auto bytes = tdx::decode_quote_file(*content);
  if (!bytes) {
    print_error("quote inspect", bytes.error());
    return kExitFailed;
  }
  auto quote = tdx::parse_quote(*bytes);
  if (!quote) {
    print_error("quote inspect", quote.error());
    return kExitFailed;
  }
  if (json) {
    print_json(tdx::quote_to_json(*quote));
  } else {
    std::fputs(tdx::quote_to_text(*quote).c_str(), stdout);
  }
  return kExitOk;
}

}  // namespace

std::function<int()> add_quote_inspect(CLI::App& quote) {
  struct Options {
    std::string file;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = quote.add_subcommand("inspect", "Decode a quote (v3, v4, v5; binary or hex)");
  sub->add_option("file", o->file, "Quote file, or - for stdin")->required();
  sub->add_flag("--json", o->json, "Print JSON (schema cllm.quote.v1, see docs/API.md)");
  return [o, sub] { return sub->parsed() ? run_inspect(o->file, o->json) : -1; };
}

}  // namespace cllm::cli
