//! The matrix-product block ([`crate::blocks::freivalds`]) under attack: a wrong output entry, a
//! wrong input entry and a transposed weight matrix, each rejected by the Rust verifier and by
//! the generated contract on anvil; honest proofs of a weight product and of a product of two
//! witnesses verify in both.

use super::tests::{setup_graph, Setup};
use super::*;
use crate::blocks::{Fix, Wit};
use crate::compiler::graph::{Builder, ElementGraph, ExprId};
use crate::compiler::witness::Witness;
use ark_bn254::Fr;
use ark_ff::{One, PrimeField};
use ark_std::rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// `T`.
const T: usize = 32;
/// `d = d'` of the weight product (square, so that it can be transposed).
const D: usize = 24;

/// `H = X·W` (`X` the 32×24 input, `W` hidden 24×24, transposed if asked) and `S = X·Xᵀ`,
/// with their means and `H`'s first four entries as outputs.
fn product_graph(transposed: bool) -> ElementGraph {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let mut b = Builder::new(8);
    let x: Vec<ExprId> = (0..T * D).map(|_| b.input(rng.gen_range(-1.0..1.0), false).unwrap()).collect();
    let w: Vec<f64> = (0..D * D).map(|_| rng.gen_range(-0.5..0.5)).collect();
    let weights: Vec<ExprId> = (0..D * D).map(|i| b.weight(if transposed { w[(i % D) * D + i / D] } else { w[i] })).collect();
    b.set_node("x_w");
    let h = b.matmul(&x, &weights, (T, D, D)).unwrap();
    b.set_node("x_xt");
    let xt: Vec<ExprId> = (0..D * T).map(|i| x[(i % T) * D + i / T]).collect();
    let s = b.matmul(&x, &xt, (T, D, T)).unwrap();
    b.set_node("means");
    let mean = |b: &mut Builder, v: &[ExprId]| b.linear(&v.iter().map(|e| (*e, 1.0 / v.len() as f64)).collect::<Vec<_>>(), 0.0).unwrap();
    let mut outputs = vec![mean(&mut b, &h), mean(&mut b, &s)];
    outputs.extend(&h[..4]);
    b.finish(&outputs).unwrap()
}

fn setup_products() -> Setup {
    let s = setup_graph(product_graph(false), 30);
    assert_eq!(s.circuit.matrices.len(), 2, "both products are laid out as Freivalds blocks");
    assert_eq!(s.circuit.stride, T);
    s
}

/// A proof of `w` by a prover who skips its self-checks.
fn cheat(s: &Setup, w: &Witness) -> Proof {
    prover::prove_with(&s.pk, &s.vk, &s.circuit, w, &mut ChaCha20Rng::seed_from_u64(31), false, &mut Default::default()).unwrap()
}

/// What the honest prover's self-check names for `w`.
fn self_check(s: &Setup, w: &Witness) -> String {
    match prove(&s.pk, &s.vk, &s.circuit, w, &mut ChaCha20Rng::seed_from_u64(32)) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("the forged witness passed the self-check"),
    }
}

/// Product `m`'s output `i` made one larger than `X·R` gives, the public output unchanged: its
/// rescale's remainder moves up by one (and `D − 1 − r` down; multiplicities to match), so every
/// row's own identity and every lookup hold, and only the Freivalds sum can object.
fn wrong_output(s: &Setup, m: usize) -> Witness {
    let small = |v: Fr| v.into_bigint().as_ref()[0] as usize;
    let mut w = s.witness.clone();
    let outputs = &s.circuit.matrices[m].outputs;
    let o = outputs.iter().map(|g| s.circuit.gate_row[*g as usize]).find(|o| small(w.columns[Wit::A as usize][*o]) > 0).unwrap();
    let (r, bound) = (small(w.columns[Wit::A as usize][o + 1]), small(w.columns[Wit::A as usize][o]));
    w.columns[Wit::A as usize][o + 1] += Fr::one();
    w.columns[Wit::A as usize][o] -= Fr::one();
    let mult = &mut w.columns[Wit::Mult as usize];
    for (from, to) in [(r, r + 1), (bound, bound - 1)] {
        mult[s.circuit.table_rows[from]] -= Fr::one();
        mult[s.circuit.table_rows[to]] += Fr::one();
    }
    w
}

