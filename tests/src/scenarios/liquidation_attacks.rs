//! Attacks on `account_liquidate`: liquidating a healthy account, a step past the target or one
//! that does not raise health, a liquidator ending below init, stale and substituted price
//! accounts, steps on holdings the liquidatee does not have, self-liquidation (same account,
//! same owner, the liquidatee's delegate), a read-only underlying, and a deposit racing the
//! liquidation.

use cross_margin::engine::liquidation::LiquidationStep;
use cross_margin::error::XmError;
use xmargin_client::{ix, pda, Signer};

use super::collateral::transfer_quote_pnl;
use super::liquidation::{gap, perp_victim, planned, GAP_PRICE};
use super::option_trades::{live_sol_chain, option_trade};
use super::options::{post_vols, refresh, EXPIRY, VOL_78, VOL_80};
use super::perps::{funded, per_contract, SOL_PERP};
use crate::world::{Trader, World, E8, USDC};
use crate::{expect, Scenario};

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "liquidate_attack_healthy_account", run: healthy_account },
    Scenario { name: "liquidate_attack_last_day_dust", run: last_day_dust },
    Scenario { name: "liquidate_attack_liquidator_below_init", run: liquidator_below_init },
    Scenario { name: "liquidate_attack_stale_and_fake_oracle", run: stale_and_fake_oracle },
    Scenario { name: "liquidate_attack_holdings_not_held", run: holdings_not_held },
    Scenario { name: "liquidate_attack_self_liquidation", run: self_liquidation },
    Scenario { name: "liquidate_attack_read_only_underlying", run: read_only_underlying },
    Scenario { name: "liquidate_attack_racing_deposit", run: racing_deposit },
    Scenario { name: "liquidate_attack_settled_series_stay", run: settled_series_stay },
];

const ONE: u64 = 1;

fn perp_step(sol: u16, contracts: u64) -> LiquidationStep {
    LiquidationStep::Perp { underlying: sol, contracts }
}

fn healthy_account(w: &mut World) {
    let (m, alice, _bob, kate) = perp_victim(w);
    // Healthy at 150, and still at 116 (maint health 1,994 - 1,360 - 603.20 = 30.80 > 0).
    expect::xm_error(
        w.liquidate(&kate, &alice.account, perp_step(m.sol, ONE)),
        XmError::NotLiquidatable,
    );
    w.set_price(m.sol, 116 * E8, 0);
    assert!(w.account_health(&alice.account).unwrap().maint_health > 0);
    expect::xm_error(
        w.liquidate(&kate, &alice.account, perp_step(m.sol, ONE)),
        XmError::NotLiquidatable,
    );
    // The planner agrees.
    assert!(!w.liquidation(&kate.account, &alice.account).liquidatable().unwrap());
    // A zero-sized step is refused whatever the health.
    gap(w, m.sol);
    expect::xm_error(
        w.liquidate(&kate, &alice.account, perp_step(m.sol, 0)),
        XmError::LiquidationStepInvalid,
    );
}

fn liquidator_below_init(w: &mut World) {
    let (m, alice, _bob, _kate) = perp_victim(w);
    gap(w, m.sol);
    // Lena holds 200 USDC: 29 contracts need 27% of 3,190 of init requirement.
    let lena = funded(w, "lena", 200);
    let step = perp_step(m.sol, 29);
    expect::xm_error(w.liquidate(&lena, &alice.account, step), XmError::InitHealthNegative);
    // The planner sizes her step down to what her health carries: a slice of a fifth (8 of the
    // 40 contracts with their share of Alice's quote) rather than 7 contracts alone
    // (200 + 1.43 n - 29.70 n >= 0), one basis point short of where her init health ends.
    let (step, p) = planned(w, &lena, &alice);
    assert_eq!(step, LiquidationStep::Slice { fraction_bps: 1_999 });
    assert!(p.liquidator_after.init_health >= 0, "{step:?} {p:?}");
    expect::ok(w.liquidate(&lena, &alice.account, step));
}

fn stale_and_fake_oracle(w: &mut World) {
    let (m, alice, _bob, kate) = perp_victim(w);
    gap(w, m.sol);
    let step = perp_step(m.sol, 5);
    // Another feed's price account (BTC's, at 60,000) in SOL's place.
    let mut fake = w.liquidate_ix(&kate, &alice.account, step, 0);
    let sol_price = w.markets[usize::from(m.sol)].price_account;
    let btc_price = w.markets[usize::from(m.btc)].price_account;
    fake.accounts.iter_mut().filter(|a| a.pubkey == sol_price).for_each(|a| a.pubkey = btc_price);
    expect::xm_error(
        w.send(&[fake], &kate.wallet.insecure_clone(), &[]),
        XmError::PriceAccountMismatch,
    );
    // A stale price: the step needs the mid, so it is refused rather than guessed.
    let now = w.now();
    w.set_time(now + 3_600);
    expect::xm_error(w.liquidate(&kate, &alice.account, step), XmError::OracleStale);
    w.set_price(m.sol, GAP_PRICE * E8, 0);
    expect::ok(w.liquidate(&kate, &alice.account, step));
}

