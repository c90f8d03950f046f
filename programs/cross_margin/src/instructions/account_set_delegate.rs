//! `account_set_delegate`: the owner names (or removes) a delegate that may deposit and trade but
//! never withdraw or close.

use anchor_lang::prelude::*;

use crate::error::XmError;
use crate::events::DelegateSet;
use crate::state::MarginAccount;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct AccountSetDelegateArgs {
    /// New delegate; `Pubkey::default()` removes it.
    pub delegate: Pubkey,
}

#[derive(Accounts)]
pub struct AccountSetDelegate<'info> {
    pub owner: Signer<'info>,
    #[account(mut, has_one = owner @ XmError::NotAccountOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

pub fn handler(ctx: Context<AccountSetDelegate>, args: AccountSetDelegateArgs) -> Result<()> {
    ctx.accounts.margin_account.load_mut()?.delegate = args.delegate;
    emit!(DelegateSet { account: ctx.accounts.margin_account.key(), delegate: args.delegate });
    Ok(())
}
