//! Option trades: premium and fees, the band around the carried mark, stale vols or risk cache
//! blocking only risk-increasing actions, adversarial trades, and cash settlement after expiry.

use cross_margin::engine::trade::Instrument;
use cross_margin::error::XmError;
use cross_margin::events::{OptionPositionsSettled, OptionSettlementSkipped, Traded};
use cross_margin::state::EMPTY_SLOT;
use xmargin_client::chain::{TxFailure, TxReport};
use xmargin_client::{ix, Signer};

use super::options::{post_vols, refresh, with_sol_chain, EXPIRY, VOL_78, VOL_80};
use super::perps::{funded, per_contract};
use super::setup::Standard;
use crate::world::{Trader, World, E8, T0, USDC};
use crate::{events, expect, Scenario};

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "option_trade_premium_fees_and_value",
        run: option_trade_premium_fees_and_value,
    },
    Scenario { name: "option_trade_band", run: option_trade_band },
    Scenario {
        name: "option_stale_inputs_need_a_refresh",
        run: option_stale_inputs_need_a_refresh,
    },
    Scenario { name: "option_trade_adversarial", run: option_trade_adversarial },
    Scenario { name: "option_expiry_cash_settlement", run: option_expiry_cash_settlement },
    Scenario { name: "option_settlement_batch_skips", run: option_settlement_batch_skips },
];

/// The SOL chain with its two series valued now (vol index 80%, the call at 78%, the put at 80%).
pub fn live_sol_chain(w: &mut World) -> Standard {
    let m = with_sol_chain(w);
    expect::ok(post_vols(w, m.sol, VOL_80, vec![VOL_78, VOL_80]));
    for series in 0..2 {
        expect::ok(refresh(w, m.sol, series));
    }
    m
}

/// `buyer` buys `quantity` contracts of SOL series `series` from `seller` at `dollars` each.
pub fn option_trade(
    w: &mut World,
    buyer: &Trader,
    seller: &Trader,
    series: u16,
    quantity: i64,
    price: i64,
) -> Result<TxReport, TxFailure> {
    let sol = 1;
    w.trade(buyer, seller, sol, Instrument::Option { series }, quantity, price)
}

/// The account's quantity of SOL series `series` (0 when not held).
fn held(w: &mut World, t: &Trader, series: u16) -> i64 {
    let a = w.margin(&t.account);
    let o = a.options.iter().find(|o| o.underlying == 1 && o.series == series);
    o.map_or(0, |o| o.quantity)
}

