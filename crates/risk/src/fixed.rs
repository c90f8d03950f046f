//! [`Fixed`]: the one fixed-point type of all risk math.
//!
//! Representation: a signed 128-bit integer holding the value times 2^64 (Q63.64).
//! - range: about +/-9.22e18 (integer part of 63 bits plus sign);
//! - resolution: 2^-64, about 5.4e-20 (so a price of 1e-6 quote units keeps ~45 significant bits);
//! - deterministic: integer operations only, no floats, identical on-chain and off-chain.
//!
//! Every operation is checked and returns [`MathError`] naming the operation. Operations that cannot
//! be exact round in an explicit direction: `mul`/`div` round down (toward -infinity), `mul_up`/
//! `div_up` round up (toward +infinity). Callers pick the direction that favours the protocol
//! (assets down, liabilities and requirements up).
//!
//! Binary rather than decimal scaling because dividing by the scale is then a shift: a decimal
//! scale would cost a 256-bit division by a constant on every multiplication on SBF.

use core::fmt;
use core::str::FromStr;

use crate::error::MathError;
use crate::wide::{div_256_by_128, mul_128};

/// Number of fractional bits.
pub const FRAC_BITS: u32 = 64;
const ONE_RAW: i128 = 1 << FRAC_BITS;
const FRAC_MASK: u128 = (1u128 << FRAC_BITS) - 1;

