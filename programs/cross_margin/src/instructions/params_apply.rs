//! `params_apply`: anyone applies a queued change once it is due (`effective_ts`, moved on by any
//! time exits were blocked since it was queued) and within 14 days of that, if nothing was applied
//! to its target since and the values it replaces are still those in effect. The change is
//! validated again; its account is closed and the rent returned to whoever paid it.

use anchor_lang::prelude::*;

use crate::engine::governance;
use crate::engine::params::{self, Target, TargetMut};
use crate::error::XmError;
use crate::events::ParamsChanged;
use crate::state::{Group, PendingChange, Underlying, Venue};

#[derive(Accounts)]
pub struct ParamsApply<'info> {
    #[account(mut)]
    pub group: AccountLoader<'info, Group>,
    /// The underlying the change is about (its `PendingChange::underlying`); none for a change
    /// of the group or a venue.
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub underlying: Option<AccountLoader<'info, Underlying>>,
    /// The venue the change is about; none for any other change.
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub venue: Option<AccountLoader<'info, Venue>>,
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
    let (seq, change, queued_old, version, code) = {
        let pending = a.pending.load()?;
        governance::check_due(&*a.group.load()?, &pending, now)?;
        let (change, old) = params::decode(&pending)?;
        (pending.seq, change, old, pending.params_version, pending.underlying)
    };
    let mut group = a.group.load_mut()?;
    let mut underlying = a.underlying.as_ref().map(|u| u.load_mut()).transpose()?;
    let mut venue = a.venue.as_ref().map(|v| v.load_mut()).transpose()?;
    {
        // The target it was queued for (`current` checks a venue's program against the change).
        let target = Target::of(underlying.as_deref(), venue.as_deref())?;
        require!(target.code() == code, XmError::ChangeTargetMismatch);
        // Only if nothing was applied to its target since it was queued (a stale change stays
        // stale even if the values come back), and the values it replaces are still in effect:
        // a queued change never undoes a later one.
        if target.params_version(&group) != version
            || params::current(&change, &group, target, now)? != queued_old
        {
            return err!(XmError::ChangeStale);
        }
    }
    let target = TargetMut::of(underlying.as_deref_mut(), venue.as_deref_mut())?;
    let old = params::apply(&change, &mut group, target, now)?;
    emit!(ParamsChanged {
        group: a.group.key(),
        underlying: code,
        seq: Some(seq),
        old,
        new: change
    });
    Ok(())
}
