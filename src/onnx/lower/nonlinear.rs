//! Non-linear operators: tract's unary element-wise ops, Softmax/LogSoftmax, RmsNorm, the
//! comparison reductions (Max, Min, ArgMax, ArgMin, All, Any), Topk and the fused LSTM/GRU cell
//! epilogues.
//!
//! Smooth functions are one lookup each ([`Func`]); piecewise-linear ones are exact
//! compositions of ReLU and step gates (`|x| = 2·relu(x) − x`, `sign x = [x ≥ 0] − [−x ≥ 0]`,
//! LeakyReLU `= α·x + (1−α)·relu(x)`); rounding goes through `to_integer` plus step gates
//! for the tie rules, so it is exact on the quantized values. Maxima are trees of `max`
//! gates; the first maximum of a lane is found from its prefix maxima (one step gate per
//! element), which also drives ArgMax and the masking in Topk.

use std::f64::consts::{LN_2, PI};

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ndarray::{ArrayD, IxDyn};
use tract_onnx::tract_core::ops::array::Topk;
use tract_onnx::tract_core::ops::element_wise::ElementWiseOp;
use tract_onnx::tract_core::ops::gru_cell::GruEpilogue;
use tract_onnx::tract_core::ops::lstm_cell::LstmEpilogue;
use tract_onnx::tract_core::ops::math::PowConst;
use tract_onnx::tract_core::ops::nn::{GeluApproximate, LeakyRelu, Reduce, Reducer, RmsNorm, Softmax, SoftmaxKind};

use super::arith::{pow_const, reduction_groups};
use super::{misuse, tract_err, unsupported, Exprs};
use crate::compiler::graph::{Builder, ExprId, Func};
use crate::Result;

/// A unary element-wise operator, resolved once per node.
#[derive(Clone, Debug)]
enum Unary {
    Table(Func),
    Abs,
    Neg,
    Sign,
    /// Boolean negation `1 − x`.
    Not,
    Floor,
    Ceil,
    /// Half away from zero.
    Round,
    RoundHalfToEven,
    /// `x^p` for a constant `p` (Square is `p = 2`).
    Pow(f64),
    LeakyRelu(f64),
    /// `x·σ(x)`.
    Silu,
    /// GELU's tanh approximation `½x(1 + tanh(√(2/π)(x + 0.044715·x^p)))`, `p` = 3 (or 2 in
    /// tract's fast variant).
    GeluTanh(f64),
}

impl Unary {
    /// The operator of `node`: `None` if it is not an element-wise op, `UnsupportedOp` for an
    /// element-wise op the circuit has no lowering for.
    fn of(node: &TypedNode) -> Result<Option<Unary>> {
        let Some(ew) = node.op_as::<ElementWiseOp>() else { return Ok(None) };
        let op = &*ew.0;
        let table = |f| Ok(Some(Unary::Table(f)));
        match op.name().as_str() {
            "Exp" => table(Func::Exp),
            "Ln" => table(Func::Ln),
            "Sigmoid" => table(Func::Sigmoid),
            "Tanh" => table(Func::Tanh),
            "Erf" => table(Func::Erf),
            "GeluExact" => table(Func::Gelu),
            "Sqrt" => table(Func::Sqrt),
            "Rsqrt" => table(Func::Rsqrt),
            "Recip" => table(Func::Recip),
            "Sin" => table(Func::Sin),
            "Cos" => table(Func::Cos),
            "Tan" => table(Func::Tan),
            "Asin" => table(Func::Asin),
            "Acos" => table(Func::Acos),
            "Atan" => table(Func::Atan),
            "HardSwish" => table(Func::HardSwish),
            "Abs" => Ok(Some(Unary::Abs)),
            "Neg" => Ok(Some(Unary::Neg)),
            "Sign" => Ok(Some(Unary::Sign)),
            "Not" => Ok(Some(Unary::Not)),
            "Floor" => Ok(Some(Unary::Floor)),
            "Ceil" => Ok(Some(Unary::Ceil)),
            "Round" => Ok(Some(Unary::Round)),
            "RoundHalfToEven" => Ok(Some(Unary::RoundHalfToEven)),
            "Square" => Ok(Some(Unary::Pow(2.0))),
            "Silu" => Ok(Some(Unary::Silu)),
            _ => {
                if let Some(p) = op.downcast_ref::<PowConst>() {
                    Ok(Some(Unary::Pow(p.exponent as f64)))
                } else if let Some(l) = op.downcast_ref::<LeakyRelu>() {
                    // The decimal the f32 slope was written as (0.1, not 0.100000001490116), so
                    // the builder can keep a rational slope exact (α = 1/10: D = 10).
                    let alpha = l.alpha.to_string().parse().expect("an f32 prints as a number");
                    Ok(Some(Unary::LeakyRelu(alpha)))
                } else if let Some(g) = op.downcast_ref::<GeluApproximate>() {
                    Ok(Some(Unary::GeluTanh(if g.fast_impl { 2.0 } else { 3.0 })))
                } else {
                    Err(unsupported(node))
                }
            }
        }
    }

