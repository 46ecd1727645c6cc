//! Attacks on the merged logUp helper of lookup slots 1 and 2
//! (`h₁₂·(β − f₁)·(β − f₂) − q₁·(β − f₂) − q₂·(β − f₁) = 0`) and on the quotient degree it
//! implies: a cheating prover who hides an out-of-table value by crafting `h₁₂` so that the
//! running sum φ closes, on a row with both slots on, with one on, and with none on.

use super::tests::{gate_row, setup_mixed, Setup};
use super::{prover, verify, Proof};
use crate::blocks::{self, lookup, Ctx, Fix, Row, Wit, NUM_FIXED, NUM_WITNESS};
use crate::compiler::graph::{Act, Gate};
use crate::compiler::witness::Witness;
use ark_bn254::Fr;
use ark_ff::{Field, One, UniformRand, Zero};
use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// An output moved by one with its rescale re-balanced (`lo + 1`, remainder `r − D` on R, bound
/// `2D − 1 − r` on O) and the output `d` of O recomputed from the new `q`: every gate holds on H
/// (the wiring copies of the output keep the old value, also a failed lookup), only lookups object.
fn out_of_table_witness(s: &Setup) -> Witness {
    let o = gate_row(s, |g| matches!(g, Gate::Affine(a) if a.act == Act::Relu && a.div > 1));
    let div = match &s.graph.gates[s.circuit.gate_row.iter().position(|r| *r == o).unwrap()] {
        Gate::Affine(a) => Fr::from(a.div),
        _ => unreachable!(),
    };
    let r = o + 1;
    let split = Fr::from(1u64 << s.circuit.limbs.split_bits());
    let mut w = s.witness.clone();
    w.columns[Wit::B as usize][r] += Fr::one();
    w.columns[Wit::A as usize][r] -= div;
    w.columns[Wit::A as usize][o] += div;
    let q = split * w.columns[Wit::C as usize][r] + w.columns[Wit::B as usize][r];
    let f = |c: Fix| s.circuit.fixed[c as usize][o];
    let sgn = w.columns[Wit::D as usize][r];
    w.columns[Wit::D as usize][o] = if f(Fix::QLinear).is_one() { q } else if f(Fix::QRelu).is_one() { q * sgn } else { sgn };
    w
}

fn round1_row(fixed: &[Vec<Fr>], w: &Witness, r: usize) -> Row<Fr> {
    Row {
        wit: std::array::from_fn(|k| w.columns.get(k).map_or(Fr::zero(), |c| c[r])),
        fixed: std::array::from_fn(|k| fixed[k][r]),
        ..Row::default()
    }
}

/// Σ_rows (h₁₂ + h₃) − Σ_rows m/(β − t): zero iff φ closes.
fn imbalance(fixed: &[Vec<Fr>], w: &Witness, helpers: &[Vec<Fr>], ctx: &Ctx<Fr>) -> Fr {
    (0..fixed[0].len())
        .map(|r| {
            let t = lookup::table_entry(&round1_row(fixed, w, r), ctx);
            helpers[0][r] + helpers[1][r] - w.columns[Wit::Mult as usize][r] * (ctx.beta - t).inverse().unwrap()
        })
        .sum()
}

fn slots(s: &Setup, r: usize) -> (bool, bool) {
    (s.circuit.fixed[Fix::QLookup1 as usize][r].is_one(), s.circuit.fixed[Fix::QLookup2 as usize][r].is_one())
}

/// The prover, with h₁₂ on row `at` shifted so that φ closes despite the out-of-table values.
fn prove_crafted(s: &Setup, w: &Witness, at: usize, self_check: bool) -> crate::Result<Proof> {
    let (fixed, w2) = (s.circuit.fixed.clone(), w.clone());
    let hook = Box::new(move |helpers: &mut [Vec<Fr>], ctx: &Ctx<Fr>| {
        let delta = imbalance(&fixed, &w2, helpers, ctx);
        helpers[0][at] -= delta;
        assert!(imbalance(&fixed, &w2, helpers, ctx).is_zero());
    });
    prover::CHEATS.with(|c| c.borrow_mut().helpers = Some(hook));
    let out = prover::prove_with(&s.pk, &s.vk, &s.circuit, w, &mut ChaCha20Rng::seed_from_u64(11), self_check, &mut Default::default());
    prover::CHEATS.with(|c| c.borrow_mut().helpers = None);
    out
}

/// Rows to put the crafted h₁₂ on: one with both slots on, one with only slot 1, one with only
/// slot 2, one with neither (whichever exist).
fn target_rows(s: &Setup) -> Vec<(&'static str, usize)> {
    let n = s.circuit.domain_size;
    let mut out = Vec::new();
    for (what, want) in [("q1 = q2 = 1", (true, true)), ("q1 = 1, q2 = 0", (true, false)), ("q1 = 0, q2 = 1", (false, true)), ("q1 = q2 = 0", (false, false))] {
        if let Some(r) = (0..n).find(|r| slots(s, *r) == want) {
            out.push((what, r));
        }
    }
    out
}