fn option_trade_premium_fees_and_value(w: &mut World) {
    let m = live_sol_chain(w);
    let (alice, bob) = (funded(w, "alice", 1_000), funded(w, "bob", 1_000));
    let report = expect::ok(option_trade(w, &alice, &bob, 0, 10, per_contract(8)));

    // Premium 10 * 8 = 80 from Alice to Bob; fee min(5 bps of 10 * 150, 12.5% of 80) = 0.75 each.
    // Both go through the accounts' unsettled quote on SOL; the quote balances are untouched.
    let fee = 750_000;
    let premium = 80 * USDC as i64;
    assert_eq!(w.unsettled(&alice.account, m.sol), -premium - fee);
    assert_eq!(w.unsettled(&bob.account, m.sol), premium - fee);
    assert_eq!(w.balance(&alice.account, 0), 1_000 * USDC as i64);
    assert_eq!((held(w, &alice, 0), held(w, &bob, 0)), (10, -10));
    assert_eq!(w.underlying(m.sol).fees_accrued, 2 * fee as u64);
    let chain = w.underlying(m.sol).options;
    assert_eq!(chain.series[0].open_interest, 10);

    // The options count in equity at the cache's mark (a written position 4 qn a contract
    // higher), and on-chain and off-chain health agree.
    let mark = chain.series[0].cache.mark as i128;
    let (ha, hb) =
        (w.account_health(&alice.account).unwrap(), w.account_health(&bob.account).unwrap());
    assert_eq!((ha.option_value, hb.option_value), (10 * mark, -10 * (mark + 4)));
    assert_eq!(w.margin(&alice.account).health.init as i128, ha.init_health);
    assert_eq!(w.margin(&bob.account).health.init as i128, hb.init_health);
    // The long call's requirement is below its value; the written one's includes the short-option
    // minimum, so Bob's requirement is the larger.
    assert!(ha.requirement[0] > 0 && ha.requirement[0] < 10 * mark);
    assert!(
        hb.requirement[0] > ha.requirement[0],
        "{} vs {}",
        hb.requirement[0],
        ha.requirement[0]
    );
    if w.sees_program_output() {
        let e: Traded = events::single(&report);
        assert_eq!(e.instrument, Instrument::Option { series: 0 });
        assert_eq!((e.premium, e.fee_per_side), (80 * USDC as i64, fee));
        assert_eq!((e.buyer_position, e.seller_position), (10, -10));
        assert_eq!(e.buyer_health.map(|h| h.init as i128), Some(ha.init_health));
    }
    // The recorded snapshot is refreshed on request, by anyone.
    expect::ok(w.refresh_health(&bob.account));
    assert_eq!(w.margin(&bob.account).health.maint as i128, hb.maint_health);
    // Bob's premium becomes a quote balance he could withdraw only once settled against Alice,
    // and Alice's fee against the fees accrued; neither changes a health figure.
    expect::ok(w.settle_pnl(&bob, &alice, m.sol));
    expect::ok(w.settle_fees(&alice, m.sol));
    assert_eq!(w.balance(&bob.account, 0), 1_000 * USDC as i64 + premium - fee);
    assert_eq!(w.balance(&alice.account, 0), 1_000 * USDC as i64 - premium - fee);
    assert_eq!((w.unsettled(&alice.account, m.sol), w.unsettled(&bob.account, m.sol)), (0, 0));
    assert_eq!(w.account_health(&bob.account).unwrap().init_health, hb.init_health);
    assert_eq!(w.account_health(&alice.account).unwrap().init_health, ha.init_health);

    // Closing: Bob buys the ten back; open interest returns to 0 and both slots are freed.
    expect::ok(option_trade(w, &bob, &alice, 0, 10, per_contract(8)));
    assert_eq!(w.underlying(m.sol).options.series[0].open_interest, 0);
    for t in [&alice, &bob] {
        assert!(w.margin(&t.account).options.iter().all(|o| o.underlying == EMPTY_SLOT));
    }
    // A series that is not listed; a chain that is not listed.
    let unknown = option_trade(w, &alice, &bob, 2, 1, per_contract(8));
    expect::xm_error(unknown, XmError::SeriesNotListed);
    let btc_call =
        w.trade(&alice, &bob, m.btc, Instrument::Option { series: 0 }, 1, per_contract(8));
    expect::xm_error(btc_call, XmError::ChainNotListed);
}

fn option_trade_band(w: &mut World) {
    let _ = live_sol_chain(w);
    let (alice, bob) = (funded(w, "alice", 1_000), funded(w, "bob", 1_000));
    // Mark about 7.97, band 5% of 150 = 7.50: 15.47 and 0.47 are the edges.
    for dollars_x100 in [1_548, 46] {
        let price = dollars_x100 * 10_000;
        expect::xm_error(option_trade(w, &alice, &bob, 0, 1, price), XmError::PriceOutsideBand);
    }
    expect::ok(option_trade(w, &alice, &bob, 0, 1, 15_460_000));
    expect::ok(option_trade(w, &alice, &bob, 0, 1, 480_000));
    assert_eq!(held(w, &alice, 0), 2);
    // With the series capped at 2 open contracts, a third is refused; closing one passes.
    let sol = 1;
    let mut u = w.underlying(sol);
    u.options.max_series_open_interest = 2;
    w.overwrite_underlying(sol, &u);
    let third = option_trade(w, &alice, &bob, 0, 1, 480_000);
    expect::xm_error(third, XmError::OpenInterestCapExceeded);
    expect::ok(option_trade(w, &bob, &alice, 0, 1, 480_000));
    assert_eq!(w.underlying(sol).options.series[0].open_interest, 1);
}

