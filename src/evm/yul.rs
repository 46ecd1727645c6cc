//! The contract's constraint evaluation, generated from the same source as the Rust prover and
//! verifier: [`blocks::evaluate_constraints`] instantiated with [`Sym`], a Yul expression, so the
//! Solidity verifier cannot drift from the constraint system.
//!
//! Every leaf is a word the contract holds reduced below `r` (an evaluation from the proof, which
//! `_canonical` checks is `< r`, a challenge, a Lagrange sum, or a constant), so `a − b` can be
//! written `addmod(a, sub(rm, b), rm)` without an underflow. `rm` is a Yul local holding `r`
//! (declared by [`quotient_eval`]), so the modulus is one DUP instead of a 33-byte PUSH32 per
//! operation.

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField, Zero};
use std::ops::{Add, Mul, Sub};

use super::codegen::{
    fixed_at_zeta, witness_at_zeta, witness_at_zeta_omega, M_ALPHA, M_BETA, M_ETA, M_GAMMA, M_MU, M_L_IN, M_L_OUT, M_PI, M_TZ, M_ZH_INV,
};
use crate::blocks::{self, Ctx, Row, Value, NEXT_ROW};

/// A value in the generated Yul: a known constant (folded at generation time) or an expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Sym {
    Const(Fr),
    Expr(String),
}

impl Sym {
    /// A Yul expression, e.g. `mload(E_A)`.
    pub fn expr(e: impl Into<String>) -> Self {
        Sym::Expr(e.into())
    }

    /// The Yul source of this value.
    pub fn yul(&self) -> String {
        match self {
            Sym::Const(c) => literal(c),
            Sym::Expr(e) => e.clone(),
        }
    }

    fn is(&self, c: u64) -> bool {
        matches!(self, Sym::Const(v) if *v == Fr::from(c))
    }
}

/// The shortest hex literal of a field element (`0x0`, `0x400`, …).
fn literal(c: &Fr) -> String {
    let hex = hex::encode(c.into_bigint().to_bytes_be());
    match hex.trim_start_matches('0') {
        "" => "0x0".into(),
        digits => format!("0x{digits}"),
    }
}

impl Value for Sym {
    fn constant(c: Fr) -> Self {
        Sym::Const(c)
    }
}

impl Add for Sym {
    type Output = Sym;
    fn add(self, rhs: Sym) -> Sym {
        match (self, rhs) {
            (Sym::Const(a), Sym::Const(b)) => Sym::Const(a + b),
            (a, b) if b.is(0) => a,
            (a, b) if a.is(0) => b,
            (a, b) => Sym::Expr(format!("addmod({}, {}, rm)", a.yul(), b.yul())),
        }
    }
}

impl Sub for Sym {
    type Output = Sym;
    fn sub(self, rhs: Sym) -> Sym {
        match (self, rhs) {
            (Sym::Const(a), Sym::Const(b)) => Sym::Const(a - b),
            (a, b) if b.is(0) => a,
            (a, b) => Sym::Expr(format!("addmod({}, sub(rm, {}), rm)", a.yul(), b.yul())),
        }
    }
}

impl Mul for Sym {
    type Output = Sym;
    fn mul(self, rhs: Sym) -> Sym {
        match (self, rhs) {
            (Sym::Const(a), Sym::Const(b)) => Sym::Const(a * b),
            (a, b) if a.is(0) || b.is(0) => Sym::Const(Fr::zero()),
            (a, b) if b.is(1) => a,
            (a, b) if a.is(1) => b,
            (a, b) => Sym::Expr(format!("mulmod({}, {}, rm)", a.yul(), b.yul())),
        }
    }
}

/// Marks a next-row read of a column that is not opened at ζω: a constraint reading it would be
/// unsound in the Rust verifier too (it would see 0), so rendering refuses it.
const NOT_OPENED: &str = "NOT_OPENED_AT_ZETA_OMEGA";

fn load(name: &str) -> Sym {
    Sym::expr(format!("mload({name})"))
}

