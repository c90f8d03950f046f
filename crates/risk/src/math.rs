//! Transcendental functions on [`Fixed`]: `exp`, `ln`, `sqrt`, and the standard normal
//! distribution. Integer arithmetic only; the constants come from `tables` (generated at 60 digits
//! by `scripts/gen-risk-tables.py`).
//!
//! | function | method | error (measured by the tests against an f64 reference) |
//! | --- | --- | --- |
//! | `exp(x)` | `x = k ln2 + j/64 + s`, `exp(j/64)` table, Taylor degree 7 in `|s| <= 1/128` | about 1e-18 relative |
//! | `ln(x)` | `x = 2^n m`, `m = c_j (1 + t)`, tables of `1/c_j` and `ln c_j`, series degree 8 in `|t| <= 1/129` | about 1e-18 absolute |
//! | `sqrt(x)` | integer square root of the 192-bit `x * 2^64` (normalised to 128 bits) | 2^-62 relative |
//! | `norm_tail(x)` | `1 - N(x)` on `[0, 10)`: per 1/16 interval a degree-10 Taylor polynomial | < 1e-21 absolute |
//! | `norm_pdf(x)` | the derivatives of the same polynomials (their own table) | < 1e-19 absolute |
//!
//! Beyond 10 standard deviations the tail and the density are below 1e-22 and returned as 0.
//!
//! The polynomial kernels run in Q0.63 (`i64`, value times 2^63): their arguments and
//! coefficients are all below 1 after range reduction, so each step is one 64x64-bit product.
//!
//! The public functions are `#[inline(never)]`: on SBF every function has a 4 KB stack frame, and
//! inlining these into their callers (Black-Scholes, the scenario loop) would overflow it.

use crate::error::MathError;
use crate::fixed::Fixed;
use crate::tables as t;
use crate::wide::mul_64_full;

const FRAC_MASK: u128 = (1u128 << 64) - 1;

/// `k * ln 2` as a raw value, from 128-bit `ln 2` (error below one raw unit for |k| <= 2^20).
fn ln2_times(k: i64) -> i128 {
    let (hi, lo) = (t::LN2_X128 >> 64, t::LN2_X128 & FRAC_MASK);
    let mag = u128::from(k.unsigned_abs());
    let product = (mag * hi + ((mag * lo) >> 64)) as i128;
    if k < 0 {
        -product
    } else {
        product
    }
}

/// `floor(a * b)` on Q0.63 numbers (value times 2^63, `|value| < 1`), the format of the
/// range-reduced kernels: the product is below 1, nothing can overflow, and on SBF it is one
/// 64x64-bit product (about half the cost of a `Fixed` multiply).
#[inline(always)]
fn mul63(a: i64, b: i64) -> i64 {
    let p = mul_64_full(a.unsigned_abs(), b.unsigned_abs());
    // |q| < 2^63: the wrapping operations below never wrap (they only skip overflow checks).
    let q = (p >> 63) as i64;
    if (a < 0) != (b < 0) {
        q.wrapping_neg().wrapping_sub(i64::from(p as u64 & (u64::MAX >> 1) != 0))
    } else {
        q
    }
}

/// Horner evaluation of `sum c_n x^n` in Q0.63 (coefficients highest degree last). Every table and
/// series here keeps `|x| < 1`, the coefficients at most 1/2 and the partial sums below 3/4 in
/// magnitude, so the sums cannot wrap (the accuracy tests cover every table; debug builds assert
/// it).
fn horner63(coeffs: &[i64], x: i64) -> i64 {
    let mut acc = coeffs[coeffs.len() - 1];
    for &c in coeffs[..coeffs.len() - 1].iter().rev() {
        debug_assert!(acc.unsigned_abs() < 3 << 61 && c.unsigned_abs() <= 1 << 62);
        acc = mul63(acc, x).wrapping_add(c);
    }
    acc
}

/// A `Fixed` below 1 in magnitude as Q0.63 (rounded down).
fn to_q63(x: Fixed) -> i64 {
    (x.raw() >> 1) as i64
}

fn from_q63(x: i64) -> Fixed {
    Fixed::from_raw(i128::from(x) << 1)
}

