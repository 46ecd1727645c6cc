//! Property tests over everything `verify` and `prove` read from disk: proof bytes, proof.json,
//! vk.json and settings.json. Random inputs and mutations of a real proof (flipped bytes, changed
//! numbers, truncations, swapped fields) never panic and never verify. One valid proof of the
//! 16→32→10 MLP (dev SRS) is made once per test binary; case counts are small for CI.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{json, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use zktorch::commands::{self, ModelOptions, ProofFile, ProveOptions, SetupOptions, SrsSource, Target, FLOAT_TOLERANCE_LSB};
use zktorch::pcs::encoding::{fr_from_i128, fr_to_word, word_hex};
use zktorch::protocol::{self, proof::PROOF_BYTES, Proof, VerifyingKey};

/// The valid proof every property mutates, and the keys it verifies under.
struct Valid {
    dir: PathBuf,
    keys: PathBuf,
    file: ProofFile,
    proof_json: Value,
    vk: VerifyingKey,
    vk_json: Value,
    settings_json: Value,
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn valid() -> &'static Valid {
    static VALID: OnceLock<Valid> = OnceLock::new();
    VALID.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-{}", std::process::id()));
        let keys = dir.join("keys");
        let model = ModelOptions {
            model: fixture("mlp_16_32_10.onnx"),
            input: Some(fixture("mlp_16_32_10.input.json")),
            calibration_data: None,
            scale_bits: None,
            target: Target::Accuracy,
        };
        let setup = SetupOptions { model, out: keys.clone(), srs: SrsSource::Dev, max_interleave: None };
        commands::setup(&setup).expect("setup");
        let proof = dir.join("proof.json");
        commands::prove(&prove_options(&keys, &proof)).expect("prove");
        assert!(commands::verify(&keys, &proof).expect("verify").valid);
        let read = |p: PathBuf| -> Value { serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap() };
        let file = commands::load_proof_file(&proof).unwrap();
        let vk = commands::load_verifying_key(&keys).unwrap();
        let (proof_json, vk_json, settings_json) = (read(proof), read(keys.join("vk.json")), read(keys.join("settings.json")));
        Valid { dir, keys, file, proof_json, vk, vk_json, settings_json }
    })
}

fn prove_options(keys: &Path, out: &Path) -> ProveOptions {
    ProveOptions {
        keys: keys.to_path_buf(),
        model: fixture("mlp_16_32_10.onnx"),
        input: fixture("mlp_16_32_10.input.json"),
        out: out.to_path_buf(),
        seed: Some(1),
        stage_memory: false,
    }
}

/// Runs `f`, failing the case if it panics.
fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| TestCaseError::fail(format!("{what} panicked")))
}

/// Whether the library's `verify` accepts `proof` (proof.json bytes) under `vk` (vk.json
/// bytes), each written to its own folder `tag` so that tests run in parallel.
fn accepts(tag: &str, proof: &[u8], vk: &[u8]) -> Result<bool, TestCaseError> {
    let keys = valid().dir.join(tag);
    std::fs::create_dir_all(&keys).unwrap();
    std::fs::write(keys.join("vk.json"), vk).unwrap();
    std::fs::write(keys.join("proof.json"), proof).unwrap();
    let verdict = no_panic("verify", || commands::verify(&keys, &keys.join("proof.json")))?;
    Ok(verdict.is_ok_and(|r| r.valid))
}

fn bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

/// Whether the protocol accepts raw proof bytes with the valid proof's instances.
fn proof_bytes_verify(b: &[u8]) -> Result<bool, TestCaseError> {
    let (instances, _) = valid().file.decode().unwrap();
    no_panic("decode and verify", || Proof::from_bytes(b).is_ok_and(|p| protocol::verify(&valid().vk, &instances, &p).is_ok()))
}

/// A change to one JSON object: set a path to a value, swap two top-level fields, or cut the
/// serialized text short.
#[derive(Clone, Debug)]
enum Edit {
    Set(Vec<Key>, Value),
    Swap(String, String),
    Truncate(usize),
}

#[derive(Clone, Debug)]
enum Key {
    Field(String),
    Index(usize),
}

impl Edit {
    /// The edited serialization, or `None` when the edit changes nothing.
    fn apply(&self, v: &Value) -> Option<Vec<u8>> {
        let mut out = v.clone();
        match self {
            Edit::Set(path, new) => *path.iter().try_fold(&mut out, |v, k| match k {
                Key::Field(f) => v.get_mut(f.as_str()),
                Key::Index(i) => v.get_mut(*i),
            })? = new.clone(),
            Edit::Swap(a, b) => {
                let (x, y) = (out[a].clone(), out[b].clone());
                (out[a], out[b]) = (y, x);
            }
            Edit::Truncate(n) => {
                let full = bytes(v);
                return Some(full[..n % full.len()].to_vec());
            }
        }
        (&out != v).then(|| bytes(&out))
    }
}

