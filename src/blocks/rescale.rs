//! Rescale-and-activate block: brings a product back from scale 2^(2s) to 2^s, with rounding,
//! and applies ReLU or nothing.
//!
//! Layout per output `i`: an output row `O_i`, a rescale row `R_i`, then the dense rows whose
//! first `c` is `acc_i`. On `R_i`: `a = r`, `b = lo`, `c = hi`, `d = sgn` with
//! `acc_i + bias_i + 2^(s−1) = 2^(2s)·hi + 2^s·lo + r`; the lookup block checks
//! `r, lo ∈ [0, 2^s)` and `(hi, sgn)` in the sign table (so `hi ∈ [−2^(s−1), 2^(s−1))`, `sgn = [hi ≥ 0]`).
//! The decomposition is then unique, so `q = 2^s·hi + lo = ⌊(acc + bias + 2^(s−1)) / 2^s⌋` exactly.
//! On `O_i`: `c = q·sgn` (ReLU, since `q ≥ 0 ⇔ hi ≥ 0`) or `c = q`, reading `R_i` as the next row.

use super::{Block, Ctx, Fix, Row, Wit};
use ark_bn254::Fr;

pub struct Rescale;

impl Block for Rescale {
    fn name(&self) -> &'static str {
        "rescale"
    }
    fn constraints(&self, r: &Row, ctx: &Ctx, out: &mut Vec<Fr>) {
        // On R_i: the next row's c is the dense sum and the parameter column holds the bias.
        let decomposition = r.next(Wit::C) + r.f(Fix::Param) + ctx.half
            - ctx.scale_sq * r.w(Wit::C)
            - ctx.scale * r.w(Wit::B)
            - r.w(Wit::A);
        out.push(r.f(Fix::QRescale) * decomposition);
        // On O_i: the next row is R_i, where c = hi, b = lo, d = sgn.
        let q = ctx.scale * r.next(Wit::C) + r.next(Wit::B);
        out.push(r.f(Fix::QRelu) * (r.w(Wit::C) - q * r.next(Wit::D)));
        out.push(r.f(Fix::QLinear) * (r.w(Wit::C) - q));
    }
}
