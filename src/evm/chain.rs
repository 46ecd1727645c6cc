//! Deploy the verifier, submit proofs to it and call it, over HTTP JSON-RPC (alloy).
//!
//! Every failure is an [`Error::Rpc`] with one line. The RPC URL is shown only as
//! `scheme://host:port` (paths and queries often carry API keys) and private keys are never
//! shown at all.

use std::str::FromStr;
use std::time::Duration;

use alloy::network::{EthereumWallet, TransactionBuilder};
use alloy::primitives::{Address, Bytes, B256, U256};
use alloy::providers::{Provider, ProviderBuilder};
use alloy::rpc::types::{TransactionReceipt, TransactionRequest};
use alloy::signers::local::PrivateKeySigner;
use alloy::sol;
use alloy::sol_types::SolCall;
use alloy::transports::http::reqwest;
use alloy::transports::{RpcError, TransportErrorKind};
use serde::Serialize;

use crate::{Error, Result};

sol! {
    /// The interface every generated zktorch verifier implements.
    #[sol(rpc)]
    interface IZkTorchVerifier {
        function verifyProof(bytes calldata proof, uint256[] calldata instances) external view returns (bool);
        function submitProof(bytes calldata proof, uint256[] calldata instances) external returns (bool);
        function VK_DIGEST() external view returns (bytes32);
    }

    /// The universal verifier (src/evm/universal.rs): models registered by their key, which every
    /// verification passes in calldata.
    #[sol(rpc)]
    interface IZkTorchUniversalVerifier {
        function register(uint256[] calldata key) external returns (bytes32 id);
        function registered(bytes32 id) external view returns (bool);
        function verifyProof(uint256[] calldata key, bytes calldata proof, uint256[] calldata instances) external view returns (bool);
        function submitProof(uint256[] calldata key, bytes calldata proof, uint256[] calldata instances) external returns (bool);
    }
}

/// The public values as the contracts' `instances` argument: 8-byte signed integers packed four
/// to a word ([`crate::protocol::instances`]); `Err(Rejected)` for a value without an encoding.
pub fn contract_instances(values: &[ark_bn254::Fr]) -> Result<Vec<U256>> {
    let words = crate::protocol::instances::pack_or_reject(values)?;
    Ok(words.iter().map(|w| U256::from_be_bytes(*w)).collect())
}

/// Gas limit used by [`submit`] when `eth_estimateGas` fails (typically because the proof is
/// rejected and the call reverts): the transaction is still sent and mined, and fails on-chain.
pub const SUBMIT_FALLBACK_GAS: u64 = 5_000_000;
/// TCP connect timeout for the RPC endpoint.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Timeout of one HTTP request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// How long to wait for a transaction receipt.
pub const DEFAULT_RECEIPT_TIMEOUT: Duration = Duration::from_secs(180);

/// A deployed contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deployed {
    pub address: Address,
    pub tx_hash: B256,
    pub gas_used: u64,
    pub block: u64,
}

/// A mined `submitProof` transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Submitted {
    pub tx_hash: B256,
    pub block: u64,
    pub gas_used: u64,
    /// Receipt status: true iff the transaction succeeded (the verifier accepted the proof; a
    /// verifier's `submitProof` must revert on a rejected proof).
    pub accepted: bool,
}

/// Parses `0x` + 40 hex digits.
pub fn parse_address(s: &str) -> Result<Address> {
    Address::from_str(s.trim()).map_err(|_| {
        Error::Usage(format!(
            "invalid address {:?}: expected 0x followed by 40 hex digits",
            s.trim()
        ))
    })
}