    /// The operator applied to one element.
    fn apply(&self, b: &mut Builder, x: ExprId) -> Result<ExprId> {
        match self {
            Unary::Table(f) => b.func(f.clone(), x),
            Unary::Abs => {
                let r = b.relu(x)?;
                b.linear(&[(r, 2.0), (x, -1.0)], 0.0)
            }
            Unary::Neg => b.affine(x, -1.0, 0.0),
            Unary::Sign => {
                let pos = b.ge_zero(x)?;
                let minus = b.affine(x, -1.0, 0.0)?;
                let neg = b.ge_zero(minus)?;
                b.sub(pos, neg)
            }
            Unary::Not => b.affine(x, -1.0, 1.0),
            Unary::Floor => b.to_integer(x, 0.0),
            Unary::Ceil => b.to_integer(x, 1.0 - ulp(b)),
            Unary::Round => {
                // ⌊x + ½⌋, less one at a tie below zero (x + ½ an integer and x < 0).
                let up = b.to_integer(x, 0.5)?;
                let gap = b.linear(&[(up, 1.0), (x, -1.0)], -0.5)?;
                let tie = b.ge_zero(gap)?;
                let nonneg = b.ge_zero(x)?;
                let both = b.linear(&[(tie, 1.0), (nonneg, -1.0)], -1.0)?;
                let fix = b.ge_zero(both)?;
                b.sub(up, fix)
            }
            Unary::RoundHalfToEven => {
                // u = ⌊x + ½⌋ is one too large exactly when x + ½ is an odd integer, that is
                // when h = ⌊(u − 1)/2⌋ (≤ (x − ½)/2 always) reaches (x − ½)/2.
                let up = b.to_integer(x, 0.5)?;
                let half = b.affine(up, 0.5, -0.5)?;
                let h = b.to_integer(half, 0.0)?;
                let gap = b.linear(&[(h, 1.0), (x, -0.5)], 0.25)?;
                let odd_tie = b.ge_zero(gap)?;
                b.sub(up, odd_tie)
            }
            Unary::Pow(p) => pow_const(b, x, *p),
            &Unary::LeakyRelu(alpha) => {
                let r = b.relu(x)?;
                b.linear(&[(x, alpha), (r, 1.0 - alpha)], 0.0)
            }
            Unary::Silu => {
                let s = b.func(Func::Sigmoid, x)?;
                b.mul(x, s)
            }
            &Unary::GeluTanh(p) => {
                let xp = pow_const(b, x, p)?;
                let k = (2.0 / PI).sqrt();
                let inner = b.linear(&[(x, k), (xp, k * 0.044715)], 0.0)?;
                let t = b.func(Func::Tanh, inner)?;
                let xt = b.mul(x, t)?;
                b.linear(&[(x, 0.5), (xt, 0.5)], 0.0)
            }
        }
    }
}

/// One unit of the real scale, `2^−s`.
fn ulp(b: &Builder) -> f64 {
    1.0 / (1u64 << b.scale_bits()) as f64
}

/// A tract unary element-wise operator (an `ElementWiseOp`) applied to `x`; `None` if `node`
/// is not one.
pub(super) fn elementwise(b: &mut Builder, node: &TypedNode, x: &Exprs) -> Result<Option<Exprs>> {
    let Some(op) = Unary::of(node)? else { return Ok(None) };
    let out = x.iter().map(|e| op.apply(b, *e)).collect::<Result<Vec<_>>>()?;
    Ok(Some(ArrayD::from_shape_vec(x.raw_dim(), out).expect("same shape")))
}

/// Lays lane results out as a tensor of shape `shape`: `flat` holds one lane along `axes` after
/// the other, in the order [`reduction_groups`] lists the lanes.
fn from_lanes(node: &TypedNode, shape: &[usize], axes: &[usize], flat: Vec<ExprId>) -> Result<Exprs> {
    let perm: Vec<usize> = (0..shape.len()).filter(|a| !axes.contains(a)).chain(axes.iter().copied()).collect();
    let permuted: Vec<usize> = perm.iter().map(|a| shape[*a]).collect();
    let t = ArrayD::from_shape_vec(IxDyn(&permuted), flat).map_err(|e| misuse(node, e))?;
    let mut inverse = vec![0; perm.len()];
    for (i, a) in perm.iter().enumerate() {
        inverse[*a] = i;
    }
    Ok(t.permuted_axes(IxDyn(&inverse)).as_standard_layout().into_owned())
}

/// The largest (or smallest) of the non-empty `xs`, by a balanced tree of `max` (`min`) gates.
fn extreme(b: &mut Builder, xs: &[ExprId], largest: bool) -> Result<ExprId> {
    let mut level = xs.to_vec();
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        for pair in level.chunks(2) {
            next.push(match *pair {
                [x, y] if largest => b.max(x, y)?,
                [x, y] => b.min(x, y)?,
                [x] => x,
                _ => unreachable!("chunks of two"),
            });
        }
        level = next;
    }
    Ok(level[0])
}

/// The maximum `m` of the non-empty `xs` and the flags `seen_j = [max(x_0..x_j) = m]`: 0
/// before the first maximum, 1 from it on (the last is the constant 1). One `max` and one step
/// gate per element.
fn first_max(b: &mut Builder, xs: &[ExprId]) -> Result<(ExprId, Vec<ExprId>)> {
    let mut prefix = Vec::with_capacity(xs.len());
    let mut m = xs[0];
    prefix.push(m);
    for x in &xs[1..] {
        m = b.max(*x, m)?;
        prefix.push(m);
    }
    let mut seen = Vec::with_capacity(xs.len());
    for p in &prefix[..xs.len() - 1] {
        let d = b.sub(*p, m)?;
        seen.push(b.ge_zero(d)?);
    }
    seen.push(b.constant(1.0));
    Ok((m, seen))
}

/// The number of elements before the first maximum, `Σ_j (1 − seen_j)`, from [`first_max`]'s
/// flags: the index of the first maximum, an integer.
fn count_before(b: &mut Builder, seen: &[ExprId]) -> Result<ExprId> {
    let terms: Vec<(ExprId, f64)> = seen.iter().map(|s| (*s, -1.0)).collect();
    b.linear(&terms, seen.len() as f64)
}

/// `xs`, negated unless `largest` (so the smallest become the largest).
fn oriented(b: &mut Builder, xs: &[ExprId], largest: bool) -> Result<Vec<ExprId>> {
    if largest {
        return Ok(xs.to_vec());
    }
    xs.iter().map(|x| b.affine(*x, -1.0, 0.0)).collect()
}

/// The index of the first (or with `last` the last) largest (or smallest) element of `xs`.
fn arg_best(b: &mut Builder, xs: &[ExprId], largest: bool, last: bool) -> Result<ExprId> {
    let mut v = oriented(b, xs, largest)?;
    if last {
        v.reverse();
    }
    let (_, seen) = first_max(b, &v)?;
    let i = count_before(b, &seen)?;
    if last {
        b.affine(i, -1.0, (xs.len() - 1) as f64)
    } else {
        Ok(i)
    }
}

