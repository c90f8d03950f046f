//! Bankruptcy and the insurance fund: an account liquidated past zero equity settles its loss into
//! a loan; `account_resolve_bankruptcy` has the insurance fund pay what it can and socializes the
//! rest over the quote deposits through the deposit index. Conservation (checked after every
//! transaction) covers the insurance vault and the unbooked socialized loss.

use cross_margin::engine::lending;
use cross_margin::engine::liquidation::LiquidationStep;
use cross_margin::error::XmError;
use cross_margin::events::BankruptcyResolved;
use cross_margin::state::{Group, QUOTE_INDEX};
use xmargin_client::accounts::decode;
use xmargin_client::liquidation::{bankruptcy_state, BankruptcyState};
use xmargin_client::xmargin_risk::interest::INDEX_ONE;
use xmargin_client::{ix, pda, Signer};

use super::liquidation::perp_victim;
use super::perps::funded;
use crate::world::{Trader, World, E8, USDC};
use crate::{events, expect, Scenario};

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "bankruptcy_socialized_after_the_fund", run: socialized_after_the_fund },
    Scenario { name: "bankruptcy_covered_by_swept_fees", run: covered_by_swept_fees },
    Scenario { name: "bankruptcy_refused_while_holding", run: refused_while_holding },
];

const U: i64 = USDC as i64;

/// SOL gaps from 150 to 120: Alice (1,000 USDC, long 40) is at equity 994 - 1,200 = -206. Kate
/// takes the whole perpetual (no incentive: nothing is left above zero), then Alice's loss
/// settles into a loan against Bob's gain and the fees. Returns Alice, Bob, Kate.
fn underwater(w: &mut World) -> (Trader, Trader, Trader) {
    let (m, alice, bob, kate) = perp_victim(w);
    w.set_price(m.sol, 120 * E8, 0);
    let h = w.account_health(&alice.account).unwrap();
    assert_eq!(h.equity[1], -206 * USDC as i128);
    let whole = LiquidationStep::Perp { underlying: m.sol, contracts: 40 };
    let view = w.liquidation(&kate.account, &alice.account);
    assert_eq!(view.predict(&kate.wallet.pubkey(), &whole).unwrap().outcome.incentive, 0);
    expect::ok(w.liquidate(&kate, &alice.account, whole));
    // Nothing left to liquidate: the loss must be settled before a resolution.
    assert_eq!(state(w, &alice), BankruptcyState::NeedsSettlement);
    expect::xm_error(w.resolve_bankruptcy(&alice.account), XmError::BankruptcyUnsettledQuote);
    // Shown below maint, yet with nothing left she settles her whole loss: 1,194 to Bob (his gain
    // less his fee), the two fees of 6 into the pool's collected fees.
    expect::ok(w.settle_pnl(&bob, &alice, m.sol));
    expect::ok(w.settle_fees(&alice, m.sol));
    assert_eq!(w.balance(&alice.account, QUOTE_INDEX), -206 * U);
    assert_eq!(w.balance(&bob.account, QUOTE_INDEX), 100_000 * U + 1_194 * U);
    assert_eq!(state(w, &alice), BankruptcyState::Bankrupt { owed: 206 * USDC });
    (alice, bob, kate)
}

fn state(w: &mut World, t: &Trader) -> BankruptcyState {
    let (account, pool, now) = (w.margin(&t.account), w.underlying(QUOTE_INDEX), w.now());
    bankruptcy_state(&account, &pool, now)
}

fn insurance_balance(w: &mut World) -> u64 {
    let data = w.chain.account(&w.group).expect("group").data;
    decode::<Group>(&data).expect("group").insurance.balance
}