/// Any JSON scalar a mutation may put somewhere: numbers of every size and sign, hex strings,
/// other types.
fn any_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(|n| json!(n)),
        (-1e300f64..1e300).prop_map(|f| json!(f)),
        (0u64..64).prop_map(|n| json!(n)),
        any::<[u8; 32]>().prop_map(|w| json!(format!("0x{}", hex::encode(w)))),
        "[0-9a-fx]{0,70}".prop_map(|s| json!(s)),
        Just(Value::Null),
        Just(json!([])),
    ]
}

/// Every path into `v` a scalar edit may take: the value itself and, for an array, each
/// element's paths.
fn paths(v: &Value, prefix: Vec<Key>) -> Vec<Vec<Key>> {
    let mut all = vec![prefix.clone()];
    for (i, item) in v.as_array().into_iter().flatten().enumerate() {
        let mut p = prefix.clone();
        p.push(Key::Index(i));
        all.extend(paths(item, p));
    }
    all
}

/// Edits of `v`: any scalar at a path under a top-level field (the field picked first, so that
/// long arrays do not crowd out the rest), a swap of two top-level fields, a truncation.
fn edits_of(v: &'static Value) -> impl Strategy<Value = Edit> {
    let fields: Vec<(String, Vec<Vec<Key>>)> = v.as_object().unwrap().iter()
        .map(|(k, x)| (k.clone(), paths(x, vec![Key::Field(k.clone())])))
        .collect();
    let names: Vec<String> = fields.iter().map(|(k, _)| k.clone()).collect();
    let pick = move |i: prop::sample::Index| names[i.index(names.len())].clone();
    let set = (any::<prop::sample::Index>(), any::<prop::sample::Index>(), any_scalar()).prop_map(move |(f, p, s)| {
        let paths = &fields[f.index(fields.len())].1;
        Edit::Set(paths[p.index(paths.len())].clone(), s)
    });
    let swap = (any::<prop::sample::Index>(), any::<prop::sample::Index>()).prop_map(move |(a, b)| Edit::Swap(pick(a), pick(b)));
    prop_oneof![3 => set, 1 => swap, 1 => any::<usize>().prop_map(Edit::Truncate)]
}

/// A hex character of `s` (past its `0x`) replaced by another.
fn flip_hex_char(s: &str, pos: usize, delta: u32) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let i = 2 + pos % (chars.len() - 2);
    let digit = chars[i].to_digit(16).unwrap();
    chars[i] = char::from_digit((digit + 1 + delta % 15) % 16, 16).unwrap();
    chars.into_iter().collect()
}

/// Where proof.json holds the float of instance `i`: `inputs[k]` or `outputs[k]`.
fn float_of(i: usize) -> (&'static str, usize) {
    let n_in = valid().vk.num_inputs;
    if i < n_in { ("inputs", i) } else { ("outputs", i - n_in) }
}

/// The last bit `2^-s` of instance `i`'s float.
fn lsb(i: usize) -> f64 {
    f64::powi(2.0, -(valid().vk.io_scale_bits[i] as i32))
}

/// The valid proof.json with instance `i` set to the integer `v` and its float to match, so
/// that only the cryptography can tell.
fn with_consistent_instance(i: usize, v: i64) -> Value {
    let mut p = valid().proof_json.clone();
    let (list, k) = float_of(i);
    p["instances"][i] = json!(word_hex(&fr_to_word(&fr_from_i128(v as i128))));
    p[list][k] = json!(v as f64 * lsb(i));
    p
}