fn holdings_not_held(w: &mut World) {
    let (m, alice, bob, kate) = perp_victim(w);
    gap(w, m.sol);
    // Bob's account holds BTC; Alice holds none, nor any collateral but USDC or any option.
    w.fund_and_deposit(&bob, m.btc, 100_000_000);
    let steps = [
        LiquidationStep::Collateral { underlying: m.btc, amount: 1 },
        LiquidationStep::Collateral { underlying: m.sol, amount: 1 },
        LiquidationStep::Collateral { underlying: 0, amount: USDC },
        LiquidationStep::Option { underlying: m.sol, series: 0, contracts: 1 },
        perp_step(m.sol, 41),
    ];
    for step in steps {
        let result = w.liquidate(&kate, &alice.account, step);
        expect::xm_error(result, XmError::LiquidationStepInvalid);
    }
    // Bob's own health accounts in place of Alice's: the segment is checked against both
    // accounts' holdings.
    let mut ix = w.liquidate_ix(&kate, &alice.account, perp_step(m.sol, 5), 0);
    let n = ix.accounts.len();
    ix.accounts.truncate(n - 2);
    expect::xm_error(
        w.send(&[ix], &kate.wallet.insecure_clone(), &[]),
        XmError::HealthAccountMissing,
    );
}

fn self_liquidation(w: &mut World) {
    let (m, alice, _bob, kate) = perp_victim(w);
    gap(w, m.sol);
    let step = perp_step(m.sol, 5);
    // Alice's second account, funded, liquidating her first.
    let second = Trader {
        label: "alice".to_string(),
        wallet: alice.wallet.insecure_clone(),
        account: pda::margin_account(&w.group, &alice.wallet.pubkey(), 1),
    };
    expect::ok(w.send(
        &[ix::account_create(&alice.wallet.pubkey(), &w.group, 1)],
        &alice.wallet,
        &[],
    ));
    w.accounts.push(second.account);
    w.fund_and_deposit(&second, 0, 10_000 * USDC);
    expect::xm_error(w.liquidate(&second, &alice.account, step), XmError::SelfLiquidation);
    // The same account on both sides.
    expect::xm_error(w.liquidate(&alice, &alice.account, step), XmError::SelfLiquidation);
    // Kate as Alice's delegate liquidating through her own account.
    let set =
        ix::account_set_delegate(&alice.wallet.pubkey(), &alice.account, &kate.wallet.pubkey());
    expect::ok(w.send(&[set], &alice.wallet, &[]));
    expect::xm_error(w.liquidate(&kate, &alice.account, step), XmError::SelfLiquidation);
    // Alice's delegate on the liquidator's side (Alice's wallet as Kate's delegate) signing.
    let unset =
        ix::account_set_delegate(&alice.wallet.pubkey(), &alice.account, &Default::default());
    expect::ok(w.send(&[unset], &alice.wallet, &[]));
    let set =
        ix::account_set_delegate(&kate.wallet.pubkey(), &kate.account, &alice.wallet.pubkey());
    expect::ok(w.send(&[set], &kate.wallet.insecure_clone(), &[]));
    let mut ix = w.liquidate_ix(&kate, &alice.account, step, 0);
    ix.accounts[1].pubkey = alice.wallet.pubkey();
    expect::xm_error(w.send(&[ix], &alice.wallet.insecure_clone(), &[]), XmError::SelfLiquidation);
    // Kate signing for herself is a liquidation.
    expect::ok(w.liquidate(&kate, &alice.account, step));
}

fn read_only_underlying(w: &mut World) {
    let (m, alice, _bob, kate) = perp_victim(w);
    gap(w, m.sol);
    let mut ix = w.liquidate_ix(&kate, &alice.account, perp_step(m.sol, 5), 0);
    let sol = w.markets[usize::from(m.sol)].underlying;
    ix.accounts.iter_mut().filter(|a| a.pubkey == sol).for_each(|a| a.is_writable = false);
    expect::xm_error(
        w.send(&[ix], &kate.wallet.insecure_clone(), &[]),
        XmError::UnderlyingNotWritable,
    );
}

fn racing_deposit(w: &mut World) {
    let (m, alice, _bob, kate) = perp_victim(w);
    gap(w, m.sol);
    // Kate's step is built while Alice is liquidatable; Alice's deposit lands first.
    let step = w.liquidate_ix(&kate, &alice.account, perp_step(m.sol, 5), 0);
    w.fund_and_deposit(&alice, 0, 200 * USDC); // maint health -178 before
    assert!(w.account_health(&alice.account).unwrap().maint_health > 0);
    expect::xm_error(w.send(&[step], &kate.wallet.insecure_clone(), &[]), XmError::NotLiquidatable);
}

