//! Collateral: deposits, withdrawals, health figures, timelocked weights, delegates, closing.

use cross_margin::error::XmError;
use cross_margin::state::{CollateralPosition, QUOTE_INDEX};
use xmargin_client::{ix, Pubkey, Signer};
use xmargin_risk::Fixed;

use super::setup::{standard, BTC, ETH, SOL};
use crate::world::{AssetSpec, Trader, World, E8, USDC};
use crate::Scenario;
use crate::{events, expect};
use cross_margin::engine::collateral;
use cross_margin::engine::portfolio::HealthSummary;
use cross_margin::events::{CollateralDeposited, CollateralWithdrawn};

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "deposit_and_withdraw", run: deposit_and_withdraw },
    Scenario { name: "three_asset_health", run: three_asset_health },
    Scenario { name: "confidence_lowers_asset_value", run: confidence_lowers_asset_value },
    Scenario { name: "new_collateral_weight_timelocked", run: new_collateral_weight_timelocked },
    Scenario { name: "delegate_may_deposit_not_withdraw", run: delegate_may_deposit_not_withdraw },
    Scenario { name: "close_only_when_empty", run: close_only_when_empty },
    Scenario {
        name: "withdraw_refused_below_init_health",
        run: withdraw_refused_below_init_health,
    },
    Scenario { name: "repaying_owed_quote_ignores_cap", run: repaying_owed_quote_ignores_cap },
];

fn fx(s: &str) -> Fixed {
    s.parse().unwrap()
}

fn deposit_and_withdraw(w: &mut World) {
    let m = standard(w);
    let alice = w.new_trader("alice");
    let wallet = w.fund(&alice, m.sol, 5 * SOL);
    let deposited = expect::ok(w.deposit(&alice, m.sol, 2 * SOL));
    assert_eq!(w.balance(&alice.account, m.sol), 2 * SOL as i64);
    assert_eq!(w.token_balance(&wallet), 3 * SOL);

    let withdrawn = expect::ok(w.withdraw(&alice, m.sol, SOL / 2));
    assert_eq!(w.balance(&alice.account, m.sol), (3 * SOL / 2) as i64);
    assert_eq!(w.token_balance(&wallet), 3 * SOL + SOL / 2);
    // 1.5 SOL at $150: assets 225; equity 225 * 0.8 = 180 (init), 225 * 0.9 = 202.5 (maint); the
    // worst scenario (spot -27% init, -13% maint at the floor ranges) loses that share of the
    // 180 the holding is stressed at (its init-weighted value), 48.6 and 23.4; each requirement
    // carries 5 qn of rounding allowance (native USDC throughout).
    let snapshot = w.margin(&alice.account).health;
    assert_eq!(
        (snapshot.init, snapshot.maint, snapshot.assets),
        (131_400_000 - 5, 179_100_000 - 5, 225 * USDC as i64)
    );
    assert_eq!(snapshot.timestamp, w.now());
    if w.sees_program_output() {
        let e: CollateralDeposited = events::single(&deposited);
        assert_eq!(
            (e.account, e.underlying, e.amount, e.balance),
            (alice.account, m.sol, 2 * SOL, 2 * SOL as i64)
        );
        assert_eq!((e.signer, e.total_deposits), (alice.wallet.pubkey(), 2 * SOL));
        let e: CollateralWithdrawn = events::single(&withdrawn);
        assert_eq!(
            (e.amount, e.balance, e.total_deposits),
            (SOL / 2, (3 * SOL / 2) as i64, 3 * SOL / 2)
        );
        let summary =
            HealthSummary { init: snapshot.init, maint: snapshot.maint, assets: snapshot.assets };
        assert_eq!(e.health, summary);
    }

    // Withdrawing everything frees the slot.
    expect::ok(w.withdraw(&alice, m.sol, 3 * SOL / 2));
    assert!(w.margin(&alice.account).active_collateral().next().is_none());
    assert_eq!(w.token_balance(&wallet), 5 * SOL);
}

fn three_asset_health(w: &mut World) {
    let m = standard(w);
    let alice = w.new_trader("alice");
    w.fund_and_deposit(&alice, m.sol, 10 * SOL);
    w.fund_and_deposit(&alice, m.btc, BTC / 2);
    w.fund_and_deposit(&alice, m.eth, 2 * ETH);
    w.fund_and_deposit(&alice, m.usdc, 1_000 * USDC);
    // Priced assets: 1,500 + 30,000 + 6,000 = 37,500; plus 1,000 USDC.
    let h = w.health(&alice.account).unwrap();
    assert_eq!(h.assets, fx("38500"));
    assert_eq!(h.init, fx("31000")); // 37,500 * 0.8 + 1,000
    assert_eq!(h.maint, fx("34750")); // 37,500 * 0.9 + 1,000

    // Scenario requirement: 27% (init) and 13% (maint) of the 30,000 the 37,500 priced are
    // stressed at (their init-weighted value; the default floors), plus 22 and 24 qn of rounding
    // over the three books (4 qn of allowance each, and each third of the range rounded up to
    // 2^-32).
    let h = w.account_health(&alice.account).unwrap();
    assert_eq!(h.requirement, [8_100_000_022, 3_900_000_024]);
    assert_eq!((h.init_health, h.maint_health), (22_899_999_978, 30_849_999_976));

    // The withdraw's recorded health is the off-chain figure after the withdrawal.
    expect::ok(w.withdraw(&alice, m.usdc, 100 * USDC));
    let snapshot = w.margin(&alice.account).health;
    assert_eq!((snapshot.init, snapshot.maint), (22_799_999_978, 30_749_999_976));
    let h = w.account_health(&alice.account).unwrap();
    assert_eq!(h.collateral.init, Fixed::from_int(30_900));
    assert_eq!((h.init_health, h.maint_health), (22_799_999_978, 30_749_999_976));
}

