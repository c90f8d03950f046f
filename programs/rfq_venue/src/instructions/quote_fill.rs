//! `quote_fill`: a taker fills all or part of a quote. The venue takes what is filled off the
//! quote first (a replayed or repeated fill finds less left, and none once the quote is closed),
//! books the fill into both margin accounts by CPI (`cross_margin::venue_fill`, signed by the
//! venue authority), charging the taker the venue's fee, and then asks the clearing layer for the
//! taker's health (`cross_margin::health_check`, CPI with return data): the venue refuses a fill
//! that leaves the taker below its init requirement, even one the clearing layer would accept
//! because it reduced the taker's risk.

use anchor_lang::prelude::*;

use crate::cross_margin::accounts::Underlying;
use crate::cross_margin::{self, program::CrossMargin, types};
use crate::error::RfqError;
use crate::health::{checked_health, Thresholds};
use crate::state::{generation, Config, Quote, Side, VENUE_AUTHORITY_SEED};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct QuoteFillArgs {
    /// Contracts to fill (1..=the quote's remaining).
    pub quantity: i64,
    /// How many of the remaining accounts are `venue_fill`'s health accounts; the rest are the
    /// taker's for `health_check`.
    pub fill_accounts: u8,
}

#[derive(Accounts)]
pub struct QuoteFill<'info> {
    /// Owner or delegate of `taker_account`.
    pub taker: Signer<'info>,
    #[account(constraint = config.group == group.key())]
    pub config: Account<'info, Config>,
    #[account(mut, has_one = config, has_one = maker, has_one = maker_account)]
    pub quote: Account<'info, Quote>,
    /// CHECK: the quote's maker (checked by `has_one`); gets the rent back once it is filled.
    #[account(mut)]
    pub maker: UncheckedAccount<'info>,
    /// CHECK: a cross-margin account, checked by `venue_fill`.
    #[account(mut)]
    pub maker_account: UncheckedAccount<'info>,
    /// CHECK: a cross-margin account, checked by `venue_fill`.
    #[account(mut)]
    pub taker_account: UncheckedAccount<'info>,
    /// CHECK: the venue authority, a PDA of this program (seeds checked); signs the CPI.
    #[account(seeds = [VENUE_AUTHORITY_SEED, config.group.as_ref()], bump = config.authority_bump)]
    pub venue_authority: UncheckedAccount<'info>,
    /// CHECK: the cross-margin group, checked by `venue_fill`.
    pub group: UncheckedAccount<'info>,
    /// CHECK: the cross-margin venue account of this program, checked by `venue_fill`.
    pub venue: UncheckedAccount<'info>,
    /// The quote's underlying (of the venue's group), its series slot still the one quoted.
    #[account(
        mut,
        constraint = underlying.load()?.group == config.group @ RfqError::WrongUnderlying,
        constraint = underlying.load()?.index == quote.underlying @ RfqError::WrongUnderlying,
    )]
    pub underlying: AccountLoader<'info, Underlying>,
    /// CHECK: the underlying's price account, checked by `venue_fill`.
    pub oracle: UncheckedAccount<'info>,
    /// CHECK: the venue's fee account, checked by `venue_fill`.
    #[account(mut)]
    pub fee_account: UncheckedAccount<'info>,
    pub cross_margin_program: Program<'info, CrossMargin>,
}

pub fn handler<'info>(ctx: Context<'info, QuoteFill<'info>>, args: QuoteFillArgs) -> Result<()> {
    let a = &ctx.accounts;
    let now = Clock::get()?.unix_timestamp;
    let quote = &a.quote;
    require!(now <= quote.expiry_ts, RfqError::QuoteExpired);
    require!(args.quantity > 0, RfqError::ZeroFill);
    require!(args.quantity <= quote.remaining, RfqError::FillTooLarge);
    let quoted = generation(&*a.underlying.load()?, &quote.instrument)?;
    require_eq!(quoted, quote.generation, RfqError::SeriesChanged);
    let split = usize::from(args.fill_accounts);
    require!(split <= ctx.remaining_accounts.len(), RfqError::BadAccountSplit);
    let (fill_health, taker_health) = ctx.remaining_accounts.split_at(split);

    let notional = i128::from(args.quantity) * i128::from(quote.price);
    let fee = u64::try_from(notional * i128::from(a.config.taker_fee_bps) / 10_000)
        .map_err(|_| error!(RfqError::MathOverflow))?;
    let maker = (a.maker_account.to_account_info(), quote.maker);
    let taker = (a.taker_account.to_account_info(), a.taker.key());
    let (buyer, seller, fee_payer) = match quote.side {
        Side::Bid => (maker, taker, types::FeePayer::Seller),
        Side::Ask => (taker, maker, types::FeePayer::Buyer),
    };
    let trade = types::TradeArgs {
        instrument: quote.instrument,
        quantity: args.quantity,
        price: quote.price,
    };
    let done = a.quote.remaining == args.quantity;

    // Effects before the calls: what is filled is off the quote.
    ctx.accounts.quote.remaining -= args.quantity;

    let a = &ctx.accounts;
    let group = a.config.group;
    let seeds: &[&[u8]] = &[VENUE_AUTHORITY_SEED, group.as_ref(), &[a.config.authority_bump]];
    let fill = cross_margin::cpi::accounts::VenueFill {
        group: a.group.to_account_info(),
        venue: a.venue.to_account_info(),
        authority: a.venue_authority.to_account_info(),
        buyer: buyer.0,
        seller: seller.0,
        underlying: a.underlying.to_account_info(),
        oracle: a.oracle.to_account_info(),
        fee_account: a.fee_account.to_account_info(),
    };
    let signer = &[seeds];
    cross_margin::cpi::venue_fill(
        CpiContext::new_with_signer(cross_margin::ID, fill, signer)
            .with_remaining_accounts(fill_health.to_vec()),
        types::VenueFillArgs {
            trade,
            buyer_authority: buyer.1,
            seller_authority: seller.1,
            venue_fee: fee,
            fee_payer,
        },
    )?;

    // The taker must end at or above its init requirement (the venue's own policy).
    let check = cross_margin::cpi::accounts::HealthCheck {
        group: a.group.to_account_info(),
        margin_account: a.taker_account.to_account_info(),
    };
    // The fill's figures are in the clearing layer's `Traded` and `VenueFilled` events; the
    // view returned is not needed here (and formatting it would cost compute).
    checked_health(check, taker_health, Thresholds { min_init: 0, min_maint: 0 })?;

    if done {
        ctx.accounts.quote.close(ctx.accounts.maker.to_account_info())?;
    }
    Ok(())
}
