use std::path::{Path, PathBuf};

use super::*;
use crate::Error;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/onnx/testdata")
        .join(name)
}

fn corpus(name: &str) -> PathBuf {
    Path::new("/work/shared/corpus/ezkl-examples").join(name)
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "length mismatch");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// Loads the model, checks forward_f64 against tract's float run, checks the quantized pass
/// (dequantized) is within 1% of max |output|, and returns the Mlp.
fn check_model(model: &Path, input: &Path) -> Mlp {
    let mlp = load_mlp(model).unwrap_or_else(|e| panic!("{}: {e}", model.display()));
    let x = read_input_json(input).unwrap();
    assert_eq!(x.len(), mlp.input_len);
    assert_eq!(mlp.input_shape.iter().product::<usize>(), mlp.input_len);
    let reference = run_float(model, &x).unwrap();
    let ours = mlp.forward_f64(&x);
    assert_eq!(ours.len(), mlp.output_len);
    let d = max_abs_diff(&ours, &reference);
    assert!(
        d < 1e-4,
        "{}: forward_f64 differs from tract by {d}",
        model.display()
    );

    let s = choose_scale_bits(&mlp, &x, 4, 16).unwrap();
    let q = quantize(&mlp, s);
    let acts = forward_quantized(&q, &quantize_input(&x, s));
    assert_eq!(acts.len(), mlp.layers.len());
    let deq: Vec<f64> = acts
        .last()
        .unwrap()
        .iter()
        .map(|&v| v as f64 / 2f64.powi(s as i32))
        .collect();
    let scale = reference
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(1e-9);
    let d = max_abs_diff(&deq, &reference);
    assert!(
        d <= 0.01 * scale,
        "{}: quantized (s={s}) off by {d}, max |y| {scale}",
        model.display()
    );
    mlp
}

#[test]
fn gemm_relu_gemm_fixture_lowers_to_two_layers() {
    let mlp = check_model(
        &fixture("mlp_16_32_10.onnx"),
        &fixture("mlp_16_32_10.input.json"),
    );
    assert_eq!((mlp.input_len, mlp.output_len), (16, 10));
    assert_eq!(mlp.input_shape, vec![1, 16]);
    let dims: Vec<_> = mlp
        .layers
        .iter()
        .map(|l| (l.out_len(), l.in_len(), l.relu))
        .collect();
    assert_eq!(dims, vec![(32, 16, true), (10, 32, false)]);
    assert!(
        mlp.layers.iter().all(|l| l.bias.iter().any(|b| *b != 0.0)),
        "bias folded in"
    );
}

#[test]
fn matmul_add_relu_chain_fixture_lowers() {
    let mlp = check_model(&fixture("mlp_deep.onnx"), &fixture("mlp_deep.input.json"));
    let dims: Vec<_> = mlp
        .layers
        .iter()
        .map(|l| (l.out_len(), l.in_len(), l.relu))
        .collect();
    assert_eq!(
        dims,
        vec![
            (24, 8, true),
            (12, 24, true),
            (12, 12, true),
            (4, 12, false)
        ]
    );
}

#[test]
fn flatten_fixture_lowers() {
    let mlp = check_model(
        &fixture("mlp_flatten.onnx"),
        &fixture("mlp_flatten.input.json"),
    );
    assert_eq!(mlp.input_shape, vec![1, 2, 4]);
    assert_eq!((mlp.input_len, mlp.output_len, mlp.layers.len()), (8, 3, 2));
}

#[test]
fn sin_is_unsupported_op() {
    match load_mlp(&fixture("unsupported_op.onnx")) {
        Err(Error::UnsupportedOp { node, op }) => {
            assert_eq!(op, "Sin");
            assert!(node.contains("sin1"), "node {node}");
        }
        other => panic!("expected UnsupportedOp, got {other:?}"),
    }
}

#[test]
fn corrupt_file_is_onnx_error() {
    assert!(matches!(
        load_mlp(&fixture("corrupt.onnx")),
        Err(Error::Onnx { .. })
    ));
    assert!(matches!(
        run_float(&fixture("corrupt.onnx"), &[0.0]),
        Err(Error::Onnx { .. })
    ));
}

#[test]
fn missing_file_is_read_error() {
    assert!(matches!(
        load_mlp(&fixture("nope.onnx")),
        Err(Error::Read { .. })
    ));
}

