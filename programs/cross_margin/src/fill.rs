//! A bilateral fill as `trade_execute` and `venue_fill` both book it: one code path for the
//! policy and value transfer (`engine::trade::execute`), a venue's fee if any
//! (`engine::venue::charge`), the health rule of each side (`engine::trade::judge_side`), the
//! health snapshots and the `Traded` event. The instructions only differ in who vouches for the
//! sides.
//!
//! Writes only the underlying, the two margin accounts and a venue's fee account (the group is
//! read). The health accounts are the remaining accounts: both accounts' together, plus the
//! traded underlying (see `health_accounts`).

use anchor_lang::prelude::*;

use crate::engine::portfolio::{self, including, required_underlyings, HealthSummary, QuoteTerms};
use crate::engine::trade::{self, SideHealth, TradeArgs, Traded as Outcome};
use crate::engine::venue::{self, FeePayer};
use crate::error::XmError;
use crate::events::Traded;
use crate::health_accounts::HealthAccounts;
use crate::oracle::read_valid_contract_price;
use crate::state::{Group, MarginAccount, Underlying, Venue};

/// The accounts of a fill.
pub struct FillAccounts<'a, 'info> {
    pub group: &'a AccountLoader<'info, Group>,
    pub buyer: &'a AccountLoader<'info, MarginAccount>,
    pub seller: &'a AccountLoader<'info, MarginAccount>,
    pub underlying: &'a AccountLoader<'info, Underlying>,
    /// The underlying's Pyth price account (checked by `oracle::read_price`).
    pub oracle: &'a AccountInfo<'info>,
    /// The health accounts.
    pub remaining: &'info [AccountInfo<'info>],
}

/// A venue's part in a fill: its account, its fee and who pays it, and where the fee goes.
pub struct VenueCharge<'a, 'info> {
    pub venue: &'a Venue,
    pub fee: u64,
    pub payer: FeePayer,
    pub fee_account: &'a AccountLoader<'info, MarginAccount>,
}

/// What a fill did, for the instruction's own event.
pub struct Filled {
    pub index: u16,
    pub outcome: Outcome,
    /// Per side: its health summary when it has one, and its init health change when the second
    /// branch of the health rule was used (qn).
    pub health: [(Option<HealthSummary>, Option<i64>); 2],
}

/// Books `args` between the buyer and the seller; `delegated[k]` when side `k` was authorized by
/// its account's delegate; `reduce_only` when both sides must shrink. Emits `Traded`.
pub fn book(
    a: &FillAccounts,
    args: &TradeArgs,
    delegated: [bool; 2],
    reduce_only: bool,
    venue: Option<VenueCharge>,
) -> Result<Filled> {
    require_keys_neq!(a.buyer.key(), a.seller.key(), XmError::SelfTrade);
    let now = Clock::get()?.unix_timestamp;
    let quote = a.group.load()?.quote_terms();
    // The accounts as they were, for the health rule (a copy each; only read if needed).
    let before = [copy(a.buyer)?, copy(a.seller)?];
    if let Some(v) = &venue {
        venue::check_fee(v.venue, v.fee, args.quantity, args.price)?;
        // A delegate trades at value or better: a venue's fee would move value out anyway.
        if v.fee > 0 && delegated[v.payer.side()] {
            return err!(XmError::VenueFeeFromDelegatedSide);
        }
    }
    let (index, outcome) = {
        let mut u = a.underlying.load_mut()?;
        let (mut buyer, mut seller) = (a.buyer.load_mut()?, a.seller.load_mut()?);
        let size = trade::contract_size(&u, &args.instrument)?;
        let x = read_valid_contract_price(a.oracle, &u, size, quote.decimals, now)?;
        let sides = [&mut *buyer, &mut *seller];
        let outcome = trade::execute(&mut u, sides, args, x.mid, delegated, now, reduce_only)?;
        if let Some(v) = &venue {
            let payer = if v.payer == FeePayer::Buyer { &mut *buyer } else { &mut *seller };
            venue::charge(&u, payer, &mut *v.fee_account.load_mut()?, v.fee)?;
        }
        (u.index, outcome)
    };
    let health = check_health(a, &before, index, &outcome, quote, now)?;
    // The health rule's second branch lets a side below init pay the group's fee only: a venue's
    // fee from it would be value out of an account that may already owe more than it holds.
    if let Some(v) = venue.as_ref().filter(|v| v.fee > 0) {
        if health[v.payer.side()].1.is_some() {
            return err!(XmError::VenueFeeBelowInit);
        }
    }
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
    Ok(Filled { index, outcome, health })
}

/// A heap copy of a margin account (3.3 KB, too large for an SBF stack frame).
fn copy(loader: &AccountLoader<MarginAccount>) -> Result<Box<MarginAccount>> {
    let mut copy: Box<MarginAccount> = bytemuck::allocation::zeroed_box();
    bytemuck::bytes_of_mut(&mut *copy).copy_from_slice(bytemuck::bytes_of(&*loader.load()?));
    Ok(copy)
}

/// Judges both sides (`engine::trade::judge_side`) and records the health of each that has one.
fn check_health(
    a: &FillAccounts,
    before: &[Box<MarginAccount>; 2],
    index: u16,
    outcome: &Outcome,
    quote: QuoteTerms,
    now: i64,
) -> Result<[(Option<HealthSummary>, Option<i64>); 2]> {
    let mut health = [(None, None); 2];
    // Read-only borrows while the health accounts are parsed: any of them may alias these.
    {
        let (buyer, seller) = (a.buyer.load()?, a.seller.load()?);
        let needed = including(required_underlyings(&[&buyer, &seller]), index);
        let group = a.group.key();
        let (inputs, rest) = HealthAccounts::load_segment(&needed, &group, a.remaining, now)?;
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
    for (k, account) in [a.buyer, a.seller].into_iter().enumerate() {
        if let Some(summary) = &health[k].0 {
            portfolio::record(&mut *account.load_mut()?, summary, now);
        }
    }
    Ok(health)
}
