//! The prover. Every witness column is blinded with a random multiple of `Z_H` of
//! [`WITNESS_BLINDERS`] coefficients (its values on `H` are unchanged), committed, and the rounds
//! follow [`super`]'s schedule. Commitments, FFTs and the quotient evaluation run in parallel
//! (rayon).
//!
//! Zero knowledge for the weights: the VK commits to the parameter column `P` with hiding
//! `s₀·[Z_H] + s₁·[X·Z_H]`. Each proof re-randomises it with two fresh blinders and proves so
//! ([`super::rerandomize`]), and opens the re-randomised `P'` instead: its commitment and its
//! value at ζ are uniform whatever the weights. The packed weight columns are never opened one
//! by one: each proof sends their η-combination `U'`, re-randomised the same way, and opens `U'`.
//! The argument is written down in docs/design.md ("Zero knowledge").

use super::keys::{vanishing_multiple_commitment, ProvingKey};
use super::proof::Proof;
use super::rerandomize::Rerandomized;
use super::{coset_offset, VerifyingKey, HIDING_BLINDERS, WITNESS_BLINDERS};
use crate::blocks::{self, Ctx, Fix, Row, Wit, NEXT_ROW, NUM_FIXED, NUM_WITNESS, ROUND1, ROUND2};
use crate::compiler::witness::Witness;
use crate::compiler::Circuit;
use crate::pcs;
use crate::pcs::multiopen::Poly;
use crate::profile::Profile;
use crate::transcript::Transcript;
use crate::{Error, Result};
use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{Field, One, UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_std::rand::RngCore;
use rayon::prelude::*;
use std::borrow::Cow;

/// Random coefficients of one witness column's multiple of `Z_H`.
type Blind = [Fr; WITNESS_BLINDERS];

/// Interpolates `values` over `H` and adds `Z_H·Σ_k b_k·X^k`.
fn interpolate_blinded(domain: &Radix2EvaluationDomain<Fr>, values: &[Fr], blind: &[Fr]) -> Vec<Fr> {
    if values.iter().chain(blind).all(Fr::is_zero) {
        return Vec::new(); // the zero polynomial (a column of an unused block)
    }
    let mut coeffs = domain.ifft(values);
    add_vanishing_multiples(&mut coeffs, domain.size(), blind);
    coeffs
}

/// `f += Z_H·Σ_k b_k·X^k = Σ_k b_k·(X^(n+k) − X^k)` (its values on `H` are unchanged).
fn add_vanishing_multiples(f: &mut Vec<Fr>, n: usize, blind: &[Fr]) {
    if f.len() < n + blind.len() {
        f.resize(n + blind.len(), Fr::zero());
    }
    for (k, b) in blind.iter().enumerate() {
        f[k] -= b;
        f[n + k] += b;
    }
}

/// Commits to the columns of [`interpolate_blinded`] from their values: `Σ v_i·[L_i(τ)]` (small
/// or zero values make a cheap MSM) plus the commitment of the blinding multiple of `Z_H`.
/// One column at a time: each MSM is parallel inside, and an outer parallel loop would keep
/// every MSM's buffers alive at once (see `keys::setup`).
fn commit_columns(pk: &ProvingKey, values: &[Vec<Fr>], blinds: &[Blind]) -> Vec<G1Affine> {
    let (g1, n) = (&pk.srs.g1, pk.lagrange.len());
    values
        .iter()
        .zip(blinds)
        .map(|(v, b)| (G1Projective::msm_unchecked(&pk.lagrange, v) + vanishing_multiple_commitment(g1, n, b)).into_affine())
        .collect()
}

impl<'a> From<&'a Circuit> for Cow<'a, Circuit> {
    fn from(c: &'a Circuit) -> Self {
        Cow::Borrowed(c)
    }
}

impl<'a> From<&'a Witness> for Cow<'a, Witness> {
    fn from(w: &'a Witness) -> Self {
        Cow::Borrowed(w)
    }
}

/// The public instances as field elements: the quantized input, then the quantized output.
pub fn instances(witness: &Witness) -> Vec<Fr> {
    witness.instances.clone()
}

