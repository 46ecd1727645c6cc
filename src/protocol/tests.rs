//! End-to-end tests of the proof system on real fixtures, with a real (dev) SRS and pairings.

use super::*;
use crate::compiler::graph::{Act, ElementGraph, Gate};
use crate::compiler::witness::Witness;
use crate::compiler::Circuit;
use crate::pcs::Srs;
use ark_bn254::{Fr, G1Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

pub(crate) struct Setup {
    pub graph: ElementGraph,
    pub circuit: Circuit,
    pub pk: ProvingKey,
    pub vk: VerifyingKey,
    pub witness: Witness,
}

/// A small graph that uses every block: weight chains with rounding (`D = 2^s`), an exact mean
/// (`D = 3`), ReLU, a step, products of two wires, and two function tables.
pub(crate) fn mixed_graph(scale_bits: u32, weights_seed: u64) -> ElementGraph {
    use crate::compiler::graph::{Builder, Func};
    let mut rng = ChaCha20Rng::seed_from_u64(weights_seed);
    let mut b = Builder::new(scale_bits);
    let x: Vec<_> = [0.5, -1.25, 0.75, 2.0].iter().map(|v| b.input(*v, false).unwrap()).collect();
    let k = b.input(3.0, true).unwrap();
    b.set_node("dense");
    let mut h = Vec::new();
    for _ in 0..3 {
        let terms: Vec<_> = x.iter().map(|e| (*e, ark_std::rand::Rng::gen_range(&mut rng, -1.0..1.0))).collect();
        let z = b.linear(&terms, 0.25).unwrap();
        h.push(b.relu(z).unwrap());
    }
    b.set_node("mean");
    let mean = b.linear(&h.iter().map(|e| (*e, 1.0 / 3.0)).collect::<Vec<_>>(), 0.0).unwrap();
    b.set_node("nonlinear");
    let sig = b.func(Func::Sigmoid, mean).unwrap();
    let ex = b.func(Func::Exp, x[1]).unwrap();
    b.set_node("product");
    let prod = b.dot(&[(sig, ex), (x[0], x[2])]).unwrap();
    let kx = b.mul(k, x[3]).unwrap();
    b.set_node("compare");
    let d = b.sub(x[0], x[1]).unwrap();
    let ge = b.ge_zero(d).unwrap();
    b.finish(&[prod, kx, ge, h[0]]).unwrap()
}

pub(crate) fn setup_graph(graph: ElementGraph, srs_seed: u64) -> Setup {
    let circuit = Circuit::compile(&graph).unwrap();
    setup_circuit(graph, circuit, srs_seed)
}

/// [`setup_graph`] with packed groups of up to 8 gates: the packed block's tests run on graphs
/// too small for packing to shrink their domain (where [`Circuit::compile`] does not pack).
pub(crate) fn setup_graph_packed(graph: ElementGraph, srs_seed: u64) -> Setup {
    let circuit = Circuit::compile_packed(&graph, 8).unwrap();
    setup_circuit(graph, circuit, srs_seed)
}

fn setup_circuit(graph: ElementGraph, circuit: Circuit, srs_seed: u64) -> Setup {
    let srs = Srs::insecure_dev(keys::srs_size_for(circuit.domain_size), &mut ChaCha20Rng::seed_from_u64(srs_seed));
    let (pk, vk) = setup(&circuit, &srs, &mut ChaCha20Rng::seed_from_u64(srs_seed + 1)).unwrap();
    let witness = circuit.witness(&graph).unwrap();
    Setup { graph, circuit, pk, vk, witness }
}

pub(crate) fn fixture(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Keys and witness for an ONNX fixture in `tests/fixtures` with its example input.
pub(crate) fn setup_fixture(model: &str, scale_bits: u32, srs_seed: u64) -> Setup {
    let m = crate::onnx::Model::load(&fixture(&format!("{model}.onnx"))).unwrap();
    let inputs = crate::onnx::read_input_json(&fixture(&format!("{model}.input.json"))).unwrap();
    let (graph, _) = crate::commands::compile_model(&m, &inputs, scale_bits, None).unwrap();
    setup_graph(graph, srs_seed)
}

pub(crate) fn setup_mixed(scale_bits: u32, srs_seed: u64) -> Setup {
    setup_graph_packed(mixed_graph(scale_bits, 42), srs_seed)
}

fn prove_seeded(s: &Setup, seed: u64) -> Proof {
    prove(&s.pk, &s.vk, &s.circuit, &s.witness, &mut ChaCha20Rng::seed_from_u64(seed)).unwrap()
}

fn instances(s: &Setup) -> Vec<Fr> {
    prover::instances(&s.witness)
}

fn assert_rejected(s: &Setup, inst: &[Fr], bytes: &[u8], what: &str) {
    let accepted = Proof::from_bytes(bytes).and_then(|p| verify(&s.vk, inst, &p)).is_ok();
    assert!(!accepted, "{what} was accepted");
}

#[test]
fn graphs_of_every_block_prove_and_verify() {
    for scale_bits in [6, 10] {
        let s = setup_mixed(scale_bits, 1);
        let proof = prove_seeded(&s, 7);
        let bytes = proof.to_bytes();
        assert_eq!(bytes.len(), proof::PROOF_BYTES);
        let parsed = Proof::from_bytes(&bytes).unwrap();
        assert_eq!(parsed, proof);
        verify(&s.vk, &instances(&s), &parsed).unwrap();
    }
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let s = setup_graph(crate::bench::random_mlp(3, 16, 8, &mut rng).unwrap(), 2);
    verify(&s.vk, &instances(&s), &prove_seeded(&s, 1)).unwrap();
}

/// An MLP, a CNN and a transformer block from `tests/fixtures` prove, verify, and stay within
/// 1 % of tract's float output.
#[test]
fn onnx_fixtures_prove_verify_and_match_float() {
    for model in ["mlp_16_32_10", "cnn_small", "attention_tiny"] {
        let s = setup_fixture(model, 10, 1);
        verify(&s.vk, &instances(&s), &prove_seeded(&s, 7)).unwrap();
        let m = crate::onnx::Model::load(&fixture(&format!("{model}.onnx"))).unwrap();
        let inputs = crate::onnx::read_input_json(&fixture(&format!("{model}.input.json"))).unwrap();
        let float = m.run_float(&inputs).unwrap();
        let peak = float.iter().fold(0f64, |m, v| m.max(v.abs()));
        let err = crate::commands::max_abs_error(&s.graph.output_reals(), &float);
        assert!(err <= 0.01 * peak, "{model}: max abs error {err} > 1% of {peak}");
    }
}

#[test]
fn tampered_proofs_and_wrong_outputs_are_rejected() {
    let s = setup_mixed(8, 2);
    let inst = instances(&s);
    let proof = prove_seeded(&s, 3);
    let bytes = proof.to_bytes();
    verify(&s.vk, &inst, &proof).unwrap();
    // One byte changed in every part: the re-randomised parameters, their nonce and response, a
    // commitment of each round, the quotient, an evaluation at ζ and at ζω, each opening proof.
    let round1_at = 32 * 5;
    let evals_at = round1_at + 32 * 2 * (proof.round1.len() + proof.round2.len() + 1);
    let openings_at = bytes.len() - 128;
    for (what, offset) in [
        ("parameter commitment", 31),
        ("parameter nonce", 95),
        ("parameter response", 159),
        ("round-1 commitment", round1_at + 31),
        ("round-2 commitment", round1_at + 32 * 2 * 5 + 63),
        ("quotient", evals_at - 1),
        ("evaluation at zeta", evals_at + 31),
        ("evaluation at zeta*omega", openings_at - 1),
        ("opening proof at zeta", openings_at + 31),
        ("opening proof at zeta*omega", bytes.len() - 1),
    ] {
        let mut b = bytes.clone();
        b[offset] ^= 1;
        assert_rejected(&s, &inst, &b, what);
    }
    // Valid points that are simply wrong: shift the parameter commitment or each witness
    // commitment by the generator.
    let mut p = proof.clone();
    p.param.commitment = (p.param.commitment + G1Affine::generator()).into_affine();
    assert!(verify(&s.vk, &inst, &p).is_err(), "shifted parameter commitment accepted");
    for k in 0..proof.round1.len() {
        let mut p = proof.clone();
        p.round1[k] = (p.round1[k] + G1Affine::generator()).into_affine();
        assert!(verify(&s.vk, &inst, &p).is_err(), "shifted commitment {k} accepted");
    }
    // A wrong public output (and a swapped pair of inputs).
    let mut wrong = inst.clone();
    *wrong.last_mut().unwrap() += Fr::from(1u64);
    assert!(verify(&s.vk, &wrong, &proof).is_err());
    let mut swapped = inst.clone();
    swapped.swap(0, 1);
    assert!(inst[0] == inst[1] || verify(&s.vk, &swapped, &proof).is_err());
    // A field element ≥ r is rejected, not reduced.
    let mut b = bytes.clone();
    b[evals_at..evals_at + 32].copy_from_slice(&crate::pcs::encoding::hex_to_word(
        "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001").unwrap());
    assert!(matches!(Proof::from_bytes(&b), Err(crate::Error::MalformedProof(_))));
    // Trailing bytes are rejected.
    let mut b = bytes.clone();
    b.push(0);
    assert!(Proof::from_bytes(&b).is_err());
}

#[test]
fn proof_for_other_weights_is_rejected() {
    let ours = setup_mixed(8, 4);
    // Same architecture, other weights.
    let other = setup_graph(mixed_graph(8, 43), 4);
    assert_eq!(ours.graph.gates.len(), other.graph.gates.len());
    let proof = prove_seeded(&other, 5);
    verify(&other.vk, &instances(&other), &proof).unwrap();
    assert!(verify(&ours.vk, &instances(&other), &proof).is_err());
    // And the honest prover refuses to use mismatched keys.
    assert!(prove(&ours.pk, &ours.vk, &other.circuit, &other.witness, &mut ChaCha20Rng::seed_from_u64(5)).is_err());
}

/// First row of the first gate matching `pick` (its `O` row or function row).
pub(crate) fn gate_row(s: &Setup, pick: impl Fn(&Gate) -> bool) -> usize {
    let w = s.graph.gates.iter().position(|g| pick(g)).expect("the graph has such a gate");
    s.circuit.gate_row[w]
}

/// A cheating prover changes one value on H and commits to it anyway, truncating the quotient.
fn forged(s: &Setup, column: crate::blocks::Wit, row: usize, delta: Fr) -> Proof {
    let mut w = s.witness.clone();
    w.columns[column as usize][row] += delta;
    prover::prove_with(&s.pk, &s.vk, &s.circuit, &w, &mut ChaCha20Rng::seed_from_u64(9), false, &mut Default::default())
        .unwrap()
}

#[test]
fn wrong_witnesses_are_rejected_per_block() {
    use crate::blocks::Wit;
    let s = setup_mixed(8, 6);
    let inst = instances(&s);
    let relu = gate_row(&s, |g| matches!(g, Gate::Affine(a) if a.act == Act::Relu && a.terms.len() > 1));
    // The dense ReLUs are packed; the mean (D = 3) is a chain of its own.
    let mean = gate_row(&s, |g| matches!(g, Gate::Affine(a) if a.div == 3));
    let packed_input = s.circuit.groups[0].first_row;
    let product = gate_row(&s, |g| matches!(g, Gate::Affine(a) if !a.products.is_empty()));
    let step = gate_row(&s, |g| matches!(g, Gate::Affine(a) if a.act == Act::Step));
    let function = gate_row(&s, |g| matches!(g, Gate::Lookup { .. }));
    let cases = [
        ("chain running sum", Wit::C, mean + 3),
        ("chain input copy", Wit::A, mean + 2),
        ("packed input copy", Wit::A, packed_input + 1),
        ("product operand", Wit::B, product + 2),
        ("rescale remainder", Wit::A, relu + 1),
        ("rescale sign", Wit::D, relu + 1),
        ("remainder bound", Wit::A, relu),
        ("relu output", Wit::D, relu),
        ("step output", Wit::D, step),
        ("function output", Wit::D, function),
        ("function input copy", Wit::C, function),
        ("public input", Wit::D, 0),
        ("lookup multiplicity", Wit::Mult, s.circuit.table_rows[3]),
    ];
    for (what, col, row) in cases {
        let p = forged(&s, col, row, Fr::from(1u64));
        assert!(verify(&s.vk, &inst, &p).is_err(), "{what}: forged proof accepted");
    }
}

#[test]
fn forged_output_with_consistent_rescale_is_caught_by_range_lookup() {
    // Move an output by one unit and re-balance the rescale with a remainder outside [0, D):
    // every gate holds on H, only the range lookups can catch it.
    use crate::blocks::Wit;
    let s = setup_mixed(8, 8);
    let o = gate_row(&s, |g| matches!(g, Gate::Affine(a) if a.act == Act::Relu && a.div > 1));
    let div = match &s.graph.gates[s.circuit.gate_row.iter().position(|r| *r == o).unwrap()] {
        Gate::Affine(a) => Fr::from(a.div),
        _ => unreachable!(),
    };
    let mut w = s.witness.clone();
    w.columns[Wit::D as usize][o] += Fr::from(1u64); // output q + 1
    w.columns[Wit::B as usize][o + 1] += Fr::from(1u64); // lo + 1
    w.columns[Wit::A as usize][o + 1] -= div; // r − D
    w.columns[Wit::A as usize][o] += div; // D − 1 − r
    let proof = prover::prove_with(&s.pk, &s.vk, &s.circuit, &w, &mut ChaCha20Rng::seed_from_u64(1), false, &mut Default::default())
        .unwrap();
    assert!(verify(&s.vk, &prover::instances(&w), &proof).is_err());
}

#[test]
fn packed_sum_off_by_one_is_caught_by_the_running_sum() {
    // The remainder of a packed output's rescale moved by one (r + 1, and D − 1 − r − 1 on its
    // output row, multiplicities to match): the output is unchanged, every row's own identities
    // and every lookup hold, but the implied sum T = D·q + r − p is one off. Only the η-combined
    // check Σ_t η^(t−1)·T_t = Σ_j u_j·x_j can object. An honest proof of the graph verifies.
    use crate::blocks::Wit;
    use ark_ff::PrimeField;
    let s = setup_mixed(8, 14);
    assert!(!s.circuit.groups.is_empty(), "the mixed graph's dense layer is packed");
    let inst = instances(&s);
    verify(&s.vk, &inst, &prove_seeded(&s, 15)).unwrap();
    let o = s.circuit.gate_row[s.circuit.groups[0].members[1]];
    let small = |v: Fr| v.into_bigint().as_ref()[0] as usize;
    let (r, bound) = (small(s.witness.columns[Wit::A as usize][o + 1]), small(s.witness.columns[Wit::A as usize][o]));
    assert!(bound > 0, "r + 1 stays below D");
    let mut w = s.witness.clone();
    w.columns[Wit::A as usize][o + 1] += Fr::from(1u64);
    w.columns[Wit::A as usize][o] -= Fr::from(1u64);
    let mult = &mut w.columns[Wit::Mult as usize];
    for (from, to) in [(r, r + 1), (bound, bound - 1)] {
        mult[s.circuit.table_rows[from]] -= Fr::from(1u64);
        mult[s.circuit.table_rows[to]] += Fr::from(1u64);
    }
    // The honest prover's self-check names the one identity that fails.
    let err = prove(&s.pk, &s.vk, &s.circuit, &w, &mut ChaCha20Rng::seed_from_u64(16)).unwrap_err();
    assert!(err.to_string().contains("(packed"), "{err}");
    let proof = prover::prove_with(&s.pk, &s.vk, &s.circuit, &w, &mut ChaCha20Rng::seed_from_u64(16), false, &mut Default::default())
        .unwrap();
    assert_eq!(prover::instances(&w), inst);
    let err = verify(&s.vk, &inst, &proof).unwrap_err();
    assert!(matches!(&err, crate::Error::Rejected(m) if m.contains("pairing")), "{err}");
}

#[test]
fn seeded_proofs_are_deterministic_and_blinded() {
    let s = setup_mixed(8, 10);
    assert_eq!(prove_seeded(&s, 11).to_bytes(), prove_seeded(&s, 11).to_bytes());
    let (a, b) = (prove_seeded(&s, 11), prove_seeded(&s, 12));
    assert_ne!(a.to_bytes(), b.to_bytes());
    verify(&s.vk, &instances(&s), &b).unwrap();
}

#[test]
fn vk_json_roundtrip_and_digest_binding() {
    let s = setup_mixed(6, 12);
    let json = s.vk.to_json();
    let back = VerifyingKey::from_json(&json).unwrap();
    assert_eq!(back, s.vk);
    let mut bad = json.clone();
    bad["fixed_groups"][0][0] = serde_json::json!("0x01");
    assert!(VerifyingKey::from_json(&bad).is_err());
    // Finding 3: the scales `verify` decodes with are bound by the digest — a vk.json that keeps
    // the digest but shows outputs ×1024 (scale bits lowered by 10) is refused.
    let mut rescaled = json.clone();
    let last = s.vk.io_scale_bits.len() - 1;
    let lowered = s.vk.io_scale_bits[last].saturating_sub(10);
    assert_ne!(lowered, s.vk.io_scale_bits[last]);
    rescaled["io_scale_bits"][last] = serde_json::json!(lowered);
    let err = VerifyingKey::from_json(&rescaled).unwrap_err().to_string();
    assert!(err.contains("digest"), "{err}");
    // And one with a recomputed digest is another model: a proof for this one does not verify.
    let mut other = s.vk.clone();
    other.io_scale_bits[last] = lowered;
    assert_ne!(other.digest(), s.vk.digest());
    assert!(verify(&other, &instances(&s), &prove_seeded(&s, 3)).is_err());
}

#[test]
fn weights_stay_hidden() {
    use crate::blocks::Fix;
    use crate::pcs::encoding::{fr_from_i128, fr_to_word, g1_to_words};
    let a = setup_mixed(8, 20);
    // Same model, same SRS, another setup: only the parameter commitment changes.
    let (_, vk2) = setup(&a.circuit, &a.pk.srs, &mut ChaCha20Rng::seed_from_u64(99)).unwrap();
    assert_eq!((a.vk.fixed_layout, &a.vk.fixed_groups), (vk2.fixed_layout, &vk2.fixed_groups));
    assert_ne!(a.vk.param_commitment, vk2.param_commitment);
    // The VK's parameter commitment is not the plain commitment to the parameters.
    let domain = ark_poly::Radix2EvaluationDomain::<Fr>::new(a.circuit.domain_size).unwrap();
    use ark_poly::EvaluationDomain;
    let plain = a.pk.srs.commit(&domain.ifft(&a.circuit.fixed[Fix::Param as usize])).unwrap();
    assert_ne!(plain, a.vk.param_commitment);
    // Two proofs open the parameter column to unrelated values, and both verify.
    let (p1, p2) = (prove_seeded(&a, 1), prove_seeded(&a, 2));
    verify(&a.vk, &instances(&a), &p1).unwrap();
    verify(&a.vk, &instances(&a), &p2).unwrap();
    let param_eval = crate::blocks::NUM_WITNESS + Fix::Param as usize;
    assert_ne!(p1.evals[param_eval], p2.evals[param_eval]);
    assert_ne!(p1.param.commitment, p2.param.commitment);
    // No weight or bias value appears as a word of the VK or of a proof.
    let mut words: Vec<[u8; 32]> = p1.to_bytes().chunks(32).map(|c| c.try_into().unwrap()).collect();
    for c in std::iter::once(&a.vk.param_commitment).chain(&a.vk.fixed_groups) {
        words.extend(g1_to_words(c));
    }
    for gate in &a.graph.gates {
        if let Gate::Affine(g) = gate {
            let params = g.terms.iter().map(|(_, w)| *w as i128).chain([g.offset]);
            for v in params.filter(|v| v.abs() > 1) {
                assert!(!words.contains(&fr_to_word(&fr_from_i128(v))), "parameter {v} leaked");
            }
        }
    }
}


#[test]
fn calibrated_sign_table_is_small_and_guards_its_range() {
    // The mixed graph's quotients are small: the calibrated sign table is far below 2^s entries
    // and still proves; a narrower one than the values need is refused, naming the node.
    let mut g = mixed_graph(10, 42);
    let h = g.calibrated_sign_bits();
    assert!(h < 10, "h = {h}");
    let full_rows = Circuit::compile(&g).unwrap().table_entries;
    let mut narrow = g.clone();
    let err = narrow.apply_sign_bits(1).unwrap_err();
    assert!(matches!(&err, crate::Error::OutOfRange { .. }), "{err}");
    g.apply_sign_bits(h).unwrap();
    let s = setup_graph(g, 30);
    assert_eq!(s.circuit.table_entries, full_rows - (1 << 10) + (1 << h));
    verify(&s.vk, &instances(&s), &prove_seeded(&s, 31)).unwrap();
}

/// A model without inputs (a constant output, as ONNX `Range` gives): the public-input column is
/// all zero, which the prover keeps as an empty polynomial; the proof verifies.
#[test]
fn a_model_without_inputs_proves() {
    let mut b = crate::compiler::graph::Builder::new(8);
    let c = b.constant(1.5);
    let s = setup_graph(b.finish(&[c]).unwrap(), 50);
    assert_eq!(s.graph.num_inputs, 0);
    verify(&s.vk, &instances(&s), &prove_seeded(&s, 51)).unwrap();
}
