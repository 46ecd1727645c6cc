//! Range checks by limbs (scales above 2^10, [`crate::blocks::limb`]): proofs at 2^20 and 2^24
//! verify with a range table of at most 2^10 entries, and a cheating prover who lowers a public
//! output by one unit — `q' = q − 1`, `r' = r + D`, so `D − 1 − r'` wraps modulo r — is rejected
//! whether it writes limbs that recompose its values exactly (one limb is then out of the table)
//! or limbs that are all in the table (the recomposition is then off), by the Rust verifier and
//! by the generated contract on anvil; with that part of the limb check removed from the
//! circuit, the same forgery proves and verifies (the limbs are its only defect).

use ark_bn254::Fr;
use ark_ff::{Field, One, PrimeField, Zero};
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::input_forgery_tests::{cheat, recount};
use super::tests::{setup_graph, Setup};
use super::{prove, prover, verify};
use crate::blocks::limb::{Limbs, MAX_TABLE_BITS};
use crate::blocks::{Fix, Wit};
use crate::compiler::graph::{Builder, ElementGraph, Gate};
use crate::compiler::witness::Witness;
use crate::Error;

/// Dense ReLUs, a linear output `y` (its first output), a mean, a product and a comparison over
/// four real inputs, at scale `2^s`: every rescale kind, no function table (whose size grows
/// with the scale).
fn graph(s: u32) -> ElementGraph {
    let mut b = Builder::new(s);
    let x: Vec<_> = [0.5, -1.25, 0.75, 2.0].iter().map(|v| b.input(*v, false).unwrap()).collect();
    let weights = [0.31, -0.72, 0.113, 0.537];
    b.set_node("dense");
    let h: Vec<_> = (0..3)
        .map(|k| {
            let terms: Vec<_> = (0..4).map(|j| (x[j], weights[(j + k) % 4])).collect();
            let z = b.linear(&terms, 0.25).unwrap();
            b.relu(z).unwrap()
        })
        .collect();
    b.set_node("linear");
    let y = b.linear(&[(x[0], 0.37), (x[1], -0.61), (x[2], 0.2), (x[3], 0.05)], 0.1).unwrap();
    b.set_node("mean");
    let mean = b.linear(&h.iter().map(|e| (*e, 1.0 / 3.0)).collect::<Vec<_>>(), 0.0).unwrap();
    b.set_node("product");
    let prod = b.dot(&[(h[0], x[1]), (x[2], x[3])]).unwrap();
    b.set_node("compare");
    let d = b.sub(x[0], x[1]).unwrap();
    let ge = b.ge_zero(d).unwrap();
    let mut g = b.finish(&[y, mean, prod, ge, h[1]]).unwrap();
    g.apply_sign_bits(g.calibrated_sign_bits()).unwrap();
    g
}

#[test]
fn range_checks_at_scales_2_20_and_2_24_prove_and_verify_with_a_small_table() {
    for (s, rows) in [(20, 1), (24, 2)] {
        let setup = setup_graph(graph(s), 1);
        let c = &setup.circuit;
        assert_eq!(c.limbs, Limbs::of(s));
        assert_eq!(c.limbs.rows, rows);
        assert!(c.table_entries <= 2 << MAX_TABLE_BITS, "s = {s}: {} table entries", c.table_entries);
        assert!(c.domain_size <= 1 << 12, "s = {s}: N = {}", c.domain_size);
        let proof = prove(&setup.pk, &setup.vk, c, &setup.witness, &mut ChaCha20Rng::seed_from_u64(7)).unwrap();
        verify(&setup.vk, &prover::instances(&setup.witness), &proof).unwrap();
    }
}

/// The rows of `y` (the first output): its `O` row, and the first limb row of its checked
/// values `r, lo, D − 1 − r`.
fn rows_of_y(s: &Setup) -> (usize, usize) {
    let w = s.graph.outputs[0] as usize;
    assert!(matches!(&s.graph.gates[w], Gate::Affine(_)), "y is a rescale gate");
    (s.circuit.gate_row[w], s.circuit.limb_row[w].expect("limb rows above 2^10"))
}

/// Writes the limb rows from `row` of the value `x` as a cheater does: every limb but the last
/// is the low `L` bits of the canonical integer of what is left; the last `b` is what makes the
/// recomposition exact (`exact`, out of the table when `x ∉ [0, 2^M)`) or also the low `L` bits
/// (in the table, the recomposition then off when `x ∉ [0, 2^M)`).
fn write_limbs(limbs: Limbs, cols: &mut [Vec<Fr>], row: usize, x: Fr, exact: bool) {
    let l = limbs.table_bits;
    let low = |v: Fr, shift: u32| Fr::from((v.into_bigint().as_ref()[0] >> shift) & ((1 << l) - 1));
    let (two_l, two_2l) = (Fr::from(1u64 << l), Fr::from(1u64 << (2 * l)));
    let mut d = x;
    for i in 0..limbs.rows as usize {
        let a = low(d, 0);
        let last = i + 1 == limbs.rows as usize;
        let b = if last && exact { (d - a) * two_l.inverse().expect("2^L ≠ 0") } else { low(d, l) };
        for (col, v) in [(Wit::A, a), (Wit::B, b), (Wit::D, d)] {
            cols[col as usize][row + i] = v;
        }
        d = (d - a - two_l * b) * two_2l.inverse().expect("2^2L ≠ 0");
    }
}

