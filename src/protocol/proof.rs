//! The proof and its byte encoding: exactly the calldata the Solidity verifier reads
//! (docs/spec.md §4). Decoding is strict: exact length, every scalar < r, every point on G1.

use crate::blocks::{NEXT_ROW, NUM_FIXED, NUM_WITNESS, ROUND1, ROUND2};
use crate::pcs::encoding::{fr_to_word, g1_to_words, word_to_fr, words_to_g1, Word};
use crate::{Error, Result};
use ark_bn254::{Fr, G1Affine};

/// Evaluations at ζ: every witness column, then every fixed column.
pub const NUM_EVALS: usize = NUM_WITNESS + NUM_FIXED;
/// G1 points in a proof: re-randomised parameters and its nonce, the witness columns, the
/// combined packed weights and their nonce, the quotient and two opening proofs.
pub const NUM_POINTS: usize = 2 + ROUND1.len() + ROUND2.len() + 2 + 1 + 2;
/// Scalars in a proof: the two Schnorr responses and the evaluations.
pub const NUM_SCALARS: usize = 2 + NUM_EVALS + NEXT_ROW.len();
/// Proof length in bytes.
pub const PROOF_BYTES: usize = 32 * (2 * NUM_POINTS + NUM_SCALARS);

/// One proof of one inference.
#[derive(Clone, Debug, PartialEq)]
pub struct Proof {
    /// `[P']₁ = [P]_vk + δ·[Z_H]`: the parameter column with fresh hiding.
    pub param_commitment: G1Affine,
    /// Schnorr nonce `k·[Z_H]` proving knowledge of δ.
    pub param_nonce: G1Affine,
    /// Schnorr response `k + e·δ`.
    pub param_response: Fr,
    /// Schnorr response `k_U + e_U·δ_U` for [`Self::packed_commitment`].
    pub packed_response: Fr,
    /// `[a], [b], [c], [d], [m]`.
    pub round1: Vec<G1Affine>,
    /// `[h₁], [h₂], [h₃], [φ], [s]`.
    pub round2: Vec<G1Affine>,
    /// `[U'] = Σ_t η^t·[W_{t+2}]_vk + δ_U·[Z_H]`: the packed weights combined, with fresh hiding.
    pub packed_commitment: G1Affine,
    /// Schnorr nonce `k_U·[Z_H]` proving knowledge of δ_U.
    pub packed_nonce: G1Affine,
    /// `[T]`, the quotient.
    pub quotient: G1Affine,
    /// Witness then fixed columns at ζ.
    pub evals: Vec<Fr>,
    /// The [`NEXT_ROW`] columns at ζω.
    pub evals_next: Vec<Fr>,
    /// Batched opening proof at ζ.
    pub opening: G1Affine,
    /// Batched opening proof at ζω.
    pub opening_next: G1Affine,
}

impl Proof {
    /// Serializes as 32-byte words: `[P']`, its nonce, the two Schnorr responses, round-1
    /// points, round-2 points, `[U']` and its nonce, quotient, evaluations at ζ, evaluations at
    /// ζω, the two opening proofs.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut words: Vec<Word> = Vec::with_capacity(PROOF_BYTES / 32);
        words.extend(g1_to_words(&self.param_commitment));
        words.extend(g1_to_words(&self.param_nonce));
        words.push(fr_to_word(&self.param_response));
        words.push(fr_to_word(&self.packed_response));
        let packed = [&self.packed_commitment, &self.packed_nonce, &self.quotient];
        for p in self.round1.iter().chain(&self.round2).chain(packed) {
            words.extend(g1_to_words(p));
        }
        words.extend(self.evals.iter().chain(&self.evals_next).map(fr_to_word));
        words.extend(g1_to_words(&self.opening));
        words.extend(g1_to_words(&self.opening_next));
        words.concat()
    }

    /// Strict decoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != PROOF_BYTES {
            return Err(Error::MalformedProof(format!("proof is {} bytes, expected {PROOF_BYTES}", bytes.len())));
        }
        let words: Vec<Word> = bytes.chunks(32).map(|c| c.try_into().expect("32 bytes")).collect();
        let param_commitment = words_to_g1(&words[0], &words[1])?;
        let param_nonce = words_to_g1(&words[2], &words[3])?;
        let param_response = word_to_fr(&words[4])?;
        let packed_response = word_to_fr(&words[5])?;
        let mut it = words[6..].iter();
        let mut point = || -> Result<G1Affine> {
            let (x, y) = (it.next().expect("length checked"), it.next().expect("length checked"));
            words_to_g1(x, y)
        };
        let round1 = (0..ROUND1.len()).map(|_| point()).collect::<Result<Vec<_>>>()?;
        let round2 = (0..ROUND2.len()).map(|_| point()).collect::<Result<Vec<_>>>()?;
        let packed_commitment = point()?;
        let packed_nonce = point()?;
        let quotient = point()?;
        let base = 6 + 2 * (ROUND1.len() + ROUND2.len() + 3);
        let scalars = &words[base..base + NUM_EVALS + NEXT_ROW.len()];
        let scalars = scalars.iter().map(word_to_fr).collect::<Result<Vec<_>>>()?;
        let tail = base + scalars.len();
        let opening = words_to_g1(&words[tail], &words[tail + 1])?;
        let opening_next = words_to_g1(&words[tail + 2], &words[tail + 3])?;
        Ok(Self {
            param_commitment,
            param_nonce,
            param_response,
            packed_response,
            round1,
            round2,
            packed_commitment,
            packed_nonce,
            quotient,
            evals: scalars[..NUM_EVALS].to_vec(),
            evals_next: scalars[NUM_EVALS..].to_vec(),
            opening,
            opening_next,
        })
    }
}