#[test]
fn run_float_checks_input_length() {
    let x = read_input_json(&fixture("mlp_16_32_10.bad_input.json")).unwrap();
    assert!(matches!(
        run_float(&fixture("mlp_16_32_10.onnx"), &x),
        Err(Error::InputLength {
            expected: 16,
            got: 15
        })
    ));
    let mlp = load_mlp(&fixture("mlp_16_32_10.onnx")).unwrap();
    assert!(matches!(
        mlp.check_input(&x),
        Err(Error::InputLength {
            expected: 16,
            got: 15
        })
    ));
}

/// Operand orders and transposes tract turns into different EinSum axes: checked against the
/// ONNX reference evaluator's output stored in the input file.
#[test]
fn einsum_variants_match_reference_outputs() {
    for name in ["bias_left", "wx", "transa", "vec", "f64", "gemm_alpha"] {
        let model = testdata(&format!("{name}.onnx"));
        let input = testdata(&format!("{name}.input.json"));
        let mlp = check_model(&model, &input);
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&input).unwrap()).unwrap();
        let expected: Vec<f64> = v["output_data"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        let x = read_input_json(&input).unwrap();
        let d = max_abs_diff(&mlp.forward_f64(&x), &expected);
        assert!(d < 1e-4, "{name}: differs from the ONNX reference by {d}");
    }
}

#[test]
fn transposed_gemm_weights_are_read_correctly() {
    // wx: Gemm(W, x, transB=1) with W 4×6, so the layer is exactly W (4 outputs, 6 inputs).
    let mlp = load_mlp(&testdata("wx.onnx")).unwrap();
    assert_eq!(mlp.layers.len(), 1);
    assert_eq!((mlp.layers[0].out_len(), mlp.layers[0].in_len()), (4, 6));
    assert!(mlp.layers[0].relu);
    assert_eq!(mlp.layers[0].bias, vec![2.0, -2.0, 1.5, 0.5]);
}

#[test]
fn unsupported_structures_are_rejected() {
    for name in [
        "batch",
        "twoin",
        "addfirst",
        "resid",
        "relufirst",
        "nolayer",
    ] {
        match load_mlp(&testdata(&format!("{name}.onnx"))) {
            Err(Error::UnsupportedModel(msg)) => assert!(!msg.is_empty()),
            other => panic!("{name}: expected UnsupportedModel, got {other:?}"),
        }
    }
}

