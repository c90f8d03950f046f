//! Per-series valuation: scenario P&L signs (the carry and staleness are tested with the cache).

use super::*;
use crate::margin::{grids, DEFAULT_PARAMS};

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
    let g = grids(&DEFAULT_PARAMS, fx("0.8")).unwrap();
    (spec, g.init, g.maint)
}

fn market(spot: &str, now: i64) -> Market {
    Market { spot: fx(spot), vol: fx("0.8"), rate: fx("0.03"), now }
}

#[test]
fn scenario_pnl_has_the_expected_signs() {
    let (spec, init, maint) = setup();
    let r = compute(&spec, &market("150", NOW), &init, &maint).unwrap();
    assert!(r.init_pnl[0].is_positive()); // unchanged price, vol up (more than a day's decay)
    assert!(r.init_pnl[1].is_negative()); // unchanged price, vol down
    assert!(r.init_pnl[10].is_positive() && r.init_pnl[12].is_negative()); // +/- one range
    assert!(r.init_pnl[15] > r.init_pnl[10]); // the gap up beats one range
    assert!(r.init_pnl[14] < Fixed::ZERO && r.init_pnl[14] >= r.init_pnl[12].mul_int(2).unwrap());
    assert!(r.init_pnl[10] > r.maint_pnl[10]); // init moves are larger than maint moves
}

/// Intrinsic value of `spec` at `spot`.
fn payoff(spec: &SeriesSpec, spot: Fixed) -> Fixed {
    let diff = match spec.kind {
        OptionKind::Call => spot.checked_sub(spec.strike),
        OptionKind::Put => spec.strike.checked_sub(spot),
    };
    diff.unwrap().max(Fixed::ZERO)
}

/// Across the last day (the horizon), every scenario values a series at its payoff: its P&L is
/// `payoff(S (1 + m_s)) - mark`, whatever the vol shock, so a long option expiring within the
/// horizon is no hedge beyond its value at expiry, and a written one is charged its payoff risk.
/// Before the last day the scenarios keep the time value left after the horizon.
#[test]
fn near_expiry_scenarios_converge_to_the_payoff() {
    let (_, init, maint) = setup();
    for kind in [OptionKind::Call, OptionKind::Put] {
        for strike in ["135", "150", "165"] {
            for secs in [60, 3_600, 6 * 3_600, 23 * 3_600, 86_400] {
                let spec = SeriesSpec { kind, strike: fx(strike), expiry: NOW + secs };
                let r = compute(&spec, &market("150", NOW), &init, &maint).unwrap();
                for (grid, pnl) in [(&init, &r.init_pnl), (&maint, &r.maint_pnl)] {
                    for (m, p) in grid.moves.iter().zip(pnl) {
                        let spot = fx("150").mul(Fixed::ONE.checked_add(*m).unwrap()).unwrap();
                        let exact = payoff(&spec, spot).checked_sub(r.greeks.price).unwrap();
                        let err = (p.raw() - exact.raw()).abs();
                        assert!(
                            err < fx("0.000001").raw(),
                            "{kind:?} {strike} {secs} s: {p} vs {exact}"
                        );
                    }
                }
            }
            // Two days out, the aged option keeps time value: the vol-up scenario at an
            // unchanged price is worth more than the payoff there.
            let spec = SeriesSpec { kind, strike: fx(strike), expiry: NOW + 2 * 86_400 };
            let r = compute(&spec, &market("150", NOW), &init, &maint).unwrap();
            let at_expiry = payoff(&spec, fx("150")).checked_sub(r.greeks.price).unwrap();
            assert!(r.init_pnl[0] > at_expiry);
        }
    }
}
