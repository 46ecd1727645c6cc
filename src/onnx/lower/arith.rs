//! Element-wise binary operators with numpy broadcasting, comparisons and boolean logic,
//! Iff, Cast and the linear reductions (Sum, MeanOfSquares, Prod).
//!
//! Booleans are integer wires holding 0 or 1, so logic is arithmetic (`and = a·b`,
//! `or = a + b − a·b`, `xor = a + b − 2a·b`) and comparisons are sign tests of a difference
//! (`[a ≥ b]` is one step gate; differences of quantized values are exact, so `<` and `≤`
//! are exact too).

use tract_onnx::prelude::*;
use tract_onnx::tract_core::broadcast::multi_broadcast;
use tract_onnx::tract_core::ndarray::{ArrayD, IxDyn};
use tract_onnx::tract_core::ops::nn::{Reduce, Reducer};

use super::{misuse, tract_err, unsupported, Exprs};
use crate::compiler::graph::{Builder, ExprId, Func};
use crate::Result;

/// Broadcasts `tensors` to their common shape (numpy rules).
fn broadcast(node: &TypedNode, tensors: &[&Exprs]) -> Result<Vec<Exprs>> {
    let shapes: Vec<&[usize]> = tensors.iter().map(|t| t.shape()).collect();
    let shape = multi_broadcast(&shapes).map_err(|e| tract_err(node, e))?;
    tensors
        .iter()
        .map(|t| t.broadcast(IxDyn(&shape)).map(|v| v.to_owned()).ok_or_else(|| misuse(node, "operands do not broadcast")))
        .collect()
}

/// `f(a, c)` element-wise, with broadcasting.
fn zip(
    b: &mut Builder,
    node: &TypedNode,
    a: &Exprs,
    c: &Exprs,
    mut f: impl FnMut(&mut Builder, ExprId, ExprId) -> Result<ExprId>,
) -> Result<Exprs> {
    let v = broadcast(node, &[a, c])?;
    let out = v[0].iter().zip(v[1].iter()).map(|(x, y)| f(b, *x, *y)).collect::<Result<Vec<_>>>()?;
    ArrayD::from_shape_vec(v[0].raw_dim(), out).map_err(|e| misuse(node, e))
}

/// `[a ≥ c]`.
fn ge(b: &mut Builder, a: ExprId, c: ExprId) -> Result<ExprId> {
    let d = b.sub(a, c)?;
    b.ge_zero(d)
}

/// `1 − x` (boolean negation).
fn not(b: &mut Builder, x: ExprId) -> Result<ExprId> {
    b.affine(x, -1.0, 1.0)
}

/// `[a = c]`.
fn eq(b: &mut Builder, a: ExprId, c: ExprId) -> Result<ExprId> {
    let x = ge(b, a, c)?;
    let y = ge(b, c, a)?;
    b.linear(&[(x, 1.0), (y, 1.0)], -1.0)
}

/// `x` rounded toward zero to an integer (tract's float → int cast and integer division).
fn trunc(b: &mut Builder, x: ExprId) -> Result<ExprId> {
    if let Some(c) = b.fold(x, f64::trunc) {
        return Ok(c);
    }
    let floor = b.to_integer(x, 0.0)?;
    let ceil = b.to_integer(x, 1.0 - 1.0 / (1u64 << b.scale_bits()) as f64)?;
    let nonneg = b.ge_zero(x)?;
    let d = b.sub(floor, ceil)?;
    let pick = b.mul(nonneg, d)?;
    b.add(ceil, pick)
}

