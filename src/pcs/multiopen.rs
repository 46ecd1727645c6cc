//! One opening proof for polynomials opened on different point sets (the Shplonk technique of
//! Boneh–Drake–Fisch–Gabizon 2020), with fixed columns interleaved k to a polynomial (fflonk's
//! packing, Gabizon–Khovratovich 2021).
//!
//! Each polynomial `p_i` is opened on one set `S_i` with a remainder `r_i` of degree `< |S_i|`:
//! - `{ζ}`: `r_i = p_i(ζ)`;
//! - `{ζ, ζω}`: `r_i` the line through `(ζ, p_i(ζ))` and `(ζω, p_i(ζω))`;
//! - the `k` roots of `X^k − ζ`: for `p_i = Σ_{j<k} f_j(X^k)·X^j`, `r_i = Σ_j f_j(ζ)·X^j`, so the
//!   remainder's coefficients are exactly the interleaved polynomials' values at ζ.
//!
//! With `Z_S` the vanishing polynomial of `S`, the relation proved is `Z_{S_i} | p_i − r_i` for
//! every `i`. The prover sends `W = [Σ_i ν^i·(p_i − r_i)/Z_{S_i}]₁`; after a fresh challenge `z`,
//! `L(X) = Σ_i ν^i/Z_{S_i}(z)·(p_i(X) − r_i(z)) − W(X)` vanishes at `z`, and `W' = [L/(X − z)]₁`
//! is an ordinary KZG opening of `[L]` at `z` to 0. A false relation survives only if `z` is a
//! root of a fixed non-zero rational function (probability ≤ deg/|F|) or if the powers of `ν`
//! cancel it. The sets must be disjoint except that `{ζ} ⊂ {ζ, ζω}`: ζ and ζω must not be roots
//! of `X^k − ζ`, and `z` must lie outside all of them ([`Points::check`]).
//!
//! The verifier's commitment `[L]` costs one scalar multiplication per opened commitment, one of
//! `[1]₁` for the remainders and none for `W` (its coefficient is −1), which is why fixed
//! columns are interleaved: one commitment stands for `k` of them.

use super::{divide_by_linear, Srs};
use crate::{Error, Result};
use ark_bn254::{Fr, G1Affine};
use ark_ff::{Field, One, Zero};
use rayon::prelude::*;

/// The set a polynomial is opened on, with its claimed values.
#[derive(Clone, Debug, PartialEq)]
pub enum Opened {
    /// `{ζ}`: its value there.
    AtZeta(Fr),
    /// `{ζ, ζω}`: its values at ζ and at ζω.
    AtZetaAndNext(Fr, Fr),
    /// The roots of `X^k − ζ`: the interleaved polynomials' values at ζ (`len ≤ k`).
    Interleaved(Vec<Fr>),
}

/// The opening points: ζ, ζω and the interleaving factor `k`.
#[derive(Clone, Copy, Debug)]
pub struct Points {
    pub zeta: Fr,
    pub zeta_next: Fr,
    pub k: usize,
}

impl Points {
    /// The sets are as required (ζ, ζω not roots of `X^k − ζ`) and `z` lies outside them.
    pub fn check(&self, z: Fr) -> Result<()> {
        let root = |x: Fr| x.pow([self.k as u64]) == self.zeta;
        if self.zeta == self.zeta_next || root(self.zeta) || root(self.zeta_next) {
            return Err(Error::Rejected("the opening sets overlap".into()));
        }
        if z == self.zeta || z == self.zeta_next || root(z) {
            return Err(Error::Rejected("the opening challenge lies in an opening set".into()));
        }
        Ok(())
    }

    /// `Z_S(x)` for the set of `o`.
    fn vanishing(&self, o: &Opened, x: Fr) -> Fr {
        match o {
            Opened::AtZeta(_) => x - self.zeta,
            Opened::AtZetaAndNext(..) => (x - self.zeta) * (x - self.zeta_next),
            Opened::Interleaved(_) => x.pow([self.k as u64]) - self.zeta,
        }
    }

    /// `r(x)` for the remainder of `o`.
    pub fn remainder(&self, o: &Opened, x: Fr) -> Fr {
        match o {
            Opened::AtZeta(v) => *v,
            Opened::AtZetaAndNext(v, w) => *v + self.slope(*v, *w) * (x - self.zeta),
            Opened::Interleaved(vs) => vs.iter().rev().fold(Fr::zero(), |acc, v| acc * x + v),
        }
    }

    /// The slope of the line through `(ζ, v)` and `(ζω, w)`.
    fn slope(&self, v: Fr, w: Fr) -> Fr {
        (w - v) * (self.zeta_next - self.zeta).inverse().expect("ζ ≠ ζω checked")
    }

