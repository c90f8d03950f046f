//! Client library for the cross-margin program, shared by the CLI, the keeper and the tests.
//!
//! - [`pda`]: program-derived addresses;
//! - [`ix`]: one instruction builder per instruction ([`admin`]: the governance ones, and how a
//!   change will be judged);
//! - [`accounts`]: decoding of the program's accounts;
//! - [`health`]: the account's health computed off-chain with the program's own risk code;
//! - [`liquidation`]: liquidation steps predicted with the program's own code, the best next one;
//! - [`chain`]: the [`chain::Chain`] trait every backend implements; [`embedded`] is the
//!   in-process chain (the program running natively in solana-program-test), [`rpc`] any
//!   JSON-RPC endpoint;
//! - [`fixtures`]: SPL token and Pyth `PriceUpdateV2` account images for local chains;
//!   [`genesis`] records them for a local validator's start;
//! - [`sandbox`]: standing up markets on a local chain (demo and tests);
//! - [`crowd`]: a market with a crowd of varied accounts (the crash simulation, the keeper's demo);
//! - [`venue`]: venue registration, approvals and fills, and the health views; [`rfq`]: the
//!   example RFQ venue's builders;
//! - [`wallet`]: keypair files.

pub mod accounts;
pub mod admin;
pub mod chain;
pub mod crowd;
pub mod discover;
#[cfg(feature = "embedded")]
pub mod embedded;
pub mod fixtures;
#[cfg(feature = "rpc")]
pub mod genesis;
pub mod health;
pub mod ix;
pub mod liquidation;
pub mod pda;
pub mod rfq;
#[cfg(feature = "rpc")]
pub mod rpc;
pub mod sandbox;
pub mod venue;
pub mod wallet;

pub use anchor_lang::prelude::Pubkey;
pub use cross_margin;
pub use rfq_venue;
pub use solana_instruction::{AccountMeta, Instruction};
pub use solana_keypair::Keypair;
pub use solana_signer::Signer;
pub use xmargin_risk;
