//! Pause switches, reduce-only underlyings, the guardian and the two-step admin transfer
//! (`engine::governance`): each pause bit stops its class and nothing else; what reduces risk
//! (deposits, trades that shrink both sides, liquidations) is never stopped; the guardian can
//! only make things safer.

use cross_margin::engine::governance::pause::{self, ALL, CRANKS, LISTING, TRADING, WITHDRAWALS};
use cross_margin::engine::params::ParamChange;
use cross_margin::engine::perp::PerpParams;
use cross_margin::error::XmError;
use cross_margin::events::PauseSet;
use xmargin_client::admin;
use xmargin_client::chain::{TxFailure, TxReport};
use xmargin_client::{ix, Keypair, Pubkey, Signer};

use super::governance::{collateral, queue, set, DAY};
use super::liquidation::{gap, perp_victim, planned};
use super::options::{sol_chain, SERIES};
use super::perps::{funded, per_contract, with_sol_perp, SOL_PERP};
use crate::world::{AssetSpec, Trader, World, E8, USDC};
use crate::{events, expect, Scenario};

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "pause_each_bit_stops_its_class", run: each_bit_stops_its_class },
    Scenario { name: "pause_never_blocks_risk_reduction", run: never_blocks_risk_reduction },
    Scenario { name: "pause_reduce_only_underlying", run: reduce_only_underlying },
    Scenario { name: "guardian_only_makes_things_safer", run: guardian_only_makes_things_safer },
    Scenario { name: "admin_transfer_takes_two_steps", run: admin_transfer_takes_two_steps },
];

/// A BTC perpetual of 0.01 BTC contracts ($600 at $60,000).
fn btc_perp() -> PerpParams {
    PerpParams { contract_size: 1_000_000, ..SOL_PERP }
}

fn set_pause(w: &mut World, signer: &Keypair, paused: u16) -> Result<TxReport, TxFailure> {
    let ix = admin::group_set_pause(&signer.pubkey(), &w.group, paused);
    w.send(&[ix], signer, &[])
}

fn reduce_only(
    w: &mut World,
    signer: &Keypair,
    index: u16,
    on: bool,
) -> Result<TxReport, TxFailure> {
    let ix = admin::underlying_set_reduce_only(&signer.pubkey(), &w.group, index, on);
    w.send(&[ix], signer, &[])
}

/// The transaction was not refused for a pause (it may have failed for its own reasons).
fn not_paused(result: Result<TxReport, TxFailure>) {
    let paused = anchor_lang::error::ERROR_CODE_OFFSET + XmError::Paused as u32;
    if let Err(f) = result {
        assert_ne!(f.custom_code(), Some(paused), "{f}");
    }
}

/// Alice long 10 SOL perpetuals from Bob at 150 (both with 10,000 USDC).
fn open_book(w: &mut World) -> (super::setup::Standard, Trader, Trader) {
    let m = with_sol_perp(w);
    let (alice, bob) = (funded(w, "alice", 10_000), funded(w, "bob", 10_000));
    expect::ok(w.perp_trade(&alice, &bob, m.sol, 10, per_contract(150)));
    (m, alice, bob)
}

