//! Perpetual futures: listing, fills, funding and P&L settlement on plain account structs.
//!
//! Units: sizes in contracts, prices in native quote units (qn) per contract, money in qn.
//!
//! - **Fill** of `n` contracts at `p` (buyer `+n`, seller `-n`): funding is booked first, then
//!   `base += n`, `quote -= n p`. Every fill has both sides, so the sum of all `base` is 0 and the
//!   sum of all `quote` is 0.
//! - **Funding**: `funding_index` (qn per contract, an integer) grows by
//!   `X * clamp(premium, +/-cap) * dt / 1 h` per accrual (`X` the oracle price per contract), the
//!   fraction below one qn being carried in `funding_remainder`. A position pays
//!   `base * (index - snapshot)` into its `quote` whenever it is touched. Since the index is an
//!   integer and the sum of `base` is 0 at every accrual, the payments sum to exactly 0.
//! - **Premium**: `premium_ema`, the time-weighted average of `(p - X) / X` over trades with a
//!   one-hour window: `ema += (premium - ema) * min(dt, 1 h) / 1 h`. A trade first accrues funding
//!   up to its time at the average that prevailed before it, so no trade changes the rate of time
//!   already passed; a trade at the band's edge moves the average by at most the band, and the
//!   rate is capped at `max_funding_bps_per_hour` whatever the average.
//! - **Settlement** moves unrealized P&L `base * X + quote` between a winner and a loser, the
//!   smaller of the two magnitudes, into their quote balances: both `quote`s and both balances
//!   change by opposite amounts, so each sum is unchanged.

use anchor_lang::prelude::*;

use crate::engine::collateral::change_balance;
use crate::engine::trade::{
    check_band, fee_ceil, open_interest_after, position_after, Fill, Traded,
};
use crate::error::XmError;
use crate::state::{MarginAccount, PerpMarket, PerpPosition, Underlying, EMPTY_SLOT, QUOTE_INDEX};

/// Funding and premium window, seconds.
pub const FUNDING_WINDOW_SECS: i64 = 3_600;
/// Largest trading fee, basis points.
pub const MAX_FEE_BPS: u16 = 1_000;
/// Largest price band, basis points.
pub const MAX_BAND_BPS: u16 = 5_000;

/// What the admin lists a perpetual with.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerpParams {
    /// Native units of the underlying per contract (> 0).
    pub contract_size: u64,
    /// Fee per side, basis points of notional (<= 1,000).
    pub fee_bps: u16,
    /// Price band around the oracle, basis points (1..=5,000).
    pub band_bps: u16,
    /// Funding rate cap per hour, basis points (<= 10,000).
    pub max_funding_bps_per_hour: u16,
}

/// Lists the perpetual.
pub fn list(market: &mut PerpMarket, params: &PerpParams, now: i64) -> Result<()> {
    require!(market.listed == 0, XmError::PerpAlreadyListed);
    require!(
        params.contract_size > 0
            && params.fee_bps <= MAX_FEE_BPS
            && (1..=MAX_BAND_BPS).contains(&params.band_bps)
            && params.max_funding_bps_per_hour <= 10_000,
        XmError::InvalidPerpParams
    );
    market.listed = 1;
    market.contract_size = params.contract_size;
    market.fee_bps = params.fee_bps;
    market.band_bps = params.band_bps;
    market.max_funding_bps_per_hour = params.max_funding_bps_per_hour;
    market.last_funding_ts = now;
    market.last_premium_ts = now;
    Ok(())
}

/// `floor(a * b / d)` for `d > 0`, any sign of `a * b`.
fn mul_div_floor(a: i128, b: i128, d: u128) -> Result<i128> {
    let p = a.checked_mul(b).ok_or(XmError::MathOverflow)?;
    Ok(xmargin_risk::wide::div_floor(p, d))
}

/// Updates the premium average with a trade at `price` when the oracle says `x`.
pub fn record_premium(market: &mut PerpMarket, price: i64, x: i64, now: i64) -> Result<()> {
    let premium = mul_div_floor(i128::from(price) - i128::from(x), 1 << 32, x as u128)?;
    let dt = now.saturating_sub(market.last_premium_ts).clamp(0, FUNDING_WINDOW_SECS);
    let ema = i128::from(market.premium_ema);
    let step = mul_div_floor(premium - ema, i128::from(dt), FUNDING_WINDOW_SECS as u128)?;
    market.premium_ema = i64::try_from(ema + step).map_err(|_| XmError::MathOverflow)?;
    market.last_premium_ts = now;
    market.last_trade_price = price;
    Ok(())
}

/// Accrues funding up to `now` at the oracle price `x` (qn per contract). Returns the index change.
pub fn accrue_funding(market: &mut PerpMarket, x: i64, now: i64) -> Result<i64> {
    let dt = now.saturating_sub(market.last_funding_ts).max(0);
    let cap = (i128::from(market.max_funding_bps_per_hour) << 32) / 10_000;
    let rate = i128::from(market.premium_ema).clamp(-cap, cap);
    // qn per contract in Q32 over dt: x * rate * dt / 1 h, rounded down, plus the carried fraction.
    let accrued = mul_div_floor(i128::from(x) * rate, i128::from(dt), FUNDING_WINDOW_SECS as u128)?;
    let total = accrued + i128::from(market.funding_remainder);
    let whole = total >> 32;
    market.funding_remainder = (total - (whole << 32)) as i64;
    let whole = i64::try_from(whole).map_err(|_| XmError::MathOverflow)?;
    market.funding_index = market.funding_index.checked_add(whole).ok_or(XmError::MathOverflow)?;
    market.last_funding_ts = now;
    Ok(whole)
}

