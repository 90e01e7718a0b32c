#!/usr/bin/env bash
# Fetches llama.cpp from the pinned node-llama-cpp npm package, checks it, and builds
#   - the static, portable library (libllama + ggml) that cllm links via find_package(llama)
#   - a static, portable llama-server, the peer for benchmarks and a real upstream in tests
# into a cache directory outside the clone, keyed by the pins, this script and the compiler.
#
# Usage: scripts/build-llama.sh                 build (or reuse) and print nothing else on stdout
#        scripts/build-llama.sh --print-prefix  print the cache directory (no build)
# Env:   CLLM_DEPS_DIR   cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/cllm/deps)
#        CLLM_LLAMA_DIR  build into exactly this directory instead (used by repro-check)
#        CLLM_LLAMA_TARGETS  targets to build (default "llama llama-server")
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=pins.env
. "$here/pins.env"

# Every flag that changes the produced bytes goes into this array, and therefore into the key.
llama_cmake_flags=(
  -G Ninja -DCMAKE_BUILD_TYPE=Release
  -DGGML_NATIVE=OFF -DBUILD_SHARED_LIBS=OFF -DGGML_CCACHE=OFF
  -DLLAMA_BUILD_COMMON=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF
  -DLLAMA_TOOLS_INSTALL=OFF -DLLAMA_OPENSSL=OFF
  -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_BUILD_IS_DEV=OFF
)

# Bump when the recipe below changes what gets built (edits to comments need no bump).
recipe_rev=1

cache_key() {
  {
    cat "$here/pins.env"
    echo "recipe_rev=$recipe_rev"
    printf '%s\n' "${llama_cmake_flags[@]}"
    # Before setup has installed them these print nothing; the key is only used after setup.
    cc --version 2>/dev/null | head -n1 || true
    c++ --version 2>/dev/null | head -n1 || true
    cmake --version 2>/dev/null | head -n1 || true
  } | sha256sum | cut -c1-16
}

deps_root=${CLLM_DEPS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cllm/deps}
dir=${CLLM_LLAMA_DIR:-$deps_root/llama-$LLAMA_VERSION-$(cache_key)}

if [ "${1:-}" = "--print-prefix" ]; then
  echo "$dir"
  exit 0
fi

[ -f "$dir/.complete" ] && exit 0

mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock 9
[ -f "$dir/.complete" ] && exit 0 # another process finished it while we waited

echo "build-llama: building llama.cpp $LLAMA_VERSION ($LLAMA_COMMIT) into $dir" >&2
start=$(date +%s)
rm -rf "$dir"
mkdir -p "$dir"
work=$dir/work
mkdir -p "$work"

(cd "$work" && npm pack --silent "node-llama-cpp@$NODE_LLAMA_CPP_VERSION" >/dev/null)
tgz=$work/node-llama-cpp-$NODE_LLAMA_CPP_VERSION.tgz
echo "$NODE_LLAMA_CPP_TGZ_SHA256  $tgz" | sha256sum -c --quiet - ||
  { echo "build-llama: tarball hash mismatch for node-llama-cpp@$NODE_LLAMA_CPP_VERSION" >&2; exit 1; }
tar -xzf "$tgz" -C "$work" package/llama/gitRelease.bundle
bundle=$work/package/llama/gitRelease.bundle
echo "$LLAMA_BUNDLE_SHA256  $bundle" | sha256sum -c --quiet - ||
  { echo "build-llama: gitRelease.bundle hash mismatch" >&2; exit 1; }

src=$dir/src
git clone --quiet --no-checkout "$bundle" "$src"
git -C "$src" -c advice.detachedHead=false checkout --quiet --detach "$LLAMA_COMMIT"
# ggml records "<commit>-dirty" when the index is stale; refresh it so the string is stable.
git -C "$src" update-index -q --refresh
git -C "$src" diff-index --quiet HEAD -- || { echo "build-llama: checkout is dirty" >&2; exit 1; }

SOURCE_DATE_EPOCH=$(git -C "$src" log -1 --format=%ct)
export SOURCE_DATE_EPOCH
build=$dir/build
# Prefix maps make __FILE__ and debug paths independent of where the cache lives.
maps="-ffile-prefix-map=$src=. -ffile-prefix-map=$build=build"
cmake -S "$src" -B "$build" "${llama_cmake_flags[@]}" \
  -DCMAKE_C_FLAGS="$maps" -DCMAKE_CXX_FLAGS="$maps" \
  -DCMAKE_INSTALL_PREFIX="$dir/install" >"$dir/configure.log" 2>&1 ||
  { tail -n 40 "$dir/configure.log" >&2; exit 1; }
read -r -a targets <<<"${CLLM_LLAMA_TARGETS:-llama llama-server}"
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" >"$dir/build.log" 2>&1 ||
  { tail -n 40 "$dir/build.log" >&2; exit 1; }
cmake --install "$build" >"$dir/install.log" 2>&1 ||
  { tail -n 40 "$dir/install.log" >&2; exit 1; }
mkdir -p "$dir/bin"
if [ -f "$build/bin/llama-server" ]; then cp "$build/bin/llama-server" "$dir/bin/llama-server"; fi
git -C "$src" rev-parse HEAD >"$dir/commit"
rm -rf "$work" "$build"
echo "$(($(date +%s) - start))" >"$dir/.complete"
echo "build-llama: done in $(($(date +%s) - start)) s" >&2
