//! Solidity compilation through foundry-compilers and the offline solc (see `tools/install.sh`).
//!
//! Import resolution: the main file is given to solc under a *source unit name* relative to a
//! base path, and solc (or the npm-solc shim) loads imports from the base path and the include
//! paths (`--base-path` / `--include-path`, native-solc semantics):
//! - the base path is the first include dir that contains the main file, else the main file's
//!   directory; the other include dirs and the main file's directory are include paths;
//! - `import "BN254.sol";` is looked up as `<base>/BN254.sol`, then `<include>/BN254.sol`…;
//! - `import "../BN254.sol";` is relative to the importing unit's name, so it works when the main
//!   file sits below an include dir (e.g. `contracts/test/X.sol` with include dir `contracts/`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use foundry_compilers::artifacts::{
    EvmVersion, Settings, SolcInput, SolcLanguage, Source, Sources,
};
use foundry_compilers::solc::Solc;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// `evmVersion` passed to solc. Prague: accepted by solc 0.8.37 and by anvil 1.7.1 (whose default
/// hardfork is later, so prague code runs there), and has MCOPY (cancun) used by `Transcript.sol`.
pub const EVM_VERSION: &str = "prague";
/// Optimizer runs passed to solc (optimizer enabled).
pub const OPTIMIZER_RUNS: usize = 200;
/// EIP-170: maximum deployed (runtime) code size, in bytes.
pub const EIP170_CODE_SIZE_LIMIT: usize = 24_576;

/// An external tool, found in this order: `$<env_var>`, `<name>` on `PATH`, (solc only) the
/// newest `~/.svm/<version>/solc-<version>` (svm's layout, as foundry installs it), then
/// `<crate>/tools/bin/<name>` of the checkout the binary was built in (installed by
/// `tools/install.sh`). So an installed or moved binary works wherever the tools are on `PATH`.
/// `error` wraps the one-line message into the caller's error kind.
pub(crate) fn tool_path(name: &str, env_var: &str, error: fn(String) -> Error) -> Result<PathBuf> {
    if let Some(p) = std::env::var_os(env_var) {
        let p = PathBuf::from(p);
        if !p.is_file() {
            return Err(error(format!("{env_var}={} is not a file", p.display())));
        }
        return Ok(p);
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(name)).find(|p| p.is_file()));
    let svm = || (name == "solc").then(newest_svm_solc).flatten();
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools").join("bin").join(name);
    on_path.or_else(svm).or_else(|| checkout.is_file().then_some(checkout)).ok_or_else(|| {
        error(format!("{name} not found (set {env_var}, put {name} on PATH, or run tools/install.sh in a zktorch checkout)"))
    })
}

/// The newest solc svm has installed: `~/.svm/<x.y.z>/solc-<x.y.z>`.
fn newest_svm_solc() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")?;
    let entries = std::fs::read_dir(Path::new(&home).join(".svm")).ok()?;
    let version = |name: &str| name.split('.').map(|p| p.parse::<u64>().ok()).collect::<Option<Vec<u64>>>();
    entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|v| Some((version(&v)?, Path::new(&home).join(".svm").join(&v).join(format!("solc-{v}")))))
        .filter(|(_, p)| p.is_file())
        .max()
        .map(|(_, p)| p)
}

/// The solc executable ([`tool_path`]'s order, `ZKTORCH_SOLC` first).
pub fn solc_path() -> Result<PathBuf> {
    tool_path("solc", "ZKTORCH_SOLC", Error::Solc)
}

/// `contracts/Transcript.sol`, embedded: the generated verifier imports it, and the binary must
/// not depend on the checkout it was built in.
pub const TRANSCRIPT_SOL: &str = include_str!("../../contracts/Transcript.sol");

/// The checkout's `contracts/` directory (BN254.sol, Transcript.sol), for use as an include dir
/// by the tests and forge harnesses (the binary uses the embedded [`TRANSCRIPT_SOL`]).
pub fn contracts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts")
}