/// `x^p` for a constant exponent.
pub(super) fn pow_const(b: &mut Builder, x: ExprId, p: f64) -> Result<ExprId> {
    let small_int = p.fract() == 0.0 && (1.0..=8.0).contains(&p);
    if p == 0.0 {
        Ok(b.constant(1.0))
    } else if small_int {
        // Square-and-multiply.
        let (mut acc, mut base, mut k) = (None, x, p as u32);
        loop {
            if k & 1 == 1 {
                acc = Some(match acc {
                    None => base,
                    Some(a) => b.mul(a, base)?,
                });
            }
            k >>= 1;
            if k == 0 {
                return Ok(acc.expect("p ≥ 1"));
            }
            base = b.mul(base, base)?;
        }
    } else if p == 0.5 {
        b.func(Func::Sqrt, x)
    } else if p == -0.5 {
        b.func(Func::Rsqrt, x)
    } else if p == -1.0 {
        b.func(Func::Recip, x)
    } else {
        b.func(Func::Pow(p), x)
    }
}

/// A tract binary operator (`TypedBinOp`) named `name`; `dt` is the operands' datum type.
pub(super) fn binary(b: &mut Builder, node: &TypedNode, name: &str, a: &Exprs, c: &Exprs, dt: DatumType) -> Result<Exprs> {
    let integer = !dt.is_float();
    match name {
        "Add" => zip(b, node, a, c, |b, x, y| b.add(x, y)),
        "Sub" => zip(b, node, a, c, |b, x, y| b.sub(x, y)),
        "SubF" => zip(b, node, a, c, |b, x, y| b.sub(y, x)),
        "Mul" | "And" => zip(b, node, a, c, |b, x, y| b.mul(x, y)),
        "Max" => zip(b, node, a, c, |b, x, y| b.max(x, y)),
        "Min" => zip(b, node, a, c, |b, x, y| b.min(x, y)),
        "Or" => zip(b, node, a, c, |b, x, y| {
            let p = b.mul(x, y)?;
            b.linear(&[(x, 1.0), (y, 1.0), (p, -1.0)], 0.0)
        }),
        "Xor" => zip(b, node, a, c, |b, x, y| {
            let p = b.mul(x, y)?;
            b.linear(&[(x, 1.0), (y, 1.0), (p, -2.0)], 0.0)
        }),
        "GTE" => zip(b, node, a, c, ge),
        "LTE" => zip(b, node, a, c, |b, x, y| ge(b, y, x)),
        "LT" => zip(b, node, a, c, |b, x, y| {
            let g = ge(b, x, y)?;
            not(b, g)
        }),
        "GT" => zip(b, node, a, c, |b, x, y| {
            let g = ge(b, y, x)?;
            not(b, g)
        }),
        "Eq" => zip(b, node, a, c, eq),
        "NE" => zip(b, node, a, c, |b, x, y| {
            let e = eq(b, x, y)?;
            not(b, e)
        }),
        // A constant divisor becomes a coefficient `1/d`, as private as `d`.
        "Div" => zip(b, node, a, c, |b, x, y| match (b.fold(y, f64::recip), integer) {
            (Some(r), false) => b.mul(x, r),
            (Some(r), true) => {
                let q = b.mul(x, r)?;
                trunc(b, q)
            }
            (None, false) => {
                let r = b.func(Func::Recip, y)?;
                b.mul(x, r)
            }
            (None, true) => Err(misuse(node, "integer division by a computed value is not supported")),
        }),
        "Rem" => zip(b, node, a, c, |b, x, y| {
            let r = b.fold(y, f64::recip).ok_or_else(|| misuse(node, "the divisor must be a constant"))?;
            let q = b.mul(x, r)?;
            let q = trunc(b, q)?;
            let qd = b.mul(q, y)?;
            b.sub(x, qd)
        }),
        "Pow" => zip(b, node, a, c, |b, x, y| match (b.as_constant(x), b.as_constant(y)) {
            (_, Some(p)) => pow_const(b, x, p),
            (Some(base), None) => b.func(Func::ExpBase(base), y),
            (None, None) => Err(misuse(node, "a power with computed base and exponent is not supported")),
        }),
        "ShiftLeft" | "ShiftRight" => zip(b, node, a, c, |b, x, y| {
            let k = b.as_constant(y).ok_or_else(|| misuse(node, "the shift must be a constant"))?;
            if name == "ShiftLeft" {
                b.affine(x, 2f64.powf(k), 0.0)
            } else {
                let q = b.affine(x, 2f64.powf(-k), 0.0)?;
                b.to_integer(q, 0.0)
            }
        }),
        _ => Err(unsupported(node)),
    }
}

