//! The verifier: replays the transcript, checks the combined constraint at ζ through the
//! evaluations, and turns the multi-point opening into one KZG claim at `z`, its accumulator.

use super::proof::Proof;
use super::VerifyingKey;
use crate::accumulation::{Accumulator, KzgClaim};
use super::fixed::FixedLayout;
use crate::blocks::{self, Ctx, Fix, Row, NEXT_ROW, NUM_FIXED, NUM_WITNESS};
use crate::pcs::multiopen::{Opened, Points};
use crate::transcript::Transcript;
use crate::{Error, Result};
use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, VariableBaseMSM};
use ark_ff::{Field, One, Zero};

/// `L_k(ζ)` for rows `0..count`: `ω^k·(ζ^n − 1) / (n·(ζ − ω^k))`, given `z_h = ζ^n − 1`.
pub(crate) fn lagrange_prefix(n: usize, omega: Fr, zeta: Fr, z_h: Fr, count: usize) -> Result<Vec<Fr>> {
    let mut den = Vec::with_capacity(count);
    let mut w = Fr::one();
    let mut ws = Vec::with_capacity(count);
    for _ in 0..count {
        den.push(Fr::from(n as u64) * (zeta - w));
        ws.push(w);
        w *= omega;
    }
    if den.iter().any(|d| d.is_zero()) {
        return Err(Error::Rejected("evaluation point lies in the domain".into()));
    }
    ark_ff::batch_inversion(&mut den);
    Ok(den.iter().zip(&ws).map(|(d, w)| *w * z_h * d).collect())
}

/// Every Fiat–Shamir challenge of a proof, in transcript order (docs/spec.md §3).
#[derive(Clone, Debug, PartialEq)]
pub struct Challenges {
    /// Challenge of the parameter column's re-randomisation proof.
    pub e: Fr,
    pub beta: Fr,
    pub gamma: Fr,
    /// Packing challenge.
    pub eta: Fr,
    /// Challenge of the combined packed weights' re-randomisation proof.
    pub e_packed: Fr,
    pub alpha: Fr,
    pub zeta: Fr,
    pub nu: Fr,
    /// The point at which the linearised opening is checked.
    pub z: Fr,
}

/// Replays the transcript of `proof`.
pub fn challenges(vk: &VerifyingKey, instances: &[Fr], proof: &Proof) -> Challenges {
    let mut t = Transcript::new(&vk.digest());
    super::instances::absorb(&mut t, instances);
    let e = proof.param.absorb(&mut t);
    proof.round1.iter().for_each(|c| t.absorb_point(c));
    let beta = t.challenge();
    let gamma = t.challenge();
    let eta = t.challenge();
    proof.round2.iter().for_each(|c| t.absorb_point(c));
    let e_packed = proof.packed.absorb(&mut t);
    let alpha = t.challenge();
    t.absorb_point(&proof.quotient);
    let zeta = t.challenge();
    let mut all = proof.evals.clone();
    all.extend(&proof.evals_next);
    t.absorb_scalars(&all);
    let nu = t.challenge();
    t.absorb_point(&proof.opening);
    let z = t.challenge();
    Challenges { e, beta, gamma, eta, e_packed, alpha, zeta, nu, z }
}

/// That `[P'] − [P]_vk` is a known combination of the hiding bases (so `P' ≡ P` on `H`).
pub fn param_commitment_is_bound(vk: &VerifyingKey, proof: &Proof, e: Fr) -> bool {
    proof.param.is_bound_to(vk.param_commitment.into_group(), &vk.hiding_bases, e)
}

/// That `[U'] − Σ_t η^t·[W_t]_vk` is a known combination of the hiding bases. Vacuous exactly
/// when no row reads `U`: the packed input selector `qPackX` commits to the point at infinity.
pub fn packed_commitment_is_bound(vk: &VerifyingKey, proof: &Proof, eta: Fr, e_packed: Fr) -> bool {
    if !vk.reads_packed_weights() {
        return true;
    }
    proof.packed.is_bound_to(combined_packed_commitment(vk, eta), &vk.hiding_bases, e_packed)
}

