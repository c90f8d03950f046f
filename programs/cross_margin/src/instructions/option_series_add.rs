//! `option_series_add`: the admin adds a series (call or put, strike, expiry) to an underlying's
//! option chain. It trades once the vol authority posted its vol and the crank valued it.

use anchor_lang::prelude::*;

use crate::engine::governance::{self, pause};
use crate::engine::options::{self, SeriesParams};
use crate::error::XmError;
use crate::events::SeriesAdded;
use crate::state::{Group, Underlying};

#[derive(Accounts)]
pub struct OptionSeriesAdd<'info> {
    pub admin: Signer<'info>,
    #[account(has_one = admin @ XmError::NotGroupAdmin)]
    pub group: AccountLoader<'info, Group>,
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub underlying: AccountLoader<'info, Underlying>,
}

pub fn handler(ctx: Context<OptionSeriesAdd>, params: SeriesParams) -> Result<()> {
    governance::check_not_paused(&*ctx.accounts.group.load()?, pause::LISTING)?;
    let mut underlying = ctx.accounts.underlying.load_mut()?;
    let series =
        options::add_series(&mut underlying.options, &params, Clock::get()?.unix_timestamp)?;
    let generation = underlying.options.series[usize::from(series)].generation;
    emit!(SeriesAdded { underlying: underlying.index, series, generation, params });
    Ok(())
}
