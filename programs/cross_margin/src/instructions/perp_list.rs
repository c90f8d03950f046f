//! `perp_list`: the admin lists the perpetual future of an underlying (contract size, fee, price
//! band, funding cap).

use anchor_lang::prelude::*;

use crate::engine::perp::{self, PerpParams};
use crate::error::XmError;
use crate::events::PerpListed;
use crate::state::{Group, Underlying};

#[derive(Accounts)]
pub struct PerpList<'info> {
    pub admin: Signer<'info>,
    #[account(has_one = admin @ XmError::NotGroupAdmin)]
    pub group: AccountLoader<'info, Group>,
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub underlying: AccountLoader<'info, Underlying>,
}

pub fn handler(ctx: Context<PerpList>, params: PerpParams) -> Result<()> {
    let mut underlying = ctx.accounts.underlying.load_mut()?;
    require!(!underlying.is_quote(), XmError::InvalidPerpParams);
    perp::list(&mut underlying.perp, &params, Clock::get()?.unix_timestamp)?;
    emit!(PerpListed { underlying: underlying.index, params });
    Ok(())
}
