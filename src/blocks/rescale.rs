//! Rescale block: division by a constant with a range-checked remainder, then an activation.
//! It turns a chain's sum into a new tensor element: the fixed-point rescale after a product
//! (`D = 2^s`), an exact division or a mean (`D = n`), floor/round/ceil, ReLU and comparisons.
//!
//! Layout: an output row `O`, a rescale row `R`, then the chain whose first `c` is `T`.
//! On `R`: `a = r`, `b = lo`, `c = hi`, `d = sgn` with
//! `T + p = D·(2^M·hi + lo) + r`; `r` and `lo` are range-checked to `[0, 2^M)` (`M` =
//! [`super::limb::Limbs::split_bits`]: directly in the range table when `M = s` (at most 2^10, or a
//! domain of at least `2^(s+1)` rows), else
//! through limb rows, see [`super::limb`]), and `(hi, sgn)` is in the sign table (so
//! `hi ∈ [−2^(h−1), 2^(h−1))` with `h ≤ min(s, 10)` calibrated at setup, `sgn = [hi ≥ 0]`).
//! On `O` (reading `R` as its next row): `a = D − 1 − r`, also checked to lie in `[0, 2^M)`.
//!
//! Uniqueness: the three checked cells are integers in `[0, 2^M)` and `1 ≤ D ≤ 2^s ≤ 2^M`, so
//! `r + (D − 1 − r) = D − 1` holds over the integers (both summands are below `2^M ≪ r`), hence
//! `0 ≤ r < D`; `q = 2^M·hi + lo ∈ [−2^(M+h−1), 2^(M+h−1))` is an integer with
//! `|D·q + r| < 2^(M+s+h) ≤ 2^58`, and `T + p` is an integer far below `r/2` (every wire is
//! below `2^62`: rescale outputs below `2^(M+h−1) ≤ 2^33`, function table outputs clamped to
//! `2^(2s−1) ≤ 2^47`, interpolation intercepts and slopes below `2^62` (see
//! [`crate::compiler::interpolate`]); a chain of at most `2^24` terms with weights below `2^64`
//! stays below `2^150`), so the identity holds over the integers
//! and `q = ⌊(T + p)/D⌋`; as `lo ∈ [0, 2^M)`, `(hi, lo)` is the unique split of `q` at `2^M`,
//! so `sgn = [q ≥ 0]`. `p` (hidden, in the parameter column) is the bias plus the rounding
//! offset. The output `d` of `O` is `q` (linear), `q·sgn = ReLU(q)` or `sgn = [q ≥ 0]`, and is
//! a wiring table entry.

use super::{Ctx, Fix, Row, Value, Wit};

/// `q_o = q_linear + q_relu + q_step`, from the fixed columns `f` of a row: 1 on an output row
/// `O`, 0 elsewhere.
pub fn output_selector<V: Value>(f: impl Fn(Fix) -> V) -> V {
    f(Fix::QLinear) + f(Fix::QRelu) + f(Fix::QStep)
}

/// On an output row `O` (fixed columns `f`, next row `R` read through `next`), the sum its
/// rescale implies: `T = D·(2^M·hi + lo) + r − p` with `p` in `O`'s parameter column (where a
/// packed gate keeps it; see [`super::packed`]).
pub fn implied_sum<V: Value>(f: impl Fn(Fix) -> V, next: impl Fn(Wit) -> V, split: V) -> V {
    f(Fix::Div) * (split * next(Wit::C) + next(Wit::B)) + next(Wit::A) - f(Fix::Param)
}

pub fn constraints<V: Value>(r: &Row<V>, ctx: &Ctx<V>, out: &mut Vec<V>) {
    // On R: the next row's c is the chain's sum T.
    let q_here = ctx.split.clone() * r.w(Wit::C) + r.w(Wit::B);
    out.push(
        r.f(Fix::QRescale) * (r.next(Wit::C) + r.f(Fix::Param) - r.f(Fix::Div) * q_here - r.w(Wit::A)),
    );
    // On O: the next row is R.
    let q = ctx.split.clone() * r.next(Wit::C) + r.next(Wit::B);
    out.push(r.f(Fix::QLinear) * (r.w(Wit::D) - q.clone()));
    out.push(r.f(Fix::QRelu) * (r.w(Wit::D) - q * r.next(Wit::D)));
    out.push(r.f(Fix::QStep) * (r.w(Wit::D) - r.next(Wit::D)));
    out.push(output_selector(|c| r.f(c)) * (r.w(Wit::A) + r.next(Wit::A) + V::constant(1u64.into()) - r.f(Fix::Div)));
}
