//! Per-series valuation: scenario P&L signs (the carry and staleness are tested with the cache).

use super::*;
use crate::margin::{grids, DEFAULT_PARAMS};
use crate::scenario::SPAN_16;

pub(crate) const NOW: i64 = 1_760_000_000;

fn fx(s: &str) -> Fixed {
    s.parse().unwrap()
}

/// A 30-day 150 call on a 0.8-vol underlying, and its grids (shared with the cache tests).
pub(crate) fn setup() -> (SeriesSpec, GridPoints, GridPoints) {
    let spec = SeriesSpec {
        kind: OptionKind::Call,
        strike: Fixed::from_int(150),
        expiry: NOW + 30 * 86_400,
    };
    let g = grids(&DEFAULT_PARAMS, &SPAN_16, fx("0.8")).unwrap();
    (spec, g.init, g.maint)
}

fn market(spot: &str, now: i64) -> Market {
    Market { spot: fx(spot), vol: fx("0.8"), rate: fx("0.03"), now }
}

#[test]
fn scenario_pnl_has_the_expected_signs() {
    let (spec, init, maint) = setup();
    let r = compute(&spec, &market("150", NOW), &init, &maint).unwrap();
    assert!(r.init_pnl[0].is_positive()); // unchanged price, vol up
    assert!(r.init_pnl[1].is_negative()); // unchanged price, vol down
    assert!(r.init_pnl[10].is_positive() && r.init_pnl[12].is_negative()); // +/- one range
    assert!(r.init_pnl[14] > r.init_pnl[10]); // two ranges up beats one
                                              // Init moves are larger than maint moves.
    assert!(r.init_pnl[10] > r.maint_pnl[10]);
}
