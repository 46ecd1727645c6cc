//! `EinSum` (what tract makes of MatMul, Gemm and Einsum): every output element is the dot
//! product its axes mapping defines. A constant operand becomes weights ([`Builder::dot`]
//! turns constant factors into coefficients), two computed operands become products.

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ndarray::{indices, ArrayD, Dimension, IxDyn};
use tract_onnx::tract_core::ops::einsum::EinSum;

use super::{misuse, Exprs};
use crate::compiler::graph::{Builder, ExprId};
use crate::Result;

/// Row-major strides of a shape.
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// Lowers a one- or two-operand float `EinSum` whose output has shape `out_shape`. Size-1
/// dimensions broadcast.
pub(super) fn einsum(b: &mut Builder, node: &TypedNode, op: &EinSum, operands: &[Exprs], out_shape: &[usize]) -> Result<Exprs> {
    if op.q_params.is_some() || op.axes.output_count() != 1 || !(1..=2).contains(&operands.len()) {
        return Err(misuse(node, "only one- or two-operand float einsums are supported"));
    }
    let shapes: Vec<&[usize]> = operands.iter().map(|t| t.shape()).chain([out_shape]).collect();
    let all_strides: Vec<Vec<usize>> = shapes.iter().map(|s| strides(s)).collect();
    // Per axis: its size and its stride in each operand and the output (0 where absent or
    // broadcast).
    let mut out_axes = Vec::new(); // (size, steps)
    let mut sum_axes = Vec::new();
    for axis in op.axes.iter_all_axes() {
        let places: Vec<&[usize]> = axis.inputs.iter().map(|p| &p[..]).chain([&axis.outputs[0][..]]).collect();
        let mut size = 1usize;
        for (k, pos) in places.iter().enumerate() {
            for &p in pos.iter() {
                let d = *shapes[k].get(p).ok_or_else(|| misuse(node, "axis position out of range"))?;
                if d != 1 {
                    if size != 1 && size != d {
                        return Err(misuse(node, format!("axis {} has sizes {size} and {d}", axis.repr)));
                    }
                    size = d;
                }
            }
        }
        let steps: Vec<usize> = places
            .iter()
            .enumerate()
            .map(|(k, pos)| pos.iter().filter(|&&p| shapes[k][p] == size).map(|&p| all_strides[k][p]).sum())
            .collect();
        if axis.outputs[0].is_empty() {
            sum_axes.push((size, steps));
        } else {
            out_axes.push((size, steps));
        }
    }
    let flat: Vec<Vec<ExprId>> = operands.iter().map(|t| t.iter().copied().collect()).collect();
    let volume: usize = out_shape.iter().product();
    let mut out: Vec<Option<ExprId>> = vec![None; volume];
    let out_sizes: Vec<usize> = out_axes.iter().map(|(s, _)| *s).collect();
    let sum_sizes: Vec<usize> = sum_axes.iter().map(|(s, _)| *s).collect();
    // Flat position in operand `k` (or the output, `k = n`) of an assignment of `axes`.
    let offset = |axes: &[(usize, Vec<usize>)], ix: &[usize], k: usize| -> usize {
        axes.iter().zip(ix).map(|((_, st), v)| st[k] * v).sum()
    };
    let n = operands.len();
    let one = b.constant(1.0);
    for o in indices(IxDyn(&out_sizes)) {
        let o = o.slice();
        let base: Vec<usize> = (0..=n).map(|k| offset(&out_axes, o, k)).collect();
        let mut terms: Vec<(ExprId, ExprId)> = Vec::new();
        for s in indices(IxDyn(&sum_sizes)) {
            let s = s.slice();
            let at = |k: usize| flat[k][base[k] + offset(&sum_axes, s, k)];
            terms.push(if n == 2 { (at(0), at(1)) } else { (at(0), one) });
        }
        let slot = out.get_mut(base[n]).ok_or_else(|| misuse(node, "output index out of range"))?;
        if slot.is_some() {
            return Err(misuse(node, "an output axis repeats"));
        }
        *slot = Some(b.dot(&terms)?);
    }
    let out = out.into_iter().collect::<Option<Vec<_>>>().ok_or_else(|| misuse(node, "an output element is never computed"))?;
    ArrayD::from_shape_vec(IxDyn(out_shape), out).map_err(|e| misuse(node, e))
}
