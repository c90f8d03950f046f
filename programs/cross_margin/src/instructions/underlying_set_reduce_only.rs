//! `underlying_set_reduce_only`: the admin sets or lifts an underlying's reduce-only flag; the
//! guardian may only set it. Applies at once: from then on a trade on the underlying's
//! perpetual or options must shrink both sides' positions.

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
    pub group: AccountLoader<'info, Group>,
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub underlying: AccountLoader<'info, Underlying>,
}

pub fn handler(
    ctx: Context<UnderlyingSetReduceOnly>,
    args: UnderlyingSetReduceOnlyArgs,
) -> Result<()> {
    let role = governance::role(&*ctx.accounts.group.load()?, &ctx.accounts.signer.key())?;
    let mut underlying = ctx.accounts.underlying.load_mut()?;
    let old = underlying.reduce_only != 0;
    governance::check_reduce_only_change(role, old, args.reduce_only)?;
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
