//! Reader for snarkjs Powers-of-Tau files (`.ptau`, BN254), the format of the public Hermez and
//! Perpetual Powers of Tau ceremonies.
//!
//! Layout: magic `ptau`, version (u32), section count (u32), then sections `(id: u32, size: u64,
//! bytes)`. Section 1 is the header (`n8`, the prime q, `power`, `ceremonyPower`); section 2 holds
//! `2·2^power − 1` G1 points `[τ^i]₁`, section 3 `2^power` G2 points `[τ^i]₂`. Coordinates are
//! little-endian Montgomery limbs, which is arkworks' internal representation for BN254 as well.

use super::Srs;
use crate::{Error, Result};
use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField};
use rayon::prelude::*;
use std::path::Path;

fn fail(path: &Path, reason: impl Into<String>) -> Error {
    Error::Srs { path: path.to_path_buf(), reason: reason.into() }
}

fn fq_mont(bytes: &[u8]) -> Option<Fq> {
    let mut limbs = [0u64; 4];
    for (i, l) in limbs.iter_mut().enumerate() {
        *l = u64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().ok()?);
    }
    let big = BigInt::new(limbs);
    (big < Fq::MODULUS).then(|| Fq::new_unchecked(big))
}

/// Loads the first `num_g1` G1 powers (and `[1]₂`, `[τ]₂`) from a `.ptau` file.
pub fn load(path: &Path, num_g1: usize) -> Result<Srs> {
    let data = std::fs::read(path).map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
    if data.len() < 12 || &data[..4] != b"ptau" {
        return Err(fail(path, "not a snarkjs Powers-of-Tau file (bad magic)"));
    }
    let n_sections = u32::from_le_bytes(data[8..12].try_into().expect("4 bytes")) as usize;
    let mut sections = std::collections::HashMap::new();
    let mut pos = 12usize;
    for _ in 0..n_sections {
        let header = data.get(pos..pos + 12).ok_or_else(|| fail(path, "truncated section header"))?;
        let id = u32::from_le_bytes(header[..4].try_into().expect("4 bytes"));
        let size = u64::from_le_bytes(header[4..12].try_into().expect("8 bytes")) as usize;
        let start = pos + 12;
        let end = start.checked_add(size).filter(|e| *e <= data.len()).ok_or_else(|| fail(path, "truncated section"))?;
        sections.insert(id, (start, end));
        pos = end;
    }
    let (h0, h1) = *sections.get(&1).ok_or_else(|| fail(path, "missing header section"))?;
    let header = &data[h0..h1];
    if header.len() < 4 + 32 + 8 {
        return Err(fail(path, "short header"));
    }
    let n8 = u32::from_le_bytes(header[..4].try_into().expect("4 bytes")) as usize;
    let q_le: Vec<u8> = Fq::MODULUS.0.iter().flat_map(|l| l.to_le_bytes()).collect();
    if n8 != 32 || header[4..36] != q_le[..] {
        return Err(fail(path, "not a BN254 (bn128) ceremony"));
    }
    let power = u32::from_le_bytes(header[36..40].try_into().expect("4 bytes"));
    let available = (1usize << power) * 2 - 1;
    if num_g1 > available {
        return Err(Error::SrsTooSmall { have: available, need: num_g1 });
    }
    let (g1s, g1e) = *sections.get(&2).ok_or_else(|| fail(path, "missing tauG1 section"))?;
    if g1e - g1s < num_g1 * 64 {
        return Err(fail(path, "tauG1 section shorter than its header says"));
    }
    let g1: Vec<G1Affine> = data[g1s..g1s + num_g1 * 64]
        .par_chunks(64)
        .map(|c| {
            let (x, y) = (fq_mont(&c[..32])?, fq_mont(&c[32..])?);
            let p = G1Affine::new_unchecked(x, y);
            (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()).then_some(p)
        })
        .collect::<Option<_>>()
        .ok_or_else(|| fail(path, "a tauG1 point is not a valid BN254 G1 point"))?;
    if g1.first() != Some(&G1Affine::generator()) {
        return Err(fail(path, "tauG1[0] is not the generator"));
    }
    let (g2s, g2e) = *sections.get(&3).ok_or_else(|| fail(path, "missing tauG2 section"))?;
    if g2e - g2s < 2 * 128 {
        return Err(fail(path, "tauG2 section too short"));
    }
    let g2_at = |i: usize| -> Option<G2Affine> {
        let c = &data[g2s + 128 * i..g2s + 128 * (i + 1)];
        let x = Fq2::new(fq_mont(&c[..32])?, fq_mont(&c[32..64])?);
        let y = Fq2::new(fq_mont(&c[64..96])?, fq_mont(&c[96..])?);
        let p = G2Affine::new_unchecked(x, y);
        (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()).then_some(p)
    };
    let g2 = g2_at(0).ok_or_else(|| fail(path, "invalid tauG2[0]"))?;
    let tau_g2 = g2_at(1).ok_or_else(|| fail(path, "invalid tauG2[1]"))?;
    if g2 != G2Affine::generator() {
        return Err(fail(path, "tauG2[0] is not the generator"));
    }
    // The G1 and G2 powers must share one τ: e([τ]₁, [1]₂) = e([1]₁, [τ]₂).
    if g1.len() > 1 {
        use ark_ec::pairing::Pairing;
        if ark_bn254::Bn254::pairing(g1[1], g2) != ark_bn254::Bn254::pairing(g1[0], tau_g2) {
            return Err(fail(path, "tauG1 and tauG2 do not use the same τ"));
        }
    }
    Ok(Srs { g1, g2, tau_g2, lagrange: Vec::new() })
}
