//! The proof system: one multi-round proof per model over the shared domain.
//!
//! Rounds (docs/spec.md §3): commit `a, b, c, d, m` → β, γ, η → commit `h₁₂, h₃, φ, s, mx, mw`
//! (and `U'`) → α → commit the quotient `T = Σ α^k·C_k / Z_H` → ζ → evaluations at ζ and ζω → ν
//! → `W`, the multi-point opening's quotient ([`crate::pcs::multiopen`]) → z → `W'`. The verifier
//! turns the proof into one KZG claim at z, its accumulator ([`crate::accumulation`]), decided by
//! a single two-pair pairing check.

pub mod fixed;
pub mod instances;
pub mod keys;
pub mod proof;
pub mod prover;
pub mod rerandomize;
pub mod verifier;

pub use keys::{setup, ProvingKey, VerifyingKey};
pub use proof::Proof;
pub use prover::prove;
pub use verifier::{accumulate, verify};

use ark_bn254::Fr;
use ark_ff::FftField;

/// Random coefficients of the multiple of `Z_H` added to every witness column,
/// `Z_H·(b₀ + b₁X + b₂X² + b₃X³)`: a column is revealed at up to four points — τ (its
/// commitment), ζ and ζω (its openings) and ωτ (the quotient's commitment reads the next-row
/// columns there) — and four independent blinders make its values at all four uniform
/// (docs/design.md, "Zero knowledge").
pub const WITNESS_BLINDERS: usize = 4;

/// Random coefficients of the hiding of the private fixed columns (the parameter column and
/// the packed weights), `δ₀·Z_H + δ₁·X·Z_H`: each proof reveals such a column twice, by its
/// re-randomised commitment and at ζ, so it needs two fresh blinders.
pub const HIDING_BLINDERS: usize = 2;

/// Offset of the coset on which the prover evaluates the quotient (not in any subgroup of H).
pub fn coset_offset() -> Fr {
    Fr::GENERATOR
}

#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod freivalds_tests;
#[cfg(test)]
mod hiding_tests;
#[cfg(test)]
mod multiopen_attack_tests;
#[cfg(test)]
mod logup_merge_tests;
#[cfg(test)]
mod input_forgery_tests;
#[cfg(test)]
mod limb_tests;
#[cfg(test)]
mod interpolation_tests;
