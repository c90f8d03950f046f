//! `option_vols_post`: the chain's vol authority posts the volatility index and every series'
//! implied volatility, with the time of posting. The index in effect is the larger of what it
//! posted (a fall applies at most 25% a day), the realized volatility and the at-the-money
//! implied vol of the nearest expiry (`engine::vol_index`); it sets the scenario grid. The post
//! starts a new volatility epoch, so every cache entry of the underlying is stale until
//! `risk_refresh` revalues it (risk-increasing option trades wait for it; reducing ones do not).
//! The oracle gives the at-the-money strike; an invalid price, or a price account that does not
//! load, only leaves that part out (a broken feed never blocks a post, which may raise the
//! index), but the account must be the underlying's (`PriceAccountMismatch`).

use anchor_lang::prelude::*;

use crate::engine::{options, vol_index};
use crate::error::XmError;
use crate::events::VolsPosted;
use crate::oracle::read_price_if_valid;
use crate::state::{Group, Underlying};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct VolsPostArgs {
    /// Volatility index (precision: 2^-32, 2^32 = 100%; at most 1,000%).
    pub vol_index: i64,
    /// Implied volatility of every listed series, by series index (precision: 2^-32).
    pub vols: Vec<i64>,
}

#[derive(Accounts)]
pub struct OptionVolsPost<'info> {
    pub vol_authority: Signer<'info>,
    pub group: AccountLoader<'info, Group>,
    #[account(
        mut,
        has_one = group @ XmError::WrongGroup,
        constraint = underlying.load()?.options.vol_authority == vol_authority.key() @ XmError::NotVolAuthority,
    )]
    pub underlying: AccountLoader<'info, Underlying>,
    /// CHECK: the underlying's Pyth price account, checked by `oracle::read_price_if_valid`.
    pub oracle: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<OptionVolsPost>, args: VolsPostArgs) -> Result<()> {
    let a = &ctx.accounts;
    let now = Clock::get()?.unix_timestamp;
    let quote_decimals = a.group.load()?.quote_decimals;
    let mut u = a.underlying.load_mut()?;
    let index_before = u.risk.vol_index;
    options::post_vols(&mut u.options, &args.vols, index_before, now)?;
    let x = match read_price_if_valid(&a.oracle, &u, now)? {
        Some(p) => Some(vol_index::contract_mid(&u, p.mid, quote_decimals)?),
        None => None,
    };
    let index = vol_index::post(&mut u, args.vol_index, x, now)?;
    emit!(VolsPosted {
        group: a.group.key(),
        underlying: u.index,
        vol_index: index,
        posted: u.vol.posted,
        applied: u.vol.applied,
        realized: u.vol.realized,
        atm: u.vol.atm,
        epoch: u.risk.vol_epoch,
        series: args.vols.len() as u16,
    });
    Ok(())
}
