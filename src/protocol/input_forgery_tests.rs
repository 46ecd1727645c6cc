//! Finding 2: public inputs were free field elements. A cheating prover solves a gate for any
//! output with an input far outside every range (`x1 = (D·q* − p − W0·x0)·W1⁻¹ mod r`), or
//! gives a boolean input the value 2. These tests forge such witnesses at field level, show that
//! the circuit without its input checks accepts them (the finding, reproduced), and that with the
//! checks the Rust verifier and the generated contract on anvil reject them while honest proofs
//! still verify.

use std::collections::HashMap;

use ark_bn254::Fr;
use ark_ff::{BigInteger, Field, One, PrimeField, Zero};
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::tests::{setup_graph, setup_graph_packed, Setup};
use super::{prove, prover, verify, Proof};
use crate::blocks::{Fix, Wit};
use crate::compiler::graph::{Act, Affine, Builder, ElementGraph, Gate};
use crate::compiler::witness::Witness;
use crate::compiler::Circuit;
use crate::pcs::encoding::fr_from_i128;
use crate::Error;

const S: u32 = 8;

/// Finding 2's model: `y = ReLU(0.3·x0 + 0.9·x1)`; at `x = (0.5, 0.25)` it outputs 0.375. The
/// weights round to `D = 2^s` with `W1 = 230`, so solving for `x1` takes a division mod r.
fn dense_relu(x1: f64) -> ElementGraph {
    let mut b = Builder::new(S);
    let x0 = b.input(0.5, false).unwrap();
    let x1 = b.input(x1, false).unwrap();
    b.set_node("dense");
    let z = b.linear(&[(x0, 0.3), (x1, 0.9)], 0.0).unwrap();
    let y = b.relu(z).unwrap();
    b.finish(&[y]).unwrap()
}

/// Two dense ReLUs over the same inputs, packed together (and so the input checks too):
/// `ReLU(0.3·x0 + 0.9·x1) = 0.375` and `ReLU(0.6·x0 − 0.7·x1) = 0.125` at `x = (0.5, 0.25)`.
fn packed_pair() -> ElementGraph {
    let mut b = Builder::new(S);
    let x0 = b.input(0.5, false).unwrap();
    let x1 = b.input(0.25, false).unwrap();
    b.set_node("dense");
    let ys = [(0.3, 0.9), (0.6, -0.7)].map(|(w0, w1)| {
        let z = b.linear(&[(x0, w0), (x1, w1)], 0.0).unwrap();
        b.relu(z).unwrap()
    });
    b.finish(&ys).unwrap()
}

/// A boolean selecting a real, as Where lowers it: `y = b·x`, here `b = 1`, `x = 0.75`.
fn bool_times_real() -> ElementGraph {
    let mut b = Builder::new(S);
    let flag = b.bool_input(1.0).unwrap();
    let x = b.input(0.75, false).unwrap();
    b.set_node("select");
    let y = b.mul(flag, x).unwrap();
    b.finish(&[y]).unwrap()
}

/// `g` as the compiler laid it out before the fix: without its input checks (its last gates).
fn without_input_checks(g: &ElementGraph) -> ElementGraph {
    let mut g = g.clone();
    let n = g.first_input_check;
    g.gates.truncate(n);
    g.values.truncate(n);
    g.wire_scale.truncate(n);
    g.gate_node.truncate(n);
    g
}

/// `q = 2^s·hi + lo` with `lo` the low `s` bits of `q`'s canonical integer: the split an honest
/// prover makes of a small `q ≥ 0`, and a cheater's best try at a huge one.
fn split(q: Fr) -> (Fr, Fr) {
    let lo = Fr::from(q.into_bigint().as_ref()[0] & ((1 << S) - 1));
    let hi = (q - lo) * Fr::from(1u64 << S).inverse().expect("2^s ≠ 0");
    (hi, lo)
}

/// `[hi ≥ 0]` as the sign table has it, for the `hi` of [`split`] (a huge one reads as negative).
fn sign(hi: Fr) -> Fr {
    Fr::from((hi.into_bigint() < Fr::from(1u64 << (S - 1)).into_bigint()) as u64)
}

