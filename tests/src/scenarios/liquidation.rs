//! Liquidation steps (`account_liquidate`): who may be liquidated, each kind of step at the size
//! the client's planner (`xmargin_client::liquidation`, the program's own code on copies) finds,
//! the Dutch auction, the flag and what it restricts, and a fast market with stale option
//! inputs. The adversarial cases are in `liquidation_attacks`.

use cross_margin::engine::liquidation::{LiquidationStep, StepReport};
use cross_margin::error::XmError;
use cross_margin::events::Liquidated;
use xmargin_client::chain::TxReport;
use xmargin_client::{ix, Signer};

use super::collateral::transfer_quote_pnl;
use super::option_trades::{live_sol_chain, option_trade};
use super::options::{post_vols, refresh, VOL_78, VOL_80};
use super::perps::{funded, per_contract, with_sol_perp, SOL_PERP};
use super::setup::{standard, Standard, SOL};
use crate::world::{Trader, World, E8, USDC};
use crate::{events, expect, Scenario};

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "liquidate_perp_best_step", run: liquidate_perp_best_step },
    Scenario { name: "liquidate_flag_restricts_owner", run: liquidate_flag_restricts_owner },
    Scenario { name: "liquidate_auction_rate_rises", run: liquidate_auction_rate_rises },
    Scenario { name: "liquidate_collateral_at_discount", run: liquidate_collateral_at_discount },
    Scenario { name: "liquidate_slice_keeps_hedges", run: liquidate_slice_keeps_hedges },
    Scenario { name: "liquidate_options_stale_inputs", run: liquidate_options_stale_inputs },
];

/// SOL per contract in dollars once the price has gapped down from 150.
pub const GAP_PRICE: i64 = 110;

/// Alice (2,000 USDC) long 40 SOL perpetuals from Bob at 150; Kate, the keeper, holds 10,000
/// USDC. At 150 Alice's init health is 374 (equity 1,994, init requirement 27% of 6,000).
pub fn perp_victim(w: &mut World) -> (Standard, Trader, Trader, Trader) {
    let m = with_sol_perp(w);
    let alice = funded(w, "alice", 2_000);
    let bob = funded(w, "bob", 100_000);
    let kate = funded(w, "kate", 10_000);
    expect::ok(w.perp_trade(&alice, &bob, m.sol, 40, per_contract(150)));
    (m, alice, bob, kate)
}

/// SOL gaps to [`GAP_PRICE`]: Alice's equity is 394 against a maint requirement of 13% of 4,400.
pub fn gap(w: &mut World, sol: u16) {
    w.set_price(sol, GAP_PRICE * E8, 0);
}

/// The step the planner finds best for `liquidator` on `liquidatee`, with its prediction.
pub fn planned(
    w: &mut World,
    liquidator: &Trader,
    liquidatee: &Trader,
) -> (LiquidationStep, StepReport) {
    let view = w.liquidation(&liquidator.account, &liquidatee.account);
    assert!(view.liquidatable().unwrap(), "{:?}", view.liquidatee_health());
    view.best_step(&liquidator.wallet.pubkey()).expect("a step passes")
}

/// Checks a step's outcome on chain against the planner's prediction: the liquidatee's health
/// after, the flag, and on SBF the event.
fn check_predicted(
    w: &mut World,
    l: &Trader,
    report: &TxReport,
    step: LiquidationStep,
    p: &StepReport,
) {
    let h = w.account_health(&l.account).unwrap();
    assert_eq!((h.init_health, h.maint_health), (p.outcome.init_after, p.outcome.maint_after));
    let flagged = w.margin(&l.account).liquidation_since != 0;
    assert_eq!(flagged, p.outcome.init_after < 0);
    if w.sees_program_output() {
        let e: Liquidated = events::single(report);
        assert_eq!((e.liquidatee, e.step, e.incentive), (l.account, step, p.outcome.incentive));
        assert_eq!(i128::from(e.liquidatee_init_after), p.outcome.init_after);
        assert_eq!(i128::from(e.liquidatee_before.maint), p.before.maint_health);
        assert_eq!(i128::from(e.liquidator_after.init), p.liquidator_after.init_health);
        assert_eq!((e.still_flagged, e.rate_bps), (flagged, p.outcome.rate_bps as u16));
    }
}