fn option_stale_inputs_need_a_refresh(w: &mut World) {
    let m = live_sol_chain(w);
    let (alice, bob) = (funded(w, "alice", 1_000), funded(w, "bob", 1_000));
    expect::ok(option_trade(w, &alice, &bob, 0, 10, per_contract(8)));

    // New vol inputs start a new epoch: every cache entry is stale until the crank revalues it.
    expect::ok(post_vols(w, m.sol, VOL_80, vec![VOL_80, VOL_80]));
    let more = option_trade(w, &alice, &bob, 0, 1, per_contract(8));
    expect::xm_error(more, XmError::RiskCacheStale);
    // Holding the series, Alice cannot take on risk elsewhere either (here: withdraw)...
    expect::xm_error(w.withdraw(&alice, 0, USDC), XmError::RiskCacheStale);
    // ...and nobody trades the series on a stale entry, even to reduce: a stale mark is no measure
    // of what a contract is worth. Refreshing the series in the same transaction is enough.
    let reduce = option_trade(w, &bob, &alice, 0, 4, per_contract(8));
    expect::xm_error(reduce, XmError::RiskCacheStale);
    let oracle = w.markets[m.sol as usize].price_account;
    let refresh_first = ix::risk_refresh(&w.group, m.sol, 0, &oracle);
    let reduce =
        w.trade_ix(&bob, &alice, m.sol, Instrument::Option { series: 0 }, 4, per_contract(8));
    expect::ok(w.send(&[refresh_first, reduce], &bob.wallet, &[&alice.wallet]));
    assert_eq!((held(w, &alice, 0), held(w, &bob, 0)), (6, -6));
    expect::ok(option_trade(w, &alice, &bob, 0, 1, per_contract(8)));

    // Eleven minutes later: the entry and the vols are both too old (600 s).
    w.set_time(T0 + 660);
    w.set_price(m.sol, 150 * E8, 0);
    expect::xm_error(w.withdraw(&alice, 0, USDC), XmError::VolatilityStale);
    // A refreshed entry does not help while the vols are stale, to add or to reduce...
    expect::ok(refresh(w, m.sol, 0));
    let more = option_trade(w, &alice, &bob, 0, 1, per_contract(8));
    expect::xm_error(more, XmError::VolatilityStale);
    let value = w.reference(m.sol, Instrument::Option { series: 0 }, false);
    let reduce = option_trade(w, &bob, &alice, 0, 2, value.bid);
    expect::xm_error(reduce, XmError::VolatilityStale);
    // ...fresh vols and entries do.
    expect::ok(post_vols(w, m.sol, VOL_80, vec![VOL_78, VOL_80]));
    expect::ok(refresh(w, m.sol, 0));
    expect::ok(w.withdraw(&alice, 0, USDC));

    // A price 6% away from the entry's reference (limit 5%) makes it stale too.
    w.set_price(m.sol, 159 * E8, 0);
    expect::xm_error(w.withdraw(&alice, 0, USDC), XmError::RiskCacheStale);
    expect::ok(refresh(w, m.sol, 0));
    expect::ok(w.withdraw(&alice, 0, USDC));
}

