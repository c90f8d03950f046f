//! A whole portfolio valued from scratch: every option series repriced at the live spot (the CLI's
//! `risk` command and the tests). On-chain, the same [`margin`](crate::margin) functions run on
//! books built from the risk cache instead.
//!
//! ```text
//! equity        = collateral after haircuts (health v1) + perpetual P&L + sum of q * mark
//! init health   = equity_init  - requirement(init grid)
//! maint health  = equity_maint - requirement(maint grid)
//! ```

use crate::error::{Context, RiskError};
use crate::fixed::Fixed;
use crate::health::Health;
use crate::margin::{
    book_margin, grids, requirement, Book, BookMargin, Level, OptionExposure, Requirement,
    UnderlyingParams,
};
use crate::scenario::{Scenario, MAX_SCENARIOS};
use crate::series::{compute, GridPoints, Market, SeriesSpec};

/// An option position to value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionPosition {
    pub spec: SeriesSpec,
    /// Signed quantity in units of the underlying.
    pub quantity: Fixed,
    /// The series' implied volatility.
    pub vol: Fixed,
}

/// One underlying's positions and market.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Positions {
    pub underlying: u16,
    pub spot: Fixed,
    /// Volatility index: the larger of the at-the-money implied and the realized volatility.
    pub vol_index: Fixed,
    pub rate: Fixed,
    /// Units held linearly (weighted collateral plus perpetuals).
    pub delta_one: Fixed,
    pub options: Vec<OptionPosition>,
    pub params: UnderlyingParams,
}

/// One underlying valued at both levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessment {
    pub init: BookMargin,
    pub maint: BookMargin,
    /// `sum q * mark` (negative when written options dominate).
    pub option_value: Fixed,
    pub init_grid: GridPoints,
    pub maint_grid: GridPoints,
}

/// Values one underlying's positions at `now`.
pub fn assess(
    p: &Positions,
    scenarios: &[Scenario; MAX_SCENARIOS],
    now: i64,
) -> Result<Assessment, RiskError> {
    let g = grids(&p.params, scenarios, p.vol_index)?;
    let (init_grid, maint_grid) = (g.init, g.maint);
    let mut exposures = Vec::with_capacity(p.options.len());
    let mut option_value = Fixed::ZERO;
    for o in &p.options {
        let market = Market { spot: p.spot, vol: o.vol, rate: p.rate, now };
        let risk =
            compute(&o.spec, &market, &init_grid, &maint_grid).context("option valuation")?;
        let live = risk.as_live();
        option_value = option_value
            .checked_add(o.quantity.mul(live.mark).context("option value")?)
            .context("option value")?;
        exposures.push(OptionExposure {
            quantity: o.quantity,
            delta: risk.greeks.delta,
            risk: live,
        });
    }
    let book = Book {
        underlying: p.underlying,
        spot: p.spot,
        delta_one: p.delta_one,
        options: &exposures,
        params: &p.params,
        init_grid: &init_grid,
        maint_grid: &maint_grid,
    };
    Ok(Assessment {
        init: book_margin(&book, Level::Init)?,
        maint: book_margin(&book, Level::Maint)?,
        option_value,
        init_grid,
        maint_grid,
    })
}

/// Health of a whole portfolio.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PortfolioHealth {
    pub equity_init: Fixed,
    pub equity_maint: Fixed,
    pub init: Requirement,
    pub maint: Requirement,
    /// `equity_init - init.total`.
    pub init_health: Fixed,
    /// `equity_maint - maint.total`.
    pub maint_health: Fixed,
}

/// Combines collateral health (v1), perpetual P&L (quote units) and the assessed underlyings.
pub fn portfolio_health(
    collateral: &Health,
    perp_pnl: Fixed,
    assessed: &[Assessment],
    correlation_credit_bps: u32,
) -> Result<PortfolioHealth, RiskError> {
    let mut marks = perp_pnl;
    for a in assessed {
        marks = marks.checked_add(a.option_value).context("equity")?;
    }
    let inits: Vec<BookMargin> = assessed.iter().map(|a| a.init).collect();
    let maints: Vec<BookMargin> = assessed.iter().map(|a| a.maint).collect();
    let init = requirement(&inits, correlation_credit_bps)?;
    let maint = requirement(&maints, correlation_credit_bps)?;
    let equity_init = collateral.init.checked_add(marks).context("init equity")?;
    let equity_maint = collateral.maint.checked_add(marks).context("maint equity")?;
    Ok(PortfolioHealth {
        equity_init,
        equity_maint,
        init,
        maint,
        init_health: equity_init.checked_sub(init.total).context("init health")?,
        maint_health: equity_maint.checked_sub(maint.total).context("maint health")?,
    })
}

#[cfg(test)]
#[path = "portfolio_tests.rs"]
mod tests;