/// `e^x`. Overflow beyond `x` ~ 43.66 (the result would exceed the range); 0 below ~ -44.4.
#[inline(never)]
pub fn exp(x: Fixed) -> Result<Fixed, MathError> {
    const OP: &str = "exp";
    if x > Fixed::from_int(44) {
        return Err(MathError::Overflow(OP));
    }
    if x < Fixed::from_int(-46) {
        return Ok(Fixed::ZERO);
    }
    // k = round(x / ln 2), r = x - k ln 2 (|r| <= ln2 / 2 + tiny).
    let q = x.mul(Fixed::from_raw(t::INV_LN2))?;
    let k = ((q.raw() + (1 << 63)) >> 64) as i64;
    let r = x.raw() - ln2_times(k);
    // j = round(64 r), s = r - j / 64 (|s| <= 1/128 + tiny).
    let j = (r + (1 << 57)) >> 58;
    let s = Fixed::from_raw(r - (j << 58));
    // exp(s) = 1 + s + s^2 P(s).
    let s63 = to_q63(s);
    let tail = mul63(mul63(s63, s63), horner63(&t::EXP_P, s63));
    let poly = Fixed::ONE.checked_add(s)?.checked_add(from_q63(tail))?;
    let m = Fixed::from_raw(t::EXP_TABLE[(j as i64 + t::EXP_J) as usize]).mul(poly)?.raw();
    if k >= 0 {
        if m > i128::MAX >> k {
            return Err(MathError::Overflow(OP));
        }
        Ok(Fixed::from_raw(m << k))
    } else {
        Ok(Fixed::from_raw(m >> (-k).min(127)))
    }
}

/// Natural logarithm; `Domain` for `x <= 0`.
#[inline(never)]
pub fn ln(x: Fixed) -> Result<Fixed, MathError> {
    const OP: &str = "ln";
    let raw = x.raw();
    if raw <= 0 {
        return Err(MathError::Domain(OP));
    }
    // x = 2^n m with m in [1, 2): m's raw value has its top bit at position 64.
    let n = 63 - i64::from(raw.leading_zeros());
    let m = if n >= 0 { raw >> n } else { raw << -n };
    if m == 1 << 64 {
        // A power of two (1 included): exactly n ln 2.
        return Ok(Fixed::from_raw(ln2_times(n)));
    }
    let j = ((m >> 58) & 63) as usize;
    // m = c_j (1 + t), |t| <= 1/129.
    let tt = Fixed::from_raw(m).mul(Fixed::from_raw(t::LN_RECIP[j]))?.checked_sub(Fixed::ONE)?;
    // ln(1 + t) = t - t^2 R(t).
    let t63 = to_q63(tt);
    let series = tt.checked_sub(from_q63(mul63(mul63(t63, t63), horner63(&t::LN_R, t63))))?;
    Fixed::from_raw(ln2_times(n) + t::LN_LOG[j]).checked_add(series)
}

/// Square root; `Domain` for `x < 0`. Rounded down.
#[inline(never)]
pub fn sqrt(x: Fixed) -> Result<Fixed, MathError> {
    let raw = x.raw();
    if raw < 0 {
        return Err(MathError::Domain("sqrt"));
    }
    let raw = raw as u128;
    // sqrt(raw * 2^64): shift raw right by an even amount until raw * 2^64 fits 128 bits.
    let bits = 128 - raw.leading_zeros();
    let shift = bits.saturating_sub(64).next_multiple_of(2);
    let root = ((raw >> shift) << 64).isqrt() << (shift / 2);
    Ok(Fixed::from_raw(root as i128))
}

/// Polynomial of `table` for `|x|` evaluated at `|x|`, or 0 beyond the tables (`|x| >= 10`,
/// where the tail and the density are below 1e-22). Infallible: no operation can overflow.
fn norm_table(table: &'static [i64], degree: usize, x: Fixed) -> i64 {
    let mag = x.raw().unsigned_abs();
    let j = (mag >> (64 - t::NORM_STEP_LOG2)) as usize; // floor(16 |x|)
    if j >= t::NORM_INTERVALS {
        return 0;
    }
    let coeffs = &table[j * (t::NORM_DEGREE + 1)..][..degree + 1];
    // h = |x| - (j + 1/2) / 16, |h| <= 1/32, in Q0.63.
    let midpoint = ((2 * j as u128) + 1) << (63 - t::NORM_STEP_LOG2);
    let h = ((mag as i128 - midpoint as i128) >> 1) as i64;
    horner63(coeffs, h).max(0)
}

/// Standard normal CDF `N(x)`. `N(x) + N(-x) = 1` exactly, and `N(0) = 1/2` exactly.
#[inline(never)]
pub fn norm_cdf(x: Fixed) -> Fixed {
    if x.is_zero() {
        return Fixed::from_raw(1 << 63);
    }
    let q = from_q63(norm_table(&t::NORM_Q, t::NORM_DEGREE, x));
    if x.is_negative() {
        q
    } else {
        Fixed::from_raw(Fixed::ONE.raw() - q.raw())
    }
}

