//! The universal verifier: one contract for every model, `templates/UniversalVerifier.sol.tmpl`
//! around the same `templates/VerifierBody.sol.tmpl` as the per-model verifier ([`super::codegen`]).
//!
//! A model is registered by its verifying key; each verification passes the key in calldata, in
//! the compact form [`key_words`] writes (the digest preimage of [`VerifyingKey::digest`] with
//! the points at infinity left out and flagged in a leading word), and the contract checks that
//! the key's digest is registered. The body's key values (`$NAME`) are memory words the contract
//! derives from the loaded key (`mload(V_NAME)`), and the parts the per-model generator unrolls
//! for one key (the MSM over the commitments, the packed-weight check, μ = η^S) are loops here
//! that skip the points at infinity at run time, so both contracts compute the same accumulator.

use std::path::Path;

use super::codegen::{self, hex, Presence, M_ETA};
use super::compile::CompiledContract;
use super::yul::{self, Sym};
use crate::blocks::packed::PACK_WIDTH;
use crate::blocks::{limb::MAX_TABLE_BITS, Fix, NUM_FIXED};
use crate::protocol::fixed::MAX_GROUPS;
use crate::compiler::{MAX_SCALE_BITS, MIN_SCALE_BITS};
use crate::pcs::encoding::{g2_to_words, word_hex, Word};
use ark_bn254::G2Affine;
use ark_ec::AffineRepr;
use crate::protocol::VerifyingKey;
use crate::Result;

/// The universal verifier's template, embedded at build time.
pub const UNIVERSAL_TEMPLATE: &str = include_str!("../../templates/UniversalVerifier.sol.tmpl");
/// Name of the generated contract.
pub const UNIVERSAL_CONTRACT: &str = "ZkTorchUniversalVerifier";

/// Header words of a key (N, s, n_in, n_out, ω, I/O scales hash, stride, k, the used fixed
/// columns, [1]₂, [τ]₂, Z, Z₁), in [`VerifyingKey::digest`] order.
const HEADER: [&str; 21] = [
    "N", "SCALE_BITS", "N_IN", "N_OUT", "OMEGA", "IO_SCALES", "STRIDE", "INTERLEAVE", "FIXED_USED", "G2_X1", "G2_X0",
    "G2_Y1", "G2_Y0", "TAU_X1", "TAU_X0", "TAU_Y1", "TAU_Y0", "ZH_X", "ZH_Y", "ZH1_X", "ZH1_Y",
];
/// The key's points that may be at infinity: the parameter commitment, the interleaved fixed
/// commitments (up to [`MAX_GROUPS`]), then the packed weight commitments.
const KEY_POINTS: usize = 1 + MAX_GROUPS + PACK_WIDTH - 1;
/// Values `_loadKey` derives from the key, after it.
const DERIVED: [(&str, &str); 8] = [
    ("DIGEST", "keccak256 of the key: the model id"),
    ("LOG_N", ""),
    ("N_INV", "N⁻¹ mod r"),
    ("N_PUB", "n_in + n_out"),
    ("INPUT_BOUND", "2^(2s−1) − 1"),
    ("SPLIT", "2^M, where a rescale splits its quotient"),
    ("LIMB", "2^L, a limb row's second-limb weight"),
    ("LOG_K", "log₂ of the interleaving factor"),
];
/// Largest log₂ N a key may have (the verifying key's own bound).
const MAX_LOG_N: usize = 28;

/// The key as the universal verifier takes it: a word flagging the present points (bit `i` for
/// the `i`-th of the parameter, interleaved fixed and packed commitments), the header words but [1]₂ (the generator,
/// which the contract writes itself), then the present points.
pub fn key_words(vk: &VerifyingKey) -> Vec<Word> {
    assert_eq!(vk.g2, G2Affine::generator(), "a verifying key's [1]₂ is the generator");
    let words = vk.digest_words();
    let (header, points) = words.split_at(HEADER.len());
    let g2 = HEADER.iter().position(|n| *n == "G2_X1").expect("[1]₂ in the header");
    let header: Vec<Word> = header.iter().enumerate().filter(|(i, _)| !(g2..g2 + 4).contains(i)).map(|(_, w)| *w).collect();
    let present: Vec<bool> = points.chunks(2).map(|p| p.iter().any(|w| *w != [0u8; 32])).collect();
    let mask: u64 = present.iter().enumerate().map(|(i, p)| u64::from(*p) << i).sum();
    let mut mask_word = [0u8; 32];
    mask_word[24..].copy_from_slice(&mask.to_be_bytes());
    let mut out = vec![mask_word];
    out.extend(header);
    for (p, on) in points.chunks(2).zip(present) {
        if on {
            out.extend_from_slice(p);
        }
    }
    out
}