/// The attack: the out-of-table witness, h₁₂ crafted on one row so that the logUp sum balances.
/// The honest prover's check names the merged helper's constraint; the Rust verifier rejects.
#[test]
fn crafted_h12_hiding_an_out_of_table_value_is_rejected() {
    let s = setup_mixed(8, 8);
    let w = out_of_table_witness(&s);
    let inst = prover::instances(&w);
    // Control: honest helpers; φ does not close.
    let err = prover::prove_with(&s.pk, &s.vk, &s.circuit, &w, &mut ChaCha20Rng::seed_from_u64(11), true, &mut Default::default()).unwrap_err();
    assert!(err.to_string().contains("not in the table"), "{err}");
    let rows = target_rows(&s);
    assert!(rows.iter().any(|(w, _)| *w == "q1 = q2 = 1"), "the circuit has a row with both slots on");
    for (what, at) in rows {
        let err = prove_crafted(&s, &w, at, true).unwrap_err();
        eprintln!("{what} (row {at}): {err}");
        assert!(err.to_string().contains(&format!("constraint 12 (lookup slots 1 and 2) fails on row {at}")), "{what}: {err}");
        let proof = prove_crafted(&s, &w, at, false).unwrap();
        let err = verify(&s.vk, &inst, &proof).unwrap_err();
        eprintln!("  verifier: {err}");
    }
}

/// The same crafted proofs on the per-model and the universal contract: both reject each, and accepts the honest one.
#[tokio::test]
async fn contract_rejects_crafted_h12() {
    use crate::evm::{build_universal_verifier, build_verifier, call_verify, call_verify_universal, deploy, key_words, register, LocalNode, B256, U256, DEFAULT_RECEIPT_TIMEOUT};
    let s = setup_mixed(8, 8);
    let node = LocalNode::spawn().unwrap();
    let (url, key) = (node.endpoint(), node.dev_key());
    let dir = tempfile::tempdir().unwrap();
    let own = deploy(&url, &key, build_verifier(&s.vk, dir.path()).unwrap().bytecode, DEFAULT_RECEIPT_TIMEOUT).await.unwrap().address;
    let universal = deploy(&url, &key, build_universal_verifier(dir.path()).unwrap().bytecode, DEFAULT_RECEIPT_TIMEOUT).await.unwrap().address;
    let model_key: Vec<U256> = key_words(&s.vk).iter().map(|w| U256::from_be_bytes(*w)).collect();
    register(&url, &key, universal, B256::from(s.vk.digest()), model_key.clone(), DEFAULT_RECEIPT_TIMEOUT).await.unwrap();
    let honest = prover::prove(&s.pk, &s.vk, &s.circuit, &s.witness, &mut ChaCha20Rng::seed_from_u64(3)).unwrap();
    let hi: Vec<U256> = crate::evm::contract_instances(&prover::instances(&s.witness)).unwrap();
    assert!(call_verify(&url, own, honest.to_bytes(), hi.clone()).await.unwrap(), "honest proof");
    assert!(call_verify_universal(&url, universal, model_key.clone(), honest.to_bytes(), hi).await.unwrap(), "honest proof (universal)");
    let w = out_of_table_witness(&s);
    let inst: Vec<U256> = crate::evm::contract_instances(&prover::instances(&w)).unwrap();
    for (what, at) in target_rows(&s) {
        let proof = prove_crafted(&s, &w, at, false).unwrap();
        assert!(verify(&s.vk, &prover::instances(&w), &proof).is_err());
        assert!(!call_verify(&url, own, proof.to_bytes(), inst.clone()).await.unwrap(), "{what}: contract accepted");
        assert!(!call_verify_universal(&url, universal, model_key.clone(), proof.to_bytes(), inst.clone()).await.unwrap(), "{what}: universal accepted");
    }
}