fn each_bit_stops_its_class(w: &mut World) {
    let (m, alice, bob) = open_book(w);
    let admin = w.admin.insecure_clone();
    // TRADING: a trade that grows a side, or flips one, is refused; one that shrinks both is not.
    let report = expect::ok(set_pause(w, &admin, TRADING));
    if w.sees_program_output() {
        let e: PauseSet = events::single(&report);
        assert_eq!((e.old, e.new, e.signer), (0, TRADING, admin.pubkey()));
    }
    let grow = w.perp_trade(&alice, &bob, m.sol, 1, per_contract(150));
    expect::xm_error(grow, XmError::ReduceOnly);
    let flip = w.perp_trade(&bob, &alice, m.sol, 20, per_contract(150));
    expect::xm_error(flip, XmError::ReduceOnly);
    expect::ok(w.perp_trade(&bob, &alice, m.sol, 4, per_contract(150)));
    // WITHDRAWALS: withdrawing stops, depositing does not.
    expect::ok(set_pause(w, &admin, WITHDRAWALS));
    expect::xm_error(w.withdraw(&alice, 0, USDC), XmError::Paused);
    w.fund_and_deposit(&alice, 0, USDC);
    expect::ok(w.perp_trade(&alice, &bob, m.sol, 1, per_contract(150)));
    // LISTING: no new underlying, market, chain or series.
    expect::ok(set_pause(w, &admin, LISTING));
    let oracle = w.markets[m.btc as usize].price_account;
    let btc_perp = btc_perp();
    let (add, _) = w.add_asset_ix(&AssetSpec::new("DOGE", 8, E8 / 10));
    let group = w.group;
    let listings = [
        add,
        ix::perp_list(&admin.pubkey(), &group, m.btc, btc_perp, &oracle),
        ix::option_list(&admin.pubkey(), &group, m.btc, sol_chain(), &oracle),
        ix::option_series_add(&admin.pubkey(), &group, m.sol, SERIES[0]),
    ];
    for listing in listings {
        expect::xm_error(w.as_admin(listing), XmError::Paused);
    }
    expect::ok(w.withdraw(&alice, 0, USDC));
    // CRANKS: funding stops; P&L and fee settlement, the price sample and the insurance sweep
    // do not (bankruptcy settlement, margins and the fund depend on them).
    expect::ok(set_pause(w, &admin, CRANKS));
    expect::xm_error(w.update_funding(m.sol), XmError::Paused);
    not_paused(w.settle_pnl(&alice, &bob, m.sol));
    not_paused(w.settle_fees(&alice, m.sol));
    let sol_oracle = w.markets[m.sol as usize].price_account;
    let sample = ix::risk_sample_price(&group, m.sol, &sol_oracle);
    not_paused(w.send_as_keeper(sample));
    not_paused(w.send_as_keeper(ix::insurance_sweep(&group)));
    // Unknown bits are refused; VENUE_FILLS is a bit of its own.
    expect::xm_error(set_pause(w, &admin, 1 << 5), XmError::InvalidPauseBits);
    expect::ok(set_pause(w, &admin, pause::VENUE_FILLS));
    expect::ok(w.update_funding(m.sol));
    expect::ok(set_pause(w, &admin, 0));
    expect::ok(w.as_admin(ix::perp_list(&admin.pubkey(), &w.group, m.btc, btc_perp, &oracle)));
}

fn never_blocks_risk_reduction(w: &mut World) {
    // Everything paused: Alice still deposits and cuts her position, and once SOL gaps Kate
    // still liquidates her.
    let (m, alice, bob, kate) = perp_victim(w);
    let admin = w.admin.insecure_clone();
    expect::ok(set_pause(w, &admin, ALL));
    w.fund_and_deposit(&alice, 0, 10 * USDC);
    expect::ok(w.perp_trade(&bob, &alice, m.sol, 1, per_contract(150)));
    gap(w, m.sol);
    let (step, predicted) = planned(w, &kate, &alice);
    expect::ok(w.liquidate(&kate, &alice.account, step));
    let h = w.account_health(&alice.account).unwrap();
    assert_eq!(h.maint_health, predicted.outcome.maint_after);
    assert!(h.maint_health >= 0);
    // Her loss is settled to Bob: settlement is never paused.
    expect::ok(w.settle_pnl(&bob, &alice, m.sol));
}

fn reduce_only_underlying(w: &mut World) {
    let (m, alice, bob) = open_book(w);
    let admin = w.admin.insecure_clone();
    let oracle = w.markets[m.btc as usize].price_account;
    let btc_perp = btc_perp();
    expect::ok(w.as_admin(ix::perp_list(&admin.pubkey(), &w.group, m.btc, btc_perp, &oracle)));
    expect::ok(reduce_only(w, &admin, m.sol, true));
    assert_eq!(w.underlying(m.sol).reduce_only, 1);
    let grow = w.perp_trade(&alice, &bob, m.sol, 1, per_contract(150));
    expect::xm_error(grow, XmError::ReduceOnly);
    // Carol opening against Bob's short would shrink Bob but grow Carol: refused too.
    let carol = funded(w, "carol", 10_000);
    let one_sided = w.perp_trade(&bob, &carol, m.sol, 1, per_contract(150));
    expect::xm_error(one_sided, XmError::ReduceOnly);
    expect::ok(w.perp_trade(&bob, &alice, m.sol, 10, per_contract(150)));
    // Other underlyings trade as usual.
    expect::ok(w.perp_trade(&alice, &bob, m.btc, 1, 600 * USDC as i64));
    expect::ok(reduce_only(w, &admin, m.sol, false));
    expect::ok(w.perp_trade(&alice, &bob, m.sol, 1, per_contract(150)));
}

