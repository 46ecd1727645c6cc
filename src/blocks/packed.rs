//! Packed block: up to [`PACK_WIDTH`] dot products that share their inputs, checked together
//! with one running sum — a matrix–vector product `y = W·x` of a dense or convolution layer costs
//! one row per input instead of one per weight.
//!
//! Relation: outputs `T_t = Σ_j W_tj·x_j` for `t = 1 … m` (`m ≤ PACK_WIDTH`). After `x` and the
//! rescales that define every `T_t` are committed (round 1), the verifier draws η, and the block
//! checks the random combination `Σ_t η^(t−1)·T_t = Σ_j u_j·x_j` with `u_j = Σ_t η^(t−1)·W_tj`;
//! a wrong `T_t` survives with probability at most `m/|F|` (Freivalds, over η).
//!
//! `u` is the column `W_1 + η·U` where `W_1` is the hidden parameter column and `U` equals
//! `Σ_{t≥2} η^(t−2)·W_t` on `H`: the weights `W_2 … W_m` sit in hidden *packed weight* columns
//! that the verifying key commits (hiding) but no proof opens; each proof sends
//! `[U'] = Σ_t η^(t−2)·[W_t]_vk + δ_U0·[Z_H] + δ_U1·[X·Z_H]` with a proof of honest
//! re-randomisation ([`crate::protocol::rerandomize`]), so `U' ≡ U` on `H` and its commitment
//! and `U'(ζ)` are fresh in every proof (architecture §2.7).
//!
//! Layout: every group sits in one region right after the public rows, followed by a spacer
//! row. A group is its input rows `X_1 … X_n` (`a = x_j`, fetched by wiring lookups), then
//! `O_1, R_1, …, O_m, R_m` (the rescale block's output and rescale rows; `T_t` is not stored but
//! read off the rescale on `O_t`: `T_t = D·q_t + r_t − p_t`, with `p_t` in the parameter column
//! of `O_t`). One running sum `s` (round 2) runs backwards over the whole region:
//! `s = u·a + s(ωX)` on `X` rows, `s = s(ωX) − T` on output rows, `s = η·s(ωX)` on rescale rows,
//! and `s = 0` everywhere else (in particular on the spacer and, through `L_pub·s(ωX) = 0`, on
//! the region's first row). Group `g` enters `s(first)` multiplied by `η^(k_g)`, `k_g` the number
//! of outputs before it, so `0 = s(first) = Σ_g η^(k_g)·Σ_t η^(t−1)·(Σ_j W_tj·x_j − T_t)`: one
//! Freivalds check over every packed output of the model, at no extra selector for the
//! boundaries. (Output rows of unpacked gates satisfy the output-row identity with a free `s`,
//! which no other identity reads.)
//! Identities on `H`, with `q_o = q_linear + q_relu + q_step`:
//! `q_x·(s − (p + η·U)·a − s(ωX)) + q_o·(s − s(ωX) + D·(2^S·c(ωX) + b(ωX)) + a(ωX) − p)
//!  + q_r·(s − η·s(ωX)) = 0`, `(1 − q_x − q_o − q_r)·s = 0` and `L_pub·s(ωX) = 0`.

use super::rescale::{implied_sum, output_selector};
use super::{freivalds, Ctx, Fix, Row, Value, Wit};
use ark_bn254::Fr;
use ark_ff::{One, Zero};

/// Most outputs one group packs (the packed weight columns hold outputs 2 … `PACK_WIDTH`).
pub const PACK_WIDTH: usize = 16;

/// Group widths the compiler tries, narrowest first (0: no packing): it keeps the narrowest
/// that gives the smallest domain, so a model packs only where that shrinks `N`. Every packed
/// weight column a model uses costs the verifier a G1 multiplication (about 6.2k gas) and
/// packing at all costs the second re-randomisation check and `U'` (about 25k); unused columns
/// commit to the point at infinity and cost nothing.
pub const PACK_WIDTHS: [usize; 5] = [0, 2, 4, 8, PACK_WIDTH];

pub fn constraints<V: Value>(r: &Row<V>, ctx: &Ctx<V>, out: &mut Vec<V>) {
    let s = r.w(Wit::S);
    let s_next = r.next(Wit::S);
    let u = r.f(Fix::Param) + ctx.eta.clone() * r.w(Wit::U);
    let t = implied_sum(|c| r.f(c), |c| r.next(c), ctx.split.clone());
    let q_o = output_selector(|c| r.f(c));
    out.push(
        r.f(Fix::QPackX) * (s.clone() - u * r.w(Wit::A) - s_next.clone())
            + q_o.clone() * (s.clone() - s_next.clone() + t)
            + r.f(Fix::QPackR) * (s.clone() - ctx.eta.clone() * s_next.clone()),
    );
    let region = r.f(Fix::QPackX) + q_o + r.f(Fix::QPackR) + freivalds::region_selector(|c| r.f(c));
    out.push((V::constant(Fr::one()) - region) * s);
    out.push((r.l_inputs.clone() + r.l_outputs.clone()) * s_next);
}

/// The prover's running sum `s` over `H`, built backwards from the identities above and
/// the matrix-product block's [`freivalds::sum_step`]. `wit` holds the round-1 columns (indexed by [`Wit`]), `u` the
/// combined packed weights on `H`, `(mx, mw)` the matrix-product block's Horner columns.
pub fn running_sum(fixed: &[Vec<Fr>], wit: &[Vec<Fr>], u: &[Fr], (mx, mw): (&[Fr], &[Fr]), ctx: &Ctx<Fr>) -> Vec<Fr> {
    let n = u.len();
    let mut s = vec![Fr::zero(); n];
    // The region never wraps around H (a spacer row with s = 0 ends it), and an output row is
    // never last, so the last row's successor never matters.
    for r in (0..n.saturating_sub(1)).rev() {
        let next = s[r + 1];
        let here = |c: Fix| fixed[c as usize][r];
        s[r] = if here(Fix::QPackX).is_one() {
            (here(Fix::Param) + ctx.eta * u[r]) * wit[Wit::A as usize][r] + next
        } else if output_selector(here).is_one() {
            next - implied_sum(here, |c| wit[c as usize][r + 1], ctx.split)
        } else if here(Fix::QPackR).is_one() {
            ctx.eta * next
        } else if here(Fix::QMatP).is_one() {
            next + mx[r + 1] * mw[r + 1]
        } else if (here(Fix::QMatX) + here(Fix::QMatW) + here(Fix::QMatZ)).is_one() {
            next
        } else {
            Fr::zero()
        };
    }
    s
}
