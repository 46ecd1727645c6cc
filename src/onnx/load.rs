//! Reading an ONNX file with tract and lowering the decluttered graph to an [`Mlp`].
//!
//! tract's decluttered graph is not the ONNX op set: Gemm/MatMul become `EinSum` (+ `Add` for
//! the bias), Relu becomes `Max` against a constant 0, Flatten/Reshape become `Reshape`,
//! `AddAxis`, `RmAxis`. The lowering walks that graph in evaluation order and accepts exactly:
//!
//! * `Source` (the one input) and constants (any node whose output tract folded to a constant);
//! * `EinSum` with one constant operand and the activation as the other: a linear map, read
//!   off the einsum's axes mapping, so any operand order, transpose or unit axis works;
//! * `Add` of a constant right after a product (folded into that layer's bias), and `Mul` by a
//!   constant there (Gemm's `alpha`/`beta`, folded into the layer's weights and bias);
//! * `Max` with a constant 0 right after a dense layer (ReLU, attached to that layer);
//! * shape-only ops that keep the row-major order of the values (`Reshape`, `AddAxis`,
//!   `RmAxis`, `MoveAxis` of unit axes, `Identity`).
//!
//! Everything else is rejected: an unknown operator with `Error::UnsupportedOp`, a known one
//! used in a way the circuit cannot express with `Error::UnsupportedModel` naming the node.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::binary::TypedBinOp;
use tract_onnx::tract_core::ops::change_axes::AxisOp;
use tract_onnx::tract_core::ops::einsum::EinSum;
use tract_onnx::tract_core::ops::identity::Identity;
use tract_onnx::tract_hir::infer::Factoid;

use super::{DenseLayer, Mlp};
use crate::{Error, Result};

/// Most multiply-adds the einsum lowering will enumerate for one layer (guards against hangs).
const MAX_EINSUM_TERMS: u128 = 1 << 31;

/// A typed tract model with its single input's concrete shape and type.
struct Prepared {
    model: TypedModel,
    input_shape: Vec<usize>,
    input_dt: DatumType,
}

fn onnx_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Onnx {
        path: path.to_path_buf(),
        reason: format!("{e:#}"),
    }
}

/// Runs `f`, turning a panic inside tract into `Error::Onnx` so no input file can abort us.
fn no_panic<T>(path: &Path, f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(onnx_err(path, format!("tract panicked: {msg}")))
    })
}

