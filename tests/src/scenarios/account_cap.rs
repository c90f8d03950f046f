//! Every account stays checkable and liquidatable: at most `MAX_ACCOUNT_UNDERLYINGS` (12)
//! distinct underlyings besides the quote asset, enforced whenever a collateral, market or option
//! slot opens on a new one, so that even two accounts at the cap with nothing in common fit one
//! transaction (a v0 one through a lookup table; every transaction the harness sends is checked
//! against the 1,232-byte packet and the 64 account locks).

use cross_margin::engine::perp::PerpParams;
use cross_margin::engine::trade::Instrument;
use cross_margin::error::XmError;
use cross_margin::state::MAX_ACCOUNT_UNDERLYINGS;
use xmargin_client::chain::{
    check_limits, legacy_message_size, TransactionError, PACKET_DATA_SIZE,
};
use xmargin_client::Signer;

use super::perps::{funded, SOL_PERP};
use crate::world::{AssetSpec, Trader, World, E8, USDC};
use crate::{expect, Scenario};

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "account_underlying_cap", run: account_underlying_cap },
    Scenario { name: "account_cap_trade_fits_a_transaction", run: trade_fits_a_transaction },
];

const NAMES: [&str; 24] = [
    "A00", "A01", "A02", "A03", "A04", "A05", "A06", "A07", "A08", "A09", "A10", "A11", "A12",
    "A13", "A14", "A15", "A16", "A17", "A18", "A19", "A20", "A21", "A22", "A23",
];

/// One-dollar assets (6 decimals) with a perpetual of one token per contract on each.
fn assets(w: &mut World, n: usize) -> Vec<u16> {
    w.create_group(0);
    let perp = PerpParams { contract_size: 1_000_000, ..SOL_PERP };
    let indices: Vec<u16> =
        NAMES[..n].iter().map(|&name| w.add_asset(AssetSpec::new(name, 6, E8))).collect();
    for &index in &indices {
        w.list_perp(index, perp);
    }
    indices
}

/// A trader holding 1,000 USDC and one token of each of `indices`.
fn holding(w: &mut World, label: &str, indices: &[u16]) -> Trader {
    let t = funded(w, label, 1_000);
    for &index in indices {
        w.fund_and_deposit(&t, index, 1_000_000);
    }
    t
}

fn account_underlying_cap(w: &mut World) {
    let a = assets(w, MAX_ACCOUNT_UNDERLYINGS + 1);
    let (held, extra) = (&a[..MAX_ACCOUNT_UNDERLYINGS], a[MAX_ACCOUNT_UNDERLYINGS]);
    let alice = holding(w, "alice", held);
    let bob = funded(w, "bob", 1_000);
    // A thirteenth underlying, whatever the slot: collateral, perpetual (either side).
    w.fund(&alice, extra, 1_000_000);
    expect::xm_error(w.deposit(&alice, extra, 1_000_000), XmError::AccountUnderlyingLimit);
    expect::xm_error(
        w.perp_trade(&alice, &bob, extra, 1, USDC as i64),
        XmError::AccountUnderlyingLimit,
    );
    expect::xm_error(
        w.perp_trade(&bob, &alice, extra, 1, USDC as i64),
        XmError::AccountUnderlyingLimit,
    );
    // More of what she holds is fine: a perpetual on an underlying she holds as collateral.
    expect::ok(w.perp_trade(&alice, &bob, held[0], 1, USDC as i64));
    // Emptying one underlying entirely makes room.
    expect::ok(w.withdraw(&alice, held[1], 1_000_000));
    expect::ok(w.perp_trade(&alice, &bob, extra, 1, USDC as i64));
    expect::xm_error(w.deposit(&alice, held[1], 1_000_000), XmError::AccountUnderlyingLimit);
}

/// Two accounts at the cap with only the traded underlying in common: the trade names 23
/// underlyings' health accounts (46) besides its own 7. A legacy transaction would not fit a
/// packet; through a lookup table it does, locking 53 accounts.
fn trade_fits_a_transaction(w: &mut World) {
    let a = assets(w, 2 * MAX_ACCOUNT_UNDERLYINGS - 1);
    let alice = holding(w, "alice", &a[..MAX_ACCOUNT_UNDERLYINGS]);
    let bob_holds: Vec<u16> = a[MAX_ACCOUNT_UNDERLYINGS..].iter().chain([&a[0]]).copied().collect();
    let bob = holding(w, "bob", &bob_holds);
    let trade = w.trade_ix(&alice, &bob, a[0], Instrument::Perp, 1, USDC as i64);
    assert_eq!(trade.accounts.len(), 7 + 2 * 23);
    let legacy =
        1 + 2 * 64 + legacy_message_size(std::slice::from_ref(&trade), &alice.wallet.pubkey());
    assert!(legacy > PACKET_DATA_SIZE, "{legacy}");
    let report = expect::ok(w.send(&[trade], &alice.wallet, &[&bob.wallet]));
    w.record_cu("trade_two_accounts_at_the_cap", &report);
    // What the harness refuses, as a validator would.
    let too_big = check_limits(1, PACKET_DATA_SIZE, 10).unwrap_err();
    assert_eq!(too_big.error, TransactionError::SanitizeFailure);
    let too_many = check_limits(1, 500, 65).unwrap_err();
    assert_eq!(too_many.error, TransactionError::TooManyAccountLocks);
}