/// `Σ_t η^t·[W_t]_vk`: the packed weight commitments combined as a proof's `U'` must be (up to
/// its fresh hiding).
pub(crate) fn combined_packed_commitment(vk: &VerifyingKey, eta: Fr) -> G1Projective {
    G1Projective::msm_unchecked(&vk.packed_commitments, &crate::pcs::powers(eta, vk.packed_commitments.len()))
}

/// Whether every public input is a signed fixed-point integer of magnitude at most
/// [`max_wire`](crate::compiler::graph::max_wire)`(s)`: `v ≤ B` or `v ≥ r − B`. The verifier
/// checks it itself, trusting nothing in the key: an input that were any field element could
/// solve a gate modulo r for any output (the in-circuit input checks weigh the input with a
/// hidden coefficient, so they bind only an honestly made key).
pub fn inputs_in_range(vk: &VerifyingKey, instances: &[Fr]) -> bool {
    let bound = Fr::from(crate::compiler::graph::max_wire(vk.scale_bits) as u64);
    let inputs = instances.get(..vk.num_inputs);
    inputs.is_some_and(|xs| xs.iter().all(|v| *v <= bound || -*v <= bound))
}

/// Replays the proof into its accumulator; errors on anything checkable without a pairing.
pub fn accumulate(vk: &VerifyingKey, instances: &[Fr], proof: &Proof) -> Result<Accumulator> {
    let expected = vk.num_inputs + vk.num_outputs;
    if instances.len() != expected {
        return Err(Error::Rejected(format!("{} public values, the model has {expected}", instances.len())));
    }
    if !inputs_in_range(vk, instances) {
        return Err(Error::Rejected("a public input is outside the provable range of the scale".into()));
    }
    // What the contracts cannot be sent is not accepted here either.
    super::instances::pack_or_reject(instances)?;
    accumulate_claims(vk, instances, proof)
}

/// [`accumulate`] without the range check of the inputs: what the circuit alone decides (the
/// soundness tests show it is not enough).
pub(crate) fn accumulate_claims(vk: &VerifyingKey, instances: &[Fr], proof: &Proof) -> Result<Accumulator> {
    let c = challenges(vk, instances, proof);
    if !param_commitment_is_bound(vk, proof, c.e) {
        return Err(Error::Rejected("the re-randomised parameter commitment is not tied to the model".into()));
    }
    if !packed_commitment_is_bound(vk, proof, c.eta, c.e_packed) {
        return Err(Error::Rejected("the combined packed weight commitment is not tied to the model".into()));
    }
    let quotient_eval = quotient_at_zeta(vk, instances, &proof.evals, &proof.evals_next, &c)?;
    // An unused fixed column is zero: so must its value be. It is in no opening set, so nothing
    // else binds it, and every constraint is linear in its selector (the soundness test
    // `a_false_output_forged_through_an_unused_fixed_column_is_rejected` is the attack).
    let unused = (0..NUM_FIXED).filter(|c| !vk.fixed_layout.is_used(*c));
    if unused.into_iter().any(|c| !proof.evals[NUM_WITNESS + c].is_zero()) {
        return Err(Error::Rejected("an unused fixed column has a non-zero value at ζ".into()));
    }
    opening_accumulator(vk, proof, &c, quotient_eval)
}

