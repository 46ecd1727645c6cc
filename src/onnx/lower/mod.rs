//! Lowering an ONNX model, through tract, to an [`ElementGraph`].
//!
//! [`Model::load`] reads the file with tract, fixes every input to its declared shape
//! (symbolic dimensions set to 1) and type, and keeps two typed graphs: tract's direct
//! translation (the float reference of [`Model::run_float`]) and its decluttered form, the
//! graph that is lowered (the direct translation when declutter fails).
//!
//! [`Model::build`] walks the lowered graph in evaluation order. Every tensor is an
//! `ArrayD<ExprId>` of [`Builder`] expressions (constants are constant expressions, float
//! constants read as the small fraction they round, see [`snap`]), and every node becomes
//! builder calls: shape and data-movement operators only rearrange expressions (`movement`),
//! linear ones combine them (`einsum`, `cnn`, `arith`), and the rest lay out gates
//! (`arith` for comparisons and logic, `dynamic` for indexing by computed values, `scan` for
//! unrolled recurrences, `nonlinear` for lookups, softmax, normalization and maxima). Value
//! ranges known statically (`range`) keep one-hot encodings of computed indices small. The
//! builder quantizes and evaluates as it goes, so the lowering is also the fixed-point
//! interpreter; the model outputs, flattened and concatenated, are the graph's public
//! outputs.
//!
//! Constants are *private* (model weights: [`Builder::weight`], whose values never shape the
//! layout) or *public* (architecture: [`Builder::constant`]). A constant of the lowered graph
//! is public when it is unchanged in a copy of the model whose float constants were all
//! replaced by other values (shapes, counts such as a mean's `1/n`, integer and boolean
//! tables), private otherwise (weights, biases, BatchNorm's folded scale, anything computed
//! from them); see [`unchanged_constants`].
//!
//! Any operator outside the supported set is `Error::UnsupportedOp` naming the node; a
//! supported one used in a way the circuit cannot express is `Error::UnsupportedModel`; and a
//! tract error or panic is `Error::Onnx`.

mod arith;
mod cnn;
mod dynamic;
mod einsum;
mod movement;
mod nonlinear;
mod range;
mod scan;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ndarray::{ArrayD, IxDyn};
use tract_onnx::tract_core::ops::array::{
    Gather, GatherElements, GatherNd, OneHot, ScatterElements, ScatterNd, ScatterReduction, Topk,
};
use tract_onnx::tract_core::ops::binary::TypedBinOp;
use tract_onnx::tract_core::ops::cast::Cast;
use tract_onnx::tract_core::ops::cnn::{Conv, Deconv, MaxPool, SumPool};
use tract_onnx::tract_core::ops::einsum::EinSum;
use tract_onnx::tract_core::ops::gru_cell::GruEpilogue;
use tract_onnx::tract_core::ops::lstm_cell::LstmEpilogue;
use tract_onnx::tract_core::ops::logic::Iff;
use tract_onnx::tract_core::ops::scan::Scan;
use tract_onnx::tract_core::ops::nn::{Reduce, Reducer, RmsNorm, Softmax};
use tract_onnx::tract_hir::infer::Factoid;
use tract_onnx::tract_hir::ops::konst::Const;

use self::range::Ranges;
use crate::compiler::graph::{Builder, ElementGraph, ExprId};
use crate::compiler::interpolate::Interp;
use crate::{Error, Result};

/// A tensor of builder expressions.
type Exprs = ArrayD<ExprId>;

/// An ONNX model loaded with tract, ready to be built at any scale.
#[derive(Debug)]
pub struct Model {
    path: PathBuf,
    /// tract's direct translation of the file: the float reference.
    typed: TypedModel,
    /// The graph that is lowered: `typed` decluttered (or `typed` itself if declutter fails).
    graph: TypedModel,
    /// Shape and type of every input.
    inputs: Vec<(Vec<usize>, DatumType)>,
    /// Names of the public constants of `graph` ([`unchanged_constants`]); `None` when the
    /// comparison could not be made (then every float constant is private).
    public: Option<HashSet<String>>,
}

fn onnx_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Onnx { path: path.to_path_buf(), reason: format!("{e:#}") }
}

