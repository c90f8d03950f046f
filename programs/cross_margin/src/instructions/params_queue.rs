//! `params_queue`: the admin queues a parameter change (any direction; one that raises risk can
//! only take effect this way). It gets its own `PendingChange` account at the group's next
//! sequence number, due after the group's timelock (longer by any time exits are blocked), with
//! the values it replaces and its target's version, and is checked now as it will be on apply.

use anchor_lang::prelude::*;

use crate::engine::governance;
use crate::engine::params::{self, ParamChange, Target};
use crate::error::XmError;
use crate::events::ParamsQueued;
use crate::state::{
    Group, PendingChange, Underlying, Venue, CHANGE_BYTES, PENDING_CHANGE_VERSION, PENDING_SEED,
};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct ParamsQueueArgs {
    /// Must be the group's `change_seq` (the seed of the new account).
    pub seq: u64,
    /// The new values of one parameter set.
    pub change: ParamChange,
}

#[derive(Accounts)]
#[instruction(args: ParamsQueueArgs)]
pub struct ParamsQueue<'info> {
    /// The group admin; pays the pending change's rent (returned on apply or cancel).
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(mut, has_one = admin @ XmError::NotGroupAdmin)]
    pub group: AccountLoader<'info, Group>,
    /// The underlying the change is about; none for a change of the group or a venue.
    #[account(has_one = group @ XmError::WrongGroup)]
    pub underlying: Option<AccountLoader<'info, Underlying>>,
    /// The venue the change is about; none for any other change.
    #[account(has_one = group @ XmError::WrongGroup)]
    pub venue: Option<AccountLoader<'info, Venue>>,
    #[account(
        init,
        payer = admin,
        space = PendingChange::SPACE,
        seeds = [PENDING_SEED, group.key().as_ref(), &args.seq.to_le_bytes()],
        bump
    )]
    pub pending: AccountLoader<'info, PendingChange>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<ParamsQueue>, args: ParamsQueueArgs) -> Result<()> {
    let a = &ctx.accounts;
    let now = Clock::get()?.unix_timestamp;
    let mut group = a.group.load_mut()?;
    require_eq!(args.seq, group.change_seq, XmError::ChangeSeqMismatch);
    let underlying = a.underlying.as_ref().map(|u| u.load()).transpose()?;
    let venue = a.venue.as_ref().map(|v| v.load()).transpose()?;
    let target = Target::of(underlying.as_deref(), venue.as_deref())?;
    params::validate(&args.change, target)?;
    let old = params::current(&args.change, &group, target, now)?;
    let effective_ts =
        now.checked_add(i64::from(group.risk_timelock_secs)).ok_or(XmError::MathOverflow)?;
    let index = target.code();

    let mut pending = a.pending.load_init()?;
    pending.change_len = encode(&args.change, &mut pending.change)?;
    pending.old_len = encode(&old, &mut pending.old)?;
    pending.version = PENDING_CHANGE_VERSION;
    pending.bump = ctx.bumps.pending;
    pending.underlying = index;
    pending.group = a.group.key();
    pending.payer = a.admin.key();
    pending.seq = args.seq;
    pending.queued_ts = now;
    pending.effective_ts = effective_ts;
    pending.blocked_secs_at_queue = governance::exits_blocked_secs_at(&group, now);
    pending.params_version = target.params_version(&group);
    group.change_seq = group.change_seq.checked_add(1).ok_or(XmError::MathOverflow)?;

    emit!(ParamsQueued {
        group: a.group.key(),
        underlying: index,
        seq: args.seq,
        pending: a.pending.key(),
        old,
        new: args.change,
        queued_ts: now,
        effective_ts,
    });
    Ok(())
}

/// Writes the Borsh encoding of `change` into `out`; its length.
fn encode(change: &ParamChange, out: &mut [u8; CHANGE_BYTES]) -> Result<u16> {
    let mut rest: &mut [u8] = out;
    change.serialize(&mut rest).map_err(|_| error!(XmError::InvalidPendingChange))?;
    Ok((CHANGE_BYTES - rest.len()) as u16)
}