fn vk_bytes() -> Vec<u8> {
    bytes(&valid().vk_json)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_proof_bytes_never_verify(b in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..3 * PROOF_BYTES),
        prop::collection::vec(any::<u8>(), PROOF_BYTES..=PROOF_BYTES),
    ]) {
        prop_assert!(!proof_bytes_verify(&b)?);
    }

    #[test]
    fn flipped_proof_bytes_never_verify(pos in 0..PROOF_BYTES, xor in 1u8..=255, cut in any::<bool>()) {
        let mut b = valid().file.proof_bytes().unwrap();
        b[pos] ^= xor;
        if cut {
            b.truncate(pos);
        }
        prop_assert!(!proof_bytes_verify(&b)?);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn edited_proof_json_never_verifies(edit in edits_of(&valid().proof_json)) {
        let Some(text) = edit.apply(&valid().proof_json) else { return Ok(()) };
        prop_assert!(!accepts("proof-edit", &text, &vk_bytes())?, "{edit:?} verifies");
    }

    #[test]
    fn flipped_proof_hex_never_verifies(pos in any::<usize>(), delta in any::<u32>()) {
        let mut p = valid().proof_json.clone();
        p["proof"] = json!(flip_hex_char(p["proof"].as_str().unwrap(), pos, delta));
        prop_assert!(!accepts("proof-hex", &bytes(&p), &vk_bytes())?);
    }

    #[test]
    fn floats_off_by_more_than_the_tolerance_never_verify(i in any::<prop::sample::Index>(), lsbs in 0.26f64..1e6, negative in any::<bool>()) {
        let i = i.index(valid().file.instances.len());
        let (list, k) = float_of(i);
        let mut p = valid().proof_json.clone();
        p[list][k] = json!(p[list][k].as_f64().unwrap() + if negative { -lsbs } else { lsbs } * lsb(i));
        prop_assert!(!accepts("float-far", &bytes(&p), &vk_bytes())?);
    }

    #[test]
    fn consistent_changed_instances_never_verify(i in any::<prop::sample::Index>(), v in any::<i32>()) {
        let i = i.index(valid().file.instances.len());
        let p = with_consistent_instance(i, v as i64);
        prop_assume!(p != valid().proof_json);
        prop_assert!(!accepts("instance", &bytes(&p), &vk_bytes())?);
    }

    /// Two public values swapped, instances and floats alike.
    #[test]
    fn swapped_public_values_never_verify(i in any::<prop::sample::Index>(), j in any::<prop::sample::Index>()) {
        let n = valid().file.instances.len();
        let (i, j) = (i.index(n), j.index(n));
        let mut p = valid().proof_json.clone();
        let ((li, ki), (lj, kj)) = (float_of(i), float_of(j));
        let (inst, float) = (p["instances"].clone(), p.clone());
        prop_assume!(inst[i] != inst[j]);
        (p["instances"][i], p["instances"][j]) = (inst[j].clone(), inst[i].clone());
        (p[li][ki], p[lj][kj]) = (float[lj][kj].clone(), float[li][ki].clone());
        prop_assert!(!accepts("swap", &bytes(&p), &vk_bytes())?);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() })]

    /// The other side of the tolerance: floats within a fifth of a last bit still verify.
    #[test]
    fn floats_within_the_tolerance_verify(i in any::<prop::sample::Index>(), lsbs in -0.2f64..0.2) {
        prop_assert!(0.2 < FLOAT_TOLERANCE_LSB);
        let i = i.index(valid().file.instances.len());
        let (list, k) = float_of(i);
        let mut p = valid().proof_json.clone();
        p[list][k] = json!(p[list][k].as_f64().unwrap() + lsbs * lsb(i));
        prop_assert!(accepts("float-near", &bytes(&p), &vk_bytes())?);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn edited_vk_json_never_verifies(edit in edits_of(&valid().vk_json)) {
        let Some(vk) = edit.apply(&valid().vk_json) else { return Ok(()) };
        prop_assert!(!accepts("vk-edit", &bytes(&valid().proof_json), &vk)?, "{edit:?} verifies");
    }

    #[test]
    fn flipped_vk_hex_never_verifies(c in 0usize..64, w in 0usize..2, pos in any::<usize>(), delta in any::<u32>()) {
        let mut vk = valid().vk_json.clone();
        let c = c % vk["fixed_groups"].as_array().unwrap().len();
        let word = vk["fixed_groups"][c][w].as_str().unwrap().to_string();
        vk["fixed_groups"][c][w] = json!(flip_hex_char(&word, pos, delta));
        prop_assert!(!accepts("vk-hex", &bytes(&valid().proof_json), &bytes(&vk))?);
    }

    /// A changed key whose digest is recomputed (and named by the proof) is a different model.
    #[test]
    fn redigested_changed_vk_never_verifies(which in 0usize..5, a in any::<prop::sample::Index>(), b in any::<prop::sample::Index>()) {
        let mut vk = valid().vk.clone();
        let (n, m) = (vk.fixed_groups.len(), vk.packed_commitments.len());
        match which {
            0 => vk.domain_size *= 2,
            1 => vk.fixed_groups.swap(a.index(n), b.index(n)),
            2 => vk.fixed_groups[a.index(n)] = vk.hiding_bases[0],
            3 => vk.packed_commitments.swap(a.index(m), b.index(m)),
            _ => (vk.num_inputs, vk.num_outputs) = (vk.num_inputs + 1, vk.num_outputs - 1),
        }
        prop_assume!(vk != valid().vk);
        let vk_json = vk.to_json();
        let mut p = valid().proof_json.clone();
        p["vk_digest"] = vk_json["digest"].clone();
        prop_assert!(!accepts("vk-redigest", &bytes(&p), &bytes(&vk_json))?);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    /// A changed settings.json never makes `prove` panic or write a proof that does not verify.
    #[test]
    fn edited_settings_never_give_a_bad_proof(edit in edits_of(&valid().settings_json)) {
        let Some(text) = edit.apply(&valid().settings_json) else { return Ok(()) };
        let keys = valid().dir.join("settings-edit");
        std::fs::create_dir_all(&keys).unwrap();
        for f in ["pk.bin", "vk.json"] {
            std::fs::copy(valid().keys.join(f), keys.join(f)).unwrap();
        }
        std::fs::write(keys.join("settings.json"), text).unwrap();
        let out = keys.join("proof.json");
        let _ = std::fs::remove_file(&out);
        if no_panic("prove", || commands::prove(&prove_options(&keys, &out)))?.is_ok() {
            prop_assert!(commands::verify(&keys, &out).unwrap().valid, "{edit:?}");
        }
    }
}
