//! Compiler: lays an [`ElementGraph`] out as basic blocks on the rows of one domain `H`,
//! producing the fixed columns (setup) and, for the graph's wire values, the witness columns
//! (prove).
//!
//! Row layout (`n_in` inputs, `n_out` outputs):
//! - rows `0..n_in`: public input `d = x_j`, each a wiring table entry under its key;
//! - rows `n_in..n_in+n_out`: public output `a = y_i`, looked up under the output wire's key;
//! - per other rescale gate: `O` (output `d`, a wiring entry; `a = D − 1 − r`), `R` (rescale), then
//!   one chain row per weight or product term (at least one);
//! - the packed groups (2 … [`PACK_WIDTH`] rescale gates over nearly the same inputs, see
//!   [`packed_groups`]), one after the other: one input row per input of any member, then `O, R`
//!   per member;
//! - the matrix products checked by Freivalds' test ([`matrix::choose`], see
//!   [`crate::blocks::freivalds`]), one after the other: per inner index `k` a product row, the
//!   input rows of column `k` of `X`, the rows of row `k` of the right operand; then the outputs
//!   column by column, `O, R` each, every column followed by `S − T` rows that multiply by η;
//!   then one spacer row that ends the running sum of both;
//! - per lookup gate: one function row (`a = c = x`, `d = f(x)`, a wiring entry);
//! - when range checks use limbs ([`Limbs::of_circuit`]: above a scale of 2^10, on a domain of
//!   fewer than `2^(s+1)` rows), per rescale gate its three range-checked values (`r`,
//!   `lo` on `R`, `D − 1 − r` on `O`) in that order, `ρ` limb rows each (see
//!   [`crate::blocks::limb`]); the first is the value's entry under its range key.
//!
//! The input range checks are ordinary gates of the graph ([`graph`]: an identity rescale per
//! real or integer input, a lookup in the two-entry boolean table per boolean input), laid out
//! like the others: every gate gets its rows, none is dropped or merged.
//!
//! Fixed table entries (range, sign, every function table) fill the rows that hold no wiring
//! entry. Tags: range 1, sign 2, function table `k` → `3 + k`; wire `w` has key
//! `3 + #tables + w`; checked value `j` (the `j`-th limbed value in gate order) has range key
//! `3 + #tables + #gates + j`.

pub mod graph;
pub mod interpolate;
pub(crate) mod matrix;
pub mod witness;

use crate::blocks::packed::{PACK_WIDTH, PACK_WIDTHS};
use crate::blocks::limb::{Limbs, MAX_TABLE_BITS};
use crate::blocks::{Fix, FIRST_FN_TAG, NUM_FIXED, TAG_RANGE, TAG_SIGN};
use crate::pcs::encoding::{fr_from_i128, fr_to_word, Word};
use crate::{Error, Result};
use ark_bn254::Fr;
use ark_ff::{One, Zero};
use graph::{Act, Affine, ElementGraph, Gate, WireId};
use matrix::{Matrix, Right};
use std::collections::{HashMap, HashSet};

/// Smallest supported scale.
pub const MIN_SCALE_BITS: u32 = 4;
/// Largest supported scale (wires hold up to 2^(2s−1) = 2^47; products of two stay far below
/// r; range checks above 2^10 use limbs on small domains, see [`Limbs::of_circuit`]).
pub const MAX_SCALE_BITS: u32 = 24;

/// Largest sign table, in bits: `h ≤ min(s, MAX_TABLE_BITS)`, so the sign table never has more
/// than 2^10 entries either.
pub fn max_sign_bits(scale_bits: u32) -> u32 {
    scale_bits.min(MAX_TABLE_BITS)
}
/// Largest domain the compiler lays out (2^24 rows).
pub const MAX_DOMAIN_BITS: u32 = 24;

/// Rejects a scale outside [`MIN_SCALE_BITS`]`..=`[`MAX_SCALE_BITS`].
pub fn check_scale_bits(s: u32) -> Result<()> {
    if (MIN_SCALE_BITS..=MAX_SCALE_BITS).contains(&s) {
        Ok(())
    } else {
        Err(Error::Usage(format!("scale bits {s} out of the supported range {MIN_SCALE_BITS}..={MAX_SCALE_BITS}")))
    }
}

