//! The one place the program reads prices.
//!
//! A Pyth pull-oracle `PriceUpdateV2` account is bound to an underlying in two steps:
//! - **account checks** reject the account itself: owner must be the Pyth receiver program, the
//!   data a `PriceUpdateV2`, the feed id the underlying's. These are errors whatever the action.
//! - **price checks** (verification level, age, confidence, sign; `xmargin_risk::oracle`) grade
//!   the price: a refused price becomes [`PriceInput::Invalid`], and each action decides whether
//!   it needs the price. Deposits never read prices; a holding without weight needs none.

use anchor_lang::prelude::*;
use pyth_solana_receiver_sdk::price_update::PriceUpdateV2;
use xmargin_risk::health::PriceInput;
use xmargin_risk::oracle::{validate, OraclePrice, PriceSample};

use crate::engine::portfolio::{contract_prices, ContractPrices};
use crate::error::{oracle_fault_error, risk_error, XmError};
use crate::state::Underlying;

/// Reads the price of `underlying` at unix time `now` from the account `info`, which must be the
/// underlying's price account (`OracleParams::price_account`): with one account per feed, nobody
/// can pick the print an action reads.
pub fn read_price(info: &AccountInfo, underlying: &Underlying, now: i64) -> Result<PriceInput> {
    grade(&load_bound_record(info, underlying)?, underlying, now)
}

/// The valid price of `underlying` from its bound price account `info`, or `None` if there is
/// none: for an action that only takes a floor from the price and must not be blocked by a
/// broken feed (the vol post's at-the-money vol). The account must still be the bound one
/// (`PriceAccountMismatch`): nobody can leave the floor out by passing another account; an
/// account that does not load (wrong owner, format or feed) counts as an invalid price.
pub fn read_price_if_valid(
    info: &AccountInfo,
    underlying: &Underlying,
    now: i64,
) -> Result<Option<OraclePrice>> {
    require_bound(info, underlying)?;
    match load_record(info).and_then(|record| grade(&record, underlying, now)) {
        Ok(PriceInput::Valid(p)) => Ok(Some(p)),
        Ok(_) => Ok(None),
        Err(e) => {
            xm_msg!("underlying {}: price account unreadable ({}): no price", underlying.index, e);
            Ok(None)
        }
    }
}

/// The record of `underlying`'s bound price account `info`, after the account checks.
fn load_bound_record(info: &AccountInfo, underlying: &Underlying) -> Result<PriceRecord> {
    require_bound(info, underlying)?;
    load_record(info)
}

/// `info` must be `underlying`'s price account (`OracleParams::price_account`).
fn require_bound(info: &AccountInfo, underlying: &Underlying) -> Result<()> {
    if *info.key != underlying.oracle.price_account {
        xm_msg!("price account {} is not underlying {}'s", info.key, underlying.index);
        return err!(XmError::PriceAccountMismatch);
    }
    Ok(())
}

/// [`read_valid_price`] with the print's publish time (unix seconds): a sample of the price
/// series, as the realized volatility takes it.
pub fn read_valid_print(
    info: &AccountInfo,
    underlying: &Underlying,
    now: i64,
) -> Result<(OraclePrice, i64)> {
    let record = load_bound_record(info, underlying)?;
    let price = valid(grade(&record, underlying, now)?, underlying)?;
    Ok((price, record.sample.publish_time))
}

/// What a price read takes from a `PriceUpdateV2`: the feed and the published sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceRecord {
    /// The Pyth feed the update belongs to.
    pub feed_id: [u8; 32],
    /// Price, confidence, exponent, publish time and whether fully verified, as published.
    pub sample: PriceSample,
    /// Publish time of the feed's previous price (unix seconds): an update is the first at or
    /// after a time `t` exactly when `prev_publish_time < t <= publish_time`.
    pub prev_publish_time: i64,
}

