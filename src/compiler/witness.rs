//! Witness generation: fills the round-1 witness columns `a, b, c, d` and the lookup
//! multiplicities from the wire values of an [`ElementGraph`], exactly as the blocks constrain
//! them.

use super::graph::{Act, ElementGraph, Gate};
use super::matrix::{Matrix, Right};
use super::Circuit;
use crate::blocks::Wit;
use crate::pcs::encoding::fr_from_i128;
use crate::{Error, Result};
use ark_bn254::Fr;
use ark_ff::Zero;

/// Round-1 witness columns over `H`, and the model's quantized input and output.
#[derive(Clone, Debug)]
pub struct Witness {
    /// Columns `A, B, C, D, Mult` (indexed by [`Wit`]), `N` values each.
    pub columns: Vec<Vec<Fr>>,
    /// Quantized input (the public instances before the outputs).
    pub input: Vec<i64>,
    /// Quantized output.
    pub output: Vec<i64>,
    /// The public instances the proof binds: `input` then `output`, as field elements (a
    /// cheating prover in the soundness tests sets others).
    pub instances: Vec<Fr>,
}

impl Circuit {
    /// Computes the witness of `g` (built with the same structure the circuit was compiled
    /// from; a different structure is a key mismatch).
    pub fn witness(&self, g: &ElementGraph) -> Result<Witness> {
        if g.gates.len() != self.gate_row.len() || g.num_inputs != self.num_inputs || g.outputs.len() != self.num_outputs {
            return Err(Error::KeyMismatch("the model's gate structure differs from the one the keys were made for".into()));
        }
        let n = self.domain_size;
        let split = 1i128 << self.limbs.split_bits();
        let range = 1i128 << self.limbs.table_bits;
        let half = 1i128 << (self.sign_bits - 1);
        let mut cols = vec![vec![Fr::zero(); n]; 5];
        let mut mult = vec![0u64; n];
        let v = |w: u32| g.values[w as usize];
        let range_row = |x: i128| self.table_rows[x as usize];
        let sign_row = |x: i128| self.table_rows[(range + x + half) as usize];
        let wire_row = |w: u32| self.gate_row[w as usize];
        let mut put = |c: Wit, r: usize, x: i128| cols[c as usize][r] = fr_from_i128(x);

        for (i, w) in g.outputs.iter().enumerate() {
            put(Wit::A, self.num_inputs + i, v(*w) as i128);
            mult[wire_row(*w)] += 1;
        }
        for grp in &self.groups {
            for (j, x) in grp.inputs.iter().enumerate() {
                put(Wit::A, grp.first_row + j, v(*x) as i128);
                mult[wire_row(*x)] += 1;
            }
        }
        for m in &self.matrices {
            self.write_matrix_operands(m, &mut put, &mut mult, |w| v(w) as i128);
        }
        for (w, gate) in g.gates.iter().enumerate() {
            let o = self.gate_row[w];
            let out = g.values[w] as i128;
            match gate {
                Gate::Input => put(Wit::D, o, out),
                Gate::Affine(a) => {
                    // Chain rows: suffix sums, the first being T (a packed or matrix-product gate
                    // has none: T is only implied by the rescale).
                    let r = o + 1;
                    let packed = self.group_of[w].is_some() || self.matrix_of[w].is_some();
                    let len = a.terms.len() + a.products.len();
                    let mut acc: i128 = 0;
                    for j in (0..len).rev() {
                        if packed {
                            acc += match a.terms.get(j) {
                                Some((x, weight)) => *weight as i128 * v(*x) as i128,
                                None => {
                                    let (x, y) = a.products[j - a.terms.len()];
                                    v(x) as i128 * v(y) as i128
                                }
                            };
                            continue;
                        }
                        let m = r + 1 + j;
                        if let Some((x, weight)) = a.terms.get(j) {
                            acc += *weight as i128 * v(*x) as i128;
                            put(Wit::A, m, v(*x) as i128);
                            mult[wire_row(*x)] += 1;
                        } else {
                            let (x, y) = a.products[j - a.terms.len()];
                            acc += v(x) as i128 * v(y) as i128;
                            put(Wit::A, m, v(x) as i128);
                            put(Wit::B, m, v(y) as i128);
                            mult[wire_row(x)] += 1;
                            mult[wire_row(y)] += 1;
                        }
                        put(Wit::C, m, acc);
                    }
                    let total = acc + a.offset;
                    let div = a.div as i128;
                    let q = total.div_euclid(div);
                    let rem = total.rem_euclid(div);
                    let (hi, lo) = (q.div_euclid(split), q.rem_euclid(split));
                    if hi < -half || hi >= half || div > split {
                        return Err(Error::Rejected(format!("internal error: rescale gate {w} out of range")));
                    }
                    let sgn = (hi >= 0) as i128;
                    put(Wit::A, r, rem);
                    put(Wit::B, r, lo);
                    put(Wit::C, r, hi);
                    put(Wit::D, r, sgn);
                    mult[sign_row(hi)] += 1;
                    let expected = match a.act {
                        Act::Linear => q,
                        Act::Relu => q.max(0),
                        Act::Step => sgn,
                    };
                    if expected != out {
                        return Err(Error::Rejected(format!("internal error: rescale gate {w} disagrees with its wire value")));
                    }
                    put(Wit::A, o, div - 1 - rem);
                    put(Wit::D, o, out);
                    let checked = [rem, lo, div - 1 - rem];
                    match self.limb_row[w] {
                        None => checked.iter().for_each(|x| mult[range_row(*x)] += 1),
                        Some(first) => {
                            for (k, x) in checked.iter().enumerate() {
                                self.write_limbs(&mut put, &mut mult, first + k * self.limbs.rows as usize, *x as u64);
                            }
                        }
                    }
                }
                Gate::Lookup { input, table } => {
                    let x = v(*input);
                    let t = &g.tables[*table as usize];
                    if x < t.min || x > t.max {
                        return Err(Error::Rejected(format!("internal error: lookup gate {w} outside its table")));
                    }
                    put(Wit::A, o, x as i128);
                    put(Wit::C, o, x as i128);
                    put(Wit::D, o, out);
                    mult[wire_row(*input)] += 1;
                    mult[self.table_rows[self.table_base[*table as usize] + (x - t.min) as usize]] += 1;
                }
            }
        }
        cols[Wit::Mult as usize] = mult.into_iter().map(Fr::from).collect();
        let (input, output) = (g.input_values(), g.output_values());
        let instances = input.iter().chain(&output).map(|v| fr_from_i128(*v as i128)).collect();
        Ok(Witness { columns: cols, input, output, instances })
    }