/// Writes the rows of the rescale gate `w` for the wire values `vals`: the chain (unless packed:
/// then `T` is only implied, and the packed sum checks it against the group's input rows), the
/// split of `q = (T + p)/D` (remainder 0, the only choice when `D = 1`, and the cheater's choice
/// otherwise), and the output, which must be what the gate's activation makes of `q`.
fn write_rescale(c: &Circuit, cols: &mut [Vec<Fr>], a: &Affine, w: usize, vals: &[Fr]) {
    let o = c.gate_row[w];
    let packed = c.group_of[w].is_some();
    let mut acc = Fr::zero();
    for j in (0..a.terms.len() + a.products.len()).rev() {
        let (m, cols) = (o + 2 + j, &mut *cols);
        let mut put = |col: Wit, v: Fr| if !packed { cols[col as usize][m] = v };
        if let Some((x, weight)) = a.terms.get(j) {
            acc += fr_from_i128(*weight as i128) * vals[*x as usize];
            put(Wit::A, vals[*x as usize]);
        } else {
            let (x, y) = a.products[j - a.terms.len()];
            acc += vals[x as usize] * vals[y as usize];
            put(Wit::A, vals[x as usize]);
            put(Wit::B, vals[y as usize]);
        }
        put(Wit::C, acc);
    }
    let div = Fr::from(a.div);
    let (hi, lo) = split((acc + fr_from_i128(a.offset)) * div.inverse().expect("D ≥ 1"));
    let sgn = sign(hi);
    let q = Fr::from(1u64 << S) * hi + lo;
    let out = match a.act {
        Act::Linear => q,
        Act::Relu => q * sgn,
        Act::Step => sgn,
    };
    assert_eq!(vals[w], out, "the forged value of wire {w} is not what its gate outputs");
    for (col, v) in [(Wit::A, Fr::zero()), (Wit::B, lo), (Wit::C, hi), (Wit::D, sgn)] {
        cols[col as usize][o + 1] = v;
    }
    cols[Wit::A as usize][o] = div - Fr::one();
    cols[Wit::D as usize][o] = out;
}

/// Multiplicities as an honest prover counts them, for every looked-up tuple that is in the table
/// (a cheater cannot count the others anywhere).
pub(crate) fn recount(c: &Circuit, cols: &mut [Vec<Fr>]) {
    let f = |k: Fix, r: usize| c.fixed[k as usize][r];
    let d = &cols[Wit::D as usize];
    let mut entries: HashMap<[Fr; 3], usize> = HashMap::new();
    for r in (0..c.domain_size).rev() {
        let value = f(Fix::TableValue, r) + f(Fix::TableDynamic, r) * d[r];
        entries.insert([f(Fix::TableKey, r), value, f(Fix::TableExtra, r)], r);
    }
    let mut mult = vec![0u64; c.domain_size];
    for r in 0..c.domain_size {
        let slots = [
            (Fix::QLookup1, [f(Fix::Tag1, r), cols[Wit::A as usize][r], Fr::zero()]),
            (Fix::QLookup2, [f(Fix::Tag2, r), cols[Wit::B as usize][r], Fr::zero()]),
            (Fix::QLookup3, [f(Fix::Tag3, r), cols[Wit::C as usize][r], d[r]]),
        ];
        for (_, tuple) in slots.iter().filter(|(q, _)| f(*q, r).is_one()) {
            if let Some(row) = entries.get(tuple) {
                mult[*row] += 1;
            }
        }
    }
    cols[Wit::Mult as usize] = mult.into_iter().map(Fr::from).collect();
}