/// One compiled contract: ABI and creation/runtime bytecode. Serialized with the bytecodes as
/// `0x`-prefixed hex strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompiledContract {
    pub name: String,
    pub abi: serde_json::Value,
    #[serde(with = "hex0x")]
    pub bytecode: Vec<u8>,
    #[serde(with = "hex0x")]
    pub deployed_bytecode: Vec<u8>,
}

impl CompiledContract {
    /// Errors if the runtime code exceeds EIP-170's 24,576 bytes (the deployment would fail).
    pub fn check_code_size(&self) -> Result<()> {
        let n = self.deployed_bytecode.len();
        if n > EIP170_CODE_SIZE_LIMIT {
            return Err(Error::Solc(format!(
                "contract {} has {n} bytes of runtime code, over the EIP-170 limit of {EIP170_CODE_SIZE_LIMIT}",
                self.name
            )));
        }
        Ok(())
    }
}

mod hex0x {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(bytes)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        let h = s.strip_prefix("0x").unwrap_or(&s);
        hex::decode(h).map_err(serde::de::Error::custom)
    }
}

/// Compiles `main_source` and returns contract `contract` (defined in it or in a file it
/// imports). Imports are resolved from `include_dirs` as described in the module docs.
pub fn compile(
    main_source: &Path,
    include_dirs: &[PathBuf],
    contract: &str,
) -> Result<CompiledContract> {
    let main = main_source.canonicalize().map_err(|source| Error::Read {
        path: main_source.to_path_buf(),
        source,
    })?;
    let content = std::fs::read_to_string(&main).map_err(|source| Error::Read {
        path: main_source.to_path_buf(),
        source,
    })?;
    let includes = canonical_dirs(include_dirs)?;
    let main_dir = main
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"));
    let base = includes
        .iter()
        .find(|d| main.starts_with(d))
        .cloned()
        .unwrap_or_else(|| main_dir.clone());
    let unit = main
        .strip_prefix(&base)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| main.clone());
    let mut others: Vec<PathBuf> = includes;
    others.push(main_dir);
    compile_inner(&unit, content, &base, &others, &[], contract)
}

/// Like [`compile`] for a source held in memory (e.g. a rendered verifier): `unit_name` is its
/// source unit name (e.g. `"Verifier.sol"`); imports are resolved from `include_dirs` (the
/// first is the base path).
pub fn compile_source(
    unit_name: &str,
    source: &str,
    include_dirs: &[PathBuf],
    contract: &str,
) -> Result<CompiledContract> {
    let includes = canonical_dirs(include_dirs)?;
    let base = match includes.first() {
        Some(b) => b.clone(),
        None => std::env::current_dir()
            .map_err(|e| Error::Solc(format!("no current directory: {e}")))?,
    };
    compile_inner(
        Path::new(unit_name),
        source.to_string(),
        &base,
        &includes,
        &[],
        contract,
    )
}

/// Compiles `source` (source unit `unit_name`) with `libraries` (unit name, source) given to
/// solc in memory beside it, so its imports of them read no file.
pub fn compile_with_libraries(unit_name: &str, source: &str, libraries: &[(&str, &str)], contract: &str) -> Result<CompiledContract> {
    let base = std::env::temp_dir();
    compile_inner(Path::new(unit_name), source.to_string(), &base, &[], libraries, contract)
}

fn canonical_dirs(dirs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    dirs.iter()
        .map(|d| {
            let c = d.canonicalize().map_err(|source| Error::Read {
                path: d.clone(),
                source,
            })?;
            if !c.is_dir() {
                return Err(Error::Solc(format!(
                    "include path {} is not a directory",
                    d.display()
                )));
            }
            Ok(c)
        })
        .collect()
}

