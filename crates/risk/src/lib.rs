//! Pure risk code of the cross-margin clearing layer.
//!
//! Numbers in, numbers out: no Anchor, no Solana types, no floats. The same code runs on-chain (the
//! `cross_margin` program), in tests and in the off-chain tools (`app/`). Every operation is checked
//! and every error names what failed.
//!
//! - [`fixed`]: the one fixed-point type, [`Fixed`] (signed, 64 fractional bits).
//! - [`oracle`]: price validation rules (age, confidence, verification) and the asset/liability
//!   price bands.
//! - [`health`]: portfolio health from an account-reader trait.

#![forbid(unsafe_code)]

pub mod error;
pub mod fixed;
pub mod health;
pub mod oracle;

pub use error::{MathError, RiskError};
pub use fixed::{Fixed, Round};
