//! Exact decimals in JSON: [`Dec`] reads a JSON number or string as the decimal it spells (no
//! float arithmetic, no binary rounding of `0.05`), [`Num`] writes a `Fixed` as an exact JSON
//! number.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use xmargin_risk::decimal::Decimal;
use xmargin_risk::{Fixed, Round};

/// A decimal read from JSON: a number (`0.15`) or a string (`"0.15"`, for more than 17 digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dec {
    /// The nearest `Fixed` at or below it (for prices, vols and times).
    pub value: Fixed,
    /// Exactly as written (for amounts of native units and contracts).
    pub exact: Decimal,
}

impl Dec {
    /// Parses `text`; errors when it is not a decimal or beyond `Fixed`'s range.
    pub fn parse(text: &str) -> Result<Dec, String> {
        let exact: Decimal = text.parse().map_err(|e| format!("{text}: {e}"))?;
        let value = exact.to_fixed(Round::Down).map_err(|e| format!("{text}: {e}"))?;
        Ok(Dec { value, exact })
    }

    /// The amount in units of `10^-decimals` (native units, contracts), exactly; an error
    /// naming `what` when it has more decimals than that or does not fit.
    pub fn units(&self, decimals: u32, what: &str) -> Result<i64, String> {
        let n =
            self.exact.scaled(decimals).map_err(|e| format!("{what}: {e}"))?.ok_or_else(|| {
                format!("{what}: {} has more than {decimals} decimals", self.value)
            })?;
        i64::try_from(n).map_err(|_| format!("{what}: {} is too large", self.value))
    }
}

impl<'de> Deserialize<'de> for Dec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Dec, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Dec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a decimal number or a string holding one")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Dec, E> {
                Dec::parse(s).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dec, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Dec, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Dec, E> {
                // The shortest decimal that reads back as this double: what the file says.
                self.visit_str(&v.to_string())
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A `Fixed` written as an exact JSON number (up to 18 decimals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Num(pub Fixed);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = RawValue::from_string(self.0.to_string()).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_numbers_and_strings_exactly() {
        let v: Vec<Dec> =
            serde_json::from_str(r#"[0.15, "0.123456789012345678", 42, -3]"#).unwrap();
        assert_eq!(v[0].value, "0.15".parse().unwrap());
        assert_eq!(v[1].value, "0.123456789012345678".parse().unwrap());
        assert_eq!((v[2].value, v[3].value), (Fixed::from_int(42), Fixed::from_int(-3)));
        assert!(serde_json::from_str::<Dec>(r#""abc""#).is_err());
    }

    #[test]
    fn amounts_are_exact_or_refused() {
        // 0.05 through a binary fraction is 0.0499...: 49.99 thousandths, refused before.
        let v: Vec<Dec> = serde_json::from_str(r#"[0.05, "0.05", 1.001, 0.0001]"#).unwrap();
        assert_eq!(v[0].units(3, "quantity"), Ok(50));
        assert_eq!(v[1].units(9, "collateral"), Ok(50_000_000));
        assert_eq!(v[2].units(3, "quantity"), Ok(1_001));
        let err = v[3].units(3, "quantity").unwrap_err();
        assert!(err.contains("more than 3 decimals"), "{err}");
    }

    #[test]
    fn writes_exact_numbers() {
        let s = serde_json::to_string(&[
            Num("9.842304409016108".parse().unwrap()),
            Num(Fixed::from_int(-2)),
        ])
        .unwrap();
        assert_eq!(s, "[9.842304409016108,-2]");
    }
}
