//! End-to-end tests of the proof system on real fixtures, with a real (dev) SRS and pairings.

use super::*;
use crate::compiler::witness::Witness;
use crate::compiler::Circuit;
use crate::onnx;
use crate::pcs::Srs;
use ark_bn254::{Fr, G1Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::path::PathBuf;

pub(crate) fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

pub(crate) struct Setup {
    pub circuit: Circuit,
    pub pk: ProvingKey,
    pub vk: VerifyingKey,
    pub witness: Witness,
    pub float_output: Vec<f64>,
}

pub(crate) fn setup_fixture(model: &str, scale_bits: u32, srs_seed: u64) -> Setup {
    let path = fixture(&format!("{model}.onnx"));
    let input = onnx::read_input_json(&fixture(&format!("{model}.input.json"))).unwrap();
    let mlp = onnx::load_mlp(&path).unwrap();
    let q = onnx::quantize(&mlp, scale_bits);
    let circuit = Circuit::compile(&q).unwrap();
    let srs = Srs::insecure_dev(keys::srs_size_for(circuit.domain_size), &mut ChaCha20Rng::seed_from_u64(srs_seed));
    let (pk, vk) = setup(&circuit, &srs, &mut ChaCha20Rng::seed_from_u64(srs_seed + 1)).unwrap();
    let witness = circuit.witness(&onnx::quantize_input(&input, scale_bits)).unwrap();
    let float_output = onnx::run_float(&path, &input).unwrap();
    Setup { circuit, pk, vk, witness, float_output }
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
fn two_mlps_prove_verify_and_match_float() {
    for model in ["mlp_16_32_10", "mlp_deep"] {
        let s = setup_fixture(model, 10, 1);
        let proof = prove_seeded(&s, 7);
        let bytes = proof.to_bytes();
        assert_eq!(bytes.len(), proof::PROOF_BYTES);
        let parsed = Proof::from_bytes(&bytes).unwrap();
        assert_eq!(parsed, proof);
        verify(&s.vk, &instances(&s), &parsed).unwrap();
        let scale = (1u64 << 10) as f64;
        let max_out = s.float_output.iter().fold(0f64, |m, v| m.max(v.abs()));
        let err = s.witness.output.iter().zip(&s.float_output).map(|(q, f)| (*q as f64 / scale - f).abs()).fold(0f64, f64::max);
        assert!(err <= 0.01 * max_out, "{model}: max abs error {err} > 1% of {max_out}");
    }
}

#[test]
fn tampered_proofs_and_wrong_outputs_are_rejected() {
    let s = setup_fixture("mlp_16_32_10", 8, 2);
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
    p.param_commitment = (p.param_commitment + G1Affine::generator()).into_affine();
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
    let ours = setup_fixture("mlp_16_32_10", 8, 4);
    // Same architecture, other weights: perturb one weight and prove with keys for that model.
    let mlp = onnx::load_mlp(&fixture("mlp_16_32_10.onnx")).unwrap();
    let mut q = onnx::quantize(&mlp, 8);
    q.layers[0].weights[0][0] += 1;
    let circuit = Circuit::compile(&q).unwrap();
    let (pk, vk) = setup(&circuit, &ours.pk.srs, &mut ChaCha20Rng::seed_from_u64(77)).unwrap();
    let witness = circuit.witness(&ours.witness.input).unwrap();
    let proof = prove(&pk, &vk, &circuit, &witness, &mut ChaCha20Rng::seed_from_u64(5)).unwrap();
    verify(&vk, &prover::instances(&witness), &proof).unwrap();
    assert!(verify(&ours.vk, &prover::instances(&witness), &proof).is_err());
    // And the honest prover refuses to use mismatched keys.
    assert!(prove(&ours.pk, &ours.vk, &circuit, &witness, &mut ChaCha20Rng::seed_from_u64(5)).is_err());
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
    let s = setup_fixture("mlp_16_32_10", 8, 6);
    let inst = instances(&s);
    let l0 = &s.circuit.layers[0];
    let o = l0.block_row(3);
    let cases = [
        ("dense running sum", Wit::C, o + 5),
        ("dense input copy", Wit::A, o + 4),
        ("rescale remainder", Wit::A, o + 1),
        ("rescale sign", Wit::D, o + 1),
        ("relu output", Wit::C, o),
        ("lookup multiplicity", Wit::Mult, s.circuit.table_rows[3]),
    ];
    for (what, col, row) in cases {
        let p = forged(&s, col, row, Fr::from(1u64));
        assert!(verify(&s.vk, &inst, &p).is_err(), "{what}: forged proof accepted");
    }
}

#[test]
fn forged_output_with_consistent_rescale_is_caught_by_range_lookup() {
    // Move an output by one unit and re-balance the rescale with a remainder outside [0, 2^s):
    // every gate holds on H, only the range lookup can catch it.
    use crate::blocks::Wit;
    let s = setup_fixture("mlp_16_32_10", 8, 8);
    let last = s.circuit.layers.last().unwrap();
    let o = last.block_row(0);
    let mut w = s.witness.clone();
    let scale = Fr::from(1u64 << 8);
    w.columns[Wit::C as usize][o] += Fr::from(1u64); // output q + 1
    w.columns[Wit::B as usize][o + 1] += Fr::from(1u64); // lo + 1
    w.columns[Wit::A as usize][o + 1] -= scale; // r − 2^s
    let out_row = s.circuit.num_inputs;
    w.columns[Wit::A as usize][out_row] += Fr::from(1u64);
    w.output[0] += 1;
    let proof = prover::prove_with(&s.pk, &s.vk, &s.circuit, &w, &mut ChaCha20Rng::seed_from_u64(1), false, &mut Default::default())
            .unwrap();
    assert!(verify(&s.vk, &prover::instances(&w), &proof).is_err());
}

#[test]
fn seeded_proofs_are_deterministic_and_blinded() {
    let s = setup_fixture("mlp_16_32_10", 8, 10);
    assert_eq!(prove_seeded(&s, 11).to_bytes(), prove_seeded(&s, 11).to_bytes());
    let (a, b) = (prove_seeded(&s, 11), prove_seeded(&s, 12));
    assert_ne!(a.to_bytes(), b.to_bytes());
    verify(&s.vk, &instances(&s), &b).unwrap();
}

#[test]
fn vk_json_roundtrip_and_digest_binding() {
    let s = setup_fixture("mlp_flatten", 8, 12);
    let json = s.vk.to_json();
    let back = VerifyingKey::from_json(&json).unwrap();
    assert_eq!(back, s.vk);
    let mut bad = json.clone();
    bad["fixed_commitments"][2][0] = serde_json::json!("0x01");
    assert!(VerifyingKey::from_json(&bad).is_err());
}

#[test]
fn weights_stay_hidden() {
    use crate::blocks::{Fix, NUM_FIXED};
    use crate::pcs::encoding::{fr_from_i128, fr_to_word, g1_to_words};
    let a = setup_fixture("mlp_16_32_10", 8, 20);
    // Same model, same SRS, another setup: only the parameter commitment changes.
    let (_, vk2) = setup(&a.circuit, &a.pk.srs, &mut ChaCha20Rng::seed_from_u64(99)).unwrap();
    for k in 0..NUM_FIXED {
        let same = a.vk.fixed_commitments[k] == vk2.fixed_commitments[k];
        assert_eq!(same, k != Fix::Param as usize, "fixed column {k}");
    }
    // The VK's parameter commitment is not the plain commitment to the parameters.
    let domain = ark_poly::Radix2EvaluationDomain::<Fr>::new(a.circuit.domain_size).unwrap();
    use ark_poly::EvaluationDomain;
    let plain = a.pk.srs.commit(&domain.ifft(&a.circuit.fixed[Fix::Param as usize])).unwrap();
    assert_ne!(plain, a.vk.fixed_commitments[Fix::Param as usize]);
    // Two proofs open the parameter column to unrelated values, and both verify.
    let (p1, p2) = (prove_seeded(&a, 1), prove_seeded(&a, 2));
    verify(&a.vk, &instances(&a), &p1).unwrap();
    verify(&a.vk, &instances(&a), &p2).unwrap();
    let param_eval = crate::blocks::NUM_WITNESS + Fix::Param as usize;
    assert_ne!(p1.evals[param_eval], p2.evals[param_eval]);
    assert_ne!(p1.param_commitment, p2.param_commitment);
    // No weight or bias value appears as a word of the VK or of a proof.
    let mut words: Vec<[u8; 32]> = p1.to_bytes().chunks(32).map(|c| c.try_into().unwrap()).collect();
    for c in &a.vk.fixed_commitments {
        words.extend(g1_to_words(c));
    }
    for layer in &a.circuit.layers {
        let params = layer.weights.iter().flatten().map(|w| *w as i128).chain(layer.bias.iter().copied());
        for v in params.filter(|v| v.abs() > 1) {
            assert!(!words.contains(&fr_to_word(&fr_from_i128(v))), "parameter {v} leaked");
        }
    }
}

