//! The README's main flow through the CLI against a real anvil: setup → prove → verify →
//! gen-verifier → deploy → submit, a tampered proof rejected by the contract (exit 1), and a
//! call trace showing the verifier calls the pairing precompile exactly once, with two pairs.

use std::path::Path;
use std::process::{Command, Output};
use zktorch::evm::LocalNode;
use zktorch::protocol::proof::PROOF_BYTES;

fn zktorch(args: &[&str], key: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zktorch")).env("ETH_PRIVATE_KEY", key).args(args).output().expect("run zktorch")
}

fn ok_json(o: Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("--json output")
}

/// Every call in a callTracer frame tree whose target is `to`.
fn calls_to<'a>(frame: &'a serde_json::Value, to: &str, out: &mut Vec<&'a serde_json::Value>) {
    if frame["to"].as_str().is_some_and(|t| t.eq_ignore_ascii_case(to)) {
        out.push(frame);
    }
    for c in frame["calls"].as_array().into_iter().flatten() {
        calls_to(c, to, out);
    }
}

#[test]
fn cli_flow_on_anvil_with_one_pairing_call() {
    let node = LocalNode::spawn().expect("anvil (run tools/install.sh)");
    let (rpc, key) = (node.endpoint(), node.dev_key());
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).display().to_string();
    let fixture = |n: &str| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(n).display().to_string();
    ok_json(zktorch(&["--json", "setup", "--model", &fixture("mlp_16_32_10.onnx"), "--input",
        &fixture("mlp_16_32_10.input.json"), "--out", &p("keys"), "--dev-srs"], &key));
    ok_json(zktorch(&["--json", "prove", "--keys", &p("keys"), "--model", &fixture("mlp_16_32_10.onnx"), "--input",
        &fixture("mlp_16_32_10.input.json"), "--out", &p("proof.json")], &key));
    let gen = ok_json(zktorch(&["--json", "gen-verifier", "--keys", &p("keys"), "--out", &p("verifier")], &key));
    assert!(gen["runtime_bytes"].as_u64().unwrap() < 24_576);
    let deployed = ok_json(zktorch(&["--json", "deploy", "--verifier", &p("verifier"), "--rpc-url", &rpc], &key));
    let address = deployed["address"].as_str().unwrap().to_string();
    let submitted = ok_json(zktorch(&["--json", "submit", "--keys", &p("keys"), "--proof", &p("proof.json"), "--address", &address,
        "--rpc-url", &rpc], &key));
    assert_eq!(submitted["accepted"], true);
    let gas = submitted["gas_used"].as_u64().unwrap();
    eprintln!("submitProof: {gas} gas; verifier runtime code {} bytes", gen["runtime_bytes"]);
    assert!(gas < 567_000, "verification gas {gas} is not below EZKL's 567k");

    // The trace of the accepted transaction: one call to 0x08 with 2 × 192 bytes of input.
    let tx = submitted["tx_hash"].as_str().unwrap();
    let cast = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/bin/cast");
    let o = Command::new(cast)
        .args(["rpc", "--rpc-url", &rpc, "debug_traceTransaction", tx, r#"{"tracer":"callTracer"}"#])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let trace: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut pairings = Vec::new();
    calls_to(&trace, "0x0000000000000000000000000000000000000008", &mut pairings);
    assert_eq!(pairings.len(), 1, "pairing calls: {pairings:?}");
    let input = pairings[0]["input"].as_str().unwrap();
    assert_eq!((input.len() - 2) / 2, 2 * 192, "the pairing call must have exactly two pairs");

    // A tampered proof: the contract rejects it in a mined transaction, exit code 1.
    let mut file: serde_json::Value = serde_json::from_slice(&std::fs::read(p("proof.json")).unwrap()).unwrap();
    let proof = file["proof"].as_str().unwrap().to_string();
    assert_eq!(proof.len(), 2 + 2 * PROOF_BYTES);
    // The last byte of the last evaluation at ζω: the proof ends with it and the two opening
    // proofs (4 words; docs/spec.md §4).
    let k = 2 + 2 * (PROOF_BYTES - 4 * 32) - 1;
    let flipped = if &proof[k..k + 1] == "0" { "1" } else { "0" };
    file["proof"] = serde_json::json!(format!("{}{}{}", &proof[..k], flipped, &proof[k + 1..]));
    std::fs::write(p("bad.json"), serde_json::to_vec(&file).unwrap()).unwrap();
    let o = zktorch(&["--json", "submit", "--keys", &p("keys"), "--proof", &p("bad.json"), "--address", &address, "--rpc-url", &rpc], &key);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["accepted"], false);
    assert!(r["tx_hash"].as_str().unwrap().starts_with("0x"));
}

