//! `account_create`: opens a margin account for the signer in a group.

use anchor_lang::prelude::*;

use crate::events::MarginAccountCreated;
use crate::state::{Group, MarginAccount, MARGIN_ACCOUNT_VERSION, MARGIN_SEED};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct AccountCreateArgs {
    /// Free number distinguishing the owner's accounts in the group (part of the seeds).
    pub account_num: u32,
}

#[derive(Accounts)]
#[instruction(args: AccountCreateArgs)]
pub struct AccountCreate<'info> {
    /// Owner of the new account; pays its rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    pub group: AccountLoader<'info, Group>,
    #[account(
        init,
        payer = owner,
        space = MarginAccount::SPACE,
        seeds = [MARGIN_SEED, group.key().as_ref(), owner.key().as_ref(), &args.account_num.to_le_bytes()],
        bump
    )]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<AccountCreate>, args: AccountCreateArgs) -> Result<()> {
    let mut account = ctx.accounts.margin_account.load_init()?;
    account.version = MARGIN_ACCOUNT_VERSION;
    account.bump = ctx.bumps.margin_account;
    account.account_num = args.account_num;
    account.group = ctx.accounts.group.key();
    account.owner = ctx.accounts.owner.key();
    account.clear_slots();

    emit!(MarginAccountCreated {
        group: account.group,
        account: ctx.accounts.margin_account.key(),
        owner: account.owner,
        account_num: args.account_num,
    });
    Ok(())
}
