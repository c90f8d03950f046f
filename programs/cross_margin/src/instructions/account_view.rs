//! `account_view`: read-only, for integrators and wallets. Returns a margin account's health and,
//! for every underlying it holds, that book's maint requirement, scan loss, worst scenario, net
//! delta and a first-order liquidation price (`engine::views::AccountView`, versioned, at most
//! 630 bytes of return data). Remaining accounts: the health accounts (see `health_accounts`).

use anchor_lang::prelude::*;

use crate::engine::views::{self, AccountView};
use crate::error::XmError;
use crate::health_accounts::HealthAccounts;
use crate::state::{Group, MarginAccount};

#[derive(Accounts)]
pub struct AccountViewAccounts<'info> {
    pub group: AccountLoader<'info, Group>,
    #[account(has_one = group @ XmError::WrongGroup)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

pub fn handler<'info>(ctx: Context<'info, AccountViewAccounts<'info>>) -> Result<AccountView> {
    let now = Clock::get()?.unix_timestamp;
    let quote = ctx.accounts.group.load()?.quote_terms();
    let account = ctx.accounts.margin_account.load()?;
    let inputs = HealthAccounts::load(&[&account], ctx.remaining_accounts, now)?;
    let key = ctx.accounts.margin_account.key();
    views::account_view(&account, key, &inputs.risks(), quote, now)
}
