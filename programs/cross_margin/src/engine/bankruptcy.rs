//! Bankruptcy and the insurance fund, on plain account structs.
//!
//! - **Bankrupt**: an account that holds nothing of value (`MarginAccount::holds_nothing_of_value`:
//!   no holdings left to liquidate, no unsettled gain) and owes quote: a loan nothing backs.
//!   [`resolve`] clears it: the insurance fund pays what it can into the quote pool, the rest is
//!   written off and socialized over the quote deposits (`lending::socialize`); no interest is
//!   charged for the time it was bankrupt (it would only be socialized). The account ends owing
//!   nothing and unflagged; a second resolution finds nothing owed. A settlement that leaves such
//!   an account owing resolves it in the same instruction ([`after_settlement`]), so the winner it
//!   paid, a quote depositor from then on, bears its share of the loss like every other one and
//!   nobody can withdraw in between.
//! - **Insurance fund** (`Group::insurance`, its own vault): anyone may pay in
//!   (`insurance_deposit`); [`sweep`] moves the quote pool's collected interest and
//!   `fee_share_bps` of its collected fees to it, and the rest of the fees to the group's
//!   `protocol_fees`. It pays out only in [`resolve`].
//!
//! Every token is accounted: the quote vault holds `total_deposits - total_borrows +
//! fees_collected + interest_collected + protocol_fees - loss_unbooked`, the insurance vault
//! `insurance.balance`.

use anchor_lang::prelude::*;

use crate::engine::{collateral, lending};
use crate::error::XmError;
use crate::state::{Group, InsuranceFund, MarginAccount, Underlying};

/// What a resolution did, native quote units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resolution {
    /// What the account owed, interest included.
    pub owed: u64,
    /// Paid by the insurance fund into the quote pool.
    pub insurance_paid: u64,
    /// Written off and spread over the quote deposits.
    pub socialized: u64,
}

/// Resolves `account`'s bankruptcy against the quote pool `pool` of `group` at `now` (see the
/// module doc); the caller moves `insurance_paid` tokens from the insurance vault to the quote
/// vault.
pub fn resolve(
    account: &mut MarginAccount,
    pool: &mut Underlying,
    group: &mut Group,
    now: i64,
) -> Result<Resolution> {
    require!(account.has_no_holdings(), XmError::BankruptcyAccountNotEmpty);
    require!(account.holds_nothing_of_value(), XmError::BankruptcyUnsettledQuote);
    lending::book_bankrupt(account, pool, now)?;
    let balance = lending::quote_balance(account);
    require!(balance < 0, XmError::NotBankrupt);
    let owed = balance.unsigned_abs();
    let insurance_paid = owed.min(group.insurance.balance);
    let socialized = owed - insurance_paid;
    // The loan leaves the pool's books: repaid by the fund, the rest written off.
    collateral::apply(account, pool, -balance)?;
    lending::socialize(pool, &mut group.quote_deposit_index, socialized)?;
    group.insurance.balance -= insurance_paid;
    // Statistics: they saturate rather than ever block a resolution.
    group.insurance_paid_total = group.insurance_paid_total.saturating_add(insurance_paid);
    group.socialized_total = group.socialized_total.saturating_add(socialized);
    account.liquidation_since = 0;
    Ok(Resolution { owed, insurance_paid, socialized })
}

/// After a settlement debited `account`: resolves it at once if it now owes quote and holds
/// nothing of value (module doc); `None` otherwise.
pub fn after_settlement(
    account: &mut MarginAccount,
    pool: &mut Underlying,
    group: &mut Group,
    now: i64,
) -> Result<Option<Resolution>> {
    if !account.holds_nothing_of_value() || lending::quote_balance(account) >= 0 {
        return Ok(None);
    }
    resolve(account, pool, group, now).map(Some)
}

/// What a sweep moved, native quote units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sweep {
    /// To the insurance vault: all collected interest and the fund's share of the fees.
    pub to_fund: u64,
    /// Kept in the quote vault as the group's `protocol_fees`.
    pub to_group: u64,
}

