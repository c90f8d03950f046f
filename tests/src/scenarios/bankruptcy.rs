//! Bankruptcy and the insurance fund: an account liquidated past zero equity settles its whole
//! loss, and the settlement resolves what it then owes at once: the insurance fund pays what it
//! can, the rest is socialized over the quote deposits through the deposit index (the winner's new
//! balance included), and its fees are waived. Conservation (checked after every transaction)
//! covers the insurance vault and the unbooked socialized loss.

use cross_margin::engine::lending;
use cross_margin::engine::liquidation::LiquidationStep;
use cross_margin::error::XmError;
use cross_margin::events::{BankruptcyResolved, FeesSettled, PnlSettled};
use cross_margin::state::{Group, QUOTE_INDEX};
use xmargin_client::accounts::decode;
use xmargin_client::liquidation::{bankruptcy_state, BankruptcyState};
use xmargin_client::xmargin_risk::interest::INDEX_ONE;
use xmargin_client::{ix, pda, Signer};

use super::liquidation::perp_victim;
use super::option_trades::{live_sol_chain, option_trade};
use super::options::refresh;
use super::perps::{funded, per_contract};
use super::setup::Standard;
use super::setup::SOL;
use crate::world::{Trader, World, E8, USDC};
use crate::{events, expect, Scenario};

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "bankruptcy_socialized_after_the_fund", run: socialized_after_the_fund },
    Scenario { name: "bankruptcy_covered_by_the_fund_and_swept_fees", run: covered_by_the_fund },
    Scenario { name: "bankruptcy_refused_while_holding", run: refused_while_holding },
    Scenario { name: "bankruptcy_dust_does_not_block", run: dust_does_not_block },
    Scenario { name: "bankruptcy_of_a_borrower_resolved", run: borrower_resolved },
];

const U: i64 = USDC as i64;

/// SOL gaps from 150 to 95: Alice (2,000 USDC, long 40, 12 of fees charged on the trade) is at
/// equity 1,994 - 2,200 = -206. Kate takes the whole perpetual (no incentive: nothing is left above
/// zero). Returns the market, Alice, Bob, Kate.
fn emptied(w: &mut World) -> (Standard, Trader, Trader, Trader) {
    let (m, alice, bob, kate) = perp_victim(w);
    w.set_price(m.sol, 95 * E8, 0);
    let h = w.account_health(&alice.account).unwrap();
    assert_eq!(h.equity[1], -206 * USDC as i128);
    let whole = LiquidationStep::Perp { underlying: m.sol, contracts: 40 };
    let view = w.liquidation(&kate.account, &alice.account);
    assert_eq!(view.predict(&kate.wallet.pubkey(), &whole).unwrap().outcome.incentive, 0);
    expect::ok(w.liquidate(&kate, &alice.account, whole));
    // Nothing left to liquidate, her loss unsettled: its settlement resolves her.
    assert_eq!(state(w, &alice), BankruptcyState::NeedsSettlement);
    expect::xm_error(w.resolve_bankruptcy(&alice.account), XmError::NotBankrupt);
    (m, alice, bob, kate)
}

/// Alice's loss settles: `perp_settle_pnl` takes her 2,000 (she has no holdings: no borrowing),
/// then `account_settle_bankruptcy` the remaining 194 of Bob's gain (2,194, his fee off), leaving
/// her owing 194, which the same instruction resolves; her remaining 12 of fees are waived.
/// Returns the resolution's event (SBF only).
fn settle_the_loss(
    w: &mut World,
    sol: u16,
    alice: &Trader,
    bob: &Trader,
) -> Option<BankruptcyResolved> {
    expect::ok(w.settle_pnl(bob, alice, sol));
    assert_eq!(w.balance(&alice.account, QUOTE_INDEX), 0);
    expect::xm_error(w.settle_pnl(bob, alice, sol), XmError::PayerCannotBorrow);
    let report = expect::ok(w.settle_bankruptcy(bob, alice, sol));
    w.record_cu("settle_bankruptcy", &report);
    assert_eq!(w.balance(&alice.account, QUOTE_INDEX), 0);
    assert_eq!(state(w, alice), BankruptcyState::NeedsSettlement);
    let fees = expect::ok(w.settle_fees(alice, sol));
    assert_eq!(state(w, alice), BankruptcyState::NotBankrupt);
    assert_eq!(w.margin(&alice.account).liquidation_since, 0);
    expect::xm_error(w.resolve_bankruptcy(&alice.account), XmError::NotBankrupt);
    let sol_underlying = w.underlying(sol);
    assert_eq!(sol_underlying.fees_accrued, 0);
    if !w.sees_program_output() {
        return None;
    }
    let settled: PnlSettled = events::single(&report);
    assert_eq!((settled.amount, settled.written_off), (194 * U, 194 * USDC));
    let waived: FeesSettled = events::single(&fees);
    assert_eq!((waived.amount, waived.waived), (0, 12 * U));
    Some(events::single(&report))
}

fn state(w: &mut World, t: &Trader) -> BankruptcyState {
    bankruptcy_state(&w.margin(&t.account))
}

