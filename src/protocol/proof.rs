//! The proof and its byte encoding: exactly the calldata the Solidity verifier reads
//! (docs/spec.md §4). Decoding is strict: exact length, every scalar < r, every point on G1.

use super::rerandomize::Rerandomized;
use super::HIDING_BLINDERS;
use crate::blocks::{NEXT_ROW, NUM_FIXED, NUM_WITNESS, ROUND1, ROUND2};
use crate::pcs::encoding::{fr_to_word, g1_to_words, word_to_fr, words_to_g1, Word};
use crate::{Error, Result};
use ark_bn254::{Fr, G1Affine};

/// Evaluations at ζ: every witness column, then every fixed column.
pub const NUM_EVALS: usize = NUM_WITNESS + NUM_FIXED;
/// G1 points in a proof: re-randomised parameters and its nonce, the witness columns, the
/// combined packed weights and their nonce, the quotient and the two points of the opening.
pub const NUM_POINTS: usize = 2 + ROUND1.len() + ROUND2.len() + 2 + 1 + 2;
/// Scalars in a proof: the two re-randomisations' responses and the evaluations.
pub const NUM_SCALARS: usize = 2 * HIDING_BLINDERS + NUM_EVALS + NEXT_ROW.len();
/// Proof length in bytes.
pub const PROOF_BYTES: usize = 32 * (2 * NUM_POINTS + NUM_SCALARS);

/// One proof of one inference.
#[derive(Clone, Debug, PartialEq)]
pub struct Proof {
    /// `[P'] = [P]_vk + δ₀·[Z_H] + δ₁·[X·Z_H]`: the parameter column with fresh hiding, and
    /// its proof.
    pub param: Rerandomized,
    /// `[a], [b], [c], [d], [m]`.
    pub round1: Vec<G1Affine>,
    /// `[h₁], [h₂], [h₃], [φ], [s]`.
    pub round2: Vec<G1Affine>,
    /// `[U'] = Σ_t η^t·[W_t]_vk + δ_U0·[Z_H] + δ_U1·[X·Z_H]`: the packed weights combined,
    /// with fresh hiding, and its proof.
    pub packed: Rerandomized,
    /// `[T]`, the quotient.
    pub quotient: G1Affine,
    /// Witness then fixed columns at ζ.
    pub evals: Vec<Fr>,
    /// The [`NEXT_ROW`] columns at ζω.
    pub evals_next: Vec<Fr>,
    /// `W`: the combined quotient of every opened polynomial by its opening set
    /// ([`crate::pcs::multiopen`]).
    pub opening: G1Affine,
    /// `W'`: the KZG opening at the challenge `z` of the linearised `L`.
    pub opening_z: G1Affine,
}

impl Proof {
    /// Serializes as 32-byte words: `[P']`, its nonce, its two responses, the two responses of
    /// `[U']`, round-1 points, round-2 points, `[U']` and its nonce, quotient, evaluations at ζ,
    /// evaluations at ζω, `W`, `W'`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut words: Vec<Word> = Vec::with_capacity(PROOF_BYTES / 32);
        words.extend(g1_to_words(&self.param.commitment));
        words.extend(g1_to_words(&self.param.nonce));
        words.extend(self.param.response.iter().chain(&self.packed.response).map(fr_to_word));
        let packed = [&self.packed.commitment, &self.packed.nonce, &self.quotient];
        for p in self.round1.iter().chain(&self.round2).chain(packed) {
            words.extend(g1_to_words(p));
        }
        words.extend(self.evals.iter().chain(&self.evals_next).map(fr_to_word));
        words.extend(g1_to_words(&self.opening));
        words.extend(g1_to_words(&self.opening_z));
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
        let responses = words[4..4 + 2 * HIDING_BLINDERS].iter().map(word_to_fr).collect::<Result<Vec<_>>>()?;
        let response = |k: usize| -> [Fr; HIDING_BLINDERS] { std::array::from_fn(|i| responses[k * HIDING_BLINDERS + i]) };
        let first = 4 + 2 * HIDING_BLINDERS;
        let mut it = words[first..].iter();
        let mut point = || -> Result<G1Affine> {
            let (x, y) = (it.next().expect("length checked"), it.next().expect("length checked"));
            words_to_g1(x, y)
        };
        let round1 = (0..ROUND1.len()).map(|_| point()).collect::<Result<Vec<_>>>()?;
        let round2 = (0..ROUND2.len()).map(|_| point()).collect::<Result<Vec<_>>>()?;
        let packed_commitment = point()?;
        let packed_nonce = point()?;
        let quotient = point()?;
        let base = first + 2 * (ROUND1.len() + ROUND2.len() + 3);
        let scalars = &words[base..base + NUM_EVALS + NEXT_ROW.len()];
        let scalars = scalars.iter().map(word_to_fr).collect::<Result<Vec<_>>>()?;
        let tail = base + scalars.len();
        let opening = words_to_g1(&words[tail], &words[tail + 1])?;
        let opening_z = words_to_g1(&words[tail + 2], &words[tail + 3])?;
        Ok(Self {
            param: Rerandomized { commitment: param_commitment, nonce: param_nonce, response: response(0) },
            round1,
            round2,
            packed: Rerandomized { commitment: packed_commitment, nonce: packed_nonce, response: response(1) },
            quotient,
            evals: scalars[..NUM_EVALS].to_vec(),
            evals_next: scalars[NUM_EVALS..].to_vec(),
            opening,
            opening_z,
        })
    }
}
