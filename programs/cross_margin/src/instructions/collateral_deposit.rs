//! `collateral_deposit`: moves tokens from the signer into the underlying's vault and credits the
//! margin account. Reads no price: a deposit never adds risk, so no oracle can block it.

use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};

use crate::engine::collateral;
use crate::error::XmError;
use crate::events::CollateralDeposited;
use crate::state::{MarginAccount, Underlying};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct CollateralDepositArgs {
    /// Native token units (> 0).
    pub amount: u64,
}

#[derive(Accounts)]
pub struct CollateralDeposit<'info> {
    /// The account's owner or delegate; authority of `source`.
    pub signer: Signer<'info>,
    #[account(
        mut,
        constraint = margin_account.load()?.is_owner_or_delegate(signer.key) @ XmError::NotOwnerOrDelegate
    )]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    #[account(
        mut,
        constraint = underlying.load()?.group == margin_account.load()?.group @ XmError::WrongGroup,
        has_one = vault @ XmError::VaultMismatch,
    )]
    pub underlying: AccountLoader<'info, Underlying>,
    /// CHECK: the underlying's vault (`has_one` above); the token program checks the rest.
    #[account(mut)]
    pub vault: UncheckedAccount<'info>,
    #[account(
        mut,
        constraint = source.mint == underlying.load()?.mint @ XmError::MintMismatch,
        constraint = source.owner == signer.key() @ XmError::SourceNotOwnedBySigner,
    )]
    pub source: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(ctx: Context<CollateralDeposit>, args: CollateralDepositArgs) -> Result<()> {
    let accounts = &ctx.accounts;
    let (index, balance, total_deposits) = {
        let mut account = accounts.margin_account.load_mut()?;
        let mut underlying = accounts.underlying.load_mut()?;
        let now = Clock::get()?.unix_timestamp;
        let balance = collateral::deposit(&mut account, &mut underlying, args.amount, now)?;
        (underlying.index, balance, underlying.collateral.total_deposits)
    };
    token::transfer(
        CpiContext::new(
            accounts.token_program.key(),
            Transfer {
                from: accounts.source.to_account_info(),
                to: accounts.vault.to_account_info(),
                authority: accounts.signer.to_account_info(),
            },
        ),
        args.amount,
    )?;
    emit!(CollateralDeposited {
        account: accounts.margin_account.key(),
        underlying: index,
        signer: accounts.signer.key(),
        amount: args.amount,
        balance,
        total_deposits,
    });
    Ok(())
}
