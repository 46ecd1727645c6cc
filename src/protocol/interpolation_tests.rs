//! Interpolated functions ([`crate::compiler::interpolate`]) against a cheating prover who
//! moves the knot: for the input `X` it claims `HI' = HI − 8` (so the knot rescale's remainder
//! becomes `LO + 8·2^k ≥ D`), looks up that knot's intercept and slope (genuine table entries)
//! and outputs the extrapolated chord, a different value of the sigmoid. Every lookup and the
//! chord's rescale are then consistent; the one defect is the knot rescale's `D − 1 − r`, which
//! wraps modulo r, so the range table rejects it — in Rust and in the generated contract. With
//! that one range check taken out of the circuit, the same forgery verifies.

use ark_bn254::Fr;
use ark_ff::Zero;
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::input_forgery_tests::{cheat, recount};
use super::tests::{setup_graph, Setup};
use super::{prove, prover, verify};
use crate::blocks::{Fix, Wit};
use crate::calibration::calibrated_ranges;
use crate::compiler::graph::{Affine, Builder, ElementGraph, Func, Gate, TableKind, WireId};
use crate::compiler::interpolate::{self, Interp};
use crate::compiler::witness::Witness;
use crate::pcs::encoding::fr_from_i128;

/// Scale 2^10: range checks are direct lookups (no limb rows), as the forgery writes them.
const S: u32 = 10;
/// How many knots the cheater moves back.
const SHIFT: i64 = 8;

/// `sigmoid(x·0.7 + 0.3)` and a dense output beside it, with the sigmoid interpolated as setup
/// plans it (its calibrated range holds 2^15 inputs at 2^10).
fn graph(x: f64) -> ElementGraph {
    let build = |plan: &[(String, Interp)]| {
        let mut b = Builder::with_interpolation(S, plan);
        let x = b.input(x, false).unwrap();
        let spread = b.input(12.0, false).unwrap();
        b.set_node("affine");
        let z = b.linear(&[(x, 0.7)], 0.3).unwrap();
        b.set_node("sigmoid");
        let y = b.func(Func::Sigmoid, z).unwrap();
        // A second sigmoid input far out widens the calibrated range (and is an output too).
        let far = b.func(Func::Sigmoid, spread).unwrap();
        b.finish(&[y, far]).unwrap()
    };
    let direct = build(&[]);
    let ranges = calibrated_ranges(&direct);
    let plan = interpolate::plan(&direct, &ranges);
    assert_eq!(plan.len(), 1, "the sigmoid is interpolated: {plan:?}");
    let by_id = direct.tables.iter().map(|t| t.id()).zip(ranges).collect();
    let mut g = build(&plan);
    let ranges = interpolate::ranges_under_plan(&g.tables, &by_id);
    g.apply_table_ranges(&ranges).unwrap();
    g.apply_sign_bits(g.calibrated_sign_bits()).unwrap();
    g
}

/// The interpolation gates of the first output: knot rescale, intercept and slope lookups, chord.
fn interpolation_wires(g: &ElementGraph) -> [usize; 4] {
    let y = g.outputs[0] as usize;
    let Gate::Affine(chord) = &g.gates[y] else { panic!("the output is the chord rescale") };
    let (c, m) = (chord.terms[0].0 as usize, chord.products[0].0 as usize);
    let Gate::Lookup { input: hi, table } = g.gates[c] else { panic!("the chord's term is the intercept lookup") };
    assert!(matches!(g.tables[table as usize].kind, TableKind::Intercept(_)));
    [hi as usize, c, m, y]
}

/// Writes rescale gate `w`'s rows for the integer wire values `vals` and the claimed quotient
/// `q` (honest: `⌊(T + p)/D⌋`; anything else gives a remainder outside `[0, D)`).
fn write_rescale(s: &Setup, cols: &mut [Vec<Fr>], w: usize, vals: &[i128], q: i128) {
    let Gate::Affine(a) = &s.graph.gates[w] else { panic!("gate {w} is a rescale") };
    let Affine { terms, products, offset, div, .. } = a;
    assert!(s.circuit.group_of[w].is_none(), "gate {w} has its own chain rows");
    let o = s.circuit.gate_row[w];
    let mut acc = 0i128;
    for j in (0..terms.len() + products.len()).rev() {
        let m = o + 2 + j;
        if let Some((x, weight)) = terms.get(j) {
            acc += *weight as i128 * vals[*x as usize];
            cols[Wit::A as usize][m] = fr_from_i128(vals[*x as usize]);
        } else {
            let (x, y): (WireId, WireId) = products[j - terms.len()];
            acc += vals[x as usize] * vals[y as usize];
            cols[Wit::A as usize][m] = fr_from_i128(vals[x as usize]);
            cols[Wit::B as usize][m] = fr_from_i128(vals[y as usize]);
        }
        cols[Wit::C as usize][m] = fr_from_i128(acc);
    }
    let rem = acc + offset - *div as i128 * q;
    let split = 1i128 << S;
    let (hi, lo) = (q.div_euclid(split), q.rem_euclid(split));
    for (col, v) in [(Wit::A, rem), (Wit::B, lo), (Wit::C, hi), (Wit::D, (hi >= 0) as i128)] {
        cols[col as usize][o + 1] = fr_from_i128(v);
    }
    cols[Wit::A as usize][o] = fr_from_i128(*div as i128 - 1 - rem);
    cols[Wit::D as usize][o] = fr_from_i128(q);
}

