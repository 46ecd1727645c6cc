"""ONNX models for the lowering unit tests in src/onnx/lower/tests.rs (the main fixtures live in
tests/fixtures/). Deterministic; regenerate with: python3 src/onnx/testdata/make_testdata.py
(needs onnx and numpy, e.g. the .venv of tests/fixtures/README.md)."""
import numpy as np, onnx, json, os
from onnx.reference import ReferenceEvaluator
from onnx import helper as h, TensorProto as TP, numpy_helper as nh
rng = np.random.default_rng(0)
D = os.path.dirname(os.path.abspath(__file__))
def save(name, nodes, inits, inputs, outputs, x=None, opset=13):
    g = h.make_graph(nodes, name, inputs, outputs, initializer=[nh.from_array(v, k) for k, v in inits.items()])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", opset)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, f"{D}/{name}.onnx")
    if x is not None:
        # output_data: the ONNX reference evaluator's result, an oracle independent of tract.
        xin = np.asarray(x).reshape([d if isinstance(d, int) else 1 for d in
                                     [dd.dim_value or 1 for dd in inputs[0].type.tensor_type.shape.dim]])
        xin = xin.astype(np.float64 if inputs[0].type.tensor_type.elem_type == TP.DOUBLE else np.float32)
        y = ReferenceEvaluator(m).run(None, {inputs[0].name: xin})[0]
        json.dump({"input_data": [list(map(float, xin.ravel()))],
                   "output_data": [list(map(float, np.asarray(y).ravel()))]}, open(f"{D}/{name}.input.json", "w"))
def vi(n, shape, t=TP.FLOAT): return h.make_tensor_value_info(n, t, shape)
f = np.float32
# 2 matmul add relu chain
Ws = [rng.normal(size=(8,12)).astype(f)*0.4, rng.normal(size=(12,6)).astype(f)*0.4, rng.normal(size=(6,3)).astype(f)*0.4]
bs = [rng.normal(size=12).astype(f)*0.1, rng.normal(size=6).astype(f)*0.1]
nodes=[h.make_node("MatMul",["x","W0"],["m0"],name="mm0"), h.make_node("Add",["m0","b0"],["a0"],name="add0"), h.make_node("Relu",["a0"],["r0"],name="relu0"),
       h.make_node("MatMul",["r0","W1"],["m1"],name="mm1"), h.make_node("Add",["b1","m1"],["a1"],name="add1"), h.make_node("Relu",["a1"],["r1"],name="relu1"),
       h.make_node("MatMul",["r1","W2"],["y"],name="mm2")]
save("bias_left", nodes, dict(W0=Ws[0],W1=Ws[1],W2=Ws[2],b0=bs[0],b1=bs[1]), [vi("x",[1,8])], [vi("y",[1,3])], rng.normal(size=8))
# 4 W @ x^T : Gemm(W, x, transB=1) -> [m,1], then Reshape to [1,m]
W = rng.normal(size=(4,6)).astype(f)*0.5; b = np.array([[2.0], [-2.0], [1.5], [0.5]], dtype=f)
save("wx", [h.make_node("Gemm",["W","x","b"],["g"],name="gemm_wx",transB=1), h.make_node("Relu",["g"],["r"],name="relu"),
            h.make_node("Reshape",["r","shp"],["y"],name="resh")],
     dict(W=W,b=b,shp=np.array([1,4],dtype=np.int64)), [vi("x",[1,6])], [vi("y",[1,4])], rng.normal(size=6))
# 5 transA gemm: Gemm(xT?) use x as [n,1] input with transA=1
W = rng.normal(size=(6,3)).astype(f); b = rng.normal(size=3).astype(f)
save("transa", [h.make_node("Gemm",["x","W","b"],["y"],name="gemm_ta",transA=1)], dict(W=W,b=b), [vi("x",[6,1])], [vi("y",[1,3])], rng.normal(size=6))
# 8 batch 4
W = rng.normal(size=(3,4)).astype(f)
save("batch", [h.make_node("MatMul",["x","W"],["y"],name="mm")], dict(W=W), [vi("x",[4,3])], [vi("y",[4,4])])
# 9 two inputs
save("twoin", [h.make_node("Add",["x","z"],["y"],name="add")], {}, [vi("x",[1,3]), vi("z",[1,3])], [vi("y",[1,3])])
# 10 f64
W = rng.normal(size=(3,2)); b = rng.normal(size=2)
save("f64", [h.make_node("MatMul",["x","W"],["m"],name="mm"), h.make_node("Add",["m","b"],["y"],name="add")], dict(W=W,b=b),
     [vi("x",[1,3],TP.DOUBLE)], [vi("y",[1,2],TP.DOUBLE)], rng.normal(size=3))
