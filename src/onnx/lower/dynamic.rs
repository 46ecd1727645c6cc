//! Indexing by computed values (Gather, GatherElements, GatherNd, ScatterElements and
//! ScatterNd whose indices are not constants, and OneHot): an index `i` over an axis of `n`
//! becomes its steps `[i ≥ j]`, `j ∈ [0, n]` (a step gate only where the index's known range
//! straddles `j`, see `range`). A gathered element is then `Σ [i ≥ j]·(c_j − c_{j−1})`, a
//! linear combination of the steps when the candidates `c` are constant; the one-hot vector
//! `[i = j] = [i ≥ j] − [i ≥ j+1]` drives scatters (`data + Σ hot·(update − data)`), index
//! tuples (products of one-hot vectors) and OneHot. Indices must be non-negative; one outside
//! the axis selects nothing (zero for a gather, the data for a scatter). Scatters assume
//! distinct targets, as ONNX does without a reduction.

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ndarray::{indices as all_indices, ArrayD, Dimension, IxDyn};
use tract_onnx::tract_core::ops::array::OneHot;

use super::range::Ranges;
use super::{misuse, tensor_array, tract_err, Exprs};
use crate::compiler::graph::{Builder, ExprId};
use crate::Result;

/// `[i ≥ j]` for `j ∈ [0, n]`: constants outside the range of `i`, step gates inside.
fn steps(b: &mut Builder, ranges: &Ranges, i: ExprId, n: usize) -> Result<Vec<ExprId>> {
    let (lo, hi) = ranges.get(b, i).unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
    (0..=n)
        .map(|j| {
            let j = j as f64;
            if lo >= j {
                Ok(b.constant(1.0))
            } else if hi < j {
                Ok(b.constant(0.0))
            } else {
                let d = b.affine(i, 1.0, -j)?;
                b.ge_zero(d)
            }
        })
        .collect()
}

/// The one-hot vector `[i = j]`, `j ∈ [0, n)`.
fn one_hot_vec(b: &mut Builder, ranges: &Ranges, i: ExprId, n: usize) -> Result<Vec<ExprId>> {
    let s = steps(b, ranges, i, n)?;
    s.windows(2).map(|w| b.sub(w[0], w[1])).collect()
}

/// `Σ_j [i = j]·c_j` from the steps of `i`, as `Σ_j [i ≥ j]·(c_j − c_{j−1})` (`c_{−1} = c_n =
/// 0`): the constant steps, a prefix of ones then zeros, add up to `c` at the last one.
fn select(b: &mut Builder, steps: &[ExprId], candidates: &[ExprId]) -> Result<ExprId> {
    let c = |j: usize| candidates.get(j).copied();
    let mut pairs = Vec::new();
    let mut base = None;
    for (j, s) in steps.iter().enumerate() {
        match b.as_constant(*s) {
            Some(v) if v != 0.0 => base = c(j),
            Some(_) => {}
            None => {
                let d = match (c(j), j.checked_sub(1).and_then(c)) {
                    (Some(x), Some(y)) => b.sub(x, y)?,
                    (Some(x), None) => x,
                    (None, Some(y)) => b.affine(y, -1.0, 0.0)?,
                    (None, None) => continue,
                };
                pairs.push((*s, d));
            }
        }
    }
    if let Some(x) = base {
        let one = b.constant(1.0);
        pairs.push((x, one));
    }
    b.dot(&pairs)
}

/// The one-hot vector of the index tuple `idx` over `dims` (row-major): products of the
/// per-axis one-hot vectors.
fn tuple_hot(b: &mut Builder, ranges: &Ranges, idx: &[ExprId], dims: &[usize]) -> Result<Vec<ExprId>> {
    let mut hot = vec![b.constant(1.0)];
    for (i, n) in idx.iter().zip(dims) {
        let h = one_hot_vec(b, ranges, *i, *n)?;
        let mut next = Vec::with_capacity(hot.len() * n);
        for a in &hot {
            for c in &h {
                next.push(b.mul(*a, *c)?);
            }
        }
        hot = next;
    }
    Ok(hot)
}

/// Row-major flat position of `ix` in `shape`.
fn flat(ix: &[usize], shape: &[usize]) -> usize {
    ix.iter().zip(shape).fold(0, |acc, (i, d)| acc * d + i)
}