    /// A matrix product's operand rows ([`crate::blocks::freivalds`]): every looked-up entry of
    /// `X` and of a witness right operand in `a`, counted once in its wire's entry.
    fn write_matrix_operands(&self, m: &Matrix, put: &mut impl FnMut(Wit, usize, i128), mult: &mut [u64], v: impl Fn(u32) -> i128) {
        let mut fetch = |r: usize, w: u32| {
            put(Wit::A, r, v(w));
            mult[self.gate_row[w as usize]] += 1;
        };
        for k in 0..m.inner {
            let p = m.product_row(k);
            for t in 0..m.rows {
                if let Some(x) = m.left[t * m.inner + k] {
                    fetch(p + 1 + t, x);
                }
            }
            if let Right::Wires(z) = &m.right {
                (0..m.cols).for_each(|j| fetch(p + 1 + m.rows + j, z[k * m.cols + j]));
            }
        }
    }

    /// The limb rows from `first` of a checked value `x ∈ [0, 2^M)` ([`crate::blocks::limb`]):
    /// limbs in `a, b`, the value still to recompose in `d`; counts the value's entry (looked up
    /// once, by its cell) and every limb's range entry.
    fn write_limbs(&self, put: &mut impl FnMut(Wit, usize, i128), mult: &mut [u64], first: usize, x: u64) {
        mult[first] += 1;
        for (i, (a, b, d)) in self.limbs.decompose(x).into_iter().enumerate() {
            put(Wit::A, first + i, a as i128);
            put(Wit::B, first + i, b as i128);
            put(Wit::D, first + i, d as i128);
            mult[self.table_rows[a as usize]] += 1;
            mult[self.table_rows[b as usize]] += 1;
        }
    }
}