/// Powers of ten that fit in a `u128`: `POW10[i] = 10^i`, `i` in `0..=38`.
const POW10: [u128; 39] = {
    let mut table = [1u128; 39];
    let mut i = 1;
    while i < 39 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

/// `10^exp` as `u128`, for `exp` in `0..=38`.
pub fn pow10(exp: u32) -> Result<u128, MathError> {
    POW10.get(exp as usize).copied().ok_or(MathError::Domain("pow10"))
}

/// Signed fixed point with 64 fractional bits. See the module documentation.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub struct Fixed(i128);

// `mul`/`div` are named like the operator traits on purpose but return `Result`: every operation
// is checked, so the operator traits (which cannot fail) are deliberately not implemented.
#[allow(clippy::should_implement_trait)]
impl Fixed {
    pub const ZERO: Fixed = Fixed(0);
    pub const ONE: Fixed = Fixed(ONE_RAW);
    /// Largest representable value, about 9.22e18.
    pub const MAX: Fixed = Fixed(i128::MAX);
    /// Smallest positive value, 2^-64.
    pub const EPSILON: Fixed = Fixed(1);

    /// Wraps a raw Q63.64 value (value * 2^64).
    pub const fn from_raw(raw: i128) -> Fixed {
        Fixed(raw)
    }

    /// The raw Q63.64 value (value * 2^64).
    pub const fn raw(self) -> i128 {
        self.0
    }

    /// An integer; exact for every `i64`.
    pub const fn from_int(n: i64) -> Fixed {
        Fixed((n as i128) << FRAC_BITS)
    }

    /// `num / den` for constants (`den > 0`), rounded toward zero: in a `const` it is computed at
    /// compile time, so no division runs on-chain.
    pub const fn lit(num: i64, den: i64) -> Fixed {
        Fixed(((num as i128) << FRAC_BITS) / den as i128)
    }

    /// An integer that may not fit: errors when `|n| >= 2^63`.
    pub fn from_i128(n: i128) -> Result<Fixed, MathError> {
        if (-(1i128 << 63)..(1i128 << 63)).contains(&n) {
            Ok(Fixed(n << FRAC_BITS))
        } else {
            Err(MathError::Overflow("Fixed::from_i128"))
        }
    }

    /// `num / den`, rounded down.
    pub fn from_ratio(num: i128, den: i128) -> Result<Fixed, MathError> {
        div_raw(num, den, false, "Fixed::from_ratio").map(Fixed)
    }

    /// `mantissa * 10^exponent`, rounded in the given direction; `exponent` in `-38..=38`.
    pub fn from_decimal(mantissa: i128, exponent: i32, round: Round) -> Result<Fixed, MathError> {
        const OP: &str = "Fixed::from_decimal";
        let scale = pow10(exponent.unsigned_abs()).map_err(|_| MathError::Domain(OP))?;
        if exponent >= 0 {
            let scale = i128::try_from(scale).map_err(|_| MathError::Overflow(OP))?;
            let n = mantissa.checked_mul(scale).ok_or(MathError::Overflow(OP))?;
            Fixed::from_i128(n).map_err(|_| MathError::Overflow(OP))
        } else {
            let den = i128::try_from(scale).map_err(|_| MathError::Overflow(OP))?;
            div_raw(mantissa, den, round == Round::Up, OP).map(Fixed)
        }
    }

    pub fn checked_add(self, other: Fixed) -> Result<Fixed, MathError> {
        self.0.checked_add(other.0).map(Fixed).ok_or(MathError::Overflow("Fixed::add"))
    }

    pub fn checked_sub(self, other: Fixed) -> Result<Fixed, MathError> {
        self.0.checked_sub(other.0).map(Fixed).ok_or(MathError::Overflow("Fixed::sub"))
    }

    pub fn checked_neg(self) -> Result<Fixed, MathError> {
        self.0.checked_neg().map(Fixed).ok_or(MathError::Overflow("Fixed::neg"))
    }

    pub fn abs(self) -> Result<Fixed, MathError> {
        self.0.checked_abs().map(Fixed).ok_or(MathError::Overflow("Fixed::abs"))
    }

    /// `self * other`, rounded down (toward -infinity).
    pub fn mul(self, other: Fixed) -> Result<Fixed, MathError> {
        mul_raw(self.0, other.0, false).map(Fixed)
    }

    /// `self * other`, rounded up (toward +infinity).
    pub fn mul_up(self, other: Fixed) -> Result<Fixed, MathError> {
        mul_raw(self.0, other.0, true).map(Fixed)
    }

    /// `self * n` for an integer `n`; exact. Through the 256-bit product: SBF expands an
    /// overflow-checked 128-bit multiply to a costly routine.
    pub fn mul_int(self, n: i128) -> Result<Fixed, MathError> {
        const OP: &str = "Fixed::mul_int";
        let (hi, lo) = mul_128(self.0.unsigned_abs(), n.unsigned_abs());
        if hi != 0 {
            return Err(MathError::Overflow(OP));
        }
        signed_result(lo, false, (self.0 < 0) != (n < 0), false, OP).map(Fixed)
    }

    /// `self * num / den`, rounded down (toward -infinity), with a 256-bit intermediate: exact
    /// whenever the result is representable, whatever the size of `self * num`.
    pub fn mul_div(self, num: i128, den: u64) -> Result<Fixed, MathError> {
        mul_div_raw(self.0, num, den, false, "Fixed::mul_div").map(Fixed)
    }

    /// [`Fixed::mul_div`] rounded up (toward +infinity).
    pub fn mul_div_up(self, num: i128, den: u64) -> Result<Fixed, MathError> {
        mul_div_raw(self.0, num, den, true, "Fixed::mul_div_up").map(Fixed)
    }

    /// `self / 2^k`, rounded down (toward -infinity); `k < 128`.
    pub const fn div_pow2(self, k: u32) -> Fixed {
        Fixed(self.0 >> k)
    }

    /// `self / other`, rounded down (toward -infinity).
    pub fn div(self, other: Fixed) -> Result<Fixed, MathError> {
        div_raw(self.0, other.0, false, "Fixed::div").map(Fixed)
    }

    /// `self / other`, rounded up (toward +infinity).
    pub fn div_up(self, other: Fixed) -> Result<Fixed, MathError> {
        div_raw(self.0, other.0, true, "Fixed::div_up").map(Fixed)
    }

    /// Largest integer `<= self`.
    pub const fn to_int_floor(self) -> i128 {
        self.0 >> FRAC_BITS
    }

    /// Smallest integer `>= self`.
    pub const fn to_int_ceil(self) -> i128 {
        (self.0 >> FRAC_BITS) + ((self.0 as u128 & FRAC_MASK) != 0) as i128
    }

    /// Rounds to an `i64` in the given direction.
    pub fn to_i64(self, round: Round) -> Result<i64, MathError> {
        let n = match round {
            Round::Down => self.to_int_floor(),
            Round::Up => self.to_int_ceil(),
        };
        i64::try_from(n).map_err(|_| MathError::Overflow("Fixed::to_i64"))
    }

    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn min(self, other: Fixed) -> Fixed {
        if self <= other {
            self
        } else {
            other
        }
    }

    pub fn max(self, other: Fixed) -> Fixed {
        if self >= other {
            self
        } else {
            other
        }
    }
}

/// Rounding direction for results that are not exactly representable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round {
    /// Toward -infinity (floor).
    Down,
    /// Toward +infinity (ceiling).
    Up,
}

