//! `venue_fill`: an approved venue books a fill between two margin accounts by CPI, signed by its
//! venue authority (`invoke_signed` with `["xmargin-venue", group]`). Each account's owner must
//! have approved the venue, and the key the venue names for each side must be that account's
//! owner or delegate: the venue checked its signature (the maker's when it posted, the taker's
//! now). The fill is `fill::book`, the same code as `trade_execute`'s, under the same band,
//! delegate and health rules; the venue's own fee, at most its cap, is paid by the side it names
//! to its fee account (`engine::venue`). While trading or venue fills are paused, or the
//! underlying is reduce-only, both sides must shrink.
//!
//! Remaining accounts: the health accounts of both accounts together, plus the traded underlying
//! (see `health_accounts`), as for `trade_execute`.

use anchor_lang::prelude::*;

use crate::engine::governance;
use crate::engine::trade::TradeArgs;
use crate::engine::venue::{self, FeePayer};
use crate::error::XmError;
use crate::events::VenueFilled;
use crate::fill::{self, FillAccounts, VenueCharge};
use crate::state::{Group, MarginAccount, Underlying, Venue};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct VenueFillArgs {
    /// The trade: the buyer buys `quantity` contracts of the instrument from the seller.
    pub trade: TradeArgs,
    /// The key that authorized the buyer's side (its owner or delegate), as the venue verified.
    pub buyer_authority: Pubkey,
    /// The key that authorized the seller's side (its owner or delegate), as the venue verified.
    pub seller_authority: Pubkey,
    /// The venue's fee, native quote units (at most `max_fee_bps` of the notional; 0 for none).
    pub venue_fee: u64,
    /// Who pays it.
    pub fee_payer: FeePayer,
}

#[derive(Accounts)]
pub struct VenueFill<'info> {
    pub group: AccountLoader<'info, Group>,
    /// A venue of the group that the group approves.
    /// Read-only: fills on different underlyings never wait for one another.
    #[account(
        has_one = group @ XmError::WrongGroup,
        has_one = authority @ XmError::VenueAuthorityMismatch,
        has_one = fee_account @ XmError::VenueFeeAccountMismatch,
        constraint = venue.load()?.is_approved() @ XmError::VenueNotApproved,
    )]
    pub venue: AccountLoader<'info, Venue>,
    /// The venue program's PDA `["xmargin-venue", group]`.
    pub authority: Signer<'info>,
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub buyer: AccountLoader<'info, MarginAccount>,
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub seller: AccountLoader<'info, MarginAccount>,
    /// The underlying of the perpetual or of the series' chain; receives the group's fees.
    #[account(mut, has_one = group @ XmError::WrongGroup)]
    pub underlying: AccountLoader<'info, Underlying>,
    /// CHECK: the underlying's Pyth price account, checked by `oracle::read_price`.
    pub oracle: UncheckedAccount<'info>,
    /// The venue's fee account (`Venue::fee_account`), neither side.
    #[account(
        mut,
        constraint = fee_account.key() != buyer.key() && fee_account.key() != seller.key()
            @ XmError::VenueFeeAccountIsSide,
    )]
    pub fee_account: AccountLoader<'info, MarginAccount>,
}

pub fn handler<'info>(ctx: Context<'info, VenueFill<'info>>, args: VenueFillArgs) -> Result<()> {
    let a = &ctx.accounts;
    let venue_key = a.venue.key();
    let delegated = [
        venue::check_side(&*a.buyer.load()?, &venue_key, &args.buyer_authority)?,
        venue::check_side(&*a.seller.load()?, &venue_key, &args.seller_authority)?,
    ];
    let reduce_only =
        governance::fill_reduce_only(&*a.group.load()?, a.underlying.load()?.reduce_only);
    let accounts = FillAccounts {
        group: &a.group,
        buyer: &a.buyer,
        seller: &a.seller,
        underlying: &a.underlying,
        oracle: &a.oracle,
        remaining: ctx.remaining_accounts,
    };
    let venue = a.venue.load()?;
    let filled = {
        let charge = VenueCharge {
            venue: &venue,
            fee: args.venue_fee,
            payer: args.fee_payer,
            fee_account: &a.fee_account,
        };
        fill::book(&accounts, &args.trade, delegated, reduce_only, Some(charge))?
    };
    emit!(VenueFilled {
        group: a.group.key(),
        venue: venue_key,
        program: venue.program,
        underlying: filled.index,
        buyer: a.buyer.key(),
        seller: a.seller.key(),
        buyer_authority: args.buyer_authority,
        seller_authority: args.seller_authority,
        quantity: args.trade.quantity,
        price: args.trade.price,
        venue_fee: args.venue_fee,
        fee_payer: args.fee_payer,
        fee_account: a.fee_account.key(),
    });
    Ok(())
}
