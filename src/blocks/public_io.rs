//! Public I/O block: the model's input sits in column `d` of rows `0..n_in` (each a wiring
//! table entry) and its output in column `a` of rows `n_in..n_in+n_out` (each looked up), equal
//! to the public instances.
//!
//! Identity: `L_in(X)·d(X) + L_out(X)·a(X) − PI(X) = 0` on `H`, where `L_in`, `L_out` are sums of
//! Lagrange polynomials of those rows and `PI(X) = Σ_k v_k·L_k(X)`. The verifier computes all
//! three at ζ itself from the instances, so no selector is committed.

use super::{Ctx, Row, Value, Wit};

pub fn constraints<V: Value>(r: &Row<V>, _ctx: &Ctx<V>, out: &mut Vec<V>) {
    out.push(r.l_inputs.clone() * r.w(Wit::D) + r.l_outputs.clone() * r.w(Wit::A) - r.public.clone());
}
