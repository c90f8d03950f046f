//! The quote pool's loans, on plain account structs: an account whose quote balance is negative
//! owes that amount to the pool (the quote depositors), with interest.
//!
//! Invariants (the tests' conservation check holds them after every transaction):
//! - `total_deposits` is the sum of positive quote balances and `total_borrows` the sum of what
//!   is owed, both as booked; the vault holds `total_deposits - total_borrows + fees_collected +
//!   interest_collected + protocol_fees - loss_unbooked`: `fees_collected` and
//!   `interest_collected` wait for `insurance_sweep` (which moves the interest and a share of
//!   the fees to the insurance vault and the rest of the fees into `protocol_fees`).
//! - **Interest** accrues to the pool's borrow index at `xmargin_risk::interest`'s rate for the
//!   pool's utilization (`total_borrows / total_deposits`) whenever an instruction writes the pool
//!   ([`accrue`]). An account's interest is booked ([`book`]) whenever its quote balance changes:
//!   what it owes becomes `ceil(owed * index / snapshot)`; the difference moves into
//!   `total_borrows` and `interest_collected` (the insurance fund's), so the vault equation holds
//!   exactly. Health counts the interest owed up to now without booking it ([`balance_at`] at
//!   [`index_at`]).
//! - **New borrowing** (a quote balance pushed further below zero, interest apart) happens only in
//!   settlements, only for a payer shown not liquidatable (maint health >= 0), and may not take
//!   utilization above `max_utilization_bps` ([`capacity`]); settlements settle what the pool can
//!   fund and the rest waits, counted in both accounts' equity meanwhile.
//! - **Liquidity**: a withdrawal of the quote asset may take at most `total_deposits -
//!   total_borrows - loss_unbooked` (what depositors' tokens are still in the vault).
//! - **Socialized losses** ([`socialize`]): what a bankruptcy leaves after the insurance fund is
//!   written off the pool's loans and spread over the quote deposits by the deposit index
//!   (`xmargin_risk::interest::shrink_index`), into `loss_unbooked`. A positive balance books its
//!   share ([`book`]) whenever it changes, `floor(balance * index / snapshot)`: the difference
//!   leaves `total_deposits` and `loss_unbooked` (rounding beyond the loss goes to
//!   `interest_collected`), so the vault equation above holds exactly. Health values a positive
//!   balance at its worth now ([`deposit_value`]) from the group's copy of the deposit index
//!   (`Group::quote_deposit_index`), so it needs no quote underlying.
//! - An account with **no holdings** borrows in `perp_settle_pnl` only up to its unsettled gains on
//!   other underlyings ([`capacity`]). One
//!   that **holds nothing of value** (no holdings, no unsettled gain:
//!   `MarginAccount::holds_nothing_of_value`) settles its whole loss only through
//!   `account_settle_bankruptcy`, beyond the utilization limit, which writes off what it then owes
//!   in the same instruction (`engine::bankruptcy::after_settlement`): the loss is real either
//!   way, and no winner paid from the pool can withdraw before the depositors' share of it is
//!   booked. Its interest is not booked ([`book`]): it would only be written off, at the
//!   depositors' cost.

use anchor_lang::prelude::*;
use xmargin_risk::interest::{
    borrow_capacity, deposit_at, grow_index, owed_at, shrink_index, utilization_bps, RateModel,
    INDEX_ONE,
};

use crate::engine::portfolio::QuoteTerms;
use crate::error::XmError;
use crate::state::{MarginAccount, Underlying, EMPTY_SLOT, QUOTE_INDEX};

/// The highest rate a pool may charge (at 100% utilization), basis points a year: 200%. The borrow
/// index has 24 bits of room above 1.0, so even at this rate and full utilization without pause it
/// lasts 8 years, and 266 years at the default model's 6.25% at half use.
pub const MAX_RATE_BPS: u32 = 20_000;

