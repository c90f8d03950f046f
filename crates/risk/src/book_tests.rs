//! Bounds of the engine's inputs: out-of-range entries and sizes are errors, not wrong numbers.

use super::*;
use crate::cache::SeriesEntry;

fn entry() -> SeriesEntry {
    SeriesEntry {
        ref_time: 1,
        ref_price: 1_000_000,
        mark: 10_000,
        delta: Q_ONE / 2,
        gamma_x: Q_ONE,
        theta: -Q_ONE,
        epoch: 0,
        shift: 0,
        init_pnl: [-5_000; MAX_SCENARIOS],
        maint_pnl: [-3_000; MAX_SCENARIOS],
    }
}

#[test]
fn sizes_and_entries_out_of_range_are_refused() {
    let mut x = Exposure::default();
    assert!(x.add_option(MAX_CONTRACTS + 1, &entry(), 1_000_000, 1).is_err());
    assert!(x.add_option(1, &SeriesEntry { shift: 33, ..entry() }, 1_000_000, 1).is_err());
    assert!(x.add_option(1, &SeriesEntry { gamma_x: -1, ..entry() }, 1_000_000, 1).is_err());
    assert!(x.add_option(1, &entry(), 2_000_001, 1).is_err()); // more than doubled
    assert!(x.add_option(1, &entry(), MAX_PRICE + 1, 1).is_err());
    assert_eq!(x, Exposure::default());
    assert!(x.add_option(MAX_CONTRACTS, &entry(), 1_000_000, 1).is_ok());
}

#[test]
fn written_options_pay_the_short_option_minimum_on_their_notional() {
    let mut x = Exposure::default();
    x.add_option(-10, &entry(), 1_000_000, 1).unwrap();
    let charges =
        Charges { short_option_min_bps: 100, concentration_bps: 0, concentration_threshold: 0 };
    let moves = [0; MAX_SCENARIOS];
    let m = x.margin(1, Level::Init, &crate::scenario::SPAN_16, &moves, &charges).unwrap();
    assert_eq!(m.short_option_min, 100_000); // 1% of 10 * 1,000,000
                                             // Every scenario loses the stored -5,000 per contract, written: +(5,000 - 1) * 10 = gain.
    assert!(m.pnl[0] > 0);
}

#[test]
fn extreme_scenarios_count_at_their_weight_and_moves_are_bounded() {
    let mut x = Exposure::default();
    x.add_linear(-1_000_000).unwrap();
    let charges =
        Charges { short_option_min_bps: 0, concentration_bps: 0, concentration_threshold: 0 };
    let mut moves = [0; MAX_SCENARIOS];
    moves[14] = Q_ONE / 10; // +10% in the 35% scenario: the short loses 100,000 (+4 allowance)
    let m = x.margin(1, Level::Init, &crate::scenario::SPAN_16, &moves, &charges).unwrap();
    assert_eq!((m.pnl[14], m.worst, m.scan_loss), (-35_002, 14, 35_002)); // floor(-100,004 * 0.35)
    moves[3] = MAX_MOVE + 1;
    assert!(x.margin(1, Level::Init, &crate::scenario::SPAN_16, &moves, &charges).is_err());
}

fn scan_grid() -> impl proptest::strategy::Strategy<Value = ([i64; MAX_SCENARIOS], Charges)> {
    use proptest::prelude::*;
    let moves = proptest::array::uniform16(-MAX_MOVE..=MAX_MOVE);
    let charges = (0u32..20_000, 0u32..20_000, 0i128..1 << 40).prop_map(|(s, c, t)| Charges {
        short_option_min_bps: s,
        concentration_bps: c,
        concentration_threshold: t,
    });
    (moves, charges)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3_000))]

    /// The requirement without the scenario vector equals the full margin's, for books with and
    /// without options, at every magnitude of exposure and move.
    #[test]
    fn requirement_equals_the_full_margins(
        shift in 0u32..89,
        linear in proptest::num::i128::ANY,
        options in proptest::collection::vec(
            (-1_000i64..1_000, 1i64..1 << 40, -500i64..500, -10_000i32..10_000), 0..3),
        (moves, charges) in scan_grid(),
    ) {
        let mut x = Exposure::default();
        x.add_linear(linear >> (38 + shift)).unwrap();
        for (q, ref_price, dx_permille, p) in options {
            let e = SeriesEntry { ref_price, init_pnl: [p; MAX_SCENARIOS], ..entry() };
            let price = (ref_price + ref_price * dx_permille / 1_000).max(1);
            x.add_option(q, &e, price, 1).unwrap();
        }
        for level in Level::BOTH {
            let full = x.margin(1, level, &crate::scenario::SPAN_16, &moves, &charges);
            let fast = x.requirement(level, &crate::scenario::SPAN_16, &moves, &charges);
            proptest::prop_assert_eq!(full.and_then(|m| m.requirement()), fast);
        }
    }
}
