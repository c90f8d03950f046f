//! The reference full portfolio of the issue: 8 underlyings, each with a perpetual and an option
//! chain of 16 series (2 expiries x 4 strikes x call/put), all valued; an account holding 8
//! collateral balances, 8 perpetuals and 64 options (8 series per underlying over both expiries,
//! long and short) against a counterparty holding the opposite. Its compute-unit cases: health,
//! a trade between two full accounts, batch settlement of 8 accounts, and the health curve.

use std::mem::discriminant;

use cross_margin::engine::liquidation::LiquidationStep;
use cross_margin::engine::options::{ChainParams, SeriesParams};
use cross_margin::engine::perp::PerpParams;
use cross_margin::engine::trade::Instrument;
use cross_margin::events::Traded;
use cross_margin::state::SeriesStatus;
use xmargin_client::chain::{TxFailure, TxReport};
use xmargin_client::{ix, Signer};

use super::collateral::transfer_quote_pnl;
use super::options::{sol_chain, EXPIRY, VOL_80};
use super::perps::SOL_PERP;
use super::setup::{five_more, standard};
use crate::world::{Trader, World, E8, T0, USDC};
use crate::{events, expect, Scenario};

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "cu_full_portfolio", run: cu_full_portfolio },
    Scenario { name: "cu_health_curve", run: cu_health_curve },
    Scenario { name: "cu_settle_expired_batch_8", run: cu_settle_expired_batch_8 },
    Scenario { name: "cu_liquidate_full_portfolio", run: cu_liquidate_full_portfolio },
];

/// The later expiry: sixty days.
pub const EXPIRY_2: i64 = T0 + 60 * 86_400;
/// Series per chain.
pub const SERIES_PER_CHAIN: u16 = 16;
/// Strikes as a percentage of the price per contract.
const STRIKES_PCT: [i64; 4] = [90, 95, 105, 110];
/// The reference portfolio's series on each chain: 95% and 105% strikes, calls and puts, both
/// expiries.
pub const REFERENCE_SERIES: [u16; 8] = [2, 3, 4, 5, 10, 11, 12, 13];
/// Room for a transaction checking two full accounts.
const COMPUTE_LIMIT: u32 = 1_400_000;

/// One reference underlying: its market index, native units per contract, price per contract
/// (qn) and oracle price (10^-8 USD per whole unit) at the valuation.
#[derive(Clone, Copy)]
pub struct RefMarket {
    pub index: u16,
    pub contract_size: u64,
    pub x: i64,
    pub price: i64,
}

/// Series `k` of a chain: expiry `k / 8`, strike `(k % 8) / 2`, call when `k` is even.
fn series_params(k: u16, x: i64) -> SeriesParams {
    let expiry = if k < 8 { EXPIRY } else { EXPIRY_2 };
    let strike = x * STRIKES_PCT[usize::from(k % 8 / 2)] / 100;
    SeriesParams { kind: (k % 2) as u8, strike, expiry }
}

/// The eight underlyings with perpetuals and valued option chains, contracts of $200 to $600.
pub fn reference_markets(w: &mut World) -> Vec<RefMarket> {
    w.compute_limit = Some(COMPUTE_LIMIT);
    let m = standard(w);
    let more = five_more(w);
    // Native units per contract: 1 SOL, 0.01 BTC, 0.1 ETH, 1,000 JUP, 10^7 BONK, 100 JTO,
    // 1,000 PYTH, 100 WIF.
    let sizes = [1_000_000_000, 1_000_000, 10_000_000, 1_000_000_000, 10u64.pow(12), 10u64.pow(11)];
    let sizes = sizes.into_iter().chain([1_000_000_000, 100_000_000]);
    let prices = [150 * E8, 60_000 * E8, 3_000 * E8, E8 / 2, 2_000, 3 * E8, E8 / 4, 2 * E8];
    let indices = [m.sol, m.btc, m.eth].into_iter().chain(more);
    let admin = w.admin.insecure_clone();
    let mut out = vec![];
    for ((index, contract_size), price) in indices.zip(sizes).zip(prices) {
        let decimals = u32::from(w.markets[usize::from(index)].decimals);
        let x = i128::from(price) * i128::from(contract_size) * i128::from(USDC)
            / (i128::from(E8) * 10i128.pow(decimals));
        let x = i64::try_from(x).expect("price per contract");
        w.list_perp(index, PerpParams { contract_size, ..SOL_PERP });
        let chain = ChainParams { contract_size, ..sol_chain() };
        let oracle = w.markets[usize::from(index)].price_account;
        let mut listing = vec![ix::option_list(&admin.pubkey(), &w.group, index, chain, &oracle)];
        for k in 0..SERIES_PER_CHAIN {
            listing.push(ix::option_series_add(
                &admin.pubkey(),
                &w.group,
                index,
                series_params(k, x),
            ));
        }
        expect::ok(w.send(&listing, &admin, &[]));
        let vols = vec![VOL_80; usize::from(SERIES_PER_CHAIN)];
        expect::ok(super::options::post_vols(w, index, VOL_80, vols));
        for k in 0..SERIES_PER_CHAIN {
            expect::ok(super::options::refresh(w, index, k));
        }
        out.push(RefMarket { index, contract_size, x, price });
    }
    out
}