/// What a group's quote pool lends with (every rate per year, basis points).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuotePoolParams {
    /// Rate at zero utilization.
    pub base_rate_bps: u16,
    /// Rate added from zero to the optimal utilization.
    pub slope1_bps: u16,
    /// Rate added from the optimal utilization to 100%.
    pub slope2_bps: u16,
    /// The kink of the rate model, basis points of utilization (`1..10_000`).
    pub optimal_utilization_bps: u16,
    /// No new borrowing beyond this utilization, basis points (`1..10_000`).
    pub max_utilization_bps: u16,
}

impl QuotePoolParams {
    /// A conventional model: 0% at no use, 10% a year at the 80% kink, 110% at full use; new
    /// borrowing stops at 90%.
    pub const DEFAULT: QuotePoolParams = QuotePoolParams {
        base_rate_bps: 0,
        slope1_bps: 1_000,
        slope2_bps: 10_000,
        optimal_utilization_bps: 8_000,
        max_utilization_bps: 9_000,
    };
}

impl QuotePoolParams {
    /// The model a pool lends with.
    pub fn current(pool: &Underlying) -> QuotePoolParams {
        let l = &pool.lending;
        QuotePoolParams {
            base_rate_bps: l.base_rate_bps,
            slope1_bps: l.slope1_bps,
            slope2_bps: l.slope2_bps,
            optimal_utilization_bps: l.optimal_utilization_bps,
            max_utilization_bps: l.max_utilization_bps,
        }
    }

    /// Checks a valid rate model (`RateModel::is_valid`), a limit in `1..10_000` and a full rate
    /// of at most [`MAX_RATE_BPS`].
    pub fn validate(&self) -> Result<()> {
        let model = RateModel {
            base_bps: self.base_rate_bps,
            slope1_bps: self.slope1_bps,
            slope2_bps: self.slope2_bps,
            optimal_bps: self.optimal_utilization_bps,
        };
        let full =
            u32::from(self.base_rate_bps) + u32::from(self.slope1_bps) + u32::from(self.slope2_bps);
        require!(
            model.is_valid()
                && (1..10_000).contains(&self.max_utilization_bps)
                && full <= MAX_RATE_BPS,
            XmError::InvalidQuotePoolParams
        );
        Ok(())
    }

    /// Validates and writes the model into the pool.
    fn write(&self, pool: &mut Underlying) -> Result<()> {
        self.validate()?;
        let l = &mut pool.lending;
        l.base_rate_bps = self.base_rate_bps;
        l.slope1_bps = self.slope1_bps;
        l.slope2_bps = self.slope2_bps;
        l.optimal_utilization_bps = self.optimal_utilization_bps;
        l.max_utilization_bps = self.max_utilization_bps;
        Ok(())
    }
}

/// Sets up the quote pool of a new group at `now`: index 1.0, the rate model and its limit.
pub fn init(pool: &mut Underlying, p: &QuotePoolParams, now: i64) -> Result<()> {
    p.validate()?;
    let l = &mut pool.lending;
    l.borrow_index = INDEX_ONE;
    l.deposit_index = INDEX_ONE;
    l.last_accrual_ts = now;
    p.write(pool)
}

/// Replaces the pool's rate model at `now`: the index is accrued to `now` at the old model first,
/// so the new one applies only from then on.
pub fn set_model(pool: &mut Underlying, p: &QuotePoolParams, now: i64) -> Result<()> {
    p.validate()?;
    accrue(pool, now)?;
    p.write(pool)
}

/// The pool's borrow index at `now`: accrued over the time since the last accrual at the rate of
/// its current utilization.
pub fn index_at(pool: &Underlying, now: i64) -> Result<u64> {
    let l = &pool.lending;
    let dt = now.saturating_sub(l.last_accrual_ts);
    let c = &pool.collateral;
    if dt <= 0 || c.total_borrows == 0 {
        return Ok(l.borrow_index);
    }
    let rate = pool.rate_model().rate_bps(utilization_bps(c.total_deposits, c.total_borrows));
    grow_index(l.borrow_index, rate, dt as u64).map_err(|e| {
        xm_msg!("quote pool: {}", e);
        error!(XmError::MathOverflow)
    })
}

