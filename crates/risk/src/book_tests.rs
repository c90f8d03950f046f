//! Bounds of the engine's inputs: out-of-range entries and sizes are errors, not wrong numbers.

use super::*;
use crate::cache::{SeriesEntry, Q_ONE};
use crate::margin::AddOn;

/// The gap weight of these tests' grids (gaps at half weight).
const GAP_WEIGHT: u16 = 5_000;

/// A stress of `moves` with `charges` and gaps at [`GAP_WEIGHT`].
fn stress<'a>(moves: &'a [i64; MAX_SCENARIOS], charges: &Charges) -> Stress<'a> {
    Stress { moves, gap_weight_bps: GAP_WEIGHT, charges: *charges }
}

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
        call: 0,
        max_drift_bps: 10_000,
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
    let charges = Charges { short_option_min_bps: 100, ..Charges::default() };
    let moves = [0; MAX_SCENARIOS];
    let m = x.margin(1, Level::Init, &stress(&moves, &charges)).unwrap();
    assert_eq!(m.short_option_min, 100_000); // 1% of 10 * 1,000,000
                                             // Every scenario loses the stored -5,000 per contract, written: +(5,000 - 1) * 10 = gain.
    assert!(m.pnl[0] > 0);
}

/// Positions added at different prices per contract count each at its own price in the notional
/// (the sums per kind and side are kept as contract counts between price changes).
#[test]
fn short_option_minimum_counts_each_position_at_its_price() {
    let mut x = Exposure::default();
    x.add_option(-10, &entry(), 1_000_000, 1).unwrap();
    x.add_option(-7, &entry(), 1_300_000, 1).unwrap();
    x.add_option(-3, &entry(), 1_000_000, 1).unwrap();
    let charges = Charges { short_option_min_bps: 100, ..Charges::default() };
    let m = x.margin(1, Level::Init, &stress(&[0; MAX_SCENARIOS], &charges)).unwrap();
    // 1% of 13 * 1,000,000 + 7 * 1,300,000; every scenario gains, so the minimum is all of it.
    assert_eq!(m.scan_loss, 0);
    assert_eq!(m.short_option_min, 221_000);
}

/// Concentration is charged on the gross notional and the net vega too: a hedged linear book
/// with no net delta pays the gross add-on, a long-vega book the vega add-on, each only above its
/// threshold.
#[test]
fn concentration_counts_gross_notional_and_net_vega() {
    let add_on = |bps, threshold| AddOn { bps, threshold };
    let charges = Charges {
        gross: add_on(100, 1_000_000),
        vega: add_on(2_500, 10_000),
        ..Charges::default()
    };
    let moves = [0; MAX_SCENARIOS];
    // Spot against a short perpetual: net 0, gross 6,000,000.
    let mut x = Exposure::default();
    x.add_linear(3_000_000).unwrap();
    x.add_linear(-3_000_000).unwrap();
    let m = x.margin(1, Level::Init, &stress(&moves, &charges)).unwrap();
    assert_eq!((m.net_delta, m.gross, m.vega), (0, 6_000_000, 0));
    assert_eq!(m.concentration, 50_000); // 1% of 6,000,000 - 1,000,000
                                         // 100 long contracts gaining 300 with vols up and losing 200 with vols down: vega 50,000.
    let mut pnl = [0; MAX_SCENARIOS];
    (pnl[VOL_UP_AT_SPOT], pnl[VOL_DOWN_AT_SPOT]) = (300, -200);
    let e = SeriesEntry { init_pnl: pnl, maint_pnl: pnl, ..entry() };
    let mut x = Exposure::default();
    x.add_option(100, &e, 1_000_000, 1).unwrap();
    let m = x.margin(1, Level::Init, &stress(&moves, &charges)).unwrap();
    assert_eq!((m.vega, m.gross), (50_000, 100_000_000));
    // 1% of 99,000,000 gross and 25% of 40,000 vega above their thresholds.
    assert_eq!(m.concentration, 990_000 + 10_000);
    let r = x.requirements([&stress(&moves, &charges); 2]).unwrap();
    assert_eq!(r[0], m.requirement().unwrap());
}

