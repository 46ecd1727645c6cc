//! Lookup block: logUp (log-derivative) over one tagged, three-column table committed in G1.
//!
//! Table rows are `t = key + γ·(value + dyn·d) + γ²·extra`: fixed range entries `(RANGE, v, 0)`,
//! sign entries `(SIGN, v, [v ≥ 0])`, function entries `(f, x, f(x))`, and wiring entries
//! `(key, d, 0)` whose value is a witness (every tensor element is a table entry under its own
//! key; a block that consumes it looks it up, so one argument does range checks, signs,
//! non-linear functions and copy constraints).
//! Three lookup slots per row: `f₁ = tag₁ + γ·a`, `f₂ = tag₂ + γ·b`, `f₃ = tag₃ + γ·c + γ²·d`.
//! Relations on `H`, with helper columns `h₁₂ = q₁/(β − f₁) + q₂/(β − f₂)`, `h₃ = q₃/(β − f₃)`
//! and running sum `φ`:
//! `h₁₂·(β − f₁)·(β − f₂) − q₁·(β − f₂) − q₂·(β − f₁) = 0`, `h₃·(β − f₃) − q₃ = 0`, and
//! `(φ(ωX) − φ(X) − h₁₂ − h₃)·(β − t) + m = 0`.
//! Slots 1 and 2 share a helper: one commitment fewer (one ecMul less on chain) for a cubic
//! term of three witness columns (`h₁₂·a·b`), which raises the quotient's degree by four.
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
    let [f1, f2, f3] = lookup_inputs(r, ctx);
    let (d1, d2) = (ctx.beta.clone() - f1, ctx.beta.clone() - f2);
    let [q1, q2, q3] = SLOT_SELECTORS.map(|q| r.f(q));
    out.push(r.w(Wit::H12) * d1.clone() * d2.clone() - q1 * d2 - q2 * d1);
    out.push(r.w(Wit::H3) * (ctx.beta.clone() - f3) - q3);
    let step = r.next(Wit::Phi) - r.w(Wit::Phi) - r.w(Wit::H12) - r.w(Wit::H3);
    out.push(step * (ctx.beta.clone() - table_entry(r, ctx)) + r.w(Wit::Mult));
}
