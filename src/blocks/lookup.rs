//! Lookup block: logUp (log-derivative) over one tagged, three-column table committed in G1.
//!
//! Table rows are `t = key + γ·(value + dyn·c) + γ²·extra`: fixed range entries `(RANGE, v, 0)`,
//! sign entries `(SIGN, v, [v ≥ 0])`, and wiring entries `(key, c, 0)` whose value is a witness
//! (every tensor element is a table entry under its own key; a block that consumes it looks
//! it up, so one argument does range checks, ReLU signs and copy constraints).
//! Three lookup slots per row: `f₁ = T1 + γ·a`, `f₂ = RANGE + γ·b`, `f₃ = SIGN + γ·c + γ²·d`.
//! Relations on `H`, with helper columns `h_k = q_k/(β − f_k)` and running sum `φ`:
//! `h_k·(β − f_k) − q_k = 0` for k = 1, 2, 3, and
//! `(φ(ωX) − φ(X) − h₁ − h₂ − h₃)·(β − t) + m = 0`.
//! The second identity holds on every row, cyclically, so summing it over `H` gives
//! `Σ_rows Σ_k q_k/(β − f_k) = Σ_rows m/(β − t)`: the multiset of looked-up tuples is contained
//! in the table (multiplicities `m`). No sum is read off a polynomial's constant term and no
//! degree bound is assumed (architecture §2.1): adding `c·Z_H` to `φ` changes nothing on `H`.

use super::{Block, Ctx, Fix, Row, Wit, TAG_RANGE, TAG_SIGN};
use ark_bn254::Fr;

pub struct LogUp;

/// The compressed table entry of a row.
pub fn table_entry(r: &Row, ctx: &Ctx) -> Fr {
    let value = r.f(Fix::TableValue) + r.f(Fix::TableDynamic) * r.w(Wit::C);
    r.f(Fix::TableKey) + ctx.gamma * (value + ctx.gamma * r.f(Fix::TableExtra))
}

/// The three compressed lookup inputs of a row.
pub fn lookup_inputs(r: &Row, ctx: &Ctx) -> [Fr; 3] {
    let g = ctx.gamma;
    [
        r.f(Fix::Tag1) + g * r.w(Wit::A),
        Fr::from(TAG_RANGE) + g * r.w(Wit::B),
        Fr::from(TAG_SIGN) + g * (r.w(Wit::C) + g * r.w(Wit::D)),
    ]
}

/// Compresses a tuple `(key, value, extra)` as the table does.
pub fn compress(key: Fr, value: Fr, extra: Fr, gamma: Fr) -> Fr {
    key + gamma * (value + gamma * extra)
}

impl Block for LogUp {
    fn name(&self) -> &'static str {
        "lookup"
    }
    fn constraints(&self, r: &Row, ctx: &Ctx, out: &mut Vec<Fr>) {
        let f = lookup_inputs(r, ctx);
        let selectors = [r.f(Fix::QLookup1), r.f(Fix::QLookup2), r.f(Fix::QLookup3)];
        let helpers = [r.w(Wit::H1), r.w(Wit::H2), r.w(Wit::H3)];
        for k in 0..3 {
            out.push(helpers[k] * (ctx.beta - f[k]) - selectors[k]);
        }
        let step = r.next(Wit::Phi) - r.w(Wit::Phi) - helpers[0] - helpers[1] - helpers[2];
        out.push(step * (ctx.beta - table_entry(r, ctx)) + r.w(Wit::Mult));
    }
}
