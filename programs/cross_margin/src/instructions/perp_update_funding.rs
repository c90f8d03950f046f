//! `perp_update_funding`: permissionless crank that accrues funding up to now from the premium
//! average, at the oracle price (which must be valid).

use anchor_lang::prelude::*;

use crate::engine::governance::{self, pause};
use crate::engine::perp;
use crate::error::XmError;
use crate::events::FundingUpdated;
use crate::oracle::read_valid_contract_price;
use crate::state::{Group, Underlying};

#[derive(Accounts)]
pub struct PerpUpdateFunding<'info> {
    pub group: AccountLoader<'info, Group>,
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub underlying: AccountLoader<'info, Underlying>,
    /// CHECK: the underlying's Pyth price account, checked by `oracle::read_price`.
    pub oracle: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<PerpUpdateFunding>) -> Result<()> {
    governance::check_not_paused(&*ctx.accounts.group.load()?, pause::CRANKS)?;
    let now = Clock::get()?.unix_timestamp;
    let quote_decimals = ctx.accounts.group.load()?.quote_decimals;
    let mut underlying = ctx.accounts.underlying.load_mut()?;
    require!(underlying.perp.listed == 1, XmError::PerpNotListed);
    let x = read_valid_contract_price(
        &ctx.accounts.oracle,
        &underlying,
        underlying.perp.contract_size,
        quote_decimals,
        now,
    )?;
    let change = perp::accrue_funding(&mut underlying.perp, x.mid, now)?;
    emit!(FundingUpdated {
        underlying: underlying.index,
        index: underlying.perp.funding_index,
        change,
        premium_ema: underlying.perp.premium_ema,
        price: x.mid,
    });
    Ok(())
}
