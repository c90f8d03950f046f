//! Hedges margined together cost less than their legs margined alone: each case with its numbers.
//! Default parameters (`margin::DEFAULT_PARAMS`), SPAN grid, init level, no correlation credit
//! unless stated.

use super::*;
use crate::black_scholes::OptionKind::{self, Call, Put};
use crate::margin::{requirement, DEFAULT_PARAMS};

const NOW: i64 = 1_760_000_000;
const DAY: i64 = 86_400;

/// Quote decimals and contract (0.001 of a unit) of these tests.
const QUOTE_DECIMALS: u8 = 9;
const QN: i128 = 1_000_000_000;

fn fx(s: &str) -> Fixed {
    s.parse().unwrap()
}

fn opt(kind: OptionKind, strike: i64, days: i64, quantity: &str, vol: &str) -> OptionPosition {
    OptionPosition {
        spec: SeriesSpec { kind, strike: Fixed::from_int(strike), expiry: NOW + days * DAY },
        contracts: fx(quantity).mul_int(1_000).unwrap().to_i64(Round::Down).unwrap(),
        vol: fx(vol),
    }
}

fn book(
    underlying: u16,
    spot: i64,
    vol: &str,
    delta_one: &str,
    options: Vec<OptionPosition>,
) -> Positions {
    Positions {
        underlying,
        spot: Fixed::from_int(spot),
        vol_index: fx(vol),
        rate: Fixed::ZERO,
        scale: ContractScale::new(1_000_000, 9, QUOTE_DECIMALS).unwrap(),
        linear: fx(delta_one).mul_int(i128::from(spot) * QN).unwrap().to_int_floor(),
        options,
        params: DEFAULT_PARAMS,
    }
}

/// Init requirement of a set of books, qn.
fn init_requirement(books: &[Positions], credit_bps: u32) -> i128 {
    let margins: Vec<_> =
        books.iter().map(|b| assess(b, NOW, QUOTE_DECIMALS).unwrap().init).collect();
    requirement(&margins, credit_bps).unwrap().total
}

fn show(qn: i128) -> String {
    format!("{:.2}", Fixed::from_ratio(qn, QN).unwrap())
}

/// `|actual - expected| < 0.005` (pins a figure to the cent).
fn assert_cents(actual: i128, expected: &str) {
    let diff = actual - fx(expected).mul_int(QN).unwrap().to_int_floor();
    assert!(diff.abs() < QN / 200, "{} != {expected}", show(actual));
}

/// Checks `together < sum of legs` and pins all three figures.
fn hedge(name: &str, legs: &[Vec<Positions>], together: &[Positions], pins: (&[&str], &str)) {
    let alone: Vec<i128> = legs.iter().map(|l| init_requirement(l, 0)).collect();
    let sum: i128 = alone.iter().sum();
    let joint = init_requirement(together, 0);
    println!(
        "{name}: legs {:?} sum {}, together {}",
        alone.iter().map(|a| show(*a)).collect::<Vec<_>>(),
        show(sum),
        show(joint)
    );
    for (a, pin) in alone.iter().zip(pins.0) {
        assert_cents(*a, pin);
    }
    assert_cents(joint, pins.1);
    assert!(joint < sum, "{name}: {joint} !< {sum}");
}

#[test]
fn spot_collateral_hedged_by_a_short_perp() {
    // 10 SOL held, 10 SOL perp sold: no net exposure.
    let long = book(1, 150, "0.8", "10", vec![]);
    let short = book(1, 150, "0.8", "-10", vec![]);
    let both = book(1, 150, "0.8", "0", vec![]);
    hedge("spot + short perp", &[vec![long], vec![short]], &[both], (&["405.00", "405.00"], "0"));
}

#[test]
fn covered_call() {
    // 1 BTC held, one 30-day 66,000 call written.
    let call = opt(Call, 66_000, 30, "-1", "0.55");
    hedge(
        "covered call",
        &[vec![book(2, 60_000, "0.55", "1", vec![])], vec![book(2, 60_000, "0", "0", vec![call])]],
        &[book(2, 60_000, "0.55", "1", vec![call])],
        (&["16200.00", "12669.16"], "15370.70"),
    );
}

