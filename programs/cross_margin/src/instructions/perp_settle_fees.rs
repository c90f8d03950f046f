//! `perp_settle_fees`: permissionless. The fees trades on an underlying charged are a claim of the
//! group on the unsettled quote of the accounts that paid them (`Underlying::fees_accrued`). This
//! settles an account's loss on the underlying against that claim: the smaller of its loss (at the
//! oracle mid) and the fees accrued moves from its unsettled quote into its quote balance (a
//! debit, which may leave it owed) and into the quote underlying's `fees_collected`, held in the
//! quote vault (`engine::perp::settle_fees`). Equity is unchanged, so no health check is needed;
//! the account borrows from the quote pool only if shown not liquidatable (remaining accounts,
//! optional: its health accounts). An account that holds nothing of value (a bankruptcy) pays from
//! its positive quote balance only; the group waives the rest of its fees.

use anchor_lang::prelude::*;

use crate::engine::perp;
use crate::error::XmError;
use crate::events::FeesSettled;
use crate::health_accounts::HealthAccounts;
use crate::oracle::read_market_price;
use crate::state::{Group, MarginAccount, Underlying};

#[derive(Accounts)]
pub struct PerpSettleFees<'info> {
    pub group: AccountLoader<'info, Group>,
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The underlying whose fees are settled.
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub underlying: AccountLoader<'info, Underlying>,
    /// The group's quote underlying (index 0): receives the fees.
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

pub fn handler<'info>(ctx: Context<'info, PerpSettleFees<'info>>) -> Result<()> {
    let a = &ctx.accounts;
    let now = Clock::get()?.unix_timestamp;
    let quote = a.group.load()?.quote_terms();
    let quote_decimals = quote.decimals;
    let may_borrow = {
        let account = a.margin_account.load()?;
        HealthAccounts::may_borrow(&account, ctx.remaining_accounts, quote, now)?
    };
    let mut underlying = a.underlying.load_mut()?;
    let x = read_market_price(&a.oracle, &underlying, quote_decimals, now)?;
    let mut account = a.margin_account.load_mut()?;
    let mut quote = a.quote_underlying.load_mut()?;
    let s = perp::settle_fees(&mut account, &mut underlying, &mut quote, x, may_borrow, now)?;
    emit!(FeesSettled {
        underlying: underlying.index,
        account: a.margin_account.key(),
        amount: s.paid,
        waived: s.waived,
        fees_accrued: underlying.fees_accrued,
        fees_collected: quote.fees_collected,
    });
    Ok(())
}
