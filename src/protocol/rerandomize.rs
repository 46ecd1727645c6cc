//! Fresh hiding for a private committed column, with a proof that nothing else changed.
//!
//! The verifying key commits to a private column `P` (the parameters, or a combination of the
//! packed weights) as `C = [P(τ)]₁ + s₀·B₀ + s₁·B₁` with `B₀ = [Z_H(τ)]₁`, `B₁ = [τ·Z_H(τ)]₁`.
//! A proof opens `P' = P + (s₀ + δ₀)·Z_H + (s₁ + δ₁)·X·Z_H` for fresh `(δ₀, δ₁)`: the same values
//! on `H`, but its commitment and its value at ζ are uniform and independent of `P`, one blinder
//! for each place it is revealed. The relation proven is knowledge of `(δ₀, δ₁)` with
//! `C' − C = δ₀·B₀ + δ₁·B₁` (Okamoto's two-base Schnorr protocol, made non-interactive by the
//! proof's transcript): nonce `R = k₀·B₀ + k₁·B₁`, challenge `e`, responses `z_i = k_i + e·δ_i`,
//! checked as `z₀·B₀ + z₁·B₁ = R + e·(C' − C)`. It is special-sound (two accepting responses to
//! one `R` give `(δ₀, δ₁)`, so `C' − C` lies in the span of `B₀, B₁`: `P' ≡ P` on `H`) and
//! honest-verifier zero-knowledge (pick `z`, `e`, and set `R`).

use super::HIDING_BLINDERS;
use crate::transcript::Transcript;
use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::UniformRand;
use ark_std::rand::RngCore;

/// The bases `B₀ = [Z_H(τ)]₁`, `B₁ = [τ·Z_H(τ)]₁` (the verifying key's `hiding_bases`).
pub type HidingBases = [G1Affine; HIDING_BLINDERS];

/// A re-randomised commitment `C'` with its proof of honest re-randomisation `(R, z₀, z₁)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Rerandomized {
    pub commitment: G1Affine,
    pub nonce: G1Affine,
    pub response: [Fr; HIDING_BLINDERS],
}

/// `Σ_k x_k·B_k`.
fn combine(bases: &HidingBases, x: &[Fr; HIDING_BLINDERS]) -> G1Projective {
    G1Projective::msm_unchecked(bases, x)
}

impl Rerandomized {
    /// Re-randomises `vk_commitment` by fresh `δ` and proves it, absorbing `C'`, `R` and then
    /// the responses into `transcript` (the order [`Self::absorb`] replays). Returns `δ`, which
    /// the prover adds to the column's blinding.
    pub fn prove(
        transcript: &mut Transcript,
        vk_commitment: G1Projective,
        bases: &HidingBases,
        rng: &mut impl RngCore,
    ) -> (Self, [Fr; HIDING_BLINDERS]) {
        let delta: [Fr; HIDING_BLINDERS] = std::array::from_fn(|_| Fr::rand(rng));
        let k: [Fr; HIDING_BLINDERS] = std::array::from_fn(|_| Fr::rand(rng));
        let commitment = (vk_commitment + combine(bases, &delta)).into_affine();
        let nonce = combine(bases, &k).into_affine();
        transcript.absorb_point(&commitment);
        transcript.absorb_point(&nonce);
        let e = transcript.challenge();
        let response = std::array::from_fn(|i| k[i] + e * delta[i]);
        let proof = Self { commitment, nonce, response };
        proof.absorb_response(transcript);
        (proof, delta)
    }

    /// The stand-in for a column no constraint reads (the packed weights of a model without
    /// packed groups): commitment, nonce and responses all zero, absorbed like any other, so
    /// the proof keeps its layout and the verifiers take the column as the zero polynomial.
    pub fn absent(transcript: &mut Transcript) -> Self {
        let proof = Self { commitment: G1Affine::zero(), nonce: G1Affine::zero(), response: [Fr::from(0u64); HIDING_BLINDERS] };
        proof.absorb(transcript);
        proof
    }

    /// The verifier's replay: absorbs `C'` and `R`, draws `e`, absorbs the responses; returns `e`.
    pub fn absorb(&self, transcript: &mut Transcript) -> Fr {
        transcript.absorb_point(&self.commitment);
        transcript.absorb_point(&self.nonce);
        let e = transcript.challenge();
        self.absorb_response(transcript);
        e
    }

    /// The responses, as one absorb of two words.
    fn absorb_response(&self, transcript: &mut Transcript) {
        let words: Vec<_> = self.response.iter().map(crate::pcs::encoding::fr_to_word).collect();
        transcript.absorb_words(&words);
    }

    /// `z₀·B₀ + z₁·B₁ = R + e·(C' − C)`.
    pub fn is_bound_to(&self, vk_commitment: G1Projective, bases: &HidingBases, e: Fr) -> bool {
        combine(bases, &self.response) == self.nonce.into_group() + (self.commitment.into_group() - vk_commitment) * e
    }
}
