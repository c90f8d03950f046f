//! `perp_list`: the admin lists the perpetual future of an underlying (contract size, fee, price
//! band, funding cap). One contract must be worth at least `engine::trade::MIN_CONTRACT_VALUE`
//! at the oracle price.

use anchor_lang::prelude::*;

use crate::engine::governance::{self, pause};
use crate::engine::perp::{self, PerpParams};
use crate::engine::trade::check_contract_value;
use crate::error::XmError;
use crate::events::PerpListed;
use crate::oracle::read_valid_contract_price;
use crate::state::{Group, Underlying};

#[derive(Accounts)]
pub struct PerpList<'info> {
    pub admin: Signer<'info>,
    #[account(has_one = admin @ XmError::NotGroupAdmin)]
    pub group: AccountLoader<'info, Group>,
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub underlying: AccountLoader<'info, Underlying>,
    /// CHECK: the underlying's Pyth price account, checked by `oracle::read_price`: one contract
    /// must be worth at least `engine::trade::MIN_CONTRACT_VALUE` at its price.
    pub oracle: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<PerpList>, params: PerpParams) -> Result<()> {
    governance::check_not_paused(&*ctx.accounts.group.load()?, pause::LISTING)?;
    let now = Clock::get()?.unix_timestamp;
    let quote_decimals = ctx.accounts.group.load()?.quote_decimals;
    let mut underlying = ctx.accounts.underlying.load_mut()?;
    require!(!underlying.is_quote(), XmError::InvalidPerpParams);
    require!(params.contract_size > 0, XmError::InvalidPerpParams);
    let size = params.contract_size;
    let x =
        read_valid_contract_price(&ctx.accounts.oracle, &underlying, size, quote_decimals, now)?;
    check_contract_value(x.mid)?;
    perp::list(&mut underlying.perp, &params, now)?;
    emit!(PerpListed { underlying: underlying.index, params });
    Ok(())
}
