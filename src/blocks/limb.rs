//! Limb block: range checks at any scale from one small range table, by decomposing a value
//! into limbs of `L ≤` [`MAX_TABLE_BITS`] bits.
//!
//! Geometry ([`Limbs::of_circuit`]): at a scale `2^s` with `s ≤ MAX_TABLE_BITS`, or on a domain
//! of at least `2^(s+1)` rows, every range check is a direct lookup in the range table
//! `{0 … 2^s − 1}` (no limb rows, `M = s`). Otherwise ([`Limbs::of`]), a checked
//! value has `ρ = ⌈s/20⌉` limb rows of two limbs each, `L = ⌈s/(2ρ)⌉` bits per limb, so the
//! range table has `2^L ≤ 2^10` entries and a value is checked to lie in `[0, 2^M)`,
//! `M = 2ρL ∈ [s, s + 2ρ)`. The rescale splits its quotient at `2^M`:
//! `q = 2^M·hi + lo`, so `lo ∈ [0, 2^M)` is exactly what the limbs prove.
//!
//! Layout: the value `x` a rescale checks (its remainder `r`, `D − 1 − r` or `lo`) stays in its
//! cell on the `O`/`R` row, whose lookup slot looks up `(K, x, 0)` under a *range key* `K` of
//! its own instead of the range tag. The limb rows `Λ_1 … Λ_ρ` of that value hold `a, b` (two
//! limbs, each looked up in the range table) and `d`; `Λ_1` is the table's wiring-style entry
//! `(K, d, 0)`, and `div` is `2^(2L)` on every limb row but the last (0 there).
//! Identity on `H`: `q_limb·(d − a − 2^L·b − div·d(ωX)) = 0`.
//!
//! Soundness: `a, b ∈ [0, 2^L)` (the table holds nothing else under the range tag), so on the
//! last limb row `d = a + 2^L·b` is an integer in `[0, 2^(2L))`, and by induction upwards the
//! `d` of `Λ_1` is the integer `Σ_i 2^(2L·i)·(a_i + 2^L·b_i) ∈ [0, 2^M)` — every partial sum is
//! below `2^M ≤ 2^48 ≪ r`, so no step wraps modulo `r`. Only `Λ_1` has key `K` (keys are
//! unique), so the looked-up cell equals that `d`: the cell holds an integer in `[0, 2^M)`,
//! which is all the rescale's uniqueness argument needs (see [`super::rescale`]).

use super::{Ctx, Fix, Row, Value, Wit};

/// Largest range table, in bits: above this scale, range checks use limbs.
pub const MAX_TABLE_BITS: u32 = 10;

/// How a scale's range checks are made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limbs {
    /// Bits of the range table (`L`): `s` for direct checks, the limb width otherwise.
    pub table_bits: u32,
    /// Limb rows per checked value (`ρ`, two limbs each); 0 for direct checks.
    pub rows: u32,
}

impl Limbs {
    /// The geometry for scale `2^s`: direct up to [`MAX_TABLE_BITS`], else the fewest limb rows
    /// whose limbs fit the table (`ρ = ⌈s/20⌉`), with the narrowest limbs that cover `s` bits.
    pub fn of(scale_bits: u32) -> Self {
        if scale_bits <= MAX_TABLE_BITS {
            return Self { table_bits: scale_bits, rows: 0 };
        }
        let rows = scale_bits.div_ceil(2 * MAX_TABLE_BITS);
        Self { table_bits: scale_bits.div_ceil(2 * rows), rows }
    }

    /// Direct checks at scale `2^s`: a range table of `2^s` entries, no limb rows.
    pub fn direct(scale_bits: u32) -> Self {
        Self { table_bits: scale_bits, rows: 0 }
    }

    /// The geometry of a circuit at scale `2^s` on a domain of `N` rows: direct checks when
    /// `s ≤` [`MAX_TABLE_BITS`] or when a `2^s`-entry range table takes at most half the domain
    /// (a large model has the rows anyway, and direct checks save `3ρ` limb rows per rescale),
    /// else [`Limbs::of`]. A function of public VK data, so the prover, the verifier and the
    /// contract derive the same geometry; the compiler picks the domain to match
    /// (`RowBudget::of` in [`crate::compiler`]).
    pub fn of_circuit(scale_bits: u32, domain_size: usize) -> Self {
        if scale_bits <= MAX_TABLE_BITS || (2usize << scale_bits) <= domain_size {
            Self::direct(scale_bits)
        } else {
            Self::of(scale_bits)
        }
    }

    /// `M`: the bits a range check proves (`[0, 2^M)`), and where the rescale splits `q`.
    pub fn split_bits(&self) -> u32 {
        if self.rows == 0 {
            self.table_bits
        } else {
            2 * self.rows * self.table_bits
        }
    }

    /// The limbs `(a, b)` and partial values `d` of each limb row of `x ∈ [0, 2^M)`, first row
    /// first.
    pub fn decompose(&self, x: u64) -> Vec<(u64, u64, u64)> {
        let l = self.table_bits;
        let mask = (1u64 << l) - 1;
        (0..self.rows)
            .map(|i| {
                let d = x >> (2 * l * i);
                (d & mask, (d >> l) & mask, d)
            })
            .collect()
    }
}

pub fn constraints<V: Value>(r: &Row<V>, ctx: &Ctx<V>, out: &mut Vec<V>) {
    out.push(
        r.f(Fix::QLimb)
            * (r.w(Wit::D) - r.w(Wit::A) - ctx.limb.clone() * r.w(Wit::B) - r.f(Fix::Div) * r.next(Wit::D)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_covers_the_scale_with_a_small_table() {
        for s in 4..=24 {
            let g = Limbs::of(s);
            assert!(g.table_bits <= MAX_TABLE_BITS, "s = {s}");
            assert!(g.split_bits() >= s && g.split_bits() < s + 2 * g.rows.max(1), "s = {s}");
        }
        assert_eq!(Limbs::of(10), Limbs { table_bits: 10, rows: 0 });
        assert_eq!(Limbs::of(13), Limbs { table_bits: 7, rows: 1 });
        assert_eq!(Limbs::of(24), Limbs { table_bits: 6, rows: 2 });
    }

    #[test]
    fn decomposition_recomposes() {
        let g = Limbs::of(24);
        let x = (1u64 << 24) - 12345;
        let rows = g.decompose(x);
        assert_eq!(rows[0].2, x);
        for (i, (a, b, d)) in rows.iter().enumerate() {
            let next = rows.get(i + 1).map_or(0, |r| r.2);
            assert_eq!(*d, a + (b << 6) + (next << 12));
            assert!(*a < 64 && *b < 64);
        }
    }
}
