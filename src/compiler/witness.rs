//! Witness generation: runs the quantized model exactly as the blocks constrain it and fills the
//! round-1 witness columns `a, b, c, d` and the lookup multiplicities.

use super::Circuit;
use crate::blocks::Wit;
use crate::pcs::encoding::fr_from_i128;
use crate::{Error, Result};
use ark_bn254::Fr;
use ark_ff::{One, Zero};

/// Round-1 witness columns over `H`, and the model's quantized output.
#[derive(Clone, Debug)]
pub struct Witness {
    /// Columns `A, B, C, D, Mult` (indexed by [`Wit`]), `N` values each.
    pub columns: Vec<Vec<Fr>>,
    /// Quantized input (scale 2^s).
    pub input: Vec<i64>,
    /// Quantized output (scale 2^s).
    pub output: Vec<i64>,
}

/// `acc + 2^(s−1) = 2^(2s)·hi + 2^s·lo + r` with `r, lo ∈ [0, 2^s)`.
fn decompose(total: i128, s: u32) -> (i128, i128, i128) {
    let hi = total.div_euclid(1 << (2 * s));
    let rem = total.rem_euclid(1 << (2 * s));
    (hi, rem >> s, rem & ((1 << s) - 1))
}

impl Circuit {
    /// Computes the witness for a quantized input. Values outside the provable range are an
    /// error naming the layer, the value and the range.
    pub fn witness(&self, input: &[i64]) -> Result<Witness> {
        if input.len() != self.num_inputs {
            return Err(Error::InputLength { expected: self.num_inputs, got: input.len() });
        }
        let n = self.domain_size;
        let s = self.scale_bits;
        let mut cols = vec![vec![Fr::zero(); n]; 5];
        let mut mult = vec![0u64; n];
        let range_row = |v: i128| self.table_rows[v as usize];
        let half = 1i128 << (s - 1);
        let sign_row = |v: i128| self.table_rows[(1usize << s) + (v + half) as usize];

        for (j, x) in input.iter().enumerate() {
            cols[Wit::C as usize][j] = Fr::from(*x);
        }
        let mut x: Vec<i64> = input.to_vec();
        let mut wire_base = 0usize; // key index of the current layer's input tensor
        for l in &self.layers {
            let mut y = Vec::with_capacity(l.n_out);
            for i in 0..l.n_out {
                let o = l.block_row(i);
                // Dense rows: a = x_j, c = suffix sums.
                let mut acc: i128 = 0;
                for j in (0..l.n_in).rev() {
                    let m = o + 2 + j;
                    acc += l.weights[i][j] as i128 * x[j] as i128;
                    cols[Wit::A as usize][m] = Fr::from(x[j]);
                    cols[Wit::C as usize][m] = fr_from_i128(acc);
                    mult[self.wire_rows[wire_base + j]] += 1;
                }
                let total = acc + l.bias[i] + half;
                let (hi, lo, r) = decompose(total, s);
                if hi < -half || hi >= half {
                    let value = total as f64 / (1u64 << (2 * s)) as f64;
                    return Err(Error::OutOfRange {
                        node: format!("{} output {i}", l.name),
                        value,
                        min: -(half as f64),
                        max: half as f64,
                        hint: format!("raise --scale-bits above {s} (the range is ±2^(s−1))"),
                    });
                }
                let q = (hi << s) + lo;
                let out = if l.relu { q.max(0) } else { q };
                let rr = o + 1;
                cols[Wit::A as usize][rr] = Fr::from(r as u64);
                cols[Wit::B as usize][rr] = Fr::from(lo as u64);
                cols[Wit::C as usize][rr] = fr_from_i128(hi);
                cols[Wit::D as usize][rr] = if hi >= 0 { Fr::one() } else { Fr::zero() };
                mult[range_row(r)] += 1;
                mult[range_row(lo)] += 1;
                mult[sign_row(hi)] += 1;
                cols[Wit::C as usize][o] = fr_from_i128(out);
                y.push(out as i64);
            }
            wire_base += l.n_in;
            x = y;
        }
        // Public output rows look up the last layer's wiring entries.
        for (i, v) in x.iter().enumerate() {
            cols[Wit::A as usize][self.num_inputs + i] = Fr::from(*v);
            mult[self.wire_rows[wire_base + i]] += 1;
        }
        cols[Wit::Mult as usize] = mult.into_iter().map(Fr::from).collect();
        Ok(Witness { columns: cols, input: input.to_vec(), output: x })
    }
}

#[cfg(test)]
mod tests {
    use super::decompose;
    use crate::compiler::Circuit;
    use crate::onnx;

    /// The circuit's witness computes exactly the reference fixed-point forward pass.
    #[test]
    fn witness_matches_reference_forward_pass() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        for model in ["mlp_16_32_10", "mlp_deep", "mlp_flatten"] {
            let mlp = onnx::load_mlp(&dir.join(format!("{model}.onnx"))).unwrap();
            let x = onnx::read_input_json(&dir.join(format!("{model}.input.json"))).unwrap();
            for s in [6, 10] {
                let q = onnx::quantize(&mlp, s);
                let xq = onnx::quantize_input(&x, s);
                let w = Circuit::compile(&q).unwrap().witness(&xq).unwrap();
                assert_eq!(&w.output, onnx::forward_quantized(&q, &xq).last().unwrap(), "{model} at scale {s}");
            }
        }
    }

    #[test]
    fn decomposition_is_exact_and_in_range() {
        let s = 6;
        for total in [-1_000_000i128, -4097, -1, 0, 1, 4095, 4096, 123_456] {
            let (hi, lo, r) = decompose(total, s);
            assert_eq!((hi << (2 * s)) + (lo << s) + r, total);
            assert!((0..64).contains(&lo) && (0..64).contains(&r));
        }
    }
}