/// The cheater's witness for `y − 1`: `q' = q − 1` (`lo − 1`: the example keeps `lo ≥ 1`),
/// `r' = r + D` so that `D·q' + r'` is unchanged (the chain, or the packed sum, still holds),
/// `D − 1 − r' = −1 − r` (a wrapped field element), and limb rows for the three by
/// [`write_limbs`].
fn forge_lower_output(s: &Setup, exact: bool) -> Witness {
    let (o, first) = rows_of_y(s);
    let rows = s.circuit.limbs.rows as usize;
    let mut w = s.witness.clone();
    let cols = &mut w.columns;
    let at = |cols: &[Vec<Fr>], c: Wit, r: usize| cols[c as usize][r];
    let (r, lo) = (at(cols, Wit::A, o + 1), at(cols, Wit::B, o + 1));
    assert!(lo >= Fr::one(), "the example has lo ≥ 1");
    let div = s.circuit.fixed[Fix::Div as usize][o];
    let forged = [r + div, lo - Fr::one(), -Fr::one() - r];
    cols[Wit::A as usize][o + 1] = forged[0];
    cols[Wit::B as usize][o + 1] = forged[1];
    cols[Wit::A as usize][o] = forged[2];
    let y = at(cols, Wit::D, o) - Fr::one();
    cols[Wit::D as usize][o] = y;
    cols[Wit::A as usize][s.graph.num_inputs] = y;
    for (k, x) in forged.iter().enumerate() {
        write_limbs(s.circuit.limbs, cols, first + k * rows, *x, exact);
    }
    recount(&s.circuit, cols);
    w.instances[s.graph.num_inputs] = y;
    w
}

/// What the honest prover's self-check says of a witness (the first failure it finds).
fn self_check(s: &Setup, w: &Witness) -> String {
    match prover::prove_with(&s.pk, &s.vk, &s.circuit, w, &mut ChaCha20Rng::seed_from_u64(5), true, &mut Default::default()) {
        Err(Error::Rejected(why)) => why,
        other => panic!("the forged witness passed the self-check: {:?}", other.map(|_| ())),
    }
}

/// `s`'s circuit with the columns `off` zeroed on every limb row, and keys for it: the circuit
/// without that part of the limb check.
fn without_on_limb_rows(s: &Setup, off: &[Fix]) -> Setup {
    let mut circuit = s.circuit.clone();
    let limb_rows: Vec<usize> = (0..circuit.domain_size).filter(|r| circuit.fixed[Fix::QLimb as usize][*r].is_one()).collect();
    for c in off {
        limb_rows.iter().for_each(|r| circuit.fixed[*c as usize][*r] = Fr::zero());
    }
    let srs = crate::pcs::Srs::insecure_dev(super::keys::srs_size_for(circuit.domain_size), &mut ChaCha20Rng::seed_from_u64(9));
    let (pk, vk) = super::setup(&circuit, &srs, &mut ChaCha20Rng::seed_from_u64(10)).unwrap();
    Setup { graph: s.graph.clone(), circuit, pk, vk, witness: s.witness.clone() }
}

#[test]
fn lowered_output_with_wrapped_remainder_is_rejected_with_exact_or_in_range_limbs() {
    // Each forgery's only defect is the part of the limb check named: without it, it verifies.
    let cases = [(true, "not in the table", &[Fix::QLookup1, Fix::QLookup2][..]), (false, "limb recomposition", &[Fix::QLimb][..])];
    for scale in [20, 24] {
        let s = setup_graph(graph(scale), 2);
        for (exact, caught_by, check) in cases {
            let w = forge_lower_output(&s, exact);
            let why = self_check(&s, &w);
            assert!(why.contains(caught_by), "2^{scale}, exact = {exact}: {why}");
            assert!(verify(&s.vk, &w.instances, &cheat(&s, &w)).is_err(), "2^{scale}, exact = {exact}: forged proof accepted");
            let weaker = without_on_limb_rows(&s, check);
            let w = forge_lower_output(&weaker, exact);
            let proof = prove(&weaker.pk, &weaker.vk, &weaker.circuit, &w, &mut ChaCha20Rng::seed_from_u64(6)).unwrap();
            verify(&weaker.vk, &w.instances, &proof).unwrap();
        }
    }
}

