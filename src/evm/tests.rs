//! Tests against the real solc (tools/bin/solc) and a real anvil (tools/bin/anvil); no mocks.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use alloy::primitives::{Address, B256, U256};
use alloy::providers::ProviderBuilder;
use alloy::sol;

use super::*;
use crate::Error;

sol! {
    #[sol(rpc)]
    interface IPairingHarness {
        function ecAdd(uint256[2] a, uint256[2] b) external view returns (uint256[2]);
        function pairing2(uint256[2] a1, uint256[4] b1, uint256[2] a2, uint256[4] b2) external view returns (bool);
        function pairing2Gas(uint256[2] a1, uint256[4] b1, uint256[2] a2, uint256[4] b2) external view returns (bool ok, uint256 gasUsed);
        function selfTestPairing() external view returns (bool);
        function inverse(uint256 a) external view returns (uint256);
        function transcriptInit(bytes32 vkDigest) external pure returns (bytes32);
        function absorbWord(bytes32 s, uint256 w) external pure returns (bytes32);
        function absorbPoint(bytes32 s, uint256 x, uint256 y) external pure returns (bytes32);
        function absorbWords(bytes32 s, uint256[] ws) external pure returns (bytes32);
        function absorbWordsCalldata(bytes32 s, uint256[] ws) external pure returns (bytes32);
        function challenge(bytes32 s) external pure returns (bytes32 newState, uint256 c);
    }
}

const Q: U256 = alloy::primitives::uint!(
    0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47_U256
);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn g1() -> [U256; 2] {
    [U256::from(1), U256::from(2)]
}

fn neg_g1() -> [U256; 2] {
    [U256::from(1), Q - U256::from(2)]
}

fn g2() -> [U256; 4] {
    [
        "0x198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2",
        "0x1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed",
        "0x090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b",
        "0x12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa",
    ]
    .map(|h| h.parse().unwrap())
}

fn word(v: &serde_json::Value) -> U256 {
    v.as_str().expect("hex string").parse().expect("0x word")
}

fn harness() -> CompiledContract {
    compile(
        &root().join("contracts/test/PairingHarness.sol"),
        &[contracts_dir()],
        "PairingHarness",
    )
    .expect("compile PairingHarness")
}

#[tokio::test]
async fn pairing_and_ec_on_anvil() {
    let c = harness();
    assert!(!c.bytecode.is_empty() && !c.deployed_bytecode.is_empty());
    c.check_code_size().unwrap();
    // The CompiledContract JSON round-trips with 0x-hex bytecodes.
    let json = serde_json::to_value(&c).unwrap();
    assert!(json["bytecode"].as_str().unwrap().starts_with("0x"));
    assert_eq!(serde_json::from_value::<CompiledContract>(json).unwrap(), c);

    let node = LocalNode::spawn().unwrap();
    let d = deploy(&node.endpoint(), &node.dev_key(), c.bytecode.clone(), crate::evm::DEFAULT_RECEIPT_TIMEOUT)
        .await
        .unwrap();
    assert!(d.gas_used > 0 && d.block >= 1);
    let provider = ProviderBuilder::new().connect_http(node.endpoint().parse().unwrap());
    let h = IPairingHarness::new(d.address, &provider);

    // G + G = 2G.
    let two_g = h.ecAdd(g1(), g1()).call().await.unwrap();
    assert_eq!(
        two_g[0],
        "0x030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3"
            .parse::<U256>()
            .unwrap()
    );
    assert_eq!(
        two_g[1],
        "0x15ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4"
            .parse::<U256>()
            .unwrap()
    );

    // e(G1, G2) · e(-G1, G2) = 1; a mutated second point is rejected.
    assert!(h.selfTestPairing().call().await.unwrap());
    assert!(h.pairing2(g1(), g2(), neg_g1(), g2()).call().await.unwrap());
    assert!(!h.pairing2(g1(), g2(), g1(), g2()).call().await.unwrap());
    assert!(!h.pairing2(g1(), g2(), two_g, g2()).call().await.unwrap());
    // An invalid G2 point makes the precompile fail: the library reverts.
    let mut bad = g2();
    bad[3] += U256::from(1);
    assert!(h.pairing2(g1(), bad, neg_g1(), g2()).call().await.is_err());
    // inverse(0) reverts.
    assert!(h.inverse(U256::ZERO).call().await.is_err());
    assert_eq!(
        h.inverse(U256::from(1)).call().await.unwrap(),
        U256::from(1)
    );

    let r = h
        .pairing2Gas(g1(), g2(), neg_g1(), g2())
        .call()
        .await
        .unwrap();
    assert!(r.ok);
    let total = h
        .pairing2(g1(), g2(), neg_g1(), g2())
        .estimate_gas()
        .await
        .unwrap();
    eprintln!("pairing2 (2 pairs): {} gas inside the library call; eth_estimateGas of the whole call: {total}", r.gasUsed);
    assert!(
        r.gasUsed >= U256::from(113_000u64) && r.gasUsed < U256::from(120_000u64),
        "{}",
        r.gasUsed
    );
}

