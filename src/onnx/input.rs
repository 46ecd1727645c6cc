//! EZKL's `input.json`.

use std::path::Path;

use serde_json::Value;

use crate::{Error, Result};

const WHAT: &str = "an EZKL input ({\"input_data\": [[numbers, ...], ...]})";

/// Reads EZKL's input format `{"input_data": [[x, x, ...], ...]}`: one entry per model input,
/// each flattened in row-major order (nested arrays are allowed). Numbers and booleans
/// (`true` = 1) are accepted. A flat list `{"input_data": [x, x, ...]}` is one input. Other keys
/// (`input_shapes`, `output_data`) are ignored.
///
/// Errors: `Error::Read` if the file cannot be read; `Error::Json` (naming the file) if it is
/// not JSON, has no `input_data` array or an empty one, or a value is not a finite number or a
/// boolean.
pub fn read_input_json(path: &Path) -> Result<Vec<Vec<f64>>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
    let bad = |reason: String| Error::Json { path: path.to_path_buf(), what: WHAT, reason };
    let value: Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let data = value
        .get("input_data")
        .ok_or_else(|| bad("missing key \"input_data\"".into()))?
        .as_array()
        .ok_or_else(|| bad("\"input_data\" is not an array".into()))?;
    if data.is_empty() {
        return Err(bad("\"input_data\" is empty".into()));
    }
    let entries: Vec<(String, &Value)> = if data.iter().all(Value::is_array) {
        data.iter().enumerate().map(|(i, v)| (format!("input_data[{i}]"), v)).collect()
    } else {
        vec![("input_data".to_string(), &value["input_data"])]
    };
    let mut inputs = Vec::with_capacity(entries.len());
    for (at, v) in entries {
        let mut out = Vec::new();
        flatten(v, &mut out, &at).map_err(bad)?;
        inputs.push(out);
    }
    Ok(inputs)
}

fn flatten(v: &Value, out: &mut Vec<f64>, at: &str) -> std::result::Result<(), String> {
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(item, out, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.is_finite() => {
                out.push(f);
                Ok(())
            }
            _ => Err(format!("{at} = {n} is not a finite number")),
        },
        Value::Bool(b) => {
            out.push(if *b { 1.0 } else { 0.0 });
            Ok(())
        }
        other => Err(format!("{at} is {other}, not a number")),
    }
}

/// Reads a calibration data set: EZKL's `input.json` whose `input_data` holds `m ≥ 1` samples
/// of a model whose inputs have `lengths = [n_1, …, n_k]`, returned one sample (`k` vectors)
/// at a time. Two layouts, told apart by the number of entries:
/// - `k` entries, entry `i` of length `m·n_i`: EZKL's batch, the samples concatenated along each
///   input's flattened data (sample `j` of input `i` is `[j·n_i, (j+1)·n_i)`);
/// - `m·k` entries with `m > 1`, sample-major (`x_1^1, …, x_k^1, x_1^2, …`), entry `j` of length
///   `n_(j mod k)`.
///
/// Errors: as [`read_input_json`] for the file and its values; `Error::Usage` naming the file
/// and the lengths when they fit neither layout (or hold no sample).
pub fn read_samples(path: &Path, lengths: &[usize]) -> Result<Vec<Vec<Vec<f64>>>> {
    let entries = read_input_json(path)?;
    let k = lengths.len();
    if let Some(m) = samples_per_input(&entries, lengths) {
        return Ok((0..m).map(|j| entries.iter().zip(lengths).map(|(e, n)| e[j * n..(j + 1) * n].to_vec()).collect()).collect());
    }
    let sample_major = entries.len() > k
        && k > 0
        && entries.len() % k == 0
        && entries.iter().zip(lengths.iter().cycle()).all(|(e, n)| e.len() == *n);
    if sample_major {
        Ok(entries.chunks(k).map(<[Vec<f64>]>::to_vec).collect())
    } else {
        let got: Vec<usize> = entries.iter().map(Vec::len).collect();
        Err(Error::Usage(format!(
            "calibration data {}: input_data has {} entries of lengths {got:?}, the model's inputs have lengths {lengths:?}: \
             expected one entry per model input holding the same number m ≥ 1 of samples (lengths m·n_i), \
             or m·{k} entries of these lengths, sample by sample",
            path.display(),
            entries.len()
        )))
    }
}

/// The common number `m ≥ 1` of samples of `k` entries of lengths `m·n_i`, if there is one.
fn samples_per_input(entries: &[Vec<f64>], lengths: &[usize]) -> Option<usize> {
    if entries.len() != lengths.len() {
        return None;
    }
    let m = entries.first()?.len().checked_div(*lengths.first()?)?;
    let fits = entries.iter().zip(lengths).all(|(e, n)| *n > 0 && e.len() == m * n);
    (m >= 1 && fits).then_some(m)
}