fn liquidate_perp_best_step(w: &mut World) {
    let (m, alice, _bob, kate) = perp_victim(w);
    let whole = LiquidationStep::Perp { underlying: m.sol, contracts: 40 };
    expect::xm_error(w.liquidate(&kate, &alice.account, whole), XmError::NotLiquidatable);

    gap(w, m.sol);
    // Equity 1,994 - 40 * 40 = 394; maint requirement 13% of 4,400 = 572, init 27% = 1,188.
    let h = w.account_health(&alice.account).unwrap();
    assert_eq!((h.maint_health, h.init_health), (-178 * USDC as i128 - 6, -794 * USDC as i128 - 6));
    // Each contract releases 14.30 of maint and 29.70 of init requirement and pays 10% of 14.30:
    // 29 contracts take init health to -794 + 29 * 28.27 = 25.83, within one contract of the
    // target; 30 overshoot it.
    let (step, predicted) = planned(w, &kate, &alice);
    assert_eq!(step, LiquidationStep::Perp { underlying: m.sol, contracts: 29 });
    assert_eq!(predicted.outcome.incentive, 29 * 1_430_000);
    let over = LiquidationStep::Perp { underlying: m.sol, contracts: 30 };
    expect::xm_error(w.liquidate(&kate, &alice.account, over), XmError::OverLiquidation);
    let (kate_quote, alice_quote) =
        (w.unsettled(&kate.account, m.sol), w.unsettled(&alice.account, m.sol));

    let report = expect::ok(w.liquidate(&kate, &alice.account, step));
    check_predicted(w, &alice, &report, step, &predicted);
    // Kate bought 29 contracts at the mid (110) and was paid the incentive; Alice sold them.
    let paid = 29 * per_contract(GAP_PRICE);
    assert_eq!(w.unsettled(&kate.account, m.sol), kate_quote - paid + predicted.outcome.incentive);
    assert_eq!(
        w.unsettled(&alice.account, m.sol),
        alice_quote + paid - predicted.outcome.incentive
    );
    let position = |w: &mut World, t: &Trader| {
        w.margin(&t.account).perps.iter().find(|p| p.underlying == m.sol).map(|p| p.base)
    };
    assert_eq!((position(w, &alice), position(w, &kate)), (Some(11), Some(29)));
    // Back at the target the account is no longer liquidatable.
    let again = LiquidationStep::Perp { underlying: m.sol, contracts: 1 };
    expect::xm_error(w.liquidate(&kate, &alice.account, again), XmError::NotLiquidatable);
}

