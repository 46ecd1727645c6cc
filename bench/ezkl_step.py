#!/usr/bin/env python3
"""One EZKL step in its own process (called by bench/compare.py, so that time-outs and the
peak RSS of each step are per step). Writes a JSON object to --result: the step's own timings
(measured around the EZKL calls only, so Python start-up and imports are excluded), or
{"error": "<one line>"}.

Steps (EZKL Python API, ezkl 23.x):
  settings  gen_settings (input/output public, params fixed) + calibrate_settings + compile_circuit
  srs       gen_srs (a dev SRS; nothing can be downloaded here), written atomically
  setup     setup (pk.key, vk.key)
  prove     gen_witness + prove
  verify    verify
  evm       create_evm_verifier (per-model, not reusable) + deploy_evm + encode_evm_calldata
"""
import argparse
import asyncio
import inspect
import json
import os
import sys
import time
import traceback


def one_line(e):
    s = str(e).strip() or type(e).__name__
    lines = [l.strip() for l in s.splitlines() if l.strip()]
    return (lines[0] if lines else s)[:300]


async def call(f, *a, **k):
    r = f(*a, **k)
    if inspect.isawaitable(r):
        r = await r
    return r


async def step(args):
    import ezkl

    d = args.dir
    p = lambda name: os.path.join(d, name)  # noqa: E731
    res = {"ezkl_version": getattr(ezkl, "__version__", "?")}
    if args.step == "settings":
        ra = ezkl.PyRunArgs()
        ra.input_visibility = "public"
        ra.output_visibility = "public"
        ra.param_visibility = "fixed"
        t = time.perf_counter()
        ok = await call(ezkl.gen_settings, args.model, p("settings.json"), py_run_args=ra)
        if not ok:
            raise RuntimeError("gen_settings returned false")
        res["gen_settings_seconds"] = time.perf_counter() - t
        t1 = time.perf_counter()
        kw = {"target": args.target}
        if args.max_logrows:
            kw["max_logrows"] = args.max_logrows
        ok = await call(ezkl.calibrate_settings, args.input, args.model, p("settings.json"), **kw)
        if not ok:
            raise RuntimeError("calibrate_settings returned false")
        res["calibrate_seconds"] = time.perf_counter() - t1
        t1 = time.perf_counter()
        ok = await call(ezkl.compile_circuit, args.model, p("model.compiled"), p("settings.json"))
        if not ok:
            raise RuntimeError("compile_circuit returned false")
        res["compile_seconds"] = time.perf_counter() - t1
        res["seconds"] = time.perf_counter() - t
        with open(p("settings.json")) as f:
            s = json.load(f)
        ra = s["run_args"]
        res.update(
            logrows=ra["logrows"],
            input_scale=ra["input_scale"],
            param_scale=ra["param_scale"],
            num_rows=s.get("num_rows"),
            num_inner_cols=ra.get("num_inner_cols"),
            check_mode=ra.get("check_mode"),
        )
    elif args.step == "srs":
        tmp = args.srs + f".tmp{os.getpid()}"
        t = time.perf_counter()
        await call(ezkl.gen_srs, tmp, args.logrows)
        res["seconds"] = time.perf_counter() - t
        os.replace(tmp, args.srs)
    elif args.step == "setup":
        t = time.perf_counter()
        ok = await call(ezkl.setup, p("model.compiled"), p("vk.key"), p("pk.key"), srs_path=args.srs)
        res["seconds"] = time.perf_counter() - t
        if not ok:
            raise RuntimeError("setup returned false")
    elif args.step == "prove":
        t = time.perf_counter()
        await call(ezkl.gen_witness, args.input, p("model.compiled"), p("witness.json"))
        res["witness_seconds"] = time.perf_counter() - t
        t1 = time.perf_counter()
        await call(ezkl.prove, p("witness.json"), p("model.compiled"), p("pk.key"), p("proof.json"),
                   srs_path=args.srs)
        res["prove_only_seconds"] = time.perf_counter() - t1
        res["seconds"] = time.perf_counter() - t  # witness + prove, like zktorch's prove
        with open(p("proof.json")) as f:
            proof = json.load(f)
        hx = proof.get("hex_proof") or ""
        res["proof_bytes"] = len(bytes.fromhex(hx[2:] if hx.startswith("0x") else hx)) if hx else len(proof["proof"])
        ppi = proof.get("pretty_public_inputs") or {}
        res["outputs"] = [float(v) for row in ppi.get("rescaled_outputs", []) for v in row]
        res["num_instances"] = sum(len(c) for c in proof.get("instances", []))
    elif args.step == "verify":
        t = time.perf_counter()
        ok = await call(ezkl.verify, p("proof.json"), p("settings.json"), p("vk.key"), srs_path=args.srs)
        res["seconds"] = time.perf_counter() - t
        res["valid"] = bool(ok)
        if not ok:
            raise RuntimeError("verify returned false")
    elif args.step == "evm":
        t = time.perf_counter()
        ok = await call(ezkl.create_evm_verifier, p("vk.key"), p("settings.json"), p("Verifier.sol"),
                        p("verifier_abi.json"), srs_path=args.srs, reusable=False)
        res["gen_verifier_seconds"] = time.perf_counter() - t
        if not ok:
            raise RuntimeError("create_evm_verifier returned false")
        key = os.environ.get("ETH_PRIVATE_KEY", "")
        key = key[2:] if key.startswith("0x") else key
        ok = await call(ezkl.deploy_evm, p("contract.address"), args.rpc_url, sol_code_path=p("Verifier.sol"),
                        contract_type="verifier", optimizer_runs=1, private_key=key)
        if not ok:
            raise RuntimeError("deploy_evm returned false")
        with open(p("contract.address")) as f:
            res["address"] = f.read().strip()
        data = await call(ezkl.encode_evm_calldata, p("proof.json"), p("calldata.bytes"))
        res["calldata_bytes"] = len(data) if data is not None else os.path.getsize(p("calldata.bytes"))
        res["seconds"] = time.perf_counter() - t
    else:
        raise SystemExit(f"unknown step {args.step}")
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("step")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--result", required=True)
    ap.add_argument("--model")
    ap.add_argument("--input")
    ap.add_argument("--srs")
    ap.add_argument("--logrows", type=int)
    ap.add_argument("--target", default="accuracy")
    ap.add_argument("--max-logrows", type=int)
    ap.add_argument("--rpc-url")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    try:
        res = asyncio.run(step(args))
        rc = 0
    except BaseException as e:  # noqa: BLE001 (record anything, incl. pyo3 panics)
        traceback.print_exc()
        res = {"error": f"{args.step}: {one_line(e)}"}
        rc = 1
    with open(args.result + ".tmp", "w") as f:
        json.dump(res, f)
    os.replace(args.result + ".tmp", args.result)
    sys.stdout.flush()
    os._exit(rc)


if __name__ == "__main__":
    main()
