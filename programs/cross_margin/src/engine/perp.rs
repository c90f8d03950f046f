//! Perpetual futures and the account's market positions (perpetual base and the unsettled quote
//! of every trade on the underlying): listing, fills, funding and P&L settlement on plain structs.
//!
//! Units: sizes in contracts, prices in native quote units (qn) per contract, money in qn; the
//! premium and rates in `Q32` (2^32 = 100%).
//!
//! Invariants (checked after every transaction by the tests' conservation check):
//! - **Fill** of `n` contracts at `p` (buyer `+n`, seller `-n`), each side paying fee `f`: funding
//!   is booked first, then `base += n`, `quote -= n p + f`, and the underlying's `fees_accrued`
//!   grows by `2 f`. So the sum of all `base` is 0, and the sum of all `quote` plus `fees_accrued`
//!   is unchanged (options' premiums and expiry payments keep it too, see `option_positions`).
//! - **Funding**: `funding_index` (qn per contract, an integer) grows by `X * F` per accrual (`X`
//!   the oracle price per contract, `F` the premium average integrated over the elapsed time,
//!   below), the fraction below one qn carried in `funding_remainder`. A position pays
//!   `base * (index - snapshot)` into its `quote` whenever it is touched; health counts the funding
//!   owed up to now ([`funding_index_at`]). Since the index is an integer and the sum of `base` is
//!   0 at every accrual, the payments sum to exactly 0.
//! - **Premium average**: a trade at `p` when the oracle says `X` is a sample `s = (p - X) / X`,
//!   clamped to the funding cap, weighted by its size against the open interest before it:
//!   `ema' = ema + (s - ema) q / (q + OI)`; between updates the average decays linearly to 0 over
//!   one hour (`ema(t) = ema (1 - min(t - t_p, 1 h) / 1 h)`). One contract traded at the band's
//!   edge against 1,000 open moves it by at most `cap / 1,001`, an hour of silence returns it to
//!   0, and pushing it to half the cap takes a wash trade as large as the open interest (paying
//!   both fees on it) for half an hour's capped funding on the rest. Funding
//!   over `[t1, t2]` integrates the decaying average: `F = ema (b - a)(2 h - a - b) / (2 h^2)` with
//!   `a`, `b` the two times' ages of the average capped at one hour (in `Q32`, rounded down). A
//!   trade first accrues funding up to its time at the average before it, so no trade changes the
//!   rate of time already passed.
//! - **Settlement** moves unrealized P&L `base * X + quote` between a winner and a loser, the
//!   smaller of the two magnitudes, into their quote balances: both `quote`s and both balances
//!   change by opposite amounts, so each sum is unchanged.

use anchor_lang::prelude::*;
use xmargin_risk::wide::{div_floor, mul_q32, mul_wide};

use crate::engine::portfolio::require_room_for;
use crate::engine::trade::{accrue_fees, open_interest_after, position_after, Fill, Transferred};
use crate::engine::{collateral, lending};
use crate::error::XmError;
use crate::state::{MarginAccount, PerpMarket, PerpPosition, Underlying, EMPTY_SLOT};

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
    /// Most contracts open at once (> 0).
    pub max_open_interest: u64,
}

/// What a perpetual trades under after listing: everything of [`PerpParams`] but the contract
/// size, and what `params_set` / `params_queue` change (`ParamChange::Perp`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerpTerms {
    /// Fee per side, basis points of notional (<= 1,000).
    pub fee_bps: u16,
    /// Price band around the oracle, basis points (1..=5,000).
    pub band_bps: u16,
    /// Funding rate cap per hour, basis points (<= 10,000).
    pub max_funding_bps_per_hour: u16,
    /// Most contracts open at once (> 0).
    pub max_open_interest: u64,
}

impl PerpTerms {
    /// The terms of a listing.
    pub fn of(p: &PerpParams) -> PerpTerms {
        PerpTerms {
            fee_bps: p.fee_bps,
            band_bps: p.band_bps,
            max_funding_bps_per_hour: p.max_funding_bps_per_hour,
            max_open_interest: p.max_open_interest,
        }
    }

    /// The terms a listed market trades under.
    pub fn current(market: &PerpMarket) -> PerpTerms {
        PerpTerms {
            fee_bps: market.fee_bps,
            band_bps: market.band_bps,
            max_funding_bps_per_hour: market.max_funding_bps_per_hour,
            max_open_interest: market.max_open_interest,
        }
    }