fn socialized_after_the_fund(w: &mut World) {
    let (alice, bob, kate) = underwater(w);
    let ivan = w.new_trader("ivan");
    expect::ok(w.insurance_deposit(&ivan, 100 * USDC));
    let deposits = w.underlying(QUOTE_INDEX).collateral.total_deposits;
    assert_eq!(deposits, (100_000 + 1_194 + 10_000) * USDC);
    let report = expect::ok(w.resolve_bankruptcy(&alice.account));
    w.record_cu("resolve_bankruptcy", &report);
    // The fund paid 100; 106 is spread over 111,194 of deposits.
    assert_eq!(insurance_balance(w), 0);
    assert_eq!(w.balance(&alice.account, QUOTE_INDEX), 0);
    assert_eq!(w.margin(&alice.account).liquidation_since, 0);
    let pool = w.underlying(QUOTE_INDEX);
    assert_eq!((pool.collateral.total_borrows, pool.lending.loss_unbooked), (0, 106 * USDC));
    assert!(pool.lending.deposit_index < INDEX_ONE);
    if w.sees_program_output() {
        let e: BankruptcyResolved = events::single(&report);
        assert_eq!((e.account, e.owed, e.insurance_paid), (alice.account, 206 * USDC, 100 * USDC));
        assert_eq!((e.socialized, e.deposit_index), (106 * USDC, pool.lending.deposit_index));
    }
    // Bob and Kate bear it pro rata, in health now and in their balances when next booked.
    let bob_share = (101_194u128 * 106 * u128::from(USDC)).div_ceil(111_194) as i64;
    let (bob_account, now) = (w.margin(&bob.account), w.now());
    let bob_worth = lending::value_at(&bob_account, &pool, now).unwrap();
    assert!((bob_worth - (101_194 * U - bob_share)).abs() <= 1, "{bob_worth}");
    // His health counts the deposit at that worth (the recorded assets, native units, rounded
    // down through the fixed-point value).
    expect::ok(w.refresh_health(&bob.account));
    let assets = w.margin(&bob.account).health.assets;
    assert!(assets <= bob_worth && bob_worth - assets <= 1, "{assets} vs {bob_worth}");
    expect::ok(w.withdraw(&bob, QUOTE_INDEX, USDC));
    let bob_after = w.balance(&bob.account, QUOTE_INDEX);
    assert!((bob_after - (101_194 * U - bob_share - U)).abs() <= 2, "{bob_after}");
    expect::ok(w.withdraw(&kate, QUOTE_INDEX, USDC));
    // Both booked: what remains unbooked is what the rounding left, at most a unit each.
    assert!(w.underlying(QUOTE_INDEX).lending.loss_unbooked <= 2);
    // Twice is refused: nothing is owed.
    expect::xm_error(w.resolve_bankruptcy(&alice.account), XmError::NotBankrupt);
}

fn covered_by_swept_fees(w: &mut World) {
    let (alice, _bob, _kate) = underwater(w);
    // The 12 of fees collected: the sweep moves half to the fund, half stays the group's.
    expect::ok(w.send_as_keeper(ix::insurance_sweep(&w.group)));
    assert_eq!(insurance_balance(w), 6 * USDC);
    let pool = w.underlying(QUOTE_INDEX);
    assert_eq!((pool.fees_collected, pool.lending.protocol_fees), (0, 6 * USDC));
    let ivan = w.new_trader("ivan");
    expect::ok(w.insurance_deposit(&ivan, 500 * USDC));
    expect::ok(w.resolve_bankruptcy(&alice.account));
    assert_eq!(insurance_balance(w), 300 * USDC);
    let pool = w.underlying(QUOTE_INDEX);
    assert_eq!((pool.lending.deposit_index, pool.lending.loss_unbooked), (INDEX_ONE, 0));
    let vault = w.token_balance(&pda::insurance_vault(&w.group));
    assert_eq!(vault, 300 * USDC);
}

fn refused_while_holding(w: &mut World) {
    let (m, alice, _bob, kate) = perp_victim(w);
    // Solvent, holding a perpetual: not a bankruptcy.
    expect::xm_error(w.resolve_bankruptcy(&alice.account), XmError::BankruptcyAccountNotEmpty);
    // Holding only USDC, owing nothing.
    let carl = funded(w, "carl", 10);
    expect::xm_error(w.resolve_bankruptcy(&carl.account), XmError::NotBankrupt);
    // Deep underwater but still holding the perpetual: liquidate first.
    w.set_price(m.sol, 100 * E8, 0);
    expect::xm_error(w.resolve_bankruptcy(&alice.account), XmError::BankruptcyAccountNotEmpty);
    // An account of another group, or not a margin account.
    let group = w.group;
    let mut ix = ix::account_resolve_bankruptcy(&group, &alice.account);
    ix.accounts[1].pubkey = w.markets[usize::from(m.sol)].underlying;
    expect::anchor_error(
        w.send_as_keeper(ix),
        anchor_lang::error::ErrorCode::AccountDiscriminatorMismatch,
    );
    // A substituted insurance vault.
    let mut ix = ix::account_resolve_bankruptcy(&group, &kate.account);
    ix.accounts[4].pubkey = w.markets[0].vault;
    expect::anchor_error(w.send_as_keeper(ix), anchor_lang::error::ErrorCode::ConstraintSeeds);
}
