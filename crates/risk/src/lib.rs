//! Pure risk code of the cross-margin clearing layer.
//!
//! Numbers in, numbers out: no Anchor, no Solana types, no floats. The same code runs on-chain (the
//! `cross_margin` program), in tests and in the off-chain tools (`app/`). Every operation is checked
//! and every error names what failed.
//!
//! - [`fixed`]: the one fixed-point type, [`Fixed`] (signed, 64 fractional bits);
//!   [`decimal`]: exact decimals as written, for amounts parsed from text.
//! - [`oracle`]: price validation rules (age, confidence, verification) and the asset/liability
//!   price bands.
//! - [`math`]: `exp`, `ln`, `sqrt`, normal CDF and density on [`Fixed`];
//! - [`black_scholes`]: European option price and Greeks;
//! - [`scenario`]: the stress-scenario grid (SPAN's sixteen by default) and its sizes;
//! - [`series`]: per-series valuation at a reference spot in every scenario;
//! - [`cache`]: that valuation as an integer risk-cache entry, carried to the live price;
//! - [`book`]: one underlying's exposure and margin in integers (the health check's inner loop);
//! - [`margin`]: risk parameters, grids, the account requirement and correlation credit;
//! - [`portfolio`]: equity and init/maint health; whole portfolios valued from scratch;
//! - [`health`]: collateral health (v1) from an account-reader trait;
//! - [`interest`]: the utilization-based rate and borrow index of owed quote;
//! - [`realized`]: the realized-volatility average that floors the volatility index;
//! - [`estimate`]: first-order estimates for readers (an account's liquidation price).

#![forbid(unsafe_code)]

pub mod black_scholes;
pub mod book;
pub mod cache;
pub mod decimal;
pub mod error;
pub mod estimate;
pub mod fixed;
pub mod health;
pub mod interest;
pub mod margin;
pub mod math;
pub mod oracle;
pub mod portfolio;
pub mod realized;
pub mod scenario;
pub mod series;
mod tables;
pub mod wide;

pub use error::{MathError, RiskError};
pub use fixed::{Fixed, Round};
