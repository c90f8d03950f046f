//! `trade_execute`: a bilateral trade of a perpetual or an option series that both counterparties
//! sign (each the owner or the delegate of its margin account). The price must lie within the
//! instrument's band (around the oracle for a perpetual, around the carried mark for an option),
//! so colluding accounts cannot move value between them to dodge health. An option's premium moves
//! from the buyer's quote balance to the seller's; each side pays the fee (to the group) from its
//! quote balance. Afterwards each account whose position did not only shrink must have init
//! health >= 0 (which needs fresh vols and risk cache entries for every series it holds);
//! remaining accounts: the health accounts of both accounts together (see `health_accounts`).

use anchor_lang::prelude::*;

use crate::engine::trade::{Instrument, Traded as Outcome, MAX_CONTRACTS};
use crate::engine::{option_positions, perp, portfolio};
use crate::error::XmError;
use crate::events::{HealthSummary, Traded};
use crate::health_accounts::HealthAccounts;
use crate::oracle::read_valid_contract_price;
use crate::state::{Group, MarginAccount, Underlying};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct TradeArgs {
    pub instrument: Instrument,
    /// Contracts the buyer buys and the seller sells (1..=i32::MAX).
    pub quantity: i64,
    /// Price per contract, native quote units (> 0).
    pub price: i64,
}

#[derive(Accounts)]
pub struct TradeExecute<'info> {
    /// Receives the fees.
    #[account(mut)]
    pub group: AccountLoader<'info, Group>,
    /// Owner or delegate of `buyer`.
    pub buyer_authority: Signer<'info>,
    #[account(
        mut,
        has_one = group @ XmError::WrongGroup,
        constraint = buyer.load()?.is_owner_or_delegate(buyer_authority.key) @ XmError::NotOwnerOrDelegate,
    )]
    pub buyer: AccountLoader<'info, MarginAccount>,
    /// Owner or delegate of `seller`.
    pub seller_authority: Signer<'info>,
    #[account(
        mut,
        has_one = group @ XmError::WrongGroup,
        constraint = seller.load()?.is_owner_or_delegate(seller_authority.key) @ XmError::NotOwnerOrDelegate,
    )]
    pub seller: AccountLoader<'info, MarginAccount>,
    /// The underlying of the perpetual or of the series' chain.
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub underlying: AccountLoader<'info, Underlying>,
    /// CHECK: the underlying's Pyth price account, checked by `oracle::read_price`.
    pub oracle: UncheckedAccount<'info>,
}

pub fn handler<'info>(ctx: Context<'info, TradeExecute<'info>>, args: TradeArgs) -> Result<()> {
    let a = &ctx.accounts;
    require_keys_neq!(a.buyer.key(), a.seller.key(), XmError::SelfTrade);
    require!(
        (1..=MAX_CONTRACTS).contains(&args.quantity) && args.price > 0,
        XmError::InvalidTradeSize
    );
    let now = Clock::get()?.unix_timestamp;
    let mut group = a.group.load_mut()?;
    let quote_decimals = group.quote_decimals;
    let (index, outcome) = {
        let mut u = a.underlying.load_mut()?;
        let (mut buyer, mut seller) = (a.buyer.load_mut()?, a.seller.load_mut()?);
        let sides = [&mut *buyer, &mut *seller];
        let (q, p) = (args.quantity, args.price);
        let outcome = match args.instrument {
            Instrument::Perp => {
                require!(u.perp.listed == 1, XmError::PerpNotListed);
                let size = u.perp.contract_size;
                let x = read_valid_contract_price(&a.oracle, &u, size, quote_decimals, now)?;
                perp::trade(&mut u, sides, q, p, x.mid, now)?
            }
            Instrument::Option { series } => {
                let size = u.options.contract_size;
                require!(u.options.listed == 1, XmError::ChainNotListed);
                let x = read_valid_contract_price(&a.oracle, &u, size, quote_decimals, now)?;
                option_positions::trade(&mut u, series, sides, q, p, x.mid, now)?
            }
        };
        (u.index, outcome)
    };
    let fees = u64::try_from(outcome.fee).map_err(|_| XmError::MathOverflow)?;
    group.fees_accrued = group.fees_accrued.checked_add(2 * fees).ok_or(XmError::MathOverflow)?;
    drop(group);
    let health = check_health(&ctx, &outcome, quote_decimals, now)?;
    emit!(Traded {
        underlying: index,
        instrument: args.instrument,
        buyer: a.buyer.key(),
        seller: a.seller.key(),
        quantity: args.quantity,
        price: args.price,
        premium: outcome.premium,
        fee_per_side: outcome.fee,
        buyer_position: outcome.fills[0].after,
        seller_position: outcome.fills[1].after,
        buyer_health: health[0],
        seller_health: health[1],
    });
    Ok(())
}

/// Requires init health >= 0 of each side whose position did not only shrink, and records it.
fn check_health<'info>(
    ctx: &Context<'info, TradeExecute<'info>>,
    outcome: &Outcome,
    quote_decimals: u8,
    now: i64,
) -> Result<[Option<HealthSummary>; 2]> {
    let a = &ctx.accounts;
    let mut health: [Option<HealthSummary>; 2] = [None, None];
    // Read-only borrows while the health accounts are parsed: any of them may alias these.
    {
        let (buyer, seller) = (a.buyer.load()?, a.seller.load()?);
        let inputs = HealthAccounts::load(&[&buyer, &seller], ctx.remaining_accounts, now)?;
        for (k, account) in [&buyer, &seller].into_iter().enumerate() {
            if !outcome.fills[k].reduces() {
                health[k] = Some(inputs.require_init_health(account, quote_decimals)?);
            }
        }
    }
    for (k, account) in [&a.buyer, &a.seller].into_iter().enumerate() {
        if let Some(summary) = &health[k] {
            portfolio::record(&mut *account.load_mut()?, summary, now);
        }
    }
    Ok(health)
}
