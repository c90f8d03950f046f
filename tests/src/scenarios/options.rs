//! Options: listing a chain and its series, the vol authority's inputs and the risk crank.

use cross_margin::engine::options::{value_series, ChainParams, SeriesParams};
use cross_margin::engine::trade::Instrument;
use cross_margin::error::XmError;
use cross_margin::events::{ExpirySettled, RiskRefreshed, SeriesAdded};
use cross_margin::instructions::VolsPostArgs;
use cross_margin::state::SeriesStatus;
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use xmargin_client::chain::{TxFailure, TxReport};
use xmargin_client::{ix, sandbox, Pubkey, Signer};
use xmargin_risk::cache::Q_ONE;
use xmargin_risk::margin::moves_q32;
use xmargin_risk::Fixed;

use super::perps::{funded, per_contract};
use super::setup::{standard, Standard, SOL};
use crate::world::{address, keypair, World, E8, T0};
use crate::{events, expect, Scenario};

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "option_chain_listing", run: option_chain_listing },
    Scenario { name: "option_vols_post", run: option_vols_post },
    Scenario { name: "risk_refresh_values_series", run: risk_refresh_values_series },
    Scenario { name: "option_expiry_settlement_price", run: option_expiry_settlement_price },
    Scenario { name: "option_settlement_fallback", run: option_settlement_fallback },
    Scenario { name: "option_series_slots_reused", run: option_series_slots_reused },
];

/// Thirty days.
pub const EXPIRY: i64 = T0 + 30 * 86_400;

/// The SOL chain: 1 SOL per contract, fee 5 bps, band 5% of the price, vols and cache good for
/// 10 minutes, 5% drift, settlement within 5 minutes of expiry, 5% rate.
pub fn sol_chain() -> ChainParams {
    ChainParams {
        contract_size: SOL,
        fee_bps: 5,
        band_bps: 500,
        vol_authority: keypair("vol-authority").pubkey(),
        max_vol_age_secs: 600,
        cache_max_age_secs: 600,
        cache_max_drift_bps: 500,
        settle_window_secs: 300,
        rate: Q_ONE / 20,
        max_series_open_interest: 1_000_000,
    }
}

/// Series 0: the 30-day 165 call; series 1: the 30-day 140 put.
pub const SERIES: [SeriesParams; 2] = [
    SeriesParams { kind: 0, strike: per_contract(165), expiry: EXPIRY },
    SeriesParams { kind: 1, strike: per_contract(140), expiry: EXPIRY },
];

/// 78% and 80% in `Q32`.
pub const VOL_78: i64 = Q_ONE / 100 * 78;
pub const VOL_80: i64 = Q_ONE / 100 * 80;

/// The standard markets with the SOL chain and its two series listed.
pub fn with_sol_chain(w: &mut World) -> Standard {
    let m = standard(w);
    let admin = w.admin.insecure_clone();
    let oracle = w.markets[usize::from(m.sol)].price_account;
    let mut instructions =
        vec![ix::option_list(&admin.pubkey(), &w.group, m.sol, sol_chain(), &oracle)];
    for s in SERIES {
        instructions.push(ix::option_series_add(&admin.pubkey(), &w.group, m.sol, s));
    }
    expect::ok(w.send(&instructions, &admin, &[]));
    m
}

/// Posts the vol index and one vol per series, signed by the vol authority.
pub fn post_vols(
    w: &mut World,
    index: u16,
    vol_index: i64,
    vols: Vec<i64>,
) -> Result<TxReport, TxFailure> {
    let authority = keypair("vol-authority").pubkey();
    let args = VolsPostArgs { vol_index, vols };
    let oracle = w.markets[usize::from(index)].price_account;
    w.send_as("vol-authority", ix::option_vols_post(&authority, &w.group, index, &oracle, args))
}

/// Values `series` of market `index` (sent by a keeper).
pub fn refresh(w: &mut World, index: u16, series: u16) -> Result<TxReport, TxFailure> {
    let oracle = w.markets[index as usize].price_account;
    w.send_as_keeper(ix::risk_refresh(&w.group, index, series, &oracle))
}

