//! Adversarial cases: each asserts the specific error that stops it.

use anchor_lang::error::ErrorCode as AnchorError;
use cross_margin::engine::lending::QuotePoolParams;
use cross_margin::engine::liquidation::LiquidationParams;
use cross_margin::error::XmError;
use cross_margin::instructions::GroupCreateArgs;
use cross_margin::state::InsuranceFund;
use xmargin_client::{ix, pda, Signer};

use super::setup::{standard, Standard, BTC, SOL};
use crate::expect;
use crate::world::{address, keypair, AssetSpec, Trader, World, E8, USDC};
use crate::Scenario;

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "missing_signer", run: missing_signer },
    Scenario { name: "someone_elses_account", run: someone_elses_account },
    Scenario { name: "withdraw_to_foreign_token_account", run: withdraw_to_foreign_token_account },
    Scenario {
        name: "deposit_from_foreign_or_wrong_mint_source",
        run: deposit_from_foreign_or_wrong_mint_source,
    },
    Scenario { name: "pda_substitution", run: pda_substitution },
    Scenario { name: "foreign_group_underlying", run: foreign_group_underlying },
    Scenario { name: "type_confusion", run: type_confusion },
    Scenario { name: "health_accounts_missing_or_extra", run: health_accounts_missing_or_extra },
    Scenario { name: "zero_amounts", run: zero_amounts },
    Scenario { name: "overflowing_amounts", run: overflowing_amounts },
    Scenario { name: "deposit_cap_exceeded", run: deposit_cap_exceeded },
    Scenario { name: "admin_only_and_parameter_checks", run: admin_only_and_parameter_checks },
];

/// Alice holds 10 SOL and 1 BTC; Mallory has an empty account.
fn victims(w: &mut World) -> (Standard, Trader, Trader) {
    let m = standard(w);
    let alice = w.new_trader("alice");
    w.fund_and_deposit(&alice, m.sol, 10 * SOL);
    w.fund_and_deposit(&alice, m.btc, BTC);
    let mallory = w.new_trader("mallory");
    (m, alice, mallory)
}

fn missing_signer(w: &mut World) {
    let (m, alice, mallory) = victims(w);
    // The owner is named but does not sign; Mallory pays.
    let mut withdraw = w.withdraw_ix(&alice, m.sol, SOL);
    withdraw.accounts[0].is_signer = false;
    expect::anchor_error(w.send(&[withdraw], &mallory.wallet, &[]), AnchorError::AccountNotSigner);
    let mut close = ix::account_close(&alice.wallet.pubkey(), &alice.account);
    close.accounts[0].is_signer = false;
    expect::anchor_error(w.send(&[close], &mallory.wallet, &[]), AnchorError::AccountNotSigner);
}

fn someone_elses_account(w: &mut World) {
    let (m, alice, mallory) = victims(w);
    // Mallory signs as "owner" of Alice's account, withdrawing to her own wallet.
    let destination = w.token_account(&mallory, m.sol);
    let health = w.health_metas(vec![m.sol, m.btc]);
    let withdraw = ix::collateral_withdraw(
        &mallory.wallet.pubkey(),
        &w.group.clone(),
        &alice.account,
        &w.markets[m.sol as usize].underlying.clone(),
        &destination,
        SOL,
        health,
    );
    expect::xm_error(w.send(&[withdraw], &mallory.wallet, &[]), XmError::NotAccountOwner);
    let close = ix::account_close(&mallory.wallet.pubkey(), &alice.account);
    expect::xm_error(w.send(&[close], &mallory.wallet, &[]), XmError::NotAccountOwner);
    // Depositing dust into someone else's account is refused too (no slot griefing).
    let source = w.fund(&mallory, m.eth, 1);
    let deposit = ix::collateral_deposit(
        &mallory.wallet.pubkey(),
        &alice.account,
        &w.markets[m.eth as usize].underlying.clone(),
        &source,
        1,
    );
    expect::xm_error(w.send(&[deposit], &mallory.wallet, &[]), XmError::NotOwnerOrDelegate);
}

