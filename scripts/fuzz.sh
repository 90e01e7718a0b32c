#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`, clang + ASan/UBSan) and runs each for
# FUZZ_SECONDS (default 60). Corpora persist in build/fuzz-corpus/<target>.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j"$(nproc)"
status=0
for bin in build/fuzz/fuzz/*_fuzz; do
  name=$(basename "$bin")
  corpus=build/fuzz-corpus/$name
  mkdir -p "$corpus"
  echo "fuzz: $name for ${seconds}s"
  if ! "$bin" -max_total_time="$seconds" -print_final_stats=0 "$corpus" \
       -artifact_prefix="build/fuzz-corpus/$name-" 2>"build/fuzz-corpus/$name.log"; then
    echo "fuzz: $name FOUND A FAILURE; see build/fuzz-corpus/$name.log"
    tail -n 30 "build/fuzz-corpus/$name.log"
    status=1
  else
    grep -E '^(#[0-9]+.*DONE|Done)' "build/fuzz-corpus/$name.log" | tail -n1 || true
  fi
done
exit $status
