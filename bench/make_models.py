#!/usr/bin/env python3
"""Generate the scaling series of MLPs for the EZKL comparison (bench/compare.py).

mlp_w{W}: Gemm(W->W) + Relu + Gemm(W->10), input [1, W], for W in 64, 128, 256, 512.
Deterministic (fixed numpy seed per width), opset 13 / ir_version 8 like tests/fixtures.
Writes OUT/mlp_w{W}/network.onnx and OUT/mlp_w{W}/input.json (EZKL's input format).

Usage: make_models.py [--out DIR] [--widths 64,128,256,512]
"""
import argparse
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
IR_VERSION = 8
SEED = 20260101
WIDTHS = [64, 128, 256, 512]


def init(name, arr):
    return numpy_helper.from_array(np.ascontiguousarray(arr), name=name)


def mlp(width, out_dim=10):
    rng = np.random.default_rng(SEED + width)
    w1 = (rng.standard_normal((width, width)) / np.sqrt(width)).astype(np.float32)
    b1 = (0.1 * rng.standard_normal(width)).astype(np.float32)
    w2 = (rng.standard_normal((out_dim, width)) / np.sqrt(width)).astype(np.float32)
    b2 = (0.1 * rng.standard_normal(out_dim)).astype(np.float32)
    nodes = [
        helper.make_node("Gemm", ["input", "W1", "b1"], ["h1"], name="fc1", transB=1),
        helper.make_node("Relu", ["h1"], ["a1"], name="relu1"),
        helper.make_node("Gemm", ["a1", "W2", "b2"], ["output"], name="fc2", transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        f"mlp_w{width}",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, width])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, out_dim])],
        initializer=[init("W1", w1), init("b1", b1), init("W2", w2), init("b2", b2)],
    )
    model = helper.make_model(
        graph,
        producer_name="zktorch-bench",
        producer_version="1",
        opset_imports=[helper.make_opsetid("", OPSET)],
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    x = [round(float(v), 6) for v in rng.uniform(-1.0, 1.0, width)]
    return model, {"input_data": [x], "input_shapes": [[1, width]]}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(here, "work", "models"))
    ap.add_argument("--widths", default=",".join(map(str, WIDTHS)))
    args = ap.parse_args()
    for w in [int(s) for s in args.widths.split(",") if s]:
        d = os.path.join(args.out, f"mlp_w{w}")
        os.makedirs(d, exist_ok=True)
        model, inp = mlp(w)
        onnx.save(model, os.path.join(d, "network.onnx"))
        with open(os.path.join(d, "input.json"), "w") as f:
            json.dump(inp, f)
        print(f"wrote {d}/network.onnx ({w}->{w}->10)")


if __name__ == "__main__":
    main()
