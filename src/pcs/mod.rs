//! KZG polynomial commitments on BN254 (Kate–Zaverucha–Goldberg 2010).
//!
//! A commitment to `f` is `[f(τ)]₁`; an opening of `f` at `z` to `v` is `W = [(f(X) − v)/(X − z)]₁`,
//! checked by `e(C − v·[1]₁ + z·W, [1]₂) = e(W, [τ]₂)`. Only `[1]₂` and `[τ]₂` are ever used in G2,
//! and no argument of this crate relies on a degree bound (architecture §2.1), so a public
//! Powers-of-Tau file with more G1 than G2 powers is safe to use.

pub mod encoding;
pub mod multiopen;
pub mod ptau;

use crate::{Error, Result};
use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{One, UniformRand, Zero};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use rayon::prelude::*;

/// A structured reference string: `[τ^i]₁` for `i < g1.len()`, plus `[1]₂` and `[τ]₂`, and
/// possibly the Lagrange basis of one domain (see [`Srs::lagrange_basis`]).
#[derive(Clone, Debug, CanonicalSerialize, CanonicalDeserialize, PartialEq)]
pub struct Srs {
    pub g1: Vec<G1Affine>,
    pub g2: G2Affine,
    pub tau_g2: G2Affine,
    /// `[L_i(τ)]₁` of one domain when the maker of the SRS knew them (empty otherwise).
    pub lagrange: Vec<G1Affine>,
}

impl Srs {
    /// An insecure SRS whose τ comes from `rng` (tests and `--dev-srs` only: whoever knows the
    /// seed can forge proofs).
    pub fn insecure_dev(num_g1: usize, rng: &mut impl ark_std::rand::RngCore) -> Self {
        Self::insecure_dev_with_lagrange(num_g1, 0, rng)
    }

    /// [`Self::insecure_dev`], also holding the Lagrange basis of the domain of size `n` (a
    /// power of two, or 0 for none), computed from τ: `L_i(τ) = ω^i·(τ^n − 1)/(n·(τ − ω^i))`,
    /// as cheap as the powers themselves.
    pub fn insecure_dev_with_lagrange(num_g1: usize, n: usize, rng: &mut impl ark_std::rand::RngCore) -> Self {
        use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
        let tau = Fr::rand(rng);
        let powers = powers(tau, num_g1);
        let g1 = G1Projective::from(G1Affine::generator());
        let g1_powers = ark_ec::scalar_mul::ScalarMul::batch_mul(g1, &powers);
        let lagrange = if n == 0 {
            Vec::new()
        } else {
            let domain = Radix2EvaluationDomain::<Fr>::new(n).expect("power-of-two domain");
            let scalars = domain.evaluate_all_lagrange_coefficients(tau);
            ark_ec::scalar_mul::ScalarMul::batch_mul(g1, &scalars)
        };
        let g2 = G2Affine::generator();
        Self { g1: g1_powers, g2, tau_g2: (g2 * tau).into_affine(), lagrange }
    }

    /// Keeps the first `num_g1` G1 powers (not the Lagrange basis: take it first with
    /// [`Self::lagrange_basis`]).
    pub fn trim(&self, num_g1: usize) -> Result<Self> {
        if num_g1 > self.g1.len() {
            return Err(Error::SrsTooSmall { have: self.g1.len(), need: num_g1 });
        }
        Ok(Self { g1: self.g1[..num_g1].to_vec(), g2: self.g2, tau_g2: self.tau_g2, lagrange: Vec::new() })
    }

    /// `[L_i(τ)]₁` for the Lagrange basis of the domain of size `n` (a power of two ≤ the number
    /// of G1 powers): the inverse FFT of `[τ^i]₁`, computed in the group. Committing to a column
    /// by its values then costs an MSM whose scalars are the values themselves: small integers
    /// and zeros for most columns, which the MSM handles far faster than dense coefficients.
    pub fn lagrange_basis(&self, n: usize) -> Result<Vec<G1Affine>> {
        use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
        if self.lagrange.len() == n {
            return Ok(self.lagrange.clone());
        }
        if n > self.g1.len() {
            return Err(Error::SrsTooSmall { have: self.g1.len(), need: n });
        }
        let domain = Radix2EvaluationDomain::<Fr>::new(n).expect("power-of-two domain");
        let mut points: Vec<G1Projective> = self.g1[..n].par_iter().map(|p| p.into_group()).collect();
        domain.ifft_in_place(&mut points);
        Ok(G1Projective::normalize_batch(&points))
    }

    /// `[f(τ)]₁` for `f` in coefficient form.
    pub fn commit(&self, coeffs: &[Fr]) -> Result<G1Affine> {
        let coeffs = trim_zeros(coeffs);
        if coeffs.len() > self.g1.len() {
            return Err(Error::SrsTooSmall { have: self.g1.len(), need: coeffs.len() });
        }
        Ok(G1Projective::msm_unchecked(&self.g1[..coeffs.len()], coeffs).into_affine())
    }

