//! `deploy` and `submit` against a node that is not anvil's default chain (id 4242): `--chain-id`
//! is checked against the node before anything is signed, `submit --dry-run` calls the verifier
//! without a transaction or a key, and an unfunded key, a wrong chain and a non-contract address
//! are each one clear error line (exit 2) with nothing sent; a rejected proof is mined and
//! reported (exit 1); a transaction the node does not mine is given up after
//! `--receipt-timeout` with its hash (exit 2).

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// A valid key whose account anvil never funded.
const EMPTY_KEY: &str = "0x0000000000000000000000000000000000000000000000000000000000000001";
const CHAIN_ID: &str = "4242";

fn zktorch(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zktorch"))
        .arg("--json")
        .args(args)
        .current_dir(dir)
        .env_remove("ETH_PRIVATE_KEY")
        .output()
        .expect("run zktorch")
}

fn report(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("no JSON report; stderr: {}", String::from_utf8_lossy(&o.stderr)))
}

/// Exit 2, one `error:` line naming `needle`, no panic.
fn assert_error(o: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert!(lines.len() == 1 && lines[0].contains(needle), "{needle:?} not in {err}");
}

#[test]
fn chain_checks_dry_run_and_clear_errors_on_a_non_default_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let fixture = |f: &str| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(f).display().to_string();
    let (model, input) = (fixture("mlp_16_32_10.onnx"), fixture("mlp_16_32_10.input.json"));
    for args in [
        vec!["setup", "--model", &model, "--input", &input, "--out", "keys", "--dev-srs"],
        vec!["prove", "--keys", "keys", "--model", &model, "--input", &input, "--out", "proof.json"],
        vec!["gen-verifier", "--keys", "keys", "--out", "verifier"],
    ] {
        assert!(zktorch(dir, &args).status.success(), "{args:?}");
    }
    let node = zktorch::evm::LocalNode::spawn_with_args(&["--chain-id", CHAIN_ID]).unwrap();
    let rpc = node.endpoint();

    assert_error(&zktorch(dir, &["deploy", "--verifier", "verifier", "--rpc-url", &rpc, "--private-key", DEV_KEY, "--chain-id", "1"]), "on chain 4242, not the chain 1");
    assert_error(&zktorch(dir, &["deploy", "--verifier", "verifier", "--rpc-url", &rpc, "--private-key", EMPTY_KEY]), "has no funds");
    assert_error(&zktorch(dir, &["deploy", "--verifier", "verifier", "--rpc-url", &rpc]), "--private-key");
    let deployed = zktorch(dir, &["deploy", "--verifier", "verifier", "--rpc-url", &rpc, "--private-key", DEV_KEY, "--chain-id", CHAIN_ID]);
    assert!(deployed.status.success(), "{}", String::from_utf8_lossy(&deployed.stderr));
    let address = report(&deployed)["address"].as_str().unwrap().to_string();
    let submit = |extra: &[&str]| {
        let mut args = vec!["submit", "--keys", "keys", "--proof", "proof.json", "--address", &address, "--rpc-url", &rpc];
        args.extend_from_slice(extra);
        zktorch(dir, &args)
    };

    // A dry run needs no key and sends nothing (the deployment is block 1, the rejected proof
    // below block 2, the accepted one block 3).
    let dry = submit(&["--dry-run", "--chain-id", CHAIN_ID]);
    assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
    let r = report(&dry);
    assert_eq!((r["accepted"].as_bool(), r["dry_run"].as_bool(), r["chain_id"].as_u64()), (Some(true), Some(true), Some(4242)), "{r}");
    assert!(r.get("tx_hash").is_none(), "{r}");
    assert_error(&submit(&["--dry-run", "--chain-id", "31337"]), "not the chain 31337");
    assert_error(&submit(&["--private-key", EMPTY_KEY]), "has no funds");
    let nobody = zktorch(dir, &["submit", "--keys", "keys", "--proof", "proof.json", "--address", "0x00000000000000000000000000000000000000aa", "--rpc-url", &rpc, "--private-key", DEV_KEY]);
    assert_error(&nobody, "no contract");

    // A proof the verifier rejects (one byte of an evaluation changed) is mined, reverts, and is
    // reported as rejected (exit 1).
    let mut file: Value = serde_json::from_slice(&std::fs::read(dir.join("proof.json")).unwrap()).unwrap();
    let hex = file["proof"].as_str().unwrap().to_string();
    let at = hex.len() - 10;
    let flipped = if &hex[at..at + 1] == "0" { "1" } else { "0" };
    file["proof"] = Value::String(format!("{}{flipped}{}", &hex[..at], &hex[at + 1..]));
    std::fs::write(dir.join("bad.json"), serde_json::to_vec(&file).unwrap()).unwrap();
    let bad = zktorch(dir, &["submit", "--keys", "keys", "--proof", "bad.json", "--address", &address, "--rpc-url", &rpc, "--private-key", DEV_KEY]);
    assert_eq!(bad.status.code(), Some(1), "{}", String::from_utf8_lossy(&bad.stderr));
    let r = report(&bad);
    assert!(r["accepted"] == Value::Bool(false) && r["tx_hash"].is_string(), "{r}");

    let sent = submit(&["--private-key", DEV_KEY, "--chain-id", CHAIN_ID]);
    assert!(sent.status.success(), "{}", String::from_utf8_lossy(&sent.stderr));
    let r = report(&sent);
    assert_eq!((r["accepted"].as_bool(), r["block"].as_u64()), (Some(true), Some(3)), "{r}");

    // A node that stops mining: the receipt wait gives up after --receipt-timeout with the
    // transaction's hash, one error line, exit 2.
    set_automine(&rpc, false);
    let stuck = submit(&["--private-key", DEV_KEY, "--receipt-timeout", "2"]);
    assert_error(&stuck, "was not mined within 2 s");
    assert!(String::from_utf8_lossy(&stuck.stderr).contains("0x"), "the message names the transaction");
    assert_error(&submit(&["--private-key", DEV_KEY, "--receipt-timeout", "0"]), "receipt-timeout");
}

