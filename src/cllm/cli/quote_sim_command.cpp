// cllm quote sim --report-data HEX [--sim-dir D] [--version 4|5] [--debug] [--tcb STATUS]
//                --out FILE [--collateral-out FILE] [--root-out FILE]
// Makes a quote on the TDX simulator (creating its platform on first use), plus the
// collateral and the simulator's root certificate a verifier needs.
#include <cstdio>

#include "cllm/cli/cli_io.hpp"
#include "cllm/cli/quote_command.hpp"
#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/tdx/collateral.hpp"
#include "cllm/tdx/sim_attester.hpp"

namespace cllm::cli {

namespace {

struct SimOptions {
  std::string report_data;
  std::string sim_dir;
  int version = 4;
  bool debug = false;
  std::string tcb = "UpToDate";
  std::string out;
  std::string collateral_out;
  std::string root_out;
};

int run_sim(const SimOptions& o) {
  const char* cmd = "quote sim";
  auto data = from_hex(o.report_data, /*allow_0x=*/true);
  if (!data || data->size() > 64) {
    std::fprintf(stderr, "cllm %s: --report-data must be at most 64 bytes of hex\n", cmd);
    return kExitUsage;
  }
  tdx::ReportData report_data{};
  std::copy(data->begin(), data->end(), report_data.begin());  // zero-padded on the right

  auto variant = tdx::sim_tcb_variant_from_string(o.tcb);
  if (!variant) {
    std::fprintf(stderr, "cllm %s: --tcb must be UpToDate, OutOfDate or Revoked\n", cmd);
    return kExitUsage;
  }
  tdx::SimAttesterOptions options;
  options.platform.dir = o.sim_dir;
  options.platform.variant = *variant;
  options.td_report_15 = o.version == 5;
  options.debug = o.debug;
  auto attester = tdx::SimAttester::create(options);
  if (!attester) return print_error(cmd, attester.error()), kExitUsage;
  if ((*attester)->platform().variant() != *variant && o.tcb != "UpToDate") {
    std::fprintf(
        stderr, "cllm %s: the platform in %s was created as %s; use another --sim-dir for %s\n",
        cmd, (*attester)->platform().dir().c_str(),
        std::string(tdx::to_string((*attester)->platform().variant())).c_str(), o.tcb.c_str());
    return kExitUsage;
  }
  auto quote = (*attester)->get_quote(report_data);
  if (!quote) return print_error(cmd, quote.error()), kExitFailed;
  if (auto s = write_file_atomic(o.out, *quote); !s) return print_error(cmd, s.error()), kExitUsage;
  if (!o.collateral_out.empty()) {
    auto collateral = (*attester)->collateral();
    if (!collateral) return print_error(cmd, collateral.error()), kExitFailed;
    std::string json = tdx::collateral_to_json(*collateral);
    if (auto s = write_file_atomic(o.collateral_out, as_bytes(json)); !s) {
      return print_error(cmd, s.error()), kExitUsage;
    }
  }
  if (!o.root_out.empty()) {
    const std::string& pem = (*attester)->platform().root_certificate_pem();
    if (auto s = write_file_atomic(o.root_out, as_bytes(pem)); !s) {
      return print_error(cmd, s.error()), kExitUsage;
    }
  }
  std::fprintf(stderr, "cllm %s: simulated quote v%d (%zu bytes, platform %s, TCB %s) -> %s\n", cmd,
               o.version, quote->size(), (*attester)->platform().dir().c_str(),
               std::string(tdx::to_string((*attester)->platform().variant())).c_str(),
               o.out.c_str());
  return kExitOk;
}

}  // namespace

std::function<int()> add_quote_sim(CLI::App& quote) {
  auto o = std::make_shared<SimOptions>();
  CLI::App* sub =
      quote.add_subcommand("sim", "Make a quote on the TDX simulator (labelled simulated)");
  sub->add_option("--report-data", o->report_data, "Up to 64 bytes of hex, zero-padded")
      ->required();
  sub->add_option("--sim-dir", o->sim_dir, "Simulator directory (default $XDG_DATA_HOME/cllm/sim)");
  sub->add_option("--version", o->version, "Quote version: 4 (TD report 1.0) or 5 (TD report 1.5)")
      ->check(CLI::IsMember({4, 5}))
      ->capture_default_str();
  sub->add_flag("--debug", o->debug, "Set the DEBUG TD attribute");
  sub->add_option("--tcb", o->tcb,
                  "Platform TCB when the platform is created: UpToDate, "
                  "OutOfDate or Revoked")
      ->capture_default_str();
  sub->add_option("--out", o->out, "Where to write the quote (binary)")->required();
  sub->add_option("--collateral-out", o->collateral_out, "Where to write the collateral JSON");
  sub->add_option("--root-out", o->root_out, "Where to write the simulator's root CA (PEM)");
  return [o, sub] { return sub->parsed() ? run_sim(*o) : -1; };
}

}  // namespace cllm::cli
