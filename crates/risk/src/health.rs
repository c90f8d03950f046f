//! Portfolio health, version 1: collateral after haircuts.
//!
//! For every collateral holding `i` with balance `b_i` (native units, negative = owed), `d_i`
//! decimals, haircut `h_i` (basis points) and a validated price:
//!
//! ```text
//! value_i       = floor(b_i * asset_price_i / 10^d_i)              if b_i > 0
//!               = floor(b_i * liability_price_i / 10^d_i)          if b_i < 0  (more negative)
//! weighted_i    = floor(value_i * (10^4 - h_i) / 10^4)            if b_i > 0
//!               = floor(value_i * (10^4 + h_i) / 10^4)            if b_i < 0
//! health        = sum_i weighted_i       (init haircuts for init health, maint for maint)
//! ```
//!
//! Every floor is exact integer arithmetic on the fixed-point raw value, so the result is the
//! exact figure rounded down by at most a few 2^-64 units: rounding always lowers health. The
//! quote asset is worth exactly 1 with no haircut. A holding whose haircuts are both 100% needs no
//! price; every other holding needs a valid one, or the computation fails with
//! [`RiskError::PriceUnavailable`] naming the underlying.

use crate::error::{Context, RiskError};
use crate::fixed::{pow10, Fixed};
use crate::oracle::{OracleFault, OraclePrice};

/// Basis points in 100%.
pub const BPS: u16 = 10_000;

/// The price of a holding as seen by the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceInput {
    /// The settlement (quote) asset: exactly 1, no oracle.
    Quote,
    /// A validated oracle price.
    Valid(OraclePrice),
    /// The oracle was read and refused.
    Invalid(OracleFault),
}

/// Haircuts of one holding in effect now, basis points (`maint <= init <= 10^4`). Assets count at
/// `1 - haircut`, liabilities at `1 + haircut`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Haircuts {
    pub init_bps: u16,
    pub maint_bps: u16,
}

impl Haircuts {
    /// No haircut (the quote asset).
    pub const NONE: Haircuts = Haircuts { init_bps: 0, maint_bps: 0 };

    /// Whether an asset holding counts for nothing in both healths.
    pub fn is_full(&self) -> bool {
        self.init_bps >= BPS && self.maint_bps >= BPS
    }
}

/// `value * (10^4 -/+ haircut) / 10^4` rounded down: minus for an asset (value >= 0), plus for a
/// liability (value < 0).
fn apply_haircut(value: Fixed, haircut_bps: u16) -> Result<Fixed, RiskError> {
    let h = i128::from(haircut_bps.min(BPS));
    let factor = if value.is_negative() { i128::from(BPS) + h } else { i128::from(BPS) - h };
    value.mul_div(factor, u64::from(BPS)).context("haircut")
}

/// One collateral holding of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollateralInput {
    /// Index of the underlying in its group.
    pub underlying: u16,
    /// Balance in native token units; negative means owed.
    pub balance: i64,
    /// Decimals of the token (native units per whole token = 10^decimals).
    pub decimals: u8,
    pub haircuts: Haircuts,
    pub price: PriceInput,
}

/// Read access to an account's portfolio: on-chain over the program's accounts, off-chain over
/// decoded accounts, in tests over plain values.
pub trait MarginReader {
    /// Number of collateral holdings (non-empty slots).
    fn collateral_count(&self) -> usize;
    /// Holding `i`, `i < collateral_count()`.
    fn collateral(&self, i: usize) -> Result<CollateralInput, RiskError>;
}

/// A plain list of holdings (tests, the CLI's portfolio files).
impl MarginReader for [CollateralInput] {
    fn collateral_count(&self) -> usize {
        self.len()
    }
    fn collateral(&self, i: usize) -> Result<CollateralInput, RiskError> {
        Ok(self[i])
    }
}

