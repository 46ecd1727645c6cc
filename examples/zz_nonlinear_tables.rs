// TEMPORARY probe (non-linear helper); deleted before the report.
use std::path::Path;
fn main() {
    let root = Path::new("/work/shared/corpus/ezkl-examples");
    let a: Vec<String> = std::env::args().skip(1).collect();
    let s: u32 = a[1].parse().unwrap();
    let dir = root.join(&a[0]);
    let m = zktorch::onnx::Model::load(&dir.join("network.onnx")).unwrap();
    let mut inputs = zktorch::onnx::read_input_json(&dir.join("input.json")).unwrap();
    inputs.truncate(m.input_lengths().len());
    let g = m.build(&inputs, s).unwrap();
    for t in &g.tables { println!("{} [{}, {}] len {}", t.id(), t.min as f64 / (1u64 << t.in_scale) as f64, t.max as f64 / (1u64 << t.in_scale) as f64, t.len()); }
    // per node error would need the float intermediates; print node counts of lookups
    let mut per: std::collections::BTreeMap<String, usize> = Default::default();
    for (i, gt) in g.gates.iter().enumerate() { if let zktorch::compiler::graph::Gate::Lookup { .. } = gt { *per.entry(g.nodes[g.gate_node[i] as usize].clone()).or_default() += 1; } }
    for (k, v) in per.iter().take(12) { println!("  {k}: {v} lookups"); }
}