/// `1/S` for `S ≥ 1` with small tables: `r₀ = 1/⌊S⌋` (an integer input: a table of at most
/// `n` entries for `S ≤ n`), then `1/S = r₀ · 1/(S·r₀)` with `S·r₀` near `[1, 2]` (about `2^s`
/// entries), rather than one table over `[1, n]` at scale `2^s`. The rounding of `r₀` cancels;
/// only `S·r₀` and the two outputs are rounded, so the result is within a few `2^−s`.
fn recip_of_sum(b: &mut Builder, sum: ExprId) -> Result<ExprId> {
    let whole = b.to_integer(sum, 0.0)?;
    let r0 = b.func(Func::Recip, whole)?;
    let near_one = b.mul(sum, r0)?;
    let r1 = b.func(Func::Recip, near_one)?;
    b.mul(r0, r1)
}

/// `Softmax` or `LogSoftmax` along tract's axes.
///
/// With `d = x − max` (≤ 0), `d` is clamped to `[−c, 0]` with `e^−c < 2^−(s+1)` (the clamped
/// values all round to 0 anyway), so the exp table has about `c·2^s` entries whatever the
/// inputs; then `S = Σ e^d ∈ [1, n]` and softmax is `e^d · (1/S)` ([`recip_of_sum`], then one
/// product per element), log-softmax `d − ln S`. The absolute error is a few `2^−s`. Constant
/// elements below the provable range (masks of −∞) are left out: their weight is 0.
pub(super) fn softmax(b: &mut Builder, node: &TypedNode, x: &Exprs) -> Result<Exprs> {
    let op = node.op_as::<Softmax>().ok_or_else(|| unsupported(node))?;
    if op.quant_output_dt.is_some() {
        return Err(misuse(node, "quantized softmax is not supported"));
    }
    let unit = ulp(b);
    let c = ((b.scale_bits() + 1) as f64 * LN_2 / unit).floor() * unit + unit;
    let (_, lanes) = reduction_groups(x, &op.axes);
    let mut out = Vec::with_capacity(x.len());
    // Constants below the provable range (attention masks of −∞ or −10⁹) weigh exactly 0. This
    // reads a constant's value, so which elements are masked is part of the architecture.
    let lowest = -((b.range() + 1) as f64) * unit;
    for lane in lanes {
        let masked: Vec<bool> = lane.iter().map(|v| b.as_constant(*v).is_some_and(|k| k < lowest)).collect();
        let live: Vec<ExprId> = lane.iter().zip(&masked).filter(|(_, m)| !**m).map(|(v, _)| *v).collect();
        if live.is_empty() {
            return Err(misuse(node, "a softmax lane holds only masked (−∞) values"));
        }
        let m = extreme(b, &live, true)?;
        let mut e = Vec::with_capacity(lane.len());
        for (v, masked) in lane.iter().zip(masked) {
            if masked {
                e.push(b.constant(0.0));
                continue;
            }
            let shifted = b.linear(&[(*v, 1.0), (m, -1.0)], c)?;
            let r = b.relu(shifted)?;
            let clamped = b.affine(r, 1.0, -c)?;
            e.push(b.func(Func::Exp, clamped)?);
        }
        let sum = b.linear(&e.iter().map(|v| (*v, 1.0)).collect::<Vec<_>>(), 0.0)?;
        match op.kind {
            SoftmaxKind::Softmax => {
                let r = recip_of_sum(b, sum)?;
                for v in e {
                    out.push(b.mul(v, r)?);
                }
            }
            SoftmaxKind::LogSoftmax => {
                let l = b.func(Func::Ln, sum)?;
                for v in &lane {
                    out.push(b.linear(&[(*v, 1.0), (m, -1.0), (l, -1.0)], 0.0)?);
                }
            }
        }
    }
    from_lanes(node, x.shape(), &op.axes, out)
}

/// `1/√((q + k)/n)` for a sum of squares `q` (an expression with products, ≥ 0) and a
/// constant `k ≥ 0`: `q + k` is materialized by a ReLU gate (the identity here), which makes the
/// division by `n` one exact rescale of that wire (`D = n`, for `n ≤ 2^s`) rather than a rounded
/// weight per square; then one `Rsqrt` lookup.
fn rsqrt_mean(b: &mut Builder, q: ExprId, k: f64, n: f64) -> Result<ExprId> {
    let total = b.affine(q, 1.0, k)?;
    let total = b.relu(total)?;
    let mean = b.affine(total, 1.0 / n, 0.0)?;
    b.func(Func::Rsqrt, mean)
}

/// tract's fused `RmsNorm`: `x / √(mean(x²) + ε)` along its axis, in two passes so that the
/// table input is well scaled whatever the magnitude of `x`.
///
/// The mean of squares of small activations (say 10⁻³) holds only a few units of `2^−s`, so one
/// `Rsqrt` of it would be off by tens of percent. Pass one takes a rough scale
/// `r₀ = 1/√(mean(x²) + ε + 4·2^−s)` (the `4·2^−s` bounds `r₀² ≤ 2^(s−2)`, inside the range),
/// pass two normalizes `z = x·r₀`, which is of order one:
/// `x/√(mean(x²) + ε) = z/√(mean(z²) + ε·r₀²)`.
pub(super) fn rms_norm(b: &mut Builder, node: &TypedNode, x: &Exprs) -> Result<Exprs> {
    let op = node.op_as::<RmsNorm>().ok_or_else(|| unsupported(node))?;
    let eps = op.eps.cast_to_scalar::<f64>().map_err(|e| tract_err(node, e))?;
    let unit = ulp(b);
    let (_, lanes) = reduction_groups(x, &[op.axis]);
    let mut out = Vec::with_capacity(x.len());
    for lane in lanes {
        let n = lane.len() as f64;
        let squares = b.dot(&lane.iter().map(|v| (*v, *v)).collect::<Vec<_>>())?;
        let r0 = rsqrt_mean(b, squares, n * (eps + 4.0 * unit), n)?;
        let z = lane.iter().map(|v| b.mul(*v, r0)).collect::<Result<Vec<_>>>()?;
        // ε·r₀² enters as the square of one more element, √(nε)·r₀: a weight of √(nε) loses
        // less to rounding than one of nε (ε = 10⁻⁵ is below 2^−s).
        let z_eps = b.affine(r0, (n * eps).sqrt(), 0.0)?;
        let pairs: Vec<(ExprId, ExprId)> = z.iter().chain([&z_eps]).map(|v| (*v, *v)).collect();
        let squares = b.dot(&pairs)?;
        let r = rsqrt_mean(b, squares, 0.0, n)?;
        for v in z {
            out.push(b.mul(v, r)?);
        }
    }
    from_lanes(node, x.shape(), &[op.axis], out)
}

