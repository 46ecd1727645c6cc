//! The universal verifier on anvil: one deployment, two models registered, each model's proofs
//! accepted under its own key and rejected under the other's or an unregistered one, a second
//! registration refused, and the gas of registering and of verifying against a per-model verifier.

use alloy::primitives::{B256, U256};
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::evm::{
    build_universal_verifier, build_verifier, call_verify_universal, deploy, key_words, register, submit, submit_universal, verifier_kind,
    LocalNode, VerifierKind, DEFAULT_RECEIPT_TIMEOUT,
};
use crate::protocol::tests::{setup_fixture, setup_mixed, Setup};
use crate::protocol::{prover, Proof};

fn words(ws: &[crate::pcs::encoding::Word]) -> Vec<U256> {
    ws.iter().map(|w| U256::from_be_bytes(*w)).collect()
}

fn proof_of(s: &Setup, seed: u64) -> (Vec<u8>, Vec<U256>) {
    let proof: Proof = crate::protocol::prove(&s.pk, &s.vk, &s.circuit, &s.witness, &mut ChaCha20Rng::seed_from_u64(seed)).unwrap();
    let instances = crate::evm::contract_instances(&prover::instances(&s.witness)).unwrap();
    (proof.to_bytes(), instances)
}

#[tokio::test]
async fn one_universal_verifier_serves_every_registered_model() {
    let models = [("mlp_16_32_10", setup_fixture("mlp_16_32_10", 8, 22)), ("mixed graph", setup_mixed(8, 21))];
    let node = LocalNode::spawn().unwrap();
    let (url, key) = (node.endpoint(), node.dev_key());
    let dir = tempfile::tempdir().unwrap();
    let universal = deploy(&url, &key, build_universal_verifier(dir.path()).unwrap().bytecode, DEFAULT_RECEIPT_TIMEOUT).await.unwrap();
    eprintln!("universal verifier: deployment {} gas", universal.gas_used);
    let at = universal.address;

    let mut proofs = Vec::new();
    for (name, s) in &models {
        let id = B256::from(s.vk.digest());
        let model_key = words(&key_words(&s.vk));
        assert_eq!(verifier_kind(&url, at, id).await.unwrap(), VerifierKind::Universal { registered: false });
        let r = register(&url, &key, at, id, model_key.clone(), DEFAULT_RECEIPT_TIMEOUT).await.unwrap();
        assert_eq!(verifier_kind(&url, at, id).await.unwrap(), VerifierKind::Universal { registered: true });
        assert!(r.gas_used <= 150_000, "{name}: register used {} gas", r.gas_used);
        // The same id again is refused, before and on chain.
        let again = register(&url, &key, at, id, model_key.clone(), DEFAULT_RECEIPT_TIMEOUT).await.unwrap_err();
        assert!(again.to_string().contains("already registered"), "{again}");

        let (proof, instances) = proof_of(s, 3);
        assert!(call_verify_universal(&url, at, model_key.clone(), proof.clone(), instances.clone()).await.unwrap(), "{name}");
        let through_universal = submit_universal(&url, &key, at, model_key.clone(), proof.clone(), instances.clone(), DEFAULT_RECEIPT_TIMEOUT).await.unwrap();
        assert!(through_universal.accepted, "{name}: rejected by the universal verifier");
        // The same proof through the model's own verifier.
        let own = deploy(&url, &key, build_verifier(&s.vk, dir.path()).unwrap().bytecode, DEFAULT_RECEIPT_TIMEOUT).await.unwrap();
        assert_eq!(verifier_kind(&url, own.address, id).await.unwrap(), VerifierKind::Model(id));
        let direct = submit(&url, &key, own.address, proof.clone(), instances.clone(), DEFAULT_RECEIPT_TIMEOUT).await.unwrap();
        assert!(direct.accepted);
        eprintln!(
            "{name}: register {} gas; submitProof {} gas through the universal verifier, {} through its own (+{})",
            r.gas_used,
            through_universal.gas_used,
            direct.gas_used,
            through_universal.gas_used as i64 - direct.gas_used as i64
        );
        // The key's points cost 1,024 gas of calldata each: the MLP's 25 keep the total within
        // 40k; the mixed graph uses every block (29 points) and pays about 44k.
        let bound = if *name == "mlp_16_32_10" { 40_000 } else { 45_000 };
        assert!(through_universal.gas_used <= direct.gas_used + bound, "{name}: the universal verifier costs more than {bound} extra");
        proofs.push((model_key, proof, instances));
    }

    // A proof checked under the other model's (registered) key is rejected, and submitting it
    // reverts; so is a key that was never registered (the first model's, one point changed).
    let [(key_a, proof_a, inst_a), (key_b, proof_b, inst_b)] = <[_; 2]>::try_from(proofs).unwrap();
    for (model_key, proof, instances, what) in [(&key_b, &proof_a, &inst_a, "model A's proof under B's key"), (&key_a, &proof_b, &inst_b, "model B's proof under A's key")] {
        assert!(!call_verify_universal(&url, at, model_key.clone(), proof.clone(), instances.clone()).await.unwrap(), "{what}");
        let sent = submit_universal(&url, &key, at, model_key.clone(), proof.clone(), instances.clone(), DEFAULT_RECEIPT_TIMEOUT).await.unwrap();
        assert!(!sent.accepted, "{what}: accepted");
    }
    let mut unregistered = key_a.clone();
    *unregistered.last_mut().unwrap() ^= U256::from(1u64);
    assert!(!call_verify_universal(&url, at, unregistered, proof_a.clone(), inst_a.clone()).await.unwrap(), "an unregistered key");
    // A proof with one evaluation changed, under its own key.
    let mut bad = proof_a.clone();
    let at_eval = 32 * crate::evm::codegen::proof_words::EVALS + 31;
    bad[at_eval] ^= 1;
    assert!(!call_verify_universal(&url, at, key_a, bad, inst_a).await.unwrap(), "a corrupted proof");
}
