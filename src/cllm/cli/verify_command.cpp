// cllm verify URL: appraise a cllm node's RA-TLS certificate and a fresh attestation report
// (ratls/node_verifier.hpp), print every check, exit 0 only when accepted.
#include <cstdio>
#include <memory>

#include "cllm/cli/cli_io.hpp"
#include "cllm/cli/command.hpp"
#include "cllm/cli/node_verify_options.hpp"

namespace cllm::cli {

namespace {

struct VerifyOptions {
  std::string url;
  NodeVerifyFlags flags;
  bool json = false;
};

int run_verify(const VerifyOptions& o) {
  auto options = node_verify_options(o.flags);
  if (!options) return print_error("verify", options.error()), kExitUsage;
  auto verification = ratls::verify_node(o.url, *options);
  if (!verification) return print_error("verify", verification.error()), kExitUsage;
  if (o.json) {
    print_json(ratls::node_verification_to_json(*verification));
  } else {
    print_node_verification(*verification);
  }
  return verification->accepted ? kExitOk : kExitFailed;
}

}  // namespace

Command add_verify_command(CLI::App& app) {
  auto o = std::make_shared<VerifyOptions>();
  CLI::App* sub = app.add_subcommand(
      "verify", "Verify a cllm node: RA-TLS certificate, fresh attestation report, bindings");
  sub->add_option("url", o->url, "The node, e.g. https://127.0.0.1:8443")->required();
  add_node_verify_flags(sub, o->flags, true);
  sub->add_flag("--json", o->json, "Print {accepted, checks, ...} as JSON");
  return {sub, [o] { return run_verify(*o); }};
}

}  // namespace cllm::cli