    /// `(p − r)/Z_S` for the set and remainder of `o` (exact for an honest `p`).
    fn quotient(&self, p: &[Fr], o: &Opened) -> Result<Vec<Fr>> {
        let mut c = p.to_vec();
        match o {
            Opened::AtZeta(v) => subtract_at(&mut c, 0, *v),
            Opened::AtZetaAndNext(v, w) => {
                // r = v + slope·(X − ζ): subtract its two coefficients.
                let slope = self.slope(*v, *w);
                subtract_at(&mut c, 0, *v - slope * self.zeta);
                subtract_at(&mut c, 1, slope);
            }
            Opened::Interleaved(vs) => vs.iter().enumerate().for_each(|(j, v)| subtract_at(&mut c, j, *v)),
        }
        let (q, rest) = match o {
            Opened::AtZeta(_) => divide_exactly(&c, &[self.zeta]),
            Opened::AtZetaAndNext(..) => divide_exactly(&c, &[self.zeta, self.zeta_next]),
            Opened::Interleaved(_) => divide_by_power(&c, self.k, self.zeta),
        };
        if rest.iter().any(|r| !r.is_zero()) {
            return Err(Error::Rejected("internal error: an opened value is not the polynomial's".into()));
        }
        Ok(q)
    }

    /// The scalar of each opened commitment in `[L]` (`ν^i/Z_{S_i}(z)`) and that of `[1]₁`
    /// (`−Σ_i ν^i·r_i(z)/Z_{S_i}(z)`); `W` enters with −1 and `W'` with `z`.
    pub fn scalars(&self, opened: &[Opened], nu: Fr, z: Fr) -> (Vec<Fr>, Fr) {
        let mut dens: Vec<Fr> = opened.iter().map(|o| self.vanishing(o, z)).collect();
        ark_ff::batch_inversion(&mut dens);
        let mut power = Fr::one();
        let mut generator = Fr::zero();
        let scalars = opened
            .iter()
            .zip(&dens)
            .map(|(o, inv)| {
                let s = power * inv;
                generator -= s * self.remainder(o, z);
                power *= nu;
                s
            })
            .collect();
        (scalars, generator)
    }
}

/// `c[at] −= v`, growing `c` if it is shorter.
fn subtract_at(c: &mut Vec<Fr>, at: usize, v: Fr) {
    if c.len() <= at {
        c.resize(at + 1, Fr::zero());
    }
    c[at] -= v;
}

/// `c / Π (X − r)` over `roots`, and the remainders left by each division.
fn divide_exactly(c: &[Fr], roots: &[Fr]) -> (Vec<Fr>, Vec<Fr>) {
    let mut q = c.to_vec();
    let mut rest = Vec::new();
    for r in roots {
        rest.push(super::evaluate(&q, *r));
        q = divide_by_linear(&q, *r);
    }
    (q, rest)
}

/// `c / (X^k − a)`: quotient and remainder (`k` coefficients) by synthetic division, from
/// `c_j = q_{j−k} − a·q_j`.
fn divide_by_power(c: &[Fr], k: usize, a: Fr) -> (Vec<Fr>, Vec<Fr>) {
    if c.len() <= k {
        return (Vec::new(), c.to_vec());
    }
    let mut q = vec![Fr::zero(); c.len() - k];
    for j in (k..c.len()).rev() {
        let above = if j < q.len() { q[j] } else { Fr::zero() };
        q[j - k] = c[j] + a * above;
    }
    let rest = (0..k).map(|j| c[j] + if j < q.len() { a * q[j] } else { Fr::zero() }).collect();
    (q, rest)
}

/// `Σ_j X^j·f_j(X^k)`: the columns `f_j` (coefficients, `j < k`) interleaved into one polynomial.
pub fn interleave(columns: &[&[Fr]], k: usize) -> Vec<Fr> {
    assert!(columns.len() <= k, "at most k columns per interleaved polynomial");
    let len = columns.iter().map(|c| c.len()).max().unwrap_or(0);
    let mut out = vec![Fr::zero(); len * k];
    for (j, col) in columns.iter().enumerate() {
        for (t, v) in col.iter().enumerate() {
            out[t * k + j] = *v;
        }
    }
    out
}

