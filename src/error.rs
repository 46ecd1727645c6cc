//! The crate's typed errors. Every user-facing failure is one of these, printed as one line.

use std::path::PathBuf;

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, with the numbers and names a user needs to fix it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("{path} is not valid JSON for {what}: {reason}")]
    Json { path: PathBuf, what: &'static str, reason: String },
    #[error("cannot load ONNX model {path}: {reason}")]
    Onnx { path: PathBuf, reason: String },
    #[error("unsupported operator {op} at node {node:?}")]
    UnsupportedOp { node: String, op: String },
    #[error("unsupported model structure: {0}")]
    UnsupportedModel(String),
    #[error("input has {got} values but the model expects {expected}")]
    InputLength { expected: usize, got: usize },
    #[error("value {value} at {node} is outside the provable range [{min}, {max}); {hint}")]
    OutOfRange { node: String, value: f64, min: f64, max: f64, hint: String },
    #[error("SRS too small: have {have} G1 powers, need {need}")]
    SrsTooSmall { have: usize, need: usize },
    #[error("invalid SRS file {path}: {reason}")]
    Srs { path: PathBuf, reason: String },
    #[error("malformed proof: {0}")]
    MalformedProof(String),
    #[error("keys do not match: {0}")]
    KeyMismatch(String),
    #[error("proof rejected: {0}")]
    Rejected(String),
    #[error("Solidity compilation failed: {0}")]
    Solc(String),
    #[error("Ethereum RPC error: {0}")]
    Rpc(String),
    #[error("{0}")]
    Usage(String),
}
