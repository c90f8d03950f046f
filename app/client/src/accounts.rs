//! Decoding of the program's zero-copy accounts and of SPL token accounts.

use anchor_lang::solana_program::program_pack::Pack;
use anchor_lang::Discriminator;
use anchor_spl::token::spl_token;

/// Why bytes could not be decoded as the requested account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// The discriminator is not the requested type's.
    WrongType,
    /// Fewer bytes than the layout needs.
    TooShort,
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            DecodeError::WrongType => write!(f, "account is not of the requested type"),
            DecodeError::TooShort => write!(f, "account data is shorter than the layout"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Decodes a zero-copy program account (`Group`, `Underlying`, `MarginAccount`). Copies, so the
/// data need not be aligned.
pub fn decode<T: bytemuck::Pod + Discriminator>(data: &[u8]) -> Result<T, DecodeError> {
    let body = data.strip_prefix(T::DISCRIMINATOR).ok_or(DecodeError::WrongType)?;
    let size = core::mem::size_of::<T>();
    if body.len() < size {
        return Err(DecodeError::TooShort);
    }
    Ok(bytemuck::pod_read_unaligned(&body[..size]))
}

/// Token amount of an SPL token account.
pub fn token_amount(data: &[u8]) -> Result<u64, DecodeError> {
    spl_token::state::Account::unpack(data).map(|a| a.amount).map_err(|_| DecodeError::WrongType)
}

/// The expiry dates, ascending and once each, of the chain's active series that have expired by
/// `now`: what `option_settle_expiry` is due for.
pub fn passed_expiries(chain: &cross_margin::state::OptionChain, now: i64) -> Vec<i64> {
    use cross_margin::state::SeriesStatus;
    let mut expiries: Vec<i64> = chain.series[..usize::from(chain.series_count)]
        .iter()
        .filter(|s| s.is(SeriesStatus::Active) && s.expiry <= now)
        .map(|s| s.expiry)
        .collect();
    expiries.sort_unstable();
    expiries.dedup();
    expiries
}
