//! Verification gas of a generated verifier, by component, from its verifying key: what
//! `gen-verifier` and `inspect` print, and what a test compares with the gas anvil mines.
//!
//! The precompile parts are exact counts of the calls the generated `_verify` makes (the same
//! walk over the commitments as [`super::codegen`]) at their Prague prices; calldata is priced
//! byte by byte (16 gas per non-zero byte, 4 per zero byte) from the call's encoding, or, before
//! any proof exists, from the proof layout (words the key makes zero are zero, every other word
//! non-zero, instances as full words: an upper bound for small positive values). The rest of
//! the interpreter's work is a per-public-value and a fixed part, measured on anvil
//! (`estimate_matches_mined_gas`).

use super::codegen::{proof_words, zeta_bases};
use crate::blocks::{freivalds, Fix, Wit, NUM_WITNESS, NEXT_ROW, ROUND1};
use crate::protocol::verifier::reads_packed_weights;
use crate::protocol::VerifyingKey;
use ark_ec::AffineRepr;

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
/// Interpreter work per public value: its strictness check, transcript absorb, Lagrange
/// fraction and ABI copy (measured, see the module comment).
const PER_PUBLIC_VALUE: u64 = 470;
/// Interpreter work independent of the key's size: decoding, the transcript's challenges, the
/// constraints at ζ, the MSM's scalar bookkeeping (measured).
const FIXED_WORK: u64 = 36_000;

/// A gas estimate: named parts that add up to the total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GasEstimate {
    pub parts: Vec<(String, u64)>,
}

impl GasEstimate {
    pub fn total(&self) -> u64 {
        self.parts.iter().map(|(_, g)| g).sum()
    }
}

impl std::fmt::Display for GasEstimate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.parts.iter().map(|(what, g)| format!("{what} {g}")).collect();
        write!(f, "{} gas ({})", self.total(), parts.join(", "))
    }
}

/// Elliptic-curve precompile calls of `_verify`: (ecMul, ecAdd).
pub fn curve_operations(vk: &VerifyingKey) -> (u64, u64) {
    // Re-randomisation of P': P' − F_P, then e·D + R + (r − z₁)·Z₁ against z₀·Z.
    let (mut muls, mut adds) = (3, 3);
    if reads_packed_weights(vk) {
        // U' − W_0 − Σ_{t>0} η^t·W_t over the columns in use, then its own Okamoto check.
        let used: Vec<usize> = (0..vk.packed_commitments.len()).filter(|t| !vk.packed_commitments[*t].is_zero()).collect();
        muls += used.iter().filter(|t| **t > 0).count() as u64 + 3;
        adds += used.len() as u64 + 2;
    }
    // The MSM: a first base at ν^0 is stored, the others multiplied and added.
    let bases: Vec<usize> = zeta_bases(vk).iter().enumerate().filter(|(_, (_, p))| p.is_some()).map(|(i, _)| i).collect();
    let stored = bases.first().is_some_and(|i| *i == 0 && !NEXT_ROW.iter().any(|c| *c as usize == 0));
    let n = bases.len() as u64;
    muls += n - u64::from(stored);
    adds += n.saturating_sub(1);
    // −v·G, ζ·W_ζ, ρ·ζω·W_ζω added; R = W_ζ + ρ·W_ζω.
    (muls + 4, adds + 4)
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
/// lengths, the proof words (zero where the key makes them zero, else all ones) and full-word
/// instances.
fn layout_calldata(vk: &VerifyingKey) -> Vec<u8> {
    let n_pub = vk.num_inputs + vk.num_outputs;
    let mut zero_columns: Vec<usize> = Vec::new();
    if vk.matrix_products_unused() {
        zero_columns.extend(freivalds::COLUMNS.iter().map(|c| *c as usize));
    }
    // Zero words: the evaluations of zero columns, and the commitments of zero witness columns.
    let mut zero_words: Vec<usize> = Vec::new();
    if !reads_packed_weights(vk) {
        zero_columns.push(Wit::U as usize);
        zero_words.extend(proof_words::PACKED..proof_words::PACKED_NONCE + 2);
        zero_words.extend(proof_words::PACKED_RESPONSE..proof_words::PACKED_RESPONSE + 2);
    }
    let zero_fixed = (0..vk.fixed_commitments.len()).filter(|i| *i != Fix::Param as usize && vk.fixed_commitments[*i].is_zero());
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
    data.extend(word(n_pub as u64));
    data.extend(std::iter::repeat_n(0xffu8, 32 * n_pub));
    data
}

/// The gas of a `submitProof` transaction against the verifier of `vk`, by part; `calldata` is
/// the call's encoding when a proof exists (else its layout is priced).
pub fn estimate(vk: &VerifyingKey, calldata: Option<&[u8]>) -> GasEstimate {
    let (muls, adds) = curve_operations(vk);
    let n_pub = (vk.num_inputs + vk.num_outputs) as u64;
    let data = calldata.map_or_else(|| calldata_gas(&layout_calldata(vk)), calldata_gas);
    let calls = muls + adds + 2;
    GasEstimate {
        parts: vec![
            ("transaction".into(), TX_BASE),
            ("calldata".into(), data),
            (format!("{muls} ecMul"), muls * EC_MUL),
            (format!("{adds} ecAdd"), adds * EC_ADD),
            ("pairing".into(), PAIRING),
            ("modexp".into(), modexp()),
            ("precompile calls".into(), calls * PER_CALL),
            (format!("{n_pub} public values"), n_pub * PER_PUBLIC_VALUE),
            ("field arithmetic and transcript".into(), FIXED_WORK),
        ],
    }
}