/// Two minutes after the valuation every price has moved, 1.5% up on even markets and 1.5% down
/// on odd ones (inside every entry's drift bound: 1.8% for the 30-day series at 80%), with a 0.05% confidence interval: health then carries every cache entry (its delta,
/// gamma and theta terms) as it does between two refreshes, not only at the valuation price.
pub fn markets_move(w: &mut World, markets: &[RefMarket]) {
    let now = w.now() + 120;
    w.set_time(now);
    for (i, m) in markets.iter().enumerate() {
        let price = if i % 2 == 0 { m.price / 1_000 * 1_015 } else { m.price / 1_000 * 985 };
        w.set_price(m.index, price, price.unsigned_abs() / 2_000);
    }
}

/// A trader holding `usdc` and 100 contracts' worth of each reference underlying.
fn collateralized(w: &mut World, label: &str, usdc: u64, markets: &[RefMarket]) -> Trader {
    let t = w.new_trader(label);
    w.fund_and_deposit(&t, 0, usdc * USDC);
    for m in markets {
        w.fund_and_deposit(&t, m.index, 100 * m.contract_size);
    }
    t
}

/// `buyer` buys one contract of `series` on `m` from `seller` at the series' cached mark.
fn buy_option(
    w: &mut World,
    buyer: &Trader,
    seller: &Trader,
    m: &RefMarket,
    series: u16,
) -> Result<TxReport, TxFailure> {
    let mark = w.underlying(m.index).options.series[usize::from(series)].cache.mark;
    w.trade(buyer, seller, m.index, Instrument::Option { series }, 1, mark.max(1))
}

/// Alice's reference portfolio against Bob: per underlying a perpetual of 2 contracts (long on
/// even markets) and one contract of each reference series (long when market + series is even).
pub fn reference_portfolio(w: &mut World, markets: &[RefMarket]) -> (Trader, Trader) {
    let alice = collateralized(w, "alice", 100_000, markets);
    let bob = collateralized(w, "bob", 1_000_000, markets);
    for (i, m) in markets.iter().enumerate() {
        let (long, short) = if i % 2 == 0 { (&alice, &bob) } else { (&bob, &alice) };
        expect::ok(w.trade(long, short, m.index, Instrument::Perp, 2, m.x));
        for (j, &series) in REFERENCE_SERIES.iter().enumerate() {
            let (long, short) = if (i + j) % 2 == 0 { (&alice, &bob) } else { (&bob, &alice) };
            expect::ok(buy_option(w, long, short, m, series));
        }
    }
    (alice, bob)
}

fn cu_full_portfolio(w: &mut World) {
    let markets = reference_markets(w);
    let (alice, bob) = reference_portfolio(w, &markets);
    markets_move(w, &markets);
    let a = w.margin(&alice.account);
    assert_eq!(a.active_collateral().count(), 9); // 8 underlyings and USDC
    assert_eq!(a.perps.iter().filter(|p| p.base != 0).count(), 8);
    assert_eq!(a.options.iter().filter(|o| o.quantity != 0).count(), 64);
    let h = w.account_health(&alice.account).unwrap();
    assert!(h.init_health > 0 && h.requirement[0] > 0, "{h:?}");

    let report = expect::ok(w.refresh_health(&alice.account));
    w.record_cu("health_full_portfolio", &report);
    assert_eq!(w.margin(&alice.account).health.init as i128, h.init_health);
    // Both full accounts take on risk: Alice buys more of a series she is long and Bob short.
    let report = expect::ok(buy_option(w, &alice, &bob, &markets[0], REFERENCE_SERIES[0]));
    w.record_cu("trade_full_portfolio", &report);

    // The rule's second branch: Alice below init (her USDC moved to Bob, as a settled loss would
    // move it) sells one of her perpetuals at the oracle price. Her full health is negative, so
    // the traded underlying's book is valued before and after.
    let h = w.account_health(&alice.account).unwrap();
    let loss = i64::try_from(h.init_health).unwrap() + 1_000 * USDC as i64;
    transfer_quote_pnl(w, &alice, &bob, loss);
    let m = markets[0];
    let x = w.reference(m.index, Instrument::Perp, false).bid;
    let report = expect::ok(w.trade(&bob, &alice, m.index, Instrument::Perp, 1, x));
    w.record_cu("trade_below_init_full_portfolio", &report);
    assert!(w.account_health(&alice.account).unwrap().init_health < 0);
    if w.sees_program_output() {
        let e: Traded = events::single(&report);
        assert!(
            e.seller_init_change.is_some_and(|c| c > -e.fee_per_side),
            "{:?}",
            e.seller_init_change
        );
        assert_eq!(e.buyer_init_change, None);
    }
}

