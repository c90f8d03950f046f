//! The cranks a keeper runs on each underlying before it liquidates: which are due is read off the
//! underlying's own state, and each is simulated before it is sent (a crank the program would
//! refuse, such as a price sample on a print already sampled, costs nothing).
//!
//! - **Funding** (`perp_update_funding`) once `funding_interval_secs` have passed since the last.
//! - **Realized volatility** (`risk_sample_price`) once [`MIN_SAMPLE_SECS`] have passed since the
//!   last sampled print.
//! - **Risk cache** (`risk_refresh`) of every live series with open interest whose entry would not
//!   count for health (the engine's own `SeriesEntry::check`: an old vol epoch, drifted beyond its
//!   bound from the live price per contract, inside the series' last day and not valued this
//!   second) or is past half the chain's maximum age (refreshed before it goes stale). Without a
//!   valid price the drift is unknown and only the other rules apply.
//! - **Expiry** (`option_settle_expiry`) of every expiry date of active series that has passed,
//!   from the underlying's bound price account: the program takes only the first print at or
//!   after the expiry, so this lands when that account holds it (a print posted later needs the
//!   historic update posted first; the refusal is counted and logged).
//! - **Positions** ([`position_settlements`], after discovery): `option_settle_positions` for the
//!   accounts holding positions in settled series, [`POSITION_BATCH`] accounts a transaction.
//! - **Queued parameter changes** ([`changes_due`], first of all): `params_apply` of every change
//!   of the group that is due (its effective time moved on by any blocked exits) and not expired,
//!   so the markets are cranked under the parameters in effect. A stale one is refused in
//!   simulation (logged) until the admin or guardian cancels it.

use cross_margin::engine::governance;
use cross_margin::engine::vol_index::MIN_SAMPLE_SECS;
use cross_margin::state::{
    Group, MarginAccount, PendingChange, SeriesStatus, Underlying, APPLY_WINDOW_SECS,
};
use xmargin_client::xmargin_risk::cache::{CacheLimits, LAST_DAY_SECS};
use xmargin_client::{admin, ix, Instruction, Pubkey};

/// Accounts per `option_settle_positions` transaction (the `settle_expired_batch_8` CU case).
pub const POSITION_BATCH: usize = 8;

/// One crank of one underlying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crank {
    Funding,
    PriceSample,
    SeriesRefresh(u16),
    /// The series expiring at this unix time.
    SettleExpiry(i64),
    /// Settled positions of this many accounts.
    SettlePositions(usize),
    /// The queued parameter change of this sequence number.
    ApplyChange(u64),
}

/// The market cranks due on underlying `index` of `group`, state `u`, at `now`, with their
/// instructions: funding, the price sample, expiries. They run before [`refreshes_due`], which
/// must be judged on the state they leave: a price sample can raise the vol index, which starts a
/// new vol epoch and makes every cache entry of the underlying stale.
pub fn market_due(
    group: &Pubkey,
    index: u16,
    u: &Underlying,
    oracle: &Pubkey,
    now: i64,
    funding_interval_secs: i64,
) -> Vec<(Crank, Instruction)> {
    let mut due = Vec::new();
    if u.perp.listed == 1 && now - u.perp.last_funding_ts >= funding_interval_secs {
        due.push((Crank::Funding, ix::perp_update_funding(group, index, oracle)));
    }
    if u.vol.samples == 0 || now - u.vol.last_sample_ts >= MIN_SAMPLE_SECS {
        due.push((Crank::PriceSample, ix::risk_sample_price(group, index, oracle)));
    }
    let expiries = xmargin_client::accounts::passed_expiries(&u.options, now);
    for expiry in expiries {
        let settle = ix::option_settle_expiry(group, index, expiry, oracle, &[]);
        due.push((Crank::SettleExpiry(expiry), settle));
    }
    due
}

/// The risk-cache refreshes due on underlying `index` of `group`, state `u`, at `now` (module
/// doc); `option_mid` is the live mid per option contract, qn, if the price is valid.
pub fn refreshes_due(
    group: &Pubkey,
    index: u16,
    u: &Underlying,
    oracle: &Pubkey,
    option_mid: Option<i64>,
    now: i64,
) -> Vec<(Crank, Instruction)> {
    let mut due = Vec::new();
    let chain = &u.options;
    if chain.listed == 1 {
        let max_age = i64::from(chain.cache_max_age_secs);
        let limits = CacheLimits {
            last_day_fresh: true,
            max_age_secs: max_age / 2,
            max_drift_bps: chain.cache_max_drift_bps,
        };
        for (i, s) in chain.series[..usize::from(chain.series_count)].iter().enumerate() {
            let e = s.cache.entry();
            let live = s.is(SeriesStatus::Active) && s.expiry > now && s.open_interest > 0;
            let stale = match option_mid {
                Some(x) => e.check(x, now, s.expiry, u.risk.vol_epoch, &limits).is_err(),
                None => {
                    e.epoch != u.risk.vol_epoch
                        || now - e.ref_time >= max_age / 2
                        || (s.expiry - now < LAST_DAY_SECS && e.ref_time != now)
                }
            };
            if live && stale {
                let series = i as u16;
                due.push((
                    Crank::SeriesRefresh(series),
                    ix::risk_refresh(group, index, series, oracle),
                ));
            }
        }
    }
    due
}

/// `option_settle_positions` on underlying `index` of `group` (state `u`) for every account of
/// `accounts` holding a position in a settled series, [`POSITION_BATCH`] a transaction.
pub fn position_settlements(
    group: &Pubkey,
    index: u16,
    u: &Underlying,
    accounts: &[(Pubkey, MarginAccount)],
) -> Vec<(Crank, Instruction)> {
    let series = &u.options.series[..usize::from(u.options.series_count)];
    let holders: Vec<Pubkey> = accounts
        .iter()
        .filter(|(_, a)| {
            a.options.iter().any(|o| {
                o.underlying == index
                    && o.quantity != 0
                    && series.get(usize::from(o.series)).is_some_and(|s| {
                        s.is(SeriesStatus::Settled) && s.generation == o.generation
                    })
            })
        })
        .map(|(key, _)| *key)
        .collect();
    holders
        .chunks(POSITION_BATCH)
        .map(|batch| {
            let settle = ix::option_settle_positions(group, index, batch);
            (Crank::SettlePositions(batch.len()), settle)
        })
        .collect()
}

/// `params_apply` of every change in `pending` that is due at `now` in `group` (at `group_key`)
/// and not expired (`engine::governance::due_at`: blocked exits move due times on), oldest
/// first, each with its `PendingChange::underlying` (`GROUP_WIDE` for the group, `VENUE_TARGET`
/// for a venue).
pub fn changes_due(
    group_key: &Pubkey,
    group: &Group,
    pending: &[(Pubkey, PendingChange)],
    now: i64,
) -> Vec<(u16, Crank, Instruction)> {
    let appliable = |p: &&PendingChange| {
        let due = governance::due_at(group, p, now);
        due <= now && now <= due.saturating_add(APPLY_WINDOW_SECS)
    };
    let mut due: Vec<&PendingChange> = pending.iter().map(|(_, p)| p).filter(appliable).collect();
    due.sort_by_key(|p| p.seq);
    due.into_iter()
        .filter_map(|p| {
            // An account that does not decode is refused on-chain as well: skip it.
            let pending = admin::Pending::of(p).ok()?;
            let apply = admin::params_apply_pending(group_key, &pending);
            Some((p.underlying, Crank::ApplyChange(p.seq), apply))
        })
        .collect()
}
