//! Health accounts: how an instruction that checks health receives its inputs.
//!
//! After an instruction's named accounts come, for every underlying the checked margin accounts
//! touch (non-quote collateral holdings and perpetual positions of all of them together), the pair
//! `(Underlying, PriceUpdateV2)`, ascending by underlying index, each index once. The quote asset
//! needs no accounts. A missing pair, a pair out of order or repeated, an underlying of another
//! group and extra accounts are each rejected with their own error.

use anchor_lang::prelude::*;

use crate::engine::portfolio::{self, required_underlyings, AccountHealth, UnderlyingRisk};
use crate::error::XmError;
use crate::events::HealthSummary;
use crate::oracle::read_price;
use crate::state::{MarginAccount, Underlying};

/// Resolves the risk inputs every underlying of `accounts` needs from `remaining`, ascending.
pub fn load_risks<'info>(
    accounts: &[&MarginAccount],
    remaining: &'info [AccountInfo<'info>],
    now: i64,
) -> Result<Vec<UnderlyingRisk>> {
    let needed = required_underlyings(accounts);
    let group = accounts.first().map(|a| a.group).unwrap_or_default();
    let mut risks = Vec::with_capacity(needed.len());
    for (k, &index) in needed.iter().enumerate() {
        let (Some(underlying_info), Some(price_info)) =
            (remaining.get(2 * k), remaining.get(2 * k + 1))
        else {
            msg!("health accounts: no (underlying, price) pair for underlying {}", index);
            return err!(XmError::HealthAccountMissing);
        };
        let loader = AccountLoader::<Underlying>::try_from(underlying_info)?;
        let underlying = loader.load()?;
        require_keys_eq!(underlying.group, group, XmError::WrongGroup);
        if underlying.index != index {
            msg!(
                "health accounts: pair {} must be underlying {} (ascending), got {}",
                k,
                index,
                underlying.index
            );
            return err!(XmError::HealthAccountMismatch);
        }
        let price = read_price(price_info, &underlying, now)?;
        risks.push(UnderlyingRisk::new(&underlying, price, now));
    }
    if remaining.len() != 2 * risks.len() {
        msg!("health accounts: expected {}, got {}", 2 * risks.len(), remaining.len());
        return err!(XmError::HealthAccountUnexpected);
    }
    Ok(risks)
}

/// Computes `account`'s health from resolved inputs; fails unless init health is >= 0.
pub fn require_init_health(
    account: &MarginAccount,
    risks: &[UnderlyingRisk],
    quote_decimals: u8,
) -> Result<HealthSummary> {
    let health = portfolio::compute(account, risks, quote_decimals)?;
    let summary = portfolio::summarize(&health, quote_decimals)?;
    if health.init_negative() {
        log_health("init health < 0", &health);
        return err!(XmError::InitHealthNegative);
    }
    Ok(summary)
}

/// Logs the figures behind a health decision.
pub fn log_health(what: &str, h: &AccountHealth) {
    msg!(
        "{}: init {} maint {} (equity {} / {}, requirement {} / {}, perp P&L {})",
        what,
        h.init_health,
        h.maint_health,
        h.equity[0],
        h.equity[1],
        h.requirement[0],
        h.requirement[1],
        h.perp_pnl
    );
}
