//! Accumulation of KZG claims: the linear, EVM-checkable case of Mira-style folding.
//!
//! A claim `(C, z, v, W)` asserts `C(z) = v` with opening proof `W`; it holds iff
//! `e(C − v·[1]₁ + z·W, [1]₂) = e(W, [τ]₂)`. Both sides are linear in the prover's G1 points, so
//! claims fold with random coefficients `ρ_k` (drawn from the transcript after every claim is
//! fixed) into one accumulator `(L, R) = (Σ ρ_k (C_k − v_k·[1]₁ + z_k·W_k), Σ ρ_k W_k)`, decided by
//! `e(L, [1]₂) = e(R, [τ]₂)`: one pairing-product check with two pairs for the whole model.
//! No relation pairs two prover elements, so there is no slack term and no cross or error term;
//! this is exactly where Mira's general folding degenerates, and we claim nothing beyond it.
//! A false claim survives only if the random combination cancels it (probability ≤ k/|F|).

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup};
use ark_ff::Zero;

/// One KZG opening claim.
#[derive(Clone, Debug)]
pub struct KzgClaim {
    pub commitment: G1Projective,
    pub point: Fr,
    pub value: Fr,
    pub proof: G1Affine,
}

/// The accumulator `(L, R)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Accumulator {
    pub lhs: G1Projective,
    pub rhs: G1Projective,
}

impl Default for Accumulator {
    fn default() -> Self {
        Self { lhs: G1Projective::zero(), rhs: G1Projective::zero() }
    }
}

impl Accumulator {
    /// Folds `claim` in with coefficient `rho`.
    pub fn add(&mut self, claim: &KzgClaim, rho: Fr) {
        let g = G1Affine::generator();
        let term = claim.commitment - g * claim.value + claim.proof * claim.point;
        self.lhs += term * rho;
        self.rhs += claim.proof * rho;
    }

    /// Folds claims with coefficients `1, ρ, ρ², …`.
    pub fn from_claims(claims: &[KzgClaim], rho: Fr) -> Self {
        let mut acc = Self::default();
        let mut coeff = Fr::from(1u64);
        for c in claims {
            acc.add(c, coeff);
            coeff *= rho;
        }
        acc
    }

    /// The decider: `e(L, [1]₂) · e(−R, [τ]₂) = 1`, one multi-pairing with two pairs.
    pub fn decide(&self, g2: &G2Affine, tau_g2: &G2Affine) -> bool {
        let l = self.lhs.into_affine();
        let r = (-self.rhs).into_affine();
        Bn254::multi_pairing([l, r], [*g2, *tau_g2]).is_zero()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pcs::{divide_by_linear, evaluate, Srs};
    use ark_std::{test_rng, UniformRand};

    fn claim(srs: &Srs, rng: &mut impl ark_std::rand::RngCore) -> KzgClaim {
        let f: Vec<Fr> = (0..16).map(|_| Fr::rand(rng)).collect();
        let z = Fr::rand(rng);
        KzgClaim {
            commitment: srs.commit(&f).unwrap().into_group(),
            point: z,
            value: evaluate(&f, z),
            proof: srs.commit(&divide_by_linear(&f, z)).unwrap(),
        }
    }

    #[test]
    fn valid_claims_pass_and_one_bad_claim_fails_anywhere() {
        let mut rng = test_rng();
        let srs = Srs::insecure_dev(16, &mut rng);
        let claims: Vec<KzgClaim> = (0..5).map(|_| claim(&srs, &mut rng)).collect();
        let rho = Fr::rand(&mut rng);
        assert!(Accumulator::from_claims(&claims, rho).decide(&srs.g2, &srs.tau_g2));
        for bad in 0..claims.len() {
            let mut c = claims.clone();
            c[bad].value += Fr::from(1u64);
            assert!(!Accumulator::from_claims(&c, rho).decide(&srs.g2, &srs.tau_g2), "bad claim {bad} accepted");
        }
        // Altering one coefficient on one side of the accumulator (L but not R) breaks it.
        for k in 0..claims.len() {
            let mut acc = Accumulator::from_claims(&claims, rho);
            let g = G1Affine::generator();
            let c = &claims[k];
            acc.lhs += (c.commitment - g * c.value + c.proof * c.point) * Fr::from(1u64);
            assert!(!acc.decide(&srs.g2, &srs.tau_g2), "altered coefficient {k} accepted");
        }
        // Altering either accumulator point breaks it.
        let mut acc = Accumulator::from_claims(&claims, rho);
        acc.rhs += G1Affine::generator();
        assert!(!acc.decide(&srs.g2, &srs.tau_g2));
        // Two wrong claims whose errors cancel with coefficient 1 are still caught with random ρ.
        let mut c = claims.clone();
        c[0].value += Fr::from(1u64);
        c[1].value -= Fr::from(1u64);
        assert!(Accumulator::from_claims(&c, Fr::from(1u64)).decide(&srs.g2, &srs.tau_g2));
        assert!(!Accumulator::from_claims(&c, rho).decide(&srs.g2, &srs.tau_g2));
    }
}