/// Number of rows a gate occupies outside a packed group.
fn gate_height(g: &Gate) -> usize {
    match g {
        Gate::Input => 0,
        Gate::Affine(a) => 2 + (a.terms.len() + a.products.len()).max(1),
        Gate::Lookup { .. } => 1,
    }
}

/// Rescale gates laid out as one packed block: they share the input rows `inputs`.
#[derive(Clone, Debug)]
pub(crate) struct PackedGroup {
    pub members: Vec<usize>,
    /// The union of the members' input wires, in first-seen order.
    pub inputs: Vec<WireId>,
    /// Row of the first input.
    pub first_row: usize,
}

/// Groups, `width` at most, the fixed-weight dot products that read nearly the same inputs (a dense layer's
/// outputs, a convolution's output channels at one position): gates are bucketed by their
/// smallest and largest input wire, and a gate joins the bucket's open group when at most a
/// quarter of its inputs are new to it (public coefficients that cancel drop a few inputs).
/// Groups of one are not packed. The grouping reads only the gates' input wires, which the
/// builder keeps whatever the private weights' values (a zero weight is a zero in the hidden
/// columns), so it depends on the architecture alone. The input checks are packed apart, see
/// [`input_check_groups`].
fn packed_groups(g: &ElementGraph, width: usize, in_matrix: &[bool]) -> Vec<PackedGroup> {
    struct Open {
        members: Vec<usize>,
        inputs: Vec<WireId>,
        seen: HashSet<WireId>,
    }
    let mut groups: Vec<Open> = Vec::new();
    let mut open: HashMap<(WireId, WireId), usize> = HashMap::new();
    for (w, gate) in g.gates[..g.first_input_check].iter().enumerate() {
        let Gate::Affine(Affine { terms, products, .. }) = gate else { continue };
        if terms.is_empty() || !products.is_empty() || in_matrix[w] {
            continue;
        }
        let lo = terms.iter().map(|t| t.0).min().expect("non-empty");
        let hi = terms.iter().map(|t| t.0).max().expect("non-empty");
        let joinable = open.get(&(lo, hi)).filter(|&&k| {
            let grp = &groups[k];
            grp.members.len() < width && 4 * terms.iter().filter(|t| !grp.seen.contains(&t.0)).count() <= terms.len()
        });
        let k = match joinable {
            Some(&k) => k,
            None => {
                groups.push(Open { members: Vec::new(), inputs: Vec::new(), seen: HashSet::new() });
                open.insert((lo, hi), groups.len() - 1);
                groups.len() - 1
            }
        };
        let grp = &mut groups[k];
        grp.members.push(w);
        for (x, _) in terms {
            if grp.seen.insert(*x) {
                grp.inputs.push(*x);
            }
        }
    }
    let mut packed: Vec<PackedGroup> = groups
        .into_iter()
        .filter(|grp| grp.members.len() > 1)
        .map(|grp| PackedGroup { members: grp.members, inputs: grp.inputs, first_row: 0 })
        .collect();
    let widest = packed.iter().map(|grp| grp.members.len()).max().unwrap_or(0);
    packed.extend(input_check_groups(g, widest));
    packed
}

/// The identity rescales that check the real and integer inputs, packed `width` to a group (the
/// widest group the model has, so they use no packed weight column it does not use already):
/// each costs its input row and `O, R`. A model without packing (`width = 0`) keeps them as
/// chains, whose columns its other rescales use (if it has any).
fn input_check_groups(g: &ElementGraph, width: usize) -> Vec<PackedGroup> {
    if width == 0 {
        return Vec::new();
    }
    let checks: Vec<(usize, WireId)> = (g.first_input_check..g.gates.len())
        .filter_map(|w| match &g.gates[w] {
            Gate::Affine(a) => Some((w, a.terms[0].0)),
            _ => None,
        })
        .collect();
    checks
        .chunks(width)
        .map(|chunk| PackedGroup {
            members: chunk.iter().map(|c| c.0).collect(),
            inputs: chunk.iter().map(|c| c.1).collect(),
            first_row: 0,
        })
        .collect()
}