/// `Reduce<Max|Min|ArgMax|ArgMin|All|Any>` (reduced axes kept with size 1); `None` for the
/// linear reducers (Sum, MeanOfSquares, Prod) and other nodes.
///
/// ArgMax/ArgMin give tract's index (first occurrence, or last with `ArgMax(true)`) as an
/// integer; All/Any are step gates on the sum of the booleans.
pub(super) fn reduce(b: &mut Builder, node: &TypedNode, x: &Exprs) -> Result<Option<Exprs>> {
    let Some(op) = node.op_as::<Reduce>() else { return Ok(None) };
    if matches!(op.reducer, Reducer::Sum | Reducer::MeanOfSquares | Reducer::Prod) {
        return Ok(None);
    }
    let (shape, lanes) = reduction_groups(x, &op.axes);
    let mut out = Vec::with_capacity(lanes.len());
    for lane in lanes {
        let count = |b: &mut Builder, at_least: f64| {
            let sum = b.linear(&lane.iter().map(|v| (*v, 1.0)).collect::<Vec<_>>(), -at_least)?;
            b.ge_zero(sum)
        };
        out.push(match op.reducer {
            Reducer::Max => extreme(b, &lane, true)?,
            Reducer::Min => extreme(b, &lane, false)?,
            Reducer::ArgMax(last) => arg_best(b, &lane, true, last)?,
            Reducer::ArgMin(last) => arg_best(b, &lane, false, last)?,
            Reducer::All => count(b, lane.len() as f64)?,
            Reducer::Any => count(b, 1.0)?,
            Reducer::Sum | Reducer::MeanOfSquares | Reducer::Prod => unreachable!("returned above"),
        });
    }
    Ok(Some(ArrayD::from_shape_vec(IxDyn(&shape), out).map_err(|e| misuse(node, e))?))
}

/// `Topk` with a constant `k`: the `k` largest (or smallest) elements along the axis, in
/// order, and their indices (ties: lower index first, as tract's stable sort).
///
/// Each of the `k` rounds takes the first maximum of the lane ([`first_max`]) and then moves
/// that element below the lane's minimum (`x − first·(x − floor)`, one product), so the cost
/// is about `7·k·n` gates per lane of `n`.
pub(super) fn topk(b: &mut Builder, node: &TypedNode, x: &Exprs, k: usize) -> Result<(Exprs, Exprs)> {
    let op = node.op_as::<Topk>().ok_or_else(|| unsupported(node))?;
    let n = *x.shape().get(op.axis).ok_or_else(|| misuse(node, "axis out of range"))?;
    if k > n {
        return Err(misuse(node, format!("k = {k} exceeds the axis length {n}")));
    }
    let integer = !node.outputs[0].fact.datum_type.is_float();
    let below = if integer { 1.0 } else { ulp(b) };
    let (_, lanes) = reduction_groups(x, &[op.axis]);
    let (mut values, mut indices) = (Vec::new(), Vec::new());
    for lane in lanes {
        let mut v = oriented(b, &lane, op.largest)?;
        let floor = if k > 1 {
            let lo = extreme(b, &v, false)?;
            Some(b.affine(lo, 1.0, -below)?)
        } else {
            None
        };
        for round in 0..k {
            let (m, seen) = first_max(b, &v)?;
            values.push(if op.largest { m } else { b.affine(m, -1.0, 0.0)? });
            indices.push(count_before(b, &seen)?);
            let Some(floor) = floor.filter(|_| round + 1 < k) else { continue };
            let mut before = b.constant(0.0);
            for (vi, si) in v.iter_mut().zip(&seen) {
                let first = b.sub(*si, before)?;
                before = *si;
                let above = b.sub(*vi, floor)?;
                let cut = b.mul(first, above)?;
                *vi = b.sub(*vi, cut)?;
            }
        }
    }
    let mut shape = x.shape().to_vec();
    shape[op.axis] = k;
    Ok((from_lanes(node, &shape, &[op.axis], values)?, from_lanes(node, &shape, &[op.axis], indices)?))
}

/// Checks the operands of a fused recurrent cell: `state` is `[.., hidden]` (rows of `hidden`)
/// and every gate operand holds `gates·hidden` values per row.
fn check_cell(node: &TypedNode, hidden: usize, state: &Exprs, gates: usize, operands: &[&Exprs]) -> Result<()> {
    if hidden == 0 || !state.len().is_multiple_of(hidden) {
        return Err(misuse(node, format!("state of shape {:?} for hidden size {hidden}", state.shape())));
    }
    let rows = state.len() / hidden;
    for t in operands {
        if t.len() != rows * gates * hidden {
            return Err(misuse(node, format!("gate operand of shape {:?} for {rows} rows of {gates}·{hidden}", t.shape())));
        }
    }
    Ok(())
}

/// tract's fused `LstmEpilogue`: from the gate pre-activations `[.., 4h]` (ONNX order i, o, f,
/// c) and the previous cell state `[.., h]`, the new hidden and cell states, both shaped like
/// the cell state: `Ct = σ(f)·c_prev + σ(i)·tanh(c)`, `Ht = σ(o)·tanh(Ct)`.
pub(super) fn lstm_epilogue(b: &mut Builder, node: &TypedNode, preact: &Exprs, c_prev: &Exprs) -> Result<(Exprs, Exprs)> {
    let h = node.op_as::<LstmEpilogue>().ok_or_else(|| unsupported(node))?.hidden;
    check_cell(node, h, c_prev, 4, &[preact])?;
    let pre: Vec<ExprId> = preact.iter().copied().collect();
    let (mut hs, mut cs) = (Vec::with_capacity(c_prev.len()), Vec::with_capacity(c_prev.len()));
    for (r, cp) in c_prev.iter().enumerate() {
        let (row, j) = (r / h, r % h);
        let g = |k: usize| pre[row * 4 * h + k * h + j];
        let i = b.func(Func::Sigmoid, g(0))?;
        let o = b.func(Func::Sigmoid, g(1))?;
        let f = b.func(Func::Sigmoid, g(2))?;
        let cand = b.func(Func::Tanh, g(3))?;
        let c = b.dot(&[(f, *cp), (i, cand)])?;
        let tc = b.func(Func::Tanh, c)?;
        hs.push(b.mul(o, tc)?);
        cs.push(c);
    }
    let shape = c_prev.raw_dim();
    Ok((ArrayD::from_shape_vec(shape.clone(), hs).expect("state shape"), ArrayD::from_shape_vec(shape, cs).expect("state shape")))
}

