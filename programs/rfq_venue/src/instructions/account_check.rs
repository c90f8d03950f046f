//! `account_check`: anyone asks the clearing layer, by CPI, whether a margin account is at least
//! `min_init` / `min_maint` healthy (what a venue checks before it quotes or routes for an
//! account); fails below either, else logs the figures.

use anchor_lang::prelude::*;

use crate::cross_margin::{self, program::CrossMargin};
use crate::health::{checked_health, Thresholds};

#[derive(Accounts)]
pub struct AccountCheck<'info> {
    /// CHECK: the cross-margin group, checked by `health_check`.
    pub group: UncheckedAccount<'info>,
    /// CHECK: the margin account, checked by `health_check`.
    pub margin_account: UncheckedAccount<'info>,
    pub cross_margin_program: Program<'info, CrossMargin>,
}

pub fn handler<'info>(ctx: Context<'info, AccountCheck<'info>>, args: Thresholds) -> Result<()> {
    let a = &ctx.accounts;
    let check = cross_margin::cpi::accounts::HealthCheck {
        group: a.group.to_account_info(),
        margin_account: a.margin_account.to_account_info(),
    };
    if let Some(view) = checked_health(check, ctx.remaining_accounts, args)? {
        // Numbers only: a key in base58 costs thousands of compute units.
        msg!("rfq: init health {} maint {}", view.init, view.maint);
    }
    Ok(())
}
