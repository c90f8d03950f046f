//! Per-series risk: a series valued at a reference spot `S0` and time `t0`: its mark and Greeks,
//! and its value change per unit of the underlying in every scenario of the init and the maint grid,
//! one horizon `h` later, `pnl_s = V(S0 (1 + m_s), vol_s, T - h) - V(S0, vol, T)` (a series
//! expiring within the horizon is worth its payoff `max(0, +/-(S - K))` there, so near expiry the
//! requirement converges to the payoff risk). [`cache`](crate::cache) turns the result into the
//! integer entry the health check reads and carries to the live price.

use crate::black_scholes::{Greeks, OptionKind, Repricer};
use crate::error::MathError;
use crate::fixed::Fixed;
use crate::math::ln;
use crate::scenario::{tenor_factor, Scenario, Shocks, MAX_SCENARIOS};

/// Seconds per year used to turn expiries into `T` (365 days).
pub const SECONDS_PER_YEAR: i64 = 31_536_000;

/// Lowest scenario price as a fraction of the spot: a grid whose move would take the price to or
/// below zero is floored here.
pub const MIN_PRICE_FACTOR_BPS: i128 = 100;

/// An option series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesSpec {
    pub kind: OptionKind,
    /// Strike, quote units per unit of the underlying.
    pub strike: Fixed,
    /// Expiry, unix seconds.
    pub expiry: i64,
}

impl SeriesSpec {
    /// Years to expiry at `now` (0 once expired).
    pub fn years(&self, now: i64) -> Result<Fixed, MathError> {
        Fixed::from_ratio(
            i128::from(self.expiry.saturating_sub(now).max(0)),
            i128::from(SECONDS_PER_YEAR),
        )
    }
}

/// A grid evaluated for one underlying: every scenario's relative move and the logarithm of its
/// price factor, so that repricing many series costs no `ln` per scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridPoints {
    pub shocks: Shocks,
    pub scenarios: [Scenario; MAX_SCENARIOS],
    /// Relative price move `m_s` (a price factor `1 + m_s` of at least `MIN_PRICE_FACTOR_BPS`).
    pub moves: [Fixed; MAX_SCENARIOS],
    /// `ln(1 + m_s)`.
    ln_factors: [Fixed; MAX_SCENARIOS],
}

impl GridPoints {
    /// Weight of the grid's gap scenarios, basis points (the book's [`Stress`](crate::book::Stress)).
    pub fn gap_weight_bps(&self) -> u16 {
        self.scenarios[crate::scenario::FIRST_GAP].weight_bps
    }
}

/// The smallest multiple of `2^32` (2^-32 in `Fixed`) at or above `raw` (`raw >= 0`).
fn ceil_q32(raw: i128) -> i128 {
    ((raw + (1 << 32) - 1) >> 32) << 32
}

/// Lowest relative move, `MIN_PRICE_FACTOR_BPS / 10^4 - 1`.
const MIN_MOVE: Fixed = Fixed::lit(MIN_PRICE_FACTOR_BPS as i64 - 10_000, 10_000);

/// The relative move of `scenario` for `third = ceil(R / 3)`, with the price factor floored at
/// `MIN_PRICE_FACTOR_BPS`.
fn scenario_move(scenario: &Scenario, third: Fixed) -> Result<Fixed, MathError> {
    Ok(scenario.move_from_third(third)?.max(MIN_MOVE))
}

impl GridPoints {
    #[inline(never)]
    pub fn new(
        scenarios: &[Scenario; MAX_SCENARIOS],
        shocks: Shocks,
    ) -> Result<GridPoints, MathError> {
        // A third of the range, rounded up to a multiple of 2^-32: every move is then an exact
        // multiple of it in the engine's `Q32` too, so a gap of `k` thirds weighted at `3 / k`
        // never loses more on a linear book than the full range does.
        let third = Fixed::from_raw(ceil_q32(shocks.range.mul_div_up(1, 3)?.raw()));
        let mut moves = [Fixed::ZERO; MAX_SCENARIOS];
        let mut ln_factors = [Fixed::ZERO; MAX_SCENARIOS];
        for (i, s) in scenarios.iter().enumerate() {
            // Moves repeat across vol shifts: reuse the move and logarithm of an earlier scenario.
            if let Some(j) = scenarios[..i].iter().position(|p| p.thirds == s.thirds) {
                (moves[i], ln_factors[i]) = (moves[j], ln_factors[j]);
                continue;
            }
            moves[i] = scenario_move(s, third)?;
            ln_factors[i] = ln(Fixed::ONE.checked_add(moves[i])?)?;
        }
        Ok(GridPoints { shocks, scenarios: *scenarios, moves, ln_factors })
    }
}

