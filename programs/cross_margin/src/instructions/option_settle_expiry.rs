//! `option_settle_expiry`: permissionless; records the settlement price of every active series of
//! the chain expiring at `expiry`, from the Pyth update that is the first print at or after the
//! expiry; if that print cannot be used (it grades invalid), from the first print at or after
//! `expiry + settle_window_secs`, and so on, each earlier stage's first print passed as remaining
//! accounts to show it invalid (`oracle::read_settlement_price`). The price is therefore the
//! earliest stage's valid first print whoever settles and whenever. Positions are then
//! cash-settled at the series' `settlement_value` per contract.

use anchor_lang::prelude::*;
use xmargin_risk::cache::ContractScale;
use xmargin_risk::error::Context as _;
use xmargin_risk::Round;

use crate::engine::options;
use crate::error::{risk_error, XmError};
use crate::events::ExpirySettled;
use crate::oracle::read_settlement_price;
use crate::state::{Group, Underlying};

#[derive(Accounts)]
pub struct OptionSettleExpiry<'info> {
    pub group: AccountLoader<'info, Group>,
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub underlying: AccountLoader<'info, Underlying>,
    /// CHECK: the underlying's Pyth price account, checked by `oracle::read_settlement_price`.
    pub oracle: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<OptionSettleExpiry>, expiry: i64) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let quote_decimals = ctx.accounts.group.load()?.quote_decimals;
    let mut underlying = ctx.accounts.underlying.load_mut()?;
    require!(underlying.options.listed == 1, XmError::ChainNotListed);
    let window = underlying.options.settle_window_secs;
    let earlier = ctx.remaining_accounts;
    let (price, point) =
        read_settlement_price(&ctx.accounts.oracle, &underlying, expiry, window, earlier)?;
    let settlement =
        ContractScale::new(underlying.options.contract_size, underlying.decimals, quote_decimals)
            .and_then(|scale| scale.per_contract(price.mid, Round::Down))
            .context("settlement price per contract")
            .map_err(risk_error)?;
    let series = options::settle_expiry(&mut underlying.options, expiry, settlement, now)?;
    emit!(ExpirySettled { underlying: underlying.index, expiry, point, price: settlement, series });
    Ok(())
}
