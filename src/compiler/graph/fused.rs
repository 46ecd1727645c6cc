//! Element-wise fusion: a chain of element-wise operators over one wire — GELU's
//! `½x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))` written out as Mul, Pow, Add and Tanh nodes,
//! `x·σ(x)`, `tanh(c·x + k)`, softmax's `e^(r − c)` — is laid out as one lookup of the composed
//! function instead of a rescale or a lookup per operator (each rescale costs a chain row, two
//! rescale rows and a wiring entry per element).
//!
//! The builder keeps such a chain unevaluated, as a *fused* expression `f(x)` (a [`Composite`]
//! of the source wire `x`), while every operator applied to it is element-wise over that same
//! wire: a linear combination with public coefficients, a product, a tabulated function.
//! Anything else that reads it *forces* it: one lookup of `x` in the table of `f`, whose identity
//! is `f`'s canonical name and whose range is `x`'s calibrated range, like any function table
//! (and, like any, interpolated where calibration finds that cheaper). A chain without a function
//! (a polynomial such as `x³`: it would trade exact integer arithmetic and a table-free layout
//! for a table), or beyond [`MAX_COMPOSITE_TABLES`] distinct composites (per-element constants
//! would make a table per element), is replayed operator by operator instead, exactly as
//! without fusion. A composite's table clamps to the wire range like any function table, and
//! one with a singular function (ln, √, 1/x, …) in it stops short of its first undefined input
//! ([`crate::calibration::calibrated_ranges`]: the pole of `1/(2x − 4)` may lie anywhere in the
//! source's range).
//!
//! Only public constants enter a composite: tables are public fixed columns, so a weight in one
//! would be revealed. An operand with a private coefficient is made a wire first, as before.
//! The table holds `round(2^s·f(x))`: one rounding of the exact composition, where the
//! operator-by-operator layout rounds after every operator.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::{Act, Builder, Coef, Expr, ExprId, Func, WireId};
use crate::Result;

/// Most distinct composite functions tabulated in one model; further chains are laid out
/// operator by operator.
pub const MAX_COMPOSITE_TABLES: usize = 16;

/// A real function of one real variable `x`, composed of element-wise operators with public
/// constants.
#[derive(Clone, Debug, PartialEq)]
pub enum Composite {
    /// `x`.
    X,
    /// `Σ cᵢ·fᵢ + k`.
    Linear(Vec<(Arc<Composite>, f64)>, f64),
    /// `f·g`.
    Mul(Arc<Composite>, Arc<Composite>),
    /// `func(f)`.
    Apply(Func, Arc<Composite>),
}

impl Composite {
    /// `f(x)` in floating point (`None` where any step is undefined or not finite).
    pub fn eval(&self, x: f64) -> Option<f64> {
        let y = match self {
            Composite::X => x,
            Composite::Linear(terms, k) => terms.iter().try_fold(*k, |sum, (f, c)| Some(sum + c * f.eval(x)?))?,
            Composite::Mul(f, g) => f.eval(x)? * g.eval(x)?,
            Composite::Apply(func, f) => func.eval(f.eval(x)?)?,
        };
        y.is_finite().then_some(y)
    }

    /// A canonical name, part of the table's identity: equal names are equal functions
    /// (constants are written so that they parse back to the same `f64`).
    pub fn name(&self) -> String {
        match self {
            Composite::X => "x".into(),
            Composite::Linear(terms, k) => {
                let terms: Vec<String> = terms.iter().map(|(f, c)| format!("{c:?}*{}", f.name())).collect();
                format!("({}+{k:?})", terms.join("+"))
            }
            Composite::Mul(f, g) => format!("({}*{})", f.name(), g.name()),
            Composite::Apply(func, f) => format!("{}[{}]", func.name(), f.name()),
        }
    }

    /// Whether a tabulated function occurs in it.
    fn has_func(&self) -> bool {
        match self {
            Composite::X => false,
            Composite::Linear(terms, _) => terms.iter().any(|(f, _)| f.has_func()),
            Composite::Mul(f, g) => f.has_func() || g.has_func(),
            Composite::Apply(..) => true,
        }
    }

    /// Whether its operators would lay out a rescale that one lookup of the whole avoids: a
    /// product, or a function of anything but `x` itself.
    fn saves_rows(&self) -> bool {
        match self {
            Composite::X => false,
            Composite::Linear(terms, _) => terms.iter().any(|(f, _)| f.saves_rows()),
            Composite::Mul(..) => true,
            Composite::Apply(_, f) => **f != Composite::X,
        }
    }

