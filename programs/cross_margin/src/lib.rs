//! Cross-margin clearing layer for Solana derivatives.
//!
//! One margin account pools several collateral tokens (with haircuts) behind perpetuals and
//! options on several underlyings; one fixed-point portfolio health decides what it may do.
//!
//! Layers: `xmargin_risk` (pure math) -> [`engine`] (state transitions on plain structs) ->
//! [`instructions`] (accounts, CPI, events). [`oracle`] is the only place prices are read and
//! [`health_accounts`] the only place health inputs are parsed; every log line goes through
//! [`log`] (`xm_msg!`).

// Anchor's generated code trips these.
#![allow(unexpected_cfgs, clippy::result_large_err)]

#[cfg(target_arch = "bpf")]
use solana_compiler_builtins as _;

use anchor_lang::prelude::*;

#[macro_use]
pub mod log;

pub mod engine;
pub mod error;
pub mod events;
pub mod fill;
pub mod health_accounts;
pub mod instructions;
pub mod oracle;
pub mod state;
pub mod vaults;

pub use instructions::*;

declare_id!("DiMY7Se6BUbj5ojLRyuKqfbW9x9mtucfbwFZY8pM7VcA");

#[program]
pub mod cross_margin {
    use super::*;

    /// Admin: creates a group with its settlement (quote) asset as underlying 0, its vault and its
    /// lending parameters. The signer becomes the admin.
    pub fn group_create(ctx: Context<GroupCreate>, args: GroupCreateArgs) -> Result<()> {
        instructions::group_create::handler(ctx, args)
    }

    /// Admin: registers an underlying as collateral, bound to its price account. It starts at a
    /// 100% haircut; the requested haircuts take effect after the group's risk timelock.
    pub fn underlying_add(ctx: Context<UnderlyingAdd>, args: UnderlyingAddArgs) -> Result<()> {
        instructions::underlying_add::handler(ctx, args)
    }

    /// Trader: opens a margin account (PDA of group, owner and account number).
    pub fn account_create(ctx: Context<AccountCreate>, args: AccountCreateArgs) -> Result<()> {
        instructions::account_create::handler(ctx, args)
    }

    /// Trader (owner): sets or clears the delegate.
    pub fn account_set_delegate(
        ctx: Context<AccountSetDelegate>,
        args: AccountSetDelegateArgs,
    ) -> Result<()> {
        instructions::account_set_delegate::handler(ctx, args)
    }

    /// Trader (owner or delegate): deposits collateral. Needs no price.
    pub fn collateral_deposit(
        ctx: Context<CollateralDeposit>,
        args: CollateralDepositArgs,
    ) -> Result<()> {
        instructions::collateral_deposit::handler(ctx, args)
    }

