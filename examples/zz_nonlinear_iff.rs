// TEMPORARY probe (non-linear helper); deleted before the report.
use tract_onnx::prelude::*;
fn main() {
    let p = std::path::Path::new("/work/shared/corpus/ezkl-examples").join(std::env::args().nth(1).unwrap()).join("network.onnx");
    let mut m = tract_onnx::onnx().model_for_path(&p).unwrap();
    for o in 0..m.output_outlets().unwrap().len() { m.set_output_fact(o, InferenceFact::default()).unwrap(); }
    let t = m.into_typed().unwrap().into_decluttered().unwrap();
    for n in t.nodes() {
        let name = n.op.name();
        if name == "Iff" || name == "Softmax" {
            println!("{} {} inputs:", n.name, name);
            for i in &n.inputs { let f = t.outlet_fact(*i).unwrap(); println!("   {:?} konst={:?}", f.shape, f.konst.as_ref().map(|k| format!("{:?}", k).chars().take(150).collect::<String>())); }
        }
    }
}
