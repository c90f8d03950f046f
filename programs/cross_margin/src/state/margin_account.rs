//! `MarginAccount`: one trader's cross-margined portfolio: collateral balances, perpetual and
//! option positions, and the last computed health.

use anchor_lang::prelude::*;

use super::{EMPTY_SLOT, QUOTE_INDEX};
use crate::assert_layout;

pub const MARGIN_SEED: &[u8] = b"margin";
pub const MARGIN_ACCOUNT_VERSION: u8 = 1;

/// Collateral slots: one per underlying the account holds (the quote asset included). 16 covers
/// the reference portfolio (8 underlyings) twice over while a full health check (two accounts per
/// underlying) still fits the 64-account transaction limit.
pub const MAX_COLLATERAL: usize = 16;
/// Market slots (perpetual and unsettled quote): at most one per underlying.
pub const MAX_PERPS: usize = 16;
/// Option slots: 8 series on each of 16 underlyings.
pub const MAX_OPTIONS: usize = 128;
/// Distinct underlyings other than the quote asset an account may hold (collateral, market and
/// option positions together), so that every instruction on it fits one transaction's 64 account
/// locks. The largest reads two accounts' health (a liquidation, or a trade): with both at the cap
/// and no underlying in common, 2 x 12 x 2 health accounts, the quote underlying and up to 15
/// named accounts make 64.
pub const MAX_ACCOUNT_UNDERLYINGS: usize = 12;
/// Venues an account may approve at once (`account_set_venue`): an order book, an RFQ venue, a
/// vault and one more. Revoking one frees its slot.
pub const MAX_ACCOUNT_VENUES: usize = 4;

/// PDA `["margin", group, owner, account_num (u32 LE)]`.
#[account(zero_copy)]
#[derive(Debug)]
pub struct MarginAccount {
    /// Layout version, [`MARGIN_ACCOUNT_VERSION`].
    pub version: u8,
    /// Bump of this PDA.
    pub bump: u8,
    pub _pad0: [u8; 2],
    /// Free number chosen by the owner (part of the seeds).
    pub account_num: u32,
    /// Group the account belongs to.
    pub group: Pubkey,
    /// Wallet that controls the account (withdraw, close, set delegate).
    pub owner: Pubkey,
    /// Wallet allowed to deposit and trade for the owner; never to withdraw or close.
    /// `Pubkey::default()` means none.
    pub delegate: Pubkey,
    /// Health as last computed by an instruction, for readers.
    pub health: HealthSnapshot,
    /// Collateral balances; unused slots have `underlying == EMPTY_SLOT`.
    pub collateral: [CollateralPosition; MAX_COLLATERAL],
    /// Positions in the underlyings' markets (perpetual and unsettled quote); unused slots have
    /// `underlying == EMPTY_SLOT`.
    pub perps: [PerpPosition; MAX_PERPS],
    /// Option positions; unused slots have `underlying == EMPTY_SLOT`.
    pub options: [OptionPosition; MAX_OPTIONS],
    /// The quote pool's borrow index when interest on a negative quote balance was last booked
    /// (precision: 2^-40); what is owed now is `-balance * index / this` (`engine::lending`).
    pub quote_index_snapshot: u64,
    /// Unix time (seconds) the account was found liquidatable (maint health < 0) and flagged;
    /// 0 when not flagged. While flagged its owner may only deposit and reduce risk; the flag
    /// clears once its init health is back at 0 or above.
    pub liquidation_since: i64,
    /// The quote pool's deposit index when a positive quote balance was last booked (precision:
    /// 2^-40; 0 reads as 1.0); the balance is worth `balance * deposit_index / this` now.
    pub quote_deposit_snapshot: u64,
    /// Venue accounts (`state::Venue`) the owner approved to book fills into this account
    /// (`venue_fill`); `Pubkey::default()` is a free slot.
    pub venues: [Pubkey; MAX_ACCOUNT_VENUES],
    /// Reserved for future fields; zero.
    pub reserved: [u8; 104],
}

/// Health figures in native quote units (precision: 10^quote_decimals per quote unit), rounded down.
#[zero_copy]
#[derive(Debug, Default)]
pub struct HealthSnapshot {
    /// Initial health.
    pub init: i64,
    /// Maintenance health.
    pub maint: i64,
    /// Value of the holdings at asset prices, before haircuts.
    pub assets: i64,
    /// Unix time (seconds) of the computation; 0 = never computed.
    pub timestamp: i64,
}

/// A collateral balance.
#[zero_copy]
#[derive(Debug, Default)]
pub struct CollateralPosition {
    /// Underlying index, or `EMPTY_SLOT`.
    pub underlying: u16,
    pub _pad: [u8; 6],
    /// Balance in native token units. Only the quote asset may be negative (an amount owed).
    pub balance: i64,
}

