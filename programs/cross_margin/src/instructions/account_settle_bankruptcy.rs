//! `account_settle_bankruptcy`: anyone settles the loss of an account that holds nothing of value
//! (nothing left to liquidate, no unsettled gain) on one underlying to a winner, in full, and
//! resolves what it then owes in the same instruction (`engine::bankruptcy::after_settlement`):
//! the insurance fund pays what it can into the quote pool, the rest is socialized over the quote
//! deposits, the winner's new balance included. Nobody can withdraw between the settlement and the
//! loss's booking, so the winner bears its share like every other depositor.

use anchor_lang::prelude::*;

use crate::engine::lending::Funding;
use crate::engine::{bankruptcy, perp};
use crate::error::XmError;
use crate::events::PnlSettled;
use crate::oracle::read_market_price;
use crate::state::{MarginAccount, Underlying};
use crate::vaults::*;

#[derive(Accounts)]
pub struct AccountSettleBankruptcy<'info> {
    #[account(
        mut,
        constraint = winner.load()?.group == vaults.group.key() @ XmError::WrongGroup,
    )]
    pub winner: AccountLoader<'info, MarginAccount>,
    /// The bankrupt account, whose loss is settled.
    #[account(
        mut,
        constraint = loser.load()?.group == vaults.group.key() @ XmError::WrongGroup,
    )]
    pub loser: AccountLoader<'info, MarginAccount>,
    #[account(constraint = underlying.load()?.group == vaults.group.key() @ XmError::WrongGroup)]
    pub underlying: AccountLoader<'info, Underlying>,
    /// CHECK: the underlying's Pyth price account, checked by `oracle::read_market_price` (not
    /// read when the underlying has no listed perpetual).
    pub oracle: UncheckedAccount<'info>,
    pub vaults: InsuranceVaults<'info>,
}

pub fn handler(ctx: Context<AccountSettleBankruptcy>) -> Result<()> {
    let a = &ctx.accounts;
    let v = &a.vaults;
    require_keys_neq!(a.winner.key(), a.loser.key(), XmError::SelfSettlement);
    let now = Clock::get()?.unix_timestamp;
    let quote_decimals = v.group.load()?.quote_terms().decimals;
    let underlying = a.underlying.load()?;
    let x = read_market_price(&a.oracle, &underlying, quote_decimals, now)?;
    let (amount, resolution) = {
        let (mut winner, mut loser) = (a.winner.load_mut()?, a.loser.load_mut()?);
        require!(loser.has_no_holdings(), XmError::BankruptcyAccountNotEmpty);
        require!(loser.holds_nothing_of_value(), XmError::BankruptcyUnsettledQuote);
        let mut quote = v.quote_underlying.load_mut()?;
        let (u, q) = (&*underlying, &mut *quote);
        let amount = perp::settle_pnl(&mut winner, &mut loser, u, q, x, Funding::WriteOff, now)?;
        let mut group = v.group.load_mut()?;
        (amount, bankruptcy::after_settlement(&mut loser, &mut quote, &mut group, now)?)
    };
    emit!(PnlSettled {
        underlying: underlying.index,
        winner: a.winner.key(),
        loser: a.loser.key(),
        amount,
        written_off: resolution.map_or(0, |r| r.owed),
        price: x,
    });
    match resolution {
        Some(r) => v.pay_resolution(a.loser.key(), &r),
        None => Ok(()),
    }
}