fn option_chain_listing(w: &mut World) {
    let m = with_sol_chain(w);
    let chain = w.underlying(m.sol).options;
    assert_eq!((chain.listed, chain.series_count, chain.contract_size), (1, 2, SOL));
    let s = chain.series[1];
    assert!(s.is(SeriesStatus::Active));
    assert_eq!((s.kind, s.strike, s.expiry, s.vol), (1, per_contract(140), EXPIRY, 0));

    let (admin, group) = (w.admin.insecure_clone(), w.group);
    let markets = w.markets.clone();
    let price = |i: u16| markets[usize::from(i)].price_account;
    let (btc_price, sol_price) = (price(m.btc), price(m.sol));
    let list = |params| ix::option_list(&admin.pubkey(), &group, m.btc, params, &btc_price);
    // Not the admin; invalid parameters; listed twice; the quote asset has no chain.
    let mallory = w.new_trader("mallory");
    let forged = ix::option_list(&mallory.wallet.pubkey(), &group, m.btc, sol_chain(), &btc_price);
    expect::xm_error(w.send(&[forged], &mallory.wallet, &[]), XmError::NotGroupAdmin);
    let bad = [
        ChainParams { contract_size: 0, ..sol_chain() },
        ChainParams { band_bps: 0, ..sol_chain() },
        ChainParams { cache_max_drift_bps: 10_001, ..sol_chain() },
        ChainParams { rate: Q_ONE + 1, ..sol_chain() },
        ChainParams { max_series_open_interest: 0, ..sol_chain() },
    ];
    for params in bad {
        expect::xm_error(w.send(&[list(params)], &admin, &[]), XmError::InvalidChainParams);
    }
    let quote = ix::option_list(&admin.pubkey(), &group, m.usdc, sol_chain(), &btc_price);
    expect::xm_error(w.send(&[quote], &admin, &[]), XmError::InvalidChainParams);
    let again = ix::option_list(&admin.pubkey(), &group, m.sol, sol_chain(), &sol_price);
    expect::xm_error(w.send(&[again], &admin, &[]), XmError::ChainAlreadyListed);
    // A contract worth less than 0.01 USDC (10,000 qn) does not list: at $3,000 an ETH, 333
    // units of 10^-8 are worth 9,990 qn; 334 are worth 10,020 and list.
    let eth_price = price(m.eth);
    let eth = |contract_size| {
        let params = ChainParams { contract_size, ..sol_chain() };
        ix::option_list(&admin.pubkey(), &group, m.eth, params, &eth_price)
    };
    expect::xm_error(w.send(&[eth(333)], &admin, &[]), XmError::ContractTooSmall);
    expect::ok(w.send(&[eth(334)], &admin, &[]));

    // Series: only on a listed chain, with a valid kind, strike and a future expiry.
    let add = |index, params| ix::option_series_add(&admin.pubkey(), &group, index, params);
    let unlisted = add(m.btc, SERIES[0]);
    expect::xm_error(w.send(&[unlisted], &admin, &[]), XmError::ChainNotListed);
    for params in [
        SeriesParams { kind: 2, ..SERIES[0] },
        SeriesParams { strike: 0, ..SERIES[0] },
        SeriesParams { expiry: T0, ..SERIES[0] },
    ] {
        let add = add(m.sol, params);
        expect::xm_error(w.send(&[add], &admin, &[]), XmError::InvalidSeriesParams);
    }
    let forged = ix::option_series_add(&mallory.wallet.pubkey(), &w.group, m.sol, SERIES[0]);
    expect::xm_error(w.send(&[forged], &mallory.wallet, &[]), XmError::NotGroupAdmin);
    assert_eq!(w.underlying(m.sol).options.series_count, 2);
}

fn option_vols_post(w: &mut World) {
    let m = with_sol_chain(w);
    let epoch = w.underlying(m.sol).risk.vol_epoch;

    // Only the vol authority; one vol per series, each in (0, 1,000%].
    let mallory = w.new_trader("mallory");
    let args = VolsPostArgs { vol_index: VOL_80, vols: vec![VOL_78, VOL_80] };
    let oracle = w.markets[usize::from(m.sol)].price_account;
    let forged = ix::option_vols_post(&mallory.wallet.pubkey(), &w.group, m.sol, &oracle, args);
    expect::xm_error(w.send(&[forged], &mallory.wallet, &[]), XmError::NotVolAuthority);
    for vols in [vec![VOL_78], vec![VOL_78, 0], vec![VOL_78, 10 * Q_ONE + 1]] {
        expect::xm_error(post_vols(w, m.sol, VOL_80, vols), XmError::InvalidVolatility);
    }
    expect::xm_error(post_vols(w, m.sol, -1, vec![VOL_78, VOL_80]), XmError::InvalidVolatility);

    expect::ok(post_vols(w, m.sol, VOL_80, vec![VOL_78, VOL_80]));
    let u = w.underlying(m.sol);
    assert_eq!((u.risk.vol_index, u.risk.vol_epoch), (VOL_80, epoch + 1));
    assert_eq!((u.options.series[0].vol, u.options.series[1].vol), (VOL_78, VOL_80));
    assert_eq!(u.options.vols_posted_ts, w.now());
    // The grid follows the index: at 80% the init range 3 * 80% * sqrt(1/365) = 12.56% is below
    // the 27% floor; at 200% it is 31.40%, above it.
    let range = |w: &mut World, vol: i64| {
        let u = w.underlying(m.sol);
        let index = Fixed::from_raw(i128::from(vol) << 32);
        let g = cross_margin::engine::underlying::risk_grids(&u.risk_params, index).unwrap();
        assert_eq!(u.risk.init_moves, moves_q32(&g.init).unwrap());
        assert_eq!(u.risk.maint_moves, moves_q32(&g.maint).unwrap());
        u.risk.init_moves[10] as f64 / Q_ONE as f64
    };
    assert!((range(w, VOL_80) - 0.27).abs() < 0.0001);
    let vol_200 = 2 * Q_ONE;
    expect::ok(post_vols(w, m.sol, vol_200, vec![VOL_78, VOL_80]));
    let r = range(w, vol_200);
    assert!((r - 0.3140).abs() < 0.0001, "{r}");
}

