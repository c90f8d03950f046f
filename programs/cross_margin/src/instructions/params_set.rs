//! `params_set`: the admin applies a parameter change that raises no risk (every field the same
//! or safer, `engine::params::direction`) at once. Anything riskier must be queued.

use anchor_lang::prelude::*;

use crate::engine::params::{self, Direction, ParamChange};
use crate::error::XmError;
use crate::events::ParamsChanged;
use crate::state::{Group, Underlying, GROUP_WIDE};

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
    /// The underlying the change is about; none for a change of the group.
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub underlying: Option<AccountLoader<'info, Underlying>>,
}

pub fn handler(ctx: Context<ParamsSet>, args: ParamsSetArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let mut group = ctx.accounts.group.load_mut()?;
    let mut underlying = ctx.accounts.underlying.as_ref().map(|u| u.load_mut()).transpose()?;
    let old = params::current(&args.change, &group, underlying.as_deref(), now)?;
    let quote = underlying.as_ref().is_some_and(|u| u.is_quote());
    if params::direction(&old, &args.change, quote)? == Direction::Riskier {
        return err!(XmError::ChangeNeedsTimelock);
    }
    params::apply(&args.change, &mut group, underlying.as_deref_mut(), now)?;
    emit!(ParamsChanged {
        group: ctx.accounts.group.key(),
        underlying: underlying.as_ref().map_or(GROUP_WIDE, |u| u.index),
        seq: None,
        old,
        new: args.change,
    });
    Ok(())
}
