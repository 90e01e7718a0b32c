#!/usr/bin/env bash
# Runs the benchmarks of the release build. Each comparison measures cllm and its named peer
# side by side in this one run and ends with a one-line summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/release/bin
shared=${CLLM_SHARED_DIR:-../shared}

echo "== crypto micro-benchmarks (Google Benchmark)"
"$bin/cllm_bench" --benchmark_min_time=0.2

echo "== quote verification: cllm vs @phala/dcap-qvl (pure JS), same quote and collateral"
quote=$shared/testdata/tdx/dcapqvl_tdx_quote
collateral=$shared/testdata/tdx/dcapqvl_tdx_quote_collateral.json
now=1752919234
if [ ! -f "$quote" ]; then
  echo "bench: SKIPPED quote_verify: $quote missing (set CLLM_SHARED_DIR)"
  exit 0
fi
peer=bench/peers/dcap-qvl
# The peer is installed into a bench-only folder from the pinned lock file.
[ -d "$peer/node_modules/@phala/dcap-qvl" ] || (cd "$peer" && npm ci --silent --no-audit --no-fund)
# One core each: taskset pins the process so neither side gets a second core.
cllm_line=$(taskset -c 0 "$bin/cllm_quote_verify_bench" "$quote" "$collateral" "$now" 3)
peer_line=$(taskset -c 0 node "$peer/verify_bench.js" "$quote" "$collateral" "$now" 3)
echo "cllm:     $cllm_line"
echo "dcap-qvl: $peer_line"
warm=$(sed -E 's/.*cllm_warm_per_s=([0-9.]+).*/\1/' <<<"$cllm_line")
cold=$(sed -E 's/.*cllm_cold_ms=([0-9.]+).*/\1/' <<<"$cllm_line")
peer_rate=$(sed -E 's/.*dcapqvl_per_s=([0-9.]+).*/\1/' <<<"$peer_line")
awk -v w="$warm" -v c="$cold" -v p="$peer_rate" 'BEGIN {
  printf "cold ratio (cllm cold vs dcap-qvl, both uncached): %.1f\n", (1000 / c) / p
  printf "quote_verify warm_per_s=%.0f cold_ms=%.3f dcapqvl_per_s=%.1f ratio=%.1f\n", w, c, p, w / p
}'
