#!/usr/bin/env bash
# Builds cllm (and the llama.cpp library it links) twice, from two clean clones of HEAD in
# two directories of different path lengths, and compares the results byte for byte.
# Env: REPRO_LLAMA=cached  reuse the cached llama.cpp build for both (checks only our code)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
[ -z "$(git status --porcelain)" ] || echo "repro-check: note: uncommitted changes are not part of the check (it builds HEAD)"

root=$(mktemp -d /tmp/cllm-repro.XXXXXX)
# REPRO_KEEP=1 keeps both trees for inspection (diffoscope, readelf).
[ "${REPRO_KEEP:-}" = "1" ] || trap 'rm -rf "$root"' EXIT
dirs=("$root/a" "$root/second-build-dir")
export SOURCE_DATE_EPOCH
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)

# Both trees build exactly this commit, even if HEAD moves while the check runs.
rev=$(git rev-parse HEAD)
for d in "${dirs[@]}"; do
  mkdir -p "$d"
  git clone --quiet "$repo" "$d/src"
  git -C "$d/src" -c advice.detachedHead=false checkout --quiet "$rev"
  if [ "${REPRO_LLAMA:-}" = "cached" ]; then
    prefix="$("$repo/scripts/build-llama.sh" --print-prefix)/install"
  else
    echo "repro-check: building llama.cpp (library) in $d/llama" >&2
    CLLM_LLAMA_DIR="$d/llama" CLLM_LLAMA_TARGETS="llama" "$repo/scripts/build-llama.sh"
    prefix="$d/llama/install"
  fi
  echo "repro-check: building cllm in $d/src" >&2
  # No compiler launcher: a cache hit must not stand in for a real compile here.
  (cd "$d/src" && CLLM_LLAMA_PREFIX="$prefix" CLLM_COMPILER_LAUNCHER="" \
     cmake --preset release -DCLLM_BUILD_TESTS=OFF -DCLLM_BUILD_BENCH=OFF >/dev/null &&
   cmake --build --preset release -j"$(nproc)" --target cllm >/dev/null)
done

status=0
compare() {
  local what=$1 a=$2 b=$3
  local ha hb
  ha=$(sha256sum "$a" | cut -d' ' -f1)
  hb=$(sha256sum "$b" | cut -d' ' -f1)
  if [ "$ha" = "$hb" ]; then
    echo "repro-check: identical  $what  sha256 $ha"
  else
    echo "repro-check: DIFFERENT  $what"
    echo "  $a  $ha"
    echo "  $b  $hb"
    # Name the ELF sections that differ (the build id always does when anything else does).
    python3 - "$a" "$b" <<'PY' || true
import subprocess, sys
a, b = sys.argv[1], sys.argv[2]
out = subprocess.run(["readelf", "-SW", a], capture_output=True, text=True).stdout
da, db = open(a, "rb").read(), open(b, "rb").read()
for line in out.splitlines():
    parts = line.replace("[ ", "[").split()
    if len(parts) > 5 and parts[0].startswith("[") and parts[0] != "[Nr]":
        name, off, size = parts[1], int(parts[4], 16), int(parts[5], 16)
        if da[off:off + size] != db[off:off + size]:
            print("  differs in section", name)
if len(da) != len(db):
    print("  sizes differ:", len(da), len(db))
PY
    status=1
  fi
}
if [ "${REPRO_LLAMA:-}" != "cached" ]; then
  for lib in libllama.a libggml.a libggml-base.a libggml-cpu.a; do
    compare "$lib" "${dirs[0]}/llama/install/lib/$lib" "${dirs[1]}/llama/install/lib/$lib"
  done
fi
compare "bin/cllm" "${dirs[0]}/src/build/release/bin/cllm" "${dirs[1]}/src/build/release/bin/cllm"
sha384=$(sha384sum "${dirs[0]}/src/build/release/bin/cllm" | cut -d' ' -f1)
echo "repro-check: cllm sha384 $sha384 (what 'cllm --version --self-sha384' prints)"
[ $status -eq 0 ] && echo "repro-check: OK, bit-for-bit reproducible" || echo "repro-check: FAILED"
exit $status
