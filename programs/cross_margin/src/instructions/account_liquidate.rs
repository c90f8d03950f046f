//! `account_liquidate`: permissionless. A liquidator, through its own margin account, takes one
//! step of a liquidatable account's holdings (collateral, a perpetual, an option position, or a
//! slice of everything) at their value, and is paid the auction's incentive
//! (`engine::liquidation`). The liquidatee must have maint health < 0 (or be flagged and below its
//! init target); the step must raise its maint health without taking its init health past 0 by
//! more than one unit; the liquidator must end with init health >= 0. Stale option inputs are
//! valued conservatively rather than refused; a keeper may also refresh them earlier in the same
//! transaction.
//!
//! Remaining accounts: the health accounts of both accounts together (see `health_accounts`),
//! with every underlying the step moves writable.

use anchor_lang::prelude::*;
use xmargin_risk::health::PriceInput;

use crate::engine::liquidation::{self, LiquidationInputs, LiquidationStep};
use crate::engine::portfolio::{
    self, compute_valued, required_underlyings, AccountHealth, HealthSummary, QuoteTerms,
};
use crate::engine::valuation::Valuation;
use crate::error::XmError;
use crate::events::Liquidated;
use crate::health_accounts::{segment_offset, HealthAccounts};
use crate::oracle::read_price;
use crate::state::{Group, MarginAccount, Underlying};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct LiquidateArgs {
    /// What moves from the liquidatee to the liquidator.
    pub step: LiquidationStep,
    /// The lowest incentive rate the liquidator accepts, basis points of the released maint
    /// requirement (0: whatever the auction gives).
    pub min_rate_bps: u16,
}

#[derive(Accounts)]
pub struct AccountLiquidate<'info> {
    pub group: AccountLoader<'info, Group>,
    /// Owner or delegate of `liquidator`; not the liquidatee's owner or delegate.
    pub liquidator_authority: Signer<'info>,
    #[account(
        mut,
        has_one = group @ XmError::WrongGroup,
        constraint = liquidator.load()?.is_owner_or_delegate(liquidator_authority.key) @ XmError::NotOwnerOrDelegate,
    )]
    pub liquidator: AccountLoader<'info, MarginAccount>,
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub liquidatee: AccountLoader<'info, MarginAccount>,
}

pub fn handler<'info>(
    ctx: Context<'info, AccountLiquidate<'info>>,
    args: LiquidateArgs,
) -> Result<()> {
    let a = &ctx.accounts;
    require_keys_neq!(a.liquidator.key(), a.liquidatee.key(), XmError::SelfLiquidation);
    let now = Clock::get()?.unix_timestamp;
    let (quote, params) = {
        let group = a.group.load()?;
        (group.quote_terms(), group.liquidation)
    };
    let quote_decimals = quote.decimals;
    let group = a.group.key();
    let (report, liquidator_before) = {
        let (mut l, mut k) = (a.liquidatee.load_mut()?, a.liquidator.load_mut()?);
        let liquidator_before = k.health;
        let mut inputs = ChainInputs {
            needed: required_underlyings(&[&l, &k]),
            group,
            remaining: ctx.remaining_accounts,
            quote,
            now,
        };
        let report = liquidation::liquidate(
            &mut l,
            &mut k,
            a.liquidator_authority.key,
            &args.step,
            &params,
            args.min_rate_bps,
            quote_decimals,
            now,
            &mut inputs,
        )?;
        (report, liquidator_before)
    };
    let summary = |h: &AccountHealth| portfolio::summarize(h, quote_decimals);
    let liquidator_after = summary(&report.liquidator_after)?;
    portfolio::record(&mut *a.liquidator.load_mut()?, &liquidator_after, now);
    let narrow = |x: i128| i64::try_from(x).map_err(|_| error!(XmError::MathOverflow));
    let outcome = report.outcome;
    emit!(Liquidated {
        group,
        liquidatee: a.liquidatee.key(),
        liquidator: a.liquidator.key(),
        step: args.step,
        flagged_since: report.since,
        auction_secs: now - report.since,
        rate_bps: outcome.rate_bps as u16,
        incentive: outcome.incentive,
        maint_gain: narrow(outcome.gain)?,
        liquidatee_before: summary(&report.before)?,
        liquidatee_init_after: narrow(outcome.init_after)?,
        liquidatee_maint_after: narrow(outcome.maint_after)?,
        liquidator_before: HealthSummary {
            init: liquidator_before.init,
            maint: liquidator_before.maint,
            assets: liquidator_before.assets,
        },
        liquidator_before_ts: liquidator_before.timestamp,
        liquidator_after,
        still_flagged: outcome.init_after < 0,
    });
    Ok(())
}

/// The step's inputs from the remaining accounts: the health segment of both accounts' holdings
/// (all of the remaining accounts), loaded for each health computation and released before any
/// underlying is written.
struct ChainInputs<'info> {
    needed: Vec<u16>,
    group: Pubkey,
    remaining: &'info [AccountInfo<'info>],
    quote: QuoteTerms,
    now: i64,
}

impl<'info> LiquidationInputs for ChainInputs<'info> {
    fn health(&self, account: &MarginAccount, valuation: Valuation) -> Result<AccountHealth> {
        let (inputs, rest) =
            HealthAccounts::load_segment(&self.needed, &self.group, self.remaining, self.now)?;
        if !rest.is_empty() {
            xm_msg!("health accounts: {} more accounts than the liquidation needs", rest.len());
            return err!(XmError::HealthAccountUnexpected);
        }
        let risks = inputs.risks();
        compute_valued(account, &risks, self.quote, self.now, valuation)
    }

    fn with_underlying(
        &mut self,
        index: u16,
        f: &mut dyn FnMut(&mut Underlying, PriceInput) -> Result<bool>,
    ) -> Result<bool> {
        let at = segment_offset(&self.needed, index).ok_or(XmError::LiquidationStepInvalid)?;
        let info = &self.remaining[at];
        require!(info.is_writable, XmError::UnderlyingNotWritable);
        let loader = AccountLoader::<Underlying>::try_from(info)?;
        let mut u = loader.load_mut()?;
        let price = match self.remaining.get(at + 1) {
            Some(price_info) if !u.is_quote() => read_price(price_info, &u, self.now)?,
            _ => PriceInput::Quote,
        };
        f(&mut u, price)
    }
}