/// Runs `f`, turning a panic inside tract into `Error::Onnx` so no input file can abort us.
fn no_panic<T>(path: &Path, f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(onnx_err(path, format!("panicked: {msg}")))
    })
}

impl Model {
    /// Loads `path`: every input gets its declared type and shape (symbolic or unknown
    /// dimensions set to 1), declared output facts are dropped, and the graph is typed and
    /// decluttered.
    ///
    /// Errors, never a panic: `Error::Read` if the file cannot be opened; `Error::Onnx` if
    /// tract cannot parse or type it; `Error::UnsupportedModel` for an input of unknown rank.
    pub fn load(path: &Path) -> Result<Model> {
        std::fs::File::open(path).map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
        no_panic(path, || {
            let err = |e: TractError| onnx_err(path, e);
            let mut m = tract_onnx::onnx().model_for_path(path).map_err(err)?;
            let mut inputs = Vec::new();
            for i in 0..m.input_outlets().map_err(err)?.len() {
                let decl = m.input_fact(i).map_err(err)?.clone();
                if decl.shape.is_open() {
                    return Err(Error::UnsupportedModel(format!("model input {i} has no declared rank")));
                }
                let dt = decl.datum_type.concretize().unwrap_or(DatumType::F32);
                let shape: Vec<usize> = decl
                    .shape
                    .dims()
                    .map(|d| match d.concretize().and_then(|t| t.as_i64()) {
                        Some(v) if v >= 1 => v as usize,
                        _ => 1, // symbolic (batch) or unknown
                    })
                    .collect();
                m.set_input_fact(i, InferenceFact::dt_shape(dt, shape.clone())).map_err(err)?;
                inputs.push((shape, dt));
            }
            for o in 0..m.output_outlets().map_err(err)?.len() {
                m.set_output_fact(o, InferenceFact::default()).map_err(err)?;
            }
            // Quantized weights are small integers: perturb those too, unless the model then
            // fails to type (they were indices or shapes), where only floats are perturbed.
            let other = [true, false]
                .into_iter()
                .find_map(|ints| with_other_weights(&m, ints).and_then(|o| o.into_typed()).ok());
            let typed = m.into_typed().map_err(err)?;
            let graph = declutter(&typed);
            let public = other.map(|o| unchanged_constants(&graph, &declutter(&o)));
            Ok(Model { path: path.to_path_buf(), typed, graph, inputs, public })
        })
    }

    /// The shape of every model input (symbolic dimensions set to 1).
    pub fn input_shapes(&self) -> Vec<Vec<usize>> {
        self.inputs.iter().map(|(s, _)| s.clone()).collect()
    }

    /// The number of values of every model input.
    pub fn input_lengths(&self) -> Vec<usize> {
        self.inputs.iter().map(|(s, _)| s.iter().product()).collect()
    }

