// TEMPORARY probe (non-linear helper); deleted before the report.
use std::path::Path;
fn main() {
    let root = Path::new("/work/shared/corpus/ezkl-examples");
    let names: Vec<String> = std::env::args().skip(1).collect();
    for name in names {
        let dir = root.join(&name);
        let res = (|| -> Result<String, String> {
            let m = zktorch::onnx::Model::load(&dir.join("network.onnx")).map_err(|e| e.to_string())?;
            let mut inputs = zktorch::onnx::read_input_json(&dir.join("input.json")).map_err(|e| e.to_string())?;
            inputs.truncate(m.input_lengths().len());
            let reference = m.run_float(&inputs).map_err(|e| format!("float: {e}"))?;
            let mut line = String::new();
            for s in [8u32, 12, 16] {
                match m.build(&inputs, s) {
                    Ok(g) => {
                        let ours = g.output_reals();
                        if ours.len() != reference.len() { return Err(format!("len {} vs {}", ours.len(), reference.len())); }
                        let big = reference.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                        let err = ours.iter().zip(&reference).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
                        let tab: usize = g.tables.iter().map(|t| t.len()).sum();
                        line += &format!(" | s={s}: abs {err:.2e} (max|y| {big:.2}) gates {} table {}", g.gates.len(), tab);
                    }
                    Err(e) => line += &format!(" | s={s}: ERR {}", e.to_string().chars().take(140).collect::<String>()),
                }
            }
            Ok(line)
        })();
        match res { Ok(s) => println!("{name}{s}"), Err(e) => println!("{name} FAIL {e}") }
    }
}
