//! A whole portfolio: the account's health from its per-underlying books ([`combine`], used
//! on-chain too), and books valued from scratch, every series repriced at the live spot ([`assess`],
//! the CLI's `risk` command and the tests). Both go through the same integer engine
//! ([`book`](crate::book)); a fresh valuation is encoded as a cache entry first.
//!
//! ```text
//! equity(level) = collateral(level) + perpetual P&L + sum_options q * mark        qn
//! init health   = equity(init)  - requirement(init)
//! maint health  = equity(maint) - requirement(maint)
//! ```

use crate::book::{add, BookMargin, Exposure, Stress};
use crate::cache::{encode, ContractScale};
use crate::error::{Context, RiskError};
use crate::fixed::{Fixed, Round};
pub use crate::margin::to_native;
use crate::margin::{grids, moves_q32, requirement, Level, Requirement, UnderlyingParams};
use crate::series::{compute, GridPoints, Market, SeriesSpec};

/// An option position to value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionPosition {
    pub spec: SeriesSpec,
    /// Signed number of contracts (negative = written).
    pub contracts: i64,
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
    /// What one contract is in quote native units.
    pub scale: ContractScale,
    /// Linear notional at the spot, quote native units: collateral at its init-weighted value
    /// (`HoldingValue::exposure`) plus perpetuals.
    pub linear: i128,
    pub options: Vec<OptionPosition>,
    pub params: UnderlyingParams,
}

/// One underlying valued at both levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessment {
    pub init: BookMargin,
    pub maint: BookMargin,
    /// `sum q * mark`, qn (negative when written options dominate).
    pub option_value: i128,
    pub init_grid: GridPoints,
    pub maint_grid: GridPoints,
}

/// Values one underlying's positions at `now`.
pub fn assess(p: &Positions, now: i64, quote_decimals: u8) -> Result<Assessment, RiskError> {
    let g = grids(&p.params, p.vol_index)?;
    let price = p.scale.per_contract(p.spot, Round::Down).context("price per contract")?;
    let mut exposure = Exposure::default();
    exposure.add_linear(p.linear)?;
    for o in &p.options {
        let market = Market { spot: p.spot, vol: o.vol, rate: p.rate, now };
        let risk = compute(&o.spec, &market, &g.init, &g.maint).context("option valuation")?;
        let entry = encode(&risk, &p.scale, 0).context("risk cache entry")?;
        exposure.add_option(o.contracts, &entry, price, now)?;
    }
    let margin = |level: Level, grid: &GridPoints| {
        let charges = p.params.charges(level, quote_decimals)?;
        let moves = moves_q32(grid)?;
        let stress = Stress { moves: &moves, gap_weight_bps: grid.gap_weight_bps(), charges };
        exposure.margin(p.underlying, level, &stress)
    };
    let (mut init, maint) = (margin(Level::Init, &g.init)?, margin(Level::Maint, &g.maint)?);
    // The init requirement is never below maint's (`Exposure::requirements`, on-chain too).
    init.maint_floor = (maint.requirement()? - init.requirement()?).max(0);
    Ok(Assessment {
        init,
        maint,
        option_value: exposure.option_value,
        init_grid: g.init,
        maint_grid: g.maint,
    })
}

/// Health of a whole portfolio, qn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PortfolioHealth {
    pub equity_init: i128,
    pub equity_maint: i128,
    pub init: Requirement,
    pub maint: Requirement,
    /// `equity_init - init.total`.
    pub init_health: i128,
    /// `equity_maint - maint.total`.
    pub maint_health: i128,
}

/// Combines equity (per level) with the books' margins into the account's health.
pub fn combine(
    equity_init: i128,
    equity_maint: i128,
    init_books: &[BookMargin],
    maint_books: &[BookMargin],
    correlation_credit_bps: u32,
) -> Result<PortfolioHealth, RiskError> {
    let init = requirement(init_books, correlation_credit_bps)?;
    let maint = requirement(maint_books, correlation_credit_bps)?;
    PortfolioHealth::new(equity_init, equity_maint, init, maint)
}

impl PortfolioHealth {
    /// Health from equity and requirement per level.
    pub fn new(
        equity_init: i128,
        equity_maint: i128,
        init: Requirement,
        maint: Requirement,
    ) -> Result<PortfolioHealth, RiskError> {
        Ok(PortfolioHealth {
            equity_init,
            equity_maint,
            init,
            maint,
            init_health: add(equity_init, -init.total, "init health")?,
            maint_health: add(equity_maint, -maint.total, "maint health")?,
        })
    }
}

#[cfg(test)]
#[path = "portfolio_tests.rs"]
mod tests;
