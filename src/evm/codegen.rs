//! The per-model Solidity verifier: `templates/Verifier.sol.tmpl` (constants, constructor, entry
//! points) around `templates/VerifierBody.sol.tmpl` (the checks), filled with one verifying key.
//! The universal verifier ([`super::universal`]) wraps the same body.
//!
//! In the body, a key's value is written `$NAME` inside assembly and `@NAME` in Solidity: here
//! both become the constant `NAME`; the universal verifier reads them from memory instead.
//! The templates hold the fixed logic; `{{NAME}}` placeholders (plain text substitution, no
//! template engine; a multi-line value is indented like its placeholder) receive
//! - the VK's constants: the domain (`N`, `LOG_N`, `OMEGA`, `N_INV`), the scale bits, the I/O
//!   sizes (`N_IN`, `N_OUT`, `N_PUB`), `Z = [Z_H(τ)]₁` (`ZH_X`, `ZH_Y`), `[1]₂` and `[τ]₂` in
//!   precompile order (`G2_X1, G2_X0, G2_Y1, G2_Y0`, `TAU_…`), `VK_DIGEST` and the fixed
//!   commitments `F{i}_X`, `F{i}_Y` (`Fix` order; the parameter column's is hiding and proofs
//!   re-randomise it);
//! - everything that depends on the constraint system, generated here from
//!   [`crate::blocks`] (column counts, [`ROUND1`], [`ROUND2`], [`NEXT_ROW`], names) and
//!   [`crate::protocol::proof`] (proof layout), so the contract follows every change of either:
//!   the memory layout, the constructor's digest word list, which proof words are points or
//!   scalars, the transcript replay, the constraint evaluation ([`super::yul`]) and the MSM of the
//!   accumulator.
//!
//! The contract `ZkTorchVerifier` imports `Transcript.sol` from `contracts/`, and checks in its
//! constructor that its constants hash to `VK_DIGEST`.

use std::path::{Path, PathBuf};

use ark_bn254::Fr;
use ark_ec::AffineRepr;
use ark_ff::Field;

use super::compile::{compile_with_libraries, CompiledContract, TRANSCRIPT_SOL};
use super::yul;
use crate::blocks::packed::PACK_WIDTH;
use crate::blocks::{self, Fix, Wit, FIXED_NAMES, NEXT_ROW, NUM_CONSTRAINTS, NUM_FIXED, NUM_WITNESS, ROUND1, ROUND2, WITNESS_NAMES};
use crate::pcs::encoding::{fr_to_word, g1_to_words, g2_to_words, word_hex};
use crate::protocol::proof::{NUM_EVALS, NUM_POINTS, NUM_SCALARS, PROOF_BYTES};
use crate::protocol::fixed::MAX_GROUPS;
use crate::protocol::{VerifyingKey, HIDING_BLINDERS};
use crate::{Error, Result};

/// The verifier template, embedded at build time.
pub const VERIFIER_TEMPLATE: &str = include_str!("../../templates/Verifier.sol.tmpl");
/// The checks both verifiers run, embedded at build time.
pub const VERIFIER_BODY_TEMPLATE: &str = include_str!("../../templates/VerifierBody.sol.tmpl");
/// Name of the generated contract.
pub const VERIFIER_CONTRACT: &str = "ZkTorchVerifier";
/// File names [`build_verifier`] writes.
pub const VERIFIER_SOL: &str = "Verifier.sol";
pub const VERIFIER_JSON: &str = "Verifier.json";

/// Word offsets of the parts of a proof, in the order [`crate::protocol::Proof::to_bytes`] writes
/// them (docs/spec.md §4).
pub(crate) mod proof_words {
    use crate::blocks::{NEXT_ROW, ROUND1, ROUND2};
    use crate::protocol::proof::{NUM_EVALS, PROOF_BYTES};
    use crate::protocol::HIDING_BLINDERS;

    /// `P'`, the re-randomised parameter commitment.
    pub const PARAM: usize = 0;
    /// `R`, the nonce of its re-randomisation proof.
    pub const NONCE: usize = 2;
    /// `z₀, z₁`, its responses.
    pub const RESPONSE: usize = 4;
    /// `z_U0, z_U1`, the packed weights' responses.
    pub const PACKED_RESPONSE: usize = RESPONSE + HIDING_BLINDERS;
    pub const ROUND1_AT: usize = PACKED_RESPONSE + HIDING_BLINDERS;
    pub const ROUND2_AT: usize = ROUND1_AT + 2 * ROUND1.len();
    /// `[U']`, the combined packed weights.
    pub const PACKED: usize = ROUND2_AT + 2 * ROUND2.len();
    /// `R_U`, its re-randomisation nonce.
    pub const PACKED_NONCE: usize = PACKED + 2;
    /// `[T]`.
    pub const QUOTIENT: usize = PACKED_NONCE + 2;
    /// Witness then fixed columns at ζ.
    pub const EVALS: usize = QUOTIENT + 2;
    /// The [`NEXT_ROW`] columns at ζω.
    pub const EVALS_NEXT: usize = EVALS + NUM_EVALS;
    /// `W`, the multi-point opening's combined quotient.
    pub const OPENING: usize = EVALS_NEXT + NEXT_ROW.len();
    /// `W'`, its opening at z.
    pub const OPENING_Z: usize = OPENING + 2;
    pub const WORDS: usize = OPENING_Z + 2;
    const _: () = assert!(32 * WORDS == PROOF_BYTES);

