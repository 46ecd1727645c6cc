//! Fixed-point quantization with one global scale `2^s`, and the integer forward pass the
//! circuit proves.

use super::{Mlp, QuantizedLayer, QuantizedMlp};
use crate::{Error, Result};

/// Largest supported `scale_bits`: weights are `i64` and products are accumulated in `i128`.
pub const MAX_SCALE_BITS: u32 = 62;

fn pow2(e: i32) -> f64 {
    2f64.powi(e)
}

/// Quantizes every weight to `round(w·2^s)` (`i64`) and every bias to `round(b·2^(2s))`
/// (`i128`, the scale of a product before the rescale). Rounding is half away from zero;
/// values beyond the integer range saturate (NaN becomes 0).
///
/// # Panics
/// If `scale_bits > MAX_SCALE_BITS` (62).
pub fn quantize(mlp: &Mlp, scale_bits: u32) -> QuantizedMlp {
    assert!(
        scale_bits <= MAX_SCALE_BITS,
        "scale_bits {scale_bits} > {MAX_SCALE_BITS}"
    );
    let s = scale_bits as i32;
    let layers = mlp
        .layers
        .iter()
        .map(|l| QuantizedLayer {
            weights: l
                .weights
                .iter()
                .map(|row| row.iter().map(|w| (w * pow2(s)).round() as i64).collect())
                .collect(),
            bias: l
                .bias
                .iter()
                .map(|b| (b * pow2(2 * s)).round() as i128)
                .collect(),
            relu: l.relu,
            name: l.name.clone(),
        })
        .collect();
    QuantizedMlp {
        scale_bits,
        input_len: mlp.input_len,
        layers,
    }
}

/// Returns `round(x·2^s)` for every value (half away from zero, saturating at the `i64` range,
/// NaN becomes 0).
pub fn quantize_input(x: &[f64], scale_bits: u32) -> Vec<i64> {
    let f = pow2(scale_bits as i32);
    x.iter().map(|v| (v * f).round() as i64).collect()
}

/// `floor((acc + 2^(s-1)) / 2^s)`: rounds `acc / 2^s` to the nearest integer, halves up.
/// For `s = 0` it is `acc`. Saturating, never panics for `s ≤ 126`.
pub(crate) fn rescale(acc: i128, s: u32) -> i128 {
    if s == 0 {
        return acc;
    }
    let half = 1i128 << (s - 1);
    acc.saturating_add(half).div_euclid(1i128 << s)
}

/// The integer forward pass exactly as the circuit computes it. For each layer:
/// `acc_i = Σ_j w_ij·x_j + b_i` (scale `2^(2s)`, exact in `i128`), then
/// `q_i = floor((acc_i + 2^(s-1)) / 2^s)` (round-half-up back to scale `2^s`), then
/// `max(q_i, 0)` if the layer has ReLU. Returns the activations after every layer (the last
/// entry is the model output), as `i64` at scale `2^s`.
///
/// Values that would leave the `i64` range saturate (the circuit's range checks reject such
/// witnesses; [`choose_scale_bits`] picks a scale that keeps honest values far from this).
///
/// # Panics
/// If `x.len() != q.input_len` (check the length first, e.g. with [`Mlp::check_input`]) or a layer's width
/// does not match the previous one.
pub fn forward_quantized(q: &QuantizedMlp, x: &[i64]) -> Vec<Vec<i64>> {
    assert_eq!(
        x.len(),
        q.input_len,
        "input length does not match the model"
    );
    let mut out = Vec::with_capacity(q.layers.len());
    let mut cur: Vec<i64> = x.to_vec();
    for layer in &q.layers {
        let next: Vec<i64> = layer
            .weights
            .iter()
            .zip(&layer.bias)
            .map(|(row, &b)| {
                assert_eq!(row.len(), cur.len(), "layer {} width mismatch", layer.name);
                let acc = row
                    .iter()
                    .zip(&cur)
                    .fold(b, |acc, (&w, &v)| acc.saturating_add(w as i128 * v as i128));
                let mut r = rescale(acc, q.scale_bits);
                if layer.relu {
                    r = r.max(0);
                }
                r.clamp(i64::MIN as i128, i64::MAX as i128) as i64
            })
            .collect();
        cur = next.clone();
        out.push(next);
    }
    out
}

/// Picks the scale: the largest `s` in `[min_bits, max_bits]` (with `max_bits` capped at
/// [`MAX_SCALE_BITS`]) such that every value of the float forward pass of `input` — the input
/// itself and every layer output after the rescale, before and after ReLU — satisfies
/// `2·|a| < 2^(s-1)` (a 2× margin below `2^(s-1)`, in real units). Equivalently the
/// quantized value satisfies `|a·2^s| < 2^(2s-2)`, so it fits a signed `2s-1`-bit range with
/// room to spare. The condition only gets easier as `s` grows, so the answer is `max_bits`
/// whenever any `s` fits; `max_bits` is how callers bound the cost of the range tables.
///
/// Errors: `Error::InputLength` if `input` has the wrong length; `Error::Usage` if
/// `min_bits > max_bits`; `Error::OutOfRange` naming the layer with the largest magnitude if
/// no `s` in the range works (also when a value is not finite).
pub fn choose_scale_bits(mlp: &Mlp, input: &[f64], min_bits: u32, max_bits: u32) -> Result<u32> {
    mlp.check_input(input)?;
    let max_bits = max_bits.min(MAX_SCALE_BITS);
    if min_bits > max_bits {
        return Err(Error::Usage(format!(
            "scale bits: min {min_bits} exceeds max {max_bits} (max is capped at {MAX_SCALE_BITS})"
        )));
    }
    // Largest magnitude per place, NaN counted as infinitely large.
    let mag = |v: &f64| if v.is_nan() { f64::INFINITY } else { v.abs() };
    let mut worst = ("input".to_string(), 0.0f64, -1.0f64); // (node, value, magnitude)
    let mut consider = |node: &str, vals: &[f64]| {
        for v in vals {
            if mag(v) > worst.2 {
                worst = (node.to_string(), *v, mag(v));
            }
        }
    };
    consider("input", input);
    for (layer, (pre, post)) in mlp.layers.iter().zip(mlp.forward_f64_layers(input)) {
        consider(&layer.name, &pre);
        consider(&layer.name, &post);
    }
    let fits = |s: u32| 2.0 * worst.2 < pow2(s as i32 - 1);
    if let Some(s) = (min_bits..=max_bits).rev().find(|&s| fits(s)) {
        return Ok(s);
    }
    let bound = pow2(max_bits as i32 - 1) / 2.0;
    Err(Error::OutOfRange {
        node: worst.0,
        value: worst.1,
        min: -bound,
        max: bound,
        hint: format!(
            "no scale in {min_bits}..={max_bits} bits keeps every activation below 2^(s-1) with a 2x margin"
        ),
    })
}