/// The fixed columns of one checked value's limb rows from `first` ([`crate::blocks::limb`]):
/// the selector, both limbs looked up in the range table, the value's entry under its range
/// `key` on the first row, and `div = 2^(2L)` on every row the next one continues.
fn set_limb_rows(set: &mut impl FnMut(Fix, usize, Fr), limbs: Limbs, first: usize, key: Fr) {
    let rows = limbs.rows as usize;
    for row in first..first + rows {
        set(Fix::QLimb, row, Fr::one());
        for (q, t) in [(Fix::QLookup1, Fix::Tag1), (Fix::QLookup2, Fix::Tag2)] {
            set(q, row, Fr::one());
            set(t, row, Fr::from(TAG_RANGE));
        }
        if row + 1 < first + rows {
            set(Fix::Div, row, Fr::from(1u64 << (2 * limbs.table_bits)));
        }
    }
    set(Fix::TableKey, first, key);
    set(Fix::TableDynamic, first, Fr::one());
}

/// The fixed columns of a matrix product's rows ([`crate::blocks::freivalds`]): per inner index
/// the product row, the input rows (each entry looked up under its wire's key, a constant entry
/// not at all) and the right operand's rows (a weight in the parameter column, or a wire looked
/// up); after every output column, the `S − T` rows that only multiply the running sum by η
/// (its outputs' own rows are the gate loop's).
fn set_matrix_rows(set: &mut impl FnMut(Fix, usize, Fr), m: &Matrix, stride: usize, gate_row: &[usize], key: impl Fn(u32) -> Fr) {
    let one = Fr::one();
    let lookup = |set: &mut dyn FnMut(Fix, usize, Fr), r: usize, w: Option<WireId>| {
        if let Some(w) = w {
            set(Fix::QLookup1, r, one);
            set(Fix::Tag1, r, key(w));
        }
    };
    for k in 0..m.inner {
        let p = m.product_row(k);
        set(Fix::QMatP, p, one);
        for t in 0..m.rows {
            set(Fix::QMatX, p + 1 + t, one);
            lookup(set, p + 1 + t, m.left[t * m.inner + k]);
        }
        for j in 0..m.cols {
            let r = p + 1 + m.rows + j;
            match &m.right {
                Right::Weights(w) => {
                    set(Fix::QMatW, r, one);
                    set(Fix::Param, r, fr_from_i128(w[k * m.cols + j] as i128));
                }
                Right::Wires(z) => {
                    set(Fix::QMatZ, r, one);
                    lookup(set, r, Some(z[k * m.cols + j]));
                }
            }
        }
    }
    for j in 0..m.cols {
        let after = gate_row[m.outputs[(m.rows - 1) * m.cols + j] as usize] + 2;
        (after..after + stride - m.rows).for_each(|p| set(Fix::QPackR, p, one));
    }
}

/// Where every gate goes: the packed groups and the matrix products first (their running sum
/// starts on the first row after the public rows), a spacer row that ends it, then every other
/// gate in order.
struct Layout {
    groups: Vec<PackedGroup>,
    group_of: Vec<Option<usize>>,
    matrices: Vec<Matrix>,
    matrix_of: Vec<Option<usize>>,
    /// The matrix products' stride `S`.
    stride: usize,
    /// First row of every gate (the input row, `O` row or function row).
    gate_row: Vec<usize>,
    gate_rows: usize,
}

impl Layout {
    fn new(g: &ElementGraph, width: usize, (mut matrices, stride): (Vec<Matrix>, usize)) -> Self {
        let mut matrix_of = vec![None; g.gates.len()];
        for (k, m) in matrices.iter().enumerate() {
            m.outputs.iter().for_each(|w| matrix_of[*w as usize] = Some(k));
        }
        let in_matrix: Vec<bool> = matrix_of.iter().map(Option::is_some).collect();
        let mut groups = packed_groups(g, width, &in_matrix);
        let mut group_of = vec![None; g.gates.len()];
        let mut gate_row = vec![0; g.gates.len()];
        let mut row = g.num_inputs + g.outputs.len();
        for (k, grp) in groups.iter_mut().enumerate() {
            grp.first_row = row;
            row += grp.inputs.len();
            for m in &grp.members {
                group_of[*m] = Some(k);
                gate_row[*m] = row;
                row += 2;
            }
        }
        for m in &mut matrices {
            m.first_row = row;
            row += m.operand_rows();
            for j in 0..m.cols {
                for t in 0..m.rows {
                    gate_row[m.outputs[t * m.cols + j] as usize] = row;
                    row += 2;
                }
                row += stride - m.rows;
            }
        }
        row += 1;
        for (i, gate) in g.gates.iter().enumerate() {
            match gate {
                Gate::Input => gate_row[i] = i,
                _ if group_of[i].is_some() || matrix_of[i].is_some() => {}
                _ => {
                    gate_row[i] = row;
                    row += gate_height(gate);
                }
            }
        }
        Self { groups, group_of, matrices, matrix_of, stride, gate_row, gate_rows: row }
    }
}

