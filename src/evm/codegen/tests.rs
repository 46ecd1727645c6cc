//! The generated verifier against real proofs: real solc, real anvil, no mocks.
//!
//! Every case is checked three ways: `verifyProof` answers (without reverting), `submitProof`
//! is mined with the expected status, and the Rust verifier (`Proof::from_bytes` + `verify`)
//! reaches the same verdict. Where the Rust side gets as far as the pairing, the contract's
//! transcript challenges, T(ζ) and accumulator (L, R) must equal the Rust ones exactly (through
//! the test-only harness `contracts/test/VerifierHarness.sol.tmpl`); where it stops at the
//! Schnorr check of the re-randomised parameter commitment P', the challenges and the contract's
//! Schnorr verdict (on its own) must equal the Rust ones.

use alloy::primitives::{keccak256, Address, Bytes, B256, U256};
use alloy::providers::ProviderBuilder;
use alloy::sol;
use ark_bn254::{Fr, G1Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::*;
use crate::evm::{
    compile, compile_source, deploy, submit, IZkTorchVerifier, LocalNode, EIP170_CODE_SIZE_LIMIT,
};
use crate::pcs::encoding::{fr_to_word, g1_to_words};
use crate::protocol::tests::{gate_row, mixed_graph, setup_fixture, setup_mixed, Setup};
use crate::protocol::{accumulate, prover, verify, Proof};

sol! {
    #[sol(rpc)]
    interface IVerifierHarness {
        function VK_DIGEST() external view returns (bytes32);
        function challenges(bytes proof, uint256[] instances) external pure returns (uint256[9] c);
        function schnorrChecks(bytes proof, uint256[] instances) external view returns (bool);
        function accumulator(bytes proof, uint256[] instances) external view returns (bool ok, uint256 tz, uint256 lx, uint256 ly, uint256 rx, uint256 ry);
        function scratch(bytes proof, uint256[] instances, uint256[] addrs) external view returns (bool ok, uint256[] words);
        function profile(bytes proof, uint256[] instances) external view returns (bool ok, uint256 canonical, uint256 transcript, uint256 schnorr, uint256 publicInputs, uint256 quotient, uint256 pairing);
        function verifyGas(bytes proof, uint256[] instances) external view returns (bool ok, uint256 gasUsed);
    }
}

const HARNESS_TEMPLATE: &str = include_str!("../../../contracts/test/VerifierHarness.sol.tmpl");
const R_HEX: &str = "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
const Q_HEX: &str = "0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47";

fn r_mod() -> U256 {
    R_HEX.parse().unwrap()
}

fn q_mod() -> U256 {
    Q_HEX.parse().unwrap()
}

fn u(w: &[u8; 32]) -> U256 {
    U256::from_be_bytes(*w)
}

fn fr_u(x: &Fr) -> U256 {
    u(&fr_to_word(x))
}

/// The contract's `instances` for these public values (8-byte values, four to a word).
fn packed(values: &[Fr]) -> Vec<U256> {
    crate::evm::contract_instances(values).unwrap()
}

/// The packed instances with the 8 bytes of public value `k` replaced by `x`.
fn with_raw_value(inst: &[U256], k: usize, x: u64) -> Vec<U256> {
    let mut bytes: Vec<u8> = inst.iter().flat_map(|w| w.to_be_bytes::<32>()).collect();
    bytes[8 * k..8 * k + 8].copy_from_slice(&x.to_be_bytes());
    bytes.chunks(32).map(U256::from_be_slice).collect()
}

/// The public values of packed instances, as the Rust verifier takes them (an encoding that
/// does not unpack is rejected like a malformed proof).
fn unpacked(vk: &crate::protocol::VerifyingKey, inst: &[U256]) -> crate::Result<Vec<Fr>> {
    let words: Vec<[u8; 32]> = inst.iter().map(|w| w.to_be_bytes::<32>()).collect();
    crate::protocol::instances::unpack(&words, vk.num_inputs + vk.num_outputs)
        .ok_or_else(|| crate::Error::MalformedProof("instances are not the key's packed public values".into()))
}

fn point_u(p: &G1Affine) -> [U256; 2] {
    let [x, y] = g1_to_words(p);
    [u(&x), u(&y)]
}

fn word_at(bytes: &[u8], word: usize) -> U256 {
    U256::from_be_slice(&bytes[32 * word..32 * word + 32])
}

fn set_word(bytes: &mut [u8], word: usize, v: U256) {
    bytes[32 * word..32 * word + 32].copy_from_slice(&v.to_be_bytes::<32>());
}

fn prove_seeded(s: &Setup, seed: u64) -> Proof {
    crate::protocol::prove(
        &s.pk,
        &s.vk,
        &s.circuit,
        &s.witness,
        &mut ChaCha20Rng::seed_from_u64(seed),
    )
    .unwrap()
}

/// The Rust verdict on raw bytes and raw instance words.
fn rust_verdict(
    vk: &crate::protocol::VerifyingKey,
    bytes: &[u8],
    inst: &[U256],
) -> crate::Result<()> {
    verify(vk, &unpacked(vk, inst)?, &Proof::from_bytes(bytes)?)
}

/// The Fiat–Shamir challenges (e, β, γ, η, e_U, α, ζ, ν, z) of the Rust verifier.
fn rust_challenges(vk: &crate::protocol::VerifyingKey, inst: &[Fr], proof: &Proof) -> [Fr; 9] {
    let c = crate::protocol::verifier::challenges(vk, inst, proof);
    [c.e, c.beta, c.gamma, c.eta, c.e_packed, c.alpha, c.zeta, c.nu, c.z]
}

/// The Rust verifier's two Schnorr checks, of P' and of U' (docs/spec.md §3 step 2).
fn rust_param_check(vk: &crate::protocol::VerifyingKey, inst: &[Fr], proof: &Proof) -> bool {
    use crate::protocol::verifier::{challenges, packed_commitment_is_bound, param_commitment_is_bound};
    let c = challenges(vk, inst, proof);
    param_commitment_is_bound(vk, proof, c.e) && packed_commitment_is_bound(vk, proof, c.eta, c.e_packed)
}

/// The Rust verifier stopped at a Schnorr check (of P' or of U').
fn is_param_rejection(err: &crate::Error) -> bool {
    matches!(err, crate::Error::Rejected(m) if m.contains("commitment is not tied to the model"))
}

/// The Rust verifier got as far as the pairing, which failed.
fn is_pairing_rejection(err: &crate::Error) -> bool {
    matches!(err, crate::Error::Rejected(m) if m.contains("pairing"))
}

/// Both Solidity artifacts for one VK, deployed on a fresh anvil.
struct OnChain {
    node: LocalNode,
    verifier: Address,
    harness: Address,
    runtime_size: usize,
}

impl OnChain {
    async fn new(vk: &crate::protocol::VerifyingKey) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let compiled = build_verifier(vk, dir.path()).unwrap();
        // The written artifacts are the rendered source and the compiled contract.
        assert_eq!(
            std::fs::read_to_string(dir.path().join(VERIFIER_SOL)).unwrap(),
            render_verifier(vk)
        );
        let json: CompiledContract =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join(VERIFIER_JSON)).unwrap())
                .unwrap();
        assert_eq!(json, compiled);
        assert!(compiled.deployed_bytecode.len() <= EIP170_CODE_SIZE_LIMIT);
        std::fs::write(dir.path().join("VerifierHarness.sol"), HARNESS_TEMPLATE).unwrap();
        let harness = compile(
            &dir.path().join("VerifierHarness.sol"),
            &[dir.path().to_path_buf(), crate::evm::contracts_dir()],
            "ZkTorchVerifierHarness",
        )
        .unwrap();

        let node = LocalNode::spawn().unwrap();
        let (url, key) = (node.endpoint(), node.dev_key());
        let v = deploy(&url, &key, compiled.bytecode.clone(), crate::evm::DEFAULT_RECEIPT_TIMEOUT).await.unwrap();
        let h = deploy(&url, &key, harness.bytecode, crate::evm::DEFAULT_RECEIPT_TIMEOUT).await.unwrap();
        eprintln!(
            "verifier: {} bytes of runtime code, deployment {} gas",
            compiled.deployed_bytecode.len(),
            v.gas_used
        );
        Self {
            node,
            verifier: v.address,
            harness: h.address,
            runtime_size: compiled.deployed_bytecode.len(),
        }
    }

    fn url(&self) -> String {
        self.node.endpoint()
    }

    /// `verifyProof` through a plain `eth_call`: Ok(answer) or Err(revert description).
    async fn verify_proof(&self, proof: &[u8], inst: &[U256]) -> Result<bool, String> {
        let provider = ProviderBuilder::new().connect_http(self.url().parse().unwrap());
        let v = IZkTorchVerifier::new(self.verifier, &provider);
        v.verifyProof(Bytes::from(proof.to_vec()), inst.to_vec())
            .call()
            .await
            .map_err(|e| e.to_string())
    }

    /// Submits, returns (accepted, gas used), and checks the event of an accepted proof.
    async fn submit(&self, proof: &[u8], inst: &[U256], vk_digest: B256) -> (bool, u64) {
        let s = submit(
            &self.url(),
            &self.node.dev_key(),
            self.verifier,
            proof.to_vec(),
            inst.to_vec(),
            crate::evm::DEFAULT_RECEIPT_TIMEOUT,
        )
        .await
        .unwrap();
        let provider = ProviderBuilder::new().connect_http(self.url().parse().unwrap());
        use alloy::providers::Provider;
        let receipt = provider
            .get_transaction_receipt(s.tx_hash)
            .await
            .unwrap()
            .expect("mined");
        let logs = receipt.logs();
        if s.accepted {
            assert_eq!(logs.len(), 1, "one ProofVerified event");
            let log = &logs[0];
            assert_eq!(log.inner.address, self.verifier);
            assert_eq!(log.topics()[0], keccak256("ProofVerified(bytes32,bytes32)"));
            assert_eq!(log.topics()[1], vk_digest);
            let packed: Vec<u8> = inst.iter().flat_map(|v| v.to_be_bytes::<32>()).collect();
            assert_eq!(log.inner.data.data.as_ref(), keccak256(&packed).as_slice());
        } else {
            assert!(logs.is_empty());
        }
        (s.accepted, s.gas_used)
    }

    /// A bad proof: verifyProof answers false without reverting, submitProof reverts, and the
    /// Rust verifier rejects it too. Returns the Rust error.
    async fn assert_rejected(
        &self,
        vk: &crate::protocol::VerifyingKey,
        what: &str,
        proof: &[u8],
        inst: &[U256],
    ) -> crate::Error {
        let answer = self.verify_proof(proof, inst).await;
        assert_eq!(
            answer,
            Ok(false),
            "{what}: verifyProof must answer false without reverting"
        );
        let (accepted, gas) = self.submit(proof, inst, B256::from(vk.digest())).await;
        assert!(!accepted, "{what}: submitProof was accepted");
        let rust = rust_verdict(vk, proof, inst);
        let err = rust.expect_err(&format!(
            "{what}: the Rust verifier accepted what the contract rejected"
        ));
        eprintln!("rejected: {what} (submitProof reverted, {gas} gas; Rust: {err})");
        err
    }

    /// The contract's challenges and Schnorr verdict equal the Rust ones (for a proof that
    /// parses); returns the challenges.
    async fn assert_same_challenges(
        &self,
        vk: &crate::protocol::VerifyingKey,
        what: &str,
        bytes: &[u8],
        inst: &[U256],
    ) -> [Fr; 9] {
        let proof = Proof::from_bytes(bytes).unwrap();
        let inst_fr = unpacked(vk, inst).unwrap();
        let provider = ProviderBuilder::new().connect_http(self.url().parse().unwrap());
        let h = IVerifierHarness::new(self.harness, &provider);
        assert_eq!(h.VK_DIGEST().call().await.unwrap(), B256::from(vk.digest()));
        let ch = rust_challenges(vk, &inst_fr, &proof);
        let c = h
            .challenges(Bytes::from(bytes.to_vec()), inst.to_vec())
            .call()
            .await
            .unwrap();
        assert_eq!(
            c,
            ch.map(|x| fr_u(&x)),
            "{what}: transcript challenges differ"
        );
        let param_ok = h
            .schnorrChecks(Bytes::from(bytes.to_vec()), inst.to_vec())
            .call()
            .await
            .unwrap();
        assert_eq!(
            param_ok,
            rust_param_check(vk, &inst_fr, &proof),
            "{what}: Schnorr verdicts differ"
        );
        ch
    }

    /// The contract's challenges, Schnorr verdict (true), T(ζ) and accumulator equal the Rust
    /// ones (for a proof that the Rust verifier takes as far as the pairing).
    async fn assert_same_internals(
        &self,
        vk: &crate::protocol::VerifyingKey,
        what: &str,
        bytes: &[u8],
        inst: &[U256],
    ) {
        let [_, beta, gamma, eta, _, alpha, zeta, _, _] =
            self.assert_same_challenges(vk, what, bytes, inst).await;
        let proof = Proof::from_bytes(bytes).unwrap();
        let inst_fr = unpacked(vk, inst).unwrap();
        assert!(rust_param_check(vk, &inst_fr, &proof), "{what}: Schnorr check fails");
        let provider = ProviderBuilder::new().connect_http(self.url().parse().unwrap());
        let h = IVerifierHarness::new(self.harness, &provider);

        // T(ζ), as src/protocol/verifier.rs computes it.
        let tz = {
            use crate::blocks::{self, Ctx, Row, NEXT_ROW, NUM_WITNESS};
            use ark_ff::{Field, One};
            let n = vk.domain_size;
            let z_h = zeta.pow([n as u64]) - Fr::one();
            let lagrange =
                crate::protocol::verifier::lagrange_prefix(n, vk.omega(), zeta, z_h, inst_fr.len())
                    .unwrap();
            let mut row = Row {
                l_inputs: lagrange[..vk.num_inputs].iter().sum(),
                l_outputs: lagrange[vk.num_inputs..].iter().sum(),
                public: lagrange.iter().zip(&inst_fr).map(|(l, v)| *l * v).sum(),
                ..Default::default()
            };
            row.wit.copy_from_slice(&proof.evals[..NUM_WITNESS]);
            row.fixed.copy_from_slice(&proof.evals[NUM_WITNESS..]);
            for (c, v) in NEXT_ROW.iter().zip(&proof.evals_next) {
                row.wit_next[*c as usize] = *v;
            }
            let mut cs = Vec::new();
            blocks::evaluate_constraints(&row, &Ctx::new(vk.limbs(), vk.stride, beta, gamma, eta), &mut cs);
            blocks::combine(&cs, alpha) * z_h.inverse().unwrap()
        };

        // Accumulator (L, R) and the Rust decision.
        let acc = accumulate(vk, &inst_fr, &proof).unwrap();
        let rust_ok = acc.decide(&vk.g2, &vk.tau_g2);
        let a = h
            .accumulator(Bytes::from(bytes.to_vec()), inst.to_vec())
            .call()
            .await
            .unwrap();
        assert_eq!(a.tz, fr_u(&tz), "{what}: T(zeta) differs");
        assert_eq!(
            [a.lx, a.ly],
            point_u(&acc.lhs.into_affine()),
            "{what}: L differs"
        );
        assert_eq!(
            [a.rx, a.ry],
            point_u(&acc.rhs.into_affine()),
            "{what}: R differs"
        );
        assert_eq!(a.ok, rust_ok, "{what}: pairing verdicts differ");
    }
}