/// A cheating prover's witness for the wire values `vals` (field elements, one per gate), laid
/// out as the compiler lays out `s`'s graph: input, packed input and output rows, every rescale
/// and lookup gate, multiplicities; the instances are the forged input and output.
fn forge(s: &Setup, vals: &[Fr]) -> Witness {
    let (c, g) = (&s.circuit, &s.graph);
    let mut w = s.witness.clone();
    let cols = &mut w.columns;
    for grp in &c.groups {
        for (j, x) in grp.inputs.iter().enumerate() {
            cols[Wit::A as usize][grp.first_row + j] = vals[*x as usize];
        }
    }
    for (x, gate) in g.gates.iter().enumerate() {
        let o = c.gate_row[x];
        match gate {
            Gate::Input => cols[Wit::D as usize][o] = vals[x],
            Gate::Affine(a) => write_rescale(c, cols, a, x, vals),
            Gate::Lookup { input, .. } => {
                cols[Wit::A as usize][o] = vals[*input as usize];
                cols[Wit::C as usize][o] = vals[*input as usize];
                cols[Wit::D as usize][o] = vals[x];
            }
        }
    }
    for (i, y) in g.outputs.iter().enumerate() {
        cols[Wit::A as usize][g.num_inputs + i] = vals[*y as usize];
    }
    recount(c, cols);
    w.instances = vals[..g.num_inputs].iter().chain(g.outputs.iter().map(|y| &vals[*y as usize])).copied().collect();
    w
}

/// The honest wire values of `g` as field elements.
fn field_values(g: &ElementGraph) -> Vec<Fr> {
    g.values.iter().map(|v| fr_from_i128(*v as i128)).collect()
}

/// A proof of `w` by a prover who skips its self-checks (and so commits to an unsatisfied
/// witness, the quotient truncated to fit).
pub(crate) fn cheat(s: &Setup, w: &Witness) -> Proof {
    prover::prove_with(&s.pk, &s.vk, &s.circuit, w, &mut ChaCha20Rng::seed_from_u64(5), false, &mut Default::default()).unwrap()
}

/// Finding 2's attack on `g = dense_relu(0.25)`: the output claimed to be 100.0 (honest: 0.375)
/// with `x1 = (D·q* − p − W0·x0)·W1⁻¹` (remainder 0), and every gate downstream consistent.
/// Returns the wire values: the input check of `x1`, if `g` has one, outputs `x1` itself.
fn forged_dense_values(g: &ElementGraph) -> Vec<Fr> {
    let Gate::Affine(dense) = &g.gates[2] else { panic!("gate 2 is the dense ReLU") };
    let (w0, w1) = (fr_from_i128(dense.terms[0].1 as i128), fr_from_i128(dense.terms[1].1 as i128));
    let q_star = Fr::from(100u64 << S);
    let mut vals = field_values(g);
    let x1 = (Fr::from(dense.div) * q_star - fr_from_i128(dense.offset) - w0 * vals[0]) * w1.inverse().unwrap();
    assert!(x1.into_bigint().num_bits() > 250, "x1 is a huge field element, far outside any input range");
    vals[1] = x1;
    vals[2] = q_star;
    if g.first_input_check < g.gates.len() {
        vals[g.first_input_check + 1] = x1;
    }
    vals
}

/// Finding 2's attack on both outputs of `packed_pair`: 100.0 and 50.0, with `(x0, x1)` solving
/// the two gates' equations `W·x = D·q* − p` mod r.
fn forged_pair_values(g: &ElementGraph) -> Vec<Fr> {
    let rows = [2, 3].map(|k| {
        let Gate::Affine(a) = &g.gates[k] else { panic!("gates 2 and 3 are the dense ReLUs") };
        let w = |j: usize| fr_from_i128(a.terms[j].1 as i128);
        (w(0), w(1), Fr::from(a.div), fr_from_i128(a.offset))
    });
    let q_star = [Fr::from(100u64 << S), Fr::from(50u64 << S)];
    let [(a, b, d1, p1), (c, e, d2, p2)] = rows;
    let (n1, n2) = (d1 * q_star[0] - p1, d2 * q_star[1] - p2);
    let det = (a * e - b * c).inverse().expect("independent weights");
    let x = [(n1 * e - b * n2) * det, (a * n2 - n1 * c) * det];
    assert!(x.iter().all(|x| x.into_bigint().num_bits() > 250), "both inputs are huge field elements");
    let mut vals = field_values(g);
    vals[..2].copy_from_slice(&x);
    vals[2..4].copy_from_slice(&q_star);
    if g.first_input_check < g.gates.len() {
        vals[g.first_input_check..].copy_from_slice(&x);
    }
    vals
}

