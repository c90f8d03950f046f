//! Oracle price rules, independent of where the price came from.
//!
//! The program reads a Pyth `PriceUpdateV2` account, checks the account-level facts (owner, feed id)
//! and passes the sample here; the keeper and the tests apply the very same rules. A valid sample
//! becomes an [`OraclePrice`]: assets are valued at `price - conf` (rounded down, never below zero)
//! and liabilities at `price + conf` (rounded up).

use core::fmt;

use crate::fixed::{Fixed, Round};
use crate::wide::mul_64;

/// Per-underlying limits on the prices it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OracleConfig {
    /// Maximum age of a price, `now - publish_time`, in seconds.
    pub max_age_secs: u32,
    /// Maximum confidence interval relative to the price, in basis points (`conf / price`).
    pub max_conf_bps: u32,
}

/// One price observation as published: `(price +/- conf) * 10^exponent` quote units per whole token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceSample {
    pub price: i64,
    pub conf: u64,
    pub exponent: i32,
    /// Unix timestamp (seconds) at which the price was published.
    pub publish_time: i64,
    /// Whether the update carries the full guardian-signature verification.
    pub fully_verified: bool,
}

/// Why a sample is not usable. Ordered as the checks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OracleFault {
    /// The update was only partially verified.
    NotFullyVerified,
    /// Older than the underlying's maximum age.
    Stale { age_secs: i64, max_age_secs: u32 },
    /// Zero or negative price.
    NonPositive,
    /// Confidence interval wider than allowed (`conf_bps` rounded up).
    ConfidenceTooWide { conf_bps: u64, max_conf_bps: u32 },
    /// The price does not fit the fixed-point range with this exponent.
    OutOfRange,
}

impl fmt::Display for OracleFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OracleFault::NotFullyVerified => write!(f, "price update not fully verified"),
            OracleFault::Stale { age_secs, max_age_secs } => {
                write!(f, "price is {age_secs}s old, max {max_age_secs}s")
            }
            OracleFault::NonPositive => write!(f, "price is not positive"),
            OracleFault::ConfidenceTooWide { conf_bps, max_conf_bps } => {
                write!(f, "confidence {conf_bps} bps exceeds max {max_conf_bps} bps")
            }
            OracleFault::OutOfRange => write!(f, "price outside the fixed-point range"),
        }
    }
}

/// A validated price in quote units per whole token, with its confidence band applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OraclePrice {
    /// The published price, rounded down.
    pub mid: Fixed,
    /// `price - conf`, rounded down, at least zero: the value of one token held.
    pub asset: Fixed,
    /// `price + conf`, rounded up: the value of one token owed.
    pub liability: Fixed,
}

impl OraclePrice {
    /// A price known exactly (the quote asset is worth exactly 1).
    pub const fn exact(price: Fixed) -> OraclePrice {
        OraclePrice { mid: price, asset: price, liability: price }
    }
}

/// Applies the rules to a sample taken at `now` (unix seconds).
pub fn validate(
    sample: &PriceSample,
    config: &OracleConfig,
    now: i64,
) -> Result<OraclePrice, OracleFault> {
    if !sample.fully_verified {
        return Err(OracleFault::NotFullyVerified);
    }
    // A publish time slightly ahead of the chain clock is age zero, not an error.
    let age_secs = now.saturating_sub(sample.publish_time).max(0);
    if age_secs > i64::from(config.max_age_secs) {
        return Err(OracleFault::Stale { age_secs, max_age_secs: config.max_age_secs });
    }
    if sample.price <= 0 {
        return Err(OracleFault::NonPositive);
    }
    let price = sample.price as u128;
    let conf = u128::from(sample.conf);
    // conf / price > max_conf_bps / 10^4, compared exactly in integers (64x64-bit products: no
    // overflow-checked 128-bit multiply, which SBF expands to a costly routine).
    let conf_x10k = mul_64(sample.conf, 10_000);
    if conf_x10k > mul_64(sample.price as u64, u64::from(config.max_conf_bps)) {
        let conf_bps = conf_x10k.div_ceil(price);
        return Err(OracleFault::ConfidenceTooWide {
            conf_bps: u64::try_from(conf_bps).unwrap_or(u64::MAX),
            max_conf_bps: config.max_conf_bps,
        });
    }
    let (price, conf) = (price as i128, conf as i128);
    let convert = |mantissa: i128, round| {
        Fixed::from_decimal(mantissa, sample.exponent, round).map_err(|_| OracleFault::OutOfRange)
    };
    Ok(OraclePrice {
        mid: convert(price, Round::Down)?,
        asset: convert((price - conf).max(0), Round::Down)?,
        liability: convert(price + conf, Round::Up)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: OracleConfig = OracleConfig { max_age_secs: 60, max_conf_bps: 200 };

    fn sample(price: i64, conf: u64, publish_time: i64) -> PriceSample {
        PriceSample { price, conf, exponent: -8, publish_time, fully_verified: true }
    }

    #[test]
    fn valid_price_has_band() {
        let p = validate(&sample(150_00000000, 10000000, 1_000), &CFG, 1_030).unwrap();
        assert_eq!(p.mid, Fixed::from_int(150));
        assert_eq!(p.asset, "149.9".parse().unwrap());
        assert!(p.liability >= "150.1".parse().unwrap());
        assert!(p.liability.raw() - "150.1".parse::<Fixed>().unwrap().raw() <= 1);
    }

    #[test]
    fn each_rule_reports_its_fault() {
        let mut s = sample(100_00000000, 1, 1_000);
        s.fully_verified = false;
        assert_eq!(validate(&s, &CFG, 1_000), Err(OracleFault::NotFullyVerified));
        assert_eq!(
            validate(&sample(100_00000000, 1, 1_000), &CFG, 1_061),
            Err(OracleFault::Stale { age_secs: 61, max_age_secs: 60 })
        );
        assert!(validate(&sample(100_00000000, 1, 1_000), &CFG, 1_060).is_ok());
        // Publish time ahead of the clock counts as fresh.
        assert!(validate(&sample(100_00000000, 1, 1_100), &CFG, 1_000).is_ok());
        assert_eq!(validate(&sample(0, 0, 1_000), &CFG, 1_000), Err(OracleFault::NonPositive));
        assert_eq!(validate(&sample(-5, 0, 1_000), &CFG, 1_000), Err(OracleFault::NonPositive));
        // 2% allowed; 2.01% refused; exactly 2% accepted.
        assert!(validate(&sample(100_00000000, 2_00000000, 1_000), &CFG, 1_000).is_ok());
        assert_eq!(
            validate(&sample(100_00000000, 2_01000000, 1_000), &CFG, 1_000),
            Err(OracleFault::ConfidenceTooWide { conf_bps: 201, max_conf_bps: 200 })
        );
        let mut s = sample(100, 0, 1_000);
        s.exponent = 30;
        assert_eq!(validate(&s, &CFG, 1_000), Err(OracleFault::OutOfRange));
    }

    #[test]
    fn asset_price_never_negative() {
        let wide = OracleConfig { max_age_secs: 60, max_conf_bps: 50_000 };
        let p = validate(&sample(100, 300, 1_000), &wide, 1_000).unwrap();
        assert_eq!(p.asset, Fixed::ZERO);
    }
}