fn withdraw_to_foreign_token_account(w: &mut World) {
    let (m, alice, mallory) = victims(w);
    let mut withdraw = w.withdraw_ix(&alice, m.sol, SOL);
    withdraw.accounts[5].pubkey = w.token_account(&mallory, m.sol);
    expect::xm_error(w.send(&[withdraw], &alice.wallet, &[]), XmError::DestinationNotOwnedByOwner);
    // Right owner, wrong mint.
    let mut withdraw = w.withdraw_ix(&alice, m.sol, SOL);
    withdraw.accounts[5].pubkey = w.token_account(&alice, m.btc);
    expect::xm_error(w.send(&[withdraw], &alice.wallet, &[]), XmError::MintMismatch);
}

fn deposit_from_foreign_or_wrong_mint_source(w: &mut World) {
    let (m, alice, mallory) = victims(w);
    let underlying = w.markets[m.sol as usize].underlying;
    let theirs = w.fund(&mallory, m.sol, SOL);
    let deposit =
        ix::collateral_deposit(&alice.wallet.pubkey(), &alice.account, &underlying, &theirs, SOL);
    expect::xm_error(w.send(&[deposit], &alice.wallet, &[]), XmError::SourceNotOwnedBySigner);
    let wrong_mint = w.fund(&alice, m.eth, SOL);
    let deposit = ix::collateral_deposit(
        &alice.wallet.pubkey(),
        &alice.account,
        &underlying,
        &wrong_mint,
        SOL,
    );
    expect::xm_error(w.send(&[deposit], &alice.wallet, &[]), XmError::MintMismatch);
}

fn pda_substitution(w: &mut World) {
    let (m, alice, _) = victims(w);
    // BTC's vault for a SOL withdrawal.
    let mut withdraw = w.withdraw_ix(&alice, m.sol, SOL);
    withdraw.accounts[4].pubkey = w.markets[m.btc as usize].vault;
    expect::xm_error(w.send(&[withdraw], &alice.wallet, &[]), XmError::VaultMismatch);
    // BTC's vault for a SOL deposit.
    let source = w.fund(&alice, m.sol, SOL);
    let mut deposit = ix::collateral_deposit(
        &alice.wallet.pubkey(),
        &alice.account,
        &w.markets[m.sol as usize].underlying.clone(),
        &source,
        SOL,
    );
    deposit.accounts[3].pubkey = w.markets[m.btc as usize].vault;
    expect::xm_error(w.send(&[deposit], &alice.wallet, &[]), XmError::VaultMismatch);
    // Health accounts: ETH's underlying in SOL's position, then SOL twice.
    let eth = w.health_metas(vec![m.eth, m.btc]);
    let mut withdraw = w.withdraw_ix(&alice, m.sol, SOL);
    let n = withdraw.accounts.len();
    withdraw.accounts[n - 4] = eth[0].clone();
    withdraw.accounts[n - 3] = eth[1].clone();
    expect::xm_error(w.send(&[withdraw], &alice.wallet, &[]), XmError::HealthAccountMismatch);
    let twice = w.health_metas(vec![m.sol, m.sol]);
    let mut withdraw = w.withdraw_ix(&alice, m.sol, SOL);
    withdraw.accounts.truncate(n - 4);
    withdraw.accounts.extend(twice);
    expect::xm_error(w.send(&[withdraw], &alice.wallet, &[]), XmError::HealthAccountMismatch);
}