/// Loads `path`, checks it has one input and one output, fixes the input fact to the declared
/// shape (symbolic or unknown dims → 1) and type, clears output facts, and translates to a
/// typed model (decluttered if asked).
fn prepare(path: &Path, declutter: bool) -> Result<Prepared> {
    std::fs::File::open(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let err = |e: TractError| onnx_err(path, e);
    let mut m = tract_onnx::onnx().model_for_path(path).map_err(err)?;
    let n_in = m.input_outlets().map_err(err)?.len();
    let n_out = m.output_outlets().map_err(err)?.len();
    if n_in != 1 || n_out != 1 {
        return Err(Error::UnsupportedModel(format!(
            "the model has {n_in} inputs and {n_out} outputs; zktorch needs exactly one of each"
        )));
    }
    let decl = m.input_fact(0).map_err(err)?.clone();
    let input_dt = decl.datum_type.concretize().unwrap_or(DatumType::F32);
    if decl.shape.is_open() {
        return Err(Error::UnsupportedModel(
            "the model input has no declared rank".into(),
        ));
    }
    let input_shape: Vec<usize> = decl
        .shape
        .dims()
        .map(|d| match d.concretize().and_then(|t| t.as_i64()) {
            Some(v) if v >= 1 => v as usize,
            _ => 1, // symbolic (batch) or unknown
        })
        .collect();
    m.set_input_fact(0, InferenceFact::dt_shape(input_dt, input_shape.clone()))
        .map_err(err)?;
    m.set_output_fact(0, InferenceFact::default())
        .map_err(err)?;
    let mut model = m.into_typed().map_err(err)?;
    if declutter {
        model = model.into_decluttered().map_err(err)?;
    }
    Ok(Prepared {
        model,
        input_shape,
        input_dt,
    })
}

/// Loads an ONNX file and lowers it to an [`Mlp`].
///
/// Guarantees on success: the [`Mlp`] invariants hold (non-empty, consistent widths), and
/// [`Mlp::forward_f64`] computes the same function as the ONNX graph (checked against
/// [`run_float`] in the tests). The input shape is the declared one with symbolic dimensions
/// set to 1.
///
/// Errors, never a panic: `Error::Read` if the file cannot be opened; `Error::Onnx` if tract
/// cannot parse or type it (corrupt protobuf, unknown ONNX op, shape errors);
/// `Error::UnsupportedOp { node, op }` for a tract operator outside the supported set (see the
/// module docs); `Error::UnsupportedModel` for ≠ 1 input or output, a non-float input, batch > 1,
/// a bias, scale or ReLU not directly after a product, branches, or no dense layer at all.
pub fn load_mlp(path: &Path) -> Result<Mlp> {
    no_panic(path, || {
        let p = prepare(path, true)?;
        if !p.input_dt.is_float() {
            return Err(Error::UnsupportedModel(format!(
                "the model input has type {:?}; zktorch needs a float input",
                p.input_dt
            )));
        }
        lower(path, &p.model, p.input_shape)
    })
}

/// Runs the ONNX model in floating point with tract on a flat input (cast to the model's
/// declared input type, reshaped to its declared shape with symbolic dims set to 1) and returns
/// the flattened output as `f64`. Uses tract's typed (not decluttered) graph, the most direct
/// translation of the file.
///
/// Errors: `Error::InputLength` if `input` does not fill the input shape; `Error::Read`,
/// `Error::Onnx` and `Error::UnsupportedModel` (≠ 1 input or output) as for [`load_mlp`].
pub fn run_float(path: &Path, input: &[f64]) -> Result<Vec<f64>> {
    no_panic(path, || {
        let p = prepare(path, false)?;
        let expected: usize = p.input_shape.iter().product();
        if input.len() != expected {
            return Err(Error::InputLength {
                expected,
                got: input.len(),
            });
        }
        let err = |e: TractError| onnx_err(path, e);
        let t = Tensor::from_shape(&p.input_shape, input)
            .and_then(|t| t.cast_to_dt(p.input_dt).map(|c| c.into_owned()))
            .map_err(err)?;
        let plan = p.model.into_runnable().map_err(err)?;
        let outs = plan.run(tvec!(t.into())).map_err(err)?;
        let out = outs
            .into_iter()
            .next()
            .ok_or_else(|| onnx_err(path, "model produced no output"))?;
        tensor_f64(&out.into_tensor()).map_err(err)
    })
}

/// A tensor's values as `f64`, row-major.
fn tensor_f64(t: &Tensor) -> TractResult<Vec<f64>> {
    let c = t.cast_to::<f64>()?;
    let view = c.to_plain_array_view::<f64>()?;
    Ok(view.iter().copied().collect())
}

/// Where the activation stands: still the raw input, or the output of a dense layer.
#[derive(Clone, Copy, PartialEq)]
enum Stage {
    Input,
    Dense { layer: usize, relu: bool },
}

/// What a supported operator does to the activation.
#[derive(Clone, Copy)]
enum Kind<'a> {
    /// Matrix product with a constant: a new dense layer.
    Product(&'a EinSum),
    /// `+ c`: folded into the bias of the layer just produced.
    Bias,
    /// `⊙ c` (Gemm alpha/beta): folded into the weights and bias of the layer just produced.
    Scale,
    /// `max(·, 0)`: ReLU on the layer just produced.
    Relu,
    /// Reshape/AddAxis/RmAxis/MoveAxis/Identity: no change to the flat values (checked).
    Shape(Option<&'a AxisOp>),
}

/// One input of a node during lowering.
enum Operand {
    Const(Arc<Tensor>),
    Act,
}

struct Lowering<'a> {
    path: &'a Path,
}

impl Lowering<'_> {
    fn tract(&self, e: impl std::fmt::Display) -> Error {
        onnx_err(self.path, e)
    }

    fn shape(&self, node: &TypedNode, fact: &TypedFact) -> Result<Vec<usize>> {
        fact.shape
            .as_concrete()
            .map(|s| s.to_vec())
            .ok_or_else(|| misuse(node, &format!("symbolic shape {:?}", fact.shape)))
    }
}

fn unsupported(node: &TypedNode) -> Error {
    Error::UnsupportedOp {
        node: node.name.clone(),
        op: node.op.name().to_string(),
    }
}

fn misuse(node: &TypedNode, why: &str) -> Error {
    Error::UnsupportedModel(format!(
        "operator {} at node {:?}: {why}",
        node.op.name(),
        node.name
    ))
}