/// The boolean input of `bool_times_real` forged to 2: `y = 2·x = 1.5`; its check lookup outputs
/// what a table would (`2^s·2`), had it such an entry.
fn forged_bool_values(g: &ElementGraph) -> Vec<Fr> {
    let mut vals = field_values(g);
    vals[0] = Fr::from(2u64);
    vals[2] = vals[0] * vals[1];
    if g.first_input_check < g.gates.len() {
        vals[g.first_input_check] = Fr::from(2u64 << S);
    }
    vals
}

/// Keys, the forged witness and the cheater's proof for the circuit of `g`.
fn forgery(g: ElementGraph, values: fn(&ElementGraph) -> Vec<Fr>) -> (Setup, Witness, Proof) {
    let s = setup_graph_packed(g, 40);
    let mut honest = s.witness.columns.clone();
    recount(&s.circuit, &mut honest);
    assert_eq!(honest[Wit::Mult as usize], s.witness.columns[Wit::Mult as usize], "recount matches the honest prover");
    let w = forge(&s, &values(&s.graph));
    let proof = cheat(&s, &w);
    (s, w, proof)
}

#[test]
fn honest_proofs_with_input_checks_verify() {
    let g = dense_relu(0.25);
    assert_eq!(g.output_reals(), vec![0.375]);
    assert_eq!(g.gates.len(), 5, "two inputs, the dense ReLU, two input checks");
    for g in [g, bool_times_real()] {
        let s = setup_graph(g, 41);
        let proof = prove(&s.pk, &s.vk, &s.circuit, &s.witness, &mut ChaCha20Rng::seed_from_u64(1)).unwrap();
        verify(&s.vk, &prover::instances(&s.witness), &proof).unwrap();
    }
}

#[test]
fn input_solving_a_gate_mod_r_is_accepted_without_checks_and_rejected_with_them() {
    // Before the fix: the forged witness satisfies every constraint (the honest prover's own
    // self-check passes) and the proof of output 100.0 passes the pairing; only the verifier's
    // own bound on the inputs rejects it now.
    let (s, w, _) = forgery(without_input_checks(&dense_relu(0.25)), forged_dense_values);
    assert_eq!(w.instances[2], Fr::from(100u64 << S));
    let proof = prove(&s.pk, &s.vk, &s.circuit, &w, &mut ChaCha20Rng::seed_from_u64(2)).unwrap();
    assert!(circuit_accepts(&s, &w, &proof), "the circuit alone accepts the forgery");
    assert_rejected_by_input_bound(&s, &w, &proof);
    // With the input checks: x1's limbs cannot both be in their tables either.
    let (s, w, proof) = forgery(dense_relu(0.25), forged_dense_values);
    let err = prove(&s.pk, &s.vk, &s.circuit, &w, &mut ChaCha20Rng::seed_from_u64(2)).unwrap_err();
    assert!(err.to_string().contains("not in the table"), "{err}");
    assert!(!circuit_accepts(&s, &w, &proof), "the input checks reject the forgery");
    assert_rejected_by_input_bound(&s, &w, &proof);
}

/// The pairing verdict of a proof, without the verifier's range check of the inputs.
fn circuit_accepts(s: &Setup, w: &Witness, proof: &Proof) -> bool {
    super::verifier::accumulate_claims(&s.vk, &w.instances, proof).is_ok_and(|acc| acc.decide(&s.vk.g2, &s.vk.tau_g2))
}

fn assert_rejected_by_input_bound(s: &Setup, w: &Witness, proof: &Proof) {
    let err = verify(&s.vk, &w.instances, proof).unwrap_err();
    assert!(matches!(&err, Error::Rejected(m) if m.contains("outside the provable range")), "{err}");
}

