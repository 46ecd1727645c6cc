//! EZKL's `input.json`.

use std::path::Path;

use serde_json::Value;

use crate::{Error, Result};

const WHAT: &str = "an EZKL input ({\"input_data\": [[numbers, ...]]})";

/// Reads EZKL's input format `{"input_data": [[f, f, ...], ...]}` and returns the first entry
/// of `input_data`, flattened in row-major order (nested arrays are allowed). A flat list
/// `{"input_data": [f, f, ...]}` is accepted too. Other keys (`input_shapes`, `output_data`)
/// are ignored.
///
/// Errors: `Error::Read` if the file cannot be read; `Error::Json` (naming the file) if it is
/// not JSON, has no `input_data` array, the first entry is empty, or any value is not a
/// finite number.
pub fn read_input_json(path: &Path) -> Result<Vec<f64>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |reason: String| Error::Json {
        path: path.to_path_buf(),
        what: WHAT,
        reason,
    };
    let value: Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let data = value
        .get("input_data")
        .ok_or_else(|| bad("missing key \"input_data\"".into()))?
        .as_array()
        .ok_or_else(|| bad("\"input_data\" is not an array".into()))?;
    let first = data
        .first()
        .ok_or_else(|| bad("\"input_data\" is empty".into()))?;
    let mut out = Vec::new();
    if first.is_array() {
        flatten(first, &mut out, "input_data[0]").map_err(bad)?;
    } else {
        for (i, v) in data.iter().enumerate() {
            flatten(v, &mut out, &format!("input_data[{i}]")).map_err(bad)?;
        }
    }
    if out.is_empty() {
        return Err(bad("\"input_data\" holds no numbers".into()));
    }
    Ok(out)
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
        other => Err(format!("{at} is {other}, not a number")),
    }
}
