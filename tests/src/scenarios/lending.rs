//! Owed quote is a loan from the quote pool: it accrues interest at the pool's utilization-based
//! rate (booked whenever the balance changes, counted in health up to now), new borrowing stops at
//! the pool's maximum utilization (a settlement the pool cannot fund waits), and a withdrawal the
//! vault cannot honour fails with a named liquidity error. The conservation check, after every
//! transaction, includes the interest.

use cross_margin::engine::lending::QuotePoolParams;
use cross_margin::error::XmError;
use xmargin_client::ix;
use xmargin_risk::interest::{grow_index, owed_at, utilization_bps, RateModel, INDEX_ONE};

use super::option_trades::{live_sol_chain, option_trade};
use super::perps::{funded, per_contract, with_sol_perp};
use super::setup::SOL;
use crate::world::{World, E8, T0, USDC};
use crate::{expect, Scenario};

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "quote_premium_borrowed_and_liquidity", run: premium_borrowed_and_liquidity },
    Scenario { name: "quote_settlement_waits_for_the_pool", run: settlement_waits_for_the_pool },
    Scenario { name: "quote_interest_accrues_and_is_repaid", run: interest_accrues_and_is_repaid },
];

/// The review's case: a trader with only SOL buys options; once the premium is settled she owes
/// it to the pool; the seller withdraws it, and another depositor's withdrawal beyond what the
/// vault still holds for depositors fails with a liquidity error (not an overflow).
fn premium_borrowed_and_liquidity(w: &mut World) {
    let m = live_sol_chain(w);
    let dan = funded(w, "dan", 1_000);
    let (sam, bea) = (w.new_trader("sam"), w.new_trader("bea"));
    w.fund_and_deposit(&sam, m.sol, 20 * SOL);
    w.fund_and_deposit(&bea, m.sol, 20 * SOL);
    expect::ok(option_trade(w, &bea, &sam, 0, 50, per_contract(8)));
    // The premium (400) and the fees (3.75 each) are unsettled: no quote has moved yet.
    assert_eq!((w.balance(&bea.account, 0), w.balance(&sam.account, 0)), (0, 0));
    // Settling it lends Bea the premium; only a borrower shown healthy borrows, so a keeper that
    // leaves out her health accounts settles nothing.
    let oracle = w.markets[usize::from(m.sol)].price_account;
    let blind = ix::perp_settle_pnl(&w.group, &sam.account, &bea.account, m.sol, &oracle, vec![]);
    expect::xm_error(w.send_as_keeper(blind), XmError::PayerCannotBorrow);
    expect::ok(w.settle_pnl(&sam, &bea, m.sol));
    let premium = 396_250_000; // what Sam is owed: 400 less his fee
    assert_eq!(w.balance(&bea.account, 0), -premium);
    assert_eq!(w.underlying(0).collateral.total_borrows, premium as u64);

    // Sam withdraws the premium; the depositors' tokens left in the vault are then 603.75.
    expect::ok(w.withdraw(&sam, 0, premium as u64));
    let pool = w.underlying(0).collateral;
    let liquid = pool.total_deposits - pool.total_borrows;
    assert_eq!(liquid, 1_000 * USDC - premium as u64);
    expect::xm_error(w.withdraw(&dan, 0, 1_000 * USDC), XmError::InsufficientLiquidity);
    expect::ok(w.withdraw(&dan, 0, liquid));
    // Bea repays, and Dan withdraws the rest.
    w.fund_and_deposit(&bea, 0, 500 * USDC);
    assert_eq!(w.balance(&bea.account, 0), 500 * USDC as i64 - premium);
    expect::ok(w.withdraw(&dan, 0, premium as u64));
}

