//! Per-series risk: scenario P&L signs, the delta-gamma carry against a fresh revaluation, and
//! the staleness rules.

use super::*;
use crate::margin::{grids, DEFAULT_PARAMS};
use crate::scenario::SPAN_16;

const NOW: i64 = 1_760_000_000;

fn fx(s: &str) -> Fixed {
    s.parse().unwrap()
}

fn to_f64(x: Fixed) -> f64 {
    x.raw() as f64 / 18_446_744_073_709_551_616.0
}

fn setup() -> (SeriesSpec, GridPoints, GridPoints) {
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

#[test]
fn carry_to_the_live_spot_tracks_a_fresh_valuation() {
    let (spec, init, maint) = setup();
    let limits = CacheLimits { max_age_secs: 600, max_drift_bps: 200 };
    let cached = compute(&spec, &market("150", NOW), &init, &maint).unwrap();
    for (spot, later) in [("151.5", 300), ("148.5", 0), ("150", 600)] {
        let live = cached.at_live(&spec, &SPAN_16, fx(spot), NOW + later, &limits).unwrap();
        let fresh = compute(&spec, &market(spot, NOW + later), &init, &maint).unwrap();
        // Mark within 0.2 cents and every scenario P&L within 1% of the largest, on a 150
        // underlying moved 1% (the third-order terms the carry leaves out).
        let mark_err = (to_f64(live.mark) - to_f64(fresh.greeks.price)).abs();
        assert!(mark_err < 0.002, "mark off by {mark_err} at {spot}");
        let scale = fresh.init_pnl.iter().map(|p| to_f64(*p).abs()).fold(0.0, f64::max);
        for (a, b) in live.init_pnl.iter().zip(fresh.init_pnl) {
            assert!((to_f64(*a) - to_f64(b)).abs() < 0.01 * scale, "pnl {a} vs {b} at {spot}");
        }
    }
}

#[test]
fn stale_drifted_or_expired_entries_are_refused() {
    let (spec, init, maint) = setup();
    let limits = CacheLimits { max_age_secs: 600, max_drift_bps: 200 };
    let cached = compute(&spec, &market("150", NOW), &init, &maint).unwrap();
    assert_eq!(
        cached.at_live(&spec, &SPAN_16, fx("150"), NOW + 601, &limits),
        Err(CacheFault::Stale { age_secs: 601 })
    );
    assert!(cached.at_live(&spec, &SPAN_16, fx("153"), NOW, &limits).is_ok()); // exactly 2%
    assert_eq!(
        cached.at_live(&spec, &SPAN_16, fx("153.1"), NOW, &limits),
        Err(CacheFault::Drift { drift_bps: 206 })
    );
    let short = SeriesSpec { expiry: NOW + 60, ..spec };
    let near = compute(&short, &market("150", NOW), &init, &maint).unwrap();
    assert_eq!(
        near.at_live(&short, &SPAN_16, fx("150"), NOW + 60, &limits),
        Err(CacheFault::Expired)
    );
}