fn insurance_balance(w: &mut World) -> u64 {
    let data = w.chain.account(&w.group).expect("group").data;
    decode::<Group>(&data).expect("group").insurance.balance
}

fn socialized_after_the_fund(w: &mut World) {
    let (m, alice, bob, kate) = emptied(w);
    let ivan = w.new_trader("ivan");
    expect::ok(w.insurance_deposit(&ivan, 100 * USDC));
    let event = settle_the_loss(w, m.sol, &alice, &bob);
    // The fund paid 100; 94 is spread over 112,194 of deposits, Bob's new 2,194 included: the
    // winner paid out of the pool bears its share like every depositor, at once.
    assert_eq!(insurance_balance(w), 0);
    let pool = w.underlying(QUOTE_INDEX);
    assert_eq!((pool.collateral.total_borrows, pool.lending.loss_unbooked), (0, 94 * USDC));
    assert!(pool.lending.deposit_index < INDEX_ONE);
    if let Some(e) = event {
        assert_eq!((e.account, e.owed, e.insurance_paid), (alice.account, 194 * USDC, 100 * USDC));
        assert_eq!((e.socialized, e.deposit_index), (94 * USDC, pool.lending.deposit_index));
    }
    let bob_share = (102_194u128 * 94 * u128::from(USDC)).div_ceil(112_194) as i64;
    let (bob_account, now) = (w.margin(&bob.account), w.now());
    let bob_worth = lending::value_at(&bob_account, &pool, now).unwrap();
    assert!((bob_worth - (102_194 * U - bob_share)).abs() <= 1, "{bob_worth}");
    // He cannot take out what he was credited: only what it is worth.
    let all = u64::try_from(w.balance(&bob.account, QUOTE_INDEX)).unwrap();
    expect::xm_error(w.withdraw(&bob, QUOTE_INDEX, all), XmError::InsufficientBalance);
    // His health counts the deposit at that worth (the recorded assets, native units, rounded
    // down through the fixed-point value).
    expect::ok(w.refresh_health(&bob.account));
    let assets = w.margin(&bob.account).health.assets;
    assert!(assets <= bob_worth && bob_worth - assets <= 1, "{assets} vs {bob_worth}");
    expect::ok(w.withdraw(&bob, QUOTE_INDEX, USDC));
    let bob_after = w.balance(&bob.account, QUOTE_INDEX);
    assert!((bob_after - (102_194 * U - bob_share - U)).abs() <= 2, "{bob_after}");
    expect::ok(w.withdraw(&kate, QUOTE_INDEX, USDC));
    // Both booked: what remains unbooked is what the rounding left, at most a unit each.
    assert!(w.underlying(QUOTE_INDEX).lending.loss_unbooked <= 2);
}

fn covered_by_the_fund(w: &mut World) {
    let (m, alice, bob, kate) = perp_victim(w);
    // Before the gap Alice settles her 6 of fee (healthy, from her balance); the sweep moves
    // half of the collected fees to the fund, half stays the group's.
    expect::ok(w.settle_fees(&alice, m.sol));
    expect::ok(w.send_as_keeper(ix::insurance_sweep(&w.group)));
    assert_eq!(insurance_balance(w), 3 * USDC);
    let pool = w.underlying(QUOTE_INDEX);
    assert_eq!((pool.fees_collected, pool.lending.protocol_fees), (0, 3 * USDC));
    let ivan = w.new_trader("ivan");
    expect::ok(w.insurance_deposit(&ivan, 500 * USDC));
    w.set_price(m.sol, 95 * E8, 0);
    let whole = LiquidationStep::Perp { underlying: m.sol, contracts: 40 };
    expect::ok(w.liquidate(&kate, &alice.account, whole));
    // 1,994 - 2,194 = -200, paid by the fund in the settlement; Bob's fee (6) is waived.
    expect::ok(w.settle_pnl(&bob, &alice, m.sol));
    expect::ok(w.settle_bankruptcy(&bob, &alice, m.sol));
    expect::ok(w.settle_fees(&alice, m.sol));
    assert_eq!(insurance_balance(w), 303 * USDC);
    let pool = w.underlying(QUOTE_INDEX);
    assert_eq!((pool.lending.deposit_index, pool.lending.loss_unbooked), (INDEX_ONE, 0));
    assert_eq!(w.token_balance(&pda::insurance_vault(&w.group)), 303 * USDC);
    assert_eq!(w.balance(&bob.account, QUOTE_INDEX), (100_000 + 2_194) * U);
}

/// One native unit of SOL (worth 0.15 of a native USDC unit) cannot keep an account from being
/// emptied: the step that leaves it nothing may have no gain.
fn dust_does_not_block(w: &mut World) {
    let (m, alice, bob, kate) = perp_victim(w);
    w.fund_and_deposit(&alice, m.sol, 1);
    w.set_price(m.sol, 95 * E8, 0);
    let whole = LiquidationStep::Perp { underlying: m.sol, contracts: 40 };
    expect::ok(w.liquidate(&kate, &alice.account, whole));
    assert_eq!(state(w, &alice), BankruptcyState::NotBankrupt);
    let dust = LiquidationStep::Collateral { underlying: m.sol, amount: 1 };
    expect::ok(w.liquidate(&kate, &alice.account, dust));
    assert_eq!(w.balance(&kate.account, m.sol), 1);
    assert!(w.margin(&alice.account).has_no_holdings());
    settle_the_loss(w, m.sol, &alice, &bob);
}