/// The gas estimate of `gen-verifier` (with this call's calldata, and from the layout alone)
/// against the gas anvil mined for an accepted `submitProof`.
fn assert_estimate_matches(model: &str, vk: &crate::protocol::VerifyingKey, proof: &[u8], inst: &[U256], mined: u64) {
    use alloy::sol_types::SolCall;
    let call = crate::evm::IZkTorchVerifier::submitProofCall { proof: Bytes::from(proof.to_vec()), instances: inst.to_vec() };
    let shape = crate::evm::gas::KeyShape::of_key(vk);
    let exact = crate::evm::gas::estimate(&shape, Some(&call.abi_encode()));
    let layout = crate::evm::gas::estimate(&shape, None);
    eprintln!("{model}: mined {mined} gas; estimate {exact}; from the layout alone {}", layout.total);
    let off = |e: u64| (e as f64 - mined as f64).abs() / mined as f64;
    assert!(off(exact.total) < 0.03, "{model}: estimate {} vs mined {mined}", exact.total);
    // Without a proof, instances are priced half negative: conservative for positive outputs.
    assert!(off(layout.total) < 0.15, "{model}: layout estimate {} vs mined {mined}", layout.total);
}

/// Valid proof accepted (with gas), plus the rejection cases and the Rust cross-checks.
/// `full`: every case (else the first three of each kind), the cheating provers and a proof for
/// other weights (these need the mixed graph of `protocol::tests`).
async fn run_fixture(model: &str, s: &Setup, full: bool) -> (u64, usize) {
    let scale_bits = s.vk.scale_bits;
    let vk = &s.vk;
    let digest = B256::from(vk.digest());
    let inst_fr = prover::instances(&s.witness);
    let inst = packed(&inst_fr);
    let proof = prove_seeded(s, 3);
    let bytes = proof.to_bytes();
    verify(vk, &inst_fr, &proof).unwrap();
    let chain = OnChain::new(vk).await;

    // The valid proof.
    chain
        .assert_same_internals(vk, "valid proof", &bytes, &inst)
        .await;
    assert_eq!(
        chain.verify_proof(&bytes, &inst).await,
        Ok(true),
        "{model}: valid proof"
    );
    let (accepted, gas) = chain.submit(&bytes, &inst, digest).await;
    assert!(accepted, "{model}: submitProof of a valid proof failed");
    let provider = ProviderBuilder::new().connect_http(chain.url().parse().unwrap());
    let h = IVerifierHarness::new(chain.harness, &provider);
    let inner = h
        .verifyGas(Bytes::from(bytes.clone()), inst.clone())
        .call()
        .await
        .unwrap();
    assert!(inner.ok);
    let p = h
        .profile(Bytes::from(bytes.clone()), inst.clone())
        .call()
        .await
        .unwrap();
    assert!(p.ok);
    eprintln!(
        "{model}: gas by phase: parsing checks {}, transcript {}, Schnorr checks {}, \
         public inputs + inversion {}, quotient {}, MSM + pairing {}",
        p.canonical, p.transcript, p.schnorr, p.publicInputs, p.quotient, p.pairing
    );
    eprintln!(
        "{model} (N = {}, s = {scale_bits}, {} public values): submitProof {gas} gas (transaction), \
         {} gas inside _verify; runtime code {} bytes",
        vk.domain_size,
        inst_fr.len(),
        inner.gasUsed,
        chain.runtime_size
    );
    assert!(gas < 515_000, "{model}: submitProof used {gas} gas");
    assert_estimate_matches(model, vk, &bytes, &inst, gas);

    // Word offsets (docs/spec.md §4).
    use super::proof_words::{
        EVALS as evals_at, EVALS_NEXT as next_at, NONCE as nonce_at, OPENING as openings_at, PARAM as param_at,
        QUOTIENT as quotient_at, RESPONSE as response_at, ROUND1_AT as round1_at, WORDS as words,
    };
    assert_eq!(bytes.len(), 32 * words);
    let param_eval_at = evals_at + crate::blocks::NUM_WITNESS + crate::blocks::Fix::Param as usize;
    let h1_eval_at = evals_at + crate::blocks::Wit::H12 as usize;
    let phi_next_at = next_at + crate::blocks::NEXT_ROW.iter().position(|c| *c == crate::blocks::Wit::Phi).unwrap();
    let b_next_at = next_at + crate::blocks::NEXT_ROW.iter().position(|c| *c == crate::blocks::Wit::B).unwrap();
    let f_param = vk.param_commitment;
    let flip = |byte: usize| {
        let mut b = bytes.clone();
        b[byte] ^= 1;
        b
    };
    let mut parse_rejects: Vec<(&str, Vec<u8>, Vec<U256>)> = vec![
        (
            "byte flipped in round-1 commitment [a].x",
            flip(32 * round1_at + 31),
            inst.clone(),
        ),
        (
            "byte flipped in parameter commitment P'.x",
            flip(32 * param_at + 31),
            inst.clone(),
        ),
        (
            "byte flipped in Schnorr nonce R.x",
            flip(32 * nonce_at + 31),
            inst.clone(),
        ),
        (
            "byte flipped in opening proof W",
            flip(32 * openings_at + 31),
            inst.clone(),
        ),
        (
            "byte flipped in opening proof W'",
            flip(bytes.len() - 1),
            inst.clone(),
        ),
        (
            "proof one word short",
            bytes[..bytes.len() - 32].to_vec(),
            inst.clone(),
        ),
        (
            "proof one word long",
            [bytes.clone(), vec![0; 32]].concat(),
            inst.clone(),
        ),
        (
            "proof one byte long",
            [bytes.clone(), vec![0]].concat(),
            inst.clone(),
        ),
        (
            "proof in the old 56-word layout (length 1792)",
            bytes[..1792].to_vec(),
            inst.clone(),
        ),
        ("empty proof", vec![], inst.clone()),
        (
            "one word of instances missing",
            bytes.clone(),
            inst[..inst.len() - 1].to_vec(),
        ),
        (
            "one word of instances too many",
            bytes.clone(),
            [inst.clone(), vec![U256::ZERO]].concat(),
        ),
    ];
    {
        // Scalars ≥ r: r itself (≡ 0) and e + r (≡ e: accepted if the contract reduced).
        let mut b = bytes.clone();
        set_word(&mut b, evals_at, r_mod());
        parse_rejects.push(("evaluation e_0 replaced by r", b, inst.clone()));
        let mut b = bytes.clone();
        set_word(&mut b, evals_at, word_at(&bytes, evals_at) + r_mod());
        parse_rejects.push(("evaluation e_0 replaced by e_0 + r", b, inst.clone()));
        let mut b = bytes.clone();
        set_word(&mut b, phi_next_at, word_at(&bytes, phi_next_at) + r_mod());
        parse_rejects.push((
            "evaluation phi(zeta*omega) replaced by itself + r",
            b,
            inst.clone(),
        ));
        let mut b = bytes.clone();
        set_word(&mut b, response_at, word_at(&bytes, response_at) + r_mod());
        parse_rejects.push(("Schnorr response z replaced by z + r", b, inst.clone()));
        // Points off the curve or with a coordinate ≥ q.
        let mut b = bytes.clone();
        set_word(&mut b, round1_at + 3, word_at(&bytes, round1_at + 3) + U256::from(1));
        parse_rejects.push(("commitment [b] replaced by (x, y+1)", b, inst.clone()));
        let mut b = bytes.clone();
        set_word(&mut b, param_at + 1, word_at(&bytes, param_at + 1) + U256::from(1));
        parse_rejects.push(("parameter commitment P' replaced by (x, y+1)", b, inst.clone()));
        let mut b = bytes.clone();
        set_word(&mut b, nonce_at, word_at(&bytes, nonce_at) + q_mod());
        parse_rejects.push(("Schnorr nonce R replaced by (x+q, y)", b, inst.clone()));
        let mut b = bytes.clone();
        set_word(
            &mut b,
            openings_at + 1,
            word_at(&bytes, openings_at + 1) + U256::from(1),
        );
        parse_rejects.push(("opening proof W replaced by (x, y+1)", b, inst.clone()));
        let mut b = bytes.clone();
        set_word(&mut b, quotient_at + 1, word_at(&bytes, quotient_at + 1) + q_mod());
        parse_rejects.push(("quotient [T] replaced by (x, y+q)", b, inst.clone()));
        let mut b = bytes.clone();
        set_word(&mut b, words - 2, word_at(&bytes, words - 2) + q_mod());
        parse_rejects.push((
            "opening proof W' replaced by (x+q, y)",
            b,
            inst.clone(),
        ));
        // A second encoding of the same values: a non-zero byte in the padding after the
        // last value (every fixture here has n_in + n_out not a multiple of 4).
        let n_pub = inst_fr.len();
        assert_ne!(n_pub % 4, 0, "{model}: no padding to forge");
        let mut i = inst.clone();
        *i.last_mut().unwrap() |= U256::from(1u64);
        parse_rejects.push(("a non-zero padding byte after the last value", bytes.clone(), i));
        // An input just outside ±(2^(2s−1) − 1), on either side: refused before the circuit.
        let bound = crate::compiler::graph::max_wire(vk.scale_bits) as u64;
        for (what, v) in [("public input v_0 = bound + 1", bound + 1), ("public input v_0 = −(bound + 1)", (bound + 1).wrapping_neg())] {
            parse_rejects.push((what, bytes.clone(), with_raw_value(&inst, 0, v)));
        }
    }
    if !full {
        parse_rejects.truncate(3);
    }
    for (what, b, i) in &parse_rejects {
        let err = chain.assert_rejected(vk, what, b, i).await;
        assert!(
            !is_pairing_rejection(&err) && !is_param_rejection(&err),
            "{what}: expected a parsing rejection, Rust says {err}"
        );
    }

    // Well-formed, but P' is not tied to the VK's F_P (or the Schnorr challenge e changed with
    // the instances): the Rust verifier stops at z·Z = R + e·(P' − F_P); the contract must
    // agree, with the same challenges and the same verdict from its Schnorr check alone.
    let mut param_rejects: Vec<(String, Vec<u8>, Vec<U256>)> = Vec::new();
    {
        let with = |f: &dyn Fn(&mut Proof)| {
            let mut p = proof.clone();
            f(&mut p);
            p.to_bytes()
        };
        param_rejects.push((
            "parameter commitment P' replaced by F_P + G".into(),
            with(&|p| p.param.commitment = (f_param + G1Affine::generator()).into_affine()),
            inst.clone(),
        ));
        param_rejects.push((
            "byte flipped in Schnorr response z".into(),
            flip(32 * response_at + 31),
            inst.clone(),
        ));
        param_rejects.push((
            "Schnorr nonce R shifted by G".into(),
            with(&|p| p.param.nonce = (p.param.nonce + G1Affine::generator()).into_affine()),
            inst.clone(),
        ));
        param_rejects.push((
            "parameter commitment P' shifted by G".into(),
            with(&|p| p.param.commitment = (p.param.commitment + G1Affine::generator()).into_affine()),
            inst.clone(),
        ));
        param_rejects.push((
            "parameter commitment P' replaced by F_P (R, z kept)".into(),
            with(&|p| p.param.commitment = f_param),
            inst.clone(),
        ));
        param_rejects.push((
            "re-randomisation response z₀ + 1".into(),
            with(&|p| p.param.response[0] += Fr::from(1u64)),
            inst.clone(),
        ));
        param_rejects.push((
            "re-randomisation response z₁ + 1".into(),
            with(&|p| p.param.response[1] += Fr::from(1u64)),
            inst.clone(),
        ));
        param_rejects.push((
            "responses z₀, z₁ swapped".into(),
            with(&|p| p.param.response.swap(0, 1)),
            inst.clone(),
        ));
        param_rejects.push((
            "Schnorr nonce R replaced by the point at infinity".into(),
            with(&|p| p.param.nonce = G1Affine::zero()),
            inst.clone(),
        ));
        if vk.packed_commitments.iter().any(|c| !c.is_zero()) {
            param_rejects.push((
                "combined packed weights U' shifted by G".into(),
                with(&|p| p.packed.commitment = (p.packed.commitment + G1Affine::generator()).into_affine()),
                inst.clone(),
            ));
            param_rejects.push((
                "packed re-randomisation response z_U0 + 1".into(),
                with(&|p| p.packed.response[0] += Fr::from(1u64)),
                inst.clone(),
            ));
            param_rejects.push((
                "packed re-randomisation response z_U1 + 1".into(),
                with(&|p| p.packed.response[1] += Fr::from(1u64)),
                inst.clone(),
            ));
            param_rejects.push((
                "packed Schnorr nonce R_U replaced by the point at infinity".into(),
                with(&|p| p.packed.nonce = G1Affine::zero()),
                inst.clone(),
            ));
        }
        // Changed instances change e, so the Schnorr check is the first to fail.
        let mut wrong = inst_fr.clone();
        *wrong.last_mut().unwrap() += Fr::from(1u64);
        param_rejects.push((
            "wrong public output (last + 1)".into(),
            bytes.clone(),
            packed(&wrong),
        ));
        // Swap two different public values: two inputs, and the first input with the first output.
        let n_in = vk.num_inputs;
        if let Some(j) = (1..n_in).find(|j| inst_fr[*j] != inst_fr[0]) {
            let mut sw = inst_fr.clone();
            sw.swap(0, j);
            param_rejects.push((format!("instances 0 and {j} swapped"), bytes.clone(), packed(&sw)));
        }
        if let Some(j) = (n_in..inst_fr.len()).find(|j| inst_fr[*j] != inst_fr[0]) {
            let mut sw = inst_fr.clone();
            sw.swap(0, j);
            param_rejects.push((
                format!("input 0 and output {} swapped", j - n_in),
                bytes.clone(),
                packed(&sw),
            ));
        }
    }
    if !full {
        param_rejects.truncate(3);
    }
    for (what, b, i) in &param_rejects {
        let err = chain.assert_rejected(vk, what, b, i).await;
        assert!(
            is_param_rejection(&err),
            "{what}: expected the Schnorr check to reject, Rust says {err}"
        );
        chain.assert_same_challenges(vk, what, b, i).await;
    }

    // Well-formed and tied to F_P, but wrong: the Rust verifier gets to the pairing, which
    // fails; the contract must agree, with the same challenges and accumulator.
    let mut pairing_rejects: Vec<(String, Vec<u8>, Vec<U256>)> = Vec::new();
    {
        pairing_rejects.push((
            "byte flipped in evaluation h12(zeta)".into(),
            flip(32 * h1_eval_at + 31),
            inst.clone(),
        ));
        pairing_rejects.push((
            "byte flipped in evaluation P'(zeta)".into(),
            flip(32 * param_eval_at + 31),
            inst.clone(),
        ));
        // P', R and z of another valid proof: the Schnorr check passes, the rest does not.
        let other = prove_seeded(s, 5);
        // P', R, z of another valid proof pass their own Schnorr check but change every later
        // challenge: the packed check (when the model has one) or the pairing rejects.
        let mut p = proof.clone();
        p.param.commitment = other.param.commitment;
        p.param.nonce = other.param.nonce;
        p.param.response = other.param.response;
        if vk.packed_commitments.iter().all(|c| c.is_zero()) {
            pairing_rejects.push(("P', R, z of another valid proof spliced in".into(), p.to_bytes(), inst.clone()));
        } else {
            let err = chain.assert_rejected(vk, "P', R, z spliced", &p.to_bytes(), &inst).await;
            assert!(is_param_rejection(&err), "P', R, z spliced: {err}");
            chain.assert_same_challenges(vk, "P', R, z spliced", &p.to_bytes(), &inst).await;
        }
        pairing_rejects.push((
            "byte flipped in evaluation b(zeta*omega)".into(),
            flip(32 * b_next_at + 31),
            inst.clone(),
        ));
        // Commitments moved by the generator (valid points).
        for k in [0usize, 4] {
            let mut p = proof.clone();
            p.round1[k] = (p.round1[k] + G1Affine::generator()).into_affine();
            pairing_rejects.push((
                format!("round-1 commitment {k} shifted by G"),
                p.to_bytes(),
                inst.clone(),
            ));
        }
        let mut p = proof.clone();
        p.opening_z = (p.opening_z + G1Affine::generator()).into_affine();
        pairing_rejects.push((
            "opening proof W' shifted by G".into(),
            p.to_bytes(),
            inst.clone(),
        ));
        let mut p = proof.clone();
        p.opening = G1Affine::zero();
        pairing_rejects.push((
            "opening proof W replaced by the point at infinity".into(),
            p.to_bytes(),
            inst.clone(),
        ));
        if full {
            // Cheating provers: a wrong witness committed anyway, every column shifted by random
            // multiples c·Z_H (the move that forges sum-by-constant-term arguments) and the
            // quotient truncated to fit. (1) one extra lookup multiplicity: the logUp sum no
            // longer closes on H; (2) an output moved by one unit with the rescale re-balanced
            // by a remainder outside [0, D): every gate holds, only the range lookup can object.
            use crate::blocks::Wit;
            use crate::compiler::graph::{Act, Gate};
            let cheat = |w: &crate::compiler::witness::Witness| {
                let mut rng = ChaCha20Rng::seed_from_u64(21);
                prover::prove_with(&s.pk, vk, &s.circuit, w, &mut rng, false, &mut Default::default()).unwrap()
            };
            let mut w = s.witness.clone();
            w.columns[Wit::Mult as usize][s.circuit.table_rows[3]] += Fr::from(1u64);
            pairing_rejects.push(("forged lookup multiplicity (sum shifted by c·Z_H)".into(), cheat(&w).to_bytes(), inst.clone()));
            let o = gate_row(s, |g| matches!(g, Gate::Affine(a) if a.act == Act::Relu && a.div > 1));
            let div = match &s.graph.gates[s.circuit.gate_row.iter().position(|r| *r == o).unwrap()] {
                Gate::Affine(a) => Fr::from(a.div),
                _ => unreachable!("gate_row picked an affine gate"),
            };
            let mut w = s.witness.clone();
            w.columns[Wit::D as usize][o] += Fr::from(1u64); // output q + 1
            w.columns[Wit::B as usize][o + 1] += Fr::from(1u64); // lo + 1
            w.columns[Wit::A as usize][o + 1] -= div; // r − D
            w.columns[Wit::A as usize][o] += div; // D − 1 − r
            let forged_inst: Vec<U256> = packed(&prover::instances(&w));
            pairing_rejects.push(("forged output with an out-of-range remainder".into(), cheat(&w).to_bytes(), forged_inst));
        }
    }
    if !full {
        pairing_rejects.truncate(3);
    }
    for (what, b, i) in &pairing_rejects {
        let err = chain.assert_rejected(vk, what, b, i).await;
        // A change before the packed Schnorr challenge e_U (round-1 or round-2 commitments)
        // changes it, so in a model with packed groups that check may be the one to object.
        if is_param_rejection(&err) && vk.packed_commitments.iter().any(|c| !c.is_zero()) {
            chain.assert_same_challenges(vk, what, b, i).await;
            continue;
        }
        assert!(
            is_pairing_rejection(&err),
            "{what}: expected a pairing rejection from Rust, got {err}"
        );
        chain.assert_same_internals(vk, what, b, i).await;
    }

    if full {
        // A proof made for other weights (same architecture), with the same SRS: valid for
        // its own verifying key, rejected by ours (its transcript starts from another digest,
        // and its P' is tied to the other key's F_P: the Schnorr check fails first).
        let graph = mixed_graph(scale_bits, 43);
        let circuit = crate::compiler::Circuit::compile(&graph).unwrap();
        let (pk2, vk2) = crate::protocol::setup(&circuit, &s.pk.srs, &mut ChaCha20Rng::seed_from_u64(77)).unwrap();
        assert_ne!(vk2.digest(), vk.digest());
        let w2 = circuit.witness(&graph).unwrap();
        let p2 = crate::protocol::prove(&pk2, &vk2, &circuit, &w2, &mut ChaCha20Rng::seed_from_u64(5)).unwrap();
        let inst2 = packed(&prover::instances(&w2));
        assert!(rust_verdict(&vk2, &p2.to_bytes(), &inst2).is_ok());
        let err = chain
            .assert_rejected(vk, "proof for other weights", &p2.to_bytes(), &inst2)
            .await;
        assert!(is_param_rejection(&err), "{err}");
        chain
            .assert_same_challenges(vk, "proof for other weights", &p2.to_bytes(), &inst2)
            .await;
    }

    // A second, independently blinded proof still verifies after all of that.
    let again = prove_seeded(s, 4).to_bytes();
    assert_ne!(again, bytes);
    assert_eq!(chain.verify_proof(&again, &inst).await, Ok(true));
    (gas, chain.runtime_size)
}

