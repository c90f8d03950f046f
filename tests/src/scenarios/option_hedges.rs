//! The cross-margin benefit with real accounts and trades: each hedge's init requirement against
//! the same legs, each margined alone in its own account.

use super::option_trades::{live_sol_chain, option_trade};
use super::perps::{funded, per_contract, SOL_PERP};
use super::setup::SOL;
use crate::world::{Trader, World};
use crate::{expect, Scenario};

pub const SCENARIOS: &[Scenario] = &[Scenario {
    name: "option_hedges_need_less_than_legs",
    run: option_hedges_need_less_than_legs,
}];

fn init_requirement(w: &mut World, t: &Trader) -> i128 {
    w.account_health(&t.account).unwrap().requirement[0]
}

fn option_hedges_need_less_than_legs(w: &mut World) {
    let m = live_sol_chain(w);
    w.list_perp(m.sol, SOL_PERP);
    let dealer = funded(w, "dealer", 100_000);
    let call = per_contract(8);
    let put = per_contract(9);

    // Covered call: 10 SOL and 10 written 165 calls; legs: the SOL alone, the calls alone.
    let covered = funded(w, "covered", 1_000);
    w.fund_and_deposit(&covered, m.sol, 10 * SOL);
    let spot = funded(w, "spot", 1_000);
    w.fund_and_deposit(&spot, m.sol, 10 * SOL);
    let naked = funded(w, "naked", 1_000);
    for writer in [&covered, &naked] {
        expect::ok(option_trade(w, &dealer, writer, 0, 10, call));
    }
    // Delta-hedged long calls: 10 calls and 4 short perpetuals (delta 0.38); legs apart.
    let hedged = funded(w, "hedged", 1_000);
    let calls = funded(w, "calls", 1_000);
    let short = funded(w, "short", 1_000);
    for holder in [&hedged, &calls] {
        expect::ok(option_trade(w, holder, &dealer, 0, 10, call));
    }
    for seller in [&hedged, &short] {
        expect::ok(w.perp_trade(&dealer, seller, m.sol, 4, per_contract(150)));
    }
    // Short strangle: 10 written 165 calls and 10 written 140 puts; legs: the calls (`naked`)
    // and the puts.
    let strangle = funded(w, "strangle", 1_000);
    let puts = funded(w, "puts", 1_000);
    expect::ok(option_trade(w, &dealer, &strangle, 0, 10, call));
    for writer in [&strangle, &puts] {
        expect::ok(option_trade(w, &dealer, writer, 1, 10, put));
    }

    // (together, apart) in qn: 44%, 14% and 45% of the legs' requirement (default parameters).
    let cases = [
        (&covered, [&spot, &naked], (284_371_083, 642_355_507)),
        (&hedged, [&calls, &short], (32_767_004, 241_221_159)),
        (&strangle, [&naked, &puts], (284_380_732, 628_765_214)),
    ];
    let measured: Vec<_> = cases
        .iter()
        .map(|(combined, legs, _)| {
            let together = init_requirement(w, combined);
            (together, init_requirement(w, legs[0]) + init_requirement(w, legs[1]))
        })
        .collect();
    let expected: Vec<_> = cases.iter().map(|c| c.2).collect();
    assert_eq!(measured, expected);
}