/// Deploys `creation_code` (constructor arguments already appended, if any) from the account
/// of `key` and waits for the receipt.
pub async fn deploy(rpc_url: &str, key: &str, creation_code: Vec<u8>, receipt_timeout: Duration) -> Result<Deployed> {
    let ep = Endpoint::parse(rpc_url)?;
    let signer = parse_key(key)?;
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_reqwest(ep.client()?, ep.url.clone());
    let tx = TransactionRequest::default().with_deploy_code(Bytes::from(creation_code));
    let pending = provider
        .send_transaction(tx)
        .await
        .map_err(|e| ep.error("deployment", &e))?;
    let receipt = wait_receipt(&ep, "deployment", pending, receipt_timeout).await?;
    if !receipt.status() {
        return Err(Error::Rpc(format!(
            "deployment transaction {} reverted (gas used {})",
            receipt.transaction_hash, receipt.gas_used
        )));
    }
    let address = receipt.contract_address.ok_or_else(|| {
        Error::Rpc(format!(
            "deployment receipt {} has no contract address",
            receipt.transaction_hash
        ))
    })?;
    Ok(Deployed {
        address,
        tx_hash: receipt.transaction_hash,
        gas_used: receipt.gas_used,
        block: receipt.block_number.unwrap_or_default(),
    })
}

/// Sends a `submitProof(proof, instances)` transaction to the verifier at `address` and waits
/// for it to be mined. A rejected proof is still sent and mined (gas limit from an estimate, or
/// [`SUBMIT_FALLBACK_GAS`] if the estimate reverts) and comes back with `accepted: false`.
pub async fn submit(
    rpc_url: &str,
    key: &str,
    address: Address,
    proof: Vec<u8>,
    instances: Vec<U256>,
    receipt_timeout: Duration,
) -> Result<Submitted> {
    let call = IZkTorchVerifier::submitProofCall { proof: Bytes::from(proof), instances };
    send_submit(rpc_url, key, address, call.abi_encode(), receipt_timeout).await
}

/// [`submit`] to the universal verifier at `address`, with the model's key (as
/// [`super::key_words`] writes it).
pub async fn submit_universal(
    rpc_url: &str,
    key: &str,
    address: Address,
    model_key: Vec<U256>,
    proof: Vec<u8>,
    instances: Vec<U256>,
    receipt_timeout: Duration,
) -> Result<Submitted> {
    let call = IZkTorchUniversalVerifier::submitProofCall { key: model_key, proof: Bytes::from(proof), instances };
    send_submit(rpc_url, key, address, call.abi_encode(), receipt_timeout).await
}

/// Sends the encoded `submitProof` call `data` to `address`, as [`submit`] describes.
async fn send_submit(rpc_url: &str, key: &str, address: Address, data: Vec<u8>, receipt_timeout: Duration) -> Result<Submitted> {
    let ep = Endpoint::parse(rpc_url)?;
    let signer = parse_key(key)?;
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_reqwest(ep.client()?, ep.url.clone());
    ensure_contract(&provider, &ep, address).await?;
    let tx = TransactionRequest::default().with_to(address).with_input(Bytes::from(data));
    let gas = match provider.estimate_gas(tx.clone()).await {
        // 20% headroom: the estimate is exact for this state, but leave room for the 63/64 rule.
        Ok(g) => g.saturating_add(g / 5),
        Err(t) if !t.is_error_resp() => return Err(ep.error("gas estimation", &t)),
        Err(_) => SUBMIT_FALLBACK_GAS,
    };
    let pending = provider
        .send_transaction(tx.with_gas_limit(gas))
        .await
        .map_err(|e| ep.error("submitProof", &e))?;
    let receipt = wait_receipt(&ep, "submitProof", pending, receipt_timeout).await?;
    Ok(Submitted {
        tx_hash: receipt.transaction_hash,
        block: receipt.block_number.unwrap_or_default(),
        gas_used: receipt.gas_used,
        accepted: receipt.status(),
    })
}

/// `eth_call` of `verifyProof(proof, instances)` on the verifier at `address`. A revert counts
/// as `false`; an unreachable node or an address without code is an error.
pub async fn call_verify(
    rpc_url: &str,
    address: Address,
    proof: Vec<u8>,
    instances: Vec<U256>,
) -> Result<bool> {
    let ep = Endpoint::parse(rpc_url)?;
    let provider = ProviderBuilder::new().connect_reqwest(ep.client()?, ep.url.clone());
    ensure_contract(&provider, &ep, address).await?;
    let verifier = IZkTorchVerifier::new(address, &provider);
    match verifier
        .verifyProof(Bytes::from(proof), instances)
        .call()
        .await
    {
        Ok(ok) => Ok(ok),
        Err(e) => match transport_error(&e) {
            Some(t) if is_revert(t) => Ok(false),
            _ => Err(ep.contract_error("verifyProof", &e)),
        },
    }
}

