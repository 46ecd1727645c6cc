//! The matrix products the compiler checks with one Freivalds block each
//! ([`crate::blocks::freivalds`]), and the stride `S` they share.
//!
//! A product the builder recorded ([`MatProduct`]) qualifies when its output gates are exactly
//! its dot products: every output a rescale whose terms (weights) or products (two witnesses)
//! are the recorded operands' wires, in order. Both the check and the choice read only wires,
//! scales and sizes, and on weights only through a check that private weights always pass, so
//! they depend on the architecture alone; the weights are read off the output gates, and every
//! output is checked to weigh its inputs with exactly them (private weights always do: one
//! coefficient per weight at scale and divisor 2^s, input columns of one scale).

use super::graph::{ElementGraph, Gate, MatProduct, WireId};
use crate::blocks::packed::PACK_WIDTH;

/// The right operand of a product.
#[derive(Clone, Debug)]
pub(crate) enum Right {
    /// A weight matrix (row-major `d×d'`), in the hidden parameter column.
    Weights(Vec<i64>),
    /// A witness matrix's wires (row-major `d×d'`).
    Wires(Vec<WireId>),
}

/// One product `Y = X·R` laid out as a Freivalds block.
#[derive(Clone, Debug)]
pub(crate) struct Matrix {
    /// `T`, `d`, `d'`.
    pub rows: usize,
    pub inner: usize,
    pub cols: usize,
    /// `X` (row-major `T×d`); `None` for an entry the model makes a constant.
    pub left: Vec<Option<WireId>>,
    pub right: Right,
    /// The output gates (row-major `T×d'`).
    pub outputs: Vec<WireId>,
    /// Row of `P_0`, the first product row.
    pub first_row: usize,
}

impl Matrix {
    /// The product `p` as a block, if its output gates are exactly its dot products.
    fn of(g: &ElementGraph, p: &MatProduct) -> Option<Self> {
        let (t, d, dp) = (p.rows, p.inner, p.cols);
        let outputs: Vec<WireId> = p.outputs.iter().copied().collect::<Option<_>>()?;
        let gate = |i: usize| match &g.gates[outputs[i] as usize] {
            Gate::Affine(a) if (outputs[i] as usize) < g.first_input_check => Some(a),
            _ => None,
        };
        let row_wires = |r: usize| p.left[r * d..(r + 1) * d].iter().flatten().copied();
        if p.right.is_empty() {
            // Each input column's wires share a scale, so a weight's coefficient is the same
            // in every output of its column.
            let scale = |w: &Option<WireId>| w.map(|w| g.wire_scale[w as usize]);
            let uniform = (0..d).all(|k| {
                let mut scales = (0..t).filter_map(|r| scale(&p.left[r * d + k]));
                scales.next().is_none_or(|s0| scales.all(|s| s == s0))
            });
            if !uniform {
                return None;
            }
            for i in 0..t * dp {
                let a = gate(i)?;
                if !a.products.is_empty() || !a.terms.iter().map(|x| x.0).eq(row_wires(i / dp)) {
                    return None;
                }
            }
            let mut weights = vec![0i64; d * dp];
            for k in 0..d {
                let Some(r) = (0..t).find(|r| p.left[r * d + k].is_some()) else { continue };
                let position = p.left[r * d..r * d + k].iter().flatten().count();
                for j in 0..dp {
                    weights[k * dp + j] = gate(r * dp + j)?.terms[position].1;
                }
            }
            // Every output must weigh its inputs exactly so. Private weights always do (scale
            // and divisor 2^s, one coefficient per weight), so this never depends on their
            // values; a public matrix may not (a row missing constant entries can get another
            // divisor, hence other integer weights), and is then left to the usual layout.
            for i in 0..t * dp {
                let (r, j) = (i / dp, i % dp);
                let present = (0..d).filter(|k| p.left[r * d + k].is_some());
                if !gate(i)?.terms.iter().map(|x| x.1).eq(present.map(|k| weights[k * dp + j])) {
                    return None;
                }
            }
            return Some(Self { rows: t, inner: d, cols: dp, left: p.left.clone(), right: Right::Weights(weights), outputs, first_row: 0 });
        }
        if p.left.iter().any(Option::is_none) {
            return None;
        }
        for i in 0..t * dp {
            let a = gate(i)?;
            let (r, j) = (i / dp, i % dp);
            let expected = row_wires(r).zip((0..d).map(|k| p.right[k * dp + j]));
            if !a.terms.is_empty() || !a.products.iter().copied().eq(expected) {
                return None;
            }
        }
        Some(Self { rows: t, inner: d, cols: dp, left: p.left.clone(), right: Right::Wires(p.right.clone()), outputs, first_row: 0 })
    }

    /// Its product, input and right-operand rows.
    pub fn operand_rows(&self) -> usize {
        self.inner * (1 + self.rows + self.cols)
    }

    /// The row of `P_k`; the input `X_tk` is on `+ 1 + t`, the right operand's `(k, j)` on
    /// `+ 1 + T + j` (the one layout the fixed columns and the witness both follow).
    pub fn product_row(&self, k: usize) -> usize {
        self.first_row + k * (1 + self.rows + self.cols)
    }

    fn rows_at(&self, stride: usize) -> usize {
        block_rows((self.rows, self.inner, self.cols), stride)
    }

    fn usual_rows(&self) -> usize {
        usual_rows((self.rows, self.inner, self.cols), matches!(self.right, Right::Weights(_)))
    }
}

/// All the rows of a `T×d` by `d×d'` product's block at stride `s ≥ T`: its operand rows, then
/// per output column `T` pairs of output and rescale rows and `s − T` rows that multiply by η.
pub(crate) fn block_rows((t, d, dp): (usize, usize, usize), stride: usize) -> usize {
    d * (1 + t + dp) + dp * (t + stride)
}

/// About the rows the product's outputs take without the block: packed groups of [`PACK_WIDTH`]
/// for weights, one chain row per product for two witnesses.
pub(crate) fn usual_rows((t, d, dp): (usize, usize, usize), weights: bool) -> usize {
    if weights {
        t * (d * dp.div_ceil(PACK_WIDTH) + 2 * dp)
    } else {
        t * dp * (2 + d)
    }
}

/// The products to lay out as Freivalds blocks and their stride: the stride (one of the
/// products' `T`) that saves the most rows, and every product with `T` at most it that saves
/// rows at it. Stride 1 and none when nothing saves.
pub(crate) fn choose(g: &ElementGraph) -> (Vec<Matrix>, usize) {
    let candidates: Vec<Matrix> = g.products.iter().filter_map(|p| Matrix::of(g, p)).collect();
    let saving = |m: &Matrix, s: usize| if m.rows <= s { m.usual_rows().saturating_sub(m.rows_at(s)) } else { 0 };
    let mut strides: Vec<usize> = candidates.iter().map(|m| m.rows).collect();
    strides.sort_unstable();
    strides.dedup();
    let best = strides.into_iter().map(|s| (candidates.iter().map(|m| saving(m, s)).sum::<usize>(), s)).max_by_key(|(saved, s)| (*saved, std::cmp::Reverse(*s)));
    match best {
        Some((saved, s)) if saved > 0 => (candidates.into_iter().filter(|m| saving(m, s) > 0).collect(), s),
        _ => (Vec::new(), 1),
    }
}
