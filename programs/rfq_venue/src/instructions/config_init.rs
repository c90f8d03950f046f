//! `config_init`: the venue's terms in one cross-margin group.

use anchor_lang::prelude::*;

use crate::error::RfqError;
use crate::state::{Config, CONFIG_SEED, VENUE_AUTHORITY_SEED};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct ConfigInitArgs {
    /// The cross-margin group.
    pub group: Pubkey,
    /// Taker fee, basis points of the cash notional (<= 100, and at most the group's cap).
    pub taker_fee_bps: u16,
}

#[derive(Accounts)]
#[instruction(args: ConfigInitArgs)]
pub struct ConfigInit<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(
        init,
        payer = operator,
        space = 8 + Config::INIT_SPACE,
        seeds = [CONFIG_SEED, args.group.as_ref(), operator.key().as_ref()],
        bump
    )]
    pub config: Account<'info, Config>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<ConfigInit>, args: ConfigInitArgs) -> Result<()> {
    require!(args.taker_fee_bps <= 100, RfqError::InvalidFee);
    let (_, authority_bump) =
        Pubkey::find_program_address(&[VENUE_AUTHORITY_SEED, args.group.as_ref()], &crate::ID);
    ctx.accounts.config.set_inner(Config {
        group: args.group,
        operator: ctx.accounts.operator.key(),
        taker_fee_bps: args.taker_fee_bps,
        authority_bump,
        bump: ctx.bumps.config,
    });
    Ok(())
}
