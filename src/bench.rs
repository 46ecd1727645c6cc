//! `zktorch bench`: proves MLPs of several depths at one width and reports the figures that
//! matter (setup, prove with 1 and 2 threads, proof size, G1 points, verify, gas on anvil).
//!
//! Models are generated in memory (seeded Gaussian weights, ReLU between layers) and go through
//! the same build → compile → setup → prove → verify path as an ONNX model.

use crate::compiler::graph::{Builder, ElementGraph};
use crate::compiler::Circuit;
use crate::pcs::Srs;
use crate::protocol::{self, keys::srs_size_for, proof};
use crate::Result;
use ark_std::rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::Serialize;
use std::time::Instant;

/// What to measure.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    pub depths: Vec<usize>,
    pub width: usize,
    pub scale_bits: u32,
    /// Also deploy the verifier on a local anvil and measure the gas of a `submitProof` transaction.
    pub gas: bool,
    pub seed: u64,
}

/// One row of the report.
#[derive(Clone, Debug, Serialize)]
pub struct BenchRow {
    pub depth: usize,
    pub width: usize,
    pub parameters: usize,
    pub domain_size: usize,
    pub setup_s: f64,
    pub prove_1_thread_s: f64,
    pub prove_2_threads_s: f64,
    pub proof_bytes: usize,
    pub g1_points: usize,
    pub verify_s: f64,
    pub verification_gas: Option<u64>,
    pub verifier_runtime_bytes: Option<usize>,
}

/// The element graph of a random MLP `width → … → width` with `depth` dense layers (seeded
/// Gaussian weights, ReLU between layers) on a random input, built directly with the
/// [`Builder`] the ONNX lowering uses.
pub fn random_mlp(depth: usize, width: usize, scale_bits: u32, rng: &mut impl Rng) -> Result<ElementGraph> {
    let mut gauss = || -> f64 {
        // Box–Muller.
        let (u, v): (f64, f64) = (rng.gen_range(1e-12..1.0), rng.gen_range(0.0..1.0));
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    };
    let mut b = Builder::new(scale_bits);
    let mut x = (0..width).map(|_| b.input(gauss().clamp(-1.0, 1.0), false)).collect::<Result<Vec<_>>>()?;
    for l in 0..depth {
        b.set_node(&format!("dense{l}"));
        let mut y = Vec::with_capacity(width);
        for _ in 0..width {
            let terms: Vec<_> = x.iter().map(|e| (*e, gauss() / (width as f64).sqrt())).collect();
            let z = b.linear(&terms, 0.1 * gauss())?;
            y.push(if l + 1 < depth { b.relu(z)? } else { z });
        }
        x = y;
    }
    b.finish(&x)
}

fn timed<T>(f: impl FnOnce() -> Result<T>) -> Result<(T, f64)> {
    let start = Instant::now();
    let v = f()?;
    Ok((v, start.elapsed().as_secs_f64()))
}

fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| crate::Error::Usage(format!("cannot start a {threads}-thread pool: {e}")))?;
    pool.install(f)
}

/// Runs the benchmark; `progress` is told which depth starts.
pub fn run(opts: &BenchOptions, mut progress: impl FnMut(&str)) -> Result<Vec<BenchRow>> {
    let mut rng = ChaCha20Rng::seed_from_u64(opts.seed);
    let node = if opts.gas { Some(crate::evm::LocalNode::spawn()?) } else { None };
    let tokio = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let mut rows = Vec::new();
    for &depth in &opts.depths {
        progress(&format!("depth {depth}, width {}", opts.width));
        let mut graph = random_mlp(depth, opts.width, opts.scale_bits, &mut rng)?;
        graph.apply_sign_bits(graph.calibrated_sign_bits())?;
        let n = Circuit::compile(&graph)?.domain_size;
        let srs = Srs::insecure_dev_with_lagrange(srs_size_for(n), n, &mut rng);
        let ((circuit, pk, vk), setup_s) = timed(|| {
            let circuit = Circuit::compile(&graph)?;
            let (pk, vk) = protocol::setup(&circuit, &srs, &mut ChaCha20Rng::seed_from_u64(opts.seed))?;
            Ok((circuit, pk, vk))
        })?;
        let prove_once = || {
            let witness = circuit.witness(&graph)?;
            let proof = protocol::prove(&pk, &vk, &circuit, &witness, &mut ChaCha20Rng::seed_from_u64(opts.seed))?;
            Ok((witness, proof))
        };
        let (_, prove_1) = with_threads(1, || timed(prove_once))?;
        let ((witness, proof), prove_2) = with_threads(2, || timed(prove_once))?;
        let instances = protocol::prover::instances(&witness);
        let (_, verify_s) = timed(|| protocol::verify(&vk, &instances, &proof))?;
        let (gas, runtime) = match &node {
            Some(node) => {
                let dir = tempfile_dir()?;
                let compiled = crate::evm::build_verifier(&vk, &dir)?;
                let runtime = compiled.deployed_bytecode.len();
                let (gas, accepted) = tokio.block_on(async {
                    let d = crate::evm::deploy(&node.endpoint(), &node.dev_key(), compiled.bytecode, crate::evm::DEFAULT_RECEIPT_TIMEOUT).await?;
                    let words = crate::evm::contract_instances(&instances)?;
                    let s = crate::evm::submit(&node.endpoint(), &node.dev_key(), d.address, proof.to_bytes(), words, crate::evm::DEFAULT_RECEIPT_TIMEOUT)
                        .await?;
                    Ok::<_, crate::Error>((s.gas_used, s.accepted))
                })?;
                let _ = std::fs::remove_dir_all(&dir);
                if !accepted {
                    return Err(crate::Error::Rejected(format!("depth {depth}: the contract rejected a valid proof")));
                }
                (Some(gas), Some(runtime))
            }
            None => (None, None),
        };
        rows.push(BenchRow {
            depth,
            width: opts.width,
            parameters: depth * opts.width * (opts.width + 1),
            domain_size: circuit.domain_size,
            setup_s,
            prove_1_thread_s: prove_1,
            prove_2_threads_s: prove_2,
            proof_bytes: proof::PROOF_BYTES,
            g1_points: proof::NUM_POINTS,
            verify_s,
            verification_gas: gas,
            verifier_runtime_bytes: runtime,
        });
    }
    Ok(rows)
}

fn tempfile_dir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("zktorch-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|source| crate::Error::Write { path: dir.clone(), source })?;
    Ok(dir)
}

/// The rows as a markdown table.
pub fn markdown(rows: &[BenchRow]) -> String {
    let mut s = String::from(
        "| depth | width | params | N | setup s | prove s (1 thr) | prove s (2 thr) | speed-up | proof B | G1 pts | verify s | gas | runtime B |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let opt = |v: Option<u64>| v.map_or("-".into(), |g| g.to_string());
        s += &format!(
            "| {} | {} | {} | 2^{} | {:.2} | {:.2} | {:.2} | {:.2}× | {} | {} | {:.3} | {} | {} |\n",
            r.depth,
            r.width,
            r.parameters,
            r.domain_size.trailing_zeros(),
            r.setup_s,
            r.prove_1_thread_s,
            r.prove_2_threads_s,
            r.prove_1_thread_s / r.prove_2_threads_s,
            r.proof_bytes,
            r.g1_points,
            r.verify_s,
            opt(r.verification_gas),
            opt(r.verifier_runtime_bytes.map(|b| b as u64)),
        );
    }
    s
}