fn risk_refresh_values_series(w: &mut World) {
    let m = with_sol_chain(w);
    // Never valued and no vol posted yet.
    expect::xm_error(refresh(w, m.sol, 0), XmError::VolatilityStale);
    expect::ok(post_vols(w, m.sol, VOL_80, vec![VOL_78, VOL_80]));
    expect::xm_error(refresh(w, m.sol, 2), XmError::SeriesNotListed);

    let report = expect::ok(refresh(w, m.sol, 0));
    let u = w.underlying(m.sol);
    let stored = *u.options.series[0].cache.entry();
    // The same code off-chain gives the same entry, bit for bit.
    let spot = Fixed::from_int(150);
    let expected = value_series(&u, 0, spot, 6, w.now()).unwrap();
    assert_eq!(stored, expected);
    assert_eq!(
        (stored.ref_time, stored.ref_price, stored.epoch),
        (w.now(), per_contract(150), u.risk.vol_epoch)
    );
    // A 30-day 165 call at 150, 78% vol, 5% rate: Black-Scholes in f64 gives 7.9717375 and
    // delta 0.3836037; the stored mark is rounded down to the qn, delta to 2^-32.
    assert!((7_971_736..=7_971_737).contains(&stored.mark), "{}", stored.mark);
    let delta = stored.delta as f64 / Q_ONE as f64;
    assert!((delta - 0.3836037).abs() < 1e-6, "{delta}");
    // Up 1/3 of the range with vol up gains; the gap down (-2 ranges, vols x1.5) loses more than
    // half the mark.
    assert!(stored.pnl(0, 2) > 0 && stored.pnl(0, 14) < -stored.mark / 2);
    if w.sees_program_output() {
        let e: RiskRefreshed = events::single(&report);
        assert_eq!((e.series, e.mark, e.epoch), (0, stored.mark, stored.epoch));
    }

    // A stale oracle blocks the crank; after expiry the series can no longer be valued.
    w.set_time(T0 + 120);
    expect::xm_error(refresh(w, m.sol, 1), XmError::OracleStale);
    w.set_time(EXPIRY);
    w.set_price(m.sol, 150 * E8, 0);
    expect::xm_error(refresh(w, m.sol, 1), XmError::SeriesExpired);
}