#[test]
fn long_straddle() {
    let (call, put) = (opt(Call, 150, 30, "10", "0.8"), opt(Put, 150, 30, "10", "0.8"));
    hedge(
        "long straddle",
        &[vec![book(1, 150, "0.8", "0", vec![call])], vec![book(1, 150, "0.8", "0", vec![put])]],
        &[book(1, 150, "0.8", "0", vec![call, put])],
        (&["134.30", "126.79"], "71.72"),
    );
}

#[test]
fn calendar_spread() {
    // Near call written, far call bought, same strike.
    let (near, far) = (opt(Call, 3_000, 7, "-5", "0.6"), opt(Call, 3_000, 90, "5", "0.6"));
    hedge(
        "calendar spread",
        &[
            vec![book(3, 3_000, "0.6", "0", vec![near])],
            vec![book(3, 3_000, "0.6", "0", vec![far])],
        ],
        &[book(3, 3_000, "0.6", "0", vec![near, far])],
        (&["3801.49", "1609.91"], "1112.82"),
    );
}

#[test]
fn put_spread() {
    // 60,000 put bought, 54,000 put written.
    let (long, short) = (opt(Put, 60_000, 30, "1", "0.55"), opt(Put, 54_000, 30, "-1", "0.6"));
    hedge(
        "put spread",
        &[
            vec![book(2, 60_000, "0.55", "0", vec![long])],
            vec![book(2, 60_000, "0.55", "0", vec![short])],
        ],
        &[book(2, 60_000, "0.55", "0", vec![long, short])],
        (&["3713.05", "12398.68"], "2106.31"),
    );
}

#[test]
fn portfolio_across_two_underlyings() {
    // A SOL covered call and a BTC put spread in one account.
    let sol_call = opt(Call, 165, 30, "-10", "0.8");
    let (btc_long, btc_short) =
        (opt(Put, 60_000, 30, "1", "0.55"), opt(Put, 54_000, 30, "-1", "0.6"));
    let legs = [
        vec![book(1, 150, "0.8", "10", vec![])],
        vec![book(1, 150, "0.8", "0", vec![sol_call])],
        vec![book(2, 60_000, "0.55", "0", vec![btc_long])],
        vec![book(2, 60_000, "0.55", "0", vec![btc_short])],
    ];
    let together = [
        book(1, 150, "0.8", "10", vec![sol_call]),
        book(2, 60_000, "0.55", "0", vec![btc_long, btc_short]),
    ];
    hedge(
        "two underlyings",
        &legs,
        &together,
        (&["405.00", "317.05", "3713.05", "12398.68"], "2471.11"),
    );
}

#[test]
fn correlation_credit_offsets_opposite_exposures() {
    // Long 1 BTC perp, short 20 ETH perp (about the same notional): independent vs 50% credit.
    let btc = book(2, 60_000, "0.55", "1", vec![]);
    let eth = book(3, 3_000, "0.6", "-20", vec![]);
    let none = init_requirement(&[btc.clone(), eth.clone()], 0);
    let half = init_requirement(&[btc.clone(), eth.clone()], 5_000);
    let sum = init_requirement(&[btc], 0) + init_requirement(&[eth], 0);
    println!(
        "correlation: legs {}, no credit {}, 50% credit {}",
        show(sum),
        show(none),
        show(half)
    );
    assert_eq!(none, sum);
    assert!(half < none);
    assert_cents(sum, "32400.00");
    assert_cents(half, "16200.00");
    // Same-direction exposures get no credit.
    let same = [book(2, 60_000, "0.55", "1", vec![]), book(3, 3_000, "0.6", "20", vec![])];
    assert_eq!(init_requirement(&same, 5_000), init_requirement(&same, 0));
}