fn refused_while_holding(w: &mut World) {
    let (m, alice, bob, kate) = perp_victim(w);
    // Solvent, holding a perpetual: not a bankruptcy.
    expect::xm_error(w.resolve_bankruptcy(&alice.account), XmError::BankruptcyAccountNotEmpty);
    // Holding only USDC, owing nothing.
    let carl = funded(w, "carl", 10);
    expect::xm_error(w.resolve_bankruptcy(&carl.account), XmError::NotBankrupt);
    // Deep underwater but still holding the perpetual: liquidate first.
    w.set_price(m.sol, 95 * E8, 0);
    expect::xm_error(w.resolve_bankruptcy(&alice.account), XmError::BankruptcyAccountNotEmpty);
    expect::xm_error(w.settle_bankruptcy(&bob, &alice, m.sol), XmError::BankruptcyAccountNotEmpty);
    // An account of another group, or not a margin account.
    let group = w.group;
    let mut ix = ix::account_resolve_bankruptcy(&group, &alice.account);
    ix.accounts[0].pubkey = w.markets[usize::from(m.sol)].underlying;
    expect::anchor_error(
        w.send_as_keeper(ix),
        anchor_lang::error::ErrorCode::AccountDiscriminatorMismatch,
    );
    // A substituted insurance vault.
    let mut ix = ix::account_resolve_bankruptcy(&group, &kate.account);
    ix.accounts[4].pubkey = w.markets[0].vault;
    expect::anchor_error(w.send_as_keeper(ix), anchor_lang::error::ErrorCode::ConstraintSeeds);
}

/// A loan that outlives its collateral: Bea (20 SOL) owes the 396.25 premium of 50 SOL calls she
/// bought; SOL falls to 15. Kate takes her SOL for 300 (no incentive: Bea is below zero equity)
/// and then her calls, worth nothing (the step that empties her needs no gain). Bea's 292.5 of
/// unsettled quote settles against Kate, leaving 103.75 owed with nothing behind it, which
/// `account_resolve_bankruptcy` socializes (the fund is empty; no interest is charged).
fn borrower_resolved(w: &mut World) {
    let m = live_sol_chain(w);
    let _dan = funded(w, "dan", 1_000);
    let (sam, bea) = (w.new_trader("sam"), w.new_trader("bea"));
    w.fund_and_deposit(&sam, m.sol, 20 * SOL);
    w.fund_and_deposit(&bea, m.sol, 20 * SOL);
    expect::ok(option_trade(w, &bea, &sam, 0, 50, per_contract(8)));
    expect::ok(w.settle_pnl(&sam, &bea, m.sol));
    assert_eq!(w.balance(&bea.account, QUOTE_INDEX), -396_250_000);
    let kate = funded(w, "kate", 10_000);
    w.set_price(m.sol, 15 * E8, 0);
    expect::ok(refresh(w, m.sol, 0));
    let sol = LiquidationStep::Collateral { underlying: m.sol, amount: 20 * SOL };
    expect::ok(w.liquidate(&kate, &bea.account, sol));
    let calls = LiquidationStep::Option { underlying: m.sol, series: 0, contracts: 50 };
    expect::ok(w.liquidate(&kate, &bea.account, calls));
    assert!(w.margin(&bea.account).has_no_holdings());
    // Her gain settles first: she is not bankrupt while Kate owes her.
    assert_eq!(state(w, &bea), BankruptcyState::NeedsSettlement);
    expect::xm_error(w.resolve_bankruptcy(&bea.account), XmError::BankruptcyUnsettledQuote);
    expect::ok(w.settle_pnl(&bea, &kate, m.sol));
    assert_eq!(w.balance(&bea.account, QUOTE_INDEX), -103_750_000);
    assert_eq!(state(w, &bea), BankruptcyState::Bankrupt { owed: 103_750_000 });
    let later = w.now() + 86_400;
    w.set_time(later);
    let report = expect::ok(w.resolve_bankruptcy(&bea.account));
    w.record_cu("resolve_bankruptcy", &report);
    let pool = w.underlying(QUOTE_INDEX);
    assert_eq!((pool.collateral.total_borrows, pool.lending.loss_unbooked), (0, 103_750_000));
    assert_eq!(w.balance(&bea.account, QUOTE_INDEX), 0);
    if w.sees_program_output() {
        let e: BankruptcyResolved = events::single(&report);
        assert_eq!((e.owed, e.insurance_paid, e.socialized), (103_750_000, 0, 103_750_000));
    }
    expect::xm_error(w.resolve_bankruptcy(&bea.account), XmError::NotBankrupt);
}