/// The cheater's witness: knot `HI − SHIFT`, its table entries, the extrapolated chord as the
/// output. Returns it with the forged output value.
fn forge_moved_knot(s: &Setup) -> (Witness, i128) {
    let g = &s.graph;
    let [hi, c, m, y] = interpolation_wires(g);
    let mut vals: Vec<i128> = g.values.iter().map(|v| *v as i128).collect();
    let t = &g.tables[match g.gates[c] {
        Gate::Lookup { table, .. } => table as usize,
        _ => unreachable!(),
    }];
    let TableKind::Intercept(ip) = t.kind else { unreachable!() };
    let knot = vals[hi] - SHIFT as i128;
    vals[hi] = knot;
    vals[c] = interpolate::intercept(t, ip, knot as i64);
    vals[m] = interpolate::slope(t, ip, knot as i64);
    let Gate::Affine(chord) = &g.gates[y] else { unreachable!() };
    let x = vals[chord.products[0].1 as usize];
    let d = ip.div_bits();
    vals[y] = (vals[c] + vals[m] * x + (1i128 << (d - 1))).div_euclid(1i128 << d);

    let mut w = s.witness.clone();
    let cols = &mut w.columns;
    write_rescale(s, cols, hi, &vals, knot);
    for lookup in [c, m] {
        let o = s.circuit.gate_row[lookup];
        cols[Wit::A as usize][o] = fr_from_i128(knot);
        cols[Wit::C as usize][o] = fr_from_i128(knot);
        cols[Wit::D as usize][o] = fr_from_i128(vals[lookup]);
    }
    write_rescale(s, cols, y, &vals, vals[y]);
    cols[Wit::A as usize][g.num_inputs] = fr_from_i128(vals[y]);
    recount(&s.circuit, cols);
    w.instances[g.num_inputs] = fr_from_i128(vals[y]);
    (w, vals[y])
}

/// `s`'s circuit without the range check of the knot rescale's `D − 1 − r` (its `O` row's first
/// lookup slot), and keys for it.
fn without_knot_remainder_check(s: &Setup) -> Setup {
    let [hi, ..] = interpolation_wires(&s.graph);
    let mut circuit = s.circuit.clone();
    circuit.fixed[Fix::QLookup1 as usize][circuit.gate_row[hi]] = Fr::zero();
    let srs = crate::pcs::Srs::insecure_dev(super::keys::srs_size_for(circuit.domain_size), &mut ChaCha20Rng::seed_from_u64(9));
    let (pk, vk) = super::setup(&circuit, &srs, &mut ChaCha20Rng::seed_from_u64(10)).unwrap();
    Setup { graph: s.graph.clone(), circuit, pk, vk, witness: s.witness.clone() }
}

#[test]
fn moved_knot_is_rejected_and_is_caught_by_the_knot_remainder_alone() {
    let s = setup_graph(graph(1.2), 1);
    let honest = prove(&s.pk, &s.vk, &s.circuit, &s.witness, &mut ChaCha20Rng::seed_from_u64(2)).unwrap();
    verify(&s.vk, &prover::instances(&s.witness), &honest).unwrap();
    let (w, forged) = forge_moved_knot(&s);
    let y = s.graph.values[s.graph.outputs[0] as usize] as i128;
    assert_ne!(forged, y, "the extrapolated chord must be another output");
    assert!(verify(&s.vk, &w.instances, &cheat(&s, &w)).is_err(), "moved knot accepted");
    // Its only defect: without that one range check, the same forgery proves and verifies.
    let weaker = without_knot_remainder_check(&s);
    let (w, _) = forge_moved_knot(&weaker);
    let proof = prove(&weaker.pk, &weaker.vk, &weaker.circuit, &w, &mut ChaCha20Rng::seed_from_u64(6)).unwrap();
    verify(&weaker.vk, &w.instances, &proof).unwrap();
}

/// The generated contract accepts the honest proof and rejects the moved knot.
#[tokio::test]
async fn generated_verifier_rejects_a_moved_knot_on_anvil() {
    use crate::evm::{build_verifier, call_verify, deploy, LocalNode};
    let node = LocalNode::spawn().unwrap();
    let words = |inst: &[Fr]| crate::evm::contract_instances(inst).unwrap();
    let s = setup_graph(graph(1.2), 4);
    let dir = tempfile::tempdir().unwrap();
    let contract = build_verifier(&s.vk, dir.path()).unwrap();
    let address = deploy(&node.endpoint(), &node.dev_key(), contract.bytecode, crate::evm::DEFAULT_RECEIPT_TIMEOUT).await.unwrap().address;
    let honest = prove(&s.pk, &s.vk, &s.circuit, &s.witness, &mut ChaCha20Rng::seed_from_u64(4)).unwrap();
    assert!(call_verify(&node.endpoint(), address, honest.to_bytes(), words(&prover::instances(&s.witness))).await.unwrap());
    let (w, _) = forge_moved_knot(&s);
    let forged = call_verify(&node.endpoint(), address, cheat(&s, &w).to_bytes(), words(&w.instances)).await.unwrap();
    assert!(!forged, "moved knot accepted on anvil");
}
