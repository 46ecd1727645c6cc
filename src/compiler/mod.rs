//! Compiler: lays a quantized model out as basic blocks on the rows of one domain `H`, producing
//! the fixed columns (setup) and, for an input, the witness columns (prove).
//!
//! Row layout (`n_in` inputs, `n_out` outputs, layers `ℓ` with `m_ℓ` outputs of `n_ℓ` inputs):
//! - rows `0..n_in`: public input `c = x_j`, each a wiring table entry under its key;
//! - rows `n_in..n_in+n_out`: public output `a = y_i`, looked up under the last layer's keys;
//! - per layer and output `i`: `O_i` (output, a wiring table entry), `R_i` (rescale), then `n_ℓ`
//!   dense rows. Fixed table entries (range, sign) fill the rows that hold no wiring entry.
//!
//! Keys: tensor 0 is the input, tensor `ℓ+1` the output of layer `ℓ`; element `k` of tensor `t`
//! has key `FIRST_WIRE_KEY + offset_t + k`.

pub mod witness;

use crate::blocks::{Fix, FIRST_WIRE_KEY, NUM_FIXED, TAG_RANGE, TAG_SIGN};
use crate::onnx::QuantizedMlp;
use crate::pcs::encoding::{fr_from_i128, fr_to_word, Word};
use crate::{Error, Result};
use ark_bn254::Fr;
use ark_ff::{One, Zero};

/// Smallest supported scale (table size 2^(s+1)).
pub const MIN_SCALE_BITS: u32 = 4;
/// Largest supported scale.
pub const MAX_SCALE_BITS: u32 = 20;

/// Rejects a scale outside [`MIN_SCALE_BITS`]`..=`[`MAX_SCALE_BITS`] (call it before quantizing).
pub fn check_scale_bits(s: u32) -> Result<()> {
    if (MIN_SCALE_BITS..=MAX_SCALE_BITS).contains(&s) {
        Ok(())
    } else {
        Err(Error::Usage(format!("scale bits {s} out of the supported range {MIN_SCALE_BITS}..={MAX_SCALE_BITS}")))
    }
}

/// Where one dense layer sits in the domain.
#[derive(Clone, Debug)]
pub struct LayerLayout {
    pub name: String,
    pub n_in: usize,
    pub n_out: usize,
    /// Row of `O_0`; output `i` starts at `first_row + i·(n_in + 2)`.
    pub first_row: usize,
    pub relu: bool,
    pub weights: Vec<Vec<i64>>,
    pub bias: Vec<i128>,
}

impl LayerLayout {
    /// First row (the `O` row) of output `i`'s block.
    pub fn block_row(&self, i: usize) -> usize {
        self.first_row + i * (self.n_in + 2)
    }
}

/// A model compiled onto one domain: fixed columns and the layout the witness follows.
#[derive(Clone, Debug)]
pub struct Circuit {
    pub scale_bits: u32,
    /// `N = |H|`, a power of two.
    pub domain_size: usize,
    pub num_inputs: usize,
    pub num_outputs: usize,
    pub layers: Vec<LayerLayout>,
    /// `NUM_FIXED` columns of `N` values each, indexed by [`Fix`].
    pub fixed: Vec<Vec<Fr>>,
    /// Rows of the fixed table: `RANGE v` at `table_rows[v]`, `SIGN v` at `table_rows[2^s + v + 2^(s−1)]`.
    pub table_rows: Vec<usize>,
    /// Row of the wiring entry of each key (index = key − FIRST_WIRE_KEY).
    pub wire_rows: Vec<usize>,
}

/// Key offsets of every tensor: tensor 0 = input, tensor ℓ+1 = output of layer ℓ.
fn tensor_offsets(q: &QuantizedMlp) -> Vec<u64> {
    let mut offsets = vec![0u64];
    let mut next = q.input_len as u64;
    for l in &q.layers {
        offsets.push(next);
        next += l.weights.len() as u64;
    }
    offsets
}

