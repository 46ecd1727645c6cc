use std::path::{Path, PathBuf};

use super::{snap, Model};
use crate::onnx::read_input_json;
use crate::Error;

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/onnx/testdata").join(name)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn corpus(name: &str) -> PathBuf {
    Path::new("/work/shared/corpus/ezkl-examples").join(name)
}

/// `max |ours − reference|` relative to `max |reference|`.
fn rel_err(ours: &[f64], reference: &[f64]) -> f64 {
    assert_eq!(ours.len(), reference.len(), "output lengths differ");
    let scale = reference.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-9);
    ours.iter().zip(reference).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max) / scale
}

/// Builds `model` on `inputs` at scale `2^s`, checks its output is within 1% (of the largest
/// |output|) of tract's float run, and returns the float output.
fn check(model: &Path, inputs: &[Vec<f64>], s: u32) -> Vec<f64> {
    let m = Model::load(model).unwrap_or_else(|e| panic!("{}: {e}", model.display()));
    let reference = m.run_float(inputs).unwrap();
    let g = m.build(inputs, s).unwrap_or_else(|e| panic!("{}: {e}", model.display()));
    let err = rel_err(&g.output_reals(), &reference);
    assert!(err <= 0.01, "{}: error {err} relative to the largest output", model.display());
    reference
}

/// The `output_data` of an input file (every output, flattened and concatenated).
fn output_data(input: &Path) -> Vec<f64> {
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(input).unwrap()).unwrap();
    v["output_data"].as_array().unwrap().iter().flat_map(|o| o.as_array().unwrap().iter().map(|x| x.as_f64().unwrap())).collect()
}

/// Operator coverage (convolutions and pools, data movement, logic and casts, computed
/// indices, a scanned LSTM, einsum variants): the quantized graph matches tract, and tract
/// matches the ONNX reference evaluator's output stored with each input.
#[test]
fn testdata_models_match_tract_and_the_onnx_reference() {
    for name in ["cnn_ops", "shape_ops", "logic_ops", "lstm_seq", "bias_left", "wx", "transa", "vec", "f64", "gemm_alpha"] {
        let input = testdata(&format!("{name}.input.json"));
        let x = read_input_json(&input).unwrap();
        let reference = check(&testdata(&format!("{name}.onnx")), &x, 16);
        let d = rel_err(&reference, &output_data(&input));
        assert!(d < 1e-5, "{name}: tract differs from the ONNX reference by {d}");
    }
}

/// Graphs the MLP-only loader rejected: a batch of 4, two inputs, a residual, operators
/// before the first product, no product at all.
#[test]
fn batches_branches_and_several_inputs_build() {
    let ramp = |n: usize, k: f64| (0..n).map(|i| ((i as f64 + k) * 0.37).sin()).collect::<Vec<f64>>();
    for name in ["batch", "twoin", "addfirst", "resid", "relufirst", "nolayer"] {
        let path = testdata(&format!("{name}.onnx"));
        let m = Model::load(&path).unwrap();
        let inputs: Vec<Vec<f64>> = m.input_lengths().iter().enumerate().map(|(k, n)| ramp(*n, k as f64)).collect();
        check(&path, &inputs, 12);
    }
    assert_eq!(Model::load(&testdata("twoin.onnx")).unwrap().input_shapes(), vec![vec![1, 3], vec![1, 3]]);
}

#[test]
fn project_fixtures_build() {
    for name in ["mlp_16_32_10", "mlp_deep", "mlp_flatten", "cnn_small", "attention_tiny"] {
        let x = read_input_json(&fixture(&format!("{name}.input.json"))).unwrap();
        check(&fixture(&format!("{name}.onnx")), &x, 16);
    }
}

