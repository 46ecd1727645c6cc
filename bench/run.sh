#!/usr/bin/env bash
# zktorch vs EZKL, one command:  bench/run.sh [--quick] [--models a,b] [--timeout S] [...compare.py flags]
#
# 1. bench/.venv with EZKL (PyPI), onnx, onnxruntime, numpy, matplotlib, psutil
# 2. zktorch (dev profile, opt-level 3; respects CARGO_TARGET_DIR)
# 3. EZKL's solc: EZKL looks for $HOME/.svm/0.8.20/solc-0.8.20; we give it the npm solc
#    (tools/bin/solc) through a wrapper under a bench-private HOME (bench/work/home)
# 4. one anvil on a free port (same chain and hardfork for both tools), killed on exit
# 5. bench/compare.py → bench/out/{results.json,results.md,chart.png}
#
# Env: EZKL_VERSION (default 23.0.5), BENCH_HARDFORK (default prague), CARGO_TARGET_DIR,
#      BENCH_SKIP_BUILD=1 (use the existing binary), PYTHON (default python3).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
cd "$ROOT"
EZKL_VERSION="${EZKL_VERSION:-23.0.5}"
HARDFORK="${BENCH_HARDFORK:-prague}"
PY="${PYTHON:-python3}"
VENV="$HERE/.venv"
WORK="$HERE/work"
T0=$(date +%s)
log() { echo "bench: $*" >&2; }

# 1. Python environment (idempotent; pip is quick when everything is already there).
if [ ! -x "$VENV/bin/python" ]; then
  log "creating $VENV"
  "$PY" -m venv "$VENV"
fi
if ! "$VENV/bin/python" - "$EZKL_VERSION" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
import onnx, onnxruntime, numpy, matplotlib, psutil  # noqa: F401
sys.exit(0 if version("ezkl") == sys.argv[1] else 1)
EOF
then
  log "pip install ezkl==$EZKL_VERSION onnx onnxruntime numpy matplotlib psutil"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
    "ezkl==$EZKL_VERSION" onnx onnxruntime numpy matplotlib psutil
fi

# 2. Tools (anvil, cast, solc) and the zktorch binary.
bash tools/install.sh >/dev/null
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
ZKTORCH="$TARGET/debug/zktorch"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  log "cargo build --bin zktorch (dev profile, opt-level 3)"
  cargo build --quiet --bin zktorch
fi
[ -x "$ZKTORCH" ] || { log "no zktorch binary at $ZKTORCH"; exit 1; }

# 3. EZKL's solc, under a bench-private HOME (EZKL's SRS cache would go there too).
SVM="$WORK/home/.svm/0.8.20"
mkdir -p "$SVM"
cat >"$SVM/solc-0.8.20" <<EOF
#!/usr/bin/env bash
# EZKL expects solc 0.8.20 here (svm layout); this hands it the project's npm solc.
exec "$ROOT/tools/bin/solc" "\$@"
EOF
chmod +x "$SVM/solc-0.8.20"

# 4. One anvil for both tools.
PORT=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK"
tools/bin/anvil --host 127.0.0.1 --port "$PORT" --hardfork "$HARDFORK" --disable-code-size-limit \
  --silent >"$WORK/anvil.log" 2>&1 &
ANVIL_PID=$!
trap 'kill "$ANVIL_PID" 2>/dev/null || true; wait "$ANVIL_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  tools/bin/cast chain-id --rpc-url "http://127.0.0.1:$PORT" >/dev/null 2>&1 && break
  kill -0 "$ANVIL_PID" 2>/dev/null || { log "anvil exited:"; tail -5 "$WORK/anvil.log" >&2; exit 1; }
  sleep 0.1
done
log "anvil on 127.0.0.1:$PORT (hardfork $HARDFORK), setup took $(( $(date +%s) - T0 )) s"

# 5. The comparison.
"$VENV/bin/python" "$HERE/compare.py" --zktorch "$ZKTORCH" --rpc-url "http://127.0.0.1:$PORT" "$@"
log "total $(( $(date +%s) - T0 )) s"
