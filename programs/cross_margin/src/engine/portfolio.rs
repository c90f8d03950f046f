//! An account's health from its balances and positions and the resolved risk inputs of the
//! underlyings it touches: collateral after haircuts (`xmargin_risk::health`), perpetual P&L and
//! option values, and every underlying's book (its collateral, perpetual and options together)
//! stressed through the integer engine (`xmargin_risk::book`). On-chain no correlation credit is
//! given: the requirement is the sum of the books'. The keeper and tests call the same function
//! on decoded accounts.

use anchor_lang::prelude::*;
use xmargin_risk::cache::ContractScale;
use xmargin_risk::health::{value_holding, CollateralInput, Haircuts, Health, PriceInput};
use xmargin_risk::oracle::OraclePrice;
use xmargin_risk::portfolio::to_native;
use xmargin_risk::{Fixed, RiskError, Round};

use crate::engine::lending;
use crate::engine::valuation::{Book, Valuation};
use crate::error::{risk_error, XmError};
use crate::state::{
    CollateralPosition, HealthSnapshot, MarginAccount, Underlying, EMPTY_SLOT,
    MAX_ACCOUNT_UNDERLYINGS, MAX_COLLATERAL, MAX_OPTIONS, MAX_PERPS, QUOTE_INDEX,
};

/// Health figures attached to events and returned to readers (native quote units, rounded down).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HealthSummary {
    pub init: i64,
    pub maint: i64,
    pub assets: i64,
}

/// What a health computation needs of the quote asset besides the accounts' balances
/// (`Group::quote_terms`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuoteTerms {
    /// Native quote units per unit = 10^decimals.
    pub decimals: u8,
    /// The quote pool's deposit index (precision: 2^-40; 0 reads as 1.0): a positive quote
    /// balance counts at `lending::deposit_value`.
    pub deposit_index: u64,
}

/// Risk inputs of one non-quote underlying: its account (read in place: the option chain is
/// large), the haircuts in effect and its graded price.
#[derive(Clone, Copy, Debug)]
pub struct UnderlyingRisk<'a> {
    pub underlying: &'a Underlying,
    pub haircuts: Haircuts,
    pub price: PriceInput,
}

impl<'a> UnderlyingRisk<'a> {
    /// Inputs of `underlying` at unix time `now`, with its price already read.
    pub fn new(underlying: &'a Underlying, price: PriceInput, now: i64) -> UnderlyingRisk<'a> {
        UnderlyingRisk { underlying, haircuts: underlying.collateral.haircuts_at(now), price }
    }

    pub fn index(&self) -> u16 {
        self.underlying.index
    }

    /// The validated price, or why the computation cannot use it.
    pub(crate) fn valid_price(&self) -> core::result::Result<OraclePrice, RiskError> {
        match self.price {
            PriceInput::Valid(p) => Ok(p),
            PriceInput::Quote => Ok(OraclePrice::exact(xmargin_risk::Fixed::ONE)),
            PriceInput::Invalid(fault) => {
                Err(RiskError::PriceUnavailable { underlying: self.index(), fault })
            }
        }
    }
}

/// Prices per contract (qn) of an underlying's contracts: mid, asset (low), liability (high).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContractPrices {
    pub mid: i64,
    pub asset: i64,
    pub liability: i64,
}

/// Prices per contract of `contract_size` native units of a token with `decimals`, in a quote
/// asset with `quote_decimals`.
pub fn contract_prices(
    p: &OraclePrice,
    contract_size: u64,
    decimals: u8,
    quote_decimals: u8,
) -> core::result::Result<ContractPrices, RiskError> {
    use xmargin_risk::error::Context;
    let scale =
        ContractScale::new(contract_size, decimals, quote_decimals).context("contract scale")?;
    Ok(ContractPrices {
        mid: scale.per_contract(p.mid, Round::Down).context("price per contract")?,
        asset: scale.per_contract(p.asset, Round::Down).context("price per contract")?,
        liability: scale.per_contract(p.liability, Round::Up).context("price per contract")?,
    })
}

