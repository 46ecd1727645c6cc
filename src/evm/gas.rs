//! Verification gas of a generated verifier, by component, from its verifying key: what
//! `gen-verifier` and `inspect` print, and what a test compares with the gas anvil mines.
//!
//! The precompile parts are exact counts of the calls the generated `_verify` makes (the same
//! walk over the commitments as [`super::codegen`]) at their Prague prices; calldata is priced
//! byte by byte (16 gas per non-zero byte, 4 per zero byte) from the call's encoding, or, before
//! any proof exists, from the proof layout (words the key makes zero are zero, every other word
//! non-zero, public values alternately negative and as wide as the largest input). The rest of
//! the interpreter's work is a per-public-value and a fixed part, measured on anvil
//! (`estimate_matches_mined_gas`).

use super::codegen::proof_words;
use crate::blocks::{freivalds, Wit, NUM_FIXED, NUM_WITNESS, NEXT_ROW, ROUND1};
use crate::protocol::fixed::FixedLayout;
use crate::protocol::instances;
use crate::compiler::Circuit;
use crate::protocol::VerifyingKey;
use ark_ec::AffineRepr;
use ark_ff::Zero;

/// Intrinsic gas of a transaction.
const TX_BASE: u64 = 21_000;
/// ecMul (EIP-1108).
const EC_MUL: u64 = 6_000;
/// ecAdd (EIP-1108).
const EC_ADD: u64 = 150;
/// ecPairing with two pairs (EIP-1108: 45,000 + 34,000 per pair).
const PAIRING: u64 = 45_000 + 2 * 34_000;
/// Calling a (warm) precompile and writing its input words.
const PER_CALL: u64 = 130;
/// Interpreter work per public value: its decoding, an input's range check, the Lagrange
/// fraction, its share of the transcript absorb and of the event's hash (measured, see the
/// module comment).
const PER_PUBLIC_VALUE: u64 = 330;
/// Interpreter work independent of the key's size: decoding, the transcript's challenges, the
/// constraints at ζ, the MSM's scalar bookkeeping (measured).
const FIXED_WORK: u64 = 31_000;

/// What a verifier's code and gas depend on besides the constraints: which commitments are the
/// point at infinity (all-zero columns), and the public values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyShape {
    /// The used fixed columns and how many share a commitment.
    pub fixed: FixedLayout,
    /// Per packed weight column, whether its commitment is at infinity.
    pub packed_zero: Vec<bool>,
    pub num_public: usize,
    pub scale_bits: u32,
}

impl KeyShape {
    pub fn of_key(vk: &VerifyingKey) -> Self {
        Self {
            fixed: vk.fixed_layout,
            packed_zero: vk.packed_commitments.iter().map(|c| c.is_zero()).collect(),
            num_public: vk.num_inputs + vk.num_outputs,
            scale_bits: vk.scale_bits,
        }
    }

    /// The shape setup will give `c`'s key (with an SRS of [`crate::protocol::keys::srs_size_for`] powers).
    pub fn of_circuit(c: &Circuit) -> Self {
        let zero = |col: &Vec<ark_bn254::Fr>| col.iter().all(|v| v.is_zero());
        Self {
            fixed: FixedLayout::of_columns(&c.fixed, crate::protocol::fixed::interleave_for(c.domain_size)),
            packed_zero: c.packed_weights.iter().map(zero).collect(),
            num_public: c.num_inputs + c.num_outputs,
            scale_bits: c.scale_bits,
        }
    }

    /// The commitments the opening's MSM multiplies: the columns present (witness columns the
    /// key does not make zero, `[T]`, `P'`) and the interleaved fixed commitments.
    pub fn opened_commitments(&self) -> usize {
        (0..NUM_WITNESS).filter(|c| !self.fixed.witness_at_infinity(*c)).count() + 2 + self.fixed.groups().len()
    }
}

/// A gas estimate: named parts and their total.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct GasEstimate {
    pub total: u64,
    pub parts: Vec<(String, u64)>,
}

impl GasEstimate {
    fn of(parts: Vec<(String, u64)>) -> Self {
        Self { total: parts.iter().map(|(_, g)| g).sum(), parts }
    }
}

impl std::fmt::Display for GasEstimate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.parts.iter().map(|(what, g)| format!("{what} {g}")).collect();
        write!(f, "{} gas ({})", self.total, parts.join(", "))
    }
}

/// Elliptic-curve precompile calls of `_verify`: (ecMul, ecAdd).
pub fn curve_operations(shape: &KeyShape) -> (u64, u64) {
    // Re-randomisation of P': P' − F_P, then e·D + R + (r − z₁)·Z₁ against z₀·Z.
    let (mut muls, mut adds) = (3, 3);
    if shape.fixed.reads_packed_weights() {
        // U' − W_0 − Σ_{t>0} η^t·W_t over the columns in use, then its own Okamoto check.
        let used: Vec<usize> = (0..shape.packed_zero.len()).filter(|t| !shape.packed_zero[*t]).collect();
        muls += used.iter().filter(|t| **t > 0).count() as u64 + 3;
        adds += used.len() as u64 + 2;
    }
    // The opening: each commitment multiplied and added, then −v·G and z·W' (W is the start).
    let n = shape.opened_commitments() as u64 + 2;
    (muls + n, adds + n)
}

