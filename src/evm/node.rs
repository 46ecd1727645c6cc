//! A local anvil node (child process) for tests and demos.

use std::path::PathBuf;

use alloy::node_bindings::{Anvil, AnvilInstance};
use alloy::signers::local::PrivateKeySigner;

use crate::{Error, Result};

/// The anvil executable ([`super::compile::tool_path`]'s order, `ZKTORCH_ANVIL` first).
pub fn anvil_path() -> Result<PathBuf> {
    super::compile::tool_path("anvil", "ZKTORCH_ANVIL", Error::Rpc)
}

/// An anvil process listening on `127.0.0.1:<free port>`, with its ten funded dev accounts.
/// The process is killed when this value is dropped.
#[derive(Debug)]
pub struct LocalNode {
    anvil: AnvilInstance,
}

impl LocalNode {
    /// Spawns [`anvil_path`] with default settings (chain id 31337, automine).
    pub fn spawn() -> Result<Self> {
        Self::spawn_with_args(&[])
    }

    /// Spawns anvil with extra command-line arguments (e.g. `["--code-size-limit", "50000"]`).
    pub fn spawn_with_args(args: &[&str]) -> Result<Self> {
        let path = anvil_path()?;
        let anvil = Anvil::at(&path)
            .host("127.0.0.1")
            .args(args.iter().copied())
            .timeout(30_000)
            .try_spawn()
            .map_err(|e| Error::Rpc(format!("cannot start {}: {e}", path.display())))?;
        if anvil.keys().is_empty() {
            return Err(Error::Rpc("anvil started without dev accounts".into()));
        }
        Ok(Self { anvil })
    }

    /// HTTP endpoint, e.g. `http://127.0.0.1:38123`.
    pub fn endpoint(&self) -> String {
        self.anvil.endpoint()
    }

    /// Private key of the first dev account, as 64 hex digits with a `0x` prefix.
    pub fn dev_key(&self) -> String {
        format!("0x{}", hex::encode(self.anvil.keys()[0].to_bytes()))
    }

    /// Address of the first dev account.
    pub fn dev_address(&self) -> alloy::primitives::Address {
        PrivateKeySigner::from(self.anvil.keys()[0].clone()).address()
    }

    /// The chain id anvil reported (31337 by default).
    pub fn chain_id(&self) -> u64 {
        self.anvil.chain_id()
    }
}