fn output(node: &TypedNode, shape: &[usize], values: Vec<ExprId>) -> Result<Exprs> {
    ArrayD::from_shape_vec(IxDyn(shape), values).map_err(|e| misuse(node, e))
}

fn axis_len(node: &TypedNode, t: &Exprs, axis: usize) -> Result<usize> {
    t.shape().get(axis).copied().ok_or_else(|| misuse(node, "axis out of range"))
}

/// `Gather` along `axis` at computed `indices`.
pub(super) fn gather(
    b: &mut Builder,
    ranges: &Ranges,
    node: &TypedNode,
    axis: usize,
    data: &Exprs,
    indices: &Exprs,
) -> Result<Exprs> {
    let n = axis_len(node, data, axis)?;
    let steps: Vec<Vec<ExprId>> = indices.iter().map(|i| steps(b, ranges, *i, n)).collect::<Result<_>>()?;
    let (head, tail) = (&data.shape()[..axis], &data.shape()[axis + 1..]);
    let mut shape = head.to_vec();
    shape.extend(indices.shape());
    shape.extend(tail);
    let mut out = Vec::with_capacity(shape.iter().product());
    for h in all_indices(IxDyn(head)) {
        for s in &steps {
            for t in all_indices(IxDyn(tail)) {
                let at = |j: usize| h.slice().iter().copied().chain([j]).chain(t.slice().iter().copied()).collect::<Vec<_>>();
                let candidates: Vec<ExprId> = (0..n).map(|j| data[IxDyn(&at(j))]).collect();
                out.push(select(b, s, &candidates)?);
            }
        }
    }
    output(node, &shape, out)
}

/// `GatherElements` along `axis` at computed `indices`.
pub(super) fn gather_elements(
    b: &mut Builder,
    ranges: &Ranges,
    node: &TypedNode,
    axis: usize,
    data: &Exprs,
    indices: &Exprs,
) -> Result<Exprs> {
    let n = axis_len(node, data, axis)?;
    let mut out = Vec::with_capacity(indices.len());
    for (p, i) in indices.indexed_iter() {
        let s = steps(b, ranges, *i, n)?;
        let mut q = p.slice().to_vec();
        let mut candidates = Vec::with_capacity(n);
        for j in 0..n {
            q[axis] = j;
            candidates.push(*data.get(IxDyn(&q)).ok_or_else(|| misuse(node, "indices larger than the data"))?);
        }
        out.push(select(b, &s, &candidates)?);
    }
    output(node, indices.shape(), out)
}

/// `GatherNd` with `batch_dims` at computed `indices`.
pub(super) fn gather_nd(
    b: &mut Builder,
    ranges: &Ranges,
    node: &TypedNode,
    batch_dims: usize,
    data: &Exprs,
    indices: &Exprs,
) -> Result<Exprs> {
    let r = indices.ndim();
    let k = *indices.shape().last().ok_or_else(|| misuse(node, "scalar indices"))?;
    if batch_dims + k > data.ndim() || batch_dims >= r {
        return Err(misuse(node, "indices do not fit the data"));
    }
    let dims = &data.shape()[batch_dims..batch_dims + k];
    let tail = &data.shape()[batch_dims + k..];
    let lead = &indices.shape()[..r - 1];
    let mut shape = lead.to_vec();
    shape.extend(tail);
    let mut out = Vec::with_capacity(shape.iter().product());
    for u in all_indices(IxDyn(lead)) {
        let u = u.slice();
        let idx: Vec<ExprId> =
            (0..k).map(|c| indices[IxDyn(&u.iter().copied().chain([c]).collect::<Vec<_>>())]).collect();
        let hot = tuple_hot(b, ranges, &idx, dims)?;
        for t in all_indices(IxDyn(tail)) {
            let pairs: Vec<(ExprId, ExprId)> = all_indices(IxDyn(dims))
                .into_iter()
                .zip(&hot)
                .map(|(combo, h)| {
                    let ix: Vec<usize> =
                        u[..batch_dims].iter().chain(combo.slice()).chain(t.slice()).copied().collect();
                    (*h, data[IxDyn(&ix)])
                })
                .collect();
            out.push(b.dot(&pairs)?);
        }
    }
    output(node, &shape, out)
}

