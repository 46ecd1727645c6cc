//! Keccak-256 Fiat–Shamir transcript, byte-for-byte the one in `contracts/Transcript.sol`.
//!
//! The state is one 32-byte word. `absorb` hashes the state with whole 32-byte words, `challenge`
//! re-hashes the state alone and reads it big-endian modulo r (docs/spec.md §2). Absorbs always
//! hash at least 64 bytes and squeezes exactly 32, so the two can never be confused.

use crate::pcs::encoding::{fr_to_word, g1_to_words, Word};
use ark_bn254::{Fr, G1Affine};
use ark_ff::PrimeField;
use sha3::{Digest, Keccak256};

/// Domain separator hashed with the verifying-key digest at the start of every transcript.
pub const PROTOCOL_ID: &[u8] = b"zktorch-v1";

/// keccak256 of a byte string.
pub fn keccak256(bytes: &[u8]) -> Word {
    Keccak256::digest(bytes).into()
}

/// The running Fiat–Shamir state shared by prover and verifier.
#[derive(Clone, Debug)]
pub struct Transcript {
    state: Word,
}

impl Transcript {
    /// Starts a transcript bound to one verifying key.
    pub fn new(vk_digest: &Word) -> Self {
        let mut input = PROTOCOL_ID.to_vec();
        input.extend_from_slice(vk_digest);
        Self { state: keccak256(&input) }
    }

    /// Absorbs whole words: `s = keccak256(s ‖ w₁ ‖ … ‖ w_k)`.
    pub fn absorb_words(&mut self, words: &[Word]) {
        assert!(!words.is_empty(), "absorb needs at least one word");
        let mut input = Vec::with_capacity(32 * (words.len() + 1));
        input.extend_from_slice(&self.state);
        for w in words {
            input.extend_from_slice(w);
        }
        self.state = keccak256(&input);
    }

    /// Absorbs a G1 point as its two coordinates.
    pub fn absorb_point(&mut self, p: &G1Affine) {
        self.absorb_words(&g1_to_words(p));
    }

    /// Absorbs one scalar.
    pub fn absorb_scalar(&mut self, x: &Fr) {
        self.absorb_words(&[fr_to_word(x)]);
    }

    /// Absorbs a list of scalars as one absorb of `(n, v₁, …, v_n)`.
    pub fn absorb_scalars(&mut self, xs: &[Fr]) {
        let mut words = Vec::with_capacity(xs.len() + 1);
        words.push(fr_to_word(&Fr::from(xs.len() as u64)));
        words.extend(xs.iter().map(fr_to_word));
        self.absorb_words(&words);
    }

    /// Squeezes one challenge: `s = keccak256(s)`, challenge = `s mod r`.
    pub fn challenge(&mut self) -> Fr {
        self.state = keccak256(&self.state);
        Fr::from_be_bytes_mod_order(&self.state)
    }

    /// The current state (for test vectors).
    pub fn state(&self) -> Word {
        self.state
    }
}
