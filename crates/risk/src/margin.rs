//! Portfolio margin: risk parameters, the scenario grids of an underlying, and the account's
//! requirement from its per-underlying books ([`book`](crate::book) computes those).
//!
//! Across underlyings, at each level (init or maint), with `P&L_u,s` each book's weighted scenario
//! P&L and `loss_u` its scan loss (all in quote native units, qn):
//!
//! ```text
//! scan      = sum_u loss_u
//! joint     = max(0, max_s -sum_u P&L_u,s)                  all underlyings move together
//! credit    = floor(correlation_credit_bps / 10^4 * (scan - joint))
//! requirement = scan - credit + sum_u short_option_min_u + sum_u concentration_u
//! ```
//!
//! The correlation credit blends "independent" (`credit = 0`, the default) and "perfectly
//! co-moving" (`credit = 1`): it only ever offsets opposite exposures, since `joint <= scan` always.

use crate::book::{add, bps_floor, worst_loss, BookMargin};
use crate::cache::Q;
use crate::error::{Context, MathError, RiskError};
use crate::fixed::{pow10, Fixed};
use crate::scenario::{GridParams, MAX_SCENARIOS};
use crate::series::GridPoints;

/// Which requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Init = 0,
    Maint = 1,
}

impl Level {
    pub const BOTH: [Level; 2] = [Level::Init, Level::Maint];
}

/// Risk parameters of one underlying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnderlyingParams {
    pub init: GridParams,
    pub maint: GridParams,
    /// Short-option minimum per contract written, basis points of its notional, (init, maint).
    pub short_option_min_bps: (u32, u32),
    /// Net delta notional above which the delta add-on applies, quote units.
    pub concentration_threshold: Fixed,
    /// Delta add-on per unit of net delta notional above its threshold, basis points, (init,
    /// maint).
    pub concentration_bps: (u32, u32),
    /// Gross notional (every balance, perpetual and option contract at the price, unsigned) above
    /// which the gross add-on applies, quote units.
    pub gross_threshold: Fixed,
    /// Gross add-on per unit of gross notional above its threshold, basis points, (init, maint).
    pub gross_concentration_bps: (u32, u32),
    /// Net vega (the options' P&L between the level's vol-up and vol-down scenarios at an
    /// unchanged price, unsigned) above which the vega add-on applies, quote units.
    pub vega_threshold: Fixed,
    /// Vega add-on per unit of net vega above its threshold, basis points, (init, maint).
    pub vega_concentration_bps: (u32, u32),
}

/// A concentration add-on: `ceil(bps / 10^4 * max(0, measure - threshold))`, qn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddOn {
    pub bps: u32,
    /// Quote native units.
    pub threshold: i128,
}

impl AddOn {
    /// The add-on on `measure` (qn, `>= 0`).
    #[inline(always)]
    pub fn charge(&self, measure: i128, what: &'static str) -> Result<i128, RiskError> {
        if measure <= self.threshold {
            return Ok(0);
        }
        self.excess(measure, what)
    }

    /// [`AddOn::charge`] above the threshold (the rare case: out of the health check's line).
    #[inline(never)]
    fn excess(&self, measure: i128, what: &'static str) -> Result<i128, RiskError> {
        crate::book::bps_ceil(measure - self.threshold, self.bps, what)
    }
}

/// The charges of one level in the engine's units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Charges {
    pub short_option_min_bps: u32,
    /// On the net delta notional (collateral, perpetuals and the options' delta).
    pub delta: AddOn,
    /// On the gross notional.
    pub gross: AddOn,
    /// On the net vega.
    pub vega: AddOn,
}

impl UnderlyingParams {
    /// The charges of `level` with the quote asset's `quote_decimals`.
    pub fn charges(&self, level: Level, quote_decimals: u8) -> Result<Charges, RiskError> {
        let pick = |pair: (u32, u32)| if level == Level::Init { pair.0 } else { pair.1 };
        let add_on = |bps: (u32, u32), threshold: Fixed| -> Result<AddOn, RiskError> {
            Ok(AddOn { bps: pick(bps), threshold: to_native(threshold, quote_decimals)? })
        };
        Ok(Charges {
            short_option_min_bps: pick(self.short_option_min_bps),
            delta: add_on(self.concentration_bps, self.concentration_threshold)?,
            gross: add_on(self.gross_concentration_bps, self.gross_threshold)?,
            vega: add_on(self.vega_concentration_bps, self.vega_threshold)?,
        })
    }
}

/// An amount in quote units as quote native units (`quote_decimals`), rounded down.
pub fn to_native(x: Fixed, quote_decimals: u8) -> Result<i128, RiskError> {
    let scale = pow10(u32::from(quote_decimals)).context("quote decimals")?;
    Ok(x.mul_int(scale as i128).context("quote native units")?.to_int_floor())
}

/// The account's requirement at one level, quote native units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Requirement {
    /// Sum of the underlyings' scan losses.
    pub scan: i128,
    /// Loss when every underlying moves together.
    pub joint: i128,
    /// Correlation credit taken off `scan`.
    pub credit: i128,
    pub short_option_min: i128,
    pub concentration: i128,
    /// Init only: what lifts books whose init requirement is below maint's to maint's.
    pub maint_floor: i128,
    pub total: i128,
}

