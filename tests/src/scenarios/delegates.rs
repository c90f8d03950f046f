//! A delegate may trade for its owner but never take value out: a delegate-signed side trades at
//! the instrument's value or better for the account (`engine::trade::value_limits`). The
//! scenarios try the attack of the solvency review: the delegate trades the owner's account
//! against an account it controls at the band's edges, round after round.

use cross_margin::engine::option_positions;
use cross_margin::engine::trade::Instrument;
use cross_margin::error::XmError;
use cross_margin::events::Traded;
use xmargin_client::chain::{TxFailure, TxReport};
use xmargin_client::{ix, Signer};

use super::option_trades::live_sol_chain;
use super::options::{post_vols, VOL_80};
use super::perps::{funded, per_contract, SOL_PERP};
use crate::world::{Trader, World};
use crate::{events, expect, Scenario};

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "delegate_perp_round_trips_take_nothing", run: perp_round_trips },
    Scenario { name: "delegate_option_round_trips_take_nothing", run: option_round_trips },
];

/// Alice's account, her delegate Dee, and Dee's own account (Dee is its owner).
fn owner_and_delegate(w: &mut World) -> (Trader, Trader) {
    let alice = funded(w, "alice", 1_000);
    let dee = funded(w, "dee", 1_000);
    let set =
        ix::account_set_delegate(&alice.wallet.pubkey(), &alice.account, &dee.wallet.pubkey());
    expect::ok(w.send(&[set], &alice.wallet, &[]));
    (alice, dee)
}

/// A trade between Alice's account, signed by Dee as its delegate, and Dee's own account:
/// `alice_buys` of `quantity` at `price`.
fn delegated_trade(
    w: &mut World,
    alice: &Trader,
    dee: &Trader,
    instrument: Instrument,
    alice_buys: bool,
    quantity: i64,
    price: i64,
) -> Result<TxReport, TxFailure> {
    let (buyer, seller) = if alice_buys { (alice, dee) } else { (dee, alice) };
    let mut trade = w.trade_ix(buyer, seller, 1, instrument, quantity, price);
    // Accounts: group, buyer authority, buyer, seller authority, seller, ...
    trade.accounts[if alice_buys { 1 } else { 3 }].pubkey = dee.wallet.pubkey();
    w.send(&[trade], &dee.wallet, &[])
}

/// Alice's init-level equity, qn.
fn equity(w: &mut World, t: &Trader) -> i128 {
    w.account_health(&t.account).unwrap().equity[0]
}

fn perp_round_trips(w: &mut World) {
    let m = live_sol_chain(w);
    w.list_perp(m.sol, SOL_PERP);
    let (alice, dee) = owner_and_delegate(w);
    let perp = Instrument::Perp;
    // At the band's edges against Alice: refused, whichever way.
    let low = per_contract(150) * 95 / 100;
    let high = per_contract(150) * 105 / 100;
    let sell_low = delegated_trade(w, &alice, &dee, perp, false, 10, low);
    expect::xm_error(sell_low, XmError::DelegatePriceWorseThanValue);
    let buy_high = delegated_trade(w, &alice, &dee, perp, true, 10, high);
    expect::xm_error(buy_high, XmError::DelegatePriceWorseThanValue);
    // One qn worse than the oracle price is refused too.
    let sell_below = delegated_trade(w, &alice, &dee, perp, false, 10, per_contract(150) - 1);
    expect::xm_error(sell_below, XmError::DelegatePriceWorseThanValue);

    // Five round trips at the oracle price: Alice pays the fees and nothing else.
    let start = equity(w, &alice);
    for _ in 0..5 {
        let sell = delegated_trade(w, &alice, &dee, perp, false, 10, per_contract(150));
        let report = expect::ok(sell);
        if w.sees_program_output() {
            let e: Traded = events::single(&report);
            assert_eq!((e.buyer_delegated, e.seller_delegated), (false, true));
        }
        expect::ok(delegated_trade(w, &alice, &dee, perp, true, 10, per_contract(150)));
    }
    let fee = 10 * 150 * 1_000; // 10 bps of 1,500 a trade
    assert_eq!(equity(w, &alice), start - 10 * fee);
    // A better price for Alice is always allowed.
    expect::ok(delegated_trade(w, &alice, &dee, perp, true, 1, per_contract(149)));
}

fn option_round_trips(w: &mut World) {
    let m = live_sol_chain(w);
    let (alice, dee) = owner_and_delegate(w);
    let call = Instrument::Option { series: 0 };
    let value = w.reference(m.sol, call, true);
    let band = value.x * i64::from(value.band_bps) / 10_000;
    // Dee buys calls Alice writes at the band's bottom, or sells her calls at its top: refused.
    let write_low = delegated_trade(w, &alice, &dee, call, false, 10, value.bid - band);
    expect::xm_error(write_low, XmError::DelegatePriceWorseThanValue);
    let buy_high = delegated_trade(w, &alice, &dee, call, true, 10, value.bid + band);
    expect::xm_error(buy_high, XmError::DelegatePriceWorseThanValue);
    // Alice writing receives at least the writer's value (the ask); buying she pays at most the
    // holder's (the bid).
    let write_at_bid = delegated_trade(w, &alice, &dee, call, false, 10, value.bid);
    expect::xm_error(write_at_bid, XmError::DelegatePriceWorseThanValue);

    // Five round trips within the limits: writing at the ask, buying back at the ask (a writer's
    // value). Alice's equity loses only the fees.
    let start = equity(w, &alice);
    let fee = option_positions::fee(&w.underlying(m.sol).options, 10, value.ask, value.x).unwrap();
    for _ in 0..5 {
        let write = expect::ok(delegated_trade(w, &alice, &dee, call, false, 10, value.ask));
        expect::ok(delegated_trade(w, &alice, &dee, call, true, 10, value.ask));
        if w.sees_program_output() {
            assert_eq!(events::single::<Traded>(&write).fee_per_side, fee);
        }
    }
    assert_eq!(equity(w, &alice), start - 10 * i128::from(fee));
    assert_eq!(w.margin(&alice.account).options.iter().filter(|o| o.quantity != 0).count(), 0);

    // A delegate-signed option side needs fresh inputs: after new vols (a new epoch) Dee cannot
    // trade Alice's account even at value, while Alice herself could reduce.
    expect::ok(delegated_trade(w, &alice, &dee, call, false, 1, value.ask));
    expect::ok(post_vols(w, m.sol, VOL_80, vec![VOL_80, VOL_80]));
    let stale = delegated_trade(w, &alice, &dee, call, true, 1, value.bid);
    expect::xm_error(stale, XmError::RiskCacheStale);
    let owner = w.reference(m.sol, call, false);
    expect::ok(w.trade(&alice, &dee, m.sol, call, 1, owner.ask));
}
