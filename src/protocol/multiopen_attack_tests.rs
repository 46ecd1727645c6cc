//! Attacks on the v8 multi-point opening (src/pcs/multiopen.rs) and the fixed-column layout
//! (src/protocol/fixed.rs): a cheating prover that uses the one thing the opening does not cover
//! (the values of unused fixed columns), and every fixed evaluation moved by one, checked by the
//! Rust verifier, the per-model contract and the universal contract alike.

use super::tests::{setup_fixture, setup_graph, Setup};
use super::verifier::{challenges, opening_accumulator, quotient_at_zeta};
use super::{prover, verify, Proof, VerifyingKey};
use crate::blocks::{self, Fix, NUM_FIXED, NUM_WITNESS};
use ark_bn254::{Fr, G1Affine};
use ark_ec::AffineRepr;
use ark_ff::{Field, One, Zero};
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// One input, an affine map with a hidden weight, a ReLU: most fixed columns stay unused.
fn small_graph() -> crate::compiler::graph::ElementGraph {
    let mut b = crate::compiler::graph::Builder::new(8);
    let x = b.input(0.75, false).unwrap();
    let z = b.linear(&[(x, -0.5)], 0.25).unwrap();
    let y = b.relu(z).unwrap();
    b.finish(&[y, z]).unwrap()
}

fn unused_columns(vk: &VerifyingKey) -> Vec<usize> {
    (0..NUM_FIXED).filter(|c| !vk.fixed_layout.is_used(*c)).collect()
}

/// The verifier's decision without the check that unused fixed columns are zero at ζ: what a
/// verifier that forgot it would accept.
fn pairing_without_zero_check(vk: &VerifyingKey, instances: &[Fr], proof: &Proof) -> bool {
    let c = challenges(vk, instances, proof);
    assert!(super::verifier::param_commitment_is_bound(vk, proof, c.e));
    assert!(super::verifier::packed_commitment_is_bound(vk, proof, c.eta, c.e_packed));
    let tz = quotient_at_zeta(vk, instances, &proof.evals, &proof.evals_next, &c).unwrap();
    opening_accumulator(vk, proof, &c, tz).unwrap().decide(&vk.g2, &vk.tau_g2)
}

/// The attack: claim a false public output; commit the (non-polynomial, truncated) quotient;
/// after ζ, set the value of one unused fixed column to the `u` that makes the verifier's T(ζ)
/// equal the committed quotient's value (every constraint is linear in its selector). That
/// value is in no opening set, so the multi-point opening goes through honestly. Returns the
/// forged proof, the false instances and the column used.
fn forge_false_output(s: &Setup) -> (Proof, Vec<Fr>, usize) {
    let mut w = s.witness.clone();
    *w.instances.last_mut().unwrap() += Fr::one();
    let instances = w.instances.clone();
    let (vk, inst) = (s.vk.clone(), instances.clone());
    let unused = unused_columns(&vk);
    let used_column = std::rc::Rc::new(std::cell::Cell::new(None));
    let found = used_column.clone();
    let tamper = Box::new(move |evals: &mut [Fr], next: &[Fr], tz: Fr, so_far: &super::verifier::Challenges| {
        for c in &unused {
            let at = |u: Fr, evals: &mut [Fr]| {
                evals[NUM_WITNESS + c] = u;
                quotient_at_zeta(&vk, &inst, evals, next, so_far).unwrap()
            };
            let (d0, d1, d2) = (at(Fr::zero(), evals), at(Fr::one(), evals), at(Fr::from(2u64), evals));
            evals[NUM_WITNESS + c] = Fr::zero();
            if d1 != d0 && d2 - d1 == d1 - d0 {
                evals[NUM_WITNESS + c] = (tz - d0) * (d1 - d0).inverse().unwrap();
                found.set(Some(*c));
                return;
            }
        }
    });
    prover::CHEATS.with(|c| c.borrow_mut().evals = Some(tamper));
    let proof = prover::prove_with(&s.pk, &s.vk, &s.circuit, &w, &mut ChaCha20Rng::seed_from_u64(7), false, &mut Default::default());
    prover::CHEATS.with(|c| c.borrow_mut().evals = None);
    let proof = proof.unwrap();
    (proof, instances, used_column.get().expect("some unused column enters a constraint linearly"))
}

/// The check that unused fixed columns are zero at ζ is the only thing that stops a false
/// statement: without it the pairing accepts a proof of a wrong output.
#[test]
fn a_false_output_forged_through_an_unused_fixed_column_is_rejected() {
    let s = setup_graph(small_graph(), 31);
    let vk = &s.vk;
    eprintln!("N = {}, k = {}, groups {:?}, unused {:?}", vk.domain_size, vk.fixed_layout.k, vk.fixed_layout.groups(), unused_columns(vk));
    let (proof, instances, c) = forge_false_output(&s);
    eprintln!("forged through unused column {c} ({})", blocks::FIXED_NAMES[c]);
    assert_ne!(instances, prover::instances(&s.witness), "the statement is false");
    // The opening, the Schnorr checks and the pairing all accept it ...
    assert!(pairing_without_zero_check(vk, &instances, &proof), "the forgery does not even pass the pairing");
    // ... and the verifier rejects it only for the non-zero unused value.
    let err = verify(vk, &instances, &proof).unwrap_err();
    assert!(matches!(&err, crate::Error::Rejected(m) if m.contains("unused fixed column")), "{err}");
    // Control: the same false statement without the trick fails at the pairing.
    let mut w = s.witness.clone();
    *w.instances.last_mut().unwrap() += Fr::one();
    let plain = prover::prove_with(&s.pk, vk, &s.circuit, &w, &mut ChaCha20Rng::seed_from_u64(7), false, &mut Default::default()).unwrap();
    assert!(!pairing_without_zero_check(vk, &instances, &plain));
    assert!(verify(vk, &instances, &plain).is_err());
}