/// `n` inputs, each scaled by a hidden weight and through a ReLU to its own output: `2n` public
/// values over a circuit that grows only with them.
fn relu_per_input(n: usize) -> crate::compiler::graph::ElementGraph {
    let mut b = crate::compiler::graph::Builder::new(8);
    let inputs: Vec<_> = (0..n).map(|i| b.input((i % 7) as f64 * 0.25 - 0.75, false).unwrap()).collect();
    let outputs: Vec<_> = inputs
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let z = b.linear(&[(*x, 0.5 + (i % 3) as f64 * 0.25)], 0.125).unwrap();
            b.relu(z).unwrap()
        })
        .collect();
    b.finish(&outputs).unwrap()
}

/// What one more public value costs on chain: accepted proofs of models with 10, 100 and 1,000
/// public values, their mined gas against the estimate, and the gas per extra value (≤ 450: the issue asks ≤ 1.2k).
#[tokio::test]
async fn gas_per_public_value() {
    let mut mined = Vec::new();
    for n in [5, 50, 500] {
        let s = crate::protocol::tests::setup_graph(relu_per_input(n), 30);
        let values = prover::instances(&s.witness);
        let inst = packed(&values);
        let bytes = prove_seeded(&s, 31).to_bytes();
        let chain = OnChain::new(&s.vk).await;
        let (accepted, gas) = chain.submit(&bytes, &inst, B256::from(s.vk.digest())).await;
        assert!(accepted, "{} public values: rejected", values.len());
        assert_estimate_matches(&format!("{} public values", values.len()), &s.vk, &bytes, &inst, gas);
        mined.push((values.len(), s.vk.domain_size, gas));
    }
    eprintln!("| public values | N | submitProof gas | gas per value over the previous row |");
    eprintln!("|---|---|---|---|");
    for (k, (values, n, gas)) in mined.iter().enumerate() {
        let per = k.checked_sub(1).map(|j| (*gas - mined[j].2) / (*values - mined[j].0) as u64);
        eprintln!("| {values} | 2^{} | {gas} | {} |", n.trailing_zeros(), per.map_or("".into(), |p| p.to_string()));
        // 8-byte values: about 60 gas of calldata and 320 of work each (was ~600 as words).
        assert!(per.is_none_or(|p| p <= 450), "{values} public values: {per:?} gas per value");
    }
}