/// How many rows a graph needs: its gates (laid out at the packing width that gives the
/// smallest domain), limb rows and table entries, and the domain that holds them.
struct RowBudget {
    limbs: Limbs,
    range: usize,
    signs: usize,
    table_entries: usize,
    /// Range-checked values (3 per rescale when limbs are used), each on `ρ` limb rows.
    checked: usize,
    limb_rows: usize,
    layout: Layout,
    domain_size: usize,
}

impl RowBudget {
    /// The budget with the limb geometry [`Limbs::of_circuit`] gives the domain it ends on:
    /// limbs when their domain has fewer than `2^(s+1)` rows, else direct checks (whose
    /// `2^s`-entry range table alone gives them at least `2^(s+1)` rows, so the geometry is the
    /// one the verifier derives).
    fn of(g: &ElementGraph, widths: &[usize]) -> Result<Self> {
        let s = g.scale_bits;
        if s <= MAX_TABLE_BITS {
            return Self::with(g, Limbs::direct(s), widths);
        }
        match Self::with(g, Limbs::of(s), widths) {
            Ok(limbed) if limbed.domain_size < 2usize << s => Ok(limbed),
            _ => {
                let direct = Self::with(g, Limbs::direct(s), widths)?;
                debug_assert!(direct.domain_size >= 2usize << s, "a 2^s range table fills 2^s rows");
                Ok(direct)
            }
        }
    }

    fn with(g: &ElementGraph, limbs: Limbs, widths: &[usize]) -> Result<Self> {
        let range = 1usize << limbs.table_bits;
        let fn_entries: usize = g.tables.iter().map(|t| t.len()).sum();
        let signs = 1usize << g.sign_bits;
        let table_entries = range + signs + fn_entries;
        let rescales = g.gates.iter().filter(|gate| matches!(gate, Gate::Affine(_))).count();
        let checked = if limbs.rows == 0 { 0 } else { 3 * rescales };
        let limb_rows = checked * limbs.rows as usize;
        // Gate rows, then the limb rows; every wire and every checked value is one dynamic entry.
        let rows_needed = |gate_rows: usize| (gate_rows + limb_rows).max(g.gates.len() + checked + table_entries).max(8);
        // The narrowest group width that gives the smallest domain.
        let matrices = matrix::choose(g);
        let layout = widths
            .iter()
            .map(|width| Layout::new(g, *width, matrices.clone()))
            .min_by_key(|l| rows_needed(l.gate_rows).next_power_of_two())
            .expect("at least one width");
        let needed = rows_needed(layout.gate_rows);
        if needed > 1 << MAX_DOMAIN_BITS {
            return Err(Error::UnsupportedModel(format!(
                "the circuit needs {needed} rows ({} for gates, {limb_rows} limb rows, {table_entries} table entries), over the limit of 2^{MAX_DOMAIN_BITS}",
                layout.gate_rows
            )));
        }
        let domain_size = needed.next_power_of_two();
        Ok(Self { limbs, range, signs, table_entries, checked, limb_rows, layout, domain_size })
    }
}

/// The domain size `N` [`Circuit::compile`] would give `g`, without filling any column.
pub fn domain_size_of(g: &ElementGraph) -> Result<usize> {
    Ok(RowBudget::of(g, &PACK_WIDTHS)?.domain_size)
}