/// Standard normal density `phi(x)`.
#[inline(never)]
pub fn norm_pdf(x: Fixed) -> Fixed {
    from_q63(norm_table(&t::NORM_PDF, t::NORM_DEGREE - 1, x))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_f64(x: Fixed) -> f64 {
        x.raw() as f64 / 18_446_744_073_709_551_616.0
    }

    fn from_f64(x: f64) -> Fixed {
        Fixed::from_raw((x * 18_446_744_073_709_551_616.0) as i128)
    }

    /// f64 reference of N(x) (libm's erfc is accurate to about one ulp).
    fn ref_cdf(x: f64) -> f64 {
        0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
    }

    #[test]
    fn exact_points() {
        assert_eq!(exp(Fixed::ZERO).unwrap(), Fixed::ONE);
        assert_eq!(ln(Fixed::ONE).unwrap(), Fixed::ZERO);
        assert_eq!(sqrt(Fixed::from_int(4)).unwrap(), Fixed::from_int(2));
        assert_eq!(sqrt(Fixed::from_int(1 << 40)).unwrap(), Fixed::from_int(1 << 20));
        assert_eq!(norm_cdf(Fixed::ZERO).raw(), 1 << 63);
        assert_eq!(norm_cdf(Fixed::from_int(11)), Fixed::ONE);
        assert_eq!(norm_cdf(Fixed::from_int(-11)), Fixed::ZERO);
        assert_eq!(norm_pdf(Fixed::from_int(11)), Fixed::ZERO);
    }

    #[test]
    fn domains_and_ranges() {
        assert_eq!(ln(Fixed::ZERO), Err(MathError::Domain("ln")));
        assert_eq!(ln(Fixed::from_int(-1)), Err(MathError::Domain("ln")));
        assert_eq!(sqrt(Fixed::from_int(-1)), Err(MathError::Domain("sqrt")));
        assert_eq!(exp(Fixed::from_int(44)), Err(MathError::Overflow("exp")));
        assert!(exp(Fixed::from_int(43)).is_ok());
        assert_eq!(exp(Fixed::from_int(-50)).unwrap(), Fixed::ZERO);
        assert!(ln(Fixed::EPSILON).unwrap() < Fixed::from_int(-44));
        assert!(ln(Fixed::MAX).unwrap() > Fixed::from_int(43));
    }

    #[test]
    fn cdf_symmetry_is_exact() {
        for i in -200..200 {
            let x = Fixed::from_ratio(i, 17).unwrap();
            let sum = norm_cdf(x).checked_add(norm_cdf(x.checked_neg().unwrap()));
            assert_eq!(sum.unwrap(), Fixed::ONE);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4_000))]

        #[test]
        fn exp_relative_error(x in -44.0f64..43.5) {
            let got = to_f64(exp(from_f64(x)).unwrap());
            let want = x.exp();
            proptest::prop_assert!((got - want).abs() <= 1e-15 * want + 1e-19, "exp({x}) = {got}, want {want}");
        }

        #[test]
        fn ln_absolute_error(x in 1e-18f64..9e18) {
            let got = to_f64(ln(from_f64(x)).unwrap());
            proptest::prop_assert!((got - x.ln()).abs() <= 2e-15 * x.ln().abs().max(1.0), "ln({x}) = {got}");
        }

        #[test]
        fn ln_inverts_exp(x in -40.0f64..43.0) {
            let fx = from_f64(x);
            let back = ln(exp(fx).unwrap()).unwrap();
            // exp(x) is stored to 2^-64 absolute, i.e. 2^-64 / e^x relative: that bounds the round
            // trip, on top of both functions' own errors.
            let tolerance = 4.0 / 18_446_744_073_709_551_616.0 / x.exp() + 1e-15;
            proptest::prop_assert!((to_f64(back) - x).abs() <= tolerance, "ln(exp({x})) = {}", to_f64(back));
        }

        #[test]
        fn sqrt_relative_error(x in 1e-18f64..9e18) {
            let got = to_f64(sqrt(from_f64(x)).unwrap());
            proptest::prop_assert!((got - x.sqrt()).abs() <= 1e-15 * x.sqrt() + 1e-18);
        }

        #[test]
        fn cdf_and_pdf_absolute_error(x in -12.0f64..12.0) {
            let fx = from_f64(x);
            let cdf = to_f64(norm_cdf(fx));
            let pdf = to_f64(norm_pdf(fx));
            let want_pdf = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
            // Two f64 ulps at 1: the reference's own rounding and the conversion to f64.
            proptest::prop_assert!((cdf - ref_cdf(x)).abs() <= 2.3e-16, "N({x}) = {cdf}");
            proptest::prop_assert!((pdf - want_pdf).abs() <= 1e-16 + 1e-15 * want_pdf, "phi({x}) = {pdf}");
        }
    }
}