/// Every block (weight chains, exact means, ReLU, step, products, function tables), every case.
#[tokio::test]
async fn verifier_contract_every_block() {
    let (gas, size) = run_fixture("mixed graph", &setup_mixed(8, 21), true).await;
    eprintln!("mixed graph: submitProof {gas} gas, runtime {size} bytes");
}

#[tokio::test]
async fn verifier_contract_mlp_16_32_10() {
    let (gas, size) = run_fixture("mlp_16_32_10", &setup_fixture("mlp_16_32_10", 8, 22), false).await;
    eprintln!("mlp_16_32_10: submitProof {gas} gas, runtime {size} bytes");
}

#[test]
fn proof_words_are_where_to_bytes_writes_them() {
    use super::proof_words::*;
    use crate::blocks::{NEXT_ROW, ROUND1, ROUND2};
    use crate::protocol::proof::{NUM_EVALS, NUM_POINTS, NUM_SCALARS};
    use crate::protocol::rerandomize::Rerandomized;
    // Every point and scalar distinct, so each part can be found at its offset.
    let g = G1Affine::generator();
    let mut k = 0u64;
    let mut point = || {
        k += 1;
        (g * Fr::from(k)).into_affine()
    };
    let param = Rerandomized { commitment: point(), nonce: point(), response: [Fr::from(1000u64), Fr::from(1001u64)] };
    let round1 = ROUND1.iter().map(|_| point()).collect();
    let round2 = ROUND2.iter().map(|_| point()).collect();
    let packed = Rerandomized { commitment: point(), nonce: point(), response: [Fr::from(1002u64), Fr::from(1003u64)] };
    let proof = Proof {
        param,
        round1,
        round2,
        packed,
        quotient: point(),
        evals: (0..NUM_EVALS as u64).map(|i| Fr::from(2000 + i)).collect(),
        evals_next: (0..NEXT_ROW.len() as u64).map(|i| Fr::from(3000 + i)).collect(),
        opening: point(),
        opening_z: point(),
    };
    let bytes = proof.to_bytes();
    assert_eq!(bytes.len(), 32 * WORDS);
    let at = |p: &G1Affine, w: usize| assert_eq!([word_at(&bytes, w), word_at(&bytes, w + 1)], point_u(p), "point at word {w}");
    at(&proof.param.commitment, PARAM);
    at(&proof.param.nonce, NONCE);
    for k in 0..2 {
        assert_eq!(word_at(&bytes, RESPONSE + k), fr_u(&proof.param.response[k]));
        assert_eq!(word_at(&bytes, PACKED_RESPONSE + k), fr_u(&proof.packed.response[k]));
    }
    at(&proof.packed.commitment, PACKED);
    at(&proof.packed.nonce, PACKED_NONCE);
    for (k, p) in proof.round1.iter().enumerate() {
        at(p, ROUND1_AT + 2 * k);
    }
    for (k, p) in proof.round2.iter().enumerate() {
        at(p, ROUND2_AT + 2 * k);
    }
    at(&proof.quotient, QUOTIENT);
    for (k, v) in proof.evals.iter().enumerate() {
        assert_eq!(word_at(&bytes, EVALS + k), fr_u(v));
    }
    for (k, v) in proof.evals_next.iter().enumerate() {
        assert_eq!(word_at(&bytes, EVALS_NEXT + k), fr_u(v));
    }
    at(&proof.opening, OPENING);
    at(&proof.opening_z, OPENING_Z);
    // The runs `_canonical` checks cover the proof, with the right numbers of points and scalars.
    assert_eq!(RUNS[0].0, 0);
    assert_eq!(RUNS.last().unwrap().1, WORDS);
    assert!(RUNS.windows(2).all(|w| w[0].1 == w[1].0 && w[0].2 != w[1].2));
    let count = |points: bool| RUNS.iter().filter(|r| r.2 == points).map(|r| r.1 - r.0).sum::<usize>();
    assert_eq!((count(true), count(false)), (2 * NUM_POINTS, NUM_SCALARS));
}