/// An entry of product 0's `X` raised by one on its input row (the wire itself unchanged).
fn wrong_input(s: &Setup) -> Witness {
    let mut w = s.witness.clone();
    let row = s.circuit.matrices[0].first_row + 1; // X_{0,0}
    assert!(s.circuit.fixed[Fix::QMatX as usize][row].is_one());
    w.columns[Wit::A as usize][row] += Fr::one();
    w
}

/// The witness of `X·Wᵀ` (its outputs as the instances) under the keys of `X·W`.
fn transposed_weights(s: &Setup) -> Witness {
    let w = s.circuit.witness(&product_graph(true)).unwrap();
    assert_ne!(w.output, s.witness.output, "Wᵀ changes the output");
    w
}

#[test]
fn honest_products_verify_and_every_forgery_is_rejected() {
    let s = setup_products();
    let inst = prover::instances(&s.witness);
    verify(&s.vk, &inst, &prove(&s.pk, &s.vk, &s.circuit, &s.witness, &mut ChaCha20Rng::seed_from_u64(33)).unwrap()).unwrap();
    for m in 0..2 {
        let w = wrong_output(&s, m);
        assert!(self_check(&s, &w).contains("packed: zero at the start"), "product {m}");
        assert_eq!(w.instances, inst, "the public output is unchanged");
        let err = verify(&s.vk, &inst, &cheat(&s, &w)).unwrap_err();
        assert!(matches!(&err, crate::Error::Rejected(m) if m.contains("pairing")), "{err}");
    }
    let w = wrong_input(&s);
    assert!(self_check(&s, &w).contains("a looked-up value is not in the table"));
    assert!(verify(&s.vk, &inst, &cheat(&s, &w)).is_err(), "wrong input entry accepted");
    let w = transposed_weights(&s);
    assert!(self_check(&s, &w).contains("packed: zero at the start"));
    assert!(verify(&s.vk, &w.instances, &cheat(&s, &w)).is_err(), "transposed weights accepted");
}

#[tokio::test]
async fn generated_verifier_rejects_product_forgeries_on_anvil() {
    use crate::evm::{build_verifier, call_verify, deploy, LocalNode};
    let node = LocalNode::spawn().unwrap();
    let words = |inst: &[Fr]| crate::evm::contract_instances(inst).unwrap();
    let s = setup_products();
    let dir = tempfile::tempdir().unwrap();
    let contract = build_verifier(&s.vk, dir.path()).unwrap();
    let address = deploy(&node.endpoint(), &node.dev_key(), contract.bytecode, crate::evm::DEFAULT_RECEIPT_TIMEOUT).await.unwrap().address;
    let honest = prove(&s.pk, &s.vk, &s.circuit, &s.witness, &mut ChaCha20Rng::seed_from_u64(34)).unwrap();
    assert!(call_verify(&node.endpoint(), address, honest.to_bytes(), words(&prover::instances(&s.witness))).await.unwrap());
    let forgeries = [("wrong output of X·W", wrong_output(&s, 0)), ("wrong output of X·Xᵀ", wrong_output(&s, 1)), ("wrong input entry", wrong_input(&s)), ("transposed W", transposed_weights(&s))];
    for (what, w) in forgeries {
        let accepted = call_verify(&node.endpoint(), address, cheat(&s, &w).to_bytes(), words(&w.instances)).await.unwrap();
        assert!(!accepted, "{what}: accepted on anvil");
    }
}

/// The reviewer's attack on a public weight matrix: with one constant entry in `X`, the first
/// row's outputs get divisor 2 and the others 4, so the same weight is a different integer per
/// row. Reading it off one row made the block check another relation than the model's (the
/// honest proof failed, and a forged output verified). Such a product keeps the usual layout,
/// and proves.
#[test]
fn public_weights_with_row_dependent_divisors_keep_the_usual_layout() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let mut b = Builder::new(8);
    let zero = b.constant(0.0);
    let x: Vec<ExprId> = (0..20 * 2).map(|i| if i == 1 { zero } else { b.input(rng.gen_range(-1.0..1.0), false).unwrap() }).collect();
    let w: Vec<ExprId> = (0..2 * 17).map(|i| b.constant(if i < 17 { 0.5 } else { 0.25 })).collect();
    let y = b.matmul(&x, &w, (20, 2, 17)).unwrap();
    let s = setup_graph(b.finish(&y).unwrap(), 35);
    assert!(s.circuit.matrices.is_empty());
    let proof = prove(&s.pk, &s.vk, &s.circuit, &s.witness, &mut ChaCha20Rng::seed_from_u64(36)).unwrap();
    verify(&s.vk, &prover::instances(&s.witness), &proof).unwrap();
}