impl Circuit {
    /// Lays out `model` and fills the fixed columns.
    pub fn compile(model: &QuantizedMlp) -> Result<Self> {
        let s = model.scale_bits;
        check_scale_bits(s)?;
        if model.layers.is_empty() {
            return Err(Error::UnsupportedModel("the model has no dense layer".into()));
        }
        let num_inputs = model.input_len;
        let num_outputs = model.layers.last().map(|l| l.weights.len()).unwrap_or(0);
        let offsets = tensor_offsets(model);
        let key = |tensor: usize, k: usize| Fr::from(FIRST_WIRE_KEY + offsets[tensor] + k as u64);

        // Rows: public I/O, then the blocks of every layer.
        let mut layers = Vec::with_capacity(model.layers.len());
        let mut row = num_inputs + num_outputs;
        let mut n_in = num_inputs;
        for l in &model.layers {
            let n_out = l.weights.len();
            if n_out == 0 || l.weights.iter().any(|r| r.len() != n_in) || l.bias.len() != n_out {
                return Err(Error::UnsupportedModel(format!("layer {} has inconsistent shapes", l.name)));
            }
            layers.push(LayerLayout {
                name: l.name.clone(),
                n_in,
                n_out,
                first_row: row,
                relu: l.relu,
                weights: l.weights.clone(),
                bias: l.bias.clone(),
            });
            row += n_out * (n_in + 2);
            n_in = n_out;
        }
        let gate_rows = row;
        let num_wires = num_inputs + layers.iter().map(|l| l.n_out).sum::<usize>();
        let table_size = 2usize << s;
        let domain_size = gate_rows.max(table_size + num_wires).max(8).next_power_of_two();

        let mut fixed = vec![vec![Fr::zero(); domain_size]; NUM_FIXED];
        let mut set = |c: Fix, r: usize, v: Fr| fixed[c as usize][r] = v;
        let mut wire_rows = vec![0usize; num_wires];

        for j in 0..num_inputs {
            set(Fix::TableKey, j, key(0, j));
            set(Fix::TableDynamic, j, Fr::one());
            wire_rows[j] = j;
        }
        let last = layers.len();
        for i in 0..num_outputs {
            let r = num_inputs + i;
            set(Fix::QLookup1, r, Fr::one());
            set(Fix::Tag1, r, key(last, i));
        }
        for (li, l) in layers.iter().enumerate() {
            for i in 0..l.n_out {
                let o = l.block_row(i);
                set(Fix::TableKey, o, key(li + 1, i));
                set(Fix::TableDynamic, o, Fr::one());
                set(if l.relu { Fix::QRelu } else { Fix::QLinear }, o, Fr::one());
                wire_rows[(offsets[li + 1] as usize) + i] = o;
                let r = o + 1;
                set(Fix::QRescale, r, Fr::one());
                set(Fix::Param, r, fr_from_i128(l.bias[i]));
                set(Fix::QLookup1, r, Fr::one());
                set(Fix::Tag1, r, Fr::from(TAG_RANGE));
                set(Fix::QLookup2, r, Fr::one());
                set(Fix::QLookup3, r, Fr::one());
                for j in 0..l.n_in {
                    let m = r + 1 + j;
                    set(Fix::QDense, m, Fr::one());
                    if j + 1 < l.n_in {
                        set(Fix::QDenseNext, m, Fr::one());
                    }
                    set(Fix::Param, m, fr_from_i128(l.weights[i][j] as i128));
                    set(Fix::QLookup1, m, Fr::one());
                    set(Fix::Tag1, m, key(li, j));
                }
            }
        }
        // Fixed table entries on the rows without a wiring entry.
        let dynamic = &fixed[Fix::TableDynamic as usize];
        let table_rows: Vec<usize> = (0..domain_size).filter(|r| dynamic[*r].is_zero()).take(table_size).collect();
        let half = 1i128 << (s - 1);
        for v in 0..(1usize << s) {
            let r = table_rows[v];
            fixed[Fix::TableKey as usize][r] = Fr::from(TAG_RANGE);
            fixed[Fix::TableValue as usize][r] = Fr::from(v as u64);
        }
        for k in 0..(1usize << s) {
            let v = k as i128 - half;
            let r = table_rows[(1 << s) + k];
            fixed[Fix::TableKey as usize][r] = Fr::from(TAG_SIGN);
            fixed[Fix::TableValue as usize][r] = fr_from_i128(v);
            fixed[Fix::TableExtra as usize][r] = if v >= 0 { Fr::one() } else { Fr::zero() };
        }
        Ok(Self { scale_bits: s, domain_size, num_inputs, num_outputs, layers, fixed, table_rows, wire_rows })
    }

    /// Number of rows used by blocks (the rest only carry table entries).
    pub fn gate_rows(&self) -> usize {
        self.layers.last().map(|l| l.block_row(l.n_out)).unwrap_or(self.num_inputs + self.num_outputs)
    }

    /// keccak256 of every fixed value: ties a proving key to the exact model it was made for.
    pub fn fingerprint(&self) -> Word {
        let mut bytes = Vec::with_capacity(32 * (4 + NUM_FIXED * self.domain_size));
        for v in [self.scale_bits as u64, self.domain_size as u64, self.num_inputs as u64, self.num_outputs as u64] {
            bytes.extend_from_slice(&fr_to_word(&Fr::from(v)));
        }
        for col in &self.fixed {
            for v in col {
                bytes.extend_from_slice(&fr_to_word(v));
            }
        }
        crate::transcript::keccak256(&bytes)
    }
}