    /// Checks the documented ranges.
    pub fn validate(&self) -> Result<()> {
        require!(
            self.fee_bps <= MAX_FEE_BPS
                && (1..=MAX_BAND_BPS).contains(&self.band_bps)
                && self.max_funding_bps_per_hour <= 10_000
                && self.max_open_interest > 0,
            XmError::InvalidPerpParams
        );
        Ok(())
    }

    /// Validates and writes the terms into a listed market. A new funding cap applies from the
    /// market's last accrual on (at most one crank interval back).
    pub fn write(&self, market: &mut PerpMarket) -> Result<()> {
        require!(market.listed == 1, XmError::PerpNotListed);
        self.validate()?;
        market.fee_bps = self.fee_bps;
        market.band_bps = self.band_bps;
        market.max_funding_bps_per_hour = self.max_funding_bps_per_hour;
        market.max_open_interest = self.max_open_interest;
        Ok(())
    }
}

/// Lists the perpetual.
pub fn list(market: &mut PerpMarket, params: &PerpParams, now: i64) -> Result<()> {
    require!(market.listed == 0, XmError::PerpAlreadyListed);
    require!(params.contract_size > 0, XmError::InvalidPerpParams);
    PerpTerms::of(params).validate()?;
    market.listed = 1;
    market.contract_size = params.contract_size;
    PerpTerms::of(params).write(market)?;
    market.last_funding_ts = now;
    market.last_premium_ts = now;
    Ok(())
}

/// The premium average's weight over `[a, b]` seconds after its last update, `Q32`, rounded down:
/// `(b' - a')(2 W - a' - b') / (2 W^2)` with `a'`, `b'` capped to `[0, W]` (`W` one hour), the
/// integral of the linear decay `1 - t / W` in hours.
fn decayed_weight_q32(a: i64, b: i64) -> i64 {
    let w = FUNDING_WINDOW_SECS;
    let (a, b) = (a.clamp(0, w), b.clamp(0, w));
    if b <= a {
        return 0;
    }
    // (b - a) <= 3,600 and (2 W - a - b) <= 7,200: the product shifted by 32 fits below 2^57.
    // (Unsigned: SBF has no signed division.)
    let num = (((b - a) * (2 * w - a - b)) as u64) << 32;
    (num / (2 * w * w) as u64) as i64
}

/// The premium average at `now` (decayed since its last update, rounded toward zero).
pub fn premium_at(market: &PerpMarket, now: i64) -> i64 {
    let age = now.saturating_sub(market.last_premium_ts).clamp(0, FUNDING_WINDOW_SECS);
    // |ema| <= 2^32 (clamped to the cap) and the factor <= 3,600: the product fits. The
    // magnitude is divided (SBF has no signed division), so the result rounds toward zero.
    let left = (FUNDING_WINDOW_SECS - age) as u64;
    let magnitude = market.premium_ema.unsigned_abs() * left / FUNDING_WINDOW_SECS as u64;
    if market.premium_ema < 0 {
        -(magnitude as i64)
    } else {
        magnitude as i64
    }
}

/// The funding cap as a `Q32` premium.
fn cap_q32(market: &PerpMarket) -> i64 {
    ((u64::from(market.max_funding_bps_per_hour) << 32) / 10_000) as i64
}

/// Updates the premium average with a trade of `quantity` contracts at `price` when the oracle
/// says `x` and `open_interest` contracts were open before it (see the module doc).
pub fn record_premium(
    market: &mut PerpMarket,
    price: i64,
    x: i64,
    quantity: i64,
    open_interest: u64,
    now: i64,
) -> Result<()> {
    require!(x > 0 && quantity > 0, XmError::MathOverflow);
    // The sample is clamped to the cap first: a trade at the band's edge counts no more than one
    // at the cap, so moving the average to the cap takes ever more size against the open interest.
    let cap = i128::from(cap_q32(market));
    let sample = div_floor((i128::from(price) - i128::from(x)) << 32, x as u128).clamp(-cap, cap);
    let current = i128::from(premium_at(market, now));
    let weight = u128::from(open_interest) + quantity as u128;
    // |sample - current| <= 2^33 and quantity < 2^31: the product fits.
    let step = div_floor((sample - current) * i128::from(quantity), weight);
    market.premium_ema = (current + step).clamp(-cap, cap) as i64;
    market.last_premium_ts = now;
    market.last_trade_price = price;
    Ok(())
}