fn confidence_lowers_asset_value(w: &mut World) {
    let m = standard(w);
    let alice = w.new_trader("alice");
    w.fund_and_deposit(&alice, m.sol, 10 * SOL);
    // $150 +/- $1.50 (1%): the asset counts at $148.50.
    w.set_price(m.sol, 150 * E8, 150_000_000);
    let h = w.health(&alice.account).unwrap();
    assert_eq!(h.assets, fx("1485"));
    assert_eq!(h.init, fx("1188"));
    expect::ok(w.withdraw(&alice, m.sol, SOL));
    assert_eq!(w.margin(&alice.account).health.assets, 1_336_500_000);
}

fn new_collateral_weight_timelocked(w: &mut World) {
    w.create_group(3_600);
    let sol = w.add_asset(AssetSpec::new("SOL", 9, 150 * E8));
    let params = w.underlying(sol).collateral;
    assert_eq!((params.init_haircut_bps, params.maint_haircut_bps), (10_000, 10_000));
    assert_eq!((params.pending_init_haircut_bps, params.pending_maint_haircut_bps), (2_000, 1_000));
    assert_eq!(params.pending_effective_ts, w.now() + 3_600);

    let alice = w.new_trader("alice");
    w.fund_and_deposit(&alice, sol, 10 * SOL);
    let h = w.health(&alice.account).unwrap();
    assert_eq!((h.init, h.maint, h.assets), (Fixed::ZERO, Fixed::ZERO, Fixed::ZERO));

    // A zero-weight holding needs no price: a stale feed does not block withdrawing it.
    let stale = w.now() - 3_600;
    w.set_price_update(
        sol,
        150 * E8,
        0,
        stale,
        pyth_solana_receiver_sdk::price_update::VerificationLevel::Full,
    );
    expect::ok(w.withdraw(&alice, sol, SOL));

    // One second before the timelock ends nothing changes; at the end the weight applies.
    let effective = params.pending_effective_ts;
    w.set_time(effective - 1);
    w.set_price(sol, 150 * E8, 0);
    assert_eq!(w.health(&alice.account).unwrap().init, Fixed::ZERO);
    w.set_time(effective);
    w.set_price(sol, 150 * E8, 0);
    let h = w.health(&alice.account).unwrap();
    assert_eq!((h.init, h.maint), (fx("1080"), fx("1215"))); // 9 SOL * 150 * 0.8 / 0.9
}

fn delegate_may_deposit_not_withdraw(w: &mut World) {
    let m = standard(w);
    let alice = w.new_trader("alice");
    let bob = w.new_trader("bob");
    let set =
        ix::account_set_delegate(&alice.wallet.pubkey(), &alice.account, &bob.wallet.pubkey());
    expect::ok(w.send(&[set], &alice.wallet, &[]));
    assert_eq!(w.margin(&alice.account).delegate, bob.wallet.pubkey());

    // Bob deposits his own SOL into Alice's account.
    let source = w.fund(&bob, m.sol, SOL);
    let deposit = ix::collateral_deposit(
        &bob.wallet.pubkey(),
        &alice.account,
        &m_underlying(w, m.sol),
        &source,
        SOL,
    );
    expect::ok(w.send(std::slice::from_ref(&deposit), &bob.wallet, &[]));
    assert_eq!(w.balance(&alice.account, m.sol), SOL as i64);

    // Bob cannot withdraw, even to Alice's wallet, and cannot change the delegate.
    let mut withdraw = w.withdraw_ix(&alice, m.sol, SOL);
    withdraw.accounts[0].pubkey = bob.wallet.pubkey();
    expect::xm_error(w.send(&[withdraw], &bob.wallet, &[]), XmError::NotAccountOwner);
    let hijack =
        ix::account_set_delegate(&bob.wallet.pubkey(), &alice.account, &bob.wallet.pubkey());
    expect::xm_error(w.send(&[hijack], &bob.wallet, &[]), XmError::NotAccountOwner);

    // Once cleared, Bob may not deposit either.
    let clear =
        ix::account_set_delegate(&alice.wallet.pubkey(), &alice.account, &Pubkey::default());
    expect::ok(w.send(&[clear], &alice.wallet, &[]));
    w.fund(&bob, m.sol, SOL);
    expect::xm_error(w.send(&[deposit], &bob.wallet, &[]), XmError::NotOwnerOrDelegate);
}

