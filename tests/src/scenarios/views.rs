//! The health views (`health_check`, `account_view`): the figures are the program's own health
//! (the same as the client computes off-chain with the engine's code), thresholds refuse, the
//! return data is versioned and within 1,024 bytes; and the compute-unit cases of a venue fill
//! and a health check by CPI between full accounts.

use cross_margin::engine::trade::Instrument;
use cross_margin::engine::views::{AccountView, HealthView, VIEW_VERSION};
use cross_margin::error::XmError;
use xmargin_client::rfq::{self, QuoteTerms};
use xmargin_client::rfq_venue::state::Side;
use xmargin_client::venue;
use xmargin_client::Signer;

use super::perps::{funded, per_contract, with_sol_perp};
use super::reference::{markets_move, reference_markets, reference_portfolio, REFERENCE_SERIES};
use super::venues::{approve_venue, fill, post, set_approval, TAKER_FEE_BPS};
use crate::world::{keypair, Trader, World};
use crate::{expect, Scenario};

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "views_health_check_and_account_view", run: health_check_and_account_view },
    Scenario { name: "cu_venue_full_portfolio", run: cu_venue_full_portfolio },
];

fn health_check(
    w: &mut World,
    t: &Trader,
    min_init: i64,
    min_maint: i64,
) -> Result<xmargin_client::chain::TxReport, xmargin_client::chain::TxFailure> {
    let state = w.margin(&t.account);
    let markets = &w.markets;
    let ix = venue::health_check(&t.account, &state, min_init, min_maint, |i| {
        markets[i as usize].price_account
    });
    w.send_as_keeper(ix)
}

fn health_check_and_account_view(w: &mut World) {
    let m = with_sol_perp(w);
    let (alice, bob) = (funded(w, "alice", 1_000), funded(w, "bob", 1_000));
    // Alice: 1,000 USDC and 2 SOL, long 20 SOL perpetuals from Bob.
    w.fund_and_deposit(&alice, m.sol, 2_000_000_000);
    expect::ok(w.perp_trade(&alice, &bob, m.sol, 20, per_contract(150)));
    let h = w.account_health(&alice.account).unwrap();
    let (init, maint) =
        (i64::try_from(h.init_health).unwrap(), i64::try_from(h.maint_health).unwrap());
    assert!(init > 0, "{h:?}");

    // At the thresholds it passes and returns the program's figures; one unit above, it fails.
    let report = expect::ok(health_check(w, &alice, init, maint));
    expect::xm_error(health_check(w, &alice, init + 1, 0), XmError::HealthBelowThreshold);
    expect::xm_error(health_check(w, &alice, i64::MIN, maint + 1), XmError::HealthBelowThreshold);
    if w.sees_program_output() {
        let v: HealthView = report.decode_return().unwrap();
        assert_eq!(
            (v.version, v.account, v.init, v.maint),
            (VIEW_VERSION, alice.account, init, maint)
        );
        assert_eq!(
            (v.requirement_init, v.requirement_maint, v.equity_init),
            (
                i64::try_from(h.requirement[0]).unwrap(),
                i64::try_from(h.requirement[1]).unwrap(),
                i64::try_from(h.equity[0]).unwrap()
            )
        );
        assert!(!v.liquidating);
    }

    // The account view: SOL (collateral and a long perpetual) with its liquidation estimate
    // below the price; USDC is not listed.
    let state = w.margin(&alice.account);
    let markets = &w.markets;
    let ix = venue::account_view(&alice.account, &state, |i| markets[i as usize].price_account);
    let report = expect::ok(w.send_as_keeper(ix));
    if w.sees_program_output() {
        assert!(report.return_data.len() <= 1_024, "{} bytes", report.return_data.len());
        let v: AccountView = report.decode_return().unwrap();
        assert_eq!((v.health.init, v.health.maint), (init, maint));
        assert_eq!(v.underlyings.len(), 1);
        let u = v.underlyings[0];
        assert_eq!((u.underlying, u.price_e9), (m.sol, 150_000_000_000));
        assert!(u.net_delta > 0 && u.scan_loss > 0 && u.requirement_maint > 0, "{u:?}");
        // SOL is the only book: its maint requirement is the account's.
        assert_eq!(u.requirement_maint, v.health.requirement_maint);
        let at = u.liquidation_price_e9.expect("a long with delta has a liquidation price");
        assert!(0 < at && at < u.price_e9, "{u:?}");
        // First order: maint health falls by net delta times the relative move.
        let drop = (u.price_e9 - at) as i128 * i128::from(u.net_delta) / i128::from(u.price_e9);
        assert!((drop - i128::from(maint)).abs() <= 1, "{drop} vs {maint}");
    }
}

/// A venue fill between the two full reference accounts (the RFQ venue books it by CPI and then
/// checks the taker's health by CPI), and a venue's health check of a full account by CPI.
fn cu_venue_full_portfolio(w: &mut World) {
    let markets = reference_markets(w);
    let (alice, bob) = reference_portfolio(w, &markets);
    // The reference group has no timelock: the venue's approval applies at once when queued.
    let fees = w.new_trader("venue-fees");
    let admin_key = w.admin.pubkey();
    let add = venue::venue_add(&admin_key, &w.group, &rfq::PROGRAM_ID, &fees.account, 20);
    expect::ok(w.as_admin(add));
    let operator = keypair("rfq-operator").pubkey();
    let config = rfq::config_init(&operator, &w.group, TAKER_FEE_BPS);
    expect::ok(w.send_as("rfq-operator", config));
    approve_venue(w);
    expect::ok(set_approval(w, &alice, true));
    expect::ok(set_approval(w, &bob, true));
    markets_move(w, &markets);

    // Bob offers one more of a series Alice is long; Alice takes it.
    let m = markets[0];
    let series = REFERENCE_SERIES[0];
    let mark = w.underlying(m.index).options.series[usize::from(series)].cache.mark.max(1);
    let terms = QuoteTerms {
        operator,
        quote_id: 1,
        underlying: m.index,
        instrument: Instrument::Option { series },
        side: Side::Ask,
        quantity: 1,
        price: mark,
        expiry_ts: w.now() + 3_600,
    };
    let bob_wallet = bob.wallet.insecure_clone();
    expect::ok(post(w, &bob_wallet, &bob, terms));
    let report = expect::ok(fill(w, &bob_wallet.pubkey(), &bob, &alice, &terms, 1, &fees.account));
    // The clearing layer's two invocations by CPI: the fill, then the taker's health check.
    w.record_invocation_cu("venue_fill_via_cpi", &report, &cross_margin::ID, 0);
    w.record_invocation_cu("rfq_health_check_after_fill", &report, &cross_margin::ID, 1);
    w.record_cu("rfq_quote_fill_full_portfolio", &report);
    for l in report
        .logs
        .iter()
        .filter(|l| l.contains("consumption") || l.contains("consumed") || l.contains("invoke"))
    {
        eprintln!("{l}");
    }

    let state = w.margin(&alice.account);
    let markets = &w.markets;
    let ix =
        rfq::account_check(&alice.account, &state, 0, 0, |i| markets[i as usize].price_account);
    let report = expect::ok(w.send_as_keeper(ix));
    w.record_invocation_cu("health_check_cpi", &report, &cross_margin::ID, 0);
    w.record_cu("rfq_account_check_full_portfolio", &report);
    // The same check called directly, for the cost of the call itself.
    let report = expect::ok(health_check(w, &alice, 0, 0));
    w.record_cu("health_check_full_portfolio", &report);
}
