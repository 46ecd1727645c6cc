//! Value ranges of tensor elements, known for every input of the model: booleans are in
//! `[0, 1]` (the circuit proves it of boolean inputs, see [`crate::compiler::graph`]; computed
//! booleans are step outputs), public constants are exact, and sums, products, extrema, casts,
//! selections and gathers
//! of known ranges have known ranges (interval arithmetic). A one-hot over a computed index
//! then only needs step gates for the values the index can take (tree ensembles compute
//! node indices this way: `2·parent + [x < threshold] + offset`).

use std::collections::HashMap;

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::array::{Gather, GatherElements, GatherNd};
use tract_onnx::tract_core::ops::binary::TypedBinOp;
use tract_onnx::tract_core::ops::cast::Cast;
use tract_onnx::tract_core::ops::logic::Iff;
use tract_onnx::tract_core::ops::nn::{Reduce, Reducer};

use super::arith::reduction_groups;
use super::Exprs;
use crate::compiler::graph::{Builder, ExprId};

/// An interval `[lo, hi]` holding every value an expression can take.
pub(super) type Range = (f64, f64);

#[derive(Default)]
pub(super) struct Ranges(HashMap<ExprId, Range>);

fn union(a: Range, b: Range) -> Range {
    (a.0.min(b.0), a.1.max(b.1))
}

impl Ranges {
    /// The range of `e`, if known (never from a private constant's value: ranges decide
    /// which step gates are laid out).
    pub(super) fn get(&self, b: &Builder, e: ExprId) -> Option<Range> {
        b.public_constant(e).map(|c| (c, c)).or_else(|| self.0.get(&e).copied())
    }

    /// Records that every element of `t` lies in `r`.
    pub(super) fn set_all(&mut self, t: &Exprs, r: Range) {
        self.0.extend(t.iter().map(|e| (*e, r)));
    }

    /// The union of the ranges of `t`'s elements, if all are known.
    fn hull(&self, b: &Builder, t: &Exprs) -> Option<Range> {
        let mut acc: Option<Range> = None;
        for e in t.iter() {
            let r = self.get(b, *e)?;
            acc = Some(acc.map_or(r, |a| union(a, r)));
        }
        acc
    }

    /// Element-wise ranges of `out` from those of `operands` (broadcast to `out`'s shape).
    fn zip(&mut self, b: &Builder, operands: &[&Exprs], out: &Exprs, f: impl Fn(&[Range]) -> Range) {
        let columns: Option<Vec<Vec<ExprId>>> =
            operands.iter().map(|t| t.broadcast(out.raw_dim()).map(|v| v.iter().copied().collect())).collect();
        let Some(columns) = columns else { return };
        let mut rs = Vec::with_capacity(operands.len());
        for (k, e) in out.iter().enumerate() {
            rs.clear();
            rs.extend(columns.iter().map_while(|c| self.get(b, c[k])));
            if rs.len() == columns.len() {
                self.0.insert(*e, f(&rs));
            }
        }
    }

    /// Derives the ranges of `node`'s outputs from its inputs (movement operators need
    /// nothing: their outputs are their inputs' expressions).
    pub(super) fn propagate(&mut self, b: &Builder, node: &TypedNode, inputs: &[&Exprs], outputs: &[Exprs]) {
        let Some(out) = outputs.first() else { return };
        if node.outputs[0].fact.datum_type == DatumType::Bool {
            self.set_all(out, (0.0, 1.0));
        } else if let Some(op) = node.op_as::<TypedBinOp>() {
            let f: fn(Range, Range) -> Range = match op.0.name() {
                "Add" => |a, c| (a.0 + c.0, a.1 + c.1),
                "Sub" => |a, c| (a.0 - c.1, a.1 - c.0),
                "SubF" => |a, c| (c.0 - a.1, c.1 - a.0),
                "Mul" => |a, c| {
                    let p = [a.0 * c.0, a.0 * c.1, a.1 * c.0, a.1 * c.1];
                    (p.iter().copied().fold(f64::INFINITY, f64::min), p.iter().copied().fold(f64::NEG_INFINITY, f64::max))
                },
                "Max" => |a, c| (a.0.max(c.0), a.1.max(c.1)),
                "Min" => |a, c| (a.0.min(c.0), a.1.min(c.1)),
                _ => return,
            };
            self.zip(b, &inputs[..2], out, |r| f(r[0], r[1]));
        } else if let Some(op) = node.op_as::<Cast>() {
            // Casts keep values, or round toward zero (monotone) to an integer type.
            let to_int = !op.to.is_float();
            self.zip(b, &inputs[..1], out, |r| if to_int { (r[0].0.trunc(), r[0].1.trunc()) } else { r[0] });
        } else if node.op_as::<Iff>().is_some() {
            self.zip(b, &inputs[1..3], out, |r| union(r[0], r[1]));
        } else if node.op_as::<Gather>().is_some() || node.op_as::<GatherElements>().is_some() || node.op_as::<GatherNd>().is_some() {
            // Any data element, or 0 for an index outside the data.
            if let Some(r) = self.hull(b, inputs[0]) {
                self.set_all(out, union(r, (0.0, 0.0)));
            }
        } else if let Some(op) = node.op_as::<Reduce>() {
            if op.reducer == Reducer::Sum {
                let (_, groups) = reduction_groups(inputs[0], &op.axes);
                for (g, e) in groups.iter().zip(out.iter()) {
                    let rs: Option<Vec<Range>> = g.iter().map(|x| self.get(b, *x)).collect();
                    if let Some(rs) = rs {
                        self.0.insert(*e, rs.iter().fold((0.0, 0.0), |a, r| (a.0 + r.0, a.1 + r.1)));
                    }
                }
            }
        }
    }
}
