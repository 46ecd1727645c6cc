//! Public I/O block: the model's input sits in column `c` of rows `0..n_in` and its output in
//! column `a` of rows `n_in..n_in+n_out`, equal to the public instances.
//!
//! Identity: `L_in(X)·c(X) + L_out(X)·a(X) − PI(X) = 0` on `H`, where `L_in`, `L_out` are sums of
//! Lagrange polynomials of those rows and `PI(X) = Σ_k v_k·L_k(X)`. The verifier computes all
//! three at ζ itself from the instances, so no selector is committed.

use super::{Block, Ctx, Row, Wit};
use ark_bn254::Fr;

pub struct PublicIo;

impl Block for PublicIo {
    fn name(&self) -> &'static str {
        "public_io"
    }
    fn constraints(&self, r: &Row, _ctx: &Ctx, out: &mut Vec<Fr>) {
        out.push(r.l_inputs * r.w(Wit::C) + r.l_outputs * r.w(Wit::A) - r.public);
    }
}
