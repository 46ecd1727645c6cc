"""Edge-case ONNX models for the unit tests in src/onnx/tests.rs (the main fixtures live in
tests/fixtures/). Deterministic; regenerate with: python3 src/onnx/testdata/make_testdata.py
(needs onnx and numpy)."""
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
