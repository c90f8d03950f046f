//! `option_list`: the admin lists the option chain of an underlying (contract size, fee, price
//! band, vol authority, freshness limits, settlement window, rate). Series are added afterwards.

use anchor_lang::prelude::*;

use crate::engine::options::{self, ChainParams};
use crate::error::XmError;
use crate::events::ChainListed;
use crate::state::{Group, Underlying};

#[derive(Accounts)]
pub struct OptionList<'info> {
    pub admin: Signer<'info>,
    #[account(has_one = admin @ XmError::NotGroupAdmin)]
    pub group: AccountLoader<'info, Group>,
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub underlying: AccountLoader<'info, Underlying>,
}

pub fn handler(ctx: Context<OptionList>, params: ChainParams) -> Result<()> {
    let mut underlying = ctx.accounts.underlying.load_mut()?;
    require!(!underlying.is_quote(), XmError::InvalidChainParams);
    options::list(&mut underlying.options, &params)?;
    emit!(ChainListed { underlying: underlying.index, params });
    Ok(())
}