fn option_trade_adversarial(w: &mut World) {
    let m = live_sol_chain(w);
    let (alice, bob) = (funded(w, "alice", 1_000), funded(w, "bob", 1_000));
    let mallory = funded(w, "mallory", 1_000);
    let call = Instrument::Option { series: 0 };
    // Accounts: group, buyer authority, buyer, seller authority, seller, underlying, oracle.
    // Mallory sells from Alice's account (writing calls on it) to herself.
    let mut forged = w.trade_ix(&mallory, &alice, m.sol, call, 1, per_contract(8));
    forged.accounts[3].pubkey = mallory.wallet.pubkey();
    expect::xm_error(w.send(&[forged], &mallory.wallet, &[]), XmError::NotOwnerOrDelegate);
    // Bob's signature is missing.
    let mut unsigned = w.trade_ix(&alice, &bob, m.sol, call, 1, per_contract(8));
    unsigned.accounts[3].is_signer = false;
    expect::anchor_error(
        w.send(&[unsigned], &alice.wallet, &[]),
        anchor_lang::error::ErrorCode::AccountNotSigner,
    );
    // The SOL series with BTC's price account, and BTC's underlying with SOL's price account.
    let mut foreign = w.trade_ix(&alice, &bob, m.sol, call, 1, per_contract(8));
    foreign.accounts[6].pubkey = w.markets[m.btc as usize].price_account;
    expect::xm_error(
        w.send(&[foreign], &alice.wallet, &[&bob.wallet]),
        XmError::PriceAccountMismatch,
    );
    let mut foreign = w.trade_ix(&alice, &bob, m.sol, call, 1, per_contract(8));
    foreign.accounts[5].pubkey = w.markets[m.btc as usize].underlying;
    expect::xm_error(w.send(&[foreign], &alice.wallet, &[&bob.wallet]), XmError::ChainNotListed);
    // A trade that fills but leaves out the series' health accounts is refused.
    let mut blind = w.trade_ix(&alice, &bob, m.sol, call, 1, per_contract(8));
    blind.accounts.truncate(7);
    expect::xm_error(
        w.send(&[blind], &alice.wallet, &[&bob.wallet]),
        XmError::HealthAccountMissing,
    );
    // Writing beyond one's equity: Mallory cannot write 1,000 calls on 1,000 USDC.
    expect::xm_error(
        option_trade(w, &alice, &mallory, 0, 1_000, per_contract(8)),
        XmError::InitHealthNegative,
    );
    // An expired series cannot be traded, even to reduce.
    expect::ok(option_trade(w, &alice, &bob, 0, 1, per_contract(8)));
    w.set_time(EXPIRY);
    w.set_price(m.sol, 150 * E8, 0);
    expect::xm_error(option_trade(w, &bob, &alice, 0, 1, per_contract(1)), XmError::SeriesExpired);
    expect::xm_error(w.withdraw(&alice, 0, USDC), XmError::SeriesAwaitingSettlement);
}

fn option_expiry_cash_settlement(w: &mut World) {
    let m = live_sol_chain(w);
    let (alice, bob) = (funded(w, "alice", 1_000), funded(w, "bob", 1_000));
    let carol = funded(w, "carol", 1_000);
    expect::ok(option_trade(w, &alice, &bob, 0, 10, per_contract(8)));
    expect::ok(option_trade(w, &carol, &bob, 1, 3, per_contract(8)));
    let before: Vec<i64> =
        [&alice, &bob, &carol].iter().map(|t| w.unsettled(&t.account, m.sol)).collect();

    // At 172 the 165 call pays 7, the 140 put nothing.
    w.set_time(EXPIRY + 60);
    expect::ok(w.settle_expiry(m.sol, EXPIRY, 172 * E8));
    // Settled positions count at their settlement value: Alice's 10 calls are worth 70.
    w.set_price(m.sol, 172 * E8, 0);
    let h = w.account_health(&alice.account).unwrap();
    assert_eq!(h.option_value, 70 * USDC as i128);
    expect::ok(w.withdraw(&alice, 0, USDC));

    let settle = |w: &mut World, accounts: &[&Trader]| {
        let keys: Vec<_> = accounts.iter().map(|t| t.account).collect();
        w.send_as_keeper(ix::option_settle_positions(&w.group, m.sol, &keys))
    };
    // The winner first: the chain has paid 70 net until the writer is settled.
    let report = expect::ok(settle(w, &[&alice]));
    assert_eq!(w.underlying(m.sol).options.settlement_net_paid, 70 * USDC as i64);
    assert_eq!(w.unsettled(&alice.account, m.sol), before[0] + 70 * USDC as i64);
    if w.sees_program_output() {
        let e: OptionPositionsSettled = events::single(&report);
        assert_eq!((e.account, e.positions, e.amount), (alice.account, 1, 70 * USDC as i64));
    }
    // A batch with everyone (Alice again: nothing left, skipped).
    expect::ok(settle(w, &[&bob, &carol, &alice]));
    let chain = w.underlying(m.sol).options;
    assert_eq!(chain.settlement_net_paid, 0);
    assert_eq!((chain.series[0].open_interest, chain.series[1].open_interest), (0, 0));
    assert_eq!(w.unsettled(&bob.account, m.sol), before[1] - 70 * USDC as i64);
    assert_eq!(w.unsettled(&carol.account, m.sol), before[2]);
    for t in [&alice, &bob, &carol] {
        assert!(w.margin(&t.account).options.iter().all(|o| o.underlying == EMPTY_SLOT));
    }
    // No accounts, or a read-only one, is refused.
    expect::xm_error(settle(w, &[]), XmError::SettlementAccountInvalid);
    let mut read_only = ix::option_settle_positions(&w.group, m.sol, &[bob.account]);
    read_only.accounts[2].is_writable = false;
    expect::xm_error(w.send_as_keeper(read_only), XmError::SettlementAccountInvalid);
}

