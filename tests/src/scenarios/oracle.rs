//! Oracle binding and grading: each refused price account yields its own error on a withdrawal,
//! and no bad feed ever blocks a deposit.

use cross_margin::error::XmError;
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use xmargin_client::chain::AccountData;

use super::setup::{standard, Standard, BTC, SOL};
use crate::expect;
use crate::world::{Trader, World, E8, USDC};
use crate::Scenario;

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "oracle_wrong_owner", run: oracle_wrong_owner },
    Scenario { name: "oracle_not_a_price_update", run: oracle_not_a_price_update },
    Scenario { name: "oracle_wrong_feed", run: oracle_wrong_feed },
    Scenario { name: "oracle_stale", run: oracle_stale },
    Scenario { name: "oracle_confidence_too_wide", run: oracle_confidence_too_wide },
    Scenario { name: "oracle_partially_verified", run: oracle_partially_verified },
    Scenario { name: "oracle_non_positive", run: oracle_non_positive },
    Scenario { name: "bad_feed_never_blocks_deposits", run: bad_feed_never_blocks_deposits },
];

/// Alice holds 10 SOL and 1 BTC; withdrawing USDC-less BTC needs both prices.
fn holder(w: &mut World) -> (Standard, Trader) {
    let m = standard(w);
    let alice = w.new_trader("alice");
    w.fund_and_deposit(&alice, m.sol, 10 * SOL);
    w.fund_and_deposit(&alice, m.btc, BTC);
    (m, alice)
}

fn oracle_wrong_owner(w: &mut World) {
    let (m, alice) = holder(w);
    let key = w.markets[m.sol as usize].price_account;
    let mut account = w.chain.account(&key).unwrap();
    account.owner = anchor_lang::system_program::ID;
    w.set_account(&key, account);
    expect::xm_error(w.withdraw(&alice, m.btc, BTC / 10), XmError::OracleWrongOwner);
}

fn oracle_not_a_price_update(w: &mut World) {
    let (m, alice) = holder(w);
    let key = w.markets[m.sol as usize].price_account;
    let mut account = w.chain.account(&key).unwrap();
    account.data[..8].copy_from_slice(&[0xAA; 8]);
    w.set_account(&key, AccountData { ..account });
    expect::xm_error(w.withdraw(&alice, m.btc, BTC / 10), XmError::OracleAccountInvalid);
}

fn oracle_wrong_feed(w: &mut World) {
    let (m, alice) = holder(w);
    // BTC's (valid) price account in SOL's position.
    let mut instruction = w.withdraw_ix(&alice, m.btc, BTC / 10);
    let sol_price = w.markets[m.sol as usize].price_account;
    let btc_price = w.markets[m.btc as usize].price_account;
    let meta = instruction.accounts.iter_mut().find(|a| a.pubkey == sol_price).unwrap();
    meta.pubkey = btc_price;
    expect::xm_error(w.send(&[instruction], &alice.wallet, &[]), XmError::PriceAccountMismatch);
    // SOL's own price account carrying BTC's feed.
    let update = w.chain.account(&btc_price).unwrap();
    w.set_account(&sol_price, update);
    expect::xm_error(w.withdraw(&alice, m.btc, BTC / 10), XmError::OracleFeedMismatch);
    w.set_price(m.sol, 150 * E8, 0);
    expect::ok(w.withdraw(&alice, m.btc, BTC / 10));
}

fn oracle_stale(w: &mut World) {
    let (m, alice) = holder(w);
    let now = w.now();
    // Max age 60 s: 60 s old passes, 61 s fails.
    w.set_price_update(m.sol, 150 * E8, 0, now - 60, VerificationLevel::Full);
    expect::ok(w.withdraw(&alice, m.btc, BTC / 10));
    w.set_price_update(m.sol, 150 * E8, 0, now - 61, VerificationLevel::Full);
    expect::xm_error(w.withdraw(&alice, m.btc, BTC / 10), XmError::OracleStale);
}

fn oracle_confidence_too_wide(w: &mut World) {
    let (m, alice) = holder(w);
    // Max 2%: exactly 2% passes, 2.01% fails.
    w.set_price(m.sol, 150 * E8, 3 * E8 as u64);
    expect::ok(w.withdraw(&alice, m.btc, BTC / 10));
    w.set_price(m.sol, 150 * E8, 3 * E8 as u64 + 1_500_000);
    expect::xm_error(w.withdraw(&alice, m.btc, BTC / 10), XmError::OracleConfidenceTooWide);
}

fn oracle_partially_verified(w: &mut World) {
    let (m, alice) = holder(w);
    let now = w.now();
    w.set_price_update(m.sol, 150 * E8, 0, now, VerificationLevel::Partial { num_signatures: 12 });
    expect::xm_error(w.withdraw(&alice, m.btc, BTC / 10), XmError::OracleNotFullyVerified);
}

fn oracle_non_positive(w: &mut World) {
    let (m, alice) = holder(w);
    w.set_price(m.sol, 0, 0);
    expect::xm_error(w.withdraw(&alice, m.btc, BTC / 10), XmError::OracleNonPositive);
}

fn bad_feed_never_blocks_deposits(w: &mut World) {
    let (m, alice) = holder(w);
    let now = w.now();
    w.set_price_update(m.sol, 150 * E8, 0, now - 3_600, VerificationLevel::Full);
    w.set_price_update(
        m.btc,
        60_000 * E8,
        0,
        now,
        VerificationLevel::Partial { num_signatures: 1 },
    );
    // Deposits read no price: all succeed, including of the badly priced assets.
    w.fund_and_deposit(&alice, m.sol, SOL);
    w.fund_and_deposit(&alice, m.btc, BTC);
    w.fund_and_deposit(&alice, m.usdc, 100 * USDC);
    // A withdrawal needs every weighted holding priced: refused while a feed is bad...
    expect::xm_error(w.withdraw(&alice, m.usdc, USDC), XmError::OracleStale);
    // ...and allowed once both feeds are good again.
    w.set_price(m.sol, 150 * E8, 0);
    w.set_price(m.btc, 60_000 * E8, 0);
    expect::ok(w.withdraw(&alice, m.usdc, USDC));
}
