//! Proving and verifying keys.
//!
//! The verifying key is the model's public identity: the domain, the scale, the I/O sizes, the
//! commitment to the parameter column, the used public fixed columns (selectors, tags, tables)
//! interleaved `k` to a commitment ([`super::fixed`]), `[Z_H(τ)]₁` and the two G2 points. It
//! never holds a weight: the parameter column and the packed weight columns are committed with
//! hiding, as `[P(τ)]₁ + s₀·[Z_H(τ)]₁ + s₁·[τ·Z_H(τ)]₁` with secrets `(s₀, s₁)`
//! that only the proving key knows, and every proof re-randomises what it opens with two fresh
//! blinders (see [`super::prover`] and docs/design.md, "Zero knowledge"). Its digest seeds every
//! transcript and binds everything `verify` uses, the scales of the public values included.

use super::fixed::{FixedLayout, MAX_GROUPS};
use super::{HIDING_BLINDERS, WITNESS_BLINDERS};
use crate::blocks::packed::PACK_WIDTH;
use crate::blocks::Fix;
use crate::compiler::Circuit;
use crate::pcs::encoding::{g1_to_words, g2_to_words, hex_to_word, word_hex, words_to_g1, words_to_g2, Word};
use crate::pcs::Srs;
use crate::transcript::keccak256;
use crate::{Error, Result};
use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{One, UniformRand, Zero};
use ark_std::rand::RngCore;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use serde::{Deserialize, Serialize};

/// What the verifier needs.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifyingKey {
    pub domain_size: usize,
    pub scale_bits: u32,
    pub num_inputs: usize,
    pub num_outputs: usize,
    /// Scale bits of every public value (inputs, then outputs): `s` for reals, 0 for integers.
    /// `verify` decodes the instances with them; bound by the digest through
    /// [`Self::io_scales_hash`].
    pub io_scale_bits: Vec<u32>,
    /// The matrix products' stride `S` (`μ = η^S`, see [`crate::blocks::freivalds`]).
    pub stride: usize,
    /// The hiding commitment to the parameter column.
    pub param_commitment: G1Affine,
    /// Which public fixed columns are used, and how many share a commitment.
    pub fixed_layout: FixedLayout,
    /// Commitments to the used public fixed columns, interleaved (one per [`FixedLayout::groups`]).
    pub fixed_groups: Vec<G1Affine>,
    /// Hiding commitments to the packed weight columns `W_2 …` (the point at infinity for a
    /// column the layout leaves unused, which holds nothing).
    pub packed_commitments: Vec<G1Affine>,
    /// The bases of the hidden columns' blinding: `[Z_H(τ)]₁ = [τ^N]₁ − [1]₁` and
    /// `[τ·Z_H(τ)]₁ = [τ^(N+1)]₁ − [τ]₁`.
    pub hiding_bases: [G1Affine; HIDING_BLINDERS],
    pub g2: G2Affine,
    pub tau_g2: G2Affine,
}

/// What the prover needs besides the model: the trimmed SRS and the fingerprint of the circuit
/// the keys were made for.
#[derive(Clone, Debug, CanonicalSerialize, CanonicalDeserialize)]
pub struct ProvingKey {
    pub fingerprint: [u8; 32],
    /// The secrets `(s₀, s₁)` of the VK's hiding parameter commitment.
    pub param_blind: [Fr; HIDING_BLINDERS],
    /// The secrets of the packed weight commitments (zero for a column the layout leaves unused).
    pub packed_blinds: Vec<[Fr; HIDING_BLINDERS]>,
    /// `[L_i(τ)]₁` over `H`: columns are committed from their values (see [`Srs::lagrange_basis`]).
    pub lagrange: Vec<G1Affine>,
    pub srs: Srs,
}

/// Coefficients of the quotient on a domain of size `n`: witness columns have degree
/// `n − 1 + WITNESS_BLINDERS`, and the lookup helper's `h₁₂·(β − f₁)·(β − f₂)` multiplies three
/// of them, so the quotient has degree ≤ 3(n + 3) − n = 2n + 9.
pub fn quotient_len(domain_size: usize) -> usize {
    3 * (domain_size + WITNESS_BLINDERS - 1) - domain_size + 1
}

/// Number of G1 powers the protocol uses for a domain of size `n`: the quotient's, or the
/// interleaved fixed columns' `k·n` if more.
pub fn srs_size_for(domain_size: usize) -> usize {
    quotient_len(domain_size).max(super::fixed::interleave_for(domain_size) * domain_size)
}

/// The fewest G1 powers setup accepts for a domain of size `n` (fixed columns interleaved by 2).
pub fn min_srs_size_for(domain_size: usize) -> usize {
    quotient_len(domain_size).max(2 * domain_size)
}

