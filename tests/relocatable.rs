//! An installed binary works away from the checkout it was built in: copied into a temporary
//! folder and run from there, with solc and anvil found on `PATH` (not through the checkout), it
//! sets up, proves, renders and compiles the verifier (template and `Transcript.sol` embedded),
//! deploys it to anvil and has the proof accepted on-chain.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

fn checkout(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// `bin` run in `dir` with `PATH` = `tools` then the system's folders, and no tool variables.
fn run(bin: &Path, dir: &Path, tools: &Path, args: &[&str]) -> Value {
    let out: Output = Command::new(bin)
        .arg("--json")
        .args(args)
        .current_dir(dir)
        .env("PATH", format!("{}:/usr/local/bin:/usr/bin:/bin", tools.display()))
        .env_remove("ZKTORCH_SOLC")
        .env_remove("ZKTORCH_ANVIL")
        .output()
        .expect("run the moved zktorch");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("one JSON report")
}

#[test]
fn a_moved_binary_sets_up_proves_and_verifies_on_chain() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let bin = dir.join("zktorch");
    std::fs::copy(env!("CARGO_BIN_EXE_zktorch"), &bin).unwrap();
    // The external tools, as a user would have them on PATH: links to the checkout's installs.
    let tools = dir.join("tools");
    std::fs::create_dir(&tools).unwrap();
    for tool in ["solc", "anvil"] {
        std::os::unix::fs::symlink(checkout("tools/bin").join(tool), tools.join(tool)).unwrap();
    }
    for f in ["mlp_16_32_10.onnx", "mlp_16_32_10.input.json"] {
        std::fs::copy(checkout("tests/fixtures").join(f), dir.join(f)).unwrap();
    }
    let node = zktorch::evm::LocalNode::spawn().unwrap();
    let rpc = node.endpoint();
    run(&bin, dir, &tools, &["setup", "--model", "mlp_16_32_10.onnx", "--input", "mlp_16_32_10.input.json", "--out", "keys", "--dev-srs"]);
    run(&bin, dir, &tools, &["prove", "--keys", "keys", "--model", "mlp_16_32_10.onnx", "--input", "mlp_16_32_10.input.json", "--out", "proof.json"]);
    run(&bin, dir, &tools, &["gen-verifier", "--keys", "keys", "--out", "verifier"]);
    assert!(dir.join("verifier/Verifier.sol").is_file() && dir.join("verifier/Verifier.json").is_file());
    let deployed = run(&bin, dir, &tools, &["deploy", "--verifier", "verifier", "--rpc-url", &rpc, "--private-key", DEV_KEY]);
    let address = deployed["address"].as_str().expect("an address");
    let submitted = run(
        &bin,
        dir,
        &tools,
        &["submit", "--keys", "keys", "--proof", "proof.json", "--address", address, "--rpc-url", &rpc, "--private-key", DEV_KEY],
    );
    assert_eq!(submitted["accepted"], Value::Bool(true), "{submitted}");
}