/// The memory constants of the loaded key, from `start`, and the first address past them.
fn key_layout(start: usize) -> (String, usize) {
    let mut lines = Vec::new();
    let mut constant = |name: &str, addr: usize, note: &str| {
        let note = if note.is_empty() { String::new() } else { format!(" // {note}") };
        lines.push(format!("uint256 internal constant V_{name} = {};{note}", hex(addr)));
    };
    constant("KEY", start, "the key's digest preimage");
    for (i, name) in HEADER.iter().enumerate() {
        constant(name, start + 32 * i, "");
    }
    let points = start + 32 * HEADER.len();
    constant("POINTS", points, "the parameter commitment, the interleaved fixed G_0 …, then the packed W_0 …");
    constant("F_PARAM_X", points, "the parameter column's (hiding) commitment");
    constant("F_PARAM_Y", points + 32, "");
    constant("GROUPS", points + 64, "");
    constant("PACKED", points + 64 * (1 + MAX_GROUPS), "");
    let mut next = points + 64 * KEY_POINTS;
    for (name, note) in DERIVED {
        constant(name, next, note);
        next += 32;
    }
    constant("FLAGS", next, "the key's flags: which points are present");
    next += 32;
    constant("END", next, "");
    (lines.join("\n"), next)
}

/// Yul: whether the loaded key leaves fixed column `c` unused.
fn fixed_unused(c: Fix) -> String {
    format!("iszero(and(shr({}, mload(V_FIXED_USED)), 1))", c as usize)
}

/// μ = η^S by square-and-multiply over the bits of the key's stride.
fn mu_loop() -> Vec<String> {
    vec![
        "let mu := 1".into(),
        format!("let base := mload({M_ETA})"),
        "for { let bits := mload(V_STRIDE) } bits { bits := shr(1, bits) } {".into(),
        "    if and(bits, 1) { mu := mulmod(mu, base, R_MOD) }".into(),
        "    base := mulmod(base, base, R_MOD)".into(),
        "}".into(),
    ]
}

/// The opening terms for any key: the columns' ([`codegen::column_openings`], the matrix-product
/// columns and `U'` skipped at run time when the key's mask says their selectors are unused),
/// then the used public fixed columns in order, `k` to an interleaved commitment `G_g`, each
/// group's remainder `r_g(z) = Σ_j f_j(ζ)·z^j` summed as it goes, and every unused fixed
/// column's value checked to be zero — the same terms the per-model generator unrolls.
fn commitments_loop() -> String {
    let absent = |c: Fix| Presence::Unless(fixed_unused(c));
    let mut lines = codegen::column_openings(&absent(Fix::QMatP), &absent(Fix::QPackX));
    let param = Fix::Param as usize;
    lines.extend(
        [
            "// The interleaved fixed commitments: the used public columns, k to a group (a function".to_string(),
            "// of its own, so that its loop's variables fit the stack).".into(),
            "function fixedGroups(pwIn, nuIn, zIn) -> pwOut, sum, f {".into(),
            "    let q := R_MOD".into(),
            format!("    let public := and(mload(V_FIXED_USED), not({}))", hex(1 << param)),
            "    let slot := 0".into(),
            "    let r := 0".into(),
            "    let zp := 1".into(),
            "    let group := V_GROUPS".into(),
            "    pwOut := pwIn".into(),
            "    f := 1".into(),
            format!("    for {{ let c := 0 }} lt(c, {NUM_FIXED}) {{ c := add(c, 1) }} {{"),
            "        if iszero(and(shr(c, mload(V_FIXED_USED)), 1)) { f := and(f, iszero(mload(add(E_FIXED, shl(5, c))))) }".into(),
            "        if and(shr(c, public), 1) {".into(),
            "            r := addmod(r, mulmod(zp, mload(add(E_FIXED, shl(5, c))), q), q)".into(),
            "            zp := mulmod(zp, zIn, q)".into(),
            "            slot := add(slot, 1)".into(),
            "            // The group ends at k columns or at the last used one.".into(),
            "            if or(eq(slot, shl(mload(V_LOG_K), 1)), iszero(shr(add(c, 1), public))) {".into(),
            "                sum := addmod(sum, mulmod(pwOut, r, q), q)".into(),
            "                f := and(f, mulAcc(mload(group), mload(add(group, 0x20)), mulmod(pwOut, mload(M_INV_F), q)))".into(),
            "                pwOut := mulmod(pwOut, nuIn, q)".into(),
            "                group := add(group, 0x40)".into(),
            "                slot := 0".into(),
            "                r := 0".into(),
            "                zp := 1".into(),
            "            }".into(),
            "        }".into(),
            "    }".into(),
            "}".into(),
            "let groupsOk := 0".into(),
            "pw, vF, groupsOk := fixedGroups(pw, nu, z)".into(),
            "ok := and(ok, groupsOk)".into(),
        ],
    );
    lines.join("\n")
}

