//! An underlying's option chain: its parameters, a fixed table of series and, per series, the risk
//! cache entry the health check reads. Lives inside `Underlying` (one account holds everything a
//! health check needs for an underlying).

use anchor_lang::prelude::*;
use xmargin_risk::cache::SeriesEntry;
use xmargin_risk::scenario::MAX_SCENARIOS;

use crate::assert_layout;

/// Series per underlying: two expiries of eight strikes, calls and puts (the reference portfolio),
/// within the account's 10,240-byte limit.
pub const MAX_SERIES: usize = 32;

/// Life of a series slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum SeriesStatus {
    Empty = 0,
    /// Listed: tradable until expiry.
    Active = 1,
    /// Expired and its settlement price recorded: positions are cash-settled.
    Settled = 2,
}

/// The option chain of one underlying.
#[zero_copy]
#[derive(Debug)]
pub struct OptionChain {
    /// 1 once the admin listed the chain.
    pub listed: u8,
    /// Series slots ever used (listed in order); a slot whose series is settled and fully paid
    /// (both open interests 0) is reused by the next listing, with its `generation` incremented.
    pub series_count: u8,
    /// Fee each side pays, basis points of the premium's underlying notional
    /// (precision: 1e4 = 100%).
    pub fee_bps: u16,
    /// Largest `|trade price - mark|`, basis points of the underlying's price per contract.
    pub band_bps: u16,
    pub _pad: [u8; 2],
    /// Native units of the underlying per contract (> 0 once listed).
    pub contract_size: u64,
    /// Who posts implied volatilities (`option_set_vols`).
    pub vol_authority: Pubkey,
    /// Unix time (seconds) the volatility inputs were last posted; 0 = never.
    pub vols_posted_ts: i64,
    /// Vol inputs older than this (seconds) block risk-increasing option trades.
    pub max_vol_age_secs: u32,
    /// Cache entries older than this (seconds) block risk-increasing option trades.
    pub cache_max_age_secs: u32,
    /// Largest `|price - reference| / reference` a cache entry is carried over, basis points.
    pub cache_max_drift_bps: u32,
    /// Spacing of the settlement stages, seconds: the first print at or after `expiry + k * this`
    /// settles stage `k`, accepted only with every earlier stage's first print shown invalid.
    pub settle_window_secs: u32,
    /// Risk-free rate used in valuations (precision: 2^-32 per year).
    pub rate: i64,
    /// Net amount paid into quote balances by settling positions of settled series, qn; 0 once
    /// every position of them is settled.
    pub settlement_net_paid: i64,
    /// Most contracts of any one series that may be open (held long, as many written); set at
    /// listing. Trades that raise a series' open interest above it are refused, those that lower
    /// it never.
    pub max_series_open_interest: u64,
    /// Reserved for future fields; zero.
    pub reserved: [u8; 8],
    pub series: [OptionSeries; MAX_SERIES],
}

/// One European, cash-settled series.
#[zero_copy]
#[derive(Debug, Default)]
pub struct OptionSeries {
    /// [`SeriesStatus`] as `u8`.
    pub status: u8,
    /// 0 = call, 1 = put.
    pub kind: u8,
    pub _pad: [u8; 2],
    /// How many series this slot held before this one (0 for its first). A position carries the
    /// generation it was opened in and counts only against the same one, so a position of a
    /// retired series can never be read as one of the series that reused its slot.
    pub generation: u32,
    /// Expiry, unix seconds.
    pub expiry: i64,
    /// Strike per contract, native quote units (qn).
    pub strike: i64,
    /// Implied volatility posted by the vol authority (precision: 2^-32, 2^32 = 100%).
    pub vol: i64,
    /// Settlement price of the underlying per contract, qn; 0 until settled.
    pub settlement_price: i64,
    /// Payoff per long contract at settlement, qn (`max(0, +/-(settlement - strike))`).
    pub settlement_value: i64,
    /// Contracts held long (equal to the contracts written while active); after settlement, the
    /// long contracts not yet settled.
    pub open_interest: u64,
    /// Contracts written (equal to `open_interest` while active); after settlement, the written
    /// contracts not yet settled.
    pub short_open_interest: u64,
    /// Risk per contract written by `risk_refresh`.
    pub cache: CacheEntry,
}

