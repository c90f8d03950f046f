//! `group_set_pause`: the admin sets the group's pause bits (`engine::governance::pause`); the
//! guardian may only add bits. Applies at once. While withdrawals or trading are paused, no queued
//! change comes due (`engine::governance::due_at`).

use anchor_lang::prelude::*;

use crate::engine::governance;
use crate::events::PauseSet;
use crate::state::Group;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct GroupSetPauseArgs {
    /// The whole new mask.
    pub paused: u16,
}

#[derive(Accounts)]
pub struct GroupSetPause<'info> {
    /// The group's admin or guardian.
    pub signer: Signer<'info>,
    #[account(mut)]
    pub group: AccountLoader<'info, Group>,
}

pub fn handler(ctx: Context<GroupSetPause>, args: GroupSetPauseArgs) -> Result<()> {
    let mut group = ctx.accounts.group.load_mut()?;
    let role = governance::role(&group, &ctx.accounts.signer.key())?;
    let old = group.paused;
    governance::check_pause_change(role, old, args.paused)?;
    governance::set_paused(&mut group, args.paused, Clock::get()?.unix_timestamp);
    emit!(PauseSet {
        group: ctx.accounts.group.key(),
        signer: ctx.accounts.signer.key(),
        old,
        new: args.paused,
    });
    Ok(())
}
