//! Interpolated function tables: a non-linear function over a wide input range from two tables
//! of at most 2^10 entries, instead of one entry per representable input.
//!
//! For an input `X` (an integer at scale `2^t`) and knots `2^k` input units apart, the builder
//! lays out ([`super::graph::Builder::func`]):
//!
//! ```text
//!   HI = ⌊X / 2^k⌋                            a rescale gate (D = 2^k)
//!   C  = intercept(HI),  M = slope(HI)        two lookups, in tables indexed by HI
//!   Y  = ⌊(C + M·X + 2^(k+g−1)) / 2^(k+g)⌋    a rescale gate: one term, one product
//! ```
//!
//! With knots `a = HI·2^k/2^t`, `b = a + 2^k/2^t` and `F(x) = 2^s·f(x)` (clamped to the provable
//! range like a direct table's outputs, 0 where `f` is undefined):
//! `M = round(2^g·(F(b) − F(a)))` and `C = round(2^(k+g)·F(a)) − 2^k·HI·M`, so that
//! `C + M·X = round(2^(k+g)·F(a)) + M·LO` with `LO = X − 2^k·HI ∈ [0, 2^k)`: `Y` is the chord
//! through `(a, F(a))` and `(b, F(b))` at `x = X/2^t`, rounded to the nearest integer.
//!
//! Error against the exact `F(x)`, in units of the output scale `2^−s`:
//! `|Y − F(x)| ≤ ½ + 2^−(g+1) + 2^−(k+g+1) + |F(x) − chord(x)|`, the terms being the final
//! rounding, the slope's rounding (`|ΔM|·LO/2^(k+g) ≤ ½·2^−g`), the intercept's, and the chord's
//! own error, at most `(h²/8)·max|F''|` over the interval (`h = 2^(k−t)`). A direct table's
//! error is the first term alone. Setup interpolates a function only where the extra error
//! ([`tolerance`]) and the row cost ([`plan`]) both say so; docs/design.md tabulates the bounds.
//!
//! Soundness needs nothing new: the gates are ordinary rescales and lookups, and the two tables
//! are public fixed columns like every function table. Their values stay below
//! [`MAX_TABLE_VALUE`] (the planner refuses a plan otherwise), so a gate's sum `C + M·X` stays
//! far below the field's `r/2`, as the rescale block's uniqueness argument requires.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::graph::{max_wire, ElementGraph, Gate, Table};
use crate::blocks::limb::{Limbs, MAX_TABLE_BITS};

/// How a function is interpolated: knots `2^step_bits` input units apart, slopes with
/// `slope_bits` extra fractional bits (`k` and `g` above).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Interp {
    pub step_bits: u32,
    pub slope_bits: u32,
}

impl Interp {
    /// Bits of the last gate's divisor, `k + g`.
    pub fn div_bits(&self) -> u32 {
        self.step_bits + self.slope_bits
    }
}

/// Extra fractional bits of the slopes (the slope's rounding costs at most 1/32 of a unit).
pub const MAX_SLOPE_BITS: u32 = 4;
/// Halving the knot spacing doubles the tables; a function whose 2^10-entry tables are too
/// coarse gets at most this many halvings (tables of 2^14 entries) before it keeps its direct
/// table.
const MAX_HALVINGS: u32 = 4;
/// Largest magnitude of an intercept or a slope (see the module documentation).
pub const MAX_TABLE_VALUE: i128 = 1 << 62;

/// `F(x) = 2^s·f(x)` at the integer input `x`, clamped one unit inside the provable range (so
/// that the rounded chord stays in it), 0 where `f` is undefined.
fn knot(t: &Table, x: i64) -> f64 {
    let real = x as f64 / (1u64 << t.in_scale) as f64;
    let bound = (max_wire(t.out_scale) - 1) as f64;
    t.func.eval(real).map_or(0.0, |y| (y * (1u64 << t.out_scale) as f64).clamp(-bound, bound))
}

/// `M(hi) = round(2^g·(F(b) − F(a)))`.
pub fn slope(t: &Table, ip: Interp, hi: i64) -> i128 {
    let k = ip.step_bits;
    let rise = knot(t, (hi + 1) << k) - knot(t, hi << k);
    (rise * (1u64 << ip.slope_bits) as f64).round() as i128
}

