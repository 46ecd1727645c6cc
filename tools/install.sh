#!/usr/bin/env bash
# tools/install.sh — install the pinned external tools zktorch needs, offline except for npm.
#
# What:   solc 0.8.37 (npm `solc`, soljson wasm), anvil/forge/cast 1.7.1 (npm @foundry-rs/*-linux-amd64,
#         real ELF binaries, no postinstall download), snarkjs 0.7.6 — pinned by the committed
#         tools/package.json + tools/package-lock.json and installed with `npm ci` into
#         tools/node_modules/ (git-ignored).
# Layout: tools/bin/{solc,anvil,forge,cast,snarkjs} are small COMMITTED bash wrappers that resolve
#         tools/node_modules relative to their own location (work from any cwd, also via symlinks).
#         tools/bin/solc runs tools/solc-shim.js (committed), a native-solc-compatible front end
#         (`--version`, `--standard-json`) for the wasm compiler; usable by forge and foundry-compilers.
# Re-run: idempotent; returns in well under a second when node_modules matches the lock
#         (stamp file tools/node_modules/.zktorch-lock.sha256). Set ZKTORCH_TOOLS_FORCE=1 to reinstall.
# Needs:  node >= 18 and npm on PATH, linux x86_64 (the foundry binaries are linux-amd64 only).
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
cd "$here"

die() { echo "tools/install.sh: error: $*" >&2; exit 1; }

command -v node >/dev/null 2>&1 || die "node not found on PATH (need node >= 18; e.g. apt-get install nodejs npm)"
command -v npm  >/dev/null 2>&1 || die "npm not found on PATH"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 18 ] || die "node >= 18 required, found $(node --version)"
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || die "foundry npm binaries are linux-amd64 only (this is $(uname -s)-$(uname -m))"
[ -f package.json ] || die "tools/package.json missing"
[ -f package-lock.json ] || die "tools/package-lock.json missing (regenerate with: cd tools && npm install)"

stamp=node_modules/.zktorch-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
bins=(
  node_modules/solc/soljson.js
  node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
  node_modules/@foundry-rs/forge-linux-amd64/bin/forge
  node_modules/@foundry-rs/cast-linux-amd64/bin/cast
  node_modules/snarkjs/build/cli.cjs
)
installed() {
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] || return 1
  local f; for f in "${bins[@]}"; do [ -e "$f" ] || return 1; done
}

if [ "${ZKTORCH_TOOLS_FORCE:-0}" != 1 ] && installed; then
  :
else
  echo "tools/install.sh: npm ci (solc 0.8.37, anvil/forge/cast 1.7.1, snarkjs 0.7.6) ..." >&2
  rm -f "$stamp"
  npm ci --no-audit --no-fund --prefer-offline --loglevel=error >&2 \
    || die "npm ci failed in $here (is the npm registry reachable?)"
  for f in "${bins[@]}"; do [ -e "$f" ] || die "expected $f after npm ci, not found"; done
  echo "$want" > "$stamp"
fi

chmod +x bin/solc bin/anvil bin/forge bin/cast bin/snarkjs solc-shim.js \
  node_modules/@foundry-rs/{anvil,forge,cast}-linux-amd64/bin/* 2>/dev/null || true

# Smoke check (cheap: solc --version loads the wasm, ~1 s).
bin/solc --version 2>&1 | grep -q '^Version: 0\.8\.37' || die "tools/bin/solc --version failed: $(bin/solc --version 2>&1 | tail -3)"
bin/anvil --version 2>&1 | grep -q '1\.7\.1' || die "tools/bin/anvil --version failed: $(bin/anvil --version 2>&1 | tail -3)"

# Optional: make the shim visible to svm-based solc auto-detection (forge with auto_detect_solc = true,
# or a foundry.toml without `solc = ...`). Not needed by this repo's foundry.toml; opt in with
# ZKTORCH_INSTALL_SVM=1 (writes $HOME/.svm/0.8.37/solc-0.8.37, never overwrites a real file).
if [ "${ZKTORCH_INSTALL_SVM:-0}" = 1 ]; then
  svm="$HOME/.svm/0.8.37/solc-0.8.37"
  if [ ! -e "$svm" ] || [ -L "$svm" ]; then
    mkdir -p "$(dirname "$svm")" && ln -sfn "$here/bin/solc" "$svm"
  fi
fi

echo "tools/install.sh: ok ($here/bin: solc anvil forge cast snarkjs)" >&2
