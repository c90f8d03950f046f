//! Engine layer: state transitions on plain account structs. No `Context`, no CPI, no account
//! parsing: the instruction handlers load accounts, call these functions and emit events.

pub mod bankruptcy;
pub mod collateral;
pub mod governance;
pub mod lending;
pub mod liquidation;
pub mod option_positions;
pub mod options;
pub mod params;
pub mod perp;
pub mod portfolio;
pub mod trade;
pub mod underlying;
pub mod valuation;
pub mod venue;
pub mod views;
pub mod vol_index;
