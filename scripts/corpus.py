#!/usr/bin/env python3
"""Runs zktorch setup → prove → verify over a folder of ONNX models (default: EZKL's example
corpus, ../shared/corpus/ezkl-examples) and prints a table: model, status (proved / the one-line
reason it did not), max abs output error vs tract's float run (absolute and relative to the
largest |float output|), prove seconds, peak prove memory, proof bytes, domain size.

Usage: scripts/corpus.py [--corpus DIR] [--only a,b,c] [--timeout S] [--out DIR] [--bin PATH]
                         [--onchain]
With --onchain, every proved model's verifier is also generated, deployed to a local anvil
(tools/bin/anvil, started here) and sent the proof in a transaction: the table gains the gas of
that verification and the verifier's runtime size.
Each step runs in its own process with a time limit; a failure is recorded and the run goes on.
Writes OUT/corpus.md and OUT/corpus.json (default OUT: target/corpus).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def one_line(s, limit=160):
    s = " ".join(str(s).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def run_step(cmd, timeout):
    """Runs cmd in its own session; returns (ok, parsed JSON stdout or the one-line error,
    seconds, peak RSS in MiB from wait4)."""
    t0 = time.perf_counter()
    out_f = tempfile.TemporaryFile()
    err_f = tempfile.TemporaryFile()
    p = subprocess.Popen(cmd, stdout=out_f, stderr=err_f, stdin=subprocess.DEVNULL, start_new_session=True)
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid == p.pid:
            break
        if time.perf_counter() - t0 > timeout:
            os.killpg(p.pid, 9)
            os.wait4(p.pid, 0)
            return False, f"timed out after {timeout} s", time.perf_counter() - t0, None
        time.sleep(0.02)
    secs = time.perf_counter() - t0
    rss = ru.ru_maxrss / 1024.0
    out_f.seek(0)
    err_f.seek(0)
    out, err = out_f.read(), err_f.read()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        lines = [l for l in err.decode(errors="replace").splitlines() if l.strip()]
        msg = next((l for l in lines if l.startswith("error")), lines[-1] if lines else f"exit {code}")
        return False, one_line(msg), secs, rss
    try:
        return True, json.loads(out.decode()), secs, rss
    except json.JSONDecodeError:
        return False, "unreadable JSON from zktorch", secs, rss


DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"  # anvil's first dev key


def start_anvil(port):
    """A throwaway anvil on 127.0.0.1:port; returns (process, rpc url)."""
    anvil = subprocess.Popen([os.path.join(ROOT, "tools", "bin", "anvil"), "--host", "127.0.0.1", "--port", str(port)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rpc = f"http://127.0.0.1:{port}"
    cast = os.path.join(ROOT, "tools", "bin", "cast")
    for _ in range(100):
        if subprocess.run([cast, "chain-id", "--rpc-url", rpc], capture_output=True).returncode == 0:
            return anvil, rpc
        time.sleep(0.2)
    anvil.kill()
    sys.exit(f"error: anvil did not answer on {rpc}")


def onchain(binary, row, keys, proof, work, rpc, timeout):
    """gen-verifier → deploy → submit; fills the gas and runtime size, or the status."""
    verifier = os.path.join(work, row["model"], "verifier")
    ok, r, _, _ = run_step([binary, "--json", "gen-verifier", "--keys", keys, "--out", verifier], timeout)
    if not ok:
        return f"gen-verifier: {r}"
    row["verifier_runtime_bytes"] = r.get("runtime_bytes")
    ok, r, _, _ = run_step([binary, "--json", "deploy", "--verifier", verifier, "--rpc-url", rpc, "--private-key", DEV_KEY], timeout)
    if not ok:
        return f"deploy: {r}"
    ok, r, _, _ = run_step([binary, "--json", "submit", "--keys", keys, "--proof", proof, "--address", r["address"], "--rpc-url", rpc,
                            "--private-key", DEV_KEY], timeout)
    if not ok:
        return f"submit: {r}"
    row["verification_gas"] = r.get("gas_used")
    return None if r.get("accepted") else "submit: the contract rejected the proof"


def run_model(binary, model_dir, work, timeout, rpc=None):
    name = os.path.basename(model_dir)
    row = {"model": name, "status": "", "max_abs_error": None, "rel_error": None, "prove_s": None,
           "prove_rss_mib": None, "proof_bytes": None, "domain_size": None, "scale_bits": None,
           "verification_gas": None, "verifier_runtime_bytes": None}
    onnx = os.path.join(model_dir, "network.onnx")
    inp = os.path.join(model_dir, "input.json")
    keys = os.path.join(work, name, "keys")
    proof = os.path.join(work, name, "proof.json")
    ok, r, _, _ = run_step([binary, "--json", "setup", "--model", onnx, "--input", inp, "--out", keys, "--dev-srs"], timeout)
    if not ok:
        row["status"] = f"setup: {r}"
        return row
    row["domain_size"], row["scale_bits"] = r.get("domain_size"), r.get("scale_bits")
    ok, r, secs, rss = run_step([binary, "--json", "prove", "--keys", keys, "--model", onnx, "--input", inp, "--out", proof], timeout)
    row["prove_rss_mib"] = rss
    if not ok:
        row["status"] = f"prove: {r}"
        return row
    row["prove_s"] = r.get("seconds", secs)
    row["proof_bytes"] = r.get("proof_bytes")
    row["max_abs_error"] = r.get("max_abs_error")
    peak = max([abs(v) for v in r.get("float_outputs", [])] + [1e-12])
    row["rel_error"] = row["max_abs_error"] / peak if row["max_abs_error"] is not None else None
    ok, r, _, _ = run_step([binary, "--json", "verify", "--keys", keys, "--proof", proof], timeout)
    if not ok:
        row["status"] = f"verify: {r}"
        return row
    if not r.get("valid"):
        row["status"] = f"verify: rejected ({r.get('reason')})"
        return row
    if rpc:
        failure = onchain(binary, row, keys, proof, work, rpc, timeout)
        if failure:
            row["status"] = failure
            return row
    row["status"] = "proved" if row["rel_error"] <= 0.01 else "proved, error over 1%"
    return row


def markdown(rows, with_gas):
    head = "| model | status | max abs err | rel. err | prove s | prove MiB | proof B | N | scale |"
    if with_gas:
        head += " gas | verifier B |"
    out = [head, "|" + "---|" * (head.count("|") - 1)]
    f = lambda v, fmt: "-" if v is None else format(v, fmt)
    for r in rows:
        n = "-" if not r["domain_size"] else f"2^{r['domain_size'].bit_length() - 1}"
        line = (f"| {r['model']} | {r['status']} | {f(r['max_abs_error'], '.2e')} | {f(r['rel_error'], '.2%')} | "
                f"{f(r['prove_s'], '.2f')} | {f(r['prove_rss_mib'], '.0f')} | {f(r['proof_bytes'], 'd')} | {n} | "
                f"{'-' if r['scale_bits'] is None else '2^' + str(r['scale_bits'])} |")
        if with_gas:
            line += f" {f(r['verification_gas'], ',d')} | {f(r['verifier_runtime_bytes'], ',d')} |"
        out.append(line)
    proved = sum(r["status"] == "proved" for r in rows)
    out.append("")
    out.append(f"{proved} of {len(rows)} models proved and verified with max abs error ≤ 1% of the largest output.")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus", "ezkl-examples"))
    ap.add_argument("--only", default="", help="comma-separated model names")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per step")
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "corpus"))
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "zktorch"))
    ap.add_argument("--onchain", action="store_true", help="also verify every proof on a local anvil")
    ap.add_argument("--port", type=int, default=8547, help="anvil port for --onchain")
    a = ap.parse_args()
    if not os.path.isdir(a.corpus):
        sys.exit(f"error: corpus folder {a.corpus} not found")
    if not os.access(a.bin, os.X_OK):
        sys.exit(f"error: {a.bin} is not built (cargo build)")
    names = sorted(d for d in os.listdir(a.corpus) if os.path.isfile(os.path.join(a.corpus, d, "network.onnx")))
    if a.only:
        wanted = a.only.split(",")
        names = [n for n in names if n in wanted]
    os.makedirs(a.out, exist_ok=True)
    rows = []
    anvil, rpc = start_anvil(a.port) if a.onchain else (None, None)
    try:
        with tempfile.TemporaryDirectory() as work:
            for i, name in enumerate(names):
                row = run_model(a.bin, os.path.join(a.corpus, name), work, a.timeout, rpc)
                rows.append(row)
                print(f"[{i + 1}/{len(names)}] {name}: {row['status']}", file=sys.stderr, flush=True)
    finally:
        if anvil:
            anvil.kill()
    md = markdown(rows, a.onchain)
    with open(os.path.join(a.out, "corpus.md"), "w") as f:
        f.write(md + "\n")
    with open(os.path.join(a.out, "corpus.json"), "w") as f:
        json.dump(rows, f, indent=1)
    print(md)


if __name__ == "__main__":
    main()
