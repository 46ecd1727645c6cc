//! Attacks on the hiding of the private columns (docs/design.md, "Zero knowledge"): the
//! elimination that recovered every weight of v3 from public proofs, run against real proofs.
//!
//! A hidden column `F` (the parameters, or the packed weights combined with powers of η) is
//! revealed by a proof as a commitment `C` and its value `v` at ζ. With a single blinder λ
//! (`C = [F] + λ·[Z_H]`, `v = F(ζ) + λ·Z_H(ζ)`), λ cancels in `E = v·[Z_H] − Z_H(ζ)·C`, and
//! `X = E / Z_H(ζ) = Σ_j F_j·c_j·[Z_H] − [F]` with public `c_j = ω^j / (N·(ζ − ω^j))`: one linear
//! equation per proof in the unknown points `F_j·[Z_H]` and `[F]`, so enough proofs give every
//! `F_j·[Z_H]` (and a small-integer search the weight). Each test first runs the attack on
//! one-blinder openings it makes itself (the control: every weight comes back), then on the
//! prover's proofs, where it must recover nothing.

use super::tests::{setup_mixed, Setup};
use super::verifier::challenges;
use super::*;
use crate::blocks::{Fix, Wit, NUM_WITNESS};
use crate::pcs::powers;
use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::CurveGroup;
use ark_ff::{Field, One, UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// One revealed opening of a hidden column: its commitment, its value at ζ, ζ, and the η the
/// column was combined with (packed weights only).
struct Opening {
    commitment: G1Affine,
    value: Fr,
    zeta: Fr,
    eta: Fr,
}

/// `X = (v·[Z_H] − Z_H(ζ)·C) / Z_H(ζ)`: the opening with a single blinder eliminated.
fn eliminated(zh: G1Affine, o: &Opening, n: usize) -> G1Projective {
    let z_h = o.zeta.pow([n as u64]) - Fr::one();
    (zh * o.value - o.commitment * z_h) * z_h.inverse().unwrap()
}

/// `c_j = L_j(ζ) / Z_H(ζ) = ω^j / (N·(ζ − ω^j))` for the rows `rows`.
fn lagrange_over_vanishing(domain: &Radix2EvaluationDomain<Fr>, zeta: Fr, rows: &[usize]) -> Vec<Fr> {
    let n = Fr::from(domain.size() as u64);
    rows.iter()
        .map(|j| {
            let w = domain.group_gen().pow([*j as u64]);
            w * (n * (zeta - w)).inverse().unwrap()
        })
        .collect()
}

/// Solves the square system `Σ_u m[i][u]·y_u = rhs_i` over Fr with G1 unknowns (Gauss–Jordan on
/// the scalars, then `y = m⁻¹·rhs`).
fn solve(mut m: Vec<Vec<Fr>>, rhs: &[G1Projective]) -> Vec<G1Projective> {
    let k = m.len();
    let mut inv: Vec<Vec<Fr>> = (0..k).map(|i| (0..k).map(|j| if i == j { Fr::one() } else { Fr::zero() }).collect()).collect();
    for col in 0..k {
        let pivot = (col..k).find(|r| !m[*r][col].is_zero()).expect("the attack's system is regular");
        m.swap(col, pivot);
        inv.swap(col, pivot);
        let scale = m[col][col].inverse().unwrap();
        m[col].iter_mut().chain(inv[col].iter_mut()).for_each(|x| *x *= scale);
        for r in (0..k).filter(|r| *r != col) {
            let f = m[r][col];
            if !f.is_zero() {
                for c in 0..k {
                    let (a, b) = (m[col][c], inv[col][c]);
                    m[r][c] -= f * a;
                    inv[r][c] -= f * b;
                }
            }
        }
    }
    inv.iter().map(|row| row.iter().zip(rhs).map(|(a, y)| *y * a).sum()).collect()
}

/// The attack on a hidden column combined as `Σ_t η^t·F_t` (one term for the parameters):
/// unknowns `F_tj·[Z_H]` for every `(t, j)` in `support`, then `[F_t]` for every `t` in use;
/// needs as many openings as unknowns. Returns the recovered `F_tj·[Z_H]`, in `support` order.
fn recover(domain: &Radix2EvaluationDomain<Fr>, zh: G1Affine, terms: usize, support: &[(usize, usize)], openings: &[Opening]) -> Vec<G1Projective> {
    let unknowns = support.len() + terms;
    assert!(openings.len() >= unknowns, "{} openings for {unknowns} unknowns", openings.len());
    let rows: Vec<usize> = support.iter().map(|(_, j)| *j).collect();
    let (mut m, mut rhs) = (Vec::new(), Vec::new());
    for o in &openings[..unknowns] {
        let eta = powers(o.eta, terms);
        let c = lagrange_over_vanishing(domain, o.zeta, &rows);
        let mut row: Vec<Fr> = support.iter().zip(&c).map(|((t, _), c)| eta[*t] * c).collect();
        row.extend(eta.iter().map(|e| -*e));
        m.push(row);
        rhs.push(eliminated(zh, o, domain.size()));
    }
    solve(m, &rhs)[..support.len()].to_vec()
}

/// How many of the recovered points are the true `F_tj·[Z_H]`.
fn recovered(found: &[G1Projective], support: &[(usize, usize)], columns: &[&Vec<Fr>], zh: G1Affine) -> usize {
    found.iter().zip(support).filter(|(y, (t, j))| **y == zh * columns[*t][*j]).count()
}

/// The cells `(t, j)` where some column is non-zero: the attacker is even given the support.
fn support_of(columns: &[&Vec<Fr>]) -> Vec<(usize, usize)> {
    let mut cells = Vec::new();
    for (t, col) in columns.iter().enumerate() {
        cells.extend(col.iter().enumerate().filter(|(_, v)| !v.is_zero()).map(|(j, _)| (t, j)));
    }
    cells
}

/// One-blinder openings of `Σ_t η^t·F_t` at random points: what v3's proofs revealed.
fn one_blinder_openings(s: &Setup, columns: &[&Vec<Fr>], count: usize) -> Vec<Opening> {
    let domain = Radix2EvaluationDomain::<Fr>::new(s.circuit.domain_size).unwrap();
    let zh = s.vk.hiding_bases[0];
    let mut rng = ChaCha20Rng::seed_from_u64(77);
    (0..count)
        .map(|_| {
            let (zeta, eta, lambda) = (Fr::rand(&mut rng), Fr::rand(&mut rng), Fr::rand(&mut rng));
            let eta_pows = powers(eta, columns.len());
            let values: Vec<Fr> = (0..domain.size()).map(|j| columns.iter().zip(&eta_pows).map(|(c, e)| c[j] * e).sum()).collect();
            let lagrange = domain.evaluate_all_lagrange_coefficients(zeta);
            let at_zeta: Fr = values.iter().zip(&lagrange).map(|(v, l)| *v * l).sum();
            let plain: G1Projective = s.pk.lagrange.iter().zip(&values).map(|(b, v)| *b * v).sum();
            let z_h = domain.evaluate_vanishing_polynomial(zeta);
            Opening { commitment: (plain + zh * lambda).into_affine(), value: at_zeta + lambda * z_h, zeta, eta }
        })
        .collect()
}

/// The openings of the parameter column (`packed = false`) or of `U'` that `count` real proofs
/// reveal, each proof checked valid first.
fn proof_openings(s: &Setup, packed: bool, count: usize) -> Vec<Opening> {
    let inst = prover::instances(&s.witness);
    (0..count as u64)
        .map(|seed| {
            let proof = prove(&s.pk, &s.vk, &s.circuit, &s.witness, &mut ChaCha20Rng::seed_from_u64(1000 + seed)).unwrap();
            verify(&s.vk, &inst, &proof).unwrap();
            let ch = challenges(&s.vk, &inst, &proof);
            let (commitment, at) = if packed {
                (proof.packed.commitment, Wit::U as usize)
            } else {
                (proof.param.commitment, NUM_WITNESS + Fix::Param as usize)
            };
            Opening { commitment, value: proof.evals[at], zeta: ch.zeta, eta: ch.eta }
        })
        .collect()
}

/// Runs the attack on one hidden column family: the control must recover every cell, real
/// proofs none.
fn attack(s: &Setup, columns: &[&Vec<Fr>], packed: bool) {
    let domain = Radix2EvaluationDomain::<Fr>::new(s.circuit.domain_size).unwrap();
    let zh = s.vk.hiding_bases[0];
    let support = support_of(columns);
    assert!(!support.is_empty(), "the model has hidden values to attack");
    let needed = support.len() + columns.len();
    let control = recover(&domain, zh, columns.len(), &support, &one_blinder_openings(s, columns, needed));
    assert_eq!(recovered(&control, &support, columns, zh), support.len(), "the attack works on one-blinder openings");
    let real = recover(&domain, zh, columns.len(), &support, &proof_openings(s, packed, needed));
    assert_eq!(recovered(&real, &support, columns, zh), 0, "the attack recovered hidden values from real proofs");
}

#[test]
fn elimination_attack_recovers_no_parameter_from_proofs() {
    let s = setup_mixed(8, 20);
    attack(&s, &[&s.circuit.fixed[Fix::Param as usize]], false);
}

#[test]
fn elimination_attack_recovers_no_packed_weight_from_proofs() {
    let s = setup_mixed(8, 20);
    let used: Vec<&Vec<Fr>> = s.circuit.packed_weights.iter().filter(|c| c.iter().any(|v| !v.is_zero())).collect();
    assert!(!used.is_empty(), "the mixed graph packs its dense layer");
    // U' combines W_t with η^t in column order; the used columns are a prefix.
    assert!(s.circuit.packed_weights[..used.len()].iter().all(|c| c.iter().any(|v| !v.is_zero())));
    attack(&s, &used, true);
}

/// With two blinders the eliminated point `X` of one proof is not `Σ_j F_j·c_j·[Z_H] − [F]`
/// even for the true `F`: no single proof lets anyone test a guessed model.
#[test]
fn one_proof_does_not_confirm_the_true_weights() {
    let s = setup_mixed(8, 20);
    let domain = Radix2EvaluationDomain::<Fr>::new(s.circuit.domain_size).unwrap();
    let zh = s.vk.hiding_bases[0];
    let param = &s.circuit.fixed[Fix::Param as usize];
    let rows: Vec<usize> = (0..domain.size()).collect();
    let plain: G1Projective = s.pk.lagrange.iter().zip(param).map(|(b, v)| *b * v).sum();
    let confirms = |o: &Opening| {
        let c = lagrange_over_vanishing(&domain, o.zeta, &rows);
        let predicted = zh * c.iter().zip(param).map(|(c, p)| *c * p).sum::<Fr>() - plain;
        eliminated(zh, o, domain.size()) == predicted
    };
    assert!(one_blinder_openings(&s, &[param], 3).iter().all(confirms), "the test confirms v3-style openings");
    assert!(!proof_openings(&s, false, 3).iter().any(confirms), "a proof confirmed the true weights");
}

/// A 4 → 3 dense layer with ReLU, two outputs over it, and one neuron over the first three
/// inputs alone; every weight and bias private.
fn small_dense(w1: &[[f64; 4]; 3], b1: [f64; 3], w3: [f64; 3]) -> crate::compiler::graph::ElementGraph {
    use crate::compiler::graph::Builder;
    let mut b = Builder::new(8);
    let x: Vec<_> = [0.5, -1.25, 0.75, 2.0].iter().map(|v| b.input(*v, false).unwrap()).collect();
    let neuron = |b: &mut Builder, inputs: &[u32], weights: &[f64], bias: f64| {
        let mut pairs: Vec<_> = inputs.iter().zip(weights).map(|(e, w)| (*e, b.weight(*w))).collect();
        let one = b.constant(1.0);
        pairs.push((one, b.weight(bias)));
        b.dot(&pairs).unwrap()
    };
    let h: Vec<_> = w1.iter().zip(b1).map(|(w, bias)| {
        let z = neuron(&mut b, &x, w, bias);
        b.relu(z).unwrap()
    }).collect();
    let o1 = neuron(&mut b, &h, &[0.37, -0.81, 0.52], 0.1);
    let o2 = neuron(&mut b, &h, &[-0.29, 0.66, 0.13], -0.2);
    let o3 = neuron(&mut b, &x[..3], &w3, 0.05);
    b.finish(&[o1, o2, o3]).unwrap()
}

/// The reviewer's attack on the public columns: knowing the architecture, try every zero
/// position of a weight with weights of one's own and compare the verifying key's public
/// commitments (all but the parameter column). v3 matched only the true position (zero
/// weights were dropped from the layout); now every hypothesis matches.
#[test]
fn public_columns_do_not_reveal_which_weights_are_zero() {
    use ark_ec::AffineRepr;
    use ark_std::rand::Rng;
    let public = |s: &Setup| (s.vk.fixed_layout, s.vk.fixed_groups.clone());
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let rnd = |rng: &mut ChaCha20Rng| rng.gen_range(0.2..0.9) * if rng.gen() { 1.0 } else { -1.0 };
    let mut secret = [[0.0; 4]; 3];
    secret.iter_mut().flatten().for_each(|w| *w = rnd(&mut rng));
    secret[1][3] = 0.0;
    let victim = super::tests::setup_graph(small_dense(&secret, [0.25, -0.5, 0.125], [0.6, 0.0004, -0.3]), 9);
    let mut matching = Vec::new();
    for hypothesis in 0..4 {
        let mut guess = [[0.0; 4]; 3];
        guess.iter_mut().flatten().for_each(|w| *w = rnd(&mut rng));
        let mut w3 = [rnd(&mut rng), rnd(&mut rng), rnd(&mut rng)];
        if hypothesis < 3 {
            w3[hypothesis] = 0.0;
        }
        let s = super::tests::setup_graph(small_dense(&guess, [0.3, 0.7, -0.1], w3), 9);
        if public(&s) == public(&victim) && s.vk.packed_commitments.iter().zip(&victim.vk.packed_commitments).all(|(a, b)| a.is_zero() == b.is_zero()) {
            matching.push(hypothesis);
        }
    }
    assert_eq!(matching, vec![0, 1, 2, 3], "the public columns tell zero patterns apart");
}

/// The reviewer's attack on the calibration: a sigmoid after a dense layer calibrated on a zero
/// input sees exactly the biases, and v3's exact table range gave back the extreme biases. The
/// rounded ranges, and the VK's table columns laid out from them, are the same for biases of
/// the same bit length.
#[test]
fn calibrated_table_ranges_do_not_reveal_the_biases() {
    use crate::compiler::graph::{Builder, Func};
    let run = |biases: [f64; 3]| {
        let mut b = Builder::new(8);
        let x: Vec<_> = (0..4).map(|_| b.input(0.0, false).unwrap()).collect();
        let w = [[0.3, -0.7, 0.55, 0.21], [-0.44, 0.62, 0.18, -0.9], [0.8, 0.11, -0.35, 0.47]];
        let outs: Vec<_> = w.iter().zip(biases).map(|(row, bias)| {
            let mut pairs: Vec<_> = x.iter().zip(row).map(|(e, c)| (*e, b.weight(*c))).collect();
            let one = b.constant(1.0);
            pairs.push((one, b.weight(bias)));
            let z = b.dot(&pairs).unwrap();
            b.func(Func::Sigmoid, z).unwrap()
        }).collect();
        let mut g = b.finish(&outs).unwrap();
        let ranges = crate::commands::calibrated_ranges(&g);
        g.apply_table_ranges(&ranges).unwrap();
        let s = super::tests::setup_graph(g, 3);
        (ranges, s.vk.fixed_layout, s.vk.fixed_groups)
    };
    assert_eq!(run([0.25, -1.5, 0.75]), run([0.3, -1.2, 0.9]));
}