/// `eth_call` of the universal verifier's `verifyProof(model_key, proof, instances)`; as
/// [`call_verify`].
pub async fn call_verify_universal(rpc_url: &str, address: Address, model_key: Vec<U256>, proof: Vec<u8>, instances: Vec<U256>) -> Result<bool> {
    let ep = Endpoint::parse(rpc_url)?;
    let provider = ProviderBuilder::new().connect_reqwest(ep.client()?, ep.url.clone());
    ensure_contract(&provider, &ep, address).await?;
    let verifier = IZkTorchUniversalVerifier::new(address, &provider);
    match verifier.verifyProof(model_key, Bytes::from(proof), instances).call().await {
        Ok(ok) => Ok(ok),
        Err(e) => match transport_error(&e) {
            Some(t) if is_revert(t) => Ok(false),
            _ => Err(ep.contract_error("verifyProof", &e)),
        },
    }
}

/// What a zktorch verifier contract is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifierKind {
    /// One model's verifier, with that model's verifying-key digest.
    Model(B256),
    /// The universal verifier; whether the model asked about is registered.
    Universal { registered: bool },
}

/// Asks the contract at `address` what it is: a per-model verifier answers `VK_DIGEST()`, the
/// universal one `registered(model)`; anything else is an error.
pub async fn verifier_kind(rpc_url: &str, address: Address, model: B256) -> Result<VerifierKind> {
    let ep = Endpoint::parse(rpc_url)?;
    let provider = ProviderBuilder::new().connect_reqwest(ep.client()?, ep.url.clone());
    ensure_contract(&provider, &ep, address).await?;
    if let Ok(digest) = IZkTorchVerifier::new(address, &provider).VK_DIGEST().call().await {
        return Ok(VerifierKind::Model(digest));
    }
    match IZkTorchUniversalVerifier::new(address, &provider).registered(model).call().await {
        Ok(registered) => Ok(VerifierKind::Universal { registered }),
        Err(e) => match transport_error(&e) {
            Some(t) if !t.is_error_resp() => Err(ep.error("eth_call", t)),
            _ => Err(Error::Rpc(format!("the contract at {address} on {} is not a zktorch verifier", ep.shown))),
        },
    }
}

/// A mined `register` transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Registered {
    pub model_id: B256,
    pub tx_hash: B256,
    pub block: u64,
    pub gas_used: u64,
}

/// Registers the model with digest `model` and key `model_key` (as [`super::key_words`] writes
/// it) at the universal verifier at `address`. A model already registered, a contract that is
/// not a universal verifier and a key the contract refuses are errors, before anything is sent.
pub async fn register(rpc_url: &str, key: &str, address: Address, model: B256, model_key: Vec<U256>, receipt_timeout: Duration) -> Result<Registered> {
    match verifier_kind(rpc_url, address, model).await? {
        VerifierKind::Model(_) => {
            return Err(Error::Rpc(format!("the contract at {address} is one model's verifier, not the universal verifier: nothing to register")))
        }
        VerifierKind::Universal { registered: true } => {
            return Err(Error::Rpc(format!("model {model} is already registered at {address}")))
        }
        VerifierKind::Universal { registered: false } => {}
    }
    let ep = Endpoint::parse(rpc_url)?;
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(parse_key(key)?))
        .connect_reqwest(ep.client()?, ep.url.clone());
    let verifier = IZkTorchUniversalVerifier::new(address, &provider);
    let call = verifier.register(model_key);
    let gas = call.estimate_gas().await.map_err(|e| match transport_error(&e) {
        Some(t) if is_revert(t) => Error::Rpc(format!("the verifier at {address} refuses this key: {}", one_line(&t.to_string(), 200))),
        _ => ep.contract_error("register", &e),
    })?;
    let pending = call.gas(gas.saturating_add(gas / 5)).send().await.map_err(|e| ep.contract_error("register", &e))?;
    let receipt = wait_receipt(&ep, "register", pending, receipt_timeout).await?;
    if !receipt.status() {
        return Err(Error::Rpc(format!("register transaction {} reverted (gas used {})", receipt.transaction_hash, receipt.gas_used)));
    }
    Ok(Registered { model_id: model, tx_hash: receipt.transaction_hash, block: receipt.block_number.unwrap_or_default(), gas_used: receipt.gas_used })
}