/// Health figures in quote units (whole tokens, 64 fractional bits).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Health {
    /// Value of the holdings at their asset prices, before haircuts.
    pub assets: Fixed,
    /// Value owed at liability prices, before haircuts (non-negative).
    pub liabilities: Fixed,
    /// Initial health: must stay >= 0 after any action that adds risk.
    pub init: Fixed,
    /// Maintenance health: the account is liquidatable below 0.
    pub maint: Fixed,
}

impl Health {
    /// Whether the account may not take on risk (init health below zero).
    pub fn init_negative(&self) -> bool {
        self.init.is_negative()
    }
}

/// Computes health from a reader. See the module documentation for the formulas.
pub fn compute<R: MarginReader + ?Sized>(reader: &R) -> Result<Health, RiskError> {
    let mut health = Health::default();
    for i in 0..reader.collateral_count() {
        health.add(&value_holding(&reader.collateral(i)?)?)?;
    }
    Ok(health)
}

impl Health {
    /// Adds one holding's contribution.
    pub fn add(&mut self, v: &HoldingValue) -> Result<(), RiskError> {
        if v.value.is_negative() {
            self.liabilities =
                self.liabilities.checked_sub(v.value).context("total liabilities")?;
        } else {
            self.assets = self.assets.checked_add(v.value).context("total assets")?;
        }
        self.init = self.init.checked_add(v.init).context("init health")?;
        self.maint = self.maint.checked_add(v.maint).context("maint health")?;
        Ok(())
    }
}

/// What one holding contributes to health, in quote units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HoldingValue {
    /// Value at the asset (or liability) price, before haircuts; negative when owed.
    pub value: Fixed,
    /// Contribution to init health.
    pub init: Fixed,
    /// Contribution to maint health.
    pub maint: Fixed,
}

impl HoldingValue {
    /// What the holding adds to its underlying's linear exposure, at both levels: its
    /// init-weighted value. Each level's health then gains `counted - move * init-weighted >= 0`
    /// from it (no move takes more than 100% of a long's value, and a level counts at least the
    /// init-weighted value), so a deposit never lowers health, in any vol regime; at maint the
    /// holding's risk is so understated by `move * (maint-weighted - init-weighted)` at most
    /// (docs/risk-model.md, section 3).
    pub fn exposure(&self) -> Fixed {
        self.init
    }
}

