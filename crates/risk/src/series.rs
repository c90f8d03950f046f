//! Per-series risk: what the risk cache holds for one option series, and how it is carried to the
//! live price between refreshes.
//!
//! A refresh values the series at a reference spot `S0` and time `t0`: its mark and Greeks, and its
//! value change per unit of the underlying in every scenario of the init and the maint grid,
//! `pnl_s = V(S0 (1 + m_s), vol_s) - V(S0, vol)`. Between refreshes the entry is moved to the live
//! spot `S` at time `t` with its own Greeks (`dS = S - S0`, `dt = t - t0` in years):
//!
//! ```text
//! mark(S, t)  = mark + delta dS + gamma dS^2 / 2 + theta dt
//! pnl_s(S)    = pnl_s + dS m_s (delta + gamma S0 (1 + m_s))
//! ```
//!
//! (the second line is the first-order change of `V(S(1+m)) - V(S)`). The health check on cached
//! data therefore needs no `exp`, `ln` or `sqrt` per position. An entry older than `max_age_secs`
//! or whose spot drifted more than `max_drift_bps` from `S0` is stale, and so is one computed before
//! the series expired when the series has expired since.

use crate::black_scholes::{Greeks, OptionKind, Repricer, VolPoint};
use crate::error::MathError;
use crate::fixed::Fixed;
use crate::math::ln;
use crate::scenario::{Scenario, Shocks, VolShift, MAX_SCENARIOS};

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
        let third = shocks.range.mul_div_up(1, 3)?;
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
    let repricer = Repricer::new(spec.kind, spec.strike, spec.years(market.now)?, market.rate)?;
    let ln_m = repricer.ln_moneyness(market.spot)?;
    let base = repricer.vol_point(market.vol)?;
    let greeks = repricer.greeks_at(market.spot, ln_m, &base)?;
    let mut risk = SeriesRisk {
        ref_spot: market.spot,
        ref_time: market.now,
        greeks,
        init_pnl: [Fixed::ZERO; MAX_SCENARIOS],
        maint_pnl: [Fixed::ZERO; MAX_SCENARIOS],
        init_range: init.shocks.range,
        maint_range: maint.shocks.range,
    };
    grid_pnl(&repricer, market, ln_m, &base, greeks.price, init, &mut risk.init_pnl)?;
    grid_pnl(&repricer, market, ln_m, &base, greeks.price, maint, &mut risk.maint_pnl)?;
    Ok(risk)
}

/// `pnl_s = V(S (1 + m_s), vol_s) - mark` for every scenario of `grid` (its own stack frame on SBF).
#[inline(never)]
fn grid_pnl(
    repricer: &Repricer,
    market: &Market,
    ln_m: Fixed,
    base: &VolPoint,
    mark: Fixed,
    grid: &GridPoints,
    pnl: &mut [Fixed; MAX_SCENARIOS],
) -> Result<(), MathError> {
    let shifted = |shift| {
        Scenario { thirds: 0, vol: shift, weight_bps: 0 }.shifted_vol(market.vol, &grid.shocks)
    };
    let (up, down) = (
        repricer.vol_point(shifted(VolShift::Up)?)?,
        repricer.vol_point(shifted(VolShift::Down)?)?,
    );
    for (i, s) in grid.scenarios.iter().enumerate() {
        let v = match s.vol {
            VolShift::Up => &up,
            VolShift::Down => &down,
            VolShift::Unchanged => base,
        };
        let spot = market.spot.mul(Fixed::ONE.checked_add(grid.moves[i])?)?;
        let value = repricer.price_at(spot, ln_m.checked_add(grid.ln_factors[i])?, v)?;
        pnl[i] = value.checked_sub(mark)?;
    }
    Ok(())
}

/// Limits beyond which a cache entry may not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheLimits {
    pub max_age_secs: i64,
    /// Largest `|S - S0| / S0`, basis points.
    pub max_drift_bps: u32,
}