/// Gaps are not ordered between levels, so a book may lose more in the maint grid than in the
/// init one: its init requirement is then maint's, and an account is never liquidatable above init.
#[test]
fn init_requirement_is_never_below_maint() {
    // A written contract losing 1,000 per contract in every init scenario and 3,000 in maint.
    let e = SeriesEntry {
        init_pnl: [1_000; MAX_SCENARIOS],
        maint_pnl: [3_000; MAX_SCENARIOS],
        ..entry()
    };
    let mut x = Exposure::default();
    x.add_option(-10, &e, 1_000_000, 1).unwrap();
    let (moves, charges) = ([0; MAX_SCENARIOS], Charges::default());
    let s = stress(&moves, &charges);
    let (init, maint) =
        (x.margin(1, Level::Init, &s).unwrap(), x.margin(1, Level::Maint, &s).unwrap());
    assert!(init.requirement().unwrap() < maint.requirement().unwrap());
    let r = x.requirements([&s; 2]).unwrap();
    assert_eq!(r, [maint.requirement().unwrap(); 2]);
}

/// A box, a conversion and a covered call net to no short-option minimum; naked legs pay it, and
/// it counts only where it exceeds the scan loss (SPAN: the larger of the two).
#[test]
fn short_option_minimum_nets_covered_legs_and_is_the_larger_of_the_two() {
    let charges = Charges { short_option_min_bps: 100, ..Charges::default() };
    let moves = [0; MAX_SCENARIOS];
    let (put, call) = (SeriesEntry { call: 0, ..entry() }, SeriesEntry { call: 1, ..entry() });
    // The minimum before the comparison with the scan loss: max(scan, som) = scan + added.
    let som = |linear: i128, legs: &[(i64, &SeriesEntry)]| {
        let mut x = Exposure::default();
        x.add_linear(linear).unwrap();
        for (q, e) in legs {
            x.add_option(*q, e, 1_000_000, 1).unwrap();
        }
        let m = x.margin(1, Level::Init, &stress(&moves, &charges)).unwrap();
        assert!(m.scan_loss < 1_000, "{}", m.scan_loss); // rounding allowances only
        if m.short_option_min == 0 {
            0
        } else {
            m.scan_loss + m.short_option_min
        }
    };
    // Box: long call + written call, long put + written put.
    assert_eq!(som(0, &[(10, &call), (-10, &call), (10, &put), (-10, &put)]), 0);
    // Conversion: long underlying, long put, written call; covered call.
    assert_eq!(som(10_000_000, &[(10, &put), (-10, &call)]), 0);
    assert_eq!(som(10_000_000, &[(-10, &call)]), 0);
    // A covered call does not cover a written put; a long put does not cover a written call.
    assert_eq!(som(10_000_000, &[(-10, &put)]), 100_000);
    assert_eq!(som(0, &[(10, &put), (-10, &call)]), 100_000);
    // Half covered: 1% of the 5 uncovered contracts.
    assert_eq!(som(-5_000_000, &[(-10, &put)]), 50_000);
    // The minimum counts only where it exceeds the scan loss (10 written contracts losing
    // `stored + 1` each, plus the 84 qn allowance).
    for (stored, scan, added) in [(50_000, 500_094, 0), (5_000, 50_094, 49_906)] {
        let e = SeriesEntry { init_pnl: [stored; MAX_SCENARIOS], ..put };
        let mut x = Exposure::default();
        x.add_option(-10, &e, 1_000_000, 1).unwrap();
        let m = x.margin(1, Level::Init, &stress(&moves, &charges)).unwrap();
        assert_eq!((m.scan_loss, m.short_option_min), (scan, added));
        let fast = x.requirements([&stress(&moves, &charges); 2]).unwrap();
        assert_eq!(fast[0], scan.max(100_000));
    }
}

