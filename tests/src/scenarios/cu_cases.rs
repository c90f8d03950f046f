//! Compute-unit cases (recorded on every backend, reported and budget-checked on SBF): fixed
//! keys and fixed state so the figures are reproducible.

use super::options::{post_vols, refresh, with_sol_chain, VOL_78, VOL_80};
use super::perps::{funded, per_contract, with_sol_perp};
use super::setup::{five_more, standard, SOL};
use crate::expect;
use crate::world::World;
use crate::Scenario;

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "cu_deposit_and_withdraw_1", run: cu_deposit_and_withdraw_1 },
    Scenario { name: "cu_withdraw_8_collateral", run: cu_withdraw_8_collateral },
    Scenario { name: "cu_perp_trade", run: cu_perp_trade },
    Scenario { name: "cu_risk_refresh", run: cu_risk_refresh },
];

fn cu_deposit_and_withdraw_1(w: &mut World) {
    let m = standard(w);
    let alice = w.new_trader("alice");
    w.fund(&alice, m.sol, 10 * SOL);
    let report = expect::ok(w.deposit(&alice, m.sol, 10 * SOL));
    w.record_cu("deposit", &report);
    let report = expect::ok(w.withdraw(&alice, m.sol, SOL));
    w.record_cu("withdraw_1_collateral", &report);
}

fn cu_withdraw_8_collateral(w: &mut World) {
    let m = standard(w);
    let more = five_more(w);
    let alice = w.new_trader("alice");
    let assets = [m.sol, m.btc, m.eth].into_iter().chain(more);
    for index in assets {
        let unit = 10u64.pow(u32::from(w.markets[index as usize].decimals));
        w.fund_and_deposit(&alice, index, 1_000 * unit);
    }
    assert_eq!(w.margin(&alice.account).active_collateral().count(), 8);
    let report = expect::ok(w.withdraw(&alice, m.sol, SOL));
    w.record_cu("withdraw_8_collateral", &report);
}

fn cu_perp_trade(w: &mut World) {
    let m = with_sol_perp(w);
    let (alice, bob) = (funded(w, "alice", 1_000), funded(w, "bob", 1_000));
    let report = expect::ok(w.perp_trade(&alice, &bob, m.sol, 1, per_contract(150)));
    w.record_cu("trade_perp_open", &report);
    let report = expect::ok(w.update_funding(m.sol));
    w.record_cu("perp_update_funding", &report);
}

fn cu_risk_refresh(w: &mut World) {
    let m = with_sol_chain(w);
    expect::ok(post_vols(w, m.sol, VOL_80, vec![VOL_78, VOL_80]));
    let report = expect::ok(refresh(w, m.sol, 0));
    w.record_cu("refresh_risk_series", &report);
}