/// Which underlyings, ascending and without repeats, a health computation over `accounts`
/// needs accounts for: every non-quote collateral holding, market and option position, and the
/// quote underlying of an account that owes quote (for the interest owed up to now; a deposit's
/// share of socialized losses comes from the group, `QuoteTerms`).
///
/// Built by insertion into the short sorted result (an account touches at most a few dozen
/// underlyings); runs of one underlying, usual among option slots, cost one comparison each.
pub fn required_underlyings(accounts: &[&MarginAccount]) -> Vec<u16> {
    let mut out: Vec<u16> = Vec::with_capacity(MAX_COLLATERAL + MAX_PERPS);
    let mut last = EMPTY_SLOT;
    let mut note = |u: u16| {
        if u != last && u != EMPTY_SLOT {
            last = u;
            if let Err(at) = out.binary_search(&u) {
                out.insert(at, u);
            }
        }
    };
    for a in accounts {
        a.collateral
            .iter()
            .filter(|c| c.underlying != QUOTE_INDEX || c.balance < 0)
            .for_each(|c| note(c.underlying));
        a.perps.iter().for_each(|p| note(p.underlying));
        a.options.iter().for_each(|o| note(o.underlying));
    }
    out
}

/// Refuses a new slot on `underlying` if the account already holds the most distinct underlyings
/// other than the quote asset ([`MAX_ACCOUNT_UNDERLYINGS`]). Called wherever a slot opens.
pub fn require_room_for(account: &MarginAccount, underlying: u16) -> Result<()> {
    if underlying == QUOTE_INDEX || account.holds(underlying) {
        return Ok(());
    }
    let held = required_underlyings(&[account]).iter().filter(|&&u| u != QUOTE_INDEX).count();
    if held >= MAX_ACCOUNT_UNDERLYINGS {
        xm_msg!("the account holds {} underlyings, the most it may", held);
        return err!(XmError::AccountUnderlyingLimit);
    }
    Ok(())
}

/// `needed` (ascending) with `index` added in its place, once.
pub fn including(mut needed: Vec<u16>, index: u16) -> Vec<u16> {
    if let Err(at) = needed.binary_search(&index) {
        needed.insert(at, index);
    }
    needed
}

/// An account's full health, qn, and the figures behind it. On-chain no correlation credit is
/// given, so each level's requirement is the sum of the books' requirements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountHealth {
    pub collateral: Health,
    /// Unrealized P&L of the perpetuals including unbooked funding, qn.
    pub perp_pnl: i128,
    /// Value of the option positions, qn: live series at their carried marks (rounded against the
    /// holder), settled series at their settlement value.
    pub option_value: i128,
    /// Collateral after the level's haircuts plus `perp_pnl` and `option_value`, qn:
    /// `[init, maint]`.
    pub equity: [i128; 2],
    /// Sum of the books' requirements, qn: `[init, maint]`.
    pub requirement: [i128; 2],
    /// `equity[0] - requirement[0]`, qn.
    pub init_health: i128,
    /// `equity[1] - requirement[1]`, qn.
    pub maint_health: i128,
}

impl AccountHealth {
    /// Whether the account may not take on risk.
    pub fn init_negative(&self) -> bool {
        self.init_health < 0
    }
}

/// Computes the health of `account`; `risks` must cover every underlying of
/// [`required_underlyings`], ascending by index (extra entries are ignored; a holding without
/// inputs fails with `HealthAccountMissing`).
///
/// One underlying at a time: its collateral and perpetual form one book, stressed at both levels
/// and summed into the requirement at once, so nothing per underlying is kept (the SBF heap is
/// 32 KB and never freed).
pub fn compute(
    account: &MarginAccount,
    risks: &[UnderlyingRisk],
    quote: QuoteTerms,
    now: i64,
) -> Result<AccountHealth> {
    compute_valued(account, risks, quote, now, Valuation::Fresh)
}

