//! `group_propose_admin`: the admin names its successor, who becomes the admin only by signing
//! `group_accept_admin` (`Pubkey::default()` withdraws the proposal).

use anchor_lang::prelude::*;

use crate::error::XmError;
use crate::events::AdminProposed;
use crate::state::Group;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct GroupProposeAdminArgs {
    /// The proposed admin (a multisig in production, docs/governance.md).
    pub proposed: Pubkey,
}

#[derive(Accounts)]
pub struct GroupProposeAdmin<'info> {
    pub admin: Signer<'info>,
    #[account(mut, has_one = admin @ XmError::NotGroupAdmin)]
    pub group: AccountLoader<'info, Group>,
}

pub fn handler(ctx: Context<GroupProposeAdmin>, args: GroupProposeAdminArgs) -> Result<()> {
    ctx.accounts.group.load_mut()?.pending_admin = args.proposed;
    emit!(AdminProposed {
        group: ctx.accounts.group.key(),
        admin: ctx.accounts.admin.key(),
        proposed: args.proposed,
    });
    Ok(())
}