# 11 add on input
W = rng.normal(size=(3,2)).astype(f); b = rng.normal(size=3).astype(f)
save("addfirst", [h.make_node("Add",["x","b"],["a"],name="pre_add"), h.make_node("MatMul",["a","W"],["y"],name="mm")], dict(W=W,b=b), [vi("x",[1,3])], [vi("y",[1,2])])
# 12 residual
W = rng.normal(size=(3,3)).astype(f)
save("resid", [h.make_node("MatMul",["x","W"],["m"],name="mm"), h.make_node("Add",["m","x"],["y"],name="res_add")], dict(W=W), [vi("x",[1,3])], [vi("y",[1,3])])
# 13 relu first
W = rng.normal(size=(3,2)).astype(f)
save("relufirst", [h.make_node("Relu",["x"],["a"],name="relu0"), h.make_node("MatMul",["a","W"],["y"],name="mm")], dict(W=W), [vi("x",[1,3])], [vi("y",[1,2])])
# 14 1-D input vector: MatMul(W[m,n], x[n])
W = rng.normal(size=(5,7)).astype(f); b = rng.normal(size=5).astype(f)
save("vec", [h.make_node("MatMul",["W","x"],["m"],name="mm"), h.make_node("Add",["m","b"],["y"],name="bias")], dict(W=W,b=b), [vi("x",[7])], [vi("y",[5])], rng.normal(size=7))
# 15 only identity (no layers)
save("nolayer", [h.make_node("Identity",["x"],["y"],name="id")], {}, [vi("x",[1,3])], [vi("y",[1,3])])
# 16 Gemm with alpha/beta (tract keeps alpha as a Mul after the product)
W = rng.normal(size=(4,3)).astype(f); b = rng.normal(size=4).astype(f)
save("gemm_alpha", [h.make_node("Gemm",["x","W","b"],["g"],name="gemm_ab",alpha=0.5,beta=2.0,transB=1), h.make_node("Relu",["g"],["y"],name="relu")],
     dict(W=W,b=b), [vi("x",[1,3])], [vi("y",[1,4])], rng.normal(size=3))

# ---- operator coverage for the general lowering (src/onnx/lower/tests.rs) ----
def save_multi(name, nodes, inits, inputs, outputs, xs, opset=13):
    """Like save, for several inputs and outputs; output_data holds every output, flattened."""
    g = h.make_graph(nodes, name, inputs, outputs, initializer=[nh.from_array(v, k) for k, v in inits.items()])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", opset)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, f"{D}/{name}.onnx")
    feeds = {i.name: x for i, x in zip(inputs, xs)}
    ys = ReferenceEvaluator(m).run(None, feeds)
    as_list = lambda a: [int(v) if a.dtype == np.int64 else (bool(v) if a.dtype == bool else float(v)) for v in np.asarray(a).ravel()]
    json.dump({"input_data": [as_list(x) for x in xs], "output_data": [list(map(float, np.asarray(y, dtype=np.float64).ravel())) for y in ys]},
              open(f"{D}/{name}.input.json", "w"))
