//! Black-Scholes price and Greeks of European options, in [`Fixed`].
//!
//! ```text
//! d1 = (ln(S/K) + (r + s^2/2) T) / (s sqrt(T)),   d2 = d1 - s sqrt(T),   K' = K e^(-rT)
//! call  = S N(d1) - K' N(d2)                      put   = K' N(-d2) - S N(-d1)
//! delta = N(d1) (call), N(d1) - 1 (put)           gamma = phi(d1) / (S s sqrt(T))
//! vega  = S phi(d1) sqrt(T)   (per 1.00 of vol)   theta = -S phi(d1) s / (2 sqrt(T)) -/+ r K' N(+/-d2)
//! ```
//!
//! Theta is per year of calendar time (the change of value as time passes, `-dV/dT`).
//!
//! **Degenerate inputs are defined, not errors.** With no time left (`T = 0`) or no volatility
//! (`s sqrt(T) = 0`) the option is worth its (discounted) intrinsic value `max(S - K', 0)` /
//! `max(K' - S, 0)`; delta is 1 or 0 in the money or out of it and 1/2 exactly at `S = K'`; gamma
//! and vega are 0; theta is `-r K'` for an in-the-money call, `+r K'` for an in-the-money put, else 0
//! (and 0 at expiry, when nothing evolves any more).
//! When `|ln(S/K') + s^2 T/2|` exceeds 40 `s sqrt(T)`, `d1` is clamped to +/-40, where `N` is exactly
//! 0 or 1 and `phi` exactly 0 in fixed point.

use crate::error::MathError;
use crate::fixed::Fixed;
use crate::math::{exp, ln, norm_cdf, norm_pdf, sqrt};

/// Call or put.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    Call,
    Put,
}

/// Inputs of one valuation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BsInputs {
    pub kind: OptionKind,
    /// Spot price (> 0), quote units per unit of the underlying.
    pub spot: Fixed,
    /// Strike (> 0), same unit as `spot`.
    pub strike: Fixed,
    /// Annualised volatility (>= 0); 1.00 = 100%.
    pub vol: Fixed,
    /// Time to expiry in years (>= 0).
    pub years: Fixed,
    /// Continuously compounded risk-free rate per year (0.05 = 5%).
    pub rate: Fixed,
}

/// Price and Greeks of one option on one unit of the underlying.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Greeks {
    pub price: Fixed,
    pub delta: Fixed,
    pub gamma: Fixed,
    /// Per 1.00 of volatility.
    pub vega: Fixed,
    /// Per year.
    pub theta: Fixed,
}

/// `|d1|` above which `N(d1)` is exactly 0 or 1 in fixed point.
const D_CLAMP: i64 = 40;

/// One series prepared for valuation at many spots and volatilities (the scenario engine reprices
/// each series in every scenario): the discounted strike and `sqrt(T)` are computed once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repricer {
    kind: OptionKind,
    rate: Fixed,
    years: Fixed,
    sqrt_t: Fixed,
    /// `K e^(-rT)`.
    discounted_strike: Fixed,
}

/// A volatility prepared for a [`Repricer`]: `s sqrt(T)`, its inverse and `(s sqrt T)^2 / 2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VolPoint {
    vol: Fixed,
    sigma_sqrt_t: Fixed,
    /// `1 / (s sqrt T)`, `None` in the no-diffusion limit.
    inverse: Option<Fixed>,
    half_var: Fixed,
}

impl Repricer {
    /// `Domain` unless `strike > 0` and `years >= 0`.
    #[inline(never)]
    pub fn new(
        kind: OptionKind,
        strike: Fixed,
        years: Fixed,
        rate: Fixed,
    ) -> Result<Repricer, MathError> {
        if !strike.is_positive() || years.is_negative() {
            return Err(MathError::Domain("black_scholes"));
        }
        let discounted_strike = strike.mul(exp(rate.mul(years)?.checked_neg()?)?)?;
        Ok(Repricer { kind, rate, years, sqrt_t: sqrt(years)?, discounted_strike })
    }

    /// `s sqrt(T)` for a volatility `vol`.
    pub fn sigma_sqrt_t(&self, vol: Fixed) -> Result<Fixed, MathError> {
        vol.mul(self.sqrt_t)
    }

    /// `ln(S / K')`; `Domain` unless `spot > 0`.
    pub fn ln_moneyness(&self, spot: Fixed) -> Result<Fixed, MathError> {
        if !spot.is_positive() {
            return Err(MathError::Domain("black_scholes"));
        }
        ln(spot.div(self.discounted_strike)?)
    }

    /// `Domain` unless `vol >= 0`.
    pub fn vol_point(&self, vol: Fixed) -> Result<VolPoint, MathError> {
        if vol.is_negative() {
            return Err(MathError::Domain("black_scholes"));
        }
        let sigma_sqrt_t = vol.mul(self.sqrt_t)?;
        let inverse =
            if sigma_sqrt_t.is_zero() { None } else { Some(Fixed::ONE.div(sigma_sqrt_t)?) };
        let half_var = sigma_sqrt_t.mul(sigma_sqrt_t)?.div_pow2(1);
        Ok(VolPoint { vol, sigma_sqrt_t, inverse, half_var })
    }

    /// `(d1, d2)`, `None` in the no-diffusion limit. `ln_m` is [`Repricer::ln_moneyness`].
    fn d(&self, ln_m: Fixed, v: &VolPoint) -> Result<Option<(Fixed, Fixed)>, MathError> {
        let Some(inverse) = v.inverse else { return Ok(None) };
        let numerator = ln_m.checked_add(v.half_var)?;
        // Beyond +/-40 (or if the product overflows) N is exactly 0 or 1: clamp.
        let clamp = Fixed::from_int(D_CLAMP);
        let d1 = match numerator.mul(inverse) {
            Ok(d1) if d1.abs()? <= clamp => d1,
            _ if numerator.is_negative() => clamp.checked_neg()?,
            _ => clamp,
        };
        Ok(Some((d1, d1.checked_sub(v.sigma_sqrt_t)?)))
    }

