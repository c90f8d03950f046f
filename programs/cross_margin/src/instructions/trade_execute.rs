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
//! The fill itself is `fill::book`, shared with `venue_fill`. Writes only the underlying and the
//! two margin accounts (the group is read). Remaining accounts: the health accounts of both
//! accounts together, plus the traded underlying (see `health_accounts`).

use anchor_lang::prelude::*;

use crate::engine::governance;
pub use crate::engine::trade::TradeArgs;
use crate::error::XmError;
use crate::fill::{self, FillAccounts};
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
    // Who signed: the delegate (not the owner) trades under the delegate rule.
    let delegated = [
        a.buyer.load()?.owner != a.buyer_authority.key(),
        a.seller.load()?.owner != a.seller_authority.key(),
    ];
    let reduce_only = governance::reduce_only(&*a.group.load()?, a.underlying.load()?.reduce_only);
    let accounts = FillAccounts {
        group: &a.group,
        buyer: &a.buyer,
        seller: &a.seller,
        underlying: &a.underlying,
        oracle: &a.oracle,
        remaining: ctx.remaining_accounts,
    };
    fill::book(&accounts, &args, delegated, reduce_only, None)?;
    Ok(())
}