fn compile_inner(
    unit: &Path,
    content: String,
    base: &Path,
    include_dirs: &[PathBuf],
    libraries: &[(&str, &str)],
    contract: &str,
) -> Result<CompiledContract> {
    let solc_bin = solc_path()?;
    let mut solc = Solc::new(&solc_bin).map_err(|e| {
        Error::Solc(format!(
            "cannot run {}: {}",
            solc_bin.display(),
            one_line(&e.to_string())
        ))
    })?;
    let includes: BTreeSet<PathBuf> = include_dirs
        .iter()
        .filter(|d| d.as_path() != base)
        .cloned()
        .collect();
    solc.base_path = Some(base.to_path_buf());
    solc.allow_paths = std::iter::once(base.to_path_buf())
        .chain(includes.iter().cloned())
        .collect();
    solc.include_paths = includes;

    let mut sources = Sources::new();
    sources.insert(unit.to_path_buf(), Source::new(content));
    for (name, library) in libraries {
        sources.insert(PathBuf::from(name), Source::new(*library));
    }
    let mut settings = Settings::default();
    settings.optimizer.enabled = Some(true);
    settings.optimizer.runs = Some(OPTIMIZER_RUNS);
    settings.evm_version = Some(EvmVersion::Prague);
    let input = SolcInput::new(SolcLanguage::Solidity, sources, settings).sanitized(&solc.version);

    let out = solc
        .compile(&input)
        .map_err(|e| Error::Solc(one_line(&e.to_string())))?;
    if let Some(err) = out.errors.iter().find(|e| e.severity.is_error()) {
        return Err(Error::Solc(describe_diagnostic(err)));
    }

    // Prefer the contract defined in the main unit, else any file that defines it.
    let found = out
        .contracts
        .get(unit)
        .and_then(|m| m.get(contract))
        .or_else(|| out.contracts.values().find_map(|m| m.get(contract)));
    let Some(c) = found else {
        let mut names: Vec<&str> = out
            .contracts
            .values()
            .flat_map(|m| m.keys().map(String::as_str))
            .collect();
        names.sort_unstable();
        names.dedup();
        return Err(Error::Solc(format!(
            "no contract named {contract} in {} or its imports (found: {})",
            unit.display(),
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        )));
    };
    let abi = serde_json::to_value(c.abi.clone().unwrap_or_default())
        .map_err(|e| Error::Solc(format!("cannot serialize the ABI of {contract}: {e}")))?;
    let evm = c
        .evm
        .as_ref()
        .ok_or_else(|| Error::Solc(format!("solc returned no bytecode for {contract}")))?;
    let bytecode = evm
        .bytecode
        .as_ref()
        .and_then(|b| b.object.as_bytes())
        .ok_or_else(|| unlinked(contract))?
        .to_vec();
    let deployed_bytecode = evm
        .deployed_bytecode
        .as_ref()
        .and_then(|d| d.bytecode.as_ref())
        .and_then(|b| b.object.as_bytes())
        .ok_or_else(|| unlinked(contract))?
        .to_vec();
    if bytecode.is_empty() {
        return Err(Error::Solc(format!(
            "{contract} has no creation code (is it an interface or abstract?)"
        )));
    }
    Ok(CompiledContract {
        name: contract.to_string(),
        abi,
        bytecode,
        deployed_bytecode,
    })
}

fn unlinked(contract: &str) -> Error {
    Error::Solc(format!(
        "{contract}: bytecode missing or has unlinked libraries (use `internal` library functions)"
    ))
}

/// One line for a solc diagnostic: `file:line:col: ErrorType: message`.
fn describe_diagnostic(err: &foundry_compilers::artifacts::Error) -> String {
    // solc's formatted message is "Type: message\n --> file:line:col:\n  |\n..."; keep the first
    // line and the location.
    if let Some(fm) = &err.formatted_message {
        let mut lines = fm.lines().map(str::trim).filter(|l| !l.is_empty());
        if let Some(first) = lines.next() {
            let loc = lines
                .next()
                .and_then(|l| l.strip_prefix("--> "))
                .map(|l| l.trim_end_matches(':'));
            return match loc {
                Some(loc) => format!("{loc}: {first}"),
                None => first.to_string(),
            };
        }
    }
    match &err.source_location {
        Some(loc) => format!("{}: {}: {}", loc.file, err.r#type, one_line(&err.message)),
        None => format!("{}: {}", err.r#type, one_line(&err.message)),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