#[test]
fn extreme_scenarios_count_at_their_weight_and_moves_are_bounded() {
    let mut x = Exposure::default();
    x.add_linear(-1_000_000).unwrap();
    let charges = Charges::default();
    let mut moves = [0; MAX_SCENARIOS];
    moves[15] = Q_ONE / 10; // +10% in the 50% gap: the short loses 100,000 (+4 allowance)
    let m = x.margin(1, Level::Init, &stress(&moves, &charges)).unwrap();
    assert_eq!((m.pnl[15], m.worst, m.scan_loss), (-50_002, 15, 50_002)); // floor(-100,004 * 0.5)
    moves[3] = MAX_MOVE + 1;
    assert!(x.margin(1, Level::Init, &stress(&moves, &charges)).is_err());
}

fn scan_grid() -> impl proptest::strategy::Strategy<Value = ([i64; MAX_SCENARIOS], Charges)> {
    use proptest::prelude::*;
    let moves = proptest::array::uniform16(-MAX_MOVE..=MAX_MOVE);
    let add_on =
        (0u32..20_000, 0i128..1 << 40).prop_map(|(bps, threshold)| AddOn { bps, threshold });
    let charges = (0u32..20_000, add_on.clone(), add_on.clone(), add_on).prop_map(
        |(som, delta, gross, vega)| Charges { short_option_min_bps: som, delta, gross, vega },
    );
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
        let s = stress(&moves, &charges);
        let full = |l| x.margin(1, l, &s).and_then(|m| m.requirement());
        // Init's requirement is raised to maint's where it is below.
        let full = full(Level::Init)
            .and_then(|init| full(Level::Maint).map(|maint| vec![init.max(maint), maint]));
        let fast = x.requirements([&s; 2]).map(Vec::from);
        proptest::prop_assert_eq!(full, fast);
    }
}

/// The documented formulas (module doc, [`SeriesEntry::carry`]) in plain overflow-checked 128-bit
/// arithmetic: what the engine's 64-bit sums, shared products and unchecked multiplies must equal.
mod naive {
    use super::*;

    fn floor_q(x: i128) -> i128 {
        x.div_euclid(1 << Q)
    }

    /// `(low, delta dX, gamma_x dX)` of the carry.
    pub fn carry(e: &SeriesEntry, price: i64, now: i64) -> (i128, i128, i128) {
        let dx = i128::from(price) - i128::from(e.ref_price);
        let g = floor_q(i128::from(e.gamma_x) * dx.abs());
        let convex = g * dx.abs() / (2 * i128::from(e.ref_price));
        let dt = i128::from((now - e.ref_time).clamp(0, i64::from(u32::MAX)));
        let delta_dx = floor_q(i128::from(e.delta) * dx);
        let gamma_dx = floor_q(i128::from(e.gamma_x) * dx);
        (
            i128::from(e.mark) + delta_dx + convex + floor_q(i128::from(e.theta) * dt),
            delta_dx,
            gamma_dx,
        )
    }

    /// A book's figures at one level, from the formulas.
    pub struct Book {
        pub value: i128,
        pub pnl: [i128; MAX_SCENARIOS],
        pub net_delta: i128,
        /// The short-option minimum above the scan loss.
        pub som: i128,
        pub gross: i128,
        pub vega: i128,
        pub concentration: i128,
    }

    /// `ceil(bps / 10^4 * max(0, x - threshold))`.
    fn add_on(a: &AddOn, x: i128) -> i128 {
        -(-(x - a.threshold).max(0) * i128::from(a.bps)).div_euclid(10_000)
    }

