//! The volatility index in effect, on plain structs: what sizes an underlying's scenario grid.
//! The vol authority alone can no longer lower it at will:
//!
//! ```text
//! index    = min(MAX_INDEX, max(applied, realized, atm))                     in effect
//! applied  = max(posted, index_before (1 - MAX_FALL_BPS_PER_DAY min(dt, 1 day) / (10^4 day)))
//!            dt: the time since the last post
//! realized = sqrt(v),  v' = v + a (r^2 / dt_years - v),  a = 1 - 2^(-t / HALF_LIFE_SECS)
//!            t = dt for a rise, at most a quarter half-life for a fall (`xmargin_risk::realized`)
//! atm      = the implied vol of the active series of the nearest expiry whose strike is closest
//!            to the oracle mid, when posted (0 when no price is valid or the price account
//!            does not load; `applied` still falls no faster than the limit)
//! ```
//!
//! - The index in effect **falls** at most 25% a day (relative), at the authority's posts,
//!   whatever lowered its inputs; an increase applies at once.
//! - **Realized**: an exponentially weighted average of squared log returns of the underlying's
//!   own price account, annualized, sampled by the permissionless `risk_sample_price` at
//!   publish times at least [`MIN_SAMPLE_SECS`] apart (so no two samples read the same print,
//!   and each return counts for the time it covers); the first return seeds
//!   it. A sample that lifts the realized vol more than [`REGRID_BPS`] above the index in effect
//!   raises the index at once (a new vol epoch: cache entries must be refreshed); a falling
//!   realized vol waits for the next post.
//! - **At-the-money implied**: the vols the authority posts cannot disagree with its index.

use anchor_lang::prelude::*;
use xmargin_risk::cache::{ContractScale, Q};
use xmargin_risk::realized;
use xmargin_risk::Fixed;

use crate::engine::options::MAX_VOL;
use crate::engine::underlying::set_vol_index;
use crate::error::XmError;
use crate::state::{SeriesStatus, Underlying};

/// Half-life of the realized-variance average, seconds (one day).
pub const HALF_LIFE_SECS: i64 = 86_400;
/// Least time between two price samples, seconds.
pub const MIN_SAMPLE_SECS: i64 = 300;
/// Largest fall of the posted index per day, basis points of the index (relative).
pub const MAX_FALL_BPS_PER_DAY: i64 = 2_500;
/// A sample raises the index when the realized vol exceeds it by more than this, basis points.
pub const REGRID_BPS: i64 = 500;
/// Largest index in effect: 600% (precision 2^-32), the most the default grid's moves stay
/// within (`xmargin_risk::margin::MAX_MOVE`) for.
pub const MAX_INDEX: i64 = 6 << Q;

const DAY: i64 = 86_400;

fn q32(x: i64) -> Fixed {
    Fixed::from_raw(i128::from(x) << (64 - Q))
}

fn to_q32(x: Fixed) -> Result<i64> {
    i64::try_from(x.raw() >> (64 - Q)).map_err(|_| error!(XmError::MathOverflow))
}

fn math<T>(r: core::result::Result<T, xmargin_risk::MathError>, what: &str) -> Result<T> {
    r.map_err(|e| {
        xm_msg!("vol index, {}: {}", what, e);
        error!(XmError::MathOverflow)
    })
}

/// What a vol `before` may have fallen to after `dt` seconds: at most 25% a day.
pub fn fallen(before: i64, dt: i64) -> i64 {
    let dt = dt.clamp(0, DAY);
    let fall = i128::from(before) * i128::from(MAX_FALL_BPS_PER_DAY) * i128::from(dt)
        / i128::from(10_000 * DAY);
    before - fall as i64
}

/// The posted part of the index at `now`: the post, or what the index in effect has fallen to
/// since the last post if that is higher (precision 2^-32).
pub fn applied_at(u: &Underlying, posted: i64, now: i64) -> i64 {
    posted.max(fallen(u.risk.vol_index, now.saturating_sub(u.vol.applied_ts)))
}

/// The implied vol of the active series of the nearest expiry after `now` whose strike is closest
/// to `x` (qn per contract); 0 without one.
pub fn atm_vol(u: &Underlying, x: i64, now: i64) -> i64 {
    let chain = &u.options;
    let live = chain.series[..usize::from(chain.series_count)]
        .iter()
        .filter(|s| s.is(SeriesStatus::Active) && s.expiry > now && s.vol > 0);
    let Some(nearest) = live.clone().map(|s| s.expiry).min() else {
        return 0;
    };
    live.filter(|s| s.expiry == nearest)
        .min_by_key(|s| (s.strike - x).unsigned_abs())
        .map_or(0, |s| s.vol)
}

