//! `config_set_fee`: the operator changes its taker fee (the group's cap still applies at fill).

use anchor_lang::prelude::*;

use crate::error::RfqError;
use crate::state::Config;

#[derive(Accounts)]
pub struct ConfigSetFee<'info> {
    pub operator: Signer<'info>,
    #[account(mut, has_one = operator)]
    pub config: Account<'info, Config>,
}

pub fn handler(ctx: Context<ConfigSetFee>, taker_fee_bps: u16) -> Result<()> {
    require!(taker_fee_bps <= 100, RfqError::InvalidFee);
    ctx.accounts.config.taker_fee_bps = taker_fee_bps;
    Ok(())
}
