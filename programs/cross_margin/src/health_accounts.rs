//! Health accounts: how an instruction that checks health receives its inputs.
//!
//! After an instruction's named accounts come, for every non-quote collateral holding of the margin
//! account in slot order, the pair `(Underlying, PriceUpdateV2)`. The quote asset needs no
//! accounts. Missing pairs, an underlying in the wrong position (duplicates included), an
//! underlying of another group and extra accounts are each rejected with their own error.

use anchor_lang::prelude::*;

use crate::engine::portfolio::{required_underlyings, PortfolioView, UnderlyingRisk};
use crate::error::{risk_error, XmError};
use crate::events::HealthSummary;
use crate::oracle::read_price;
use crate::state::{MarginAccount, Underlying, MAX_COLLATERAL};

/// Resolves the risk inputs of every non-quote holding from `remaining`.
pub fn load_risks<'info>(
    account: &MarginAccount,
    remaining: &'info [AccountInfo<'info>],
    now: i64,
) -> Result<Vec<UnderlyingRisk>> {
    let mut risks = Vec::with_capacity(MAX_COLLATERAL);
    for (k, index) in required_underlyings(account).enumerate() {
        let (Some(underlying_info), Some(price_info)) =
            (remaining.get(2 * k), remaining.get(2 * k + 1))
        else {
            msg!("health accounts: no (underlying, price) pair for underlying {}", index);
            return err!(XmError::HealthAccountMissing);
        };
        let loader = AccountLoader::<Underlying>::try_from(underlying_info)?;
        let underlying = loader.load()?;
        require_keys_eq!(underlying.group, account.group, XmError::WrongGroup);
        if underlying.index != index {
            msg!(
                "health accounts: position {} expects underlying {}, got {}",
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

/// Computes the account's health from `remaining`; fails unless init health is >= 0.
pub fn require_init_health<'info>(
    account: &MarginAccount,
    remaining: &'info [AccountInfo<'info>],
    quote_decimals: u8,
    now: i64,
) -> Result<HealthSummary> {
    let risks = load_risks(account, remaining, now)?;
    let health =
        PortfolioView::new(account, &risks, quote_decimals)?.health().map_err(risk_error)?;
    let summary = crate::engine::portfolio::summarize(&health, quote_decimals)?;
    if health.init_negative() {
        msg!("init health {} < 0 (maint {}, assets {})", health.init, health.maint, health.assets);
        return err!(XmError::InitHealthNegative);
    }
    Ok(summary)
}
