//! `account_close`: closes an empty margin account and returns its rent to the owner.

use anchor_lang::prelude::*;

use crate::error::XmError;
use crate::events::MarginAccountClosed;
use crate::state::MarginAccount;

#[derive(Accounts)]
pub struct AccountClose<'info> {
    /// The account's owner; receives the rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut, has_one = owner @ XmError::NotAccountOwner, close = owner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

pub fn handler(ctx: Context<AccountClose>) -> Result<()> {
    require!(ctx.accounts.margin_account.load()?.is_empty(), XmError::AccountNotEmpty);
    emit!(MarginAccountClosed {
        account: ctx.accounts.margin_account.key(),
        owner: ctx.accounts.owner.key(),
    });
    Ok(())
}