/// [`compute`] with live options valued as `valuation` says.
pub fn compute_valued(
    account: &MarginAccount,
    risks: &[UnderlyingRisk],
    quote: QuoteTerms,
    now: i64,
    valuation: Valuation,
) -> Result<AccountHealth> {
    let quote_decimals = quote.decimals;
    let overflow = || error!(XmError::MathOverflow);
    let mut collateral = Health::default();
    let (mut perp_pnl, mut option_value) = (0i128, 0i128);
    let mut requirement = [0i128; 2];
    for c in account.active_collateral().filter(|c| c.underlying == QUOTE_INDEX) {
        // What is owed counts with its interest up to now, a deposit less its share of
        // socialized losses.
        let balance = match (c.balance < 0, risks.first()) {
            (false, _) => lending::deposit_value(c.balance, account.quote_deposit_snapshot, quote)?,
            (true, Some(r)) if r.index() == QUOTE_INDEX => {
                lending::value_at(account, r.underlying, now)?
            }
            (true, _) => {
                xm_msg!("health accounts: the quote underlying is needed for owed quote");
                return err!(XmError::HealthAccountMissing);
            }
        };
        let input = CollateralInput {
            underlying: QUOTE_INDEX,
            balance,
            decimals: quote_decimals,
            haircuts: Haircuts::NONE,
            price: PriceInput::Quote,
        };
        collateral.add(&value_holding(&input).map_err(risk_error)?).map_err(risk_error)?;
    }
    // The quote holding is valued above, without inputs.
    let non_quote = |c: &CollateralPosition| match c.underlying {
        QUOTE_INDEX => EMPTY_SLOT,
        u => u,
    };
    let holdings =
        SlotGroups::<MAX_COLLATERAL>::new(account.collateral.iter().map(non_quote), risks)?;
    let perps = SlotGroups::<MAX_PERPS>::new(account.perps.iter().map(|p| p.underlying), risks)?;
    let options =
        SlotGroups::<MAX_OPTIONS>::new(account.options.iter().map(|o| o.underlying), risks)?;
    for (k, risk) in risks.iter().enumerate() {
        if risk.index() == QUOTE_INDEX {
            // Valued above; no book (an empty one still costs its zeroing on SBF).
            continue;
        }
        let mut book = Book::new(valuation);
        for slot in holdings.slots(k) {
            book.add_collateral(
                account.collateral[slot].balance,
                risk,
                quote_decimals,
                &mut collateral,
            )?;
        }
        for slot in perps.slots(k) {
            perp_pnl += book.add_perp(&account.perps[slot], risk, quote_decimals, now)?;
        }
        for slot in options.slots(k) {
            book.add_option(&account.options[slot], risk, quote_decimals, now)?;
        }
        let value = book.exposure.option_value.checked_add(book.settled_value);
        option_value = value.and_then(|v| option_value.checked_add(v)).ok_or_else(overflow)?;
        if book.touched {
            book.add_requirements(risk, &mut requirement)?;
        }
    }
    let equity = |x| -> Result<i128> {
        let c = to_native(x, quote_decimals).map_err(risk_error)?;
        let e = c.checked_add(perp_pnl).and_then(|e| e.checked_add(option_value));
        e.ok_or_else(overflow)
    };
    let equity = [equity(collateral.init)?, equity(collateral.maint)?];
    let health = |l: usize| equity[l].checked_sub(requirement[l]).ok_or_else(overflow);
    Ok(AccountHealth {
        collateral,
        perp_pnl,
        option_value,
        equity,
        requirement,
        init_health: health(0)?,
        maint_health: health(1)?,
    })
}

/// The health one underlying's book contributes to an account, qn, `[init, maint]`: its collateral
/// after haircuts, market position and options (from fresh inputs, as in [`compute`]) less its
/// requirement. Health has no term across underlyings (no correlation credit on-chain), so a change
/// to one underlying's market and option positions that leaves every collateral balance alone
/// changes the account's health by exactly the change of this figure (`engine::trade::judge_side`
/// relies on it; a test checks it).
pub fn book_health(
    account: &MarginAccount,
    risk: &UnderlyingRisk,
    quote_decimals: u8,
    now: i64,
) -> Result<[i128; 2]> {
    let (book, collateral, value) = book_of(account, risk, quote_decimals, now)?;
    let mut requirement = [0i128; 2];
    if book.touched {
        book.add_requirements(risk, &mut requirement)?;
    }
    let level = |l: usize, c: Fixed| -> Result<i128> {
        let c = to_native(c, quote_decimals).map_err(risk_error)?;
        let v = c.checked_add(value).and_then(|v| v.checked_sub(requirement[l]));
        v.ok_or_else(|| error!(XmError::MathOverflow))
    };
    Ok([level(0, collateral.init)?, level(1, collateral.maint)?])
}