/// Sums per-underlying margins (of one level) into the account's requirement.
pub fn requirement(
    books: &[BookMargin],
    correlation_credit_bps: u32,
) -> Result<Requirement, RiskError> {
    let mut sum = RequirementSum::default();
    for b in books {
        sum.push(b)?;
    }
    sum.finish(correlation_credit_bps)
}

/// [`requirement`] built one book at a time, so no list of books need be kept (on SBF the heap
/// is 32 KB).
#[derive(Debug, Default, Clone, Copy)]
pub struct RequirementSum {
    r: Requirement,
    joint_pnl: [i128; MAX_SCENARIOS],
}

impl RequirementSum {
    /// Adds one underlying's margin.
    pub fn push(&mut self, b: &BookMargin) -> Result<(), RiskError> {
        let r = &mut self.r;
        r.scan = add(r.scan, b.scan_loss, "scan requirement")?;
        r.short_option_min = add(r.short_option_min, b.short_option_min, "short-option minimum")?;
        r.concentration = add(r.concentration, b.concentration, "concentration")?;
        r.maint_floor = add(r.maint_floor, b.maint_floor, "maint floor")?;
        for (j, p) in self.joint_pnl.iter_mut().zip(b.pnl) {
            *j = add(*j, p, "joint scenario P&L")?;
        }
        Ok(())
    }

    /// The requirement of the books pushed, with the correlation credit.
    pub fn finish(self, correlation_credit_bps: u32) -> Result<Requirement, RiskError> {
        let mut r = self.r;
        r.joint = worst_loss(&self.joint_pnl).1;
        // Credit rounds down (in the protocol's favour); scan >= joint >= 0.
        r.credit =
            bps_floor(r.scan - r.joint, correlation_credit_bps.min(10_000), "correlation credit")?;
        r.total = add(r.scan - r.credit, r.short_option_min, "requirement")
            .and_then(|v| add(v, r.concentration, "requirement"))
            .and_then(|v| add(v, r.maint_floor, "requirement"))?;
        Ok(r)
    }
}

/// Default risk parameters (see docs/risk-model.md for the reasons). A constant: no arithmetic
/// runs to build it.
pub const DEFAULT_PARAMS: UnderlyingParams = UnderlyingParams {
    init: GridParams {
        range_multiplier: Fixed::from_int(3),
        range_floor: Fixed::lit(27, 100),
        horizon_years: Fixed::lit(1, 365),
        vol_shock_ratio: Fixed::lit(25, 100),
        vol_shock_floor: Fixed::lit(5, 100),
        gap_thirds: 6,
        gap_weight_bps: 5_000,
        gap_vol_ratio: Fixed::lit(50, 100),
    },
    maint: GridParams {
        range_multiplier: Fixed::from_int(2),
        range_floor: Fixed::lit(13, 100),
        horizon_years: Fixed::lit(1, 365),
        vol_shock_ratio: Fixed::lit(15, 100),
        vol_shock_floor: Fixed::lit(3, 100),
        gap_thirds: 9,
        gap_weight_bps: 3_333,
        gap_vol_ratio: Fixed::lit(50, 100),
    },
    short_option_min_bps: (100, 50),
    concentration_threshold: Fixed::from_int(10_000_000),
    concentration_bps: (500, 250),
    gross_threshold: Fixed::from_int(50_000_000),
    gross_concentration_bps: (25, 10),
    vega_threshold: Fixed::from_int(1_000_000),
    vega_concentration_bps: (2_500, 1_250),
};

/// The init and maint grids of one underlying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grids {
    pub init: GridPoints,
    pub maint: GridPoints,
}

/// A grid evaluated for a volatility index, for both levels. Boxed: on SBF a function's stack
/// frame is 4 KB and two grids take 1.2 KB.
pub fn grids(params: &UnderlyingParams, vol_index: Fixed) -> Result<Box<Grids>, RiskError> {
    level_grids([&params.init, &params.maint], vol_index)
}

/// [`grids`] from the two levels' grid parameters (init, maint).
#[inline(never)]
pub fn level_grids(levels: [&GridParams; 2], vol_index: Fixed) -> Result<Box<Grids>, RiskError> {
    let init = levels[0].shocks(vol_index).context("init shocks")?;
    let maint = levels[1].shocks(vol_index).context("maint shocks")?;
    Ok(Box::new(Grids {
        init: GridPoints::new(&levels[0].scenarios(), init).context("init grid")?,
        maint: GridPoints::new(&levels[1].scenarios(), maint).context("maint grid")?,
    }))
}

/// Largest relative move a grid may use (2.0 in `Q32`): bounds the engine's products.
pub const MAX_MOVE: i64 = 2 << Q;

/// A grid's moves in `Q32`, each rounded away from zero (the larger move is the conservative one).
pub fn moves_q32(points: &GridPoints) -> Result<[i64; MAX_SCENARIOS], RiskError> {
    let mut out = [0i64; MAX_SCENARIOS];
    for (o, m) in out.iter_mut().zip(points.moves) {
        let raw = m.raw();
        let q = if raw >= 0 { -((-raw) >> (64 - Q)) } else { raw >> (64 - Q) };
        if q.abs() > i128::from(MAX_MOVE) {
            return Err(RiskError::Math { what: "scenario move", err: MathError::Domain("move") });
        }
        *o = q as i64;
    }
    Ok(out)
}

#[cfg(test)]
#[path = "margin_tests.rs"]
mod tests;
