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

use crate::black_scholes::{Greeks, OptionKind, Repricer};
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

/// A grid evaluated for one underlying: every scenario's price factor and its logarithm, so that
/// repricing many series costs no `ln` per scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridPoints {
    pub shocks: Shocks,
    pub scenarios: [Scenario; MAX_SCENARIOS],
    /// Relative price move `m_s`.
    pub moves: [Fixed; MAX_SCENARIOS],
    /// `1 + m_s`, at least `MIN_PRICE_FACTOR_BPS`.
    factors: [Fixed; MAX_SCENARIOS],
    /// `ln(1 + m_s)`.
    ln_factors: [Fixed; MAX_SCENARIOS],
}

impl GridPoints {
    pub fn new(
        scenarios: &[Scenario; MAX_SCENARIOS],
        shocks: Shocks,
    ) -> Result<GridPoints, MathError> {
        let floor = Fixed::from_ratio(MIN_PRICE_FACTOR_BPS, 10_000)?;
        let mut moves = [Fixed::ZERO; MAX_SCENARIOS];
        let mut factors = [Fixed::ONE; MAX_SCENARIOS];
        let mut ln_factors = [Fixed::ZERO; MAX_SCENARIOS];
        for (i, s) in scenarios.iter().enumerate() {
            let factor = Fixed::ONE.checked_add(s.price_move(&shocks)?)?.max(floor);
            moves[i] = factor.checked_sub(Fixed::ONE)?;
            // Moves repeat across vol shifts: reuse the logarithm of an identical factor.
            ln_factors[i] = match factors[..i].iter().position(|&f| f == factor) {
                Some(j) => ln_factors[j],
                None => ln(factor)?,
            };
            factors[i] = factor;
        }
        Ok(GridPoints { shocks, scenarios: *scenarios, moves, factors, ln_factors })
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
    /// The grids' relative moves, needed to carry the P&L to the live spot.
    pub init_moves: [Fixed; MAX_SCENARIOS],
    pub maint_moves: [Fixed; MAX_SCENARIOS],
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
pub fn compute(
    spec: &SeriesSpec,
    market: &Market,
    init: &GridPoints,
    maint: &GridPoints,
) -> Result<SeriesRisk, MathError> {
    let repricer = Repricer::new(spec.kind, spec.strike, spec.years(market.now)?, market.rate)?;
    let ln_m = repricer.ln_moneyness(market.spot)?;
    let greeks = repricer.greeks_at(market.spot, ln_m, &repricer.vol_point(market.vol)?)?;
    let grid_pnl = |grid: &GridPoints| -> Result<[Fixed; MAX_SCENARIOS], MathError> {
        let vol_of = |shift| -> Result<Fixed, MathError> {
            let scenario = Scenario { thirds: 0, vol: shift, weight_bps: 0 };
            scenario.shifted_vol(market.vol, &grid.shocks)
        };
        let points = [
            repricer.vol_point(vol_of(VolShift::Up)?)?,
            repricer.vol_point(vol_of(VolShift::Down)?)?,
            repricer.vol_point(market.vol)?,
        ];
        let mut pnl = [Fixed::ZERO; MAX_SCENARIOS];
        for (i, s) in grid.scenarios.iter().enumerate() {
            let v = &points[match s.vol {
                VolShift::Up => 0,
                VolShift::Down => 1,
                VolShift::Unchanged => 2,
            }];
            let spot = market.spot.mul(grid.factors[i])?;
            let value = repricer.price_at(spot, ln_m.checked_add(grid.ln_factors[i])?, v)?;
            pnl[i] = value.checked_sub(greeks.price)?;
        }
        Ok(pnl)
    };
    Ok(SeriesRisk {
        ref_spot: market.spot,
        ref_time: market.now,
        greeks,
        init_pnl: grid_pnl(init)?,
        maint_pnl: grid_pnl(maint)?,
        init_moves: init.moves,
        maint_moves: maint.moves,
    })
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
    pub fn at_live(
        &self,
        spec: &SeriesSpec,
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
        self.adjust(spot, age_secs, limits).map_err(|e| match e {
            Adjust::Drift(drift_bps) => CacheFault::Drift { drift_bps },
            Adjust::Math(e) => CacheFault::Math(e),
        })
    }

    fn adjust(&self, spot: Fixed, age_secs: i64, limits: &CacheLimits) -> Result<LiveRisk, Adjust> {
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
        let carry = |pnl: &[Fixed; MAX_SCENARIOS],
                     moves: &[Fixed; MAX_SCENARIOS]|
         -> Result<_, MathError> {
            let mut out = *pnl;
            for (p, &m) in out.iter_mut().zip(moves) {
                let slope = g
                    .delta
                    .checked_add(g.gamma.mul(self.ref_spot)?.mul(Fixed::ONE.checked_add(m)?)?)?;
                *p = p.checked_add(ds.mul(m)?.mul(slope)?)?;
            }
            Ok(out)
        };
        Ok(LiveRisk {
            mark,
            init_pnl: carry(&self.init_pnl, &self.init_moves)?,
            maint_pnl: carry(&self.maint_pnl, &self.maint_moves)?,
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
