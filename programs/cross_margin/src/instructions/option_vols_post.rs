//! `option_vols_post`: the chain's vol authority posts the volatility index and every series'
//! implied volatility, with the time of posting. The index sets the scenario grid; the post starts
//! a new volatility epoch, so every cache entry of the underlying is stale until `risk_refresh`
//! revalues it (risk-increasing option trades wait for it; reducing ones do not).

use anchor_lang::prelude::*;

use crate::engine::options::{self, MAX_VOL};
use crate::engine::underlying::set_vol_index;
use crate::error::XmError;
use crate::events::VolsPosted;
use crate::state::Underlying;

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
    #[account(
        mut,
        constraint = underlying.load()?.options.vol_authority == vol_authority.key() @ XmError::NotVolAuthority,
    )]
    pub underlying: AccountLoader<'info, Underlying>,
}

pub fn handler(ctx: Context<OptionVolsPost>, args: VolsPostArgs) -> Result<()> {
    require!((0..=MAX_VOL).contains(&args.vol_index), XmError::InvalidVolatility);
    let now = Clock::get()?.unix_timestamp;
    let mut underlying = ctx.accounts.underlying.load_mut()?;
    options::post_vols(&mut underlying.options, &args.vols, now)?;
    set_vol_index(&mut underlying, args.vol_index)?;
    emit!(VolsPosted {
        underlying: underlying.index,
        vol_index: args.vol_index,
        epoch: underlying.risk.vol_epoch,
        series: args.vols.len() as u16,
    });
    Ok(())
}