/// The MSM multiplies each interleaved fixed commitment once (never a column on its own), the
/// value of every unused fixed column is checked to be zero, and the digest list has every
/// group slot.
#[test]
fn msm_has_one_term_per_interleaved_group() {
    use crate::blocks::{FIXED_NAMES, NUM_FIXED};
    let s = setup_mixed(6, 12);
    let vk = &s.vk;
    let src = render_verifier(vk);
    let groups = vk.fixed_layout.groups();
    assert!(!groups.is_empty() && groups.len() == vk.fixed_groups.len());
    for g in 0..groups.len() {
        assert_eq!(src.matches(&format!("mulAcc(G{g}_X, G{g}_Y, ")).count(), 1, "G_{g}");
    }
    assert!(!src.contains(&format!("G{}_X", groups.len())));
    for c in 0..NUM_FIXED {
        let checked = src.contains(&format!("iszero(mload({}))", super::fixed_at_zeta(c)));
        assert_eq!(checked, !vk.fixed_layout.is_used(c), "{}", FIXED_NAMES[c]);
    }
    assert!(src.contains("mulAcc(mload(P_PARAM), mload(add(P_PARAM, 0x20)), mulmod(pw, mload(M_INV_A), rm))"));
    let packed = crate::blocks::packed::PACK_WIDTH - 1;
    assert!(src.contains(&format!("uint256[{}] memory w", 21 + 2 * (1 + crate::protocol::fixed::MAX_GROUPS + packed))));
}