/// Accrues the pool's borrow index up to `now`.
pub fn accrue(pool: &mut Underlying, now: i64) -> Result<()> {
    require!(pool.index == QUOTE_INDEX, XmError::QuoteUnderlyingExpected);
    pool.lending.borrow_index = index_at(pool, now)?;
    pool.lending.last_accrual_ts = pool.lending.last_accrual_ts.max(now);
    Ok(())
}

/// A quote balance at borrow index `index`: unchanged if not negative, else what is owed with the
/// interest since `snapshot` (rounded up).
pub fn balance_at(balance: i64, snapshot: u64, index: u64) -> Result<i64> {
    if balance >= 0 {
        return Ok(balance);
    }
    let owed = owed_at(balance.unsigned_abs(), snapshot, index).map_err(|e| {
        xm_msg!("owed quote: {}", e);
        error!(XmError::MathOverflow)
    })?;
    i64::try_from(owed).map(|o| -o).map_err(|_| error!(XmError::BalanceOverflow))
}

/// The pool's deposit index (0, in a pool from before socialized losses, reads as 1.0).
pub fn deposit_index(pool: &Underlying) -> u64 {
    match pool.lending.deposit_index {
        0 => INDEX_ONE,
        index => index,
    }
}

/// `account`'s quote balance worth now: what it owes with the interest up to `now` (rounded up),
/// or its positive balance less its share of socialized losses (rounded down).
pub fn value_at(account: &MarginAccount, pool: &Underlying, now: i64) -> Result<i64> {
    let balance = quote_balance(account);
    if balance < 0 {
        return balance_at(balance, account.quote_index_snapshot, index_at(pool, now)?);
    }
    let terms = QuoteTerms { decimals: 0, deposit_index: deposit_index(pool) };
    deposit_value(balance, account.quote_deposit_snapshot, terms)
}

/// A positive quote `balance` booked at deposit index `snapshot`, worth now at `quote`'s deposit
/// index (0 reads as 1.0): less its share of socialized losses since, rounded down.
pub fn deposit_value(balance: i64, snapshot: u64, quote: QuoteTerms) -> Result<i64> {
    let index = match quote.deposit_index {
        0 => INDEX_ONE,
        index => index,
    };
    let kept = deposit_at(balance.max(0) as u64, snapshot, index).map_err(|e| {
        xm_msg!("quote deposit: {}", e);
        error!(XmError::MathOverflow)
    })?;
    Ok(kept as i64)
}

/// The account's quote balance, or 0 without one.
pub fn quote_balance(account: &MarginAccount) -> i64 {
    let c = account.active_collateral().find(|c| c.underlying == QUOTE_INDEX);
    c.map_or(0, |c| c.balance)
}

/// Accrues the pool to `now` and books `account`'s quote balance to it: the interest it owes, or
/// its share of socialized losses (see the module doc); both snapshots move to the pool's indices.
pub fn book(account: &mut MarginAccount, pool: &mut Underlying, now: i64) -> Result<()> {
    accrue(pool, now)?;
    let balance = quote_balance(account);
    let worth = value_at(account, pool, now)?;
    account.quote_index_snapshot = pool.lending.borrow_index;
    account.quote_deposit_snapshot = deposit_index(pool);
    if worth == balance {
        return Ok(());
    }
    crate::engine::collateral::apply(account, pool, worth - balance)?;
    let change = (balance - worth).unsigned_abs();
    let l = &mut pool.lending;
    // Interest owed, or the loss beyond what is unbooked (rounding): the insurance fund's.
    let to_fund = if balance < 0 {
        change
    } else {
        let booked = change.min(l.loss_unbooked);
        l.loss_unbooked -= booked;
        change - booked
    };
    l.interest_collected =
        l.interest_collected.checked_add(to_fund).ok_or(XmError::BalanceOverflow)?;
    Ok(())
}

