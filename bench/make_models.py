#!/usr/bin/env python3
"""Generate the scaling series of MLPs and CNNs for the EZKL comparison (bench/compare.py).

mlp_w{W}: Gemm(W->W) + Relu + Gemm(W->10), input [1, W], for W in 64, 128, 256, 512.
cnn_c{C}: Conv(3x3, 1->C, pad 1) + Relu + Conv(3x3, C->C, pad 1, stride 2) + Relu + Flatten
          + Gemm(C*8*8 -> 10), input [1, 1, 16, 16], for C in 4, 8, 16, 32, 64
          (multiply-accumulates: 2,944*C + 576*C^2, i.e. 21k, 60k, 194k, 684k, 2.6M).
act_mlp:  Gemm(16->48) + Sigmoid + Gemm(48->48) + Tanh + Gemm(48->48) + GELU (erf form)
          + Gemm(48->48) + Softplus + Gemm(48->10), input [1, 16]: activation-heavy.
math_mlp: Gemm(16->32) + Exp + Log(1 + .) + Gemm(32->32) + Sqrt(. * . + 1) + Reciprocal
          + Gemm(32->10), input [1, 16]: exp, log, sqrt and 1/x between dense layers.
Deterministic (fixed numpy seed per width / channel count; He-like weights N(0,1)/sqrt(fan_in),
biases 0.1*N(0,1) for the MLPs and 0.01*N(0,1) for the CNNs), opset 13 / ir_version 8 like
tests/fixtures. Input values are uniform in [-1, 1], rounded to 6 decimals.
Writes OUT/<name>/network.onnx and OUT/<name>/input.json (EZKL's input format,
{"input_data": [[...flat floats...]], "input_shapes": [[...]]}).

Usage: make_models.py [--out DIR] [--widths 64,128,256,512] [--channels 4,8,16,32,64]
                      [--functions act_mlp,math_mlp]
       (an empty list, e.g. --channels "", generates none of that series)
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
CNN_SEED = 20260201
WIDTHS = [64, 128, 256, 512]
CHANNELS = [4, 8, 16, 32, 64]
FUNCTIONS = ["act_mlp", "math_mlp"]
FN_SEED = 20260301
CNN_IN = (1, 1, 16, 16)  # N, C, H, W


def init(name, arr):
    return numpy_helper.from_array(np.ascontiguousarray(arr), name=name)


def finish(graph):
    model = helper.make_model(
        graph,
        producer_name="zktorch-bench",
        producer_version="1",
        opset_imports=[helper.make_opsetid("", OPSET)],
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


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
    model = finish(graph)
    x = [round(float(v), 6) for v in rng.uniform(-1.0, 1.0, width)]
    return model, {"input_data": [x], "input_shapes": [[1, width]]}


def cnn(channels, out_dim=10):
    n, cin, h, w = CNN_IN
    c = channels
    h2, w2 = (h + 2 - 3) // 2 + 1, (w + 2 - 3) // 2 + 1  # 3x3, pad 1, stride 2: 16 -> 8
    flat = c * h2 * w2
    rng = np.random.default_rng(CNN_SEED + channels)
    k1 = (rng.standard_normal((c, cin, 3, 3)) / np.sqrt(cin * 9)).astype(np.float32)
    b1 = (0.01 * rng.standard_normal(c)).astype(np.float32)
    k2 = (rng.standard_normal((c, c, 3, 3)) / np.sqrt(c * 9)).astype(np.float32)
    b2 = (0.01 * rng.standard_normal(c)).astype(np.float32)
    w3 = (rng.standard_normal((out_dim, flat)) / np.sqrt(flat)).astype(np.float32)
    b3 = (0.01 * rng.standard_normal(out_dim)).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["input", "K1", "B1"], ["c1"], name="conv1",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("Relu", ["c1"], ["a1"], name="relu1"),
        helper.make_node("Conv", ["a1", "K2", "B2"], ["c2"], name="conv2",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("Relu", ["c2"], ["a2"], name="relu2"),
        helper.make_node("Flatten", ["a2"], ["f"], name="flatten", axis=1),
        helper.make_node("Gemm", ["f", "W3", "B3"], ["output"], name="fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        f"cnn_c{channels}",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, list(CNN_IN))],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [n, out_dim])],
        initializer=[init("K1", k1), init("B1", b1), init("K2", k2), init("B2", b2),
                     init("W3", w3), init("B3", b3)],
    )
    model = finish(graph)
    x = [round(float(v), 6) for v in rng.uniform(-1.0, 1.0, int(np.prod(CNN_IN)))]
    return model, {"input_data": [x], "input_shapes": [list(CNN_IN)]}


def dense(rng, name, fan_in, fan_out, inp, out):
    """A Gemm node and its He-like weights (bias 0.1*N(0,1))."""
    w = (rng.standard_normal((fan_out, fan_in)) / np.sqrt(fan_in)).astype(np.float32)
    b = (0.1 * rng.standard_normal(fan_out)).astype(np.float32)
    node = helper.make_node("Gemm", [inp, f"W_{name}", f"b_{name}"], [out], name=name, transB=1)
    return node, [init(f"W_{name}", w), init(f"b_{name}", b)]


def scalar(name, v):
    return init(name, np.array(v, dtype=np.float32))


def function_mlp(name, width=48, in_dim=16, out_dim=10):
    """act_mlp or math_mlp (see the module docstring)."""
    rng = np.random.default_rng(FN_SEED + FUNCTIONS.index(name))
    nodes, inits = [], [scalar("one", 1.0), scalar("half", 0.5), scalar("sqrt2", np.sqrt(2.0))]

    def gemm(k, fan_in, fan_out, inp, out):
        n, i = dense(rng, f"fc{k}", fan_in, fan_out, inp, out)
        nodes.append(n)
        inits.extend(i)

    def op(kind, ins, out, **kw):
        nodes.append(helper.make_node(kind, ins, [out], name=out, **kw))

    if name == "act_mlp":
        gemm(1, in_dim, width, "input", "h1")
        op("Sigmoid", ["h1"], "sig")
        gemm(2, width, width, "sig", "h2")
        op("Tanh", ["h2"], "tanh")
        gemm(3, width, width, "tanh", "h3")
        op("Div", ["h3", "sqrt2"], "g_div")  # GELU(x) = x * 0.5 * (1 + erf(x / sqrt 2))
        op("Erf", ["g_div"], "g_erf")
        op("Add", ["g_erf", "one"], "g_add")
        op("Mul", ["h3", "g_add"], "g_mul")
        op("Mul", ["g_mul", "half"], "gelu")
        gemm(4, width, width, "gelu", "h4")
        op("Softplus", ["h4"], "softplus")
        gemm(5, width, out_dim, "softplus", "output")
    else:
        width = 32
        gemm(1, in_dim, width, "input", "h1")
        op("Exp", ["h1"], "exp")
        op("Add", ["exp", "one"], "exp1")
        op("Log", ["exp1"], "log")
        gemm(2, width, width, "log", "h2")
        op("Mul", ["h2", "h2"], "sq")
        op("Add", ["sq", "one"], "sq1")
        op("Sqrt", ["sq1"], "sqrt")
        op("Reciprocal", ["sqrt"], "recip")
        gemm(3, width, out_dim, "recip", "output")
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, in_dim])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, out_dim])],
        initializer=inits,
    )
    model = finish(graph)
    x = [round(float(v), 6) for v in rng.uniform(-1.0, 1.0, in_dim)]
    return model, {"input_data": [x], "input_shapes": [[1, in_dim]]}


def cnn_macs(channels):
    """Multiply-accumulates of cnn_c{channels} (both convolutions and the Gemm)."""
    _, cin, h, w = CNN_IN
    c = channels
    return h * w * c * cin * 9 + (h // 2) * (w // 2) * c * c * 9 + c * (h // 2) * (w // 2) * 10


def write(out, name, model, inp):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    onnx.save(model, os.path.join(d, "network.onnx"))
    with open(os.path.join(d, "input.json"), "w") as f:
        json.dump(inp, f)
    return d


def ints(s):
    return [int(v) for v in s.split(",") if v.strip()]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(here, "work", "models"))
    ap.add_argument("--widths", default=",".join(map(str, WIDTHS)),
                    help="MLP widths, comma-separated ('' for none)")
    ap.add_argument("--channels", default=",".join(map(str, CHANNELS)),
                    help="CNN channel counts, comma-separated ('' for none)")
    ap.add_argument("--functions", default=",".join(FUNCTIONS),
                    help=f"function-heavy models, comma-separated ('' for none): {','.join(FUNCTIONS)}")
    args = ap.parse_args()
    for w in ints(args.widths):
        d = write(args.out, f"mlp_w{w}", *mlp(w))
        print(f"wrote {d}/network.onnx ({w}->{w}->10)")
    for c in ints(args.channels):
        d = write(args.out, f"cnn_c{c}", *cnn(c))
        print(f"wrote {d}/network.onnx (1x16x16 -conv-> {c}x16x16 -conv/2-> {c}x8x8 -> 10, "
              f"{cnn_macs(c):,} MACs)")
    for name in [n.strip() for n in args.functions.split(",") if n.strip()]:
        if name not in FUNCTIONS:
            ap.error(f"unknown function model {name!r} (known: {', '.join(FUNCTIONS)})")
        d = write(args.out, name, *function_mlp(name))
        print(f"wrote {d}/network.onnx")


if __name__ == "__main__":
    main()