/// `Σ_k b_k·[τ^k·Z_H(τ)]₁ = Σ_k b_k·([τ^(n+k)]₁ − [τ^k]₁)`: the commitment of `Z_H·Σ_k b_k·X^k`.
pub(crate) fn vanishing_multiple_commitment(g1: &[G1Affine], n: usize, blind: &[Fr]) -> G1Projective {
    blind.iter().enumerate().map(|(k, b)| (g1[n + k].into_group() - g1[k]) * b).sum()
}

/// Commits the fixed columns of `circuit`; the parameter column with a fresh hiding blinder.
pub fn setup(circuit: &Circuit, srs: &Srs, rng: &mut impl RngCore) -> Result<(ProvingKey, VerifyingKey)> {
    let n = circuit.domain_size;
    // The verifier derives the range-check geometry from the scale and the domain.
    if circuit.limbs != crate::blocks::limb::Limbs::of_circuit(circuit.scale_bits, n) {
        return Err(Error::KeyMismatch("the circuit's range-check geometry is not the one its scale and domain imply".into()));
    }
    let lagrange = srs.lagrange_basis(n)?;
    let need = min_srs_size_for(n);
    let k = super::fixed::interleave_within(n, srs.g1.len()).ok_or(Error::SrsTooSmall { have: srs.g1.len(), need })?;
    let srs = srs.trim(quotient_len(n).max(k * n))?;
    let hiding_bases: [G1Affine; HIDING_BLINDERS] = std::array::from_fn(|k| {
        let mut unit = [Fr::zero(); HIDING_BLINDERS];
        unit[k] = Fr::one();
        vanishing_multiple_commitment(&srs.g1, n, &unit).into_affine()
    });
    let hide = |blind: &[Fr; HIDING_BLINDERS]| vanishing_multiple_commitment(&srs.g1, n, blind);
    let param_blind: [Fr; HIDING_BLINDERS] = std::array::from_fn(|_| Fr::rand(rng));
    // Selectors, tags and weights are small integers or zero: committed from their values in the
    // Lagrange basis, each MSM is a fraction of a dense one. One column at a time (the MSM is
    // parallel inside; an outer parallel loop would keep every MSM's buffers alive at once).
    let commit_values = |col: &[Fr]| G1Projective::msm_unchecked(&lagrange, col).into_affine();
    let param_commitment = (commit_values(&circuit.fixed[Fix::Param as usize]) + hide(&param_blind)).into_affine();
    let fixed_layout = FixedLayout::of_columns(&circuit.fixed, k);
    let fixed_groups = fixed_group_polys(&circuit.fixed, &fixed_layout).iter().map(|p| srs.commit(p)).collect::<Result<_>>()?;
    let mut packed_blinds = Vec::with_capacity(circuit.packed_weights.len());
    let mut packed_commitments = Vec::with_capacity(circuit.packed_weights.len());
    // Which columns are hidden is decided by the layout, never by their values: a used column
    // of zeros is hidden like any other.
    let used = circuit.packed_columns_used();
    for (t, col) in circuit.packed_weights.iter().enumerate() {
        let blind: [Fr; HIDING_BLINDERS] = std::array::from_fn(|_| if t < used { Fr::rand(rng) } else { Fr::zero() });
        packed_commitments.push((commit_values(col) + hide(&blind)).into_affine());
        packed_blinds.push(blind);
    }
    let vk = VerifyingKey {
        domain_size: n,
        scale_bits: circuit.scale_bits,
        num_inputs: circuit.num_inputs,
        num_outputs: circuit.num_outputs,
        io_scale_bits: circuit.io_scale_bits.clone(),
        stride: circuit.stride,
        param_commitment,
        fixed_layout,
        fixed_groups,
        packed_commitments,
        hiding_bases,
        g2: srs.g2,
        tau_g2: srs.tau_g2,
    };
    Ok((ProvingKey { fingerprint: circuit.fingerprint(), param_blind, packed_blinds, lagrange, srs }, vk))
}

/// The interleaved polynomials of the used public fixed columns (coefficient form), one per
/// group of `layout`.
pub(crate) fn fixed_group_polys(fixed: &[Vec<Fr>], layout: &FixedLayout) -> Vec<Vec<Fr>> {
    let domain = Radix2EvaluationDomain::<Fr>::new(fixed[0].len()).expect("power-of-two domain");
    let coeffs: Vec<Vec<Fr>> = fixed.iter().enumerate().map(|(c, col)| if layout.is_used(c) { domain.ifft(col) } else { Vec::new() }).collect();
    let interleave = |g: &Vec<usize>| crate::pcs::multiopen::interleave(&g.iter().map(|c| coeffs[*c].as_slice()).collect::<Vec<_>>(), layout.k);
    layout.groups().iter().map(interleave).collect()
}