/// Alice wrote 10 calls (165) and is long 10 SOL perpetuals; the series settles at 200 (she owes
/// 350) and a realized loss takes her below maint. Settled positions never move in a liquidation
/// (`option_settle_positions` pays them): a step on them is refused, a slice leaves them and
/// takes the perpetual, and the series' open interests stay whole.
fn settled_series_stay(w: &mut World) {
    let m = live_sol_chain(w);
    w.list_perp(m.sol, SOL_PERP);
    let (alice, bob, kate) =
        (funded(w, "alice", 1_000), funded(w, "bob", 10_000), funded(w, "kate", 10_000));
    let mark = w.underlying(m.sol).options.series[0].cache.mark;
    expect::ok(option_trade(w, &bob, &alice, 0, 10, mark));
    expect::ok(w.perp_trade(&alice, &bob, m.sol, 10, per_contract(150)));
    w.set_time(EXPIRY + 60);
    expect::ok(w.settle_expiry(m.sol, EXPIRY, 200 * E8));
    w.set_price(m.sol, 200 * E8, 0);
    let h = w.account_health(&alice.account).unwrap();
    let loss = i64::try_from(h.maint_health).unwrap() + 10 * USDC as i64;
    transfer_quote_pnl(w, &alice, &bob, loss);
    assert!(w.account_health(&alice.account).unwrap().maint_health < 0);
    let calls = LiquidationStep::Option { underlying: m.sol, series: 0, contracts: 10 };
    expect::xm_error(w.liquidate(&kate, &alice.account, calls), XmError::LiquidationStepInvalid);
    let (step, _) = planned(w, &kate, &alice);
    expect::ok(w.liquidate(&kate, &alice.account, step));
    let written =
        w.margin(&alice.account).options.iter().find(|o| o.series == 0).map(|o| o.quantity);
    assert_eq!(written, Some(-10));
    assert!(w.margin(&kate.account).options.iter().all(|o| o.quantity == 0));
    let s = w.underlying(m.sol).options.series[0];
    assert_eq!((s.open_interest, s.short_open_interest), (10, 10));
}

/// Inside a series' last day an entry counts for health only in the second it was valued, but a
/// liquidation moves at a current entry (within the chain's age and drift): an option in an
/// expiring series cannot shield a perpetual from liquidation. Twelve hours before expiry Alice
/// holds one call and 40 SOL perpetuals; a minute after the valuation her withdrawal needs a
/// refresh in its own transaction, and once a realized loss takes her below maint the planner's
/// slice liquidates her without one.
fn last_day_dust(w: &mut World) {
    let m = live_sol_chain(w);
    w.list_perp(m.sol, SOL_PERP);
    let (alice, bob, kate) =
        (funded(w, "alice", 2_000), funded(w, "bob", 10_000), funded(w, "kate", 10_000));
    let t = EXPIRY - 43_200;
    w.set_time(t);
    w.set_price(m.sol, 150 * E8, 0);
    expect::ok(post_vols(w, m.sol, VOL_80, vec![VOL_78, VOL_80]));
    for series in 0..2 {
        expect::ok(refresh(w, m.sol, series));
    }
    let mark = w.underlying(m.sol).options.series[0].cache.mark;
    expect::ok(option_trade(w, &alice, &bob, 0, 1, mark));
    expect::ok(w.perp_trade(&alice, &bob, m.sol, 40, per_contract(150)));
    w.set_time(t + 60);
    w.set_price(m.sol, 150 * E8, 0);
    expect::xm_error(w.withdraw(&alice, 0, USDC), XmError::RiskCacheStale);
    let oracle = w.markets[usize::from(m.sol)].price_account;
    let refresh_ix = ix::risk_refresh(&w.group, m.sol, 0, &oracle);
    let withdraw_ix = w.withdraw_ix(&alice, 0, USDC);
    expect::ok(w.send(&[refresh_ix, withdraw_ix], &alice.wallet.insecure_clone(), &[]));
    w.set_time(t + 120);
    w.set_price(m.sol, 150 * E8, 0);
    let h = w.liquidation(&kate.account, &alice.account).liquidatee_health().unwrap();
    let loss = i64::try_from(h.maint_health).unwrap() + 10 * USDC as i64;
    transfer_quote_pnl(w, &alice, &bob, loss);
    let (step, _) = planned(w, &kate, &alice);
    assert!(matches!(step, LiquidationStep::Slice { .. }), "{step:?}");
    let base = |w: &mut World, t: &Trader| {
        w.margin(&t.account).perps.iter().find(|p| p.underlying == m.sol).map_or(0, |p| p.base)
    };
    let before = base(w, &alice);
    expect::ok(w.liquidate(&kate, &alice.account, step));
    assert!(base(w, &alice) < before && base(w, &kate) > 0);
}