/// `ScatterElements` (no reduction) along `axis` at computed `indices`.
pub(super) fn scatter_elements(
    b: &mut Builder,
    ranges: &Ranges,
    node: &TypedNode,
    axis: usize,
    data: &Exprs,
    indices: &Exprs,
    updates: &Exprs,
) -> Result<Exprs> {
    let n = axis_len(node, data, axis)?;
    let ishape = indices.shape();
    if updates.shape() != ishape || ishape.len() != data.ndim() {
        return Err(misuse(node, "updates and indices differ in shape"));
    }
    let hot: Vec<Vec<ExprId>> = indices.iter().map(|i| one_hot_vec(b, ranges, *i, n)).collect::<Result<_>>()?;
    let one = b.constant(1.0);
    let mut out = Vec::with_capacity(data.len());
    for (q, d) in data.indexed_iter() {
        let q = q.slice();
        let mut pairs = vec![(*d, one)];
        if (0..q.len()).all(|a| a == axis || q[a] < ishape[a]) {
            let mut p = q.to_vec();
            for pa in 0..ishape[axis] {
                p[axis] = pa;
                let diff = b.sub(updates[IxDyn(&p)], *d)?;
                pairs.push((hot[flat(&p, ishape)][q[axis]], diff));
            }
        }
        out.push(b.dot(&pairs)?);
    }
    output(node, data.shape(), out)
}

/// `ScatterNd` (no reduction) at computed `indices`.
pub(super) fn scatter_nd(
    b: &mut Builder,
    ranges: &Ranges,
    node: &TypedNode,
    data: &Exprs,
    indices: &Exprs,
    updates: &Exprs,
) -> Result<Exprs> {
    let r = indices.ndim();
    let k = *indices.shape().last().ok_or_else(|| misuse(node, "scalar indices"))?;
    if k > data.ndim() {
        return Err(misuse(node, "indices do not fit the data"));
    }
    let (dims, lead) = (&data.shape()[..k], &indices.shape()[..r - 1]);
    let mut hot = Vec::new();
    for u in all_indices(IxDyn(lead)) {
        let idx: Vec<ExprId> =
            (0..k).map(|c| indices[IxDyn(&u.slice().iter().copied().chain([c]).collect::<Vec<_>>())]).collect();
        hot.push((u, tuple_hot(b, ranges, &idx, dims)?));
    }
    let one = b.constant(1.0);
    let mut out = Vec::with_capacity(data.len());
    for (q, d) in data.indexed_iter() {
        let q = q.slice();
        let at = flat(&q[..k], dims);
        let mut pairs = vec![(*d, one)];
        for (u, h) in &hot {
            let ix: Vec<usize> = u.slice().iter().chain(&q[k..]).copied().collect();
            let update = *updates.get(IxDyn(&ix)).ok_or_else(|| misuse(node, "updates do not fit the indices"))?;
            let diff = b.sub(update, *d)?;
            pairs.push((h[at], diff));
        }
        out.push(b.dot(&pairs)?);
    }
    output(node, data.shape(), out)
}

/// `OneHot`: `off + (on − off)·[x = j]` along a new axis.
pub(super) fn one_hot(b: &mut Builder, ranges: &Ranges, node: &TypedNode, op: &OneHot, x: &Exprs) -> Result<Exprs> {
    let scalar = |t: &Tensor| -> Result<f64> {
        let a = tensor_array(t).map_err(|e| tract_err(node, e))?;
        a.iter().next().copied().ok_or_else(|| misuse(node, "empty on/off value"))
    };
    let (on, off) = (scalar(&op.on)?, scalar(&op.off)?);
    // Built with the new axis last, then moved into place.
    let mut out = Vec::with_capacity(x.len() * op.dim);
    for i in x.iter() {
        for h in one_hot_vec(b, ranges, *i, op.dim)? {
            out.push(b.affine(h, on - off, off)?);
        }
    }
    let mut shape = x.shape().to_vec();
    shape.push(op.dim);
    let t = output(node, &shape, out)?;
    let mut perm: Vec<usize> = (0..x.ndim()).collect();
    perm.insert(op.axis, x.ndim());
    Ok(t.permuted_axes(IxDyn(&perm)).as_standard_layout().to_owned())
}
