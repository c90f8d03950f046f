//! The one place the program reads prices.
//!
//! A Pyth pull-oracle `PriceUpdateV2` account is bound to an underlying in two steps:
//! - **account checks** reject the account itself: owner must be the Pyth receiver program, the
//!   data a `PriceUpdateV2`, the feed id the underlying's. These are errors whatever the action.
//! - **price checks** (verification level, age, confidence, sign; `xmargin_risk::oracle`) grade
//!   the price: a refused price becomes [`PriceInput::Invalid`], and each action decides whether
//!   it needs the price. Deposits never read prices; a holding without weight needs none.

use anchor_lang::prelude::*;
use pyth_solana_receiver_sdk::price_update::{PriceFeedMessage, PriceUpdateV2, VerificationLevel};
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
    decode_update(&info.try_borrow_data()?).ok_or_else(|| error!(XmError::OracleAccountInvalid))
}

/// Decodes a `PriceUpdateV2` account's data (discriminator, then the Borsh fields in order):
/// what `try_deserialize` does, by fixed offsets (every health check reads one per underlying,
/// and Borsh's checked reader costs several times more compute). `None` if the data is not one.
pub fn decode_update(data: &[u8]) -> Option<PriceUpdateV2> {
    fn take<const N: usize>(rest: &mut &[u8]) -> Option<[u8; N]> {
        let (head, tail) = rest.split_first_chunk::<N>()?;
        *rest = tail;
        Some(*head)
    }
    let mut rest = data.strip_prefix(PriceUpdateV2::DISCRIMINATOR)?;
    let r = &mut rest;
    let write_authority = Pubkey::new_from_array(take::<32>(r)?);
    let verification_level = match take::<1>(r)? {
        [0] => VerificationLevel::Partial { num_signatures: take::<1>(r)?[0] },
        [1] => VerificationLevel::Full,
        _ => return None,
    };
    let price_message = PriceFeedMessage {
        feed_id: take::<32>(r)?,
        price: i64::from_le_bytes(take(r)?),
        conf: u64::from_le_bytes(take(r)?),
        exponent: i32::from_le_bytes(take(r)?),
        publish_time: i64::from_le_bytes(take(r)?),
        prev_publish_time: i64::from_le_bytes(take(r)?),
        ema_price: i64::from_le_bytes(take(r)?),
        ema_conf: u64::from_le_bytes(take(r)?),
    };
    let posted_slot = u64::from_le_bytes(take(r)?);
    Some(PriceUpdateV2 { write_authority, verification_level, price_message, posted_slot })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn update(level: VerificationLevel) -> PriceUpdateV2 {
        PriceUpdateV2 {
            write_authority: Pubkey::new_unique(),
            verification_level: level,
            price_message: PriceFeedMessage {
                feed_id: [7; 32],
                price: -150_12345678,
                conf: 1_234_567,
                exponent: -8,
                publish_time: 1_700_000_000,
                prev_publish_time: 1_699_999_999,
                ema_price: 149_00000000,
                ema_conf: 999,
            },
            posted_slot: 42,
        }
    }

    /// The decoder reads what Anchor's deserializer reads, and refuses what it refuses.
    #[test]
    fn decoding_matches_the_sdk() {
        for level in [VerificationLevel::Full, VerificationLevel::Partial { num_signatures: 5 }] {
            let mut data = Vec::new();
            update(level).try_serialize(&mut data).unwrap();
            let sdk = PriceUpdateV2::try_deserialize(&mut &data[..]).unwrap();
            let ours = decode_update(&data).unwrap();
            assert_eq!(ours.write_authority, sdk.write_authority);
            assert_eq!(ours.verification_level, sdk.verification_level);
            assert_eq!(ours.price_message, sdk.price_message);
            assert_eq!(ours.posted_slot, sdk.posted_slot);
            // Trailing bytes are ignored by both; any truncation, another discriminator or an
            // unknown verification level is refused by both.
            data.push(0);
            assert!(decode_update(&data).is_some());
            data.pop();
            for len in 0..data.len() {
                assert!(decode_update(&data[..len]).is_none(), "{len}");
                assert!(PriceUpdateV2::try_deserialize(&mut &data[..len]).is_err(), "{len}");
            }
            let mut other = data.clone();
            other[0] ^= 1;
            assert!(decode_update(&other).is_none());
            let mut bad_level = data.clone();
            bad_level[8 + 32] = 2;
            assert!(decode_update(&bad_level).is_none());
            assert!(PriceUpdateV2::try_deserialize(&mut &bad_level[..]).is_err());
        }
    }
}
