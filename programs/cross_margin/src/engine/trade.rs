//! What every bilateral trade shares, whatever the instrument: the instrument itself, the fill of
//! one side, the price band, fees and open interest.
//!
//! Units: sizes in contracts, prices in native quote units (qn) per contract, money in qn.

use anchor_lang::prelude::*;

use crate::error::XmError;

/// Largest position and trade in contracts (the risk engine's bound).
pub const MAX_CONTRACTS: i64 = xmargin_risk::book::MAX_CONTRACTS;

/// What is traded.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Instrument {
    /// The perpetual future of the underlying.
    Perp,
    /// Series `series` of the underlying's option chain.
    Option { series: u16 },
}

/// One side of a fill: its position before and after, in contracts (negative = short/written).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fill {
    pub before: i64,
    pub after: i64,
}

impl Fill {
    /// Whether the fill only shrank the position (never opened, grew or flipped it).
    pub fn reduces(&self) -> bool {
        self.after.signum() * self.before.signum() >= 0 && self.after.abs() <= self.before.abs()
    }

    /// Change in contracts held long.
    fn long_change(&self) -> i64 {
        self.after.max(0) - self.before.max(0)
    }
}

/// What a trade did, for the event and the health checks: `[buyer, seller]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Traded {
    pub fills: [Fill; 2],
    /// Fee each side paid, qn.
    pub fee: i64,
    /// Premium the buyer paid the seller, qn (0 for perpetuals).
    pub premium: i64,
}

/// Checks a trade price against the band: `|price - reference| <= band_bps / 10^4 * x`, where `x`
/// is the underlying's price per contract and `reference` what the instrument is worth (the price
/// itself for a perpetual, the carried mark for an option).
pub fn check_band(band_bps: u16, price: i64, reference: i64, x: i64) -> Result<()> {
    let diff = (i128::from(price) - i128::from(reference)).unsigned_abs() * 10_000;
    if diff > x.unsigned_abs() as u128 * u128::from(band_bps) {
        msg!(
            "price {} outside {} bps of {} per contract (reference {})",
            price,
            band_bps,
            x,
            reference
        );
        return err!(XmError::PriceOutsideBand);
    }
    Ok(())
}

/// A fee in qn from an amount weighted in basis points (`notional * bps`): `ceil(weighted / 10^4)`.
pub fn fee_ceil(weighted: u128) -> Result<i64> {
    i64::try_from(weighted.div_ceil(10_000)).map_err(|_| error!(XmError::MathOverflow))
}

/// Open interest (contracts held long) after a buyer's and a seller's fills.
pub fn open_interest_after(open_interest: u64, fills: &[Fill; 2]) -> Result<u64> {
    let change = i128::from(fills[0].long_change()) + i128::from(fills[1].long_change());
    u64::try_from(i128::from(open_interest) + change).map_err(|_| error!(XmError::MathOverflow))
}

/// A position after adding `delta`, within the engine's bound.
pub fn position_after(before: i64, delta: i64) -> Result<Fill> {
    let after = before.checked_add(delta).ok_or(XmError::PositionTooLarge)?;
    require!(after.abs() <= MAX_CONTRACTS, XmError::PositionTooLarge);
    Ok(Fill { before, after })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_reduce_or_not() {
        let f = |b, a| Fill { before: b, after: a };
        assert!(f(10, 4).reduces() && f(-10, 0).reduces() && f(0, 0).reduces());
        assert!(!f(10, 11).reduces() && !f(10, -1).reduces() && !f(0, 1).reduces());
    }

    #[test]
    fn open_interest_follows_the_long_side() {
        let f = |b, a| Fill { before: b, after: a };
        assert_eq!(open_interest_after(0, &[f(0, 5), f(0, -5)]).unwrap(), 5);
        // A long sells to a new short: unchanged; a long sells to a short who closes: down.
        assert_eq!(open_interest_after(5, &[f(0, 2), f(5, 3)]).unwrap(), 5);
        assert_eq!(open_interest_after(5, &[f(-5, -3), f(5, 3)]).unwrap(), 3);
        assert!(open_interest_after(0, &[f(-1, 0), f(1, 0)]).is_err());
    }

    #[test]
    fn band_is_inclusive_and_symmetric() {
        assert!(check_band(500, 105, 100, 100).is_ok() && check_band(500, 95, 100, 100).is_ok());
        assert!(check_band(500, 106, 100, 100).is_err() && check_band(500, 94, 100, 100).is_err());
        // An option: the band is a fraction of the underlying, around the mark.
        assert!(check_band(100, 8, 7, 150).is_ok() && check_band(100, 9, 7, 150).is_err());
    }
}
