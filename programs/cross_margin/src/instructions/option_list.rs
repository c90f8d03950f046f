//! `option_list`: the admin lists the option chain of an underlying (contract size, fee, price
//! band, vol authority, freshness limits, settlement stages, rate). Series are added afterwards.
//! One contract must be worth at least `engine::trade::MIN_CONTRACT_VALUE` at the oracle price.

use anchor_lang::prelude::*;

use crate::engine::governance::{self, pause};
use crate::engine::options::{self, ChainParams};
use crate::engine::trade::check_contract_value;
use crate::error::XmError;
use crate::events::ChainListed;
use crate::oracle::read_valid_contract_price;
use crate::state::{Group, Underlying};

#[derive(Accounts)]
pub struct OptionList<'info> {
    pub admin: Signer<'info>,
    #[account(has_one = admin @ XmError::NotGroupAdmin)]
    pub group: AccountLoader<'info, Group>,
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub underlying: AccountLoader<'info, Underlying>,
    /// CHECK: the underlying's Pyth price account, checked by `oracle::read_price`: one contract
    /// must be worth at least `engine::trade::MIN_CONTRACT_VALUE` at its price.
    pub oracle: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<OptionList>, params: ChainParams) -> Result<()> {
    governance::check_not_paused(&*ctx.accounts.group.load()?, pause::LISTING)?;
    let now = Clock::get()?.unix_timestamp;
    let quote_decimals = ctx.accounts.group.load()?.quote_decimals;
    let mut underlying = ctx.accounts.underlying.load_mut()?;
    require!(!underlying.is_quote(), XmError::InvalidChainParams);
    require!(params.contract_size > 0, XmError::InvalidChainParams);
    let size = params.contract_size;
    let x =
        read_valid_contract_price(&ctx.accounts.oracle, &underlying, size, quote_decimals, now)?;
    check_contract_value(x.mid)?;
    options::list(&mut underlying.options, &params)?;
    emit!(ChainListed { underlying: underlying.index, params });
    Ok(())
}