/// Values one holding (zero for an empty one or an asset with 100% haircuts, which need no price).
pub fn value_holding(h: &CollateralInput) -> Result<HoldingValue, RiskError> {
    if h.balance == 0 || (h.balance > 0 && h.haircuts.is_full()) {
        return Ok(HoldingValue::default());
    }
    let price = match h.price {
        PriceInput::Quote => OraclePrice::exact(Fixed::ONE),
        PriceInput::Valid(p) => p,
        PriceInput::Invalid(fault) => {
            return Err(RiskError::PriceUnavailable { underlying: h.underlying, fault })
        }
    };
    let scale = u64::try_from(pow10(u32::from(h.decimals)).context("token decimals")?)
        .map_err(|_| crate::MathError::Domain("token decimals"))
        .context("token decimals")?;
    let (unit_price, what) = if h.balance > 0 {
        (price.asset, "collateral value")
    } else {
        (price.liability, "liability value")
    };
    // One rounding, toward -infinity: down for assets, up (more negative) for liabilities.
    let value = unit_price.mul_div(i128::from(h.balance), scale).context(what)?;
    Ok(HoldingValue {
        value,
        init: apply_haircut(value, h.haircuts.init_bps)?,
        maint: apply_haircut(value, h.haircuts.maint_bps)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::{validate, OracleConfig, PriceSample};

    fn fx(s: &str) -> Fixed {
        s.parse().unwrap()
    }

    /// `actual` is within a relative 2^-50 (~1e-15) of `expected`, plus 64 ulps.
    fn assert_near(actual: Fixed, expected: &str) {
        let expected_raw = fx(expected).raw();
        let diff = (actual.raw() - expected_raw).abs();
        assert!(diff <= (expected_raw.abs() >> 50) + 64, "{actual} != {expected}");
    }

    fn priced(
        underlying: u16,
        balance: i64,
        decimals: u8,
        price: i64,
        conf: u64,
    ) -> CollateralInput {
        let sample =
            PriceSample { price, conf, exponent: 0, publish_time: 0, fully_verified: true };
        let cfg = OracleConfig { max_age_secs: 10, max_conf_bps: 10_000 };
        CollateralInput {
            underlying,
            balance,
            decimals,
            haircuts: Haircuts { init_bps: 2_000, maint_bps: 1_000 },
            price: PriceInput::Valid(validate(&sample, &cfg, 0).unwrap()),
        }
    }

    fn quote(balance: i64) -> CollateralInput {
        CollateralInput {
            underlying: 0,
            balance,
            decimals: 6,
            haircuts: Haircuts::NONE,
            price: PriceInput::Quote,
        }
    }

    #[test]
    fn haircuts_and_confidence_reduce_health() {
        // 2 SOL (9 decimals) at 100 +/- 1, haircuts 20% init / 10% maint; 50 USDC.
        let h = compute(&[priced(1, 2_000_000_000, 9, 100, 1), quote(50_000_000)][..]).unwrap();
        assert_eq!(h.assets, fx("248"));
        assert_eq!(h.liabilities, Fixed::ZERO);
        assert_near(h.init, "208.4"); // 198 * 0.8 + 50
        assert_near(h.maint, "228.2"); // 198 * 0.9 + 50
                                       // Rounding favours the protocol: never above the exact figure.
        assert!(h.init <= fx("208.4") && h.maint <= fx("228.2"));
        // Integer figures stay exact.
        let h = compute(&[priced(1, 3_000_000_000, 9, 150, 0)][..]).unwrap();
        assert_eq!((h.init, h.maint), (fx("360"), fx("405")));
    }

    #[test]
    fn quote_liability_counts_against_health() {
        let h = compute(&[priced(1, 1_000_000_000, 9, 100, 0), quote(-90_000_000)][..]).unwrap();
        assert_eq!(h.liabilities, fx("90"));
        assert_near(h.init, "-10"); // 100 * 0.8 - 90
        assert_near(h.maint, "0"); // 100 * 0.9 - 90
        assert!(h.init_negative() && h.maint <= Fixed::ZERO);
    }

    #[test]
    fn liabilities_use_price_plus_conf_and_liability_weight() {
        let h = compute(&[priced(2, -1_000_000, 6, 10, 1), quote(100_000_000)][..]).unwrap();
        // owes 1 token at 11 (price + conf), init liability weight 1.2 -> 13.2
        assert_eq!(h.liabilities, fx("11"));
        assert_near(h.init, "86.8");
        assert!(h.init <= fx("86.8"));
    }

    #[test]
    fn zero_weight_holding_needs_no_price() {
        let mut h = priced(3, 5, 0, 1, 0);
        h.haircuts = Haircuts { init_bps: 10_000, maint_bps: 10_000 };
        h.price = PriceInput::Invalid(OracleFault::NonPositive);
        assert_eq!(compute(&[h, quote(1_000_000)][..]).unwrap().init, Fixed::ONE);
    }

    #[test]
    fn weighted_holding_with_bad_price_fails_naming_underlying() {
        let mut h = priced(4, 5, 0, 1, 0);
        h.price = PriceInput::Invalid(OracleFault::Stale { age_secs: 99, max_age_secs: 60 });
        assert_eq!(
            compute(&[quote(1), h][..]),
            Err(RiskError::PriceUnavailable {
                underlying: 4,
                fault: OracleFault::Stale { age_secs: 99, max_age_secs: 60 }
            })
        );
    }

    #[test]
    fn overflow_is_an_error_naming_the_quantity() {
        let h = priced(1, i64::MAX, 0, i64::MAX, 0);
        assert!(matches!(compute(&[h][..]), Err(RiskError::Math { what: "collateral value", .. })));
    }
}
