//! The one place the program reads prices.
//!
//! A Pyth pull-oracle `PriceUpdateV2` account is bound to an underlying in two steps:
//! - **account checks** reject the account itself: owner must be the Pyth receiver program, the
//!   data a `PriceUpdateV2`, the feed id the underlying's. These are errors whatever the action.
//! - **price checks** (verification level, age, confidence, sign; `xmargin_risk::oracle`) grade
//!   the price: a refused price becomes [`PriceInput::Invalid`], and each action decides whether
//!   it needs the price. Deposits never read prices; a holding without weight needs none.

use anchor_lang::prelude::*;
use pyth_solana_receiver_sdk::price_update::{PriceUpdateV2, VerificationLevel};
use xmargin_risk::health::PriceInput;
use xmargin_risk::oracle::{validate, OraclePrice, PriceSample};

use crate::engine::portfolio::{contract_prices, ContractPrices};
use crate::error::{oracle_fault_error, risk_error, XmError};
use crate::state::Underlying;

/// Reads the price of `underlying` at unix time `now` from the account `info`.
pub fn read_price(info: &AccountInfo, underlying: &Underlying, now: i64) -> Result<PriceInput> {
    grade_update(&load_update(info)?, underlying, now)
}

/// The `PriceUpdateV2` in `info`, after the account checks.
fn load_update(info: &AccountInfo) -> Result<PriceUpdateV2> {
    if *info.owner != pyth_solana_receiver_sdk::ID {
        msg!("price account {} owned by {}", info.key, info.owner);
        return err!(XmError::OracleWrongOwner);
    }
    let data = info.try_borrow_data()?;
    PriceUpdateV2::try_deserialize(&mut &data[..])
        .map_err(|_| error!(XmError::OracleAccountInvalid))
}

/// Reads a settlement price: an update of `underlying`'s feed published in
/// `[expiry, expiry + window_secs]`, graded at its publish time (so it may be used any time later).
pub fn read_settlement_price(
    info: &AccountInfo,
    underlying: &Underlying,
    expiry: i64,
    window_secs: u32,
) -> Result<OraclePrice> {
    let update = load_update(info)?;
    let published = update.price_message.publish_time;
    if published < expiry || published > expiry.saturating_add(i64::from(window_secs)) {
        msg!("price published at {}, window [{}, +{} s]", published, expiry, window_secs);
        return err!(XmError::SettlementPriceOutsideWindow);
    }
    valid(grade_update(&update, underlying, published)?, underlying)
}

/// The price if valid, else the fault's error.
fn valid(price: PriceInput, underlying: &Underlying) -> Result<OraclePrice> {
    match price {
        PriceInput::Valid(p) => Ok(p),
        PriceInput::Quote => err!(XmError::OracleAccountInvalid),
        PriceInput::Invalid(fault) => {
            msg!("underlying {}: {}", underlying.index, fault);
            Err(oracle_fault_error(fault).into())
        }
    }
}

/// Grades a decoded `PriceUpdateV2` for `underlying` at `now` (the feed must match). Shared with
/// off-chain readers, which fetch and decode the account themselves.
pub fn grade_update(
    update: &PriceUpdateV2,
    underlying: &Underlying,
    now: i64,
) -> Result<PriceInput> {
    let message = &update.price_message;
    if message.feed_id != underlying.oracle.feed_id {
        msg!("price update carries another feed than underlying {}", underlying.index);
        return err!(XmError::OracleFeedMismatch);
    }
    let sample = PriceSample {
        price: message.price,
        conf: message.conf,
        exponent: message.exponent,
        publish_time: message.publish_time,
        fully_verified: update.verification_level == VerificationLevel::Full,
    };
    Ok(match validate(&sample, &underlying.oracle_config(), now) {
        Ok(price) => PriceInput::Valid(price),
        Err(fault) => PriceInput::Invalid(fault),
    })
}

/// Reads the price of `underlying` and requires it valid, per contract of `contract_size` native
/// units (qn): for actions that need this very price (a trade's band, funding, settlement).
pub fn read_valid_contract_price(
    info: &AccountInfo,
    underlying: &Underlying,
    contract_size: u64,
    quote_decimals: u8,
    now: i64,
) -> Result<ContractPrices> {
    let price = read_valid_price(info, underlying, now)?;
    contract_prices(&price, contract_size, underlying.decimals, quote_decimals).map_err(risk_error)
}

/// Reads the price of `underlying` and requires it valid (per whole token, quote units).
pub fn read_valid_price(
    info: &AccountInfo,
    underlying: &Underlying,
    now: i64,
) -> Result<OraclePrice> {
    valid(read_price(info, underlying, now)?, underlying)
}
