//! `EinSum` (what tract makes of MatMul, Gemm and Einsum): every output element is the dot
//! product its axes mapping defines. A constant operand becomes weights ([`Builder::dot`]
//! turns constant factors into coefficients), two computed operands become products. A
//! two-operand einsum that is a batch of matrix products (every summed axis in both operands,
//! every output axis in one or both) goes through [`Builder::matmul`], one product per batch
//! index, so the compiler may check each with one Freivalds block.

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
    if n == 2 {
        if let Some(out) = as_matrix_products(b, &flat, &out_axes, &sum_axes, volume)? {
            return ArrayD::from_shape_vec(IxDyn(out_shape), out).map_err(|e| misuse(node, e));
        }
    }
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

/// The outputs of a two-operand einsum as matrix products ([`Builder::matmul`]), one per
/// assignment of the axes both operands share (the batch), if it has that shape: every summed
/// axis in both operands, every output axis in the first (rows), the second (columns) or both
/// (batch). `None` otherwise.
fn as_matrix_products(
    b: &mut Builder,
    flat: &[Vec<ExprId>],
    out_axes: &[(usize, Vec<usize>)],
    sum_axes: &[(usize, Vec<usize>)],
    volume: usize,
) -> Result<Option<Vec<ExprId>>> {
    // A summed axis of size 1 (tract's batch axis of a flattened MatMul) indexes nothing.
    let sum_axes: Vec<(usize, Vec<usize>)> = sum_axes.iter().filter(|(size, _)| *size != 1).cloned().collect();
    let sum_axes = &sum_axes[..];
    if sum_axes.is_empty() || sum_axes.iter().any(|(_, st)| st[0] == 0 || st[1] == 0) {
        return Ok(None);
    }
    let (mut rows, mut cols, mut batch) = (Vec::new(), Vec::new(), Vec::new());
    for axis in out_axes {
        match (axis.1[0] != 0, axis.1[1] != 0) {
            _ if axis.0 == 1 => batch.push(axis.clone()),
            (true, false) => rows.push(axis.clone()),
            (false, true) => cols.push(axis.clone()),
            (true, true) => batch.push(axis.clone()),
            (false, false) => return Ok(None),
        }
    }
    let all = |axes: &[(usize, Vec<usize>)]| -> Vec<Vec<usize>> {
        let sizes: Vec<usize> = axes.iter().map(|(s, _)| *s).collect();
        indices(IxDyn(&sizes)).into_iter().map(|ix| ix.slice().to_vec()).collect()
    };
    let offset = |axes: &[(usize, Vec<usize>)], ix: &[usize], k: usize| -> usize { axes.iter().zip(ix).map(|((_, st), v)| st[k] * v).sum() };
    let (row_ix, col_ix, sum_ix) = (all(&rows), all(&cols), all(sum_axes));
    let mut out: Vec<Option<ExprId>> = vec![None; volume];
    for bix in all(&batch) {
        let at = |k: usize, axes: &[(usize, Vec<usize>)], ix: &[usize], s: &[usize]| {
            flat[k][offset(&batch, &bix, k) + offset(axes, ix, k) + offset(sum_axes, s, k)]
        };
        let left: Vec<ExprId> = row_ix.iter().flat_map(|t| sum_ix.iter().map(move |s| (t, s))).map(|(t, s)| at(0, &rows, t, s)).collect();
        let right: Vec<ExprId> = sum_ix.iter().flat_map(|s| col_ix.iter().map(move |j| (s, j))).map(|(s, j)| at(1, &cols, j, s)).collect();
        let y = b.matmul(&left, &right, (row_ix.len(), sum_ix.len(), col_ix.len()))?;
        for (t, r) in row_ix.iter().enumerate() {
            for (j, c) in col_ix.iter().enumerate() {
                let place = offset(&batch, &bix, 2) + offset(&rows, r, 2) + offset(&cols, c, 2);
                match out.get_mut(place) {
                    Some(slot @ None) => *slot = Some(y[t * col_ix.len() + j]),
                    _ => return Ok(None),
                }
            }
        }
    }
    Ok(out.into_iter().collect())
}
