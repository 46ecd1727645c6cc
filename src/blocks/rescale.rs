//! Rescale block: division by a constant with a range-checked remainder, then an activation.
//! It turns a chain's sum into a new tensor element: the fixed-point rescale after a product
//! (`D = 2^s`), an exact division or a mean (`D = n`), floor/round/ceil, ReLU and comparisons.
//!
//! Layout: an output row `O`, a rescale row `R`, then the chain whose first `c` is `T`.
//! On `R`: `a = r`, `b = lo`, `c = hi`, `d = sgn` with
//! `T + p = D·(2^s·hi + lo) + r`; the lookup block checks `r, lo ∈ [0, 2^s)` and
//! `(hi, sgn)` in the sign table (so `hi ∈ [−2^(h−1), 2^(h−1))` with `h ≤ s` calibrated at setup,
//! `sgn = [hi ≥ 0]`).
//! On `O` (reading `R` as its next row): `a = D − 1 − r`, also checked to lie in `[0, 2^s)`, so
//! `0 ≤ r < D` (the divisor satisfies `1 ≤ D ≤ 2^s`). With `q = 2^s·hi + lo ∈ [−2^(s+h−1), 2^(s+h−1))`
//! the decomposition is unique, hence `q = ⌊(T + p)/D⌋` exactly; `p` (hidden, in the parameter
//! column) is the bias plus the rounding offset. The output `d` of `O` is `q` (linear),
//! `q·sgn = ReLU(q)` or `sgn = [q ≥ 0]`, and is a wiring table entry.

use super::{Ctx, Fix, Row, Value, Wit};

/// `q_o = q_linear + q_relu + q_step`, from the fixed columns `f` of a row: 1 on an output row
/// `O`, 0 elsewhere.
pub fn output_selector<V: Value>(f: impl Fn(Fix) -> V) -> V {
    f(Fix::QLinear) + f(Fix::QRelu) + f(Fix::QStep)
}

/// On an output row `O` (fixed columns `f`, next row `R` read through `next`), the sum its
/// rescale implies: `T = D·(2^s·hi + lo) + r − p` with `p` in `O`'s parameter column (where a
/// packed gate keeps it; see [`super::packed`]).
pub fn implied_sum<V: Value>(f: impl Fn(Fix) -> V, next: impl Fn(Wit) -> V, scale: V) -> V {
    f(Fix::Div) * (scale * next(Wit::C) + next(Wit::B)) + next(Wit::A) - f(Fix::Param)
}

pub fn constraints<V: Value>(r: &Row<V>, ctx: &Ctx<V>, out: &mut Vec<V>) {
    // On R: the next row's c is the chain's sum T.
    let q_here = ctx.scale.clone() * r.w(Wit::C) + r.w(Wit::B);
    out.push(
        r.f(Fix::QRescale) * (r.next(Wit::C) + r.f(Fix::Param) - r.f(Fix::Div) * q_here - r.w(Wit::A)),
    );
    // On O: the next row is R.
    let q = ctx.scale.clone() * r.next(Wit::C) + r.next(Wit::B);
    out.push(r.f(Fix::QLinear) * (r.w(Wit::D) - q.clone()));
    out.push(r.f(Fix::QRelu) * (r.w(Wit::D) - q * r.next(Wit::D)));
    out.push(r.f(Fix::QStep) * (r.w(Wit::D) - r.next(Wit::D)));
    out.push(output_selector(|c| r.f(c)) * (r.w(Wit::A) + r.next(Wit::A) + V::constant(1u64.into()) - r.f(Fix::Div)));
}
