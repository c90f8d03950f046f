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

use cross_margin::engine::vol_index::MIN_SAMPLE_SECS;
use cross_margin::state::{SeriesStatus, Underlying};
use xmargin_client::xmargin_risk::cache::{CacheLimits, LAST_DAY_SECS};
use xmargin_client::{ix, Instruction, Pubkey};

/// One crank of one underlying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crank {
    Funding,
    PriceSample,
    SeriesRefresh(u16),
}

/// The cranks due on underlying `index` of `group`, state `u`, at `now`, with their instructions;
/// `option_mid` is the live mid per option contract, qn, if the price is valid.
pub fn due(
    group: &Pubkey,
    index: u16,
    u: &Underlying,
    oracle: &Pubkey,
    option_mid: Option<i64>,
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
