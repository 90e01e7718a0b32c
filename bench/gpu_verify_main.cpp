// GPU evidence verification speed on one thread, on a real H100 report and its chain:
//   warm: one GpuEvidenceVerifier whose chain cache already holds the device's chain, so a
//         verification is one report parse, the nonce and FWID checks and one P-384 verify;
//   cold: the chain verified from scratch every time (4 more P-384 verifies, PEM and X.509
//         parsing, extensions).
// For scale it also times bare P-384 verifications of the report's signature, the floor a
// warm verification cannot beat. scripts/bench.sh prints the last line as the summary.
// Usage: cllm_gpu_verify_bench REPORT CERT_CHAIN NONCE_HEX NOW_UNIX [SECONDS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/gpu/device_chain.hpp"
#include "cllm/gpu/evidence_verifier.hpp"
#include "cllm/gpu/report_encoding.hpp"
#include "cllm/gpu/spdm_report.hpp"

using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s REPORT CERT_CHAIN NONCE_HEX NOW_UNIX [SECONDS]\n", argv[0]);
    return 2;
  }
  const double seconds = argc > 5 ? std::atof(argv[5]) : 2.0;
  auto report_file = cllm::read_file(argv[1]);
  auto chain = cllm::read_text_file(argv[2]);
  auto nonce = cllm::from_hex(argv[3]);
  if (!report_file || !chain || !nonce || nonce->size() != cllm::gpu::kSpdmNonceSize) {
    std::fprintf(stderr, "cannot read inputs\n");
    return 2;
  }
  auto report = cllm::gpu::decode_report_file(*report_file);
  if (!report) {
    std::fprintf(stderr, "report: %s\n", report.error().message().c_str());
    return 2;
  }
  cllm::gpu::GpuEvidence evidence;
  evidence.arch = cllm::gpu::GpuArch::kHopper;
  evidence.report = *report;
  evidence.certificate_chain = *chain;
  cllm::gpu::EvidenceOptions options;
  std::copy(nonce->begin(), nonce->end(), options.expected_nonce.begin());
  options.now = std::atoll(argv[4]);

  cllm::gpu::GpuEvidenceVerifier verifier;
  auto first = verifier.appraise(evidence, options);
  if (!first.passed()) {
    const auto* failed = first.checks.first_failure();
    std::fprintf(stderr, "verification failed: %s: %s\n", failed ? failed->name.c_str() : "?",
                 failed ? failed->detail.c_str() : "");
    return 1;
  }

  // Warm: the chain is in the cache.
  std::size_t warm = 0;
  auto start = Clock::now();
  while (seconds_since(start) < seconds) {
    if (!verifier.appraise(evidence, options).passed()) return 1;
    ++warm;
  }
  const double warm_per_s = static_cast<double>(warm) / seconds_since(start);

  // Cold: every chain verified again.
  std::vector<double> cold_ms;
  start = Clock::now();
  while (seconds_since(start) < seconds / 2 || cold_ms.size() < 20) {
    auto t0 = Clock::now();
    if (!verifier.appraise_uncached(evidence, options).passed()) return 1;
    cold_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(cold_ms.begin(), cold_ms.end());

  // The floor: the report signature alone.
  auto parsed = cllm::gpu::parse_spdm_report(*report, cllm::gpu::DeviceKind::kGpu);
  auto certs = cllm::gpu::parse_device_chain(*chain);
  if (!parsed || !certs || certs->empty()) return 2;
  auto leaf_key = (*certs)[0].ecdsa_public_key();
  if (!leaf_key) return 2;
  std::size_t bare = 0;
  start = Clock::now();
  while (seconds_since(start) < seconds / 2) {
    if (!leaf_key->verify(parsed->signed_span(), parsed->signature).ok()) return 1;
    ++bare;
  }
  const double p384_per_s = static_cast<double>(bare) / seconds_since(start);

  std::printf("p384_verify_per_s=%.0f warm_vs_p384=%.2f cold_samples=%zu\n", p384_per_s,
              warm_per_s / p384_per_s, cold_ms.size());
  std::printf("gpu_verify warm_per_s=%.0f cold_ms=%.3f\n", warm_per_s, cold_ms[cold_ms.size() / 2]);
  return 0;
}