/// `C(hi) = round(2^(k+g)·F(a)) − 2^k·hi·M(hi)`.
pub fn intercept(t: &Table, ip: Interp, hi: i64) -> i128 {
    let k = ip.step_bits;
    let at_knot = (knot(t, hi << k) * (1u64 << ip.div_bits()) as f64).round() as i128;
    at_knot - ((hi as i128) << k) * slope(t, ip, hi)
}

/// `Y(x)`, what the layout's last gate outputs for the input `x`.
pub fn output(t: &Table, ip: Interp, x: i64) -> i128 {
    let hi = x >> ip.step_bits;
    let d = ip.div_bits();
    (intercept(t, ip, hi) + slope(t, ip, hi) * x as i128 + (1i128 << (d - 1))).div_euclid(1i128 << d)
}

/// The extra error (beyond the direct table's rounding) the planner accepts for an output
/// whose direct value is `direct`, in units of `2^−s`: one unit, `2^−16` absolute (so a high
/// scale does not force large tables where its own resolution is finer than the model needs),
/// or `2^−14` relative, whichever is largest.
pub fn tolerance(direct: i64, scale_bits: u32) -> i64 {
    let absolute = 1i64 << scale_bits.saturating_sub(16);
    1.max(absolute).max(direct.unsigned_abs() as i64 >> 14)
}

/// The interpolation of each function table worth interpolating in `g` (the union of the
/// calibration samples' graphs, built with direct tables), keyed by the direct table's id;
/// `ranges` are the calibrated input ranges of `g.tables`. A table is interpolated when its
/// range holds more than 2^10 inputs, the interpolated layout costs fewer rows than the direct
/// table ([`rows`]) and its outputs stay within [`tolerance`] of the direct table's.
pub fn plan(g: &ElementGraph, ranges: &[(i64, i64)]) -> Vec<(String, Interp)> {
    let mut lookups = vec![0usize; g.tables.len()];
    for gate in &g.gates {
        if let Gate::Lookup { table, .. } = gate {
            lookups[*table as usize] += 1;
        }
    }
    g.tables
        .iter()
        .zip(ranges)
        .zip(lookups)
        .filter(|((t, _), _)| t.fixed_range().is_none())
        .filter_map(|((t, range), n)| choose(t, *range, n, g.scale_bits).map(|ip| (t.id(), ip)))
        .collect()
}

/// Entries of an interpolation table over the inputs `[lo, hi]`.
fn entries(lo: i64, hi: i64, step_bits: u32) -> i64 {
    (hi >> step_bits) - (lo >> step_bits) + 1
}

/// Rows (gate rows and table or wiring entries, whichever is larger) of `n` interpolated lookups
/// with tables of `entries` each, at scale `2^s`: per lookup the two rescales (3 and 4 rows, and
/// their range-checked values, each a wiring entry on `ρ` limb rows above 2^10) and two lookups.
fn rows(n: usize, entries: usize, s: u32) -> usize {
    let limb_rows = Limbs::of(s).rows as usize;
    let checked = if limb_rows == 0 { 0 } else { 6 };
    (n * (9 + 6 * limb_rows)).max(n * (4 + checked) + 2 * entries)
}

impl Interp {
    /// Whether this interpolation is one setup can lay out at scale `2^s` (`k ≥ 1`, `g ≤`
    /// [`MAX_SLOPE_BITS`], `k + g ≤ s`): what `prove` checks of a plan read from settings.json.
    pub fn is_valid_at(&self, s: u32) -> bool {
        self.step_bits >= 1 && self.slope_bits <= MAX_SLOPE_BITS && self.div_bits() <= s
    }
}

/// Largest rescale quotient an interpolation may produce: the knot and the chord are rescale
/// outputs, which the calibrated sign table bounds by `2^(s+h−1)` with `h ≤ min(s, 10)`
/// ([`ElementGraph::apply_sign_bits`]); two bits of headroom as
/// [`ElementGraph::calibrated_sign_bits`] keeps. (A direct table's output only has
/// to stay below [`max_wire`], so a function with large values keeps its direct table.)
fn largest_quotient(s: u32) -> i128 {
    1i128 << (s + super::max_sign_bits(s) - 3)
}

