//! `underlying_add`: registers an asset (oracle binding, collateral parameters, vault).

use anchor_lang::prelude::*;

use crate::engine::governance::{self, pause};
use anchor_spl::token::{Mint, Token, TokenAccount};

use crate::engine::underlying::{initialize, UnderlyingInit};
use crate::error::XmError;
use crate::events::UnderlyingAdded;
use crate::state::{
    Group, OracleParams, RiskParams, Underlying, UnderlyingKind, UNDERLYING_SEED, VAULT_SEED,
    VENUE_TARGET,
};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct UnderlyingAddArgs {
    /// Must equal the group's `underlying_count` (indices are dense).
    pub index: u16,
    /// Ticker (for example `SOL`), zero-padded UTF-8.
    pub name: [u8; 16],
    /// Pyth price feed id.
    pub feed_id: [u8; 32],
    /// The `PriceUpdateV2` account every price read of the underlying must come from (a Pyth
    /// push-oracle feed account, which only moves forward in time), so that nobody can pick among
    /// prints. Settlement prices are the exception: the first print after expiry, from any account.
    pub price_account: Pubkey,
    /// Maximum price age, seconds (> 0).
    pub oracle_max_age_secs: u32,
    /// Maximum `conf / price`, basis points (1..=10000).
    pub oracle_max_conf_bps: u32,
    /// Initial haircut, basis points (asset weight = 1 - haircut).
    pub init_haircut_bps: u16,
    /// Maintenance haircut, basis points (`<= init_haircut_bps`).
    pub maint_haircut_bps: u16,
    /// Maximum total deposits, native units.
    pub deposit_cap: u64,
    /// The underlying's risk parameters (ranges: `engine::underlying::validate_risk_params`;
    /// `engine::underlying::default_risk_params` are the defaults).
    pub risk: RiskParams,
}

#[derive(Accounts)]
#[instruction(args: UnderlyingAddArgs)]
pub struct UnderlyingAdd<'info> {
    /// The group admin; pays for the new accounts.
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(mut, has_one = admin @ XmError::NotGroupAdmin)]
    pub group: AccountLoader<'info, Group>,
    /// Collateral mint.
    pub mint: Box<Account<'info, Mint>>,
    #[account(
        init,
        payer = admin,
        space = Underlying::SPACE,
        seeds = [UNDERLYING_SEED, group.key().as_ref(), &args.index.to_le_bytes()],
        bump
    )]
    pub underlying: AccountLoader<'info, Underlying>,
    #[account(
        init,
        payer = admin,
        seeds = [VAULT_SEED, underlying.key().as_ref()],
        bump,
        token::mint = mint,
        token::authority = group,
        token::token_program = token_program,
    )]
    pub vault: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<UnderlyingAdd>, args: UnderlyingAddArgs) -> Result<()> {
    governance::check_not_paused(&*ctx.accounts.group.load()?, pause::LISTING)?;
    let accounts = &ctx.accounts;
    let mut group = accounts.group.load_mut()?;
    require_eq!(args.index, group.underlying_count, XmError::UnderlyingIndexMismatch);
    // The last two indices are markers (an empty slot; a venue's pending change).
    require!(args.index < VENUE_TARGET, XmError::TooManyUnderlyings);
    // New collateral starts at a 100% haircut; the requested haircuts are a risk-raising change.
    let effective_ts = Clock::get()?
        .unix_timestamp
        .checked_add(i64::from(group.risk_timelock_secs))
        .ok_or(XmError::MathOverflow)?;

    initialize(
        &mut *accounts.underlying.load_init()?,
        UnderlyingInit {
            kind: UnderlyingKind::Asset,
            index: args.index,
            bump: ctx.bumps.underlying,
            vault_bump: ctx.bumps.vault,
            group: accounts.group.key(),
            mint: accounts.mint.key(),
            vault: accounts.vault.key(),
            decimals: accounts.mint.decimals,
            name: args.name,
            oracle: OracleParams {
                feed_id: args.feed_id,
                price_account: args.price_account,
                max_age_secs: args.oracle_max_age_secs,
                max_conf_bps: args.oracle_max_conf_bps,
            },
            init_haircut_bps: args.init_haircut_bps,
            maint_haircut_bps: args.maint_haircut_bps,
            deposit_cap: args.deposit_cap,
            effective_ts,
            risk: args.risk,
        },
    )?;
    group.underlying_count += 1;

    emit!(UnderlyingAdded {
        group: accounts.group.key(),
        underlying: accounts.underlying.key(),
        index: args.index,
        mint: accounts.mint.key(),
        feed_id: args.feed_id,
        price_account: args.price_account,
        init_haircut_bps: args.init_haircut_bps,
        maint_haircut_bps: args.maint_haircut_bps,
        effective_ts,
        deposit_cap: args.deposit_cap,
        risk: args.risk,
    });
    Ok(())
}
