//! `perp_settle_pnl`: permissionless. Moves unrealized P&L of an underlying's market positions
//! (perpetual P&L and the unsettled quote of option premiums, expiry payments and fees) from a
//! losing account to a winning one into their quote balances, at the oracle mid price: the smaller
//! of the winner's gain and the loser's loss (`engine::perp::settle_pnl`). Both accounts' equity
//! is unchanged (the P&L only changes form), so no health check is needed; the loser's quote
//! balance may become negative (an amount owed, repaid by depositing the quote asset). An
//! underlying without a listed perpetual has only unsettled quote to settle, which needs no price.
//! The loser borrows from the quote pool (beyond its positive quote balance) only if it is shown
//! not liquidatable: remaining accounts, optional, are its health accounts. A loser with no
//! holdings pays from its quote balance only; once it holds nothing of value,
//! `account_settle_bankruptcy` settles the rest of its loss and resolves it.

use anchor_lang::prelude::*;

use crate::engine::lending::Funding;
use crate::engine::perp;
use crate::error::XmError;
use crate::events::PnlSettled;
use crate::health_accounts::HealthAccounts;
use crate::oracle::read_market_price;
use crate::state::{Group, MarginAccount, Underlying};

#[derive(Accounts)]
pub struct PerpSettlePnl<'info> {
    pub group: AccountLoader<'info, Group>,
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub winner: AccountLoader<'info, MarginAccount>,
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub loser: AccountLoader<'info, MarginAccount>,
    #[account(has_one = group @ XmError::WrongGroup)]
    pub underlying: AccountLoader<'info, Underlying>,
    /// The group's quote underlying (index 0): its totals follow the quote balances.
    #[account(
        mut,
        has_one = group @ XmError::WrongGroup,
        constraint = quote_underlying.load()?.is_quote() @ XmError::QuoteUnderlyingExpected,
    )]
    pub quote_underlying: AccountLoader<'info, Underlying>,
    /// CHECK: the underlying's Pyth price account, checked by `oracle::read_market_price` (not
    /// read when the underlying has no listed perpetual).
    pub oracle: UncheckedAccount<'info>,
}

pub fn handler<'info>(ctx: Context<'info, PerpSettlePnl<'info>>) -> Result<()> {
    let a = &ctx.accounts;
    require_keys_neq!(a.winner.key(), a.loser.key(), XmError::SelfSettlement);
    let now = Clock::get()?.unix_timestamp;
    let quote = a.group.load()?.quote_terms();
    let quote_decimals = quote.decimals;
    // Health-neutral, so judged before: only a loser shown not liquidatable borrows.
    let funding = {
        let loser = a.loser.load()?;
        match HealthAccounts::may_borrow(&loser, ctx.remaining_accounts, quote, now)? {
            true => Funding::Borrow,
            false => Funding::Balance,
        }
    };
    let underlying = a.underlying.load()?;
    let x = read_market_price(&a.oracle, &underlying, quote_decimals, now)?;
    let (mut winner, mut loser) = (a.winner.load_mut()?, a.loser.load_mut()?);
    let mut quote = a.quote_underlying.load_mut()?;
    let amount =
        perp::settle_pnl(&mut winner, &mut loser, &underlying, &mut quote, x, funding, now)?;
    emit!(PnlSettled {
        underlying: underlying.index,
        winner: a.winner.key(),
        loser: a.loser.key(),
        amount,
        written_off: 0,
        price: x,
    });
    Ok(())
}