/// The body of the contract's `_quotientEval`: every constraint of [`blocks::evaluate_constraints`]
/// at ζ, read from the evaluations in memory, combined as [`blocks::combine`] does (Horner in α
/// from the last constraint, which starts the accumulator; every other is its own `let cK := …`
/// in a scope of its own, so the stack stays shallow, folded in by `combine([cK, acc], α)`), then
/// `T(ζ) = Σ α^k·C_k / Z_H(ζ)` stored at `M_TZ`.
pub fn quotient_eval(split: Sym, limb: Sym) -> String {
    let row = Row {
        wit: std::array::from_fn(|i| load(&witness_at_zeta(i))),
        wit_next: std::array::from_fn(|i| {
            if NEXT_ROW.iter().any(|c| *c as usize == i) {
                load(&witness_at_zeta_omega(i))
            } else {
                Sym::expr(NOT_OPENED)
            }
        }),
        fixed: std::array::from_fn(|i| load(&fixed_at_zeta(i))),
        l_inputs: load(M_L_IN),
        l_outputs: load(M_L_OUT),
        public: load(M_PI),
    };
    // The split and limb bases: literals of one key's limb geometry (per-model), or the words the
    // universal verifier derives from the loaded key.
    let ctx = Ctx {
        split,
        limb,
        beta: load(M_BETA),
        gamma: load(M_GAMMA),
        eta: load(M_ETA),
        mu: load(M_MU),
    };
    let mut constraints = Vec::new();
    blocks::evaluate_constraints(&row, &ctx, &mut constraints);
    assert_eq!(constraints.len(), blocks::NUM_CONSTRAINTS, "evaluate_constraints and NUM_CONSTRAINTS disagree");

    let mut out = format!("let rm := R_MOD\nlet alpha := mload({M_ALPHA})\n");
    let last = constraints.len() - 1;
    for (k, c) in constraints.iter().enumerate().rev() {
        let c = c.yul();
        assert!(!c.contains(NOT_OPENED), "constraint {k} ({}) reads a column on the next row that is not opened at ζω", blocks::constraint_block(k));
        out += &format!("// C{k}: {}\n", blocks::constraint_block(k));
        if k == last {
            out += &format!("let acc := {c}\n");
        } else {
            let step = blocks::combine(&[Sym::expr(format!("c{k}")), Sym::expr("acc")], Sym::expr("alpha"));
            out += &format!("{{\n    let c{k} := {c}\n    acc := {}\n}}\n", step.yul());
        }
    }
    out += &format!("mstore({M_TZ}, mulmod(acc, mload({M_ZH_INV}), rm))");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocks::limb::Limbs;
    use crate::blocks::{Fix, Wit, NUM_FIXED, NUM_WITNESS};
    use ark_ff::One;
    use ark_ff::UniformRand;
    use ark_std::rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    /// With constant leaves every operation folds, so the symbolic arithmetic is checked against
    /// the field's: the same constraints, the same combination.
    #[test]
    fn constant_leaves_fold_to_the_field_values() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut row = Row::<Fr>::default();
        row.wit = std::array::from_fn(|_| Fr::rand(&mut rng));
        row.wit_next = std::array::from_fn(|_| Fr::rand(&mut rng));
        row.fixed = std::array::from_fn(|_| Fr::rand(&mut rng));
        (row.l_inputs, row.l_outputs, row.public) = (Fr::rand(&mut rng), Fr::rand(&mut rng), Fr::rand(&mut rng));
        // Selectors 0 and 1 too, so the folding shortcuts are exercised.
        row.fixed[Fix::QChain as usize] = Fr::one();
        row.fixed[Fix::QMul as usize] = Fr::zero();
        let ctx = Ctx::new(Limbs::of(12), 64, Fr::rand(&mut rng), Fr::rand(&mut rng), Fr::rand(&mut rng));
        let alpha = Fr::rand(&mut rng);

        let c = Sym::Const;
        let sym_row = Row {
            wit: row.wit.map(c),
            wit_next: row.wit_next.map(c),
            fixed: row.fixed.map(c),
            l_inputs: c(row.l_inputs),
            l_outputs: c(row.l_outputs),
            public: c(row.public),
        };
        let sym_ctx = Ctx { split: c(ctx.split), limb: c(ctx.limb), beta: c(ctx.beta), gamma: c(ctx.gamma), eta: c(ctx.eta), mu: c(ctx.mu) };
        let (mut want, mut got) = (Vec::new(), Vec::new());
        blocks::evaluate_constraints(&row, &ctx, &mut want);
        blocks::evaluate_constraints(&sym_row, &sym_ctx, &mut got);
        assert_eq!(got, want.iter().copied().map(c).collect::<Vec<_>>());
        assert_eq!(blocks::combine(&got, c(alpha)), c(blocks::combine(&want, alpha)));
    }

    #[test]
    fn operations_render_as_reduced_yul_and_fold_trivial_constants() {
        let (a, b) = (Sym::expr("x"), Sym::expr("y"));
        let k = |v: u64| Sym::Const(Fr::from(v));
        assert_eq!((a.clone() + b.clone()).yul(), "addmod(x, y, rm)");
        assert_eq!((a.clone() - b.clone()).yul(), "addmod(x, sub(rm, y), rm)");
        assert_eq!((a.clone() * b.clone()).yul(), "mulmod(x, y, rm)");
        assert_eq!(a.clone() * k(1), a);
        assert_eq!(k(1) * a.clone(), a);
        assert_eq!(a.clone() * k(0), k(0));
        assert_eq!(k(0) * a.clone(), k(0));
        assert_eq!(a.clone() + k(0), a);
        assert_eq!(k(0) + a.clone(), a);
        assert_eq!(a.clone() - k(0), a);
        assert_eq!((k(0) - a.clone()).yul(), "addmod(0x0, sub(rm, x), rm)");
        assert_eq!((k(3) * a.clone() + k(1)).yul(), "addmod(mulmod(0x3, x, rm), 0x1, rm)");
        assert_eq!(k(1 << 20).yul(), "0x100000");
        assert_eq!(Sym::Const(-Fr::one()).yul(), "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000000");
    }

    #[test]
    fn quotient_eval_reads_every_column_by_name_and_stays_small() {
        let consts = Ctx::new(Limbs::of(10), 1, Fr::zero(), Fr::zero(), Fr::zero());
        let body = quotient_eval(Sym::Const(consts.split), Sym::Const(consts.limb));
        // Every constraint, in Horner order from the last, and the final store.
        for k in 0..blocks::NUM_CONSTRAINTS {
            assert!(body.contains(&format!("// C{k}: {}\n", blocks::constraint_block(k))), "C{k} missing");
        }
        assert!(body.find("// C13").unwrap() < body.find("// C0").unwrap());
        assert!(body.ends_with("mstore(M_TZ, mulmod(acc, mload(M_ZH_INV), rm))"));
        assert!(body.contains("acc := addmod(mulmod(acc, alpha, rm), c0, rm)"));
        // The scale is a literal; the columns are the named evaluations.
        assert!(body.contains("mulmod(0x400, mload(N_C), rm)"), "{body}");
        for name in [witness_at_zeta(Wit::Phi as usize), witness_at_zeta_omega(Wit::Phi as usize), fixed_at_zeta(Fix::Param as usize)] {
            assert!(body.contains(&format!("mload({name})")), "{name} not read");
        }
        assert_eq!(fixed_at_zeta(Fix::QChainNext as usize), "E_Q_CHAIN_NEXT");
        assert_eq!(fixed_at_zeta(Fix::TableDynamic as usize), "E_TABLE_DYNAMIC");
        // Small code: a bounded number of field operations (each a few bytes of bytecode).
        let ops = body.matches("addmod(").count() + body.matches("mulmod(").count();
        assert!(ops < 190 && body.len() < 9_000, "{ops} field operations, {} characters", body.len());
    }

    #[test]
    fn constant_names_are_distinct() {
        let mut names: Vec<String> = (0..NUM_WITNESS).map(witness_at_zeta).collect();
        names.extend((0..NUM_FIXED).map(fixed_at_zeta));
        names.extend(NEXT_ROW.iter().map(|c| witness_at_zeta_omega(*c as usize)));
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n);
    }
}