/// Books unpaid funding into the position's quote side.
pub fn book_funding(position: &mut PerpPosition, market: &PerpMarket) -> Result<()> {
    let owed = i128::from(position.base)
        * (i128::from(market.funding_index) - i128::from(position.funding_snapshot));
    position.quote =
        i64::try_from(i128::from(position.quote) - owed).map_err(|_| XmError::MathOverflow)?;
    position.funding_snapshot = market.funding_index;
    Ok(())
}

/// The account's position on `underlying`, opening an empty one if needed.
pub fn position_mut<'a>(
    account: &'a mut MarginAccount,
    underlying: u16,
    market: &PerpMarket,
) -> Result<&'a mut PerpPosition> {
    let slot = match account.perps.iter().position(|p| p.underlying == underlying) {
        Some(slot) => slot,
        None => {
            let slot = account
                .perps
                .iter()
                .position(|p| p.underlying == EMPTY_SLOT)
                .ok_or(XmError::PerpSlotsFull)?;
            account.perps[slot] = PerpPosition {
                underlying,
                funding_snapshot: market.funding_index,
                ..PerpPosition::default()
            };
            slot
        }
    };
    Ok(&mut account.perps[slot])
}

/// Frees the account's slot on `underlying` if it holds nothing.
pub fn release_if_flat(account: &mut MarginAccount, underlying: u16) {
    for p in account.perps.iter_mut().filter(|p| p.underlying == underlying) {
        if p.base == 0 && p.quote == 0 {
            *p = PerpPosition { underlying: EMPTY_SLOT, ..PerpPosition::default() };
        }
    }
}

/// Applies `base_delta` contracts at `price` to the account's position (funding booked first).
pub fn fill(
    account: &mut MarginAccount,
    underlying: u16,
    market: &PerpMarket,
    base_delta: i64,
    price: i64,
) -> Result<Fill> {
    let position = position_mut(account, underlying, market)?;
    book_funding(position, market)?;
    let Fill { before, after } = position_after(position.base, base_delta)?;
    let cost = i128::from(base_delta) * i128::from(price);
    position.quote =
        i64::try_from(i128::from(position.quote) - cost).map_err(|_| XmError::MathOverflow)?;
    position.base = after;
    release_if_flat(account, underlying);
    Ok(Fill { before, after })
}

/// Trades `quantity` contracts at `price` between `sides` (`[buyer, seller]`) when the oracle's
/// mid is `x` per contract: band, funding accrued up to now, both fills with their fees taken from
/// the quote balances, open interest and the premium average.
pub fn trade(
    u: &mut Underlying,
    sides: [&mut MarginAccount; 2],
    quantity: i64,
    price: i64,
    x: i64,
    now: i64,
) -> Result<Traded> {
    check_band(u.perp.band_bps, price, x, x)?;
    // Funding up to now accrues at the premium that prevailed before this trade.
    accrue_funding(&mut u.perp, x, now)?;
    // |quantity| < 2^31, 0 < price < 2^63, bps < 2^16: the product fits.
    let notional = quantity.unsigned_abs() as u128 * price.unsigned_abs() as u128;
    let fee = fee_ceil(notional * u128::from(u.perp.fee_bps))?;
    let mut fills = [Fill { before: 0, after: 0 }; 2];
    for (k, (account, delta)) in sides.into_iter().zip([quantity, -quantity]).enumerate() {
        fills[k] = fill(account, u.index, &u.perp, delta, price)?;
        change_balance(account, QUOTE_INDEX, -fee)?;
    }
    u.perp.open_interest = open_interest_after(u.perp.open_interest, &fills)?;
    record_premium(&mut u.perp, price, x, now)?;
    Ok(Traded { fills, fee, premium: 0 })
}

/// Unrealized P&L of a position at `x` per contract, after booking funding.
pub fn unrealized(position: &PerpPosition, x: i64) -> i128 {
    i128::from(position.base) * i128::from(x) + i128::from(position.quote)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytemuck::Zeroable;

    fn market() -> PerpMarket {
        let mut m = PerpMarket::zeroed();
        let params = PerpParams {
            contract_size: 1,
            fee_bps: 10,
            band_bps: 500,
            max_funding_bps_per_hour: 100,
        };
        list(&mut m, &params, 0).unwrap();
        m
    }

    #[test]
    fn funding_is_exact_and_carries_its_remainder() {
        let mut m = market();
        // Premium +0.1%: funding 0.1% of the price per hour, below the 1% cap.
        m.premium_ema = (1i64 << 32) / 1_000;
        let mut paid = 0i64;
        for t in 1..=3_600 {
            paid += accrue_funding(&mut m, 1_000_003, t).unwrap();
        }
        // One hour at 0.1% of 1,000,003 = 1,000.003 qn: 1,000 booked, the fraction carried.
        assert_eq!((paid, m.funding_index), (1_000, 1_000));
        assert!(m.funding_remainder >= 0 && m.funding_remainder < 1 << 32);
        // The cap binds.
        m.premium_ema = 1 << 32;
        let before = m.funding_index;
        accrue_funding(&mut m, 1_000_000, 3_600 * 2).unwrap();
        assert_eq!(m.funding_index - before, 10_000);
    }
}
