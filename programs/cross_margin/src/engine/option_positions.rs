//! Option positions: trades, the freshness a risk-increasing action needs, and cash settlement after
//! expiry, on plain account structs.
//!
//! Units: quantities in contracts of the chain's `contract_size`, prices in native quote units (qn)
//! per contract, money in qn.
//!
//! - **Trade** of `q` contracts at `p`: the buyer's quantity grows by `q`, the seller's shrinks by
//!   `q`, and the premium `q p` moves from the buyer's unsettled quote on the underlying to the
//!   seller's (`perp::pay`), so the sum of quantities per series stays 0 and the market's sum of
//!   unsettled quote plus fees is unchanged. Each side pays `ceil(q min(X fee_bps, p 1,250) /
//!   10^4)`: a fraction of the underlying's notional, capped at 12.5% of the premium.
//! - **Reference and band**: the series' cache entry carried to the live price `X` gives the mark
//!   `[bid, ask]` (the holder's value and the writer's, 4 qn apart); `|p - bid| <= band_bps / 10^4
//!   X`. An owner-signed side may trade on a stale entry (to reduce risk; health decides); a
//!   delegate-signed side needs a fresh one (`engine::trade`).
//! - **Freshness**: a risk-increasing action values every held series from its cache entry, which
//!   must be of the current volatility epoch, younger than `cache_max_age_secs`, within
//!   `cache_max_drift_bps` of the price, and the chain's vols younger than `max_vol_age_secs`.
//! - **Settlement**: once the series is settled, a position of `q` contracts is closed for
//!   `q * settlement_value` into the account's unsettled quote on the underlying. The chain counts
//!   what it has paid net (`settlement_net_paid`), which returns to 0 once every position of its
//!   settled series is settled, since the quantities sum to 0. An account's settlement either
//!   completes or changes nothing, so a batch can skip an account it cannot settle.
//! - **Generations**: once a settled series' positions are all settled (both open interests 0),
//!   its slot may list a new series (`options::add_series`) with the next `generation`; every
//!   position records the generation it was opened in and is refused against another
//!   (`SeriesGenerationMismatch`), so an old position can never alias a new series.

use anchor_lang::prelude::*;
use xmargin_risk::cache::{CacheLimits, SeriesEntry};

use crate::engine::perp;
use crate::engine::portfolio::require_room_for;
use crate::engine::trade::{
    accrue_fees, fee_ceil, open_interest_after, position_after, Fill, Reference, Transferred,
};
use crate::error::{risk_error, XmError};
use crate::state::{
    MarginAccount, OptionChain, OptionPosition, OptionSeries, SeriesStatus, Underlying, EMPTY_SLOT,
    MAX_OPTIONS,
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
/// contract and `now` (see the module doc), read in place: the chain's vols fresh and the entry
/// current ([`current_entry`]), and inside the series' last day valued this very second.
pub fn fresh_entry<'a>(
    u: &Underlying,
    index: u16,
    s: &'a OptionSeries,
    x: i64,
    now: i64,
) -> Result<&'a SeriesEntry> {
    let chain = &u.options;
    require_unexpired(u, index, s, now)?;
    let vol_age = now.saturating_sub(chain.vols_posted_ts);
    if chain.vols_posted_ts == 0 || vol_age > i64::from(chain.max_vol_age_secs) {
        xm_msg!(
            "underlying {}: vols posted {} s ago, max {}",
            u.index,
            vol_age,
            chain.max_vol_age_secs
        );
        return err!(XmError::VolatilityStale);
    }
    current_entry_unexpired(u, index, s, x, now, true)
}

/// The cache entry of series `index` of `u` if it is current at `x` per contract and `now`,
/// whatever the age of the chain's vols: of the vols' epoch, within the chain's maximum age and
/// drift (a series in its last day included: liquidation moves it at such an entry, while the
/// health of an action adding risk needs one valued this second, [`fresh_entry`]). Only the vol
/// authority can refresh vols; anyone can refresh an entry (`risk_refresh`).
pub fn current_entry<'a>(
    u: &Underlying,
    index: u16,
    s: &'a OptionSeries,
    x: i64,
    now: i64,
) -> Result<&'a SeriesEntry> {
    require_unexpired(u, index, s, now)?;
    current_entry_unexpired(u, index, s, x, now, false)
}

/// [`current_entry`] of a series known to be unexpired; `last_day_fresh` as
/// `xmargin_risk::cache::CacheLimits` says (fresh entries only).
fn current_entry_unexpired<'a>(
    u: &Underlying,
    index: u16,
    s: &'a OptionSeries,
    x: i64,
    now: i64,
    last_day_fresh: bool,
) -> Result<&'a SeriesEntry> {
    let chain = &u.options;
    let entry = s.cache.entry();
    let limits = CacheLimits {
        last_day_fresh,
        max_age_secs: i64::from(chain.cache_max_age_secs),
        max_drift_bps: chain.cache_max_drift_bps,
    };
    if let Err(fault) = entry.check(x, now, s.expiry, u.risk.vol_epoch, &limits) {
        xm_msg!("series {} of underlying {}: risk cache {}", index, u.index, fault);
        return err!(XmError::RiskCacheStale);
    }
    Ok(entry)
}