impl VerifyingKey {
    /// How the circuit makes its range checks, from its scale and domain (both in the digest).
    pub fn limbs(&self) -> crate::blocks::limb::Limbs {
        crate::blocks::limb::Limbs::of_circuit(self.scale_bits, self.domain_size)
    }

    /// See [`FixedLayout::matrix_products_unused`].
    pub fn matrix_products_unused(&self) -> bool {
        self.fixed_layout.matrix_products_unused()
    }

    /// See [`FixedLayout::reads_packed_weights`].
    pub fn reads_packed_weights(&self) -> bool {
        self.fixed_layout.reads_packed_weights()
    }

    /// The generator ω of `H`.
    pub fn omega(&self) -> Fr {
        Radix2EvaluationDomain::<Fr>::new(self.domain_size).expect("power-of-two domain").group_gen()
    }

    /// `keccak256(b_0 ‖ … ‖ b_{P−1})` of the public values' scale bits, one word each: the
    /// digest binds how `verify` decodes the instances in one word (a contract constant).
    pub fn io_scales_hash(&self) -> Word {
        use crate::pcs::encoding::fr_to_word;
        let words: Vec<Word> = self.io_scale_bits.iter().map(|b| fr_to_word(&Fr::from(*b as u64))).collect();
        keccak256(&words.concat())
    }

    /// The words the digest hashes, in order: N, s, n_in, n_out, ω, the I/O scales' hash, the
    /// stride, the interleaving factor, the mask of used fixed columns, [1]₂, [τ]₂, the two
    /// hiding bases, the parameter commitment, the interleaved fixed commitments (padded to
    /// [`MAX_GROUPS`] with the point at infinity), the packed weight commitments.
    pub(crate) fn digest_words(&self) -> Vec<Word> {
        use crate::pcs::encoding::fr_to_word;
        let mut w = vec![
            fr_to_word(&Fr::from(self.domain_size as u64)),
            fr_to_word(&Fr::from(self.scale_bits as u64)),
            fr_to_word(&Fr::from(self.num_inputs as u64)),
            fr_to_word(&Fr::from(self.num_outputs as u64)),
            fr_to_word(&self.omega()),
            self.io_scales_hash(),
            fr_to_word(&Fr::from(self.stride as u64)),
            fr_to_word(&Fr::from(self.fixed_layout.k as u64)),
            fr_to_word(&Fr::from(self.fixed_layout.used as u64)),
        ];
        w.extend(g2_to_words(&self.g2));
        w.extend(g2_to_words(&self.tau_g2));
        for b in &self.hiding_bases {
            w.extend(g1_to_words(b));
        }
        let absent = G1Affine::zero();
        let groups = self.fixed_groups.iter().chain(std::iter::repeat(&absent)).take(MAX_GROUPS);
        for c in std::iter::once(&self.param_commitment).chain(groups).chain(&self.packed_commitments) {
            w.extend(g1_to_words(c));
        }
        w
    }

    /// keccak256 of [`Self::digest_words`]; the first thing every transcript absorbs.
    pub fn digest(&self) -> Word {
        keccak256(&self.digest_words().concat())
    }

    /// JSON form (all words as 0x hex).
    pub fn to_json(&self) -> serde_json::Value {
        let hexes = |ws: &[Word]| ws.iter().map(word_hex).collect::<Vec<_>>();
        serde_json::to_value(VkJson {
            version: VK_VERSION,
            domain_size: self.domain_size,
            scale_bits: self.scale_bits,
            num_inputs: self.num_inputs,
            num_outputs: self.num_outputs,
            io_scale_bits: self.io_scale_bits.clone(),
            stride: self.stride,
            omega: word_hex(&crate::pcs::encoding::fr_to_word(&self.omega())),
            g2: hexes(&g2_to_words(&self.g2)),
            tau_g2: hexes(&g2_to_words(&self.tau_g2)),
            hiding_bases: self.hiding_bases.iter().map(|c| hexes(&g1_to_words(c))).collect(),
            fixed_interleave: self.fixed_layout.k,
            fixed_used: self.fixed_layout.used,
            param_commitment: hexes(&g1_to_words(&self.param_commitment)),
            fixed_groups: self.fixed_groups.iter().map(|c| hexes(&g1_to_words(c))).collect(),
            packed_commitments: self.packed_commitments.iter().map(|c| hexes(&g1_to_words(c))).collect(),
            digest: word_hex(&self.digest()),
        })
        .expect("plain data serializes")
    }