/// Gas of one modexp of 32-byte operands with exponent r − 2 (EIP-2565).
fn modexp() -> u64 {
    let complexity = (32u64 / 8).pow(2);
    let iterations = 253; // bit length of r − 2, less one
    (complexity * iterations / 3).max(200)
}

/// Calldata gas of `bytes` (EIP-2028).
pub fn calldata_gas(bytes: &[u8]) -> u64 {
    bytes.iter().map(|b| if *b == 0 { 4 } else { 16 }).sum()
}

/// The call `submitProof(proof, instances)` as the layout predicts it: selector, ABI head and
/// lengths, the proof words (zero where the key makes them zero, else all ones) and the
/// instances, half negative and half positive (see the module comment).
fn layout_calldata(shape: &KeyShape) -> Vec<u8> {
    let n_pub = shape.num_public;
    let mut zero_columns: Vec<usize> = Vec::new();
    if shape.fixed.matrix_products_unused() {
        zero_columns.extend(freivalds::COLUMNS.iter().map(|c| *c as usize));
    }
    // Zero words: the evaluations of zero columns, and the commitments of zero witness columns.
    let mut zero_words: Vec<usize> = Vec::new();
    if !shape.fixed.reads_packed_weights() {
        zero_columns.push(Wit::U as usize);
        zero_words.extend(proof_words::PACKED..proof_words::PACKED_NONCE + 2);
        zero_words.extend(proof_words::PACKED_RESPONSE..proof_words::PACKED_RESPONSE + 2);
    }
    let zero_fixed = (0..NUM_FIXED).filter(|i| !shape.fixed.is_used(*i));
    zero_words.extend(zero_columns.iter().chain(&zero_fixed.map(|i| NUM_WITNESS + i).collect::<Vec<_>>()).map(|c| proof_words::EVALS + c));
    for c in zero_columns.iter().filter(|c| **c < Wit::U as usize) {
        let at = if *c < ROUND1.len() { proof_words::ROUND1_AT + 2 * c } else { proof_words::ROUND2_AT + 2 * (c - ROUND1.len()) };
        zero_words.extend([at, at + 1]);
        if let Some(j) = NEXT_ROW.iter().position(|w| *w as usize == *c) {
            zero_words.push(proof_words::EVALS_NEXT + j);
        }
    }
    let mut zero = vec![false; proof_words::WORDS];
    zero_words.into_iter().for_each(|w| zero[w] = true);
    let word = |small: u64| {
        let mut w = [0u8; 32];
        w[24..].copy_from_slice(&small.to_be_bytes());
        w
    };
    let mut data = vec![0xffu8; 4];
    data.extend(word(0x40));
    data.extend(word(0x60 + 32 * proof_words::WORDS as u64));
    data.extend(word(32 * proof_words::WORDS as u64));
    for z in zero {
        data.extend(if z { [0u8; 32] } else { [0xffu8; 32] });
    }
    data.extend(word(instances::word_count(n_pub) as u64));
    // Values alternate a negative one (two's complement: all bytes non-zero) and a positive one
    // as wide as the largest input, 2s bits; then the zero padding.
    let positive_bytes = (2 * shape.scale_bits as usize).div_ceil(8).min(instances::VALUE_BYTES);
    for k in 0..n_pub {
        let nonzero = if k % 2 == 0 { instances::VALUE_BYTES } else { positive_bytes };
        data.extend(std::iter::repeat_n(0u8, instances::VALUE_BYTES - nonzero).chain(std::iter::repeat_n(0xffu8, nonzero)));
    }
    data.resize(data.len() + 32 * instances::word_count(n_pub) - instances::VALUE_BYTES * n_pub, 0);
    data
}

/// The gas of a `submitProof` transaction against the verifier of a key of this shape, by part;
/// `calldata` is the call's encoding when a proof exists (else its layout is priced).
pub fn estimate(shape: &KeyShape, calldata: Option<&[u8]>) -> GasEstimate {
    let (muls, adds) = curve_operations(shape);
    let n_pub = shape.num_public as u64;
    let data = calldata.map_or_else(|| calldata_gas(&layout_calldata(shape)), calldata_gas);
    let calls = muls + adds + 2;
    GasEstimate::of(vec![
            ("transaction".into(), TX_BASE),
            ("calldata".into(), data),
            (format!("{muls} ecMul"), muls * EC_MUL),
            (format!("{adds} ecAdd"), adds * EC_ADD),
            ("pairing".into(), PAIRING),
            ("modexp".into(), modexp()),
            ("precompile calls".into(), calls * PER_CALL),
            (format!("{n_pub} public values"), n_pub * PER_PUBLIC_VALUE),
            ("field arithmetic and transcript".into(), FIXED_WORK),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::tests::{setup_fixture, setup_mixed};

    /// `inspect` prices the key setup will make: the shape read off the circuit is the key's.
    #[test]
    fn shape_of_a_circuit_is_the_shape_of_its_key() {
        for s in [setup_mixed(8, 3), setup_fixture("mlp_16_32_10", 8, 4), setup_fixture("cnn_small", 10, 5)] {
            assert_eq!(KeyShape::of_circuit(&s.circuit), KeyShape::of_key(&s.vk));
        }
    }

    #[test]
    fn calldata_is_priced_per_byte() {
        assert_eq!(calldata_gas(&[0, 1, 0, 255]), 4 + 16 + 4 + 16);
        assert_eq!(modexp(), 1_349);
    }
}