/// Applies `negative` to a magnitude, rounding the magnitude up by one ulp when the dropped part was
/// non-zero and the requested direction moves away from zero.
#[inline]
fn signed_result(
    mag: u128,
    inexact: bool,
    negative: bool,
    up: bool,
    op: &'static str,
) -> Result<i128, MathError> {
    // Floor of a negative and ceiling of a positive move the magnitude away from zero.
    let bump = inexact && (negative != up);
    let mag = mag.checked_add(bump as u128).ok_or(MathError::Overflow(op))?;
    if negative {
        if mag > 1u128 << 127 {
            return Err(MathError::Overflow(op));
        }
        Ok((mag as i128).wrapping_neg())
    } else {
        i128::try_from(mag).map_err(|_| MathError::Overflow(op))
    }
}

fn mul_raw(a: i128, b: i128, up: bool) -> Result<i128, MathError> {
    let op = if up { "Fixed::mul_up" } else { "Fixed::mul" };
    let negative = (a < 0) != (b < 0);
    let (hi, lo) = mul_128(a.unsigned_abs(), b.unsigned_abs());
    if hi >> 64 != 0 {
        return Err(MathError::Overflow(op));
    }
    let mag = (hi << 64) | (lo >> 64);
    signed_result(mag, lo & FRAC_MASK != 0, negative, up, op)
}

/// `a * num / den` on a raw value, through the 256-bit product.
fn mul_div_raw(
    a: i128,
    num: i128,
    den: u64,
    up: bool,
    op: &'static str,
) -> Result<i128, MathError> {
    if den == 0 {
        return Err(MathError::DivisionByZero(op));
    }
    let negative = (a < 0) != (num < 0);
    let (hi, lo) = mul_128(a.unsigned_abs(), num.unsigned_abs());
    if hi >= u128::from(den) {
        return Err(MathError::Overflow(op));
    }
    let (q, r) = div_256_by_128(hi, lo, u128::from(den));
    signed_result(q, r != 0, negative, up, op)
}

/// `a * 2^64 / b` on raw values, i.e. the raw value of `a / b`.
fn div_raw(a: i128, b: i128, up: bool, op: &'static str) -> Result<i128, MathError> {
    if b == 0 {
        return Err(MathError::DivisionByZero(op));
    }
    let negative = (a < 0) != (b < 0);
    let (n, d) = (a.unsigned_abs(), b.unsigned_abs());
    // n * 2^64 as (high, low); the quotient fits 128 bits when high < d.
    let (hi, lo) = (n >> 64, n << 64);
    if hi >= d {
        return Err(MathError::Overflow(op));
    }
    let (q, r) = div_256_by_128(hi, lo, d);
    signed_result(q, r != 0, negative, up, op)
}

