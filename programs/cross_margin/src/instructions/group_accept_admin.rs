//! `group_accept_admin`: the proposed admin signs and becomes the admin; the proposal is cleared.

use anchor_lang::prelude::*;

use crate::error::XmError;
use crate::events::AdminAccepted;
use crate::state::Group;

#[derive(Accounts)]
pub struct GroupAcceptAdmin<'info> {
    /// The proposed admin (`Group::pending_admin`).
    pub proposed: Signer<'info>,
    #[account(mut)]
    pub group: AccountLoader<'info, Group>,
}

pub fn handler(ctx: Context<GroupAcceptAdmin>) -> Result<()> {
    let mut group = ctx.accounts.group.load_mut()?;
    let proposed = ctx.accounts.proposed.key();
    require!(
        group.pending_admin != Pubkey::default() && group.pending_admin == proposed,
        XmError::NotPendingAdmin
    );
    let old_admin = group.admin;
    group.admin = proposed;
    group.pending_admin = Pubkey::default();
    emit!(AdminAccepted { group: ctx.accounts.group.key(), old_admin, new_admin: proposed });
    Ok(())
}