fn liquidate_flag_restricts_owner(w: &mut World) {
    let (m, alice, bob, kate) = perp_victim(w);
    gap(w, m.sol);
    let step = LiquidationStep::Perp { underlying: m.sol, contracts: 5 };
    expect::ok(w.liquidate(&kate, &alice.account, step));
    let since = w.margin(&alice.account).liquidation_since;
    assert_eq!(since, w.now());
    // Flagged: no withdrawal, no new risk; reducing risk and depositing are allowed.
    expect::xm_error(w.withdraw(&alice, 0, USDC), XmError::AccountBeingLiquidated);
    expect::xm_error(
        w.perp_trade(&alice, &bob, m.sol, 1, per_contract(GAP_PRICE)),
        XmError::InitHealthNegative,
    );
    expect::ok(w.perp_trade(&bob, &alice, m.sol, 1, per_contract(GAP_PRICE)));
    assert_eq!(w.margin(&alice.account).liquidation_since, since);
    // Still below init, the flag stays: a step may go on even once maint health is positive.
    w.fund_and_deposit(&alice, 0, 100 * USDC);
    let h = w.account_health(&alice.account).unwrap();
    assert!(h.maint_health > 0 && h.init_health < 0, "{h:?}");
    expect::ok(w.refresh_health(&alice.account));
    assert_eq!(w.margin(&alice.account).liquidation_since, since);
    // Above maint the auction restarts: ten minutes on, the rate is the starting one.
    w.set_time(since + 600);
    w.set_price(m.sol, GAP_PRICE * E8, 0);
    assert_eq!(w.liquidation(&kate.account, &alice.account).rate_bps().unwrap(), 1_000);
    let (_, p) = planned(w, &kate, &alice);
    assert_eq!((p.outcome.rate_bps, p.since), (1_000, since + 600));
    // A step short of the planner's leaves her below init: still flagged (since restarted).
    let step = LiquidationStep::Perp { underlying: m.sol, contracts: 2 };
    expect::ok(w.liquidate(&kate, &alice.account, step));
    assert!(w.account_health(&alice.account).unwrap().init_health < 0);
    assert_eq!(w.margin(&alice.account).liquidation_since, since + 600);
    // A deposit that lifts init health over 0 clears the flag at the next health check.
    w.fund_and_deposit(&alice, 0, 1_000 * USDC);
    expect::ok(w.refresh_health(&alice.account));
    assert_eq!(w.margin(&alice.account).liquidation_since, 0);
    expect::ok(w.withdraw(&alice, 0, USDC));
}

fn liquidate_auction_rate_rises(w: &mut World) {
    let (m, alice, _bob, kate) = perp_victim(w);
    gap(w, m.sol);
    let one = LiquidationStep::Perp { underlying: m.sol, contracts: 1 };
    let report = expect::ok(w.liquidate(&kate, &alice.account, one));
    let since = w.margin(&alice.account).liquidation_since;
    // Five minutes later the rate has risen halfway from 10% to 50%.
    w.set_time(since + 300);
    w.set_price(m.sol, GAP_PRICE * E8, 0);
    let view = w.liquidation(&kate.account, &alice.account);
    assert_eq!(view.rate_bps().unwrap(), 3_000);
    let ix = w.liquidate_ix(&kate, &alice.account, one, 3_001);
    expect::xm_error(
        w.send(&[ix], &kate.wallet.insecure_clone(), &[]),
        XmError::IncentiveBelowMinimum,
    );
    let predicted = view.predict(&kate.wallet.pubkey(), &one).unwrap();
    // 30% of the 14.30 one contract releases.
    assert_eq!(predicted.outcome.incentive, 4_290_000);
    let ix = w.liquidate_ix(&kate, &alice.account, one, 3_000);
    let later = expect::ok(w.send(&[ix], &kate.wallet.insecure_clone(), &[]));
    check_predicted(w, &alice, &later, one, &predicted);
    // After the ramp it stays at the cap.
    w.set_time(since + 10_000);
    w.set_price(m.sol, GAP_PRICE * E8, 0);
    assert_eq!(w.liquidation(&kate.account, &alice.account).rate_bps().unwrap(), 5_000);
    if w.sees_program_output() {
        let first: Liquidated = events::single(&report);
        let second: Liquidated = events::single(&later);
        assert_eq!((first.auction_secs, first.rate_bps), (0, 1_000));
        assert_eq!(
            (second.flagged_since, second.auction_secs, second.rate_bps),
            (since, 300, 3_000)
        );
    }
}

/// Alice holds 10 SOL and owes 900 USDC; Kate the keeper holds 10,000 USDC.
pub fn collateral_victim(w: &mut World) -> (Standard, Trader, Trader) {
    let m = standard(w);
    let alice = w.new_trader("alice");
    let kate = funded(w, "kate", 10_000);
    w.fund_and_deposit(&alice, m.sol, 10 * SOL);
    transfer_quote_pnl(w, &alice, &kate, 900 * USDC as i64);
    (m, alice, kate)
}

