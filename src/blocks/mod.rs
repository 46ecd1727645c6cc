//! Basic blocks: the constraint groups a model is compiled into.
//!
//! Every block lives on the rows of one shared evaluation domain `H = ⟨ω⟩` of size `N` and reads
//! the same committed columns; selectors (fixed columns) switch it on where it is laid out.
//! A block states its relation as polynomial identities that must vanish on all of `H`, written
//! once over a [`Row`] of column values: the prover evaluates them at every point of a coset to
//! build the quotient, the verifier at the one challenge point ζ. Both run the same code.
//!
//! | block | file | relation |
//! |---|---|---|
//! | dense | [`dense`] | `acc_i = Σ_j W_ij·x_j` for a fixed, committed weight matrix |
//! | rescale | [`rescale`] | `acc + b + 2^(s−1) = 2^(2s)·hi + 2^s·lo + r`, then `y = q` or `y = ReLU(q)`, `q = 2^s·hi + lo` |
//! | public I/O | [`public_io`] | input and output rows equal the public instances |
//! | lookup | [`lookup`] | every looked-up tuple is in the one tagged table (range, sign, wiring), by logUp |

pub mod dense;
pub mod lookup;
pub mod public_io;
pub mod rescale;

use ark_bn254::Fr;

/// Witness columns committed by the prover, in commitment order. `A..D` and `Mult` are
/// committed in round 1, `H1..Phi` in round 2 (after the lookup challenges).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Wit {
    A = 0,
    B,
    C,
    D,
    Mult,
    H1,
    H2,
    H3,
    Phi,
}

/// Number of witness columns.
pub const NUM_WITNESS: usize = 9;
/// Witness columns committed before the lookup challenges β, γ.
pub const ROUND1: [Wit; 5] = [Wit::A, Wit::B, Wit::C, Wit::D, Wit::Mult];
/// Witness columns committed after β, γ.
pub const ROUND2: [Wit; 4] = [Wit::H1, Wit::H2, Wit::H3, Wit::Phi];
/// Witness columns also opened at ζω (the constraints read them on the next row).
pub const NEXT_ROW: [Wit; 4] = [Wit::B, Wit::C, Wit::D, Wit::Phi];

/// Fixed (preprocessed) columns, committed at setup and held by the verifying key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Fix {
    /// Dense row selector.
    QDense = 0,
    /// Dense row whose running sum continues on the next row.
    QDenseNext,
    /// The model's parameters: weight `W_ij` on dense rows, bias (scale 2^(2s)) on rescale
    /// rows. The only private fixed column: its VK commitment is hiding and every proof
    /// re-randomises it (see [`crate::protocol`]).
    Param,
    /// Rescale row selector.
    QRescale,
    /// Output row with ReLU.
    QRelu,
    /// Output row without activation.
    QLinear,
    /// Lookup slot 1 on: `(T1, a, 0)`.
    QLookup1,
    /// Tag of lookup slot 1 (range tag or a wiring key).
    Tag1,
    /// Lookup slot 2 on: `(RANGE, b, 0)`.
    QLookup2,
    /// Lookup slot 3 on: `(SIGN, c, d)`.
    QLookup3,
    /// Table tag or key.
    TableKey,
    /// Table value (fixed entries).
    TableValue,
    /// Table third component (fixed entries).
    TableExtra,
    /// Table row whose value is the witness `c` of that row (wiring entries).
    TableDynamic,
}

/// Number of fixed columns.
pub const NUM_FIXED: usize = 14;

/// Tag of the range table `{(RANGE, v, 0) : 0 ≤ v < 2^s}`.
pub const TAG_RANGE: u64 = 1;
/// Tag of the sign table `{(SIGN, v, [v ≥ 0]) : −2^(s−1) ≤ v < 2^(s−1)}`.
pub const TAG_SIGN: u64 = 2;
/// First wiring key; every tensor element gets its own key from here on.
pub const FIRST_WIRE_KEY: u64 = 3;

/// Column values at one point `x` (and `ωx` for the next-row reads).
#[derive(Clone, Debug, Default)]
pub struct Row {
    pub wit: [Fr; NUM_WITNESS],
    pub wit_next: [Fr; NUM_WITNESS],
    pub fixed: [Fr; NUM_FIXED],
    /// Σ of the Lagrange polynomials of the public input rows at `x`.
    pub l_inputs: Fr,
    /// Σ of the Lagrange polynomials of the public output rows at `x`.
    pub l_outputs: Fr,
    /// The public-instance polynomial `Σ_i v_i·L_{row_i}(x)`.
    pub public: Fr,
}

impl Row {
    #[inline]
    pub fn w(&self, c: Wit) -> Fr {
        self.wit[c as usize]
    }
    #[inline]
    pub fn next(&self, c: Wit) -> Fr {
        self.wit_next[c as usize]
    }
    #[inline]
    pub fn f(&self, c: Fix) -> Fr {
        self.fixed[c as usize]
    }
}

/// Constants and challenges the constraints use.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// 2^s.
    pub scale: Fr,
    /// 2^(2s).
    pub scale_sq: Fr,
    /// 2^(s−1), the rounding offset of a rescale.
    pub half: Fr,
    /// logUp challenge β.
    pub beta: Fr,
    /// Tuple-compression challenge γ.
    pub gamma: Fr,
}

impl Ctx {
    pub fn new(scale_bits: u32, beta: Fr, gamma: Fr) -> Self {
        let scale = Fr::from(1u64 << scale_bits);
        Self { scale, scale_sq: scale * scale, half: Fr::from(1u64 << (scale_bits - 1)), beta, gamma }
    }
}

/// One basic block: a named group of identities over the shared columns.
pub trait Block: Sync {
    /// Short name, for errors and profiles.
    fn name(&self) -> &'static str;
    /// Appends the block's constraint values at one point; each must vanish on `H`.
    fn constraints(&self, row: &Row, ctx: &Ctx, out: &mut Vec<Fr>);
}

/// The blocks of the protocol, in the order their constraints are combined.
pub fn all_blocks() -> [&'static dyn Block; 4] {
    [&dense::Dense, &rescale::Rescale, &public_io::PublicIo, &lookup::LogUp]
}

/// Every constraint at one point, in the fixed order of [`all_blocks`].
pub fn evaluate_constraints(row: &Row, ctx: &Ctx, out: &mut Vec<Fr>) {
    out.clear();
    for b in all_blocks() {
        b.constraints(row, ctx, out);
    }
}

/// `Σ_k α^k·c_k`, the single polynomial the quotient divides.
pub fn combine(constraints: &[Fr], alpha: Fr) -> Fr {
    constraints.iter().rev().fold(Fr::from(0u64), |acc, c| acc * alpha + c)
}
