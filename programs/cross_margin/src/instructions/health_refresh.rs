//! `health_refresh`: permissionless. Recomputes a margin account's health from its health accounts
//! (remaining accounts, see `health_accounts`), stores it in the account's snapshot, emits it and
//! returns it as return data: what a keeper or an integrator's CPI reads. Valuing options needs
//! fresh vols and risk cache entries for every series held.

use anchor_lang::prelude::*;

use crate::engine::portfolio;
use crate::engine::portfolio::HealthSummary;
use crate::error::XmError;
use crate::events::HealthRefreshed;
use crate::health_accounts::HealthAccounts;
use crate::state::{Group, MarginAccount};

#[derive(Accounts)]
pub struct HealthRefresh<'info> {
    pub group: AccountLoader<'info, Group>,
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

pub fn handler<'info>(ctx: Context<'info, HealthRefresh<'info>>) -> Result<HealthSummary> {
    let now = Clock::get()?.unix_timestamp;
    let quote = ctx.accounts.group.load()?.quote_terms();
    let summary = {
        let account = ctx.accounts.margin_account.load()?;
        let inputs = HealthAccounts::load(&[&account], ctx.remaining_accounts, now)?;
        let health = inputs.health(&account, quote)?;
        portfolio::summarize(&health, quote.decimals)?
    };
    portfolio::record(&mut *ctx.accounts.margin_account.load_mut()?, &summary, now);
    emit!(HealthRefreshed { account: ctx.accounts.margin_account.key(), health: summary });
    Ok(summary)
}