    /// Runs of proof words `[from, to)` that hold G1 points (`true`) or scalars (`false`), in
    /// order, covering the whole proof.
    pub const RUNS: [(usize, usize, bool, &str); 5] = [
        (PARAM, RESPONSE, true, "P', R"),
        (RESPONSE, ROUND1_AT, false, "z₀, z₁, z_U0, z_U1"),
        (ROUND1_AT, EVALS, true, "round-1 and round-2 commitments, [U'], R_U, [T]"),
        (EVALS, OPENING, false, "evaluations at ζ and ζω"),
        (OPENING, WORDS, true, "W, W'"),
    ];
}

/// `FOO_BAR` from `fooBar` (column names as Solidity constant names).
fn screaming(name: &str) -> String {
    let mut out = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(ch.to_ascii_uppercase());
    }
    out
}

/// Memory constant of witness column `i`'s evaluation at ζ (`E_A`, …, `E_PHI`).
pub(super) fn witness_at_zeta(i: usize) -> String {
    format!("E_{}", screaming(WITNESS_NAMES[i]))
}

/// Memory constant of fixed column `i`'s evaluation at ζ (`E_Q_CHAIN`, …; `E_PARAM` is P'(ζ)).
pub(super) fn fixed_at_zeta(i: usize) -> String {
    format!("E_{}", screaming(FIXED_NAMES[i]))
}

/// Memory constant of witness column `i`'s evaluation at ζω (`N_A`, …), for [`NEXT_ROW`] columns.
pub(super) fn witness_at_zeta_omega(i: usize) -> String {
    format!("N_{}", screaming(WITNESS_NAMES[i]))
}

/// Memory constant of witness column `i`'s commitment (`P_A`, …, `P_PHI`).
pub(super) fn commitment_at(i: usize) -> String {
    format!("P_{}", screaming(WITNESS_NAMES[i]))
}

/// Memory constants of the challenges and derived scalars the constraint evaluation reads or writes.
pub(super) const M_BETA: &str = "M_BETA";
pub(super) const M_GAMMA: &str = "M_GAMMA";
pub(super) const M_ETA: &str = "M_ETA";
pub(super) const M_MU: &str = "M_MU";
pub(super) const M_ALPHA: &str = "M_ALPHA";
pub(super) const M_ZH_INV: &str = "M_ZH_INV";
pub(super) const M_L_IN: &str = "M_L_IN";
pub(super) const M_L_OUT: &str = "M_L_OUT";
pub(super) const M_PI: &str = "M_PI";
pub(super) const M_TZ: &str = "M_TZ";

/// Where the per-model verifier's `_verify` copies the proof (just past Solidity's reserved
/// 0x00–0x7f); the universal verifier keeps the loaded key there and the proof after it.
pub(super) const FIRST_FREE: usize = 0x80;

pub(super) fn hex(v: usize) -> String {
    format!("{v:#x}")
}

/// `add(p, off)` for proof word `word` in calldata (`p` is the proof's offset).
fn calldata_at(word: usize) -> String {
    match word {
        0 => "p".into(),
        w => format!("add(p, {})", hex(32 * w)),
    }
}