    /// Trader (owner): withdraws collateral to a token account of the owner. Remaining accounts:
    /// the health accounts. Fails if init health would go below zero.
    pub fn collateral_withdraw<'info>(
        ctx: Context<'info, CollateralWithdraw<'info>>,
        args: CollateralWithdrawArgs,
    ) -> Result<()> {
        instructions::collateral_withdraw::handler(ctx, args)
    }

    /// Anyone: Black-Scholes price and Greeks of an option, and optionally its value change in
    /// every scenario of the default grids, from the protocol's own fixed-point code (return data).
    pub fn option_quote(
        _ctx: Context<OptionQuote>,
        args: OptionQuoteArgs,
    ) -> Result<OptionQuoteResult> {
        instructions::option_quote::handler(args)
    }

    /// Admin: lists the perpetual future of an underlying (a contract worth at least 10,000 native
    /// quote units at the oracle price).
    pub fn perp_list(ctx: Context<PerpList>, params: engine::perp::PerpParams) -> Result<()> {
        instructions::perp_list::handler(ctx, params)
    }

    /// Traders (both sides sign): a trade within the instrument's band, into both accounts'
    /// unsettled quote, fees to the underlying; a delegate-signed side at its value or better.
    /// Remaining accounts: both accounts' health accounts and the traded underlying's. Each side
    /// ends with init health >= 0 or did not lower its init health except by its fee.
    pub fn trade_execute<'info>(
        ctx: Context<'info, TradeExecute<'info>>,
        args: TradeArgs,
    ) -> Result<()> {
        instructions::trade_execute::handler(ctx, args)
    }

    /// Anyone (crank): accrues perpetual funding up to now from the premium average.
    pub fn perp_update_funding(ctx: Context<PerpUpdateFunding>) -> Result<()> {
        instructions::perp_update_funding::handler(ctx)
    }

    /// Anyone (crank): settles an underlying's market P&L (perpetual, option premiums and expiry
    /// payments) from a losing account into a winning one's quote balance (health-neutral; the
    /// loser borrows from the quote pool only if its health accounts show it not liquidatable).
    pub fn perp_settle_pnl<'info>(ctx: Context<'info, PerpSettlePnl<'info>>) -> Result<()> {
        instructions::perp_settle_pnl::handler(ctx)
    }

    /// Anyone (crank): settles an account's market loss against the fees the underlying accrued,
    /// into the quote pool's fees collected (health-neutral).
    pub fn perp_settle_fees<'info>(ctx: Context<'info, PerpSettleFees<'info>>) -> Result<()> {
        instructions::perp_settle_fees::handler(ctx)
    }

    /// Admin: lists the option chain of an underlying (contract size, fee, band, vol authority,
    /// freshness limits, settlement stage spacing, rate).
    pub fn option_list(
        ctx: Context<OptionList>,
        params: engine::options::ChainParams,
    ) -> Result<()> {
        instructions::option_list::handler(ctx, params)
    }

    /// Admin: adds a series (call or put, strike per contract, expiry) to an option chain.
    pub fn option_series_add(
        ctx: Context<OptionSeriesAdd>,
        params: engine::options::SeriesParams,
    ) -> Result<()> {
        instructions::option_series_add::handler(ctx, params)
    }

    /// Vol authority: posts the volatility index and every series' implied vol (a new epoch: the
    /// risk cache must be refreshed before risk-increasing option trades).
    pub fn option_vols_post(ctx: Context<OptionVolsPost>, args: VolsPostArgs) -> Result<()> {
        instructions::option_vols_post::handler(ctx, args)
    }

    /// Anyone (crank): values one series at the oracle price in every scenario and stores its
    /// risk cache entry.
    pub fn risk_refresh(ctx: Context<RiskRefresh>, series: u16) -> Result<()> {
        instructions::risk_refresh::handler(ctx, series)
    }

    /// Anyone (crank): samples the oracle price into the underlying's realized volatility, which
    /// floors its volatility index (at least 300 s apart).
    pub fn risk_sample_price(ctx: Context<RiskSamplePrice>) -> Result<()> {
        instructions::risk_sample_price::handler(ctx)
    }

    /// Anyone (crank): records the settlement price of a chain's series expiring at `expiry`: the
    /// first print at or after it (or a later stage's, with the earlier first prints shown
    /// invalid as remaining accounts).
    pub fn option_settle_expiry(ctx: Context<OptionSettleExpiry>, expiry: i64) -> Result<()> {
        instructions::option_settle_expiry::handler(ctx, expiry)
    }

    /// Anyone (crank): cash-settles the positions that the margin accounts passed as remaining
    /// accounts hold in settled series of the underlying's chain (batched over accounts).
    pub fn option_settle_positions<'info>(
        ctx: Context<'info, OptionSettlePositions<'info>>,
    ) -> Result<()> {
        instructions::option_settle_positions::handler(ctx)
    }

    /// Anyone: recomputes a margin account's health from its health accounts, stores and returns
    /// it (return data).
    pub fn health_refresh<'info>(
        ctx: Context<'info, HealthRefresh<'info>>,
    ) -> Result<engine::portfolio::HealthSummary> {
        instructions::health_refresh::handler(ctx)
    }

    /// Anyone (integrators, by CPI): a margin account's health from its health accounts (return
    /// data, versioned); fails with `HealthBelowThreshold` below `min_init` or `min_maint`.
    /// Read-only.
    pub fn health_check<'info>(
        ctx: Context<'info, HealthCheck<'info>>,
        args: HealthCheckArgs,
    ) -> Result<engine::views::HealthView> {
        instructions::health_check::handler(ctx, args)
    }

    /// Anyone: a margin account's health and, per underlying, its requirement, scan loss, worst
    /// scenario, net delta and estimated liquidation price (return data, versioned). Read-only.
    pub fn account_view<'info>(
        ctx: Context<'info, AccountViewAccounts<'info>>,
    ) -> Result<engine::views::AccountView> {
        instructions::account_view::handler(ctx)
    }

    /// Trader (owner): closes an empty margin account, returning its rent.
    pub fn account_close(ctx: Context<AccountClose>) -> Result<()> {
        instructions::account_close::handler(ctx)
    }

    /// Anyone (keeper), through its own margin account: takes one step of a liquidatable
    /// account's holdings at their value for the Dutch-auction incentive.
    pub fn account_liquidate<'info>(
        ctx: Context<'info, AccountLiquidate<'info>>,
        args: LiquidateArgs,
    ) -> Result<()> {
        instructions::account_liquidate::handler(ctx, args)
    }

    /// Anyone: resolves a bankrupt account (nothing of value left, quote owed): the insurance
    /// fund pays what it can, the rest is socialized over the quote deposits.
    pub fn account_resolve_bankruptcy(ctx: Context<AccountResolveBankruptcy>) -> Result<()> {
        instructions::account_resolve_bankruptcy::handler(ctx)
    }

    /// Anyone: settles a bankrupt account's whole loss on one underlying to a winner and resolves
    /// what it then owes in the same instruction (insurance fund first, then socialized).
    pub fn account_settle_bankruptcy(ctx: Context<AccountSettleBankruptcy>) -> Result<()> {
        instructions::account_settle_bankruptcy::handler(ctx)
    }

    /// Admin: applies a parameter change that raises no risk (every field the same or safer)
    /// at once; a riskier one fails with `ChangeNeedsTimelock`.
    pub fn params_set(ctx: Context<ParamsSet>, args: ParamsSetArgs) -> Result<()> {
        instructions::params_set::handler(ctx, args)
    }

    /// Admin: queues a parameter change in its own account, due after the group's timelock.
    pub fn params_queue(ctx: Context<ParamsQueue>, args: ParamsQueueArgs) -> Result<()> {
        instructions::params_queue::handler(ctx, args)
    }

    /// Anyone: applies a queued change once it is due, validated again; closes its account.
    pub fn params_apply(ctx: Context<ParamsApply>) -> Result<()> {
        instructions::params_apply::handler(ctx)
    }

    /// Admin or guardian: cancels a queued change; closes its account.
    pub fn params_cancel(ctx: Context<ParamsCancel>) -> Result<()> {
        instructions::params_cancel::handler(ctx)
    }

    /// Admin: proposes a successor, who must accept (`group_accept_admin`).
    pub fn group_propose_admin(
        ctx: Context<GroupProposeAdmin>,
        args: GroupProposeAdminArgs,
    ) -> Result<()> {
        instructions::group_propose_admin::handler(ctx, args)
    }

    /// Proposed admin: accepts and becomes the admin.
    pub fn group_accept_admin(ctx: Context<GroupAcceptAdmin>) -> Result<()> {
        instructions::group_accept_admin::handler(ctx)
    }

    /// Admin (any bits) or guardian (only adding bits): sets the group's pause bits.
    pub fn group_set_pause(ctx: Context<GroupSetPause>, args: GroupSetPauseArgs) -> Result<()> {
        instructions::group_set_pause::handler(ctx, args)
    }

    /// Admin (both ways) or guardian (only setting it): sets an underlying's reduce-only flag.
    pub fn underlying_set_reduce_only(
        ctx: Context<UnderlyingSetReduceOnly>,
        args: UnderlyingSetReduceOnlyArgs,
    ) -> Result<()> {
        instructions::underlying_set_reduce_only::handler(ctx, args)
    }

    /// Admin: registers a venue program (unapproved: approving it is a change queued behind the
    /// timelock) with its fee account and fee cap.
    pub fn venue_add(ctx: Context<VenueAdd>, args: VenueAddArgs) -> Result<()> {
        instructions::venue_add::handler(ctx, args)
    }

    /// Trader (owner): approves a venue to book fills into the account, or revokes it.
    pub fn account_set_venue(
        ctx: Context<AccountSetVenue>,
        args: AccountSetVenueArgs,
    ) -> Result<()> {
        instructions::account_set_venue::handler(ctx, args)
    }

    /// Approved venue (CPI, signed by its PDA `["xmargin-venue", group]`): books a fill between
    /// two accounts that approved it, on the word of each side's owner or delegate, under
    /// `trade_execute`'s rules, with the venue's fee. Remaining accounts: as `trade_execute`.
    pub fn venue_fill<'info>(
        ctx: Context<'info, VenueFill<'info>>,
        args: VenueFillArgs,
    ) -> Result<()> {
        instructions::venue_fill::handler(ctx, args)
    }

    /// Anyone: pays `amount` quote tokens into the insurance fund.
    pub fn insurance_deposit(ctx: Context<InsuranceDeposit>, amount: u64) -> Result<()> {
        instructions::insurance_deposit::handler(ctx, amount)
    }

    /// Anyone (crank): moves the quote pool's collected interest and the fund's share of its
    /// collected fees to the insurance vault.
    pub fn insurance_sweep(ctx: Context<InsuranceSweep>) -> Result<()> {
        instructions::insurance_sweep::handler(ctx)
    }
}