# 17 convolutions and pools: Pad(0.5), grouped/dilated/strided Conv, Relu, ConvTranspose with output_padding,
# AveragePool with and without count_include_pad, MaxPool in ceil mode, nearest Resize
Wc = (rng.normal(size=(4,1,3,3))*0.4).astype(f); Bc = (rng.normal(size=4)*0.1).astype(f)
Wt = (rng.normal(size=(4,3,2,2))*0.4).astype(f); Bt = (rng.normal(size=3)*0.1).astype(f)
save_multi("cnn_ops", [
    h.make_node("Pad", ["x", "pads", "pv"], ["p"], name="pad", mode="constant"),
    h.make_node("Conv", ["p", "Wc", "Bc"], ["c"], name="conv", group=2, strides=[2,1], dilations=[1,2], pads=[1,0,1,2]),
    h.make_node("Relu", ["c"], ["r"], name="relu"),
    h.make_node("ConvTranspose", ["r", "Wt", "Bt"], ["t"], name="deconv", strides=[2,2], output_padding=[1,0]),
    h.make_node("AveragePool", ["t"], ["a"], name="avg", kernel_shape=[3,3], strides=[2,2], pads=[1,1,1,1], count_include_pad=0),
    h.make_node("MaxPool", ["a"], ["m"], name="max", kernel_shape=[2,2], strides=[2,2], ceil_mode=1),
    h.make_node("Resize", ["m", "", "scales"], ["y"], name="up", mode="nearest"),
    h.make_node("AveragePool", ["r"], ["y2"], name="avg_pad", kernel_shape=[2,2], pads=[1,1,0,0], count_include_pad=1),
], dict(pads=np.array([0,0,1,0,0,0,0,1], dtype=np.int64), pv=np.array(0.5, dtype=f), Wc=Wc, Bc=Bc, Wt=Wt, Bt=Bt,
        scales=np.array([1,1,2,2], dtype=f)),
   [vi("x",[1,2,6,6])], [vi("y",[1,3,6,6]), vi("y2",[1,4,4,5])], [rng.uniform(-1,1,size=(1,2,6,6)).astype(f)])
# 18 shapes and data movement: Transpose, strided Slice, Gather, Concat, Tile, Trilu, Expand, reductions, broadcasting
save_multi("shape_ops", [
    h.make_node("Transpose", ["x"], ["tr"], name="transpose", perm=[0,2,1]),
    h.make_node("Slice", ["tr", "s0", "s1", "sa", "ss"], ["sl"], name="slice"),
    h.make_node("Gather", ["x", "gi"], ["g"], name="gather", axis=1),
    h.make_node("Slice", ["g", "z0", "z1", "za"], ["g3"], name="slice3"),
    h.make_node("Concat", ["sl", "g3"], ["c"], name="concat", axis=1),
    h.make_node("Tile", ["c", "reps"], ["tl"], name="tile"),
    h.make_node("Trilu", ["tl", "k"], ["y"], name="tril", upper=0),
    h.make_node("ReduceSum", ["x", "rax"], ["rs"], name="rsum", keepdims=1),
    h.make_node("Sub", ["x", "rs"], ["d"], name="sub"),
    h.make_node("Expand", ["bias", "eshape"], ["eb"], name="expand"),
    h.make_node("Mul", ["d", "eb"], ["y2"], name="mul"),
    h.make_node("ReduceMean", ["x"], ["y3"], name="rmean", axes=[1], keepdims=0),
], dict(s0=np.array([1],dtype=np.int64), s1=np.array([4],dtype=np.int64), sa=np.array([1],dtype=np.int64), ss=np.array([2],dtype=np.int64),
        gi=np.array([2,0],dtype=np.int64), z0=np.array([0],dtype=np.int64), z1=np.array([3],dtype=np.int64), za=np.array([2],dtype=np.int64),
        reps=np.array([1,1,2],dtype=np.int64), k=np.array(1,dtype=np.int64), rax=np.array([2],dtype=np.int64),
        bias=rng.normal(size=(1,1,4)).astype(f), eshape=np.array([1,3,4],dtype=np.int64)),
   [vi("x",[1,3,4])], [vi("y",[1,4,6]), vi("y2",[1,3,4]), vi("y3",[1,4])], [rng.uniform(-1,1,size=(1,3,4)).astype(f)], opset=14)
