//! Lookup block: logUp (log-derivative) over one tagged, three-column table committed in G1.
//!
//! Table rows are `t = key + γ·(value + dyn·d) + γ²·extra`: fixed range entries `(RANGE, v, 0)`,
//! sign entries `(SIGN, v, [v ≥ 0])`, function entries `(f, x, f(x))`, and wiring entries
//! `(key, d, 0)` whose value is a witness (every tensor element is a table entry under its own
//! key; a block that consumes it looks it up, so one argument does range checks, signs,
//! non-linear functions and copy constraints).
//! Three lookup slots per row: `f₁ = tag₁ + γ·a`, `f₂ = tag₂ + γ·b`, `f₃ = tag₃ + γ·c + γ²·d`.
//! Relations on `H`, with helper columns `h_k = q_k/(β − f_k)` and running sum `φ`:
//! `h_k·(β − f_k) − q_k = 0` for k = 1, 2, 3, and
//! `(φ(ωX) − φ(X) − h₁ − h₂ − h₃)·(β − t) + m = 0`.
//! The second identity holds on every row, cyclically, so summing it over `H` gives
//! `Σ_rows Σ_k q_k/(β − f_k) = Σ_rows m/(β − t)`: the multiset of looked-up tuples is contained
//! in the table (multiplicities `m`). No sum is read off a polynomial's constant term and no
//! degree bound is assumed (architecture §2.1): adding `c·Z_H` to `φ` changes nothing on `H`.

use super::{Ctx, Fix, Row, Value, Wit};

/// The compressed table entry of a row.
pub fn table_entry<V: Value>(r: &Row<V>, ctx: &Ctx<V>) -> V {
    let value = r.f(Fix::TableValue) + r.f(Fix::TableDynamic) * r.w(Wit::D);
    r.f(Fix::TableKey) + ctx.gamma.clone() * (value + ctx.gamma.clone() * r.f(Fix::TableExtra))
}

/// The three compressed lookup inputs of a row.
pub fn lookup_inputs<V: Value>(r: &Row<V>, ctx: &Ctx<V>) -> [V; 3] {
    let g = ctx.gamma.clone();
    [
        r.f(Fix::Tag1) + g.clone() * r.w(Wit::A),
        r.f(Fix::Tag2) + g.clone() * r.w(Wit::B),
        r.f(Fix::Tag3) + g.clone() * (r.w(Wit::C) + g * r.w(Wit::D)),
    ]
}

/// Selectors of the three slots.
pub const SLOT_SELECTORS: [Fix; 3] = [Fix::QLookup1, Fix::QLookup2, Fix::QLookup3];

/// Compresses a tuple `(key, value, extra)` as the table does.
pub fn compress<V: Value>(key: V, value: V, extra: V, gamma: V) -> V {
    key + gamma.clone() * (value + gamma * extra)
}

pub fn constraints<V: Value>(r: &Row<V>, ctx: &Ctx<V>, out: &mut Vec<V>) {
    let f = lookup_inputs(r, ctx);
    let helpers = [r.w(Wit::H1), r.w(Wit::H2), r.w(Wit::H3)];
    for k in 0..3 {
        out.push(helpers[k].clone() * (ctx.beta.clone() - f[k].clone()) - r.f(SLOT_SELECTORS[k]));
    }
    let step = r.next(Wit::Phi) - r.w(Wit::Phi) - helpers[0].clone() - helpers[1].clone() - helpers[2].clone();
    out.push(step * (ctx.beta.clone() - table_entry(r, ctx)) + r.w(Wit::Mult));
}
