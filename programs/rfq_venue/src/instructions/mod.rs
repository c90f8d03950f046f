//! One file per instruction.

#![allow(ambiguous_glob_reexports)]

pub mod account_check;
pub mod config_init;
pub mod config_set_fee;
pub mod quote_cancel;
pub mod quote_fill;
pub mod quote_post;

pub use account_check::*;
pub use config_init::*;
pub use config_set_fee::*;
pub use quote_cancel::*;
pub use quote_fill::*;
pub use quote_post::*;
