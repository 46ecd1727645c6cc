//! The `zktorch` command line: parses arguments, calls [`zktorch::commands`], prints the report.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use zktorch::commands::{self, SetupOptions, SrsSource, Submission, Target};
use zktorch::Error;

#[derive(Parser)]
#[command(name = "zktorch", version, about = "Zero-knowledge proofs of ONNX model inference, verified off-chain or on Ethereum")]
struct Cli {
    /// Print one JSON object on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Chain {
    /// JSON-RPC endpoint of the Ethereum node.
    #[arg(long, env = "ETH_RPC_URL")]
    rpc_url: String,
    /// Private key of the sending account (hex). Prefer the ETH_PRIVATE_KEY environment variable.
    #[arg(long, env = "ETH_PRIVATE_KEY", hide_env_values = true)]
    private_key: Option<String>,
    /// The chain you mean (e.g. 11155111 for Sepolia): a node on another chain is refused
    /// before anything is signed or sent.
    #[arg(long)]
    chain_id: Option<u64>,
    /// Seconds to wait for a sent transaction to be mined before giving up with its hash.
    #[arg(long, default_value_t = 180, value_parser = clap::value_parser!(u64).range(1..))]
    receipt_timeout: u64,
}

impl Chain {
    fn options(&self) -> commands::ChainOptions {
        commands::ChainOptions {
            rpc_url: self.rpc_url.clone(),
            private_key: self.private_key.clone(),
            chain_id: self.chain_id,
            receipt_timeout: std::time::Duration::from_secs(self.receipt_timeout),
        }
    }
}

/// The model and what it is calibrated on (setup and inspect).
#[derive(Args)]
struct ModelArgs {
    /// The ONNX model.
    #[arg(long)]
    model: PathBuf,
    /// One example input (EZKL input.json): a calibration sample (with --calibration-data,
    /// one more).
    #[arg(long)]
    input: Option<PathBuf>,
    /// Calibration data set (EZKL input.json with several samples: per model input, the
    /// samples' flattened values concatenated, or one entry per input per sample, sample by
    /// sample). Table ranges, sign bits and the scale choice cover every sample: the way to
    /// set up a model for production inputs.
    #[arg(long)]
    calibration_data: Option<PathBuf>,
    /// Fixed-point scale 2^s (overrides the choice from the calibration samples).
    #[arg(long)]
    scale_bits: Option<u32>,
    /// What the scale choice aims at (without --scale-bits): accuracy (max abs error within
    /// 0.05 % of the largest output, the finest scale of the smallest domain) or resources
    /// (the smallest scale within 0.25 %).
    #[arg(long, value_enum, default_value_t = Target::Accuracy)]
    target: Target,
}

