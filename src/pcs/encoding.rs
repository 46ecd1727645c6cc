//! The EVM encoding of field elements and points (docs/spec.md §1): 32-byte big-endian words,
//! G1 as `(x, y)` with `(0, 0)` for infinity, G2 as `(x.c1, x.c0, y.c1, y.c0)`.
//! Decoding is strict: a word ≥ the modulus or a point off the curve is an error, never reduced.

use crate::{Error, Result};
use ark_bn254::{Fq, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField, Zero};

/// One 32-byte big-endian EVM word.
pub type Word = [u8; 32];

fn to_word<F: PrimeField>(x: &F) -> Word {
    let bytes = x.into_bigint().to_bytes_be();
    let mut w = [0u8; 32];
    w[32 - bytes.len()..].copy_from_slice(&bytes);
    w
}

fn from_word_strict<F: PrimeField>(w: &Word, what: &str) -> Result<F> {
    let mut le = *w;
    le.reverse();
    let mut big = F::BigInt::default();
    for (i, limb) in big.as_mut().iter_mut().enumerate() {
        *limb = u64::from_le_bytes(le[8 * i..8 * i + 8].try_into().expect("8 bytes"));
    }
    F::from_bigint(big).ok_or_else(|| {
        Error::MalformedProof(format!("{what} 0x{} is not below the field modulus", hex::encode(w)))
    })
}

/// Scalar → word.
pub fn fr_to_word(x: &Fr) -> Word {
    to_word(x)
}

/// Word → scalar; rejects values ≥ r.
pub fn word_to_fr(w: &Word) -> Result<Fr> {
    from_word_strict(w, "scalar")
}

/// Base-field element → word.
pub fn fq_to_word(x: &Fq) -> Word {
    to_word(x)
}

/// G1 → `(x, y)`; infinity is `(0, 0)`.
pub fn g1_to_words(p: &G1Affine) -> [Word; 2] {
    match p.xy() {
        Some((x, y)) => [to_word(&x), to_word(&y)],
        None => [[0u8; 32]; 2],
    }
}

/// `(x, y)` → G1; rejects coordinates ≥ q and points off the curve.
pub fn words_to_g1(x: &Word, y: &Word) -> Result<G1Affine> {
    let x: Fq = from_word_strict(x, "G1 coordinate")?;
    let y: Fq = from_word_strict(y, "G1 coordinate")?;
    if x.is_zero() && y.is_zero() {
        return Ok(G1Affine::zero());
    }
    let p = G1Affine::new_unchecked(x, y);
    if !p.is_on_curve() {
        return Err(Error::MalformedProof("G1 point is not on the curve".into()));
    }
    Ok(p)
}

/// G2 in the pairing precompile's order `(x.c1, x.c0, y.c1, y.c0)`.
pub fn g2_to_words(p: &G2Affine) -> [Word; 4] {
    let (x, y) = p.xy().expect("the verifier's G2 points are never infinity");
    [to_word(&x.c1), to_word(&x.c0), to_word(&y.c1), to_word(&y.c0)]
}

/// `(x.c1, x.c0, y.c1, y.c0)` → G2; rejects non-canonical words and points off the curve or
/// outside the prime-order subgroup.
pub fn words_to_g2(w: &[Word; 4]) -> Result<G2Affine> {
    let c = |i: usize| from_word_strict::<Fq>(&w[i], "G2 coordinate");
    let x = ark_bn254::Fq2::new(c(1)?, c(0)?);
    let y = ark_bn254::Fq2::new(c(3)?, c(2)?);
    let p = G2Affine::new_unchecked(x, y);
    if !p.is_on_curve() || !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(Error::MalformedProof("G2 point is not a valid BN254 G2 point".into()));
    }
    Ok(p)
}

/// A word as a `0x`-prefixed hex string.
pub fn word_hex(w: &Word) -> String {
    format!("0x{}", hex::encode(w))
}

/// Parses a `0x` hex word of exactly 64 digits.
pub fn hex_to_word(s: &str) -> Result<Word> {
    // Canonical only, as `word_hex` writes it: another spelling of the same word ("", "0x0",
    // no prefix) would let an edited file mean the same thing.
    let bad = |why: &str| Error::MalformedProof(format!("bad hex word {s:?}: {why}"));
    let digits = s.strip_prefix("0x").ok_or_else(|| bad("no 0x prefix"))?;
    if digits.len() != 64 {
        return Err(bad("not 64 hex digits"));
    }
    let bytes = hex::decode(digits).map_err(|e| bad(&e.to_string()))?;
    Ok(bytes.try_into().expect("64 hex digits are 32 bytes"))
}

/// A signed integer as a field element: `v` or `r − |v|`.
pub fn fr_from_i128(v: i128) -> Fr {
    if v >= 0 {
        Fr::from(v as u128)
    } else {
        -Fr::from(v.unsigned_abs())
    }
}

/// The signed integer a field element stands for, if it lies in (−2^127, 2^127).
pub fn fr_to_i128(x: &Fr) -> Option<i128> {
    let small = |f: &Fr| -> Option<u128> {
        let big = f.into_bigint();
        let limbs = big.as_ref();
        (limbs[2] == 0 && limbs[3] == 0 && limbs[1] >> 63 == 0).then(|| (limbs[1] as u128) << 64 | limbs[0] as u128)
    };
    if let Some(v) = small(x) {
        return Some(v as i128);
    }
    small(&-*x).map(|v| -(v as i128))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;
    use ark_std::UniformRand;

    #[test]
    fn roundtrip_and_strictness() {
        let mut rng = ark_std::test_rng();
        let p = (G1Affine::generator() * Fr::rand(&mut rng)).into_affine();
        let [x, y] = g1_to_words(&p);
        assert_eq!(words_to_g1(&x, &y).unwrap(), p);
        assert_eq!(words_to_g1(&[0; 32], &[0; 32]).unwrap(), G1Affine::zero());
        // y + 1 is off the curve.
        let mut y1 = y;
        y1[31] ^= 1;
        assert!(words_to_g1(&x, &y1).is_err());
        // r itself is not a scalar, r − 1 is.
        let r = hex_to_word("0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001").unwrap();
        assert!(word_to_fr(&r).is_err());
        let mut r1 = r;
        r1[31] = 0;
        assert_eq!(word_to_fr(&r1).unwrap(), -Fr::from(1u64));
        // q is not a coordinate.
        let q = hex_to_word("0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47").unwrap();
        assert!(words_to_g1(&q, &[0; 32]).is_err());
        for v in [0i128, 1, -1, 123456789, -987654321012345] {
            assert_eq!(fr_to_i128(&fr_from_i128(v)), Some(v));
        }
    }
}
