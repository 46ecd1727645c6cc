//! zktorch: zero-knowledge proofs of ONNX model inference on BN254, verified off-chain or by a
//! generated Solidity contract.
//!
//! Layers (one folder each): [`onnx`] loads and quantizes a model, [`compiler`] lays it out as
//! basic blocks over one evaluation domain, [`blocks`] holds each block's constraints,
//! [`protocol`] is the prover and verifier over those blocks, [`pcs`] is KZG, [`transcript`] the
//! keccak Fiat–Shamir transcript shared with Solidity, [`accumulation`] folds every KZG claim
//! into one pairing check, and [`evm`] renders, compiles, deploys and calls the verifier contract.

pub mod accumulation;
pub mod bench;
pub mod blocks;
pub mod calibration;
pub mod commands;
pub mod compiler;
pub mod error;
pub mod evm;
pub mod inspect;
pub mod onnx;
pub mod pcs;
pub mod profile;
pub mod protocol;
pub mod transcript;

pub use error::{Error, Result};