fn foreign_group_underlying(w: &mut World) {
    let (m, alice, mallory) = victims(w);
    // Mallory creates her own group whose underlying 1 is a worthless token she controls.
    let args = GroupCreateArgs {
        group_num: 7,
        risk_timelock_secs: 0,
        quote_name: *b"FAKE\0\0\0\0\0\0\0\0\0\0\0\0",
        quote_deposit_cap: u64::MAX,
        quote_pool: QuotePoolParams::DEFAULT,
        liquidation: LiquidationParams::DEFAULT,
        insurance_fee_share_bps: InsuranceFund::DEFAULT_FEE_SHARE_BPS,
    };
    let quote = w.markets[0].mint;
    expect::ok(w.send(
        &[ix::group_create(&mallory.wallet.pubkey(), &quote, args)],
        &mallory.wallet,
        &[],
    ));
    let fake_group = pda::group(&mallory.wallet.pubkey(), 7);
    let fake_quote = pda::underlying(&fake_group, 0);
    // Her group's quote underlying used to deposit into Alice's account of our group.
    let source = w.fund(&alice, 0, USDC);
    let deposit =
        ix::collateral_deposit(&alice.wallet.pubkey(), &alice.account, &fake_quote, &source, USDC);
    expect::xm_error(w.send(&[deposit], &alice.wallet, &[]), XmError::WrongGroup);
    // ...or passed as a health account.
    let mut withdraw = w.withdraw_ix(&alice, m.sol, SOL);
    let n = withdraw.accounts.len();
    withdraw.accounts[n - 4].pubkey = fake_quote;
    expect::xm_error(w.send(&[withdraw], &alice.wallet, &[]), XmError::WrongGroup);
    // ...or as the withdrawal's underlying.
    let mut withdraw = w.withdraw_ix(&alice, m.sol, SOL);
    withdraw.accounts[3].pubkey = fake_quote;
    expect::xm_error(w.send(&[withdraw], &alice.wallet, &[]), XmError::WrongGroup);
}

fn type_confusion(w: &mut World) {
    let (m, alice, _) = victims(w);
    // The group in place of the margin account.
    let mut withdraw = w.withdraw_ix(&alice, m.sol, SOL);
    withdraw.accounts[2].pubkey = w.group;
    expect::anchor_error(
        w.send(&[withdraw], &alice.wallet, &[]),
        AnchorError::AccountDiscriminatorMismatch,
    );
    // An underlying in place of the margin account.
    let close =
        ix::account_close(&alice.wallet.pubkey(), &w.markets[m.sol as usize].underlying.clone());
    expect::anchor_error(
        w.send(&[close], &alice.wallet, &[]),
        AnchorError::AccountDiscriminatorMismatch,
    );
    // The margin account in place of an underlying (health account).
    let mut withdraw = w.withdraw_ix(&alice, m.sol, SOL);
    let n = withdraw.accounts.len();
    withdraw.accounts[n - 4].pubkey = alice.account;
    expect::anchor_error(
        w.send(&[withdraw], &alice.wallet, &[]),
        AnchorError::AccountDiscriminatorMismatch,
    );
    // A margin account of another program (same bytes, foreign owner).
    let mut copy = w.chain.account(&alice.account).unwrap();
    copy.owner = anchor_lang::system_program::ID;
    let fake = address("fake-margin");
    w.set_account(&fake, copy);
    let mut withdraw = w.withdraw_ix(&alice, m.sol, SOL);
    withdraw.accounts[2].pubkey = fake;
    expect::anchor_error(
        w.send(&[withdraw], &alice.wallet, &[]),
        AnchorError::AccountOwnedByWrongProgram,
    );
}

fn health_accounts_missing_or_extra(w: &mut World) {
    let (m, alice, _) = victims(w);
    let mut withdraw = w.withdraw_ix(&alice, m.sol, SOL);
    withdraw.accounts.pop();
    expect::xm_error(w.send(&[withdraw], &alice.wallet, &[]), XmError::HealthAccountMissing);
    let mut withdraw = w.withdraw_ix(&alice, m.sol, SOL);
    withdraw.accounts.extend(w.health_metas(vec![m.eth]));
    expect::xm_error(w.send(&[withdraw], &alice.wallet, &[]), XmError::HealthAccountUnexpected);
}

fn zero_amounts(w: &mut World) {
    let (m, alice, _) = victims(w);
    expect::xm_error(w.deposit(&alice, m.sol, 0), XmError::ZeroAmount);
    expect::xm_error(w.withdraw(&alice, m.sol, 0), XmError::ZeroAmount);
}

