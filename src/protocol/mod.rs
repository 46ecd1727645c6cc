//! The proof system: one multi-round proof per model over the shared domain.
//!
//! Rounds (docs/spec.md §3): commit `a, b, c, d, m` → β, γ → commit `h₁, h₂, h₃, φ` → α →
//! commit the quotient `T = Σ α^k·C_k / Z_H` → ζ → evaluations at ζ and ζω → ν → two batched
//! opening proofs → ρ. The verifier turns the proof into two KZG claims and folds them into one
//! accumulator ([`crate::accumulation`]), decided by a single two-pair pairing check.

pub mod keys;
pub mod proof;
pub mod prover;
pub mod verifier;

pub use keys::{setup, ProvingKey, VerifyingKey};
pub use proof::Proof;
pub use prover::prove;
pub use verifier::{accumulate, verify};

use ark_bn254::Fr;
use ark_ff::FftField;

/// Offset of the coset on which the prover evaluates the quotient (not in any subgroup of H).
pub fn coset_offset() -> Fr {
    Fr::GENERATOR
}

#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod input_forgery_tests;
