#!/usr/bin/env bash
# Runs the benchmarks of the release build. Each comparison measures cllm and its named peer
# side by side in this one run and ends with a one-line summary. The comparisons are independent:
# one whose inputs are missing says SKIPPED, one that fails says FAILED, and the others still
# run. The summaries are repeated at the end, in the order quote, node, GPU; the exit status is 1
# when a comparison failed.
# Env: CLLM_BIN_DIR (default build/release/bin), CLLM_SHARED_DIR (default ../shared),
#      CLLM_NODE_BENCH_ARGS (more arguments for bench/node_vs_llama_server.py, e.g. "--starts 1").
# shellcheck disable=SC2317 # the comparisons are functions called through run_part
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${CLLM_BIN_DIR:-build/release/bin}
shared=${CLLM_SHARED_DIR:-../shared}
summary_file=$(mktemp)
trap 'rm -f "$summary_file"' EXIT
status=0

echo "== crypto micro-benchmarks (Google Benchmark)"
"$bin/cllm_bench" --benchmark_min_time=0.2

quote_verify() {
  echo "== quote verification: cllm vs @phala/dcap-qvl (pure JS), same quote and collateral"
  local quote=$shared/testdata/tdx/dcapqvl_tdx_quote
  local collateral=$shared/testdata/tdx/dcapqvl_tdx_quote_collateral.json
  local now=1752919234
  if [ ! -f "$quote" ]; then
    echo "quote_verify SKIPPED: $quote missing (set CLLM_SHARED_DIR)"
    return 0
  fi
  local peer=bench/peers/dcap-qvl
  # The peer is installed into a bench-only folder from the pinned lock file.
  [ -d "$peer/node_modules/@phala/dcap-qvl" ] || (cd "$peer" && npm ci --silent --no-audit --no-fund)
  # One core each: taskset pins the process so neither side gets a second core.
  local cllm_line peer_line warm cold peer_rate
  cllm_line=$(taskset -c 0 "$bin/cllm_quote_verify_bench" "$quote" "$collateral" "$now" 3)
  peer_line=$(taskset -c 0 node "$peer/verify_bench.js" "$quote" "$collateral" "$now" 3)
  echo "cllm:     $cllm_line"
  echo "dcap-qvl: $peer_line"
  warm=$(sed -E 's/.*cllm_warm_per_s=([0-9.]+).*/\1/' <<<"$cllm_line")
  cold=$(sed -E 's/.*cllm_cold_ms=([0-9.]+).*/\1/' <<<"$cllm_line")
  peer_rate=$(sed -E 's/.*dcapqvl_per_s=([0-9.]+).*/\1/' <<<"$peer_line")
  awk -v c="$cold" -v p="$peer_rate" 'BEGIN {
    printf "cold ratio (cllm cold vs dcap-qvl, both uncached): %.1f\n", (1000 / c) / p
  }'
  awk -v w="$warm" -v c="$cold" -v p="$peer_rate" 'BEGIN {
    printf "quote_verify warm_per_s=%.0f cold_ms=%.3f dcapqvl_per_s=%.1f ratio=%.1f\n", w, c, p, w / p
  }'
}

node_vs_llama_server() {
  echo "== node: cllm serve (HTTPS, RA-TLS, receipts) vs llama-server (HTTP), same model, threads, slots"
  local small=$shared/models/stories260K.gguf
  if [ ! -f "$small" ]; then
    echo "node_vs_llama_server SKIPPED: $small missing (set CLLM_SHARED_DIR)"
    return 0
  fi
  scripts/build-llama.sh # builds llama-server into its cache unless it is there already
  local llama_server big_args=() made
  llama_server=$(scripts/build-llama.sh --print-prefix)/bin/llama-server
  # The ~91 M-parameter random model: generated once into ~/.cache/cllm/models.
  if made=$(/usr/bin/python3 scripts/make-random-model.py --tokenizer-from "$small"); then
    echo "random model: $made"
    big_args=(--big "${made% sha256=*}")
  else
    echo "bench: the random model could not be made (needs /usr/bin/python3 with numpy);" \
      "node_vs_llama_server runs on stories260K only"
  fi
  # shellcheck disable=SC2086 # CLLM_NODE_BENCH_ARGS is a list of words
  python3 bench/node_vs_llama_server.py --cllm "$bin/cllm" --llama-server "$llama_server" \
    --small "$small" "${big_args[@]}" ${CLLM_NODE_BENCH_ARGS:-}
}

gpu_verify() {
  echo "== GPU evidence verification: a real H100 report and chain, chain cached (warm) and not (cold)"
  local dir=$shared/testdata/nvidia/nvat_sdk/gpu
  if [ ! -f "$dir/hopper_580.159.03_AttestationReport.txt" ]; then
    echo "gpu_verify SKIPPED: $dir missing (set CLLM_SHARED_DIR)"
    return 0
  fi
  # One core, like the quote comparison; the bar is >= 800 warm verifications/s (the P-384
  # verification inside costs about 1/1080 s on the reference machine).
  taskset -c 0 "$bin/cllm_gpu_verify_bench" "$dir/hopper_580.159.03_AttestationReport.txt" \
    "$dir/hopper_580.159.03_CertChain.txt" \
    5bb22e377702d4e1e8215a903ba094826b9ac7f731dee1fe8102958bf2840aca 1764115200 2
}

# Runs one comparison in a subshell with errexit on (a condition context would turn it off),
# and records its last output line, its summary, or that it failed.
run_part() {
  local name=$1 out rc
  out=$(mktemp)
  set +e
  (
    set -e
    "$name"
  ) | tee "$out"
  rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" -eq 0 ]; then
    tail -n 1 "$out" >>"$summary_file"
  else
    echo "$name FAILED (exit $rc)" >>"$summary_file"
    status=1
  fi
  rm -f "$out"
}

run_part quote_verify
run_part node_vs_llama_server
run_part gpu_verify

echo "== summary"
cat "$summary_file"
exit "$status"
