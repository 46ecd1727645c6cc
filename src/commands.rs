//! The library behind the `zktorch` CLI: one function per command, each returning a report that
//! the binary prints as text or JSON. Files are written atomically (temporary name, then rename),
//! so a failed command never leaves a half-written output.

pub use crate::calibration::{calibrate, calibrate_scale, calibrated_ranges, compile_model, CalibratedLayout, Calibration, Sample, Target};
use crate::compiler::Circuit;
use crate::onnx;
use crate::profile::Profile;
use crate::pcs::encoding::{fr_to_i128, fr_to_word, hex_to_word, word_hex, word_to_fr};
use crate::pcs::{ptau, Srs};
use crate::protocol::{self, keys::srs_size_for, Proof, ProvingKey, VerifyingKey};
use crate::{Error, Result};
use ark_bn254::Fr;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use ark_std::rand::{rngs::OsRng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

const SETTINGS: &str = "settings.json";
const PROVING_KEY: &str = "pk.bin";
const VERIFYING_KEY: &str = "vk.json";

/// Writes `bytes` to `path` through a temporary file in the same folder.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let werr = |source| Error::Write { path: path.to_path_buf(), source };
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(werr)?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(werr)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        werr(e)
    })
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Read { path: path.to_path_buf(), source })
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path, what: &'static str) -> Result<T> {
    let bytes = read(path)?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Json { path: path.to_path_buf(), what, reason: e.to_string() })
}

fn to_json_bytes<T: Serialize>(v: &T) -> Vec<u8> {
    let mut s = serde_json::to_vec_pretty(v).expect("plain data serializes");
    s.push(b'\n');
    s
}

/// What `setup` records about a model besides the keys.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Settings {
    pub version: u32,
    pub scale_bits: u32,
    pub domain_size: usize,
    pub num_inputs: usize,
    pub num_outputs: usize,
    pub gate_rows: usize,
    /// Table ranges, sign bits and interpolated functions, calibrated at setup.
    #[serde(flatten)]
    pub layout: CalibratedLayout,
    pub srs: String,
    /// The model's public identity: keccak of the verifying key, whose weight commitments are
    /// hiding. (The circuit fingerprint, an unsalted hash of every fixed column, weights
    /// included, is kept in `pk.bin` only: published, it would confirm a guessed model.)
    pub vk_digest: String,
}

/// Where the SRS comes from.
#[derive(Clone, Debug)]
pub enum SrsSource {
    /// A snarkjs `.ptau` file.
    Ptau(PathBuf),
    /// An insecure locally generated SRS (tests, demos).
    Dev,
}

/// The model and what it is calibrated on: the inputs of `setup` and `inspect`.
#[derive(Clone, Debug)]
pub struct ModelOptions {
    pub model: PathBuf,
    /// One example input (`input.json`): one more calibration sample.
    pub input: Option<PathBuf>,
    /// A calibration data set ([`onnx::read_samples`]): every table range, the sign bits and the
    /// scale choice cover all its samples.
    pub calibration_data: Option<PathBuf>,
    pub scale_bits: Option<u32>,
    /// What the automatic scale choice aims at (without `scale_bits`).
    pub target: Target,
}