/// For (q₁, q₂) ∈ {0,1}², the merged constraint is `h₁₂·d₁·d₂ − (q₁·d₂ + q₂·d₁)`, linear in
/// h₁₂ with leading coefficient d₁·d₂: whenever d₁·d₂ ≠ 0 its one root is q₁/d₁ + q₂/d₂ (f₁ = f₂
/// included). Only β = f₁ or β = f₂ on some row (probability ≤ 2N/r, f fixed before β) frees h₁₂.
#[test]
fn merged_helper_has_one_solution_unless_beta_hits_an_input() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let eval = |row: &Row<Fr>, ctx: &Ctx<Fr>| {
        let mut out = Vec::new();
        lookup::constraints(row, ctx, &mut out);
        out[0]
    };
    for (q1, q2) in [(0u64, 0u64), (1, 0), (0, 1), (1, 1)] {
        for same in [false, true] {
            let ctx = Ctx { split: Fr::one(), limb: Fr::one(), beta: Fr::rand(&mut rng), gamma: Fr::rand(&mut rng), eta: Fr::one(), mu: Fr::one() };
            let mut row = Row::<Fr>::default();
            row.fixed[Fix::QLookup1 as usize] = Fr::from(q1);
            row.fixed[Fix::QLookup2 as usize] = Fr::from(q2);
            row.fixed[Fix::Tag1 as usize] = Fr::from(5u64);
            row.fixed[Fix::Tag2 as usize] = Fr::from(if same { 5u64 } else { 7 });
            row.wit[Wit::A as usize] = Fr::from(3u64);
            row.wit[Wit::B as usize] = Fr::from(if same { 3u64 } else { 9 });
            let [f1, f2, _] = lookup::lookup_inputs(&row, &ctx);
            let want = Fr::from(q1) / (ctx.beta - f1) + Fr::from(q2) / (ctx.beta - f2);
            // Linear in h: c(h) = c(0) + h·(c(1) − c(0)); its root is unique and the honest value.
            row.wit[Wit::H12 as usize] = Fr::zero();
            let c0 = eval(&row, &ctx);
            row.wit[Wit::H12 as usize] = Fr::one();
            let slope = eval(&row, &ctx) - c0;
            assert!(!slope.is_zero());
            assert_eq!(-c0 / slope, want, "q = ({q1}, {q2}), f1 = f2: {same}");
        }
    }
    // The degenerate case: β = f₁ on a row with q₁ = 0, q₂ = 1 leaves h₁₂ free (slot 2 unchecked).
    let mut ctx = Ctx { split: Fr::one(), limb: Fr::one(), beta: Fr::zero(), gamma: Fr::rand(&mut rng), eta: Fr::one(), mu: Fr::one() };
    let mut row = Row::<Fr>::default();
    row.fixed[Fix::QLookup2 as usize] = Fr::one();
    row.wit[Wit::A as usize] = Fr::from(3u64);
    row.wit[Wit::B as usize] = Fr::from(1u64 << 40);
    ctx.beta = lookup::lookup_inputs(&row, &ctx)[0];
    for h in [Fr::zero(), Fr::one(), Fr::rand(&mut rng)] {
        row.wit[Wit::H12 as usize] = h;
        assert!(eval(&row, &ctx).is_zero());
    }
}

/// Degrees of the constraints as polynomials in X: witness columns N − 1 + 4 (blinded), fixed
/// columns at most N + 1 (the hiding parameter column), the Lagrange sums N − 1. Every
/// constraint's quotient fits `quotient_len`, and the 4N coset holds the numerator iff N ≥ 16.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Deg(i64);
impl std::ops::Add for Deg {
    type Output = Deg;
    fn add(self, o: Deg) -> Deg {
        Deg(self.0.max(o.0))
    }
}
impl std::ops::Sub for Deg {
    type Output = Deg;
    fn sub(self, o: Deg) -> Deg {
        Deg(self.0.max(o.0))
    }
}
impl std::ops::Mul for Deg {
    type Output = Deg;
    fn mul(self, o: Deg) -> Deg {
        Deg(self.0 + o.0)
    }
}
impl blocks::Value for Deg {
    fn constant(_: Fr) -> Self {
        Deg(0)
    }
}

#[test]
fn quotient_degree_bound_and_coset_size() {
    for log_n in 3..=20 {
        let n = 1i64 << log_n;
        let w = Deg(n - 1 + super::WITNESS_BLINDERS as i64);
        let row = Row { wit: [w; NUM_WITNESS], wit_next: [w; NUM_WITNESS], fixed: [Deg(n + 1); NUM_FIXED], l_inputs: Deg(n - 1), l_outputs: Deg(n - 1), public: Deg(n - 1) };
        let ctx = Ctx { split: Deg(0), limb: Deg(0), beta: Deg(0), gamma: Deg(0), eta: Deg(0), mu: Deg(0) };
        let mut out = Vec::new();
        blocks::evaluate_constraints(&row, &ctx, &mut out);
        // Fixed columns other than the parameter column have degree ≤ N − 1; recompute with that.
        let mut row2 = row.clone();
        row2.fixed = [Deg(n - 1); NUM_FIXED];
        row2.fixed[Fix::Param as usize] = Deg(n + 1);
        let mut out2 = Vec::new();
        blocks::evaluate_constraints(&row2, &ctx, &mut out2);
        let max = out2.iter().max().unwrap().0;
        if log_n == 10 {
            for (k, d) in out2.iter().enumerate() {
                eprintln!("C{k} {}: degree 3N {:+}", blocks::constraint_block(k), d.0 - 3 * n);
            }
        }
        assert!(max - n < super::keys::quotient_len(n as usize) as i64, "N = {n}: numerator degree {max}");
        assert_eq!(max, 3 * n + 9, "the cubic h12·a·b term is the highest");
        assert_eq!(max < 4 * n, n >= 16, "N = {n}: the 4N coset holds degree {max} iff N ≥ 16");
    }
}