/// A model compiled onto one domain: fixed columns and the layout the witness follows.
#[derive(Clone, Debug)]
pub struct Circuit {
    pub scale_bits: u32,
    /// Bits of a rescale's high limb (the sign table has `2^h` entries).
    pub sign_bits: u32,
    /// `N = |H|`, a power of two.
    pub domain_size: usize,
    pub num_inputs: usize,
    pub num_outputs: usize,
    /// Scale bits of every public value (inputs, then outputs).
    pub io_scale_bits: Vec<u32>,
    /// Rows used by gates (the rest only carry table entries).
    pub gate_rows: usize,
    /// Wiring entries, one per wire and one per limb-checked value: the fixed table entries fill
    /// the rows without one, so the domain holds `max(gate_rows, wiring_entries + table_entries)`
    /// rows.
    pub wiring_entries: usize,
    /// Number of function tables, and the entries of all tables (range, sign, functions).
    pub num_tables: usize,
    pub table_entries: usize,
    /// `NUM_FIXED` columns of `N` values each, indexed by [`Fix`].
    pub fixed: Vec<Vec<Fr>>,
    /// The packed weight columns `W_2 … W_PACK_WIDTH` (hidden, never opened; see
    /// [`crate::blocks::packed`]), `N` values each.
    pub packed_weights: Vec<Vec<Fr>>,
    /// The packed groups, and for every gate the group it belongs to.
    pub(crate) groups: Vec<PackedGroup>,
    pub(crate) group_of: Vec<Option<usize>>,
    /// The matrix products checked by Freivalds' test, and for every gate the one it is an
    /// output of.
    pub(crate) matrices: Vec<Matrix>,
    pub(crate) matrix_of: Vec<Option<usize>>,
    /// The matrix products' stride `S` (`μ = η^S`; 1 without products).
    pub stride: usize,
    /// First row of every gate (the input row, `O` row or function row).
    pub(crate) gate_row: Vec<usize>,
    /// How range checks are made at this scale (range table of `2^L` entries, limb rows).
    pub limbs: Limbs,
    /// First limb row of every rescale gate's three checked values (`None` for other gates and
    /// for direct checks); value `k` starts at `+ k·ρ`.
    pub(crate) limb_row: Vec<Option<usize>>,
    /// Rows of the fixed table entries: range `v` at `[v]`, sign `v` at `[2^L + v + 2^(h−1)]`,
    /// then function table `k`'s entry `x` at `[table_base[k] + x − min_k]`.
    pub(crate) table_rows: Vec<usize>,
    pub(crate) table_base: Vec<usize>,
    /// [`Circuit::fingerprint`], computed once (the CLI and the prover both check it).
    fingerprint: std::sync::OnceLock<Word>,
}

impl Circuit {
    /// Lays out `g` and fills the fixed columns.
    pub fn compile(g: &ElementGraph) -> Result<Self> {
        Self::compile_with_widths(g, &PACK_WIDTHS)
    }

    /// Drops the fixed columns' values and the packed weights, once a prover that owns the
    /// circuit reads only their coefficients (the layout's sizes and constants stay).
    pub(crate) fn release_values(&mut self) {
        self.fixed = Vec::new();
        self.packed_weights = Vec::new();
    }

    /// [`Circuit::compile`] with packed groups of at most `width` gates wherever the graph has
    /// them, whatever the rows they save (the tests of the packed block use it on graphs too
    /// small for packing to shrink the domain).
    pub fn compile_packed(g: &ElementGraph, width: usize) -> Result<Self> {
        Self::compile_with_widths(g, &[width])
    }