/// The public-I/O polynomials' values on `H`: (L_in, L_out, PI).
pub(crate) fn public_columns(n: usize, num_inputs: usize, instances: &[Fr]) -> [Vec<Fr>; 3] {
    let mut l_in = vec![Fr::zero(); n];
    let mut l_out = vec![Fr::zero(); n];
    let mut pi = vec![Fr::zero(); n];
    for (k, v) in instances.iter().enumerate() {
        if k < num_inputs { l_in[k] = Fr::one() } else { l_out[k] = Fr::one() }
        pi[k] = *v;
    }
    [l_in, l_out, pi]
}

/// The [`Row`] at point `t` of columns evaluated on one set of points (`H` or a coset of it);
/// `next` is the point one row further. An empty column is zero everywhere.
fn row_at<W: AsRef<[Fr]>, F: AsRef<[Fr]>, P: AsRef<[Fr]>>(wit: &[W], fixed: &[F], public: &[P], t: usize, next: usize) -> Row<Fr> {
    let at = |c: &[Fr], t: usize| c.get(t).copied().unwrap_or_default();
    Row {
        wit: std::array::from_fn(|k| at(wit[k].as_ref(), t)),
        wit_next: std::array::from_fn(|k| at(wit[k].as_ref(), next)),
        fixed: std::array::from_fn(|k| at(fixed[k].as_ref(), t)),
        l_inputs: at(public[0].as_ref(), t),
        l_outputs: at(public[1].as_ref(), t),
        public: at(public[2].as_ref(), t),
    }
}

/// Checks every constraint on every row of `H` (cheap, and it names the failing block and row
/// instead of letting an unsatisfied witness become an invalid proof).
fn check_on_domain(wit: &[Vec<Fr>], fixed: &[Vec<Fr>], public: &[Vec<Fr>; 3], ctx: &Ctx<Fr>) -> Result<()> {
    let n = fixed[0].len();
    (0..n).into_par_iter().try_for_each_init(Vec::new, |out, r| {
        blocks::evaluate_constraints(&row_at(wit, fixed, public, r, (r + 1) % n), ctx, out);
        match out.iter().position(|c| !c.is_zero()) {
            None => Ok(()),
            Some(k) => Err(Error::Rejected(format!(
                "internal error: constraint {k} ({}) fails on row {r}",
                blocks::constraint_block(k)
            ))),
        }
    })
}

/// Cosets of `H` the quotient is evaluated on: `T = C/Z_H` has degree at most `2n + 9 < 3n`
/// ([`super::keys::quotient_len`]), so its values on three cosets determine it.
const QUOTIENT_COSETS: usize = 3;

/// The quotient `T = Σ α^k·C_k / Z_H` (`3n` coefficients) from the columns' coefficients
/// (witness, fixed, public, in [`row_at`] order; an empty column is zero). On the coset
/// `c_j·H`, `c_j = g·ω₄ₙ^j`, the columns are evaluated one coset at a time (the next row of
/// point `t` is point `t + 1` of the same coset) and `T`'s values there interpolate to
/// `A_j = T_0 + a_j·T_1 + a_j²·T_2` with `a_j = c_j^n` and `T = T_0 + X^n·T_1 + X^{2n}·T_2`
/// (`X^n` is the constant `a_j` on `c_j·H`); the three `A_j` give the `T_m` by inverting the
/// Vandermonde matrix of the `a_j`.
fn quotient_from_cosets(columns: &[&[Fr]], domain: &Radix2EvaluationDomain<Fr>, ctx: &Ctx<Fr>, alpha: Fr) -> Vec<Fr> {
    let n = domain.size();
    let (f0, p0) = (NUM_WITNESS, NUM_WITNESS + NUM_FIXED);
    let omega_4n = Radix2EvaluationDomain::<Fr>::new(4 * n).expect("power-of-two domain").group_gen();
    let offsets: Vec<Fr> = (0..QUOTIENT_COSETS).map(|j| coset_offset() * omega_4n.pow([j as u64])).collect();
    let mut parts = Vec::with_capacity(QUOTIENT_COSETS);
    for c in &offsets {
        let c_n = c.pow([n as u64]);
        let sub = domain.get_coset(*c).expect("coset of H");
        // f(c·ω^t) = Σ_{k<n} (f_k + c^n·f_{k+n})·c^k·ω^{tk}: fold the few coefficients above n.
        let ev: Vec<Vec<Fr>> = columns
            .par_iter()
            .map(|p| {
                // All-zero columns (unused blocks) are zero on every coset: no transform.
                if p.iter().all(Fr::is_zero) {
                    return Vec::new();
                }
                let mut folded = p[..n.min(p.len())].to_vec();
                for (k, hi) in p.iter().enumerate().skip(n) {
                    folded[k - n] += c_n * hi;
                }
                sub.fft(&folded)
            })
            .collect();
        // Z_H(c·ω^t) = c^n − 1 on the whole coset.
        let z_inv = (c_n - Fr::one()).inverse().expect("the coset avoids H");
        let values: Vec<Fr> = (0..n)
            .into_par_iter()
            .map_init(Vec::new, |out, t| {
                let row = row_at(&ev[..f0], &ev[f0..p0], &ev[p0..], t, (t + 1) % n);
                blocks::evaluate_constraints(&row, ctx, out);
                blocks::combine(out, alpha) * z_inv
            })
            .collect();
        drop(ev);
        parts.push(sub.ifft(&values));
    }
    let inverse = vandermonde_inverse(&offsets.iter().map(|c| c.pow([n as u64])).collect::<Vec<_>>());
    let mut quotient = vec![Fr::zero(); QUOTIENT_COSETS * n];
    quotient.par_chunks_mut(n).zip(&inverse).for_each(|(t_m, row)| {
        t_m.par_iter_mut().enumerate().for_each(|(i, c)| *c = row.iter().zip(&parts).map(|(v, a)| *v * a[i]).sum());
    });
    quotient
}

