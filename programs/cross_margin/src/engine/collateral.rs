//! Collateral accounting: balances in margin accounts and the per-underlying deposit total. The
//! invariant kept here: for every underlying, `total_deposits` equals the sum of all accounts'
//! balances of it (and the instruction moves exactly that many tokens in or out of the vault).

use anchor_lang::prelude::*;

use crate::error::XmError;
use crate::state::{CollateralPosition, MarginAccount, Underlying, EMPTY_SLOT};

/// Records a deposit of `amount` native units; returns the new balance.
///
/// The deposit cap applies to the part of the deposit that adds to a positive balance: repaying
/// an amount owed is never refused.
pub fn deposit(
    account: &mut MarginAccount,
    underlying: &mut Underlying,
    amount: u64,
) -> Result<i64> {
    require!(amount > 0, XmError::ZeroAmount);
    let delta = i64::try_from(amount).map_err(|_| XmError::BalanceOverflow)?;
    let params = &mut underlying.collateral;
    let total = params.total_deposits.checked_add(amount).ok_or(XmError::BalanceOverflow)?;
    let (old, new) = change_balance(account, underlying.index, delta)?;
    if new > old.max(0) && total > params.deposit_cap {
        msg!("deposit cap {}: total would be {}", params.deposit_cap, total);
        return err!(XmError::DepositCapExceeded);
    }
    params.total_deposits = total;
    Ok(new)
}

/// Records a withdrawal of `amount` native units; returns the new balance.
pub fn withdraw(
    account: &mut MarginAccount,
    underlying: &mut Underlying,
    amount: u64,
) -> Result<i64> {
    require!(amount > 0, XmError::ZeroAmount);
    let balance = account
        .active_collateral()
        .find(|c| c.underlying == underlying.index)
        .map_or(0, |c| c.balance);
    if i128::from(balance) < i128::from(amount) {
        msg!("balance {} < withdraw {}", balance, amount);
        return err!(XmError::InsufficientBalance);
    }
    let (_, new) = change_balance(account, underlying.index, -(amount as i64))?;
    let params = &mut underlying.collateral;
    // Cannot underflow: total_deposits includes this account's positive balance.
    params.total_deposits =
        params.total_deposits.checked_sub(amount).ok_or(XmError::MathOverflow)?;
    Ok(new)
}

/// Adds `delta` to the account's balance of `underlying`: a new holding takes the first free slot,
/// a holding that reaches zero frees its slot. Returns `(old, new)` balances. Clients use it to
/// predict which holdings (hence which health accounts) an instruction leaves behind.
pub fn change_balance(
    account: &mut MarginAccount,
    underlying: u16,
    delta: i64,
) -> Result<(i64, i64)> {
    let at = match account.collateral.iter().position(|c| c.underlying == underlying) {
        Some(i) => i,
        None => account
            .collateral
            .iter()
            .position(|c| c.underlying == EMPTY_SLOT)
            .ok_or(XmError::CollateralSlotsFull)?,
    };
    let slot = &mut account.collateral[at];
    let old = if slot.underlying == underlying { slot.balance } else { 0 };
    let new = old.checked_add(delta).ok_or(XmError::BalanceOverflow)?;
    *slot = if new == 0 {
        CollateralPosition { underlying: EMPTY_SLOT, ..Default::default() }
    } else {
        CollateralPosition { underlying, balance: new, ..Default::default() }
    };
    Ok((old, new))
}
