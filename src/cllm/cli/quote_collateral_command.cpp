// cllm quote collateral --quote FILE [--pccs URL] [--cache-dir DIR [--now UNIX]] --out FILE
// Fetches the collateral a quote needs (TCB info and QE identity for its FMSPC and TEE type,
// the PCK CRL of its PCK CA, the root CA CRL) from Intel PCS, or from a PCCS, and writes it
// as dcap-qvl JSON for `cllm quote verify --collateral`. With --cache-dir, collateral fetched
// earlier is reused until its earliest nextUpdate (tdx::CollateralCache).
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "cllm/cli/cli_io.hpp"
#include "cllm/cli/quote_command.hpp"
#include "cllm/common/clock.hpp"
#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/net/http_client.hpp"
#include "cllm/tdx/collateral.hpp"
#include "cllm/tdx/collateral_cache.hpp"
#include "cllm/tdx/pcs_client.hpp"
#include "cllm/tdx/quote.hpp"
#include "cllm/tdx/quote_platform.hpp"

namespace cllm::cli {

namespace {

struct CollateralOptions {
  std::string quote;
  std::string pccs;
  std::string out;
  std::string ca_file;
  std::string cache_dir;
  std::int64_t now = 0;  // 0: the system clock
};

int run_collateral(const CollateralOptions& o) {
  const char* cmd = "quote collateral";
  auto content = read_input(o.quote);
  if (!content) return print_error(cmd, content.error()), kExitUsage;
  auto bytes = tdx::decode_quote_file(*content);
  if (!bytes) return print_error(cmd, bytes.error()), kExitFailed;
  auto quote = tdx::parse_quote(*bytes);
  if (!quote) return print_error(cmd, quote.error()), kExitFailed;
  auto request = tdx::collateral_request_for_quote(*quote);
  if (!request) return print_error(cmd, request.error()), kExitFailed;

  // Intel PCS is a public HTTPS service: the system trust store, or a CA file for a PCCS
  // with its own certificate.
  net::TlsClientOptions tls_options;
  if (!o.ca_file.empty()) {
    auto pem = read_input(o.ca_file);
    if (!pem) return print_error(cmd, pem.error()), kExitUsage;
    tls_options.ca_pem = to_string(*pem);
  } else {
    tls_options.use_system_trust_store = true;
  }
  auto tls = net::TlsClientContext::create(std::move(tls_options));
  if (!tls) return print_error(cmd, tls.error()), kExitUsage;
  net::ClientOptions client_options;
  client_options.tls = *tls;
  auto client = std::make_shared<const net::HttpClient>(client_options);

  tdx::PcsOptions pcs;
  if (!o.pccs.empty()) {
    pcs.base_url = o.pccs;
    pcs.pccs = true;
  }
  tdx::PcsClient pcs_client(pcs, tdx::http_get_over(client));
  auto fetch = [&pcs_client](const tdx::CollateralRequest& r) {
    return pcs_client.fetch_collateral(r);
  };
  Result<tdx::Collateral> collateral = make_error(ErrorCode::kInternal, "not fetched");
  bool from_cache = false;
  if (o.cache_dir.empty()) {
    collateral = fetch(*request);
  } else {
    std::error_code ec;
    std::filesystem::create_directories(o.cache_dir, ec);
    if (ec) {
      return print_error(cmd, make_error(ErrorCode::kIo, "cannot create cache directory " +
                                                             o.cache_dir + ": " + ec.message())),
             kExitUsage;
    }
    // Freshness is judged at --now when given, so that old collateral (test vectors,
    // offline replays) can be served from the cache at the time it was valid.
    const FixedClock fixed = FixedClock::at_unix(o.now);
    const Clock& clock = o.now != 0 ? static_cast<const Clock&>(fixed) : SystemClock::instance();
    tdx::CollateralCache cache({.directory = o.cache_dir}, fetch, clock);
    collateral = cache.get(*request);
    from_cache = cache.fetch_count() == 0;
  }
  if (!collateral) return print_error(cmd, collateral.error()), kExitFailed;
  std::string json = tdx::collateral_to_json(*collateral);
  if (auto s = write_file_atomic(o.out, as_bytes(json)); !s) {
    return print_error(cmd, s.error()), kExitUsage;
  }
  std::fprintf(stderr, "cllm %s: collateral for FMSPC %s%s written to %s\n", cmd,
               to_hex(request->fmspc).c_str(), from_cache ? " (from the cache)" : "",
               o.out.c_str());
  return kExitOk;
}

}  // namespace

std::function<int()> add_quote_collateral(CLI::App& quote) {
  auto o = std::make_shared<CollateralOptions>();
  CLI::App* sub = quote.add_subcommand(
      "collateral", "Fetch a quote's collateral from Intel PCS or a PCCS (dcap-qvl JSON)");
  sub->add_option("--quote", o->quote, "Quote file (binary or hex)")->required();
  sub->add_option("--pccs", o->pccs,
                  "PCCS base URL (e.g. https://pccs.example:8081); default: Intel PCS");
  sub->add_option("--ca", o->ca_file,
                  "CA certificate (PEM) to trust for the PCS/PCCS TLS "
                  "connection; default: the system store");
  sub->add_option("--out", o->out, "Where to write the collateral JSON")->required();
  sub->add_option("--cache-dir", o->cache_dir,
                  "Cache fetched collateral in this directory (one JSON file per platform) "
                  "and reuse it until its earliest nextUpdate");
  sub->add_option("--now", o->now,
                  "Time for the cache's freshness check, unix seconds (default: now)");
  return [o, sub] { return sub->parsed() ? run_collateral(*o) : -1; };
}

}  // namespace cllm::cli
