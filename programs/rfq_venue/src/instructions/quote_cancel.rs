//! `quote_cancel`: the maker withdraws its quote; the rent goes back to it.

use anchor_lang::prelude::*;

use crate::state::Quote;

#[derive(Accounts)]
pub struct QuoteCancel<'info> {
    #[account(mut)]
    pub maker: Signer<'info>,
    #[account(mut, has_one = maker, close = maker)]
    pub quote: Account<'info, Quote>,
}

pub fn handler(_ctx: Context<QuoteCancel>) -> Result<()> {
    Ok(())
}