fn lower(path: &Path, model: &TypedModel, input_shape: Vec<usize>) -> Result<Mlp> {
    let lw = Lowering { path };
    let input_len: usize = input_shape.iter().product();
    let input_outlet = model.input_outlets().map_err(|e| lw.tract(e))?[0];
    let output_outlet = model.output_outlets().map_err(|e| lw.tract(e))?[0];

    let mut layers: Vec<DenseLayer> = Vec::new();
    let mut current: Option<OutletId> = None;
    let mut stage = Stage::Input;

    for id in model.eval_order().map_err(|e| lw.tract(e))? {
        let node = model.node(id);
        // Constants (including anything tract folded to a constant) need no lowering.
        if node.outputs.len() == 1 && node.outputs[0].fact.konst.is_some() {
            continue;
        }
        if node.inputs.is_empty() {
            if OutletId::new(id, 0) == input_outlet && node.op.name() == "Source" {
                current = Some(input_outlet);
                continue;
            }
            return Err(unsupported(node));
        }
        // Classify first, so an operator outside the supported set is always reported as such.
        let kind = if let Some(einsum) = node.op_as::<EinSum>() {
            Kind::Product(einsum)
        } else if node.op_as::<TypedBinOp>().is_some() {
            match &*node.op.name() {
                "Add" => Kind::Bias,
                "Mul" => Kind::Scale,
                "Max" => Kind::Relu,
                _ => return Err(unsupported(node)),
            }
        } else if let Some(axis_op) = node.op_as::<AxisOp>() {
            Kind::Shape(Some(axis_op))
        } else if node.op_as::<Identity>().is_some() {
            Kind::Shape(None)
        } else {
            return Err(unsupported(node));
        };
        if node.outputs.len() != 1 {
            return Err(misuse(node, "has several outputs"));
        }
        let mut operands = Vec::with_capacity(node.inputs.len());
        let mut act_ix = None;
        for (ix, &inlet) in node.inputs.iter().enumerate() {
            let fact = model.outlet_fact(inlet).map_err(|e| lw.tract(e))?;
            if let Some(k) = &fact.konst {
                operands.push(Operand::Const(k.clone()));
            } else if Some(inlet) == current {
                if act_ix.is_some() {
                    return Err(misuse(
                        node,
                        "uses the activation twice (not a dense layer)",
                    ));
                }
                act_ix = Some(ix);
                operands.push(Operand::Act);
            } else {
                return Err(misuse(
                    node,
                    "reads an earlier activation: only a straight chain of layers is supported",
                ));
            }
        }
        let Some(act_ix) = act_ix else {
            return Err(misuse(node, "does not depend on the model input"));
        };
        let act_shape = lw.shape(
            node,
            model
                .outlet_fact(node.inputs[act_ix])
                .map_err(|e| lw.tract(e))?,
        )?;
        let out_shape = lw.shape(node, &node.outputs[0].fact)?;
        // The one constant operand of a binary op.
        let konst = match (operands.len(), operands.get(1usize.saturating_sub(act_ix))) {
            (2, Some(Operand::Const(k))) => Some(k.clone()),
            _ => None,
        };

        match kind {
            Kind::Product(einsum) => {
                let konst = konst.ok_or_else(|| {
                    misuse(
                        node,
                        "needs exactly one constant and one activation operand",
                    )
                })?;
                let weights = einsum_matrix(einsum, act_ix, &act_shape, &konst, &out_shape)
                    .map_err(|why| misuse(node, &why))?;
                let m = weights.len();
                layers.push(DenseLayer {
                    name: node.name.clone(),
                    weights,
                    bias: vec![0.0; m],
                    relu: false,
                });
                stage = Stage::Dense {
                    layer: layers.len() - 1,
                    relu: false,
                };
            }
            Kind::Bias | Kind::Scale | Kind::Relu => {
                let konst =
                    konst.ok_or_else(|| misuse(node, "needs exactly one constant operand"))?;
                if out_shape != act_shape {
                    return Err(misuse(node, "broadcasts the activation (batch > 1?)"));
                }
                let vals = tensor_f64(&konst).map_err(|e| lw.tract(e))?;
                let c = broadcast_flat(&vals, konst.shape(), &out_shape).ok_or_else(|| {
                    misuse(
                        node,
                        &format!(
                            "constant of shape {:?} does not broadcast to {:?}",
                            konst.shape(),
                            out_shape
                        ),
                    )
                })?;
                match (kind, stage) {
                    (Kind::Relu, _) if c.iter().any(|v| *v != 0.0) => {
                        return Err(misuse(node, "Max with a non-zero constant is not a ReLU"))
                    }
                    (Kind::Relu, Stage::Dense { layer, .. }) => {
                        // A second ReLU in a row changes nothing.
                        layers[layer].relu = true;
                        stage = Stage::Dense { layer, relu: true };
                    }
                    (Kind::Relu, Stage::Input) => {
                        return Err(misuse(node, "a ReLU must directly follow a dense layer"))
                    }
                    (Kind::Bias, Stage::Dense { layer, relu: false }) => {
                        let l = &mut layers[layer];
                        if l.bias.len() != c.len() {
                            return Err(misuse(node, "bias length differs from the layer width"));
                        }
                        l.bias.iter_mut().zip(&c).for_each(|(b, v)| *b += v);
                    }
                    (Kind::Scale, Stage::Dense { layer, relu: false }) => {
                        // c ⊙ (W·x + b): Gemm's alpha/beta, folded into the layer.
                        let l = &mut layers[layer];
                        if l.bias.len() != c.len() {
                            return Err(misuse(node, "scale length differs from the layer width"));
                        }
                        for ((row, b), v) in l.weights.iter_mut().zip(l.bias.iter_mut()).zip(&c) {
                            row.iter_mut().for_each(|w| *w *= v);
                            *b *= v;
                        }
                    }
                    _ => {
                        return Err(misuse(
                            node,
                            "an Add or Mul of a constant must directly follow a matrix product",
                        ))
                    }
                }
            }
            Kind::Shape(Some(AxisOp::Move(from, to))) => {
                if !move_keeps_order(&act_shape, *from, *to) {
                    return Err(misuse(
                        node,
                        "permutes the values (only order-preserving reshapes are supported)",
                    ));
                }
            }
            Kind::Shape(_) => {}
        }
        current = Some(OutletId::new(id, 0));
    }

    if layers.is_empty() {
        return Err(Error::UnsupportedModel(
            "the model has no dense (Gemm/MatMul) layer".into(),
        ));
    }
    if Some(output_outlet) != current {
        return Err(Error::UnsupportedModel(
            "the model output is not the end of the layer chain".into(),
        ));
    }
    let out_fact = model.outlet_fact(output_outlet).map_err(|e| lw.tract(e))?;
    let output_len: usize = out_fact
        .shape
        .as_concrete()
        .ok_or_else(|| Error::UnsupportedModel("the model output has a symbolic shape".into()))?
        .iter()
        .product();

    // Widths must chain (they do by construction; checked so the invariant is explicit).
    let mut width = input_len;
    for l in &layers {
        if l.in_len() != width || l.weights.iter().any(|r| r.len() != width) {
            return Err(Error::UnsupportedModel(format!(
                "layer {:?} takes {} values but receives {width}",
                l.name,
                l.in_len()
            )));
        }
        width = l.out_len();
    }
    if width != output_len {
        return Err(Error::UnsupportedModel(format!(
            "the last layer gives {width} values but the output has {output_len}"
        )));
    }
    Ok(Mlp {
        input_len,
        input_shape,
        output_len,
        layers,
    })
}

