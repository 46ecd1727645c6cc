//! Loading, lowering and fixed-point quantization of ONNX models.
//!
//! zktorch proves one family of models today: a chain of fully-connected layers
//! `y = W·x + b`, each optionally followed by ReLU, on a flat input vector (an MLP).
//!
//! * [`load_mlp`] reads an ONNX file with tract, declutters it and lowers the graph to an
//!   [`Mlp`]; any other graph is rejected with an error naming the node and the operator.
//! * [`run_float`] runs the original ONNX graph in floating point with tract; it is the
//!   reference the quantized (proved) output is compared against.
//! * [`read_input_json`] reads EZKL's `input.json`.
//! * [`quantize`], [`quantize_input`] and [`forward_quantized`] define the fixed-point
//!   arithmetic the circuit proves (one global scale `2^s`), and [`choose_scale_bits`] picks `s`.

mod input;
mod load;
mod quantize;

pub use input::read_input_json;
pub use load::{load_mlp, run_float};
pub use quantize::{
    choose_scale_bits, forward_quantized, quantize, quantize_input, MAX_SCALE_BITS,
};

use crate::{Error, Result};

/// One fully-connected layer `y = W·x + b`, optionally followed by ReLU.
#[derive(Clone, Debug, PartialEq)]
pub struct DenseLayer {
    /// Name of the ONNX/tract node the product came from (used in error messages).
    pub name: String,
    /// `m × n` weight matrix: rows are outputs (`m`), columns are inputs (`n`).
    pub weights: Vec<Vec<f64>>,
    /// Bias, length `m`; zeros when the model has none.
    pub bias: Vec<f64>,
    /// Whether ReLU is applied to `W·x + b`.
    pub relu: bool,
}

impl DenseLayer {
    /// Number of outputs `m` (rows of `weights`).
    pub fn out_len(&self) -> usize {
        self.weights.len()
    }

    /// Number of inputs `n` (columns of `weights`; 0 for a layer without rows).
    pub fn in_len(&self) -> usize {
        self.weights.first().map_or(0, Vec::len)
    }
}

/// A model zktorch can prove today: a chain of dense layers on a flat input.
///
/// Invariants established by [`load_mlp`]: `layers` is non-empty, every weight matrix is
/// rectangular, `layers[0].in_len() == input_len`, `layers[i].in_len() == layers[i-1].out_len()`,
/// `layers.last().out_len() == output_len`, each `bias.len() == out_len()`, and
/// `input_len == input_shape.iter().product()`.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    /// Number of input values (product of `input_shape`).
    pub input_len: usize,
    /// The ONNX input shape with symbolic dimensions (batch) set to 1.
    pub input_shape: Vec<usize>,
    /// Number of output values.
    pub output_len: usize,
    /// The layers, input side first.
    pub layers: Vec<DenseLayer>,
}

impl Mlp {
    /// Returns `Error::InputLength` unless `x` has exactly `input_len` values.
    pub fn check_input<T>(&self, x: &[T]) -> Result<()> {
        if x.len() != self.input_len {
            return Err(Error::InputLength {
                expected: self.input_len,
                got: x.len(),
            });
        }
        Ok(())
    }

    /// Evaluates the model in `f64` on a flat input and returns the flat output.
    ///
    /// Agrees with [`run_float`] on the same file up to float rounding (tract computes in the
    /// model's own type, usually `f32`).
    ///
    /// # Panics
    /// If `x.len() != self.input_len` (use [`Mlp::check_input`] first for untrusted input).
    pub fn forward_f64(&self, x: &[f64]) -> Vec<f64> {
        self.forward_f64_layers(x)
            .pop()
            .map(|(_, post)| post)
            .unwrap_or_else(|| x.to_vec())
    }

    /// Evaluates the model in `f64` and returns, for every layer, `(W·x + b, output)` where the
    /// output is after ReLU when the layer has one (and equal to the first otherwise).
    ///
    /// # Panics
    /// If `x.len() != self.input_len`.
    pub fn forward_f64_layers(&self, x: &[f64]) -> Vec<(Vec<f64>, Vec<f64>)> {
        assert_eq!(
            x.len(),
            self.input_len,
            "input length does not match the model"
        );
        let mut out = Vec::with_capacity(self.layers.len());
        let mut cur = x.to_vec();
        for layer in &self.layers {
            let pre: Vec<f64> = layer
                .weights
                .iter()
                .zip(&layer.bias)
                .map(|(row, b)| row.iter().zip(&cur).map(|(w, v)| w * v).sum::<f64>() + b)
                .collect();
            let post: Vec<f64> = if layer.relu {
                pre.iter().map(|v| v.max(0.0)).collect()
            } else {
                pre.clone()
            };
            cur = post.clone();
            out.push((pre, post));
        }
        out
    }
}

/// One dense layer in fixed point with scale `2^s`.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantizedLayer {
    /// `round(w·2^s)`, `m × n` (rows are outputs).
    pub weights: Vec<Vec<i64>>,
    /// `round(b·2^(2s))`, length `m` (the scale of the product before the rescale).
    pub bias: Vec<i128>,
    /// Whether ReLU follows the rescale.
    pub relu: bool,
    /// Name of the layer in the source model.
    pub name: String,
}

/// An [`Mlp`] quantized with one global scale `2^scale_bits`.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantizedMlp {
    /// `s`: every activation `a` is represented by the integer `≈ a·2^s`.
    pub scale_bits: u32,
    /// Number of input values.
    pub input_len: usize,
    /// The layers, input side first.
    pub layers: Vec<QuantizedLayer>,
}

#[cfg(test)]
mod tests;
