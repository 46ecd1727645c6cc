//! Matrix-product block: `Y = X·W` (a witness `X` of `T×d` times a hidden weight matrix `W` of
//! `d×d'`) or `Y = X·Z` (two witnesses), checked by Freivalds' random-vector test over the whole
//! matrices, so it costs rows linear in the three matrices (`T·d + d·d' + d`, and the rescale rows
//! of `Y` every output has anyway) instead of one per multiply-accumulate.
//!
//! Relation: with `η` the packing challenge (drawn after every round-1 column) and
//! `μ = η^S` (`S` = [`super::Ctx::mu`]'s stride, a VK constant with `S ≥ T`), the block shows
//! `Σ_{t,j} η^(t + S·j)·Y_tj = Σ_k x̃_k·r_k` with `x̃_k = Σ_t η^t·X_tk` and
//! `r_k = Σ_j μ^j·W_kj`, i.e. `uᵀ·Y·v = (uᵀ·X)·(W·v)` for `u_t = η^t`, `v_j = η^(S·j)`. As the
//! exponents `t + S·j` are distinct, a wrong `Y` (any entry) leaves a non-zero polynomial in `η`
//! of degree `< S·d' ≤ N`: it survives with probability at most `N/|F|` (Schwartz–Zippel).
//!
//! Layout, per product, inside the running-sum region of [`super::packed`] (after its groups):
//! for every `k < d`: a product row `P_k`, the `T` input rows `X_{0,k} … X_{T−1,k}` (`a = X_tk`,
//! fetched by a wiring lookup; an entry the model makes a constant has no lookup and counts as
//! 0, its contribution is in the output's offset), then the `d'` weight rows `W_{k,0} …`
//! (`param = W_kj`, the hidden parameter column) or, for a witness right operand, rows with
//! `a = Z_kj` fetched like the inputs. Then the outputs `Y_tj` as rescale gates (`O, R` rows;
//! `Y` is read off the rescale as in the packed block) in column-major order, each column of
//! `Y` followed by `S − T` rows that only multiply the sum by `η`.
//! Two round-2 columns carry the Horner sums: `mx` (over input rows: `mx = a + η·mx(ωX)`, zero
//! elsewhere, so `mx = x̃_k` on `X_{0,k}`) and `mw` (over weight rows: `mw = param + μ·mw(ωX)`,
//! or `a + μ·mw(ωX)` for a witness operand; on input rows `mw = mw(ωX)`; zero elsewhere, so
//! `mw = r_k` on every input row of `k`). The region's running sum `s` passes input and weight
//! rows unchanged and adds `mx(ωX)·mw(ωX) = x̃_k·r_k` on `P_k`; output rows subtract `Y_tj`,
//! rescale rows multiply by `η`, and `s = 0` on the region's first row closes the check.
//! Identities on `H` (`q_l = q_lookup1`):
//! `q_x·(mx − q_l·a − η·mx(ωX)) = 0`, `(1 − q_x)·mx = 0`,
//! `q_x·(mw − mw(ωX)) + q_w·(mw − param − μ·mw(ωX)) + q_z·(mw − q_l·a − μ·mw(ωX)) = 0`,
//! `(1 − q_x − q_w − q_z)·mw = 0`, and the running-sum step [`sum_step`].
//!
//! Hiding: `W` sits in the parameter column, which is opened only at ζ after re-randomisation;
//! `mx` and `mw` are witness columns with the usual four blinders (revealed at τ, ζ, ζω and ωτ).
//! Nothing is opened inside `H`.

use super::{Ctx, Fix, Row, Value, Wit};
use ark_bn254::Fr;
use ark_ff::{One, Zero};

/// The block's round-2 columns. A circuit without matrix products commits them as the point
/// at infinity (they are zero on `H` and hide nothing), and both verifiers take them as such.
pub const COLUMNS: [Wit; 2] = [Wit::MatX, Wit::MatW];

/// The selectors of the rows on which the running sum passes unchanged or takes a product
/// (the region identity `(1 − Σ q)·s = 0` of [`super::packed`] leaves these rows to this block).
pub fn region_selector<V: Value>(f: impl Fn(Fix) -> V) -> V {
    f(Fix::QMatX) + f(Fix::QMatW) + f(Fix::QMatZ) + f(Fix::QMatP)
}

/// The running sum's step on this block's rows: `s = s(ωX)` on input and weight rows,
/// `s = s(ωX) + mx(ωX)·mw(ωX)` on product rows (the packed block's identity covers the others).
pub fn sum_step<V: Value>(r: &Row<V>) -> V {
    let step = r.w(Wit::S) - r.next(Wit::S);
    (r.f(Fix::QMatX) + r.f(Fix::QMatW) + r.f(Fix::QMatZ)) * step.clone()
        + r.f(Fix::QMatP) * (step - r.next(Wit::MatX) * r.next(Wit::MatW))
}

pub fn constraints<V: Value>(r: &Row<V>, ctx: &Ctx<V>, out: &mut Vec<V>) {
    let one = V::constant(Fr::one());
    let looked_up = r.f(Fix::QLookup1) * r.w(Wit::A);
    let (mx, mw) = (r.w(Wit::MatX), r.w(Wit::MatW));
    let (mx_next, mw_next) = (r.next(Wit::MatX), r.next(Wit::MatW));
    out.push(r.f(Fix::QMatX) * (mx.clone() - looked_up.clone() - ctx.eta.clone() * mx_next));
    out.push((one.clone() - r.f(Fix::QMatX)) * mx);
    out.push(
        r.f(Fix::QMatX) * (mw.clone() - mw_next.clone())
            + r.f(Fix::QMatW) * (mw.clone() - r.f(Fix::Param) - ctx.mu.clone() * mw_next.clone())
            + r.f(Fix::QMatZ) * (mw.clone() - looked_up - ctx.mu.clone() * mw_next),
    );
    out.push((one - r.f(Fix::QMatX) - r.f(Fix::QMatW) - r.f(Fix::QMatZ)) * mw);
    out.push(sum_step(r));
}

/// The prover's Horner columns `(mx, mw)` over `H`, built backwards from the identities above
/// (`wit` holds the round-1 columns, indexed by [`Wit`]).
pub fn horner_columns(fixed: &[Vec<Fr>], wit: &[Vec<Fr>], ctx: &Ctx<Fr>) -> (Vec<Fr>, Vec<Fr>) {
    let n = fixed[0].len();
    let mut mx = vec![Fr::zero(); n];
    let mut mw = vec![Fr::zero(); n];
    let on = |c: Fix, r: usize| fixed[c as usize][r].is_one();
    // The region never wraps around H, so the last row (never one of this block's) stays zero.
    for r in (0..n.saturating_sub(1)).rev() {
        let looked_up = if on(Fix::QLookup1, r) { wit[Wit::A as usize][r] } else { Fr::zero() };
        if on(Fix::QMatX, r) {
            mx[r] = looked_up + ctx.eta * mx[r + 1];
            mw[r] = mw[r + 1];
        } else if on(Fix::QMatW, r) {
            mw[r] = fixed[Fix::Param as usize][r] + ctx.mu * mw[r + 1];
        } else if on(Fix::QMatZ, r) {
            mw[r] = looked_up + ctx.mu * mw[r + 1];
        }
    }
    (mx, mw)
}