/// Where an einsum axis sits in one tensor: its positions, the tensor's shape and strides,
/// and whether the tensor is the output.
type Place<'a> = (&'a [usize], &'a [usize], &'a [usize], bool);

/// Row-major strides of a shape.
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// The `m × n` matrix `W` of the linear map `flat(act) ↦ flat(einsum(act, konst))`, where `m`
/// and `n` are the output and activation volumes (row-major flattening).
///
/// Enumerates every assignment of the einsum's axes and adds `konst[c] ` into `W[o][a]`, which
/// is the einsum's definition; size-1 dims broadcast. Rejects a non-unit axis that only the
/// activation and the output carry (a batch > 1).
fn einsum_matrix(
    op: &EinSum,
    act_ix: usize,
    act_shape: &[usize],
    konst: &Tensor,
    out_shape: &[usize],
) -> std::result::Result<Vec<Vec<f64>>, String> {
    if op.q_params.is_some() || op.axes.input_count() != 2 || op.axes.output_count() != 1 {
        return Err("only a plain two-operand float EinSum is supported".into());
    }
    let c_ix = 1 - act_ix;
    let c_shape = konst.shape().to_vec();
    let cvals = tensor_f64(konst).map_err(|e| format!("{e:#}"))?;
    let (sa, sc, so) = (strides(act_shape), strides(&c_shape), strides(out_shape));

    // Per axis: size and its stride contribution in each tensor (0 where broadcast).
    let mut sizes = Vec::new();
    let mut steps = Vec::new(); // (act, konst, out)
    for axis in op.axes.iter_all_axes() {
        let places: [Place; 3] = [
            (&axis.inputs[act_ix][..], act_shape, &sa[..], false),
            (&axis.inputs[c_ix][..], &c_shape[..], &sc[..], false),
            (&axis.outputs[0][..], out_shape, &so[..], true),
        ];
        let mut size = 1usize;
        for (pos, shape, _, _) in &places {
            for &p in pos.iter() {
                let d = *shape.get(p).ok_or("axis position out of range")?;
                if d != 1 {
                    if size != 1 && size != d {
                        return Err(format!("axis {} has sizes {size} and {d}", axis.repr));
                    }
                    size = d;
                }
            }
        }
        let mut step = [0usize; 3];
        for (k, (pos, shape, st, is_out)) in places.iter().enumerate() {
            for &p in pos.iter() {
                if shape[p] == size {
                    step[k] += st[p];
                } else if *is_out {
                    return Err(format!("output axis {} broadcasts", axis.repr));
                }
            }
        }
        let (in_a, in_c, in_o) = (
            !axis.inputs[act_ix].is_empty(),
            !axis.inputs[c_ix].is_empty(),
            !axis.outputs[0].is_empty(),
        );
        if size > 1 && in_a && in_o && !in_c {
            return Err(format!(
                "axis {} of size {size} is a batch (batch > 1 is not supported)",
                axis.repr
            ));
        }
        sizes.push(size);
        steps.push(step);
    }
    let terms: u128 = sizes.iter().map(|&s| s as u128).product();
    if terms > MAX_EINSUM_TERMS {
        return Err(format!("too large ({terms} multiply-adds)"));
    }
    let m: usize = out_shape.iter().product();
    let n: usize = act_shape.iter().product();
    let mut w = vec![vec![0.0f64; n]; m];
    if terms == 0 {
        return Ok(w);
    }
    // Odometer over all axis assignments, tracking the three flat indices incrementally.
    let mut digits = vec![0usize; sizes.len()];
    let (mut ia, mut ic, mut io) = (0usize, 0usize, 0usize);
    loop {
        w[io][ia] += cvals[ic];
        let mut k = sizes.len();
        loop {
            if k == 0 {
                return Ok(w);
            }
            k -= 1;
            let [da, dc, dout] = steps[k];
            if digits[k] + 1 < sizes[k] {
                digits[k] += 1;
                ia += da;
                ic += dc;
                io += dout;
                break;
            }
            let back = digits[k];
            digits[k] = 0;
            ia -= back * da;
            ic -= back * dc;
            io -= back * dout;
        }
    }
}