#[tokio::test]
async fn transcript_vectors_on_anvil() {
    let path = root().join("tests/vectors/transcript.json");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let node = LocalNode::spawn().unwrap();
    let d = deploy(&node.endpoint(), &node.dev_key(), harness().bytecode, crate::evm::DEFAULT_RECEIPT_TIMEOUT)
        .await
        .unwrap();
    let provider = ProviderBuilder::new().connect_http(node.endpoint().parse().unwrap());
    let h = IPairingHarness::new(d.address, &provider);

    let vectors = doc["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 3);
    let mut challenges = 0;
    for v in vectors {
        let name = v["name"].as_str().unwrap();
        let vk = B256::from(word(&v["vk_digest"]));
        let mut s = h.transcriptInit(vk).call().await.unwrap();
        assert_eq!(s, B256::from(word(&v["init_state"])), "{name}: init");
        for (i, op) in v["ops"].as_array().unwrap().iter().enumerate() {
            match op["op"].as_str().unwrap() {
                "absorb_word" => s = h.absorbWord(s, word(&op["word"])).call().await.unwrap(),
                "absorb_point" => {
                    s = h
                        .absorbPoint(s, word(&op["x"]), word(&op["y"]))
                        .call()
                        .await
                        .unwrap()
                }
                "absorb_words" => {
                    let ws: Vec<U256> = op["words"].as_array().unwrap().iter().map(word).collect();
                    let m = h.absorbWords(s, ws.clone()).call().await.unwrap();
                    let c = h.absorbWordsCalldata(s, ws).call().await.unwrap();
                    assert_eq!(m, c, "{name} op {i}: memory vs calldata list absorb");
                    s = m;
                }
                "challenge" => {
                    let r = h.challenge(s).call().await.unwrap();
                    s = r.newState;
                    assert_eq!(s, B256::from(word(&op["state"])), "{name} op {i}: state");
                    assert_eq!(r.c, word(&op["challenge"]), "{name} op {i}: challenge");
                    challenges += 1;
                }
                other => panic!("unknown op {other}"),
            }
        }
        assert_eq!(
            s,
            B256::from(word(&v["final_state"])),
            "{name}: final state"
        );
    }
    assert!(challenges >= 10);
}

fn toy_proof(a: [U256; 2], b: [U256; 2]) -> Vec<u8> {
    let mut p = Vec::with_capacity(128);
    for w in [a[0], a[1], b[0], b[1]] {
        p.extend_from_slice(&w.to_be_bytes::<32>());
    }
    p
}

#[tokio::test]
async fn deploy_submit_and_call_verify() {
    let c = compile(
        &root().join("contracts/test/ToyVerifier.sol"),
        &[contracts_dir()],
        "ToyVerifier",
    )
    .unwrap();
    let node = LocalNode::spawn().unwrap();
    let (url, key) = (node.endpoint(), node.dev_key());
    let d = deploy(&url, &key, c.bytecode, crate::evm::DEFAULT_RECEIPT_TIMEOUT).await.unwrap();

    let good = toy_proof(g1(), neg_g1());
    let wrong = toy_proof(g1(), g1());
    assert!(call_verify(&url, d.address, good.clone(), vec![])
        .await
        .unwrap());
    assert!(!call_verify(&url, d.address, wrong.clone(), vec![])
        .await
        .unwrap());
    // Reverts (bad length, off-curve point, unexpected instances) count as false.
    assert!(!call_verify(&url, d.address, good[..96].to_vec(), vec![])
        .await
        .unwrap());
    assert!(!call_verify(
        &url,
        d.address,
        toy_proof([U256::from(1), U256::from(3)], g1()),
        vec![]
    )
    .await
    .unwrap());
    assert!(
        !call_verify(&url, d.address, good.clone(), vec![U256::from(1)])
            .await
            .unwrap()
    );

    let ok = submit(&url, &key, d.address, good, vec![], crate::evm::DEFAULT_RECEIPT_TIMEOUT).await.unwrap();
    assert!(ok.accepted);
    assert!(ok.gas_used > 113_000 && ok.block > d.block, "{ok:?}");
    eprintln!(
        "toy submitProof (2-pair pairing + 2 on-curve checks): {} gas",
        ok.gas_used
    );
    let rejected = submit(&url, &key, d.address, wrong, vec![], crate::evm::DEFAULT_RECEIPT_TIMEOUT).await.unwrap();
    assert!(!rejected.accepted, "{rejected:?}");
    assert!(rejected.block > ok.block);
    assert_ne!(rejected.tx_hash, ok.tx_hash);

    // Address without code -> Rpc error, for both.
    let nobody = Address::repeat_byte(0x42);
    for r in [
        call_verify(&url, nobody, vec![0; 128], vec![])
            .await
            .map(|_| ()),
        submit(&url, &key, nobody, vec![0; 128], vec![], crate::evm::DEFAULT_RECEIPT_TIMEOUT)
            .await
            .map(|_| ()),
    ] {
        match r {
            Err(Error::Rpc(m)) => assert!(m.contains("no contract at"), "{m}"),
            other => panic!("expected Error::Rpc, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn unreachable_rpc_is_a_quick_rpc_error() {
    let key = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcab7d7bf6e4f9f2ff80";
    let key = &key[..66];
    let t = Instant::now();
    let r = tokio::time::timeout(
        Duration::from_secs(30),
        deploy("http://127.0.0.1:1", key, vec![0x00], crate::evm::DEFAULT_RECEIPT_TIMEOUT),
    )
    .await;
    let r = r.expect("deploy to an unreachable RPC must not hang");
    match r {
        Err(Error::Rpc(m)) => {
            assert!(m.starts_with("cannot reach http://127.0.0.1:1: "), "{m}");
            assert!(!m.contains(&key[2..]), "key leaked: {m}");
            assert!(!m.contains('\n'));
            eprintln!("{m}");
        }
        other => panic!("expected Error::Rpc, got {other:?}"),
    }
    assert!(t.elapsed() < Duration::from_secs(15));
    let r = call_verify(
        "http://127.0.0.1:1/secret-api-key",
        Address::ZERO,
        vec![],
        vec![],
    )
    .await;
    match r {
        Err(Error::Rpc(m)) => assert!(
            m.contains("cannot reach http://127.0.0.1:1:") && !m.contains("secret"),
            "{m}"
        ),
        other => panic!("expected Error::Rpc, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_key_and_bad_url_are_rpc_errors() {
    let secretish = "0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdzz";
    match deploy("http://127.0.0.1:1", secretish, vec![0], crate::evm::DEFAULT_RECEIPT_TIMEOUT).await {
        Err(Error::Rpc(m)) => assert!(
            m.contains("invalid private key") && !m.contains("1234567890"),
            "{m}"
        ),
        other => panic!("expected Error::Rpc, got {other:?}"),
    }
    match submit("not a url", secretish, Address::ZERO, vec![], vec![], crate::evm::DEFAULT_RECEIPT_TIMEOUT).await {
        Err(Error::Rpc(m)) => assert!(m.contains("invalid RPC URL"), "{m}"),
        other => panic!("expected Error::Rpc, got {other:?}"),
    }
    match call_verify("ftp://127.0.0.1:1", Address::ZERO, vec![], vec![]).await {
        Err(Error::Rpc(m)) => assert!(m.contains("scheme"), "{m}"),
        other => panic!("expected Error::Rpc, got {other:?}"),
    }
    assert!(parse_address("0x42").is_err());
    assert_eq!(
        parse_address(" 0x4242424242424242424242424242424242424242 ").unwrap(),
        Address::repeat_byte(0x42)
    );
}

#[test]
fn solc_errors_are_one_line_with_location() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("Broken.sol");
    std::fs::write(
        &f,
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\ncontract Broken { uint x = }\n",
    )
    .unwrap();
    match compile(&f, &[], "Broken") {
        Err(Error::Solc(m)) => {
            assert!(
                m.contains("Broken.sol:3:") && m.contains("ParserError"),
                "{m}"
            );
            assert!(!m.contains('\n'), "{m}");
        }
        other => panic!("expected Error::Solc, got {other:?}"),
    }
    // Missing import.
    std::fs::write(&f, "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\nimport \"Nope.sol\";\ncontract Broken {}\n").unwrap();
    match compile(&f, &[contracts_dir()], "Broken") {
        Err(Error::Solc(m)) => assert!(m.contains("Nope.sol"), "{m}"),
        other => panic!("expected Error::Solc, got {other:?}"),
    }
    // Unknown contract name.
    match compile(
        &root().join("contracts/test/ToyVerifier.sol"),
        &[contracts_dir()],
        "Nope",
    ) {
        Err(Error::Solc(m)) => assert!(
            m.contains("no contract named Nope") && m.contains("ToyVerifier"),
            "{m}"
        ),
        other => panic!("expected Error::Solc, got {other:?}"),
    }
}

#[test]
fn compile_source_resolves_plain_imports_from_include_dirs() {
    // A verifier-like source held in memory, importing the libraries by bare file name.
    let src = r#"// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
import "BN254.sol";
import {Transcript} from "Transcript.sol";
contract V {
    function f() external view returns (bool) {
        bytes32 s = Transcript.init(bytes32(0));
        (, uint256 c) = Transcript.challenge(s);
        return BN254.inverse(c + 1) != 0;
    }
}
"#;
    let c = compile_source("V.sol", src, &[contracts_dir()], "V").unwrap();
    assert!(!c.deployed_bytecode.is_empty());
    assert!(c.abi.to_string().contains("\"f\""));
    // The same from a file outside contracts/ (base path = its own directory).
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("V.sol");
    std::fs::write(&f, src).unwrap();
    let c2 = compile(&f, &[contracts_dir()], "V").unwrap();
    assert_eq!(c.deployed_bytecode.len(), c2.deployed_bytecode.len());
}

#[test]
fn solc_path_default_is_the_installed_shim() {
    if std::env::var_os("ZKTORCH_SOLC").is_none() {
        assert_eq!(
            solc_path().unwrap(),
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/bin/solc")
        );
    }
}
