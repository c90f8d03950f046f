//! An account's health computed off-chain with the program's own code (`cross_margin::engine`,
//! `xmargin_risk`): what the keeper and the CLI show is what the program would compute.

use anchor_lang::prelude::Pubkey;
use cross_margin::engine::collateral::change_balance;
use cross_margin::engine::portfolio::{
    self, contract_prices, including, required_underlyings, AccountHealth, QuoteTerms,
    UnderlyingRisk,
};
use cross_margin::engine::trade::{self, Instrument, Reference};
use cross_margin::oracle::{decode_update, grade};
use cross_margin::state::{Group, MarginAccount, Underlying};
use xmargin_risk::health::PriceInput;

use crate::accounts::{decode, DecodeError};
use crate::chain::Chain;
use crate::pda;

/// Why an off-chain health computation failed.
#[derive(Debug)]
pub enum HealthError {
    MissingAccount(Pubkey),
    Decode(Pubkey, DecodeError),
    /// The program's own code refused (for example a price account of another feed).
    Program(String),
    /// The risk computation refused (for example no valid price for a weighted holding).
    Risk(xmargin_risk::RiskError),
}

impl core::fmt::Display for HealthError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            HealthError::MissingAccount(key) => write!(f, "account {key} not found"),
            HealthError::Decode(key, e) => write!(f, "account {key}: {e}"),
            HealthError::Program(e) => write!(f, "{e}"),
            HealthError::Risk(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for HealthError {}

/// The underlyings, ascending, whose accounts a health check needs once the account's balance of
/// `underlying` has changed by `delta` (a holding that reaches zero drops out).
pub fn underlyings_after(account: &MarginAccount, underlying: u16, delta: i64) -> Vec<u16> {
    let mut after = *account;
    // An impossible change (no free slot, overflow) fails on-chain anyway: keep the holdings.
    if change_balance(&mut after, underlying, delta).is_err() {
        after = *account;
    }
    required_underlyings(&[&after])
}

/// The underlyings, ascending, whose accounts `trade_execute` needs: every underlying the buyer
/// or the seller holds, and the traded one (a trade changes holdings only there, so this is the
/// same before and after the trade).
pub fn underlyings_for_trade(accounts: [&MarginAccount; 2], traded: u16) -> Vec<u16> {
    including(required_underlyings(&accounts), traded)
}

/// The value per contract `trade_execute` holds a trade of `instrument` on market `index` to, now,
/// with the program's own code (`engine::trade::reference`): a delegate-signed buyer, or one
/// ending below init health, pays at most `bid`; such a seller receives at least `ask`.
pub fn trade_reference(
    chain: &mut dyn Chain,
    group: &Pubkey,
    index: u16,
    instrument: &Instrument,
    price_account: &Pubkey,
    fresh: bool,
) -> Result<Reference, HealthError> {
    let quote_decimals = fetch::<Group>(chain, group)?.quote_decimals;
    let underlying: Underlying = fetch(chain, &pda::underlying(group, index))?;
    let now = chain.now();
    let data = chain.account(price_account).ok_or(HealthError::MissingAccount(*price_account))?;
    let record = decode_update(&data.data)
        .ok_or(HealthError::Decode(*price_account, DecodeError::WrongType))?;
    let price = match grade(&record, &underlying, now).map_err(program_error)? {
        PriceInput::Valid(price) => price,
        other => return Err(HealthError::Program(format!("price of {index}: {other:?}"))),
    };
    let size = trade::contract_size(&underlying, instrument).map_err(program_error)?;
    let x = contract_prices(&price, size, underlying.decimals, quote_decimals)
        .map_err(HealthError::Risk)?
        .mid;
    trade::reference(&underlying, instrument, x, now, fresh).map_err(program_error)
}

/// Fetches and decodes a zero-copy program account.
pub fn fetch<T: bytemuck::Pod + anchor_lang::Discriminator>(
    chain: &mut dyn Chain,
    key: &Pubkey,
) -> Result<T, HealthError> {
    let account = chain.account(key).ok_or(HealthError::MissingAccount(*key))?;
    decode::<T>(&account.data).map_err(|e| HealthError::Decode(*key, e))
}

/// A margin account with everything its health needs, fetched from a chain.
pub struct Portfolio {
    pub account: MarginAccount,
    /// The group's quote terms (decimals, deposit index).
    pub quote: QuoteTerms,
    /// Unix time of the chain when fetched.
    pub now: i64,
    /// The underlyings the account touches with their graded prices, ascending by index.
    pub underlyings: Vec<(Underlying, PriceInput)>,
}

impl Portfolio {
    /// The risk inputs, as the program resolves them from the health accounts.
    pub fn risks(&self) -> Vec<UnderlyingRisk<'_>> {
        risks_of(&self.underlyings, self.now)
    }

    /// The collateral holdings as the pure health code reads them, in slot order.
    pub fn holdings(&self) -> Vec<xmargin_risk::health::CollateralInput> {
        use xmargin_risk::health::{CollateralInput, Haircuts};
        let risks = self.risks();
        self.account
            .active_collateral()
            .map(|c| match risks.iter().find(|r| r.index() == c.underlying) {
                Some(r) => CollateralInput {
                    underlying: r.index(),
                    balance: c.balance,
                    decimals: r.underlying.decimals,
                    haircuts: r.haircuts,
                    price: r.price,
                },
                None => CollateralInput {
                    underlying: c.underlying,
                    balance: c.balance,
                    decimals: self.quote.decimals,
                    haircuts: Haircuts::NONE,
                    price: PriceInput::Quote,
                },
            })
            .collect()
    }

    /// Health, exactly as the program computes it.
    pub fn health(&self) -> Result<AccountHealth, HealthError> {
        portfolio::compute(&self.account, &self.risks(), self.quote, self.now)
            .map_err(program_error)
    }
}