    /// The model's inputs among `inputs`: `Error::Usage` if there are fewer than the model
    /// has, `Error::InputLength` unless each fills its shape. Extra entries are ignored, as
    /// EZKL does (some of its `input.json` files carry more entries than the model has inputs).
    fn check_inputs<'a>(&self, inputs: &'a [Vec<f64>]) -> Result<&'a [Vec<f64>]> {
        if inputs.len() < self.inputs.len() {
            return Err(Error::Usage(format!(
                "the model has {} inputs but {} were given",
                self.inputs.len(),
                inputs.len()
            )));
        }
        let inputs = &inputs[..self.inputs.len()];
        for (x, (shape, _)) in inputs.iter().zip(&self.inputs) {
            let expected: usize = shape.iter().product();
            if x.len() != expected {
                return Err(Error::InputLength { expected, got: x.len() });
            }
        }
        Ok(inputs)
    }

    /// Runs the model in floating point with tract (its direct translation of the file, in the
    /// model's own types) and returns the outputs flattened and concatenated.
    ///
    /// Errors: `Error::Usage`/`Error::InputLength` if `inputs` do not match the model inputs,
    /// `Error::Onnx` if tract fails.
    pub fn run_float(&self, inputs: &[Vec<f64>]) -> Result<Vec<f64>> {
        let inputs = self.check_inputs(inputs)?;
        no_panic(&self.path, || {
            let err = |e: TractError| onnx_err(&self.path, e);
            let tensors = inputs
                .iter()
                .zip(&self.inputs)
                .map(|(x, (shape, dt))| {
                    Ok(Tensor::from_shape(shape, x)?.cast_to_dt(*dt)?.into_owned().into_tvalue())
                })
                .collect::<TractResult<TVec<TValue>>>()
                .map_err(err)?;
            let plan = self.typed.clone().into_runnable().map_err(err)?;
            let mut out = Vec::new();
            for t in plan.run(tensors).map_err(err)? {
                out.extend(tensor_f64(&t.into_tensor()).map_err(err)?);
            }
            Ok(out)
        })
    }

    /// Lowers the model on `inputs` (one flat vector per model input, in row-major order) at
    /// scale `2^scale_bits`: the element graph, with every wire evaluated on these inputs.
    /// Integer and boolean inputs are integer wires (their values cast as tract casts them).
    ///
    /// Errors: as [`Model::run_float`] for the inputs; `Error::UnsupportedOp` for an operator
    /// outside the supported set, `Error::UnsupportedModel` for one used in a way the circuit
    /// cannot express, `Error::OutOfRange` if a value leaves the range provable at this scale.
    pub fn build(&self, inputs: &[Vec<f64>], scale_bits: u32) -> Result<ElementGraph> {
        self.build_with(inputs, scale_bits, &[])
    }

    /// [`Model::build`], interpolating the functions of `interpolation` (see
    /// [`crate::compiler::interpolate`]).
    pub fn build_with(&self, inputs: &[Vec<f64>], scale_bits: u32, interpolation: &[(String, Interp)]) -> Result<ElementGraph> {
        let inputs = self.check_inputs(inputs)?;
        no_panic(&self.path, || {
            let mut b = Builder::with_interpolation(scale_bits, interpolation);
            let mut tensors = Vec::with_capacity(inputs.len());
            for (x, (shape, dt)) in inputs.iter().zip(&self.inputs) {
                // Booleans must be 0 or 1 (the circuit proves they are); integers round toward
                // zero, as tract casts them.
                let input = |b: &mut Builder, v: f64| match dt {
                    DatumType::Bool => b.bool_input(v),
                    dt if !dt.is_float() => b.input(v.trunc(), true),
                    _ => b.input(v, false),
                };
                let ids = x.iter().map(|v| input(&mut b, *v)).collect::<Result<Vec<_>>>()?;
                tensors.push(Exprs::from_shape_vec(IxDyn(shape), ids).expect("checked length"));
            }
            let outputs = lower_model(&mut b, &self.graph, self.public.as_ref(), tensors)?;
            let flat: Vec<ExprId> = outputs.iter().flat_map(|t| t.iter().copied()).collect();
            b.finish(&flat)
        })
    }
}

/// `typed` decluttered; declutter can fail (or panic) where the typed graph is fine: `typed`
/// itself then.
fn declutter(typed: &TypedModel) -> TypedModel {
    catch_unwind(AssertUnwindSafe(|| typed.clone().into_decluttered())).ok().and_then(|r| r.ok()).unwrap_or_else(|| typed.clone())
}

/// `m` with every float constant `v` replaced by `1.5 − 1.7·v` (element-wise: no value is
/// kept, signs flip, zeros and integers become other numbers) and, with `small_ints`, every
/// 8-, 16- or 32-bit integer constant's elements moved by one (`v ± 1`, staying in its type):
/// the types quantized weights come in. 64-bit integers (ONNX's shapes, axes and indices) and
/// booleans are kept.
fn with_other_weights(m: &InferenceModel, small_ints: bool) -> TractResult<InferenceModel> {
    use DatumType::*;
    let mut m = m.clone();
    for id in 0..m.nodes.len() {
        let Some(k) = m.nodes[id].op_as::<Const>() else { continue };
        let dt = k.val().datum_type();
        let moved: fn(f64) -> f64 = if dt.is_float() {
            |v| 1.5 - 1.7 * v
        } else if small_ints && matches!(dt, I8 | U8 | I16 | U16 | I32 | U32) {
            |v| if v.rem_euclid(2.0) == 0.0 { v + 1.0 } else { v - 1.0 }
        } else {
            continue;
        };
        let other = Tensor::from(tensor_array(k.val())?.mapv(moved)).cast_to_dt(dt)?.into_owned().into_arc_tensor();
        m.set_outlet_fact(OutletId::new(id, 0), TypedFact::try_from(other.clone())?.into())?;
        m.nodes[id].op = Box::new(Const::new(other)?);
    }
    Ok(m)
}

