//! Integer-typed weights (int8 + Cast, the usual layout of a quantized model) are private like
//! float ones: two models that differ only in such weights — zeros and non-zeros among them —
//! get the same public columns, packing and domain. (Found by a review: they used to be taken
//! for public integer tensors, and zero weights dropped terms from the layout.)
use prost::Message;
use tract_onnx::pb::*;
use zktorch::blocks::Fix;
use zktorch::commands::{compile_model, CalibratedLayout};
use zktorch::onnx::Model;

fn vi(name: &str, shape: &[i64]) -> ValueInfoProto {
    use tensor_shape_proto::{dimension, Dimension};
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: 1,
                shape: Some(TensorShapeProto {
                    dim: shape.iter().map(|d| Dimension { value: Some(dimension::Value::DimValue(*d)), ..Default::default() }).collect(),
                }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// y = x · Cast<float>(W_int8) + b (b float, private), x: 1×4, W: 4×3.
fn model(path: &std::path::Path, w: &[i32], float_weights: bool) {
    let wt = if float_weights {
        TensorProto { name: "W".into(), dims: vec![4, 3], data_type: 1, float_data: w.iter().map(|v| *v as f32).collect(), ..Default::default() }
    } else {
        TensorProto { name: "W".into(), dims: vec![4, 3], data_type: 3, int32_data: w.to_vec(), ..Default::default() }
    };
    let b = TensorProto { name: "b".into(), dims: vec![3], data_type: 1, float_data: vec![0.25, -0.5, 0.125], ..Default::default() };
    let cast = NodeProto {
        input: vec!["W".into()], output: vec!["Wf".into()], name: "cast".into(), op_type: "Cast".into(),
        attribute: vec![AttributeProto { name: "to".into(), i: 1, r#type: 2, ..Default::default() }],
        ..Default::default()
    };
    let mm = NodeProto { input: vec!["x".into(), "Wf".into()], output: vec!["h".into()], name: "mm".into(), op_type: "MatMul".into(), ..Default::default() };
    let add = NodeProto { input: vec!["h".into(), "b".into()], output: vec!["y".into()], name: "add".into(), op_type: "Add".into(), ..Default::default() };
    let g = GraphProto { node: vec![cast, mm, add], name: "g".into(), initializer: vec![wt, b], input: vec![vi("x", &[1, 4])], output: vec![vi("y", &[1, 3])], ..Default::default() };
    let m = ModelProto { ir_version: 8, opset_import: vec![OperatorSetIdProto { domain: "".into(), version: 13 }], graph: Some(g), ..Default::default() };
    std::fs::write(path, m.encode_to_vec()).unwrap();
}

fn public_diff(wa: &[i32], wb: &[i32], float_weights: bool) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let (pa, pb) = (dir.path().join("a.onnx"), dir.path().join("b.onnx"));
    model(&pa, wa, float_weights);
    model(&pb, wb, float_weights);
    let input = vec![vec![0.5, -1.0, 0.75, 0.25]];
    let (ma, mb) = (Model::load(&pa).unwrap(), Model::load(&pb).unwrap());
    let h = compile_model(&ma, &input, 8, None).unwrap().0.sign_bits.max(compile_model(&mb, &input, 8, None).unwrap().0.sign_bits);
    let layout = CalibratedLayout { sign_bits: h, ..Default::default() };
    let ca = compile_model(&ma, &input, 8, Some(&layout)).unwrap().1;
    let cb = compile_model(&mb, &input, 8, Some(&layout)).unwrap().1;
    let mut d = vec![];
    if (ca.domain_size, ca.gate_rows) != (cb.domain_size, cb.gate_rows) {
        d.push(format!("domain/gate rows {:?} vs {:?}", (ca.domain_size, ca.gate_rows), (cb.domain_size, cb.gate_rows)));
    }
    if ca.packed_columns_used() != cb.packed_columns_used() {
        d.push(format!("packed columns used {} vs {}", ca.packed_columns_used(), cb.packed_columns_used()));
    }
    for (k, (x, y)) in ca.fixed.iter().zip(&cb.fixed).enumerate() {
        if k != Fix::Param as usize && x != y {
            d.push(format!("public fixed column {} differs", zktorch::blocks::FIXED_NAMES[k]));
        }
    }
    d
}

#[test]
fn int8_weights_do_not_shape_the_layout() {
    let wa = [1, -2, 3, 0, 5, -1, 2, 0, 0, 4, 1, -3];
    let wb = [1, -2, 3, 7, 5, -1, 2, 6, 2, 4, 1, -3];
    assert_eq!(public_diff(&wa, &wb, true), Vec::<String>::new(), "float weights");
    assert_eq!(public_diff(&wa, &wb, false), Vec::<String>::new(), "int8 weights behind a Cast");
}
