//! Collateral accounting: balances in margin accounts and the per-underlying totals. The
//! invariant kept here: for every underlying, `total_deposits` is the sum of all accounts'
//! positive balances of it and `total_borrows` the sum of what they owe (only the quote asset can
//! be owed), so the vault holds `total_deposits - total_borrows` (plus, for the quote asset, the
//! fees collected). Every balance change goes through [`apply`], which moves both totals.

use anchor_lang::prelude::*;

use crate::engine::lending;
use crate::engine::portfolio::require_room_for;
use crate::error::XmError;
use crate::state::{CollateralPosition, MarginAccount, Underlying, EMPTY_SLOT, QUOTE_INDEX};

/// A balance change: the balance before and after, native units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BalanceChange {
    pub old: i64,
    pub new: i64,
}

/// Records a deposit of `amount` native units at `now`; returns the new balance.
///
/// The deposit cap applies to the part of the deposit that adds to a positive balance: repaying
/// an amount owed (its interest booked first) is never refused.
pub fn deposit(
    account: &mut MarginAccount,
    underlying: &mut Underlying,
    amount: u64,
    now: i64,
) -> Result<i64> {
    require!(amount > 0, XmError::ZeroAmount);
    if underlying.index == QUOTE_INDEX {
        lending::book(account, underlying, now)?;
    }
    let delta = i64::try_from(amount).map_err(|_| XmError::BalanceOverflow)?;
    let change = apply(account, underlying, delta)?;
    let params = &underlying.collateral;
    if change.new > change.old.max(0) && params.total_deposits > params.deposit_cap {
        xm_msg!("deposit cap {}: total would be {}", params.deposit_cap, params.total_deposits);
        return err!(XmError::DepositCapExceeded);
    }
    Ok(change.new)
}

/// Records a withdrawal of `amount` native units at `now`; returns the new balance. A quote
/// withdrawal takes at most the pool's liquidity; an account flagged for liquidation may not
/// withdraw (`AccountBeingLiquidated`).
pub fn withdraw(
    account: &mut MarginAccount,
    underlying: &mut Underlying,
    amount: u64,
    now: i64,
) -> Result<i64> {
    require!(amount > 0, XmError::ZeroAmount);
    require!(account.liquidation_since == 0, XmError::AccountBeingLiquidated);
    if underlying.index == QUOTE_INDEX {
        lending::book(account, underlying, now)?;
        lending::require_liquidity(underlying, amount)?;
    }
    let balance = account
        .active_collateral()
        .find(|c| c.underlying == underlying.index)
        .map_or(0, |c| c.balance);
    if i128::from(balance) < i128::from(amount) {
        xm_msg!("balance {} < withdraw {}", balance, amount);
        return err!(XmError::InsufficientBalance);
    }
    Ok(apply(account, underlying, -(amount as i64))?.new)
}

/// A settlement's change of the account's quote balance at `now` (no tokens move): `delta` native
/// units, negative for a payment, which may leave the balance owed (interest booked first). New
/// borrowing may not take the pool's utilization above its maximum (`lending::capacity` says
/// how much a settlement may debit), but for an account that holds nothing of value, whose debt
/// is written off in the same instruction.
pub fn settle_into_quote(
    account: &mut MarginAccount,
    quote: &mut Underlying,
    delta: i64,
    now: i64,
) -> Result<BalanceChange> {
    lending::book(account, quote, now)?;
    let change = apply(account, quote, delta)?;
    let c = &quote.collateral;
    let max = u128::from(quote.lending.max_utilization_bps);
    let borrowed = change.new < change.old.min(0) && !account.holds_nothing_of_value();
    if borrowed && u128::from(c.total_borrows) * 10_000 > u128::from(c.total_deposits) * max {
        xm_msg!(
            "quote pool: owed {} of deposits {} above {} bps",
            c.total_borrows,
            c.total_deposits,
            max
        );
        return err!(XmError::QuoteUtilizationTooHigh);
    }
    Ok(change)
}

/// Adds `delta` to the account's balance of `underlying` and moves its totals with it: deposits
/// by the change of the positive part, borrows by the change of the owed part. Only the quote
/// asset may end negative.
pub fn apply(
    account: &mut MarginAccount,
    underlying: &mut Underlying,
    delta: i64,
) -> Result<BalanceChange> {
    let (old, new) = change_balance(account, underlying.index, delta)?;
    if new < 0 && underlying.index != QUOTE_INDEX {
        xm_msg!("underlying {}: balance {} would be negative", underlying.index, new);
        return err!(XmError::InsufficientBalance);
    }
    let c = &mut underlying.collateral;
    let moved = |total: u64, before: i64, after: i64| -> Result<u64> {
        let t = i128::from(total) + i128::from(after) - i128::from(before);
        u64::try_from(t).map_err(|_| error!(XmError::BalanceOverflow))
    };
    c.total_deposits = moved(c.total_deposits, old.max(0), new.max(0))?;
    c.total_borrows = moved(c.total_borrows, (-old).max(0), (-new).max(0))?;
    Ok(BalanceChange { old, new })
}

/// Adds `delta` to the account's balance of `underlying` (the totals are [`apply`]'s): a new
/// holding takes the first free slot, a holding that reaches zero frees its slot. Returns `(old,
/// new)` balances. Clients use it to predict which holdings (hence which health accounts) an
/// instruction leaves behind.
pub fn change_balance(
    account: &mut MarginAccount,
    underlying: u16,
    delta: i64,
) -> Result<(i64, i64)> {
    let at = match account.collateral.iter().position(|c| c.underlying == underlying) {
        Some(i) => i,
        None => {
            require_room_for(account, underlying)?;
            account
                .collateral
                .iter()
                .position(|c| c.underlying == EMPTY_SLOT)
                .ok_or(XmError::CollateralSlotsFull)?
        }
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