#[test]
fn inputs_solving_packed_gates_mod_r_are_rejected_by_packed_input_checks() {
    let g = packed_pair();
    assert_eq!(g.output_reals(), vec![0.375, 0.125]);
    let (s, w, _) = forgery(without_input_checks(&g), forged_pair_values);
    assert_eq!(s.circuit.groups.len(), 1, "the two dense gates are packed");
    let proof = prove(&s.pk, &s.vk, &s.circuit, &w, &mut ChaCha20Rng::seed_from_u64(6)).unwrap();
    assert!(circuit_accepts(&s, &w, &proof), "the circuit alone accepts the forgery");
    assert_rejected_by_input_bound(&s, &w, &proof);
    let (s, w, proof) = forgery(g, forged_pair_values);
    assert_eq!(s.circuit.groups.len(), 2, "the input checks are packed too");
    assert!(prove(&s.pk, &s.vk, &s.circuit, &w, &mut ChaCha20Rng::seed_from_u64(6)).is_err());
    assert!(!circuit_accepts(&s, &w, &proof), "the input checks reject the forgery");
    assert_rejected_by_input_bound(&s, &w, &proof);
    let honest = prove(&s.pk, &s.vk, &s.circuit, &s.witness, &mut ChaCha20Rng::seed_from_u64(7)).unwrap();
    verify(&s.vk, &prover::instances(&s.witness), &honest).unwrap();
}

#[test]
fn boolean_input_forged_to_two_is_accepted_without_checks_and_rejected_with_them() {
    let (s, w, _) = forgery(without_input_checks(&bool_times_real()), forged_bool_values);
    let proof = prove(&s.pk, &s.vk, &s.circuit, &w, &mut ChaCha20Rng::seed_from_u64(3)).unwrap();
    verify(&s.vk, &w.instances, &proof).unwrap();
    let (s, w, proof) = forgery(bool_times_real(), forged_bool_values);
    assert_eq!(&w.instances[..2], &[Fr::from(2u64), Fr::from(3u64 << (S - 2))]);
    assert!(prove(&s.pk, &s.vk, &s.circuit, &w, &mut ChaCha20Rng::seed_from_u64(3)).is_err());
    assert!(verify(&s.vk, &w.instances, &proof).is_err());
}

#[test]
fn out_of_range_inputs_are_refused_naming_the_input() {
    // A boolean input other than 0 or 1.
    let err = Builder::new(S).bool_input(2.0).unwrap_err();
    assert!(matches!(&err, Error::OutOfRange { node, value, .. } if node == "input element 0 (boolean)" && *value == 2.0), "{err}");
    // A real input beyond the sign table calibrated on the example input (x1 = 0.25).
    let h = dense_relu(0.25).calibrated_sign_bits();
    let err = dense_relu(50.0).apply_sign_bits(h).unwrap_err();
    assert!(matches!(&err, Error::OutOfRange { node, value, .. } if node == "input element 1" && *value == 50.0), "{err}");
    // An integer input, reported in its own unit.
    let graph = |k: f64| {
        let mut b = Builder::new(S);
        let k = b.input(k, true).unwrap();
        let y = b.affine(k, 3.0, 1.0).unwrap();
        b.finish(&[y]).unwrap()
    };
    let h = graph(2.0).calibrated_sign_bits();
    let err = graph(5000.0).apply_sign_bits(h).unwrap_err();
    assert!(matches!(&err, Error::OutOfRange { node, value, .. } if node == "input element 0" && *value == 5000.0), "{err}");
    assert!(graph(5.0).apply_sign_bits(h).is_ok());
}

#[test]
fn boolean_table_keeps_its_two_entries_whatever_the_calibration() {
    let mut g = bool_times_real();
    let t = g.tables.len() - 1;
    let mut ranges: Vec<(i64, i64)> = g.tables.iter().map(|t| (t.min, t.max)).collect();
    ranges[t] = (-1, 2);
    g.apply_table_ranges(&ranges).unwrap();
    assert_eq!((g.tables[t].min, g.tables[t].max), (0, 1));
}