/// Accrues funding up to `now` at the oracle price `x` (qn per contract). Returns the index change.
pub fn accrue_funding(market: &mut PerpMarket, x: i64, now: i64) -> Result<i64> {
    let since = market.last_premium_ts;
    let weight =
        decayed_weight_q32(market.last_funding_ts.saturating_sub(since), now.saturating_sub(since));
    let cap = cap_q32(market);
    let rate = market.premium_ema.clamp(-cap, cap);
    // qn per contract in Q32: |x rate| < 2^96 and the weight <= 2^31, so the product fits.
    let accrued = mul_q32(mul_wide(x, rate), weight);
    let total = accrued + i128::from(market.funding_remainder);
    let whole = total >> 32;
    market.funding_remainder = (total - (whole << 32)) as i64;
    let whole = i64::try_from(whole).map_err(|_| XmError::MathOverflow)?;
    market.funding_index = market.funding_index.checked_add(whole).ok_or(XmError::MathOverflow)?;
    market.last_funding_ts = market.last_funding_ts.max(now);
    Ok(whole)
}

/// The funding index `accrue_funding` would reach at `now` and price `x`, without changing the
/// market: what health charges a position for the funding it owes up to now.
pub fn funding_index_at(market: &PerpMarket, x: i64, now: i64) -> Result<i64> {
    if market.premium_ema == 0 || now <= market.last_funding_ts {
        return Ok(market.funding_index);
    }
    let mut m = *market;
    accrue_funding(&mut m, x, now)?;
    Ok(m.funding_index)
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

/// The account's market position on `underlying`, opening an empty one if needed.
pub fn position_mut<'a>(
    account: &'a mut MarginAccount,
    underlying: u16,
    market: &PerpMarket,
) -> Result<&'a mut PerpPosition> {
    let slot = match account.perps.iter().position(|p| p.underlying == underlying) {
        Some(slot) => slot,
        None => {
            require_room_for(account, underlying)?;
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

/// Adds `amount` (negative: a payment) to the account's unsettled quote on `underlying`.
pub fn pay(
    account: &mut MarginAccount,
    underlying: u16,
    market: &PerpMarket,
    amount: i64,
) -> Result<()> {
    let position = position_mut(account, underlying, market)?;
    position.quote = position.quote.checked_add(amount).ok_or(XmError::MathOverflow)?;
    release_if_flat(account, underlying);
    Ok(())
}

/// Applies `base_delta` contracts at `price` and a fee to the account's position (funding booked
/// first).
pub fn fill(
    account: &mut MarginAccount,
    underlying: u16,
    market: &PerpMarket,
    base_delta: i64,
    price: i64,
    fee: i64,
) -> Result<Fill> {
    let position = position_mut(account, underlying, market)?;
    book_funding(position, market)?;
    let Fill { before, after } = position_after(position.base, base_delta)?;
    let cost = i128::from(base_delta) * i128::from(price) + i128::from(fee);
    position.quote =
        i64::try_from(i128::from(position.quote) - cost).map_err(|_| XmError::MathOverflow)?;
    position.base = after;
    release_if_flat(account, underlying);
    Ok(Fill { before, after })
}

/// The value transfer of a perpetual trade of `quantity` contracts at `price` between `sides`
/// (`[buyer, seller]`), each paying `fee`, when the oracle's mid is `x` per contract: funding
/// accrued up to now (at the premium that prevailed before the trade), both fills, open interest
/// and the fees.
pub fn transfer(
    u: &mut Underlying,
    sides: [&mut MarginAccount; 2],
    quantity: i64,
    price: i64,
    fee: i64,
    x: i64,
    now: i64,
) -> Result<Transferred> {
    accrue_funding(&mut u.perp, x, now)?;
    let mut fills = [Fill { before: 0, after: 0 }; 2];
    for (k, (account, delta)) in sides.into_iter().zip([quantity, -quantity]).enumerate() {
        fills[k] = fill(account, u.index, &u.perp, delta, price, fee)?;
    }
    u.perp.open_interest =
        open_interest_after(u.perp.open_interest, &fills, u.perp.max_open_interest)?;
    accrue_fees(u, fee)?;
    Ok(Transferred { fills, premium: 0 })
}

/// Unrealized P&L of a position at `x` per contract, after booking funding.
pub fn unrealized(position: &PerpPosition, x: i64) -> i128 {
    i128::from(position.base) * i128::from(x) + i128::from(position.quote)
}

/// Settles P&L on `u` at `x` per contract from `loser` to `winner` (funding booked first): the
/// smaller of the winner's gain and the loser's loss moves from their unsettled quote into their
/// quote balances (`quote` is the quote underlying, whose totals follow) at `now`, as far as the
/// loser's `funding` allows (`lending::capacity`: only a loser shown not liquidatable borrows,
/// one that holds nothing of value settles everything, to be written off). Returns the amount.
pub fn settle_pnl(
    winner: &mut MarginAccount,
    loser: &mut MarginAccount,
    u: &Underlying,
    quote: &mut Underlying,
    x: i64,
    funding: lending::Funding,
    now: i64,
) -> Result<i64> {
    let mut pnl = [0i128; 2];
    for (k, account) in [&mut *winner, &mut *loser].into_iter().enumerate() {
        let position = position_mut(account, u.index, &u.perp)?;
        book_funding(position, &u.perp)?;
        pnl[k] = unrealized(position, x);
    }
    if pnl[0] <= 0 || pnl[1] >= 0 {
        xm_msg!("winner P&L {}, loser P&L {}", pnl[0], pnl[1]);
        return err!(XmError::NothingToSettle);
    }
    let fundable = fundable(loser, quote, funding, now)?;
    let amount = pnl[0].min(-pnl[1]).min(i128::from(fundable));
    let amount = i64::try_from(amount).map_err(|_| XmError::MathOverflow)?;
    for (account, signed) in [(winner, amount), (loser, -amount)] {
        let position = position_mut(account, u.index, &u.perp)?;
        position.quote = position.quote.checked_sub(signed).ok_or(XmError::MathOverflow)?;
        collateral::settle_into_quote(account, quote, signed, now)?;
        release_if_flat(account, u.index);
    }
    Ok(amount)
}

/// What a settlement may debit the loser's quote balance now (its interest booked; with
/// `funding`, `lending::capacity`): refused when that is nothing, with `PayerCannotBorrow` or
/// `QuoteUtilizationTooHigh`; the rest of a loss then waits.
fn fundable(
    loser: &mut MarginAccount,
    quote: &mut Underlying,
    funding: lending::Funding,
    now: i64,
) -> Result<u64> {
    match funding {
        lending::Funding::WriteOff => lending::book_bankrupt(loser, quote, now)?,
        _ => lending::book(loser, quote, now)?,
    }
    let fundable = lending::capacity(loser, quote, funding);
    if fundable == 0 {
        if loser.holds_nothing_of_value() {
            xm_msg!("the payer holds nothing of value: account_settle_bankruptcy settles its loss");
            return err!(XmError::PayerCannotBorrow);
        }
        if loser.has_no_holdings() {
            xm_msg!("the payer has no holdings: it borrows only against its unsettled gains");
            return err!(XmError::PayerCannotBorrow);
        }
        if funding != lending::Funding::Borrow {
            xm_msg!(
                "the payer has no quote balance and is not shown healthy: nothing is lent to it"
            );
            return err!(XmError::PayerCannotBorrow);
        }
        xm_msg!("the quote pool can fund no settlement now");
        return err!(XmError::QuoteUtilizationTooHigh);
    }
    Ok(fundable)
}

/// A fee settlement: what the account paid, and what the group waived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeeSettlement {
    /// Debited from the quote balance into the quote underlying's `fees_collected`, qn.
    pub paid: i64,
    /// Fees an account that holds nothing of value could not pay: taken off `fees_accrued`
    /// instead of lent to it (a loan would only be socialized), qn.
    pub waived: i64,
}

/// Settles `account`'s loss on `u` at `x` per contract against the fees the underlying accrued
/// (funding booked first): the smaller of the loss and `fees_accrued` moves from the account's
/// unsettled quote to its quote balance (debited), and from `fees_accrued` to the quote
/// underlying's `fees_collected`, at `now`, as far as the quote pool can fund the debit. An
/// account that holds nothing of value pays from its positive quote balance only, and the group
/// waives the rest, up to the underlying's `fees_accrued`: the fees accrued on a bankrupt
/// account's underlying absorb its loss there first, ahead of the insurance fund and the
/// depositors (they are the protocol's revenue, and what feeds the fund).
pub fn settle_fees(
    account: &mut MarginAccount,
    u: &mut Underlying,
    quote: &mut Underlying,
    x: i64,
    may_borrow: bool,
    now: i64,
) -> Result<FeeSettlement> {
    let position = position_mut(account, u.index, &u.perp)?;
    book_funding(position, &u.perp)?;
    let pnl = unrealized(position, x);
    if pnl >= 0 || u.fees_accrued == 0 {
        xm_msg!("P&L {}, fees accrued {}", pnl, u.fees_accrued);
        return err!(XmError::NothingToSettle);
    }
    // At most fees_accrued < 2^63.
    let due = (-pnl).min(i128::from(u.fees_accrued)) as i64;
    let fundable = if account.holds_nothing_of_value() {
        lending::book_bankrupt(account, quote, now)?;
        lending::quote_balance(account).max(0)
    } else {
        let funding = if may_borrow { lending::Funding::Borrow } else { lending::Funding::Balance };
        i64::try_from(fundable(account, quote, funding, now)?).unwrap_or(i64::MAX)
    };
    let paid = due.min(fundable);
    let waived = if account.holds_nothing_of_value() { due - paid } else { 0 };
    let position = position_mut(account, u.index, &u.perp)?;
    position.quote = position.quote.checked_add(paid + waived).ok_or(XmError::MathOverflow)?;
    if paid != 0 {
        collateral::settle_into_quote(account, quote, -paid, now)?;
    }
    u.fees_accrued -= (paid + waived) as u64;
    quote.fees_collected =
        quote.fees_collected.checked_add(paid as u64).ok_or(XmError::MathOverflow)?;
    release_if_flat(account, u.index);
    Ok(FeeSettlement { paid, waived })
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
            max_open_interest: 1_000_000,
        };
        list(&mut m, &params, 0).unwrap();
        m
    }

    /// Funding over an hour integrates the decaying average: half the hour's rate at the start,
    /// the same whether accrued every second or at once (to a qn), nothing once it has decayed.
    #[test]
    fn funding_integrates_the_decaying_premium() {
        let mut m = market();
        // Premium +0.1% set at t = 0: 0.1% of the price per hour decaying to 0 in an hour.
        m.premium_ema = (1i64 << 32) / 1_000;
        let mut once = m;
        let mut paid = 0i64;
        for t in 1..=3_600 {
            paid += accrue_funding(&mut m, 1_000_003, t).unwrap();
        }
        // Half of 0.1% of 1,000,003 = 500.0015 qn; each second's weight is rounded down.
        assert_eq!(accrue_funding(&mut once, 1_000_003, 3_600).unwrap(), 500);
        assert!((499..=500).contains(&paid), "{paid}");
        assert!(m.funding_remainder >= 0 && m.funding_remainder < 1 << 32);
        assert_eq!(accrue_funding(&mut m, 1_000_003, 7_200).unwrap(), 0);
        // The health view of the index agrees with the accrual, without changing the market.
        let mut later = market();
        later.premium_ema = (1i64 << 32) / 1_000;
        let index = funding_index_at(&later, 1_000_003, 1_800).unwrap();
        assert_eq!(later.funding_index, 0);
        accrue_funding(&mut later, 1_000_003, 1_800).unwrap();
        assert_eq!(index, later.funding_index);
    }

    #[test]
    fn the_premium_decays_and_the_cap_binds() {
        let mut m = market();
        m.premium_ema = 1 << 30;
        assert_eq!((premium_at(&m, 1_800), premium_at(&m, 3_600)), (1 << 29, 0));
        // A trade at +5% with nothing open sets the average, clamped to the 1% cap.
        record_premium(&mut m, 1_050_000, 1_000_000, 1, 0, 10).unwrap();
        assert_eq!(m.premium_ema, (100i64 << 32) / 10_000);
        let before = m.funding_index;
        accrue_funding(&mut m, 1_000_000, 10 + 3_600).unwrap();
        // Half of the capped 1% an hour of 1,000,000 (the cap in Q32 is rounded down).
        assert_eq!(m.funding_index - before, 4_999);
    }

    /// One contract at the band's edge against 1,000 open, after an hour of silence, moves the
    /// next hour's funding by a negligible fraction of the cap.
    #[test]
    fn a_tiny_trade_barely_moves_funding() {
        let mut m = market();
        m.open_interest = 1_000;
        m.premium_ema = 0;
        record_premium(&mut m, 1_050_000, 1_000_000, 1, 1_000, 3_600).unwrap();
        let before = m.funding_index;
        accrue_funding(&mut m, 1_000_000, 2 * 3_600).unwrap();
        let hour = m.funding_index - before;
        // The sample counts at the cap (1%), weighed 1 / 1,001; the cap's hour is 10,000 qn, this
        // hour's funding 0.04% of it.
        assert_eq!(m.premium_ema, (100i64 << 32) / 10_000 / 1_001);
        assert_eq!(hour, 4);
        // A trade as large as the open interest moves it half the way to the cap.
        let mut big = market();
        record_premium(&mut big, 1_050_000, 1_000_000, 1_000, 1_000, 0).unwrap();
        assert_eq!(big.premium_ema, (100i64 << 32) / 10_000 / 2);
    }
}
