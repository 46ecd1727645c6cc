//! Shape and data-movement operators: every output element is one input element (or a fill
//! constant), so they only rearrange expressions and lay out no gate.
//!
//! Rather than re-implementing each operator's indexing, tract evaluates the operator itself
//! on *codes*: each data input is replaced by an `i64` tensor numbering its elements from 1
//! (0 is left for elements that come from no input, like padding), index inputs keep their
//! constant values, and the output codes say where every output element comes from. This
//! covers `AxisOp` (Reshape, AddAxis, RmAxis, MoveAxis), Identity, Concat, Slice, Pad (all
//! modes), Gather/GatherElements/GatherNd with constant indices, MultiBroadcastTo, Tile,
//! Trilu, NearestUpsample, Downsample and ScatterElements/ScatterNd without reduction.
//! Index inputs must be constants here; computed indices are handled in `dynamic`.

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ndarray::{ArrayD, IxDyn};
use tract_onnx::tract_core::ops::array::{
    GatherElements, GatherNd, MultiBroadcastTo, Pad, PadMode, ScatterElements, ScatterNd, ScatterReduction, Slice, Tile,
    Trilu, TypedConcat,
};
use tract_onnx::tract_core::ops::array::Gather;
use tract_onnx::tract_core::ops::change_axes::AxisOp;
use tract_onnx::tract_core::ops::identity::Identity;
use tract_onnx::tract_core::ops::nn::NearestUpsample;
use tract_onnx::tract_core::ops::Downsample;

use super::{misuse, tensor_array, tract_err, Exprs, Lowering};
use crate::compiler::graph::ExprId;
use crate::Result;

/// How tract evaluates a data-movement node on codes.
struct Plan {
    /// The inputs holding data (the others must be constants: indices, pads, k).
    data: Vec<usize>,
    /// The operator to evaluate, when it differs from the node's (a Pad fills with code 0).
    op: Option<Box<dyn TypedOp>>,
    /// The value of elements that come from no input.
    fill: Option<f64>,
}

fn plan(node: &TypedNode) -> Result<Option<Plan>> {
    let first = |fill| Some(Plan { data: vec![0], op: None, fill });
    let op = &node.op;
    Ok(if op.is::<AxisOp>()
        || op.is::<Identity>()
        || op.is::<Slice>()
        || op.is::<Gather>()
        || op.is::<GatherElements>()
        || op.is::<GatherNd>()
        || op.is::<MultiBroadcastTo>()
        || op.is::<Tile>()
        || op.is::<NearestUpsample>()
        || op.is::<Downsample>()
    {
        first(None)
    } else if op.is::<Trilu>() {
        first(Some(0.0))
    } else if op.is::<TypedConcat>() {
        Some(Plan { data: (0..node.inputs.len()).collect(), op: None, fill: None })
    } else if let Some(pad) = op.downcast_ref::<Pad>() {
        let fill = match &pad.mode {
            PadMode::Constant(c) => {
                let v = tensor_array(c).map_err(|e| tract_err(node, e))?;
                Some(*v.iter().next().ok_or_else(|| misuse(node, "empty pad value"))?)
            }
            _ => None,
        };
        let op = Pad { pads: pad.pads.clone(), mode: PadMode::Constant(Arc::new(tensor0(0i64))) };
        Some(Plan { data: vec![0], op: Some(Box::new(op)), fill })
    } else if let Some(s) = op.downcast_ref::<ScatterElements>() {
        (s.reduction == ScatterReduction::None).then(|| Plan { data: vec![0, 2], op: None, fill: None })
    } else if let Some(s) = op.downcast_ref::<ScatterNd>() {
        (s.reduction == ScatterReduction::None).then(|| Plan { data: vec![0, 2], op: None, fill: None })
    } else {
        None
    })
}

/// Lowers `node` if it is a data-movement operator.
pub(super) fn lower(lw: &mut Lowering, node: &TypedNode) -> Result<Option<Exprs>> {
    let Some(plan) = plan(node)? else { return Ok(None) };
    let mut pool: Vec<ExprId> = Vec::new();
    let mut inputs: TVec<TValue> = tvec!();
    for ix in 0..node.inputs.len() {
        if plan.data.contains(&ix) {
            let t = lw.input(node, ix)?;
            let codes: Vec<i64> = (pool.len()..pool.len() + t.len()).map(|c| c as i64 + 1).collect();
            pool.extend(t.iter().copied());
            let codes = Tensor::from_shape(t.shape(), &codes).map_err(|e| tract_err(node, e))?;
            inputs.push(codes.into_tvalue());
        } else {
            let k = lw.konst(node, ix).ok_or_else(|| misuse(node, format!("input {ix} must be a constant")))?;
            inputs.push(k.into_tvalue());
        }
    }
    let op: &dyn TypedOp = plan.op.as_deref().unwrap_or(node.op.as_ref());
    let out = op
        .eval_out_of_plan(inputs)
        .map_err(|e| tract_err(node, e))?
        .ok_or_else(|| misuse(node, "tract cannot evaluate it out of a plan"))?;
    let codes = out[0].cast_to::<i64>().map_err(|e| tract_err(node, e))?;
    let codes = codes.to_plain_array_view::<i64>().map_err(|e| tract_err(node, e))?;
    let fill = plan.fill.map(|v| lw.b.constant(v));
    let mut ids = Vec::with_capacity(codes.len());
    for &c in codes.iter() {
        ids.push(match c {
            0 => fill.ok_or_else(|| misuse(node, "an output element comes from no input"))?,
            c => pool[(c - 1) as usize],
        });
    }
    Ok(Some(ArrayD::from_shape_vec(IxDyn(codes.shape()), ids).map_err(|e| misuse(node, e))?))
}