/// One underlying's book of `account` from fresh inputs, as [`book_health`] values it: the book,
/// its collateral (after haircuts) and the value of its market and option positions, qn.
pub(crate) fn book_of(
    account: &MarginAccount,
    risk: &UnderlyingRisk,
    quote_decimals: u8,
    now: i64,
) -> Result<(Book, Health, i128)> {
    let index = risk.index();
    let mut book = Book::new(Valuation::Fresh);
    let mut collateral = Health::default();
    let mut value = 0i128;
    for c in account.active_collateral().filter(|c| c.underlying == index) {
        book.add_collateral(c.balance, risk, quote_decimals, &mut collateral)?;
    }
    for p in account.perps.iter().filter(|p| p.underlying == index) {
        value = value
            .checked_add(book.add_perp(p, risk, quote_decimals, now)?)
            .ok_or(XmError::MathOverflow)?;
    }
    for o in account.options.iter().filter(|o| o.underlying == index) {
        book.add_option(o, risk, quote_decimals, now)?;
    }
    let options = book.exposure.option_value.checked_add(book.settled_value);
    value = options.and_then(|v| v.checked_add(value)).ok_or(XmError::MathOverflow)?;
    Ok((book, collateral, value))
}

/// No slot (the end of a group).
const NO_SLOT: u8 = u8::MAX;

/// An account's slots of one kind grouped by the position of their underlying in the risk inputs,
/// each group in slot order (a list linked through `next`): one pass over the slots, not one
/// per underlying, and every held slot is covered by some input.
struct SlotGroups<const N: usize> {
    /// First slot of each input's group.
    head: Vec<u8>,
    /// The slot after each slot in its group.
    next: [u8; N],
}

impl<const N: usize> SlotGroups<N> {
    /// Groups the slots by `underlyings` (per slot; `EMPTY_SLOT` for none); fails, naming the
    /// underlying, if `risks` (ascending) lacks one.
    fn new(
        underlyings: impl DoubleEndedIterator<Item = u16> + ExactSizeIterator,
        risks: &[UnderlyingRisk],
    ) -> Result<SlotGroups<N>> {
        const { assert!(N < NO_SLOT as usize) };
        let mut groups = SlotGroups { head: vec![NO_SLOT; risks.len()], next: [NO_SLOT; N] };
        // Slots of one underlying are usually adjacent: one search per run.
        let mut last = (EMPTY_SLOT, 0usize);
        for (slot, index) in underlyings.enumerate().rev() {
            if index == EMPTY_SLOT {
                continue;
            }
            if index != last.0 {
                let Ok(k) = risks.binary_search_by_key(&index, |r| r.index()) else {
                    xm_msg!("health accounts: no inputs for underlying {}", index);
                    return err!(XmError::HealthAccountMissing);
                };
                last = (index, k);
            }
            groups.next[slot] = groups.head[last.1];
            groups.head[last.1] = slot as u8;
        }
        Ok(groups)
    }

    /// The slots of input `k`'s group, ascending.
    fn slots(&self, k: usize) -> impl Iterator<Item = usize> + '_ {
        let mut slot = self.head[k];
        core::iter::from_fn(move || {
            let current = slot;
            (current != NO_SLOT).then(|| {
                slot = self.next[usize::from(current)];
                usize::from(current)
            })
        })
    }
}