fn option_expiry_settlement_price(w: &mut World) {
    let m = with_sol_chain(w);
    let admin = w.admin.insecure_clone();
    let later = SeriesParams { kind: 0, strike: per_contract(150), expiry: EXPIRY + 86_400 };
    let add = ix::option_series_add(&admin.pubkey(), &w.group, m.sol, later);
    expect::ok(w.send(&[add], &admin, &[]));
    let oracle = w.markets[m.sol as usize].price_account;
    let settle = |w: &mut World, expiry| {
        w.send_as_keeper(ix::option_settle_expiry(&w.group, m.sol, expiry, &oracle, &[]))
    };

    let print =
        |w: &mut World, dollars: i64, times: [i64; 2]| w.post_print(m.sol, dollars * E8, 0, times);

    // Before expiry nothing settles: not a print before it, not even the first print at it while
    // the clock has not reached it.
    w.set_time(EXPIRY - 10);
    print(w, 172, [EXPIRY - 11, EXPIRY - 10]);
    expect::xm_error(settle(w, EXPIRY), XmError::SettlementPriceNotFirstPrint);
    print(w, 172, [EXPIRY - 1, EXPIRY]);
    expect::xm_error(settle(w, EXPIRY), XmError::NothingToSettleAtExpiry);
    // After expiry, within the first 300 s window, only the first print at or after expiry: not
    // one published before it, nor a later one (its previous print is already after expiry), so
    // that the settler cannot pick the best of the window's prints.
    w.set_time(EXPIRY + 200);
    print(w, 172, [EXPIRY - 2, EXPIRY - 1]);
    expect::xm_error(settle(w, EXPIRY), XmError::SettlementPriceNotFirstPrint);
    print(w, 180, [EXPIRY + 30, EXPIRY + 40]);
    expect::xm_error(settle(w, EXPIRY), XmError::SettlementPriceNotFirstPrint);
    // A partially verified first print is refused like any invalid price.
    let partial = VerificationLevel::Partial { num_signatures: 5 };
    let sol = w.markets[m.sol as usize].clone();
    let times = [EXPIRY - 1, EXPIRY + 30];
    sandbox::post_print(&mut *w.chain, &oracle, &sol, 172 * E8, 0, times, partial);
    expect::xm_error(settle(w, EXPIRY), XmError::OracleNotFullyVerified);

    // The first print, 30 s after expiry (its previous a second before expiry), settles both
    // 30-day series: the 165 call pays 7 per contract, the 140 put nothing; the later series
    // stays active.
    print(w, 172, [EXPIRY - 1, EXPIRY + 30]);
    let report = expect::ok(settle(w, EXPIRY));
    let chain = w.underlying(m.sol).options;
    let [call, put, next] = [chain.series[0], chain.series[1], chain.series[2]];
    assert!(call.is(SeriesStatus::Settled) && put.is(SeriesStatus::Settled));
    assert_eq!(
        (call.settlement_price, call.settlement_value),
        (per_contract(172), per_contract(7))
    );
    assert_eq!((put.settlement_price, put.settlement_value), (per_contract(172), 0));
    assert!(next.is(SeriesStatus::Active) && next.settlement_price == 0);
    if w.sees_program_output() {
        let e: ExpirySettled = events::single(&report);
        assert_eq!((e.expiry, e.point, e.price, e.series), (EXPIRY, EXPIRY, per_contract(172), 2));
    }
    // Settled once: a second call finds nothing; a settled series cannot be valued.
    expect::xm_error(settle(w, EXPIRY), XmError::NothingToSettleAtExpiry);
    w.set_price(m.sol, 172 * E8, 0);
    expect::xm_error(refresh(w, m.sol, 0), XmError::SeriesNotActive);
}

/// Where the first print after expiry cannot be used (here its confidence is too wide), the next
/// stage's first print (at or after `expiry + settle_window_secs`) settles, but only with the
/// earlier one shown invalid, fully verified. A valid first print, or a partially verified copy of
/// one, cannot be passed over: whoever settles and whenever, the price is the earliest valid first
/// print.
fn option_settlement_fallback(w: &mut World) {
    let m = with_sol_chain(w);
    let sol = w.markets[m.sol as usize].clone();
    let settle = |w: &mut World, print: &str, earlier: &[&str]| {
        let earlier: Vec<Pubkey> = earlier.iter().map(|l| address(l)).collect();
        let oracle = address(print);
        w.send_as_keeper(ix::option_settle_expiry(&w.group, m.sol, EXPIRY, &oracle, &earlier))
    };
    let post = |w: &mut World, label: &str, dollars: i64, conf: i64, times, level| {
        let (price, conf) = (dollars * E8, (conf * E8) as u64);
        sandbox::post_print(&mut *w.chain, &address(label), &sol, price, conf, times, level)
    };
    let full = VerificationLevel::Full;
    w.set_time(EXPIRY + 400);
    // Stage 0's first print has a confidence of 8.6 at 172 (5%, the limit is 2%); stage 1 starts
    // 300 s after expiry.
    post(w, "first", 172, 172 / 20, [EXPIRY - 1, EXPIRY + 30], full);
    post(w, "second", 171, 0, [EXPIRY + 299, EXPIRY + 302], full);
    post(w, "valid-first", 170, 0, [EXPIRY - 1, EXPIRY + 30], full);
    let partial = VerificationLevel::Partial { num_signatures: 5 };
    post(w, "partial-first", 170, 0, [EXPIRY - 1, EXPIRY + 30], partial);
    expect::xm_error(settle(w, "first", &[]), XmError::OracleConfidenceTooWide);
    expect::xm_error(settle(w, "second", &[]), XmError::SettlementPriceNotFirstPrint);
    // The proof must be stage 0's first print, must be fully verified and must not be valid.
    expect::xm_error(settle(w, "second", &["second"]), XmError::SettlementPriceNotFirstPrint);
    expect::xm_error(settle(w, "second", &["partial-first"]), XmError::OracleNotFullyVerified);
    expect::xm_error(settle(w, "second", &["valid-first"]), XmError::EarlierSettlementPrintValid);
    let report = expect::ok(settle(w, "second", &["first"]));
    let call = w.underlying(m.sol).options.series[0];
    assert_eq!(
        (call.settlement_price, call.settlement_value),
        (per_contract(171), per_contract(6))
    );
    if w.sees_program_output() {
        let e: ExpirySettled = events::single(&report);
        assert_eq!((e.point, e.price), (EXPIRY + 300, per_contract(171)));
    }
}