/// Broadcasts `vals` (row-major, shape `shape`) to `target` with numpy rules and flattens it.
fn broadcast_flat(vals: &[f64], shape: &[usize], target: &[usize]) -> Option<Vec<f64>> {
    if vals.len() != shape.iter().product::<usize>() {
        return None;
    }
    let extra = shape.len().saturating_sub(target.len());
    if shape[..extra].iter().any(|&d| d != 1) {
        return None;
    }
    let shape = &shape[extra..];
    let st = strides(shape);
    let off = target.len() - shape.len();
    // Stride of each target axis in `vals` (0 where broadcast or absent).
    let mut tstep = vec![0usize; target.len()];
    for (i, &d) in shape.iter().enumerate() {
        match d {
            1 => {}
            d if d == target[off + i] => tstep[off + i] = st[i],
            _ => return None,
        }
    }
    let total: usize = target.iter().product();
    let tst = strides(target);
    Some(
        (0..total)
            .map(|flat| {
                let idx: usize = (0..target.len())
                    .map(|a| (flat / tst[a]) % target[a] * tstep[a])
                    .sum();
                vals[idx]
            })
            .collect(),
    )
}

/// Whether moving axis `from` to `to` leaves the row-major order of the values unchanged
/// (true iff the non-unit axes keep their relative order).
fn move_keeps_order(shape: &[usize], from: usize, to: usize) -> bool {
    if from >= shape.len() || to >= shape.len() {
        return false;
    }
    let mut perm: Vec<usize> = (0..shape.len()).collect();
    let a = perm.remove(from);
    perm.insert(to, a);
    let kept: Vec<usize> = perm.into_iter().filter(|&i| shape[i] != 1).collect();
    kept.windows(2).all(|w| w[0] < w[1])
}
