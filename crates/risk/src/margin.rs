//! Portfolio margin: the requirement of a whole account from its per-underlying books, and health.
//!
//! Per underlying `u` and scenario `s` (of the init grid for init, the maint grid for maint):
//!
//! ```text
//! P&L_u,s   = delta_one_u * S_u * m_s  +  sum_options q * pnl_s(series)        (quote units)
//! loss_u    = max(0, max_s -(P&L_u,s * weight_s))                               scan loss
//! som_u     = short_option_min_bps / 10^4 * S_u * sum_{q < 0} |q|              short-option minimum
//! conc_u    = concentration_bps / 10^4 * max(0, |net delta_u| * S_u - threshold_u)
//! ```
//!
//! `delta_one` is the units of the underlying held linearly (weighted collateral plus perpetuals),
//! `q` the signed option quantity in units of the underlying, `net delta` adds `q * delta` of every
//! option. Across underlyings:
//!
//! ```text
//! scan      = sum_u loss_u
//! joint     = max(0, max_s -sum_u P&L_u,s * weight_s)       all underlyings move together
//! credit    = correlation_credit_bps / 10^4 * (scan - joint)
//! requirement = scan - credit + sum_u som_u + sum_u conc_u
//! health    = equity - requirement
//! ```
//!
//! The correlation credit blends "independent" (`credit = 0`, the default) and "perfectly
//! co-moving" (`credit = 1`): it only ever offsets opposite exposures, since `joint <= scan` always.
//! Every figure rounds against the account (losses and charges up).

use crate::error::{Context, RiskError};
use crate::fixed::Fixed;
use crate::scenario::{GridParams, Scenario, MAX_SCENARIOS};
use crate::series::{GridPoints, LiveRisk};

/// Which requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Init,
    Maint,
}

/// Risk parameters of one underlying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnderlyingParams {
    pub init: GridParams,
    pub maint: GridParams,
    /// Short-option minimum per unit written, basis points of the spot, (init, maint).
    pub short_option_min_bps: (u32, u32),
    /// Net delta notional above which the concentration add-on applies, quote units.
    pub concentration_threshold: Fixed,
    /// Add-on per unit of notional above the threshold, basis points, (init, maint).
    pub concentration_bps: (u32, u32),
}

/// An option position carried to the live spot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionExposure {
    /// Signed quantity in units of the underlying (contracts times contract size).
    pub quantity: Fixed,
    pub delta: Fixed,
    pub risk: LiveRisk,
}

/// Everything the margin of one underlying needs.
#[derive(Debug, Clone, Copy)]
pub struct Book<'a> {
    pub underlying: u16,
    pub spot: Fixed,
    /// Units held linearly: collateral that carries weight, plus perpetual positions.
    pub delta_one: Fixed,
    pub options: &'a [OptionExposure],
    pub params: &'a UnderlyingParams,
    pub init_grid: &'a GridPoints,
    pub maint_grid: &'a GridPoints,
}

/// One underlying's margin at one level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookMargin {
    pub underlying: u16,
    /// Weighted P&L per scenario (what the loss is taken from).
    pub pnl: [Fixed; MAX_SCENARIOS],
    /// Scenario with the largest loss.
    pub worst: usize,
    pub scan_loss: Fixed,
    pub short_option_min: Fixed,
    pub concentration: Fixed,
    /// Units of net delta (linear plus options).
    pub net_delta: Fixed,
}

impl BookMargin {
    /// This underlying's requirement before correlation credits.
    pub fn requirement(&self) -> Result<Fixed, RiskError> {
        self.scan_loss
            .checked_add(self.short_option_min)
            .and_then(|v| v.checked_add(self.concentration))
            .context("underlying requirement")
    }
}

/// Margin of one book at `level`.
pub fn book_margin(book: &Book, level: Level) -> Result<BookMargin, RiskError> {
    let (grid, som_bps, conc_bps) = match level {
        Level::Init => {
            (book.init_grid, book.params.short_option_min_bps.0, book.params.concentration_bps.0)
        }
        Level::Maint => {
            (book.maint_grid, book.params.short_option_min_bps.1, book.params.concentration_bps.1)
        }
    };
    let linear = book.delta_one.mul(book.spot).context("linear exposure")?;
    let mut pnl = [Fixed::ZERO; MAX_SCENARIOS];
    for (i, scenario) in grid.scenarios.iter().enumerate() {
        // Losses round up: P&L rounds toward -infinity at every step.
        let mut total = linear.mul(grid.moves[i]).context("linear scenario P&L")?;
        for o in book.options {
            let per_unit = match level {
                Level::Init => o.risk.init_pnl[i],
                Level::Maint => o.risk.maint_pnl[i],
            };
            total = total
                .checked_add(o.quantity.mul(per_unit).context("option scenario P&L")?)
                .context("scenario P&L")?;
        }
        pnl[i] = scenario.weigh(total).context("weighted scenario P&L")?;
    }
    let (worst, scan_loss) = worst_loss(&pnl)?;
    let mut written = Fixed::ZERO;
    let mut net_delta = book.delta_one;
    for o in book.options {
        if o.quantity.is_negative() {
            written = written.checked_sub(o.quantity).context("written quantity")?;
        }
        net_delta = net_delta
            .checked_add(o.quantity.mul(o.delta).context("option delta")?)
            .context("net delta")?;
    }
    let bps = |x: Fixed, bps: u32| x.mul_div_up(i128::from(bps), 10_000);
    let short_option_min = bps(written.mul_up(book.spot).context("short-option minimum")?, som_bps)
        .context("short-option minimum")?;
    let notional =
        net_delta.abs().and_then(|d| d.mul_up(book.spot)).context("net delta notional")?;
    let excess =
        notional.checked_sub(book.params.concentration_threshold).context("concentration")?;
    let concentration = bps(excess.max(Fixed::ZERO), conc_bps).context("concentration")?;
    Ok(BookMargin {
        underlying: book.underlying,
        pnl,
        worst,
        scan_loss,
        short_option_min,
        concentration,
        net_delta,
    })
}

