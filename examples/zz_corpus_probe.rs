// TEMPORARY probe (lowering helper); deleted before the report.
use std::path::Path;
use std::time::Instant;
fn main() {
    let root = Path::new("/work/shared/corpus/ezkl-examples");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut names: Vec<String> = std::fs::read_dir(root).unwrap().filter_map(|e| e.ok()).filter(|e| e.path().is_dir()).map(|e| e.file_name().to_string_lossy().to_string()).collect();
    names.sort();
    if !args.is_empty() { names.retain(|n| args.contains(n)); }
    for name in names {
        let dir = root.join(&name);
        let t = Instant::now();
        let res = (|| -> Result<String, String> {
            let m = zktorch::onnx::Model::load(&dir.join("network.onnx")).map_err(|e| e.to_string())?;
            let mut inputs = zktorch::onnx::read_input_json(&dir.join("input.json")).map_err(|e| e.to_string())?;
            let lens = m.input_lengths();
            inputs.truncate(lens.len());
            let reference = m.run_float(&inputs).map_err(|e| format!("float: {e}"))?;
            let mut last = String::new();
            let scales: Vec<u32> = match std::env::var("ZZ_S") { Ok(v) => vec![v.parse().unwrap()], Err(_) => vec![12u32, 16, 20, 8] };
            for s in scales {
                match m.build(&inputs, s) {
                    Ok(g) => {
                        let ours = g.output_reals();
                        if std::env::var("ZZ_OUT").is_ok() { eprintln!("ours {:?}\nref  {:?}", &ours[..ours.len().min(12)], &reference[..reference.len().min(12)]); }
                        if ours.len() != reference.len() { return Err(format!("len {} vs {}", ours.len(), reference.len())); }
                        let scale = reference.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-9);
                        let err = ours.iter().zip(&reference).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
                        let terms: usize = g.gates.iter().map(|x| match x { zktorch::compiler::graph::Gate::Affine(a) => a.terms.len() + a.products.len(), _ => 1 }).sum();
                        return Ok(format!("ok s={s} terms={terms} gates={} relerr={:.2e} maxabs={:.3e}", g.gates.len(), err / scale, scale));
                    }
                    Err(e) => { let msg = e.to_string(); if msg.contains("outside the provable range") { last = msg; continue; } return Err(msg); }
                }
            }
            Err(last)
        })();
        let dt = t.elapsed().as_secs_f64();
        match res { Ok(s) => println!("{name}\tOK\t{s}\t{dt:.1}s"), Err(e) => println!("{name}\tFAIL\t{e}\t{dt:.1}s") }
    }
}