    /// Checks one KZG claim directly with two pairings (used in tests; the protocol batches
    /// every claim into one accumulator instead).
    pub fn check_opening(&self, c: &G1Affine, z: Fr, v: Fr, w: &G1Affine) -> bool {
        use ark_ec::pairing::Pairing;
        let lhs = (c.into_group() - self.g1[0] * v + *w * z).into_affine();
        ark_bn254::Bn254::pairing(lhs, self.g2) == ark_bn254::Bn254::pairing(*w, self.tau_g2)
    }
}

fn trim_zeros(c: &[Fr]) -> &[Fr] {
    let mut n = c.len();
    while n > 0 && c[n - 1].is_zero() {
        n -= 1;
    }
    &c[..n]
}

/// Evaluates `f` (coefficients) at `z` by Horner's rule.
pub fn evaluate(coeffs: &[Fr], z: Fr) -> Fr {
    coeffs.iter().rev().fold(Fr::zero(), |acc, c| acc * z + c)
}

/// `(f(X) − f(z)) / (X − z)` by synthetic division.
pub fn divide_by_linear(coeffs: &[Fr], z: Fr) -> Vec<Fr> {
    if coeffs.len() < 2 {
        return Vec::new();
    }
    let mut q = vec![Fr::zero(); coeffs.len() - 1];
    let mut carry = Fr::zero();
    for i in (1..coeffs.len()).rev() {
        carry = coeffs[i] + carry * z;
        q[i - 1] = carry;
    }
    q
}

/// `1, x, x², …` (n terms).
pub fn powers(x: Fr, n: usize) -> Vec<Fr> {
    let mut v = Vec::with_capacity(n);
    let mut cur = Fr::one();
    for _ in 0..n {
        v.push(cur);
        cur *= x;
    }
    v
}


#[cfg(test)]
mod tests {
    use super::*;
    use ark_std::test_rng;

    #[test]
    fn kzg_opening_roundtrip_and_rejection() {
        let mut rng = test_rng();
        let srs = Srs::insecure_dev(64, &mut rng);
        let f: Vec<Fr> = (0..40).map(|_| Fr::rand(&mut rng)).collect();
        let c = srs.commit(&f).unwrap();
        let z = Fr::rand(&mut rng);
        let v = evaluate(&f, z);
        let w = srs.commit(&divide_by_linear(&f, z)).unwrap();
        assert!(srs.check_opening(&c, z, v, &w));
        assert!(!srs.check_opening(&c, z, v + Fr::one(), &w));
        assert!(matches!(srs.commit(&vec![Fr::one(); 65]), Err(Error::SrsTooSmall { .. })));
    }

    #[test]
    fn lagrange_basis_from_tau_matches_the_group_ifft_and_commits_values() {
        use ark_ec::VariableBaseMSM;
        use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
        use ark_std::rand::SeedableRng;
        let n = 16;
        let seeded = || rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let with = Srs::insecure_dev_with_lagrange(2 * n, n, &mut seeded());
        let without = Srs::insecure_dev(2 * n, &mut seeded());
        assert!(without.lagrange.is_empty());
        assert_eq!(with.g1, without.g1);
        let basis = without.lagrange_basis(n).unwrap();
        assert_eq!(basis, with.lagrange);
        // Σ v_i·[L_i(τ)] is the commitment of the interpolant of the values, small or negative.
        let values: Vec<Fr> = (0..n as i64).map(|i| Fr::from(i * i - 40)).collect();
        let domain = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
        let by_values = G1Projective::msm_unchecked(&basis, &values).into_affine();
        assert_eq!(by_values, without.commit(&domain.ifft(&values)).unwrap());
        assert!(matches!(without.lagrange_basis(64), Err(Error::SrsTooSmall { .. })));
    }

    #[test]
    fn commitment_matches_ark_poly_commit_kzg10() {
        use ark_poly::{univariate::DensePolynomial, DenseUVPolynomial};
        use ark_poly_commit::kzg10::{Powers, KZG10};
        use std::borrow::Cow;
        let mut rng = test_rng();
        let srs = Srs::insecure_dev(32, &mut rng);
        let f: Vec<Fr> = (0..32).map(|_| Fr::rand(&mut rng)).collect();
        let powers = Powers::<ark_bn254::Bn254> {
            powers_of_g: Cow::Borrowed(&srs.g1),
            powers_of_gamma_g: Cow::Owned(vec![]),
        };
        let poly = DensePolynomial::from_coefficients_vec(f.clone());
        let (theirs, _) =
            KZG10::<ark_bn254::Bn254, DensePolynomial<Fr>>::commit(&powers, &poly, None, None).unwrap();
        assert_eq!(theirs.0, srs.commit(&f).unwrap());
    }
}
