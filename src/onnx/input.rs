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
