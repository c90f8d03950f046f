//! An example RFQ venue on the cross-margin clearing layer, and the integrator's worked example
//! (docs/integrators.md).
//!
//! A maker posts a quote (instrument, side, size, price, expiry) in a quote account; a taker
//! fills all or part of it. The venue books each fill into both margin accounts by CPI
//! (`cross_margin::venue_fill`, signed by its venue authority, the PDA `["xmargin-venue",
//! group]`), charging the taker its fee, then asks the clearing layer for the taker's health by CPI
//! (`cross_margin::health_check`) and refuses the fill if the taker ends below its init
//! requirement. It vouches for the maker's key (which signed the quote) and the taker's (which
//! signs the fill); the clearing layer checks that each is its account's owner or delegate and
//! that both accounts approved this venue.
//!
//! The cross-margin program is declared from the committed IDL (`declare_program!`, reading
//! idls/cross_margin.json), not linked as a crate: what any outside integrator has.

// Anchor's generated code trips these.
#![allow(unexpected_cfgs, clippy::result_large_err)]

#[cfg(target_arch = "bpf")]
use solana_compiler_builtins as _;

use anchor_lang::prelude::*;

pub mod error;
pub mod health;
pub mod instructions;
pub mod state;

pub use instructions::*;

declare_id!("HDoAzu5MGNJrsKSG4V35EpDzToxenZg1RCD83jg5erka");

declare_program!(cross_margin);

#[program]
pub mod rfq_venue {
    use super::*;

    /// Operator: creates its configuration for a cross-margin group (its taker fee).
    pub fn config_init(ctx: Context<ConfigInit>, args: ConfigInitArgs) -> Result<()> {
        instructions::config_init::handler(ctx, args)
    }

    /// Operator: changes its taker fee.
    pub fn config_set_fee(ctx: Context<ConfigSetFee>, taker_fee_bps: u16) -> Result<()> {
        instructions::config_set_fee::handler(ctx, taker_fee_bps)
    }

    /// Maker (owner or delegate of its margin account): posts a quote.
    pub fn quote_post(ctx: Context<QuotePost>, args: QuotePostArgs) -> Result<()> {
        instructions::quote_post::handler(ctx, args)
    }

    /// Taker (owner or delegate of its margin account): fills all or part of a quote. Remaining
    /// accounts: `venue_fill`'s health accounts (`args.fill_accounts` of them), then the taker's
    /// own for `health_check`.
    pub fn quote_fill<'info>(
        ctx: Context<'info, QuoteFill<'info>>,
        args: QuoteFillArgs,
    ) -> Result<()> {
        instructions::quote_fill::handler(ctx, args)
    }

    /// Anyone: checks by CPI that a margin account is at least `min_init` / `min_maint` healthy.
    /// Remaining accounts: its health accounts.
    pub fn account_check<'info>(
        ctx: Context<'info, AccountCheck<'info>>,
        args: health::Thresholds,
    ) -> Result<()> {
        instructions::account_check::handler(ctx, args)
    }

    /// The quote's signer or the maker account's owner: withdraws a quote, returning its rent.
    pub fn quote_cancel(ctx: Context<QuoteCancel>) -> Result<()> {
        instructions::quote_cancel::handler(ctx)
    }
}
