//! Margin of single linear books and the account requirement: the scan loss of a linear position
//! is the full range move, the concentration add-on applies as specified, and the correlation
//! credit blends as documented. Quote decimals 6 (qn = 1e-6).

use super::*;
use crate::book::{Exposure, Stress};

fn fx(s: &str) -> Fixed {
    s.parse().unwrap()
}

/// `units` of an underlying at 150 held linearly, vol index 0.8: (init, maint) margins.
fn linear(units: i128, params: &UnderlyingParams) -> (BookMargin, BookMargin) {
    let g = grids(params, fx("0.8")).unwrap();
    let mut e = Exposure::default();
    e.add_linear(units * 150_000_000).unwrap();
    let margin = |level, grid: &GridPoints| {
        let charges = params.charges(level, 6).unwrap();
        let moves = moves_q32(grid).unwrap();
        let stress = Stress { moves: &moves, gap_weight_bps: grid.gap_weight_bps(), charges };
        e.margin(1, level, &stress).unwrap()
    };
    (margin(Level::Init, &g.init), margin(Level::Maint, &g.maint))
}

#[test]
fn linear_loss_is_one_full_range() {
    let params = DEFAULT_PARAMS;
    let (init, maint) = linear(10, &params);
    // init range max(27%, 3 * 0.8 * sqrt(1/365) = 12.56%), maint max(13%, 8.37%): the floors.
    let init_loss = 1500e6 * 0.27;
    let maint_loss = 1500e6 * 0.13;
    // Moves round away from zero and the engine adds 4 qn of rounding allowance.
    for (got, exact) in [(init.scan_loss, init_loss), (maint.scan_loss, maint_loss)] {
        let diff = got as f64 - exact;
        assert!((0.0..=6.0).contains(&diff), "{got} vs {exact}");
    }
    assert_eq!(init.worst, 12); // down a full range (vol up and vol down tie; the first counts)
    let (short, _) = linear(-10, &params);
    assert_eq!(short.worst, 10); // a short position loses on the way up
    assert_eq!(short.scan_loss, init.scan_loss);
    assert_eq!(init.net_delta, 1_500_000_000);
    assert_eq!((init.short_option_min, init.concentration), (0, 0));
    assert!(maint.requirement().unwrap() < init.requirement().unwrap());
}

#[test]
fn concentration_above_the_threshold() {
    let params =
        UnderlyingParams { concentration_threshold: Fixed::from_int(1_000), ..DEFAULT_PARAMS };
    let (init, maint) = linear(10, &params);
    // (1,500 - 1,000) * 5% and * 2.5%: no option contracts, so no rounding allowance.
    assert_eq!((init.concentration, maint.concentration), (25_000_000, 12_500_000));
}

#[test]
fn requirement_sums_books_and_blends_the_correlation_credit() {
    let params = DEFAULT_PARAMS;
    let (long, _) = linear(10, &params);
    let (short, _) = linear(-10, &params);
    let independent = requirement(&[long, short], 0).unwrap();
    assert_eq!(independent.scan, long.scan_loss + short.scan_loss);
    // Only the books' rounding (allowances and floors) is left when they move together.
    assert!((8..=10).contains(&independent.joint), "{}", independent.joint);
    assert_eq!(independent.total, independent.scan);
    let full = requirement(&[long, short], 10_000).unwrap();
    assert_eq!(full.total, independent.joint);
    let half = requirement(&[long, short], 5_000).unwrap();
    assert_eq!(half.credit, (independent.scan - independent.joint) / 2);
}

#[test]
fn moves_round_away_from_zero_and_are_bounded() {
    let g = grids(&DEFAULT_PARAMS, fx("0.8")).unwrap();
    let q = moves_q32(&g.init).unwrap();
    for (m, exact) in q.iter().zip(g.init.moves) {
        let back = Fixed::from_raw(i128::from(*m) << 32);
        assert!(back.abs().unwrap() >= exact.abs().unwrap());
        assert!((back.raw() - exact.raw()).abs() < 1 << 32);
    }
    let wild = grids(&DEFAULT_PARAMS, fx("20")).unwrap();
    assert!(moves_q32(&wild.init).is_err());
}

proptest::proptest! {
    /// A linear book's loss in a gap, at the gap's weight, never exceeds its full-range loss, at
    /// any gap the listing accepts and any vol index: the gaps bind only for options.
    #[test]
    fn linear_books_never_bind_on_gaps(
        notional in -(1i128 << 70)..1i128 << 70,
        index_pct in 0i64..300,
        thirds in 4u8..=12,
    ) {
        let weight = (30_000 / u32::from(thirds)) as u16;
        let level = crate::scenario::GridParams {
            gap_thirds: thirds,
            gap_weight_bps: weight,
            ..DEFAULT_PARAMS.maint
        };
        let g = level_grids([&level, &level], Fixed::lit(index_pct, 100)).unwrap();
        let mut e = Exposure::default();
        e.add_linear(notional).unwrap();
        let charges = DEFAULT_PARAMS.charges(Level::Maint, 6).unwrap();
        let moves = moves_q32(&g.maint).unwrap();
        let stress = Stress { moves: &moves, gap_weight_bps: g.maint.gap_weight_bps(), charges };
        let m = e.margin(1, Level::Maint, &stress)
            .unwrap();
        let full_range = m.pnl[10].min(m.pnl[12]);
        proptest::prop_assert!(m.pnl[14] >= full_range && m.pnl[15] >= full_range);
        proptest::prop_assert_eq!(m.scan_loss, (-full_range).max(0));
    }
}
