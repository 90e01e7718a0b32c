// Quote verification speed: warm (collateral and chains already verified and cached by hash)
// and cold (a fresh verifier each time: every chain, CRL and signature checked), on one
// thread. scripts/bench.sh runs @phala/dcap-qvl on the same inputs and prints the ratio.
// Usage: cllm_quote_verify_bench QUOTE COLLATERAL_JSON NOW_UNIX [SECONDS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cllm/common/file.hpp"
#include "cllm/crypto/x509.hpp"
#include "cllm/tdx/collateral.hpp"
#include "cllm/tdx/intel_root_ca.hpp"
#include "cllm/tdx/quote.hpp"
#include "cllm/tdx/verifier.hpp"

using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s QUOTE COLLATERAL_JSON NOW_UNIX [SECONDS]\n", argv[0]);
    return 2;
  }
  double seconds = argc > 4 ? std::atof(argv[4]) : 2.0;
  auto quote_file = cllm::read_file(argv[1]);
  auto coll_text = cllm::read_text_file(argv[2]);
  if (!quote_file || !coll_text) {
    std::fprintf(stderr, "cannot read inputs\n");
    return 2;
  }
  auto quote = cllm::tdx::decode_quote_file(*quote_file);
  auto collateral = cllm::tdx::parse_collateral_json(*coll_text);
  auto root = cllm::crypto::Certificate::from_der(cllm::tdx::intel_sgx_root_ca_der());
  if (!quote || !collateral || !root) {
    std::fprintf(stderr, "cannot parse inputs\n");
    return 2;
  }
  std::int64_t now = std::atoll(argv[3]);

  // Cold: a new verifier per verification, so nothing is cached.
  std::vector<double> cold_ms;
  auto cold_deadline = Clock::now() + std::chrono::duration<double>(seconds / 2);
  while (Clock::now() < cold_deadline || cold_ms.size() < 20) {
    cllm::tdx::DcapVerifier fresh(*root);
    auto t0 = Clock::now();
    auto r = fresh.verify(*quote, *collateral, now);
    cold_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!r || !r->verified) {
      std::fprintf(
          stderr, "verification failed: %s\n",
          r ? (r->errors.empty() ? "?" : r->errors[0].c_str()) : r.error().message().c_str());
      return 1;
    }
  }
  std::sort(cold_ms.begin(), cold_ms.end());
  double cold_median = cold_ms[cold_ms.size() / 2];

  // Warm: one verifier, its cache filled by the first call.
  cllm::tdx::DcapVerifier verifier(*root);
  (void)verifier.verify(*quote, *collateral, now);
  std::size_t n = 0;
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    auto r = verifier.verify(*quote, *collateral, now);
    if (!r || !r->verified) return 1;
    ++n;
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("cllm_warm_per_s=%.0f cllm_cold_ms=%.3f cold_samples=%zu\n", n / elapsed, cold_median,
              cold_ms.size());
  return 0;
}