/// The inverse of the Vandermonde matrix `V_jm = a_j^m`: row `m` holds the coefficients of
/// `X^m` in the Lagrange polynomials `ℓ_j` of the points `a_j`.
fn vandermonde_inverse(points: &[Fr]) -> Vec<Vec<Fr>> {
    let k = points.len();
    let mut inverse = vec![vec![Fr::zero(); k]; k];
    for (j, a_j) in points.iter().enumerate() {
        // ℓ_j = Π_{i≠j} (X − a_i)/(a_j − a_i), built coefficient by coefficient.
        let mut coeffs = vec![Fr::one()];
        let mut denominator = Fr::one();
        for (i, a_i) in points.iter().enumerate().filter(|(i, _)| *i != j) {
            let mut next = vec![Fr::zero(); coeffs.len() + 1];
            for (d, c) in coeffs.iter().enumerate() {
                next[d + 1] += c;
                next[d] -= *a_i * c;
            }
            coeffs = next;
            denominator *= *a_j - points[i];
        }
        let scale = denominator.inverse().expect("distinct points");
        for (m, c) in coeffs.iter().enumerate() {
            inverse[m][j] = *c * scale;
        }
    }
    inverse
}

/// Proves that `witness` (computed by `circuit`) satisfies the circuit the keys were made for.
pub fn prove(
    pk: &ProvingKey,
    vk: &VerifyingKey,
    circuit: &Circuit,
    witness: &Witness,
    rng: &mut impl RngCore,
) -> Result<Proof> {
    prove_with(pk, vk, circuit, witness, rng, true, &mut Profile::default())
}

/// [`prove`], also returning where the time went. The circuit and the witness are handed over:
/// their values on `H` are released as soon as only coefficients are read (the fixed values,
/// packed weights and round-1 columns, about 1 KB per row of the prover's peak).
pub fn prove_profiled(
    pk: &ProvingKey,
    vk: &VerifyingKey,
    circuit: Circuit,
    witness: Witness,
    rng: &mut impl RngCore,
    profile: &mut Profile,
) -> Result<Proof> {
    prove_with(pk, vk, Cow::Owned(circuit), Cow::Owned(witness), rng, true, profile)
}

/// Test-only rewrites of what the honest prover computes, for soundness tests that play a
/// cheating prover (set on the test's thread, cleared after).
#[cfg(test)]
#[derive(Default)]
pub(crate) struct Cheats {
    /// The logUp helpers `[h₁₂, h₃]` (given β, γ), before φ is summed from them.
    pub helpers: Option<Box<dyn FnMut(&mut [Vec<Fr>], &Ctx<Fr>)>>,
    /// The evaluations at ζ before they are sent, given those at ζω, the quotient's value at ζ
    /// and the challenges drawn so far (`e`, `e_packed`, `nu`, `z` left zero).
    pub evals: Option<Box<dyn FnMut(&mut [Fr], &[Fr], Fr, &super::verifier::Challenges)>>,
}

