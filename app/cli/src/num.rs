//! Exact decimals in JSON: [`Dec`] reads a JSON number or string into a `Fixed` without going
//! through a float's arithmetic, [`Num`] writes a `Fixed` as an exact JSON number.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use xmargin_risk::Fixed;

/// A decimal read from JSON: a number (`0.15`) or a string (`"0.15"`, for more than 17 digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dec(pub Fixed);

impl<'de> Deserialize<'de> for Dec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Dec, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Dec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a decimal number or a string holding one")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Dec, E> {
                s.parse().map(Dec).map_err(|e| E::custom(format!("{s}: {e}")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dec, E> {
                Ok(Dec(Fixed::from_int(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Dec, E> {
                Fixed::from_i128(i128::from(v)).map(Dec).map_err(|e| E::custom(e))
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
        assert_eq!(v[0].0, "0.15".parse().unwrap());
        assert_eq!(v[1].0, "0.123456789012345678".parse().unwrap());
        assert_eq!((v[2].0, v[3].0), (Fixed::from_int(42), Fixed::from_int(-3)));
        assert!(serde_json::from_str::<Dec>(r#""abc""#).is_err());
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