    fn compile_with_widths(g: &ElementGraph, widths: &[usize]) -> Result<Self> {
        let s = g.scale_bits;
        check_scale_bits(s)?;
        let num_inputs = g.num_inputs;
        let num_outputs = g.outputs.len();
        if num_outputs == 0 {
            return Err(Error::UnsupportedModel("the model has no output".into()));
        }
        let first_key = FIRST_FN_TAG + g.tables.len() as u64;
        let key = |w: u32| Fr::from(first_key + w as u64);
        let fn_tag = |t: u32| Fr::from(FIRST_FN_TAG + t as u64);

        let RowBudget { limbs, range, signs, table_entries, checked, limb_rows, layout, domain_size } = RowBudget::of(g, widths)?;
        let Layout { groups, group_of, matrices, matrix_of, stride, gate_row, gate_rows } = layout;
        let limb_start = gate_rows;
        let gate_rows = gate_rows + limb_rows;

        let mut fixed = vec![vec![Fr::zero(); domain_size]; NUM_FIXED];
        let mut packed_weights = vec![vec![Fr::zero(); domain_size]; PACK_WIDTH - 1];
        for grp in &groups {
            let position: HashMap<WireId, usize> = grp.inputs.iter().enumerate().map(|(j, x)| (*x, j)).collect();
            for (j, x) in grp.inputs.iter().enumerate() {
                let r = grp.first_row + j;
                fixed[Fix::QPackX as usize][r] = Fr::one();
                fixed[Fix::QLookup1 as usize][r] = Fr::one();
                fixed[Fix::Tag1 as usize][r] = key(*x);
            }
            for (t, m) in grp.members.iter().enumerate() {
                let Gate::Affine(a) = &g.gates[*m] else { unreachable!("packed gates are rescale gates") };
                for (x, weight) in &a.terms {
                    let r = grp.first_row + position[x];
                    let column = if t == 0 { &mut fixed[Fix::Param as usize] } else { &mut packed_weights[t - 1] };
                    column[r] = fr_from_i128(*weight as i128);
                }
            }
        }
        let mut set = |c: Fix, r: usize, v: Fr| fixed[c as usize][r] = v;
        let one = Fr::one();
        let range_tag = Fr::from(TAG_RANGE);
        let range_key = |j: usize| Fr::from(first_key + (g.gates.len() + j) as u64);
        let mut limb_row = vec![None; g.gates.len()];
        // Checked values laid out so far (the index of the next one's range key).
        let mut checked_so_far = 0;
        for (i, w) in g.outputs.iter().enumerate() {
            let r = num_inputs + i;
            set(Fix::QLookup1, r, one);
            set(Fix::Tag1, r, key(*w));
        }
        for (w, gate) in g.gates.iter().enumerate() {
            let o = gate_row[w];
            // Every wire is a wiring entry on its first row.
            set(Fix::TableKey, o, key(w as u32));
            set(Fix::TableDynamic, o, one);
            match gate {
                Gate::Input => {}
                Gate::Affine(a) => {
                    let div = Fr::from(a.div);
                    let out_selector = match a.act {
                        Act::Linear => Fix::QLinear,
                        Act::Relu => Fix::QRelu,
                        Act::Step => Fix::QStep,
                    };
                    set(out_selector, o, one);
                    set(Fix::Div, o, div);
                    let r = o + 1;
                    // The checked values r, lo, D − 1 − r: under the range tag, or under the
                    // range keys of their limb rows.
                    let tags: [Fr; 3] = if limbs.rows == 0 {
                        [range_tag; 3]
                    } else {
                        let first = checked_so_far;
                        checked_so_far += 3;
                        limb_row[w] = Some(limb_start + first * limbs.rows as usize);
                        std::array::from_fn(|k| range_key(first + k))
                    };
                    set(Fix::QLookup1, r, one);
                    set(Fix::Tag1, r, tags[0]);
                    set(Fix::QLookup2, r, one);
                    set(Fix::Tag2, r, tags[1]);
                    set(Fix::QLookup1, o, one);
                    set(Fix::Tag1, o, tags[2]);
                    set(Fix::QLookup3, r, one);
                    set(Fix::Tag3, r, Fr::from(TAG_SIGN));
                    if group_of[w].is_some() || matrix_of[w].is_some() {
                        // T is read off the rescale on O; R passes the running sum on.
                        set(Fix::Param, o, fr_from_i128(a.offset));
                        set(Fix::QPackR, r, one);
                        continue;
                    }
                    set(Fix::QRescale, r, one);
                    set(Fix::Div, r, div);
                    set(Fix::Param, r, fr_from_i128(a.offset));
                    let len = (a.terms.len() + a.products.len()).max(1);
                    for j in 0..len {
                        let m = r + 1 + j;
                        set(Fix::QChain, m, one);
                        if j + 1 < len {
                            set(Fix::QChainNext, m, one);
                        }
                        if let Some((x, weight)) = a.terms.get(j) {
                            set(Fix::Param, m, fr_from_i128(*weight as i128));
                            set(Fix::QLookup1, m, one);
                            set(Fix::Tag1, m, key(*x));
                        } else if let Some((x, y)) = a.products.get(j - a.terms.len()) {
                            set(Fix::QMul, m, one);
                            set(Fix::QLookup1, m, one);
                            set(Fix::Tag1, m, key(*x));
                            set(Fix::QLookup2, m, one);
                            set(Fix::Tag2, m, key(*y));
                        }
                    }
                }
                Gate::Lookup { input, table } => {
                    set(Fix::QFn, o, one);
                    set(Fix::QLookup1, o, one);
                    set(Fix::Tag1, o, key(*input));
                    set(Fix::QLookup3, o, one);
                    set(Fix::Tag3, o, fn_tag(*table));
                }
            }
        }
        for j in 0..checked {
            set_limb_rows(&mut set, limbs, limb_start + j * limbs.rows as usize, range_key(j));
        }
        for m in &matrices {
            set_matrix_rows(&mut set, m, stride, &gate_row, key);
        }
        // Fixed table entries on the rows without a wiring entry.
        let dynamic = &fixed[Fix::TableDynamic as usize];
        let table_rows: Vec<usize> = (0..domain_size).filter(|r| dynamic[*r].is_zero()).take(table_entries).collect();
        let half = (signs / 2) as i64;
        let mut entry = |k: usize, key: Fr, value: Fr, extra: Fr| {
            let r = table_rows[k];
            fixed[Fix::TableKey as usize][r] = key;
            fixed[Fix::TableValue as usize][r] = value;
            fixed[Fix::TableExtra as usize][r] = extra;
        };
        for v in 0..range {
            entry(v, range_tag, Fr::from(v as u64), Fr::zero());
        }
        for k in 0..signs {
            let v = k as i64 - half;
            entry(range + k, Fr::from(TAG_SIGN), fr_from_i128(v as i128), if v >= 0 { one } else { Fr::zero() });
        }
        let mut table_base = Vec::with_capacity(g.tables.len());
        let mut next = range + signs;
        for (t, table) in g.tables.iter().enumerate() {
            table_base.push(next);
            for x in table.min..=table.max {
                let y = table.output(x);
                entry(next, fn_tag(t as u32), fr_from_i128(x as i128), fr_from_i128(y as i128));
                next += 1;
            }
        }
        Ok(Self {
            scale_bits: s,
            sign_bits: g.sign_bits,
            domain_size,
            num_inputs,
            num_outputs,
            io_scale_bits: (0..num_inputs as u32).chain(g.outputs.iter().copied()).map(|w| g.wire_scale[w as usize]).collect(),
            gate_rows,
            wiring_entries: g.gates.len() + checked,
            num_tables: g.tables.len(),
            table_entries,
            fixed,
            packed_weights,
            limbs,
            limb_row,
            groups,
            group_of,
            matrices,
            matrix_of,
            stride,
            gate_row,
            table_rows,
            table_base,
            fingerprint: std::sync::OnceLock::new(),
        })
    }

