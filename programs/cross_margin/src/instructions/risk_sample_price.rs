//! `risk_sample_price`: permissionless crank that samples the underlying's oracle mid (which must
//! be valid) into its realized-volatility average, at its publish time, which must be at least
//! 300 s after the last sample's (so no print is sampled twice; `engine::vol_index::sample`). The realized vol floors the volatility index; a sample that
//! lifts it more than 5% above the index in effect raises the index at once (a new vol epoch).

use anchor_lang::prelude::*;

use crate::engine::vol_index;
use crate::error::XmError;
use crate::events::PriceSampled;
use crate::oracle::read_valid_print;
use crate::state::{Group, Underlying};

#[derive(Accounts)]
pub struct RiskSamplePrice<'info> {
    pub group: AccountLoader<'info, Group>,
    /// A priced underlying (the quote asset has no price account: its read fails).
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub underlying: AccountLoader<'info, Underlying>,
    /// CHECK: the underlying's Pyth price account, checked by `oracle::read_price`.
    pub oracle: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<RiskSamplePrice>) -> Result<()> {
    let a = &ctx.accounts;
    let now = Clock::get()?.unix_timestamp;
    let mut u = a.underlying.load_mut()?;
    let (price, published) = read_valid_print(&a.oracle, &u, now)?;
    let s = vol_index::sample(&mut u, price.mid, published)?;
    emit!(PriceSampled {
        group: a.group.key(),
        underlying: u.index,
        realized: s.realized,
        vol_index: u.risk.vol_index,
        raised: s.raised,
        epoch: u.risk.vol_epoch,
    });
    Ok(())
}
