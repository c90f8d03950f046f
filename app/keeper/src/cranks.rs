//! The cranks a keeper runs on each underlying before it liquidates: which are due is read off the
//! underlying's own state, and each is simulated before it is sent (a crank the program would
//! refuse, such as a price sample on a print already sampled, costs nothing).
//!
//! - **Funding** (`perp_update_funding`) once `funding_interval_secs` have passed since the last.
//! - **Realized volatility** (`risk_sample_price`) once [`MIN_SAMPLE_SECS`] have passed since the
//!   last sampled print.
//! - **Risk cache** (`risk_refresh`) of every live series with open interest whose entry is of an
//!   old vol epoch, past half the chain's maximum age, or inside the series' last day (where only
//!   an entry valued that second counts for health). A drift beyond the entry's bound is not seen
//!   here (it needs the price per contract); the age rule refreshes such entries within half the
//!   maximum age, and a risk-adding action refreshes in its own transaction.

use cross_margin::engine::vol_index::MIN_SAMPLE_SECS;
use cross_margin::state::{SeriesStatus, Underlying};
use xmargin_client::xmargin_risk::cache::LAST_DAY_SECS;
use xmargin_client::{ix, Instruction, Pubkey};

/// One crank of one underlying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crank {
    Funding,
    PriceSample,
    SeriesRefresh(u16),
}

/// The cranks due on underlying `index` of `group`, state `u`, at `now`, with their instructions.
pub fn due(
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
    let chain = &u.options;
    if chain.listed == 1 {
        let max_age = i64::from(chain.cache_max_age_secs);
        for (i, s) in chain.series[..usize::from(chain.series_count)].iter().enumerate() {
            let e = s.cache.entry();
            let live = s.is(SeriesStatus::Active) && s.expiry > now && s.open_interest > 0;
            let stale = e.epoch != u.risk.vol_epoch
                || now - e.ref_time >= max_age / 2
                || (s.expiry - now < LAST_DAY_SECS && e.ref_time != now);
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
