//! `risk_refresh`: permissionless crank that values one series at the oracle's mid price (which must
//! be valid) in every scenario of both grids and stores its risk cache entry for the current
//! volatility epoch. One series per instruction (about 120,000 CU).

use anchor_lang::prelude::*;

use crate::engine::options;
use crate::error::XmError;
use crate::events::RiskRefreshed;
use crate::oracle::read_valid_price;
use crate::state::{Group, Underlying};

#[derive(Accounts)]
pub struct RiskRefresh<'info> {
    pub group: AccountLoader<'info, Group>,
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub underlying: AccountLoader<'info, Underlying>,
    /// CHECK: the underlying's Pyth price account, checked by `oracle::read_price`.
    pub oracle: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<RiskRefresh>, series: u16) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let quote_decimals = ctx.accounts.group.load()?.quote_decimals;
    let mut underlying = ctx.accounts.underlying.load_mut()?;
    let price = read_valid_price(&ctx.accounts.oracle, &underlying, now)?;
    let entry = options::value_series(&underlying, series, price.mid, quote_decimals, now)?;
    options::store(&mut underlying.options, usize::from(series), &entry);
    emit!(RiskRefreshed {
        underlying: underlying.index,
        series,
        epoch: entry.epoch,
        ref_price: entry.ref_price,
        mark: entry.mark,
        delta: entry.delta,
    });
    Ok(())
}