/// `Iff(cond, t, f)` = `f + cond·(t − f)`, with broadcasting.
pub(super) fn iff(b: &mut Builder, node: &TypedNode, cond: &Exprs, t: &Exprs, f: &Exprs) -> Result<Exprs> {
    let v = broadcast(node, &[cond, t, f])?;
    let mut out = Vec::with_capacity(v[0].len());
    for ((c, x), y) in v[0].iter().zip(v[1].iter()).zip(v[2].iter()) {
        // A public constant condition picks a branch; a private one is a coefficient.
        out.push(match b.public_constant(*c) {
            Some(k) => {
                if k != 0.0 {
                    *x
                } else {
                    *y
                }
            }
            None => {
                let d = b.sub(*x, *y)?;
                let p = b.mul(*c, d)?;
                b.add(*y, p)?
            }
        });
    }
    ArrayD::from_shape_vec(v[0].raw_dim(), out).map_err(|e| misuse(node, e))
}

/// `Cast` from `from` to `to`: free except float → integer (rounds toward zero) and anything
/// → bool (`x ≠ 0`).
pub(super) fn cast(b: &mut Builder, x: &Exprs, from: DatumType, to: DatumType) -> Result<Exprs> {
    let mut out = Vec::with_capacity(x.len());
    for e in x.iter() {
        out.push(if to == DatumType::Bool && from != DatumType::Bool {
            let zero = b.constant(0.0);
            let z = eq(b, *e, zero)?;
            not(b, z)?
        } else if from.is_float() && !to.is_float() {
            trunc(b, *e)?
        } else {
            *e
        });
    }
    Ok(ArrayD::from_shape_vec(x.raw_dim(), out).expect("same shape"))
}

/// Splits `x` into the groups a reduction over `axes` combines: the output shape (reduced
/// axes kept with size 1) and, for every output element in row-major order, its inputs.
pub(super) fn reduction_groups(x: &Exprs, axes: &[usize]) -> (Vec<usize>, Vec<Vec<ExprId>>) {
    let kept: Vec<usize> = (0..x.ndim()).filter(|a| !axes.contains(a)).collect();
    let perm: Vec<usize> = kept.iter().chain(axes.iter()).copied().collect();
    let size: usize = axes.iter().map(|a| x.shape()[*a]).product();
    let view = x.view().permuted_axes(IxDyn(&perm));
    let flat: Vec<ExprId> = view.iter().copied().collect();
    let groups = if size == 0 { vec![vec![]; flat.len()] } else { flat.chunks(size).map(|c| c.to_vec()).collect() };
    let shape = x.shape().iter().enumerate().map(|(a, d)| if axes.contains(&a) { 1 } else { *d }).collect();
    (shape, groups)
}

/// `Reduce<Sum|MeanOfSquares|Prod>`.
pub(super) fn reduce(b: &mut Builder, op: &Reduce, x: &Exprs) -> Result<Exprs> {
    let (shape, groups) = reduction_groups(x, &op.axes);
    let mut out = Vec::with_capacity(groups.len());
    for g in groups {
        out.push(match op.reducer {
            Reducer::Sum => b.linear(&g.iter().map(|e| (*e, 1.0)).collect::<Vec<_>>(), 0.0)?,
            Reducer::MeanOfSquares => {
                let sq = b.dot(&g.iter().map(|e| (*e, *e)).collect::<Vec<_>>())?;
                b.affine(sq, 1.0 / g.len().max(1) as f64, 0.0)?
            }
            _ => {
                let mut acc = b.constant(1.0);
                for e in g {
                    acc = b.mul(acc, e)?;
                }
                acc
            }
        });
    }
    Ok(ArrayD::from_shape_vec(IxDyn(&shape), out).expect("reduced shape"))
}