#[test]
fn read_input_json_formats_and_errors() {
    let dir = std::env::temp_dir().join(format!("zktorch-onnx-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let nested = write(
        "nested.json",
        r#"{"input_data": [[[1, 2], [3.5, -4]], [9]], "input_shapes": [[2, 2]]}"#,
    );
    assert_eq!(read_input_json(&nested).unwrap(), vec![1.0, 2.0, 3.5, -4.0]);
    let flat = write("flat.json", r#"{"input_data": [0.5, 1e-3]}"#);
    assert_eq!(read_input_json(&flat).unwrap(), vec![0.5, 0.001]);
    for (name, text) in [
        ("broken.json", r#"{"input_data": [[1, 2"#),
        ("nokey.json", r#"{"inputs": [[1, 2]]}"#),
        ("empty.json", r#"{"input_data": []}"#),
        ("emptyrow.json", r#"{"input_data": [[]]}"#),
        ("string.json", r#"{"input_data": [[1, "2"]]}"#),
        ("notarray.json", r#"{"input_data": 3}"#),
    ] {
        let p = write(name, text);
        match read_input_json(&p) {
            Err(Error::Json { path, .. }) => assert_eq!(path, p),
            other => panic!("{name}: expected Json error, got {other:?}"),
        }
    }
    assert!(matches!(
        read_input_json(&dir.join("missing.json")),
        Err(Error::Read { .. })
    ));
    std::fs::remove_dir_all(&dir).ok();
}

fn tiny_mlp(w: Vec<Vec<f64>>, b: Vec<f64>, relu: bool) -> Mlp {
    let n = w[0].len();
    let m = w.len();
    Mlp {
        input_len: n,
        input_shape: vec![1, n],
        output_len: m,
        layers: vec![DenseLayer {
            name: "fc".into(),
            weights: w,
            bias: b,
            relu,
        }],
    }
}

#[test]
fn quantized_forward_rounds_half_up_and_applies_relu() {
    // s = 2: w = 0.25 → 1, x = 1.25 → 5, b = 0.0625 → 0.0625·16 = 1.
    let mlp = tiny_mlp(vec![vec![0.25], vec![-0.25]], vec![0.0625, 0.0], true);
    let q = quantize(&mlp, 2);
    assert_eq!(q.layers[0].weights, vec![vec![1], vec![-1]]);
    assert_eq!(q.layers[0].bias, vec![1, 0]);
    let x = quantize_input(&[1.25], 2);
    assert_eq!(x, vec![5]);
    // acc = 5 + 1 = 6 → floor((6 + 2) / 4) = 2; acc = -5 → floor(-3/4) = -1 → relu 0.
    assert_eq!(forward_quantized(&q, &x), vec![vec![2, 0]]);
    let mut q2 = q.clone();
    q2.layers[0].relu = false;
    assert_eq!(forward_quantized(&q2, &x), vec![vec![2, -1]]);
    // exact halves round up: acc = -6 → floor(-4/4) = -1; acc = 6 → 2.
    assert_eq!(quantize::rescale(-6, 2), -1);
    assert_eq!(quantize::rescale(-7, 2), -2);
    assert_eq!(quantize::rescale(6, 2), 2);
    assert_eq!(quantize::rescale(5, 2), 1);
    assert_eq!(quantize::rescale(7, 0), 7);
}

#[test]
fn choose_scale_bits_picks_largest_fitting_scale() {
    // activations: input 1.0, output 3.0 → need 2·3 < 2^(s-1) → s ≥ 4.
    let mlp = tiny_mlp(vec![vec![3.0]], vec![0.0], false);
    assert_eq!(choose_scale_bits(&mlp, &[1.0], 2, 10).unwrap(), 10);
    assert_eq!(choose_scale_bits(&mlp, &[1.0], 4, 4).unwrap(), 4);
    match choose_scale_bits(&mlp, &[1.0], 2, 3) {
        Err(Error::OutOfRange { node, value, .. }) => {
            assert_eq!((node.as_str(), value), ("fc", 3.0))
        }
        other => panic!("expected OutOfRange, got {other:?}"),
    }
    assert!(matches!(
        choose_scale_bits(&mlp, &[f64::NAN], 2, 20),
        Err(Error::OutOfRange { .. })
    ));
    assert!(matches!(
        choose_scale_bits(&mlp, &[1.0, 2.0], 2, 20),
        Err(Error::InputLength { .. })
    ));
}

/// The pure dense(+ReLU) models of the EZKL corpus, when the corpus is present.
#[test]
fn corpus_mlps_load_and_match_tract() {
    let names = [
        "1l_mlp",
        "2l_relu_fc",
        "1l_linear",
        "sklearn_mlp",
        "accuracy",
        "linear_regression",
        "quantize_dequantize",
    ];
    if !corpus("1l_mlp").exists() {
        eprintln!("corpus not present; skipping");
        return;
    }
    for name in names {
        check_model(
            &corpus(name).join("network.onnx"),
            &corpus(name).join("input.json"),
        );
    }
}

/// Every corpus model either lowers or fails with a typed error, never a panic.
#[test]
fn whole_corpus_never_panics() {
    let Ok(dir) = std::fs::read_dir(corpus("")) else {
        return;
    };
    for entry in dir.flatten() {
        let model = entry.path().join("network.onnx");
        if model.exists() {
            let _ = load_mlp(&model);
        }
    }
}

#[test]
fn truncated_and_empty_files_are_typed_errors() {
    let dir = std::env::temp_dir().join(format!("zktorch-onnx-trunc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bytes = std::fs::read(fixture("mlp_16_32_10.onnx")).unwrap();
    for cut in [0, 1, 7, bytes.len() / 3, bytes.len() / 2, bytes.len() - 1] {
        let p = dir.join(format!("cut{cut}.onnx"));
        std::fs::write(&p, &bytes[..cut]).unwrap();
        match load_mlp(&p) {
            Err(Error::Onnx { .. } | Error::UnsupportedModel(_)) => {}
            other => panic!("cut at {cut}: expected Onnx/UnsupportedModel, got {other:?}"),
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}