/// Names of the constant nodes of `graph` (every output a constant) whose outputs are the
/// same in `other`, the lowered graph of [`with_other_weights`]: the constants that do not
/// depend on the float constants' values. A name that `other` lacks, or holds twice, is left
/// out.
fn unchanged_constants(graph: &TypedModel, other: &TypedModel) -> HashSet<String> {
    let konst = |n: &TypedNode| n.outputs.iter().map(|o| o.fact.konst.clone()).collect::<Option<Vec<_>>>();
    let mut seen: HashMap<&str, Option<Vec<Arc<Tensor>>>> = HashMap::new();
    for n in other.nodes() {
        seen.entry(n.name.as_str()).and_modify(|k| *k = None).or_insert_with(|| konst(n));
    }
    graph
        .nodes()
        .iter()
        .filter(|n| konst(n).is_some_and(|k| seen.get(n.name.as_str()).and_then(|o| o.as_ref()) == Some(&k)))
        .map(|n| n.name.clone())
        .collect()
}

/// A tensor's values as `f64`, row-major.
fn tensor_f64(t: &Tensor) -> TractResult<Vec<f64>> {
    let t = if t.datum_type() == DatumType::Bool { t.cast_to::<u8>()?.into_owned() } else { t.clone() };
    let c = t.cast_to::<f64>()?;
    Ok(c.try_as_plain_ram()?.as_slice::<f64>()?.to_vec())
}

/// A tensor as an `f64` array (booleans as 0/1).
fn tensor_array(t: &Tensor) -> TractResult<ArrayD<f64>> {
    Ok(ArrayD::from_shape_vec(IxDyn(t.shape()), tensor_f64(t)?)?)
}

fn unsupported(node: &TypedNode) -> Error {
    Error::UnsupportedOp { node: node.name.clone(), op: node.op.name().to_string() }
}

fn misuse(node: &TypedNode, why: impl std::fmt::Display) -> Error {
    Error::UnsupportedModel(format!("operator {} at node {:?}: {why}", node.op.name(), node.name))
}

/// A tract error met while lowering `node`.
fn tract_err(node: &TypedNode, e: TractError) -> Error {
    misuse(node, format!("{e:#}"))
}

/// The value of an outlet during the walk.
enum Slot {
    /// A constant tract folded (converted to expressions when first used).
    Const(Arc<Tensor>),
    Exprs(Exprs),
}

/// The walk over one model (the graph, or a Scan body).
struct Lowering<'m, 'b> {
    model: &'m TypedModel,
    /// Names of the public constants; `None`: the float ones are private.
    public: Option<&'m HashSet<String>>,
    b: &'b mut Builder,
    values: HashMap<OutletId, Slot>,
    ranges: Ranges,
}

/// Lowers `model` with `inputs` bound to its inputs (in order) and returns its outputs;
/// `public` names its public constants (`None`: the float ones are private).
fn lower_model(b: &mut Builder, model: &TypedModel, public: Option<&HashSet<String>>, inputs: Vec<Exprs>) -> Result<Vec<Exprs>> {
    let terr = |e: TractError| Error::UnsupportedModel(format!("{e:#}"));
    let mut lw = Lowering { model, public, b, values: HashMap::new(), ranges: Ranges::default() };
    for (outlet, t) in model.input_outlets().map_err(terr)?.iter().zip(inputs) {
        let fact = model.outlet_fact(*outlet).map_err(terr)?;
        if concrete_shape(fact).as_deref() != Some(t.shape()) {
            return Err(Error::UnsupportedModel(format!("an input of shape {:?} is bound to {:?}", t.shape(), fact.shape)));
        }
        if fact.datum_type == DatumType::Bool {
            lw.ranges.set_all(&t, (0.0, 1.0));
        }
        lw.values.insert(*outlet, Slot::Exprs(t));
    }
    lw.walk()?;
    model.output_outlets().map_err(terr)?.iter().map(|o| lw.exprs(*o)).collect()
}

