//! `quote_post`: a maker posts a quote. Its key is what the venue later vouches for: the
//! clearing layer accepts the fill only if that key is the maker account's owner or delegate.

use anchor_lang::prelude::*;

use crate::cross_margin::accounts::Underlying;
use crate::cross_margin::types::Instrument;
use crate::error::RfqError;
use crate::state::{generation, Config, Quote, Side, QUOTE_SEED};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct QuotePostArgs {
    /// The maker's number for the quote (part of its address).
    pub quote_id: u64,
    /// The maker's cross-margin account.
    pub maker_account: Pubkey,
    pub instrument: Instrument,
    pub side: Side,
    /// Contracts (> 0).
    pub quantity: i64,
    /// Price per contract, native quote units (> 0).
    pub price: i64,
    /// Unix time (seconds) after which it cannot be filled (in the future).
    pub expiry_ts: i64,
}

#[derive(Accounts)]
#[instruction(args: QuotePostArgs)]
pub struct QuotePost<'info> {
    /// Signs the quote and pays its rent.
    #[account(mut)]
    pub maker: Signer<'info>,
    pub config: Account<'info, Config>,
    /// The cross-margin underlying the quote is on (of the venue's group).
    #[account(constraint = underlying.load()?.group == config.group @ RfqError::WrongUnderlying)]
    pub underlying: AccountLoader<'info, Underlying>,
    #[account(
        init,
        payer = maker,
        space = Quote::SPACE,
        seeds = [
            QUOTE_SEED,
            args.maker_account.as_ref(),
            maker.key().as_ref(),
            &args.quote_id.to_le_bytes()
        ],
        bump
    )]
    pub quote: Account<'info, Quote>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<QuotePost>, args: QuotePostArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    require!(args.quantity > 0 && args.price > 0 && args.expiry_ts > now, RfqError::InvalidQuote);
    let (underlying, generation) = {
        let u = ctx.accounts.underlying.load()?;
        (u.index, generation(&u, &args.instrument)?)
    };
    ctx.accounts.quote.set_inner(Quote {
        config: ctx.accounts.config.key(),
        maker: ctx.accounts.maker.key(),
        maker_account: args.maker_account,
        quote_id: args.quote_id,
        underlying,
        instrument: args.instrument,
        generation,
        side: args.side,
        remaining: args.quantity,
        price: args.price,
        expiry_ts: args.expiry_ts,
        bump: ctx.bumps.quote,
    });
    Ok(())
}
