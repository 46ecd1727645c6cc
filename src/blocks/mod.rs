//! Basic blocks: the constraint groups a model is compiled into.
//!
//! Every block lives on the rows of one shared evaluation domain `H = ⟨ω⟩` of size `N` and reads
//! the same committed columns; selectors (fixed columns) switch it on where it is laid out.
//! A block states its relation as polynomial identities that must vanish on all of `H`, written
//! once, generically over a [`Value`] type: the prover evaluates them over field elements at every
//! point of a coset to build the quotient, the verifier at the one challenge point ζ, and the
//! Solidity generator ([`crate::evm::yul`]) instantiates the same code with symbolic values to
//! emit the contract's constraint evaluation. All three run the same source.
//!
//! | block | file | relation |
//! |---|---|---|
//! | chain | [`chain`] | `T = Σ_j w_j·x_j + Σ_k u_k·v_k`: fixed-weight dot products and witness products |
//! | rescale | [`rescale`] | `T + p = D·q + r`, `0 ≤ r < D`, `q` range-checked; output `q`, `ReLU(q)` or `[q ≥ 0]` |
//! | packed | [`packed`] | `T_t = Σ_j W_tj·x_j` for up to 16 outputs sharing their inputs, by one η-combined running sum |
//! | matrix product | [`freivalds`] | `Y = X·W` or `Y = X·Z` over whole matrices, by Freivalds' check in the same running sum |
//! | function | [`function`] | `y = f(x)` for a tabulated non-linear `f` |
//! | limb | [`limb`] | a range-checked value is `Σ 2^(L·i)·limb_i` with every limb in the `2^L`-entry range table |
//! | public I/O | [`public_io`] | input and output rows equal the public instances |
//! | lookup | [`lookup`] | every looked-up tuple is in the one tagged table (ranges, signs, functions, wiring), by logUp |

pub mod chain;
pub mod freivalds;
pub mod function;
pub mod limb;
pub mod lookup;
pub mod packed;
pub mod public_io;
pub mod rescale;

use ark_bn254::Fr;
use std::ops::{Add, Mul, Sub};

/// A value constraints are written over: a field element, or a symbolic expression the Solidity
/// generator prints.
pub trait Value: Clone + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> {
    /// The constant `c`.
    fn constant(c: Fr) -> Self;
}

impl Value for Fr {
    #[inline]
    fn constant(c: Fr) -> Self {
        c
    }
}

/// Witness columns committed by the prover, in commitment order. `A..D` and `Mult` are
/// committed in round 1, `H12..MatW` in round 2 (after the challenges β, γ, η), then `U`, the
/// packed block's combined weights, re-randomised from the verifying key (see [`packed`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Wit {
    A = 0,
    B,
    C,
    D,
    Mult,
    /// The logUp helper of lookup slots 1 and 2 together: `q₁/(β − f₁) + q₂/(β − f₂)`.
    H12,
    /// The logUp helper of slot 3: `q₃/(β − f₃)`.
    H3,
    Phi,
    /// The running sum of the packed and matrix-product region.
    S,
    /// The matrix-product block's Horner sum over a column of its left operand.
    MatX,
    /// The matrix-product block's Horner sum over a row of its right operand, carried down.
    MatW,
    /// `Σ_{t≥2} η^(t−2)·W_t` on `H`: the packed weight columns combined.
    U,
}

/// Number of witness columns.
pub const NUM_WITNESS: usize = 12;
/// Witness columns committed before the challenges β, γ, η.
pub const ROUND1: [Wit; 5] = [Wit::A, Wit::B, Wit::C, Wit::D, Wit::Mult];
/// Witness columns committed after β, γ, η with the usual blinding (`U` follows them).
pub const ROUND2: [Wit; 6] = [Wit::H12, Wit::H3, Wit::Phi, Wit::S, Wit::MatX, Wit::MatW];
/// Witness columns also opened at ζω (the constraints read them on the next row).
pub const NEXT_ROW: [Wit; 8] = [Wit::A, Wit::B, Wit::C, Wit::D, Wit::Phi, Wit::S, Wit::MatX, Wit::MatW];
/// Names of the witness columns (profiles, generated Solidity).
pub const WITNESS_NAMES: [&str; NUM_WITNESS] = ["a", "b", "c", "d", "m", "h12", "h3", "phi", "s", "mx", "mw", "u"];