/// The record in `info`, after the account checks.
fn load_record(info: &AccountInfo) -> Result<PriceRecord> {
    if *info.owner != pyth_solana_receiver_sdk::ID {
        xm_msg!("price account {} owned by {}", info.key, info.owner);
        return err!(XmError::OracleWrongOwner);
    }
    decode_update(&info.try_borrow_data()?).ok_or_else(|| error!(XmError::OracleAccountInvalid))
}

/// Length of a `PriceFeedMessage` and the `posted_slot` after it, bytes.
const MESSAGE_AND_SLOT: usize = 32 + 8 + 8 + 4 + 8 + 8 + 8 + 8 + 8;

/// Decodes a `PriceUpdateV2` account's data (discriminator, then the Borsh fields in order:
/// `write_authority`, the verification level, the `PriceFeedMessage`, `posted_slot`) by fixed
/// offsets, reading only the fields a price read uses: every health check reads one per
/// underlying, and Borsh's checked reader costs several times more compute. `None` wherever
/// `try_deserialize` fails: another discriminator, an unknown level, any truncation.
pub fn decode_update(data: &[u8]) -> Option<PriceRecord> {
    let body = data.strip_prefix(PriceUpdateV2::DISCRIMINATOR)?;
    // After the 32-byte write authority: the level's tag, then for `Partial` a signature count.
    let (fully_verified, message_at) = match body.get(32)? {
        0 => (false, 34),
        1 => (true, 33),
        _ => return None,
    };
    let message = body.get(message_at..message_at + MESSAGE_AND_SLOT)?;
    let (feed_id, rest) = message.split_first_chunk::<32>()?;
    let (price, rest) = rest.split_first_chunk::<8>()?;
    let (conf, rest) = rest.split_first_chunk::<8>()?;
    let (exponent, rest) = rest.split_first_chunk::<4>()?;
    let (publish_time, rest) = rest.split_first_chunk::<8>()?;
    let (prev_publish_time, _) = rest.split_first_chunk::<8>()?;
    Some(PriceRecord {
        feed_id: *feed_id,
        sample: PriceSample {
            price: i64::from_le_bytes(*price),
            conf: u64::from_le_bytes(*conf),
            exponent: i32::from_le_bytes(*exponent),
            publish_time: i64::from_le_bytes(*publish_time),
            fully_verified,
        },
        prev_publish_time: i64::from_le_bytes(*prev_publish_time),
    })
}

/// The settlement point of stage `stage` for a series expiring at `expiry`: `expiry + stage *
/// window` (`None` past the time range).
pub fn settlement_point(expiry: i64, window_secs: u32, stage: usize) -> Option<i64> {
    let offset = i64::from(window_secs).checked_mul(i64::try_from(stage).ok()?)?;
    expiry.checked_add(offset)
}

/// Reads a settlement price for a series expiring at `expiry`: the update of `underlying`'s feed
/// (from any account) that is the **first print at or after** the settlement point of stage `k`
/// (`prev_publish_time < point <= publish_time`), graded at its publish time, where `k` is the
/// number of `earlier` accounts: for each stage `j < k`, the first print at or after its point,
/// fully verified, which must grade invalid (its confidence too wide, its price not positive). So the price is the earliest stage's
/// valid first print, whoever settles and whenever: nobody can pick among prints or wait for a
/// better one. Returns the price and the point.
pub fn read_settlement_price(
    info: &AccountInfo,
    underlying: &Underlying,
    expiry: i64,
    window_secs: u32,
    earlier: &[AccountInfo],
) -> Result<(OraclePrice, i64)> {
    for (stage, proof) in earlier.iter().enumerate() {
        let (record, _) = first_print(proof, expiry, window_secs, stage)?;
        // Verification is a property of the posting, not of the print: a partially verified copy
        // of a good print proves nothing.
        if !record.sample.fully_verified {
            xm_msg!("stage {}'s first print is not fully verified", stage);
            return err!(XmError::OracleNotFullyVerified);
        }
        let published = record.sample.publish_time;
        if let PriceInput::Valid(_) = grade(&record, underlying, published)? {
            xm_msg!(
                "stage {}'s first print (published {}) is valid: it is the price",
                stage,
                published
            );
            return err!(XmError::EarlierSettlementPrintValid);
        }
    }
    let (record, point) = first_print(info, expiry, window_secs, earlier.len())?;
    let published = record.sample.publish_time;
    Ok((valid(grade(&record, underlying, published)?, underlying)?, point))
}

