//! `insurance_deposit`: anyone pays quote tokens into the group's insurance fund (no claim on
//! them: the fund only ever covers bankruptcies).

use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};

use crate::engine::bankruptcy;
use crate::error::XmError;
use crate::events::InsuranceDeposited;
use crate::state::{Group, INSURANCE_SEED};

#[derive(Accounts)]
pub struct InsuranceDeposit<'info> {
    /// Authority of `source`.
    pub depositor: Signer<'info>,
    #[account(mut)]
    pub group: AccountLoader<'info, Group>,
    #[account(
        mut,
        constraint = source.mint == group.load()?.quote_mint @ XmError::MintMismatch,
        constraint = source.owner == depositor.key() @ XmError::SourceNotOwnedBySigner,
    )]
    pub source: Box<Account<'info, TokenAccount>>,
    /// CHECK: the group's insurance vault (seeds); the token program checks the rest.
    #[account(
        mut,
        seeds = [INSURANCE_SEED, group.key().as_ref()],
        bump = group.load()?.insurance.vault_bump,
    )]
    pub insurance_vault: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(ctx: Context<InsuranceDeposit>, amount: u64) -> Result<()> {
    let a = &ctx.accounts;
    let balance = {
        let mut group = a.group.load_mut()?;
        bankruptcy::deposit(&mut group.insurance, amount)?;
        group.insurance.balance
    };
    let transfer = Transfer {
        from: a.source.to_account_info(),
        to: a.insurance_vault.to_account_info(),
        authority: a.depositor.to_account_info(),
    };
    token::transfer(CpiContext::new(a.token_program.key(), transfer), amount)?;
    emit!(InsuranceDeposited {
        group: a.group.key(),
        depositor: a.depositor.key(),
        amount,
        balance,
    });
    Ok(())
}
