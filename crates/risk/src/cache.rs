//! The risk cache in integers: what the health check reads for one option series, per contract and
//! in quote native units, so that checking an option position costs a few integer operations and
//! no `exp`, `ln`, `sqrt` or fixed-point division.
//!
//! A refresh values the series with [`series::compute`](crate::series::compute) and [`encode`]s the
//! result. Between refreshes the entry is carried to the live price `X` (per contract) at time `t`
//! (`dX = X - X0`, `dt = t - t0` seconds), with its own Greeks:
//!
//! ```text
//! mark(X, t) = mark + delta dX + gamma_x dX^2 / (2 X0) + theta_s dt           (>= 0)
//! pnl_s(X)   = pnl_s + dX m_s (delta + gamma_x (1 + m_s))
//! ```
//!
//! where `gamma_x = gamma S0` (dimensionless) and `theta_s` is theta per second. The second line is
//! the first-order change of `V(X (1 + m)) - V(X)`; [`margin`](crate::margin) sums it per
//! underlying. An entry is usable only if it was computed for the underlying's current volatility
//! epoch, is at most `max_age_secs` old, its price drifted at most `max_drift_bps`, and no expiry
//! passed since it was computed ([`SeriesEntry::check`]).
//!
//! **Carry bounded by tenor.** The delta-gamma carry leaves out third-order terms, which grow as
//! an option nears expiry (gamma changes fast). So each entry also carries at most
//! [`carry_drift_bps`] of drift (8% of `vol sqrt(T - h)` at its valuation, `h` the horizon
//! the scenarios age it by), for at most 1/[`AGE_SHARE`] of the time to expiry it had then, and a
//! series inside its last day
//! ([`LAST_DAY_SECS`]) is never carried: only an entry valued at this very second counts.

use crate::error::MathError;
use crate::fixed::{pow10, Fixed, Round};
use crate::scenario::MAX_SCENARIOS;
use crate::series::{SeriesRisk, SECONDS_PER_YEAR};

/// Fractional bits of the `Q32` fields (moves, deltas, gammas, theta per second).
pub const Q: u32 = 32;
/// 1.0 in `Q32`.
pub const Q_ONE: i64 = 1 << Q;
/// Largest price per contract the carry accepts (bounds every intermediate product; 4.5e15 native
/// quote units, 4.5 billion dollars per contract with 6 quote decimals).
pub const MAX_PRICE: i64 = 1 << 52;
/// Largest `|delta|` (2.0 in `Q32`; Black-Scholes gives at most 1).
pub const MAX_DELTA: i64 = 2 << Q;
/// Largest `gamma_x` (4,096 in `Q32`: an at-the-money option minutes before expiry).
pub const MAX_GAMMA_X: i64 = 1 << 44;
/// Largest `|theta|` per second (`Q32`).
pub const MAX_THETA: i64 = 1 << 56;

/// How contracts relate to the engine's units: quote native units (qn) per contract per quote unit
/// of price per whole unit of the underlying, `contract_size / 10^decimals * 10^quote_decimals`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractScale {
    pub factor: Fixed,
}

impl ContractScale {
    /// A contract of `contract_size` native units of a token with `decimals`, valued in a quote
    /// asset with `quote_decimals`.
    pub fn new(
        contract_size: u64,
        decimals: u8,
        quote_decimals: u8,
    ) -> Result<ContractScale, MathError> {
        // 10^quote_decimals * contract_size as a 64x64-bit product (no overflow-checked 128-bit
        // multiply, which SBF expands to a costly routine).
        let scale = u64::try_from(pow10(u32::from(quote_decimals))?)
            .map_err(|_| MathError::Overflow("contract scale"))?;
        let num = crate::wide::mul_64(scale, contract_size);
        let den = pow10(u32::from(decimals))?;
        let factor = Fixed::from_ratio(
            i128::try_from(num).map_err(|_| MathError::Overflow("contract scale"))?,
            i128::try_from(den).map_err(|_| MathError::Overflow("contract scale"))?,
        )?;
        if factor.is_zero() {
            return Err(MathError::Domain("contract scale"));
        }
        Ok(ContractScale { factor })
    }

    /// A per-unit amount in quote units as native quote units per contract, rounded as asked.
    pub fn per_contract(&self, value: Fixed, round: Round) -> Result<i64, MathError> {
        let v = match round {
            Round::Down => value.mul(self.factor)?,
            Round::Up => value.mul_up(self.factor)?,
        };
        v.to_i64(round)
    }
}