    /// Whether a function in it may be singular (calibration then keeps the table's range on
    /// one side of 0, as for that function alone).
    pub fn singular_at_zero(&self) -> bool {
        match self {
            Composite::X => false,
            Composite::Linear(terms, _) => terms.iter().any(|(f, _)| f.singular_at_zero()),
            Composite::Mul(f, g) => f.singular_at_zero() || g.singular_at_zero(),
            Composite::Apply(func, f) => func.singular_at_zero() || f.singular_at_zero(),
        }
    }
}

/// A fused expression: `f` of the `source` wire, made at model node `node` (whose name any
/// error in laying it out carries, wherever it is forced).
#[derive(Clone, Debug)]
pub(super) struct Fused {
    pub source: WireId,
    pub f: Arc<Composite>,
    pub node: u32,
}

impl Builder {
    /// `e` as `f(x)` of one wire `x`: a fused expression, `c·x + k` with public `c`, `k` (not a
    /// matrix product's output, which stays that product's gate), or an expression already laid
    /// out as the wire `x`.
    fn composite_of(&self, e: ExprId) -> Option<(WireId, Arc<Composite>)> {
        let x = &self.exprs[e as usize];
        if let Some(fused) = &x.fused {
            return Some((fused.source, fused.f.clone()));
        }
        match (&x.terms[..], x.products.is_empty(), x.product) {
            ([(w, c)], true, None) if !c.private && !x.constant.private => {
                let f = if c.value == 1.0 && x.constant.value == 0.0 {
                    Composite::X
                } else {
                    Composite::Linear(vec![(Arc::new(Composite::X), c.value)], x.constant.value)
                };
                Some((*w, Arc::new(f)))
            }
            // An expression already laid out is its wire.
            _ => self.wires_of.get(&(e, Act::Linear)).map(|w| (*w, Arc::new(Composite::X))),
        }
    }

    /// [`Builder::composite_of`], else `e` made a wire (what a product or a lookup of it does
    /// anyway) and taken as `x`.
    fn source_form(&mut self, e: ExprId) -> Result<(WireId, Arc<Composite>)> {
        match self.composite_of(e) {
            Some(c) => Ok(c),
            None => Ok((self.wire_of(e)?, Arc::new(Composite::X))),
        }
    }

    fn fused_expr(&mut self, x: WireId, f: Composite) -> ExprId {
        let fused = Fused { source: x, f: Arc::new(f), node: self.node };
        self.push_expr(Expr { fused: Some(fused), ..Default::default() })
    }

    /// `Σ cᵢ·eᵢ + k` as a fused expression, when some `eᵢ` is fused and every non-constant one
    /// is a composite of the same wire, all coefficients and constants public.
    pub(super) fn fuse_linear(&mut self, operands: &[(ExprId, Coef)], k: Coef) -> Option<ExprId> {
        if !self.fusion || k.private {
            return None;
        }
        let (mut source, mut terms, mut k, mut fused) = (None, Vec::new(), k.value, false);
        for &(e, c) in operands {
            if c.private {
                return None;
            }
            if let Some(v) = self.constant_coef(e) {
                if v.private {
                    return None;
                }
                k += c.value * v.value;
                continue;
            }
            let (x, f) = self.composite_of(e)?;
            if *source.get_or_insert(x) != x {
                return None;
            }
            fused |= self.exprs[e as usize].fused.is_some();
            terms.push((f, c.value));
        }
        let x = source.filter(|_| fused)?;
        let f = match &terms[..] {
            [(f, c)] if *c == 1.0 && k == 0.0 => (**f).clone(),
            _ => Composite::Linear(terms, k),
        };
        Some(self.fused_expr(x, f))
    }

    /// `a·b` as a fused expression, when both are functions of the same wire.
    pub(super) fn fuse_product(&mut self, a: ExprId, b: ExprId) -> Result<Option<ExprId>> {
        if !self.fusion || self.as_constant(a).is_some() || self.as_constant(b).is_some() {
            return Ok(None);
        }
        let (x, f) = self.source_form(a)?;
        let (y, g) = self.source_form(b)?;
        Ok((x == y).then(|| self.fused_expr(x, Composite::Mul(f, g))))
    }

    /// `func(e)` as a fused expression (`e` not a constant).
    pub(super) fn fuse_func(&mut self, func: &Func, e: ExprId) -> Result<Option<ExprId>> {
        if !self.fusion {
            return Ok(None);
        }
        let (x, f) = self.source_form(e)?;
        // A table over `x` for `func(c·x + k)` with |c| ≤ 1 would be at least as large as
        // `func`'s own over `c·x + k`, and calibration's margins, set on `x`'s range, would move
        // where they fall (softmax's `e^(r − c)` over `r ∈ [0, c]` would reach `e^(c/4)`, past
        // what interpolation holds): lay the argument out instead.
        if let Composite::Linear(terms, _) = &*f {
            if let [(g, c)] = &terms[..] {
                if **g == Composite::X && c.abs() <= 1.0 {
                    return Ok(None);
                }
            }
        }
        Ok(Some(self.fused_expr(x, Composite::Apply(func.clone(), f))))
    }