/// The largest verifier a key can give: every fixed column used, at the smallest interleaving
/// (k = 2), so the MSM has the most group terms.
#[test]
fn runtime_code_fits_eip170_with_every_fixed_column_used() {
    use crate::protocol::fixed::FixedLayout;
    let s = setup_mixed(6, 12);
    let mut vk = s.vk.clone();
    vk.fixed_layout = FixedLayout { used: (1 << crate::blocks::NUM_FIXED) - 1, k: 2 };
    vk.fixed_groups = (0..vk.fixed_layout.groups().len()).map(|g| (G1Affine::generator() * Fr::from(g as u64 + 1)).into_affine()).collect();
    let c = compile_source(VERIFIER_SOL, &render_verifier(&vk), &[crate::evm::contracts_dir()], VERIFIER_CONTRACT).unwrap();
    eprintln!("verifier with {} interleaved fixed commitments: {} bytes of runtime code", vk.fixed_groups.len(), c.deployed_bytecode.len());
    assert!(c.deployed_bytecode.len() < EIP170_CODE_SIZE_LIMIT / 2, "{} bytes", c.deployed_bytecode.len());
}

#[test]
fn rendered_source_is_complete_and_has_one_pairing() {
    let s = setup_mixed(6, 12);
    let src = render_verifier(&s.vk);
    assert!(!src.contains("{{") && !src.contains("}}"));
    assert!(src.contains(&format!(
        "bytes32 public constant VK_DIGEST = {};",
        crate::pcs::encoding::word_hex(&s.vk.digest())
    )));
    assert!(src.contains(&format!(
        "uint256 internal constant N = {};",
        s.vk.domain_size
    )));
    assert!(src.contains(&format!(
        "uint256 internal constant N_PUB = {};",
        s.vk.num_inputs + s.vk.num_outputs
    )));
    // Exactly one call to the pairing precompile, and no other precompile is called via 0x08.
    assert_eq!(src.matches("staticcall(gas(), 0x08,").count(), 1);
    // Every precompile call site: one modexp, ecMul in mulTo, ecAdd in mulAcc, pairing, and the
    // Schnorr checks' ecMul (schMul) and two ecAdd (schAdd, schMulAdd).
    assert_eq!(src.matches("staticcall(").count(), 7);
    assert_eq!(src.matches("staticcall(gas(), 0x05,").count(), 1);
    assert_eq!(src.matches("staticcall(gas(), 0x07,").count(), 2);
    // Generated blocks are indented like their placeholders.
    assert!(src.contains("\n            // C0: chain\n            {\n                let c0 := "), "{src}");
    // Rendering is deterministic and depends on the key.
    assert_eq!(render_verifier(&s.vk), src);
    let other = setup_mixed(6, 13);
    assert_ne!(render_verifier(&other.vk), src);
}