/// One series' risk per contract, in the layout the program stores (`repr(C)`, no implicit
/// padding), so that the program reads its stored entries in place.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct SeriesEntry {
    /// Unix time of the valuation; 0 = never valued.
    pub ref_time: i64,
    /// Price of the underlying per contract at the valuation, qn (> 0).
    pub ref_price: i64,
    /// Value per contract at the valuation, qn, rounded down.
    pub mark: i64,
    /// `dV / dX`, `Q32`, rounded down.
    pub delta: i64,
    /// `gamma * S0` (dimensionless, `>= 0`), `Q32`, rounded down.
    pub gamma_x: i64,
    /// Value change per second, qn per contract, `Q32`, rounded down.
    pub theta: i64,
    /// Volatility epoch of the underlying the valuation used.
    pub epoch: u32,
    /// Scenario P&L is stored divided by `2^shift` (rounded down).
    pub shift: u8,
    /// 1 for a call, 0 for a put (the short-option minimum nets calls and puts apart).
    pub call: u8,
    /// Largest drift of the price this entry may be carried over, basis points
    /// ([`carry_drift_bps`]); the chain's own limit applies too.
    pub max_drift_bps: u16,
    /// Scenario P&L per contract in units of `2^shift` qn, init grid then maint grid.
    pub init_pnl: [i32; MAX_SCENARIOS],
    pub maint_pnl: [i32; MAX_SCENARIOS],
}

/// A series this close to expiry (seconds) is never carried: its entry counts only in the second
/// it was valued.
pub const LAST_DAY_SECS: i64 = 86_400;
/// An entry may be carried for at most `1 / AGE_SHARE` of the time to expiry it was valued at.
pub const AGE_SHARE: i64 = 100;
/// The drift bound is this share of `vol sqrt(T - h)`, basis points of it (8%: the carried
/// requirement then stays within 4% of a fresh one, `cache_tests::carry_is_bounded_by_tenor`).
pub const DRIFT_SHARE_BPS: u32 = 800;

/// How far (basis points of the price) an entry valued at `sigma_sqrt_t = vol sqrt(T - h)` may be
/// carried: `DRIFT_SHARE_BPS / 10^4` of it, at least 1 bp, at most 10,000.
pub fn carry_drift_bps(sigma_sqrt_t: Fixed) -> u16 {
    let bps =
        sigma_sqrt_t.mul_int(i128::from(DRIFT_SHARE_BPS)).map_or(i128::MAX, |b| b.to_int_floor());
    bps.clamp(1, 10_000) as u16
}

/// Largest stored `|pnl|`: one below `i32::MAX`, so the rounding unit can be added back.
const MAX_STORED: i64 = i32::MAX as i64 - 1;

/// `floor(x * 2^32)` of a fixed-point value.
fn q32(x: Fixed) -> Result<i64, MathError> {
    i64::try_from(x.raw() >> (64 - Q)).map_err(|_| MathError::Overflow("Q32 conversion"))
}

fn bounded(v: i64, min: i64, max: i64, what: &'static str) -> Result<i64, MathError> {
    if v < min || v > max {
        return Err(MathError::Domain(what));
    }
    Ok(v)
}

/// Turns a fresh valuation (per unit of the underlying, quote units) into a cache entry.
pub fn encode(
    risk: &SeriesRisk,
    scale: &ContractScale,
    epoch: u32,
) -> Result<SeriesEntry, MathError> {
    let g = &risk.greeks;
    let ref_price = scale.per_contract(risk.ref_spot, Round::Down)?;
    bounded(ref_price, 1, MAX_PRICE, "reference price per contract")?;
    let theta_year = g.theta.mul(scale.factor)?;
    let theta = theta_year.mul_div(1, SECONDS_PER_YEAR as u64)?;
    let mut entry = SeriesEntry {
        ref_time: risk.ref_time,
        ref_price,
        mark: scale.per_contract(g.price, Round::Down)?,
        delta: bounded(q32(g.delta)?, -MAX_DELTA, MAX_DELTA, "delta")?,
        gamma_x: bounded(q32(g.gamma.mul(risk.ref_spot)?)?, 0, MAX_GAMMA_X, "gamma")?,
        theta: bounded(q32(theta)?, -MAX_THETA, MAX_THETA, "theta")?,
        epoch,
        shift: 0,
        call: u8::from(risk.call),
        max_drift_bps: carry_drift_bps(risk.sigma_sqrt_t),
        init_pnl: [0; MAX_SCENARIOS],
        maint_pnl: [0; MAX_SCENARIOS],
    };
    let mut values = [0i64; 2 * MAX_SCENARIOS];
    for (v, p) in values.iter_mut().zip(risk.init_pnl.iter().chain(&risk.maint_pnl)) {
        *v = scale.per_contract(*p, Round::Down)?;
    }
    let largest = values.iter().map(|v| v.unsigned_abs()).max().unwrap_or(0);
    while (largest >> entry.shift) as i64 >= MAX_STORED {
        entry.shift += 1;
    }
    for (i, v) in values.iter().enumerate() {
        let stored = (v >> entry.shift) as i32; // floor; fits by the choice of shift
        if i < MAX_SCENARIOS {
            entry.init_pnl[i] = stored;
        } else {
            entry.maint_pnl[i - MAX_SCENARIOS] = stored;
        }
    }
    Ok(entry)
}

