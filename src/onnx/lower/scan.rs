//! `Scan` (what tract makes of LSTM, GRU and RNN over a sequence): unrolled, the body is
//! lowered once per iteration with the same builder, following tract's own schedule: scan
//! inputs are cut into chunks along their axis (from the end for a negative chunk), state
//! outputs feed the state inputs of the next iteration (in order), scan outputs are the
//! iterations' outputs concatenated, and last-value outputs are the final iteration's.

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ndarray::{concatenate, Axis, Slice};
use tract_onnx::tract_core::ops::scan::{InputMapping, Scan};

use super::{lower_model, misuse, Exprs};
use crate::compiler::graph::Builder;
use crate::Result;

/// Chunk `i` of `x` along `axis` (chunks of `|chunk|`, taken from the end and reversed when
/// `chunk < 0`).
fn chunk_of(x: &Exprs, axis: usize, chunk: isize, i: usize) -> Exprs {
    let (len, c) = (x.shape()[axis] as isize, chunk.abs());
    let slice = if chunk > 0 {
        Slice::from(i as isize * c..(i as isize + 1) * c)
    } else {
        Slice::new(len - (i as isize + 1) * c, Some(len - i as isize * c), -1)
    };
    x.slice_axis(Axis(axis), slice).to_owned()
}

pub(super) fn scan(b: &mut Builder, node: &TypedNode, op: &Scan, inputs: Vec<Exprs>) -> Result<TVec<Exprs>> {
    if op.skip != 0 {
        return Err(misuse(node, "a Scan that skips iterations is not supported"));
    }
    let (mut iters, mut states) = (None, Vec::new());
    for (m, x) in op.input_mapping.iter().zip(&inputs) {
        match m {
            InputMapping::Scan(info) => {
                let len = x.shape()[info.axis];
                let c = info.chunk.unsigned_abs();
                if c == 0 || len % c != 0 {
                    return Err(misuse(node, format!("a scan axis of {len} in chunks of {c}")));
                }
                iters = Some(len / c);
            }
            InputMapping::State => states.push(x.clone()),
            InputMapping::Full => {}
        }
    }
    let iters = iters.ok_or_else(|| misuse(node, "a Scan without a scanned input"))?;
    let slots = op.output_mapping.iter().flat_map(|m| m.scan.map(|(s, _)| s + 1).into_iter().chain(m.last_value_slot.map(|s| s + 1)));
    let slots = slots.max().unwrap_or(0);
    let mut scanned: Vec<Vec<Exprs>> = vec![Vec::new(); slots];
    let mut outputs: Vec<Option<Exprs>> = vec![None; slots];
    for i in 0..iters {
        let mut state = states.drain(..);
        let body_inputs = op
            .input_mapping
            .iter()
            .zip(&inputs)
            .map(|(m, x)| match m {
                InputMapping::State => state.next().expect("one state per state input"),
                InputMapping::Scan(info) => chunk_of(x, info.axis, info.chunk, i),
                InputMapping::Full => x.clone(),
            })
            .collect();
        drop(state);
        let body_outputs = lower_model(b, &op.body, None, body_inputs)?;
        for (v, m) in body_outputs.into_iter().zip(&op.output_mapping) {
            if let Some((slot, info)) = m.scan {
                // Backward scans fill their output from the end.
                let at = if info.chunk < 0 { 0 } else { scanned[slot].len() };
                scanned[slot].insert(at, v.clone());
            }
            if i == iters - 1 {
                if let Some(slot) = m.last_value_slot {
                    outputs[slot] = Some(v.clone());
                }
            }
            if m.state {
                states.push(v);
            }
        }
    }
    for m in &op.output_mapping {
        if let Some((slot, info)) = m.scan {
            let views: Vec<_> = scanned[slot].iter().map(|t| t.view()).collect();
            outputs[slot] = Some(concatenate(Axis(info.axis), &views).map_err(|e| misuse(node, e))?);
        }
    }
    outputs.into_iter().map(|o| o.ok_or_else(|| misuse(node, "a Scan output is never produced"))).collect()
}
