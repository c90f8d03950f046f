//! The keeper (`xmargin_keeper::Keeper`) over the scenario chain: after a gap it finds the one
//! account below maint among the group's, liquidates it back to health with the planner's steps
//! (each simulated first), and a second tick has nothing to do; it runs the cranks that are due
//! (funding, price samples, the risk cache of held series) and only those.

use cross_margin::state::{Group, SeriesStatus, QUOTE_INDEX};
use xmargin_client::accounts::decode;
use xmargin_client::liquidation::{bankruptcy_state, BankruptcyState, Liquidation};
use xmargin_client::Signer;
use xmargin_keeper::{Keeper, TickReport};

use super::liquidation::{gap, perp_victim};
use super::option_trades::{live_sol_chain, option_trade};
use super::options::{post_vols, EXPIRY, VOL_78, VOL_80};
use super::perps::{funded, per_contract, SOL_PERP};
use crate::world::{Trader, World, E8, USDC};
use crate::{expect, Scenario};

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "keeper_liquidates_below_maint", run: liquidates_below_maint },
    Scenario { name: "keeper_runs_the_cranks", run: runs_the_cranks },
    Scenario { name: "keeper_settles_a_bankruptcy", run: settles_a_bankruptcy },
    Scenario { name: "keeper_dry_run_sends_nothing", run: dry_run_sends_nothing },
    Scenario { name: "keeper_settles_expired_series", run: settles_expired_series },
];

/// Past the 30-day expiry, with the first print after it (172, 30 s after) in SOL's price
/// account, one tick records the settlement price of both series and closes the positions at it:
/// Alice's 3 long 165 calls pay 7 each into her unsettled quote, Bob's written ones cost him 21
/// (and, holding nothing else to liquidate, the two then settle with each other).
fn settles_expired_series(w: &mut World) {
    let m = live_sol_chain(w);
    let (alice, bob) = (funded(w, "alice", 1_000), funded(w, "bob", 1_000));
    expect::ok(option_trade(w, &alice, &bob, 0, 3, per_contract(8)));
    let quote = |w: &mut World, t: &Trader| w.margin(&t.account).perps[0].quote;
    let before = (quote(w, &alice), quote(w, &bob));
    w.set_time(EXPIRY + 40);
    w.post_print(m.sol, 172 * E8, 0, [EXPIRY - 1, EXPIRY + 30]);
    for (market, price) in [(m.btc, 60_000 * E8), (m.eth, 3_000 * E8)] {
        w.set_price(market, price, 0);
    }
    let report = keeper(w, &bob).tick(&mut *w.chain).expect("tick");
    assert_eq!(report.cranks_failed, 0, "{report:?}");
    let chain = w.underlying(m.sol).options;
    assert!(chain.series[..2].iter().all(|s| s.is(SeriesStatus::Settled)));
    assert_eq!(chain.series[0].settlement_value, per_contract(7));
    for t in [&alice, &bob] {
        assert!(w.margin(&t.account).options.iter().all(|o| o.quantity == 0), "{}", t.label);
    }
    // Expiry, positions, three price samples.
    assert_eq!(report.cranks_landed, 5, "{report:?}");
    let seven = 3 * per_contract(7);
    let paid = |w: &mut World, t: &Trader| quote(w, t) + w.balance(&t.account, QUOTE_INDEX);
    let (a, b) = (paid(w, &alice), paid(w, &bob));
    let start = 1_000 * USDC as i64;
    assert_eq!((a, b), (start + before.0 + seven, start + before.1 - seven));
    let again = keeper(w, &bob).tick(&mut *w.chain).expect("tick");
    assert_eq!(again.cranks_landed, 0, "{again:?}");
}

/// A dry run finds and simulates the same first step as a live tick but sends nothing: Alice's
/// account and the keeper's are unchanged; the live tick then lands that step.
fn dry_run_sends_nothing(w: &mut World) {
    let (m, alice, _bob, kate) = perp_victim(w);
    gap(w, m.sol);
    let data = |w: &mut World, t: &Trader| w.chain.account(&t.account).unwrap().data;
    let before = (data(w, &alice), data(w, &kate));
    let dry = Keeper { dry_run: true, ..keeper(w, &kate) };
    let report = dry.tick(&mut *w.chain).expect("tick");
    assert_eq!((report.liquidatable, report.steps_landed, report.steps_failed), (1, 1, 0));
    assert_eq!((data(w, &alice), data(w, &kate)), before);
    let live = keeper(w, &kate).tick(&mut *w.chain).expect("tick");
    assert_eq!(live.steps.first().map(|s| s.step), report.steps.first().map(|s| s.step));
    assert_ne!(data(w, &alice), before.0);
}

