//! Options: chain listing, series, volatility inputs, the risk crank and expiry on plain account
//! structs.
//!
//! Units: quantities in contracts of the chain's `contract_size`, prices and strikes in native quote
//! units (qn) per contract, volatilities and rates in `Q32` (2^32 = 100%).
//!
//! - **Vol inputs**: the vol authority posts the volatility index and every series' implied vol at
//!   once; the post starts a new volatility epoch, so every cache entry is stale until the crank
//!   revalues it.
//! - **Risk crank** (`risk_refresh`): values one series at the oracle's mid price with the
//!   fixed-point Black-Scholes in every scenario of both grids and stores the integer cache entry.
//! - **Expiry**: the settlement price is the oracle's mid per contract (rounded down) of the first
//!   print at or after expiry (or of a later stage's, `oracle::read_settlement_price`); each long
//!   contract is then worth
//!   `max(0, settlement - strike)` (call) or `max(0, strike - settlement)` (put), an integer qn, so
//!   a series' payments over all positions (sum of quantities 0) sum to exactly 0.

use anchor_lang::prelude::*;
use xmargin_risk::black_scholes::OptionKind;
use xmargin_risk::cache::{encode, ContractScale, SeriesEntry, MAX_PRICE, Q};
use xmargin_risk::error::Context;
use xmargin_risk::series::{compute, Market, SeriesSpec};
use xmargin_risk::Fixed;

use crate::engine::option_positions::tradable;
use crate::engine::perp::MAX_FEE_BPS;
use crate::error::{risk_error, XmError};
use crate::state::{OptionChain, OptionSeries, SeriesStatus, Underlying, MAX_SERIES};

/// Largest implied volatility or volatility index the authority may post (1,000%).
pub const MAX_VOL: i64 = 10 << Q;
/// Largest `|rate|` (100% a year).
pub const MAX_RATE: i64 = 1 << Q;

/// What the admin lists a chain with.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainParams {
    /// Native units of the underlying per contract (> 0).
    pub contract_size: u64,
    /// Fee per side, basis points of the underlying's notional (<= 1,000).
    pub fee_bps: u16,
    /// Largest `|price - mark|`, basis points of the underlying's price (1..=10,000).
    pub band_bps: u16,
    /// Who posts volatilities.
    pub vol_authority: Pubkey,
    /// Vol inputs older than this block risk-increasing trades, seconds (1..=86,400).
    pub max_vol_age_secs: u32,
    /// Cache entries older than this block risk-increasing trades, seconds (1..=3,600; each
    /// entry's own tenor bound applies too, `xmargin_risk::cache`).
    pub cache_max_age_secs: u32,
    /// Largest drift of the price from a cache entry's reference, basis points (1..=1,000; each
    /// entry's own tenor bound applies too).
    pub cache_max_drift_bps: u32,
    /// Spacing of the settlement stages after expiry, seconds (> 0).
    pub settle_window_secs: u32,
    /// Risk-free rate, `Q32` per year (`|rate| <= 1`).
    pub rate: i64,
    /// Most contracts of any one series open at once (> 0).
    pub max_series_open_interest: u64,
}

/// Largest `max_vol_age_secs` a chain may list with: a day.
pub const MAX_VOL_AGE_SECS: u32 = 86_400;
/// Largest `cache_max_age_secs`: an hour.
pub const MAX_CACHE_AGE_SECS: u32 = 3_600;
/// Largest `cache_max_drift_bps`: 10%, within which the delta-gamma carry of a series with a
/// month or more to run stays within the tolerance `cache_tests` measures.
pub const MAX_CACHE_DRIFT_BPS: u32 = 1_000;

/// What a chain trades under after listing: everything of [`ChainParams`] but the contract size
/// and the vol authority (`ParamChange::VolAuthority`), and what `params_set` / `params_queue`
/// change (`ParamChange::Chain`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainTerms {
    /// Fee per side, basis points of the underlying's notional (<= 1,000).
    pub fee_bps: u16,
    /// Largest `|price - mark|`, basis points of the underlying's price (1..=10,000).
    pub band_bps: u16,
    /// Vol inputs older than this block risk-increasing trades, seconds (1..=86,400).
    pub max_vol_age_secs: u32,
    /// Cache entries older than this block risk-increasing trades, seconds (1..=3,600).
    pub cache_max_age_secs: u32,
    /// Largest drift of the price from a cache entry's reference, basis points (1..=1,000).
    pub cache_max_drift_bps: u32,
    /// Spacing of the settlement stages after expiry, seconds (> 0).
    pub settle_window_secs: u32,
    /// Risk-free rate, `Q32` per year (`|rate| <= 1`).
    pub rate: i64,
    /// Most contracts of any one series open at once (> 0).
    pub max_series_open_interest: u64,
}