/// anvil's `evm_setAutomine`.
fn set_automine(rpc: &str, on: bool) {
    use alloy::providers::{Provider, ProviderBuilder};
    let provider = ProviderBuilder::new().connect_http(rpc.parse().unwrap());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(provider.raw_request::<_, serde_json::Value>("evm_setAutomine".into(), (on,))).unwrap();
}

/// One universal verifier for two models from the CLI: `gen-verifier --universal`, `deploy`,
/// `register` (a second registration refused), `submit` finding the kind of verifier by itself
/// (a model not registered yet refused with what to do), and a per-model verifier refusing
/// another model's keys before anything is sent.
#[test]
fn universal_verifier_registers_models_and_takes_their_proofs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let fixture = |f: &str| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(f).display().to_string();
    for model in ["mlp_16_32_10", "cnn_small"] {
        let (onnx, input) = (fixture(&format!("{model}.onnx")), fixture(&format!("{model}.input.json")));
        let (keys, proof) = (format!("{model}-keys"), format!("{model}-proof.json"));
        for args in [
            vec!["setup", "--model", &onnx, "--input", &input, "--out", &keys, "--dev-srs"],
            vec!["prove", "--keys", &keys, "--model", &onnx, "--input", &input, "--out", &proof],
        ] {
            let o = zktorch(dir, &args);
            assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        }
    }
    assert_error(&zktorch(dir, &["gen-verifier", "--out", "universal"]), "required arguments");
    assert!(zktorch(dir, &["gen-verifier", "--universal", "--out", "universal"]).status.success());
    assert!(zktorch(dir, &["gen-verifier", "--keys", "mlp_16_32_10-keys", "--out", "own"]).status.success());
    let node = zktorch::evm::LocalNode::spawn().unwrap();
    let rpc = node.endpoint();
    let deploy = |verifier: &str| {
        let o = zktorch(dir, &["deploy", "--verifier", verifier, "--rpc-url", &rpc, "--private-key", DEV_KEY]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        report(&o)["address"].as_str().unwrap().to_string()
    };
    let (universal, own) = (deploy("universal"), deploy("own"));
    let chain = |args: &[&str], address: &str| {
        let mut all = args.to_vec();
        all.extend(["--address", address, "--rpc-url", &rpc, "--private-key", DEV_KEY]);
        zktorch(dir, &all)
    };
    let register = |model: &str| chain(&["register", "--keys", &format!("{model}-keys")], &universal);
    let submit = |model: &str, address: &str, extra: &[&str]| {
        let (keys, proof) = (format!("{model}-keys"), format!("{model}-proof.json"));
        let mut args = vec!["submit", "--keys", keys.as_str(), "--proof", proof.as_str()];
        args.extend_from_slice(extra);
        chain(&args, address)
    };

    let r = register("mlp_16_32_10");
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let r = report(&r);
    assert!(r["gas_used"].as_u64().unwrap() <= 150_000, "{r}");
    assert!(r["model_id"].as_str().unwrap().starts_with("0x"), "{r}");
    assert_error(&register("mlp_16_32_10"), "already registered");
    assert_error(&submit("cnn_small", &universal, &[]), "not registered");
    assert!(register("cnn_small").status.success());
    for model in ["mlp_16_32_10", "cnn_small"] {
        let dry = submit(model, &universal, &["--dry-run"]);
        assert!(dry.status.success() && report(&dry)["accepted"] == Value::Bool(true), "{model}: {}", String::from_utf8_lossy(&dry.stderr));
        let sent = submit(model, &universal, &[]);
        assert!(sent.status.success(), "{model}: {}", String::from_utf8_lossy(&sent.stderr));
        assert_eq!(report(&sent)["accepted"], Value::Bool(true));
    }
    assert_error(&submit("cnn_small", &own, &[]), "is for model");
    assert_error(&chain(&["register", "--keys", "cnn_small-keys"], &own), "one model's verifier");
    let sent = submit("mlp_16_32_10", &own, &[]);
    assert!(sent.status.success() && report(&sent)["accepted"] == Value::Bool(true));
}
