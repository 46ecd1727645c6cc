//! The element graph: a model as scalar gates over *wires* (tensor elements the circuit holds),
//! built by the ONNX lowering through a [`Builder`] that quantizes and evaluates as it goes.
//!
//! The lowering manipulates [`ExprId`]s: linear expressions `Σ cᵢ·xᵢ + Σ c·xₐ·x_b + k` over wires
//! with real coefficients. Linear operators (Add, Sub, Mul/Div by constants, BatchNorm, bias,
//! shape changes) only combine expressions; a wire is made (*materialized*) when an operator
//! needs one: a non-linear function, a product of two expressions, ReLU, a comparison, or a
//! fan-in sum over expressions that are themselves sums. Materializing lays out one rescale
//! gate: `q = ⌊(T + p)/D⌋` over integer weights, with `D` chosen so that integer coefficients
//! stay exact (`D = 1`), rational ones like `1/n` too (`D = n ≤ 2^s`), and others round to
//! `2^s` fractional bits (`D = 2^s`).
//!
//! Every wire has a scale: `2^s` for real values, `2^0` for integers and booleans (outputs of
//! comparisons, integer inputs), so that integer arithmetic stays exact.
//!
//! Coefficients and constants made from a *private* value (a model weight, [`Builder::weight`])
//! are marked private, and the layout never looks at their values: a private term stays a
//! term when its coefficient is or rounds to zero, an expression with any private coefficient
//! gets `D = 2^s` and scale `2^s`, and it is always materialized (never read as a bare wire).
//! So every gate's terms, products, `D`, activation and scale — all the builder puts in public
//! fixed columns — are the same for any values of the private constants; the values only
//! reach the gate's integer weights and offset, which go to the hidden columns.
//!
//! Every public input is range-checked by a gate of its own (the graph's last gates, from
//! [`ElementGraph::first_input_check`] on, in input order): a real or integer input `x` by the identity rescale `q = ⌊x/1⌋`, which proves
//! `x = 2^s·hi + lo` with `lo` in the range table and `hi` in the sign table, i.e.
//! `x ∈ [−2^(s+h−1), 2^(s+h−1))`; a boolean input by a lookup in the two-entry table
//! [`Func::Boolean`], i.e. `x ∈ {0, 1}`. Both read the input through its wiring entry, the
//! value the public-input row binds, so no input is a free field element.

use std::collections::HashMap;
use std::sync::Arc;

pub use fused::Composite;
use fused::Fused;

use super::interpolate::{self, Interp};
use super::matrix;
use crate::{Error, Result};

mod fused;

/// Index of a wire (gate `i` produces wire `i`).
pub type WireId = u32;
/// Index of an expression in the builder's arena.
pub type ExprId = u32;

/// What a rescale gate outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Act {
    /// `q`.
    Linear,
    /// `max(q, 0)`.
    Relu,
    /// `[q ≥ 0]` (a boolean, scale 1).
    Step,
}

/// A rescale gate over a chain: `q = ⌊(Σ wᵢ·xᵢ + Σ x_a·x_b + offset) / div⌋`, then `act`.
#[derive(Clone, Debug, PartialEq)]
pub struct Affine {
    pub terms: Vec<(WireId, i64)>,
    pub products: Vec<(WireId, WireId)>,
    pub offset: i128,
    pub div: u64,
    pub act: Act,
}

/// One gate; gate `i` produces wire `i`.
#[derive(Clone, Debug, PartialEq)]
pub enum Gate {
    /// Public input number `i` (inputs are the first gates).
    Input,
    Affine(Affine),
    /// `y = table(x)`.
    Lookup { input: WireId, table: u32 },
}

/// A matrix product `Y = X·R` the model computes (`X` of `rows×inner`, `R` of `inner×cols`,
/// row-major): the builder records its structure so the compiler can check it with one
/// Freivalds block ([`crate::blocks::freivalds`]) instead of one row per multiply-accumulate.
/// Only the wires are recorded, never a weight: the weights are read off the output gates.
#[derive(Clone, Debug, PartialEq)]
pub struct MatProduct {
    pub rows: usize,
    pub inner: usize,
    pub cols: usize,
    /// `X`'s wires; `None` where the model makes the entry a constant (its product with the
    /// weight is in the output's offset).
    pub left: Vec<Option<WireId>>,
    /// `R`'s wires for a product of two witnesses, empty for a weight matrix.
    pub right: Vec<WireId>,
    /// The rescale gate of every output (`rows×cols`), `None` where the output was never laid
    /// out as a rescale of exactly this product (then the compiler keeps the usual layout).
    pub outputs: Vec<Option<WireId>>,
}

/// A tabulated element-wise function `y = f(x)`.
#[derive(Clone, Debug, PartialEq)]
pub enum Func {
    Exp,
    Ln,
    Sigmoid,
    Tanh,
    Erf,
    /// `x·Φ(x)` (exact GELU).
    Gelu,
    Sqrt,
    /// `1/√x`.
    Rsqrt,
    /// `1/x`.
    Recip,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Softplus,
    /// `x^p` for a non-integer constant exponent.
    Pow(f64),
    /// `c^x` for a constant base.
    ExpBase(f64),
    /// `x·relu6(x+3)/6`.
    HardSwish,
    /// `x` on `{0, 1}` only: the range check of a boolean input (its table has exactly the two
    /// entries, whatever range calibration would give it).
    Boolean,
    /// A chain of element-wise operators over one wire, tabulated as one function
    /// ([`fused`]).
    Composite(Arc<Composite>),
}

impl Func {
    /// Short name, part of the table's identity.
    pub fn name(&self) -> String {
        match self {
            Func::Pow(p) => format!("pow({p})"),
            Func::ExpBase(b) => format!("exp_base({b})"),
            Func::Composite(c) => c.name(),
            other => format!("{other:?}").to_lowercase(),
        }
    }

    /// `f(x)` in floating point (`None` where undefined).
    pub fn eval(&self, x: f64) -> Option<f64> {
        let y = match self {
            Func::Exp => x.exp(),
            Func::Ln => (x > 0.0).then(|| x.ln())?,
            Func::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Func::Tanh => x.tanh(),
            Func::Erf => erf(x),
            Func::Gelu => 0.5 * x * (1.0 + erf(x / std::f64::consts::SQRT_2)),
            Func::Sqrt => (x >= 0.0).then(|| x.sqrt())?,
            Func::Rsqrt => (x > 0.0).then(|| 1.0 / x.sqrt())?,
            Func::Recip => (x != 0.0).then(|| 1.0 / x)?,
            Func::Sin => x.sin(),
            Func::Cos => x.cos(),
            Func::Tan => x.tan(),
            Func::Asin => (x.abs() <= 1.0).then(|| x.asin())?,
            Func::Acos => (x.abs() <= 1.0).then(|| x.acos())?,
            Func::Atan => x.atan(),
            Func::Softplus => {
                if x > 30.0 {
                    x
                } else {
                    x.exp().ln_1p()
                }
            }
            Func::Pow(p) => {
                let y = x.powf(*p);
                y.is_finite().then_some(y)?
            }
            Func::ExpBase(b) => b.powf(x),
            Func::HardSwish => x * (x + 3.0).clamp(0.0, 6.0) / 6.0,
            Func::Boolean => (x == 0.0 || x == 1.0).then_some(x)?,
            Func::Composite(c) => c.eval(x)?,
        };
        y.is_finite().then_some(y)
    }

