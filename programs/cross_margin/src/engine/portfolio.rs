//! The margin account as the pure health code sees it: [`PortfolioView`] implements
//! `xmargin_risk::health::MarginReader` over a `MarginAccount` and the resolved risk inputs of the
//! underlyings it holds. The keeper and tests build the same view from decoded accounts.

use anchor_lang::prelude::*;
use xmargin_risk::health::{self, CollateralInput, Haircuts, Health, MarginReader, PriceInput};
use xmargin_risk::{Fixed, RiskError, Round};

use crate::error::{risk_error, XmError};
use crate::events::HealthSummary;
use crate::state::{HealthSnapshot, MarginAccount, Underlying, MAX_COLLATERAL, QUOTE_INDEX};

/// Risk inputs of one non-quote underlying, resolved from its accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnderlyingRisk {
    pub index: u16,
    pub decimals: u8,
    pub haircuts: Haircuts,
    pub price: PriceInput,
}

impl UnderlyingRisk {
    /// Inputs of `underlying` at unix time `now`, with its price already read.
    pub fn new(underlying: &Underlying, price: PriceInput, now: i64) -> UnderlyingRisk {
        UnderlyingRisk {
            index: underlying.index,
            decimals: underlying.decimals,
            haircuts: underlying.collateral.haircuts_at(now),
            price,
        }
    }
}

/// Which underlyings, in order, a health computation needs accounts for: the account's non-quote
/// holdings in slot order.
pub fn required_underlyings(account: &MarginAccount) -> impl Iterator<Item = u16> + '_ {
    account.active_collateral().map(|c| c.underlying).filter(|&u| u != QUOTE_INDEX)
}

/// A margin account with the risk inputs of its non-quote holdings.
pub struct PortfolioView<'a> {
    account: &'a MarginAccount,
    risks: &'a [UnderlyingRisk],
    quote_decimals: u8,
    /// Per active holding: (slot, position in `risks` or `usize::MAX` for the quote asset).
    holdings: [(u8, usize); MAX_COLLATERAL],
    count: usize,
}

impl<'a> PortfolioView<'a> {
    /// `risks` must list the underlyings of [`required_underlyings`] in that order.
    pub fn new(
        account: &'a MarginAccount,
        risks: &'a [UnderlyingRisk],
        quote_decimals: u8,
    ) -> Result<PortfolioView<'a>> {
        let mut holdings = [(0u8, usize::MAX); MAX_COLLATERAL];
        let mut count = 0;
        let mut next_risk = 0;
        for (slot, c) in account.collateral.iter().enumerate() {
            if c.underlying == crate::state::EMPTY_SLOT {
                continue;
            }
            let risk = if c.underlying == QUOTE_INDEX {
                usize::MAX
            } else {
                let r = risks.get(next_risk).ok_or(XmError::HealthAccountMissing)?;
                require_eq!(r.index, c.underlying, XmError::HealthAccountMismatch);
                next_risk += 1;
                next_risk - 1
            };
            holdings[count] = (slot as u8, risk);
            count += 1;
        }
        require_eq!(next_risk, risks.len(), XmError::HealthAccountUnexpected);
        Ok(PortfolioView { account, risks, quote_decimals, holdings, count })
    }

    /// Health of the portfolio (on-chain callers map the error with `risk_error`, which logs it).
    pub fn health(&self) -> core::result::Result<Health, RiskError> {
        health::compute(self)
    }
}

impl MarginReader for PortfolioView<'_> {
    fn collateral_count(&self) -> usize {
        self.count
    }

    fn collateral(&self, i: usize) -> core::result::Result<CollateralInput, RiskError> {
        let (slot, risk) = self.holdings[i];
        let position = &self.account.collateral[slot as usize];
        Ok(match self.risks.get(risk) {
            None => CollateralInput {
                underlying: QUOTE_INDEX,
                balance: position.balance,
                decimals: self.quote_decimals,
                haircuts: Haircuts::NONE,
                price: PriceInput::Quote,
            },
            Some(r) => CollateralInput {
                underlying: r.index,
                balance: position.balance,
                decimals: r.decimals,
                haircuts: r.haircuts,
                price: r.price,
            },
        })
    }
}

/// Health figures converted to native quote units (rounded down), for events and the snapshot.
pub fn summarize(health: &Health, quote_decimals: u8) -> Result<HealthSummary> {
    let scale = 10i128.pow(u32::from(quote_decimals));
    let native = |x: Fixed| -> Result<i64> {
        x.mul_int(scale).and_then(|v| v.to_i64(Round::Down)).map_err(|e| {
            risk_error(RiskError::Math { what: "health in native quote units", err: e })
        })
    };
    Ok(HealthSummary {
        init: native(health.init)?,
        maint: native(health.maint)?,
        assets: native(health.assets)?,
    })
}

/// Stores a health summary in the account for readers.
pub fn record(account: &mut MarginAccount, summary: &HealthSummary, now: i64) {
    account.health = HealthSnapshot {
        init: summary.init,
        maint: summary.maint,
        assets: summary.assets,
        timestamp: now,
    };
}