fn guardian_only_makes_things_safer(w: &mut World) {
    let sol = super::governance::listed_sol(w);
    let guardian = Keypair::new();
    w.chain.airdrop(&guardian.pubkey(), 1_000_000_000);
    let mallory = Keypair::new();
    w.chain.airdrop(&mallory.pubkey(), 1_000_000_000);
    // A guardian is a new key: through the timelock.
    let named = ParamChange::Guardian(guardian.pubkey());
    expect::xm_error(set(w, None, named), XmError::ChangeNeedsTimelock);
    expect::xm_error(set_pause(w, &guardian, WITHDRAWALS), XmError::NotAdminOrGuardian);
    let seq = w.group_state().change_seq;
    expect::ok(queue(w, None, named));
    let later = w.now() + i64::from(DAY);
    w.set_time(later);
    w.set_price(sol, 150 * E8, 0);
    expect::ok(super::governance::apply(w, None, seq));
    assert_eq!(w.group_state().guardian, guardian.pubkey());

    // It adds pause bits, never clears them.
    expect::ok(set_pause(w, &guardian, WITHDRAWALS));
    expect::ok(set_pause(w, &guardian, WITHDRAWALS | CRANKS));
    let clear = set_pause(w, &guardian, CRANKS);
    expect::xm_error(clear, XmError::GuardianCanOnlyRestrict);
    expect::xm_error(set_pause(w, &mallory, ALL), XmError::NotAdminOrGuardian);
    let admin = w.admin.insecure_clone();
    expect::ok(set_pause(w, &admin, 0));
    // It sets reduce-only, never lifts it.
    expect::ok(reduce_only(w, &guardian, sol, true));
    expect::xm_error(reduce_only(w, &guardian, sol, false), XmError::GuardianCanOnlyRestrict);
    expect::ok(reduce_only(w, &admin, sol, false));
    // It cancels a queued change, but cannot change a parameter.
    let cap = w.underlying(sol).collateral.deposit_cap;
    let seq = w.group_state().change_seq;
    expect::ok(queue(w, Some(sol), collateral(1_000, 500, cap)));
    let admin_key = admin.pubkey();
    let cancel = admin::params_cancel(&guardian.pubkey(), &w.group, seq, &admin_key);
    expect::ok(w.send(&[cancel], &guardian, &[]));
    assert!(super::governance::pending(w, seq).is_none());
    let own =
        admin::params_set(&guardian.pubkey(), &w.group, Some(sol), collateral(3_000, 2_000, cap));
    expect::xm_error(w.send(&[own], &guardian, &[]), XmError::NotGroupAdmin);
    let seq = w.group_state().change_seq;
    expect::ok(queue(w, Some(sol), collateral(1_000, 500, cap)));
    let cancel = admin::params_cancel(&mallory.pubkey(), &w.group, seq, &admin_key);
    expect::xm_error(w.send(&[cancel], &mallory, &[]), XmError::NotAdminOrGuardian);
    // Removing the guardian is safer: at once.
    expect::ok(set(w, None, ParamChange::Guardian(Pubkey::default())));
    expect::xm_error(set_pause(w, &guardian, ALL), XmError::NotAdminOrGuardian);
}

fn admin_transfer_takes_two_steps(w: &mut World) {
    let sol = super::governance::listed_sol(w);
    let (bob, carol) = (Keypair::new(), Keypair::new());
    for k in [&bob, &carol] {
        w.chain.airdrop(&k.pubkey(), 1_000_000_000);
    }
    let admin = w.admin.insecure_clone();
    let cap = w.underlying(sol).collateral.deposit_cap;
    let propose = |w: &mut World, to: &Pubkey| {
        let ix = admin::group_propose_admin(&admin.pubkey(), &w.group, to);
        w.as_admin(ix)
    };
    let accept = |w: &mut World, who: &Keypair| {
        let ix = admin::group_accept_admin(&who.pubkey(), &w.group);
        w.send(&[ix], who, &[])
    };
    // Nobody proposed: nobody accepts. A proposal withdrawn: nobody accepts.
    expect::xm_error(accept(w, &bob), XmError::NotPendingAdmin);
    expect::ok(propose(w, &carol.pubkey()));
    expect::ok(propose(w, &Pubkey::default()));
    expect::xm_error(accept(w, &carol), XmError::NotPendingAdmin);
    // Bob proposed: Carol cannot take it; until Bob accepts the old admin stays in charge.
    expect::ok(propose(w, &bob.pubkey()));
    assert_eq!(w.group_state().pending_admin, bob.pubkey());
    expect::xm_error(accept(w, &carol), XmError::NotPendingAdmin);
    expect::ok(set(w, Some(sol), collateral(2_500, 1_000, cap)));
    expect::ok(accept(w, &bob));
    let g = w.group_state();
    assert_eq!((g.admin, g.pending_admin), (bob.pubkey(), Pubkey::default()));
    // The old admin is out; Bob is in.
    expect::xm_error(set(w, Some(sol), collateral(3_000, 1_000, cap)), XmError::NotGroupAdmin);
    let by_bob =
        admin::params_set(&bob.pubkey(), &w.group, Some(sol), collateral(3_000, 1_000, cap));
    expect::ok(w.send(&[by_bob], &bob, &[]));
    expect::xm_error(accept(w, &bob), XmError::NotPendingAdmin);
}
