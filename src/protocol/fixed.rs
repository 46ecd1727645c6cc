//! Which fixed columns a circuit uses, and how they are interleaved `k` to a commitment.
//!
//! The verifier pays one scalar multiplication per commitment it opens, so the public fixed
//! columns in use (every column but the hidden parameter column, which is committed alone and
//! re-randomised by each proof) are interleaved `k` at a time into `Σ_j X^j·f_j(X^k)` and opened
//! on the roots of `X^k − ζ` ([`crate::pcs::multiopen`]). A column no row uses is all zero and
//! belongs to no group; its value at ζ is zero, and the verifier insists on it. Both the mask of
//! used columns and `k` are in the verifying key's digest.

use crate::blocks::{Fix, NUM_FIXED};
use ark_bn254::Fr;
use ark_ff::Zero;

/// Largest interleaving factor: one commitment holds every fixed column (26 public ones).
pub const MAX_INTERLEAVE: usize = 32;
/// Most interleaved commitments a key can have (`k ≥ 2`); the digest always lists this many,
/// the missing ones as the point at infinity, so a key's digest preimage has one length.
pub const MAX_GROUPS: usize = (NUM_FIXED - 1).div_ceil(2);
/// Opening an interleaved commitment costs the prover two MSMs of `k·N` points; `k` is taken
/// only as large as keeps them within this many points (or within the quotient's `2N`), so a
/// large circuit's proving time does not grow and a small one's grows by milliseconds.
pub const INTERLEAVE_POINTS: usize = 1 << 15;

/// The used fixed columns and their interleaving factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedLayout {
    /// Bit `c` set iff fixed column `c` is used (the parameter column always is: whether it is
    /// hidden is decided by the layout, never by its values).
    pub used: u32,
    /// Columns per interleaved commitment.
    pub k: usize,
}

impl FixedLayout {
    /// The layout of the columns `fixed`, `k` to a commitment.
    pub fn of_columns(fixed: &[Vec<Fr>], k: usize) -> Self {
        let used = fixed
            .iter()
            .enumerate()
            .filter(|(c, col)| *c == Fix::Param as usize || col.iter().any(|v| !v.is_zero()))
            .fold(0u32, |m, (c, _)| m | (1 << c));
        Self { used, k }
    }

    pub fn is_used(&self, c: usize) -> bool {
        self.used >> c & 1 == 1
    }

    /// No matrix product: the product selector is unused, and the matrix-product block's
    /// columns are taken as zero ([`crate::blocks::freivalds::COLUMNS`]).
    pub fn matrix_products_unused(&self) -> bool {
        !self.is_used(Fix::QMatP as usize)
    }

    /// Some row reads the packed weights `U` (the packed input selector is used).
    pub fn reads_packed_weights(&self) -> bool {
        self.is_used(Fix::QPackX as usize)
    }

    /// Whether witness column `c` is taken as the point at infinity by every verifier: the
    /// matrix-product columns without products, `U'` without packed groups.
    pub fn witness_at_infinity(&self, c: usize) -> bool {
        let matrix = crate::blocks::freivalds::COLUMNS.iter().any(|m| *m as usize == c);
        (matrix && self.matrix_products_unused()) || (c == crate::blocks::Wit::U as usize && !self.reads_packed_weights())
    }

    /// The used public columns, in column order, `k` to a group.
    pub fn groups(&self) -> Vec<Vec<usize>> {
        let public: Vec<usize> = (0..NUM_FIXED).filter(|c| *c != Fix::Param as usize && self.is_used(*c)).collect();
        public.chunks(self.k).map(|g| g.to_vec()).collect()
    }

    /// Whether the mask and `k` are ones setup can make.
    pub fn is_valid(&self) -> bool {
        let k_ok = self.k.is_power_of_two() && (2..=MAX_INTERLEAVE).contains(&self.k);
        k_ok && self.is_used(Fix::Param as usize) && self.used >> NUM_FIXED == 0 && self.groups().len() <= MAX_GROUPS
    }
}

/// The interleaving factor on a domain of `n` rows: the largest power of two `k ≤ 32` with
/// `k·n ≤ max(2n, INTERLEAVE_POINTS)` (so `k ≥ 2`).
pub fn interleave_for(n: usize) -> usize {
    let budget = (2 * n).max(INTERLEAVE_POINTS);
    let mut k = MAX_INTERLEAVE;
    while k > 1 && k * n > budget {
        k /= 2;
    }
    k
}

/// The interleaving factor setup uses with an SRS of `srs_len` G1 powers: [`interleave_for`],
/// halved until `k·n` powers suffice (a small Powers-of-Tau file costs verifier gas, not
/// validity); `None` when not even `k = 2` fits.
pub fn interleave_within(n: usize, srs_len: usize) -> Option<usize> {
    let mut k = interleave_for(n);
    while k > 2 && k * n > srs_len {
        k /= 2;
    }
    (k * n <= srs_len).then_some(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_hold_the_used_public_columns_k_at_a_time() {
        let mut fixed = vec![vec![Fr::zero(); 8]; NUM_FIXED];
        for c in [0, 1, 4, 5, 22] {
            fixed[c][3] = Fr::from(1u64);
        }
        let layout = FixedLayout::of_columns(&fixed, 2);
        assert!(layout.is_used(Fix::Param as usize) && !layout.is_used(3));
        assert_eq!(layout.groups(), vec![vec![0, 1], vec![4, 5], vec![22]]);
        assert_eq!(interleave_for(1 << 9), 32);
        assert_eq!(interleave_for(1 << 11), 16);
        assert_eq!(interleave_for(1 << 20), 2);
        assert_eq!(interleave_within(1 << 9, 1 << 14), Some(32));
        assert_eq!(interleave_within(1 << 9, 5000), Some(8));
        assert_eq!(interleave_within(1 << 9, 1000), None);
    }
}
