//! `health_check`: read-only, for integrators (a venue calls it by CPI after booking a fill).
//! Computes a margin account's health from its health accounts (remaining accounts, see
//! `health_accounts`) with the same code as every health check, fails with
//! `HealthBelowThreshold` when init health is below `min_init` or maint health below
//! `min_maint`, and otherwise returns the figures (`engine::views::HealthView`, versioned) as
//! return data. Writes nothing, so it takes no write lock.

use anchor_lang::prelude::*;

use crate::engine::views::{self, HealthView};
use crate::error::XmError;
use crate::health_accounts::HealthAccounts;
use crate::state::{Group, MarginAccount};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct HealthCheckArgs {
    /// Least init health accepted, native quote units (0: the account could take on risk).
    pub min_init: i64,
    /// Least maint health accepted, native quote units (0: not liquidatable).
    pub min_maint: i64,
}

#[derive(Accounts)]
pub struct HealthCheck<'info> {
    pub group: AccountLoader<'info, Group>,
    #[account(has_one = group @ XmError::WrongGroup)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

pub fn handler<'info>(
    ctx: Context<'info, HealthCheck<'info>>,
    args: HealthCheckArgs,
) -> Result<HealthView> {
    let now = Clock::get()?.unix_timestamp;
    let quote = ctx.accounts.group.load()?.quote_terms();
    let account = ctx.accounts.margin_account.load()?;
    let inputs = HealthAccounts::load(&[&account], ctx.remaining_accounts, now)?;
    let key = ctx.accounts.margin_account.key();
    let (view, _) = views::health_view(&account, key, &inputs.risks(), quote, now)?;
    if view.init < args.min_init || view.maint < args.min_maint {
        xm_msg!(
            "health: init {} (at least {}), maint {} (at least {})",
            view.init,
            args.min_init,
            view.maint,
            args.min_maint
        );
        return err!(XmError::HealthBelowThreshold);
    }
    Ok(view)
}
