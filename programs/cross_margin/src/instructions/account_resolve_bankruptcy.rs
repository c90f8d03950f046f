//! `account_resolve_bankruptcy`: anyone resolves a bankrupt margin account (it holds nothing of
//! value: nothing left to liquidate, no unsettled gain; quote owed): the insurance fund pays what
//! it can into the quote pool and the rest is socialized over the quote deposits
//! (`engine::bankruptcy::resolve`). `account_settle_bankruptcy` does the same for the loser its
//! settlement leaves owing.

use anchor_lang::prelude::*;

use crate::engine::bankruptcy;
use crate::error::XmError;
use crate::state::MarginAccount;
use crate::vaults::*;

#[derive(Accounts)]
pub struct AccountResolveBankruptcy<'info> {
    #[account(
        mut,
        constraint = margin_account.load()?.group == vaults.group.key() @ XmError::WrongGroup,
    )]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    pub vaults: InsuranceVaults<'info>,
}

pub fn handler(ctx: Context<AccountResolveBankruptcy>) -> Result<()> {
    let a = &ctx.accounts;
    let now = Clock::get()?.unix_timestamp;
    let r = {
        let mut group = a.vaults.group.load_mut()?;
        let mut pool = a.vaults.quote_underlying.load_mut()?;
        let mut account = a.margin_account.load_mut()?;
        bankruptcy::resolve(&mut account, &mut pool, &mut group, now)?
    };
    a.vaults.pay_resolution(a.margin_account.key(), &r)
}