/// SOL gaps to 95: Alice (long 40 from Bob) is at equity -206. One tick liquidates all she holds
/// and settles her loss against Bob's gain of 2,194: her 2,000, then the 194 she cannot pay from
/// the insurance fund (her fees waived). She is no longer bankrupt, Bob is paid in full.
fn settles_a_bankruptcy(w: &mut World) {
    let (m, alice, bob, kate) = perp_victim(w);
    let ivan = w.new_trader("ivan");
    expect::ok(w.insurance_deposit(&ivan, 500 * USDC));
    w.set_price(m.sol, 95 * E8, 0);
    let report = keeper(w, &kate).tick(&mut *w.chain).expect("tick");
    assert!(report.steps_landed >= 1 && report.settlements_landed >= 1, "{report:?}");
    let paid = (report.bankrupt.clone(), report.insurance_paid, report.socialized);
    assert_eq!(paid, (vec![alice.account], 194 * USDC, 0), "{report:?}");
    assert_eq!(bankruptcy_state(&w.margin(&alice.account)), BankruptcyState::NotBankrupt);
    let group: Group = decode(&w.chain.account(&w.group).unwrap().data).unwrap();
    assert_eq!(group.insurance.balance, 306 * USDC);
    assert_eq!(w.balance(&bob.account, QUOTE_INDEX), (100_000 + 2_194) * USDC as i64);
    let again = keeper(w, &kate).tick(&mut *w.chain).expect("tick");
    assert_eq!((again.steps_landed, again.settlements_landed), (0, 0), "{again:?}");
}

/// The keeper of `w`'s group, signing as `t` through `t`'s margin account.
pub fn keeper(w: &World, t: &Trader) -> Keeper {
    Keeper {
        group: w.group,
        wallet: t.wallet.insecure_clone(),
        account: t.account,
        min_incentive: 0,
        compute_unit_limit: 1_400_000,
        priority_micro_lamports: 1,
        funding_interval_secs: 3_600,
        dry_run: false,
    }
}

/// Two hours on (vols posted again), the SOL perpetual's funding, every market's price sample and
/// the held series' entries are due: one tick runs them; at once afterwards nothing is due; a 10%
/// move (beyond the entry's drift bound) makes the held series' entry due again, and only it.
fn runs_the_cranks(w: &mut World) {
    let m = live_sol_chain(w);
    w.list_perp(m.sol, SOL_PERP);
    let (alice, bob) = (funded(w, "alice", 1_000), funded(w, "bob", 1_000));
    expect::ok(option_trade(w, &alice, &bob, 0, 1, per_contract(8)));
    let later = w.now() + 7_200;
    w.set_time(later);
    for (market, price) in [(m.sol, 150 * E8), (m.btc, 60_000 * E8), (m.eth, 3_000 * E8)] {
        w.set_price(market, price, 0);
    }
    expect::ok(post_vols(w, m.sol, VOL_80, vec![VOL_78, VOL_80]));
    let keeper = keeper(w, &bob);
    let report = keeper.tick(&mut *w.chain).expect("tick");
    // Funding (SOL), three price samples, series 0's entry (the only one held).
    assert_eq!((report.cranks_landed, report.cranks_failed), (5, 0), "{report:?}");
    let u = w.underlying(m.sol);
    assert_eq!((u.perp.last_funding_ts, u.vol.samples), (later, 1));
    assert_eq!(u.options.series[0].cache.ref_time, later);
    let again = keeper.tick(&mut *w.chain).expect("tick");
    assert_eq!((again.cranks_landed, again.cranks_failed), (0, 0), "{again:?}");
    let before = w.underlying(m.sol).options.series[0].cache.ref_price;
    w.set_price(m.sol, 165 * E8, 0);
    let drifted = keeper.tick(&mut *w.chain).expect("tick");
    assert_eq!((drifted.cranks_landed, drifted.cranks_failed), (1, 0), "{drifted:?}");
    let after = w.underlying(m.sol).options.series[0].cache.ref_price;
    assert!(after > before, "{before} -> {after}");
}

fn liquidates_below_maint(w: &mut World) {
    let (m, alice, _bob, kate) = perp_victim(w);
    let _carol = funded(w, "carol", 1_000); // healthy, holding only USDC
    let keeper = keeper(w, &kate);
    // Before the gap nobody is liquidatable: the keeper only looks.
    let quiet = keeper.tick(&mut *w.chain).expect("tick");
    assert_eq!((quiet.tracked, quiet.liquidatable, quiet.steps_landed), (4, 0, 0));
    assert_eq!(quiet.cranks_failed, 0, "{quiet:?}");

    gap(w, m.sol);
    let report = keeper.tick(&mut *w.chain).expect("tick");
    assert_eq!((report.tracked, report.liquidatable), (4, 1), "{report:?}");
    assert!(report.steps_landed >= 1 && report.steps_failed == 0, "{report:?}");
    let markets = w.markets.clone();
    let price_of = |i: u16| markets[usize::from(i)].price_account;
    let view = Liquidation::fetch(&mut *w.chain, &kate.account, &alice.account, &price_of).unwrap();
    assert!(!view.liquidatable().unwrap(), "{:?}", view.liquidatee_health());
    // Kate holds what she took over.
    let kate_base = w.margin(&kate.account).perps.iter().map(|p| p.base).sum::<i64>();
    assert!(kate_base > 0);

    let after = keeper.tick(&mut *w.chain).expect("tick");
    // Nothing left to do; the wallet's balance is read back as it stands.
    let wallet = w.chain.account(&kate.wallet.pubkey()).map_or(0, |a| a.lamports);
    assert!(wallet > 0);
    assert_eq!(after, TickReport { tracked: 4, wallet_lamports: wallet, ..TickReport::default() });
}
