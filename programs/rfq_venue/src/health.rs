//! The clearing layer's health view, asked by CPI.

use anchor_lang::prelude::*;
use anchor_lang::solana_program::program::get_return_data;

use crate::cross_margin::{self, types};

/// Least init and maint health accepted, native quote units.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct Thresholds {
    pub min_init: i64,
    pub min_maint: i64,
}

/// Calls `cross_margin::health_check` on `accounts` (its health accounts `health`): fails when
/// the account is below `thresholds`; returns the figures it returned, when the runtime passes
/// return data (solana-program-test's native mode does not; the refusal needs none).
pub fn checked_health<'info>(
    accounts: cross_margin::cpi::accounts::HealthCheck<'info>,
    health: &[AccountInfo<'info>],
    thresholds: Thresholds,
) -> Result<Option<types::HealthView>> {
    cross_margin::cpi::health_check(
        CpiContext::new(cross_margin::ID, accounts).with_remaining_accounts(health.to_vec()),
        types::HealthCheckArgs { min_init: thresholds.min_init, min_maint: thresholds.min_maint },
    )?;
    Ok(get_return_data()
        .filter(|(program, _)| *program == cross_margin::ID)
        .and_then(|(_, data)| types::HealthView::try_from_slice(&data).ok()))
}