/// What the risk cache holds for one series (values per unit of the underlying).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesRisk {
    /// Whether the series is a call.
    pub call: bool,
    pub ref_spot: Fixed,
    pub ref_time: i64,
    /// Mark (`price`) and Greeks at the reference.
    pub greeks: Greeks,
    /// Value change in each scenario of the init grid.
    pub init_pnl: [Fixed; MAX_SCENARIOS],
    /// Value change in each scenario of the maint grid.
    pub maint_pnl: [Fixed; MAX_SCENARIOS],
    /// Scan ranges of the two grids at the reference (the moves are needed to carry the P&L).
    pub init_range: Fixed,
    pub maint_range: Fixed,
    /// `vol sqrt(T - h)` at the reference, `h` the longer horizon of the two grids: how far the
    /// entry may be carried ([`cache::carry_drift_bps`](crate::cache::carry_drift_bps)). The
    /// scenarios value the series at `T - h`, so their curvature is that of the aged option.
    pub sigma_sqrt_t: Fixed,
}

/// Market inputs of a valuation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Market {
    pub spot: Fixed,
    /// The series' implied volatility.
    pub vol: Fixed,
    pub rate: Fixed,
    pub now: i64,
}

/// Values a series at `market` and in every scenario of both grids.
#[inline(never)]
pub fn compute(
    spec: &SeriesSpec,
    market: &Market,
    init: &GridPoints,
    maint: &GridPoints,
) -> Result<SeriesRisk, MathError> {
    let years = spec.years(market.now)?;
    let repricer = Repricer::new(spec.kind, spec.strike, years, market.rate)?;
    let ln_m = repricer.ln_moneyness(market.spot)?;
    let base = repricer.vol_point(market.vol)?;
    let greeks = repricer.greeks_at(market.spot, ln_m, &base)?;
    let tenor = tenor_factor(years)?;
    // The grids usually share one horizon: one aged repricer then serves both.
    let aged_init = Aged::new(spec, market, years, init.shocks.horizon_years)?;
    let aged_maint = if maint.shocks.horizon_years == init.shocks.horizon_years {
        aged_init
    } else {
        Aged::new(spec, market, years, maint.shocks.horizon_years)?
    };
    // The longer horizon leaves the shorter aged life.
    let shortest = if aged_maint.years < aged_init.years { &aged_maint } else { &aged_init };
    let mut risk = SeriesRisk {
        call: spec.kind == OptionKind::Call,
        ref_spot: market.spot,
        ref_time: market.now,
        greeks,
        init_pnl: [Fixed::ZERO; MAX_SCENARIOS],
        maint_pnl: [Fixed::ZERO; MAX_SCENARIOS],
        init_range: init.shocks.range,
        maint_range: maint.shocks.range,
        sigma_sqrt_t: shortest.repricer.sigma_sqrt_t(market.vol)?,
    };
    let valued = Valued { market, tenor, mark: greeks.price };
    grid_pnl(&valued, &aged_init, init, &mut risk.init_pnl)?;
    grid_pnl(&valued, &aged_maint, maint, &mut risk.maint_pnl)?;
    Ok(risk)
}

/// The series one horizon later: its repricer and `ln(S / K')` at the reference spot.
#[derive(Clone, Copy)]
struct Aged {
    years: Fixed,
    repricer: Repricer,
    ln_m: Fixed,
}

impl Aged {
    fn new(
        spec: &SeriesSpec,
        market: &Market,
        years: Fixed,
        horizon: Fixed,
    ) -> Result<Aged, MathError> {
        let years = years.checked_sub(horizon)?.max(Fixed::ZERO);
        let repricer = Repricer::new(spec.kind, spec.strike, years, market.rate)?;
        Ok(Aged { years, repricer, ln_m: repricer.ln_moneyness(market.spot)? })
    }
}

/// A series' inputs at the reference.
struct Valued<'a> {
    market: &'a Market,
    /// [`tenor_factor`] of `years`.
    tenor: Fixed,
    mark: Fixed,
}

/// `pnl_s = V(S (1 + m_s), vol_s, T - h) - mark` for every scenario of `grid` (its own stack frame
/// on SBF).
#[inline(never)]
fn grid_pnl(
    series: &Valued,
    aged: &Aged,
    grid: &GridPoints,
    pnl: &mut [Fixed; MAX_SCENARIOS],
) -> Result<(), MathError> {
    let market = series.market;
    let vols = grid.shocks.vols(market.vol, series.tenor)?;
    let r = &aged.repricer;
    let points = [r.vol_point(vols.up)?, r.vol_point(vols.down)?, r.vol_point(vols.gap)?];
    for (i, s) in grid.scenarios.iter().enumerate() {
        let v = &points[s.vol as usize]; // Up, Down, Gap
        let spot = market.spot.mul(Fixed::ONE.checked_add(grid.moves[i])?)?;
        let value = r.price_at(spot, aged.ln_m.checked_add(grid.ln_factors[i])?, v)?;
        pnl[i] = value.checked_sub(series.mark)?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "series_tests.rs"]
pub(crate) mod tests;
