//! Health accounts: how an instruction that checks health receives its inputs.
//!
//! A segment of the remaining accounts holds, for every underlying the checked margin accounts
//! touch (non-quote collateral holdings, market and option positions of all of them together, plus
//! any underlying the instruction names, such as a trade's), the pair `(Underlying,
//! PriceUpdateV2)`, ascending by underlying index, each index once. The quote underlying (index 0)
//! comes first, alone and without a price account, only when an account owes quote (health then
//! counts the interest owed up to now). A missing pair, a pair out of order or repeated, an
//! underlying of another group and, where the segment must end the list, extra accounts are each
//! rejected with their own error.
//! An instruction may carry a second list after the segment ([`HealthAccounts::load_segment`]).
//!
//! The underlyings are read in place (borrowed for the whole check, not copied): an option chain
//! with its risk cache is 7.8 KB, and the SBF heap is 32 KB and never freed.

use std::cell::Ref;

use anchor_lang::prelude::*;
use xmargin_risk::health::PriceInput;

use crate::engine::portfolio::{
    self, required_underlyings, AccountHealth, HealthSummary, QuoteTerms, UnderlyingRisk,
};
use crate::error::XmError;
use crate::oracle::read_price;
use crate::state::{MarginAccount, Underlying, QUOTE_INDEX};

/// One underlying's inputs: the account borrowed in place and its graded price.
struct Input<'info> {
    underlying: Ref<'info, Underlying>,
    price: PriceInput,
}

/// The underlyings and prices a health check reads, borrowed from the remaining accounts.
pub struct HealthAccounts<'info> {
    underlyings: Vec<Input<'info>>,
    now: i64,
}

impl<'info> HealthAccounts<'info> {
    /// Resolves every underlying `accounts` need from the whole of `remaining`, ascending.
    pub fn load(
        accounts: &[&MarginAccount],
        remaining: &'info [AccountInfo<'info>],
        now: i64,
    ) -> Result<HealthAccounts<'info>> {
        let group = accounts.first().map(|a| a.group).unwrap_or_default();
        let (inputs, rest) =
            Self::load_segment(&required_underlyings(accounts), &group, remaining, now)?;
        if !rest.is_empty() {
            xm_msg!("health accounts: {} more accounts than the holdings need", rest.len());
            return err!(XmError::HealthAccountUnexpected);
        }
        Ok(inputs)
    }

    /// Resolves the underlyings `needed` (ascending, no repeats) of `group` from the start of
    /// `remaining`; returns them and the accounts after the segment.
    pub fn load_segment(
        needed: &[u16],
        group: &Pubkey,
        remaining: &'info [AccountInfo<'info>],
        now: i64,
    ) -> Result<(HealthAccounts<'info>, &'info [AccountInfo<'info>])> {
        let mut underlyings = Vec::with_capacity(needed.len());
        let mut at = 0;
        for (k, &index) in needed.iter().enumerate() {
            let Some(underlying_info) = remaining.get(at) else {
                xm_msg!("health accounts: no accounts for underlying {}", index);
                return err!(XmError::HealthAccountMissing);
            };
            let underlying = borrow_underlying(underlying_info)?;
            require_keys_eq!(underlying.group, *group, XmError::WrongGroup);
            if underlying.index != index {
                xm_msg!(
                    "health accounts: entry {} must be underlying {} (ascending), got {}",
                    k,
                    index,
                    underlying.index
                );
                return err!(XmError::HealthAccountMismatch);
            }
            if underlying.is_quote() {
                underlyings.push(Input { underlying, price: PriceInput::Quote });
                at += 1;
                continue;
            }
            let Some(price_info) = remaining.get(at + 1) else {
                xm_msg!("health accounts: no price account for underlying {}", index);
                return err!(XmError::HealthAccountMissing);
            };
            let price = read_price(price_info, &underlying, now)?;
            underlyings.push(Input { underlying, price });
            at += 2;
        }
        Ok((HealthAccounts { underlyings, now }, &remaining[at..]))
    }

    /// The risk inputs, ascending by underlying.
    pub fn risks(&self) -> Vec<UnderlyingRisk<'_>> {
        self.underlyings
            .iter()
            .map(|i| UnderlyingRisk::new(&i.underlying, i.price, self.now))
            .collect()
    }

    /// Whether `account` may borrow in a settlement: its health accounts are all of `remaining`
    /// and show maint health >= 0. Without them, or when its health cannot be computed from
    /// fresh inputs, it may not (the settlement then spends only its positive quote balance).
    pub fn may_borrow(
        account: &MarginAccount,
        remaining: &'info [AccountInfo<'info>],
        quote: QuoteTerms,
        now: i64,
    ) -> Result<bool> {
        if remaining.is_empty() {
            return Ok(false);
        }
        let inputs = HealthAccounts::load(&[account], remaining, now)?;
        Ok(inputs.health(account, quote).is_ok_and(|h| h.maint_health >= 0))
    }

    /// Computes `account`'s health.
    pub fn health(&self, account: &MarginAccount, quote: QuoteTerms) -> Result<AccountHealth> {
        portfolio::compute(account, &self.risks(), quote, self.now)
    }

    /// Computes `account`'s health; fails unless init health is >= 0.
    pub fn require_init_health(
        &self,
        account: &MarginAccount,
        quote: QuoteTerms,
    ) -> Result<HealthSummary> {
        let health = self.health(account, quote)?;
        let summary = portfolio::summarize(&health, quote.decimals)?;
        if health.init_negative() {
            log_health("init health < 0", &health);
            return err!(XmError::InitHealthNegative);
        }
        Ok(summary)
    }
}

/// Where in a segment of `needed` the `Underlying` of `index` sits: the quote underlying takes one
/// account, every other one two (the underlying, then its price account).
pub fn segment_offset(needed: &[u16], index: u16) -> Option<usize> {
    let mut at = 0;
    for &u in needed {
        if u == index {
            return Some(at);
        }
        at += if u == QUOTE_INDEX { 1 } else { 2 };
    }
    None
}

/// An `Underlying` of this program borrowed read-only for `'info`: owner, discriminator and size
/// checked once, with `AccountLoader`'s errors (a health check reads up to 25 of them).
fn borrow_underlying<'info>(info: &'info AccountInfo<'info>) -> Result<Ref<'info, Underlying>> {
    use anchor_lang::error::ErrorCode;
    if info.owner != &crate::ID {
        return Err(Error::from(ErrorCode::AccountOwnedByWrongProgram)
            .with_pubkeys((*info.owner, crate::ID)));
    }
    let data = info.try_borrow_data()?;
    let discriminator = Underlying::DISCRIMINATOR;
    if data.len() < discriminator.len() {
        return err!(ErrorCode::AccountDiscriminatorNotFound);
    }
    if &data[..discriminator.len()] != discriminator {
        return err!(ErrorCode::AccountDiscriminatorMismatch);
    }
    if data.len() < Underlying::SPACE {
        return err!(ErrorCode::AccountDidNotDeserialize);
    }
    Ok(Ref::map(data, |data| bytemuck::from_bytes(&data[8..Underlying::SPACE])))
}

/// Logs the figures behind a health decision.
pub fn log_health(what: &str, h: &AccountHealth) {
    xm_msg!(
        "{}: init {} maint {} (equity {} / {}, requirement {} / {}, perp P&L {}, options {})",
        what,
        h.init_health,
        h.maint_health,
        h.equity[0],
        h.equity[1],
        h.requirement[0],
        h.requirement[1],
        h.perp_pnl,
        h.option_value
    );
}