/// The risk inputs of decoded underlyings and their prices at `now`, as the program resolves them
/// from the health accounts.
pub fn risks_of(underlyings: &[(Underlying, PriceInput)], now: i64) -> Vec<UnderlyingRisk<'_>> {
    underlyings.iter().map(|(u, p)| UnderlyingRisk::new(u, *p, now)).collect()
}

/// Fetches the margin account at `account_key` and the risk inputs of its holdings, reading each
/// held underlying's price from `price_of(index)`.
pub fn fetch_portfolio(
    chain: &mut dyn Chain,
    account_key: &Pubkey,
    price_of: &dyn Fn(u16) -> Pubkey,
) -> Result<Portfolio, HealthError> {
    let account: MarginAccount = fetch(chain, account_key)?;
    let group: Group = fetch(chain, &account.group)?;
    let now = chain.now();
    let needed = required_underlyings(&[&account]);
    let underlyings = fetch_inputs(chain, &account.group, &needed, price_of, now)?;
    Ok(Portfolio { account, quote: group.quote_terms(), now, underlyings })
}

/// The underlyings `needed` of `group` with their prices graded at `now` as the program grades
/// them (the quote underlying without a price).
pub fn fetch_inputs(
    chain: &mut dyn Chain,
    group: &Pubkey,
    needed: &[u16],
    price_of: &dyn Fn(u16) -> Pubkey,
    now: i64,
) -> Result<Vec<(Underlying, PriceInput)>, HealthError> {
    let mut underlyings = Vec::with_capacity(needed.len());
    for &index in needed {
        let underlying: Underlying = fetch(chain, &pda::underlying(group, index))?;
        if underlying.is_quote() {
            underlyings.push((underlying, PriceInput::Quote));
            continue;
        }
        let price_key = price_of(index);
        let data = chain.account(&price_key).ok_or(HealthError::MissingAccount(price_key))?.data;
        let record =
            decode_update(&data).ok_or(HealthError::Decode(price_key, DecodeError::WrongType))?;
        let price = grade(&record, &underlying, now).map_err(program_error)?;
        underlyings.push((underlying, price));
    }
    Ok(underlyings)
}

/// Health of the margin account at `account_key` (see [`fetch_portfolio`]).
pub fn fetch_health(
    chain: &mut dyn Chain,
    account_key: &Pubkey,
    price_of: &dyn Fn(u16) -> Pubkey,
) -> Result<AccountHealth, HealthError> {
    fetch_portfolio(chain, account_key, price_of)?.health()
}

pub(crate) fn program_error(e: anchor_lang::error::Error) -> HealthError {
    HealthError::Program(e.to_string())
}