#[test]
fn errors_are_typed() {
    assert!(matches!(Model::load(&fixture("corrupt.onnx")), Err(Error::Onnx { .. })));
    assert!(matches!(Model::load(&fixture("nope.onnx")), Err(Error::Read { .. })));
    let m = Model::load(&testdata("cumsum.onnx")).unwrap();
    let x = read_input_json(&testdata("cumsum.input.json")).unwrap();
    match m.build(&x, 12) {
        Err(Error::UnsupportedOp { node, op }) => assert_eq!((node.as_str(), op.as_str()), ("cumsum1", "CumSum")),
        other => panic!("expected UnsupportedOp, got {other:?}"),
    }
    let m = Model::load(&fixture("mlp_16_32_10.onnx")).unwrap();
    let bad = read_input_json(&fixture("mlp_16_32_10.bad_input.json")).unwrap();
    assert!(matches!(m.build(&bad, 12), Err(Error::InputLength { expected: 16, got: 15 })));
    assert!(matches!(m.run_float(&bad), Err(Error::InputLength { expected: 16, got: 15 })));
    assert!(matches!(m.build(&[], 12), Err(Error::Usage(_))));
    // Values beyond the provable range name the scale.
    assert!(matches!(m.build(&[vec![1e6; 16]], 12), Err(Error::OutOfRange { .. })));

    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("mlp_16_32_10.onnx")).unwrap();
    for cut in [0, 1, 7, bytes.len() / 3, bytes.len() / 2, bytes.len() - 1] {
        let p = dir.path().join(format!("cut{cut}.onnx"));
        std::fs::write(&p, &bytes[..cut]).unwrap();
        match Model::load(&p) {
            Err(Error::Onnx { .. } | Error::UnsupportedModel(_)) => {}
            other => panic!("cut at {cut}: expected Onnx/UnsupportedModel, got {other:?}"),
        }
    }
}

