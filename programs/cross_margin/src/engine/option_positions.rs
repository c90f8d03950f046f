//! Option positions: trades, the freshness a risk-increasing action needs, and cash settlement after
//! expiry, on plain account structs.
//!
//! Units: quantities in contracts of the chain's `contract_size`, prices in native quote units (qn)
//! per contract, money in qn.
//!
//! - **Trade** of `q` contracts at `p`: the buyer's quantity grows by `q`, the seller's shrinks by
//!   `q`, and the premium `q p` moves from the buyer's quote balance to the seller's, so the sum of
//!   quantities per series stays 0 and the sum of quote balances is unchanged (fees aside). Each
//!   side pays `ceil(q min(X fee_bps, p 1,250) / 10^4)`: a fraction of the underlying's notional,
//!   capped at 12.5% of the premium.
//! - **Band**: `|p - mark| <= band_bps / 10^4 X`, the mark being the series' cache entry carried
//!   to the live price `X` (a stale entry still anchors the band of a reducing trade).
//! - **Freshness**: a risk-increasing action values every held series from its cache entry, which
//!   must be of the current volatility epoch, younger than `cache_max_age_secs`, within
//!   `cache_max_drift_bps` of the price, and the chain's vols younger than `max_vol_age_secs`.
//! - **Settlement**: once the series is settled, a position of `q` contracts is closed for
//!   `q * settlement_value` into the quote balance. The chain counts what it has paid net
//!   (`settlement_net_paid`), which returns to 0 once every position of its settled series is
//!   settled, since the quantities sum to 0.

use anchor_lang::prelude::*;
use xmargin_risk::cache::{CacheLimits, SeriesEntry};

use crate::engine::collateral::change_balance;
use crate::engine::trade::{
    check_band, fee_ceil, open_interest_after, position_after, Fill, Traded,
};
use crate::error::{risk_error, XmError};
use crate::state::{
    MarginAccount, OptionChain, OptionPosition, OptionSeries, SeriesStatus, Underlying, EMPTY_SLOT,
    QUOTE_INDEX,
};

/// Largest fee as a fraction of the premium, basis points.
pub const FEE_PREMIUM_CAP_BPS: u16 = 1_250;

/// Series `index` of a listed chain.
pub fn series(chain: &OptionChain, index: u16) -> Result<&OptionSeries> {
    require!(chain.listed == 1, XmError::ChainNotListed);
    let listed = usize::from(index) < usize::from(chain.series_count);
    let s = chain.series.get(usize::from(index)).filter(|_| listed);
    s.ok_or_else(|| error!(XmError::SeriesNotListed))
}

/// Series `index` if it may be traded at `now`: active and not expired.
pub fn tradable(chain: &OptionChain, index: u16, now: i64) -> Result<&OptionSeries> {
    let s = series(chain, index)?;
    require!(s.is(SeriesStatus::Active), XmError::SeriesNotActive);
    require!(now < s.expiry, XmError::SeriesExpired);
    Ok(s)
}

/// The cache entry of series `index` of `u` if a risk-increasing action may value it at `x` per
/// contract and `now` (see the module doc), read in place.
pub fn fresh_entry<'a>(
    u: &Underlying,
    index: u16,
    s: &'a OptionSeries,
    x: i64,
    now: i64,
) -> Result<&'a SeriesEntry> {
    let chain = &u.options;
    if now >= s.expiry {
        msg!("series {} of underlying {} expired at {}: settle it first", index, u.index, s.expiry);
        return err!(XmError::SeriesAwaitingSettlement);
    }
    let vol_age = now.saturating_sub(chain.vols_posted_ts);
    if chain.vols_posted_ts == 0 || vol_age > i64::from(chain.max_vol_age_secs) {
        msg!(
            "underlying {}: vols posted {} s ago, max {}",
            u.index,
            vol_age,
            chain.max_vol_age_secs
        );
        return err!(XmError::VolatilityStale);
    }
    let entry = s.cache.entry();
    let limits = CacheLimits {
        max_age_secs: i64::from(chain.cache_max_age_secs),
        max_drift_bps: chain.cache_max_drift_bps,
    };
    if let Err(fault) = entry.check(x, now, s.expiry, u.risk.vol_epoch, &limits) {
        msg!("series {} of underlying {}: risk cache {}", index, u.index, fault);
        return err!(XmError::RiskCacheStale);
    }
    Ok(entry)
}