/// The chain id of the node at `rpc_url`; with `expected`, a different one is an error (the
/// transaction would be signed for, and land on, another chain than the user meant).
pub async fn check_chain(rpc_url: &str, expected: Option<u64>) -> Result<u64> {
    let ep = Endpoint::parse(rpc_url)?;
    let provider = ProviderBuilder::new().connect_reqwest(ep.client()?, ep.url.clone());
    let id = provider.get_chain_id().await.map_err(|e| ep.error("eth_chainId", &e))?;
    match expected {
        Some(want) if want != id => {
            Err(Error::Rpc(format!("the node at {} is on chain {id}, not the chain {want} asked for with --chain-id", ep.shown)))
        }
        _ => Ok(id),
    }
}

/// Refuses a key whose account holds nothing on the node: every transaction pays gas, and the
/// node's own message for it varies.
pub async fn ensure_funded(rpc_url: &str, key: &str) -> Result<()> {
    let ep = Endpoint::parse(rpc_url)?;
    let account = parse_key(key)?.address();
    let provider = ProviderBuilder::new().connect_reqwest(ep.client()?, ep.url.clone());
    let balance = provider.get_balance(account).await.map_err(|e| ep.error("eth_getBalance", &e))?;
    if balance.is_zero() {
        return Err(Error::Rpc(format!("account {account} has no funds on {}: fund it or use another key", ep.shown)));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------

type TransportError = RpcError<TransportErrorKind>;

/// A parsed RPC URL, with the form that may be shown to the user.
struct Endpoint {
    url: reqwest::Url,
    shown: String,
}

impl Endpoint {
    fn parse(rpc_url: &str) -> Result<Self> {
        // Never echo the URL itself here: it may carry an API key.
        let url = reqwest::Url::parse(rpc_url.trim()).map_err(|e| {
            Error::Rpc(format!(
                "invalid RPC URL: {e} (expected e.g. http://127.0.0.1:8545)"
            ))
        })?;
        let scheme = url.scheme();
        if scheme != "http" && scheme != "https" {
            return Err(Error::Rpc(format!(
                "unsupported RPC URL scheme {scheme:?}: use http:// or https://"
            )));
        }
        let host = url
            .host_str()
            .ok_or_else(|| Error::Rpc("invalid RPC URL: no host".into()))?;
        let shown = match url.port() {
            Some(p) => format!("{scheme}://{host}:{p}"),
            None => format!("{scheme}://{host}"),
        };
        Ok(Self { url, shown })
    }

    fn client(&self) -> Result<reqwest::Client> {
        reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| Error::Rpc(format!("cannot create an HTTP client: {}", root_cause(&e))))
    }

    /// One line for a JSON-RPC failure during `what`.
    fn error(&self, what: &str, e: &TransportError) -> Error {
        match e {
            RpcError::Transport(TransportErrorKind::HttpError(h)) => Error::Rpc(format!(
                "{what}: {} answered HTTP {}: {}",
                self.shown,
                h.status,
                one_line(&h.body, 200)
            )),
            RpcError::Transport(kind) => {
                Error::Rpc(format!("cannot reach {}: {}", self.shown, root_cause(kind)))
            }
            RpcError::ErrorResp(p) => Error::Rpc(format!(
                "{what} failed: {} (RPC error {})",
                one_line(&p.message, 300),
                p.code
            )),
            other => Error::Rpc(format!(
                "{what} failed: {}",
                one_line(&other.to_string(), 300)
            )),
        }
    }

    fn contract_error(&self, what: &str, e: &alloy::contract::Error) -> Error {
        use alloy::contract::Error as C;
        use alloy::providers::PendingTransactionError as P;
        match e {
            C::TransportError(t) | C::PendingTransactionError(P::TransportError(t)) => {
                self.error(what, t)
            }
            C::PendingTransactionError(P::TxWatcher(w)) => Error::Rpc(format!(
                "{what}: no receipt from {}: {}",
                self.shown,
                one_line(&w.to_string(), 200)
            )),
            C::ZeroData(..) => Error::Rpc(format!(
                "{what}: the contract returned no data (is it a zktorch verifier?)"
            )),
            C::AbiError(err) => Error::Rpc(format!(
                "{what}: cannot decode the contract's answer (is it a zktorch verifier?): {}",
                one_line(&err.to_string(), 200)
            )),
            other => Error::Rpc(format!(
                "{what} failed: {}",
                one_line(&other.to_string(), 300)
            )),
        }
    }
}

fn parse_key(key: &str) -> Result<PrivateKeySigner> {
    // The key, and the parser's message (which could quote it), are never shown.
    PrivateKeySigner::from_str(key.trim()).map_err(|_| {
        Error::Rpc("invalid private key: expected 64 hex digits (optionally 0x-prefixed)".into())
    })
}

fn transport_error(e: &alloy::contract::Error) -> Option<&TransportError> {
    use alloy::contract::Error as C;
    use alloy::providers::PendingTransactionError as P;
    match e {
        C::TransportError(t) | C::PendingTransactionError(P::TransportError(t)) => Some(t),
        _ => None,
    }
}

/// True if the node answered that the call reverted / failed during execution.
fn is_revert(e: &TransportError) -> bool {
    let Some(p) = e.as_error_resp() else {
        return false;
    };
    if p.code == 3 || p.as_revert_data().is_some() {
        return true;
    }
    let m = p.message.to_ascii_lowercase();
    [
        "revert",
        "out of gas",
        "invalid opcode",
        "invalid jump",
        "stack underflow",
        "stack overflow",
        "precompile",
    ]
    .iter()
    .any(|s| m.contains(s))
}

async fn ensure_contract<P: Provider>(provider: &P, ep: &Endpoint, address: Address) -> Result<()> {
    let code = provider
        .get_code_at(address)
        .await
        .map_err(|e| ep.error("eth_getCode", &e))?;
    if code.is_empty() {
        return Err(Error::Rpc(format!(
            "no contract at {address} on {} (wrong address or chain?)",
            ep.shown
        )));
    }
    Ok(())
}

async fn wait_receipt(
    ep: &Endpoint,
    what: &str,
    pending: alloy::providers::PendingTransactionBuilder<alloy::network::Ethereum>,
    timeout: Duration,
) -> Result<TransactionReceipt> {
    let hash = *pending.tx_hash();
    pending
        .with_timeout(Some(timeout))
        .get_receipt()
        .await
        .map_err(|e| match e {
            alloy::providers::PendingTransactionError::TransportError(t) => ep.error(what, &t),
            alloy::providers::PendingTransactionError::TxWatcher(_) => Error::Rpc(format!(
                "{what}: transaction {hash} sent to {} was not mined within {} s; it may still be (look it up by its hash), or raise --receipt-timeout",
                ep.shown,
                timeout.as_secs()
            )),
            other => Error::Rpc(format!(
                "{what}: no receipt for {hash} from {}: {}",
                ep.shown,
                one_line(&other.to_string(), 200)
            )),
        })
}

/// The innermost cause of an error chain, on one line ("Connection refused (os error 111)").
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    one_line(&cur.to_string(), 300)
}

/// Collapses whitespace and truncates to `max` characters.
fn one_line(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > max {
        let t: String = s.chars().take(max).collect();
        format!("{t}…")
    } else {
        s
    }
}
