#!/usr/bin/env bash
# The whole test suite (what CI runs via .ci/run):
#   1. tools/install.sh  (pinned solc/anvil/forge/cast/snarkjs from npm into tools/, fast when present)
#   2. cargo test --locked   (dev profile; honours CARGO_TARGET_DIR if already set; extra args are passed on)
#   3. forge test            (only if contracts/test/ holds .sol files)
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"

t0=$SECONDS
section() { printf '\n==== %s (t=%ss) ====\n' "$*" "$((SECONDS - t0))"; }

section "tools: tools/install.sh"
tools/install.sh
# Tests that spawn anvil/solc by name (e.g. alloy's Anvil::new()) find the pinned ones first.
export PATH="$root/tools/bin:$PATH"

section "rust: cargo test --locked"
cargo test --locked "$@"

if [ -d contracts/test ] && [ -n "$(find contracts/test -name '*.sol' -print -quit)" ]; then
  section "solidity: forge test"
  # foundry.toml says solc = "tools/bin/solc", which forge resolves against the cwd, not the
  # project root; pass the absolute path so this works regardless.
  tools/bin/forge test --root "$root" --use "$root/tools/bin/solc"
else
  section "solidity: no contracts/test/*.sol, skipping forge test"
fi

section "all tests passed"