/// Options of `setup`.
#[derive(Clone, Debug)]
pub struct SetupOptions {
    pub model: ModelOptions,
    pub out: PathBuf,
    pub srs: SrsSource,
    /// At most this many fixed columns per interleaved commitment (a power of two in 2…32):
    /// fewer prove faster on small domains, more cost less verification gas. `None`: as many as
    /// [`protocol::fixed::interleave_for`] allows.
    pub max_interleave: Option<usize>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SetupReport {
    pub keys: PathBuf,
    /// Fixed columns per interleaved commitment, and the number of those commitments.
    pub fixed_interleave: usize,
    pub fixed_commitments: usize,
    pub scale_bits: u32,
    pub domain_size: usize,
    /// Rows used by gates, the public rows included.
    pub gate_rows: usize,
    /// Rows of the public inputs and outputs (the first of the gate rows).
    pub public_rows: usize,
    /// One per wire; the table entries fill the rows without one, so `domain_size` is the next
    /// power of two at or above `max(gate_rows, wiring_entries + table_entries, 8)`.
    pub wiring_entries: usize,
    pub lookup_tables: usize,
    /// Entries of the range, sign and function tables (`table_rows` splits them).
    pub table_entries: usize,
    pub table_rows: TableRows,
    pub srs_g1_powers: usize,
    pub insecure_dev_srs: bool,
    pub vk_digest: String,
    /// Max abs error of the quantized output vs the float model over the calibration samples
    /// (`--input`, `--calibration-data`; none for the zero input).
    pub calibration_error: Option<f64>,
    /// The same per output.
    pub output_errors: Option<Vec<f64>>,
    /// Samples calibrated on (1 for `--input` alone or the zero input).
    pub calibration_samples: usize,
    /// The functions laid out by interpolation (their direct tables' ids, `name@in->out`).
    pub interpolated: Vec<String>,
    pub seconds: f64,
}

/// The fixed table rows of a circuit, by table: range (`2^min(s, 10)` or the limb table), sign (`2^h`) and the function
/// tables' entries (their calibrated ranges).
#[derive(Clone, Debug, Serialize)]
pub struct TableRows {
    pub range: usize,
    pub sign: usize,
    pub function: usize,
}

impl TableRows {
    pub(crate) fn of(c: &Circuit) -> Self {
        let range = 1usize << c.limbs.table_bits;
        let sign = 1usize << c.sign_bits;
        Self { range, sign, function: c.table_entries - range - sign }
    }
}

/// Largest |x − y| over two equally long lists.
pub fn max_abs_error(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

/// The calibration samples of setup: those of `--calibration-data`, then `--input`'s; zeros
/// when neither is given.
fn setup_samples(model: &onnx::Model, opts: &ModelOptions) -> Result<Vec<Sample>> {
    let mut inputs = match &opts.calibration_data {
        Some(p) => onnx::read_samples(p, &model.input_lengths())?,
        None => Vec::new(),
    };
    if let Some(p) = &opts.input {
        inputs.push(onnx::read_input_json(p)?);
    }
    if inputs.is_empty() {
        inputs.push(model.input_lengths().iter().map(|n| vec![0.0; *n]).collect());
    }
    inputs.into_iter().map(|x| Sample::new(model, x)).collect()
}

/// The model of `opts` calibrated on its samples (at `--scale-bits`, or the scale the target
/// picks) and compiled: what `setup` makes keys for and `inspect` reports.
pub(crate) fn calibrated_circuit(opts: &ModelOptions) -> Result<(Vec<Sample>, Calibration, Circuit)> {
    let model = onnx::Model::load(&opts.model)?;
    let samples = setup_samples(&model, opts)?;
    let calibration = match opts.scale_bits {
        Some(s) => calibrate(&model, &samples, s)?,
        None => calibrate_scale(&model, &samples, opts.target)?,
    };
    let (_, circuit) = compile_model(&model, &samples[0].inputs, calibration.scale_bits, Some(&calibration.layout))?;
    Ok((samples, calibration, circuit))
}

/// `zktorch setup`.
pub fn setup(opts: &SetupOptions) -> Result<SetupReport> {
    let start = Instant::now();
    let (samples, calibration, circuit) = calibrated_circuit(&opts.model)?;
    let scale_bits = calibration.scale_bits;
    let measured = opts.model.input.is_some() || opts.model.calibration_data.is_some();
    let output_errors = measured.then_some(calibration.output_errors);
    let n = circuit.domain_size;
    // Setup takes the largest k the SRS holds (`interleave_within`): capping the SRS caps k.
    let need = match opts.max_interleave {
        Some(k) if !k.is_power_of_two() || !(2..=protocol::fixed::MAX_INTERLEAVE).contains(&k) => {
            return Err(Error::Usage(format!("--interleave {k}: a power of two from 2 to {}", protocol::fixed::MAX_INTERLEAVE)));
        }
        Some(k) => srs_size_for(n).min(protocol::keys::quotient_len(n).max(k * n)),
        None => srs_size_for(n),
    };
    let (srs, label) = match &opts.srs {
        // A file short of the ideal size still serves if it holds the minimum: fewer fixed
        // columns share a commitment (a little more verifier gas).
        SrsSource::Ptau(p) => match ptau::load(p, need) {
            Err(Error::SrsTooSmall { have, .. }) if have >= protocol::keys::min_srs_size_for(n) => (ptau::load(p, have)?, p.display().to_string()),
            loaded => (loaded?, p.display().to_string()),
        },
        SrsSource::Dev => (Srs::insecure_dev_with_lagrange(need, n, &mut OsRng), "insecure-dev".to_string()),
    };
    let (pk, vk) = protocol::setup(&circuit, &srs, &mut OsRng)?;
    let settings = Settings {
        version: 6,
        scale_bits,
        domain_size: circuit.domain_size,
        num_inputs: circuit.num_inputs,
        num_outputs: circuit.num_outputs,
        gate_rows: circuit.gate_rows,
        layout: calibration.layout.clone(),
        srs: label,
        vk_digest: word_hex(&vk.digest()),
    };
    let mut pk_bytes = Vec::new();
    pk.serialize_uncompressed(&mut pk_bytes).expect("in-memory serialization");
    let vk_bytes = to_json_bytes(&vk.to_json());
    write_atomic(&opts.out.join(PROVING_KEY), &pk_bytes)?;
    write_atomic(&opts.out.join(VERIFYING_KEY), &vk_bytes)?;
    write_atomic(&opts.out.join(SETTINGS), &to_json_bytes(&settings))?;
    Ok(SetupReport {
        keys: opts.out.clone(),
        scale_bits,
        domain_size: circuit.domain_size,
        gate_rows: circuit.gate_rows,
        lookup_tables: circuit.num_tables,
        table_entries: circuit.table_entries,
        srs_g1_powers: need,
        fixed_interleave: vk.fixed_layout.k,
        fixed_commitments: vk.fixed_groups.len(),
        insecure_dev_srs: matches!(opts.srs, SrsSource::Dev),
        vk_digest: settings.vk_digest,
        calibration_error: output_errors.as_ref().map(|e| e.iter().fold(0.0, |m: f64, x| m.max(*x))),
        output_errors,
        calibration_samples: samples.len(),
        public_rows: circuit.num_inputs + circuit.num_outputs,
        wiring_entries: circuit.wiring_entries,
        table_rows: TableRows::of(&circuit),
        interpolated: calibration.layout.interpolated.iter().map(|(id, _)| id.clone()).collect(),
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Reads `vk.json` from a keys folder.
pub fn load_verifying_key(keys: &Path) -> Result<VerifyingKey> {
    let path = keys.join(VERIFYING_KEY);
    let v: serde_json::Value = read_json(&path, "a verifying key")?;
    VerifyingKey::from_json(&v)
}

/// Version of the `proof.json` format (2: the transcript absorbs the public values packed as
/// the contracts take them, so a version-1 proof no longer verifies).
pub const PROOF_FILE_VERSION: u32 = 2;

/// `proof.json`: the public values (field elements and floats) and the proof calldata.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProofFile {
    pub version: u32,
    pub vk_digest: String,
    pub scale_bits: u32,
    /// Quantized inputs then outputs, as 0x field elements (negative values are r − |v|).
    pub instances: Vec<String>,
    /// The inputs as floats (dequantized).
    pub inputs: Vec<f64>,
    /// The proven outputs as floats (dequantized).
    pub outputs: Vec<f64>,
    /// The proof: exactly the bytes the verifier contract reads.
    pub proof: String,
}

impl ProofFile {
    /// Parses the instances (strictly) and the proof bytes.
    pub fn decode(&self) -> Result<(Vec<Fr>, Proof)> {
        Ok((self.instance_fields()?, Proof::from_bytes(&self.proof_bytes()?)?))
    }

    /// The proof bytes (for the contract): `0x` then hex.
    pub fn proof_bytes(&self) -> Result<Vec<u8>> {
        let hex = self.proof.strip_prefix("0x").ok_or_else(|| Error::MalformedProof("proof must start with 0x".into()))?;
        hex::decode(hex).map_err(|e| Error::MalformedProof(format!("proof is not hex: {e}")))
    }

    /// The instances as field elements (strictly: each below r).
    pub fn instance_fields(&self) -> Result<Vec<Fr>> {
        self.instances.iter().map(|h| word_to_fr(&hex_to_word(h)?)).collect()
    }
}

/// Options of `prove`.
#[derive(Clone, Debug)]
pub struct ProveOptions {
    pub keys: PathBuf,
    pub model: PathBuf,
    pub input: PathBuf,
    pub out: PathBuf,
    /// Seed of the blinding randomness, for tests and reproducible runs only: such a proof is
    /// not zero-knowledge. Default: 32 bytes of OS randomness.
    pub seed: Option<u64>,
    /// Also measure each stage's peak memory ([`Profile::with_memory`]).
    pub stage_memory: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProveReport {
    pub proof: PathBuf,
    pub outputs: Vec<f64>,
    pub float_outputs: Vec<f64>,
    /// `|proven − float|` per output.
    pub output_errors: Vec<f64>,
    pub max_abs_error: f64,
    pub proof_bytes: usize,
    pub g1_points: usize,
    pub seconds: f64,
    /// Where the time and memory went: loading, witness, each prover stage, the float
    /// reference run.
    pub profile: Profile,
}

/// The prover's randomness: ChaCha20 keyed by 32 bytes of OS randomness, or by `seed` (tests and
/// reproducible runs only: whoever knows the seed can strip the blinding and recover the weights).
fn blinding_rng(seed: Option<u64>) -> Result<ChaCha20Rng> {
    if let Some(seed) = seed {
        return Ok(ChaCha20Rng::seed_from_u64(seed));
    }
    let mut key = [0u8; 32];
    OsRng.try_fill_bytes(&mut key).map_err(|e| Error::Usage(format!("cannot read the OS's randomness: {e}")))?;
    Ok(ChaCha20Rng::from_seed(key))
}

/// `zktorch prove`.
pub fn prove(opts: &ProveOptions) -> Result<ProveReport> {
    let start = Instant::now();
    let mut profile = if opts.stage_memory { Profile::with_memory() } else { Profile::default() };
    let settings: Settings = read_json(&opts.keys.join(SETTINGS), "zktorch settings")?;
    let vk = load_verifying_key(&opts.keys)?;
    let pk_path = opts.keys.join(PROVING_KEY);
    let pk = ProvingKey::deserialize_uncompressed(&read(&pk_path)?[..])
        .map_err(|e| Error::KeyMismatch(format!("{} is not a zktorch proving key: {e}", pk_path.display())))?;
    let model = onnx::Model::load(&opts.model)?;
    let inputs = onnx::read_input_json(&opts.input)?;
    let (graph, circuit) = compile_model(&model, &inputs, settings.scale_bits, Some(&settings.layout))?;
    if circuit.fingerprint() != pk.fingerprint {
        return Err(Error::KeyMismatch(format!(
            "{} is not the model the keys in {} were made for",
            opts.model.display(),
            opts.keys.display()
        )));
    }
    profile.lap("load keys and model, compile");
    let witness = circuit.witness(&graph)?;
    drop(graph);
    profile.lap("witness");
    let mut rng = blinding_rng(opts.seed)?;
    let instances = protocol::prover::instances(&witness);
    let proof = protocol::prover::prove_profiled(&pk, &vk, circuit, witness, &mut rng, &mut profile)?;
    let float_outputs = model.run_float(&inputs)?;
    profile.lap("float reference run (tract)");
    // The floats written are those `verify` decodes from the instances (one decoder for both).
    let PublicValues { inputs, outputs } = public_values(&vk, &instances)?;
    let output_errors: Vec<f64> = outputs.iter().zip(&float_outputs).map(|(a, b)| (a - b).abs()).collect();
    let max_abs_error = output_errors.iter().copied().fold(0.0, f64::max);
    let bytes = proof.to_bytes();
    let file = ProofFile {
        version: PROOF_FILE_VERSION,
        vk_digest: word_hex(&vk.digest()),
        scale_bits: settings.scale_bits,
        instances: instances.iter().map(|v| word_hex(&fr_to_word(v))).collect(),
        inputs,
        outputs: outputs.clone(),
        proof: format!("0x{}", hex::encode(&bytes)),
    };
    write_atomic(&opts.out, &to_json_bytes(&file))?;
    Ok(ProveReport {
        proof: opts.out.clone(),
        outputs,
        float_outputs,
        output_errors,
        max_abs_error,
        proof_bytes: bytes.len(),
        g1_points: protocol::proof::NUM_POINTS,
        seconds: start.elapsed().as_secs_f64(),
        profile,
    })
}

#[derive(Clone, Debug, Serialize)]
pub struct VerifyReport {
    pub valid: bool,
    pub reason: Option<String>,
    /// The proven inputs and outputs, decoded from the instances (empty when invalid).
    #[serde(flatten)]
    pub values: PublicValues,
    pub seconds: f64,
}

/// Reads a `proof.json`.
pub fn load_proof_file(path: &Path) -> Result<ProofFile> {
    read_json(path, "a zktorch proof")
}

/// `zktorch verify`: `Ok` with `valid: false` for a proof that parses but does not verify, or
/// whose floats disagree with its instances; `Err` for unreadable or malformed inputs.
pub fn verify(keys: &Path, proof_path: &Path) -> Result<VerifyReport> {
    let start = Instant::now();
    let vk = load_verifying_key(keys)?;
    let file = load_proof_file(proof_path)?;
    let verdict = check_public_values(&vk, &file).and_then(|values| {
        let (instances, proof) = file.decode()?;
        protocol::verify(&vk, &instances, &proof).map(|()| values)
    });
    let (values, reason) = match verdict {
        Ok(values) => (values, None),
        Err(e) => (PublicValues::default(), Some(rejection(e)?)),
    };
    Ok(VerifyReport { valid: reason.is_none(), reason, values, seconds: start.elapsed().as_secs_f64() })
}

/// The reason of a "no" verdict (a rejected or malformed proof); any other error stays one.
fn rejection(e: Error) -> Result<String> {
    match e {
        Error::Rejected(_) | Error::MalformedProof(_) => Ok(e.to_string()),
        e => Err(e),
    }
}

/// Largest magnitude of a public value's integer: 2^53, so that it and its float are exact.
pub const MAX_PUBLIC_MAGNITUDE: i128 = 1 << 53;

/// How far a float of `proof.json` may be from the value its instance proves, in units of that
/// value's last bit `2^-s`: a quarter, so that each float names exactly one fixed-point integer
/// (the proven one) while surviving a float printer or parser that is off by an ulp.
pub const FLOAT_TOLERANCE_LSB: f64 = 0.25;

/// A proof's public values as reals, as its instances encode them.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PublicValues {
    pub inputs: Vec<f64>,
    pub outputs: Vec<f64>,
}

/// Checks that `file` is a proof.json of this version for `vk` and decodes its instances
/// ([`public_values`]); `Err(Rejected)` names the first instance that does not decode, or the
/// first float of the file that disagrees with its instance. Does not check the proof itself.
pub fn check_public_values(vk: &VerifyingKey, file: &ProofFile) -> Result<PublicValues> {
    if file.version != PROOF_FILE_VERSION {
        return Err(Error::MalformedProof(format!("proof.json version {}, expected {PROOF_FILE_VERSION}", file.version)));
    }
    if file.vk_digest.to_lowercase() != word_hex(&vk.digest()) {
        return Err(Error::Rejected("the proof was made for another verifying key".into()));
    }
    if file.scale_bits != vk.scale_bits {
        return Err(Error::Rejected(format!("proof.json says scale 2^{}, the verifying key 2^{}", file.scale_bits, vk.scale_bits)));
    }
    let values = public_values(vk, &file.instance_fields()?)?;
    let (in_bits, out_bits) = vk.io_scale_bits.split_at(vk.num_inputs);
    check_floats("inputs", &file.inputs, &values.inputs, in_bits)?;
    check_floats("outputs", &file.outputs, &values.outputs, out_bits)?;
    Ok(values)
}

/// Decodes instances as signed fixed point at the key's scales: `Err(Rejected)` for a wrong
/// count or an instance that is not an integer of magnitude ≤ [`MAX_PUBLIC_MAGNITUDE`].
pub fn public_values(vk: &VerifyingKey, instances: &[Fr]) -> Result<PublicValues> {
    let expected = vk.num_inputs + vk.num_outputs;
    if vk.io_scale_bits.len() != expected {
        return Err(Error::KeyMismatch(format!("the verifying key lists {} scales for {expected} public values", vk.io_scale_bits.len())));
    }
    if instances.len() != expected {
        return Err(Error::Rejected(format!("{} instances, the verifying key expects {expected}", instances.len())));
    }
    let reals = instances.iter().zip(&vk.io_scale_bits).enumerate().map(|(i, (x, bits))| {
        let v = fr_to_i128(x).filter(|v| v.abs() <= MAX_PUBLIC_MAGNITUDE);
        let v = v.ok_or_else(|| Error::Rejected(format!("instance {i} is not a fixed-point value of magnitude ≤ 2^53")))?;
        Ok(v as f64 * last_bit(*bits))
    });
    let mut inputs = reals.collect::<Result<Vec<f64>>>()?;
    let outputs = inputs.split_off(vk.num_inputs);
    Ok(PublicValues { inputs, outputs })
}

/// `2^-bits`, the last bit of a fixed-point value (exact; 0 past f64's range, never a panic).
fn last_bit(bits: u32) -> f64 {
    f64::powi(2.0, -(bits.min(2000) as i32))
}

/// `Err(Rejected)` unless every float of `proof.json`'s `field` is within
/// [`FLOAT_TOLERANCE_LSB`] of the proven value.
fn check_floats(field: &str, file: &[f64], proven: &[f64], bits: &[u32]) -> Result<()> {
    if file.len() != proven.len() {
        return Err(Error::Rejected(format!("proof.json lists {} {field}, its instances {}", file.len(), proven.len())));
    }
    for (i, ((f, p), b)) in file.iter().zip(proven).zip(bits).enumerate() {
        let off_by = ((f - p) / last_bit(*b)).abs();
        if !(off_by <= FLOAT_TOLERANCE_LSB) {
            return Err(Error::Rejected(format!("proof.json's {field}[{i}] = {f} disagrees with the proven value {p}")));
        }
    }
    Ok(())
}

#[derive(Clone, Debug, Serialize)]
pub struct GenVerifierReport {
    pub source: PathBuf,
    pub artifact: PathBuf,
    pub runtime_bytes: usize,
    pub creation_bytes: usize,
    /// Estimated gas of one `submitProof` (src/evm/gas.rs), by part.
    pub estimated_gas: crate::evm::gas::GasEstimate,
}

/// `zktorch gen-verifier --universal`: renders the universal verifier and compiles it to
/// `Verifier.json` (no keys: models are registered on it after deployment).
pub fn gen_universal_verifier(out: &Path) -> Result<UniversalVerifierReport> {
    let compiled = crate::evm::build_universal_verifier(out)?;
    Ok(UniversalVerifierReport {
        source: out.join("Verifier.sol"),
        artifact: out.join("Verifier.json"),
        runtime_bytes: compiled.deployed_bytecode.len(),
        creation_bytes: compiled.bytecode.len(),
    })
}

#[derive(Clone, Debug, Serialize)]
pub struct UniversalVerifierReport {
    pub source: PathBuf,
    pub artifact: PathBuf,
    pub runtime_bytes: usize,
    pub creation_bytes: usize,
}

/// `zktorch gen-verifier`: renders `Verifier.sol` for the keys and compiles it to `Verifier.json`.
pub fn gen_verifier(keys: &Path, out: &Path) -> Result<GenVerifierReport> {
    let vk = load_verifying_key(keys)?;
    let compiled = crate::evm::build_verifier(&vk, out)?;
    Ok(GenVerifierReport {
        source: out.join("Verifier.sol"),
        artifact: out.join("Verifier.json"),
        runtime_bytes: compiled.deployed_bytecode.len(),
        creation_bytes: compiled.bytecode.len(),
        estimated_gas: crate::evm::gas::estimate(&crate::evm::gas::KeyShape::of_key(&vk), None),
    })
}

#[derive(Clone, Debug, Serialize)]
pub struct DeployReport {
    pub address: String,
    pub tx_hash: String,
    pub block: u64,
    pub gas_used: u64,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the async runtime: {e}")))
}

/// The node deploy and submit talk to, and as whom.
#[derive(Clone, Debug)]
pub struct ChainOptions {
    pub rpc_url: String,
    /// The sending account's key (not needed for `submit --dry-run`).
    pub private_key: Option<String>,
    /// The chain the user means: a node on another one is refused before anything is sent.
    pub chain_id: Option<u64>,
    /// How long to wait for a sent transaction to be mined.
    pub receipt_timeout: std::time::Duration,
}

impl ChainOptions {
    fn key(&self) -> Result<&str> {
        self.private_key.as_deref().ok_or_else(|| Error::Usage("pass --private-key or set ETH_PRIVATE_KEY".into()))
    }

    /// The node's chain id (checked against `--chain-id`) and, for a transaction, a funded key.
    async fn check(&self, sends: bool) -> Result<u64> {
        let id = crate::evm::check_chain(&self.rpc_url, self.chain_id).await?;
        if sends {
            crate::evm::ensure_funded(&self.rpc_url, self.key()?).await?;
        }
        Ok(id)
    }
}

/// `zktorch deploy`: deploys `Verifier.json` from a `gen-verifier` folder.
pub fn deploy(verifier: &Path, chain: &ChainOptions) -> Result<DeployReport> {
    let artifact = if verifier.is_dir() { verifier.join("Verifier.json") } else { verifier.to_path_buf() };
    let compiled: crate::evm::CompiledContract = read_json(&artifact, "a compiled verifier (Verifier.json)")?;
    let key = chain.key()?;
    let d = runtime()?.block_on(async {
        chain.check(true).await?;
        crate::evm::deploy(&chain.rpc_url, key, compiled.bytecode, chain.receipt_timeout).await
    })?;
    Ok(DeployReport {
        address: d.address.to_string(),
        tx_hash: d.tx_hash.to_string(),
        block: d.block,
        gas_used: d.gas_used,
    })
}

#[derive(Clone, Debug, Serialize)]
pub struct SubmitReport {
    pub accepted: bool,
    #[serde(flatten)]
    pub submission: Submission,
}

/// What `submit` did: refused the proof before any network access, called the verifier
/// without a transaction (`--dry-run`), or sent it.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Submission {
    Refused { reason: String },
    DryRun { dry_run: bool, chain_id: u64 },
    Sent { tx_hash: String, block: u64, gas_used: u64 },
}

/// `zktorch submit`: checks the proof's public values against the verifying key in `keys`
/// (as `verify` does; a disagreement is refused before any network access), checks the node's
/// chain (and the sender's funds), then sends the proof to the verifier in a transaction — or,
/// with `dry_run`, only calls `verifyProof` (`eth_call`: no transaction, no key needed).
pub fn submit(keys: &Path, proof_path: &Path, address: &str, chain: &ChainOptions, dry_run: bool) -> Result<SubmitReport> {
    let vk = load_verifying_key(keys)?;
    let file = load_proof_file(proof_path)?;
    let address = crate::evm::parse_address(address)?;
    if let Err(e) = check_public_values(&vk, &file) {
        return Ok(SubmitReport { accepted: false, submission: Submission::Refused { reason: rejection(e)? } });
    }
    let proof = file.proof_bytes()?;
    let instances = crate::evm::contract_instances(&file.instance_fields()?)?;
    runtime()?.block_on(async {
        let chain_id = chain.check(!dry_run).await?;
        // A per-model verifier must be this model's; the universal one must have it registered.
        let model_key = match verifier_for(&vk, address, chain).await? {
            crate::evm::VerifierKind::Model(_) => None,
            crate::evm::VerifierKind::Universal { .. } => Some(key_words(&vk)),
        };
        let rpc = &chain.rpc_url;
        if dry_run {
            let accepted = match model_key {
                None => crate::evm::call_verify(rpc, address, proof, instances).await?,
                Some(k) => crate::evm::call_verify_universal(rpc, address, k, proof, instances).await?,
            };
            return Ok(SubmitReport { accepted, submission: Submission::DryRun { dry_run: true, chain_id } });
        }
        let (key, timeout) = (chain.key()?, chain.receipt_timeout);
        let s = match model_key {
            None => crate::evm::submit(rpc, key, address, proof, instances, timeout).await?,
            Some(k) => crate::evm::submit_universal(rpc, key, address, k, proof, instances, timeout).await?,
        };
        let submission = Submission::Sent { tx_hash: s.tx_hash.to_string(), block: s.block, gas_used: s.gas_used };
        Ok(SubmitReport { accepted: s.accepted, submission })
    })
}

/// The verifier at `address` for the model of `vk`: its own per-model verifier, or the universal
/// verifier with the model registered; anything else is an error naming what to do.
async fn verifier_for(vk: &VerifyingKey, address: crate::evm::Address, chain: &ChainOptions) -> Result<crate::evm::VerifierKind> {
    let model = crate::evm::B256::from(vk.digest());
    let kind = crate::evm::verifier_kind(&chain.rpc_url, address, model).await?;
    match kind {
        crate::evm::VerifierKind::Model(d) if d != model => {
            Err(Error::KeyMismatch(format!("the verifier at {address} is for model {d}, these keys are for model {model}")))
        }
        crate::evm::VerifierKind::Universal { registered: false } => Err(Error::KeyMismatch(format!(
            "model {model} is not registered at the universal verifier {address}: run `zktorch register --keys … --address {address}` first"
        ))),
        _ => Ok(kind),
    }
}

/// The model's key as the universal verifier takes it, as words.
fn key_words(vk: &VerifyingKey) -> Vec<crate::evm::U256> {
    crate::evm::key_words(vk).iter().map(|w| crate::evm::U256::from_be_bytes(*w)).collect()
}

#[derive(Clone, Debug, Serialize)]
pub struct RegisterReport {
    pub model_id: String,
    pub address: String,
    pub tx_hash: String,
    pub block: u64,
    pub gas_used: u64,
}

/// `zktorch register`: records the model of `keys` at the universal verifier at `address`.
pub fn register(keys: &Path, address: &str, chain: &ChainOptions) -> Result<RegisterReport> {
    let vk = load_verifying_key(keys)?;
    let address = crate::evm::parse_address(address)?;
    let key = chain.key()?;
    let r = runtime()?.block_on(async {
        chain.check(true).await?;
        let model = crate::evm::B256::from(vk.digest());
        crate::evm::register(&chain.rpc_url, key, address, model, key_words(&vk), chain.receipt_timeout).await
    })?;
    Ok(RegisterReport {
        model_id: r.model_id.to_string(),
        address: address.to_string(),
        tx_hash: r.tx_hash.to_string(),
        block: r.block,
        gas_used: r.gas_used,
    })
}