/// The interpolation of table `t` over `[lo, hi]` with `n` lookups, if one pays.
fn choose(t: &Table, (lo, hi): (i64, i64), n: usize, s: u32) -> Option<Interp> {
    let len = (hi as i128 - lo as i128 + 1).max(0) as usize;
    let small = 1i64 << MAX_TABLE_BITS;
    if len <= small as usize || n == 0 {
        return None;
    }
    // Knots at most 2^s apart keep each rescale's divisor within the block's D ≤ 2^s.
    let widest = (1..=s).find(|k| entries(lo, hi, *k) <= small)?;
    let narrowest = widest.saturating_sub(MAX_HALVINGS).max(1);
    for k in (narrowest..=widest).rev() {
        if rows(n, entries(lo, hi, k) as usize, s) >= n + len {
            return None;
        }
        let ip = Interp { step_bits: k, slope_bits: MAX_SLOPE_BITS.min(s - k) };
        if within_tolerance(t, ip, lo, hi, s) {
            return Some(ip);
        }
    }
    None
}

/// Whether every interval's tables are in bound, its knot and outputs are quotients the sign
/// table can hold ([`largest_quotient`]), and its outputs are within [`tolerance`] of the direct
/// table's (every input of an interval of up to 2^8 inputs, else 257 evenly spread ones, both
/// ends included: the chord's error peaks inside, smoothly; a review's sweep of every input
/// found unprobed ones at most one unit beyond the tolerance).
fn within_tolerance(t: &Table, ip: Interp, lo: i64, hi: i64, s: u32) -> bool {
    let k = ip.step_bits;
    let width = 1i64 << k;
    let probes: Vec<i64> = if k <= 8 { (0..width).collect() } else { (0..=256).map(|j| j * (width - 1) / 256).collect() };
    let quotient = largest_quotient(s);
    ((lo >> k)..=(hi >> k)).into_par_iter().all(|h| {
        let (c, m) = (intercept(t, ip, h), slope(t, ip, h));
        c.abs() < MAX_TABLE_VALUE
            && m.abs() < MAX_TABLE_VALUE
            && (h as i128).abs() < quotient
            && probes.iter().all(|p| {
                let x = (h << k) + p;
                let direct = t.output(x);
                let y = output(t, ip, x);
                y.abs() < quotient && (y - direct as i128).abs() <= tolerance(direct, t.out_scale) as i128
            })
    })
}

