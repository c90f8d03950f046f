//! `params_apply`: anyone applies a queued change once it is due (`effective_ts`, moved on by any
//! time exits were blocked since it was queued) and within 14 days of that, if nothing was applied
//! to its target since and the values it replaces are still those in effect. The change is
//! validated again; its account is closed and the rent returned to whoever paid it.

use anchor_lang::prelude::*;

use crate::engine::governance;
use crate::engine::params::{self, ParamChange};
use crate::error::XmError;
use crate::events::ParamsChanged;
use crate::state::{Group, PendingChange, Underlying, GROUP_WIDE};

#[derive(Accounts)]
pub struct ParamsApply<'info> {
    #[account(mut)]
    pub group: AccountLoader<'info, Group>,
    /// The underlying the change is about (its `PendingChange::underlying`); none for a change
    /// of the group.
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub underlying: Option<AccountLoader<'info, Underlying>>,
    #[account(
        mut,
        has_one = group @ XmError::WrongGroup,
        has_one = payer @ XmError::InvalidPendingChange,
        close = payer
    )]
    pub pending: AccountLoader<'info, PendingChange>,
    /// CHECK: the pending change's payer (checked by `has_one`); receives its rent.
    #[account(mut)]
    pub payer: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<ParamsApply>) -> Result<()> {
    let a = &ctx.accounts;
    let now = Clock::get()?.unix_timestamp;
    let (seq, change, queued_old, version) = {
        let pending = a.pending.load()?;
        governance::check_due(&*a.group.load()?, &pending, now)?;
        let (seq, change, old) = decode(&pending, a.underlying.as_ref())?;
        (seq, change, old, pending.params_version)
    };
    let mut group = a.group.load_mut()?;
    let mut underlying = a.underlying.as_ref().map(|u| u.load_mut()).transpose()?;
    // Only if nothing was applied to its target since it was queued (a stale change stays stale
    // even if the values come back), and the values it replaces are still in effect: a queued
    // change never undoes a later one.
    let target_version = underlying.as_ref().map_or(group.params_version, |u| u.params_version);
    if target_version != version
        || params::current(&change, &group, underlying.as_deref(), now)? != queued_old
    {
        return err!(XmError::ChangeStale);
    }
    let old = params::apply(&change, &mut group, underlying.as_deref_mut(), now)?;
    emit!(ParamsChanged {
        group: a.group.key(),
        underlying: underlying.as_ref().map_or(GROUP_WIDE, |u| u.index),
        seq: Some(seq),
        old,
        new: change,
    });
    Ok(())
}

/// The sequence number, change and replaced values a pending account holds, checked against the
/// underlying passed (the one it was queued for, or none for a group change).
fn decode(
    pending: &PendingChange,
    underlying: Option<&AccountLoader<Underlying>>,
) -> Result<(u64, ParamChange, ParamChange)> {
    let (change, old) = params::decode(pending)?;
    let index = underlying.map(|u| u.load().map(|u| u.index)).transpose()?;
    require!(index.unwrap_or(GROUP_WIDE) == pending.underlying, XmError::ChangeTargetMismatch);
    Ok((pending.seq, change, old))
}