    /// Whether `f` is undefined or unbounded in slope at 0 (so a calibrated range that stays on
    /// one side of 0 should not be widened across it).
    pub fn singular_at_zero(&self) -> bool {
        match self {
            Func::Composite(c) => c.singular_at_zero(),
            f => matches!(f, Func::Ln | Func::Sqrt | Func::Rsqrt | Func::Recip | Func::Pow(_)),
        }
    }
}

/// Abramowitz–Stegun 7.1.26 is too coarse for a 2^-20 table; this is the Numerical Recipes
/// `erfc` Chebyshev fit (relative error < 1.2e-7).
fn erf(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.26551223
        + t * (1.00002368
            + t * (0.37409196
                + t * (0.09678418
                    + t * (-0.18628806
                        + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
    let erfc = t * poly.exp();
    if x >= 0.0 {
        1.0 - erfc
    } else {
        erfc - 1.0
    }
}

/// Largest magnitude a wire may hold at scale `2^s`: `2^(2s−1) − 1`, the builder's bound and the
/// verifier's bound on public inputs (a rescale's `q = 2^M·hi + lo` is bounded more tightly by
/// the calibrated sign table, see [`ElementGraph::apply_sign_bits`]).
pub fn max_wire(scale_bits: u32) -> i64 {
    (1i64 << (2 * scale_bits - 1)) - 1
}

/// A lookup table: `f` over integer inputs `x ∈ [min, max]` at scale `2^in_scale`, outputs at
/// scale `2^out_scale`, clamped to the provable range; or one of the two tables of an
/// interpolated `f` ([`TableKind`]), indexed by knot.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub func: Func,
    pub in_scale: u32,
    pub out_scale: u32,
    pub min: i64,
    pub max: i64,
    pub kind: TableKind,
}

/// What a table holds for its input.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TableKind {
    /// `round(2^out_scale·f(x/2^in_scale))`.
    Direct,
    /// The intercept of an interpolated `f` at knot `x` ([`interpolate::intercept`]).
    Intercept(Interp),
    /// The slope of an interpolated `f` at knot `x` ([`interpolate::slope`]).
    Slope(Interp),
}

impl Table {
    /// The table's identity (function, scales and kind; not its range).
    pub fn id(&self) -> String {
        let direct = format!("{}@{}->{}", self.func.name(), self.in_scale, self.out_scale);
        match self.kind {
            TableKind::Direct => direct,
            TableKind::Intercept(ip) => format!("{direct}/intercept{}+{}", ip.step_bits, ip.slope_bits),
            TableKind::Slope(ip) => format!("{direct}/slope{}+{}", ip.step_bits, ip.slope_bits),
        }
    }

    /// The identity of the direct table of the same function and scales.
    pub fn direct_id(&self) -> String {
        Table { kind: TableKind::Direct, ..self.clone() }.id()
    }

    /// The interpolation this table is part of, if any.
    pub fn interpolation(&self) -> Option<Interp> {
        match self.kind {
            TableKind::Direct => None,
            TableKind::Intercept(ip) | TableKind::Slope(ip) => Some(ip),
        }
    }

    /// The tabulated output for input `x`. Direct: `round(2^out_scale·f(x/2^in_scale))`,
    /// clamped to the provable range [`max_wire`] (undefined points map to 0). Interpolation
    /// tables: the knot's intercept or slope (below [`interpolate::MAX_TABLE_VALUE`] wherever
    /// setup laid one out).
    pub fn output(&self, x: i64) -> i64 {
        let bounded = |v: i128| v.clamp(i64::MIN as i128, i64::MAX as i128) as i64;
        match self.kind {
            TableKind::Intercept(ip) => return bounded(interpolate::intercept(self, ip, x)),
            TableKind::Slope(ip) => return bounded(interpolate::slope(self, ip, x)),
            TableKind::Direct => {}
        }
        let real = x as f64 / (1u64 << self.in_scale) as f64;
        match self.func.eval(real) {
            None => 0,
            Some(y) => {
                let range = max_wire(self.out_scale) as f64;
                (y * (1u64 << self.out_scale) as f64).round().clamp(-range, range) as i64
            }
        }
    }

    pub fn len(&self) -> usize {
        if self.max < self.min {
            0
        } else {
            (self.max - self.min + 1) as usize
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The input range a table must keep whatever the calibration says: `[0, 1]` for
    /// [`Func::Boolean`] (a wider one would let a boolean input take other values).
    pub fn fixed_range(&self) -> Option<(i64, i64)> {
        (self.func == Func::Boolean).then_some((0, 1))
    }
}

/// What an out-of-range value at prove time tells the user to change.
const CALIBRATION_HINT: &str = "run setup again with --calibration-data FILE whose samples cover inputs like this one";

/// A model as gates over wires, with the wire values of one input.
#[derive(Clone, Debug)]
pub struct ElementGraph {
    pub scale_bits: u32,
    /// The first `num_inputs` gates are the public inputs.
    pub num_inputs: usize,
    pub gates: Vec<Gate>,
    /// The gates from this one on (the last ones) range-check the inputs, one per input in order
    /// (see the module documentation).
    pub first_input_check: usize,
    /// The integer value of every wire for the input it was built with.
    pub values: Vec<i64>,
    /// Scale bits of every wire (`s` or 0).
    pub wire_scale: Vec<u32>,
    /// Index into `nodes` of the model node each gate came from.
    pub gate_node: Vec<u32>,
    pub nodes: Vec<String>,
    pub outputs: Vec<WireId>,
    pub tables: Vec<Table>,
    /// The matrix products the model computes.
    pub products: Vec<MatProduct>,
    /// Bits `h` of a rescale's high limb: `q = 2^s·hi + lo` with `hi ∈ [−2^(h−1), 2^(h−1))`, so
    /// the sign table has `2^h` entries. `s` (every wire the builder allows) until calibrated.
    pub sign_bits: u32,
}

impl ElementGraph {
    /// `q = ⌊(Σ w·x + Σ x·y + offset)/D⌋` of every rescale gate (before its activation).
    fn rescale_quotients(&self) -> impl Iterator<Item = (usize, i128)> + '_ {
        self.gates.iter().enumerate().filter_map(|(i, g)| {
            let Gate::Affine(a) = g else { return None };
            let v = |w: &WireId| self.values[*w as usize] as i128;
            let total = a.offset
                + a.terms.iter().map(|(w, c)| *c as i128 * v(w)).sum::<i128>()
                + a.products.iter().map(|(x, y)| v(x) * v(y)).sum::<i128>();
            Some((i, total.div_euclid(a.div as i128)))
        })
    }

    /// The smallest `h` whose range holds every rescale quotient of this input four times over
    /// (two bits of headroom for other inputs), at most [`super::max_sign_bits`].
    pub fn calibrated_sign_bits(&self) -> u32 {
        let peak = self.rescale_quotients().map(|(_, q)| q.unsigned_abs()).max().unwrap_or(0);
        let s = self.scale_bits;
        let most = super::max_sign_bits(s);
        (1..=most).find(|h| 4 * peak < 1u128 << (s + h - 1)).unwrap_or(most)
    }

    /// Widens each table's observed input range (`min`, `max`, before
    /// [`ElementGraph::apply_table_ranges`]) to cover `other`'s: the same model built on
    /// another calibration sample at the same scale.
    pub fn cover(&mut self, other: &ElementGraph) -> Result<()> {
        let ids = |g: &ElementGraph| g.tables.iter().map(Table::id).collect::<Vec<_>>();
        if ids(self) != ids(other) {
            return Err(Error::UnsupportedModel("the model's lookup tables depend on the input values".into()));
        }
        for (t, o) in self.tables.iter_mut().zip(&other.tables) {
            (t.min, t.max) = (t.min.min(o.min), t.max.max(o.max));
        }
        Ok(())
    }

    /// Narrows the sign table to `2^h` entries, checking that every rescale quotient fits; one
    /// outside names its node and the range.
    pub fn apply_sign_bits(&mut self, h: u32) -> Result<()> {
        let s = self.scale_bits;
        let most = super::max_sign_bits(s);
        if !(1..=most).contains(&h) {
            return Err(Error::KeyMismatch(format!("sign bits {h} outside 1..={most}")));
        }
        let bound = 1i128 << (s + h - 1);
        let outside = |(_, q): &(usize, i128)| *q < -bound || *q >= bound;
        // An input out of range is named as such, not as the first gate it feeds.
        let bad = self.rescale_quotients().filter(|(i, _)| *i >= self.first_input_check).find(outside);
        if let Some((i, q)) = bad.or_else(|| self.rescale_quotients().find(outside)) {
            // q has the output's scale, except under a step (whose output is a boolean).
            let is_step = matches!(&self.gates[i], Gate::Affine(a) if a.act == Act::Step);
            let unit = (1u64 << if is_step { s } else { self.wire_scale[i] }) as f64;
            return Err(Error::OutOfRange {
                node: self.nodes[self.gate_node[i] as usize].clone(),
                value: q as f64 / unit,
                min: -bound as f64 / unit,
                max: bound as f64 / unit,
                hint: CALIBRATION_HINT.into(),
            });
        }
        self.sign_bits = h;
        Ok(())
    }

    /// The quantized output values.
    pub fn output_values(&self) -> Vec<i64> {
        self.outputs.iter().map(|w| self.values[*w as usize]).collect()
    }

    /// The quantized input values.
    pub fn input_values(&self) -> Vec<i64> {
        self.values[..self.num_inputs].to_vec()
    }

    /// Output values as reals.
    pub fn output_reals(&self) -> Vec<f64> {
        self.outputs
            .iter()
            .map(|w| self.values[*w as usize] as f64 / (1u64 << self.wire_scale[*w as usize]) as f64)
            .collect()
    }

    /// Replaces each table's range by the calibrated one (`ranges[k] = (min, max)`), checking
    /// that every lookup input lies inside; an input outside names its node, value and range.
    pub fn apply_table_ranges(&mut self, ranges: &[(i64, i64)]) -> Result<()> {
        if ranges.len() != self.tables.len() {
            return Err(Error::KeyMismatch(format!(
                "the model uses {} lookup tables, the settings have {}",
                self.tables.len(),
                ranges.len()
            )));
        }
        for (t, range) in self.tables.iter_mut().zip(ranges) {
            (t.min, t.max) = t.fixed_range().unwrap_or(*range);
        }
        for (i, g) in self.gates.iter().enumerate() {
            if let Gate::Lookup { input, table } = g {
                let t = &self.tables[*table as usize];
                let x = self.values[*input as usize];
                if x < t.min || x > t.max {
                    // An interpolation table is indexed by knot: name the function's input, which
                    // the knot rescale reads, and the range its knots cover.
                    let (value, step) = match (t.interpolation(), &self.gates[*input as usize]) {
                        (Some(ip), Gate::Affine(knot)) => (self.values[knot.terms[0].0 as usize], 1i64 << ip.step_bits),
                        _ => (x, 1),
                    };
                    let unit = (1u64 << t.in_scale) as f64;
                    return Err(Error::OutOfRange {
                        node: format!("{} ({} table)", self.nodes[self.gate_node[i] as usize], t.func.name()),
                        value: value as f64 / unit,
                        min: (t.min * step) as f64 / unit,
                        max: ((t.max + 1) * step) as f64 / unit,
                        hint: CALIBRATION_HINT.into(),
                    });
                }
            }
        }
        Ok(())
    }
}

/// A real coefficient, and whether it depends on a private value (a model weight).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Coef {
    value: f64,
    private: bool,
}

impl Coef {
    fn public(value: f64) -> Self {
        Self { value, private: false }
    }

    /// Zero that is known to be zero whatever the weights (a public zero).
    fn is_public_zero(&self) -> bool {
        !self.private && self.value == 0.0
    }

    fn add(self, o: Coef) -> Coef {
        Coef { value: self.value + o.value, private: self.private || o.private }
    }

    fn mul(self, o: Coef) -> Coef {
        Coef { value: self.value * o.value, private: self.private || o.private }
    }
}

/// A linear expression over wires, with real coefficients.
#[derive(Clone, Debug, Default)]
struct Expr {
    terms: Vec<(WireId, Coef)>,
    products: Vec<(WireId, WireId, Coef)>,
    constant: Coef,
    /// `(product, output)`: this is output `output` of the recorded [`MatProduct`] `product`
    /// (plus a constant), so the rescale made of it is that product's output gate.
    product: Option<(u32, u32)>,
    /// `f(x)` for a wire `x`, not laid out yet ([`fused`]); the fields above are then empty.
    fused: Option<Fused>,
}

impl Expr {
    /// Whether any coefficient or the constant is private.
    fn is_private(&self) -> bool {
        self.constant.private || self.terms.iter().any(|t| t.1.private) || self.products.iter().any(|p| p.2.private)
    }
}

/// Builds an [`ElementGraph`], evaluating every wire as it is made.
pub struct Builder {
    scale_bits: u32,
    gates: Vec<Gate>,
    values: Vec<i64>,
    wire_scale: Vec<u32>,
    gate_node: Vec<u32>,
    nodes: Vec<String>,
    /// The index in `nodes` of the node the gates made now come from.
    node: u32,
    exprs: Vec<Expr>,
    tables: Vec<Table>,
    table_ids: HashMap<String, u32>,
    /// Materialized expressions (so an expression used twice is laid out once).
    wires_of: HashMap<(ExprId, Act), WireId>,
    /// For every input, whether it is a boolean (range-checked in `{0, 1}`, not by limbs).
    boolean_inputs: Vec<bool>,
    /// The functions to interpolate, by their direct table's id.
    interpolation: HashMap<String, Interp>,
    products: Vec<MatProduct>,
    /// Every function's output wire, by its direct table's id and input ([`Builder::lookup_func`]).
    lookups: HashMap<(String, WireId), WireId>,
    /// Whether element-wise chains are fused ([`fused`]); off while one is replayed.
    fusion: bool,
    /// What each fused expression was laid out as ([`fused`]).
    unfused: HashMap<ExprId, ExprId>,
}

/// Largest sum of the magnitudes of a rescale gate's terms (far below r/2 ≈ 2^253).
const MAX_GATE_SUM: u128 = 1 << 120;

/// Tolerance under which a coefficient counts as an integer.
const INTEGRAL: f64 = 1e-9;

fn is_integral(x: f64) -> bool {
    (x - x.round()).abs() < INTEGRAL * x.abs().max(1.0)
}

impl Builder {
    /// A builder for scale `2^scale_bits`.
    pub fn new(scale_bits: u32) -> Self {
        Self {
            scale_bits,
            gates: Vec::new(),
            values: Vec::new(),
            wire_scale: Vec::new(),
            gate_node: Vec::new(),
            nodes: vec!["input".into()],
            node: 0,
            exprs: Vec::new(),
            tables: Vec::new(),
            table_ids: HashMap::new(),
            wires_of: HashMap::new(),
            boolean_inputs: Vec::new(),
            interpolation: HashMap::new(),
            products: Vec::new(),
            lookups: HashMap::new(),
            fusion: true,
            unfused: HashMap::new(),
        }
    }

    /// A builder for scale `2^scale_bits` that interpolates the functions of `plan` (keyed by
    /// their direct table's id; see [`interpolate::plan`]).
    pub fn with_interpolation(scale_bits: u32, plan: &[(String, Interp)]) -> Self {
        Self { interpolation: plan.iter().cloned().collect(), ..Self::new(scale_bits) }
    }

    pub fn scale_bits(&self) -> u32 {
        self.scale_bits
    }

    /// Attributes the gates made from now on to the model node `name` (errors, profiles).
    pub fn set_node(&mut self, name: &str) {
        self.nodes.push(name.to_string());
        self.node = (self.nodes.len() - 1) as u32;
    }

    fn node_name(&self) -> &str {
        &self.nodes[self.node as usize]
    }

    /// Largest magnitude a wire may hold ([`max_wire`]).
    pub fn range(&self) -> i64 {
        max_wire(self.scale_bits)
    }

    fn push_expr(&mut self, e: Expr) -> ExprId {
        self.exprs.push(e);
        (self.exprs.len() - 1) as ExprId
    }

    fn new_wire(&mut self, gate: Gate, value: i64, scale: u32) -> WireId {
        self.gates.push(gate);
        self.values.push(value);
        self.wire_scale.push(scale);
        self.gate_node.push(self.node);
        (self.gates.len() - 1) as WireId
    }

    fn wire_expr(&mut self, w: WireId) -> ExprId {
        self.push_expr(Expr { terms: vec![(w, Coef::public(1.0))], ..Default::default() })
    }

    /// Real value of a wire.
    fn wire_real(&self, w: WireId) -> f64 {
        self.values[w as usize] as f64 / (1u64 << self.wire_scale[w as usize]) as f64
    }

    /// A public input with real value `x`; integer inputs keep scale 1, real ones get `2^s`.
    /// Inputs must all be added before any other gate.
    pub fn input(&mut self, x: f64, integer: bool) -> Result<ExprId> {
        let scale = if integer { 0 } else { self.scale_bits };
        let v = (x * (1u64 << scale) as f64).round();
        if !v.is_finite() || v.abs() > self.range() as f64 {
            return Err(Error::OutOfRange {
                node: format!("input element {}", self.gates.len()),
                value: x,
                min: -(self.range() as f64) / (1u64 << scale) as f64,
                max: self.range() as f64 / (1u64 << scale) as f64,
                hint: format!("lower --scale-bits below {}", self.scale_bits),
            });
        }
        Ok(self.push_input(v as i64, scale, false))
    }

    /// A public boolean input (scale 1), which must be 0 or 1: the circuit proves it is.
    pub fn bool_input(&mut self, x: f64) -> Result<ExprId> {
        if x != 0.0 && x != 1.0 {
            return Err(Error::OutOfRange {
                node: format!("input element {} (boolean)", self.gates.len()),
                value: x,
                min: 0.0,
                max: 2.0,
                hint: "a boolean input is 0 or 1 (false or true)".into(),
            });
        }
        Ok(self.push_input(x as i64, 0, true))
    }

    fn push_input(&mut self, v: i64, scale: u32, boolean: bool) -> ExprId {
        assert_eq!(self.gates.len(), self.boolean_inputs.len(), "inputs must be added before any other gate");
        self.boolean_inputs.push(boolean);
        let w = self.new_wire(Gate::Input, v, scale);
        self.wire_expr(w)
    }

    /// Adds the range check of every input (see the module documentation): these gates are
    /// laid out like any other and their outputs are read by nothing, so the compiler keeps them
    /// (gates are never dropped or merged).
    fn check_inputs(&mut self) -> Result<()> {
        let boolean = Table { func: Func::Boolean, in_scale: 0, out_scale: self.scale_bits, min: 0, max: 1, kind: TableKind::Direct };
        for (x, is_bool) in std::mem::take(&mut self.boolean_inputs).into_iter().enumerate() {
            let x = x as WireId;
            self.set_node(&format!("input element {x}"));
            if is_bool {
                let t = self.table(boolean.clone());
                let y = boolean.output(self.values[x as usize]);
                self.new_wire(Gate::Lookup { input: x, table: t }, y, self.scale_bits);
            } else {
                let identity = Affine { terms: vec![(x, 1)], products: vec![], offset: 0, div: 1, act: Act::Linear };
                self.push_affine(identity, self.wire_scale[x as usize])?;
            }
        }
        Ok(())
    }

    /// The public constant `c` (part of the architecture: its value may shape the layout).
    pub fn constant(&mut self, c: f64) -> ExprId {
        self.push_expr(Expr { constant: Coef::public(c), ..Default::default() })
    }

    /// The private constant `c` (a model weight): the layout of every gate it reaches is the
    /// same whatever its value.
    pub fn weight(&mut self, c: f64) -> ExprId {
        self.push_expr(Expr { constant: Coef { value: c, private: true }, ..Default::default() })
    }

    fn constant_coef(&self, e: ExprId) -> Option<Coef> {
        let x = &self.exprs[e as usize];
        (x.terms.is_empty() && x.products.is_empty() && x.fused.is_none()).then_some(x.constant)
    }

    /// `Some(c)` if `e` is a constant, public or private. A caller that lets `c` choose what it
    /// builds makes `c` part of the architecture ([`Builder::public_constant`] does not).
    pub fn as_constant(&self, e: ExprId) -> Option<f64> {
        self.constant_coef(e).map(|c| c.value)
    }

    /// `Some(c)` if `e` is a public constant.
    pub fn public_constant(&self, e: ExprId) -> Option<f64> {
        self.constant_coef(e).filter(|c| !c.private).map(|c| c.value)
    }

    /// `f(c)` as a constant as private as `c`, if `e` is the constant `c`.
    pub fn fold(&mut self, e: ExprId, f: impl FnOnce(f64) -> f64) -> Option<ExprId> {
        let c = self.constant_coef(e)?;
        Some(self.push_expr(Expr { constant: Coef { value: f(c.value), ..c }, ..Default::default() }))
    }

    /// The current (quantized) real value of `e`.
    pub fn value(&self, e: ExprId) -> f64 {
        let x = &self.exprs[e as usize];
        if let Some(fused) = &x.fused {
            return self.composite_value(fused.source, &fused.f);
        }
        let mut v = x.constant.value;
        for (w, c) in &x.terms {
            v += c.value * self.wire_real(*w);
        }
        for (a, b, c) in &x.products {
            v += c.value * self.wire_real(*a) * self.wire_real(*b);
        }
        v
    }

    fn is_simple(&self, e: ExprId) -> bool {
        let x = &self.exprs[e as usize];
        x.terms.len() <= 1 && x.products.is_empty()
    }

    /// `Σ cᵢ·eᵢ + k` with public coefficients `cᵢ` and `k`.
    pub fn linear(&mut self, operands: &[(ExprId, f64)], k: f64) -> Result<ExprId> {
        let operands: Vec<(ExprId, Coef)> = operands.iter().map(|(e, c)| (*e, Coef::public(*c))).collect();
        self.combine(&operands, Coef::public(k))
    }

    /// `Σ cᵢ·eᵢ + k`. Operands that are sums themselves are materialized first when there is
    /// more than one operand (so fan-in sums do not multiply their term counts). Terms whose
    /// coefficient is a public zero are dropped; private ones stay, whatever their value.
    fn combine(&mut self, operands: &[(ExprId, Coef)], k: Coef) -> Result<ExprId> {
        let mut live: Vec<(ExprId, Coef)> = operands.iter().copied().filter(|(_, c)| !c.is_public_zero()).collect();
        if let Some(e) = self.fuse_linear(&live, k) {
            return Ok(e);
        }
        // A matrix product's output taken with another weight is laid out as that product's
        // output gate first (a scaled product would change the gate's divisor or weights).
        for (e, c) in live.iter_mut() {
            *e = self.unfused(*e)?;
            if self.exprs[*e as usize].product.is_some() && *c != Coef::public(1.0) {
                *e = self.wire_expr_of(*e)?;
            }
        }
        let many = live.iter().filter(|(e, _)| self.as_constant(*e).is_none()).count() > 1;
        let mut out = Expr { constant: k, ..Default::default() };
        // One operand with weight 1 plus constants keeps being that product output.
        if let [(e, c)] = live.iter().filter(|(e, _)| self.as_constant(*e).is_none()).collect::<Vec<_>>()[..] {
            if *c == Coef::public(1.0) {
                out.product = self.exprs[*e as usize].product;
            }
        }
        let mut index: HashMap<WireId, usize> = HashMap::new();
        for (e, c) in live {
            let e = if many && !self.is_simple(e) { self.wire_expr_of(e)? } else { e };
            let x = self.exprs[e as usize].clone();
            out.constant = out.constant.add(c.mul(x.constant));
            for (w, cw) in x.terms {
                match index.get(&w) {
                    Some(&i) => out.terms[i].1 = out.terms[i].1.add(c.mul(cw)),
                    None => {
                        index.insert(w, out.terms.len());
                        out.terms.push((w, c.mul(cw)));
                    }
                }
            }
            out.products.extend(x.products.into_iter().map(|(a, b, cp)| (a, b, c.mul(cp))));
        }
        out.terms.retain(|(_, c)| !c.is_public_zero());
        Ok(self.push_expr(out))
    }

    /// `a + b`.
    pub fn add(&mut self, a: ExprId, b: ExprId) -> Result<ExprId> {
        self.linear(&[(a, 1.0), (b, 1.0)], 0.0)
    }

    /// `a − b`.
    pub fn sub(&mut self, a: ExprId, b: ExprId) -> Result<ExprId> {
        self.linear(&[(a, 1.0), (b, -1.0)], 0.0)
    }

    /// `c·a + k`.
    pub fn affine(&mut self, a: ExprId, c: f64, k: f64) -> Result<ExprId> {
        self.linear(&[(a, c)], k)
    }

    /// `Σ aᵢ·bᵢ` (a dot product; constant operands become coefficients, as private as they).
    pub fn dot(&mut self, pairs: &[(ExprId, ExprId)]) -> Result<ExprId> {
        let mut linear: Vec<(ExprId, Coef)> = Vec::new();
        let mut products: Vec<(WireId, WireId, Coef)> = Vec::new();
        let mut k = Coef::default();
        for &(a, b) in pairs {
            match (self.constant_coef(a), self.constant_coef(b)) {
                (Some(x), Some(y)) => k = k.add(x.mul(y)),
                (Some(x), None) => linear.push((b, x)),
                (None, Some(y)) => linear.push((a, y)),
                (None, None) => {
                    let wa = self.wire_of(a)?;
                    let wb = self.wire_of(b)?;
                    products.push((wa, wb, Coef::public(1.0)));
                }
            }
        }
        let lin = self.combine(&linear, k)?;
        if products.is_empty() {
            return Ok(lin);
        }
        let lin = self.unfused(lin)?;
        let mut e = self.exprs[lin as usize].clone();
        if !e.products.is_empty() || e.terms.len() > 1 {
            let w = self.wire_of(lin)?;
            e = Expr { terms: vec![(w, Coef::public(1.0))], ..Default::default() };
        }
        e.products.extend(products);
        Ok(self.push_expr(e))
    }

    /// `Y = X·R` (row-major `X` of `rows×inner`, `R` of `inner×cols`), every output the
    /// [`Builder::dot`] of its row and column, recorded as one [`MatProduct`] when one operand
    /// is computed and the other constant (weights; `W·X` is recorded as `(Xᵀ·Wᵀ)ᵀ`) or both
    /// are computed.
    pub fn matmul(&mut self, left: &[ExprId], right: &[ExprId], (rows, inner, cols): (usize, usize, usize)) -> Result<Vec<ExprId>> {
        let constant = |b: &Self, es: &[ExprId]| es.iter().all(|e| b.as_constant(*e).is_some());
        if constant(self, left) && !constant(self, right) {
            let transpose = |m: &[ExprId], r: usize, c: usize| (0..c * r).map(|i| m[(i % r) * c + i / r]).collect::<Vec<_>>();
            let yt = self.matmul(&transpose(right, inner, cols), &transpose(left, rows, inner), (cols, inner, rows))?;
            return Ok(transpose(&yt, cols, rows));
        }
        let computed = |b: &Self, es: &[ExprId]| es.iter().all(|e| b.as_constant(*e).is_none());
        let witness_right = computed(self, right);
        // A weight product whose X is not all wires is recorded (its entries made wires) only
        // when its block would save rows at stride T: else the compiler keeps packing and those
        // rescales would be lost (convolutions with few output channels). A product of two
        // witnesses makes its operands wires anyway. Sizes only, never a weight.
        let all_wires = left.iter().all(|e| self.as_constant(*e).is_some() || self.plain_wire(*e).is_some());
        let dims = (rows, inner, cols);
        let worth_it = witness_right || all_wires || matrix::block_rows(dims, rows) < matrix::usual_rows(dims, true);
        if constant(self, left) || !(witness_right || constant(self, right)) || !worth_it {
            return self.plain_matmul(left, right, (rows, inner, cols));
        }
        // Computed entries as plain wires, so every output's terms are exactly X's wires.
        let as_wire = |b: &mut Self, e: ExprId| -> Result<Option<WireId>> {
            if b.as_constant(e).is_some() { Ok(None) } else { b.wire_of(e).map(Some) }
        };
        let left_wires = left.iter().map(|e| as_wire(self, *e)).collect::<Result<Vec<_>>>()?;
        let right_wires = if witness_right {
            right.iter().map(|e| self.wire_of(*e)).collect::<Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        let left: Vec<ExprId> = left.iter().zip(&left_wires).map(|(e, w)| w.map_or(*e, |w| self.wire_expr(w))).collect();
        let right: Vec<ExprId> = if witness_right { right_wires.iter().map(|w| self.wire_expr(*w)).collect() } else { right.to_vec() };
        let m = self.products.len() as u32;
        self.products.push(MatProduct { rows, inner, cols, left: left_wires, right: right_wires, outputs: vec![None; rows * cols] });
        let out = self.plain_matmul(&left, &right, (rows, inner, cols))?;
        for (i, e) in out.iter().enumerate() {
            self.exprs[*e as usize].product = Some((m, i as u32));
        }
        Ok(out)
    }

    /// The outputs of [`Builder::matmul`], one dot product each, unrecorded.
    fn plain_matmul(&mut self, left: &[ExprId], right: &[ExprId], (rows, inner, cols): (usize, usize, usize)) -> Result<Vec<ExprId>> {
        let mut out = Vec::with_capacity(rows * cols);
        for t in 0..rows {
            for j in 0..cols {
                let pairs: Vec<(ExprId, ExprId)> = (0..inner).map(|k| (left[t * inner + k], right[k * cols + j])).collect();
                out.push(self.dot(&pairs)?);
            }
        }
        Ok(out)
    }

    /// `a·b`.
    pub fn mul(&mut self, a: ExprId, b: ExprId) -> Result<ExprId> {
        match self.fuse_product(a, b)? {
            Some(e) => Ok(e),
            None => self.dot(&[(a, b)]),
        }
    }

    /// The wire holding `e` (materializing it if needed; an expression with a private
    /// coefficient always is, even when it equals one wire).
    pub fn wire_of(&mut self, e: ExprId) -> Result<WireId> {
        match self.plain_wire(e) {
            Some(w) => Ok(w),
            None => self.materialize(e, Act::Linear),
        }
    }

    /// The wire `e` is, if it is exactly one wire (weight 1, no constant).
    fn plain_wire(&self, e: ExprId) -> Option<WireId> {
        let x = &self.exprs[e as usize];
        let one = Coef::public(1.0);
        (x.products.is_empty() && x.constant.is_public_zero() && x.terms.len() == 1 && x.terms[0].1 == one).then(|| x.terms[0].0)
    }

    /// `e` as an expression of one wire.
    fn wire_expr_of(&mut self, e: ExprId) -> Result<ExprId> {
        let w = self.wire_of(e)?;
        Ok(self.wire_expr(w))
    }

    /// `max(e, 0)`.
    pub fn relu(&mut self, e: ExprId) -> Result<ExprId> {
        if let Some(c) = self.fold(e, |c| c.max(0.0)) {
            return Ok(c);
        }
        let w = self.materialize(e, Act::Relu)?;
        Ok(self.wire_expr(w))
    }

    /// `[e ≥ 0]` (1 or 0, an integer wire).
    pub fn ge_zero(&mut self, e: ExprId) -> Result<ExprId> {
        if let Some(c) = self.fold(e, |c| if c >= 0.0 { 1.0 } else { 0.0 }) {
            return Ok(c);
        }
        let w = self.materialize(e, Act::Step)?;
        Ok(self.wire_expr(w))
    }

    /// `max(a, b) = b + ReLU(a − b)`.
    pub fn max(&mut self, a: ExprId, b: ExprId) -> Result<ExprId> {
        let d = self.sub(a, b)?;
        let r = self.relu(d)?;
        self.add(b, r)
    }

    /// `min(a, b) = a − ReLU(a − b)`.
    pub fn min(&mut self, a: ExprId, b: ExprId) -> Result<ExprId> {
        let d = self.sub(a, b)?;
        let r = self.relu(d)?;
        self.sub(a, r)
    }

    /// `⌊e·2^k / 2^k⌋`-style rounding of a real expression to an integer: `mode` is the offset
    /// added before the floor, as a fraction of one (0 = floor, 0.5 = round half up,
    /// 1 − 2^-s = ceil). The result is an integer wire (scale 1).
    pub fn to_integer(&mut self, e: ExprId, mode: f64) -> Result<ExprId> {
        if let Some(c) = self.fold(e, |c| (c + mode).floor()) {
            return Ok(c);
        }
        let e = self.unfused(e)?;
        let x = self.exprs[e as usize].clone();
        let s = self.scale_bits;
        let one = (1u64 << s) as f64;
        // T at scale 2^s over the wires, then D = 2^s gives ⌊real + mode⌋. That needs public
        // integral weights and no products; otherwise `e` is made a wire first.
        let weight = |w: WireId, c: Coef| c.value * (1u64 << (s - self.wire_scale[w as usize].min(s))) as f64;
        if !x.products.is_empty() || x.terms.iter().any(|(w, c)| c.private || !is_integral(weight(*w, *c))) {
            let w = self.wire_of(e)?;
            let y = self.wire_expr(w);
            return self.to_integer(y, mode);
        }
        let terms = x.terms.iter().map(|(w, c)| (*w, weight(*w, *c).round() as i64)).collect();
        let offset = ((x.constant.value + mode) * one).round() as i128;
        let w = self.push_affine(Affine { terms, products: vec![], offset, div: 1u64 << s, act: Act::Linear }, 0)?;
        Ok(self.wire_expr(w))
    }

    /// `f(e)` by table lookup (constants are folded): one lookup in `f`'s direct table, or, for
    /// a function the builder was told to interpolate ([`Builder::with_interpolation`]), the
    /// knot rescale, the intercept and slope lookups and the chord's rescale of
    /// [`interpolate`]. Over one wire the lookup waits, so that later element-wise operators
    /// join it in one composite table ([`fused`]).
    pub fn func(&mut self, f: Func, e: ExprId) -> Result<ExprId> {
        if let Some(c) = self.as_constant(e) {
            let y = f.eval(c).ok_or_else(|| {
                Error::UnsupportedModel(format!("{} of the constant {c} is undefined at node {}", f.name(), self.node_name()))
            })?;
            return Ok(self.fold(e, |_| y).expect("a constant"));
        }
        if let Some(fused) = self.fuse_func(&f, e)? {
            return Ok(fused);
        }
        let x = self.wire_of(e)?;
        let y = self.lookup_func(f, x)?;
        Ok(self.wire_expr(y))
    }

    /// The wire `f(x)`: a lookup in `f`'s direct table, or the interpolation of
    /// [`Builder::func`]; the same function of the same wire twice is one wire.
    fn lookup_func(&mut self, f: Func, x: WireId) -> Result<WireId> {
        let s = self.scale_bits;
        let direct = Table { func: f, in_scale: self.wire_scale[x as usize], out_scale: s, min: i64::MAX, max: i64::MIN, kind: TableKind::Direct };
        let key = (direct.id(), x);
        if let Some(y) = self.lookups.get(&key) {
            return Ok(*y);
        }
        let y = match self.interpolation.get(&key.0).copied() {
            None => self.lookup(direct, x, s),
            Some(ip) => self.interpolated(direct, ip, x)?,
        };
        self.lookups.insert(key, y);
        Ok(y)
    }

    /// The knot rescale, the intercept and slope lookups and the chord's rescale of `direct`'s
    /// function at `x`, interpolated as `ip` says.
    fn interpolated(&mut self, direct: Table, ip: Interp, x: WireId) -> Result<WireId> {
        let k = ip.step_bits;
        let knot = Affine { terms: vec![(x, 1)], products: vec![], offset: 0, div: 1 << k, act: Act::Linear };
        let hi = self.push_affine(knot, 0)?;
        let c = self.lookup(Table { kind: TableKind::Intercept(ip), ..direct.clone() }, hi, 0);
        let m = self.lookup(Table { kind: TableKind::Slope(ip), ..direct }, hi, 0);
        let d = ip.div_bits();
        let chord = Affine { terms: vec![(c, 1)], products: vec![(m, x)], offset: 1 << (d - 1), div: 1 << d, act: Act::Linear };
        self.push_affine(chord, self.scale_bits)
    }

    /// A lookup of `x` in `table` (registered if new, its observed range widened to `x`); the
    /// output wire has scale `2^scale`.
    fn lookup(&mut self, table: Table, x: WireId, scale: u32) -> WireId {
        let t = self.table(table);
        let xv = self.values[x as usize];
        let table = &mut self.tables[t as usize];
        table.min = table.min.min(xv);
        table.max = table.max.max(xv);
        let y = table.output(xv);
        self.new_wire(Gate::Lookup { input: x, table: t }, y, scale)
    }

    /// The index of the table with `table`'s identity, registering `table` if it is new.
    fn table(&mut self, table: Table) -> u32 {
        let id = table.id();
        if let Some(t) = self.table_ids.get(&id) {
            return *t;
        }
        self.tables.push(table);
        let t = (self.tables.len() - 1) as u32;
        self.table_ids.insert(id, t);
        t
    }

    /// Lays out a rescale gate for `e` with activation `act` and returns its wire.
    ///
    /// Output scale `2^eq`: `1` when every wire, coefficient and the constant is a public
    /// integer, else `2^s`. `D`: the one all products imply (each product enters `T` with
    /// weight 1, so its coefficient must be `2^(e_a + e_b − eq)/D`), else the smallest making
    /// every public weight integral, else `2^s`. An expression with a private coefficient
    /// gets `eq = s` and `D = 2^s` (its products must imply that, or are made wires first), so
    /// neither depends on a private value.
    fn materialize(&mut self, e: ExprId, act: Act) -> Result<WireId> {
        if let Some(w) = self.wires_of.get(&(e, act)) {
            return Ok(*w);
        }
        if self.exprs[e as usize].fused.is_some() {
            let x = self.unfused(e)?;
            return if act == Act::Linear { self.wire_of(x) } else { self.materialize(x, act) };
        }
        let s = self.scale_bits;
        let mut x = self.exprs[e as usize].clone();
        let private = x.is_private();
        let eq = if private || !self.all_integer(&x) { s } else { 0 };
        let mut div: Option<u64> = None;
        let mut split = false;
        for p in &x.products {
            match (self.product_div(p, eq).filter(|d| !private || *d == 1u64 << s), div) {
                (Some(d), None) => div = Some(d),
                (Some(d), Some(d0)) if d == d0 => {}
                _ => split = true,
            }
        }
        if split {
            self.split_products(&mut x)?;
            div = None;
        }
        let div = match div {
            Some(d) => d,
            None if private => 1u64 << s,
            None => self.exact_div(&x, eq),
        };
        // A public weight that rounds to zero is dropped; a private one stays.
        let terms: Vec<(WireId, i64)> = x
            .terms
            .iter()
            .map(|(w, c)| (*w, c.private, self.weight_at(*w, *c, eq, div).round() as i64))
            .filter(|(_, private, k)| *private || *k != 0)
            .map(|(w, _, k)| (w, k))
            .collect();
        let rounding = if act == Act::Step { 0 } else { (div / 2) as i128 };
        let offset = (x.constant.value * 2f64.powi(eq as i32) * div as f64).round() as i128;
        let offset = offset.saturating_add(rounding);
        let products = x.products.iter().map(|(a, b, _)| (*a, *b)).collect();
        let w = self.push_affine(Affine { terms, products, offset, div, act }, if act == Act::Step { 0 } else { eq })?;
        if let (Some((m, i)), false) = (x.product, split) {
            self.products[m as usize].outputs[i as usize].get_or_insert(w);
        }
        self.wires_of.insert((e, act), w);
        Ok(w)
    }

    /// Whether every wire of `x` is an integer wire and every coefficient an integer.
    fn all_integer(&self, x: &Expr) -> bool {
        let int_wire = |w: &WireId| self.wire_scale[*w as usize] == 0;
        x.terms.iter().all(|(w, c)| int_wire(w) && is_integral(c.value))
            && x.products.iter().all(|(a, b, c)| int_wire(a) && int_wire(b) && is_integral(c.value))
            && is_integral(x.constant.value)
    }

    /// The `D` in `[1, 2^s]` under which the product `c·x_a·x_b` enters an output at scale
    /// `2^eq` with weight 1, if there is one (never for a private `c`).
    fn product_div(&self, (a, b, c): &(WireId, WireId, Coef), eq: u32) -> Option<u64> {
        let ea = self.wire_scale[*a as usize] as i32;
        let eb = self.wire_scale[*b as usize] as i32;
        let g = c.value * 2f64.powi(eq as i32 - ea - eb);
        let d = 1.0 / g;
        (!c.private && g > 0.0 && is_integral(d) && d >= 1.0 && d <= (1u64 << self.scale_bits) as f64).then(|| d.round() as u64)
    }

    /// Makes each product of `x` a wire of its own (coefficient 1, exact scale) and a term
    /// with the product's coefficient.
    fn split_products(&mut self, x: &mut Expr) -> Result<()> {
        let s = self.scale_bits;
        for (a, b, c) in std::mem::take(&mut x.products) {
            let ea = self.wire_scale[a as usize];
            let eb = self.wire_scale[b as usize];
            let (d, scale) = if ea + eb >= s { (1u64 << (ea + eb - s), s) } else { (1, ea + eb) };
            let p = self.push_affine(
                Affine { terms: vec![], products: vec![(a, b)], offset: (d / 2) as i128, div: d, act: Act::Linear },
                scale,
            )?;
            x.terms.push((p, c));
        }
        Ok(())
    }

    /// Weight of the term `c·x_w` in `T` for an output at scale `2^eq` and divisor `d`.
    fn weight_at(&self, w: WireId, c: Coef, eq: u32, d: u64) -> f64 {
        c.value * 2f64.powi(eq as i32 - self.wire_scale[w as usize] as i32) * d as f64
    }

    /// The smallest `D` making every weight of the public, product-free `x` and its constant
    /// integral (candidates: 1 and the reciprocals of their fractional parts), else `2^s`.
    fn exact_div(&self, x: &Expr, eq: u32) -> u64 {
        let s = self.scale_bits;
        let constant = x.constant.value * 2f64.powi(eq as i32);
        let exact = |d: u64| {
            x.terms.iter().all(|(w, c)| is_integral(self.weight_at(*w, *c, eq, d))) && is_integral(constant * d as f64)
        };
        let mut candidates: Vec<u64> = vec![1];
        for v in x.terms.iter().map(|(w, c)| self.weight_at(*w, *c, eq, 1)).chain([constant]) {
            let frac = v - v.floor();
            if frac > INTEGRAL {
                let d = (1.0 / frac).round();
                if d >= 2.0 && d <= (1u64 << s) as f64 {
                    candidates.push(d as u64);
                }
            }
        }
        candidates.into_iter().find(|d| exact(*d)).unwrap_or(1u64 << s)
    }

    /// Evaluates a rescale gate (range-checking `q`) and adds it; its output has scale `2^scale`.
    fn push_affine(&mut self, a: Affine, scale: u32) -> Result<WireId> {
        let total = self.bounded_sum(&a)?;
        let q = total.div_euclid(a.div as i128);
        let range = self.range() as i128;
        if q < -range - 1 || q > range {
            let unit = (1u64 << scale.max(if a.act == Act::Step { self.scale_bits } else { 0 })) as f64;
            return Err(Error::OutOfRange {
                node: self.node_name().to_string(),
                value: q as f64 / unit,
                min: -(range as f64 + 1.0) / unit,
                max: (range as f64 + 1.0) / unit,
                hint: format!("lower --scale-bits below {} (values must stay within ±2^(2s−1) / 2^s)", self.scale_bits),
            });
        }
        let v = match a.act {
            Act::Linear => q,
            Act::Relu => q.max(0),
            Act::Step => (q >= 0) as i128,
        } as i64;
        Ok(self.new_wire(Gate::Affine(a), v, scale))
    }

    /// `T + p` of a rescale gate, refused when the sum of its terms' magnitudes exceeds
    /// [`MAX_GATE_SUM`]: then every partial sum, in any order (the witness's running sums), fits
    /// an i128 and stays far below the field's r/2 (huge model constants would overflow).
    fn bounded_sum(&self, a: &Affine) -> Result<i128> {
        let v = |w: &WireId| self.values[*w as usize] as i128;
        let terms = a.terms.iter().map(|(w, c)| (*c as i128).checked_mul(v(w)));
        let products = a.products.iter().map(|(x, y)| v(x).checked_mul(v(y)));
        let all: Option<Vec<i128>> = std::iter::once(Some(a.offset)).chain(terms).chain(products).collect();
        let magnitude = all.as_ref().and_then(|t| t.iter().try_fold(0u128, |acc, x| acc.checked_add(x.unsigned_abs())));
        match (all, magnitude) {
            (Some(t), Some(m)) if m <= MAX_GATE_SUM => Ok(t.iter().sum()),
            _ => Err(Error::UnsupportedModel(format!(
                "a sum at node {} exceeds 2^120 at scale 2^{}: a model constant is too large (or lower --scale-bits)",
                self.node_name(),
                self.scale_bits
            ))),
        }
    }

    /// Finishes the graph with `outputs` as the public outputs (constants become wires), then
    /// range-checks every input.
    pub fn finish(mut self, outputs: &[ExprId]) -> Result<ElementGraph> {
        let num_inputs = self.boolean_inputs.len();
        self.set_node("output");
        let outputs = outputs.iter().map(|e| self.wire_of(*e)).collect::<Result<Vec<_>>>()?;
        let first_input_check = self.gates.len();
        self.check_inputs()?;
        Ok(ElementGraph {
            scale_bits: self.scale_bits,
            num_inputs,
            first_input_check,
            gates: self.gates,
            values: self.values,
            wire_scale: self.wire_scale,
            gate_node: self.gate_node,
            nodes: self.nodes,
            outputs,
            tables: self.tables,
            products: self.products,
            sign_bits: super::max_sign_bits(self.scale_bits),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A gate with its weights and offset (what the hidden column holds) left out.
    fn shape(g: &Gate) -> String {
        match g {
            Gate::Affine(a) => {
                let wires: Vec<WireId> = a.terms.iter().map(|t| t.0).collect();
                format!("affine {wires:?} {:?} /{} {:?}", a.products, a.div, a.act)
            }
            other => format!("{other:?}"),
        }
    }

    /// Every builder path a weight can reach, with the weights `w`: dense sums (with a bias),
    /// an element-wise scale of a product, a rounding, a division, ReLU, a step and a constant
    /// output.
    fn graph(w: [f64; 4]) -> ElementGraph {
        let mut b = Builder::new(10);
        let x: Vec<ExprId> = [0.5, -1.25, 2.0].iter().map(|v| b.input(*v, false).unwrap()).collect();
        let k = b.input(3.0, true).unwrap();
        let ws: Vec<ExprId> = w.iter().map(|v| b.weight(*v)).collect();
        let mut dense: Vec<(ExprId, ExprId)> = x.iter().zip(&ws).map(|(x, w)| (*x, *w)).collect();
        dense.push((ws[3], k));
        let z = b.dot(&dense).unwrap();
        let z = b.add(z, ws[0]).unwrap();
        let r = b.relu(z).unwrap();
        let p = b.mul(x[0], x[1]).unwrap();
        let scaled = b.mul(p, ws[1]).unwrap();
        let single = b.mul(x[2], ws[2]).unwrap();
        let int = b.mul(k, ws[3]).unwrap();
        let floor = b.to_integer(single, 0.0).unwrap();
        let step = b.ge_zero(int).unwrap();
        let folded = b.relu(ws[2]).unwrap();
        let quotient = b.dot(&[(x[1], ws[1]), (k, ws[0])]).unwrap();
        b.finish(&[r, scaled, single, int, floor, step, folded, quotient]).unwrap()
    }

    /// Model constants too large for the scale are one error naming the node, never an integer
    /// overflow (a review's panics at 2^24: a bias of 1e40, and a wide layer of 1e30 weights).
    #[test]
    fn huge_constants_are_an_error_not_a_panic() {
        let mut b = Builder::new(24);
        let x = b.input(0.5, false).unwrap();
        let big = b.weight(1e40);
        let one = b.constant(1.0);
        b.set_node("huge bias");
        let z = b.dot(&[(x, one), (big, one)]).unwrap();
        let err = b.relu(z).unwrap_err().to_string();
        assert!(err.contains("huge bias") && err.contains("too large"), "{err}");
        let mut b = Builder::new(24);
        let xs: Vec<ExprId> = (0..4).map(|_| b.input(1000.0, false).unwrap()).collect();
        let pairs: Vec<(ExprId, ExprId)> = xs.iter().map(|x| (*x, b.weight(1e30))).collect();
        let z = b.dot(&pairs).unwrap();
        assert!(b.relu(z).is_err());
    }

    #[test]
    fn private_weights_never_shape_the_gates() {
        let reference = graph([0.37, -0.81, 0.55, 1.3]);
        for w in [[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0], [2.0, -3.0, 0.5, 4.0], [0.0, 1.0, -1.0, 1e-6]] {
            let g = graph(w);
            let shapes = |g: &ElementGraph| g.gates.iter().map(shape).collect::<Vec<_>>();
            assert_eq!(shapes(&g), shapes(&reference), "weights {w:?}");
            assert_eq!(g.wire_scale, reference.wire_scale, "weights {w:?}");
        }
    }

    #[test]
    fn public_coefficients_keep_exact_divisions() {
        let mut b = Builder::new(10);
        let x: Vec<ExprId> = [1.0, 2.0, 4.0].iter().map(|v| b.input(*v, true).unwrap()).collect();
        let mean = b.linear(&x.iter().map(|e| (*e, 1.0 / 3.0)).collect::<Vec<_>>(), 0.0).unwrap();
        let sum = b.linear(&[(x[0], 2.0), (x[1], 0.0), (x[2], -1.0)], 1.0).unwrap();
        let g = b.finish(&[mean, sum]).unwrap();
        let Gate::Affine(m) = &g.gates[3] else { panic!("a rescale") };
        let Gate::Affine(s) = &g.gates[4] else { panic!("a rescale") };
        assert_eq!((m.div, s.div, s.terms.len()), (3, 1, 2), "D = n, D = 1, the public zero dropped");
        assert_eq!(g.wire_scale[4], 0, "an integer sum stays an integer");
    }
}