impl ChainTerms {
    /// The terms of a listing.
    pub fn of(p: &ChainParams) -> ChainTerms {
        ChainTerms {
            fee_bps: p.fee_bps,
            band_bps: p.band_bps,
            max_vol_age_secs: p.max_vol_age_secs,
            cache_max_age_secs: p.cache_max_age_secs,
            cache_max_drift_bps: p.cache_max_drift_bps,
            settle_window_secs: p.settle_window_secs,
            rate: p.rate,
            max_series_open_interest: p.max_series_open_interest,
        }
    }

    /// The terms a listed chain trades under.
    pub fn current(chain: &OptionChain) -> ChainTerms {
        ChainTerms {
            fee_bps: chain.fee_bps,
            band_bps: chain.band_bps,
            max_vol_age_secs: chain.max_vol_age_secs,
            cache_max_age_secs: chain.cache_max_age_secs,
            cache_max_drift_bps: chain.cache_max_drift_bps,
            settle_window_secs: chain.settle_window_secs,
            rate: chain.rate,
            max_series_open_interest: chain.max_series_open_interest,
        }
    }

    /// Checks the documented ranges.
    pub fn validate(&self) -> Result<()> {
        require!(
            self.fee_bps <= MAX_FEE_BPS
                && (1..=10_000).contains(&self.band_bps)
                && (1..=MAX_VOL_AGE_SECS).contains(&self.max_vol_age_secs)
                && (1..=MAX_CACHE_AGE_SECS).contains(&self.cache_max_age_secs)
                && (1..=MAX_CACHE_DRIFT_BPS).contains(&self.cache_max_drift_bps)
                && self.settle_window_secs > 0
                && self.rate.abs() <= MAX_RATE
                && self.max_series_open_interest > 0,
            XmError::InvalidChainParams
        );
        Ok(())
    }

    /// Validates and writes the terms into a listed chain. A new rate or freshness bound applies
    /// to the next valuation and cache check; cache entries already stored keep their values
    /// until the crank revalues them.
    pub fn write(&self, chain: &mut OptionChain) -> Result<()> {
        require!(chain.listed == 1, XmError::ChainNotListed);
        self.validate()?;
        chain.fee_bps = self.fee_bps;
        chain.band_bps = self.band_bps;
        chain.max_vol_age_secs = self.max_vol_age_secs;
        chain.cache_max_age_secs = self.cache_max_age_secs;
        chain.cache_max_drift_bps = self.cache_max_drift_bps;
        chain.settle_window_secs = self.settle_window_secs;
        chain.rate = self.rate;
        chain.max_series_open_interest = self.max_series_open_interest;
        Ok(())
    }
}

/// Lists the chain.
pub fn list(chain: &mut OptionChain, p: &ChainParams) -> Result<()> {
    require!(chain.listed == 0, XmError::ChainAlreadyListed);
    require!(p.contract_size > 0, XmError::InvalidChainParams);
    ChainTerms::of(p).validate()?;
    chain.listed = 1;
    chain.contract_size = p.contract_size;
    chain.vol_authority = p.vol_authority;
    ChainTerms::of(p).write(chain)
}

/// A series to list.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeriesParams {
    /// 0 = call, 1 = put.
    pub kind: u8,
    /// Strike per contract, qn (1..=2^52).
    pub strike: i64,
    /// Expiry, unix seconds (after now).
    pub expiry: i64,
}

/// Adds a series; returns its index. It takes the first retired slot (a settled series whose
/// positions are all settled; `OptionSeries::is_retired`) with the next generation, else the next
/// unused slot. Its vol is 0 until the authority posts one.
pub fn add_series(chain: &mut OptionChain, p: &SeriesParams, now: i64) -> Result<u16> {
    require!(chain.listed == 1, XmError::ChainNotListed);
    require!(
        p.kind <= 1 && (1..=MAX_PRICE).contains(&p.strike) && p.expiry > now,
        XmError::InvalidSeriesParams
    );
    let used = usize::from(chain.series_count);
    let (index, generation) = match chain.series[..used].iter().position(|s| s.is_retired()) {
        Some(i) => (i, chain.series[i].generation.checked_add(1).ok_or(XmError::MathOverflow)?),
        None => {
            require!(used < MAX_SERIES, XmError::SeriesSlotsFull);
            chain.series_count += 1;
            (used, 0)
        }
    };
    chain.series[index] = OptionSeries {
        status: SeriesStatus::Active as u8,
        kind: p.kind,
        generation,
        expiry: p.expiry,
        strike: p.strike,
        ..OptionSeries::default()
    };
    Ok(index as u16)
}

