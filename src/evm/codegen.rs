//! The per-model Solidity verifier: `templates/Verifier.sol.tmpl` filled with one verifying key.
//!
//! The template has `{{NAME}}` placeholders for the VK constants (plain text substitution, no
//! template engine): the domain (`N`, `LOG_N`, `OMEGA`, `N_INV`), the scale (`SCALE_BITS`,
//! `SCALE` = 2^s, `SCALE_SQ` = 2^(2s), `HALF` = 2^(s−1)), the I/O sizes (`N_IN`, `N_OUT`,
//! `N_PUB`), `Z = [Z_H(τ)]₁` (`ZH_X`, `ZH_Y`, the base of the parameter column's hiding), the
//! fixed commitments (`F0_X`, `F0_Y` … `F13_Y`, docs/spec.md §3 order; `F2` is the hiding
//! parameter commitment, which proofs re-randomise), `[1]₂` and `[τ]₂` in precompile order
//! (`G2_X1, G2_X0, G2_Y1, G2_Y0`, `TAU_…`) and `VK_DIGEST`. The contract `ZkTorchVerifier`
//! imports `Transcript.sol` from `contracts/`, and checks in its constructor that its constants
//! hash to `VK_DIGEST`.

use std::path::{Path, PathBuf};

use ark_bn254::Fr;
use ark_ff::Field;

use super::compile::{compile_source, contracts_dir, CompiledContract};
use crate::blocks::NUM_FIXED;
use crate::pcs::encoding::{fr_to_word, g1_to_words, g2_to_words, word_hex};
use crate::protocol::VerifyingKey;
use crate::{Error, Result};

/// The verifier template, embedded at build time.
pub const VERIFIER_TEMPLATE: &str = include_str!("../../templates/Verifier.sol.tmpl");
/// Name of the generated contract.
pub const VERIFIER_CONTRACT: &str = "ZkTorchVerifier";
/// File names [`build_verifier`] writes.
pub const VERIFIER_SOL: &str = "Verifier.sol";
pub const VERIFIER_JSON: &str = "Verifier.json";

/// The placeholder values for `vk`, as (name, Solidity literal).
fn substitutions(vk: &VerifyingKey) -> Vec<(String, String)> {
    let n = vk.domain_size;
    assert!(
        n.is_power_of_two() && n >= 2,
        "domain size {n} is not a power of two"
    );
    assert_eq!(
        vk.fixed_commitments.len(),
        NUM_FIXED,
        "a verifying key has {NUM_FIXED} fixed commitments"
    );
    assert!(
        (1..=62).contains(&vk.scale_bits),
        "scale bits {} out of range",
        vk.scale_bits
    );
    let fr_hex = |x: &Fr| word_hex(&fr_to_word(x));
    let s = vk.scale_bits;
    let num = |v: u128| v.to_string();
    let mut subs: Vec<(String, String)> = vec![
        ("VK_DIGEST".into(), word_hex(&vk.digest())),
        ("N".into(), num(n as u128)),
        ("LOG_N".into(), num(n.trailing_zeros() as u128)),
        ("OMEGA".into(), fr_hex(&vk.omega())),
        (
            "N_INV".into(),
            fr_hex(&Fr::from(n as u64).inverse().expect("N < r is invertible")),
        ),
        ("SCALE_BITS".into(), num(s as u128)),
        ("SCALE".into(), num(1u128 << s)),
        ("SCALE_SQ".into(), num(1u128 << (2 * s))),
        ("HALF".into(), num(1u128 << (s - 1))),
        ("N_IN".into(), num(vk.num_inputs as u128)),
        ("N_OUT".into(), num(vk.num_outputs as u128)),
        (
            "N_PUB".into(),
            num((vk.num_inputs + vk.num_outputs) as u128),
        ),
    ];
    for (prefix, p) in [("G2", &vk.g2), ("TAU", &vk.tau_g2)] {
        let w = g2_to_words(p);
        for (suffix, word) in ["X1", "X0", "Y1", "Y0"].iter().zip(&w) {
            subs.push((format!("{prefix}_{suffix}"), word_hex(word)));
        }
    }
    let [zx, zy] = g1_to_words(&vk.vanishing_commitment);
    subs.push(("ZH_X".into(), word_hex(&zx)));
    subs.push(("ZH_Y".into(), word_hex(&zy)));
    for (i, c) in vk.fixed_commitments.iter().enumerate() {
        let [x, y] = g1_to_words(c);
        subs.push((format!("F{i}_X"), word_hex(&x)));
        subs.push((format!("F{i}_Y"), word_hex(&y)));
    }
    subs
}

/// The Solidity source of the verifier for `vk` (the template with every placeholder filled).
pub fn render_verifier(vk: &VerifyingKey) -> String {
    let mut out = VERIFIER_TEMPLATE.to_string();
    for (name, value) in substitutions(vk) {
        let key = format!("{{{{{name}}}}}");
        assert!(out.contains(&key), "template has no placeholder {key}");
        out = out.replace(&key, &value);
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

/// Renders the verifier for `vk`, compiles it (with `contracts/` on the include path) and writes
/// `out_dir/Verifier.sol` and `out_dir/Verifier.json` (the [`CompiledContract`]: ABI, creation
/// and runtime bytecode). Nothing is written unless compilation succeeds and the runtime code is
/// within EIP-170's limit; each file is written to a temporary name in `out_dir` and renamed into
/// place, so a failure never leaves a half-written file.
pub fn build_verifier(vk: &VerifyingKey, out_dir: &Path) -> Result<CompiledContract> {
    let source = render_verifier(vk);
    let compiled = compile_source(VERIFIER_SOL, &source, &[contracts_dir()], VERIFIER_CONTRACT)?;
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