    /// The figures of a book of `linear` (one notional) and `options` at `level`.
    pub fn book(
        linear: i128,
        options: &[(i64, SeriesEntry)],
        price: i64,
        now: i64,
        level: usize,
        moves: &[i64; MAX_SCENARIOS],
        charges: &Charges,
    ) -> Book {
        let (mut value, mut a, mut b, mut delta, mut contracts) = (0, 0, 0, 0, 0);
        // [put, call][long, written] notional.
        let mut notional = [[0i128; 2]; 2];
        let mut stored = [0i128; MAX_SCENARIOS];
        for (q, e) in options {
            let (q, short) = (i128::from(*q), *q < 0);
            let (low, delta_dx, gamma_dx) = carry(e, price, now);
            value += q * if short { low + 4 } else { low }.max(0);
            a += q * delta_dx;
            b += q * gamma_dx;
            delta += q * floor_q(i128::from(e.delta) * i128::from(price));
            contracts += q.abs();
            notional[usize::from(e.call == 1)][usize::from(short)] += q.abs() * i128::from(price);
            let grid = if level == 0 { &e.init_pnl } else { &e.maint_pnl };
            for (s, p) in stored.iter_mut().zip(grid) {
                *s += q * ((i128::from(*p) + i128::from(short)) << e.shift);
            }
        }
        let mut pnl = [0i128; MAX_SCENARIOS];
        for i in 0..MAX_SCENARIOS {
            let m = i128::from(moves[i]);
            let carry = floor_q(m * (a + floor_q(((1 << Q) + m) * b)));
            let total = floor_q(linear * m) + stored[i] + carry - (8 * contracts + 4);
            let w = i128::from(if i < FIRST_GAP { FULL_WEIGHT } else { GAP_WEIGHT });
            pnl[i] = if w == 10_000 { total } else { (total * w).div_euclid(10_000) };
        }
        // Long options cover written ones of their kind, long (short) underlying written calls
        // (puts); the minimum counts where it exceeds the scan loss.
        let [puts, calls] = notional;
        let net = (calls[1] - calls[0] - linear.max(0)).max(0)
            + (puts[1] - puts[0] - (-linear).max(0)).max(0);
        let som = -(-net * i128::from(charges.short_option_min_bps)).div_euclid(10_000);
        let scan = (-pnl.iter().min().unwrap()).max(0);
        let gross = linear.abs() + contracts * i128::from(price);
        let vega = stored[0] - stored[1];
        let concentration = add_on(&charges.delta, (linear + delta).abs() + contracts)
            + add_on(&charges.gross, gross)
            + add_on(&charges.vega, vega.abs());
        Book {
            value,
            pnl,
            net_delta: linear + delta,
            som: (som - scan).max(0),
            gross,
            vega,
            concentration,
        }
    }
}

fn any_entry() -> impl proptest::strategy::Strategy<Value = SeriesEntry> {
    use proptest::prelude::*;
    let greeks = (-MAX_DELTA..=MAX_DELTA, 0..=MAX_GAMMA_X, -(1i64 << 40)..1 << 40);
    let stored = (-(i32::MAX - 1)..i32::MAX, -1_000_000i32..1_000_000, 0u8..=32, 0u8..3);
    (1i64..1 << 44, 0i64..1 << 30, greeks, stored).prop_map(
        |(ref_price, mark, (delta, gamma_x, theta), (big, small, shift, kind))| SeriesEntry {
            ref_time: 1_000,
            ref_price,
            mark,
            delta,
            gamma_x,
            theta,
            epoch: 0,
            // A few shifts only, so that consecutive positions often share one.
            shift: [0, 1, shift][usize::from(kind)],
            call: u8::from(kind != 1),
            max_drift_bps: 10_000,
            init_pnl: core::array::from_fn(|s| if s % 3 == 0 { big } else { small + s as i32 }),
            maint_pnl: core::array::from_fn(|s| if s % 5 == 0 { -big } else { small - s as i32 }),
        },
    )
}

