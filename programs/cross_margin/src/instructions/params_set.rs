//! `params_set`: the admin applies a parameter change that raises no risk (every field the same
//! or safer, `engine::params::direction`) at once. Anything riskier must be queued.

use anchor_lang::prelude::*;

use crate::engine::params::{self, Direction, ParamChange, Target, TargetMut};
use crate::error::XmError;
use crate::events::ParamsChanged;
use crate::state::{Group, Underlying, Venue};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct ParamsSetArgs {
    /// The new values of one parameter set.
    pub change: ParamChange,
}

#[derive(Accounts)]
pub struct ParamsSet<'info> {
    pub admin: Signer<'info>,
    #[account(mut, has_one = admin @ XmError::NotGroupAdmin)]
    pub group: AccountLoader<'info, Group>,
    /// The underlying the change is about; none for a change of the group or a venue.
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub underlying: Option<AccountLoader<'info, Underlying>>,
    /// The venue the change is about; none for any other change.
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub venue: Option<AccountLoader<'info, Venue>>,
}

pub fn handler(ctx: Context<ParamsSet>, args: ParamsSetArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let mut group = ctx.accounts.group.load_mut()?;
    let mut underlying = ctx.accounts.underlying.as_ref().map(|u| u.load_mut()).transpose()?;
    let mut venue = ctx.accounts.venue.as_ref().map(|v| v.load_mut()).transpose()?;
    let target = Target::of(underlying.as_deref(), venue.as_deref())?;
    let code = target.code();
    let old = params::current(&args.change, &group, target, now)?;
    let quote = underlying.as_ref().is_some_and(|u| u.is_quote());
    if params::direction(&old, &args.change, quote)? == Direction::Riskier {
        return err!(XmError::ChangeNeedsTimelock);
    }
    let target = TargetMut::of(underlying.as_deref_mut(), venue.as_deref_mut())?;
    params::apply(&args.change, &mut group, target, now)?;
    emit!(ParamsChanged {
        group: ctx.accounts.group.key(),
        underlying: code,
        seq: None,
        old,
        new: args.change,
    });
    Ok(())
}
