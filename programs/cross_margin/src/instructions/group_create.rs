//! `group_create`: creates a group, its quote (settlement) underlying at index 0 and the quote vault.

use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

use crate::engine::lending::{self, QuotePoolParams};
use crate::engine::liquidation::LiquidationParams;
use crate::engine::underlying::{default_risk_params, initialize, UnderlyingInit};
use crate::error::XmError;
use crate::events::{GroupCreated, UnderlyingAdded};
use crate::state::{
    Group, InsuranceFund, OracleParams, Underlying, UnderlyingKind, GROUP_SEED, GROUP_VERSION,
    INSURANCE_SEED, QUOTE_INDEX, UNDERLYING_SEED, VAULT_SEED,
};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct GroupCreateArgs {
    /// Free number distinguishing the creator's groups (part of the group's seeds).
    pub group_num: u32,
    /// Delay before risk-raising parameter changes take effect, seconds.
    pub risk_timelock_secs: u32,
    /// Ticker of the quote asset (for example `USDC`), zero-padded UTF-8.
    pub quote_name: [u8; 16],
    /// Maximum total quote deposits, native units.
    pub quote_deposit_cap: u64,
    /// How the quote pool lends (`QuotePoolParams::DEFAULT` is a conventional choice).
    pub quote_pool: QuotePoolParams,
    /// How liquidations pay their liquidators (`LiquidationParams::DEFAULT`).
    pub liquidation: LiquidationParams,
    /// Share of the quote pool's collected fees `insurance_sweep` moves to the insurance fund,
    /// basis points (at most 10,000; the rest is the group's). All interest goes to the fund.
    pub insurance_fee_share_bps: u16,
}

#[derive(Accounts)]
#[instruction(args: GroupCreateArgs)]
pub struct GroupCreate<'info> {
    /// Pays for the accounts and becomes the admin.
    #[account(mut)]
    pub creator: Signer<'info>,
    #[account(
        init,
        payer = creator,
        space = Group::SPACE,
        seeds = [GROUP_SEED, creator.key().as_ref(), &args.group_num.to_le_bytes()],
        bump
    )]
    pub group: AccountLoader<'info, Group>,
    /// Settlement mint.
    pub quote_mint: Box<Account<'info, Mint>>,
    #[account(
        init,
        payer = creator,
        space = Underlying::SPACE,
        seeds = [UNDERLYING_SEED, group.key().as_ref(), &QUOTE_INDEX.to_le_bytes()],
        bump
    )]
    pub quote_underlying: AccountLoader<'info, Underlying>,
    #[account(
        init,
        payer = creator,
        seeds = [VAULT_SEED, quote_underlying.key().as_ref()],
        bump,
        token::mint = quote_mint,
        token::authority = group,
        token::token_program = token_program,
    )]
    pub quote_vault: Box<Account<'info, TokenAccount>>,
    /// The insurance fund's vault (quote tokens, authority: the group).
    #[account(
        init,
        payer = creator,
        seeds = [INSURANCE_SEED, group.key().as_ref()],
        bump,
        token::mint = quote_mint,
        token::authority = group,
        token::token_program = token_program,
    )]
    pub insurance_vault: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<GroupCreate>, args: GroupCreateArgs) -> Result<()> {
    let accounts = &ctx.accounts;
    let group_key = accounts.group.key();
    let quote_mint = accounts.quote_mint.key();
    let decimals = accounts.quote_mint.decimals;

    let mut quote = accounts.quote_underlying.load_init()?;
    initialize(
        &mut quote,
        UnderlyingInit {
            kind: UnderlyingKind::Quote,
            index: QUOTE_INDEX,
            bump: ctx.bumps.quote_underlying,
            vault_bump: ctx.bumps.quote_vault,
            group: group_key,
            mint: quote_mint,
            vault: accounts.quote_vault.key(),
            decimals,
            name: args.quote_name,
            oracle: OracleParams::default(),
            init_haircut_bps: 0,
            maint_haircut_bps: 0,
            deposit_cap: args.quote_deposit_cap,
            effective_ts: 0,
            risk: default_risk_params(decimals),
        },
    )?;
    lending::init(&mut quote, &args.quote_pool, Clock::get()?.unix_timestamp)?;
    let quote_deposit_index = quote.lending.deposit_index;
    drop(quote);

    let mut group = accounts.group.load_init()?;
    group.version = GROUP_VERSION;
    group.bump = ctx.bumps.group;
    group.underlying_count = QUOTE_INDEX + 1;
    group.group_num = args.group_num;
    group.admin = accounts.creator.key();
    group.creator = accounts.creator.key();
    group.quote_mint = quote_mint;
    group.quote_decimals = decimals;
    group.risk_timelock_secs = args.risk_timelock_secs;
    args.liquidation.validate()?;
    group.liquidation = args.liquidation.into();
    require!(args.insurance_fee_share_bps <= 10_000, XmError::InvalidInsuranceParams);
    group.quote_deposit_index = quote_deposit_index;
    group.insurance = InsuranceFund {
        fee_share_bps: args.insurance_fee_share_bps,
        vault_bump: ctx.bumps.insurance_vault,
        ..InsuranceFund::default()
    };

    emit!(GroupCreated {
        group: group_key,
        admin: group.admin,
        quote_mint,
        risk_timelock_secs: args.risk_timelock_secs,
    });
    emit!(UnderlyingAdded {
        group: group_key,
        underlying: accounts.quote_underlying.key(),
        index: QUOTE_INDEX,
        mint: quote_mint,
        feed_id: [0; 32],
        price_account: Pubkey::default(),
        init_haircut_bps: 0,
        maint_haircut_bps: 0,
        effective_ts: 0,
        deposit_cap: args.quote_deposit_cap,
        risk: default_risk_params(decimals),
    });
    Ok(())
}
