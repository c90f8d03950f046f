//! `quote_cancel`: the quote's signer, or the maker account's owner (a quote its delegate posted),
//! withdraws it; the rent goes back to whoever paid it.

use anchor_lang::prelude::*;

use crate::cross_margin::accounts::MarginAccount;
use crate::error::RfqError;
use crate::state::Quote;

#[derive(Accounts)]
pub struct QuoteCancel<'info> {
    /// The quote's signer or the maker account's owner.
    pub signer: Signer<'info>,
    #[account(mut, has_one = maker, has_one = maker_account, close = maker)]
    pub quote: Account<'info, Quote>,
    /// CHECK: the quote's signer (checked by `has_one`), who paid its rent.
    #[account(mut)]
    pub maker: UncheckedAccount<'info>,
    pub maker_account: AccountLoader<'info, MarginAccount>,
}

pub fn handler(ctx: Context<QuoteCancel>) -> Result<()> {
    let a = &ctx.accounts;
    let owner = a.maker_account.load()?.owner;
    require!(a.signer.key() == a.quote.maker || a.signer.key() == owner, RfqError::NotQuoteOwner);
    Ok(())
}
