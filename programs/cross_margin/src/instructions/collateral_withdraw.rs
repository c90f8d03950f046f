//! `collateral_withdraw`: debits the margin account and moves tokens from the vault to the owner.
//! Health post-condition: init health >= 0, computed from the health accounts (see
//! `health_accounts`), which need a valid price for every weighted holding.

use anchor_lang::prelude::*;

use crate::engine::governance::{self, pause};
use anchor_spl::token::{Token, TokenAccount};

use crate::engine::{collateral, portfolio};
use crate::error::XmError;
use crate::events::CollateralWithdrawn;
use crate::health_accounts::HealthAccounts;
use crate::state::{Group, MarginAccount, Underlying};
use crate::vaults::transfer_from_vault;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct CollateralWithdrawArgs {
    /// Native token units (> 0).
    pub amount: u64,
}

#[derive(Accounts)]
pub struct CollateralWithdraw<'info> {
    /// The account's owner (a delegate may not withdraw).
    pub owner: Signer<'info>,
    /// Signs for the vault.
    pub group: AccountLoader<'info, Group>,
    #[account(
        mut,
        has_one = owner @ XmError::NotAccountOwner,
        has_one = group @ XmError::WrongGroup,
    )]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    #[account(
        mut,
        has_one = group @ XmError::WrongGroup,
        has_one = vault @ XmError::VaultMismatch,
    )]
    pub underlying: AccountLoader<'info, Underlying>,
    /// CHECK: the underlying's vault (`has_one` above); the token program checks the rest.
    #[account(mut)]
    pub vault: UncheckedAccount<'info>,
    #[account(
        mut,
        constraint = destination.mint == underlying.load()?.mint @ XmError::MintMismatch,
        constraint = destination.owner == owner.key() @ XmError::DestinationNotOwnedByOwner,
    )]
    pub destination: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
}

pub fn handler<'info>(
    ctx: Context<'info, CollateralWithdraw<'info>>,
    args: CollateralWithdrawArgs,
) -> Result<()> {
    governance::check_not_paused(&*ctx.accounts.group.load()?, pause::WITHDRAWALS)?;
    let accounts = &ctx.accounts;
    let now = Clock::get()?.unix_timestamp;
    let (index, balance, total_deposits) = {
        let mut account = accounts.margin_account.load_mut()?;
        let mut underlying = accounts.underlying.load_mut()?;
        let balance = collateral::withdraw(&mut account, &mut underlying, args.amount, now)?;
        (underlying.index, balance, underlying.collateral.total_deposits)
    };
    let (signer, quote) = {
        let group = accounts.group.load()?;
        (group.signer(), group.quote_terms())
    };
    // Read-only borrow while the health accounts are parsed: any of them may alias this account.
    let health = {
        let account = accounts.margin_account.load()?;
        let inputs = HealthAccounts::load(&[&account], ctx.remaining_accounts, now)?;
        inputs.require_init_health(&account, quote)?
    };
    portfolio::record(&mut *accounts.margin_account.load_mut()?, &health, now);
    transfer_from_vault(
        &accounts.token_program.to_account_info(),
        &accounts.vault.to_account_info(),
        &accounts.destination.to_account_info(),
        &accounts.group.to_account_info(),
        &signer,
        args.amount,
    )?;
    emit!(CollateralWithdrawn {
        account: accounts.margin_account.key(),
        underlying: index,
        amount: args.amount,
        balance,
        total_deposits,
        health,
    });
    Ok(())
}
