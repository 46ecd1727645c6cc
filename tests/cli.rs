//! The `zktorch` binary as a user runs it: the whole off-chain flow, exit codes, and one clear
//! error line (no panic, no partial output file) for every kind of bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn zktorch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zktorch")).args(args).output().expect("run zktorch")
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name).display().to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Exit code 2 with exactly one `error:` line that mentions `needle`, and no panic.
fn assert_clean_error(o: &Output, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 1, "stderr: {err}");
    assert!(lines[0].to_lowercase().contains(&needle.to_lowercase()), "{needle:?} not in {err}");
}

fn setup_keys(dir: &Path, model: &str) -> PathBuf {
    let keys = dir.join("keys");
    let o = zktorch(&[
        "setup", "--model", &fixture(&format!("{model}.onnx")), "--input",
        &fixture(&format!("{model}.input.json")), "--out", keys.to_str().unwrap(), "--dev-srs",
    ]);
    assert!(o.status.success(), "setup failed: {}", stderr(&o));
    keys
}

#[test]
fn setup_prove_verify_with_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let keys = setup_keys(dir.path(), "mlp_deep");
    let proof = dir.path().join("proof.json");
    let o = zktorch(&[
        "--json", "prove", "--keys", keys.to_str().unwrap(), "--model", &fixture("mlp_deep.onnx"),
        "--input", &fixture("mlp_deep.input.json"), "--out", proof.to_str().unwrap(), "--seed", "1",
    ]);
    assert!(o.status.success(), "prove failed: {}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["proof_bytes"], zktorch::protocol::proof::PROOF_BYTES);
    let max_out = report["float_outputs"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap().abs()).fold(0.0, f64::max);
    assert!(report["max_abs_error"].as_f64().unwrap() <= 0.01 * max_out);

    let o = zktorch(&["--json", "verify", "--keys", keys.to_str().unwrap(), "--proof", proof.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["valid"], true);
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(&proof).unwrap()).unwrap();
    assert_eq!((&v["inputs"], &v["outputs"]), (&file["inputs"], &file["outputs"]));

    // A changed public output: exit 1 with the reason.
    let mut file: serde_json::Value = serde_json::from_slice(&std::fs::read(&proof).unwrap()).unwrap();
    let last = file["instances"].as_array().unwrap().len() - 1;
    file["instances"][last] = serde_json::json!("0x01");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, serde_json::to_vec(&file).unwrap()).unwrap();
    let o = zktorch(&["verify", "--keys", keys.to_str().unwrap(), "--proof", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("INVALID"));

    // Keys of another model: prove refuses, verify rejects.
    let other = setup_keys(&dir.path().join("other"), "mlp_16_32_10");
    let o = zktorch(&[
        "prove", "--keys", other.to_str().unwrap(), "--model", &fixture("mlp_deep.onnx"), "--input",
        &fixture("mlp_deep.input.json"), "--out", dir.path().join("x.json").to_str().unwrap(),
    ]);
    assert_clean_error(&o, "not the model");
    let o = zktorch(&["verify", "--keys", other.to_str().unwrap(), "--proof", proof.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn bad_inputs_give_one_error_line_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n).display().to_string();
    let setup = |model: &str, out: &str| {
        zktorch(&["setup", "--model", model, "--out", out, "--dev-srs"])
    };
    assert_clean_error(&setup(&d("missing.onnx"), &d("k1")), "missing.onnx");
    assert_clean_error(&setup(&fixture("corrupt.onnx"), &d("k2")), "corrupt.onnx");
    assert_clean_error(&setup(&fixture("unsupported_op.onnx"), &d("k3")), "CumSum");
    assert_clean_error(&zktorch(&["setup", "--model", &fixture("mlp_deep.onnx"), "--out", &d("k4")]), "--dev-srs");
    for k in ["k1", "k2", "k3", "k4"] {
        assert!(!dir.path().join(k).exists(), "{k} was created");
    }
    let keys = setup_keys(dir.path(), "mlp_16_32_10");
    let prove = |input: &str, out: &str| {
        zktorch(&[
            "prove", "--keys", keys.to_str().unwrap(), "--model", &fixture("mlp_16_32_10.onnx"), "--input", input,
            "--out", out,
        ])
    };
    assert_clean_error(&prove(&fixture("mlp_16_32_10.bad_input.json"), &d("p1.json")), "15");
    std::fs::write(dir.path().join("garbage.json"), "{ not json").unwrap();
    assert_clean_error(&prove(&d("garbage.json"), &d("p2.json")), "garbage.json");
    assert!(!dir.path().join("p1.json").exists() && !dir.path().join("p2.json").exists());

    // Malformed proof files.
    for (name, content, needle) in [
        ("m1.json", "[1,2", "m1.json"),
        ("m2.json", r#"{"version":1}"#, "m2.json"),
    ] {
        std::fs::write(dir.path().join(name), content).unwrap();
        assert_clean_error(&zktorch(&["verify", "--keys", keys.to_str().unwrap(), "--proof", &d(name)]), needle);
    }
    // Unreachable RPC.
    let o = zktorch(&[
        "submit", "--keys", keys.to_str().unwrap(), "--proof", &d("m1.json"), "--address", "0x0000000000000000000000000000000000000001",
        "--rpc-url", "http://127.0.0.1:1", "--private-key",
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    ]);
    assert_clean_error(&o, "m1.json");
    let dir2 = tempfile::tempdir().unwrap();
    std::fs::write(dir2.path().join("Verifier.json"), r#"{"name":"x","abi":[],"bytecode":"0x00","deployed_bytecode":"0x00"}"#).unwrap();
    let o = zktorch(&[
        "deploy", "--verifier", dir2.path().to_str().unwrap(), "--rpc-url", "http://127.0.0.1:1", "--private-key",
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    ]);
    assert_clean_error(&o, "127.0.0.1:1");
    assert!(!stderr(&o).contains("ac0974bec39a17e3"), "private key leaked");
}

#[test]
fn seeded_proofs_are_identical_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let keys = setup_keys(dir.path(), "mlp_16_32_10");
    let prove_with_threads = |threads: &str| {
        let out = dir.path().join(format!("proof{threads}.json"));
        let o = Command::new(env!("CARGO_BIN_EXE_zktorch"))
            .env("RAYON_NUM_THREADS", threads)
            .args([
                "prove", "--keys", keys.to_str().unwrap(), "--model", &fixture("mlp_16_32_10.onnx"), "--input",
                &fixture("mlp_16_32_10.input.json"), "--out", out.to_str().unwrap(), "--seed", "42",
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read(out).unwrap()
    };
    let one = prove_with_threads("1");
    assert_eq!(one, prove_with_threads("2"));
    assert_eq!(one, prove_with_threads("4"));
}

const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/// Writes `proof` with `edit` applied to `name` in its folder.
fn edited(proof: &Path, name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut file: serde_json::Value = serde_json::from_slice(&std::fs::read(proof).unwrap()).unwrap();
    edit(&mut file);
    let path = proof.with_file_name(name);
    std::fs::write(&path, serde_json::to_vec(&file).unwrap()).unwrap();
    path.display().to_string()
}

#[test]
fn floats_that_disagree_with_the_instances_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let keys = setup_keys(dir.path(), "mlp_16_32_10");
    let k = keys.to_str().unwrap();
    let proof = dir.path().join("proof.json");
    let o = zktorch(&[
        "prove", "--keys", k, "--model", &fixture("mlp_16_32_10.onnx"), "--input", &fixture("mlp_16_32_10.input.json"),
        "--out", proof.to_str().unwrap(),
    ]);
    assert!(o.status.success() && !stderr(&o).contains("warning"), "{}", stderr(&o));
    let o = zktorch(&["verify", "--keys", k, "--proof", proof.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(text.contains("proven input [") && text.contains("proven output ["), "{text}");

    let bad = edited(&proof, "bad_float.json", |f| f["outputs"][3] = serde_json::json!(f["outputs"][3].as_f64().unwrap() + 1.0));
    let o = zktorch(&["verify", "--keys", k, "--proof", &bad]);
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(text.contains("INVALID") && text.contains("outputs[3]") && text.contains("disagrees"), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
    let o = zktorch(&["--json", "verify", "--keys", k, "--proof", &bad]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((v["valid"].as_bool(), v["outputs"].as_array().map(Vec::len)), (Some(false), Some(0)));
    assert!(v["reason"].as_str().unwrap().contains("outputs[3]"), "{v}");

    // An instance far outside any fixed-point value: rejected, no fallback to the file's floats.
    let huge = edited(&proof, "huge.json", |f| f["instances"][20] = serde_json::json!(format!("0x0000{}", "1".repeat(60))));
    let o = zktorch(&["verify", "--keys", k, "--proof", &huge]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("instance 20 is not a fixed-point value"));

    // submit refuses both before the network (this RPC URL is unreachable).
    for bad in [&bad, &huge] {
        let o = zktorch(&[
            "--json", "submit", "--keys", k, "--proof", bad, "--address", "0x0000000000000000000000000000000000000001",
            "--rpc-url", "http://127.0.0.1:1", "--private-key", DEV_KEY,
        ]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(r["accepted"], false);
        assert!(r["reason"].as_str().is_some() && r.get("tx_hash").is_none(), "{r}");
        assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    }
}

#[test]
fn settings_hold_no_hash_of_the_weights_and_seeded_proofs_warn() {
    let dir = tempfile::tempdir().unwrap();
    let keys = setup_keys(dir.path(), "mlp_16_32_10");
    let settings: serde_json::Value = serde_json::from_slice(&std::fs::read(keys.join("settings.json")).unwrap()).unwrap();
    let settings = settings.as_object().unwrap();
    assert!(settings.keys().all(|k| !k.contains("fingerprint")), "{settings:?}");
    // The only 32-byte word in it is the VK digest (a hiding commitment's hash).
    let words: Vec<&serde_json::Value> = settings.values().filter(|v| v.as_str().is_some_and(|s| s.len() == 66)).collect();
    assert_eq!(words, [&settings["vk_digest"]]);

    let o = zktorch(&[
        "prove", "--keys", keys.to_str().unwrap(), "--model", &fixture("mlp_16_32_10.onnx"), "--input",
        &fixture("mlp_16_32_10.input.json"), "--out", dir.path().join("p.json").to_str().unwrap(), "--seed", "7",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning: --seed") && stderr(&o).contains("NOT zero-knowledge"), "{}", stderr(&o));
}

/// `count` samples of `len` values uniform in `[−amplitude, amplitude]` (a fixed LCG, 4 decimals).
fn samples(seed: u64, count: usize, len: usize, amplitude: f64) -> Vec<Vec<f64>> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let unit = (state >> 11) as f64 / (1u64 << 53) as f64;
        ((2.0 * unit - 1.0) * amplitude * 1e4).round() / 1e4
    };
    (0..count).map(|_| (0..len).map(|_| next()).collect()).collect()
}

/// Writes `{"input_data": entries}` to `dir/name` and returns its path.
fn write_input(dir: &Path, name: &str, entries: &[Vec<f64>]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(&serde_json::json!({ "input_data": entries })).unwrap()).unwrap();
    path.display().to_string()
}

/// `setup --json` of a fixture with extra arguments; the report.
fn setup_json(model: &str, out: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--json", "setup", "--model", model, "--out", out.to_str().unwrap(), "--dev-srs"];
    args.extend(extra);
    let o = zktorch(&args);
    assert!(o.status.success(), "setup failed: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn calibration_data_covers_later_inputs_that_one_example_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let model = fixture("attention_tiny.onnx");
    // Six samples of the production distribution (U(−3, 3); the fixture's input is U(−1, 1)),
    // as EZKL's batch: the one input's samples concatenated.
    let data = write_input(dir.path(), "calibration.json", &[samples(1, 6, 32, 3.0).concat()]);
    let later = write_input(dir.path(), "later.json", &samples(2, 1, 32, 3.0));
    let one = dir.path().join("one");
    setup_json(&model, &one, &["--input", &fixture("attention_tiny.input.json")]);
    let many = dir.path().join("many");
    let report = setup_json(&model, &many, &["--calibration-data", &data]);
    assert_eq!(report["calibration_samples"], 6);
    assert_eq!(report["output_errors"].as_array().unwrap().len(), 32);
    let t = &report["table_rows"];
    let rows = t["range"].as_u64().unwrap() + t["sign"].as_u64().unwrap() + t["function"].as_u64().unwrap();
    assert!(t["function"].as_u64().unwrap() > 0 && rows == report["table_entries"].as_u64().unwrap(), "{report}");
    let budget = report["gate_rows"].as_u64().unwrap().max(report["wiring_entries"].as_u64().unwrap() + rows);
    assert_eq!(report["domain_size"].as_u64().unwrap(), budget.next_power_of_two(), "{report}");

    let prove = |keys: &Path, out: &str| {
        let out = dir.path().join(out);
        let o = zktorch(&[
            "prove", "--keys", keys.to_str().unwrap(), "--model", &model, "--input", &later, "--out", out.to_str().unwrap(),
        ]);
        (o, out)
    };
    let (o, out) = prove(&one, "one.json");
    assert_clean_error(&o, "outside the provable range");
    assert!(stderr(&o).contains("--calibration-data") && stderr(&o).contains(" table)"), "{}", stderr(&o));
    assert!(!out.exists());
    let (o, out) = prove(&many, "many.json");
    assert!(o.status.success(), "prove failed: {}", stderr(&o));
    let o = zktorch(&["verify", "--keys", many.to_str().unwrap(), "--proof", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn both_sample_layouts_and_an_extra_input_calibrate_alike() {
    let dir = tempfile::tempdir().unwrap();
    let model = fixture("mlp_16_32_10.onnx");
    let draws = samples(3, 4, 16, 3.0);
    let concatenated = write_input(dir.path(), "concatenated.json", &[draws.concat()]);
    let sample_major = write_input(dir.path(), "sample_major.json", &draws);
    let with_input = write_input(dir.path(), "first_three.json", &[draws[..3].concat()]);
    let last = write_input(dir.path(), "last.json", &draws[3..]);
    let declared = |name: &str, extra: &[&str]| {
        let report = setup_json(&model, &dir.path().join(name), extra);
        let settings: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join(name).join("settings.json")).unwrap()).unwrap();
        (report["calibration_samples"].clone(), report["output_errors"].clone(), settings["scale_bits"].clone(), settings["sign_bits"].clone())
    };
    let a = declared("a", &["--calibration-data", &concatenated]);
    assert_eq!(a.0, 4);
    assert_eq!(declared("b", &["--calibration-data", &sample_major]), a);
    assert_eq!(declared("c", &["--calibration-data", &with_input, "--input", &last]), a);
    let single = declared("d", &["--input", &fixture("mlp_16_32_10.input.json")]);
    assert!(single.3.as_u64() < a.3.as_u64(), "larger inputs need more sign bits: {single:?} {a:?}");
}

#[test]
fn bad_calibration_data_gives_one_error_line_and_no_keys() {
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n).display().to_string();
    let good = samples(4, 2, 16, 1.0);
    let cases: [(&str, String, &str); 6] = [
        ("short.json", format!(r#"{{"input_data": [{:?}]}}"#, [good.concat(), vec![0.5]].concat()), "lengths [33]"),
        ("ragged.json", format!(r#"{{"input_data": [{:?}, [1, 2]]}}"#, good[0]), "m·1 entries"),
        ("empty.json", r#"{"input_data": []}"#.into(), "empty"),
        ("no_sample.json", r#"{"input_data": [[]]}"#.into(), "lengths [0]"),
        ("text.json", r#"{"input_data": [["a"]]}"#.into(), "not a number"),
        ("garbage.json", "{ not json".into(), "garbage.json"),
    ];
    for (i, (name, content, needle)) in cases.iter().enumerate() {
        std::fs::write(dir.path().join(name), content).unwrap();
        let keys = d(&format!("keys{i}"));
        let o = zktorch(&["setup", "--model", &fixture("mlp_16_32_10.onnx"), "--calibration-data", &d(name), "--out", &keys, "--dev-srs"]);
        assert_clean_error(&o, needle);
        assert!(!Path::new(&keys).exists(), "{name}: keys written");
    }
    let o = zktorch(&["setup", "--model", &fixture("mlp_16_32_10.onnx"), "--calibration-data", &d("missing.json"), "--out", &d("k"), "--dev-srs"]);
    assert_clean_error(&o, "missing.json");
}

/// `inspect` lays the model out as `setup` does, without keys: the same scale, domain and rows,
/// and estimates from per-row costs.
#[test]
fn inspect_reports_the_layout_setup_makes_without_writing_keys() {
    let dir = tempfile::tempdir().unwrap();
    let (model, input) = (fixture("attention_tiny.onnx"), fixture("attention_tiny.input.json"));
    let o = zktorch(&["--json", "inspect", "--model", &model, "--input", &input]);
    assert!(o.status.success(), "{}", stderr(&o));
    let inspected: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let keys = dir.path().join("keys");
    let o = zktorch(&["--json", "setup", "--model", &model, "--input", &input, "--out", keys.to_str().unwrap(), "--dev-srs"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let set_up: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for k in ["scale_bits", "domain_size", "gate_rows", "wiring_entries", "table_entries"] {
        assert_eq!(inspected[k], set_up[k], "{k}");
    }
    let rows = &inspected["rows"];
    assert!(rows["public"].as_u64().unwrap() > 0 && rows["rescale"].as_u64().unwrap() > 0, "{rows}");
    assert!(inspected["estimated_prove_s"].as_f64().unwrap() > 0.0 && inspected["estimated_prove_memory_bytes"].as_u64().unwrap() > 0);
    let o = zktorch(&["inspect", "--model", &fixture("corrupt.onnx")]);
    assert_clean_error(&o, "corrupt.onnx");
}

/// `setup --interleave K` caps the fixed columns per commitment (fewer prove faster, more cost
/// less gas): the key says so, its proof verifies, and a K that is not a power of two in 2…32
/// is one error line with no keys written. A closed stdout is an exit code, not a panic.
#[test]
fn interleave_caps_the_fixed_columns_per_commitment() {
    let dir = tempfile::tempdir().unwrap();
    let (model, input) = (fixture("mlp_16_32_10.onnx"), fixture("mlp_16_32_10.input.json"));
    let groups = |k: &str| {
        let keys = dir.path().join(format!("keys{k}"));
        let o = zktorch(&["setup", "--model", &model, "--input", &input, "--out", keys.to_str().unwrap(), "--dev-srs", "--interleave", k]);
        assert!(o.status.success(), "{}", stderr(&o));
        let vk: serde_json::Value = serde_json::from_slice(&std::fs::read(keys.join("vk.json")).unwrap()).unwrap();
        assert_eq!(vk["fixed_interleave"].as_u64().unwrap().to_string(), k);
        let proof = dir.path().join(format!("proof{k}.json"));
        let o = zktorch(&["prove", "--keys", keys.to_str().unwrap(), "--model", &model, "--input", &input, "--out", proof.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        let o = zktorch(&["verify", "--keys", keys.to_str().unwrap(), "--proof", proof.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        vk["fixed_groups"].as_array().unwrap().len()
    };
    let (two, eight) = (groups("2"), groups("8"));
    assert!(two > eight && eight >= 1, "k = 2: {two} commitments, k = 8: {eight}");
    let bad = dir.path().join("bad");
    let o = zktorch(&["setup", "--model", &model, "--input", &input, "--out", bad.to_str().unwrap(), "--dev-srs", "--interleave", "3"]);
    assert_clean_error(&o, "--interleave 3");
    assert!(!bad.join("vk.json").exists());
    // stdout closed before zktorch writes its report: exit 2, no panic.
    let mut child = Command::new(env!("CARGO_BIN_EXE_zktorch"))
        .args(["verify", "--keys", dir.path().join("keys2").to_str().unwrap(), "--proof", dir.path().join("proof2.json").to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}