/// The memory-layout constants from `base`: the proof copy (a name per value), the challenges
/// and derived scalars, and the precompiles' scratch buffers; and `M_END`, the first address
/// past them.
pub(super) fn memory_layout(base: usize) -> (String, usize) {
    use proof_words::*;
    let at = |word: usize| base + 32 * word;
    let mut lines = Vec::new();
    let mut constant = |name: &str, addr: usize, note: &str| {
        let note = if note.is_empty() { String::new() } else { format!(" // {note}") };
        lines.push(format!("uint256 internal constant {name} = {};{note}", hex(addr)));
    };
    constant("M_PROOF", base, &format!("the proof is copied here (up to {}), so every value has a fixed address", hex(at(WORDS))));
    constant("P_PARAM", at(PARAM), "P', the re-randomised parameter commitment");
    constant("P_NONCE", at(NONCE), "its re-randomisation nonce R");
    constant("Z_RESP", at(RESPONSE), "its responses z₀, z₁");
    constant("Z_U_RESP", at(PACKED_RESPONSE), "the responses z_U0, z_U1 of U'");
    for (k, c) in ROUND1.iter().chain(&ROUND2).enumerate() {
        let round = if k < ROUND1.len() { 1 } else { 2 };
        constant(&commitment_at(*c as usize), at(ROUND1_AT + 2 * k), &format!("[{}], round {round}", WITNESS_NAMES[*c as usize]));
    }
    constant(&commitment_at(Wit::U as usize), at(PACKED), "[U'], the combined packed weights");
    constant("P_U_NONCE", at(PACKED_NONCE), "its re-randomisation nonce R_U");
    constant("P_T", at(QUOTIENT), "[T], the quotient");
    constant("E_WITNESS", at(EVALS), "evaluations at ζ: the witness columns, …");
    for i in 0..NUM_WITNESS {
        constant(&witness_at_zeta(i), at(EVALS + i), "");
    }
    constant("E_FIXED", at(EVALS + NUM_WITNESS), "… then the fixed columns");
    for i in 0..NUM_FIXED {
        constant(&fixed_at_zeta(i), at(EVALS + NUM_WITNESS + i), if i == Fix::Param as usize { "P'(ζ)" } else { "" });
    }
    constant("E_NEXT", at(EVALS_NEXT), "evaluations at ζω");
    for (j, c) in NEXT_ROW.iter().enumerate() {
        constant(&witness_at_zeta_omega(*c as usize), at(EVALS_NEXT + j), "");
    }
    constant("P_W", at(OPENING), "W, the multi-point opening's combined quotient");
    constant("P_W2", at(OPENING_Z), "W', its opening at z");
    let mut next = at(WORDS);
    let scratch: [(&str, usize, &str); 25] = [
        ("M_E", 1, "challenges and derived scalars"),
        (M_BETA, 1, ""),
        (M_GAMMA, 1, ""),
        (M_ETA, 1, ""),
        (M_MU, 1, "μ = η^STRIDE"),
        ("M_E_U", 1, ""),
        (M_ALPHA, 1, ""),
        ("M_ZETA", 1, ""),
        ("M_NU", 1, ""),
        ("M_Z", 1, "the point of the opening's KZG claim"),
        (M_ZH_INV, 1, "1 / (ζ^N − 1)"),
        (M_L_IN, 1, "Σ_{k<n_in} L_k(ζ)"),
        (M_L_OUT, 1, "Σ_{n_in≤k<P} L_k(ζ)"),
        (M_PI, 1, "Σ v_k·L_k(ζ)"),
        (M_TZ, 1, "T(ζ)"),
        ("M_INV_ALL", 1, "1 / ((z − ζ)(z − ζω)(z^k − ζ)(ζω − ζ))"),
        ("M_INV_A", 1, "1 / (z − ζ)"),
        ("M_INV_B", 1, "1 / ((z − ζ)(z − ζω))"),
        ("M_INV_F", 1, "1 / (z^k − ζ)"),
        ("M_SLOPE", 1, "(z − ζ) / (ζω − ζ)"),
        ("M_SCH", 4, "the re-randomisation checks' accumulator, then an addend"),
        ("M_ACC", 4, "MSM accumulator (= L at the end), then the last product"),
        ("M_MUL", 3, "ecMul input: x, y, scalar"),
        ("M_PAIR", 12, "pairing input: L, [1]₂, −R, [τ]₂"),
        ("M_MODEXP", 6, "modexp input"),
    ];
    for (name, words, note) in scratch {
        constant(name, next, note);
        next += 32 * words;
    }
    constant("M_END", next, "end of the scratch region");
    (lines.join("\n"), next)
}

/// The constructor's digest words: exactly [`VerifyingKey::digest`]'s order (N, s, n_in, n_out, ω,
/// the I/O scales' hash, the stride, k, the used fixed columns, [1]₂, [τ]₂, Z, Z₁, the parameter
/// commitment, the interleaved fixed commitments padded to [`MAX_GROUPS`] with (0, 0), the packed
/// weight commitments).
fn digest_list(vk: &VerifyingKey) -> (usize, String) {
    let mut lines = vec![
        "N, SCALE_BITS, N_IN, N_OUT, OMEGA, uint256(IO_SCALES), STRIDE, INTERLEAVE, FIXED_USED,".to_string(),
        "G2_X1, G2_X0, G2_Y1, G2_Y0, TAU_X1, TAU_X0, TAU_Y1, TAU_Y0,".into(),
        "ZH_X, ZH_Y, ZH1_X, ZH1_Y,".into(),
    ];
    let mut points: Vec<String> = vec!["F_PARAM_X, F_PARAM_Y".into()];
    points.extend((0..MAX_GROUPS).map(|g| if g < vk.fixed_groups.len() { format!("G{g}_X, G{g}_Y") } else { "0, 0".into() }));
    points.extend((0..PACK_WIDTH - 1).map(|i| format!("W{i}_X, W{i}_Y")));
    lines.extend(points.chunks(5).map(|c| c.join(", ") + ","));
    let last = lines.last_mut().expect("non-empty");
    last.pop(); // the trailing comma
    (9 + 4 + 4 + 2 * HIDING_BLINDERS + 2 * points.len(), lines.join("\n"))
}

