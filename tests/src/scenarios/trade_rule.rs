//! The health rule of every trade side, judged on the whole portfolio: init health >= 0 after
//! the trade, or the trade did not lower init health (fees aside) and the side traded at the
//! instrument's value or better. Each scenario is an attack a position-by-position check let
//! through: a reduction that removes a hedge, two reductions moving value at the band's edge, a
//! writer buying back above value from a colluding account.

use cross_margin::engine::options::SeriesParams;
use cross_margin::engine::portfolio::book_health;
use cross_margin::engine::trade::Instrument;
use cross_margin::error::XmError;
use cross_margin::events::Traded;
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use xmargin_client::health::fetch_portfolio;
use xmargin_client::{ix, sandbox, Signer};

use super::collateral::transfer_quote_pnl;
use super::option_trades::{live_sol_chain, option_trade};
use super::options::{post_vols, refresh, EXPIRY, VOL_78, VOL_80};
use super::perps::{funded, per_contract, with_sol_perp, SOL_PERP};
use super::setup::SOL;
use crate::world::{address, World, E8, USDC};
use crate::{events, expect, Scenario};

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "trade_removing_a_hedge_leg_refused", run: removing_a_hedge_leg_refused },
    Scenario { name: "trade_two_reductions_at_band_edge", run: two_reductions_at_band_edge },
    Scenario { name: "trade_writer_buyback_above_value", run: writer_buyback_above_value },
    Scenario { name: "trade_book_change_is_health_change", run: book_change_is_health_change },
    Scenario { name: "trade_one_price_account_per_underlying", run: one_price_account },
];

/// Alice holds 10 SOL hedged by a short perpetual of 10 and owes 1,100 USDC: hedged, her init
/// health is small but positive. Buying the perpetual back "reduces" her position but leaves the
/// spot unhedged: the scan then takes 27% of 1,500, and the trade is refused.
fn removing_a_hedge_leg_refused(w: &mut World) {
    let m = with_sol_perp(w);
    let alice = w.new_trader("alice");
    w.fund_and_deposit(&alice, m.sol, 10 * SOL);
    let bob = funded(w, "bob", 5_000);
    expect::ok(w.perp_trade(&bob, &alice, m.sol, 10, per_contract(150)));
    transfer_quote_pnl(w, &alice, &bob, 1_100 * USDC as i64);
    let hedged = w.account_health(&alice.account).unwrap();
    assert!(hedged.init_health > 0 && hedged.init_health < 100 * USDC as i128, "{hedged:?}");

    // At the oracle price, for her value: still refused, the requirement grows by 405.
    expect::xm_error(
        w.perp_trade(&alice, &bob, m.sol, 10, per_contract(150)),
        XmError::InitHealthNegative,
    );
    assert_eq!(w.account_health(&alice.account).unwrap(), hedged);
    // Buying back 2 leaves her above init (27% of 300 unhedged): allowed.
    expect::ok(w.perp_trade(&alice, &bob, m.sol, 2, per_contract(150)));
    assert!(w.account_health(&alice.account).unwrap().init_health >= 0);
}

/// Alice is short 5 and below init after a rally to 205; Bob is long 5. Both sides "shrink" if
/// Alice buys back at the band's top: her requirement (276.75) falls by more than she overpays
/// (51.25), so her init health rises, yet her equity would go from 24.25 to about -28, Bob keeping
/// the difference. A side that ends below init trades at value or better: refused; at the oracle
/// price it is allowed.
fn two_reductions_at_band_edge(w: &mut World) {
    let m = with_sol_perp(w);
    let (alice, bob) = (funded(w, "alice", 300), funded(w, "bob", 1_000));
    expect::ok(w.perp_trade(&bob, &alice, m.sol, 5, per_contract(150)));
    w.set_price(m.sol, 205 * E8, 0);
    let before = w.account_health(&alice.account).unwrap();
    assert!(before.init_health < 0 && before.equity[0] > 0, "{before:?}");

    let top = per_contract(205) * 105 / 100;
    expect::xm_error(w.perp_trade(&alice, &bob, m.sol, 5, top), XmError::BelowInitWorseThanValue);
    expect::ok(w.perp_trade(&alice, &bob, m.sol, 5, per_contract(205)));
    let after = w.account_health(&alice.account).unwrap();
    // Flat now: her equity only lost the fee (5 * 205 * 10 bps).
    assert_eq!(after.equity[0], before.equity[0] - 1_025_000);
    assert_eq!(after.requirement, [0, 0]);
}

