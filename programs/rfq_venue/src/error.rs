//! The venue's errors (append-only).

use anchor_lang::prelude::*;

#[error_code]
pub enum RfqError {
    #[msg("the quote's size and price must be positive and its expiry in the future")]
    InvalidQuote,
    #[msg("the quote expired")]
    QuoteExpired,
    #[msg("the fill is larger than what is left of the quote")]
    FillTooLarge,
    #[msg("the fill must be for at least one contract")]
    ZeroFill,
    #[msg("the fee must be at most 100 bps")]
    InvalidFee,
    #[msg("the health accounts split is beyond the remaining accounts")]
    BadAccountSplit,
    #[msg("arithmetic overflow")]
    MathOverflow,
    #[msg("the underlying is not the quote's (or not of the venue's group)")]
    WrongUnderlying,
    #[msg("the option series slot now holds another series than the one quoted")]
    SeriesChanged,
    #[msg("only the quote's signer or the maker account's owner may cancel it")]
    NotQuoteOwner,
}
