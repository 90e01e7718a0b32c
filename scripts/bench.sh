#!/usr/bin/env bash
# Runs the benchmarks of the release build. Each comparison harness prints its figures and,
# as its last line, a one-line summary against its named peer.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/release/bin
if [ -x "$bin/cllm_bench" ]; then
  "$bin/cllm_bench" --benchmark_min_time=0.2
else
  echo "bench: cllm_bench was not built (Google Benchmark missing?)" >&2
  exit 1
fi