    /// The number of packed weight columns `W_2 …` some group uses (its largest group less
    /// one): fixed by the layout, whatever the weights (a used column may hold only zeros).
    pub fn packed_columns_used(&self) -> usize {
        self.groups.iter().map(|g| g.members.len() - 1).max().unwrap_or(0)
    }

    /// keccak256 over the sizes and the keccak256 of every fixed and packed weight column
    /// (columns hashed in parallel): ties a proving key to the exact model it was made for.
    pub fn fingerprint(&self) -> Word {
        *self.fingerprint.get_or_init(|| self.compute_fingerprint())
    }

    fn compute_fingerprint(&self) -> Word {
        use rayon::prelude::*;
        use sha3::{Digest, Keccak256};
        let columns: Vec<Word> = self
            .fixed
            .par_iter()
            .chain(&self.packed_weights)
            .map(|col| {
                let mut h = Keccak256::new();
                for v in col {
                    h.update(fr_to_word(v));
                }
                h.finalize().into()
            })
            .collect();
        let mut bytes = Vec::with_capacity(32 * (5 + NUM_FIXED + PACK_WIDTH - 1));
        for v in [self.scale_bits as u64, self.domain_size as u64, self.num_inputs as u64, self.num_outputs as u64, self.stride as u64] {
            bytes.extend_from_slice(&fr_to_word(&Fr::from(v)));
        }
        for c in &columns {
            bytes.extend_from_slice(c);
        }
        crate::transcript::keccak256(&bytes)
    }
}