/// New borrowing stops at 90% utilization: a settlement settles what the pool can fund, and once
/// it can fund nothing the rest waits (`QuoteUtilizationTooHigh`), counted meanwhile in both
/// accounts' equity; a deposit into the pool lets it proceed.
fn settlement_waits_for_the_pool(w: &mut World) {
    let m = with_sol_perp(w);
    let dan = funded(w, "dan", 100);
    let (alice, bob) = (w.new_trader("alice"), w.new_trader("bob"));
    w.fund_and_deposit(&alice, m.sol, 10 * SOL);
    w.fund_and_deposit(&bob, m.sol, 10 * SOL);
    expect::ok(w.perp_trade(&alice, &bob, m.sol, 10, per_contract(150)));
    w.set_price(m.sol, 140 * E8, 0);
    // Alice lost 101.5 (fee included), Bob gained 98.5; the pool holds 100: 90 can be lent.
    expect::ok(w.settle_pnl(&bob, &alice, m.sol));
    assert_eq!(w.balance(&alice.account, 0), -90 * USDC as i64);
    assert_eq!(w.balance(&bob.account, 0), 90 * USDC as i64);
    // Bob withdraws what he was paid: nothing more can be lent.
    expect::ok(w.withdraw(&bob, 0, 90 * USDC));
    let pool = w.underlying(0).collateral;
    assert_eq!(utilization_bps(pool.total_deposits, pool.total_borrows), 9_000);
    let before =
        [w.account_health(&alice.account).unwrap(), w.account_health(&bob.account).unwrap()];
    expect::xm_error(w.settle_pnl(&bob, &alice, m.sol), XmError::QuoteUtilizationTooHigh);
    expect::xm_error(w.settle_fees(&alice, m.sol), XmError::QuoteUtilizationTooHigh);
    // The waiting P&L still counts: 8.5 more for Bob, 11.5 less for Alice.
    assert_eq!(before[1].perp_pnl, 8_500_000);
    assert_eq!(before[0].perp_pnl, -11_500_000);
    // Dan deposits more: the settlement proceeds.
    w.fund_and_deposit(&dan, 0, 1_000 * USDC);
    expect::ok(w.settle_pnl(&bob, &alice, m.sol));
    assert_eq!(w.balance(&bob.account, 0), 8_500_000);
    assert_eq!(w.account_health(&bob.account).unwrap().perp_pnl, 0);
}

/// A year of interest on 500 owed at the pool's utilization, booked exactly when the borrower
/// repays, into the insurance fund's `interest_collected`; health counts it before any booking.
fn interest_accrues_and_is_repaid(w: &mut World) {
    let m = with_sol_perp(w);
    let dan = funded(w, "dan", 2_000);
    let (alice, bob) = (w.new_trader("alice"), funded(w, "bob", 1_000));
    w.fund_and_deposit(&alice, m.sol, 10 * SOL);
    expect::ok(w.perp_trade(&alice, &bob, m.sol, 10, per_contract(150)));
    w.set_price(m.sol, 100 * E8, 0);
    // Alice's loss of 500 (and her 1.5 of fee) is lent by the pool.
    expect::ok(w.settle_pnl(&bob, &alice, m.sol));
    expect::ok(w.settle_fees(&alice, m.sol));
    let owed = w.balance(&alice.account, 0).unsigned_abs();
    assert_eq!(owed, 501_500_000);
    let pool = w.underlying(0);
    let (deposits, borrows) = (pool.collateral.total_deposits, pool.collateral.total_borrows);
    assert_eq!(borrows, owed);

    // A year on: at utilization 501.5 / 3,498.5 (14.34%), 10% x 14.34 / 80 = 1.79% a year.
    let year = 365 * 86_400;
    w.set_time(T0 + year);
    w.set_price(m.sol, 100 * E8, 0);
    let p = QuotePoolParams::DEFAULT;
    let model = RateModel {
        base_bps: p.base_rate_bps,
        slope1_bps: p.slope1_bps,
        slope2_bps: p.slope2_bps,
        optimal_bps: p.optimal_utilization_bps,
    };
    let rate = model.rate_bps(utilization_bps(deposits, borrows));
    assert_eq!(rate, 180);
    let index = grow_index(INDEX_ONE, rate, year as u64).unwrap();
    let due = owed_at(owed, INDEX_ONE, index).unwrap();
    assert_eq!(due - owed, 9_027_001); // 1.8% of 501.5, and the qn both roundings up give
                                       // Health counts it now; nothing is booked yet.
    let h = w.account_health(&alice.account).unwrap();
    assert_eq!(h.equity[1], 900 * USDC as i128 - i128::from(due) - 1);
    assert_eq!(w.underlying(0).lending.interest_collected, 0);
    // Repaying books it: the balance, the totals and the insurance fund's interest move together.
    w.fund_and_deposit(&alice, 0, 600 * USDC);
    assert_eq!(w.balance(&alice.account, 0), 600 * USDC as i64 - due as i64);
    let pool = w.underlying(0);
    assert_eq!(pool.lending.interest_collected, due - owed);
    assert_eq!(pool.collateral.total_borrows, 0);
    expect::ok(w.withdraw(&dan, 0, 2_000 * USDC));
}