/// A polynomial the prover opens: its coefficients, or up to `k` columns interleaved
/// (`Σ_j X^j·f_j(X^k)`, [`interleave`]) and never laid out: its quotient by `X^k − ζ` is the
/// columns' quotients by `Y − ζ` interleaved, so opening a group costs no `k·N`-point copy.
pub enum Poly<'a> {
    Coeffs(&'a [Fr]),
    Interleaved(Vec<&'a [Fr]>),
}

impl Poly<'_> {
    /// Coefficient `i` (zero past the end).
    fn coeff(&self, i: usize, k: usize) -> Fr {
        match self {
            Poly::Coeffs(p) => p.get(i).copied().unwrap_or_default(),
            Poly::Interleaved(cols) => cols.get(i % k).and_then(|c| c.get(i / k)).copied().unwrap_or_default(),
        }
    }

    fn len(&self, k: usize) -> usize {
        match self {
            Poly::Coeffs(p) => p.len(),
            Poly::Interleaved(cols) => k * cols.iter().map(|c| c.len()).max().unwrap_or(0),
        }
    }

    /// `acc += s·(p − r)/Z_S` for the set and remainder of `o`.
    fn add_quotient(&self, acc: &mut [Fr], s: Fr, o: &Opened, points: &Points) -> Result<()> {
        let mut add = |q: &[Fr], at: &dyn Fn(usize) -> usize| q.iter().enumerate().for_each(|(t, c)| acc[at(t)] += s * c);
        match (self, o) {
            (Poly::Interleaved(cols), Opened::Interleaved(vs)) => {
                debug_assert!(cols.len() == vs.len() && cols.len() <= points.k, "one value per interleaved column");
                for (j, (col, v)) in cols.iter().zip(vs).enumerate() {
                    let q = points.quotient(col, &Opened::AtZeta(*v))?;
                    add(&q, &|t| t * points.k + j);
                }
            }
            (Poly::Coeffs(p), o) => add(&points.quotient(p, o)?, &|t| t),
            (Poly::Interleaved(_), _) => unreachable!("interleaved columns are opened on the roots of X^k − ζ"),
        }
        Ok(())
    }
}

/// The prover's two points: `W` over `polys` opened as `opened`, then, once `z` is drawn by
/// `draw_z` (which absorbs `[W]`), the opening `W'` of `L` at `z`.
pub fn open(srs: &Srs, polys: &[Poly], opened: &[Opened], points: Points, nu: Fr, draw_z: impl FnOnce(&G1Affine) -> Fr) -> Result<(G1Affine, G1Affine)> {
    let w_poly = weighted_quotients(polys, opened, &points, &super::powers(nu, polys.len()))?;
    let w = srs.commit(&w_poly)?;
    let z = draw_z(&w);
    points.check(z)?;
    let (scalars, generator) = points.scalars(opened, nu, z);
    let mut l = weighted_sum(polys, &scalars, points.k);
    subtract_at(&mut l, 0, -generator);
    l.iter_mut().zip(&w_poly).for_each(|(c, w)| *c -= w);
    if !super::evaluate(&l, z).is_zero() {
        return Err(Error::Rejected("internal error: the linearised opening does not vanish at z".into()));
    }
    Ok((w, srs.commit(&divide_by_linear(&l, z))?))
}

/// `Σ_i ν^i·(p_i − r_i)/Z_{S_i}`: one exact division per polynomial, the polynomials split into
/// one run per thread, each summed into its own accumulator (memory: one polynomial per thread,
/// not one quotient per polynomial).
fn weighted_quotients(polys: &[Poly], opened: &[Opened], points: &Points, nus: &[Fr]) -> Result<Vec<Fr>> {
    let len = polys.iter().map(|p| p.len(points.k)).max().unwrap_or(0);
    let items: Vec<_> = polys.iter().zip(opened).zip(nus).collect();
    let per_thread = items.len().div_ceil(rayon::current_num_threads()).max(1);
    let sums: Vec<Vec<Fr>> = items
        .par_chunks(per_thread)
        .map(|run| {
            let mut acc = vec![Fr::zero(); len];
            run.iter().try_for_each(|((p, o), s)| p.add_quotient(&mut acc, **s, o, points))?;
            Ok(acc)
        })
        .collect::<Result<_>>()?;
    let mut total = vec![Fr::zero(); len];
    for sum in sums {
        total.par_iter_mut().zip(sum).for_each(|(t, v)| *t += v);
    }
    Ok(total)
}

