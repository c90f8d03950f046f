//! The venue's accounts.

use anchor_lang::prelude::*;

use crate::cross_margin::accounts::Underlying;
use crate::cross_margin::types::Instrument;
use crate::error::RfqError;

pub const CONFIG_SEED: &[u8] = b"config";
pub const QUOTE_SEED: &[u8] = b"quote";
/// Seeds of the venue authority (the cross-margin program's `VENUE_AUTHORITY_SEED`).
pub const VENUE_AUTHORITY_SEED: &[u8] = b"xmargin-venue";

/// PDA `["config", group, operator]`: one operator's terms in one cross-margin group (each
/// operator its own, so nobody can take another's address first).
#[account]
#[derive(InitSpace)]
pub struct Config {
    /// The cross-margin group.
    pub group: Pubkey,
    /// Who created it.
    pub operator: Pubkey,
    /// Taker fee, basis points of the fill's cash notional (contracts times price), rounded down.
    pub taker_fee_bps: u16,
    /// Bump of the venue authority `["xmargin-venue", group]`.
    pub authority_bump: u8,
    pub bump: u8,
}

/// Which way the maker trades.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The maker buys; the taker sells.
    Bid,
    /// The maker sells; the taker buys.
    Ask,
}

/// PDA `["quote", maker_account, maker, quote_id]`: one maker quote, closed when filled or
/// cancelled (the signer in the seeds: nobody can take a maker's addresses first).
#[account]
pub struct Quote {
    pub config: Pubkey,
    /// The key that signed the quote (the maker account's owner or delegate).
    pub maker: Pubkey,
    /// The maker's cross-margin account.
    pub maker_account: Pubkey,
    /// The maker's number for it (part of the seeds).
    pub quote_id: u64,
    /// The underlying's index in the group (a fill must name this underlying).
    pub underlying: u16,
    pub instrument: Instrument,
    /// For an option, the series slot's generation when posted: a fill after the slot was
    /// reused for another series is refused.
    pub generation: u32,
    pub side: Side,
    /// Contracts left.
    pub remaining: i64,
    /// Price per contract, native quote units.
    pub price: i64,
    /// Unix time (seconds) after which it cannot be filled.
    pub expiry_ts: i64,
    pub bump: u8,
}

impl Quote {
    /// Account size: discriminator, three keys, the id, the underlying, the instrument (at most
    /// 3 bytes), the generation, the side, three `i64`s and the bump.
    pub const SPACE: usize = 8 + 32 * 3 + 8 + 2 + 3 + 4 + 1 + 8 * 3 + 1;
}

/// The generation of the series slot an option instrument names on `u` (0 for a perpetual).
pub fn generation(u: &Underlying, instrument: &Instrument) -> Result<u32> {
    match *instrument {
        Instrument::Perp => Ok(0),
        Instrument::Option { series } => u
            .options
            .series
            .get(usize::from(series))
            .map(|s| s.generation)
            .ok_or_else(|| error!(RfqError::InvalidQuote)),
    }
}
