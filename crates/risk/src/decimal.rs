//! Exact decimals: [`Decimal`] holds `mantissa * 10^exponent` as written (`0.05` is 5e-2, not the
//! nearest binary fraction), so that an amount of native units (`0.05` SOL at 9 decimals, `0.05`
//! contracts of 1/1,000) is computed exactly or refused, never rounded silently. [`Fixed`]'s own
//! parser reads through it.

use core::str::FromStr;

use crate::error::MathError;
use crate::fixed::{pow10, Fixed, Round};

/// `mantissa * 10^exponent`, exactly as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    pub mantissa: i128,
    pub exponent: i32,
}

impl Decimal {
    /// The nearest `Fixed` in the direction asked.
    pub fn to_fixed(self, round: Round) -> Result<Fixed, MathError> {
        Fixed::from_decimal(self.mantissa, self.exponent, round)
    }

    /// `self * 10^decimals` when it is an integer (an amount of native units with `decimals`);
    /// `None` when the decimal has more digits than that after the point.
    pub fn scaled(self, decimals: u32) -> Result<Option<i128>, MathError> {
        const OP: &str = "Decimal::scaled";
        let shift = i64::from(self.exponent) + i64::from(decimals);
        if shift >= 0 {
            let scale = pow10(u32::try_from(shift).map_err(|_| MathError::Overflow(OP))?)
                .map_err(|_| MathError::Overflow(OP))?;
            let scale = i128::try_from(scale).map_err(|_| MathError::Overflow(OP))?;
            return self.mantissa.checked_mul(scale).map(Some).ok_or(MathError::Overflow(OP));
        }
        let Ok(scale) = pow10(u32::try_from(-shift).map_err(|_| MathError::Overflow(OP))?) else {
            // Below 10^-38 of a native unit: an integer only if zero.
            return Ok((self.mantissa == 0).then_some(0));
        };
        let scale = i128::try_from(scale).map_err(|_| MathError::Overflow(OP))?;
        Ok((self.mantissa % scale == 0).then_some(self.mantissa / scale))
    }
}

/// Parses `-1234.5678`, `+0.05` or `1e-6`.
impl FromStr for Decimal {
    type Err = MathError;

    fn from_str(text: &str) -> Result<Decimal, MathError> {
        const OP: &str = "Decimal::from_str";
        let bad = MathError::Domain(OP);
        let (mantissa_text, exp) = match text.find(['e', 'E']) {
            Some(at) => (&text[..at], text[at + 1..].parse::<i32>().map_err(|_| bad)?),
            None => (text, 0),
        };
        let (negative, unsigned) = match mantissa_text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, mantissa_text.strip_prefix('+').unwrap_or(mantissa_text)),
        };
        let (int_part, frac_part) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(bad);
        }
        let mut mantissa: i128 = 0;
        for c in int_part.chars().chain(frac_part.chars()) {
            let d = c.to_digit(10).ok_or(bad)?;
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(i128::from(d)))
                .ok_or(MathError::Overflow(OP))?;
        }
        if negative {
            mantissa = -mantissa;
        }
        let exponent =
            exp.checked_sub(i32::try_from(frac_part.len()).map_err(|_| bad)?).ok_or(bad)?;
        Ok(Decimal { mantissa, exponent })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn decimal_amounts_are_exact() {
        // 0.05 is not a binary fraction: through `Fixed` it would be 0.04999...
        assert_eq!(dec("0.05").scaled(3).unwrap(), Some(50));
        assert_eq!(dec("0.05").scaled(9).unwrap(), Some(50_000_000));
        assert_eq!(dec("-1.5e2").scaled(0).unwrap(), Some(-150));
        assert_eq!(dec("0.0005").scaled(3).unwrap(), None);
        assert_eq!(dec("1e-60").scaled(3).unwrap(), None);
        assert_eq!(dec("0e-60").scaled(3).unwrap(), Some(0));
        assert!(dec("1e30").scaled(18).is_err());
        assert!("1.2.3".parse::<Decimal>().is_err() && "".parse::<Decimal>().is_err());
    }

    #[test]
    fn decimal_to_fixed_rounds_as_asked() {
        let d = dec("0.1");
        let (down, up) = (d.to_fixed(Round::Down).unwrap(), d.to_fixed(Round::Up).unwrap());
        assert_eq!(up.raw() - down.raw(), 1);
        assert_eq!(dec("2.5").to_fixed(Round::Down).unwrap(), Fixed::lit(5, 2));
    }
}
