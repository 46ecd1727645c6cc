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
        self.absorb_list(Fr::from(xs.len() as u64), &xs.iter().map(fr_to_word).collect::<Vec<_>>());
    }

    /// Absorbs words behind a length word as one absorb of `(len, w₁, …, w_n)`.
    pub fn absorb_list(&mut self, len: Fr, ws: &[Word]) {
        let mut words = Vec::with_capacity(ws.len() + 1);
        words.push(fr_to_word(&len));
        words.extend_from_slice(ws);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pcs::encoding::{hex_to_word, word_hex};

    /// The shared vectors in tests/vectors/transcript.json, also checked by the Solidity tests.
    #[test]
    fn matches_shared_vectors() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/transcript.json");
        let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let word = |v: &serde_json::Value| hex_to_word(v.as_str().unwrap()).unwrap();
        let mut checked = 0;
        for vector in doc["vectors"].as_array().unwrap() {
            let mut t = Transcript::new(&word(&vector["vk_digest"]));
            assert_eq!(word_hex(&t.state()), vector["init_state"].as_str().unwrap());
            for op in vector["ops"].as_array().unwrap() {
                match op["op"].as_str().unwrap() {
                    "absorb_word" => t.absorb_words(&[word(&op["word"])]),
                    "absorb_point" => t.absorb_words(&[word(&op["x"]), word(&op["y"])]),
                    "absorb_words" => {
                        let ws: Vec<Word> = op["words"].as_array().unwrap().iter().map(word).collect();
                        let mut all = vec![fr_to_word(&Fr::from(ws.len() as u64))];
                        all.extend(ws);
                        t.absorb_words(&all);
                    }
                    "challenge" => {
                        let c = t.challenge();
                        assert_eq!(word_hex(&t.state()), op["state"].as_str().unwrap());
                        assert_eq!(word_hex(&fr_to_word(&c)), op["challenge"].as_str().unwrap());
                        checked += 1;
                    }
                    other => panic!("unknown op {other}"),
                }
            }
        }
        assert!(checked >= 3);
    }
}
