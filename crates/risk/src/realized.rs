//! Realized volatility: an exponentially weighted average of annualized squared log returns,
//! the on-chain floor of an underlying's volatility index.
//!
//! ```text
//! r  = ln(p1 / p0)                       one sample's log return over dt seconds
//! i  = r^2 / (dt / year)                 its annualized variance
//! v' = i                                 the first return seeds the average
//! v' = v + a (i - v),  a = 1 - 2^(-t / half_life)     afterwards
//!   t = dt                                  if i >= v (a rise)
//!   t = min(dt, half_life / 4)              if i <  v (a fall: a <= 1 - 2^(-1/4), about 16%)
//! realized = sqrt(v)
//! ```
//!
//! The weight depends on the time between samples, so irregular sampling weighs each return by
//! the time it covers: a return after a long gap counts for more. A rise counts in full (the
//! floor reacts to a volatile market at once); a fall never takes more than
//! [`MAX_FALL_SHARE`]'s worth of the average in one sample, so a single quiet return after a long
//! pause cannot erase what the average had measured.

use crate::error::MathError;
use crate::fixed::Fixed;
use crate::math::{exp, ln, sqrt};
use crate::series::SECONDS_PER_YEAR;

/// ln 2 (rounded to the nearest 2^-64).
const LN_2: Fixed = Fixed::from_raw(12_786_308_645_202_655_660);
/// A sample below the average weighs at most as one over this share of the half-life would
/// (a quarter: it lowers the average by at most `1 - 2^(-1/4)`, about 16%).
pub const MAX_FALL_SHARE: (i64, i64) = (1, 4);

/// The variance average after a return from `p0` to `p1` over `dt_secs` (> 0); `seeded` says
/// whether `var` already holds an average (else the return seeds it). Prices in any one unit.
pub fn update_variance(
    var: Fixed,
    seeded: bool,
    p0: Fixed,
    p1: Fixed,
    dt_secs: i64,
    half_life_secs: i64,
) -> Result<Fixed, MathError> {
    if dt_secs <= 0 || half_life_secs <= 0 || p0 <= Fixed::ZERO || p1 <= Fixed::ZERO {
        return Err(MathError::Domain("realized variance sample"));
    }
    let r = ln(p1.div(p0)?)?;
    let years = Fixed::from_ratio(i128::from(dt_secs), i128::from(SECONDS_PER_YEAR))?;
    let instant = r.mul_up(r)?.div(years)?;
    if !seeded {
        return Ok(instant);
    }
    let weighed_secs = if instant < var {
        dt_secs.min(half_life_secs * MAX_FALL_SHARE.0 / MAX_FALL_SHARE.1)
    } else {
        dt_secs
    };
    let x = Fixed::from_ratio(i128::from(weighed_secs), i128::from(half_life_secs))?;
    let kept = exp(x.mul(LN_2)?.checked_neg()?)?;
    let weight = Fixed::ONE.checked_sub(kept)?;
    var.checked_add(instant.checked_sub(var)?.mul(weight)?)
}

/// The realized vol of a variance average.
pub fn vol(var: Fixed) -> Result<Fixed, MathError> {
    sqrt(var.max(Fixed::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fx(x: f64) -> Fixed {
        Fixed::from_raw((x * 18_446_744_073_709_551_616.0) as i128)
    }

    fn f(x: Fixed) -> f64 {
        x.raw() as f64 / 18_446_744_073_709_551_616.0
    }

    #[test]
    fn a_steady_return_gives_its_volatility() {
        // A 0.5% move every 5 minutes, up and down: ln(1.005)^2 * 105,120 a year = 0.2618 of
        // variance, 51.2% vol, whatever the history once it is long.
        let (mut var, mut p) = (Fixed::ZERO, fx(150.0));
        for i in 0..2_000 {
            let next =
                if i % 2 == 0 { p.mul(fx(1.005)).unwrap() } else { p.div(fx(1.005)).unwrap() };
            var = update_variance(var, i > 0, p, next, 300, 86_400).unwrap();
            p = next;
        }
        let expected = (1.005f64.ln().powi(2) * 105_120.0).sqrt();
        assert!((f(vol(var).unwrap()) - expected).abs() < 1e-6, "{}", f(vol(var).unwrap()));
    }

    #[test]
    fn the_weight_halves_per_half_life() {
        // From a seeded 0 average, one return over a whole half-life weighs exactly 1/2.
        let v = update_variance(Fixed::ZERO, true, fx(100.0), fx(110.0), 86_400, 86_400).unwrap();
        let instant = 1.1f64.ln().powi(2) * 365.0;
        assert!((f(v) - instant / 2.0).abs() < 1e-9, "{} vs {}", f(v), instant / 2.0);
        // Unseeded, the return is the average.
        let s = update_variance(fx(3.0), false, fx(100.0), fx(110.0), 86_400, 86_400).unwrap();
        assert!((f(s) - instant).abs() < 1e-9);
        assert!(update_variance(Fixed::ZERO, true, fx(100.0), fx(110.0), 0, 86_400).is_err());
        assert!(update_variance(Fixed::ZERO, true, Fixed::ZERO, fx(110.0), 60, 86_400).is_err());
    }

    #[test]
    fn one_quiet_sample_after_a_pause_lowers_the_average_by_at_most_a_sixth() {
        // An average of 0.64 (80% vol), then one flat return after ten days without samples: it
        // weighs as a quarter half-life, keeping 2^(-1/4) of the average.
        let v = update_variance(fx(0.64), true, fx(100.0), fx(100.0), 10 * 86_400, 86_400).unwrap();
        assert!((f(v) - 0.64 * 2f64.powf(-0.25)).abs() < 1e-9, "{}", f(v));
        // A large return after the same pause counts by its time in full (weight 1 - 2^-10).
        let up =
            update_variance(fx(0.01), true, fx(100.0), fx(150.0), 10 * 86_400, 86_400).unwrap();
        let instant = 1.5f64.ln().powi(2) * 36.5;
        let expected = 0.01 + (instant - 0.01) * (1.0 - 2f64.powi(-10));
        assert!((f(up) - expected).abs() < 1e-9, "{} vs {expected}", f(up));
    }
}