/// The cache entry of series `index` of `u` as it is, fresh or not (the band of an owner-signed
/// trade; its health needs fresh entries anyway): it must have been valued, and the series must
/// not await its settlement.
pub fn carried_entry<'a>(
    u: &Underlying,
    index: u16,
    s: &'a OptionSeries,
    now: i64,
) -> Result<&'a SeriesEntry> {
    require_unexpired(u, index, s, now)?;
    let entry = s.cache.entry();
    if entry.ref_time == 0 {
        xm_msg!("series {} of underlying {}: never valued", index, u.index);
        return err!(XmError::RiskCacheStale);
    }
    Ok(entry)
}

/// A live series is valued until expiry; after, only its settlement value counts.
fn require_unexpired(u: &Underlying, index: u16, s: &OptionSeries, now: i64) -> Result<()> {
    if now >= s.expiry {
        xm_msg!(
            "series {} of underlying {} expired at {}: settle it first",
            index,
            u.index,
            s.expiry
        );
        return err!(XmError::SeriesAwaitingSettlement);
    }
    Ok(())
}

/// Applies `delta` contracts of `series` (of slot generation `generation`) to the account's
/// option positions.
pub fn fill(
    account: &mut MarginAccount,
    underlying: u16,
    series: u16,
    generation: u32,
    delta: i64,
) -> Result<Fill> {
    let same = |o: &OptionPosition| o.underlying == underlying && o.series == series;
    let slot = match account.options.iter().position(same) {
        Some(slot) => slot,
        None => {
            require_room_for(account, underlying)?;
            account
                .options
                .iter()
                .position(|o| o.underlying == EMPTY_SLOT)
                .ok_or(XmError::OptionSlotsFull)?
        }
    };
    let position = &mut account.options[slot];
    let before = if same(position) {
        require_generation(position, generation)?;
        position.quantity
    } else {
        0
    };
    let f = position_after(before, delta)?;
    *position = if f.after == 0 {
        OptionPosition { underlying: EMPTY_SLOT, ..OptionPosition::default() }
    } else {
        OptionPosition { underlying, series, generation, quantity: f.after }
    };
    Ok(f)
}

/// A position counts only against the series generation it was opened in.
pub fn require_generation(o: &OptionPosition, generation: u32) -> Result<()> {
    if o.generation != generation {
        xm_msg!(
            "position of series {} is of generation {}, not {}",
            o.series,
            o.generation,
            generation
        );
        return err!(XmError::SeriesGenerationMismatch);
    }
    Ok(())
}

/// The value per contract of series `series_index` at `x` per contract and `now`, from its cache
/// entry (which must be fresh when `fresh`, and valued at least once in any case).
pub fn reference(
    u: &Underlying,
    series_index: u16,
    x: i64,
    now: i64,
    fresh: bool,
) -> Result<Reference> {
    let s = tradable(&u.options, series_index, now)?;
    let entry = if fresh {
        fresh_entry(u, series_index, s, x, now)?
    } else {
        carried_entry(u, series_index, s, now)?
    };
    reference_at(u, entry, x, now)
}

/// The value per contract of a series whose entry is `entry`, carried to `x` and `now`.
pub fn reference_at(u: &Underlying, entry: &SeriesEntry, x: i64, now: i64) -> Result<Reference> {
    let chain = &u.options;
    let low = entry.carry(x, now).map_err(risk_error)?.low;
    let bid = i64::try_from(low.max(0)).map_err(|_| XmError::MathOverflow)?;
    let ask = i64::try_from((low + 4).max(0)).map_err(|_| XmError::MathOverflow)?;
    Ok(Reference { bid, ask, band_bps: chain.band_bps, x })
}

/// The fee per side of `quantity` contracts at `price` when the underlying is at `x` per contract.
pub fn fee(chain: &OptionChain, quantity: i64, price: i64, x: i64) -> Result<i64> {
    // |quantity| < 2^31, prices < 2^63, bps < 2^16: every product fits.
    let q = quantity.unsigned_abs() as u128;
    let premium = q * price.unsigned_abs() as u128;
    let by_notional = q * x.unsigned_abs() as u128 * u128::from(chain.fee_bps);
    fee_ceil(by_notional.min(premium * u128::from(FEE_PREMIUM_CAP_BPS)))
}