fn overflowing_amounts(w: &mut World) {
    let (m, alice, _) = victims(w);
    // More than a balance can hold.
    w.fund(&alice, m.sol, u64::MAX);
    expect::xm_error(w.deposit(&alice, m.sol, i64::MAX as u64), XmError::BalanceOverflow);
    expect::xm_error(w.deposit(&alice, m.sol, u64::MAX), XmError::BalanceOverflow);
    // More than the balance.
    expect::xm_error(w.withdraw(&alice, m.sol, u64::MAX), XmError::InsufficientBalance);
    expect::xm_error(w.withdraw(&alice, m.sol, 10 * SOL + 1), XmError::InsufficientBalance);
    // A balance whose value overflows the fixed-point range (i64::MAX whole tokens at $1,000):
    // any withdrawal that leaves it fails naming the overflow; withdrawing it entirely works.
    let whale = w.add_asset(AssetSpec::new("WHALE", 0, 1_000 * E8));
    w.fund_and_deposit(&alice, whale, i64::MAX as u64);
    expect::xm_error(w.withdraw(&alice, m.btc, 1), XmError::MathOverflow);
    expect::ok(w.withdraw(&alice, whale, i64::MAX as u64));
    assert_eq!(w.balance(&alice.account, whale), 0);
    expect::ok(w.withdraw(&alice, m.btc, 1));
}

fn deposit_cap_exceeded(w: &mut World) {
    w.create_group(0);
    let sol =
        w.add_asset(AssetSpec { deposit_cap: 10 * SOL, ..AssetSpec::new("SOL", 9, 150 * E8) });
    let alice = w.new_trader("alice");
    let bob = w.new_trader("bob");
    w.fund_and_deposit(&alice, sol, 6 * SOL);
    w.fund(&bob, sol, 5 * SOL);
    expect::xm_error(w.deposit(&bob, sol, 5 * SOL), XmError::DepositCapExceeded);
    expect::ok(w.deposit(&bob, sol, 4 * SOL)); // exactly at the cap
    expect::xm_error(w.deposit(&bob, sol, 1), XmError::DepositCapExceeded);
    expect::ok(w.withdraw(&alice, sol, SOL));
    expect::ok(w.deposit(&bob, sol, 1));
}

fn admin_only_and_parameter_checks(w: &mut World) {
    let _ = standard(w);
    let mallory = keypair("mallory");
    w.chain.airdrop(&mallory.pubkey(), 10_000_000_000);
    let (mut instruction, _) = w.add_asset_ix(&AssetSpec::new("EVIL", 6, E8));
    instruction.accounts[0].pubkey = mallory.pubkey();
    expect::xm_error(w.send(&[instruction], &mallory, &[]), XmError::NotGroupAdmin);

    let admin = w.admin.insecure_clone();
    let bad_haircuts = AssetSpec {
        init_haircut_bps: 1_000,
        maint_haircut_bps: 2_000,
        ..AssetSpec::new("X", 6, E8)
    };
    let (instruction, _) = w.add_asset_ix(&bad_haircuts);
    expect::xm_error(w.send(&[instruction], &admin, &[]), XmError::InvalidHaircuts);
    let over_100 = AssetSpec { init_haircut_bps: 10_001, ..AssetSpec::new("X", 6, E8) };
    let (instruction, _) = w.add_asset_ix(&over_100);
    expect::xm_error(w.send(&[instruction], &admin, &[]), XmError::InvalidHaircuts);
    let no_age = AssetSpec { max_age_secs: 0, ..AssetSpec::new("X", 6, E8) };
    let (instruction, _) = w.add_asset_ix(&no_age);
    expect::xm_error(w.send(&[instruction], &admin, &[]), XmError::InvalidOracleParams);
    let mut loose = AssetSpec::new("X", 6, E8);
    loose.risk.range_floor_bps = [400, 500]; // init below maint
    let (instruction, _) = w.add_asset_ix(&loose);
    expect::xm_error(w.send(&[instruction], &admin, &[]), XmError::InvalidRiskParams);
    // An index other than the next one.
    let (mut instruction, _) = w.add_asset_ix(&AssetSpec::new("X", 6, E8));
    let skipped = pda::underlying(&w.group, 9);
    instruction.accounts[3].pubkey = skipped;
    instruction.accounts[4].pubkey = pda::vault(&skipped);
    // After the 8-byte discriminator, `index` (u16) is the first argument.
    instruction.data[8..10].copy_from_slice(&9u16.to_le_bytes());
    expect::xm_error(w.send(&[instruction], &admin, &[]), XmError::UnderlyingIndexMismatch);
}