/// Posts the volatility inputs: `vols[i]` for series `i` (one per listed series; settled ones are
/// ignored). The caller then starts a new epoch with the new index. As the index, a series' vol
/// falls at most 25% a day (`vol_index::fallen`); a series without one yet starts at no less than
/// half the index in effect (`index`), so the authority cannot lower option margins at once
/// through the series vols either.
pub fn post_vols(chain: &mut OptionChain, vols: &[i64], index: i64, now: i64) -> Result<()> {
    require!(chain.listed == 1, XmError::ChainNotListed);
    require!(vols.len() == usize::from(chain.series_count), XmError::InvalidVolatility);
    require!(vols.iter().all(|v| (1..=MAX_VOL).contains(v)), XmError::InvalidVolatility);
    let dt = now.saturating_sub(chain.vols_posted_ts);
    for (s, &v) in chain.series.iter_mut().zip(vols) {
        let floor = match s.vol {
            0 => index / 2,
            old => crate::engine::vol_index::fallen(old, dt),
        };
        s.vol = v.max(floor).min(MAX_VOL);
    }
    chain.vols_posted_ts = now;
    Ok(())
}

/// A `Q32` number as `Fixed`.
fn q32(x: i64) -> Fixed {
    Fixed::from_raw(i128::from(x) << (64 - Q))
}

/// Values series `index` of `u` at `spot` (quote units per whole token) and `now`: the cache entry
/// of the current volatility epoch.
pub fn value_series(
    u: &Underlying,
    index: u16,
    spot: Fixed,
    quote_decimals: u8,
    now: i64,
) -> Result<SeriesEntry> {
    let chain = &u.options;
    let s = tradable(chain, index, now)?;
    require!(s.vol > 0, XmError::VolatilityStale);
    let scale = ContractScale::new(chain.contract_size, u.decimals, quote_decimals)
        .context("contract scale")
        .map_err(risk_error)?;
    let strike = Fixed::from_int(s.strike)
        .div(scale.factor)
        .context("strike per unit")
        .map_err(risk_error)?;
    let spec = SeriesSpec { kind: s.option_kind(), strike, expiry: s.expiry };
    let market = Market { spot, vol: q32(s.vol), rate: q32(chain.rate), now };
    let g = crate::engine::underlying::risk_grids(&u.risk_params, q32(u.risk.vol_index))?;
    let risk =
        compute(&spec, &market, &g.init, &g.maint).context("valuation").map_err(risk_error)?;
    encode(&risk, &scale, u.risk.vol_epoch).context("cache entry").map_err(risk_error)
}

/// Stores a valuation.
pub fn store(chain: &mut OptionChain, index: usize, entry: &SeriesEntry) {
    chain.series[index].cache.set(entry);
}

/// Records `settlement` (qn per contract) for every active series expiring at `expiry`; returns how
/// many were settled. `now` must be at or after the expiry.
pub fn settle_expiry(
    chain: &mut OptionChain,
    expiry: i64,
    settlement: i64,
    now: i64,
) -> Result<u16> {
    let mut settled = 0u16;
    if now >= expiry {
        let count = usize::from(chain.series_count);
        for s in chain.series[..count].iter_mut() {
            if s.is(SeriesStatus::Active) && s.expiry == expiry {
                s.settlement_price = settlement;
                s.settlement_value = settlement_value(s, settlement);
                s.status = SeriesStatus::Settled as u8;
                settled += 1;
            }
        }
    }
    require!(settled > 0, XmError::NothingToSettleAtExpiry);
    Ok(settled)
}

/// The payoff per long contract of `s` at `settlement` per contract, qn.
pub fn settlement_value(s: &OptionSeries, settlement: i64) -> i64 {
    match s.option_kind() {
        OptionKind::Call => settlement.saturating_sub(s.strike).max(0),
        OptionKind::Put => s.strike.saturating_sub(settlement).max(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytemuck::Zeroable;

    #[test]
    fn expiry_settles_only_its_series_with_their_payoffs() {
        let mut chain = OptionChain::zeroed();
        chain.listed = 1;
        for (kind, strike, expiry) in [(0, 165, 100), (1, 140, 100), (1, 180, 100), (0, 150, 200)] {
            let p = SeriesParams { kind, strike, expiry };
            add_series(&mut chain, &p, 0).unwrap();
        }
        assert!(settle_expiry(&mut chain, 100, 172, 99).is_err()); // not expired yet
        assert_eq!(settle_expiry(&mut chain, 100, 172, 100).unwrap(), 3);
        let values: Vec<i64> = chain.series[..4].iter().map(|s| s.settlement_value).collect();
        assert_eq!(values, [7, 0, 8, 0]);
        assert!(chain.series[3].is(SeriesStatus::Active));
        assert!(settle_expiry(&mut chain, 100, 172, 100).is_err()); // nothing left at 100
    }
}