/// Health figures in native quote units for events and the snapshot.
pub fn summarize(health: &AccountHealth, quote_decimals: u8) -> Result<HealthSummary> {
    let narrow = |x: i128| i64::try_from(x).map_err(|_| error!(XmError::MathOverflow));
    let assets = to_native(health.collateral.assets, quote_decimals).map_err(risk_error)?;
    Ok(HealthSummary {
        init: narrow(health.init_health)?,
        maint: narrow(health.maint_health)?,
        assets: narrow(assets)?,
    })
}

/// Stores a health summary in the account for readers; clears the liquidation flag when init
/// health is at 0 or above (the liquidation target), and restarts a flagged account's auction
/// while its maint health is at 0 or above.
pub fn record(account: &mut MarginAccount, summary: &HealthSummary, now: i64) {
    if summary.init >= 0 {
        account.liquidation_since = 0;
    } else if summary.maint >= 0 && account.liquidation_since != 0 {
        account.liquidation_since = now;
    }
    account.health = HealthSnapshot {
        init: summary.init,
        maint: summary.maint,
        assets: summary.assets,
        timestamp: now,
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytemuck::Zeroable;

    fn underlyings(indices: &[u16]) -> Vec<Underlying> {
        let with_index = |&index| Underlying { index, ..Underlying::zeroed() };
        indices.iter().map(with_index).collect()
    }

    fn risks(us: &[Underlying]) -> Vec<UnderlyingRisk<'_>> {
        let inputs = |underlying| UnderlyingRisk {
            underlying,
            haircuts: Haircuts::NONE,
            price: PriceInput::Quote,
        };
        us.iter().map(inputs).collect()
    }

    const Q: QuoteTerms = QuoteTerms { decimals: 6, deposit_index: 0 };

    fn missing() -> Error {
        error!(XmError::HealthAccountMissing)
    }

    #[test]
    fn slot_groups_follow_the_inputs_in_slot_order() {
        let us = underlyings(&[2, 5, 9, 11]);
        let slots = [5, EMPTY_SLOT, 2, 5, 9, 2, EMPTY_SLOT, 5];
        let groups = SlotGroups::<8>::new(slots.into_iter(), &risks(&us)).unwrap();
        let got: Vec<Vec<usize>> = (0..4).map(|k| groups.slots(k).collect()).collect();
        assert_eq!(got, [vec![2, 5], vec![0, 3, 7], vec![4], vec![]]);
    }

    #[test]
    fn slot_groups_name_an_underlying_without_inputs() {
        let us = underlyings(&[2, 9]);
        let slots = [2, 5, 9, EMPTY_SLOT];
        assert_eq!(SlotGroups::<4>::new(slots.into_iter(), &risks(&us)).err(), Some(missing()));
        let slots = [EMPTY_SLOT; 4];
        assert!(SlotGroups::<4>::new(slots.into_iter(), &[]).is_ok());
    }

    /// Every kind of holding must have its underlying's inputs; a positive quote balance needs
    /// none (its socialized-loss share comes from the group's deposit index), a negative one the
    /// quote underlying (for the interest owed).
    #[test]
    fn health_needs_inputs_for_every_holding() {
        let us = underlyings(&[3]);
        let mut account = MarginAccount::zeroed();
        account.clear_slots();
        account.collateral[0] =
            CollateralPosition { underlying: QUOTE_INDEX, balance: 5, ..Zeroable::zeroed() };
        assert!(compute(&account, &[], Q, 0).is_ok());
        account.collateral[0].balance = -5;
        assert_eq!(compute(&account, &[], Q, 0).err(), Some(missing()));
        account.collateral[0] = CollateralPosition { underlying: EMPTY_SLOT, ..Zeroable::zeroed() };
        let holdings: [fn(&mut MarginAccount); 3] = [
            |a| a.collateral[1] = CollateralPosition { underlying: 3, ..Zeroable::zeroed() },
            |a| a.perps[4].underlying = 3,
            |a| a.options[100].underlying = 3,
        ];
        for hold in holdings {
            let mut a = account;
            hold(&mut a);
            assert_eq!(compute(&a, &[], Q, 0).err(), Some(missing()));
            assert!(compute(&a, &risks(&us), Q, 0).err() != Some(missing()));
        }
    }
}
