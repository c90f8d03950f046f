//! `underlying_set_reduce_only`: the admin sets or lifts an underlying's reduce-only flag; the
//! guardian may only set it. Applies at once: from then on a trade on the underlying's
//! perpetual or options must shrink both sides' positions, and the group's exit clock stops (no
//! queued change comes due while any underlying is reduce-only).

use anchor_lang::prelude::*;

use crate::engine::governance;
use crate::error::XmError;
use crate::events::ReduceOnlySet;
use crate::state::{Group, Underlying};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct UnderlyingSetReduceOnlyArgs {
    pub reduce_only: bool,
}

#[derive(Accounts)]
pub struct UnderlyingSetReduceOnly<'info> {
    /// The group's admin or guardian.
    pub signer: Signer<'info>,
    #[account(mut)]
    pub group: AccountLoader<'info, Group>,
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub underlying: AccountLoader<'info, Underlying>,
}

pub fn handler(
    ctx: Context<UnderlyingSetReduceOnly>,
    args: UnderlyingSetReduceOnlyArgs,
) -> Result<()> {
    let mut group = ctx.accounts.group.load_mut()?;
    let role = governance::role(&group, &ctx.accounts.signer.key())?;
    let mut underlying = ctx.accounts.underlying.load_mut()?;
    let old = underlying.reduce_only != 0;
    governance::check_reduce_only_change(role, old, args.reduce_only)?;
    let now = Clock::get()?.unix_timestamp;
    governance::set_reduce_only(&mut group, old, args.reduce_only, now)?;
    underlying.reduce_only = u8::from(args.reduce_only);
    emit!(ReduceOnlySet {
        group: ctx.accounts.group.key(),
        underlying: underlying.index,
        signer: ctx.accounts.signer.key(),
        old,
        new: args.reduce_only,
    });
    Ok(())
}