impl fmt::Debug for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Decimal rendering rounded half away from zero: up to 18 fractional digits with trailing zeros
/// trimmed by default, or exactly the formatter's precision (`{:.6}`, at most 18). Any decimal of at
/// most 18 fractional digits parsed by [`FromStr`] displays back unchanged (one ulp, 5.4e-20, is
/// below half a unit in the 18th digit).
impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = f.precision().unwrap_or(18).min(18);
        let mag = self.0.unsigned_abs();
        let mut int = mag >> FRAC_BITS;
        let scale = POW10[digits];
        // (mag & FRAC_MASK) * 10^18 < 2^64 * 10^18 < 2^128.
        let mut frac = ((mag & FRAC_MASK) * scale + (1u128 << 63)) >> FRAC_BITS;
        if frac == scale {
            int += 1;
            frac = 0;
        }
        let mut s = String::with_capacity(48);
        if self.0 < 0 && (int != 0 || frac != 0) {
            s.push('-');
        }
        s.push_str(&int.to_string());
        if digits > 0 {
            s.push('.');
            s.push_str(&format!("{frac:0digits$}"));
            if f.precision().is_none() {
                let trimmed = s.trim_end_matches('0').trim_end_matches('.').len();
                s.truncate(trimmed);
            }
        }
        // `Formatter::pad` would treat the precision as a maximum string length: pad by hand.
        let fill = f.width().unwrap_or(0).saturating_sub(s.len());
        let (left, right) = match f.align() {
            Some(fmt::Alignment::Left) => (0, fill),
            Some(fmt::Alignment::Center) => (fill / 2, fill - fill / 2),
            _ => (fill, 0),
        };
        for _ in 0..left {
            f.write_str(" ")?;
        }
        f.write_str(&s)?;
        for _ in 0..right {
            f.write_str(" ")?;
        }
        Ok(())
    }
}

/// Parses a decimal such as `-1234.5678` or `1e-6` (rounded down to the nearest 2^-64).
impl FromStr for Fixed {
    type Err = MathError;

