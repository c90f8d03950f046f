//! `trade_execute`: a bilateral trade both counterparties sign (each the owner or the delegate of
//! its margin account). The price must lie within the instrument's band around the oracle price, so
//! colluding accounts cannot move value between them to dodge health. Each side pays the fee (to
//! the group) from its quote balance. Afterwards each account whose position did not only shrink
//! must have init health >= 0; remaining accounts: the health accounts of both accounts together
//! (see `health_accounts`).

use anchor_lang::prelude::*;

use crate::engine::collateral::change_balance;
use crate::engine::perp::{self, Fill, MAX_CONTRACTS};
use crate::engine::portfolio;
use crate::error::XmError;
use crate::events::{HealthSummary, PerpTraded};
use crate::health_accounts::{load_risks, require_init_health};
use crate::oracle::read_valid_contract_price;
use crate::state::{Group, MarginAccount, Underlying, QUOTE_INDEX};

/// What is traded.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Instrument {
    /// The perpetual future of the underlying.
    Perp,
}

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
    let (index, fee, fills) = {
        let mut underlying = a.underlying.load_mut()?;
        let Instrument::Perp = args.instrument;
        require!(underlying.perp.listed == 1, XmError::PerpNotListed);
        let x = read_valid_contract_price(&a.oracle, &underlying, quote_decimals, now)?;
        perp::check_band(&underlying.perp, args.price, x.mid)?;
        // Funding up to now accrues at the premium that prevailed before this trade.
        perp::accrue_funding(&mut underlying.perp, x.mid, now)?;
        let index = underlying.index;
        let market = underlying.perp;
        let fee = perp::fee(&market, args.quantity, args.price)?;
        let mut fills = [Fill { before: 0, after: 0 }; 2];
        for (k, (account, delta)) in
            [(&a.buyer, args.quantity), (&a.seller, -args.quantity)].into_iter().enumerate()
        {
            let mut account = account.load_mut()?;
            fills[k] = perp::fill(&mut account, index, &market, delta, args.price)?;
            change_balance(&mut account, QUOTE_INDEX, -fee)?;
        }
        perp::update_open_interest(&mut underlying.perp, &fills[0], &fills[1])?;
        perp::record_premium(&mut underlying.perp, args.price, x.mid, now)?;
        (index, fee, fills)
    };
    group.fees_accrued =
        group.fees_accrued.checked_add(2 * fee.unsigned_abs()).ok_or(XmError::MathOverflow)?;
    drop(group);

    // Read-only borrows while the health accounts are parsed: any of them may alias these.
    let mut health: [Option<HealthSummary>; 2] = [None, None];
    {
        let (buyer, seller) = (a.buyer.load()?, a.seller.load()?);
        let risks = load_risks(&[&buyer, &seller], ctx.remaining_accounts, now)?;
        for (k, account) in [&buyer, &seller].into_iter().enumerate() {
            if !fills[k].reduces() {
                health[k] = Some(require_init_health(account, &risks, quote_decimals)?);
            }
        }
    }
    for (k, account) in [&a.buyer, &a.seller].into_iter().enumerate() {
        if let Some(summary) = &health[k] {
            portfolio::record(&mut *account.load_mut()?, summary, now);
        }
    }
    emit!(PerpTraded {
        underlying: index,
        buyer: a.buyer.key(),
        seller: a.seller.key(),
        quantity: args.quantity,
        price: args.price,
        fee_per_side: fee,
        buyer_base: fills[0].after,
        seller_base: fills[1].after,
        buyer_health: health[0],
        seller_health: health[1],
    });
    Ok(())
}