/// `Σ_i s_i·p_i` in coefficient form, in parallel over coefficients.
fn weighted_sum(polys: &[Poly], scalars: &[Fr], k: usize) -> Vec<Fr> {
    let len = polys.iter().map(|p| p.len(k)).max().unwrap_or(0);
    (0..len).into_par_iter().map(|i| polys.iter().zip(scalars).map(|(p, s)| p.coeff(i, k) * s).sum()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accumulation::{Accumulator, KzgClaim};
    use ark_bn254::G1Projective;
    use ark_ec::{AffineRepr, VariableBaseMSM};
    use ark_std::{test_rng, UniformRand};

    fn random_poly(len: usize, rng: &mut impl ark_std::rand::RngCore) -> Vec<Fr> {
        (0..len).map(|_| Fr::rand(rng)).collect()
    }

    /// Opens three polynomials on the three kinds of set and checks the pairing; then a wrong
    /// value in each set (one interleaved column's value, a ζω value, a ζ value) is rejected.
    #[test]
    fn every_set_opens_and_a_wrong_value_in_any_set_is_rejected() {
        let rng = &mut test_rng();
        let (n, k) = (16, 4);
        let srs = Srs::insecure_dev(n * k + 4, rng);
        let columns: Vec<Vec<Fr>> = (0..3).map(|_| random_poly(n, rng)).collect();
        let interleaved = interleave(&columns.iter().map(|c| c.as_slice()).collect::<Vec<_>>(), k);
        let (a, b) = (random_poly(2 * n, rng), random_poly(n + 3, rng));
        let points = Points { zeta: Fr::rand(rng), zeta_next: Fr::rand(rng), k };
        let eval = |p: &[Fr], x: Fr| super::super::evaluate(p, x);
        let honest = vec![
            Opened::AtZeta(eval(&a, points.zeta)),
            Opened::AtZetaAndNext(eval(&b, points.zeta), eval(&b, points.zeta_next)),
            Opened::Interleaved(columns.iter().map(|c| eval(c, points.zeta)).collect()),
        ];
        let laid_out: Vec<&[Fr]> = vec![&a, &b, &interleaved];
        let commitments: Vec<G1Affine> = laid_out.iter().map(|p| srs.commit(p).unwrap()).collect();
        let polys: Vec<Poly> = laid_out.iter().map(|p| Poly::Coeffs(p)).collect();
        let streamed = [Poly::Coeffs(&a), Poly::Coeffs(&b), Poly::Interleaved(columns.iter().map(|c| c.as_slice()).collect())];
        let nu = Fr::rand(rng);
        let z = Fr::rand(rng);
        let verify = |opened: &[Opened], w: G1Affine, w2: G1Affine| {
            let (scalars, generator) = points.scalars(opened, nu, z);
            let l = G1Projective::msm_unchecked(&commitments, &scalars) + G1Affine::generator() * generator - w;
            let claim = KzgClaim { commitment: l, point: z, value: Fr::zero(), proof: w2 };
            Accumulator::from_claims(&[claim], Fr::one()).decide(&srs.g2, &srs.tau_g2)
        };
        let (w, w2) = open(&srs, &polys, &honest, points, nu, |_| z).unwrap();
        assert!(verify(&honest, w, w2));
        // The columns never laid out give the same two points.
        assert_eq!(open(&srs, &streamed, &honest, points, nu, |_| z).unwrap(), (w, w2));
        for i in 0..3 {
            let mut wrong = honest.clone();
            wrong[i] = match &honest[i] {
                Opened::AtZeta(v) => Opened::AtZeta(*v + Fr::one()),
                Opened::AtZetaAndNext(v, x) => Opened::AtZetaAndNext(*v, *x + Fr::one()),
                Opened::Interleaved(vs) => Opened::Interleaved(vs.iter().enumerate().map(|(j, v)| if j == 1 { *v + Fr::one() } else { *v }).collect()),
            };
            assert!(!verify(&wrong, w, w2), "a wrong value in set {i} is accepted");
            // The prover's own check refuses to open a false value.
            assert!(open(&srs, &polys, &wrong, points, nu, |_| z).is_err());
            assert!(open(&srs, &streamed, &wrong, points, nu, |_| z).is_err());
        }
    }

    #[test]
    fn division_by_a_power_of_x_is_exact_on_multiples() {
        let rng = &mut test_rng();
        let (q, a, k) = (random_poly(9, rng), Fr::rand(rng), 4);
        // c = q·(X^k − a) + r
        let r = random_poly(k, rng);
        let mut c = vec![Fr::zero(); q.len() + k];
        for (j, v) in q.iter().enumerate() {
            c[j + k] += v;
            c[j] -= a * v;
        }
        r.iter().enumerate().for_each(|(j, v)| c[j] += v);
        assert_eq!(divide_by_power(&c, k, a), (q, r));
    }

    #[test]
    fn sets_that_overlap_or_contain_z_are_refused() {
        let zeta = Fr::from(4u64);
        let points = Points { zeta, zeta_next: Fr::from(7u64), k: 2 };
        assert!(points.check(Fr::from(11u64)).is_ok());
        assert!(points.check(zeta).is_err());
        assert!(points.check(Fr::from(7u64)).is_err());
        // z² = ζ
        assert!(points.check(Fr::from(2u64)).is_err());
        assert!(points.check(-Fr::from(2u64)).is_err());
        // ζω a root of X^k − ζ: the sets overlap.
        assert!(Points { zeta_next: -Fr::from(2u64), ..points }.check(Fr::from(11u64)).is_err());
    }
}