fn cu_health_curve(w: &mut World) {
    let markets = reference_markets(w);
    markets_move(w, &markets);
    let bob = collateralized(w, "bob", 10_000_000, &markets);
    for n in [1usize, 8, 32, 64, 128] {
        let carol = collateralized(w, &format!("carol-{n}"), 100_000, &[]);
        let per_market = if n > 64 { 16 } else { 8 };
        for k in 0..n {
            let m = &markets[k / per_market];
            expect::ok(buy_option(w, &carol, &bob, m, (k % per_market) as u16));
        }
        let report = expect::ok(w.refresh_health(&carol.account));
        w.record_cu(&format!("health_{n}_options"), &report);
    }
}

fn cu_settle_expired_batch_8(w: &mut World) {
    let markets = reference_markets(w);
    let m = markets[0];
    let traders: Vec<Trader> =
        (0..8).map(|k| collateralized(w, &format!("trader-{k}"), 10_000, &[])).collect();
    // Four pairs, each long and short two series of the first expiry.
    for pair in traders.chunks(2) {
        for series in [0, 1] {
            expect::ok(buy_option(w, &pair[0], &pair[1], &m, series));
        }
    }
    w.set_time(EXPIRY + 60);
    expect::ok(w.settle_expiry(m.index, EXPIRY, 160 * E8));
    let keys: Vec<_> = traders.iter().map(|t| t.account).collect();
    let report =
        expect::ok(w.send_as_keeper(ix::option_settle_positions(&w.group, m.index, &keys)));
    w.record_cu("settle_expired_batch_8", &report);
    let chain = w.underlying(m.index).options;
    assert!(chain.series[..8].iter().all(|s| s.is(SeriesStatus::Settled) && s.open_interest == 0));
    assert_eq!(chain.settlement_net_paid, 0);
}

/// Liquidation steps on the full portfolio: Alice, 1,000 USDC below maint after a realized loss,
/// liquidated by Bob, who holds the opposite full portfolio. One step of each kind at the
/// largest size the planner accepts (the one of its kind that raises her health the most),
/// the slice last.
fn cu_liquidate_full_portfolio(w: &mut World) {
    let markets = reference_markets(w);
    let (alice, bob) = reference_portfolio(w, &markets);
    markets_move(w, &markets);
    let h = w.account_health(&alice.account).unwrap();
    let loss = i64::try_from(h.maint_health).unwrap() + 1_000 * USDC as i64;
    transfer_quote_pnl(w, &alice, &bob, loss);
    let kinds = [
        (
            "liquidate_collateral_full_portfolio",
            LiquidationStep::Collateral { underlying: 0, amount: 0 },
        ),
        ("liquidate_perp_full_portfolio", LiquidationStep::Perp { underlying: 0, contracts: 0 }),
        (
            "liquidate_option_full_portfolio",
            LiquidationStep::Option { underlying: 0, series: 0, contracts: 0 },
        ),
        ("liquidate_slice_full_portfolio", LiquidationStep::Slice { fraction_bps: 0 }),
    ];
    let signer = bob.wallet.pubkey();
    for (case, kind) in kinds {
        let view = w.liquidation(&bob.account, &alice.account);
        assert!(view.liquidatable().unwrap(), "{case}: {:?}", view.liquidatee_health());
        let of_kind = |s: &LiquidationStep| discriminant(s) == discriminant(&kind);
        let candidates = view.candidates().into_iter().filter(of_kind);
        let best = candidates.filter_map(|whole| view.largest(&signer, &whole));
        let (step, predicted) = best.max_by_key(|(_, p)| p.outcome.gain).expect(case);
        let report = expect::ok(w.liquidate(&bob, &alice.account, step));
        w.record_cu(case, &report);
        let after = w.account_health(&alice.account).unwrap();
        let outcome = predicted.outcome;
        assert_eq!(
            (after.init_health, after.maint_health),
            (outcome.init_after, outcome.maint_after)
        );
    }
}