/// The calibrated input ranges of the tables of a graph built with `plan`: a direct table keeps
/// the range calibrated for it (`direct`, by id), an interpolation table covers the knots of
/// its function's calibrated range.
pub fn ranges_under_plan(tables: &[Table], direct: &HashMap<String, (i64, i64)>) -> Vec<(i64, i64)> {
    tables
        .iter()
        .map(|t| match t.interpolation() {
            None => direct.get(&t.id()).copied().unwrap_or((t.min, t.max)),
            Some(ip) => {
                let (lo, hi) = direct.get(&t.direct_id()).copied().unwrap_or((t.min << ip.step_bits, t.max << ip.step_bits));
                (lo >> ip.step_bits, hi >> ip.step_bits)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compiler::graph::{Func, TableKind};

    fn table(func: Func, s: u32, lo: f64, hi: f64) -> Table {
        let unit = (1u64 << s) as f64;
        Table { func, in_scale: s, out_scale: s, min: (lo * unit) as i64, max: (hi * unit) as i64, kind: TableKind::Direct }
    }

    /// The stated bound, against f64, at every input of the range: each function the ONNX
    /// lowering tabulates, over a range typical of its calibration, at 2^13 and 2^20.
    #[test]
    fn interpolation_meets_its_stated_bound_against_f64() {
        let cases = [
            (Func::Sigmoid, -16.0, 16.0),
            (Func::Tanh, -8.0, 8.0),
            (Func::Gelu, -8.0, 8.0),
            (Func::Erf, -4.0, 4.0),
            (Func::Exp, -16.0, 4.0),
            (Func::Softplus, -8.0, 8.0),
            (Func::Sqrt, 0.0, 64.0),
            (Func::Ln, 0.5, 64.0),
            (Func::Recip, 0.5, 16.0),
        ];
        for s in [13, 20] {
            for (f, lo, hi) in cases.clone() {
                let t = table(f.clone(), s, lo, hi);
                let k = (1..=s).find(|k| entries(t.min, t.max, *k) <= 1 << MAX_TABLE_BITS).unwrap();
                let ip = Interp { step_bits: k, slope_bits: MAX_SLOPE_BITS.min(s - k) };
                let unit = (1u64 << s) as f64;
                let rounding = 0.5 + 0.5f64.powi(ip.slope_bits as i32 + 1) + 0.5f64.powi(ip.div_bits() as i32 + 1);
                let stride = if s > 16 { 61 } else { 1 };
                for x in (t.min..=t.max).step_by(stride) {
                    let exact = knot(&t, x);
                    let (a, b) = ((x >> k) << k, ((x >> k) + 1) << k);
                    let chord = knot(&t, a) + (knot(&t, b) - knot(&t, a)) * (x - a) as f64 / (b - a) as f64;
                    let bound = rounding + (exact - chord).abs() + 1e-9 * exact.abs();
                    let y = output(&t, ip, x) as f64;
                    assert!((y - exact).abs() <= bound, "{f:?} at 2^{s}, x = {}: {y} vs {exact} (bound {bound})", x as f64 / unit);
                }
            }
        }
    }

    /// The planner's tolerance holds at every input, not only at the probes it checks; the
    /// activations get tables of 2^10 entries, exp up to 55 (whose relative tolerance is the
    /// binding one) twice that.
    #[test]
    fn planned_interpolations_hold_their_tolerance_everywhere() {
        let s = 13;
        let cases = [
            (Func::Sigmoid, -16.0, 16.0, 10),
            (Func::Tanh, -8.0, 8.0, 10),
            (Func::Gelu, -8.0, 8.0, 10),
            (Func::Exp, -16.0, 0.0, 10),
            (Func::Exp, -16.0, 4.0, 11),
        ];
        for (f, lo, hi, bits) in cases {
            let t = table(f.clone(), s, lo, hi);
            let ip = choose(&t, (t.min, t.max), 100, s).unwrap_or_else(|| panic!("{f:?} should be interpolated"));
            assert!(entries(t.min, t.max, ip.step_bits) <= 1 << bits, "{f:?} on [{lo}, {hi}]: {ip:?}");
            for x in t.min..=t.max {
                let direct = t.output(x);
                let err = (output(&t, ip, x) - direct as i128).abs();
                assert!(err <= tolerance(direct, s) as i128, "{f:?} at {x}: {err}");
            }
        }
    }

    /// Where a chord is far off (1/x next to 0), the outputs are too large for a rescale (a
    /// review's finding: exp on [2, 8] at 2^13) or nothing is saved (many lookups), the direct
    /// table stays.
    #[test]
    fn the_direct_table_stays_where_interpolation_is_worse() {
        let s = 13;
        let recip = table(Func::Recip, s, 1.0 / 64.0, 16.0);
        assert_eq!(choose(&recip, (recip.min, recip.max), 100, s), None);
        let sigmoid = table(Func::Sigmoid, s, -16.0, 16.0);
        assert_eq!(choose(&sigmoid, (sigmoid.min, sigmoid.max), 100_000, s), None, "100k lookups: 1 row each is cheaper");
        let exp = table(Func::Exp, s, 2.0, 8.0);
        assert_eq!(choose(&exp, (exp.min, exp.max), 100, s), None, "exp up to 2981 is beyond what the sign table holds (128 at 2^13)");
        let narrow = table(Func::Sigmoid, s, -0.05, 0.05);
        assert_eq!(choose(&narrow, (narrow.min, narrow.max), 100, s), None, "a small range is a small direct table");
    }
}
