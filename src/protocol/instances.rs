//! The public values as the contracts take them: each a big-endian two's-complement 64-bit
//! integer, four to a 32-byte word, the last word padded with zero bytes (docs/spec.md §3).
//!
//! Every public value is a signed fixed-point integer of at most `2^(2s−1) − 1 ≤ 2^47` in
//! magnitude ([`crate::compiler::graph::max_wire`]), so an eighth of a word holds it: calldata
//! costs a quarter of one word per value, and no value can be a non-canonical field element.
//! The transcript absorbs the packed words as the contracts receive them ([`absorb`]). A field
//! element outside `[−2^63, 2^63)` has no encoding: the contracts cannot be sent it and the Rust
//! verifier rejects it.

use crate::pcs::encoding::{fr_from_i128, fr_to_i128, fr_to_word, Word};
use crate::transcript::Transcript;
use ark_bn254::Fr;

/// Bytes of one public value.
pub const VALUE_BYTES: usize = 8;
/// Public values per 32-byte word.
pub const VALUES_PER_WORD: usize = 32 / VALUE_BYTES;

/// Words that `count` public values take.
pub fn word_count(count: usize) -> usize {
    count.div_ceil(VALUES_PER_WORD)
}

/// The public values packed into words; `Err(k)` names the first value that is not a signed
/// 64-bit integer.
pub fn pack(values: &[Fr]) -> std::result::Result<Vec<Word>, usize> {
    let mut words = vec![[0u8; 32]; word_count(values.len())];
    for (k, v) in values.iter().enumerate() {
        let x = fr_to_i128(v).and_then(|x| i64::try_from(x).ok()).ok_or(k)?;
        let at = k % VALUES_PER_WORD * VALUE_BYTES;
        words[k / VALUES_PER_WORD][at..at + VALUE_BYTES].copy_from_slice(&x.to_be_bytes());
    }
    Ok(words)
}

/// Absorbs the public values as one list: their packed words behind the word count, as the
/// contracts absorb their `instances` (docs/spec.md §3). Values without an encoding, which no
/// verifier accepts but the tests' circuit-only replays need a transcript for, are absorbed as
/// field elements behind `2^128 + P`, a length no packed list has.
pub fn absorb(t: &mut Transcript, values: &[Fr]) {
    match pack(values) {
        Ok(words) => t.absorb_list(Fr::from(words.len() as u64), &words),
        Err(_) => {
            let len = Fr::from(u128::MAX) + Fr::from(1u64 + values.len() as u64);
            t.absorb_list(len, &values.iter().map(fr_to_word).collect::<Vec<_>>())
        }
    }
}

/// [`pack`], with `Err(Rejected)` naming the first value that has no encoding.
pub fn pack_or_reject(values: &[Fr]) -> crate::Result<Vec<Word>> {
    pack(values).map_err(|k| crate::Error::Rejected(format!("public value {k} is not a signed 64-bit integer")))
}

/// The `count` public values of packed words, or `None` for the wrong number of words or
/// non-zero padding.
pub fn unpack(words: &[Word], count: usize) -> Option<Vec<Fr>> {
    if words.len() != word_count(count) {
        return None;
    }
    let bytes: Vec<u8> = words.concat();
    let (values, padding) = bytes.split_at(count * VALUE_BYTES);
    if padding.iter().any(|b| *b != 0) {
        return None;
    }
    let value = |c: &[u8]| fr_from_i128(i64::from_be_bytes(c.try_into().expect("8 bytes")).into());
    Some(values.chunks(VALUE_BYTES).map(value).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::Field;

    #[test]
    fn packs_signed_values_four_to_a_word_and_back() {
        let values: Vec<Fr> = [0i128, 1, -1, i64::MAX as i128, i64::MIN as i128, -5].into_iter().map(fr_from_i128).collect();
        let words = pack(&values).unwrap();
        assert_eq!(words.len(), 2);
        assert_eq!(&words[0][16..24], &[0xff; 8], "−1 is two's complement");
        assert_eq!(&words[1][16..], &[0; 16], "padding is zero");
        assert_eq!(unpack(&words, values.len()).unwrap(), values);
    }

    #[test]
    fn a_value_outside_64_bits_has_no_encoding() {
        for (v, k) in [(fr_from_i128(1 << 63), 1), (fr_from_i128(-(1 << 63) - 1), 1), (Fr::from(2u64).pow([200u64]), 1)] {
            assert_eq!(pack(&[Fr::from(3u64), v]), Err(k));
        }
    }

    #[test]
    fn padding_and_length_are_canonical() {
        let mut words = pack(&[Fr::from(7u64)]).unwrap();
        words[0][31] = 1;
        assert!(unpack(&words, 1).is_none(), "non-zero padding");
        assert!(unpack(&words, 5).is_none(), "wrong word count");
    }
}
