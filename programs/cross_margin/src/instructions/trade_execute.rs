//! `trade_execute`: a bilateral trade of a perpetual or an option series that both counterparties
//! sign (each the owner or the delegate of its margin account). Policy and value transfer are
//! `engine::trade::execute`: the price lies within the instrument's band (around the oracle for a
//! perpetual, around the carried mark for an option), a delegate-signed side trades at the
//! instrument's value or better for its account, and the premium, costs and fees go through both
//! accounts' unsettled quote on the underlying (fees to the underlying). Afterwards each side
//! passes `engine::trade::judge_side`: init health >= 0, or the trade did not lower its init
//! health except by its fee. While the group's trading is paused or the underlying is reduce-only,
//! both sides must shrink their positions (`engine::governance`).
//!
//! Writes only the underlying and the two margin accounts (the group is read). Remaining accounts:
//! the health accounts of both accounts together, plus the traded underlying (see
//! `health_accounts`).

use anchor_lang::prelude::*;

use crate::engine::governance;
use crate::engine::portfolio::{self, including, required_underlyings, HealthSummary, QuoteTerms};
pub use crate::engine::trade::TradeArgs;
use crate::engine::trade::{self, SideHealth, Traded as Outcome};
use crate::error::XmError;
use crate::events::Traded;
use crate::health_accounts::HealthAccounts;
use crate::oracle::read_valid_contract_price;
use crate::state::{Group, MarginAccount, Underlying};

#[derive(Accounts)]
pub struct TradeExecute<'info> {
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
    /// The underlying of the perpetual or of the series' chain; receives the fees.
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub underlying: AccountLoader<'info, Underlying>,
    /// CHECK: the underlying's Pyth price account, checked by `oracle::read_price` (it must be the
    /// underlying's `price_account`, as in the health accounts).
    pub oracle: UncheckedAccount<'info>,
}

pub fn handler<'info>(ctx: Context<'info, TradeExecute<'info>>, args: TradeArgs) -> Result<()> {
    let a = &ctx.accounts;
    require_keys_neq!(a.buyer.key(), a.seller.key(), XmError::SelfTrade);
    let now = Clock::get()?.unix_timestamp;
    let quote = a.group.load()?.quote_terms();
    let quote_decimals = quote.decimals;
    // Who signed: the delegate (not the owner) trades under the delegate rule.
    let delegated = [
        a.buyer.load()?.owner != a.buyer_authority.key(),
        a.seller.load()?.owner != a.seller_authority.key(),
    ];
    // The accounts as they were, for the health rule (a copy each; only read if needed).
    let before = [copy(&a.buyer)?, copy(&a.seller)?];
    let (index, outcome) = {
        let mut u = a.underlying.load_mut()?;
        let (mut buyer, mut seller) = (a.buyer.load_mut()?, a.seller.load_mut()?);
        let size = trade::contract_size(&u, &args.instrument)?;
        let x = read_valid_contract_price(&a.oracle, &u, size, quote_decimals, now)?;
        let sides = [&mut *buyer, &mut *seller];
        let reduce_only = governance::reduce_only(&*a.group.load()?, u.reduce_only);
        (u.index, trade::execute(&mut u, sides, &args, x.mid, delegated, now, reduce_only)?)
    };
    let health = check_health(&ctx, &before, index, &outcome, quote, now)?;
    emit!(Traded {
        underlying: index,
        instrument: args.instrument,
        buyer: a.buyer.key(),
        seller: a.seller.key(),
        buyer_delegated: delegated[0],
        seller_delegated: delegated[1],
        quantity: args.quantity,
        price: args.price,
        premium: outcome.premium,
        fee_per_side: outcome.fee,
        buyer_position: outcome.fills[0].after,
        seller_position: outcome.fills[1].after,
        buyer_health: health[0].0,
        seller_health: health[1].0,
        buyer_init_change: health[0].1,
        seller_init_change: health[1].1,
    });
    Ok(())
}

/// A heap copy of a margin account (3.3 KB, too large for an SBF stack frame).
fn copy(loader: &AccountLoader<MarginAccount>) -> Result<Box<MarginAccount>> {
    let mut copy: Box<MarginAccount> = bytemuck::allocation::zeroed_box();
    bytemuck::bytes_of_mut(&mut *copy).copy_from_slice(bytemuck::bytes_of(&*loader.load()?));
    Ok(copy)
}

/// Judges both sides (`engine::trade::judge_side`) and records the health of each that has one.
/// Returns, per side, its health summary and, when the second branch of the rule was used, its
/// init health change (narrowed to qn).
fn check_health<'info>(
    ctx: &Context<'info, TradeExecute<'info>>,
    before: &[Box<MarginAccount>; 2],
    index: u16,
    outcome: &Outcome,
    quote: QuoteTerms,
    now: i64,
) -> Result<[(Option<HealthSummary>, Option<i64>); 2]> {
    let a = &ctx.accounts;
    let mut health = [(None, None); 2];
    // Read-only borrows while the health accounts are parsed: any of them may alias these.
    {
        let (buyer, seller) = (a.buyer.load()?, a.seller.load()?);
        let needed = including(required_underlyings(&[&buyer, &seller]), index);
        let group = a.group.key();
        let (inputs, rest) =
            HealthAccounts::load_segment(&needed, &group, ctx.remaining_accounts, now)?;
        if !rest.is_empty() {
            xm_msg!("health accounts: {} more accounts than the trade needs", rest.len());
            return err!(XmError::HealthAccountUnexpected);
        }
        let risks = inputs.risks();
        for (k, account) in [&*buyer, &*seller].into_iter().enumerate() {
            let SideHealth { after, init_change } = trade::judge_side(
                account,
                &before[k],
                &risks,
                index,
                outcome.fee,
                outcome.at_value[k],
                quote,
                now,
            )?;
            let summary = after.map(|h| portfolio::summarize(&h, quote.decimals)).transpose()?;
            let narrow = |c: i128| i64::try_from(c).map_err(|_| error!(XmError::MathOverflow));
            health[k] = (summary, init_change.map(narrow).transpose()?);
        }
    }
    for (k, account) in [&a.buyer, &a.seller].into_iter().enumerate() {
        if let Some(summary) = &health[k].0 {
            portfolio::record(&mut *account.load_mut()?, summary, now);
        }
    }
    Ok(health)
}