    /// Parses and validates the JSON form.
    pub fn from_json(v: &serde_json::Value) -> Result<Self> {
        let bad = |m: String| Error::KeyMismatch(format!("invalid verifying key: {m}"));
        let j: VkJson = serde_json::from_value(v.clone()).map_err(|e| bad(e.to_string()))?;
        if j.version != VK_VERSION {
            return Err(bad(format!("unsupported version {}", j.version)));
        }
        if !j.domain_size.is_power_of_two() || j.domain_size < 16 || j.domain_size > 1 << 28 {
            return Err(bad(format!("domain size {} is not a power of two in [16, 2^28] (a 4N coset must hold the degree-(3N+9) constraints)", j.domain_size)));
        }
        if !(crate::compiler::MIN_SCALE_BITS..=crate::compiler::MAX_SCALE_BITS).contains(&j.scale_bits) {
            return Err(bad(format!("scale bits {} out of range", j.scale_bits)));
        }
        let words = |v: &[String]| v.iter().map(|s| hex_to_word(s)).collect::<Result<Vec<_>>>();
        let g2w = |v: &[String]| -> Result<G2Affine> {
            let w = words(v)?;
            let arr: [Word; 4] = w.try_into().map_err(|_| bad("a G2 point needs 4 words".into()))?;
            words_to_g2(&arr)
        };
        let fixed_layout = FixedLayout { used: j.fixed_used, k: j.fixed_interleave };
        if !fixed_layout.is_valid() {
            return Err(bad(format!("fixed-column layout (mask {:#x}, k = {}) is not one setup makes", j.fixed_used, j.fixed_interleave)));
        }
        if j.fixed_groups.len() != fixed_layout.groups().len() {
            return Err(bad(format!("{} fixed commitments, the layout has {}", j.fixed_groups.len(), fixed_layout.groups().len())));
        }
        let g1w = |p: &[String]| -> Result<G1Affine> {
            let w = words(p)?;
            if w.len() != 2 {
                return Err(bad("a G1 point needs 2 words".into()));
            }
            words_to_g1(&w[0], &w[1])
        };
        if j.io_scale_bits.len() != j.num_inputs + j.num_outputs || j.io_scale_bits.iter().any(|b| *b > j.scale_bits) {
            return Err(bad("io_scale_bits must list one scale ≤ scale_bits per public value".into()));
        }
        if j.stride == 0 || j.stride > j.domain_size {
            return Err(bad(format!("stride {} is not in [1, N]", j.stride)));
        }
        if j.packed_commitments.len() != PACK_WIDTH - 1 {
            return Err(bad(format!("{} packed weight commitments, expected {}", j.packed_commitments.len(), PACK_WIDTH - 1)));
        }
        let fixed_groups = j.fixed_groups.iter().map(|p| g1w(p)).collect::<Result<Vec<_>>>()?;
        let packed_commitments = j.packed_commitments.iter().map(|p| g1w(p)).collect::<Result<Vec<_>>>()?;
        let hiding_bases: Vec<G1Affine> = j.hiding_bases.iter().map(|p| g1w(p)).collect::<Result<_>>()?;
        let hiding_bases: [G1Affine; HIDING_BLINDERS] =
            hiding_bases.try_into().map_err(|_| bad(format!("expected {HIDING_BLINDERS} hiding bases")))?;
        let vk = Self {
            domain_size: j.domain_size,
            scale_bits: j.scale_bits,
            num_inputs: j.num_inputs,
            num_outputs: j.num_outputs,
            io_scale_bits: j.io_scale_bits.clone(),
            stride: j.stride,
            param_commitment: g1w(&j.param_commitment)?,
            fixed_layout,
            fixed_groups,
            packed_commitments,
            hiding_bases,
            g2: g2w(&j.g2)?,
            tau_g2: g2w(&j.tau_g2)?,
        };
        if word_hex(&crate::pcs::encoding::fr_to_word(&vk.omega())) != j.omega.to_lowercase() {
            return Err(bad("omega is not the generator of the domain".into()));
        }
        if word_hex(&vk.digest()) != j.digest.to_lowercase() {
            return Err(bad("digest does not match its contents".into()));
        }
        Ok(vk)
    }
}

/// Version of vk.json (and of the proof layout, docs/spec.md).
const VK_VERSION: u32 = 8;

#[derive(Serialize, Deserialize)]
struct VkJson {
    version: u32,
    domain_size: usize,
    scale_bits: u32,
    num_inputs: usize,
    num_outputs: usize,
    io_scale_bits: Vec<u32>,
    stride: usize,
    omega: String,
    g2: Vec<String>,
    tau_g2: Vec<String>,
    hiding_bases: Vec<Vec<String>>,
    fixed_interleave: usize,
    fixed_used: u32,
    param_commitment: Vec<String>,
    fixed_groups: Vec<Vec<String>>,
    packed_commitments: Vec<Vec<String>>,
    digest: String,
}
