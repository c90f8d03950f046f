//! `account_resolve_bankruptcy`: anyone resolves a bankrupt margin account (nothing left to
//! liquidate, no unsettled quote, quote owed): the insurance fund pays what it can into the quote
//! pool and the rest is socialized over the quote deposits (`engine::bankruptcy::resolve`).

use anchor_lang::prelude::*;
use anchor_spl::token::Token;

use crate::engine::{bankruptcy, lending};
use crate::error::XmError;
use crate::events::BankruptcyResolved;
use crate::state::{Group, MarginAccount, Underlying, INSURANCE_SEED};
use crate::vaults::transfer_from_vault;

#[derive(Accounts)]
pub struct AccountResolveBankruptcy<'info> {
    #[account(mut)]
    pub group: AccountLoader<'info, Group>,
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    #[account(
        mut,
        has_one = group @ XmError::WrongGroup,
        has_one = vault @ XmError::VaultMismatch,
        constraint = quote_underlying.load()?.is_quote() @ XmError::QuoteUnderlyingExpected,
    )]
    pub quote_underlying: AccountLoader<'info, Underlying>,
    /// CHECK: the quote vault (`has_one` above); the token program checks the rest.
    #[account(mut)]
    pub vault: UncheckedAccount<'info>,
    /// CHECK: the group's insurance vault (seeds); the token program checks the rest.
    #[account(
        mut,
        seeds = [INSURANCE_SEED, group.key().as_ref()],
        bump = group.load()?.insurance.vault_bump,
    )]
    pub insurance_vault: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(ctx: Context<AccountResolveBankruptcy>) -> Result<()> {
    let a = &ctx.accounts;
    let now = Clock::get()?.unix_timestamp;
    let (r, signer, insurance_balance, deposit_index) = {
        let mut group = a.group.load_mut()?;
        let mut pool = a.quote_underlying.load_mut()?;
        let mut account = a.margin_account.load_mut()?;
        let r = bankruptcy::resolve(&mut account, &mut pool, &mut group, now)?;
        (r, group.signer(), group.insurance.balance, lending::deposit_index(&pool))
    };
    transfer_from_vault(
        &a.token_program.to_account_info(),
        &a.insurance_vault.to_account_info(),
        &a.vault.to_account_info(),
        &a.group.to_account_info(),
        &signer,
        r.insurance_paid,
    )?;
    emit!(BankruptcyResolved {
        group: a.group.key(),
        account: a.margin_account.key(),
        owed: r.owed,
        insurance_paid: r.insurance_paid,
        socialized: r.socialized,
        insurance_balance,
        deposit_index,
    });
    Ok(())
}
