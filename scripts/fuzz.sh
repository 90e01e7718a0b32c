#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`, clang + ASan/UBSan) and runs each one for
# FUZZ_SECONDS, starting from a seed corpus of real inputs (tests/fuzz/seed_corpus.py: quotes,
# collateral, certificates, CRLs, PCK extensions and event logs from the shared test data, plus
# the hand-written seeds in tests/fuzz/seeds/<target>/).
#
# Env: FUZZ_SECONDS   seconds per target (default 60)
#      FUZZ_TARGETS   space-separated target names (default: every tests/fuzz/*_fuzz.cpp)
#      FUZZ_JOBS      build parallelism (default: nproc)
#      FUZZ_TIMEOUT   seconds one input may take before it counts as a hang (default 10)
#      CLLM_SHARED_DIR  shared test data (default ../shared)
# Corpora found so far persist in build/fuzz-corpus/<target>; seeds are rebuilt into
# build/fuzz-seeds/<target> on every run. A crash, leak, UB report or hang leaves the input in
# build/fuzz-corpus/<target>-crash-* (or -leak-, -timeout-, -oom-) and makes the script fail;
# reproduce it with build/fuzz/fuzz/<target> <that file>.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
hang_seconds=${FUZZ_TIMEOUT:-10}
jobs=${FUZZ_JOBS:-$(nproc)}
shared=${CLLM_SHARED_DIR:-../shared}

if [[ -z ${FUZZ_TARGETS:-} ]]; then
  FUZZ_TARGETS=$(for src in tests/fuzz/*_fuzz.cpp; do basename "$src" .cpp; done | tr '\n' ' ')
fi
read -r -a targets <<<"$FUZZ_TARGETS"

# The Makefile exports these; when the script runs on its own, compute them the same way.
export CLLM_LLAMA_PREFIX=${CLLM_LLAMA_PREFIX:-$(scripts/build-llama.sh --print-prefix)/install}
export CLLM_COMPILER_LAUNCHER=${CLLM_COMPILER_LAUNCHER:-$(command -v ccache || true)}

cmake --preset fuzz >/dev/null
# Only the fuzz targets (and the libraries they link), not the unit tests of this preset.
cmake --build build/fuzz -j"$jobs" --target "${targets[@]}"

if [[ ! -d $shared/testdata ]]; then
  {
    echo "################################################################################"
    echo "fuzz: WARNING: shared test data NOT FOUND at '$shared/testdata'."
    echo "fuzz: Targets start from the few hand-written seeds in tests/fuzz/seeds only, so"
    echo "fuzz: short runs reach far less of the parsers. Set CLLM_SHARED_DIR."
    echo "################################################################################"
  } >&2
fi
mkdir -p build/fuzz-corpus build/fuzz-seeds
python3 tests/fuzz/seed_corpus.py "$shared" build/fuzz-seeds "${targets[@]}" |
  sed 's/^/fuzz: seeds: /'

status=0
summary=()
for name in "${targets[@]}"; do
  bin=build/fuzz/fuzz/$name
  corpus=build/fuzz-corpus/$name
  log=build/fuzz-corpus/$name.log
  mkdir -p "$corpus"
  echo "fuzz: $name for ${seconds}s"
  # The first directory receives new inputs; the seed directory is only read.
  if "$bin" -max_total_time="$seconds" -timeout="$hang_seconds" -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="build/fuzz-corpus/$name-" \
    "$corpus" "build/fuzz-seeds/$name" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n1 || true)
    summary+=("ok      $name: ${runs:-?} runs, ${cov:-cov: ?}")
  else
    echo "fuzz: $name FOUND A FAILURE; see $log"
    grep -E 'ERROR: |runtime error|SUMMARY|Test unit written' "$log" | head -n 10 || true
    tail -n 30 "$log"
    summary+=("FAILED  $name: see $log")
    status=1
  fi
done
echo "fuzz: summary (${seconds}s per target)"
printf 'fuzz:   %s\n' "${summary[@]}"
exit $status