/// tract's fused `GruEpilogue` (ONNX GRU with `linear_before_reset`): from `xh = Xt·Wᵀ + Wb` and
/// `rh = Ht-1·Rᵀ + Rb` (`[.., 3h]`, order z, r, h) and the previous hidden state `[.., h]`,
/// `Ht = ĥ + σ(z)·(h_prev − ĥ)` with `ĥ = tanh(xh_h + σ(r)·rh_h)`.
pub(super) fn gru_epilogue(b: &mut Builder, node: &TypedNode, xh: &Exprs, rh: &Exprs, h_prev: &Exprs) -> Result<Exprs> {
    let h = node.op_as::<GruEpilogue>().ok_or_else(|| unsupported(node))?.hidden;
    check_cell(node, h, h_prev, 3, &[xh, rh])?;
    let (xs, rs): (Vec<ExprId>, Vec<ExprId>) = (xh.iter().copied().collect(), rh.iter().copied().collect());
    let one = b.constant(1.0);
    let mut out = Vec::with_capacity(h_prev.len());
    for (k, hp) in h_prev.iter().enumerate() {
        let at = |gate: usize| (k / h) * 3 * h + gate * h + k % h;
        let zs = b.add(xs[at(0)], rs[at(0)])?;
        let z = b.func(Func::Sigmoid, zs)?;
        let reset = b.add(xs[at(1)], rs[at(1)])?;
        let reset = b.func(Func::Sigmoid, reset)?;
        let pre = b.dot(&[(reset, rs[at(2)]), (xs[at(2)], one)])?;
        let cand = b.func(Func::Tanh, pre)?;
        let d = b.sub(*hp, cand)?;
        out.push(b.dot(&[(z, d), (cand, one)])?);
    }
    Ok(ArrayD::from_shape_vec(h_prev.raw_dim(), out).expect("state shape"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compiler::graph::ElementGraph;
    use tract_onnx::tract_core::ops::{logic, math, nn};

    const S: u32 = 12;

    /// The float function an operator is checked against.
    type Reference = fn(f64) -> f64;

    fn unit() -> f64 {
        1.0 / (1u64 << S) as f64
    }

    /// The node of a model applying `op` to inputs of type `dt` and shapes `shapes` (then to the
    /// constant `k`, when given).
    fn node_of(op: impl Into<Box<dyn TypedOp>>, dt: DatumType, shapes: &[&[usize]], k: Option<i64>) -> TypedNode {
        let mut m = TypedModel::default();
        let mut inputs: Vec<OutletId> = shapes.iter().enumerate().map(|(i, s)| m.add_source(format!("x{i}"), dt.fact(*s)).unwrap()).collect();
        if let Some(k) = k {
            inputs.push(m.add_const("k", tensor0(k)).unwrap());
        }
        let y = m.wire_node("op", op, &inputs).unwrap();
        m.node(y[0].node).clone()
    }

    /// Builds `f` at scale `2^s` on the input `xs` of shape `shape` and finishes the graph with
    /// its outputs, concatenated.
    fn build(s: u32, xs: &[f64], shape: &[usize], integer: bool, f: impl FnOnce(&mut Builder, &Exprs) -> Result<Vec<Exprs>>) -> ElementGraph {
        let mut b = Builder::new(s);
        let ids = xs.iter().map(|v| b.input(*v, integer)).collect::<Result<Vec<_>>>().unwrap();
        let x = ArrayD::from_shape_vec(IxDyn(shape), ids).unwrap();
        let outs = f(&mut b, &x).unwrap();
        let flat: Vec<ExprId> = outs.iter().flat_map(|t| t.iter().copied()).collect();
        b.finish(&flat).unwrap()
    }

    /// Output reals of one element-wise op on `xs` (a flat vector).
    fn unary(op: impl Into<Box<dyn TypedOp>>, xs: &[f64]) -> Vec<f64> {
        let node = node_of(op, f32::datum_type(), &[&[xs.len()]], None);
        build(S, xs, &[xs.len()], false, |b, x| Ok(vec![elementwise(b, &node, x)?.expect("element-wise")])).output_reals()
    }

    fn assert_close(got: &[f64], want: &[f64], tol: f64, what: &str) {
        assert_eq!(got.len(), want.len(), "{what}: lengths");
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert!((g - w).abs() <= tol, "{what}[{i}]: got {g}, want {w} (tolerance {tol})");
        }
    }

    /// Inputs on the 2^−S grid, so a table's only error is its output rounding (half a unit).
    fn grid(values: &[f64]) -> Vec<f64> {
        values.iter().map(|v| (v / unit()).round() * unit()).collect()
    }

    #[test]
    fn tables_are_within_half_a_unit() {
        let half = 0.5 * unit() + 1e-12;
        let any = grid(&[-2.3, -1.0, -0.4, 0.0, 0.7, 1.9, 3.1]);
        let pos = grid(&[0.05, 0.3, 1.0, 2.5, 7.0]);
        let unit_interval = grid(&[-1.0, -0.6, 0.0, 0.35, 0.9, 1.0]);
        let cases: Vec<(ElementWiseOp, &[f64], Reference)> = vec![
            (math::exp(), &any[..], f64::exp),
            (math::ln(), &pos, f64::ln),
            (nn::sigmoid(), &any, |x| 1.0 / (1.0 + (-x).exp())),
            (math::tanh(), &any, f64::tanh),
            (math::sqrt(), &pos, f64::sqrt),
            (math::rsqrt(), &pos, |x| 1.0 / x.sqrt()),
            (math::recip(), &pos, f64::recip),
            (math::sin(), &any, f64::sin),
            (math::cos(), &any, f64::cos),
            (math::tan(), &unit_interval, f64::tan),
            (math::asin(), &unit_interval, f64::asin),
            (math::acos(), &unit_interval, f64::acos),
            (math::atan(), &any, f64::atan),
            (nn::hard_swish(), &any, |x| x * (x + 3.0).clamp(0.0, 6.0) / 6.0),
        ];
        for (op, xs, f) in cases {
            let name = op.name().to_string();
            let want: Vec<f64> = xs.iter().map(|x| f(*x)).collect();
            assert_close(&unary(op, xs), &want, half, &name);
        }
        // erf and exact GELU against reference values (A&S table 7.1).
        let xs = [0.5, 1.0, -1.5, 2.0];
        let erf = [0.520_499_877_8, 0.842_700_792_9, -0.966_105_146_5, 0.995_322_265_0];
        assert_close(&unary(math::erf(), &xs), &erf, half, "Erf");
        // GELU(x) = ½x(1 + erf(x/√2)), with erf(x/√2) = 2Φ(x) − 1 for x = −1, 0.5, 2.
        let gelu_ref: Vec<f64> = [(-1.0, -0.682_689_492_1), (0.5, 0.382_924_922_5), (2.0, 0.954_499_736_1)]
            .iter()
            .map(|(x, e)| 0.5 * x * (1.0 + e))
            .collect();
        assert_close(&unary(nn::gelu_exact::gelu_exact(), &[-1.0, 0.5, 2.0]), &gelu_ref, half, "GeluExact");
    }

    #[test]
    fn piecewise_linear_and_rounding_are_exact() {
        let xs = grid(&[-2.5, -1.5, -0.5, 0.0, 0.5, 1.5, 2.5, 1.25, -1.75, 3.0, -3.0, 0.3, -0.3]);
        let exact: Vec<(ElementWiseOp, Reference)> = vec![
            (math::abs(), f64::abs),
            (math::neg(), |x| -x),
            (math::sign(), |x| if x == 0.0 { 0.0 } else { x.signum() }),
            (math::floor(), f64::floor),
            (math::ceil(), f64::ceil),
            (math::round(), f64::round),
            (math::round_half_to_even(), f64::round_ties_even),
        ];
        for (op, f) in exact {
            let name = op.name().to_string();
            let want: Vec<f64> = xs.iter().map(|x| f(*x)).collect();
            assert_close(&unary(op, &xs), &want, 0.0, &name);
        }
        // LeakyRelu: α·x rounded once to the grid.
        for alpha in [0.25, 0.1] {
            let want: Vec<f64> = xs.iter().map(|x| if *x < 0.0 { alpha * x } else { *x }).collect();
            assert_close(&unary(nn::leaky_relu(alpha as f32), &xs), &want, 0.5 * unit() + 1e-9, &format!("LeakyRelu({alpha})"));
        }
    }

    #[test]
    fn not_flips_booleans() {
        let node = node_of(logic::not(), bool::datum_type(), &[&[2]], None);
        let g = build(S, &[0.0, 1.0], &[2], true, |b, x| Ok(vec![elementwise(b, &node, x)?.unwrap()]));
        assert_eq!(g.output_reals(), vec![1.0, 0.0]);
    }

    #[test]
    fn powers_silu_and_tanh_gelu() {
        let xs = grid(&[-1.7, -0.4, 0.0, 0.6, 1.3, 2.2]);
        let tol = 4.0 * unit();
        let cases: Vec<(ElementWiseOp, Reference)> = vec![
            (math::square(), |x| x * x),
            (math::pow_const(3.0), |x| x * x * x),
            (nn::silu::silu(), |x| x / (1.0 + (-x).exp())),
            (nn::gelu_approximate::gelu_approximate(false), |x| {
                0.5 * x * (1.0 + ((2.0 / PI).sqrt() * (x + 0.044715 * x.powi(3))).tanh())
            }),
        ];
        for (op, f) in cases {
            let name = op.name().to_string();
            let want: Vec<f64> = xs.iter().map(|x| f(*x)).collect();
            assert_close(&unary(op, &xs), &want, tol, &name);
        }
        let pos = grid(&[0.2, 1.0, 2.7]);
        let want: Vec<f64> = pos.iter().map(|x| x.powf(1.5)).collect();
        assert_close(&unary(math::pow_const(1.5), &pos), &want, unit(), "PowConst(1.5)");
    }

    #[test]
    fn unknown_element_wise_op_is_unsupported_and_other_ops_are_not_element_wise() {
        let node = node_of(math::cosh(), f32::datum_type(), &[&[1]], None);
        let mut b = Builder::new(S);
        let x = ArrayD::from_elem(IxDyn(&[1]), b.input(0.5, false).unwrap());
        assert!(matches!(elementwise(&mut b, &node, &x), Err(crate::Error::UnsupportedOp { .. })));
        let sm = node_of(Softmax::new(tvec![0], None, SoftmaxKind::Softmax), f32::datum_type(), &[&[1]], None);
        assert!(elementwise(&mut b, &sm, &x).unwrap().is_none());
    }

    /// Softmax (or log-softmax) along `axis` of a `[rows, cols]` tensor, in f64.
    fn softmax_ref(xs: &[f64], shape: [usize; 2], axis: usize, log: bool) -> Vec<f64> {
        let at = |i: usize, j: usize| xs[i * shape[1] + j];
        let mut out = vec![0.0; xs.len()];
        for i in 0..shape[0] {
            for j in 0..shape[1] {
                let lane: Vec<f64> = if axis == 1 { (0..shape[1]).map(|k| at(i, k)).collect() } else { (0..shape[0]).map(|k| at(k, j)).collect() };
                let m = lane.iter().cloned().fold(f64::MIN, f64::max);
                let sum: f64 = lane.iter().map(|v| (v - m).exp()).sum();
                let v = at(i, j) - m;
                out[i * shape[1] + j] = if log { v - sum.ln() } else { v.exp() / sum };
            }
        }
        out
    }

    #[test]
    fn softmax_matches_float_along_either_axis() {
        let xs = grid(&[0.3, -1.2, 2.5, 0.0, 1.1, -25.0, 4.0, 4.0, -0.7, 0.2]);
        for (s, tol) in [(S, 3.0 * unit()), (8, 0.01)] {
            for axis in [0, 1] {
                for log in [false, true] {
                    let kind = if log { SoftmaxKind::LogSoftmax } else { SoftmaxKind::Softmax };
                    let node = node_of(Softmax::new(tvec![axis], None, kind), f32::datum_type(), &[&[2, 5]], None);
                    let g = build(s, &xs, &[2, 5], false, |b, x| Ok(vec![softmax(b, &node, x)?]));
                    let want = softmax_ref(&xs, [2, 5], axis, log);
                    assert_close(&g.output_reals(), &want, tol, &format!("{kind:?} axis {axis} at s = {s}"));
                }
            }
        }
    }

    #[test]
    fn softmax_tables_stay_small() {
        // Lane 0 has one dominant element (sum ≈ 1) and a far outlier; lane 1 is flat (sum 40).
        let n = 40;
        let mut xs = vec![-100.0, 6.0];
        xs.resize(n, 0.0);
        xs.extend(vec![0.5; n]);
        let node = node_of(Softmax::new(tvec![1], None, SoftmaxKind::Softmax), f32::datum_type(), &[&[2, n]], None);
        let g = build(S, &xs, &[2, n], false, |b, x| Ok(vec![softmax(b, &node, x)?]));
        let exp = g.tables.iter().find(|t| t.func == Func::Exp).unwrap();
        let c = (S + 1) as f64 * LN_2;
        assert!(exp.min as f64 >= -(c + 2.0 * unit()) / unit(), "exp table starts at {}", exp.min);
        // One reciprocal table over [1, 40] at scale 2^S would have 39·2^S entries.
        let recip: usize = g.tables.iter().filter(|t| t.func == Func::Recip).map(|t| t.len()).sum();
        assert!(recip <= n + (1 << S), "reciprocal tables hold {recip} entries");
        let mut want = softmax_ref(&xs[..n], [1, n], 1, false);
        want.extend(softmax_ref(&xs[n..], [1, n], 1, false));
        // Each of the n rounded exps moves the sum by up to half a unit (38 equal ones in lane 0).
        assert_close(&g.output_reals(), &want, (3.0 + 0.5 * n as f64) * unit(), "softmax");
    }

    #[test]
    fn softmax_ignores_masked_constants() {
        let node = node_of(Softmax::new(tvec![0], None, SoftmaxKind::Softmax), f32::datum_type(), &[&[4]], None);
        let xs = grid(&[0.3, 1.2]);
        let g = build(S, &xs, &[2], false, |b, x| {
            let (inf, big) = (b.constant(f64::NEG_INFINITY), b.constant(-1e12));
            let masked = ArrayD::from_shape_vec(IxDyn(&[4]), vec![x[0], inf, x[1], big]).unwrap();
            Ok(vec![softmax(b, &node, &masked)?])
        });
        let live = softmax_ref(&xs, [1, 2], 1, false);
        assert_close(&g.output_reals(), &[live[0], 0.0, live[1], 0.0], 3.0 * unit(), "masked softmax");
        let mut b = Builder::new(S);
        let inf = b.constant(f64::NEG_INFINITY);
        let all_masked = ArrayD::from_elem(IxDyn(&[4]), inf);
        assert!(softmax(&mut b, &node, &all_masked).is_err());
    }

    #[test]
    fn rms_norm_matches_float() {
        let eps = 1e-5;
        // Activations of order one, and small ones whose mean square (~10⁻³) is only a few units
        // of 2^−S: the second pass keeps those as accurate as the first.
        let big = [0.5, -1.25, 2.0, 0.75, -0.3, 0.1, 0.4, -0.9];
        let small: Vec<f64> = big.iter().map(|v| v * 0.03).collect();
        for xs in [grid(&big), grid(&small)] {
            for axis in [0, 1] {
                let op = RmsNorm { axis, eps: rctensor0(eps as f32) };
                let node = node_of(op, f32::datum_type(), &[&[2, 4]], None);
                let g = build(S, &xs, &[2, 4], false, |b, x| Ok(vec![rms_norm(b, &node, x)?]));
                let mut want = vec![0.0; 8];
                for (i, w) in want.iter_mut().enumerate() {
                    let (r, c) = (i / 4, i % 4);
                    let lane: Vec<f64> = if axis == 1 { (0..4).map(|k| xs[r * 4 + k]).collect() } else { (0..2).map(|k| xs[k * 4 + c]).collect() };
                    let ms = lane.iter().map(|v| v * v).sum::<f64>() / lane.len() as f64;
                    *w = xs[i] / (ms + eps).sqrt();
                }
                assert_close(&g.output_reals(), &want, 4.0 * unit(), &format!("RmsNorm axis {axis} on {:?}", &xs[..2]));
            }
        }
    }

    fn reduce_node(reducer: Reducer, axes: &[usize], shape: &[usize], dt: DatumType) -> TypedNode {
        node_of(Reduce::new(axes.into(), reducer), dt, &[shape], None)
    }

    #[test]
    fn reductions_are_exact() {
        // Shape [2, 3, 2]; ties on purpose.
        let xs = [1.0, 5.0, 3.0, 5.0, -2.0, 0.5, 4.0, 4.0, -1.0, 4.0, 2.0, -7.0];
        let run = |reducer: Reducer, axes: &[usize]| {
            let node = reduce_node(reducer, axes, &[2, 3, 2], f32::datum_type());
            let g = build(S, &xs, &[2, 3, 2], false, |b, x| Ok(vec![reduce(b, &node, x)?.unwrap()]));
            g.output_reals()
        };
        assert_eq!(run(Reducer::Max, &[1]), vec![3.0, 5.0, 4.0, 4.0]);
        assert_eq!(run(Reducer::Min, &[1]), vec![-2.0, 0.5, -1.0, -7.0]);
        assert_eq!(run(Reducer::Max, &[0, 2]), vec![5.0, 5.0, 2.0]);
        // Lanes along axis 1: [1, 3, -2], [5, 5, 0.5], [4, -1, 2], [4, 4, -7].
        assert_eq!(run(Reducer::ArgMax(false), &[1]), vec![1.0, 0.0, 0.0, 0.0]);
        assert_eq!(run(Reducer::ArgMax(true), &[1]), vec![1.0, 1.0, 0.0, 1.0]);
        assert_eq!(run(Reducer::ArgMin(false), &[1]), vec![2.0, 2.0, 1.0, 2.0]);
        // Flattened lanes over axes [1, 2]: [1, 5, 3, 5, -2, 0.5] and [4, 4, -1, 4, 2, -7].
        assert_eq!(run(Reducer::ArgMax(false), &[1, 2]), vec![1.0, 0.0]);
        let node = reduce_node(Reducer::Sum, &[1], &[2, 3, 2], f32::datum_type());
        let mut b = Builder::new(S);
        let x = ArrayD::from_elem(IxDyn(&[2, 3, 2]), b.input(1.0, false).unwrap());
        assert!(reduce(&mut b, &node, &x).unwrap().is_none());
    }

    #[test]
    fn all_and_any() {
        let xs = [1.0, 1.0, 0.0, 1.0, 0.0, 0.0];
        for (reducer, want) in [(Reducer::All, [1.0, 0.0, 0.0]), (Reducer::Any, [1.0, 1.0, 0.0])] {
            let node = reduce_node(reducer, &[1], &[3, 2], bool::datum_type());
            let g = build(S, &xs, &[3, 2], true, |b, x| Ok(vec![reduce(b, &node, x)?.unwrap()]));
            assert_eq!(g.output_reals(), want.to_vec(), "{reducer:?}");
        }
    }

    #[test]
    fn topk_values_and_indices() {
        // Integer input with ties, as in the corpus (1l_topk).
        let xs = [2.0, 1.0, 5.0, 4.0, 8.0, 2.0, 0.0, 7.0, 7.0, 3.0, 7.0, -1.0];
        for (largest, values, indices) in [
            (true, [8.0, 5.0, 4.0, 7.0, 7.0, 7.0], [4.0, 2.0, 3.0, 1.0, 2.0, 4.0]),
            (false, [1.0, 2.0, 2.0, -1.0, 0.0, 3.0], [1.0, 0.0, 5.0, 5.0, 0.0, 3.0]),
        ] {
            let node = node_of(Topk::new(1, largest, TDim::Val(3)), i64::datum_type(), &[&[2, 6]], Some(3));
            let g = build(S, &xs, &[2, 6], true, |b, x| {
                let (v, i) = topk(b, &node, x, 3)?;
                Ok(vec![v, i])
            });
            let out = g.output_reals();
            assert_eq!(out[..6], values, "values, largest = {largest}");
            assert_eq!(out[6..], indices, "indices, largest = {largest}");
        }
        // Real input along axis 0.
        let xs = grid(&[0.5, -1.0, 0.25, 3.0, 0.25, -2.0]);
        let node = node_of(Topk::new(0, true, TDim::Val(2)), f32::datum_type(), &[&[3, 2]], Some(2));
        let g = build(S, &xs, &[3, 2], false, |b, x| {
            let (v, i) = topk(b, &node, x, 2)?;
            Ok(vec![v, i])
        });
        assert_eq!(g.output_reals(), vec![0.5, 3.0, 0.25, -1.0, 0.0, 1.0, 1.0, 0.0]);
    }

    fn sigmoid(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }

    /// Splits the flat `x` into consecutive tensors of the given shapes.
    fn split(x: &Exprs, shapes: &[&[usize]]) -> Vec<Exprs> {
        let mut flat = x.iter().copied();
        shapes.iter().map(|s| ArrayD::from_shape_vec(IxDyn(s), flat.by_ref().take(s.iter().product()).collect()).unwrap()).collect()
    }

    #[test]
    fn lstm_and_gru_cells_match_float() {
        let h = 2;
        let tol = 4.0 * unit();
        // LSTM, two rows: preact [2, 8] (gates i, o, f, c), c_prev [2, 2].
        let pre = grid(&[0.5, -1.0, 1.5, 0.2, -0.3, 2.0, 0.8, -1.2, -0.6, 0.9, 0.1, -2.0, 1.1, 0.4, -0.7, 1.3]);
        let cp = grid(&[0.3, -0.8, 1.2, 0.05]);
        let shapes: [&[usize]; 2] = [&[2, 8], &[2, 2]];
        let node = node_of(LstmEpilogue { hidden: h }, f32::datum_type(), &shapes, None);
        let xs: Vec<f64> = pre.iter().chain(&cp).copied().collect();
        let g = build(S, &xs, &[xs.len()], false, |b, x| {
            let t = split(x, &shapes);
            let (ht, ct) = lstm_epilogue(b, &node, &t[0], &t[1])?;
            Ok(vec![ht, ct])
        });
        let (mut want_h, mut want_c) = (vec![], vec![]);
        for r in 0..2 {
            for j in 0..h {
                let gate = |k: usize| pre[r * 4 * h + k * h + j];
                let c = sigmoid(gate(2)) * cp[r * h + j] + sigmoid(gate(0)) * gate(3).tanh();
                want_h.push(sigmoid(gate(1)) * c.tanh());
                want_c.push(c);
            }
        }
        want_h.extend(want_c);
        assert_close(&g.output_reals(), &want_h, tol, "LstmEpilogue (Ht, Ct)");

        // GRU, one row: xh, rh [1, 6] (gates z, r, h), h_prev [1, 2].
        let xh = grid(&[0.4, -0.2, 1.0, -1.5, 0.7, 0.3]);
        let rh = grid(&[-0.1, 0.6, 0.5, 0.25, -0.9, 1.4]);
        let hp = grid(&[0.2, -0.7]);
        let shapes: [&[usize]; 3] = [&[1, 6], &[1, 6], &[1, 2]];
        let node = node_of(GruEpilogue { hidden: h }, f32::datum_type(), &shapes, None);
        let xs: Vec<f64> = xh.iter().chain(&rh).chain(&hp).copied().collect();
        let g = build(S, &xs, &[xs.len()], false, |b, x| {
            let t = split(x, &shapes);
            Ok(vec![gru_epilogue(b, &node, &t[0], &t[1], &t[2])?])
        });
        let want: Vec<f64> = (0..h)
            .map(|j| {
                let z = sigmoid(xh[j] + rh[j]);
                let r = sigmoid(xh[h + j] + rh[h + j]);
                let cand = (xh[2 * h + j] + r * rh[2 * h + j]).tanh();
                cand + z * (hp[j] - cand)
            })
            .collect();
        assert_close(&g.output_reals(), &want, tol, "GruEpilogue");
    }
}
