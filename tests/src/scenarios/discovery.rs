//! How a keeper finds the accounts it watches (every margin account of the group and nothing else:
//! `xmargin_client::discover`, the same filters as RPC `getProgramAccounts`) and checks a
//! transaction before paying for it (`Chain::simulate`), on both backends.

use cross_margin::error::XmError;
use xmargin_client::chain::AccountData;
use xmargin_client::discover::{margin_accounts, MARGIN_ACCOUNT_GROUP_OFFSET};
use xmargin_client::{ix, Pubkey, Signer};

use super::setup::standard;
use crate::world::{address, World, USDC};
use crate::{expect, Scenario};

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "keeper_discovers_every_margin_account", run: discovers_every_account },
    Scenario { name: "keeper_simulates_before_sending", run: simulates_before_sending },
];

/// A simulated withdrawal reports its outcome and compute units and changes nothing; a refused one
/// names the program's error; the same transaction, with a priority fee, then lands.
fn simulates_before_sending(w: &mut World) {
    let m = standard(w);
    let alice = w.new_trader("alice");
    w.fund_and_deposit(&alice, m.usdc, 100 * USDC);
    let withdraw = w.withdraw_ix(&alice, m.usdc, 40 * USDC);
    let fee = ix::compute_unit_price(1_000);
    let txs = [fee, withdraw];
    let wallet = alice.wallet.insecure_clone();
    let simulated = expect::ok(w.chain.simulate(&txs, &wallet, &[], &[]));
    assert!(simulated.logs.iter().any(|l| l.contains("CollateralWithdraw")), "{simulated:?}");
    if w.sees_program_output() {
        assert!(simulated.compute_units > 0);
    }
    assert_eq!(w.balance(&alice.account, m.usdc), 100 * USDC as i64);
    let too_much = w.withdraw_ix(&alice, m.usdc, 101 * USDC);
    let refused = w.chain.simulate(&[too_much], &wallet, &[], &[]);
    expect::xm_error(refused, XmError::InsufficientLiquidity);
    expect::ok(w.chain.send(&txs, &wallet, &[]));
    assert_eq!(w.balance(&alice.account, m.usdc), 60 * USDC as i64);
}

/// Three traders' accounts are found, with their owners; a copy of one under another group, a copy
/// owned by another program and the group's other accounts (underlyings, vaults) are not; a closed
/// account drops out.
fn discovers_every_account(w: &mut World) {
    let m = standard(w);
    let traders: Vec<_> = ["alice", "bob", "carol"].iter().map(|l| w.new_trader(l)).collect();
    w.fund_and_deposit(&traders[0], m.usdc, 100 * USDC);
    let group = w.group;
    let found = |w: &mut World| {
        let accounts = margin_accounts(&mut *w.chain, &group).expect("margin accounts decode");
        accounts.into_iter().map(|(key, a)| (key, a.owner)).collect::<Vec<_>>()
    };
    let mut expected: Vec<(Pubkey, Pubkey)> =
        traders.iter().map(|t| (t.account, t.wallet.pubkey())).collect();
    expected.sort();
    assert_eq!(found(w), expected);

    // Decoys: alice's bytes under another group, and owned by another program.
    let real = w.chain.account(&traders[0].account).unwrap();
    let mut other_group = real.data.clone();
    let offset = MARGIN_ACCOUNT_GROUP_OFFSET;
    other_group[offset..offset + 32].copy_from_slice(&address("another-group").to_bytes());
    w.set_account(&address("decoy-group"), AccountData { data: other_group, ..real.clone() });
    let foreign = AccountData { owner: address("another-program"), ..real };
    w.set_account(&address("decoy-owner"), foreign);
    assert_eq!(found(w), expected);

    // Bob closes his (empty) account: it is no longer found.
    let bob = &traders[1];
    let close = ix::account_close(&bob.wallet.pubkey(), &bob.account);
    expect::ok(w.send(&[close], &bob.wallet, &[]));
    expected.retain(|(key, _)| *key != bob.account);
    assert_eq!(found(w), expected);
}