#[cfg(test)]
thread_local! {
    pub(crate) static CHEATS: std::cell::RefCell<Cheats> = std::cell::RefCell::new(Cheats::default());
}

/// The prover with its self-checks optional: soundness tests switch them off to play a
/// cheating prover who commits to a bad witness and a quotient truncated to fit (and, through
/// [`CHEATS`], rewrites values the honest prover computes).
pub(crate) fn prove_with<'c, 'w>(
    pk: &ProvingKey,
    vk: &VerifyingKey,
    circuit: impl Into<Cow<'c, Circuit>>,
    witness: impl Into<Cow<'w, Witness>>,
    rng: &mut impl RngCore,
    self_check: bool,
    profile: &mut Profile,
) -> Result<Proof> {
    let (mut circuit, witness) = (circuit.into(), witness.into());
    if pk.fingerprint != circuit.fingerprint() {
        return Err(Error::KeyMismatch("the model does not match the one the keys were made for".into()));
    }
    let n = circuit.domain_size;
    let domain = Radix2EvaluationDomain::<Fr>::new(n).expect("power-of-two domain");
    let srs = &pk.srs;
    let instances = instances(&witness);
    let mut transcript = Transcript::new(&vk.digest());
    super::instances::absorb(&mut transcript, &instances);

    // Blinding coefficients are drawn up front, in a fixed order, so a seeded rng gives the
    // same proof whatever the thread count.
    let mut blinds: Vec<Blind> =
        (0..ROUND1.len() + ROUND2.len()).map(|_| std::array::from_fn(|_| Fr::rand(rng))).collect();
    // Without matrix products their columns are zero and committed as infinity (the verifiers
    // take them so).
    if vk.matrix_products_unused() {
        for c in blocks::freivalds::COLUMNS {
            blinds[c as usize] = [Fr::zero(); WITNESS_BLINDERS];
        }
    }

    // Re-randomised parameter commitment and the proof that it differs by hiding only.
    let param_vk = vk.param_commitment.into_group();
    let (param, param_delta) = Rerandomized::prove(&mut transcript, param_vk, &vk.hiding_bases, rng);

    // Round 1: a, b, c, d, m.
    let mut values: Vec<Vec<Fr>> = witness.into_owned().columns;
    let mut polys: Vec<Vec<Fr>> = values
        .par_iter()
        .zip(&blinds[..ROUND1.len()])
        .map(|(v, b)| interpolate_blinded(&domain, v, b))
        .collect();
    let round1 = commit_columns(pk, &values, &blinds[..ROUND1.len()]);
    round1.iter().for_each(|c| transcript.absorb_point(c));
    profile.lap("round 1: interpolate and commit a, b, c, d, m");
    let beta = transcript.challenge();
    let gamma = transcript.challenge();
    let eta = transcript.challenge();
    let ctx = Ctx::new(circuit.limbs, circuit.stride, beta, gamma, eta);

    // Round 2: logUp helpers and running sum.
    let fixed = &circuit.fixed;
    // Round-2 columns do not exist yet: rows carry only what the lookup expressions read.
    let round1_row = |r: usize, wit: &[Vec<Fr>]| Row {
        wit: std::array::from_fn(|k| wit.get(k).map_or(Fr::zero(), |c| c[r])),
        fixed: std::array::from_fn(|k| fixed[k][r]),
        ..Row::default()
    };
    // Per row: β − f₁, β − f₂, β − f₃, β − t, inverted in one batch.
    let mut inverses: Vec<Fr> = (0..n)
        .into_par_iter()
        .flat_map_iter(|r| {
            let row = round1_row(r, &values);
            let f = blocks::lookup::lookup_inputs(&row, &ctx);
            [beta - f[0], beta - f[1], beta - f[2], beta - blocks::lookup::table_entry(&row, &ctx)]
        })
        .collect();
    if inverses.iter().any(|d| d.is_zero()) {
        return Err(Error::Rejected("unlucky lookup challenge; prove again".into()));
    }
    ark_ff::batch_inversion(&mut inverses);
    let selectors = blocks::lookup::SLOT_SELECTORS;
    // h₁₂ = q₁/(β − f₁) + q₂/(β − f₂), h₃ = q₃/(β − f₃) (slot k's inverse at 4r + k).
    let mut helpers = vec![vec![Fr::zero(); n]; 2];
    for r in 0..n {
        for k in 0..3 {
            if fixed[selectors[k] as usize][r].is_one() {
                helpers[k / 2][r] += inverses[4 * r + k];
            }
        }
    }
    #[cfg(test)]
    CHEATS.with(|c| c.borrow_mut().helpers.as_mut().map(|f| f(&mut helpers, &ctx)));
    let mut phi = vec![Fr::zero(); n];
    let mut running = Fr::zero();
    for r in 0..n {
        phi[r] = running;
        running += helpers[0][r] + helpers[1][r] - values[Wit::Mult as usize][r] * inverses[4 * r + 3];
    }
    if self_check && !running.is_zero() {
        return Err(Error::Rejected("internal error: a looked-up value is not in the table".into()));
    }
    // The packed weights combined with powers of η, and the packed block's running sum.
    let eta_powers = pcs::powers(eta, circuit.packed_weights.len());
    let packed_values: Vec<Fr> = (0..n)
        .into_par_iter()
        .map(|r| circuit.packed_weights.iter().zip(&eta_powers).map(|(w, e)| w[r] * e).sum())
        .collect();
    let (mx, mw) = blocks::freivalds::horner_columns(fixed, &values, &ctx);
    let running = blocks::packed::running_sum(fixed, &values, &packed_values, (&mx, &mw), &ctx);
    let round2_values = [helpers.remove(0), helpers.remove(0), phi, running, mx, mw];
    let round2_polys: Vec<Vec<Fr>> =
        round2_values.par_iter().zip(&blinds[ROUND1.len()..]).map(|(v, b)| interpolate_blinded(&domain, v, b)).collect();
    let round2 = commit_columns(pk, &round2_values, &blinds[ROUND1.len()..]);
    round2.iter().for_each(|c| transcript.absorb_point(c));
    // U' = Σ η^t·W_t + (Σ η^t·s_t + δ_U)·(Z_H, X·Z_H): its commitment is the VK's combined,
    // re-randomised, no MSM over H.
    // Without packed groups no constraint reads U: it is the zero polynomial, committed as
    // infinity with nothing to re-randomise (the verifiers take it so).
    let (packed, packed_blind) = if vk.reads_packed_weights() {
        let packed_vk = super::verifier::combined_packed_commitment(vk, eta);
        let (packed, packed_delta) = Rerandomized::prove(&mut transcript, packed_vk, &vk.hiding_bases, rng);
        let blind: [Fr; HIDING_BLINDERS] = std::array::from_fn(|k| {
            pk.packed_blinds.iter().zip(&eta_powers).map(|(s, e)| s[k] * e).sum::<Fr>() + packed_delta[k]
        });
        (packed, blind)
    } else {
        (Rerandomized::absent(&mut transcript), [Fr::zero(); HIDING_BLINDERS])
    };
    let mut packed_poly = domain.ifft(&packed_values);
    add_vanishing_multiples(&mut packed_poly, n, &packed_blind);
    values.extend(round2_values);
    values.push(packed_values);
    polys.extend(round2_polys);
    polys.push(packed_poly);
    profile.lap("round 2: logUp helpers, running sum and Horner sums, commit");
    let alpha = transcript.challenge();

    let public = public_columns(n, circuit.num_inputs, &instances);
    if self_check {
        check_on_domain(&values, fixed, &public, &ctx)?;
    }
    // From here on only coefficients are used.
    drop(values);

    profile.lap("self-check of every constraint on H");
    // Round 3: the quotient ([`quotient_from_cosets`]).
    // Unused columns (selectors of blocks a model does not use) stay empty: no transform and no
    // memory (an empty polynomial is zero; `row_at`, the evaluations and the openings read it so).
    let ifft = |c: &Vec<Fr>| if c.iter().all(Fr::is_zero) { Vec::new() } else { domain.ifft(c) };
    let mut fixed_polys: Vec<Vec<Fr>> = fixed.par_iter().map(ifft).collect();
    let param_blind: [Fr; HIDING_BLINDERS] = std::array::from_fn(|k| pk.param_blind[k] + param_delta[k]);
    add_vanishing_multiples(&mut fixed_polys[Fix::Param as usize], n, &param_blind);
    let public_polys: Vec<Vec<Fr>> = public.par_iter().map(|c| domain.ifft(c)).collect();
    if let Cow::Owned(c) = &mut circuit {
        c.release_values();
    }
    let columns: Vec<&[Fr]> = polys.iter().chain(&fixed_polys).chain(&public_polys).map(|p| p.as_slice()).collect();
    let mut quotient = quotient_from_cosets(&columns, &domain, &ctx, alpha);
    profile.lap("quotient: columns and constraints on three cosets, interpolated");
    let degree_bound = super::keys::quotient_len(n);
    if self_check && quotient[degree_bound..].iter().any(|c| !c.is_zero()) {
        return Err(Error::Rejected("internal error: the quotient is not a polynomial".into()));
    }
    quotient.truncate(degree_bound);
    let quotient_commitment = srs.commit(&quotient)?;
    transcript.absorb_point(&quotient_commitment);
    profile.lap("quotient: commit");
    let zeta = transcript.challenge();
    if domain.evaluate_vanishing_polynomial(zeta).is_zero() {
        return Err(Error::Rejected("unlucky evaluation point; prove again".into()));
    }
    let zeta_next = zeta * domain.group_gen();

    // Evaluations, then one multi-point opening of every commitment (`pcs::multiopen`).
    let at_zeta: Vec<&[Fr]> = polys.iter().chain(&fixed_polys).map(|p| p.as_slice()).collect();
    #[cfg_attr(not(test), allow(unused_mut))]
    let mut evals: Vec<Fr> = at_zeta.par_iter().map(|p| pcs::evaluate(p, zeta)).collect();
    let evals_next: Vec<Fr> = NEXT_ROW.iter().map(|c| pcs::evaluate(&polys[*c as usize], zeta_next)).collect();
    let quotient_eval = pcs::evaluate(&quotient, zeta);
    #[cfg(test)]
    CHEATS.with(|c| {
        let so_far = super::verifier::Challenges { e: Fr::zero(), beta, gamma, eta, e_packed: Fr::zero(), alpha, zeta, nu: Fr::zero(), z: Fr::zero() };
        c.borrow_mut().evals.as_mut().map(|f| f(&mut evals, &evals_next, quotient_eval, &so_far))
    });
    let mut all = evals.clone();
    all.extend(&evals_next);
    transcript.absorb_scalars(&all);
    let nu = transcript.challenge();
    let opened = super::verifier::opened_values(&vk.fixed_layout, &evals, &evals_next, quotient_eval);
    let mut opened_polys: Vec<Poly> = polys.iter().map(|p| Poly::Coeffs(p)).collect();
    opened_polys.extend([Poly::Coeffs(&quotient), Poly::Coeffs(&fixed_polys[Fix::Param as usize])]);
    let group = |g: &Vec<usize>| Poly::Interleaved(g.iter().map(|c| fixed_polys[*c].as_slice()).collect());
    opened_polys.extend(vk.fixed_layout.groups().iter().map(group));
    let points = pcs::multiopen::Points { zeta, zeta_next, k: vk.fixed_layout.k };
    let (opening, opening_z) = pcs::multiopen::open(srs, &opened_polys, &opened, points, nu, |w| {
        transcript.absorb_point(w);
        transcript.challenge()
    })?;
    profile.lap("evaluations and the multi-point opening");
    Ok(Proof {
        param,
        round1,
        round2,
        packed,
        quotient: quotient_commitment,
        evals,
        evals_next,
        opening,
        opening_z,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vandermonde_inverse_inverts() {
        let points = [Fr::from(3u64), -Fr::from(5u64), Fr::from(11u64), Fr::from(2u64)];
        let inverse = vandermonde_inverse(&points);
        for (j, a) in points.iter().enumerate() {
            for l in 0..points.len() {
                // (V·V⁻¹)_jl = Σ_m a_j^m·(V⁻¹)_ml
                let entry: Fr = (0..points.len()).map(|m| a.pow([m as u64]) * inverse[m][l]).sum();
                assert_eq!(entry, if j == l { Fr::one() } else { Fr::zero() });
            }
        }
    }
}