/// On the bundled fixtures the checks cost 3 gate rows per input and use no fixed or packed
/// weight column the model does not use already (so the verifier's work is unchanged).
#[test]
fn input_checks_cost_three_rows_each_and_no_new_column() {
    let used = |cols: &[Vec<Fr>]| cols.iter().map(|c| c.iter().any(|v| !v.is_zero())).collect::<Vec<_>>();
    for model in ["mlp_16_32_10", "cnn_small"] {
        let m = crate::onnx::Model::load(&super::tests::fixture(&format!("{model}.onnx"))).unwrap();
        let inputs = crate::onnx::read_input_json(&super::tests::fixture(&format!("{model}.input.json"))).unwrap();
        let (g, checked) = crate::commands::compile_model(&m, &inputs, 10, None).unwrap();
        let before = Circuit::compile(&without_input_checks(&g)).unwrap();
        assert_eq!(checked.gate_rows, before.gate_rows + 3 * g.num_inputs, "{model}");
        assert_eq!(used(&checked.fixed), used(&before.fixed), "{model}: fixed columns");
        assert_eq!(used(&checked.packed_weights), used(&before.packed_weights), "{model}: packed weight columns");
        eprintln!("{model}: {} inputs, gate rows {} -> {}, N {} -> {}", g.num_inputs, before.gate_rows, checked.gate_rows, before.domain_size, checked.domain_size);
    }
}

/// The generated contract on anvil agrees with Rust: the huge-input forgeries are rejected by
/// its own bound on the inputs whatever the circuit; the boolean forgery (2 is within the bound)
/// is accepted by the circuit without input checks and rejected with them; honest proofs pass.
#[tokio::test]
async fn generated_verifier_rejects_forged_inputs_on_anvil() {
    use crate::evm::{build_verifier, call_verify, deploy, LocalNode};
    let node = LocalNode::spawn().unwrap();
    // (what, graph, forged values, whether the forged inputs are within the verifier's bound)
    let cases: [(&str, fn() -> ElementGraph, fn(&ElementGraph) -> Vec<Fr>, bool); 3] = [
        ("x1 solving the dense gate", || dense_relu(0.25), forged_dense_values, false),
        ("x solving two packed gates", packed_pair, forged_pair_values, false),
        ("boolean input 2", bool_times_real, forged_bool_values, true),
    ];
    for (what, graph, values, in_bound) in cases {
        for checked in [false, true] {
            let g = if checked { graph() } else { without_input_checks(&graph()) };
            let (s, w, proof) = forgery(g, values);
            let dir = tempfile::tempdir().unwrap();
            let contract = build_verifier(&s.vk, dir.path()).unwrap();
            let address = deploy(&node.endpoint(), &node.dev_key(), contract.bytecode, crate::evm::DEFAULT_RECEIPT_TIMEOUT).await.unwrap().address;
            // A forged value that is no signed 64-bit integer cannot even be sent: the packed
            // encoding has no room for it.
            let forged = match crate::evm::contract_instances(&w.instances) {
                Ok(words) => call_verify(&node.endpoint(), address, proof.to_bytes(), words).await.unwrap(),
                Err(_) => false,
            };
            let accepted = in_bound && !checked;
            assert_eq!(forged, accepted, "{what}: forged proof, input checks {checked}");
            assert_eq!(verify(&s.vk, &w.instances, &proof).is_ok(), accepted, "{what}: Rust verdict differs");
            if checked {
                let honest = prove(&s.pk, &s.vk, &s.circuit, &s.witness, &mut ChaCha20Rng::seed_from_u64(4)).unwrap();
                let ok = call_verify(&node.endpoint(), address, honest.to_bytes(), crate::evm::contract_instances(&prover::instances(&s.witness)).unwrap()).await.unwrap();
                assert!(ok, "{what}: honest proof rejected by the contract");
            }
        }
    }
}