fn liquidate_collateral_at_discount(w: &mut World) {
    let (m, alice, kate) = collateral_victim(w);
    // At 98: 10 SOL count 882 at maint (10% haircut) against 900 owed: maint equity is already
    // -18, before the 13% of 980 scanned.
    w.set_price(m.sol, 98 * E8, 0);
    let h = w.account_health(&alice.account).unwrap();
    assert!(h.maint_health < 0, "{h:?}");
    // The planner's best is her SOL (as a collateral step or the equivalent slice).
    let view = w.liquidation(&kate.account, &alice.account);
    let (best, _) = planned(w, &kate, &alice);
    assert!(matches!(best, LiquidationStep::Collateral { .. } | LiquidationStep::Slice { .. }));
    let whole = LiquidationStep::Collateral { underlying: m.sol, amount: 10 * SOL };
    let (step, predicted) = view.largest(&kate.wallet.pubkey(), &whole).expect("a step passes");
    let LiquidationStep::Collateral { amount, .. } = step else { unreachable!() };
    let report = expect::ok(w.liquidate(&kate, &alice.account, step));
    check_predicted(w, &alice, &report, step, &predicted);
    // Kate received the SOL and paid its mid value less the incentive into her unsettled quote
    // on SOL; settling moves it into Alice's quote balance, repaying part of her loan.
    assert_eq!(w.balance(&kate.account, m.sol), amount as i64);
    assert_eq!(w.balance(&alice.account, m.sol), 10 * SOL as i64 - amount as i64);
    let value = (u128::from(amount) * 98 * u128::from(USDC) / u128::from(SOL)) as i64;
    assert_eq!(w.unsettled(&kate.account, m.sol), -value + predicted.outcome.incentive);
    expect::ok(w.settle_pnl(&alice, &kate, m.sol));
    let owed = -900 * USDC as i64 + value - predicted.outcome.incentive;
    assert!((w.balance(&alice.account, 0) - owed).abs() <= 1, "interest accrues on the loan only");
    assert!(w.account_health(&alice.account).unwrap().init_health >= 0);
}

/// Alice holds 10 SOL hedged by 10 short SOL perpetuals and owes quote; a slice takes the same
/// fraction of both, so the hedge moves whole.
fn liquidate_slice_keeps_hedges(w: &mut World) {
    let (m, alice, kate) = collateral_victim(w);
    w.list_perp(m.sol, SOL_PERP);
    let bob = funded(w, "bob", 100_000);
    expect::ok(w.perp_trade(&bob, &alice, m.sol, 10, per_contract(150)));
    transfer_quote_pnl(w, &alice, &kate, 480 * USDC as i64);
    let h = w.account_health(&alice.account).unwrap();
    assert!(h.maint_health < 0, "{h:?}");
    // Taking the hedge alone leaves her SOL naked: refused. The slice is the planner's choice.
    let hedge = LiquidationStep::Perp { underlying: m.sol, contracts: 10 };
    expect::xm_error(
        w.liquidate(&kate, &alice.account, hedge),
        XmError::LiquidationDoesNotRaiseHealth,
    );
    let view = w.liquidation(&kate.account, &alice.account);
    let whole = LiquidationStep::Slice { fraction_bps: 10_000 };
    let (step, predicted) = view.largest(&kate.wallet.pubkey(), &whole).expect("a slice passes");
    let LiquidationStep::Slice { fraction_bps } = step else { unreachable!() };
    let report = expect::ok(w.liquidate(&kate, &alice.account, step));
    check_predicted(w, &alice, &report, step, &predicted);
    let moved = (10 * SOL) * u64::from(fraction_bps) / 10_000;
    assert_eq!(w.balance(&kate.account, m.sol), moved as i64);
    let short =
        w.margin(&kate.account).perps.iter().find(|p| p.underlying == m.sol).map(|p| p.base);
    assert_eq!(short, Some(-(10 * i64::from(fraction_bps) / 10_000)));
}