/// Divides the quote pool's collected interest and fees between the insurance fund and the group
/// (see the module doc); the caller moves `to_fund` tokens from the quote vault to the insurance
/// vault.
pub fn sweep(pool: &mut Underlying, insurance: &mut InsuranceFund) -> Result<Sweep> {
    let l = &mut pool.lending;
    let fees = pool.fees_collected;
    let fund_fees = u64::try_from(u128::from(fees) * u128::from(insurance.fee_share_bps) / 10_000)
        .map_err(|_| XmError::MathOverflow)?;
    let to_fund = l.interest_collected.checked_add(fund_fees).ok_or(XmError::BalanceOverflow)?;
    let to_group = fees - fund_fees;
    l.protocol_fees = l.protocol_fees.checked_add(to_group).ok_or(XmError::BalanceOverflow)?;
    l.interest_collected = 0;
    pool.fees_collected = 0;
    insurance.balance = insurance.balance.checked_add(to_fund).ok_or(XmError::BalanceOverflow)?;
    Ok(Sweep { to_fund, to_group })
}

/// Records `amount` paid into the insurance fund.
pub fn deposit(insurance: &mut InsuranceFund, amount: u64) -> Result<()> {
    require!(amount > 0, XmError::ZeroAmount);
    insurance.balance = insurance.balance.checked_add(amount).ok_or(XmError::BalanceOverflow)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytemuck::Zeroable;
    use xmargin_risk::interest::INDEX_ONE;

    use crate::state::{CollateralPosition, EMPTY_SLOT, QUOTE_INDEX};

    /// A group whose insurance fund holds `balance`.
    fn fund_of(balance: u64) -> Group {
        let mut group = Group::zeroed();
        group.insurance.balance = balance;
        group.quote_deposit_index = INDEX_ONE;
        group
    }

    /// A quote pool with `deposits` deposited and `owed` lent to an account that holds nothing.
    fn pool_and_debtor(deposits: u64, owed: i64) -> (Underlying, MarginAccount) {
        let mut pool = Underlying { index: QUOTE_INDEX, ..Underlying::zeroed() };
        pool.lending.borrow_index = INDEX_ONE;
        pool.lending.deposit_index = INDEX_ONE;
        pool.collateral.total_deposits = deposits;
        pool.collateral.total_borrows = owed.unsigned_abs();
        let mut account = MarginAccount::zeroed();
        account.collateral =
            [CollateralPosition { underlying: EMPTY_SLOT, ..Default::default() }; 16];
        account.perps.iter_mut().for_each(|p| p.underlying = EMPTY_SLOT);
        account.options.iter_mut().for_each(|o| o.underlying = EMPTY_SLOT);
        account.collateral[0] =
            CollateralPosition { underlying: QUOTE_INDEX, balance: -owed, ..Default::default() };
        account.quote_index_snapshot = INDEX_ONE;
        (pool, account)
    }

    /// Gives `pool` a rate model: 10% a year at the 80% kink.
    fn charge_interest(pool: &mut Underlying) {
        pool.lending.slope1_bps = 1_000;
        pool.lending.optimal_utilization_bps = 8_000;
        pool.lending.slope2_bps = 10_000;
    }

    #[test]
    fn the_fund_pays_first_and_the_rest_is_socialized() {
        let (mut pool, mut account) = pool_and_debtor(1_000_000, 300);
        let mut fund = fund_of(100);
        let r = resolve(&mut account, &mut pool, &mut fund, 0).unwrap();
        assert_eq!(r, Resolution { owed: 300, insurance_paid: 100, socialized: 200 });
        assert_eq!(
            (fund.insurance.balance, pool.collateral.total_borrows, pool.lending.loss_unbooked),
            (0, 0, 200)
        );
        assert!(pool.lending.deposit_index < INDEX_ONE);
        assert_eq!(fund.quote_deposit_index, pool.lending.deposit_index);
        assert_eq!((fund.insurance_paid_total, fund.socialized_total), (100, 200));
        assert_eq!(lending::quote_balance(&account), 0);
        // Nothing is owed any more.
        assert_eq!(
            resolve(&mut account, &mut pool, &mut fund, 0).unwrap_err(),
            error!(XmError::NotBankrupt)
        );
    }

    #[test]
    fn a_fund_large_enough_pays_everything() {
        let (mut pool, mut account) = pool_and_debtor(1_000, 300);
        let mut fund = fund_of(1_000);
        let r = resolve(&mut account, &mut pool, &mut fund, 0).unwrap();
        assert_eq!((r.insurance_paid, r.socialized, fund.insurance.balance), (300, 0, 700));
        assert_eq!(pool.lending.deposit_index, INDEX_ONE);
        // The totals add up over resolutions.
        let (_, mut second) = pool_and_debtor(0, 900);
        pool.collateral.total_borrows += 900;
        resolve(&mut second, &mut pool, &mut fund, 0).unwrap();
        assert_eq!((fund.insurance_paid_total, fund.socialized_total), (1_000, 200));
    }

    #[test]
    fn holdings_or_an_unsettled_gain_refuse() {
        let (mut pool, mut account) = pool_and_debtor(1_000, 300);
        let mut fund = fund_of(0);
        account.perps[0].underlying = 1;
        account.perps[0].quote = 5;
        assert_eq!(
            resolve(&mut account, &mut pool, &mut fund, 0).unwrap_err(),
            error!(XmError::BankruptcyUnsettledQuote)
        );
        account.perps[0].base = 1;
        assert_eq!(
            resolve(&mut account, &mut pool, &mut fund, 0).unwrap_err(),
            error!(XmError::BankruptcyAccountNotEmpty)
        );
        // An unsettled loss is no value: its settlement is written off when it comes.
        account.perps[0].base = 0;
        account.perps[0].quote = -5;
        assert_eq!(resolve(&mut account, &mut pool, &mut fund, 0).unwrap().socialized, 300);
    }

    #[test]
    fn a_bankrupt_account_pays_no_interest() {
        // A year at a positive rate would raise the debt; a bankrupt one is written off as booked.
        let (mut pool, mut account) = pool_and_debtor(1_000, 300);
        charge_interest(&mut pool);
        let mut fund = fund_of(0);
        let r = resolve(&mut account, &mut pool, &mut fund, 31_536_000).unwrap();
        assert_eq!((r.owed, pool.lending.interest_collected), (300, 0));
        assert!(pool.lending.borrow_index > INDEX_ONE);
    }

    #[test]
    fn a_settlement_that_leaves_a_debt_resolves_it() {
        let (mut pool, mut account) = pool_and_debtor(1_000, 0);
        let mut fund = fund_of(40);
        assert_eq!(after_settlement(&mut account, &mut pool, &mut fund, 0).unwrap(), None);
        collateral::apply(&mut account, &mut pool, -100).unwrap();
        let r = after_settlement(&mut account, &mut pool, &mut fund, 0).unwrap().unwrap();
        assert_eq!((r.owed, r.insurance_paid, r.socialized), (100, 40, 60));
        // With an unsettled gain the account settles that first: nothing is written off.
        collateral::apply(&mut account, &mut pool, -100).unwrap();
        account.perps[0].underlying = 1;
        account.perps[0].quote = 150;
        assert_eq!(after_settlement(&mut account, &mut pool, &mut fund, 0).unwrap(), None);
    }

    #[test]
    fn an_empty_account_borrows_only_against_its_gains() {
        let (mut pool, mut account) = pool_and_debtor(1_000, 0);
        pool.lending.max_utilization_bps = 9_000;
        use lending::{capacity, Funding};
        assert_eq!(capacity(&account, &pool, Funding::Borrow), 0);
        // A gain of 300 on another underlying backs a loan of as much.
        account.perps[0].underlying = 2;
        account.perps[0].quote = 300;
        assert_eq!(capacity(&account, &pool, Funding::Balance), 300);
        assert_eq!(capacity(&account, &pool, Funding::Borrow), 300);
        // Within the pool's utilization limit.
        let mut tight = pool;
        tight.lending.max_utilization_bps = 9_000;
        tight.collateral.total_borrows = 850;
        assert_eq!(capacity(&account, &tight, Funding::Borrow), 50);
    }

    #[test]
    fn only_a_bankrupt_account_is_spared_interest() {
        // An account with no holdings owing 300 that is about to be paid a gain books its interest.
        let (mut pool, mut account) = pool_and_debtor(1_000, 300);
        charge_interest(&mut pool);
        account.perps[0].underlying = 2;
        account.perps[0].quote = 0; // its gain just moved out of the slot, not yet credited
        lending::book(&mut account, &mut pool, 31_536_000).unwrap();
        assert!(pool.lending.interest_collected > 0);
        assert!(lending::quote_balance(&account) < -300);
    }

    #[test]
    fn a_sweep_divides_interest_and_fees() {
        let mut pool = Underlying::zeroed();
        pool.fees_collected = 1_001;
        pool.lending.interest_collected = 50;
        let mut fund =
            InsuranceFund { fee_share_bps: 5_000, balance: 7, ..InsuranceFund::default() };
        let s = sweep(&mut pool, &mut fund).unwrap();
        assert_eq!(s, Sweep { to_fund: 550, to_group: 501 });
        assert_eq!((fund.balance, pool.lending.protocol_fees, pool.fees_collected), (557, 501, 0));
        assert_eq!(pool.lending.interest_collected, 0);
    }
}
