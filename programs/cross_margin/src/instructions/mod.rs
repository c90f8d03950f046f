//! Instruction layer: one file per instruction (`<domain>_<verb>.rs`), each holding its
//! `Accounts` struct, its arguments and its handler.

// Anchor's generated client modules must be reachable from the crate root, hence the globs; every
// module's `handler` is only ever called by its full path.
#![allow(ambiguous_glob_reexports)]

pub mod account_close;
pub mod account_create;
pub mod account_liquidate;
pub mod account_resolve_bankruptcy;
pub mod account_set_delegate;
pub mod account_set_venue;
pub mod account_settle_bankruptcy;
pub mod account_view;
pub mod collateral_deposit;
pub mod collateral_withdraw;
pub mod group_accept_admin;
pub mod group_create;
pub mod group_propose_admin;
pub mod group_set_pause;
pub mod health_check;
pub mod health_refresh;
pub mod insurance_deposit;
pub mod insurance_sweep;
pub mod option_list;
pub mod option_quote;
pub mod option_series_add;
pub mod option_settle_expiry;
pub mod option_settle_positions;
pub mod option_vols_post;
pub mod params_apply;
pub mod params_cancel;
pub mod params_queue;
pub mod params_set;
pub mod perp_list;
pub mod perp_settle_fees;
pub mod perp_settle_pnl;
pub mod perp_update_funding;
pub mod risk_refresh;
pub mod risk_sample_price;
pub mod trade_execute;
pub mod underlying_add;
pub mod underlying_set_reduce_only;
pub mod venue_add;
pub mod venue_fill;

pub use account_close::*;
pub use account_create::*;
pub use account_liquidate::*;
pub use account_resolve_bankruptcy::*;
pub use account_set_delegate::*;
pub use account_set_venue::*;
pub use account_settle_bankruptcy::*;
pub use account_view::*;
pub use collateral_deposit::*;
pub use collateral_withdraw::*;
pub use group_accept_admin::*;
pub use group_create::*;
pub use group_propose_admin::*;
pub use group_set_pause::*;
pub use health_check::*;
pub use health_refresh::*;
pub use insurance_deposit::*;
pub use insurance_sweep::*;
pub use option_list::*;
pub use option_quote::*;
pub use option_series_add::*;
pub use option_settle_expiry::*;
pub use option_settle_positions::*;
pub use option_vols_post::*;
pub use params_apply::*;
pub use params_cancel::*;
pub use params_queue::*;
pub use params_set::*;
pub use perp_list::*;
pub use perp_settle_fees::*;
pub use perp_settle_pnl::*;
pub use perp_update_funding::*;
pub use risk_refresh::*;
pub use risk_sample_price::*;
pub use trade_execute::*;
pub use underlying_add::*;
pub use underlying_set_reduce_only::*;
pub use venue_add::*;
pub use venue_fill::*;
