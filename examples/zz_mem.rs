fn main() {
    let name = std::env::args().nth(1).unwrap();
    let dir = std::path::Path::new("/work/shared/corpus/ezkl-examples").join(&name);
    let m = zktorch::onnx::Model::load(&dir.join("network.onnx")).unwrap();
    let x = zktorch::onnx::read_input_json(&dir.join("input.json")).unwrap();
    let t = std::time::Instant::now();
    let g = m.build(&x, 16).unwrap();
    println!("{name} {} gates {:.1}s", g.gates.len(), t.elapsed().as_secs_f64());
}