/// `T(ζ) = Σ_k α^k·C_k(ζ) / Z_H(ζ)`: the constraints at ζ from the evaluations and the public
/// values (what the quotient must open to).
pub(crate) fn quotient_at_zeta(vk: &VerifyingKey, instances: &[Fr], evals: &[Fr], evals_next: &[Fr], c: &Challenges) -> Result<Fr> {
    let n = vk.domain_size;
    let z_h = c.zeta.pow([n as u64]) - Fr::one();
    if z_h.is_zero() {
        return Err(Error::Rejected("evaluation point lies in the domain".into()));
    }
    let lagrange = lagrange_prefix(n, vk.omega(), c.zeta, z_h, vk.num_inputs + vk.num_outputs)?;
    let l_inputs: Fr = lagrange[..vk.num_inputs].iter().sum();
    let l_outputs: Fr = lagrange[vk.num_inputs..].iter().sum();
    let public: Fr = lagrange.iter().zip(instances).map(|(l, v)| *l * v).sum();
    let mut row = Row { l_inputs, l_outputs, public, ..Row::default() };
    row.wit.copy_from_slice(&evals[..NUM_WITNESS]);
    row.fixed.copy_from_slice(&evals[NUM_WITNESS..]);
    for (col, v) in NEXT_ROW.iter().zip(evals_next) {
        row.wit_next[*col as usize] = *v;
    }
    let ctx = Ctx::new(vk.limbs(), vk.stride, c.beta, c.gamma, c.eta);
    let mut constraints = Vec::new();
    blocks::evaluate_constraints(&row, &ctx, &mut constraints);
    Ok(blocks::combine(&constraints, c.alpha) * z_h.inverse().expect("checked non-zero"))
}

/// The multi-point opening of every commitment as one KZG claim at z (docs/spec.md §3,
/// [`crate::pcs::multiopen`]), folded into the accumulator `(L + z·W', W')`.
pub(crate) fn opening_accumulator(vk: &VerifyingKey, proof: &Proof, c: &Challenges, quotient_eval: Fr) -> Result<Accumulator> {
    let opened = opened_values(&vk.fixed_layout, &proof.evals, &proof.evals_next, quotient_eval);
    let points = Points { zeta: c.zeta, zeta_next: c.zeta * vk.omega(), k: vk.fixed_layout.k };
    points.check(c.z)?;
    let (scalars, generator) = points.scalars(&opened, c.nu, c.z);
    let witness = proof.round1.iter().chain(&proof.round2).chain([&proof.packed.commitment]);
    let absent = |c: usize| vk.fixed_layout.witness_at_infinity(c);
    let mut bases: Vec<G1Affine> = witness.enumerate().map(|(c, p)| if absent(c) { G1Affine::zero() } else { *p }).collect();
    bases.extend([proof.quotient, proof.param.commitment]);
    bases.extend(&vk.fixed_groups);
    debug_assert_eq!(bases.len(), opened.len());
    let linearised = G1Projective::msm_unchecked(&bases, &scalars) + G1Affine::generator() * generator - proof.opening;
    let claim = KzgClaim { commitment: linearised, point: c.z, value: Fr::zero(), proof: proof.opening_z };
    Ok(Accumulator::from_claims(&[claim], Fr::one()))
}

/// What each opened polynomial is opened to, in opening order: the witness columns (the
/// [`NEXT_ROW`] ones at ζ and ζω, the others at ζ), the quotient and the parameter column at ζ,
/// then each group of interleaved fixed columns on the roots of `X^k − ζ`.
pub(crate) fn opened_values(layout: &FixedLayout, evals: &[Fr], evals_next: &[Fr], quotient_eval: Fr) -> Vec<Opened> {
    let mut opened: Vec<Opened> = (0..NUM_WITNESS)
        .map(|c| match NEXT_ROW.iter().position(|w| *w as usize == c) {
            Some(j) => Opened::AtZetaAndNext(evals[c], evals_next[j]),
            None => Opened::AtZeta(evals[c]),
        })
        .collect();
    opened.push(Opened::AtZeta(quotient_eval));
    opened.push(Opened::AtZeta(evals[NUM_WITNESS + Fix::Param as usize]));
    opened.extend(layout.groups().iter().map(|g| Opened::Interleaved(g.iter().map(|c| evals[NUM_WITNESS + c]).collect())));
    opened
}

/// Verifies a proof: `Ok(())` or `Err(Error::Rejected(reason))`.
pub fn verify(vk: &VerifyingKey, instances: &[Fr], proof: &Proof) -> Result<()> {
    let acc = accumulate(vk, instances, proof)?;
    if acc.decide(&vk.g2, &vk.tau_g2) {
        Ok(())
    } else {
        Err(Error::Rejected("the pairing check failed".into()))
    }
}
