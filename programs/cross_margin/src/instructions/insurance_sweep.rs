//! `insurance_sweep`: anyone (crank) moves the quote pool's collected interest and the insurance
//! fund's share of its collected fees from the quote vault to the insurance vault; the rest of the
//! fees stays in the quote vault as the group's (`engine::bankruptcy::sweep`).

use anchor_lang::prelude::*;
use anchor_spl::token::Token;

use crate::engine::bankruptcy;
use crate::error::XmError;
use crate::events::InsuranceSwept;
use crate::state::{Group, Underlying, INSURANCE_SEED};
use crate::vaults::transfer_from_vault;

#[derive(Accounts)]
pub struct InsuranceSweep<'info> {
    #[account(mut)]
    pub group: AccountLoader<'info, Group>,
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

pub fn handler(ctx: Context<InsuranceSweep>) -> Result<()> {
    let a = &ctx.accounts;
    let (sweep, signer, balance) = {
        let mut group = a.group.load_mut()?;
        let mut pool = a.quote_underlying.load_mut()?;
        let sweep = bankruptcy::sweep(&mut pool, &mut group.insurance)?;
        (sweep, group.signer(), group.insurance.balance)
    };
    transfer_from_vault(
        &a.token_program.to_account_info(),
        &a.vault.to_account_info(),
        &a.insurance_vault.to_account_info(),
        &a.group.to_account_info(),
        &signer,
        sweep.to_fund,
    )?;
    emit!(InsuranceSwept {
        group: a.group.key(),
        to_fund: sweep.to_fund,
        to_group: sweep.to_group,
        balance,
    });
    Ok(())
}