    fn from_str(text: &str) -> Result<Fixed, MathError> {
        text.parse::<crate::decimal::Decimal>()?.to_fixed(Round::Down)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fx(s: &str) -> Fixed {
        s.parse().unwrap()
    }

    #[test]
    fn parse_and_display_round_trip() {
        for s in ["0", "1", "-1", "123.456", "-0.000001", "10000000", "0.5"] {
            assert_eq!(fx(s).to_string(), s);
        }
        assert_eq!(fx("1e-6").to_string(), "0.000001");
        assert_eq!(fx("2.5E3"), Fixed::from_int(2500));
        assert_eq!(format!("{:.3}", fx("3.14159")), "3.142");
        assert_eq!(format!("{:.2}", fx("-0.001")), "0.00");
        assert_eq!(format!("{:.1}", fx("9.96")), "10.0");
        assert_eq!(format!("[{:>6.1}|{:<5}]", fx("2.25"), fx("-1")), "[   2.3|-1   ]");
        assert_eq!(fx("123.45678901234567890163").to_string(), "123.456789012345678902");
        assert!("abc".parse::<Fixed>().is_err());
        assert!("".parse::<Fixed>().is_err());
    }

    #[test]
    fn mul_rounds_in_the_requested_direction() {
        let third = Fixed::ONE.div(Fixed::from_int(3)).unwrap();
        let down = third.mul(Fixed::from_int(3)).unwrap();
        let up = third.mul_up(Fixed::from_int(3)).unwrap();
        assert!(down < Fixed::ONE);
        assert_eq!(up, down);
        let tiny = Fixed::EPSILON;
        assert_eq!(tiny.mul(tiny).unwrap(), Fixed::ZERO);
        assert_eq!(tiny.mul_up(tiny).unwrap(), Fixed::EPSILON);
        assert_eq!(tiny.checked_neg().unwrap().mul(tiny).unwrap(), Fixed::from_raw(-1));
        assert_eq!(tiny.checked_neg().unwrap().mul_up(tiny).unwrap(), Fixed::ZERO);
    }

    #[test]
    fn mul_large_values() {
        let a = fx("3037000499.5");
        assert_eq!(a.mul(a).unwrap(), fx("9223372033963249500.25"));
        assert_eq!(Fixed::MAX.mul(Fixed::from_int(2)), Err(MathError::Overflow("Fixed::mul")));
        let big = Fixed::from_int(1 << 40);
        assert_eq!(big.mul(big), Err(MathError::Overflow("Fixed::mul")));
        assert_eq!(fx("-1.5").mul(fx("2")).unwrap(), fx("-3"));
    }

    #[test]
    fn div_exact_and_rounded() {
        assert_eq!(fx("7.5").div(fx("2.5")).unwrap(), fx("3"));
        assert_eq!(fx("-7.5").div(fx("2.5")).unwrap(), fx("-3"));
        let third = Fixed::ONE.div(Fixed::from_int(3)).unwrap();
        let third_up = Fixed::ONE.div_up(Fixed::from_int(3)).unwrap();
        assert_eq!(third_up.raw() - third.raw(), 1);
        let neg_third = Fixed::ONE.checked_neg().unwrap().div(Fixed::from_int(3)).unwrap();
        assert_eq!(neg_third.raw(), -third_up.raw());
        assert_eq!(Fixed::ONE.div(Fixed::ZERO), Err(MathError::DivisionByZero("Fixed::div")));
        // Divisor wider than 64 bits takes the long-division path.
        let big = fx("123456789012.345");
        assert_eq!(big.div(big).unwrap(), Fixed::ONE);
        let q = fx("1000000").div(fx("4294967296")).unwrap();
        assert_eq!(q, Fixed::from_ratio(1_000_000, 1 << 32).unwrap());
        assert_eq!(Fixed::MAX.div(fx("0.5")), Err(MathError::Overflow("Fixed::div")));
    }

    #[test]
    fn mul_div_is_exact_with_wide_intermediate() {
        // 150 * i64::MAX / 10^9: the product overflows 128 bits, the result does not.
        let v = Fixed::from_int(150).mul_div(i64::MAX as i128, 1_000_000_000).unwrap();
        assert_eq!(v.to_int_floor(), 150 * (i64::MAX as i128) / 1_000_000_000);
        assert_eq!(fx("0.1").mul_div(3, 1).unwrap(), fx("0.1").mul_int(3).unwrap());
        assert_eq!(fx("150").mul_div(100_000_000, 1_000_000_000).unwrap(), fx("15"));
        let third = Fixed::ONE.mul_div(1, 3).unwrap();
        assert_eq!(third, Fixed::ONE.div(Fixed::from_int(3)).unwrap());
        let neg = Fixed::ONE.mul_div(-1, 3).unwrap();
        assert_eq!(neg.raw(), -third.raw() - 1);
        assert_eq!(Fixed::ONE.mul_div(1, 0), Err(MathError::DivisionByZero("Fixed::mul_div")));
        assert_eq!(Fixed::MAX.mul_div(2, 1), Err(MathError::Overflow("Fixed::mul_div")));
        assert_eq!(Fixed::ONE.mul_div_up(1, 3).unwrap().raw(), third.raw() + 1);
        assert_eq!(Fixed::ONE.mul_div_up(-1, 3).unwrap().raw(), -third.raw());
    }

    #[test]
    fn decimal_conversion_rounding() {
        let down = Fixed::from_decimal(1, -1, Round::Down).unwrap();
        let up = Fixed::from_decimal(1, -1, Round::Up).unwrap();
        assert_eq!(up.raw() - down.raw(), 1);
        assert_eq!(Fixed::from_decimal(12, 3, Round::Down).unwrap(), Fixed::from_int(12_000));
        assert!(Fixed::from_decimal(1, 39, Round::Down).is_err());
        assert!(Fixed::from_decimal(i64::MAX as i128, 10, Round::Down).is_err());
        assert_eq!(Fixed::from_decimal(2_500, -4, Round::Up).unwrap(), fx("0.25"));
    }

    #[test]
    fn integer_conversions() {
        assert_eq!(fx("2.5").to_int_floor(), 2);
        assert_eq!(fx("2.5").to_int_ceil(), 3);
        assert_eq!(fx("-2.5").to_int_floor(), -3);
        assert_eq!(fx("-2.5").to_int_ceil(), -2);
        assert_eq!(fx("-2").to_int_ceil(), -2);
        assert_eq!(Fixed::from_i128(1 << 63), Err(MathError::Overflow("Fixed::from_i128")));
        assert_eq!(Fixed::MAX.to_i64(Round::Up), Err(MathError::Overflow("Fixed::to_i64")));
    }

    /// Independent reference: `(a * b) >> 64` through 32-bit limbs, `None` if above `u128`.
    fn reference_mul_shift(a: u128, b: u128) -> Option<(u128, bool)> {
        let limbs = |x: u128| {
            [x as u32 as u64, (x >> 32) as u32 as u64, (x >> 64) as u32 as u64, (x >> 96) as u64]
        };
        let (la, lb) = (limbs(a), limbs(b));
        let mut acc = [0u64; 9];
        for (i, a) in la.iter().enumerate() {
            for (j, b) in lb.iter().enumerate() {
                let mut k = i + j;
                let mut carry = a * b;
                while carry != 0 {
                    let sum = acc[k] + (carry & 0xffff_ffff);
                    acc[k] = sum & 0xffff_ffff;
                    carry = (carry >> 32) + (sum >> 32);
                    k += 1;
                }
            }
        }
        if acc[6..].iter().any(|&l| l != 0) {
            return None;
        }
        let value = (acc[2] as u128)
            | (acc[3] as u128) << 32
            | (acc[4] as u128) << 64
            | (acc[5] as u128) << 96;
        Some((value, acc[0] != 0 || acc[1] != 0))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2_000))]

        #[test]
        fn mul_matches_reference(a in -(1i128 << 110)..(1i128 << 110), b in -(1i128 << 90)..(1i128 << 90)) {
            let negative = (a < 0) != (b < 0);
            match reference_mul_shift(a.unsigned_abs(), b.unsigned_abs()) {
                Some((mag, inexact)) if mag < (1u128 << 126) => {
                    let m = mag as i128;
                    let (down, up) = match (negative, inexact) {
                        (false, false) => (m, m),
                        (false, true) => (m, m + 1),
                        (true, false) => (-m, -m),
                        (true, true) => (-m - 1, -m),
                    };
                    proptest::prop_assert_eq!(mul_raw(a, b, false), Ok(down));
                    proptest::prop_assert_eq!(mul_raw(a, b, true), Ok(up));
                }
                None => proptest::prop_assert!(mul_raw(a, b, false).is_err()),
                Some(_) => {}
            }
        }

        /// `mul_int` through the 256-bit product is the overflow-checked product, failures
        /// included, at every magnitude.
        #[test]
        fn mul_int_matches_checked_mul(a in proptest::num::i128::ANY, n in proptest::num::i128::ANY, sa in 0u32..128, sn in 0u32..128) {
            for (a, n) in [(a, n), (a >> sa, n >> sn), (i128::MIN, n >> sn), (a >> sa, -1)] {
                proptest::prop_assert_eq!(Fixed(a).mul_int(n).ok(), a.checked_mul(n).map(Fixed));
            }
        }

        #[test]
        fn div_is_exact_floor(a in 0i128..(1i128 << 110), b in 1i128..(1i128 << 110)) {
            if let Ok(q) = div_raw(a, b, false, "t") {
                let below = mul_128(q as u128, b as u128);
                let scaled = ((a as u128) >> 64, (a as u128) << 64);
                let above = mul_128(q as u128 + 1, b as u128);
                proptest::prop_assert!(below <= scaled && scaled < above);
                let q_up = div_raw(a, b, true, "t").unwrap();
                proptest::prop_assert_eq!(q_up - q, (below != scaled) as i128);
            } else {
                // Only an out-of-range quotient may fail: a / b >= 2^63.
                proptest::prop_assert!((a as u128) / (b as u128) >= 1 << 63);
            }
        }
    }
}