/// An option chain lives forever: 32 series are listed, expire and are settled and paid, then new
/// series take their slots with the next generation and trade. A slot whose series still has an
/// unsettled position is not reused, and with every slot live a listing is refused.
fn option_series_slots_reused(w: &mut World) {
    let m = with_sol_chain(w);
    let admin = w.admin.insecure_clone();
    let list = |w: &mut World, params: &[SeriesParams]| {
        let add = |p: &SeriesParams| ix::option_series_add(&admin.pubkey(), &w.group, m.sol, *p);
        let instructions: Vec<_> = params.iter().map(add).collect();
        w.send(&instructions, &admin, &[])
    };
    let calls: Vec<SeriesParams> = (0..30)
        .map(|k| SeriesParams { kind: 0, strike: per_contract(150 + k), expiry: EXPIRY })
        .collect();
    for batch in calls.chunks(10) {
        expect::ok(list(w, batch));
    }
    let later = SeriesParams { kind: 0, strike: per_contract(160), expiry: EXPIRY + 30 * 86_400 };
    expect::xm_error(list(w, &[later]), XmError::SeriesSlotsFull);
    expect::ok(post_vols(w, m.sol, VOL_80, vec![VOL_80; 32]));
    expect::ok(refresh(w, m.sol, 0));
    let (alice, bob) = (funded(w, "alice", 1_000), funded(w, "bob", 1_000));
    let carol = funded(w, "carol", 1_000);
    let call = Instrument::Option { series: 0 };
    expect::ok(w.trade(&alice, &bob, m.sol, call, 2, per_contract(8)));
    expect::ok(w.trade(&carol, &bob, m.sol, call, 1, per_contract(8)));

    // Expiry: all 32 settle; Alice and Bob are settled, Carol not yet.
    w.set_time(EXPIRY + 60);
    expect::ok(w.settle_expiry(m.sol, EXPIRY, 172 * E8));
    let settle = |w: &mut World, accounts: &[Pubkey]| {
        w.send_as_keeper(ix::option_settle_positions(&w.group, m.sol, accounts))
    };
    expect::ok(settle(w, &[alice.account, bob.account]));
    let series = |w: &mut World, k: usize| w.underlying(m.sol).options.series[k];
    assert_eq!((series(w, 0).open_interest, series(w, 0).short_open_interest), (1, 0));
    // Slot 0 still owes Carol: the next listing takes slot 1 (settled with nothing open).
    let report = expect::ok(list(w, &[later]));
    assert_eq!((series(w, 1).generation, series(w, 1).strike), (1, per_contract(160)));
    assert!(series(w, 1).is(SeriesStatus::Active) && series(w, 1).cache.ref_time == 0);
    if w.sees_program_output() {
        let e: SeriesAdded = events::single(&report);
        assert_eq!((e.series, e.generation), (1, 1));
    }
    expect::ok(settle(w, &[carol.account]));
    assert!(series(w, 0).is_retired());
    let put = SeriesParams { kind: 1, strike: per_contract(170), expiry: EXPIRY + 30 * 86_400 };
    expect::ok(list(w, &[put]));
    assert_eq!((series(w, 0).generation, series(w, 0).kind), (1, 1));
    assert_eq!(w.underlying(m.sol).options.series_count, 32);

    // The new series trade, their positions of generation 1.
    w.set_price(m.sol, 172 * E8, 0);
    expect::ok(post_vols(w, m.sol, VOL_80, vec![VOL_80; 32]));
    for k in [0, 1] {
        expect::ok(refresh(w, m.sol, k));
    }
    let value = w.reference(m.sol, call, false);
    expect::ok(w.trade(&alice, &bob, m.sol, call, 3, value.bid));
    let a = w.margin(&alice.account);
    let o = a.options.iter().find(|o| o.underlying == m.sol).expect("new position");
    assert_eq!((o.series, o.generation, o.quantity), (0, 1, 3));
}