/// `_canonical`'s checks, one per run of points or scalars in the proof.
fn canonical() -> String {
    proof_words::RUNS
        .iter()
        .enumerate()
        .map(|(k, (from, to, is_point, what))| {
            let check = format!("{}({}, {})", if *is_point { "points" } else { "scalars" }, calldata_at(*from), calldata_at(*to));
            let check = if k == 0 { check } else { format!("and(ok, {check})") };
            format!("ok := {check} // {what}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The transcript replay over the proof in calldata, in src/protocol/verifier.rs `challenges()`
/// order (docs/spec.md §3).
pub(super) fn transcript(mu: Vec<String>) -> String {
    use proof_words::*;
    let mut t = Vec::new();
    let absorb = |t: &mut Vec<String>, word: usize, words: usize, what: &str| {
        t.push(format!("s := absorb(s, {}, {}) // {what}", calldata_at(word), hex(32 * words)))
    };
    let challenge = |t: &mut Vec<String>, name: &str| {
        t.push("s := squeeze(s)".into());
        t.push(format!("let {name} := mod(s, R_MOD)"));
    };
    let name = |c: &crate::blocks::Wit| format!("[{}]", WITNESS_NAMES[*c as usize]);
    absorb(&mut t, PARAM, 2, "P'");
    absorb(&mut t, NONCE, 2, "R");
    challenge(&mut t, "e");
    absorb(&mut t, RESPONSE, HIDING_BLINDERS, "z₀, z₁");
    for (k, c) in ROUND1.iter().enumerate() {
        absorb(&mut t, ROUND1_AT + 2 * k, 2, &name(c));
    }
    challenge(&mut t, "beta");
    challenge(&mut t, "gamma");
    challenge(&mut t, "eta");
    for (k, c) in ROUND2.iter().enumerate() {
        absorb(&mut t, ROUND2_AT + 2 * k, 2, &name(c));
    }
    absorb(&mut t, PACKED, 2, "[U']");
    absorb(&mut t, PACKED_NONCE, 2, "R_U");
    challenge(&mut t, "eU");
    absorb(&mut t, PACKED_RESPONSE, HIDING_BLINDERS, "z_U0, z_U1");
    challenge(&mut t, "alpha");
    absorb(&mut t, QUOTIENT, 2, "[T]");
    challenge(&mut t, "zeta");
    let listed = OPENING - EVALS;
    t.push(format!(
        "s := absorbList(s, {}, {}) // the list ({listed}, evaluations at ζ, evaluations at ζω)",
        calldata_at(EVALS),
        hex(32 * listed)
    ));
    challenge(&mut t, "nu");
    absorb(&mut t, OPENING, 2, "[W]");
    challenge(&mut t, "z");
    t.push("// Stored once every absorb is done (the absorbs use the memory from 0x80 as scratch).".into());
    for (name, slot) in [
        ("e", "M_E"),
        ("beta", M_BETA),
        ("gamma", M_GAMMA),
        ("eta", M_ETA),
        ("eU", "M_E_U"),
        ("alpha", M_ALPHA),
        ("zeta", "M_ZETA"),
        ("nu", "M_NU"),
        ("z", "M_Z"),
    ] {
        t.push(format!("mstore({slot}, {name})"));
    }
    t.push("{".into());
    t.extend(mu.into_iter().map(|l| format!("    {l}")));
    t.push(format!("    mstore({M_MU}, mu)"));
    t.push("}".into());
    t.join("\n")
}

/// Yul statements setting `name := base^e mod r` (`e ≥ 1`), square-and-multiply unrolled from
/// the top bit.
pub(super) fn power(name: &str, base: &str, e: usize) -> Vec<String> {
    let mut lines = vec![format!("let {name} := {base} // {base}^{e}")];
    for bit in (0..usize::BITS - 1 - e.leading_zeros()).rev() {
        lines.push(format!("{name} := mulmod({name}, {name}, R_MOD)"));
        if e >> bit & 1 == 1 {
            lines.push(format!("{name} := mulmod({name}, {base}, R_MOD)"));
        }
    }
    lines
}

/// Whether a verifier includes a commitment in its MSM: always, never (the key says the column
/// is zero), or unless a Yul expression of the loaded key is non-zero (the universal verifier).
pub(super) enum Presence {
    Always,
    Never,
    Unless(String),
}

/// The opening terms of the witness columns, `[T]` and `P'`, in opening order (docs/spec.md §3,
/// [`crate::protocol::verifier::opened_values`]): each adds `ν^i` times its value(s) to its set's
/// sum (`vA` for {ζ}, `vB` and `nB` for {ζ, ζω}) and, when present, its commitment times
/// `ν^i/Z_S(z)` to the accumulator. The matrix-product columns and `U'` are taken as infinity
/// when `matrix` and `packed` say so, like the Rust verifier; their values still count.
pub(super) fn column_openings(matrix: &Presence, packed: &Presence) -> Vec<String> {
    let mut lines = Vec::new();
    let mut term = |label: &str, at: &str, values: Vec<(&str, String)>, inv: &str, presence: &Presence| {
        lines.push(format!("// {label}"));
        for (sum, value) in values {
            lines.push(format!("{sum} := addmod({sum}, mulmod(pw, {value}, rm), rm)"));
        }
        let add = format!("ok := and(ok, mulAcc(mload({at}), mload(add({at}, 0x20)), mulmod(pw, {inv}, rm)))");
        match presence {
            Presence::Always => lines.push(add),
            Presence::Never => lines.push("// at infinity for this key: nothing to add".into()),
            Presence::Unless(absent) => lines.push(format!("if iszero({absent}) {{ {add} }}")),
        }
        lines.push("pw := mulmod(pw, nu, rm)".into());
    };
    for c in 0..NUM_WITNESS {
        let presence = if blocks::freivalds::COLUMNS.iter().any(|m| *m as usize == c) {
            matrix
        } else if c == Wit::U as usize {
            packed
        } else {
            &Presence::Always
        };
        let label = format!("[{}]", WITNESS_NAMES[c]);
        let at_zeta = format!("mload({})", witness_at_zeta(c));
        if NEXT_ROW.iter().any(|w| *w as usize == c) {
            let at_next = format!("mload({})", witness_at_zeta_omega(c));
            term(&format!("{label} on {{ζ, ζω}}"), &commitment_at(c), vec![("vB", at_zeta), ("nB", at_next)], "mload(M_INV_B)", presence);
        } else {
            term(&format!("{label} on {{ζ}}"), &commitment_at(c), vec![("vA", at_zeta)], "mload(M_INV_A)", presence);
        }
    }
    term("[T] on {ζ}", "P_T", vec![("vA", format!("mload({M_TZ})"))], "mload(M_INV_A)", &Presence::Always);
    let param = format!("mload({})", fixed_at_zeta(Fix::Param as usize));
    term("P' on {ζ}", "P_PARAM", vec![("vA", param)], "mload(M_INV_A)", &Presence::Always);
    lines
}

/// The per-model opening terms: the columns' ([`column_openings`], with the key's presence of
/// the matrix-product columns and `U'`), then each interleaved fixed commitment `G_g` with its
/// remainder `r_g(z) = Σ_j f_j(ζ)·z^j` (Horner from the last column), and the check that every
/// unused fixed column's value is zero.
fn commitments_msm(vk: &VerifyingKey) -> String {
    let presence = |absent: bool| if absent { Presence::Never } else { Presence::Always };
    let mut lines = column_openings(&presence(vk.matrix_products_unused()), &presence(!vk.reads_packed_weights()));
    for (g, columns) in vk.fixed_layout.groups().iter().enumerate() {
        let names: Vec<&str> = columns.iter().map(|c| FIXED_NAMES[*c]).collect();
        lines.push(format!("// G_{g} on the roots of X^k − ζ: {}", names.join(", ")));
        lines.push("{".into());
        let mut rev = columns.iter().rev();
        let last = rev.next().expect("a group is not empty");
        lines.push(format!("    let r := mload({})", fixed_at_zeta(*last)));
        for c in rev {
            lines.push(format!("    r := addmod(mulmod(r, z, rm), mload({}), rm)", fixed_at_zeta(*c)));
        }
        lines.push("    vF := addmod(vF, mulmod(pw, r, rm), rm)".into());
        lines.push(format!("    ok := and(ok, mulAcc(G{g}_X, G{g}_Y, mulmod(pw, mload(M_INV_F), rm)))"));
        lines.push("}".into());
        lines.push("pw := mulmod(pw, nu, rm)".into());
    }
    lines.push("// Unused fixed columns are zero, and so must their values be.".into());
    for c in (0..NUM_FIXED).filter(|c| !vk.fixed_layout.is_used(*c)) {
        lines.push(format!("ok := and(ok, iszero(mload({})))", fixed_at_zeta(c)));
    }
    lines.join("\n")
}

/// The second re-randomisation check: `M_SCH = U' − Σ_t η^t·W_t` (the first with coefficient 1,
/// an addition of the negated constant; commitments at infinity skipped), then `okamoto`. When no
/// row reads `U` (the packed input selector commits to infinity) the check is left out, as
/// [`crate::protocol::verifier::packed_commitment_is_bound`] does.
fn packed_check(vk: &VerifyingKey) -> String {
    if !vk.reads_packed_weights() {
        return "// left out: the packed input selector is all zero, so no constraint reads U".into();
    }
    let mut lines = vec![
        "mstore(M_SCH, mload(P_U))".to_string(),
        "mstore(add(M_SCH, 0x20), mload(add(P_U, 0x20)))".into(),
        "{".into(),
    ];
    let mut body = vec!["let eta := mload(M_ETA)".to_string(), "let etaPow := 1".into()];
    let mut power = 0;
    for (t, c) in vk.packed_commitments.iter().enumerate() {
        if c.is_zero() {
            body.push(format!("// W_{t}: the point at infinity (a column the layout leaves unused), nothing to subtract"));
            continue;
        }
        if t == 0 {
            body.push(format!("ok := and(ok, schAdd(W{t}_X, mod(sub(Q_MOD, W{t}_Y), Q_MOD))) // − W_0"));
            continue;
        }
        for _ in power..t {
            body.push("etaPow := mulmod(etaPow, eta, rm)".into());
        }
        power = t;
        body.push(format!("ok := and(ok, schMulAdd(W{t}_X, W{t}_Y, sub(rm, etaPow))) // − η^{t}·W_{t}"));
    }
    lines.extend(body.into_iter().map(|l| format!("    {l}")));
    lines.push("}".into());
    lines.push("ok := and(ok, okamoto(mload(M_E_U), mload(P_U_NONCE), mload(add(P_U_NONCE, 0x20)), mload(Z_U_RESP), mload(add(Z_U_RESP, 0x20))))".into());
    lines.join("\n")
}

/// The packed weight commitment constants.
fn packed_commitments(vk: &VerifyingKey) -> String {
    let mut lines = Vec::new();
    for (i, c) in vk.packed_commitments.iter().enumerate() {
        let [x, y] = g1_to_words(c);
        let note = if c.is_zero() { " (the point at infinity: a column the layout leaves unused)" } else { " (hiding)" };
        lines.push(format!("uint256 internal constant W{i}_X = {}; // packed weights of output {}{note}", word_hex(&x), i + 2));
        lines.push(format!("uint256 internal constant W{i}_Y = {};", word_hex(&y)));
    }
    lines.join("\n")
}

/// The parameter commitment and the interleaved fixed commitments, with their columns' names.
fn fixed_commitments(vk: &VerifyingKey) -> String {
    let [x, y] = g1_to_words(&vk.param_commitment);
    let mut lines = vec![
        format!("uint256 internal constant F_PARAM_X = {}; // param (hiding; the proof's P' is opened in its place)", word_hex(&x)),
        format!("uint256 internal constant F_PARAM_Y = {};", word_hex(&y)),
    ];
    for (g, (c, columns)) in vk.fixed_groups.iter().zip(vk.fixed_layout.groups()).enumerate() {
        let [x, y] = g1_to_words(c);
        let names: Vec<&str> = columns.iter().map(|c| FIXED_NAMES[*c]).collect();
        lines.push(format!("uint256 internal constant G{g}_X = {}; // {}", word_hex(&x), names.join(", ")));
        lines.push(format!("uint256 internal constant G{g}_Y = {};", word_hex(&y)));
    }
    lines.join("\n")
}

/// The placeholder values for `vk`, as (name, Solidity source).
fn substitutions(vk: &VerifyingKey) -> Vec<(String, String)> {
    let n = vk.domain_size;
    assert!(n.is_power_of_two() && n >= 2, "domain size {n} is not a power of two");
    assert_eq!(vk.fixed_groups.len(), vk.fixed_layout.groups().len(), "one commitment per group of fixed columns");
    assert_eq!(vk.packed_commitments.len(), PACK_WIDTH - 1, "a verifying key has {} packed commitments", PACK_WIDTH - 1);
    assert!((crate::compiler::MIN_SCALE_BITS..=crate::compiler::MAX_SCALE_BITS).contains(&vk.scale_bits), "scale bits {} out of range", vk.scale_bits);
    assert!(
        ROUND1.iter().chain(&ROUND2).chain([&Wit::U]).enumerate().all(|(i, c)| *c as usize == i) && Wit::U as usize + 1 == NUM_WITNESS,
        "the evaluations (column order) and the commitments (round order) must line up"
    );
    let fr_hex = |x: &Fr| word_hex(&fr_to_word(x));
    let num = |v: usize| v.to_string();
    let (digest_words, digest_list) = digest_list(vk);
    let mut subs: Vec<(String, String)> = vec![
        ("VK_DIGEST".into(), word_hex(&vk.digest())),
        ("N".into(), num(n)),
        ("LOG_N".into(), num(n.trailing_zeros() as usize)),
        ("OMEGA".into(), fr_hex(&vk.omega())),
        ("N_INV".into(), fr_hex(&Fr::from(n as u64).inverse().expect("N < r is invertible"))),
        ("SCALE_BITS".into(), num(vk.scale_bits as usize)),
        ("N_IN".into(), num(vk.num_inputs)),
        ("N_OUT".into(), num(vk.num_outputs)),
        ("N_PUB".into(), num(vk.num_inputs + vk.num_outputs)),
        ("INPUT_BOUND".into(), num(crate::compiler::graph::max_wire(vk.scale_bits) as usize)),
        ("FIXED_COMMITMENTS".into(), fixed_commitments(vk)),
        ("PACKED_COMMITMENTS".into(), packed_commitments(vk)),
        ("LAST_PACKED".into(), num(PACK_WIDTH - 2)),
        ("INTERLEAVE".into(), num(vk.fixed_layout.k)),
        ("LOG_K".into(), num(vk.fixed_layout.k.trailing_zeros() as usize)),
        ("FIXED_USED".into(), hex(vk.fixed_layout.used as usize)),
        ("NUM_CONSTRAINTS".into(), num(NUM_CONSTRAINTS)),
        ("DIGEST_WORDS".into(), num(digest_words)),
        ("DIGEST_BYTES".into(), num(32 * digest_words)),
        ("DIGEST_LIST".into(), digest_list),
        ("STRIDE".into(), num(vk.stride)),
    ];
    let consts = blocks::Ctx::new(vk.limbs(), 1, Fr::from(0u64), Fr::from(0u64), Fr::from(0u64));
    subs.extend(body_substitutions(
        FIRST_FREE,
        transcript(power("mu", "eta", vk.stride)),
        yul::quotient_eval(yul::Sym::Const(consts.split), yul::Sym::Const(consts.limb)),
        commitments_msm(vk),
        packed_check(vk),
    ));
    for (prefix, p) in [("G2", &vk.g2), ("TAU", &vk.tau_g2)] {
        let w = g2_to_words(p);
        for (suffix, word) in ["X1", "X0", "Y1", "Y0"].iter().zip(&w) {
            subs.push((format!("{prefix}_{suffix}"), word_hex(word)));
        }
    }
    for (name, base) in ["ZH", "ZH1"].iter().zip(&vk.hiding_bases) {
        let [x, y] = g1_to_words(base);
        subs.push((format!("{name}_X"), word_hex(&x)));
        subs.push((format!("{name}_Y"), word_hex(&y)));
    }
    subs.push(("IO_SCALES".into(), word_hex(&vk.io_scales_hash())));
    subs
}

/// The body's placeholders: the parts shared by both verifiers, and the four generated from the
/// key (per-model) or for any key (universal).
pub(super) fn body_substitutions(memory_base: usize, transcript: String, quotient: String, commitments: String, packed_check: String) -> Vec<(String, String)> {
    let num = |v: usize| v.to_string();
    vec![
        ("PROOF_BYTES".into(), num(PROOF_BYTES)),
        ("PROOF_WORDS".into(), num(proof_words::WORDS)),
        ("NUM_POINTS".into(), num(NUM_POINTS)),
        ("NUM_SCALARS".into(), num(NUM_SCALARS)),
        ("NUM_EVALS".into(), num(NUM_EVALS)),
        ("NUM_NEXT".into(), num(NEXT_ROW.len())),
        ("NUM_OPENED".into(), num(NUM_WITNESS + 2)),
        ("MEMORY_LAYOUT".into(), memory_layout(memory_base).0),
        ("CANONICAL".into(), canonical()),
        ("TRANSCRIPT".into(), transcript),
        ("QUOTIENT".into(), quotient),
        ("COMMITMENTS".into(), commitments),
        ("PACKED_CHECK".into(), packed_check),
    ]
}

/// `shell` with its `{{BODY}}` filled and the body's key values (`$NAME` in assembly, `@NAME` in
/// Solidity) written by `yul` and `sol`, then every placeholder of `subs` filled. Panics on a
/// placeholder of `subs` the text lacks or one left unfilled.
pub(super) fn render(shell: &str, subs: Vec<(String, String)>, yul: impl Fn(&str) -> String, sol: impl Fn(&str) -> String) -> String {
    let mut out = fill(shell, "{{BODY}}", &key_values(VERIFIER_BODY_TEMPLATE, &yul, &sol));
    for (name, value) in subs {
        let key = format!("{{{{{name}}}}}");
        assert!(out.contains(&key), "template has no placeholder {key}");
        out = fill(&out, &key, &value);
    }
    if let Some(at) = out.find("{{") {
        let end = out[at..]
            .find("}}")
            .map(|e| at + e + 2)
            .unwrap_or(out.len().min(at + 40));
        panic!("template placeholder {} left unfilled", &out[at..end]);
    }
    out
}

/// `text` with every `$NAME` replaced by `yul(NAME)` and every `@NAME` by `sol(NAME)` (`NAME` of
/// capitals, digits and `_`).
fn key_values(text: &str, yul: &impl Fn(&str) -> String, sol: &impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['$', '@']) {
        out += &rest[..at];
        let name_len = rest[at + 1..].find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')).unwrap_or(rest.len() - at - 1);
        let name = &rest[at + 1..at + 1 + name_len];
        if name.is_empty() {
            out.push_str(&rest[at..at + 1]);
        } else if rest.as_bytes()[at] == b'$' {
            out += &yul(name);
        } else {
            out += &sol(name);
        }
        rest = &rest[at + 1 + name_len..];
    }
    out + rest
}

/// `text` with every `key` replaced by `value`; a multi-line value's later lines get the
/// indentation of the line the key sits on, so generated blocks read like the template.
fn fill(text: &str, key: &str, value: &str) -> String {
    let mut out = String::with_capacity(text.len() + value.len());
    let mut rest = text;
    while let Some(at) = rest.find(key) {
        let line_start = rest[..at].rfind('\n').map_or(0, |i| i + 1);
        let indent: String = rest[line_start..at].chars().take_while(|c| *c == ' ').collect();
        out += &rest[..at];
        let lines: Vec<String> = value
            .lines()
            .enumerate()
            .map(|(k, l)| if k == 0 || l.is_empty() { l.to_string() } else { format!("{indent}{l}") })
            .collect();
        out += &lines.join("\n");
        rest = &rest[at + key.len()..];
    }
    out + rest
}

/// The Solidity source of the verifier for `vk` (the template with every placeholder filled).
pub fn render_verifier(vk: &VerifyingKey) -> String {
    let constant = |name: &str| name.to_string();
    render(VERIFIER_TEMPLATE, substitutions(vk), constant, constant)
}

/// Renders the verifier for `vk`, compiles it (with the embedded `Transcript.sol`) and writes
/// `out_dir/Verifier.sol` and `out_dir/Verifier.json` (the [`CompiledContract`]: ABI, creation
/// and runtime bytecode). Nothing is written unless compilation succeeds and the runtime code is
/// within EIP-170's limit; each file is written to a temporary name in `out_dir` and renamed into
/// place, so a failure never leaves a half-written file.
pub fn build_verifier(vk: &VerifyingKey, out_dir: &Path) -> Result<CompiledContract> {
    write_contract(&render_verifier(vk), VERIFIER_CONTRACT, out_dir)
}

/// Compiles `source` (contract `contract`, with the embedded `Transcript.sol`) and writes it and
/// its artifact to `out_dir` as [`build_verifier`] describes.
pub(super) fn write_contract(source: &str, contract: &str, out_dir: &Path) -> Result<CompiledContract> {
    let compiled = compile_with_libraries(VERIFIER_SOL, source, &[("Transcript.sol", TRANSCRIPT_SOL)], contract)?;
    compiled.check_code_size()?;
    let json = serde_json::to_string_pretty(&compiled).expect("a compiled contract serializes");
    std::fs::create_dir_all(out_dir).map_err(|source| Error::Write {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let sol = tmp_write(out_dir, VERIFIER_SOL, source.as_bytes())?;
    let json_tmp = match tmp_write(out_dir, VERIFIER_JSON, format!("{json}\n").as_bytes()) {
        Ok(t) => t,
        Err(e) => {
            let _ = std::fs::remove_file(&sol);
            return Err(e);
        }
    };
    for (tmp, name) in [(&sol, VERIFIER_SOL), (&json_tmp, VERIFIER_JSON)] {
        let dest = out_dir.join(name);
        if let Err(source) = std::fs::rename(tmp, &dest) {
            let _ = std::fs::remove_file(&sol);
            let _ = std::fs::remove_file(&json_tmp);
            return Err(Error::Write { path: dest, source });
        }
    }
    Ok(compiled)
}

/// Writes `bytes` to a fresh temporary file `out_dir/.{name}.tmp-{pid}-{k}` (synced) and returns
/// its path.
fn tmp_write(out_dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    use std::io::Write;
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let k = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = out_dir.join(format!(".{name}.tmp-{}-{k}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(source) => {
            let _ = std::fs::remove_file(&tmp);
            Err(Error::Write {
                path: out_dir.join(name),
                source,
            })
        }
    }
}

#[cfg(test)]
mod tests;
