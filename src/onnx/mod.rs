//! Loading ONNX models and lowering them to element graphs.
//!
//! * [`Model::load`] reads an ONNX file with tract; [`Model::build`] lowers it, on given
//!   inputs and at a given scale, to the [`ElementGraph`](crate::compiler::graph::ElementGraph)
//!   the circuit is compiled from (evaluating every wire on the way); any operator outside the
//!   supported set is rejected with an error naming the node and the operator.
//! * [`Model::run_float`] runs the model in floating point with tract: the reference the
//!   quantized (proved) output is compared against.
//! * [`read_input_json`] reads EZKL's `input.json`.

mod input;
mod lower;

pub use input::{read_input_json, read_samples};
pub use lower::Model;
