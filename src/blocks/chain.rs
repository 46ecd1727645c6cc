//! Chain block: dot products, with fixed weights or between two witnesses — the matrix
//! products (Gemm, MatMul, Conv, pooling sums, any linear map) and the Hadamard products of a
//! model, one term per row.
//!
//! Relation: a chain of rows `M_0 … M_{n−1}` holds in `a` (and `b`) inputs fetched by wiring
//! lookups and in `c` the running sum `c_j = w_j·a_j + [mul_j]·a_j·b_j + c_{j+1}` (`c_{n} = 0`),
//! so `c_0 = T = Σ_j w_j·x_j + Σ_k u_k·v_k`. Weight rows hold `w_j` in the hidden parameter
//! column; product rows have `w_j = 0` and `q_mul = 1`. Identity on `H`:
//! `q_chain·(c − param·a) − q_mul·a·b − q_next·c(ωX) = 0`.

use super::{Ctx, Fix, Row, Value, Wit};

pub fn constraints<V: Value>(r: &Row<V>, _ctx: &Ctx<V>, out: &mut Vec<V>) {
    out.push(
        r.f(Fix::QChain) * (r.w(Wit::C) - r.f(Fix::Param) * r.w(Wit::A))
            - r.f(Fix::QMul) * r.w(Wit::A) * r.w(Wit::B)
            - r.f(Fix::QChainNext) * r.next(Wit::C),
    );
}