/// The record in `info` if it is the first print at or after stage `stage`'s settlement point.
fn first_print(
    info: &AccountInfo,
    expiry: i64,
    window_secs: u32,
    stage: usize,
) -> Result<(PriceRecord, i64)> {
    let record = load_record(info)?;
    let point = settlement_point(expiry, window_secs, stage).ok_or(XmError::MathOverflow)?;
    let (prev, published) = (record.prev_publish_time, record.sample.publish_time);
    if !(prev < point && point <= published) {
        xm_msg!(
            "print published {} (previous {}) is not the first at or after {}",
            published,
            prev,
            point
        );
        return err!(XmError::SettlementPriceNotFirstPrint);
    }
    Ok((record, point))
}

/// The price if valid, else the fault's error.
fn valid(price: PriceInput, underlying: &Underlying) -> Result<OraclePrice> {
    match price {
        PriceInput::Valid(p) => Ok(p),
        PriceInput::Quote => err!(XmError::OracleAccountInvalid),
        PriceInput::Invalid(fault) => {
            xm_msg!("underlying {}: {}", underlying.index, fault);
            Err(oracle_fault_error(fault).into())
        }
    }
}

/// Grades a decoded price record for `underlying` at `now` (the feed must match). Shared with
/// off-chain readers, which fetch the account and decode it with [`decode_update`].
pub fn grade(record: &PriceRecord, underlying: &Underlying, now: i64) -> Result<PriceInput> {
    if record.feed_id != underlying.oracle.feed_id {
        xm_msg!("price update carries another feed than underlying {}", underlying.index);
        return err!(XmError::OracleFeedMismatch);
    }
    Ok(match validate(&record.sample, &underlying.oracle_config(), now) {
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

/// The price per perpetual contract (mid, qn) that values `underlying`'s market positions: valid,
/// or 0 when the underlying has no listed perpetual (every position's base is then 0, and its P&L
/// is its unsettled quote, which needs no price).
pub fn read_market_price(
    info: &AccountInfo,
    underlying: &Underlying,
    quote_decimals: u8,
    now: i64,
) -> Result<i64> {
    if underlying.perp.listed == 0 {
        return Ok(0);
    }
    let size = underlying.perp.contract_size;
    Ok(read_valid_contract_price(info, underlying, size, quote_decimals, now)?.mid)
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
    use pyth_solana_receiver_sdk::price_update::{PriceFeedMessage, VerificationLevel};

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
            let m = &sdk.price_message;
            let expected = PriceRecord {
                feed_id: m.feed_id,
                sample: PriceSample {
                    price: m.price,
                    conf: m.conf,
                    exponent: m.exponent,
                    publish_time: m.publish_time,
                    fully_verified: sdk.verification_level == VerificationLevel::Full,
                },
                prev_publish_time: m.prev_publish_time,
            };
            assert_eq!(decode_update(&data), Some(expected));
            // Trailing bytes are ignored by both; any truncation, another discriminator or an
            // unknown verification level is refused by both.
            data.push(0);
            assert_eq!(decode_update(&data), Some(expected));
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

#[cfg(test)]
mod settlement_tests {
    use super::settlement_point;

    #[test]
    fn settlement_points_move_by_whole_windows() {
        assert_eq!(settlement_point(1_000, 300, 0), Some(1_000));
        assert_eq!(settlement_point(1_000, 300, 1), Some(1_300));
        assert_eq!(settlement_point(1_000, 300, 7), Some(1_000 + 7 * 300));
        assert_eq!(settlement_point(i64::MAX - 10, 300, 1), None);
    }
}