/// Applies `delta` contracts of `series` to the account's option positions.
pub fn fill(account: &mut MarginAccount, underlying: u16, series: u16, delta: i64) -> Result<Fill> {
    let held = |o: &OptionPosition| o.underlying == underlying && o.series == series;
    let slot = match account.options.iter().position(held) {
        Some(slot) => slot,
        None => account
            .options
            .iter()
            .position(|o| o.underlying == EMPTY_SLOT)
            .ok_or(XmError::OptionSlotsFull)?,
    };
    let position = &mut account.options[slot];
    let before = if held(position) { position.quantity } else { 0 };
    let f = position_after(before, delta)?;
    *position = if f.after == 0 {
        OptionPosition { underlying: EMPTY_SLOT, ..OptionPosition::default() }
    } else {
        OptionPosition { underlying, series, quantity: f.after, ..OptionPosition::default() }
    };
    Ok(f)
}

/// Trades `quantity` contracts of `series` at `price` between `sides` (`[buyer, seller]`) when
/// the underlying's mid is `x` per contract of the chain: band, fills, premium and fees through
/// the quote balances, open interest.
pub fn trade(
    u: &mut Underlying,
    series_index: u16,
    sides: [&mut MarginAccount; 2],
    quantity: i64,
    price: i64,
    x: i64,
    now: i64,
) -> Result<Traded> {
    let chain = &u.options;
    let s = tradable(chain, series_index, now)?;
    let entry = s.cache.entry();
    if entry.ref_time == 0 {
        msg!("series {} of underlying {}: never valued", series_index, u.index);
        return err!(XmError::RiskCacheStale);
    }
    let mark = entry.carry(x, now).map_err(risk_error)?.low;
    let mark = i64::try_from(mark.max(0)).map_err(|_| XmError::MathOverflow)?;
    check_band(chain.band_bps, price, mark, x)?;
    // |quantity| < 2^31, prices < 2^63, bps < 2^16: every product fits.
    let q = quantity.unsigned_abs() as u128;
    let premium = q * price.unsigned_abs() as u128;
    let by_notional = q * x.unsigned_abs() as u128 * u128::from(chain.fee_bps);
    let fee = fee_ceil(by_notional.min(premium * u128::from(FEE_PREMIUM_CAP_BPS)))?;
    let premium = i64::try_from(premium).map_err(|_| XmError::MathOverflow)?;
    let mut fills = [Fill { before: 0, after: 0 }; 2];
    for (k, (account, (delta, paid))) in
        sides.into_iter().zip([(quantity, -premium), (-quantity, premium)]).enumerate()
    {
        fills[k] = fill(account, u.index, series_index, delta)?;
        change_balance(account, QUOTE_INDEX, paid.checked_sub(fee).ok_or(XmError::MathOverflow)?)?;
    }
    let s = &mut u.options.series[usize::from(series_index)];
    s.open_interest = open_interest_after(s.open_interest, &fills)?;
    Ok(Traded { fills, fee, premium })
}

/// What settling one account's positions did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PositionsSettled {
    /// Positions closed.
    pub positions: u16,
    /// Net amount paid into the account's quote balance, qn (negative: it paid).
    pub amount: i64,
}

/// Cash-settles every position the account holds in settled series of `u`'s chain.
pub fn settle_positions(
    account: &mut MarginAccount,
    u: &mut Underlying,
) -> Result<PositionsSettled> {
    let mut done = PositionsSettled::default();
    for slot in 0..account.options.len() {
        let o = account.options[slot];
        if o.underlying != u.index {
            continue;
        }
        let s = u.options.series.get_mut(usize::from(o.series)).ok_or(XmError::SeriesNotListed)?;
        if !s.is(SeriesStatus::Settled) {
            continue;
        }
        let amount = i64::try_from(i128::from(o.quantity) * i128::from(s.settlement_value))
            .map_err(|_| XmError::MathOverflow)?;
        if o.quantity > 0 {
            s.open_interest = s
                .open_interest
                .checked_sub(o.quantity.unsigned_abs())
                .ok_or(XmError::MathOverflow)?;
        }
        account.options[slot] =
            OptionPosition { underlying: EMPTY_SLOT, ..OptionPosition::default() };
        change_balance(account, QUOTE_INDEX, amount)?;
        let chain = &mut u.options;
        chain.settlement_net_paid =
            chain.settlement_net_paid.checked_add(amount).ok_or(XmError::MathOverflow)?;
        done.positions += 1;
        done.amount = done.amount.checked_add(amount).ok_or(XmError::MathOverflow)?;
    }
    Ok(done)
}
