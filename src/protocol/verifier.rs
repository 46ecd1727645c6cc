//! The verifier: replays the transcript, checks the combined constraint at ζ through the
//! evaluations, and turns the two batched openings into KZG claims folded into one accumulator.

use super::proof::Proof;
use super::VerifyingKey;
use crate::accumulation::{Accumulator, KzgClaim};
use crate::blocks::{self, Ctx, Fix, Row, NEXT_ROW, NUM_FIXED, NUM_WITNESS};
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
    /// Accumulation coefficient.
    pub rho: Fr,
}

/// Replays the transcript of `proof`.
pub fn challenges(vk: &VerifyingKey, instances: &[Fr], proof: &Proof) -> Challenges {
    let mut t = Transcript::new(&vk.digest());
    t.absorb_scalars(instances);
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
    t.absorb_point(&proof.opening_next);
    let rho = t.challenge();
    Challenges { e, beta, gamma, eta, e_packed, alpha, zeta, nu, rho }
}

/// That `[P'] − [P]_vk` is a known combination of the hiding bases (so `P' ≡ P` on `H`).
pub fn param_commitment_is_bound(vk: &VerifyingKey, proof: &Proof, e: Fr) -> bool {
    let param_vk = vk.fixed_commitments[Fix::Param as usize].into_group();
    proof.param.is_bound_to(param_vk, &vk.hiding_bases, e)
}

/// That `[U'] − Σ_t η^t·[W_t]_vk` is a known combination of the hiding bases. Vacuous exactly
/// when no row reads `U`: the packed input selector `qPackX` commits to the point at infinity.
pub fn packed_commitment_is_bound(vk: &VerifyingKey, proof: &Proof, eta: Fr, e_packed: Fr) -> bool {
    if !reads_packed_weights(vk) {
        return true;
    }
    proof.packed.is_bound_to(combined_packed_commitment(vk, eta), &vk.hiding_bases, e_packed)
}

/// Whether any row reads the packed weights `U` (the packed input selector is not all zero).
pub(crate) fn reads_packed_weights(vk: &VerifyingKey) -> bool {
    !vk.fixed_commitments[Fix::QPackX as usize].is_zero()
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
    accumulate_claims(vk, instances, proof)
}

/// [`accumulate`] without the range check of the inputs: what the circuit alone decides (the
/// soundness tests show it is not enough).
pub(crate) fn accumulate_claims(vk: &VerifyingKey, instances: &[Fr], proof: &Proof) -> Result<Accumulator> {
    let n = vk.domain_size;
    let expected = vk.num_inputs + vk.num_outputs;
    let Challenges { e, beta, gamma, eta, e_packed, alpha, zeta, nu, rho } = challenges(vk, instances, proof);
    if !param_commitment_is_bound(vk, proof, e) {
        return Err(Error::Rejected("the re-randomised parameter commitment is not tied to the model".into()));
    }
    if !packed_commitment_is_bound(vk, proof, eta, e_packed) {
        return Err(Error::Rejected("the combined packed weight commitment is not tied to the model".into()));
    }

    let omega = vk.omega();
    let z_h = zeta.pow([n as u64]) - Fr::one();
    if z_h.is_zero() {
        return Err(Error::Rejected("evaluation point lies in the domain".into()));
    }
    let lagrange = lagrange_prefix(n, omega, zeta, z_h, expected)?;
    let l_inputs: Fr = lagrange[..vk.num_inputs].iter().sum();
    let l_outputs: Fr = lagrange[vk.num_inputs..].iter().sum();
    let public: Fr = lagrange.iter().zip(instances).map(|(l, v)| *l * v).sum();

    let mut row = Row { l_inputs, l_outputs, public, ..Row::default() };
    row.wit.copy_from_slice(&proof.evals[..NUM_WITNESS]);
    row.fixed.copy_from_slice(&proof.evals[NUM_WITNESS..]);
    for (c, v) in NEXT_ROW.iter().zip(&proof.evals_next) {
        row.wit_next[*c as usize] = *v;
    }
    let ctx = Ctx::new(vk.limbs(), vk.stride, beta, gamma, eta);
    let mut constraints = Vec::new();
    blocks::evaluate_constraints(&row, &ctx, &mut constraints);
    let quotient_eval = blocks::combine(&constraints, alpha) * z_h.inverse().expect("checked non-zero");

    // Claim at ζ: witness columns, quotient, fixed columns, combined with powers of ν.
    let mut bases: Vec<G1Affine> = proof.round1.iter().chain(&proof.round2).copied().collect();
    if vk.matrix_products_unused() {
        blocks::freivalds::COLUMNS.iter().for_each(|c| bases[*c as usize] = G1Affine::zero());
    }
    bases.push(if reads_packed_weights(vk) { proof.packed.commitment } else { G1Affine::zero() });
    bases.push(proof.quotient);
    bases.extend(&vk.fixed_commitments);
    bases[NUM_WITNESS + 1 + Fix::Param as usize] = proof.param.commitment;
    let mut values: Vec<Fr> = proof.evals[..NUM_WITNESS].to_vec();
    values.push(quotient_eval);
    values.extend(&proof.evals[NUM_WITNESS..]);
    debug_assert_eq!(bases.len(), NUM_WITNESS + 1 + NUM_FIXED);
    let nus = crate::pcs::powers(nu, bases.len());
    let at_zeta = KzgClaim {
        commitment: G1Projective::msm_unchecked(&bases, &nus),
        point: zeta,
        value: values.iter().zip(&nus).map(|(v, s)| *v * s).sum(),
        proof: proof.opening,
    };
    let next_bases: Vec<G1Affine> = NEXT_ROW.iter().map(|c| bases[*c as usize]).collect();
    let at_next = KzgClaim {
        commitment: G1Projective::msm_unchecked(&next_bases, &nus[..NEXT_ROW.len()]),
        point: zeta * omega,
        value: proof.evals_next.iter().zip(&nus).map(|(v, s)| *v * s).sum(),
        proof: proof.opening_next,
    };
    Ok(Accumulator::from_claims(&[at_zeta, at_next], rho))
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
