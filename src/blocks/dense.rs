//! Dense block: a matrix–vector product with a fixed weight matrix.
//!
//! Relation: for each output `i`, rows `M_i0 … M_i,n−1` hold `a = x_j` (the input, fetched by a
//! wiring lookup), the fixed weight `W_ij` and a running sum `c` with
//! `c_j = W_ij·x_j + c_{j+1}` (and `c_{n−1} = W_i,n−1·x_{n−1}`), so the first row holds
//! `acc_i = Σ_j W_ij·x_j`. Identity on `H`:
//! `q_dense·(c − param·a) − q_dense_next·c(ωX) = 0`.
//! The weights are only ever committed, with hiding, in the parameter column.

use super::{Block, Ctx, Fix, Row, Wit};
use ark_bn254::Fr;

pub struct Dense;

impl Block for Dense {
    fn name(&self) -> &'static str {
        "dense"
    }
    fn constraints(&self, r: &Row, _ctx: &Ctx, out: &mut Vec<Fr>) {
        out.push(r.f(Fix::QDense) * (r.w(Wit::C) - r.f(Fix::Param) * r.w(Wit::A)) - r.f(Fix::QDenseNext) * r.next(Wit::C));
    }
}