/// `(scenario, loss)` of the largest weighted loss (0 if no scenario loses).
fn worst_loss(pnl: &[Fixed; MAX_SCENARIOS]) -> Result<(usize, Fixed), RiskError> {
    let (worst, min) =
        pnl.iter()
            .enumerate()
            .fold((0, pnl[0]), |(wi, wv), (i, &v)| if v < wv { (i, v) } else { (wi, wv) });
    Ok((worst, min.checked_neg().context("scan loss")?.max(Fixed::ZERO)))
}

/// The account's requirement at one level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Requirement {
    /// Sum of the underlyings' scan losses.
    pub scan: Fixed,
    /// Loss when every underlying moves together.
    pub joint: Fixed,
    /// Correlation credit taken off `scan`.
    pub credit: Fixed,
    pub short_option_min: Fixed,
    pub concentration: Fixed,
    pub total: Fixed,
}

/// Sums per-underlying margins into the account's requirement.
pub fn requirement(
    books: &[BookMargin],
    correlation_credit_bps: u32,
) -> Result<Requirement, RiskError> {
    let mut r = Requirement::default();
    let mut joint_pnl = [Fixed::ZERO; MAX_SCENARIOS];
    for b in books {
        r.scan = r.scan.checked_add(b.scan_loss).context("scan requirement")?;
        r.short_option_min =
            r.short_option_min.checked_add(b.short_option_min).context("short-option minimum")?;
        r.concentration = r.concentration.checked_add(b.concentration).context("concentration")?;
        for (j, p) in joint_pnl.iter_mut().zip(b.pnl) {
            *j = j.checked_add(p).context("joint scenario P&L")?;
        }
    }
    r.joint = worst_loss(&joint_pnl)?.1;
    // Credit rounds down (in the protocol's favour).
    let offset = r.scan.checked_sub(r.joint).context("correlation credit")?;
    r.credit = offset
        .mul_div(i128::from(correlation_credit_bps.min(10_000)), 10_000)
        .context("correlation credit")?;
    r.total = r
        .scan
        .checked_sub(r.credit)
        .and_then(|v| v.checked_add(r.short_option_min))
        .and_then(|v| v.checked_add(r.concentration))
        .context("requirement")?;
    Ok(r)
}

/// Default risk parameters (see docs/risk-model.md for the reasons). A constant: no arithmetic
/// runs to build it.
pub const DEFAULT_PARAMS: UnderlyingParams = UnderlyingParams {
    init: GridParams {
        range_multiplier: Fixed::from_int(3),
        range_floor: Fixed::lit(8, 100),
        horizon_years: Fixed::lit(1, 365),
        vol_shock_ratio: Fixed::lit(25, 100),
        vol_shock_floor: Fixed::lit(5, 100),
    },
    maint: GridParams {
        range_multiplier: Fixed::from_int(2),
        range_floor: Fixed::lit(5, 100),
        horizon_years: Fixed::lit(1, 365),
        vol_shock_ratio: Fixed::lit(15, 100),
        vol_shock_floor: Fixed::lit(3, 100),
    },
    short_option_min_bps: (100, 50),
    concentration_threshold: Fixed::from_int(10_000_000),
    concentration_bps: (500, 250),
};

/// The init and maint grids of one underlying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grids {
    pub init: GridPoints,
    pub maint: GridPoints,
}

/// A grid evaluated for a volatility index, for both levels. Boxed: on SBF a function's stack
/// frame is 4 KB and two grids take 1.2 KB.
#[inline(never)]
pub fn grids(
    params: &UnderlyingParams,
    scenarios: &[Scenario; MAX_SCENARIOS],
    vol_index: Fixed,
) -> Result<Box<Grids>, RiskError> {
    let init = params.init.shocks(vol_index).context("init shocks")?;
    let maint = params.maint.shocks(vol_index).context("maint shocks")?;
    Ok(Box::new(Grids {
        init: GridPoints::new(scenarios, init).context("init grid")?,
        maint: GridPoints::new(scenarios, maint).context("maint grid")?,
    }))
}

#[cfg(test)]
#[path = "margin_tests.rs"]
mod tests;