impl Lowering<'_, '_> {
    /// Lowers every node of the model (its inputs are already bound).
    fn walk(&mut self) -> Result<()> {
        let model = self.model;
        for id in model.eval_order().map_err(|e| Error::UnsupportedModel(format!("{e:#}")))? {
            let node = model.node(id);
            if self.values.contains_key(&OutletId::new(id, 0)) {
                continue; // an input
            }
            if node.outputs.iter().all(|o| o.fact.konst.is_some()) {
                for (slot, o) in node.outputs.iter().enumerate() {
                    self.values.insert(OutletId::new(id, slot), Slot::Const(o.fact.konst.clone().unwrap()));
                }
                continue;
            }
            self.b.set_node(&node.name);
            let outs = self.lower_node(node)?;
            if outs.len() != node.outputs.len() {
                return Err(misuse(node, format!("lowered to {} outputs, tract has {}", outs.len(), node.outputs.len())));
            }
            for (t, o) in outs.iter().zip(&node.outputs) {
                if concrete_shape(&o.fact).as_deref() != Some(t.shape()) {
                    return Err(misuse(node, format!("lowered to shape {:?}, tract has {:?}", t.shape(), o.fact.shape)));
                }
            }
            let inputs: Option<Vec<&Exprs>> = node
                .inputs
                .iter()
                .map(|o| match self.values.get(o) {
                    Some(Slot::Exprs(t)) => Some(t),
                    _ => None,
                })
                .collect();
            if let Some(inputs) = inputs {
                self.ranges.propagate(self.b, node, &inputs, &outs);
            }
            for (slot, t) in outs.into_iter().enumerate() {
                self.values.insert(OutletId::new(id, slot), Slot::Exprs(t));
            }
        }
        Ok(())
    }

    /// The expressions of an outlet (constants are converted on first use).
    fn exprs(&mut self, outlet: OutletId) -> Result<Exprs> {
        let missing = || Error::UnsupportedModel(format!("outlet {outlet:?} is used before it is computed"));
        let slot = self.values.get(&outlet).ok_or_else(missing)?;
        let t = match slot {
            Slot::Exprs(t) => return Ok(t.clone()),
            Slot::Const(k) => {
                let node = self.model.node(outlet.node);
                let precision = match k.datum_type() {
                    DatumType::F16 => Some(2f64.powi(-11)),
                    DatumType::F32 => Some(2f64.powi(-24)),
                    DatumType::F64 => Some(2f64.powi(-53)),
                    _ => None,
                };
                let values = tensor_array(k).map_err(|e| tract_err(node, e))?;
                let private = self.public.map_or(k.datum_type().is_float(), |p| !p.contains(&node.name));
                values.mapv(|v| {
                    let v = precision.map_or(v, |p| snap(v, p));
                    if private {
                        self.b.weight(v)
                    } else {
                        self.b.constant(v)
                    }
                })
            }
        };
        self.values.insert(outlet, Slot::Exprs(t.clone()));
        Ok(t)
    }

    /// The expressions of input `ix` of `node`.
    fn input(&mut self, node: &TypedNode, ix: usize) -> Result<Exprs> {
        let outlet = *node.inputs.get(ix).ok_or_else(|| misuse(node, format!("has no input {ix}")))?;
        self.exprs(outlet)
    }

    /// The constant value of input `ix` of `node`, if tract knows it.
    fn konst(&self, node: &TypedNode, ix: usize) -> Option<Arc<Tensor>> {
        node.inputs.get(ix).and_then(|o| self.model.outlet_fact(*o).ok()).and_then(|f| f.konst.clone())
    }

    /// The datum type of input `ix` of `node`.
    fn input_dt(&self, node: &TypedNode, ix: usize) -> Result<DatumType> {
        let outlet = *node.inputs.get(ix).ok_or_else(|| misuse(node, format!("has no input {ix}")))?;
        Ok(self.model.outlet_fact(outlet).map_err(|e| tract_err(node, e))?.datum_type)
    }

