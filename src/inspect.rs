//! `zktorch inspect`: what a model will cost before any key is made — its rows by block, the
//! domain, the tables, setup and prove time and prove memory estimated from per-row costs
//! measured on this project's 2-core machines (with a warning when the estimate exceeds this
//! machine's memory), and the gas of one on-chain verification ([`crate::evm::gas`]).

use ark_ff::Zero;
use serde::Serialize;

use crate::blocks::Fix;
use crate::commands::{calibrated_circuit, ModelOptions, TableRows};
use crate::Result;

/// Prove seconds per domain row on 2 cores (measured: `lenet_5` at 2^17, 9.5 s; `act_mlp` at
/// 2^14, 1.09 s).
const PROVE_SECONDS_PER_ROW: f64 = 7.0e-5;
/// Setup seconds per domain row on 2 cores, dev SRS included (`lenet_5`: 5.2 s at 2^17).
const SETUP_SECONDS_PER_ROW: f64 = 4.0e-5;
/// Peak prove memory: a base and bytes per domain row (2026-12-08: `nanoGPT` 13.4 GiB at 2^22,
/// `self_attention` 3.2 GiB at 2^20, `multihead_attention` 1.7 GiB at 2^19, `lenet_5` 643 MiB
/// at 2^17).
const PROVE_BASE_BYTES: f64 = 70.0 * 1024.0 * 1024.0;
const PROVE_BYTES_PER_ROW: f64 = 3_500.0;

/// Rows of the domain by what occupies them.
#[derive(Clone, Debug, Serialize)]
pub struct RowsByBlock {
    /// Chain rows (weights and products summed).
    pub chain: usize,
    /// Rescale output and rescale rows.
    pub rescale: usize,
    /// Packed rows (shared inputs of packed dense groups).
    pub packed_inputs: usize,
    /// Matrix-product rows (Freivalds' check: product, input and right-operand rows).
    pub matrix_product: usize,
    /// Function lookup rows (direct and interpolation tables).
    pub function: usize,
    /// Limb rows of range checks.
    pub limb: usize,
    /// Public input and output rows.
    pub public: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct InspectReport {
    pub scale_bits: u32,
    pub domain_size: usize,
    pub gate_rows: usize,
    pub rows: RowsByBlock,
    pub wiring_entries: usize,
    pub table_entries: usize,
    pub table_rows: TableRows,
    pub interpolated: Vec<String>,
    pub estimated_setup_s: f64,
    pub estimated_prove_s: f64,
    pub estimated_prove_memory_bytes: u64,
    /// Gas of one on-chain verification by the generated contract (src/evm/gas.rs), by part.
    pub estimated_verify_gas: crate::evm::gas::GasEstimate,
    /// This machine's memory (from /proc/meminfo), if known.
    pub machine_memory_bytes: Option<u64>,
    /// Whether the prove memory estimate exceeds this machine's memory.
    pub exceeds_memory: bool,
}

/// `zktorch inspect`: calibrates and lays the model out as setup would, without keys.
pub fn inspect(opts: &ModelOptions) -> Result<InspectReport> {
    let (_, calibration, c) = calibrated_circuit(opts)?;
    let on = |k: Fix| c.fixed[k as usize].iter().filter(|v| !v.is_zero()).count();
    let public = c.num_inputs + c.num_outputs;
    let rows = RowsByBlock {
        chain: on(Fix::QChain),
        rescale: on(Fix::QRescale) + on(Fix::QLinear) + on(Fix::QRelu) + on(Fix::QStep),
        packed_inputs: on(Fix::QPackX),
        matrix_product: on(Fix::QMatP) + on(Fix::QMatX) + on(Fix::QMatW) + on(Fix::QMatZ),
        function: on(Fix::QFn),
        limb: on(Fix::QLimb),
        public,
    };
    let n = c.domain_size as f64;
    let memory = (PROVE_BASE_BYTES + PROVE_BYTES_PER_ROW * n) as u64;
    let machine = machine_memory();
    Ok(InspectReport {
        scale_bits: c.scale_bits,
        domain_size: c.domain_size,
        gate_rows: c.gate_rows,
        rows,
        wiring_entries: c.wiring_entries,
        table_entries: c.table_entries,
        table_rows: TableRows::of(&c),
        interpolated: calibration.layout.interpolated.iter().map(|(id, _)| id.clone()).collect(),
        estimated_setup_s: SETUP_SECONDS_PER_ROW * n,
        estimated_prove_s: PROVE_SECONDS_PER_ROW * n,
        estimated_prove_memory_bytes: memory,
        estimated_verify_gas: crate::evm::gas::estimate(&crate::evm::gas::KeyShape::of_circuit(&c), None),
        machine_memory_bytes: machine,
        exceeds_memory: machine.is_some_and(|m| memory > m),
    })
}

/// `MemTotal` of /proc/meminfo, in bytes.
fn machine_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