/// The limb identity on its own: one honest limb row whose second limb is raised by one (still
/// in the table) recomposes to `d + 2^L`, and only that row's identity fails.
#[test]
fn limb_recomposition_off_by_2_l_is_rejected() {
    for scale in [20, 24] {
        let s = setup_graph(graph(scale), 3);
        let (_, first) = rows_of_y(&s);
        let mut w = s.witness.clone();
        let row = first + s.circuit.limbs.rows as usize; // the first limb row of lo
        let b = &mut w.columns[Wit::B as usize][row];
        *b = if b.is_zero() { Fr::one() } else { *b - Fr::one() };
        recount(&s.circuit, &mut w.columns);
        let why = self_check(&s, &w);
        assert!(why.contains(&format!("(limb recomposition) fails on row {row}")), "s = {scale}: {why}");
        assert!(verify(&s.vk, &w.instances, &cheat(&s, &w)).is_err(), "s = {scale}: forged proof accepted");
    }
}

/// The generated contract on anvil accepts an honest proof at scales 2^20 (one limb row per
/// value) and 2^24 (two, chained through `div·d(ωX)`) and rejects both forgeries of `y − 1`.
#[tokio::test]
async fn generated_verifier_rejects_limb_forgeries_on_anvil() {
    use crate::evm::{build_verifier, call_verify, deploy, LocalNode};
    let node = LocalNode::spawn().unwrap();
    let words = |inst: &[Fr]| crate::evm::contract_instances(inst).unwrap();
    for scale in [20, 24] {
        let s = setup_graph(graph(scale), 4);
        let dir = tempfile::tempdir().unwrap();
        let contract = build_verifier(&s.vk, dir.path()).unwrap();
        let address = deploy(&node.endpoint(), &node.dev_key(), contract.bytecode, crate::evm::DEFAULT_RECEIPT_TIMEOUT).await.unwrap().address;
        let honest = prove(&s.pk, &s.vk, &s.circuit, &s.witness, &mut ChaCha20Rng::seed_from_u64(4)).unwrap();
        let ok = call_verify(&node.endpoint(), address, honest.to_bytes(), words(&prover::instances(&s.witness))).await.unwrap();
        assert!(ok, "honest proof at 2^{scale} rejected by the contract");
        for exact in [true, false] {
            let w = forge_lower_output(&s, exact);
            let forged = call_verify(&node.endpoint(), address, cheat(&s, &w).to_bytes(), words(&w.instances)).await.unwrap();
            assert!(!forged, "2^{scale}, exact limbs {exact}: forged proof accepted on anvil");
        }
    }
}

/// Dense ReLUs over eight inputs at 2^11: enough rescales that the limbed layout needs 2^12
/// rows, so the circuit checks directly in a 2^11-entry table (no limb rows), and the Rust
/// verifier and the generated contract derive the same geometry from the VK.
fn wide_graph() -> ElementGraph {
    let mut b = Builder::new(11);
    let x: Vec<_> = (0..8).map(|i| b.input(0.1 * i as f64 - 0.3, false).unwrap()).collect();
    b.set_node("dense");
    let outs: Vec<_> = (0..700)
        .map(|k| {
            let terms: Vec<_> = x.iter().enumerate().map(|(j, e)| (*e, ((k * 7 + j * 3) % 11) as f64 / 11.0 - 0.45)).collect();
            let z = b.linear(&terms, 0.01 * (k % 5) as f64).unwrap();
            b.relu(z).unwrap()
        })
        .collect();
    let mut g = b.finish(&outs[..4]).unwrap();
    g.apply_sign_bits(g.calibrated_sign_bits()).unwrap();
    g
}

#[tokio::test]
async fn direct_checks_above_2_10_on_a_large_domain_verify_in_rust_and_on_anvil() {
    use crate::evm::{build_verifier, call_verify, deploy, LocalNode};
    let s = setup_graph(wide_graph(), 5);
    let c = &s.circuit;
    assert_eq!(c.limbs, Limbs::direct(11), "N = {}", c.domain_size);
    assert!(c.domain_size >= 1 << 12);
    assert_eq!(s.vk.limbs(), c.limbs);
    let proof = prove(&s.pk, &s.vk, c, &s.witness, &mut ChaCha20Rng::seed_from_u64(7)).unwrap();
    let instances = prover::instances(&s.witness);
    verify(&s.vk, &instances, &proof).unwrap();
    let node = LocalNode::spawn().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let address = deploy(&node.endpoint(), &node.dev_key(), build_verifier(&s.vk, dir.path()).unwrap().bytecode, crate::evm::DEFAULT_RECEIPT_TIMEOUT).await.unwrap().address;
    let words = crate::evm::contract_instances(&instances).unwrap();
    assert!(call_verify(&node.endpoint(), address, proof.to_bytes(), words).await.unwrap(), "honest proof rejected on anvil");
    let mut wrong = instances.clone();
    wrong[8] += Fr::from(1u64);
    assert!(!call_verify(&node.endpoint(), address, proof.to_bytes(), crate::evm::contract_instances(&wrong).unwrap()).await.unwrap(), "a wrong output accepted on anvil");
}