/// A CNN and a transformer block (tests/fixtures: Conv/BatchNorm/MaxPool/AveragePool, and
/// LayerNorm/attention/softmax/GELU) verify on anvil through the CLI; a proof with a changed
/// public input is rejected by the contract.
#[test]
fn cnn_and_transformer_verify_on_anvil() {
    let node = LocalNode::spawn().expect("anvil (run tools/install.sh)");
    let (rpc, key) = (node.endpoint(), node.dev_key());
    let dir = tempfile::tempdir().unwrap();
    let fixture = |n: &str| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(n).display().to_string();
    for model in ["cnn_small", "attention_tiny"] {
        let p = |n: &str| dir.path().join(model).join(n).display().to_string();
        let (onnx, input) = (fixture(&format!("{model}.onnx")), fixture(&format!("{model}.input.json")));
        ok_json(zktorch(&["--json", "setup", "--model", &onnx, "--input", &input, "--out", &p("keys"), "--dev-srs"], &key));
        ok_json(zktorch(&["--json", "prove", "--keys", &p("keys"), "--model", &onnx, "--input", &input, "--out",
            &p("proof.json")], &key));
        let gen = ok_json(zktorch(&["--json", "gen-verifier", "--keys", &p("keys"), "--out", &p("verifier")], &key));
        assert!(gen["runtime_bytes"].as_u64().unwrap() < 24_576);
        let deployed = ok_json(zktorch(&["--json", "deploy", "--verifier", &p("verifier"), "--rpc-url", &rpc], &key));
        let address = deployed["address"].as_str().unwrap().to_string();
        let submitted = ok_json(zktorch(&["--json", "submit", "--keys", &p("keys"), "--proof", &p("proof.json"), "--address", &address,
            "--rpc-url", &rpc], &key));
        assert_eq!(submitted["accepted"], true, "{model}");
        eprintln!("{model}: submitProof {} gas; verifier runtime {} bytes", submitted["gas_used"], gen["runtime_bytes"]);

        let mut file: serde_json::Value = serde_json::from_slice(&std::fs::read(p("proof.json")).unwrap()).unwrap();
        // Instance and float changed together, so that submit sends it and the contract decides.
        let vk: serde_json::Value = serde_json::from_slice(&std::fs::read(p("keys/vk.json")).unwrap()).unwrap();
        file["instances"][0] = serde_json::json!(format!("0x{:064x}", 7));
        file["inputs"][0] = serde_json::json!(7.0 / f64::powi(2.0, vk["io_scale_bits"][0].as_i64().unwrap() as i32));
        std::fs::write(p("bad.json"), serde_json::to_vec(&file).unwrap()).unwrap();
        let o = zktorch(&["--json", "submit", "--keys", &p("keys"), "--proof", &p("bad.json"), "--address", &address, "--rpc-url", &rpc], &key);
        assert_eq!(o.status.code(), Some(1), "{model}: {}", String::from_utf8_lossy(&o.stderr));
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(r["tx_hash"].as_str().is_some_and(|t| t.starts_with("0x")), "{model}: not sent: {r}");
    }
}