fn m_underlying(w: &World, index: u16) -> Pubkey {
    w.markets[index as usize].underlying
}

fn close_only_when_empty(w: &mut World) {
    let m = standard(w);
    let alice = w.new_trader("alice");
    w.fund_and_deposit(&alice, m.btc, BTC);
    let close = ix::account_close(&alice.wallet.pubkey(), &alice.account);
    expect::xm_error(
        w.send(std::slice::from_ref(&close), &alice.wallet, &[]),
        XmError::AccountNotEmpty,
    );

    expect::ok(w.withdraw(&alice, m.btc, BTC));
    let rent = w.chain.account(&alice.account).unwrap().lamports;
    let before = w.chain.account(&alice.wallet.pubkey()).unwrap().lamports;
    expect::ok(w.send(&[close], &alice.wallet, &[]));
    assert!(w.chain.account(&alice.account).is_none());
    let after = w.chain.account(&alice.wallet.pubkey()).unwrap().lamports;
    // The rent comes back, less the 5,000-lamport signature fee.
    assert_eq!(after, before + rent - 5_000);
}

/// Moves `amount` native quote units of realized P&L from `loser` to `winner` by writing both
/// accounts and the quote underlying's totals as `perp_settle_pnl` does (the engine's own
/// function), so that conservation holds.
pub fn transfer_quote_pnl(w: &mut World, loser: &Trader, winner: &Trader, amount: i64) {
    let mut quote = w.underlying(QUOTE_INDEX);
    let now = w.now();
    for (trader, delta) in [(winner, amount), (loser, -amount)] {
        let mut account = w.margin(&trader.account);
        collateral::settle_into_quote(&mut account, &mut quote, delta, now).unwrap();
        w.overwrite_margin(&trader.account, &account);
    }
    w.overwrite_underlying(QUOTE_INDEX, &quote);
}

fn withdraw_refused_below_init_health(w: &mut World) {
    let m = standard(w);
    let alice = w.new_trader("alice");
    let bob = w.new_trader("bob");
    w.fund_and_deposit(&alice, m.sol, 10 * SOL);
    w.fund_and_deposit(&bob, m.usdc, 1_000 * USDC);
    transfer_quote_pnl(w, &alice, &bob, 650 * USDC as i64);
    assert_eq!(w.balance(&alice.account, m.usdc), -650 * USDC as i64);
    // Init health of n SOL owing d: 150 n * 0.8 - d - 27% of the 150 n * 0.8 counted (the scan)
    // - 5 qn = 87.6 n - d - 5 qn.
    let h = w.account_health(&alice.account).unwrap();
    assert_eq!(h.collateral.init, fx("550")); // 1,200 - 650
    assert_eq!(h.init_health, 226 * USDC as i128 - 5);

    expect::ok(w.withdraw(&alice, m.sol, SOL)); // 788.4 - 650
    assert_eq!(w.margin(&alice.account).health.init, 138_400_000 - 5);
    // 613.2 - 650 is below init.
    expect::xm_error(w.withdraw(&alice, m.sol, 2 * SOL), XmError::InitHealthNegative);
    // Owing quote, she cannot withdraw quote she does not have.
    expect::xm_error(w.withdraw(&alice, m.usdc, 1), XmError::InsufficientBalance);

    // Repaying part of the debt makes room again.
    w.fund_and_deposit(&alice, m.usdc, 500 * USDC);
    assert_eq!(w.balance(&alice.account, m.usdc), -150 * USDC as i64);
    expect::ok(w.withdraw(&alice, m.sol, SOL)); // 700.8 - 150
    assert_eq!(w.margin(&alice.account).health.init, 550_800_000 - 5);
}

fn repaying_owed_quote_ignores_cap(w: &mut World) {
    w.create_group_with(0, 1_000 * USDC);
    let sol = w.add_asset(AssetSpec::new("SOL", 9, 150 * E8));
    let alice = w.new_trader("alice");
    let bob = w.new_trader("bob");
    w.fund_and_deposit(&alice, sol, 10 * SOL);
    w.fund_and_deposit(&bob, 0, 1_000 * USDC); // the quote cap is reached
    transfer_quote_pnl(w, &alice, &bob, 300 * USDC as i64);

    // Repaying 300 takes total deposits to 1,300 > cap, yet only clears a debt.
    w.fund(&alice, 0, 301 * USDC);
    expect::ok(w.deposit(&alice, 0, 300 * USDC));
    assert_eq!(w.balance(&alice.account, 0), 0);
    assert_eq!(
        w.margin(&alice.account)
            .collateral
            .iter()
            .filter(|c: &&CollateralPosition| c.underlying == 0)
            .count(),
        0
    );
    expect::xm_error(w.deposit(&alice, 0, USDC), XmError::DepositCapExceeded);
}
