//! Token moves out of the group's vaults, signed by the group PDA (the authority of every vault),
//! and the accounts every move between the quote pool and the insurance fund needs
//! ([`InsuranceVaults`]).

use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, Transfer};

use crate::engine::bankruptcy::Resolution;
use crate::engine::lending;
use crate::error::XmError;
use crate::events::BankruptcyResolved;
use crate::state::{Group, Underlying, INSURANCE_SEED};

/// The group, its quote pool and vault, and its insurance vault: what `insurance_sweep` and a
/// bankruptcy's resolution move tokens between.
#[derive(Accounts)]
pub struct InsuranceVaults<'info> {
    #[account(mut)]
    pub group: AccountLoader<'info, Group>,
    /// The group's quote underlying (index 0).
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

impl<'info> InsuranceVaults<'info> {
    /// Moves `amount` quote tokens from the quote vault to the insurance vault, or back
    /// (`to_fund = false`).
    pub fn transfer(&self, to_fund: bool, amount: u64) -> Result<()> {
        let signer = self.group.load()?.signer();
        let (vault, insurance) =
            (self.vault.to_account_info(), self.insurance_vault.to_account_info());
        let (from, to) = if to_fund { (&vault, &insurance) } else { (&insurance, &vault) };
        let (program, group) = (self.token_program.to_account_info(), self.group.to_account_info());
        transfer_from_vault(&program, from, to, &group, &signer, amount)
    }

    /// Moves what the insurance fund paid in resolving `account` (`r`) into the quote vault and
    /// emits `BankruptcyResolved`.
    pub fn pay_resolution(&self, account: Pubkey, r: &Resolution) -> Result<()> {
        self.transfer(false, r.insurance_paid)?;
        let insurance_balance = self.group.load()?.insurance.balance;
        emit!(BankruptcyResolved {
            group: self.group.key(),
            account,
            owed: r.owed,
            insurance_paid: r.insurance_paid,
            socialized: r.socialized,
            insurance_balance,
            deposit_index: lending::deposit_index(&*self.quote_underlying.load()?),
        });
        Ok(())
    }
}

use crate::state::GroupSigner;

/// Moves `amount` native units from the vault `from` to `to`, signed by `group` (whose seeds are
/// `signer`). Nothing moves for 0.
pub fn transfer_from_vault<'info>(
    token_program: &AccountInfo<'info>,
    from: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    group: &AccountInfo<'info>,
    signer: &GroupSigner,
    amount: u64,
) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    let accounts = Transfer { from: from.clone(), to: to.clone(), authority: group.clone() };
    let seeds = signer.seeds();
    token::transfer(CpiContext::new_with_signer(token_program.key(), accounts, &[&seeds]), amount)
}