/// [`SeriesEntry`] as stored (field for field; see `xmargin_risk::cache` for units).
#[zero_copy]
#[derive(Debug, Default)]
pub struct CacheEntry {
    /// Unix time of the valuation; 0 = never valued.
    pub ref_time: i64,
    /// Underlying price per contract at the valuation, qn.
    pub ref_price: i64,
    /// Value per contract, qn.
    pub mark: i64,
    /// Delta (precision: 2^-32).
    pub delta: i64,
    /// `gamma * S0` (precision: 2^-32).
    pub gamma_x: i64,
    /// Value change per second, qn per contract (precision: 2^-32).
    pub theta: i64,
    /// Volatility epoch of the valuation.
    pub epoch: u32,
    /// Scenario P&L unit: `2^shift` qn.
    pub shift: u8,
    /// 1 for a call, 0 for a put.
    pub call: u8,
    /// Largest drift of the price this entry may be carried over, basis points (8% of
    /// `vol sqrt(T - horizon)` at the valuation; the chain's own limit applies too).
    pub max_drift_bps: u16,
    /// Scenario P&L per contract, init grid, units of `2^shift` qn.
    pub init_pnl: [i32; MAX_SCENARIOS],
    /// Scenario P&L per contract, maint grid, units of `2^shift` qn.
    pub maint_pnl: [i32; MAX_SCENARIOS],
}

assert_layout!(CacheEntry, 6 * 8 + 8 + 2 * 4 * MAX_SCENARIOS);
assert_layout!(OptionSeries, 8 + 7 * 8 + 184);
assert_layout!(OptionChain, 8 + 8 + 32 + 8 + 16 + 8 + 8 + 16 + 248 * MAX_SERIES);

// The risk engine's entry has this exact layout: entries are read and written in place.
const _: () = assert!(core::mem::size_of::<CacheEntry>() == core::mem::size_of::<SeriesEntry>());
const _: () = assert!(core::mem::align_of::<CacheEntry>() == core::mem::align_of::<SeriesEntry>());

impl CacheEntry {
    /// The entry as the risk engine reads it (same fields in the same order; see the test).
    pub fn entry(&self) -> &SeriesEntry {
        bytemuck::cast_ref(self)
    }

    /// Stores a fresh entry.
    pub fn set(&mut self, entry: &SeriesEntry) {
        *bytemuck::cast_mut::<CacheEntry, SeriesEntry>(self) = *entry;
    }
}

impl OptionSeries {
    pub fn is(&self, status: SeriesStatus) -> bool {
        self.status == status as u8
    }

    /// Whether the slot may hold a new series: settled, and every position of it settled.
    pub fn is_retired(&self) -> bool {
        self.is(SeriesStatus::Settled) && self.open_interest == 0 && self.short_open_interest == 0
    }

    pub fn option_kind(&self) -> xmargin_risk::black_scholes::OptionKind {
        if self.kind == 0 {
            xmargin_risk::black_scholes::OptionKind::Call
        } else {
            xmargin_risk::black_scholes::OptionKind::Put
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field of a stored entry reads back as the same field of the engine's entry.
    #[test]
    fn cache_entries_read_field_for_field() {
        let stored = CacheEntry {
            ref_time: 1,
            ref_price: 2,
            mark: 3,
            delta: 4,
            gamma_x: 5,
            theta: 6,
            epoch: 7,
            shift: 8,
            call: 1,
            max_drift_bps: 9,
            init_pnl: core::array::from_fn(|i| 100 + i as i32),
            maint_pnl: core::array::from_fn(|i| -100 - i as i32),
        };
        let e = *stored.entry();
        assert_eq!(
            (e.ref_time, e.ref_price, e.mark, e.delta, e.gamma_x, e.theta, e.epoch, e.shift),
            (1, 2, 3, 4, 5, 6, 7, 8)
        );
        assert_eq!((e.call, e.max_drift_bps), (1, 9));
        assert_eq!((e.init_pnl, e.maint_pnl), (stored.init_pnl, stored.maint_pnl));
        let mut copy = CacheEntry::default();
        copy.set(&e);
        assert_eq!(bytemuck::bytes_of(&copy), bytemuck::bytes_of(&stored));
    }
}
