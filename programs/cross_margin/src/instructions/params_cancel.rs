//! `params_cancel`: the admin or the guardian cancels a queued change; its account is closed and
//! the rent returned to whoever paid it.

use anchor_lang::prelude::*;

use crate::engine::governance;
use crate::engine::params;
use crate::error::XmError;
use crate::events::ParamsCancelled;
use crate::state::{Group, PendingChange};

#[derive(Accounts)]
pub struct ParamsCancel<'info> {
    /// The group's admin or guardian.
    pub signer: Signer<'info>,
    pub group: AccountLoader<'info, Group>,
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

pub fn handler(ctx: Context<ParamsCancel>) -> Result<()> {
    let a = &ctx.accounts;
    governance::role(&*a.group.load()?, &a.signer.key())?;
    let pending = a.pending.load()?;
    let (change, _) = params::decode(&pending)?;
    emit!(ParamsCancelled {
        group: a.group.key(),
        underlying: pending.underlying,
        seq: pending.seq,
        signer: a.signer.key(),
        change,
    });
    Ok(())
}
