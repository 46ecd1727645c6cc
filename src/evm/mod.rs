//! The Ethereum side: compile Solidity with the offline solc (foundry-compilers), deploy and call
//! the verifier contract over JSON-RPC (alloy), and spawn a local anvil for tests and demos.
//!
//! - [`compile`] / [`compile_source`]: solc standard-JSON via foundry-compilers. The compiler is
//!   found by [`solc_path`] (`ZKTORCH_SOLC`, `solc` on `PATH`, svm's newest, else the
//!   checkout's `tools/bin/solc` installed by `tools/install.sh`). Settings: optimizer on, 200 runs, `evmVersion` [`EVM_VERSION`] (prague).
//! - [`deploy`], [`submit`], [`call_verify`]: async (tokio) RPC helpers. Every failure is an
//!   [`Error::Rpc`](crate::Error::Rpc) with one line; private keys never appear in messages.
//! - [`LocalNode`]: an anvil child process on a free localhost port (killed on drop).
//! - [`render_verifier`] / [`build_verifier`]: the per-model verifier contract, rendered from
//!   `templates/Verifier.sol.tmpl` and a verifying key (both embedded in the binary, with
//!   `contracts/Transcript.sol`), compiled and written atomically; the
//!   parts that depend on the constraint system are generated from it ([`yul`] renders the
//!   constraints themselves from [`crate::blocks`]).
//!
//! The Solidity libraries themselves live in `contracts/` (`BN254.sol`, `Transcript.sol`), with
//! forge tests in `contracts/test/`.

mod chain;
pub(crate) mod codegen;
mod compile;
pub mod gas;
mod universal;
mod node;
pub mod yul;

pub use alloy::primitives::{Address, B256, U256};
pub use chain::{call_verify, contract_instances, call_verify_universal, check_chain, deploy, ensure_funded, register, submit_universal, verifier_kind, Registered, VerifierKind, IZkTorchUniversalVerifier, DEFAULT_RECEIPT_TIMEOUT, parse_address, submit, Deployed, Submitted, IZkTorchVerifier, SUBMIT_FALLBACK_GAS};
pub use compile::{
    compile, compile_source, contracts_dir, solc_path, CompiledContract, EIP170_CODE_SIZE_LIMIT, EVM_VERSION,
    OPTIMIZER_RUNS,
};
pub use codegen::{build_verifier, render_verifier, VERIFIER_CONTRACT, VERIFIER_JSON, VERIFIER_SOL, VERIFIER_TEMPLATE};
pub use node::{anvil_path, LocalNode};
pub use universal::{build_universal_verifier, key_words, render_universal_verifier, UNIVERSAL_CONTRACT, UNIVERSAL_TEMPLATE};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod universal_tests;