/// The second re-randomisation check for any key: `U' − Σ_t η^t·W_t` over the key's packed
/// commitments (those at infinity skipped), then `okamoto`; left out when the packed input
/// selector commits to infinity, as [`crate::protocol::verifier::packed_commitment_is_bound`].
fn packed_check_loop() -> String {
    [
        format!("if iszero({}) {{", fixed_unused(Fix::QPackX)),
        "    mstore(M_SCH, mload(P_U))".into(),
        "    mstore(add(M_SCH, 0x20), mload(add(P_U, 0x20)))".into(),
        "    let eta := mload(M_ETA)".into(),
        "    let etaPow := 1".into(),
        format!("    // Up to the last packed commitment not at infinity (the key's flags, bits {} …).", 1 + MAX_GROUPS),
        format!("    for {{ let t := 0 let left := shr({}, mload(V_FLAGS)) }} left {{ t := add(t, 1) left := shr(1, left) }} {{", 1 + MAX_GROUPS),
        "        let x := mload(add(V_PACKED, shl(6, t)))".into(),
        "        let y := mload(add(V_PACKED, add(shl(6, t), 0x20)))".into(),
        "        if or(x, y) {".into(),
        "            switch t".into(),
        "            case 0 { ok := and(ok, schAdd(x, mod(sub(Q_MOD, y), Q_MOD))) }".into(),
        "            default { ok := and(ok, schMulAdd(x, y, sub(rm, etaPow))) }".into(),
        "        }".into(),
        "        etaPow := mulmod(etaPow, eta, rm)".into(),
        "    }".into(),
        "    ok := and(ok, okamoto(mload(M_E_U), mload(P_U_NONCE), mload(add(P_U_NONCE, 0x20)), mload(Z_U_RESP), mload(add(Z_U_RESP, 0x20))))".into(),
        "}".into(),
    ]
    .join("\n")
}

/// The Solidity source of the universal verifier.
pub fn render_universal_verifier() -> String {
    let num = |v: usize| v.to_string();
    // The key first, then the body's memory: the transcript's scratch (from the free-memory
    // pointer, V_END) overlaps only the proof copy, as in the per-model verifier.
    let (key, key_end) = key_layout(codegen::FIRST_FREE);
    let mut subs = vec![
        ("KEY_WORDS".to_string(), num(HEADER.len() + 2 * KEY_POINTS)),
        ("KEY_HEADER_WORDS".into(), num(HEADER.len())),
        ("KEY_POINTS".into(), num(KEY_POINTS)),
        ("MIN_SCALE_BITS".into(), num(MIN_SCALE_BITS as usize)),
        ("MAX_SCALE_BITS".into(), num(MAX_SCALE_BITS as usize)),
        ("MAX_LOG_N".into(), num(MAX_LOG_N)),
        ("MAX_TABLE_BITS".into(), num(MAX_TABLE_BITS as usize)),
        ("NUM_FIXED".into(), num(NUM_FIXED)),
        ("PARAM_COLUMN".into(), num(Fix::Param as usize)),
        ("KEY_LAYOUT".into(), key.clone()),
    ];
    let generator = g2_to_words(&G2Affine::generator());
    for (suffix, word) in ["X1", "X0", "Y1", "Y0"].iter().zip(&generator) {
        subs.push((format!("G2_GEN_{suffix}"), word_hex(word)));
    }
    subs.extend(codegen::body_substitutions(
        key_end,
        codegen::transcript(mu_loop()),
        yul::quotient_eval(Sym::expr("mload(V_SPLIT)"), Sym::expr("mload(V_LIMB)")),
        commitments_loop(),
        packed_check_loop(),
    ));
    let key_value = |name: &str| match name {
        "VK_DIGEST" => "V_DIGEST".to_string(),
        other => format!("V_{other}"),
    };
    codegen::render(
        UNIVERSAL_TEMPLATE,
        subs,
        |name| format!("mload({})", key_value(name)),
        |name| match name {
            "VK_DIGEST" => "bytes32(_vk(V_DIGEST))".to_string(),
            other => format!("_vk({})", key_value(other)),
        },
    )
}

/// Renders, compiles and writes the universal verifier to `out_dir/Verifier.sol` and
/// `out_dir/Verifier.json`, as [`super::build_verifier`] does for one model.
pub fn build_universal_verifier(out_dir: &Path) -> Result<CompiledContract> {
    codegen::write_contract(&render_universal_verifier(), UNIVERSAL_CONTRACT, out_dir)
}