#[test]
fn build_verifier_writes_atomically_and_reports_errors() {
    let s = setup_mixed(6, 12);
    let dir = tempfile::tempdir().unwrap();
    // Stale files are replaced whole; no temporary file is left behind.
    std::fs::write(dir.path().join(VERIFIER_SOL), "stale").unwrap();
    let c = build_verifier(&s.vk, dir.path()).unwrap();
    assert_eq!(c.name, VERIFIER_CONTRACT);
    c.check_code_size().unwrap();
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, [VERIFIER_JSON, VERIFIER_SOL]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join(VERIFIER_SOL)).unwrap(),
        render_verifier(&s.vk)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(VERIFIER_JSON)).unwrap())
            .unwrap();
    for k in ["abi", "bytecode", "deployed_bytecode"] {
        assert!(!json[k].is_null(), "{k} missing");
    }
    assert!(
        json["abi"].to_string().contains("submitProof")
            && json["abi"].to_string().contains("ProofVerified")
    );

    // An output "directory" that is a file: an error naming it, nothing written.
    let blocker = dir.path().join("blocker");
    std::fs::write(&blocker, "x").unwrap();
    match build_verifier(&s.vk, &blocker.join("out")) {
        Err(crate::Error::Write { path, .. }) => {
            assert!(path.starts_with(&blocker), "{}", path.display())
        }
        other => panic!("expected Error::Write, got {other:?}"),
    }
    assert_eq!(std::fs::read_to_string(&blocker).unwrap(), "x");
}