    /// Price at `spot` (with `ln_m = ln(spot / K')`) and volatility `v`.
    #[inline(never)]
    pub fn price_at(&self, spot: Fixed, ln_m: Fixed, v: &VolPoint) -> Result<Fixed, MathError> {
        match self.d(ln_m, v)? {
            None => Ok(self.deterministic(spot)?.price),
            Some((d1, d2)) => self.value(spot, cdf_pair(d1), cdf_pair(d2)),
        }
    }

    /// Price and all Greeks at `spot` and volatility `v`.
    #[inline(never)]
    pub fn greeks_at(&self, spot: Fixed, ln_m: Fixed, v: &VolPoint) -> Result<Greeks, MathError> {
        let Some((d1, d2)) = self.d(ln_m, v)? else { return self.deterministic(spot) };
        let (n1, n2) = (cdf_pair(d1), cdf_pair(d2));
        let price = self.value(spot, n1, n2)?;
        let pdf = norm_pdf(d1);
        // 1/(s sqrt T) is at hand: gamma = phi / (S s sqrt T), and the decay term
        // S phi s / (2 sqrt T) = S phi s^2 / (2 s sqrt T) needs no further division.
        let inverse = v.inverse.unwrap_or(Fixed::ZERO);
        let gamma = pdf.mul(inverse)?.div(spot)?;
        let spot_pdf = spot.mul(pdf)?;
        let vega = spot_pdf.mul(self.sqrt_t)?;
        let decay = spot_pdf.mul(v.vol)?.mul(v.vol)?.mul(inverse)?.div_pow2(1);
        let carry = self.rate.mul(self.discounted_strike)?;
        let (delta, theta) = match self.kind {
            OptionKind::Call => (n1.0, decay.checked_neg()?.checked_sub(carry.mul(n2.0)?)?),
            OptionKind::Put => {
                (n1.0.checked_sub(Fixed::ONE)?, carry.mul(n2.1)?.checked_sub(decay)?)
            }
        };
        Ok(Greeks { price, delta, gamma, vega, theta })
    }

    /// `S N(d1) - K' N(d2)` (call) or `K' N(-d2) - S N(-d1)` (put), floored at 0.
    fn value(
        &self,
        spot: Fixed,
        (n1, n1_neg): (Fixed, Fixed),
        (n2, n2_neg): (Fixed, Fixed),
    ) -> Result<Fixed, MathError> {
        let k = self.discounted_strike;
        let v = match self.kind {
            OptionKind::Call => spot.mul(n1)?.checked_sub(k.mul(n2)?)?,
            OptionKind::Put => k.mul(n2_neg)?.checked_sub(spot.mul(n1_neg)?)?,
        };
        Ok(v.max(Fixed::ZERO))
    }

    /// The no-diffusion limit: discounted intrinsic value.
    fn deterministic(&self, spot: Fixed) -> Result<Greeks, MathError> {
        let moneyness = spot.checked_sub(self.discounted_strike)?;
        let half = Fixed::from_raw(1 << 63);
        // Weight of the "in the money" side: 1, 0, or 1/2 at the money.
        let itm = |sign: i128| match moneyness.raw().signum() * sign {
            1 => Fixed::ONE,
            -1 => Fixed::ZERO,
            _ => half,
        };
        // Theta of the zero-vol limit is the carry of the discounted strike; at expiry nothing
        // evolves any more.
        let carry = if self.years.is_zero() {
            Fixed::ZERO
        } else {
            self.rate.mul(self.discounted_strike)?
        };
        let (price, delta, theta) = match self.kind {
            OptionKind::Call => {
                let w = itm(1);
                (moneyness.max(Fixed::ZERO), w, carry.mul(w)?.checked_neg()?)
            }
            OptionKind::Put => {
                let w = itm(-1);
                (moneyness.checked_neg()?.max(Fixed::ZERO), w.checked_neg()?, carry.mul(w)?)
            }
        };
        Ok(Greeks { price, delta, gamma: Fixed::ZERO, vega: Fixed::ZERO, theta })
    }
}

/// `(N(d), N(-d))`, summing to 1 exactly.
fn cdf_pair(d: Fixed) -> (Fixed, Fixed) {
    let n = norm_cdf(d);
    // N(d) is in [0, 1]: the difference cannot overflow.
    (n, Fixed::from_raw(Fixed::ONE.raw() - n.raw()))
}

fn prepare(i: &BsInputs) -> Result<(Repricer, Fixed, VolPoint), MathError> {
    let repricer = Repricer::new(i.kind, i.strike, i.years, i.rate)?;
    let ln_m = repricer.ln_moneyness(i.spot)?;
    let vol = repricer.vol_point(i.vol)?;
    Ok((repricer, ln_m, vol))
}

/// Price of one option.
pub fn price(i: &BsInputs) -> Result<Fixed, MathError> {
    let (repricer, ln_m, vol) = prepare(i)?;
    repricer.price_at(i.spot, ln_m, &vol)
}

/// Price and all Greeks of one option.
pub fn greeks(i: &BsInputs) -> Result<Greeks, MathError> {
    let (repricer, ln_m, vol) = prepare(i)?;
    repricer.greeks_at(i.spot, ln_m, &vol)
}

#[cfg(test)]
#[path = "black_scholes_tests.rs"]
mod tests;