    fn lower_node(&mut self, node: &TypedNode) -> Result<TVec<Exprs>> {
        let one = |t: Exprs| Ok(tvec!(t));
        if let Some(op) = node.op_as::<TypedBinOp>() {
            let (a, c) = (self.input(node, 0)?, self.input(node, 1)?);
            let dt = self.input_dt(node, 0)?;
            return one(arith::binary(self.b, node, op.0.name(), &a, &c, dt)?);
        }
        if node.op_as::<Iff>().is_some() {
            let (cond, t, f) = (self.input(node, 0)?, self.input(node, 1)?, self.input(node, 2)?);
            return one(arith::iff(self.b, node, &cond, &t, &f)?);
        }
        if let Some(op) = node.op_as::<Cast>() {
            let x = self.input(node, 0)?;
            let from = self.input_dt(node, 0)?;
            return one(arith::cast(self.b, &x, from, op.to)?);
        }
        if let Some(op) = node.op_as::<EinSum>() {
            let operands = (0..node.inputs.len()).map(|i| self.input(node, i)).collect::<Result<Vec<_>>>()?;
            let out_shape = concrete_shape(&node.outputs[0].fact).ok_or_else(|| misuse(node, "symbolic output shape"))?;
            return one(einsum::einsum(self.b, node, op, &operands, &out_shape)?);
        }
        if let Some(op) = node.op_as::<Conv>() {
            if op.q_params.is_some() {
                return Err(misuse(node, "quantized convolutions are not supported"));
            }
            let (x, k, bias) = (self.input(node, 0)?, self.input(node, 1)?, self.input(node, 2)?);
            return one(cnn::conv(self.b, node, &op.pool_spec, op.kernel_fmt, op.group, &x, &k, &bias)?);
        }
        if let Some(op) = node.op_as::<Deconv>() {
            let (x, k, bias) = (self.input(node, 0)?, self.input(node, 1)?, self.input(node, 2)?);
            return one(cnn::deconv(self.b, node, op, &x, &k, &bias)?);
        }
        if let Some(op) = node.op_as::<SumPool>() {
            let x = self.input(node, 0)?;
            return one(cnn::sum_pool(self.b, node, op, &x)?);
        }
        if let Some(op) = node.op_as::<MaxPool>() {
            if op.with_index_outputs.is_some() {
                return Err(misuse(node, "MaxPool with index outputs is not supported"));
            }
            let x = self.input(node, 0)?;
            return one(cnn::max_pool(self.b, node, &op.pool_spec, &x)?);
        }
        if let Some(op) = node.op_as::<Reduce>() {
            let x = self.input(node, 0)?;
            let linear = matches!(op.reducer, Reducer::Sum | Reducer::MeanOfSquares | Reducer::Prod);
            if linear {
                return one(arith::reduce(self.b, op, &x)?);
            }
            return nonlinear::reduce(self.b, node, &x)?.map(|t| tvec!(t)).ok_or_else(|| unsupported(node));
        }
        if let Some(op) = node.op_as::<OneHot>() {
            let x = self.input(node, 0)?;
            return one(dynamic::one_hot(self.b, &self.ranges, node, op, &x)?);
        }
        if node.op_as::<Softmax>().is_some() {
            let x = self.input(node, 0)?;
            return one(nonlinear::softmax(self.b, node, &x)?);
        }
        if node.op_as::<RmsNorm>().is_some() {
            let x = self.input(node, 0)?;
            return one(nonlinear::rms_norm(self.b, node, &x)?);
        }
        if node.op_as::<Topk>().is_some() {
            let x = self.input(node, 0)?;
            let k = self.konst(node, 1).ok_or_else(|| misuse(node, "k must be a constant"))?;
            let k = k.cast_to_scalar::<i64>().map_err(|e| tract_err(node, e))?;
            let (values, indices) = nonlinear::topk(self.b, node, &x, k as usize)?;
            return Ok(tvec!(values, indices));
        }
        if node.op_as::<LstmEpilogue>().is_some() {
            let (pre, c_prev) = (self.input(node, 0)?, self.input(node, 1)?);
            let (h, c) = nonlinear::lstm_epilogue(self.b, node, &pre, &c_prev)?;
            return Ok(tvec!(h, c));
        }
        if node.op_as::<GruEpilogue>().is_some() {
            let (xh, rh, h_prev) = (self.input(node, 0)?, self.input(node, 1)?, self.input(node, 2)?);
            return one(nonlinear::gru_epilogue(self.b, node, &xh, &rh, &h_prev)?);
        }
        if let Some(op) = node.op_as::<Scan>() {
            let inputs = (0..node.inputs.len()).map(|i| self.input(node, i)).collect::<Result<Vec<_>>>()?;
            return scan::scan(self.b, node, op, inputs);
        }
        if self.konst(node, 1).is_none() {
            if let Some(t) = self.dynamic_indexing(node)? {
                return one(t);
            }
        }
        if let Some(t) = movement::lower(self, node)? {
            return one(t);
        }
        if node.inputs.len() == 1 {
            let x = self.input(node, 0)?;
            if let Some(t) = nonlinear::elementwise(self.b, node, &x)? {
                return one(t);
            }
        }
        Err(unsupported(node))
    }