/// A fast market: Alice wrote 10 calls and then lost 300 USDC elsewhere; the vols go stale and SOL
/// rallies 10% (twice the cache's 5% drift). Health from fresh inputs cannot be computed, and the
/// keeper cannot refresh the vols (only the vol authority posts them), yet she is liquidated:
/// valued conservatively (her written calls at their worst init-scenario loss), she is below
/// maint. Nothing moves at a mark that is not current: the keeper refreshes the entry (in the
/// step's transaction, or before), then slices (with stale vols the valuation gives her options no
/// delta, so only a slice, which keeps every hedge whole, may move on that underlying). Once the
/// vols are posted again, her fresh health is no worse than the conservative figure.
fn liquidate_options_stale_inputs(w: &mut World) {
    let m = live_sol_chain(w);
    let alice = funded(w, "alice", 600);
    let bob = funded(w, "bob", 10_000);
    let kate = funded(w, "kate", 10_000);
    let mark = w.underlying(m.sol).options.series[0].cache.mark;
    expect::ok(option_trade(w, &bob, &alice, 0, 10, mark));
    transfer_quote_pnl(w, &alice, &bob, 300 * USDC as i64);
    let now = w.now();
    w.set_time(now + 700);
    w.set_price(m.sol, 165 * E8, 0);
    assert!(w.account_health(&alice.account).is_err(), "fresh health needs fresh vols");
    let h = w.liquidation(&kate.account, &alice.account).liquidatee_health().unwrap();
    assert!(h.maint_health < 0, "{h:?}");
    // The drifted entry: no step moves her calls at it.
    let calls = LiquidationStep::Option { underlying: m.sol, series: 0, contracts: 1 };
    expect::xm_error(w.liquidate(&kate, &alice.account, calls), XmError::RiskCacheStale);
    let slice = LiquidationStep::Slice { fraction_bps: 1_000 };
    expect::xm_error(w.liquidate(&kate, &alice.account, slice), XmError::LiquidationStepInvalid);
    // The keeper refreshes the entry in the transaction of a first slice (a tenth: one call).
    let oracle = w.markets[usize::from(m.sol)].price_account;
    let refresh_ix = ix::risk_refresh(&w.group, m.sol, 0, &oracle);
    let step_ix = w.liquidate_ix(&kate, &alice.account, slice, 0);
    expect::ok(w.send(&[refresh_ix, step_ix], &kate.wallet.insecure_clone(), &[]));
    assert_eq!(held_calls(w, &alice), Some(-9));
    assert!(w.account_health(&alice.account).is_err(), "the vols are still stale");
    // With the entry current but the vols stale, a single step is refused on the underlying.
    expect::xm_error(w.liquidate(&kate, &alice.account, calls), XmError::VolatilityStale);
    // The planner's step is a slice; on chain it does what the planner predicted.
    let view = w.liquidation(&kate.account, &alice.account);
    let h = view.liquidatee_health().unwrap();
    assert!(view.liquidatable().unwrap(), "{h:?}");
    let (step, predicted) = view.best_step(&kate.wallet.pubkey()).expect("a step passes");
    assert!(matches!(step, LiquidationStep::Slice { .. }), "{step:?}");
    let report = expect::ok(w.liquidate(&kate, &alice.account, step));
    let after = w.liquidation(&kate.account, &alice.account).liquidatee_health().unwrap();
    let p = predicted.outcome;
    assert_eq!((after.init_health, after.maint_health), (p.init_after, p.maint_after));
    assert!(after.maint_health > h.maint_health);
    if w.sees_program_output() {
        let e: Liquidated = events::single(&report);
        assert_eq!(e.incentive, p.incentive);
    }
    // Once the vols are posted again, her fresh health is no worse than the conservative one.
    expect::ok(post_vols(w, m.sol, VOL_80, vec![VOL_78, VOL_80]));
    expect::ok(refresh(w, m.sol, 0));
    let fresh = w.account_health(&alice.account).unwrap();
    assert!(fresh.maint_health >= after.maint_health, "{fresh:?} vs {after:?}");
}

/// Alice's position in SOL series 0.
fn held_calls(w: &mut World, t: &Trader) -> Option<i64> {
    w.margin(&t.account).options.iter().find(|o| o.series == 0).map(|o| o.quantity)
}