/// Books a bankrupt account (it holds nothing of value and owes quote) to `now` without charging
/// the interest since its last booking: that interest would only be written off, at the
/// depositors' cost. Any other account is booked as usual ([`book`]).
pub fn book_bankrupt(account: &mut MarginAccount, pool: &mut Underlying, now: i64) -> Result<()> {
    if quote_balance(account) >= 0 || !account.holds_nothing_of_value() {
        return book(account, pool, now);
    }
    accrue(pool, now)?;
    account.quote_index_snapshot = pool.lending.borrow_index;
    account.quote_deposit_snapshot = deposit_index(pool);
    Ok(())
}

/// Writes `loss` native quote units off the pool's loans (the caller has already raised the
/// bankrupt balance by it) and spreads it over the deposits through the deposit index, of which
/// `group_index` is the group's copy (`Group::quote_deposit_index`). Refused
/// (`LossExceedsDeposits`) beyond what the deposits are worth.
pub fn socialize(pool: &mut Underlying, group_index: &mut u64, loss: u64) -> Result<()> {
    if loss == 0 {
        return Ok(());
    }
    let l = &pool.lending;
    let worth = pool.collateral.total_deposits.saturating_sub(l.loss_unbooked);
    if loss > worth {
        xm_msg!("loss {} > deposits worth {}", loss, worth);
        return err!(XmError::LossExceedsDeposits);
    }
    let index = shrink_index(deposit_index(pool), loss, worth).map_err(|e| {
        xm_msg!("deposit index: {}", e);
        error!(XmError::MathOverflow)
    })?;
    let l = &mut pool.lending;
    l.deposit_index = index;
    *group_index = index;
    l.loss_unbooked = l.loss_unbooked.checked_add(loss).ok_or(XmError::BalanceOverflow)?;
    Ok(())
}

/// How a settlement's payer may fund it beyond its positive quote balance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Funding {
    /// Not at all: a payer not shown healthy, or with no holdings left.
    Balance,
    /// By new borrowing within the pool's maximum utilization: a payer shown not liquidatable.
    Borrow,
    /// Without limit, written off in the same instruction: a payer that holds nothing of value
    /// (`account_settle_bankruptcy`).
    WriteOff,
}

/// What a settlement may debit `account`'s quote balance (already booked) with `funding`: its
/// positive balance, plus new borrowing up to the pool's capacity within its maximum utilization
/// (`Borrow`), or everything (`WriteOff`). An account with no holdings borrows, whatever its
/// funding, only up to its unsettled gains on other underlyings (what backs the loan), so that
/// two such accounts owing each other on two underlyings can still settle.
pub fn capacity(account: &MarginAccount, pool: &Underlying, funding: Funding) -> u64 {
    let free = quote_balance(account).max(0) as u64;
    let c = &pool.collateral;
    let deposits = c.total_deposits.saturating_sub(free);
    let lendable = borrow_capacity(deposits, c.total_borrows, pool.lending.max_utilization_bps);
    match funding {
        Funding::WriteOff => u64::MAX,
        _ if account.has_no_holdings() => {
            let claims: u64 = account
                .perps
                .iter()
                .filter(|p| p.underlying != EMPTY_SLOT && p.quote > 0)
                .map(|p| p.quote as u64)
                .fold(0, u64::saturating_add);
            free.saturating_add(claims.min(lendable))
        }
        Funding::Borrow => free.saturating_add(lendable),
        Funding::Balance => free,
    }
}

/// Refuses a quote withdrawal of `amount` beyond the pool's liquidity (`total_deposits -
/// total_borrows - loss_unbooked`: the depositors' tokens still in the vault, so that the fees,
/// interest and protocol fees held there stay).
pub fn require_liquidity(pool: &Underlying, amount: u64) -> Result<()> {
    let c = &pool.collateral;
    let unbooked = pool.lending.loss_unbooked;
    let liquid = c.total_deposits.saturating_sub(c.total_borrows).saturating_sub(unbooked);
    if amount > liquid {
        xm_msg!(
            "withdraw {} > liquidity {} (deposits {}, owed {}, loss unbooked {})",
            amount,
            liquid,
            c.total_deposits,
            c.total_borrows,
            unbooked
        );
        return err!(XmError::InsufficientLiquidity);
    }
    Ok(())
}