#[test]
fn read_input_json_formats_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let nested = write("nested.json", r#"{"input_data": [[[1, 2], [3.5, -4]], [true, false]], "input_shapes": [[2, 2]]}"#);
    assert_eq!(read_input_json(&nested).unwrap(), vec![vec![1.0, 2.0, 3.5, -4.0], vec![1.0, 0.0]]);
    let flat = write("flat.json", r#"{"input_data": [0.5, 1e-3]}"#);
    assert_eq!(read_input_json(&flat).unwrap(), vec![vec![0.5, 0.001]]);
    let none = write("none.json", r#"{"input_data": [[]]}"#);
    assert_eq!(read_input_json(&none).unwrap(), vec![Vec::<f64>::new()]);
    for (name, text) in [
        ("broken.json", r#"{"input_data": [[1, 2"#),
        ("nokey.json", r#"{"inputs": [[1, 2]]}"#),
        ("empty.json", r#"{"input_data": []}"#),
        ("string.json", r#"{"input_data": [[1, "2"]]}"#),
        ("notarray.json", r#"{"input_data": 3}"#),
    ] {
        let p = write(name, text);
        match read_input_json(&p) {
            Err(Error::Json { path, .. }) => assert_eq!(path, p),
            other => panic!("{name}: expected Json error, got {other:?}"),
        }
    }
    assert!(matches!(read_input_json(&dir.path().join("missing.json")), Err(Error::Read { .. })));
}

#[test]
fn snap_reads_float_fractions() {
    let f32p = 2f64.powi(-24);
    assert_eq!(snap((1.0f32 / 300.0) as f64, f32p), 1.0 / 300.0);
    assert_eq!(snap((-2.0f32 / 3.0) as f64, f32p), -2.0 / 3.0);
    assert_eq!(snap(0.125, f32p), 0.125);
    assert_eq!(snap(0.0, f32p), 0.0);
    // Not the rounding of a small fraction: unchanged.
    let w = 0.723_651_8f32 as f64;
    assert_eq!(snap(w, f32p), w);
    assert_eq!(snap((1.0f32 / 5000.0) as f64, f32p), (1.0f32 / 5000.0) as f64);
}

/// EZKL example models covering every lowering in this module (skipped without the corpus).
#[test]
fn corpus_models_match_tract() {
    if !corpus("1l_conv").exists() {
        eprintln!("EZKL corpus not present at {}; skipping", corpus("").display());
        return;
    }
    for name in [
        "1l_conv", "1l_average", "1l_concat", "1l_pad", "1l_slice", "4l_relu_conv_fc", "lenet_5", "1l_batch_norm", "1l_mlp",
        "eye", "1l_upsample", "tril", "triu", "1l_conv_transpose", "1l_downsample", "1l_max_pool", "1l_mean", "1l_var",
        "1l_where", "1l_prelu", "arange", "bitshift", "boolean", "bitwise_ops", "integer_div", "gather_elements", "gather_nd",
        "scatter_elements", "scatter_nd", "decision_tree", "ltsf", "large_mlp", "lstm", "lstm_medium", "gru", "rnn",
        "linear_svc", "hummingbird_decision_tree",
    ] {
        let x = read_input_json(&corpus(name).join("input.json")).unwrap();
        check(&corpus(name).join("network.onnx"), &x, 16);
    }
}

/// The whole corpus: prints one line per model (status, error relative to the largest float
/// output, gates). `cargo test --lib corpus_table -- --ignored --nocapture`.
#[test]
#[ignore]
fn corpus_table() {
    let Ok(dir) = std::fs::read_dir(corpus("")) else { return };
    let models = dir.flatten().filter(|e| e.path().join("network.onnx").exists());
    let mut names: Vec<String> = models.map(|e| e.file_name().to_string_lossy().into()).collect();
    names.sort();
    let mut ok = 0;
    for name in &names {
        let run = || -> crate::Result<String> {
            let m = Model::load(&corpus(name).join("network.onnx"))?;
            let x = read_input_json(&corpus(name).join("input.json"))?;
            let reference = m.run_float(&x)?;
            let mut last = None;
            for s in [16, 20, 12] {
                match m.build(&x, s) {
                    Ok(g) => {
                        let err = rel_err(&g.output_reals(), &reference);
                        return Ok(format!("ok\t2^{s}\t{err:.2e}\t{} gates", g.gates.len()));
                    }
                    Err(e @ Error::OutOfRange { .. }) => last = Some(e),
                    Err(e) => return Err(e),
                }
            }
            Err(last.expect("a scale was tried"))
        };
        match run() {
            Ok(line) => {
                ok += 1;
                println!("{name}\t{line}");
            }
            Err(e) => println!("{name}\tFAIL\t{e}"),
        }
    }
    println!("{ok}/{} models build", names.len());
}


/// tract's einsums of a batched MatMul (a summed axis of size 1) and of per-head attention scores
/// (a batch axis) are recorded as matrix products with every output; the compiler lays the two
/// score products out as Freivalds blocks, and the proof verifies.
#[test]
fn batched_and_per_head_matmuls_are_recorded_and_proved_as_products() {
    let path = testdata("matmul3d.onnx");
    let x = read_input_json(&testdata("matmul3d.input.json")).unwrap();
    check(&path, &x, 12);
    let g = Model::load(&path).unwrap().build(&x, 12).unwrap();
    let shapes: Vec<(usize, usize, usize, bool)> = g.products.iter().map(|p| (p.rows, p.inner, p.cols, p.right.is_empty())).collect();
    assert_eq!(shapes, vec![(24, 4, 8, true), (24, 4, 24, false), (24, 4, 24, false)]);
    assert!(g.products.iter().all(|p| p.outputs.iter().all(Option::is_some)));
    let s = crate::protocol::tests::setup_graph(g, 40);
    assert_eq!(s.circuit.matrices.len(), 2, "the score products are Freivalds blocks");
    use ark_std::rand::SeedableRng;
    let proof = crate::protocol::prove(&s.pk, &s.vk, &s.circuit, &s.witness, &mut rand_chacha::ChaCha20Rng::seed_from_u64(41)).unwrap();
    crate::protocol::verify(&s.vk, &s.witness.instances, &proof).unwrap();
}