/// The value transfer of an option trade of `quantity` contracts of `series_index` at `price`
/// between `sides` (`[buyer, seller]`), each paying `fee`: fills, the premium and fees through
/// the accounts' unsettled quote on the underlying, open interest.
pub fn transfer(
    u: &mut Underlying,
    series_index: u16,
    sides: [&mut MarginAccount; 2],
    quantity: i64,
    price: i64,
    fee: i64,
) -> Result<Transferred> {
    let premium = quantity.checked_mul(price).ok_or(XmError::MathOverflow)?;
    let generation = u.options.series[usize::from(series_index)].generation;
    let mut fills = [Fill { before: 0, after: 0 }; 2];
    for (k, (account, (delta, paid))) in
        sides.into_iter().zip([(quantity, -premium), (-quantity, premium)]).enumerate()
    {
        fills[k] = fill(account, u.index, series_index, generation, delta)?;
        let paid = paid.checked_sub(fee).ok_or(XmError::MathOverflow)?;
        perp::pay(account, u.index, &u.perp, paid)?;
    }
    let cap = u.options.max_series_open_interest;
    let s = &mut u.options.series[usize::from(series_index)];
    s.open_interest = open_interest_after(s.open_interest, &fills, cap)?;
    // Quantities sum to 0: as many contracts are written as held long.
    s.short_open_interest = s.open_interest;
    accrue_fees(u, fee)?;
    Ok(Transferred { fills, premium })
}

/// What settling one account's positions did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PositionsSettled {
    /// Positions closed.
    pub positions: u16,
    /// Net amount paid into the account's quote balance, qn (negative: it paid).
    pub amount: i64,
}

/// Cash-settles every position the account holds in settled series of `u`'s chain into its
/// unsettled quote on the underlying. Either everything is settled or, on an error, nothing
/// changed.
pub fn settle_positions(
    account: &mut MarginAccount,
    u: &mut Underlying,
) -> Result<PositionsSettled> {
    // Plan: which slots settle and for how much, with every check made before any change.
    let mut slots = [false; MAX_OPTIONS];
    let mut done = PositionsSettled::default();
    for (slot, o) in account.options.iter().enumerate() {
        if o.underlying != u.index {
            continue;
        }
        let s = u.options.series.get(usize::from(o.series)).ok_or(XmError::SeriesNotListed)?;
        require_generation(o, s.generation)?;
        if !s.is(SeriesStatus::Settled) {
            continue;
        }
        let amount = i64::try_from(i128::from(o.quantity) * i128::from(s.settlement_value))
            .map_err(|_| XmError::MathOverflow)?;
        // The long and written quantities of a series sum to its open interests (one slot per
        // series).
        let (long, short) = (o.quantity.max(0).unsigned_abs(), o.quantity.min(0).unsigned_abs());
        require!(long <= s.open_interest && short <= s.short_open_interest, XmError::MathOverflow);
        done.amount = done.amount.checked_add(amount).ok_or(XmError::MathOverflow)?;
        done.positions += 1;
        slots[slot] = true;
    }
    if done.positions == 0 {
        return Ok(done);
    }
    let net_paid = u.options.settlement_net_paid.checked_add(done.amount);
    let net_paid = net_paid.ok_or(XmError::MathOverflow)?;
    // The one step that can still fail (a full set of market slots, an overflow) comes first.
    if done.amount != 0 {
        perp::pay(account, u.index, &u.perp, done.amount)?;
    }
    for (slot, settle) in slots.into_iter().enumerate() {
        if !settle {
            continue;
        }
        let o = account.options[slot];
        let s = &mut u.options.series[usize::from(o.series)];
        // Checked in the plan.
        s.open_interest -= o.quantity.max(0).unsigned_abs();
        s.short_open_interest -= o.quantity.min(0).unsigned_abs();
        account.options[slot] =
            OptionPosition { underlying: EMPTY_SLOT, ..OptionPosition::default() };
    }
    u.options.settlement_net_paid = net_paid;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytemuck::Zeroable;

    /// A position opened in one generation of a series slot never counts against the next.
    #[test]
    fn positions_keep_their_generation() {
        let mut account = MarginAccount::zeroed();
        account.clear_slots();
        assert_eq!(fill(&mut account, 1, 0, 0, 5).unwrap(), Fill { before: 0, after: 5 });
        let mismatch = Err(error!(XmError::SeriesGenerationMismatch));
        assert_eq!(fill(&mut account, 1, 0, 1, 1), mismatch);
        assert_eq!(fill(&mut account, 1, 0, 0, -5).unwrap(), Fill { before: 5, after: 0 });
        // Closed, the slot is free for the next generation.
        assert_eq!(fill(&mut account, 1, 0, 1, 2).unwrap(), Fill { before: 0, after: 2 });
        assert_eq!(account.options[0].generation, 1);
    }
}