/// Fixed (preprocessed) columns, committed at setup and held by the verifying key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Fix {
    /// Chain row selector.
    QChain = 0,
    /// Chain row whose running sum continues on the next row.
    QChainNext,
    /// The model's parameters: the weight `w_j` on chain rows, the offset `p` (bias plus
    /// rounding) on rescale rows. The only private fixed column: its VK commitment is hiding
    /// and every proof re-randomises it (see [`crate::protocol`]).
    Param,
    /// Chain row that adds the product `a·b` of two witnesses.
    QMul,
    /// Rescale row selector.
    QRescale,
    /// The divisor `D` of a rescale (on its rescale and output rows).
    Div,
    /// Output row: `y = q`.
    QLinear,
    /// Output row: `y = ReLU(q)`.
    QRelu,
    /// Output row: `y = [q ≥ 0]`.
    QStep,
    /// Function row selector (`c = a`, and `(f, c, d)` is looked up).
    QFn,
    /// Lookup slot 1 on: `(Tag1, a, 0)`.
    QLookup1,
    /// Tag of slot 1 (a range tag or a wiring key).
    Tag1,
    /// Lookup slot 2 on: `(Tag2, b, 0)`.
    QLookup2,
    /// Tag of slot 2.
    Tag2,
    /// Lookup slot 3 on: `(Tag3, c, d)`.
    QLookup3,
    /// Tag of slot 3 (the sign table or a function table).
    Tag3,
    /// Table tag or key.
    TableKey,
    /// Table value (fixed entries).
    TableValue,
    /// Table third component (fixed entries).
    TableExtra,
    /// Table row whose value is the witness `d` of that row (wiring entries).
    TableDynamic,
    /// Packed block: input row (`s = u·a + s(ωX)`).
    QPackX,
    /// Packed block: rescale row (`s = η·s(ωX)`).
    QPackR,
    /// Limb row: `d = a + 2^L·b + div·d(ωX)` (see [`limb`]).
    QLimb,
    /// Matrix product: input row (`mx = a + η·mx(ωX)`, `mw` carried).
    QMatX,
    /// Matrix product: weight row (`mw = param + μ·mw(ωX)`).
    QMatW,
    /// Matrix product: row of a witness right operand (`mw = a + μ·mw(ωX)`).
    QMatZ,
    /// Matrix product: product row (`s = s(ωX) + mx(ωX)·mw(ωX)`).
    QMatP,
}

/// Number of fixed columns.
pub const NUM_FIXED: usize = 27;
/// Names of the fixed columns, in [`Fix`] order.
pub const FIXED_NAMES: [&str; NUM_FIXED] = [
    "qChain", "qChainNext", "param", "qMul", "qRescale", "div", "qLinear", "qRelu", "qStep", "qFn",
    "qLookup1", "tag1", "qLookup2", "tag2", "qLookup3", "tag3", "tableKey", "tableValue",
    "tableExtra", "tableDynamic", "qPackX", "qPackR", "qLimb", "qMatX", "qMatW", "qMatZ", "qMatP",
];

/// Tag of the range table `{(RANGE, v, 0) : 0 ≤ v < 2^L}` (`L` = [`limb::Limbs::table_bits`]).
pub const TAG_RANGE: u64 = 1;
/// Tag of the sign table `{(SIGN, v, [v ≥ 0]) : −2^(h−1) ≤ v < 2^(h−1)}` (`h ≤ s` calibrated at setup).
pub const TAG_SIGN: u64 = 2;
/// Tag of the first function table; function table `k` has tag `FIRST_FN_TAG + k`, the wiring
/// keys follow the last one and the range keys of the limb rows follow those.
pub const FIRST_FN_TAG: u64 = 3;

