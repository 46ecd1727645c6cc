//! `setup --srs FILE.ptau` with a real Powers-of-Tau file made by snarkjs (new + one
//! contribution), then prove and verify; a damaged file is rejected with a clear error.

use std::path::Path;
use std::process::Command;

fn zktorch(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zktorch")).args(args).output().expect("run zktorch")
}

fn snarkjs(args: &[&str]) {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/bin/snarkjs");
    let o = Command::new(&bin).args(args).output().expect("snarkjs (run tools/install.sh)");
    assert!(o.status.success(), "snarkjs {args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn setup_from_snarkjs_ptau_proves_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).display().to_string();
    snarkjs(&["powersoftau", "new", "bn128", "8", &p("pot8_0.ptau")]);
    snarkjs(&["powersoftau", "contribute", &p("pot8_0.ptau"), &p("pot8_1.ptau"), "--name=test", "-e=zktorch test entropy"]);
    let fixture = |n: &str| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(n).display().to_string();
    let o = zktorch(&[
        "setup", "--model", &fixture("mlp_flatten.onnx"), "--scale-bits", "5", "--srs", &p("pot8_1.ptau"),
        "--out", &p("keys"),
    ]);
    assert!(o.status.success(), "setup: {}", String::from_utf8_lossy(&o.stderr));
    let o = zktorch(&[
        "prove", "--keys", &p("keys"), "--model", &fixture("mlp_flatten.onnx"), "--input",
        &fixture("mlp_flatten.input.json"), "--out", &p("proof.json"),
    ]);
    assert!(o.status.success(), "prove: {}", String::from_utf8_lossy(&o.stderr));
    let o = zktorch(&["verify", "--keys", &p("keys"), "--proof", &p("proof.json")]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));

    // Too small for the model, and damaged files: one clear error each.
    let o = zktorch(&[
        "setup", "--model", &fixture("mlp_16_32_10.onnx"), "--srs", &p("pot8_1.ptau"), "--out", &p("k2"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("SRS too small"));
    let mut bytes = std::fs::read(p("pot8_1.ptau")).unwrap();
    let mid = 12 + 12 + 44 + 12 + 64 * 3 + 5; // inside tauG1[3]
    bytes[mid] ^= 0x40;
    std::fs::write(p("bad.ptau"), &bytes).unwrap();
    let o = zktorch(&[
        "setup", "--model", &fixture("mlp_flatten.onnx"), "--scale-bits", "5", "--srs", &p("bad.ptau"), "--out",
        &p("k3"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("invalid SRS file"), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!dir.path().join("k3").exists());
}