/// A settlement batch skips, unchanged, an account it cannot settle (here one whose unsettled quote
/// would overflow) and settles the others; the skipped one settles once it can.
fn option_settlement_batch_skips(w: &mut World) {
    let m = live_sol_chain(w);
    let (alice, bob) = (funded(w, "alice", 1_000), funded(w, "bob", 1_000));
    let (carol, dave) = (funded(w, "carol", 1_000), funded(w, "dave", 1_000));
    expect::ok(option_trade(w, &alice, &bob, 0, 10, per_contract(8)));
    // Alice's unsettled quote on SOL 10 below i64::MAX, balanced by Carol's (the sums still hold):
    // the 70 her calls pay would overflow it.
    let shift = i64::MAX - 10 * USDC as i64;
    let rest = -10 * USDC as i64 - w.unsettled(&alice.account, m.sol);
    move_unsettled(w, m.sol, &alice, &carol, shift);
    move_unsettled(w, m.sol, &alice, &dave, rest);
    w.set_time(EXPIRY + 60);
    expect::ok(w.settle_expiry(m.sol, EXPIRY, 172 * E8));
    let alice_before = w.margin(&alice.account);
    let keys = [alice.account, bob.account];
    let report = expect::ok(w.send_as_keeper(ix::option_settle_positions(&w.group, m.sol, &keys)));
    let unchanged =
        bytemuck::bytes_of(&w.margin(&alice.account)) == bytemuck::bytes_of(&alice_before);
    assert!(unchanged, "the skipped account changed");
    assert_eq!(held(w, &bob, 0), 0);
    assert_eq!(w.underlying(m.sol).options.series[0].open_interest, 10);
    if w.sees_program_output() {
        let skipped: OptionSettlementSkipped = events::single(&report);
        assert_eq!(skipped.account, alice.account);
        let code = anchor_lang::error::ERROR_CODE_OFFSET + XmError::MathOverflow as u32;
        assert_eq!(skipped.error_code, code);
        let settled: OptionPositionsSettled = events::single(&report);
        assert_eq!((settled.account, settled.amount), (bob.account, -70 * USDC as i64));
    }
    // Once her unsettled quote is back in range, Alice settles.
    move_unsettled(w, m.sol, &alice, &carol, -shift);
    move_unsettled(w, m.sol, &alice, &dave, -rest);
    expect::ok(w.send_as_keeper(ix::option_settle_positions(&w.group, m.sol, &[alice.account])));
    assert_eq!(held(w, &alice, 0), 0);
    assert_eq!(w.underlying(m.sol).options.settlement_net_paid, 0);
}

/// Moves `amount` of unsettled quote on market `index` from `from` to `to` by writing both accounts
/// with the engine's own booking (the market's sums are unchanged).
fn move_unsettled(w: &mut World, index: u16, to: &Trader, from: &Trader, amount: i64) {
    for (t, delta) in [(to, amount), (from, -amount)] {
        let mut account = w.margin(&t.account);
        let perp = w.underlying(index).perp;
        cross_margin::engine::perp::pay(&mut account, index, &perp, delta).unwrap();
        w.overwrite_margin(&t.account, &account);
    }
}