/// The example, without any price move: a writer of 30 far out-of-the-money puts (strike
/// 60 at 150, out of the money even in the init gap) buys them back at the top of the band from a
/// colluding account. The overpayment
/// (30 times 5% of the price) exceeds the writer's equity and the requirement it releases:
/// refused. Buying back at the writer's value is allowed.
fn writer_buyback_above_value(w: &mut World) {
    let m = live_sol_chain(w);
    let admin = w.admin.insecure_clone();
    let far = SeriesParams { kind: 1, strike: per_contract(60), expiry: EXPIRY };
    let add = ix::option_series_add(&admin.pubkey(), &w.group, m.sol, far);
    expect::ok(w.send(&[add], &admin, &[]));
    expect::ok(post_vols(w, m.sol, VOL_80, vec![VOL_78, VOL_80, VOL_80]));
    for series in 0..3 {
        expect::ok(refresh(w, m.sol, series));
    }
    let (writer, colluder) = (funded(w, "writer", 150), funded(w, "colluder", 5_000));
    let put = Instrument::Option { series: 2 };
    let value = w.reference(m.sol, put, false);
    expect::ok(option_trade(w, &colluder, &writer, 2, 30, value.ask));
    let before = w.account_health(&writer.account).unwrap();
    assert!(before.init_health >= 0, "{before:?}");

    let top = value.bid + value.x * i64::from(value.band_bps) / 10_000;
    let at_top = option_trade(w, &writer, &colluder, 2, 30, top);
    expect::xm_error(at_top, XmError::InitHealthNegative);
    assert_eq!(w.account_health(&writer.account).unwrap(), before);
    // Had it gone through, the writer would owe more than it has.
    assert!(30 * i128::from(top - value.ask) > before.equity[0], "{before:?}");
    let report = expect::ok(option_trade(w, &writer, &colluder, 2, 30, value.ask));
    let after = w.account_health(&writer.account).unwrap();
    assert_eq!(after.requirement, [0, 0]);
    assert!(after.equity[0] > 0 && after.init_health > before.init_health, "{after:?}");
    if w.sees_program_output() {
        let e: Traded = events::single(&report);
        assert_eq!((e.buyer_position, e.buyer_init_change), (0, None));
    }
}

/// The second branch of the rule judges only the traded underlying's book: for a trade, the change
/// of that book's contribution is exactly the change of the account's health, at both levels
/// (checked here with the program's own code on a portfolio across SOL and BTC).
fn book_change_is_health_change(w: &mut World) {
    let m = live_sol_chain(w);
    w.list_perp(m.sol, SOL_PERP);
    let alice = funded(w, "alice", 2_000);
    w.fund_and_deposit(&alice, m.sol, 3 * SOL);
    w.fund_and_deposit(&alice, m.btc, 10_000_000);
    let bob = funded(w, "bob", 10_000);
    expect::ok(option_trade(w, &alice, &bob, 0, 10, per_contract(8)));
    expect::ok(option_trade(w, &bob, &alice, 1, 4, per_contract(3)));
    let trades: [(Instrument, i64, i64); 3] = [
        (Instrument::Perp, -5, per_contract(150)),
        (Instrument::Option { series: 0 }, -4, per_contract(8)),
        (Instrument::Option { series: 1 }, 4, per_contract(2)),
    ];
    let markets = w.markets.clone();
    let price_of = |i: u16| markets[usize::from(i)].price_account;
    for (instrument, quantity, price) in trades {
        let before = fetch_portfolio(&mut *w.chain, &alice.account, &price_of).unwrap();
        let (buyer, seller) = if quantity > 0 { (&alice, &bob) } else { (&bob, &alice) };
        expect::ok(w.trade(buyer, seller, m.sol, instrument, quantity.abs(), price));
        let after = fetch_portfolio(&mut *w.chain, &alice.account, &price_of).unwrap();
        let book = |p: &xmargin_client::health::Portfolio| {
            let risks = p.risks();
            let risk = risks.iter().find(|r| r.index() == m.sol).expect("SOL inputs");
            book_health(&p.account, risk, p.quote.decimals, p.now).unwrap()
        };
        let (hb, ha) = (before.health().unwrap(), after.health().unwrap());
        let (bb, ba) = (book(&before), book(&after));
        assert_eq!(ha.init_health - hb.init_health, ba[0] - bb[0], "{instrument:?}");
        assert_eq!(ha.maint_health - hb.maint_health, ba[1] - bb[1], "{instrument:?}");
    }
}

/// One price account per underlying: the one it is bound to. A second, valid update of the same
/// feed (a print the trader would rather use) is refused as the trade's price, as a health price,
/// and as both.
fn one_price_account(w: &mut World) {
    let m = with_sol_perp(w);
    let (alice, bob) = (funded(w, "alice", 1_000), funded(w, "bob", 1_000));
    let sol = w.markets[usize::from(m.sol)].clone();
    let second = address("price:SOL:second");
    let now = w.now();
    let full = VerificationLevel::Full;
    sandbox::post_print(&mut *w.chain, &second, &sol, 156 * E8, 0, [now - 1, now], full);
    for (oracle, health) in [(true, false), (false, true), (true, true)] {
        let mut trade = w.trade_ix(&alice, &bob, m.sol, Instrument::Perp, 1, per_contract(156));
        let n = trade.accounts.len();
        if oracle {
            trade.accounts[6].pubkey = second;
        }
        if health {
            trade.accounts[n - 1].pubkey = second;
        }
        let sent = w.send(&[trade], &alice.wallet, &[&bob.wallet]);
        expect::xm_error(sent, XmError::PriceAccountMismatch);
    }
    expect::ok(w.perp_trade(&alice, &bob, m.sol, 1, per_contract(150)));
}