/// Limits beyond which a cache entry may not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheLimits {
    /// Whether a series inside its last day needs an entry valued this very second (health of
    /// actions that add risk); liquidation moves at a current entry within the other limits.
    pub last_day_fresh: bool,
    pub max_age_secs: i64,
    /// Largest `|X - X0| / X0`, basis points (at most 10,000).
    pub max_drift_bps: u32,
}

/// Why a cache entry cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheFault {
    /// Never valued.
    Missing,
    /// Valued for another volatility epoch (the vol inputs changed since).
    Epoch { entry: u32, current: u32 },
    /// Older than the limit (seconds).
    Stale { age_secs: i64 },
    /// The price moved too far from the reference (basis points, rounded down).
    Drift { drift_bps: u64 },
    /// Computed before an expiry that has passed since.
    Expired,
    /// The series is inside its last day and the entry was not valued this second.
    LastDay,
}

impl core::fmt::Display for CacheFault {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CacheFault::Missing => write!(f, "never valued"),
            CacheFault::Epoch { entry, current } => {
                write!(f, "valued for vol epoch {entry}, current {current}")
            }
            CacheFault::Stale { age_secs } => write!(f, "{age_secs} s old"),
            CacheFault::Drift { drift_bps } => write!(f, "price drifted {drift_bps} bps"),
            CacheFault::Expired => write!(f, "expired since valued"),
            CacheFault::LastDay => write!(f, "inside its last day: value it in this transaction"),
        }
    }
}

impl SeriesEntry {
    /// Whether the entry may be carried to `price` (qn per contract) at `now`, for a series
    /// expiring at `expiry` on an underlying at volatility epoch `epoch`.
    pub fn check(
        &self,
        price: i64,
        now: i64,
        expiry: i64,
        epoch: u32,
        limits: &CacheLimits,
    ) -> Result<(), CacheFault> {
        if self.ref_time == 0 || self.ref_price <= 0 {
            return Err(CacheFault::Missing);
        }
        if self.epoch != epoch {
            return Err(CacheFault::Epoch { entry: self.epoch, current: epoch });
        }
        // Timestamps are far from i64's bounds: wrapping arithmetic is exact here (and cheap on
        // the health check's hot path).
        let to_expiry = expiry.wrapping_sub(now);
        if to_expiry <= 0 && now != self.ref_time {
            return Err(CacheFault::Expired);
        }
        if to_expiry < LAST_DAY_SECS && now != self.ref_time && limits.last_day_fresh {
            return Err(CacheFault::LastDay);
        }
        let age_secs = now.wrapping_sub(self.ref_time);
        let life = expiry.wrapping_sub(self.ref_time);
        if age_secs > limits.max_age_secs || age_secs.wrapping_mul(AGE_SHARE) > life {
            return Err(CacheFault::Stale { age_secs });
        }
        // |price - ref| < 2^64: exact 64x64-bit products, no overflow-checked 128-bit multiply.
        let diff = (i128::from(price) - i128::from(self.ref_price)).unsigned_abs() as u64;
        let drift = crate::wide::mul_64(diff, 10_000);
        let max_bps = limits.max_drift_bps.min(u32::from(self.max_drift_bps)).min(10_000);
        let allowed = crate::wide::mul_64(self.ref_price as u64, u64::from(max_bps));
        if drift > allowed {
            let bps = crate::wide::div_rem(drift, self.ref_price as u128).0;
            return Err(CacheFault::Drift { drift_bps: u64::try_from(bps).unwrap_or(u64::MAX) });
        }
        Ok(())
    }

    /// Scenario P&L per contract in qn, rounded down (`level` 0 = init, 1 = maint).
    pub fn pnl(&self, level: usize, scenario: usize) -> i64 {
        let stored = if level == 0 { self.init_pnl[scenario] } else { self.maint_pnl[scenario] };
        i64::from(stored) << self.shift
    }
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;