/// The account's position in one underlying's markets: its perpetual and the unsettled quote of
/// every trade on the underlying (perpetual fills, funding, option premiums and expiry payments,
/// fees). Its unrealized P&L at a price `X` per contract is `base * X + quote`; `perp_settle_pnl`
/// moves it into quote balances. Trades book here, never into the quote balance, so that a trade
/// writes only its underlying and the two margin accounts, and only a settlement can make an
/// account owe quote.
#[zero_copy]
#[derive(Debug, Default)]
pub struct PerpPosition {
    /// Underlying index, or `EMPTY_SLOT`.
    pub underlying: u16,
    pub _pad: [u8; 6],
    /// Signed size in contracts (negative = short), `|base| <= i32::MAX`.
    pub base: i64,
    /// Unsettled quote, native quote units: minus the cost of the contracts held, minus funding
    /// paid, plus option premiums received and expiry payments, minus premiums and fees paid,
    /// minus P&L already settled into the quote balance.
    pub quote: i64,
    /// The market's `funding_index` when funding was last booked into `quote`.
    pub funding_snapshot: i64,
    /// Reserved; zero.
    pub reserved: [u8; 8],
}

/// An option position in a series of an underlying's chain (opened by `trade_execute`, closed by
/// trading it to zero or by `option_settle_positions` after expiry).
#[zero_copy]
#[derive(Debug, Default)]
pub struct OptionPosition {
    /// Underlying index, or `EMPTY_SLOT`.
    pub underlying: u16,
    /// Series index in the underlying's option chain.
    pub series: u16,
    /// The series slot's `generation` when the position was opened.
    pub generation: u32,
    /// Signed number of contracts (negative = written).
    pub quantity: i64,
}

assert_layout!(HealthSnapshot, 32);
assert_layout!(CollateralPosition, 16);
assert_layout!(PerpPosition, 40);
assert_layout!(OptionPosition, 16);
assert_layout!(
    MarginAccount,
    8 + 32 * 3
        + 32
        + 16 * MAX_COLLATERAL
        + 40 * MAX_PERPS
        + 16 * MAX_OPTIONS
        + 24
        + 32 * MAX_ACCOUNT_VENUES
        + 104
);

impl MarginAccount {
    /// Account size including the 8-byte discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<MarginAccount>();

    /// Marks every slot empty (a fresh account is all zeros, and 0 is the quote index).
    pub fn clear_slots(&mut self) {
        self.collateral.iter_mut().for_each(|c| c.underlying = EMPTY_SLOT);
        self.perps.iter_mut().for_each(|p| p.underlying = EMPTY_SLOT);
        self.options.iter_mut().for_each(|o| o.underlying = EMPTY_SLOT);
    }

    /// Whether `key` may act for the owner (the owner or the delegate).
    pub fn is_owner_or_delegate(&self, key: &Pubkey) -> bool {
        *key == self.owner || (*key == self.delegate && self.delegate != Pubkey::default())
    }

    /// Whether the account holds nothing but quote: no other collateral, no perpetual contracts,
    /// no option positions (its quote balance and unsettled quote may be anything). Nothing is
    /// left to liquidate: a negative equity is a bankruptcy.
    pub fn has_no_holdings(&self) -> bool {
        self.active_collateral().all(|c| c.underlying == QUOTE_INDEX)
            && self.perps.iter().all(|p| p.underlying == EMPTY_SLOT || p.base == 0)
            && self.options.iter().all(|o| o.underlying == EMPTY_SLOT || o.quantity == 0)
    }

    /// Whether nothing but a positive quote balance could pay what the account owes: no
    /// holdings and no unsettled gain on any underlying. Its settled losses beyond that balance
    /// are a bankruptcy, written off at once (`engine::bankruptcy`).
    pub fn holds_nothing_of_value(&self) -> bool {
        self.has_no_holdings()
            && self.perps.iter().all(|p| p.underlying == EMPTY_SLOT || p.quote <= 0)
    }

    /// Non-empty collateral slots, in slot order.
    pub fn active_collateral(&self) -> impl Iterator<Item = &CollateralPosition> {
        self.collateral.iter().filter(|c| c.underlying != EMPTY_SLOT)
    }

    /// Whether the owner approved the venue account `venue`.
    pub fn approves_venue(&self, venue: &Pubkey) -> bool {
        *venue != Pubkey::default() && self.venues.contains(venue)
    }

    /// Whether any slot of the account (collateral, market or option) is on `underlying`.
    pub fn holds(&self, underlying: u16) -> bool {
        self.collateral.iter().any(|c| c.underlying == underlying)
            || self.perps.iter().any(|p| p.underlying == underlying)
            || self.options.iter().any(|o| o.underlying == underlying)
    }

    /// Whether the account holds nothing: no balance and no position.
    pub fn is_empty(&self) -> bool {
        self.active_collateral().next().is_none()
            && self.perps.iter().all(|p| p.underlying == EMPTY_SLOT)
            && self.options.iter().all(|o| o.underlying == EMPTY_SLOT)
    }
}