/// Column values at one point `x` (and `ωx` for the next-row reads).
#[derive(Clone, Debug)]
pub struct Row<V> {
    pub wit: [V; NUM_WITNESS],
    /// Only the [`NEXT_ROW`] entries are meaningful.
    pub wit_next: [V; NUM_WITNESS],
    pub fixed: [V; NUM_FIXED],
    /// Σ of the Lagrange polynomials of the public input rows at `x`.
    pub l_inputs: V,
    /// Σ of the Lagrange polynomials of the public output rows at `x`.
    pub l_outputs: V,
    /// The public-instance polynomial `Σ_i v_i·L_{row_i}(x)`.
    pub public: V,
}

impl Default for Row<Fr> {
    fn default() -> Self {
        let z = Fr::from(0u64);
        Self { wit: [z; NUM_WITNESS], wit_next: [z; NUM_WITNESS], fixed: [z; NUM_FIXED], l_inputs: z, l_outputs: z, public: z }
    }
}

impl<V: Value> Row<V> {
    #[inline]
    pub fn w(&self, c: Wit) -> V {
        self.wit[c as usize].clone()
    }
    #[inline]
    pub fn next(&self, c: Wit) -> V {
        self.wit_next[c as usize].clone()
    }
    #[inline]
    pub fn f(&self, c: Fix) -> V {
        self.fixed[c as usize].clone()
    }
}

/// Constants and challenges the constraints use.
#[derive(Clone, Debug)]
pub struct Ctx<V> {
    /// `2^M`, where a rescale splits its quotient `q = 2^M·hi + lo` (`M` =
    /// [`limb::Limbs::split_bits`]: `s` when range checks are direct).
    pub split: V,
    /// `2^L`, the weight of a limb row's second limb (`L` = [`limb::Limbs::table_bits`]).
    pub limb: V,
    /// logUp challenge β.
    pub beta: V,
    /// Tuple-compression challenge γ.
    pub gamma: V,
    /// Packing challenge η.
    pub eta: V,
    /// `μ = η^S`, `S` the circuit's matrix-product stride (see [`freivalds`]).
    pub mu: V,
}

impl Ctx<Fr> {
    pub fn new(limbs: limb::Limbs, stride: usize, beta: Fr, gamma: Fr, eta: Fr) -> Self {
        use ark_ff::Field;
        let (split, limb) = (Fr::from(1u64 << limbs.split_bits()), Fr::from(1u64 << limbs.table_bits));
        Self { split, limb, beta, gamma, eta, mu: eta.pow([stride as u64]) }
    }
}

/// Every constraint at one point, in a fixed order (chain, rescale, packed, function, limb,
/// public I/O, lookup, matrix product); each must vanish on `H`.
pub fn evaluate_constraints<V: Value>(row: &Row<V>, ctx: &Ctx<V>, out: &mut Vec<V>) {
    out.clear();
    chain::constraints(row, ctx, out);
    rescale::constraints(row, ctx, out);
    packed::constraints(row, ctx, out);
    function::constraints(row, ctx, out);
    limb::constraints(row, ctx, out);
    public_io::constraints(row, ctx, out);
    lookup::constraints(row, ctx, out);
    freivalds::constraints(row, ctx, out);
}

/// Number of constraints [`evaluate_constraints`] produces.
pub const NUM_CONSTRAINTS: usize = 20;

/// Names of the blocks, one per constraint of [`evaluate_constraints`] (for error messages).
pub fn constraint_block(index: usize) -> &'static str {
    const NAMES: [&str; NUM_CONSTRAINTS] = [
        "chain", "rescale", "rescale output (linear)", "rescale output (ReLU)", "rescale output (step)",
        "rescale remainder bound", "packed running sum", "packed: zero outside", "packed: zero at the start", "function", "limb recomposition", "public I/O", "lookup slots 1 and 2",
        "lookup slot 3", "lookup running sum", "matrix product: input Horner sum", "matrix product: input sum zero outside",
        "matrix product: weight Horner sum", "matrix product: weight sum zero outside", "matrix product: running sum",
    ];
    NAMES.get(index).copied().unwrap_or("unknown")
}

/// `Σ_k α^k·c_k`, the single polynomial the quotient divides.
pub fn combine<V: Value>(constraints: &[V], alpha: V) -> V {
    let mut iter = constraints.iter().rev();
    let mut acc = iter.next().expect("at least one constraint").clone();
    for c in iter {
        acc = acc * alpha.clone() + c.clone();
    }
    acc
}