# 19 comparisons, logic, casts, division and computed indices, on a float, a positive float and an int64 input
table = rng.normal(size=(5,2)).astype(f)
save_multi("logic_ops", [
    h.make_node("Less", ["x", "y"], ["lt"], name="less"),
    h.make_node("Where", ["lt", "x", "y"], ["w"], name="where"),
    h.make_node("Greater", ["x", "c01"], ["gt"], name="greater"),
    h.make_node("Not", ["gt"], ["ng"], name="not"),
    h.make_node("And", ["lt", "ng"], ["an"], name="and"),
    h.make_node("Or", ["an", "gt"], ["o"], name="or"),
    h.make_node("Cast", ["o"], ["of"], name="cast_bool", to=TP.FLOAT),
    h.make_node("Mul", ["x", "c3"], ["x3"], name="mul3"),
    h.make_node("Cast", ["x3"], ["xi"], name="cast_int", to=TP.INT64),
    h.make_node("Cast", ["xi"], ["xf"], name="cast_back", to=TP.FLOAT),
    h.make_node("Div", ["x", "y"], ["dv"], name="div"),
    h.make_node("Max", ["x", "dv"], ["mx"], name="max"),
    h.make_node("Pow", ["x", "c3"], ["pw"], name="cube"),
    h.make_node("Equal", ["k", "kk"], ["eq"], name="equal"),
    h.make_node("Cast", ["eq"], ["eqf"], name="cast_eq", to=TP.FLOAT),
    h.make_node("Gather", ["table", "k"], ["gk"], name="gather_k", axis=0),
], dict(c01=np.array(0.1,dtype=f), c3=np.array(3.0,dtype=f), kk=np.array([[1,2,2]],dtype=np.int64), table=table),
   [vi("x",[1,6]), vi("y",[1,6]), vi("k",[1,3],TP.INT64)],
   [vi("w",[1,6]), vi("of",[1,6]), vi("xf",[1,6]), vi("mx",[1,6]), vi("pw",[1,6]), vi("eqf",[1,3]), vi("gk",[1,3,2])],
   [rng.uniform(-1,1,size=(1,6)).astype(f), rng.uniform(0.5,1.5,size=(1,6)).astype(f), np.array([[4,2,0]],dtype=np.int64)])
# 20 LSTM over a sequence of 3 (tract keeps a Scan)
H, I = 4, 2
save_multi("lstm_seq", [h.make_node("LSTM", ["x", "W", "R", "B"], ["Y", "Yh"], name="lstm", hidden_size=H)],
   dict(W=(rng.normal(size=(1,4*H,I))*0.5).astype(f), R=(rng.normal(size=(1,4*H,H))*0.5).astype(f), B=(rng.normal(size=(1,8*H))*0.1).astype(f)),
   [vi("x",[3,1,I])], [vi("Y",[3,1,1,H]), vi("Yh",[1,1,H])], [rng.uniform(-1,1,size=(3,1,I)).astype(f)])
# 21 an operator the lowering does not support (CumSum), after a product
save("cumsum", [h.make_node("MatMul", ["x", "W"], ["m"], name="mm"), h.make_node("CumSum", ["m", "ax"], ["y"], name="cumsum1")],
     dict(W=rng.normal(size=(3,3)).astype(f), ax=np.array(1, dtype=np.int64)), [vi("x",[1,3])], [vi("y",[1,3])], rng.normal(size=3))
# 22 a batched MatMul over a leading axis of size 1 and per-head attention scores: tract makes
# them einsums with a summed axis of size 1 ("amk,kn->mn") and a batch axis ("mbk,nbk->bmn")
save("matmul3d", [h.make_node("MatMul", ["x", "W"], ["q"], name="proj"),
                  h.make_node("Reshape", ["q", "hs"], ["qh"], name="heads"),
                  h.make_node("Transpose", ["qh"], ["qt"], name="qt", perm=[0, 2, 1, 3]),
                  h.make_node("Transpose", ["qh"], ["kt"], name="kt", perm=[0, 2, 3, 1]),
                  h.make_node("MatMul", ["qt", "kt"], ["y"], name="scores")],
     dict(W=(rng.normal(size=(4, 8))*0.5).astype(f), hs=np.array([1, 24, 2, 4], dtype=np.int64)),
     [vi("x",[1,24,4])], [vi("y",[1,2,24,24])], rng.uniform(-1,1,size=(1,24,4)).astype(f))
