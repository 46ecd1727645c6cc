#!/usr/bin/env bash
# End-to-end demo on the bundled MLP (examples/mlp): setup -> prove -> verify -> gen-verifier
# -> deploy + submit on a throwaway local anvil. Work files go to out/demo/ (git-ignored).
# Env: CARGO_TARGET_DIR (respected), DEMO_PORT (anvil port, default 8546).
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"

step() { printf '\n==== %s ====\n' "$*"; }

step "tools"
tools/install.sh

step "build: cargo build --bin zktorch"
cargo build --locked --bin zktorch
Z="${CARGO_TARGET_DIR:-target}/debug/zktorch"
[ -x "$Z" ] || { echo "demo: $Z not found after build" >&2; exit 1; }

MODEL=examples/mlp/network.onnx
INPUT=examples/mlp/input.json
OUT=out/demo
rm -rf "$OUT" && mkdir -p "$OUT"

PORT="${DEMO_PORT:-8546}"
RPC="http://127.0.0.1:$PORT"
# Anvil's first default dev account key: public, well-known test key — never use it on a real chain.
export ETH_PRIVATE_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80

step "anvil on $RPC (log: $OUT/anvil.log)"
tools/bin/anvil --host 127.0.0.1 --port "$PORT" >"$OUT/anvil.log" 2>&1 &
ANVIL_PID=$!
trap 'kill "$ANVIL_PID" 2>/dev/null || true; wait "$ANVIL_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 40); do
  kill -0 "$ANVIL_PID" 2>/dev/null || { echo "demo: anvil exited (port $PORT in use?):" >&2; tail -5 "$OUT/anvil.log" >&2; exit 1; }
  tools/bin/cast chain-id --rpc-url "$RPC" >/dev/null 2>&1 && break
  sleep 0.5
done
tools/bin/cast chain-id --rpc-url "$RPC" >/dev/null 2>&1 || { echo "demo: anvil did not answer on $RPC within 20 s" >&2; exit 1; }
echo "chain id $(tools/bin/cast chain-id --rpc-url "$RPC")"

step "setup"
"$Z" setup --model "$MODEL" --input "$INPUT" --out "$OUT/keys" --dev-srs

step "prove"
"$Z" prove --keys "$OUT/keys" --model "$MODEL" --input "$INPUT" --out "$OUT/proof.json"

step "verify (off-chain)"
"$Z" verify --keys "$OUT/keys" --proof "$OUT/proof.json"

step "gen-verifier"
"$Z" gen-verifier --keys "$OUT/keys" --out "$OUT/verifier"

step "deploy"
DEPLOYED=$("$Z" deploy --verifier "$OUT/verifier" --rpc-url "$RPC" --json)
ADDR=$(printf '%s' "$DEPLOYED" | python3 -c 'import json,sys; print(json.load(sys.stdin)["address"])')
GAS=$(printf '%s' "$DEPLOYED" | python3 -c 'import json,sys; print(json.load(sys.stdin)["gas_used"])')
echo "verifier deployed at $ADDR (deploy gas $GAS)"

step "submit (on-chain verification)"
"$Z" submit --keys "$OUT/keys" --proof "$OUT/proof.json" --address "$ADDR" --rpc-url "$RPC"

step "demo finished: artifacts in $OUT/"