#[test]
fn eip170_limit_is_enforced_with_a_clear_error() {
    let c = CompiledContract {
        name: VERIFIER_CONTRACT.into(),
        abi: serde_json::json!([]),
        bytecode: vec![0; 10],
        deployed_bytecode: vec![0; EIP170_CODE_SIZE_LIMIT + 1],
    };
    match c.check_code_size() {
        Err(crate::Error::Solc(m)) => assert!(m.contains("EIP-170") && m.contains("24576"), "{m}"),
        other => panic!("expected Error::Solc, got {other:?}"),
    }
}

#[tokio::test]
async fn constructor_rejects_constants_that_do_not_match_the_digest() {
    let s = setup_mixed(6, 12);
    let good = render_verifier(&s.vk);
    // Change one fixed commitment's x coordinate, keep VK_DIGEST: deployment must revert.
    let line = good
        .lines()
        .find(|l| l.contains("uint256 internal constant F_PARAM_X = "))
        .unwrap();
    let hex = line.split("= ").nth(1).unwrap().split(';').next().unwrap();
    let moved = format!("{:#066x}", hex.parse::<U256>().unwrap() ^ U256::from(1));
    let bad = good.replace(line, &line.replace(hex, &moved));
    assert_ne!(bad, good);
    let node = LocalNode::spawn().unwrap();
    let ok = compile_source(
        VERIFIER_SOL,
        &good,
        &[crate::evm::contracts_dir()],
        VERIFIER_CONTRACT,
    )
    .unwrap();
    deploy(&node.endpoint(), &node.dev_key(), ok.bytecode, crate::evm::DEFAULT_RECEIPT_TIMEOUT)
        .await
        .unwrap();
    let c = compile_source(
        VERIFIER_SOL,
        &bad,
        &[crate::evm::contracts_dir()],
        VERIFIER_CONTRACT,
    )
    .unwrap();
    match deploy(&node.endpoint(), &node.dev_key(), c.bytecode, crate::evm::DEFAULT_RECEIPT_TIMEOUT).await {
        Err(crate::Error::Rpc(m)) => assert!(m.contains("revert") || m.contains("digest"), "{m}"),
        other => panic!("a verifier whose constants do not match its digest deployed: {other:?}"),
    }
}