#[test]
fn the_largest_books_do_not_wrap_the_64_bit_sums() {
    // Four written positions of MAX_CONTRACTS at the largest stored P&L: 2^64 per scenario.
    let e = SeriesEntry { init_pnl: [i32::MAX - 1; MAX_SCENARIOS], ..entry() };
    let options = [(-MAX_CONTRACTS, e); 4];
    let mut x = Exposure::default();
    for (q, e) in &options {
        x.add_option(*q, e, e.ref_price, 1).unwrap();
    }
    let charges = Charges::default();
    let moves = [0; MAX_SCENARIOS];
    let m = x.margin(1, Level::Init, &stress(&moves, &charges)).unwrap();
    let pnl = naive::book(0, &options, e.ref_price, 1, 0, &moves, &charges).pnl;
    assert_eq!(m.pnl, pnl);
    assert!(pnl[1] < -(1 << 64));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2_000))]

    /// The 64-bit weighting equals the 128-bit one.
    #[test]
    fn small_weighting_matches(total in -(1i64 << 60)..1 << 60, weight_bps in 0u16..=u16::MAX) {
        proptest::prop_assert_eq!(i128::from(weigh_small(total, weight_bps)), weigh(i128::from(total), weight_bps).unwrap());
    }

    /// Every figure of a book with options equals the naive formulas, for position sizes up to
    /// `MAX_CONTRACTS` (the pending 64-bit sums flush), mixed shifts and prices on both sides of
    /// the valuation.
    #[test]
    fn books_match_the_naive_formulas(
        linear in -(1i128 << 80)..1 << 80,
        options in proptest::collection::vec(
            (-MAX_CONTRACTS..=MAX_CONTRACTS, 0u32..32, any_entry()), 1..8),
        permille in -999i64..1_000,
        age in -10i64..100_000,
        (moves, charges) in scan_grid(),
    ) {
        // One price for the book, each entry valued within a factor of two of it.
        let price = options[0].2.ref_price;
        let options: Vec<(i64, SeriesEntry)> = options
            .into_iter()
            .map(|(q, s, e)| {
                let ref_price = (price - price * permille / 1_000 + i64::from(s)).max(1);
                (q >> (s % 32), SeriesEntry { ref_price, ..e })
            })
            .filter(|(_, e)| (price - e.ref_price).abs() <= e.ref_price)
            .collect();
        proptest::prop_assume!(!options.is_empty());
        let now = 1_000 + age;
        let mut x = Exposure::default();
        x.add_linear(linear).unwrap();
        for (q, e) in &options {
            x.add_option(*q, e, price, now).unwrap();
        }
        let s = stress(&moves, &charges);
        let fast = x.requirements([&s; 2]).unwrap();
        let maint = x.margin(1, Level::Maint, &s).unwrap().requirement().unwrap();
        for level in Level::BOTH {
            let n = naive::book(linear, &options, price, now, level as usize, &moves, &charges);
            let m = x.margin(1, level, &s).unwrap();
            proptest::prop_assert_eq!(x.option_value, n.value);
            proptest::prop_assert_eq!(m.pnl, n.pnl);
            proptest::prop_assert_eq!((m.net_delta, m.short_option_min), (n.net_delta, n.som));
            proptest::prop_assert_eq!((m.gross, m.vega, m.concentration), (n.gross, n.vega, n.concentration));
            let floor = if level == Level::Init { maint } else { 0 };
            proptest::prop_assert_eq!(fast[level as usize], m.requirement().unwrap().max(floor));
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2_000))]

    /// Collateral joins a book at its init-weighted value (`HoldingValue::exposure`), so at each
    /// level its requirement rises by at most that value, which both levels count at least
    /// (below the concentration thresholds, no down move beyond -100%, a short-option minimum of
    /// at most 100% as listing allows: a holding can uncover written puts a short position
    /// covered): a deposit never lowers a level's health, whatever the book holds and however
    /// wide the grid.
    #[test]
    fn collateral_never_charges_more_than_it_counts(
        linear in -(1i128 << 60)..1i128 << 60,
        options in proptest::collection::vec((-1_000i64..=1_000, any_entry()), 0..4),
        weighted in 0i128..1i128 << 50,
        moves in proptest::array::uniform16(-Q_ONE..=MAX_MOVE),
        som_bps in 0u32..=10_000,
    ) {
        let charges = Charges { short_option_min_bps: som_bps, ..Charges::default() };
        let price = options.first().map_or(1_000_000, |(_, e)| e.ref_price);
        let book = |collateral: i128| {
            let mut x = Exposure::default();
            x.add_linear(linear).unwrap();
            x.add_linear(collateral).unwrap();
            for (q, e) in &options {
                x.add_option(*q, &SeriesEntry { ref_price: price, ..*e }, price, 1_000).unwrap();
            }
            x
        };
        let (without, with) = (book(0), book(weighted));
        let s = stress(&moves, &charges);
        for level in Level::BOTH {
            let before = without.margin(1, level, &s).unwrap().requirement().unwrap();
            let after = with.margin(1, level, &s).unwrap().requirement().unwrap();
            proptest::prop_assert!(after - before <= weighted, "{before} -> {after}");
        }
    }
}