/// Why a cache entry cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheFault {
    /// Older than the limit (seconds).
    Stale { age_secs: i64 },
    /// The spot moved too far from the reference (basis points, rounded down).
    Drift { drift_bps: u64 },
    /// Computed before an expiry that has passed since.
    Expired,
    /// The adjustment overflowed.
    Math(MathError),
}

/// A cache entry carried to the live spot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveRisk {
    pub mark: Fixed,
    pub init_pnl: [Fixed; MAX_SCENARIOS],
    pub maint_pnl: [Fixed; MAX_SCENARIOS],
}

impl SeriesRisk {
    /// The entry used as computed (no time passed, spot unchanged).
    pub fn as_live(&self) -> LiveRisk {
        LiveRisk { mark: self.greeks.price, init_pnl: self.init_pnl, maint_pnl: self.maint_pnl }
    }

    /// The entry at the live spot and time (see the module documentation), or why not.
    /// `scenarios` is the grid the entry was computed with.
    pub fn at_live(
        &self,
        spec: &SeriesSpec,
        scenarios: &[Scenario; MAX_SCENARIOS],
        spot: Fixed,
        now: i64,
        limits: &CacheLimits,
    ) -> Result<LiveRisk, CacheFault> {
        let age_secs = now.saturating_sub(self.ref_time);
        if age_secs > limits.max_age_secs {
            return Err(CacheFault::Stale { age_secs });
        }
        if self.ref_time < spec.expiry && now >= spec.expiry {
            return Err(CacheFault::Expired);
        }
        self.adjust(scenarios, spot, age_secs, limits).map_err(|e| match e {
            Adjust::Drift(drift_bps) => CacheFault::Drift { drift_bps },
            Adjust::Math(e) => CacheFault::Math(e),
        })
    }

    fn adjust(
        &self,
        scenarios: &[Scenario; MAX_SCENARIOS],
        spot: Fixed,
        age_secs: i64,
        limits: &CacheLimits,
    ) -> Result<LiveRisk, Adjust> {
        let ds = spot.checked_sub(self.ref_spot)?;
        // |dS| * 10^4 / S0 > max_drift_bps, compared without rounding.
        if ds.abs()?.mul_int(10_000)? > self.ref_spot.mul_int(i128::from(limits.max_drift_bps))? {
            let bps = ds.abs()?.mul_int(10_000)?.div(self.ref_spot)?.to_int_floor();
            return Err(Adjust::Drift(u64::try_from(bps).unwrap_or(u64::MAX)));
        }
        let g = &self.greeks;
        let dt = Fixed::from_ratio(i128::from(age_secs.max(0)), i128::from(SECONDS_PER_YEAR))?;
        let mark = g
            .price
            .checked_add(g.delta.mul(ds)?)?
            .checked_add(g.gamma.mul(ds)?.mul(ds)?.div_pow2(1))?
            .checked_add(g.theta.mul(dt)?)?
            .max(Fixed::ZERO);
        let gamma_s0 = g.gamma.mul(self.ref_spot)?;
        let carry = |pnl: &[Fixed; MAX_SCENARIOS], range: Fixed| -> Result<_, MathError> {
            let third = range.mul_div_up(1, 3)?;
            let mut out = *pnl;
            for (p, scenario) in out.iter_mut().zip(scenarios) {
                let m = scenario_move(scenario, third)?;
                let slope = g.delta.checked_add(gamma_s0.mul(Fixed::ONE.checked_add(m)?)?)?;
                *p = p.checked_add(ds.mul(m)?.mul(slope)?)?;
            }
            Ok(out)
        };
        Ok(LiveRisk {
            mark,
            init_pnl: carry(&self.init_pnl, self.init_range)?,
            maint_pnl: carry(&self.maint_pnl, self.maint_range)?,
        })
    }
}

enum Adjust {
    Drift(u64),
    Math(MathError),
}

impl From<MathError> for Adjust {
    fn from(e: MathError) -> Adjust {
        Adjust::Math(e)
    }
}

#[cfg(test)]
#[path = "series_tests.rs"]
mod tests;