    /// `e`, laid out if it is fused: one lookup of its composite, or its operators replayed
    /// (an expression over the lookups, as without fusion).
    pub(super) fn unfused(&mut self, e: ExprId) -> Result<ExprId> {
        let Some(Fused { source: x, f, node }) = self.exprs[e as usize].fused.clone() else { return Ok(e) };
        if let Some(u) = self.unfused.get(&e) {
            return Ok(*u);
        }
        let reader = std::mem::replace(&mut self.node, node);
        let u = match self.tabulated(&f) {
            Some(func) => self.lookup_func(func, x).map(|y| self.wire_expr(y)),
            None => self.replay(x, &f),
        };
        self.node = reader;
        let u = u?;
        self.unfused.insert(e, u);
        Ok(u)
    }

    /// The function whose table holds `f`, when one lookup of it saves rows over its operators
    /// (a product or a function of more than the wire itself, with a function in it: a
    /// polynomial keeps exact arithmetic and no table, and a linear combination of lookups costs
    /// nothing more); `None` also past [`MAX_COMPOSITE_TABLES`].
    fn tabulated(&self, f: &Arc<Composite>) -> Option<Func> {
        if !f.has_func() || !f.saves_rows() {
            return None;
        }
        let composites: HashSet<String> =
            self.tables.iter().filter_map(|t| matches!(t.func, Func::Composite(_)).then(|| t.func.name())).collect();
        let func = Func::Composite(f.clone());
        (composites.contains(&func.name()) || composites.len() < MAX_COMPOSITE_TABLES).then_some(func)
    }

    /// `f(x)` laid out operator by operator, without fusion.
    fn replay(&mut self, x: WireId, f: &Arc<Composite>) -> Result<ExprId> {
        let fusion = std::mem::replace(&mut self.fusion, false);
        let e = self.replay_node(x, f, &mut HashMap::new());
        self.fusion = fusion;
        e
    }

    fn replay_node(&mut self, x: WireId, f: &Arc<Composite>, done: &mut HashMap<*const Composite, ExprId>) -> Result<ExprId> {
        if let Some(e) = done.get(&Arc::as_ptr(f)) {
            return Ok(*e);
        }
        let e = match &**f {
            Composite::X => self.wire_expr(x),
            Composite::Linear(terms, k) => {
                let operands =
                    terms.iter().map(|(g, c)| Ok((self.replay_node(x, g, done)?, *c))).collect::<Result<Vec<_>>>()?;
                self.linear(&operands, *k)?
            }
            Composite::Mul(g, h) => {
                let a = self.replay_node(x, g, done)?;
                let b = self.replay_node(x, h, done)?;
                self.mul(a, b)?
            }
            Composite::Apply(func, g) => {
                let a = self.replay_node(x, g, done)?;
                self.func(func.clone(), a)?
            }
        };
        done.insert(Arc::as_ptr(f), e);
        Ok(e)
    }

    /// The value a fused `f(x)` takes once laid out, `round(2^s·f(x))/2^s`.
    pub(super) fn composite_value(&self, x: WireId, f: &Composite) -> f64 {
        let unit = (1u64 << self.scale_bits) as f64;
        f.eval(self.wire_real(x)).map_or(0.0, |y| (y * unit).round() / unit)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Builder, ElementGraph, ExprId, Func, Gate};
    use crate::Result;

    const S: u32 = 13;

    /// GELU's tanh form as ONNX exporters write it: Mul, Mul, Mul, Add, Mul, Tanh, Add, Mul.
    fn gelu(b: &mut Builder, x: ExprId) -> Result<ExprId> {
        let k = (2.0 / std::f64::consts::PI).sqrt();
        let half = b.affine(x, 0.5, 0.0)?;
        let cube = b.affine(x, 0.044715, 0.0)?;
        let cube = b.mul(cube, x)?;
        let cube = b.mul(cube, x)?;
        let inner = b.add(x, cube)?;
        let inner = b.affine(inner, k, 0.0)?;
        let t = b.func(Func::Tanh, inner)?;
        let one_plus = b.affine(t, 1.0, 1.0)?;
        b.mul(half, one_plus)
    }

    fn build(xs: &[f64], f: impl Fn(&mut Builder, ExprId) -> Result<ExprId>) -> ElementGraph {
        let mut b = Builder::new(S);
        let inputs: Vec<ExprId> = xs.iter().map(|x| b.input(*x, false).unwrap()).collect();
        let outputs: Vec<ExprId> = inputs.iter().map(|x| f(&mut b, *x).unwrap()).collect();
        b.finish(&outputs).unwrap()
    }

