//! First-order estimates for readers (the health views, the CLI): not used by any health check.
//!
//! **Liquidation price.** With an account's maintenance health `M` (qn) and one underlying's net
//! delta notional `D` (qn: what the account's equity gains, to first order, if that underlying's
//! price doubles), a relative move `r` of that price alone changes `M` by about `D r`; maint
//! health reaches zero at `r = -M / D`, so at the price `P (1 - M / D)`. The estimate ignores
//! gamma, vega and how the requirement itself moves with the price, so it is only a guide: the
//! account's real health at that price is what the program computes there.

use crate::error::{Context, RiskError};
use crate::fixed::{Fixed, Round};

/// The price of an underlying at which an account's maintenance health reaches zero to first
/// order (see the module doc), in the units of `price`, rounded down: `None` when no move of the
/// price does it (no net delta, or a price that would have to fall to zero or below); `price`
/// itself when maint health is already at or below zero.
pub fn liquidation_price(
    price: Fixed,
    maint_health: i128,
    net_delta: i128,
) -> Result<Option<Fixed>, RiskError> {
    if maint_health <= 0 {
        return Ok(Some(price));
    }
    if net_delta == 0 {
        return Ok(None);
    }
    // r = -M / D, in (-inf, 0) for a long delta, (0, inf) for a short one.
    let r = Fixed::from_ratio(-maint_health, net_delta).context("liquidation price")?;
    if r <= Fixed::from_int(-1) {
        return Ok(None);
    }
    let moved = price.mul(r).and_then(|m| price.checked_add(m));
    moved.map(Some).context("liquidation price")
}

/// `value * 10^9` rounded down, as an `i64` (the views' price unit).
pub fn to_e9(value: Fixed) -> Result<i64, RiskError> {
    value.mul_int(1_000_000_000).and_then(|v| v.to_i64(Round::Down)).context("price x 10^9")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn f(n: i64) -> Fixed {
        Fixed::from_int(n)
    }

    #[test]
    fn a_long_is_liquidated_below_a_short_above() {
        // $100, maint health 1,250, long 10,000 of delta: 12.5% down (exact in binary).
        assert_eq!(liquidation_price(f(100), 1_250, 10_000).unwrap(), Some(Fixed::lit(175, 2)));
        // Short 10,000: 12.5% up.
        assert_eq!(liquidation_price(f(100), 1_250, -10_000).unwrap(), Some(Fixed::lit(225, 2)));
        // Otherwise rounded down: 10% down from $100 is just below $90.
        let at = liquidation_price(f(100), 1_000, 10_000).unwrap().unwrap();
        assert!(at < f(90) && f(90).checked_sub(at).unwrap() < Fixed::lit(1, 1_000_000_000));
        // A long that survives any fall, an account without delta, one already below.
        assert_eq!(liquidation_price(f(100), 10_000, 10_000).unwrap(), None);
        assert_eq!(liquidation_price(f(100), 1_000, 0).unwrap(), None);
        assert_eq!(liquidation_price(f(100), 0, 10_000).unwrap(), Some(f(100)));
        assert_eq!(liquidation_price(f(100), -5, 0).unwrap(), Some(f(100)));
        assert_eq!(to_e9(Fixed::lit(3, 2)).unwrap(), 1_500_000_000);
    }

    proptest! {
        /// At the estimate the first-order health `M + D (P' / P - 1)` is zero, up to rounding.
        #[test]
        fn first_order_health_is_zero_at_the_estimate(
            price in 1i64..1_000_000,
            health in 1i128..1_000_000_000_000,
            delta in -1_000_000_000_000i128..1_000_000_000_000,
        ) {
            let p = f(price);
            if let Some(at) = liquidation_price(p, health, delta).unwrap() {
                let r = at.checked_sub(p).unwrap().div(p).unwrap();
                let left = Fixed::from_i128(health).unwrap().checked_add(r.mul_int(delta).unwrap()).unwrap();
                // r is rounded down (and the price too): within one part in 2^40 of D.
                let tolerance = Fixed::from_i128(delta.abs() / (1 << 40) + 1).unwrap();
                prop_assert!(left.abs().unwrap() <= tolerance, "{left} > {tolerance}");
                prop_assert!(at.is_positive());
            } else {
                prop_assert!(delta == 0 || (delta > 0 && health >= delta));
            }
        }
    }
}