/// The mid `spot` (per whole token) as qn per option contract, for [`atm_vol`].
pub fn contract_mid(u: &Underlying, spot: Fixed, quote_decimals: u8) -> Result<i64> {
    let scale = ContractScale::new(u.options.contract_size, u.decimals, quote_decimals);
    let scale = math(scale, "contract scale")?;
    math(scale.per_contract(spot, xmargin_risk::Round::Down), "contract price")
}

/// The authority posts `posted` at `now`; `x` is the oracle mid per option contract (None when
/// no price is valid). Sets the index in effect and its grid (a new epoch); returns it.
pub fn post(u: &mut Underlying, posted: i64, x: Option<i64>, now: i64) -> Result<i64> {
    require!((0..=MAX_VOL).contains(&posted), XmError::InvalidVolatility);
    let applied = applied_at(u, posted, now);
    let atm = x.map_or(0, |x| atm_vol(u, x, now));
    let v = &mut u.vol;
    (v.posted, v.applied, v.applied_ts, v.atm) = (posted, applied, now, atm);
    let index = applied.max(v.realized).max(atm).min(MAX_INDEX);
    set_vol_index(u, index)?;
    Ok(index)
}

/// What a price sample did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Realized vol after the sample (precision 2^-32; 0 until two samples).
    pub realized: i64,
    /// Whether it raised the index in effect (a new vol epoch).
    pub raised: bool,
}

/// Samples the oracle mid `spot` (per whole token) published at `now` into the realized-vol
/// average: times are the prints' publish times, so two samples never read one print and each
/// return is weighed by the time it really covers.
pub fn sample(u: &mut Underlying, spot: Fixed, now: i64) -> Result<Sample> {
    let price = to_q32(spot)?;
    require!(price > 0, XmError::InvalidVolatility);
    let v = u.vol;
    let dt = now.saturating_sub(v.last_sample_ts);
    if v.samples > 0 && dt < MIN_SAMPLE_SECS {
        xm_msg!("last sample {} s ago, at least {} apart", dt, MIN_SAMPLE_SECS);
        return err!(XmError::VolSampleTooSoon);
    }
    let (mut var, mut realized) = (v.realized_var, v.realized);
    if v.samples > 0 {
        let (p0, p1) = (q32(v.last_price), q32(price));
        let seeded = v.samples > 1;
        let next = realized::update_variance(q32(var), seeded, p0, p1, dt, HALF_LIFE_SECS);
        let next = math(next, "variance")?;
        var = to_q32(next)?;
        realized = to_q32(math(realized::vol(next), "vol")?)?.min(MAX_VOL);
    }
    let w = &mut u.vol;
    (w.realized_var, w.realized, w.last_price, w.last_sample_ts) = (var, realized, price, now);
    w.samples = w.samples.saturating_add(1);
    let index = i128::from(u.risk.vol_index);
    let raised =
        i128::from(realized.min(MAX_INDEX)) * 10_000 > index * i128::from(10_000 + REGRID_BPS);
    if raised {
        set_vol_index(u, realized.min(MAX_INDEX))?;
    }
    Ok(Sample { realized, raised })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytemuck::Zeroable;

    #[test]
    fn samples_are_prints_at_least_five_minutes_apart() {
        let mut u = Underlying::zeroed();
        u.risk_params = crate::engine::underlying::default_risk_params(6).into();
        let price = |p: i64| Fixed::from_int(p);
        sample(&mut u, price(150), 1_000).unwrap();
        // However late the clock, the same print (same publish time) is not a new sample.
        assert_eq!(sample(&mut u, price(150), 1_000), Err(error!(XmError::VolSampleTooSoon)));
        assert_eq!(sample(&mut u, price(151), 1_299), Err(error!(XmError::VolSampleTooSoon)));
        let s = sample(&mut u, price(151), 1_300).unwrap();
        // ln(151/150)^2 over 300 s, annualized: 0.4594 of variance, 67.8% vol.
        let vol = s.realized as f64 / (1u64 << 32) as f64;
        let expected = ((151.0f64 / 150.0).ln().powi(2) * 31_536_000.0 / 300.0).sqrt();
        assert!((vol - expected).abs() < 1e-6, "{vol} vs {expected}");
        assert!(s.raised && u.risk.vol_index == s.realized);
    }
}