    fn count(g: &ElementGraph, lookup: bool) -> usize {
        g.gates[..g.first_input_check].iter().filter(|gate| matches!(gate, Gate::Lookup { .. }) == lookup && !matches!(gate, Gate::Input)).count()
    }

    #[test]
    fn gelu_written_out_is_one_lookup_rounded_once() {
        let xs = [-3.2, -0.7, 0.0, 0.4, 1.9, 4.5];
        let g = build(&xs, gelu);
        // One lookup per element in one composite table, and no rescale at all.
        assert_eq!((count(&g, true), count(&g, false)), (xs.len(), 0));
        assert!(matches!(&g.tables[..], [t] if matches!(t.func, Func::Composite(_))));
        let unit = 1.0 / (1u64 << S) as f64;
        for (x, y) in xs.iter().zip(g.output_reals()) {
            let exact = 0.5 * x * (1.0 + ((2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x * x * x)).tanh());
            assert!((y - exact).abs() <= unit, "gelu({x}) = {y}, float {exact}");
        }
    }

    #[test]
    fn a_weight_never_enters_a_table() {
        // tanh(w·x)·x with a private w: the table must be the same whatever w is, or the VK's
        // table columns would reveal it.
        let with = |w: f64| {
            build(&[-1.5, 0.25, 2.0], |b, x| {
                let w = b.weight(w);
                let wx = b.mul(w, x)?;
                let t = b.func(Func::Tanh, wx)?;
                b.mul(t, x)
            })
        };
        let (a, b) = (with(0.7), with(-1.3));
        for g in [&a, &b] {
            assert!(g.tables.iter().all(|t| t.func == Func::Tanh), "{:?}", g.tables.iter().map(|t| t.id()).collect::<Vec<_>>());
        }
        assert_eq!(a.tables.iter().map(|t| t.id()).collect::<Vec<_>>(), b.tables.iter().map(|t| t.id()).collect::<Vec<_>>());
    }

    #[test]
    fn a_polynomial_keeps_exact_arithmetic_and_no_table() {
        let g = build(&[-2.0, 0.5, 3.0], |b, x| {
            let sq = b.mul(x, x)?;
            b.mul(sq, x)
        });
        assert!(g.tables.is_empty());
        assert_eq!(count(&g, true), 0);
        let unit = 1.0 / (1u64 << S) as f64;
        for (x, y) in [-2.0f64, 0.5, 3.0].iter().zip(g.output_reals()) {
            assert!((y - x.powi(3)).abs() <= unit);
        }
    }

    #[test]
    fn a_composite_table_stops_short_of_its_pole() {
        // 1/(2x − 4) calibrated on x ∈ [2.5, 6]: widened and rounded out, the range would reach
        // [1, 8] and hold the pole at x = 2; it starts just above it.
        let g = build(&[2.5, 6.0], |b, x| {
            let a = b.affine(x, 2.0, -4.0)?;
            b.func(Func::Recip, a)
        });
        let [t] = &g.tables[..] else { panic!("one table: {:?}", g.tables) };
        assert!(matches!(t.func, Func::Composite(_)));
        let unit = 1i64 << S;
        let (lo, hi) = crate::calibration::calibrated_ranges(&g)[0];
        assert_eq!((lo, hi), (2 * unit + 1, 8 * unit));
    }

    #[test]
    fn a_forced_lookup_belongs_to_the_node_that_made_it() {
        // Errors and profiles name the node of the chain, not the one that read it.
        let mut b = Builder::new(S);
        let (x, y) = (b.input(0.3, false).unwrap(), b.input(-0.2, false).unwrap());
        b.set_node("act");
        let wide = b.affine(x, 2.0, 0.0).unwrap();
        let t = b.func(Func::Tanh, wide).unwrap();
        b.set_node("sum");
        let z = b.add(t, y).unwrap();
        let g = b.finish(&[z]).unwrap();
        let lookup = g.gates.iter().position(|gate| matches!(gate, Gate::Lookup { .. })).unwrap();
        assert_eq!(g.nodes[g.gate_node[lookup] as usize], "act");
    }

    #[test]
    fn a_function_read_twice_is_looked_up_once() {
        // e^x − 1 read by a ReLU and again by a sum: both read the one exp lookup, as without
        // fusion (a linear combination of lookups is not worth a table of its own).
        let g = build(&[-1.0, 0.5], |b, x| {
            let e = b.func(Func::Exp, x)?;
            let em1 = b.affine(e, 1.0, -1.0)?;
            let r = b.relu(em1)?;
            b.add(em1, r)
        });
        assert_eq!(count(&g, true), 2);
        assert!(g.tables.iter().all(|t| t.func == Func::Exp));
    }
}