    /// Gathers and scatters whose indices (input 1) are computed.
    fn dynamic_indexing(&mut self, node: &TypedNode) -> Result<Option<Exprs>> {
        let op = &node.op;
        let scatter =
            op.downcast_ref::<ScatterElements>().map(|s| s.reduction).or(op.downcast_ref::<ScatterNd>().map(|s| s.reduction));
        if scatter.is_some_and(|r| r != ScatterReduction::None) {
            return Err(misuse(node, "a scatter with a reduction at computed indices is not supported"));
        }
        if !(op.is::<Gather>() || op.is::<GatherElements>() || op.is::<GatherNd>() || scatter.is_some()) {
            return Ok(None);
        }
        let (data, indices) = (self.input(node, 0)?, self.input(node, 1)?);
        let updates = if scatter.is_some() { Some(self.input(node, 2)?) } else { None };
        let (b, r) = (&mut *self.b, &self.ranges);
        Ok(Some(if let Some(g) = op.downcast_ref::<Gather>() {
            dynamic::gather(b, r, node, g.axis, &data, &indices)?
        } else if let Some(g) = op.downcast_ref::<GatherElements>() {
            dynamic::gather_elements(b, r, node, g.axis, &data, &indices)?
        } else if let Some(g) = op.downcast_ref::<GatherNd>() {
            dynamic::gather_nd(b, r, node, g.batch_dims, &data, &indices)?
        } else {
            let updates = updates.expect("a scatter");
            match op.downcast_ref::<ScatterElements>() {
                Some(s) => dynamic::scatter_elements(b, r, node, s.axis, &data, &indices, &updates)?,
                None => dynamic::scatter_nd(b, r, node, &data, &indices, &updates)?,
            }
        }))
    }
}

/// Largest denominator [`snap`] looks for.
const SNAP_DENOMINATOR: f64 = 4096.0;

/// The simplest fraction `p/q` (`q ≤ 4096`) within relative distance `precision` of `v`, or
/// `v`. A float constant that is the rounding of such a fraction (`1/300` in f32, from a
/// mean or a division) is read as the fraction, which the builder then represents exactly;
/// any other value moves by less than its type's rounding error.
fn snap(v: f64, precision: f64) -> f64 {
    let x0 = v.abs();
    if !x0.is_finite() || x0 == 0.0 {
        return v;
    }
    let (mut x, mut h, mut h1, mut k, mut k1) = (x0, 1.0, 0.0, 0.0, 1.0);
    loop {
        let a = x.floor();
        (h, h1) = (a * h + h1, h);
        (k, k1) = (a * k + k1, k);
        if k > SNAP_DENOMINATOR {
            return v;
        }
        if (h / k - x0).abs() <= precision * x0 {
            return v.signum() * h / k;
        }
        if x - a < 1e-12 {
            return v;
        }
        x = 1.0 / (x - a);
    }
}

/// The concrete shape of a fact, if it has one.
fn concrete_shape(fact: &TypedFact) -> Option<Vec<usize>> {
    fact.shape.as_concrete().map(|s| s.to_vec())
}