impl ModelArgs {
    fn options(&self) -> commands::ModelOptions {
        commands::ModelOptions {
            model: self.model.clone(),
            input: self.input.clone(),
            calibration_data: self.calibration_data.clone(),
            scale_bits: self.scale_bits,
            target: self.target,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Compile a model and derive its proving and verifying keys from a KZG SRS.
    Setup {
        #[command(flatten)]
        model: ModelArgs,
        /// Folder for settings.json, pk.bin and vk.json.
        #[arg(long)]
        out: PathBuf,
        /// A snarkjs Powers-of-Tau file (BN254), e.g. from the Hermez or Perpetual ceremony.
        #[arg(long, conflicts_with = "dev_srs")]
        srs: Option<PathBuf>,
        /// Generate an INSECURE local SRS (for tests and demos only).
        #[arg(long)]
        dev_srs: bool,
        /// At most K fixed columns per commitment (2, 4, 8, 16 or 32). Smaller K proves faster on
        /// small models (K = 2: one extra N-point MSM), larger K costs less gas per verification.
        /// Default: the largest K whose opening stays within 2^15-point MSMs (or 2N).
        #[arg(long, value_name = "K")]
        interleave: Option<usize>,
    },
    /// Lay a model out as setup would, without keys: rows by block, the domain, the tables, and
    /// estimated setup/prove time and prove memory (from per-row costs measured on 2 cores).
    Inspect {
        #[command(flatten)]
        model: ModelArgs,
    },
    /// Run the model on an input and prove the result.
    Prove {
        #[arg(long)]
        keys: PathBuf,
        #[arg(long)]
        model: PathBuf,
        /// EZKL-style input.json: {"input_data": [[...]]}.
        #[arg(long)]
        input: PathBuf,
        /// Where to write proof.json.
        #[arg(long)]
        out: PathBuf,
        /// Seed for the blinding randomness, for tests only: a seeded proof is NOT zero-knowledge.
        /// Default: 32 bytes of OS randomness.
        #[arg(long)]
        seed: Option<u64>,
        /// Print where the time and memory went (every stage of loading, witness and proving,
        /// with its peak resident memory)
        #[arg(long)]
        profile: bool,
    },
    /// Verify a proof off-chain and print its proven inputs and outputs. Exit 0 if valid, 1 if
    /// invalid (including floats in proof.json that disagree with its instances), 2 on usage or
    /// I/O errors.
    Verify {
        #[arg(long)]
        keys: PathBuf,
        #[arg(long)]
        proof: PathBuf,
    },
    /// Write the Solidity verifier of a model (Verifier.sol) and compile it (Verifier.json); with
    /// --universal, the one verifier for every model (deploy it once, then `register` models).
    GenVerifier {
        /// The model's keys (from setup); not with --universal.
        #[arg(long, required_unless_present = "universal", conflicts_with = "universal")]
        keys: Option<PathBuf>,
        /// The universal verifier instead of one model's.
        #[arg(long)]
        universal: bool,
        #[arg(long)]
        out: PathBuf,
    },
    /// Register a model at a deployed universal verifier; prints its model id (the verifying
    /// key's digest). A model already registered is refused.
    Register {
        #[arg(long)]
        keys: PathBuf,
        /// The universal verifier's address.
        #[arg(long)]
        address: String,
        #[command(flatten)]
        chain: Chain,
    },
    /// Deploy a compiled verifier; prints its address.
    Deploy {
        /// The gen-verifier output folder (or its Verifier.json).
        #[arg(long)]
        verifier: PathBuf,
        #[command(flatten)]
        chain: Chain,
    },
    /// Benchmark MLPs of several depths: setup, prove (1 and 2 threads), proof size, verify, gas.
    Bench {
        /// Comma-separated depths (number of dense layers).
        #[arg(long, value_delimiter = ',', default_value = "2,4,8,16")]
        depths: Vec<usize>,
        /// Width of every layer.
        #[arg(long, default_value_t = 32)]
        width: usize,
        #[arg(long, default_value_t = 10)]
        scale_bits: u32,
        /// Skip the on-chain part (no anvil, no gas figures).
        #[arg(long)]
        no_gas: bool,
        /// Also write the rows as JSON to this file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Submit a proof to a deployed verifier in a transaction. Exit 0 only if accepted; a proof
    /// whose floats disagree with its instances is refused before sending (exit 1).
    Submit {
        /// Folder with the verifying key (vk.json) of the deployed verifier.
        #[arg(long)]
        keys: PathBuf,
        #[arg(long)]
        proof: PathBuf,
        /// Address of the deployed verifier.
        #[arg(long)]
        address: String,
        /// Only call verifyProof (eth_call): no transaction, no gas spent, no key needed.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        chain: Chain,
    },
}

/// Outcome of a command: the report, and whether it is a "no" verdict (exit 1).
struct Outcome {
    json: serde_json::Value,
    text: String,
    rejected: bool,
}

fn ok(json: serde_json::Value, text: String) -> Outcome {
    Outcome { json, text, rejected: false }
}

fn run(cli: &Cli) -> Result<Outcome, Error> {
    Ok(match &cli.command {
        Command::Setup { model, out, srs, dev_srs, interleave } => {
            let srs = match (srs, dev_srs) {
                (Some(p), _) => SrsSource::Ptau(p.clone()),
                (None, true) => {
                    eprintln!("warning: --dev-srs makes an INSECURE SRS: whoever ran setup can forge proofs. Use --srs FILE.ptau for real deployments.");
                    SrsSource::Dev
                }
                (None, false) => return Err(Error::Usage("pass --srs FILE.ptau (a Powers-of-Tau file) or --dev-srs".into())),
            };
            let r = commands::setup(&SetupOptions { model: model.options(), out: out.clone(), srs, max_interleave: *interleave })?;
            ok(json(&r), setup_text(&r))
        }
        Command::Inspect { model } => {
            let r = zktorch::inspect::inspect(&model.options())?;
            if r.exceeds_memory {
                eprintln!("warning: proving this model needs about {:.1} GiB, more than this machine's {:.1} GiB", gib(r.estimated_prove_memory_bytes), gib(r.machine_memory_bytes.unwrap_or(0)));
            }
            ok(json(&r), inspect_text(&r))
        }
        Command::Prove { keys, model, input, out, seed, profile } => {
            if seed.is_some() {
                eprintln!("warning: --seed makes the blinding reproducible: this proof is NOT zero-knowledge (anyone who knows the seed can recover the weights). Use it for tests only.");
            }
            let r = commands::prove(&commands::ProveOptions {
                keys: keys.clone(),
                model: model.clone(),
                input: input.clone(),
                out: out.clone(),
                seed: *seed,
                stage_memory: *profile,
            })?;
            let mut text = format!(
                "proof written to {} ({} bytes, {} G1 points) in {:.2} s\noutput {:?}\nfloat model {:?}\nmax abs error vs float model {:.3e}",
                r.proof.display(),
                r.proof_bytes,
                r.g1_points,
                r.seconds,
                r.outputs,
                r.float_outputs,
                r.max_abs_error
            );
            if *profile {
                for stage in &r.profile.stages {
                    let peak = stage.peak_bytes.map_or(String::new(), |b| format!("{:>7.2} GiB peak", b as f64 / (1u64 << 30) as f64));
                    text += &format!("\n  {:>8.4} s {peak}  {}", stage.seconds, stage.name);
                }
            }
            ok(json(&r), text)
        }
        Command::Verify { keys, proof } => {
            let r = commands::verify(keys, proof)?;
            let text = match &r.reason {
                None => format!(
                    "proof is valid ({:.3} s)\nproven input {:?}\nproven output {:?}",
                    r.seconds, r.values.inputs, r.values.outputs
                ),
                Some(why) => format!("proof is INVALID: {why}"),
            };
            Outcome { json: json(&r), text, rejected: !r.valid }
        }
        Command::GenVerifier { keys: None, out, .. } => {
            let r = commands::gen_universal_verifier(out)?;
            let text = format!(
                "wrote the universal verifier {} and {} (runtime code {} bytes): deploy it once, then `zktorch register` each model",
                r.source.display(),
                r.artifact.display(),
                r.runtime_bytes
            );
            ok(json(&r), text)
        }
        Command::Register { keys, address, chain } => {
            let r = commands::register(keys, address, &chain.options())?;
            let text = format!("model {} registered at {} (tx {}, block {}, gas used {})", r.model_id, r.address, r.tx_hash, r.block, r.gas_used);
            ok(json(&r), text)
        }
        Command::GenVerifier { keys: Some(keys), out, .. } => {
            let r = commands::gen_verifier(keys, out)?;
            let text = format!(
                "wrote {} and {} (runtime code {} bytes)\nestimated gas per verification: {}",
                r.source.display(),
                r.artifact.display(),
                r.runtime_bytes,
                r.estimated_gas
            );
            ok(json(&r), text)
        }
        Command::Deploy { verifier, chain } => {
            let r = commands::deploy(verifier, &chain.options())?;
            let text = format!("verifier deployed at {} (tx {}, block {}, gas used {})", r.address, r.tx_hash, r.block, r.gas_used);
            ok(json(&r), text)
        }
        Command::Bench { depths, width, scale_bits, no_gas, out } => {
            let opts = zktorch::bench::BenchOptions {
                depths: depths.clone(),
                width: *width,
                scale_bits: *scale_bits,
                gas: !no_gas,
                seed: 1,
            };
            let rows = zktorch::bench::run(&opts, |stage| eprintln!("bench: {stage}"))?;
            if let Some(path) = out {
                commands::write_atomic(path, &serde_json::to_vec_pretty(&rows).expect("rows serialize"))?;
            }
            ok(json(&rows), zktorch::bench::markdown(&rows))
        }
        Command::Submit { keys, proof, address, dry_run, chain } => {
            let r = commands::submit(keys, proof, address, &chain.options(), *dry_run)?;
            let text = match &r.submission {
                Submission::Refused { reason } => format!("proof REFUSED, nothing sent: {reason}"),
                Submission::DryRun { chain_id, .. } => {
                    let verdict = if r.accepted { "ACCEPTED" } else { "REJECTED" };
                    format!("proof {verdict} by the verifier's verifyProof (dry run on chain {chain_id}: nothing sent)")
                }
                Submission::Sent { tx_hash, block, gas_used } => {
                    let verdict = if r.accepted { "ACCEPTED" } else { "REJECTED" };
                    format!("proof {verdict} on-chain (tx {tx_hash}, block {block}, gas used {gas_used})")
                }
            };
            Outcome { json: json(&r), text, rejected: !r.accepted }
        }
    })
}

fn gib(bytes: u64) -> f64 {
    bytes as f64 / (1u64 << 30) as f64
}

/// `inspect`'s report as text.
fn inspect_text(r: &zktorch::inspect::InspectReport) -> String {
    let (b, t) = (&r.rows, &r.table_rows);
    let mut text = format!(
        "scale 2^{}, domain N = 2^{} ({} gate rows; {} wiring entries + {} table rows)\n\
         rows by block: chain {}, rescale {}, packed inputs {}, matrix products {}, function {}, limb {}, public {}\n\
         tables: range {}, sign {}, functions {}",
        r.scale_bits,
        r.domain_size.trailing_zeros(),
        r.gate_rows,
        r.wiring_entries,
        r.table_entries,
        b.chain,
        b.rescale,
        b.packed_inputs,
        b.matrix_product,
        b.function,
        b.limb,
        b.public,
        t.range,
        t.sign,
        t.function,
    );
    if !r.interpolated.is_empty() {
        text += &format!("\ninterpolated functions: {}", r.interpolated.join(", "));
    }
    text + &format!(
        "\nestimated on 2 cores: setup {:.1} s, prove {:.1} s, prove memory {:.2} GiB\nestimated gas per on-chain verification: {}",
        r.estimated_setup_s,
        r.estimated_prove_s,
        gib(r.estimated_prove_memory_bytes),
        r.estimated_verify_gas
    )
}

/// `setup`'s report as text: the keys, the row budget behind N, the calibration error.
fn setup_text(r: &commands::SetupReport) -> String {
    let t = &r.table_rows;
    let mut text = format!(
        "keys written to {} (scale 2^{}, domain 2^{}, {} rows used) in {:.2} s\n\
         rows: {} gate rows ({} of them public), {} wiring entries + {} table rows (range {}, sign {}, functions {}): \
         N = 2^{}, the next power of two of the larger of the two",
        r.keys.display(),
        r.scale_bits,
        r.domain_size.trailing_zeros(),
        r.gate_rows,
        r.seconds,
        r.gate_rows,
        r.public_rows,
        r.wiring_entries,
        r.table_entries,
        t.range,
        t.sign,
        t.function,
        r.domain_size.trailing_zeros(),
    );
    if !r.interpolated.is_empty() {
        text += &format!("\ninterpolated functions (two tables of at most 2^10 entries each): {}", r.interpolated.join(", "));
    }
    if let Some(errors) = &r.output_errors {
        let errors: Vec<String> = errors.iter().map(|e| format!("{e:.3e}")).collect();
        text += &format!("\nmax abs error per output over {} calibration samples: [{}]", r.calibration_samples, errors.join(", "));
    }
    text += &format!(
        "\nfixed columns: {} commitment(s) of up to {} columns (--interleave: fewer prove faster, more cost less gas)",
        r.fixed_commitments, r.fixed_interleave
    );
    text + &format!("\nvk digest {}", r.vk_digest)
}

fn json<T: serde::Serialize>(report: &T) -> serde_json::Value {
    serde_json::to_value(report).expect("reports serialize")
}

/// A spinner on stderr while a command runs, only when stderr is a terminal (never in pipes,
/// logs or `--json` runs).
fn spinner(cli: &Cli) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    let label = match &cli.command {
        Command::Setup { .. } => "setup: compiling the model and committing its columns",
        Command::Prove { .. } => "prove: witness, commitments, quotient, openings",
        Command::Deploy { .. } => "deploy: waiting for the transaction",
        Command::Submit { .. } => "submit: waiting for the transaction",
        Command::Register { .. } => "register: waiting for the transaction",
        _ => return None,
    };
    if cli.json || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner().with_message(label);
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(bar)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let bar = spinner(&cli);
    let result = run(&cli);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(outcome) => {
            let printed = if cli.json { print_line(&outcome.json) } else { print_line(&outcome.text) };
            if !printed {
                ExitCode::from(2)
            } else if outcome.rejected {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            if cli.json {
                print_line(&serde_json::json!({ "error": e.to_string() }));
            }
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Writes `text` and a newline to stdout; false (no panic) when stdout is gone, e.g. a closed
/// pipe (`zktorch … | head -c 100`).
fn print_line(text: &impl std::fmt::Display) -> bool {
    use std::io::Write;
    writeln!(std::io::stdout().lock(), "{text}").is_ok()
}