/// Every single fixed evaluation moved by one (each used public column — in every interleaved
/// group, the last column of a partial group included —, every unused column, the parameter
/// column), and the opening's own points: the Rust verifier rejects each.
#[test]
fn each_fixed_evaluation_moved_by_one_is_rejected_in_rust() {
    for s in [setup_graph(small_graph(), 31), with_interleave(setup_graph(small_graph(), 31), 2), setup_fixture("mlp_16_32_10", 8, 22)] {
        let vk = &s.vk;
        eprintln!("N = {}, k = {}, groups {:?}", vk.domain_size, vk.fixed_layout.k, vk.fixed_layout.groups());
        let instances = prover::instances(&s.witness);
        let proof = prover::prove(&s.pk, vk, &s.circuit, &s.witness, &mut ChaCha20Rng::seed_from_u64(3)).unwrap();
        verify(vk, &instances, &proof).unwrap();
        for c in 0..NUM_FIXED {
            let mut p = proof.clone();
            p.evals[NUM_WITNESS + c] += Fr::one();
            assert!(verify(vk, &instances, &p).is_err(), "fixed column {c} ({}) + 1 accepted", blocks::FIXED_NAMES[c]);
        }
        // W and W' swapped, W' = infinity, W = W'.
        let mut p = proof.clone();
        std::mem::swap(&mut p.opening, &mut p.opening_z);
        assert!(verify(vk, &instances, &p).is_err());
        let mut p = proof.clone();
        p.opening_z = G1Affine::zero();
        assert!(verify(vk, &instances, &p).is_err());
    }
}

/// The forged proof and every fixed evaluation moved by one, on the per-model contract and on
/// the universal contract: both reject whatever Rust rejects (and accept the honest proof).
#[tokio::test]
async fn contracts_reject_the_forgery_and_every_fixed_evaluation_moved_by_one() {
    use crate::evm::{build_universal_verifier, build_verifier, call_verify, call_verify_universal, deploy, key_words, register, LocalNode, B256, U256, DEFAULT_RECEIPT_TIMEOUT};
    let node = LocalNode::spawn().unwrap();
    let (url, key) = (node.endpoint(), node.dev_key());
    let dir = tempfile::tempdir().unwrap();
    let universal = deploy(&url, &key, build_universal_verifier(dir.path()).unwrap().bytecode, DEFAULT_RECEIPT_TIMEOUT).await.unwrap().address;
    for s in [setup_graph(small_graph(), 31), with_interleave(setup_graph(small_graph(), 31), 2), with_interleave(setup_graph(small_graph(), 31), 4), setup_fixture("mlp_16_32_10", 8, 22)] {
        let vk = &s.vk;
        eprintln!("N = {}, k = {}, groups {:?}", vk.domain_size, vk.fixed_layout.k, vk.fixed_layout.groups());
        let own = deploy(&url, &key, build_verifier(vk, dir.path()).unwrap().bytecode, DEFAULT_RECEIPT_TIMEOUT).await.unwrap().address;
        let model_key: Vec<U256> = key_words(vk).iter().map(|w| U256::from_be_bytes(*w)).collect();
        register(&url, &key, universal, B256::from(vk.digest()), model_key.clone(), DEFAULT_RECEIPT_TIMEOUT).await.unwrap();
        let both = |bytes: Vec<u8>, inst: Vec<U256>| {
            let (url, model_key) = (url.clone(), model_key.clone());
            async move {
                let a = call_verify(&url, own, bytes.clone(), inst.clone()).await.unwrap();
                let b = call_verify_universal(&url, universal, model_key, bytes, inst).await.unwrap();
                (a, b)
            }
        };
        let instances = prover::instances(&s.witness);
        let inst: Vec<U256> = crate::evm::contract_instances(&instances).unwrap();
        let proof = prover::prove(&s.pk, vk, &s.circuit, &s.witness, &mut ChaCha20Rng::seed_from_u64(3)).unwrap();
        assert_eq!(both(proof.to_bytes(), inst.clone()).await, (true, true), "honest proof");
        for c in 0..NUM_FIXED {
            let mut p = proof.clone();
            p.evals[NUM_WITNESS + c] += Fr::one();
            assert!(verify(vk, &instances, &p).is_err());
            assert_eq!(both(p.to_bytes(), inst.clone()).await, (false, false), "fixed column {c} ({}) + 1", blocks::FIXED_NAMES[c]);
        }
        let mut p = proof.clone();
        p.evals[NUM_WITNESS + Fix::Param as usize] += Fr::one();
        assert_eq!(both(p.to_bytes(), inst.clone()).await, (false, false), "param + 1");
        if !unused_columns(vk).is_empty() {
            let (forged, forged_inst, c) = forge_false_output(&s);
            assert!(pairing_without_zero_check(vk, &forged_inst, &forged));
            assert!(verify(vk, &forged_inst, &forged).is_err());
            let fi: Vec<U256> = crate::evm::contract_instances(&forged_inst).unwrap();
            assert_eq!(both(forged.to_bytes(), fi).await, (false, false), "forgery through unused column {c}");
        }
    }
}


/// [`small_graph`] with its fixed columns interleaved `k` to a commitment (setup picks 32 for
/// N = 1024; k = 2 gives eight groups, the last one partial), to exercise group boundaries.
fn with_interleave(mut s: Setup, k: usize) -> Setup {
    s.vk.fixed_layout.k = k;
    let polys = super::keys::fixed_group_polys(&s.circuit.fixed, &s.vk.fixed_layout);
    s.vk.fixed_groups = polys.iter().map(|p| s.pk.srs.commit(p).unwrap()).collect();
    s
}
